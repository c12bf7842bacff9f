"""England ABC plan Addendum 17 (a diagnostic; nothing in the model changes): where does the full
model's spread come from? K particles drawn by weight from the eleventh run's posterior (the full
model, learning between places), each run as a region on R fresh seeds, with the particle's own
settings and with one channel of learning between places knocked out at a time, on the same seeds.
Reports, per arm, one region's seed-to-seed sd of "a great deal" (within a particle) against 435
independent places, the sd between particles, and the joint coverage of the survey's bands.
Usage: python docs/validation/session16/full_spread.py OUT_FOLDER > full_spread.txt
With --access, only Addendum 18's pre-check: a sixth arm with access per source (region.access_limited
2) on the same particles and seeds (arm5; the other arms are resumed from OUT_FOLDER if there).
With --by-field, only Addendum 20's pre-check: Beacon awards by theme (region.beacon_by_field 1), arm6;
output docs/validation/session17/full_spread_by_field.txt."""
import dataclasses
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from model.experiments.abc import derived_seed, generator, settings_experiment
from model.experiments.sweep import cluster, read_runs, run_sweep
from model.io.calibration import load_calibration

ROOT = Path(__file__).resolve().parents[3]
K, R = 12, 8
SHARES = ["share_a_great_deal", "share_some", "share_hardly_any"]
OBS, BAND = np.array([0.43, 0.52, 0.02]), np.array([0.06, 0.06, 0.03])
INDEPENDENT_SD = float(np.sqrt(0.43 * 0.57 / 435))
# arm -> settings fixed on top of the particle's (names as a calibration's columns)
ARMS = {
    "as fitted": {},
    "no Beacons (region.beacon_scheme 0)": {"region.beacon_scheme": 0.0},
    "no followers (region.followers 0)": {"region.followers": 0.0},
    "examples do not pull triggers (region.example_strength 0)": {"region.example_strength": 0.0},
    "no channels (region.intermediaries 0)": {"region.intermediaries": 0.0},
}
ACCESS = {"access per source (region.access_limited 2, Addendum 18)": {"region.access_limited": 2.0}}
BY_FIELD = {"Beacons by theme (region.beacon_by_field 1, Addendum 20)": {"region.beacon_by_field": 1.0}}


def main(out: str, access: bool = False, by_field: bool = False) -> None:
    cal = load_calibration(ROOT / "experiments/calibrate_england_abc_full_scaled.toml")
    pop = pd.read_csv(ROOT / "docs/calibration/england_abc/run11/posterior.csv")
    w = pop.weight.to_numpy(float)
    pick = generator(2006, 16, 0).choice(len(pop), size=K, p=w / w.sum())
    x = pop[list(cal.names)].to_numpy(float)[pick]
    seed = derived_seed(2006, 16, 1)  # the same seeds in every arm: run (k, r) on a seed of (seed, k, r)
    print(f"{K} particles of the eleventh run's posterior x {R} fresh seeds, per arm (same seeds)\n")
    print(f"{'arm':58s} {'mean':>6s} {'within sd':>9s} {'ratio':>6s} {'between sd':>10s} {'coverage':>8s}")
    with cluster(2) as client:
        arms = list(enumerate(ARMS.items()))
        if access:
            arms = [(len(ARMS), next(iter(ACCESS.items())))]
        if by_field:
            arms = [(len(ARMS) + 1, next(iter(BY_FIELD.items())))]
        for i, (label, fixed) in arms:
            names = list(cal.names)
            xa = x.copy()
            for name, value in fixed.items():
                if name in names:
                    xa[:, names.index(name)] = value
                else:
                    names.append(name)
                    xa = np.column_stack([xa, np.full(K, value)])
            exp = settings_experiment(cal, x, f"spread arm {i} (plan Addendum 17)", seed, R,
                                      addendum=20 if by_field else 17, arm=label)
            exp = dataclasses.replace(exp, names=names, bounds=[(-1e9, 1e9)] * len(names), points=xa)
            folder = run_sweep(exp, Path(out) / f"arm{i}", client=client, resume=True, progress=False)
            runs = read_runs(folder)
            assert runs.error.isna().all(), runs.error.dropna().head()
            v = runs[SHARES].to_numpy(float).reshape(K, R, 3)
            within = np.sqrt(v[:, :, 0].var(axis=1, ddof=1).mean())
            between = v[:, :, 0].mean(axis=1).std(ddof=1)
            inside = (np.abs(v - OBS) <= BAND).all(axis=2).mean()
            print(f"{label:58s} {v[:, :, 0].mean():6.3f} {within:9.4f} {within / INDEPENDENT_SD:6.2f} "
                  f"{between:10.4f} {inside:8.3f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], "--access" in sys.argv[2:], "--by-field" in sys.argv[2:])
