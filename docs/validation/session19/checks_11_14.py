"""validation-plan Addendum 17, for the record: checks 11 and 14 on the checks' seeds, run once per
engine variant (the variant is the engine file checked out when this runs).
    .venv/bin/python docs/validation/session19/checks_11_14.py LABEL"""
import sys

import model.experiments.validation as v

for c, r, _ in v.run_all(quick=False, only=[11, 14], progress=False):
    print(sys.argv[1] if len(sys.argv) > 1 else "", f"check {c.id}: {r.statistic} | null: {r.null} | {v.status(c, r)}",
          flush=True)
