"""England ABC plan Addendum 22: the shipped England 2006 (its adopted posterior) on 160 fresh seeds
4000-4159, as shipped and with region.followers = 0; each region run to the survey month.
    .venv/bin/python docs/calibration/england_abc/followers22/followers.py
Writes regions.csv (one row per region and arm) and prints the summary (saved as summary.txt)."""
from multiprocessing import Pool
from pathlib import Path

import pandas as pd

from model.io.scenario import load

HERE = Path(__file__).resolve().parent
SEEDS = range(4000, 4160)
BANDS = {"share_a_great_deal": (0.43, 0.06), "share_some": (0.52, 0.06), "share_hardly_any": (0.02, 0.03)}
ARMS = {"shipped": {}, "followers 0": {"region.followers": 0.0}}


def one(job):
    arm, seed = job
    s = load("england_2006")
    month = s.region.resolved()["survey_month"]
    s = s.with_overrides(months=month + 1, parameters=ARMS[arm] or None)
    r = s.for_replicate(seed)[0].build(seed)
    r.run_for(month + 1)
    o = r.outcomes()
    return {"arm": arm, "seed": seed, **{k: o[k] for k in (*BANDS, "share_innovating_start")}}


if __name__ == "__main__":
    with Pool(2) as pool:
        df = pd.DataFrame(pool.map(one, [(a, s) for a in ARMS for s in SEEDS]))
    df.to_csv(HERE / "regions.csv", index=False)
    lines = []
    for arm, g in df.groupby("arm", sort=False):
        within = {k: (g[k] - c).abs() <= b + 1e-12 for k, (c, b) in BANDS.items()}
        joint = pd.concat(within.values(), axis=1).all(axis=1)
        lines.append(f"{arm}: {len(g)} regions; criterion 1: {joint.mean():.3f} within all three bands; each alone "
                     + ", ".join(f"{k[6:]} {w.mean():.3f}" for k, w in within.items())
                     + "; means " + ", ".join(f"{k[6:]} {g[k].mean():.3f}" for k in BANDS)
                     + f"; 2000 level {g.share_innovating_start.mean():.3f}")
    (HERE / "summary.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
