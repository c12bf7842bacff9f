"""Issue 13, a diagnostic (nothing changed): where the spread of England 2006's survey shares across
regions comes from, at the shipped point, on 40 fresh regions (seeds 3100-3139). For each arm: the
mean and sd of "a great deal" across regions and the design effect, sd / the sd of a share of the
region's places answering independently (sqrt(p(1 - p) / places)): 1 means places are independent
draws; more means something common to a region's places moves them together.
    python docs/validation/session12/variance_sources.py [FIRST=3100] [LAST=3140]"""
import sys
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from _common import shares  # this folder (on sys.path when run as a script)

ARMS = {
    "shipped": {},
    "no learning between places (example_strength 0, intermediaries 0)": {"region.example_strength": 0.0, "region.intermediaries": 0.0},
    "no example pull (example_strength 0; offers on)": {"region.example_strength": 0.0},
    "no peer offers or beacons (intermediaries 0; example pull on)": {"region.intermediaries": 0.0},
    "no central levers (inspection rounds, beacons, funds off)": {"region.inspection_interval": 0, "region.beacon_scheme": 0, "region.fund_share": 0.0},
}


def one(args):
    sh, n = shares(*args)
    return sh[0], n


if __name__ == "__main__":
    a, b = (int(x) for x in (sys.argv[1:3] if len(sys.argv) > 2 else (3100, 3140)))
    print(f"# python docs/validation/session12/variance_sources.py {a} {b} (shipped point; a diagnostic)")
    for label, over in ARMS.items():
        with ProcessPoolExecutor(2) as ex:
            res = list(ex.map(one, [(over, s) for s in range(a, b)]))
        g = np.array([r[0] for r in res], float); n = res[0][1]
        p, sd = g.mean(), g.std(ddof=1)
        print(f"{label}: 'a great deal' mean {p:.3f} sd {sd:.3f} (range {g.min():.2f}-{g.max():.2f}); "
              f"independent places' sd {np.sqrt(p * (1 - p) / n):.3f}; design effect {sd / np.sqrt(p * (1 - p) / n):.2f}", flush=True)
