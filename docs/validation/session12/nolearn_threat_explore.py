"""Session 12, an exploration for issue 13's next calibration (not a registered test; nothing
shipped changes): England 2006 with no learning between places (example_strength 0, intermediaries 0)
and the efficiency threat on (efficiency_threat 1, Addendum 13), proof_threshold searched over
0.40-0.70 (stage 1's design and seed otherwise: cal_nolearn_wide.toml, output nolearn_threat_wide.csv).
Each accepted point on the 8 confirmation seeds 3000-3007; the closest on 40 unused regions
(seeds 3200-3239): shares, sd, design effect, share within all three bands.
Second pass: a narrower box around the accepted points (`cal_nolearn_narrow.toml`, seed 2007,
output nolearn_threat_narrow.csv),
the closest on 40 other unused regions (3240-3279).
    python docs/validation/session12/nolearn_threat_explore.py CALIBRATION_CSV [FIRST_FRESH_SEED=3200]"""
import sys
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

from _common import BAND, SURVEY, shares  # this folder (on sys.path when run as a script)
NULL = {"region.example_strength": 0.0, "region.intermediaries": 0.0}


def one(args):
    over, seed = args
    return shares({**NULL, **over}, seed)[0]


def runs(over, seeds):
    with ProcessPoolExecutor(2) as ex:
        return np.array(list(ex.map(one, [(over, s) for s in seeds])))


if __name__ == "__main__":
    cal = pd.read_csv(sys.argv[1])
    names = [c for c in cal.columns if c not in ("point", "share_a_great_deal", "share_some", "share_hardly_any", "distance", "accepted")]
    print(f"# python docs/validation/session12/nolearn_threat_explore.py {' '.join(sys.argv[1:])} (an exploration; no learning, efficiency threat 1)")
    best = None
    for _, row in cal[cal.accepted].iterrows():
        over = {k: float(row[k]) for k in names}
        sh = runs(over, range(3000, 3008))
        d = float(np.sqrt((((sh.mean(0) - SURVEY) / BAND) ** 2).sum()))
        print(int(row.point), {k: round(v, 3) for k, v in over.items()}, "mean", sh.mean(0).round(3), f"dist {d:.2f}", flush=True)
        best = min(best or (d, over), (d, over), key=lambda t: t[0])
    fresh = int(sys.argv[2]) if len(sys.argv) > 2 else 3200
    sh = runs(best[1], range(fresh, fresh + 40))
    p, sd = sh[:, 0].mean(), sh[:, 0].std(ddof=1)
    inb = (np.abs(sh - SURVEY) <= BAND).all(axis=1)
    print(f"closest {best[1]} on 40 regions {fresh}-{fresh + 39}: shares {sh.mean(0).round(3)} sd {sh.std(0, ddof=1).round(3)}; "
          f"design effect {sd / np.sqrt(p * (1 - p) / 435):.2f}; within all bands {inb.mean():.2f} ({inb.sum()}/40)")
