"""The workshop app's layer: everything app.py (the Solara page at the repository root) uses,
in one place. The state lives in state.py (a locality) and region.py (a region), free of any web
framework; the panels are drawn by model/viz/svg.py."""

from ..core.lifecycle import PHASE_NAMES
from ..core.survey import SURVEY
from ..experiments.compare import fmt_diff
from ..io.limits import MAX_SEED
from ..io.scenario import ScenarioError, first_line, load
from ..viz.svg import A_COLOUR, B_COLOUR, reach_svg, survey_svg, timeline_svg, triangle_svg, value_curve_svg
from .ensemble import ENSEMBLE_SIZES
from .region import ALL_PLACES, RegionWorkshop, build_workshop
from .state import (ALL, LEADER_ROLE_LABELS, LIVE_SHOCKS, Settings, Workshop, catalogue, catalogue_entry,
                    parse_setting, slider_specs)
from .words import HOW_TO_READ

__all__ = [
    "A_COLOUR", "ALL", "ALL_PLACES", "B_COLOUR", "ENSEMBLE_SIZES", "HOW_TO_READ", "LEADER_ROLE_LABELS", "LIVE_SHOCKS",
    "MAX_SEED", "PHASE_NAMES", "SURVEY", "RegionWorkshop", "ScenarioError", "Settings", "Workshop", "build_workshop", "catalogue",
    "catalogue_entry", "first_line", "fmt_diff", "load", "parse_setting", "reach_svg", "slider_specs", "survey_svg",
    "timeline_svg", "triangle_svg", "value_curve_svg",
]
