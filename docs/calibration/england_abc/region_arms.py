"""Shared by the England ABC plan's pre-checks (Addenda 23-25, folders oneset23-oneset25): the shipped
England 2006 run to the survey month on given seeds, in arms that fix some settings (each region's
other fitted settings drawn from the adopted posterior, as `run` draws them), each arm summarised
against the survey's bands."""
from multiprocessing import Pool
from pathlib import Path

import pandas as pd

from model.io.scenario import load

BANDS = {"share_a_great_deal": (0.43, 0.06), "share_some": (0.52, 0.06), "share_hardly_any": (0.02, 0.03)}


def one(job):
    arm, params, seed = job
    s = load("england_2006")
    month = s.region.resolved()["survey_month"]
    s = s.with_overrides(months=month + 1, parameters=params or None)
    r = s.for_replicate(seed)[0].build(seed)
    r.run_for(month + 1)
    o = r.outcomes()
    return {"arm": arm, "seed": seed, **{k: o[k] for k in (*BANDS, "share_innovating_start")}}


def run_arms(arms: dict[str, dict], seeds, here: Path, header: str) -> None:
    """Every arm on every seed (2 processes); writes here/regions.csv and here/summary.txt."""
    with Pool(2) as pool:
        df = pd.DataFrame(pool.map(one, [(a, arms[a], s) for a in arms for s in seeds], chunksize=4))
    df.to_csv(here / "regions.csv", index=False)
    lines = [header]
    for arm, g in df.groupby("arm", sort=False):
        within = {k: (g[k] - c).abs() <= b + 1e-12 for k, (c, b) in BANDS.items()}
        joint = pd.concat(within.values(), axis=1).all(axis=1)
        means = {k: g[k].mean() for k in BANDS}
        inside = all(abs(means[k] - c) <= b for k, (c, b) in BANDS.items()) and 0.57 <= g.share_innovating_start.mean() <= 0.77
        lines.append(f"{arm}: {len(g)} regions; means " + " / ".join(f"{means[k]:.3f}" for k in BANDS)
                     + f"; 2000 level {g.share_innovating_start.mean():.3f}; criterion 1 {joint.mean():.3f}"
                     + f"; means within every band and 2000 level: {'yes' if inside else 'no'}")
    (here / "summary.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
