"""Where a fit's predictive spread comes from (a diagnostic, session 25; not a registered test).
K particles drawn by weight from a posterior, each run on R fresh seeds to the survey month. For each
survey share: the mean within-particle sd (one region's seed-to-seed noise at fixed settings), the sd
of the particles' means (the posterior's uncertainty, plus noise / sqrt(R)), the total sd, and the
share of single regions within all three bands (criterion 1's statistic).
    python docs/validation/session25/spread.py CALIBRATION_FOLDER|england_2006 OUT.csv [SEED0 [K [R]]]
A calibration folder is run with its calibration's scenario and constants; england_2006 is the shipped
scenario with its adopted posterior (posteriors/england_2006.csv)."""
import sys
from multiprocessing import Pool
from pathlib import Path

import numpy as np
import pandas as pd

from model.core.outcomes import region_outcomes
from model.io.experiment import as_run
from model.io.scenario import load
from model.io.scenario import read_posterior

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "calibration" / "england_abc"))
from report import SHARES  # noqa: E402  criterion 1's bands, as report.py judges them


def _scenario(source: str):
    if source == "england_2006":
        s = load("england_2006")
        return s, s.posterior
    from model.experiments.abc import calibration_of
    return calibration_of(Path(source)).scenario, Path(source) / "posterior.csv"


def one(job):
    source, values, seed = job
    s, _ = _scenario(source)
    month = s.region.resolved()["survey_month"]
    s = s.with_overrides(months=month + 1, parameters=values)
    r = s.for_replicate(seed)[0].build(seed)
    r.run_for(month + 1)
    out = region_outcomes(r)
    return {"seed": seed, **{k: out[k] for k in SHARES}}


def main(source: str, out: str, seed0: int = 4600, k: int = 16, r: int = 8) -> None:
    _, post = _scenario(source)
    names, values, weights = read_posterior(post)
    pick = np.random.default_rng(seed0).choice(len(values), size=k, p=np.asarray(weights) / np.sum(weights))
    jobs = [(source, {n: as_run(n, v) for n, v in zip(names, values[p])}, seed0 + i * r + j)
            for i, p in enumerate(pick) for j in range(r)]
    with Pool(2) as pool:
        df = pd.DataFrame(pool.map(one, jobs, chunksize=2))
    df["particle"] = np.repeat(np.arange(k), r)
    df.to_csv(out, index=False)
    inside = np.ones(len(df), dtype=bool)
    print(f"{source}: {k} particles x {r} seeds (seeds {seed0}-{seed0 + k * r - 1})")
    print(f"{'share':20s} {'mean':>6s} {'within sd':>9s} {'sd of means':>11s} {'total sd':>8s}")
    for name, (target, band) in SHARES.items():
        v = df[name].to_numpy(float).reshape(k, r)
        inside &= np.abs(df[name].to_numpy(float) - target) <= band
        print(f"{name:20s} {v.mean():6.3f} {np.sqrt(v.var(axis=1, ddof=1).mean()):9.4f} "
              f"{v.mean(axis=1).std(ddof=1):11.4f} {v.std(ddof=1):8.4f}")
    print(f"within all three bands: {inside.mean():.3f} of {len(df)} regions")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], *(int(a) for a in sys.argv[3:6]))
