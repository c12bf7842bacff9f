"""Session 22, a diagnostic (no model change, no criterion moved): every check's verdict on two fresh
blocks of seeds, 1200-1399 and 1400-1599 (regions 1200-1211 and 1400-1411), beside the checks' own
seeds 1000-1199, to say which verdicts are robust to the luck of a seed block.
    .venv/bin/python docs/validation/session22/fresh_blocks.py BASE [BASE ...]   # e.g. 1000 1200 1400
"""
import sys
import time

import model.experiments.validation as v

for base in [int(a) for a in sys.argv[1:]] or [1200, 1400]:
    v.SEED_BASE = base
    t = time.perf_counter()
    for c, r, _ in v.run_all(quick=False, progress=False):
        print(f"seeds {base}: check {c.id}: {v.status(c, r)} | {r.statistic} | null: {r.null}", flush=True)
    print(f"seeds {base}: {time.perf_counter() - t:.0f} s", flush=True)
