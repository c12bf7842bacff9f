"""Addendum 11 re-measured after the second reading found that a lesson could exceed 1 (a dominant
innovation may deliver up to twice its pilot at scale; the lesson is now capped at 1, the top of a
trial's quality): checks 1-14 and 16 with learning_from_failure 1, checks' seeds (checks 15 and 17
read the region, which the cap cannot change by more than the checks above show; not re-run).
    python docs/validation/session12/learning_capped.py > learning_capped.txt"""
import dataclasses

import model.core.parameters as P

P.REGISTRY["learning_from_failure"] = dataclasses.replace(P.REGISTRY["learning_from_failure"], default=1.0)
import model.experiments.validation as v  # noqa: E402

print("# python docs/validation/session12/learning_capped.py (learning_from_failure 1, lesson capped at 1)")
v.SEED_BASE = 1000
for c, r, sec in v.run_all(quick=False, progress=False, only=list(range(1, 15)) + [16]):
    print(c.id, v.status(c, r), "|", r.statistic, "|", r.null, f"| {sec:.0f}s", flush=True)
