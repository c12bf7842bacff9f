"""Do leaders changing erase the survey's group order? (A knock-out diagnostic, session 25; not a
registered test; expectation written before running: the North West's lead over London, the East
Midlands and the South West is >= 0.15 with turnover 0 and about 0.06 at the drawn turnover, and tying
the groups' offsets to the arrivals' drive restores most of it.)
K particles drawn by weight from the turnover run's final population, each on R fresh seeds, in three
arms on the same seeds: as drawn; `region.chief_executive_turnover` 0 (only elections change
leaders); as drawn with each group's leader-drive offset also given to `new_leader_drive` (outsiders
arriving in a group are like its incumbents). Statistic: 'a great deal' in the North West minus the
mean of the three (survey 0.63 - 0.33 = 0.30), and the overall share.
    python docs/validation/session25/groups.py CALIBRATION_FOLDER OUT.csv [SEED0 [K [R]]]"""
import sys
from multiprocessing import Pool

import numpy as np
import pandas as pd

from spread import _scenario  # this folder
from model.core.outcomes import region_outcomes
from model.io.experiment import as_run
from model.io.scenario import read_posterior

THREE = ("london", "east_midlands", "south_west")
ARMS = ("as drawn", "turnover 0", "offsets tied to arrivals")


def one(job):
    source, values, seed, arm = job
    s, _ = _scenario(source)
    values = dict(values)
    if arm == "turnover 0":
        values["region.chief_executive_turnover"] = 0.0
    elif arm == "offsets tied to arrivals":
        for k, v in list(values.items()):
            if k.startswith("effects.") and k.endswith(".leader_drive"):
                values[k.removesuffix("leader_drive") + "new_leader_drive"] = v
    month = s.region.resolved()["survey_month"]
    s = s.with_overrides(months=month + 1, parameters=values)
    r = s.for_replicate(seed)[0].build(seed)
    r.run_for(month + 1)
    o = region_outcomes(r)
    return {"seed": seed, "arm": arm, "great_deal": o["share_a_great_deal"], "north_west": o["great_deal__north_west"],
            "three": float(np.mean([o[f"great_deal__{g}"] for g in THREE]))}


def main(source: str, out: str, seed0: int = 4600, k: int = 16, r: int = 4) -> None:
    _, post = _scenario(source)
    names, values, weights = read_posterior(post)
    pick = np.random.default_rng(seed0).choice(len(values), size=k, p=np.asarray(weights) / np.sum(weights))
    jobs = [(source, {n: as_run(n, v) for n, v in zip(names, values[p])}, seed0 + i * r + j, arm)
            for arm in ARMS for i, p in enumerate(pick) for j in range(r)]
    with Pool(2) as pool:
        df = pd.DataFrame(pool.map(one, jobs, chunksize=2))
    df["gap"] = df.north_west - df.three
    df.to_csv(out, index=False)
    print(f"{source}: {k} particles x {r} seeds, seeds {seed0}-{seed0 + k * r - 1}, the same in each arm")
    base = df[df.arm == ARMS[0]].set_index("seed")
    for arm in ARMS:
        g = df[df.arm == arm].set_index("seed")
        d = (g.gap - base.gap).to_numpy()
        boot = np.random.default_rng(1).choice(g.gap.to_numpy(), (4000, len(g))).mean(axis=1)
        print(f"{arm:26s} NW - three {g.gap.mean():+.3f} [{np.quantile(boot, 0.05):+.3f}, {np.quantile(boot, 0.95):+.3f}]"
              f"  (NW {g.north_west.mean():.3f}, three {g.three.mean():.3f}); a great deal {g.great_deal.mean():.3f}"
              + (f"; paired change {d.mean():+.3f}" if arm != ARMS[0] else ""))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], *(int(a) for a in sys.argv[3:6]))
