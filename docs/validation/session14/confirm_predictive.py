"""England ABC plan Addendum 14, confirmation: a second set of posterior predictive runs for a
finished calibration, particles drawn and seeds taken from (SEED, PREDICTIVE) instead of the
calibration's own seed, in a folder of its own; criterion 1 (and each share alone) and criterion 5
judged as report.py judges the calibration's own set. Usage:
    python docs/validation/session14/confirm_predictive.py CALIBRATION_FOLDER OUT_FOLDER [SEED [N]]"""
import sys
from pathlib import Path

from model.experiments.abc import PREDICTIVE, calibration_of, generator, posterior, predictive_experiment
from model.experiments.sweep import cluster, read_runs, run_sweep

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "calibration" / "england_abc"))
from report import HELD_OUT, SHARES, each_share_within, held_out, within_all_bands  # noqa: E402


def main(folder: str, out: str, seed: int = 2014, n: int = 160) -> None:
    cal = calibration_of(Path(folder))
    pop = posterior(Path(folder), cal)
    pick = generator(seed, PREDICTIVE, 0).choice(len(pop), size=n, p=pop.weight.to_numpy(float))
    exp = predictive_experiment(cal, pop[cal.names].to_numpy(float)[pick], seed, n)
    with cluster(2) as client:
        run_sweep(exp, Path(out), client=client, resume=True, progress=None)  # a bar on a terminal, log lines in a file
    runs = read_runs(Path(out))
    runs = runs[runs.error.isna()]
    inside = within_all_bands(runs)
    each, h = each_share_within(runs), held_out(runs)
    print(f"{cal.name}\nsecond predictive set: seed {seed}, {len(runs)} runs without error")
    print(f"criterion 1: {inside.mean():.3f} of regions within all three bands (>= 0.80: "
          f"{'met' if inside.mean() >= 0.8 else 'not met'}); each alone {each}")
    print("means " + ", ".join(f"{k} {runs[k].mean():.3f}" for k in SHARES)
          + f"; 'hardly any' above 0.05 in {(runs.share_hardly_any > 0.05).mean():.3f}")
    print(f"2000 level {runs.share_innovating_start.mean():.3f}")
    print(f"criterion 5 (held out): median |r| {h['median_abs_r']:.3f}, {h['share_abs_r_below']:.3f} "
          f"below {HELD_OUT}: {'met' if h['met'] else 'not met'}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], *(int(a) for a in sys.argv[3:5]))
