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

import importlib

# Each public name and the module that holds it. Imported on first use (PEP 562), so that
# `import model` is instant: the `innovation-sim` command starts in model/launch.py, which must
# catch a Ctrl-C during the 1-2 s of numpy, pandas and mesa imports, and pydantic's schemas add
# about 0.3 s for users of the core alone.
_WHERE = {
    "AuthorityAgent": "core.agents", "CapacityAgent": "core.agents", "ValueAgent": "core.agents",
    "SHOCK_KINDS": ("core.events", "KINDS"), "Event": "core.events", "Shock": "core.events",
    "PHASE_NAMES": "core.lifecycle", "Phase": "core.lifecycle",
    "DEFAULT_FIELDS": "core.locality", "Locality": "core.locality",
    "Outcome": "core.outcomes",
    "REGION_PARAMS": "core.parameters", "REGISTRY": "core.parameters", "ParameterError": "core.parameters",
    "Region": "core.region",
    "Scenario": "io.scenario", "ScenarioError": "io.scenario", "from_scenario": "io.scenario", "load": "io.scenario",
}


def __getattr__(name: str):
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'model' has no attribute '{name}'")
    module, attr = where if isinstance(where, tuple) else (where, name)
    value = getattr(importlib.import_module(f".{module}", __name__), attr)
    globals()[name] = value  # the next lookup is an ordinary one
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))


__all__ = [
    "Locality", "Region", "Shock", "SHOCK_KINDS", "Event", "Phase", "PHASE_NAMES", "DEFAULT_FIELDS",
    "REGISTRY", "REGION_PARAMS", "ParameterError", "Outcome", "AuthorityAgent", "CapacityAgent",
    "ValueAgent", "Scenario", "ScenarioError", "load", "from_scenario",
]
