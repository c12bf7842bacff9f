"""England ABC plan Addendum 25: the region at the baseline's design reversal rate (0.02) over a grid of
trigger rate, proof threshold, burn-in and efficiency threat; 16 fresh regions (seeds 4260-4275), each
run to the survey month, group offsets drawn from the adopted posterior.
    .venv/bin/python docs/calibration/england_abc/oneset25/precheck.py
Writes regions.csv (one row per region and arm) and prints the summary (saved as summary.txt)."""
from multiprocessing import Pool
from pathlib import Path

import pandas as pd

from model.core.parameters import REGISTRY
from model.io.scenario import load

HERE = Path(__file__).resolve().parent
SEEDS = range(4260, 4276)
BANDS = {"share_a_great_deal": (0.43, 0.06), "share_some": (0.52, 0.06), "share_hardly_any": (0.02, 0.03)}
SHARED = {k: REGISTRY[k].default for k in ("reversal_rate_design",)}
ARMS = {f"trigger {r}, proof {p}, burn_in {b}, threat {t}": {**SHARED, "trigger_rate": r, "proof_threshold": p,
                                                            "region.burn_in": b, "efficiency_threat": t}
        for r in (0.5, 0.75, 1.0) for p in (0.65, 0.70) for b in (12, 36) for t in (0.5, 1.0)}


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
        df = pd.DataFrame(pool.map(one, [(a, s) for a in ARMS for s in SEEDS], chunksize=4))
    df.to_csv(HERE / "regions.csv", index=False)
    lines = [f"shared settings at the baseline: {SHARED}"]
    for arm, g in df.groupby("arm", sort=False):
        within = {k: (g[k] - c).abs() <= b + 1e-12 for k, (c, b) in BANDS.items()}
        joint = pd.concat(within.values(), axis=1).all(axis=1)
        means = {k: g[k].mean() for k in BANDS}
        inside = all(abs(means[k] - c) <= b for k, (c, b) in BANDS.items()) and 0.57 <= g.share_innovating_start.mean() <= 0.77
        lines.append(f"{arm}: {len(g)} regions; means " + " / ".join(f"{means[k]:.3f}" for k in BANDS)
                     + f"; 2000 level {g.share_innovating_start.mean():.3f}; criterion 1 {joint.mean():.3f}"
                     + f"; means within every band and 2000 level: {'yes' if inside else 'no'}")
    (HERE / "summary.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
