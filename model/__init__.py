"""innovation-sim: how local public services innovate, on Mark Moore's strategic triangle.

    from model import Locality
    m = Locality(seed=1).run_for(120)
    m.timeseries(), m.events()
"""

from .core.agents import AuthorityAgent, CapacityAgent, ValueAgent
from .core.events import KINDS as SHOCK_KINDS
from .core.events import Shock
from .core.lifecycle import PHASE_NAMES, Phase
from .core.locality import DEFAULT_FIELDS, Locality
from .core.parameters import REGISTRY, ParameterError

__all__ = [
    "Locality", "Shock", "SHOCK_KINDS", "Phase", "PHASE_NAMES", "DEFAULT_FIELDS", "REGISTRY",
    "ParameterError", "AuthorityAgent", "CapacityAgent", "ValueAgent",
]
