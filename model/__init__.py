"""innovation-sim: how local public services innovate, on Mark Moore's strategic triangle.

    from model import Locality
    m = Locality(seed=1).run_for(120)
    m.timeseries(), m.events()

    import model
    r = model.from_scenario("england_2006", seed=1)   # a Region: many localities on a peer network

The package is layered (dependencies point down): core/ (the simulation) <- io/ (scenario and
experiment files) <- experiments/ (ensembles, sweeps, validation) <- viz/ (figures) <- app/
(the workshop app's state), with cli.py on top. This module is the public facade.
"""

from .core.agents import AuthorityAgent, CapacityAgent, ValueAgent
from .core.events import KINDS as SHOCK_KINDS
from .core.events import Event, Shock
from .core.lifecycle import PHASE_NAMES, Phase
from .core.locality import DEFAULT_FIELDS, Locality
from .core.outcomes import Outcome
from .core.parameters import REGION_PARAMS, REGISTRY, ParameterError
from .core.region import Region

_IO = ("Scenario", "ScenarioError", "from_scenario", "load")


def __getattr__(name: str):
    """``model.from_scenario``, ``model.load``, ``model.Scenario``, ``model.ScenarioError``: the
    scenario files (model/io/scenario.py), imported on first use, since pydantic's schemas add
    about 0.3 s to ``import model`` for users of the core alone."""
    if name in _IO:
        from .io import scenario
        return getattr(scenario, name)
    raise AttributeError(f"module 'model' has no attribute '{name}'")

__all__ = [
    "Locality", "Region", "Shock", "SHOCK_KINDS", "Event", "Phase", "PHASE_NAMES", "DEFAULT_FIELDS",
    "REGISTRY", "REGION_PARAMS", "ParameterError", "Outcome", "AuthorityAgent", "CapacityAgent",
    "ValueAgent", "Scenario", "ScenarioError", "load", "from_scenario",
]
