"""Does a calibration's posterior replace England 2006's point fit? The rule written before the
30-generation run's results (docs/calibration/england_abc_plan.md, addendum): on validation check
15's seeds, the posterior must be no worse on the check's criterion and closer to the survey on
average (Euclidean distance of a region's three shares in the calibration's scales).

    .venv/bin/python docs/calibration/england_abc/adopt.py POSTERIOR.csv [--regions 12] [--scales A,B,C] [--into DIR]

Prints both arms and the verdict; writes adopt.json next to this script (or into DIR). Superseded as
a rule by plan Addendum 16 (session 15), and still reported.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from model.experiments.validation import SURVEY, SURVEY_BANDS, seeds
from model.io.scenario import load

HERE = Path(__file__).resolve().parent
SCALE = {"a great deal": 0.04, "some": 0.04, "hardly any": 0.015}  # the calibration's scales


def arm(posterior: str | None, regions: int, scale: dict[str, float] = SCALE) -> dict:
    s = load("england_2006").with_overrides()
    s.posterior = Path(posterior) if posterior else None  # the point fit: England 2006 without its adopted posterior
    month = s.region.resolved()["survey_month"]
    rows = []
    for seed in seeds(regions):
        sc, drawn = s.for_replicate(seed)
        sc = sc.with_overrides(months=month + 1)
        sv = sc.build(seed).run_for(month + 1).survey(month)
        rows.append(sv.set_index("group").loc["all", list(SCALE)])
    shares = pd.DataFrame(rows)
    mean = shares.mean()
    d = np.sqrt(sum(((shares[c] - SURVEY[c]) / scale[c]) ** 2 for c in scale))
    within = all(abs(mean[c] - SURVEY[c]) <= b for c, b in SURVEY_BANDS.items())
    return {"mean_shares": {c: round(float(mean[c]), 4) for c in SCALE}, "check_15_within": within,
            "mean_distance": float(d.mean()), "distance_sd": float(d.std(ddof=1)), "regions": regions}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("posterior")
    ap.add_argument("--regions", type=int, default=12)
    ap.add_argument("--scales", default="0.04,0.04,0.015", help="the calibration's units of the three shares")
    ap.add_argument("--into", default=str(HERE), help="folder for adopt.json (default: this script's)")
    a = ap.parse_args()
    scale = dict(zip(SCALE, (float(x) for x in a.scales.split(","))))
    point, post = arm(None, a.regions, scale), arm(str(Path(a.posterior).resolve()), a.regions, scale)
    adopt = (post["check_15_within"] or not point["check_15_within"]) and post["mean_distance"] < point["mean_distance"]
    out = {"point_fit": point, "posterior": post, "adopt_posterior": adopt,
           "scales": scale, "rule": "docs/calibration/england_abc_plan.md, addendum"}
    (Path(a.into) / "adopt.json").write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
