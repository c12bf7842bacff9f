"""How much of a fit's predictive spread of 'a great deal' its settings explain (session 25's diagnostic
of the turnover run): a linear fit of the share on the standardised settings over the run's predictive
regions (one seed each), and the mean ABC distance of those regions beside another fit's.
    python docs/validation/session25/ridge.py RESULTS_FOLDER [OTHER_RESULTS_FOLDER]"""
import sys
from pathlib import Path

import numpy as np
import pandas as pd

NOT_SETTINGS = {"draw", "generation", "particle", "distance", "error"}


def main(folder: str, other: str | None = None) -> None:
    d = pd.read_csv(Path(folder) / "predictive.csv")
    names = [c for c in d.columns if c not in NOT_SETTINGS and not c.startswith(("share_", "great_deal__"))]
    x = d[names].to_numpy(float)
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    y = d.share_a_great_deal.to_numpy(float)
    a = np.c_[np.ones(len(y)), x]
    b = np.linalg.lstsq(a, y, rcond=None)[0]
    resid = y - a @ b
    print(f"{folder}: {len(y)} predictive regions; 'a great deal' sd {y.std():.4f}")
    print(f"R^2 {1 - resid.var() / y.var():.2f}, residual sd {resid.std():.4f}; per standard deviation of each setting:")
    for n, c in sorted(zip(names, b[1:]), key=lambda t: -abs(t[1])):
        print(f"  {n:55s} {c:+.4f}")
    for f in [folder] + ([other] if other else []):
        dist = pd.read_csv(Path(f) / "predictive.csv").distance
        print(f"mean distance {dist.mean():.2f} ({f})")


if __name__ == "__main__":
    main(*sys.argv[1:3])
