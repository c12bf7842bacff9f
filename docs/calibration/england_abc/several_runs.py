"""The sixth run's posterior with several runs per proposal (England ABC plan, Addendum 6).

Every proposal of a finished calibration's last GENERATIONS generations (full model and null) is
run RUNS times on fresh seeds (stream (seed, SEVERAL)). Its weight is the stored prior/proposal
weight (with Z_t) times p, the share of its first four runs within the model's final tolerance:
an importance sample of the same ABC posterior as the calibration's, with less noisy weights than
one run per particle gives. The remaining runs are a held-out predictive. Nothing shipped changes.

    .venv/bin/python docs/calibration/england_abc/several_runs.py RESULT_FOLDER [--generations 2] [--workers 2]

Runs are kept (resumable sweeps) in RESULT_FOLDER/several-<g>x6 and RESULT_FOLDER/null/several-<g>x6;
writes several_runs.json next to this script.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from model.experiments.abc import (calibration_of, derived_seed, ess, generator, observed_distances,
                                   read_particles, replay, settings_experiment, weighted_quantile)
from model.experiments.sweep import cluster, read_runs, run_sweep
from recheck import interval  # this folder's Addendum 5 script (on sys.path when run as a script)

HERE = Path(__file__).resolve().parent
SEVERAL = 6  # spawn key: after abc.py's 0-4 and recheck.py's 5
RUNS, FOR_P = 6, 4
SHARES = ("share_a_great_deal", "share_some", "share_hardly_any")
STALLED = 0.2  # a region with "a great deal" below this has stalled (ODD 10.5, the sixth run's tail)
BOOT = 2000


def estimate(folder: Path, generations: int, client) -> dict:
    """One model: its last generations' proposals re-run; weights, p, held-out measures per proposal."""
    cal = calibration_of(folder)
    table = read_particles(folder, cal)
    eps = replay(table, cal)[-1].epsilon
    last = int(table.generation.max())
    props = table[table.generation > last - generations].reset_index(drop=True)
    exp = settings_experiment(cal, props[cal.names].to_numpy(float), "several runs",
                              derived_seed(cal.seed, SEVERAL), RUNS, several=[generations, RUNS])
    out = run_sweep(exp, folder / f"several-{generations}x{RUNS}", client=client, resume=True, progress=True)
    runs = read_runs(out)
    n, names = len(props), [s.name for s in cal.summaries]
    d = observed_distances(runs[names].to_numpy(float), cal).reshape(n, RUNS)
    within = np.stack([np.abs(runs[s.name].to_numpy(float) - s.observed) <= s.band for s in cal.summaries], axis=1)
    three = within[:, [names.index(s) for s in SHARES]].all(axis=1).reshape(n, RUNS)
    p = (d[:, :FOR_P] <= eps).mean(axis=1)
    w = props.weight.to_numpy(float) * p
    held = np.where(np.isfinite(d[:, FOR_P:]), d[:, FOR_P:], np.nan)
    stalled = (runs.share_a_great_deal.to_numpy(float).reshape(n, RUNS)[:, FOR_P:] < STALLED).mean(axis=1)
    return {"cal": cal, "props": props, "epsilon": float(eps), "w": w, "p": p,
            "per": np.stack([np.nanmean(held, axis=1), three[:, FOR_P:].mean(axis=1),
                             within.all(axis=1).reshape(n, RUNS)[:, FOR_P:].mean(axis=1), stalled], axis=1)}


def measures(m: dict, idx: np.ndarray) -> np.ndarray:
    """(mean distance, three-share coverage, all-summary coverage, share stalled) under the weights,
    per row of idx."""
    w = m["w"][idx]
    total = w.sum(axis=-1, keepdims=True)
    w = np.where(total > 0, w / np.where(total > 0, total, 1), np.nan)
    return np.stack([(w * m["per"][idx, k]).sum(axis=-1) for k in range(4)], axis=-1)


def report(m: dict, seed: int) -> tuple[dict, np.ndarray, np.ndarray]:
    n, cal = len(m["w"]), m["cal"]
    idx = generator(seed, SEVERAL, 1).integers(0, n, (BOOT, n))
    point, draws = measures(m, np.arange(n)), measures(m, idx)
    keys = ("mean_distance", "three_share_coverage", "all_summary_coverage", "stalled_share")
    post = {}
    for name in cal.names:
        v = m["props"][name].to_numpy(float)
        q = weighted_quantile(v, m["w"], [0.05, 0.5, 0.95])
        post[name] = {"median": round(float(q[1]), 4), "ci90": [round(float(q[0]), 4), round(float(q[2]), 4)]}
    out = {"proposals": n, "generations": sorted(int(g) for g in m["props"].generation.unique()),
           "epsilon": m["epsilon"], "ess": round(ess(m["w"]), 1),
           "p_hat": {"mean": round(float(m["p"].mean()), 4), "proposals_p0": int((m["p"] == 0).sum())},
           "posterior": post, **{k: interval(point[i], draws[:, i]) for i, k in enumerate(keys)}}
    return out, point, draws


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--generations", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    with cluster(args.workers, None) as c:
        full = estimate(args.folder, args.generations, c)
        null = estimate(args.folder / "null", args.generations, c)
    seed = full["cal"].seed
    (fr, fp, fd), (nr, np_, nd) = report(full, seed), report(null, seed + 1)
    diff = interval(np_[0] - fp[0], nd[:, 0] - fd[:, 0])  # independent resamples of the two models
    cov = interval(fp[2] - np_[2], fd[:, 2] - nd[:, 2])
    out = {"plan": "docs/calibration/england_abc_plan.md, Addendum 6", "folder": str(args.folder),
           "runs_per_proposal": RUNS, "runs_for_p": FOR_P, "full": fr, "null": nr,
           "criterion_4": {"null_minus_full_mean_distance": diff, "full_minus_null_all_coverage": cov,
                           "needed": bool(cov["value"] > 0 and diff["ci90"][0] > 0)}}
    (HERE / "several_runs.json").write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
