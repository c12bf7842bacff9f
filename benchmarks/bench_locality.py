"""Speed of the default locality against Mesa's own Boltzmann wealth example, in one process.

    .venv/bin/python benchmarks/bench_locality.py [--runs 30]

Reports, for each model, the median time to build it and to run 120 steps, and agent-steps per
second (agents x steps / wall time) for the steps alone and for the whole run. Not part of the test suite: timings vary by machine.
"""

from __future__ import annotations

import argparse
import statistics
import time

STEPS = 120


def time_runs(make, runs: int) -> tuple[list[float], list[float], int]:
    build, step, agents = [], [], 0
    for k in range(runs):
        t = time.perf_counter()
        m = make(k)
        t1 = time.perf_counter()
        m.run_for(STEPS)
        step.append(time.perf_counter() - t1)
        build.append(t1 - t)
        agents = len(m.agents)
    return build, step, agents


def report(name: str, build: list[float], step: list[float], agents: int) -> None:
    b, s = statistics.median(build), statistics.median(step)
    print(f"{name:<34} {agents:>4} agents | build {b * 1e3:5.1f} ms + {STEPS} steps {s * 1e3:6.1f} ms"
          f" = {(b + s) * 1e3:6.1f} ms/run | {agents * STEPS / s / 1e6:5.2f} M agent-steps/s (steps only),"
          f" {agents * STEPS / (b + s) / 1e6:5.2f} M (whole run)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()

    from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth

    from model import Locality

    Locality(seed=0).run_for(5)  # warm-up: imports, BLAS
    print(f"{args.runs} runs of {STEPS} steps each")
    report("innovation-sim Locality (default)", *time_runs(lambda k: Locality(seed=k), args.runs))
    report("mesa BoltzmannWealth (n=100)", *time_runs(lambda k: BoltzmannWealth(BoltzmannScenario(rng=k)), args.runs))
    report("mesa BoltzmannWealth (n=300)",
           *time_runs(lambda k: BoltzmannWealth(BoltzmannScenario(n=300, rng=k)), args.runs))


if __name__ == "__main__":
    main()
