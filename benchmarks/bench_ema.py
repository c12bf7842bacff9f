"""Issue 16's acceptance run: an EMA Workbench experiment of 200 futures x 2 policies through the EMA
interface (model/experiments/ema.py) with EMA's MultiprocessingEvaluator, against our own sweep
runner (Dask) on the same experiment: every seed, setting and outcome must be equal.

    .venv/bin/python benchmarks/bench_ema.py [--futures 200] [--workers 2] [--months 120]

The experiment is experiments/robust_inspection.toml with one lever (the grant: 2 policies) and
the futures asked for.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import tomli_w

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model.experiments import ema  # noqa: E402
from model.experiments.sweep import read_runs, run_sweep  # noqa: E402
from model.io.experiment import load_experiment  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--futures", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--months", type=int, default=120)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        raw = tomllib.loads((ROOT / "experiments" / "robust_inspection.toml").read_text())
        raw["design"]["samples"] = args.futures
        raw["months"] = args.months
        raw["scenario"] = str(ROOT / "scenarios" / "inspection_failure.toml")
        del raw["levers"]["new_chief_executive"]
        path = Path(tmp) / "bench_ema.toml"
        path.write_text(tomli_w.dumps(raw))
        exp = load_experiment(path)
        print(f"{exp.n_futures} futures x {exp.n_policies} policies = {exp.n_runs} runs of {exp.scenario.months} months, "
              f"{args.workers} workers", flush=True)

        t = time.perf_counter()
        x, o = ema.perform(exp, evaluator="multiprocessing" if args.workers > 1 else "sequential",
                           n_processes=args.workers)
        t_ema = time.perf_counter() - t
        ema_runs = ema.as_runs(exp, x, o)

        t = time.perf_counter()
        run_sweep(exp, Path(tmp) / "sweep", workers=args.workers, progress=False)
        t_sweep = time.perf_counter() - t
        sweep_runs = read_runs(Path(tmp) / "sweep")

    diff = ema.compare_with_sweep(ema_runs, sweep_runs)
    cols = [c for c in ema_runs.columns if c in sweep_runs.columns]
    print(f"EMA MultiprocessingEvaluator: {t_ema:.1f} s; our Dask sweep: {t_sweep:.1f} s")
    print(f"compared {len(ema_runs)} runs x {len(cols)} columns (seed, settings, {len(o)} outcomes): "
          f"{'all equal' if diff.empty else f'{len(diff)} runs differ'}")
    return 0 if diff.empty else 1


if __name__ == "__main__":
    raise SystemExit(main())
