"""Speed of the default locality against Mesa's own Boltzmann wealth example, in one process.

    .venv/bin/python benchmarks/bench_locality.py [--runs 30]

Reports, for each model, milliseconds per 120-step run (construction included) and agent-steps
per second (agents x steps / wall time). Not part of the test suite: timings vary by machine.
"""

from __future__ import annotations

import argparse
import statistics
import time

STEPS = 120


def time_runs(make, runs: int) -> tuple[list[float], int]:
    times, agents = [], 0
    for k in range(runs):
        t = time.perf_counter()
        m = make(k)
        m.run_for(STEPS)
        times.append(time.perf_counter() - t)
        agents = len(m.agents)
    return times, agents


def report(name: str, times: list[float], agents: int) -> None:
    med = statistics.median(times)
    print(f"{name:<34} {agents:>6} agents  median {med * 1e3:7.1f} ms/run  best {min(times) * 1e3:7.1f} ms"
          f"  {agents * STEPS / med / 1e6:6.2f} M agent-steps/s")


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
