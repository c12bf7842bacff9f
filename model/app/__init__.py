"""The workshop app's layer: everything app.py (the Solara page at the repository root) uses,
in one place. The state lives in state.py, free of any web framework; the panels are drawn by
model/viz/svg.py."""

from ..core.lifecycle import PHASE_NAMES
from ..io.scenario import ScenarioError, first_line, load
from ..viz.svg import timeline_svg, triangle_svg, value_curve_svg
from .state import (ALL, LEADER_ROLE_LABELS, LIVE_SHOCKS, Settings, Workshop, catalogue, catalogue_entry,
                    parse_setting, slider_specs)

__all__ = [
    "ALL", "LEADER_ROLE_LABELS", "LIVE_SHOCKS", "PHASE_NAMES", "ScenarioError", "Settings", "Workshop",
    "catalogue", "catalogue_entry", "first_line", "load", "parse_setting", "slider_specs", "timeline_svg",
    "triangle_svg", "value_curve_svg",
]
