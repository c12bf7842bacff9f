"""Every validation check on fresh seeds (default 1200-1399), which no check or tuning used; one line
per check: id, status, the arm's statistic, the null arm's, seconds.
    python docs/validation/session6/fresh_seeds.py [FIRST_SEED=1200]"""
import sys

import model.experiments.validation as v

v.SEED_BASE = int(sys.argv[1]) if len(sys.argv) > 1 else 1200
for c, r, sec in v.run_all(quick=False, progress=False):
    print(c.id, v.status(c, r), "|", r.statistic, "|", r.null, f"| {sec:.0f}s", flush=True)
