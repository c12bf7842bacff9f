"""England ABC plan Addendum 12: is the eighth run's predictive spread between particles (what the
posterior leaves open) or within one (one region's own seed-to-seed noise)? 24 particles drawn by
weight from the eighth run's posterior, each run as a region on 16 fresh seeds. Usage:
    python docs/validation/session14/predictive_spread.py OUT_FOLDER > predictive_spread.txt"""
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from model.experiments.abc import derived_seed, generator, settings_experiment
from model.experiments.sweep import cluster, read_runs, run_sweep
from model.io.calibration import load_calibration

ROOT = Path(__file__).resolve().parents[3]
K, R = 24, 16
SHARES = ["share_a_great_deal", "share_some", "share_hardly_any"]
OBS, BAND = np.array([0.43, 0.52, 0.02]), np.array([0.06, 0.06, 0.03])
INDEPENDENT_SD = float(np.sqrt(0.43 * 0.57 / 435))


def main(out: str) -> None:
    cal = load_calibration(ROOT / "experiments/calibrate_england_abc_null.toml")
    pop = pd.read_csv(ROOT / "docs/calibration/england_abc/run8/posterior.csv")
    w = pop.weight.to_numpy(float)
    pick = generator(2006, 14, 0).choice(len(pop), size=K, p=w / w.sum())
    x = np.repeat(pop[list(cal.names)].to_numpy(float)[pick], 1, axis=0)
    exp = settings_experiment(cal, x, "predictive spread (plan Addendum 12)", derived_seed(2006, 14, 1), R,
                              addendum=12)
    with cluster(2) as client:
        folder = run_sweep(exp, Path(out), client=client, resume=True, progress=True)
    runs = read_runs(folder)
    assert runs.error.isna().all(), runs.error.dropna().head()
    v = runs[SHARES].to_numpy(float).reshape(K, R, 3)
    means, within_var = v.mean(axis=1), v.var(axis=1, ddof=1).mean(axis=0)
    between_var, total_var = means.var(axis=0, ddof=1), v.reshape(-1, 3).var(axis=0, ddof=1)
    inside = (np.abs(v - OBS) <= BAND).all(axis=2)
    print(f"{K} particles of the eighth run's posterior x {R} fresh seeds = {K * R} regions\n")
    print(f"{'share':20s} {'within sd':>10s} {'between sd':>11s} {'total sd':>9s} {'between part':>13s}")
    for i, s in enumerate(SHARES):
        print(f"{s:20s} {np.sqrt(within_var[i]):10.4f} {np.sqrt(between_var[i]):11.4f} "
              f"{np.sqrt(total_var[i]):9.4f} {between_var[i] / (between_var[i] + within_var[i]):13.2f}")
    print(f"\nwithin sd of 'a great deal' / sd of 435 independent places ({INDEPENDENT_SD:.4f}): "
          f"{np.sqrt(within_var[0]) / INDEPENDENT_SD:.2f}")
    print(f"joint coverage, all {K * R} regions: {inside.mean():.3f}")
    per = inside.mean(axis=1)
    print(f"per particle (of {R} seeds): median {np.median(per):.2f}, best {per.max():.2f}, "
          f"particles >= 0.80: {(per >= 0.8).sum()} of {K}")
    # The best any single setting could do: a point centred on the survey with the pooled
    # within-particle covariance (normal approximation).
    resid = (v - means[:, None, :]).reshape(-1, 3)
    cov = resid.T @ resid / (K * (R - 1))
    draws = np.random.default_rng(14).multivariate_normal(OBS, cov, size=200_000)
    best = (np.abs(draws - OBS) <= BAND).all(axis=1).mean()
    print(f"best single setting (centred on the survey, pooled within covariance): joint coverage {best:.3f}")
    print("\nper particle: mean shares and joint coverage")
    for k in np.argsort(-per):
        print(f"  {pick[k]:4d}  " + " ".join(f"{m:.3f}" for m in means[k]) + f"  sd {v[k, :, 0].std(ddof=1):.3f}"
              f"  within all bands {per[k]:.2f}")


if __name__ == "__main__":
    main(sys.argv[1])
