"""Every lone-council check at five times its runs on fresh seeds (session 26, a diagnostic after
validation-plan Addendum 19's result; nothing changes by it). `validate` runs 200 per arm on seeds
1000-1199; here 1000 per arm on 10000-10999 (fresh for every check but 6, whose design half was sized
on them the same session). A verdict that holds here does not rest on its block of 200; one that
changes did. Checks 15 and 17 (regions) are left out: their size is 12 regions either way.
Expectation (written before running): check 6 fails (design: a tie), check 4 passes narrowly
(about 0.85 against 0.8), the rest keep their verdicts.

    python docs/validation/session26/power.py > docs/validation/session26/power.txt
"""
import time

import model.experiments.validation as v

v.FULL, v.SEED_BASE = 1000, 10000
print("check | verdict at 1000 runs, seeds 10000-10999 | measured | null | seconds", flush=True)
for c, r, sec in v.run_all(quick=False, only=[k for k in range(1, 17) if k != 15], progress=False):
    print(f"{c.id} | {v.status(c, r)} | {r.statistic} | {r.null} | {sec:.0f}", flush=True)
