"""England ABC plan Addendum 14, confirmation: a second set of posterior predictive runs for a
finished calibration, particles drawn and seeds taken from (SEED, PREDICTIVE) instead of the
calibration's own seed, in a folder of its own; criterion 1 (and each share alone) and criterion 5
judged as report.py judges the calibration's own set. Usage:
    python docs/validation/session14/confirm_predictive.py CALIBRATION_FOLDER OUT_FOLDER [SEED [N]]"""
import sys
from pathlib import Path

import numpy as np

from model.experiments.abc import PREDICTIVE, calibration_of, generator, posterior, predictive_experiment
from model.experiments.sweep import cluster, read_runs, run_sweep

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "calibration" / "england_abc"))
from report import HELD_OUT, SHARES, within_all_bands  # noqa: E402


def main(folder: str, out: str, seed: int = 2014, n: int = 160) -> None:
    cal = calibration_of(Path(folder))
    pop = posterior(Path(folder), cal)
    pick = generator(seed, PREDICTIVE, 0).choice(len(pop), size=n, p=pop.weight.to_numpy(float))
    exp = predictive_experiment(cal, pop[cal.names].to_numpy(float)[pick], seed, n)
    with cluster(2) as client:
        run_sweep(exp, Path(out), client=client, resume=True, progress=True)
    runs = read_runs(Path(out))
    runs = runs[runs.error.isna()]
    inside = within_all_bands(runs)
    each = {k: round(float(((runs[k] - t).abs() <= b).mean()), 3) for k, (t, b) in SHARES.items()}
    r = runs.answer_performance_corr.to_numpy(float)
    r = r[np.isfinite(r)]
    print(f"{cal.name}\nsecond predictive set: seed {seed}, {len(runs)} runs without error")
    print(f"criterion 1: {inside.mean():.3f} of regions within all three bands (>= 0.80: "
          f"{'met' if inside.mean() >= 0.8 else 'not met'}); each alone {each}")
    print("means " + ", ".join(f"{k} {runs[k].mean():.3f}" for k in SHARES)
          + f"; 'hardly any' above 0.05 in {(runs.share_hardly_any > 0.05).mean():.3f}")
    print(f"2000 level {runs.share_innovating_start.mean():.3f}")
    met5 = np.median(np.abs(r)) < HELD_OUT and (np.abs(r) < HELD_OUT).mean() >= 0.5
    print(f"criterion 5 (held out): median |r| {np.median(np.abs(r)):.3f}, {(np.abs(r) < HELD_OUT).mean():.3f} "
          f"below {HELD_OUT}: {'met' if met5 else 'not met'}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], *(int(a) for a in sys.argv[3:5]))
