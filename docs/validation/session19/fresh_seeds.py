"""validation-plan Addenda 17 and 18: the checks that moved, re-run on fresh seeds 1200-1399.
    .venv/bin/python docs/validation/session19/fresh_seeds.py [LABEL [CHECK ...]]
Addendum 17 moved checks 4-7, 11 and 14 (the default); Addendum 18 only check 14."""
import sys

import model.experiments.validation as v

v.SEED_BASE = 1200
label = sys.argv[1] + ": " if len(sys.argv) > 1 else ""
only = [int(a) for a in sys.argv[2:]] or [4, 5, 6, 7, 11, 14]
for c, r, _ in v.run_all(quick=False, only=only, progress=False):
    print(f"{label}check {c.id}: {r.statistic} | null: {r.null} | {v.status(c, r)}", flush=True)
