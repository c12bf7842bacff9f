"""innovation-sim: how local public services innovate, on Mark Moore's strategic triangle.

    from model import Locality
    m = Locality(seed=1).run_for(120)
    m.timeseries(), m.events()
"""

from .agents import AuthorityAgent, CapacityAgent, ValueAgent
from .events import KINDS as SHOCK_KINDS
from .events import Shock
from .lifecycle import PHASE_NAMES, Phase
from .locality import DEFAULT_FIELDS, Locality
from .parameters import REGISTRY, ParameterError

__all__ = [
    "Locality", "Shock", "SHOCK_KINDS", "Phase", "PHASE_NAMES", "DEFAULT_FIELDS", "REGISTRY",
    "ParameterError", "AuthorityAgent", "CapacityAgent", "ValueAgent",
]
