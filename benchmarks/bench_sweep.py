"""Sweep throughput, scaling, scheduler overhead and driver memory.

    .venv/bin/python benchmarks/bench_sweep.py [--runs 600] [--memory-runs 20000]

- runs/s with 1 and 2 local Dask workers on a slice of the shipped Sobol design (120 months),
  and the scaling from 1 to 2 workers;
- the scheduler's overhead: the share of the workers' time (workers x wall time from first
  submission to last result) not spent inside the model runs, and ms/run inside the workers
  against the same runs in this process without Dask;
- the driver's resident memory while a long sweep of 1-month runs streams to Parquet.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import threading
import time
from pathlib import Path

from model.io.experiment import load_experiment
from model.experiments.sweep import configure_local_workers, run_batch, run_sweep


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def sliced(exp, runs: int, months: int | None = None):
    points = exp.points[: -(-runs // exp.replicates)]
    scen = dataclasses.replace(exp.scenario, months=months, events=[]) if months else exp.scenario
    return dataclasses.replace(exp, points=points, scenario=scen)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=600)
    ap.add_argument("--memory-runs", type=int, default=20000)
    args = ap.parse_args()
    exp = sliced(load_experiment("sobol_top10"), args.runs)

    t = time.perf_counter()
    for b in range(0, exp.n_runs, exp.batch_size):
        run_batch(exp, list(range(b, min(b + exp.batch_size, exp.n_runs))))
    compute = time.perf_counter() - t
    print(f"{exp.n_runs} runs in this process without Dask: {compute:.1f} s ({exp.n_runs / compute:.1f} runs/s, "
          f"{compute / exp.n_runs * 1e3:.1f} ms/run)")

    configure_local_workers()  # as run_sweep does

    rates = {}
    for w in (1, 2):
        st: dict = {}
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            run_sweep(exp, Path(tmp) / "out", workers=w, progress=False, stats=st)
            total = time.perf_counter() - t
        rates[w] = st["runs"] / st["wall"]
        idle = 1 - st["compute"] / (w * st["wall"])
        print(f"{w} worker(s): {total:.1f} s in all, {total - st['wall']:.1f} s of it cluster start-up/shutdown; "
              f"{rates[w]:.1f} runs/s; {st['compute'] / st['runs'] * 1e3:.1f} ms/run inside the workers; "
              f"scheduler overhead (worker time not spent running the model) {idle:.1%}")
    print(f"scaling 1 -> 2 workers: {rates[2] / rates[1]:.2f}x")
    full = load_experiment("sobol_top10")
    print(f"shipped Sobol experiment: {full.n_runs} runs -> about {full.n_runs / rates[2] / 60:.1f} min with 2 workers")

    mem = sliced(load_experiment("sobol_top10"), args.memory_runs, months=1)
    samples = []
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            samples.append(rss_mb())
            time.sleep(0.5)

    with tempfile.TemporaryDirectory() as tmp:
        th = threading.Thread(target=sample, daemon=True)
        th.start()
        t = time.perf_counter()
        run_sweep(mem, Path(tmp) / "out", workers=2, progress=False)
        stop.set()
        th.join()
    n = len(samples)
    q = max(1, n // 4)
    print(f"memory: {mem.n_runs} one-month runs in {time.perf_counter() - t:.0f} s; driver RSS "
          f"{min(samples):.0f} MB min, {max(samples):.0f} MB max; mean of first quarter "
          f"{sum(samples[:q]) / q:.0f} MB vs last quarter {sum(samples[-q:]) / q:.0f} MB")


if __name__ == "__main__":
    main()
