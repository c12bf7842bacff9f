"""Wall time of `innovation-sim run baseline --replicates 100` (the whole command: start-up,
parallel runs, CSV, summary, figures). Target on a 2-core machine: under 10 s.

    .venv/bin/python benchmarks/bench_cli.py [--repeat 3] [--replicates 100]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--replicates", type=int, default=100)
    args = ap.parse_args()
    exe = Path(sys.executable).with_name("innovation-sim")
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.repeat):
            t = time.perf_counter()
            subprocess.run([str(exe), "run", "baseline", "--replicates", str(args.replicates),
                            "--out", f"{tmp}/run{k}"], check=True, capture_output=True)
            times.append(time.perf_counter() - t)
    print(f"innovation-sim run baseline --replicates {args.replicates}: median {statistics.median(times):.2f} s "
          f"(runs: {', '.join(f'{t:.2f}' for t in times)})")


if __name__ == "__main__":
    main()
