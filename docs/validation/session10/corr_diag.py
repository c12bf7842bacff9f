"""Where the correlation between a place's survey answer and its performance comes from (issue 13's
held-out criterion 5; ODD 10.5). England 2006 at the shipped point on tuning seeds: the correlation
of the answer (0-2) with the place's mean field performance at the survey month, split into its
performance at month 0 (after the burn-in) and its gain since; then the same with the places'
starting performance spread wider (`region.spread.initial_performance`, an assumption, sd 0.08).
A diagnostic: nothing is tuned on it.

    .venv/bin/python docs/validation/session10/corr_diag.py FIRST LAST
"""
import sys
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from model.core.survey import classify
from model.io.scenario import load


def one(args):
    spread, seed = args
    s = load("england_2006")
    month = s.region.resolved()["survey_month"]
    if spread is not None:
        s = s.with_overrides()
        s.region.spread = {**s.region.spread, "initial_performance": spread}
    r = s.for_replicate(seed)[0].build(seed)
    r.run_for(month + 1)
    ans = classify(r._records[month][0]).astype(float)
    start = r._records[0][1].mean(axis=1).astype(float)
    now = r._records[month][1].mean(axis=1).astype(float)
    c = lambda x: float(np.corrcoef(ans, x)[0, 1])
    shares = r.survey(month).set_index("group").loc["all", ["a great deal", "some", "hardly any"]].to_numpy(float)
    return (c(now), c(start), c(now - start), float(start.std()), float((now - start).std()),
            float(np.corrcoef(start, now - start)[0, 1]), *shares)


if __name__ == "__main__":
    a, b = int(sys.argv[1]), int(sys.argv[2])
    print(f"# python docs/validation/session10/corr_diag.py {a} {b} (England 2006 at the shipped point)")
    print("# spread: sd of places' starting performance; means over regions of r(answer, performance at the "
          "survey), r(answer, performance at month 0), r(answer, gain since), sd across places of the start and "
          "of the gain, r(start, gain), the survey's three shares; median |r| and r per region")
    for spread in (None, 0.16):
        with ProcessPoolExecutor(2) as ex:
            res = np.array(list(ex.map(one, [(spread, s) for s in range(a, b)])))
        m = res.mean(axis=0)
        print(f"spread {spread or 0.08}: r(answer, performance) {m[0]:+.3f}; r(answer, start) {m[1]:+.3f}; "
              f"r(answer, gain) {m[2]:+.3f}; sd start {m[3]:.3f}, sd gain {m[4]:.3f}; r(start, gain) {m[5]:+.2f}; "
              f"shares {m[6]:.2f} / {m[7]:.2f} / {m[8]:.2f}; median |r| {np.median(np.abs(res[:, 0])):.3f}; "
              f"per region r {np.round(res[:, 0], 3).tolist()}")
