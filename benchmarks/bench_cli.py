"""Wall time of whole commands (start-up, parallel runs, files, summary, figures) on the machine's
cores, against the targets of issue 12 (a 2-core machine):

- `innovation-sim run baseline --replicates 100`: under 8 s;
- `innovation-sim run england_2006 --replicates 20`: under 60 s (with --heavy; about a minute).

    .venv/bin/python benchmarks/bench_cli.py [--repeat 3] [--heavy]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def wall(args: list[str], repeat: int) -> list[float]:
    exe = Path(sys.executable).with_name("innovation-sim")
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(repeat):
            t = time.perf_counter()
            subprocess.run([str(exe), *args, "--out", f"{tmp}/run{k}"], check=True, capture_output=True)
            times.append(time.perf_counter() - t)
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--heavy", action="store_true", help="also time the England region ensemble (about a minute)")
    args = ap.parse_args()
    jobs = [(["run", "baseline", "--replicates", "100"], 8.0, args.repeat)]
    if args.heavy:
        jobs.append((["run", "england_2006", "--replicates", "20"], 60.0, 1))
    for cmd, target, repeat in jobs:
        times = wall(cmd, repeat)
        print(f"innovation-sim {' '.join(cmd)}: median {statistics.median(times):.2f} s (target < {target:g} s; "
              f"runs: {', '.join(f'{t:.2f}' for t in times)})")


if __name__ == "__main__":
    main()
