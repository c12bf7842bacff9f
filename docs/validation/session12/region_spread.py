"""Validation-plan Addendum 11, item 3 (and Addendum 13's region measurement): England 2006 on 40
fresh regions (seeds 3100-3139) per arm: (1) before: learning from failure and the efficiency threat
off, session 11's point; (2) learning from failure on, at the point re-fitted for it by Addendum 7's
procedure; (3) the efficiency threat on, at the point re-fitted for it (point 14, run with
reversal_rate_design 0.049; Addendum 7's rounding would give 0.0488). Prints the three shares' means
and sd across regions, the design effect of "a great deal" (sd / that of 435 independent places;
arm 3 only, added later) and the share of regions within all three bands (issue 13's coverage, at a
point rather than a posterior). region_spread.txt: arms 1-2 from the first version, arm 3 from
`region_spread.py 3100 3140 Addendum`.
    python docs/validation/session12/region_spread.py [FIRST=3100] [LAST=3140] [ARM: a label prefix]"""
import sys
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from _common import BAND, SURVEY, shares  # this folder (on sys.path when run as a script)
POINT = ("trigger_rate", "proof_threshold", "reversal_rate_design", "region.example_strength")
ARMS = {
    "before: learning off, session 11's point": dict(zip(POINT, (1.64, 0.712, 0.048, 0.381)), learning_from_failure=0.0,
                                                     efficiency_threat=0.0),
    "after: learning on, re-fitted point": dict(zip(POINT, (2.25, 0.795, 0.0429, 0.531)), learning_from_failure=1.0,
                                                efficiency_threat=0.0),
    # Addendum 13: threat as well as failure, at the point re-fitted for it (stage 1 point 14)
    "Addendum 13: efficiency threat on, re-fitted point": dict(zip(POINT, (0.765, 0.704, 0.049, 0.902)),
                                                              learning_from_failure=0.0, efficiency_threat=1.0),
}
ARM = sys.argv[3] if len(sys.argv) > 3 else None  # run only the arms whose label starts with this


def one(args):
    return shares(*args)[0]


if __name__ == "__main__":
    a, b = (int(x) for x in (sys.argv[1:3] if len(sys.argv) > 2 else (3100, 3140)))
    print(f"# python docs/validation/session12/region_spread.py {a} {b}")
    for label, over in ARMS.items():
        if ARM and not label.startswith(ARM):
            continue
        with ProcessPoolExecutor(2) as ex:
            sh = np.array(list(ex.map(one, [(over, s) for s in range(a, b)])))
        inb = (np.abs(sh - SURVEY) <= BAND).all(axis=1)
        p = sh[:, 0].mean()
        print(f"{label}: shares {sh.mean(0).round(3)} sd {sh.std(0, ddof=1).round(3)} (design effect {sh[:, 0].std(ddof=1) / np.sqrt(p * (1 - p) / 435):.2f}); "
              f"'a great deal' range {sh[:, 0].min():.2f}-{sh[:, 0].max():.2f}; within all bands {inb.mean():.2f} ({inb.sum()}/{len(inb)})",
              flush=True)
