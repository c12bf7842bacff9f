"""Speed and memory of a region on one core: England 2006 (435 places) and a 60-place region,
120 months each, built and run in the batched engine.

    .venv/bin/python benchmarks/bench_region.py [--runs 3] [--profile]

Targets (issue 12), printed next to the measurements: England 2006 under 2 s per run (build +
run) and under 250 MB peak memory per region; a 60-place region under 0.3 s. Peak memory is what
tracemalloc sees allocated while one region is built and run (numpy arrays included), measured in
a run of its own since tracing slows the code. Pin to one core with e.g. `taskset -c 0` (BLAS
threads are limited to one below).
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

MONTHS = 120


def scenario(places: int | None):
    from model.io.scenario import load
    s = load("england_2006").with_overrides(MONTHS)
    if places is not None:  # an even subsample of the roster keeps the type and regional mix
        fire = max(1, round(places * 47 / 435))
        s = s.with_overrides(parameters={"region.councils": places - fire, "region.fire_authorities": fire})
    return s


def timed(s, runs: int) -> tuple[float, float, int]:
    builds, steps = [], []
    for k in range(runs):
        t = time.perf_counter()
        r = s.build(k)
        t1 = time.perf_counter()
        r.run_for(MONTHS)
        builds.append(t1 - t)
        steps.append(time.perf_counter() - t1)
    return statistics.median(builds), statistics.median(steps), r.n


def peak_mb(s) -> float:
    tracemalloc.start()
    s.build(99).run_for(MONTHS)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    england = scenario(None)
    scenario(60).build(0).run_for(2)  # warm-up: imports, caches
    if args.profile:
        import cProfile
        import pstats
        with cProfile.Profile() as pr:
            england.build(0).run_for(MONTHS)
        pstats.Stats(pr).sort_stats("tottime").print_stats(20)
        return
    print(f"Regions of {MONTHS} months on one core, median of {args.runs} runs")
    for label, s, target in (("England 2006", england, 2.0), ("60 places", scenario(60), 0.3)):
        b, r, n = timed(s, args.runs)
        per = r / (n * MONTHS) * 1e6
        print(f"  {label:<13} {n:>3} places: build {b:.2f} s + run {r:.2f} s = {b + r:.2f} s per run "
              f"(target < {target} s); {per:.0f} us per place-month")
    print(f"  England 2006 peak memory {peak_mb(england):.0f} MB per region (target < 250 MB)")


if __name__ == "__main__":
    main()
