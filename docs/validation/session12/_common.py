"""What the session-12 region scripts share: England 2006 run to the survey month on one seed, with
parameter overrides (names as in a scenario's [parameters], "region." for the region's), and its
three answer shares ("a great deal", "some", "hardly any") and number of places."""
import numpy as np

from model.io.scenario import load

SURVEY, BAND = np.array([0.43, 0.52, 0.02]), np.array([0.06, 0.06, 0.03])


def shares(over: dict, seed: int) -> tuple[np.ndarray, int]:
    s = load("england_2006")
    month = s.region.resolved()["survey_month"]
    s = s.with_overrides(months=month + 1, parameters=over or None)
    r = s.for_replicate(seed)[0].build(seed).run_for(month + 1)
    return r.survey(month).set_index("group").loc["all", ["a great deal", "some", "hardly any"]].to_numpy(float), r.n


def set_defaults(values: dict) -> None:
    """Make ``values`` the registry's defaults for this process (every locality, every check)."""
    import dataclasses

    import model.core.parameters as P
    for k, val in values.items():
        P.REGISTRY[k] = dataclasses.replace(P.REGISTRY[k], default=val)


def print_checks(base: int, only=None, prefix=lambda c: "") -> None:
    """Run the validation checks ``only`` (all if None) on seeds from ``base``; one line each."""
    import model.experiments.validation as v
    v.SEED_BASE = base
    for c, r, sec in v.run_all(quick=False, progress=False, only=only):
        print(f"{prefix(c)}{c.id} {v.status(c, r)} | {r.statistic} | {r.null} | {sec:.0f}s", flush=True)
