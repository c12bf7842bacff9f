"""Speed of a full region (England 2006: 435 localities, 120 months) on one core.

    .venv/bin/python benchmarks/bench_region.py [--runs 2] [--profile]

Target (issue 6): under 60 s per 120-month run. Reports build and run time, the cost per
locality-month, and the share of the run spent in the region's own (vectorised) peer step as
opposed to the localities' steps. --profile prints the top functions by cumulative time.
Pin to one core with e.g. `taskset -c 0` (BLAS threads are limited to one below).
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

MONTHS = 120


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    from model.core.locality import Locality
    from model.io.scenario import load

    s = load("england_2006")
    builds, runs, locality_share = [], [], []
    for k in range(args.runs):
        t = time.perf_counter()
        r = s.build(k)
        t1 = time.perf_counter()
        inner = [0.0]
        step = Locality.step

        def timed(self, _step=step):
            t0 = time.perf_counter()
            _step(self)
            inner[0] += time.perf_counter() - t0
        if args.profile and k == 0:
            import cProfile
            import pstats
            with cProfile.Profile() as pr:
                r.run_for(MONTHS)
            pstats.Stats(pr).sort_stats("cumulative").print_stats(18)
        else:
            for m in r.localities:  # wrap the user step of each locality to time it
                m._user_step = timed.__get__(m)
            r.run_for(MONTHS)
        t2 = time.perf_counter()
        builds.append(t1 - t)
        runs.append(t2 - t1)
        locality_share.append(inner[0] / (t2 - t1))
    b, rr = statistics.median(builds), statistics.median(runs)
    n = r.n
    print(f"England 2006: {n} localities x {MONTHS} months, {args.runs} runs (median)")
    print(f"  build {b:.1f} s + run {rr:.1f} s = {b + rr:.1f} s per run (target < 60 s)")
    print(f"  {rr / (n * MONTHS) * 1e6:.0f} us per locality-month; localities' own steps "
          f"{statistics.median(locality_share):.0%} of the run time")


if __name__ == "__main__":
    main()
