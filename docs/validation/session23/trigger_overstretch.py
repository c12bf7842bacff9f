"""(docs/validation/session23/trigger_overstretch.py; output trigger_overstretch.txt) Why a higher trigger
rate breaks checks 4, 5 and 6 for a lone council (Addendum 25's map): is it overstretch, several fields
starting at once and sharing capacity (003:532-533)? Checks 4-6 on tuning seeds 9000-9199 at a
trigger rate (argv 1) with proof threshold 0.65, design reversal rate 0.02 and the overstretch penalty
(argv 2; shipped 0.25). A diagnostic; nothing changed.
    for a in "0.25 0.25" "0.25 0" "1.0 0.25" "1.0 0"; do
        .venv/bin/python docs/validation/session23/trigger_overstretch.py $a; done"""
import dataclasses
import sys

import model.core.parameters as P

tr, pen = map(float, sys.argv[1:3])
for k, val in (("trigger_rate", tr), ("proof_threshold", 0.65), ("reversal_rate_design", 0.02), ("overstretch_penalty", pen)):
    P.REGISTRY[k] = dataclasses.replace(P.REGISTRY[k], default=val)
import model.experiments.validation as v  # noqa: E402

v.SEED_BASE = 9000
for c, r, sec in v.run_all(quick=False, only=[4, 5, 6], progress=False):
    print(f"trigger {tr}, overstretch_penalty {pen} | {c.id} {v.status(c, r)} | {r.statistic} | null: {r.null}", flush=True)
