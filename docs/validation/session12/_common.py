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
