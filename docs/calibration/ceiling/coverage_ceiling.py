"""The best coverage issue 13's criterion 1 could show (session 6).

If England 2006 at the shipped point fit were the true process, the survey would be one realisation
of it. Each of N regions on fresh seeds plays the observed survey in turn; the others are predictive
draws from the exact true settings (a posterior of zero width). Their share within all three survey
bands around the 'observed' one is the coverage a perfect calibration would expect; any real
posterior, being wider, expects less.

    python docs/calibration/ceiling/coverage_ceiling.py [FIRST_SEED=3100] [LAST_SEED=3140]
"""
import sys
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from model.io.scenario import load

SCALE = np.array([0.06, 0.06, 0.03])  # the survey bands' half-widths (check 15, the ABC's criterion 1)


def shares(seed: int) -> np.ndarray:
    s = load("england_2006")
    month = s.region.resolved()["survey_month"]
    r = s.for_replicate(seed)[0].build(seed)
    r.run_for(month + 1)
    return r.survey(month).set_index("group").loc["all", ["a great deal", "some", "hardly any"]].to_numpy(float)


if __name__ == "__main__":
    a = int(sys.argv[1]) if len(sys.argv) > 1 else 3100
    b = int(sys.argv[2]) if len(sys.argv) > 2 else 3140
    with ProcessPoolExecutor(2) as ex:
        sh = np.array(list(ex.map(shares, range(a, b))))
    cov = np.array([(np.abs(np.delete(sh, j, axis=0) - sh[j]) <= SCALE).all(axis=1).mean() for j in range(len(sh))])
    print(f"{len(sh)} regions (seeds {a}-{b - 1}) at the shipped point: mean shares {sh.mean(0).round(3)}, "
          f"sd {sh.std(0, ddof=1).round(3)}; coverage if each were the observed survey: mean {cov.mean():.2f} "
          f"(median {np.median(cov):.2f}, range {cov.min():.2f}-{cov.max():.2f})")
