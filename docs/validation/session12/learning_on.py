"""Validation-plan Addendum 11, items 1 and 5, with learning from failure on (learning_from_failure 1):
check 14 on fresh seeds 1200-1399, and every check at the England fit re-fitted for it (the point of
Addendum 7's procedure: 2.25 / 0.795 / 0.0429, example_strength 0.531) on the checks' seeds (checks 15 and 17 read england_2006.toml, i.e. the shipped point; at the re-fitted
point they were run with the file changed: see ODD §8, session 12).
    python docs/validation/session12/learning_on.py > learning_on.txt"""
import dataclasses
import model.core.parameters as P
P.REGISTRY["learning_from_failure"] = dataclasses.replace(P.REGISTRY["learning_from_failure"], default=1.0)
import model.experiments.validation as v

print("# python docs/validation/session12/learning_on.py (learning_from_failure 1)")
v.SEED_BASE = 1200
for c, r, sec in v.run_all(quick=False, progress=False, only=[14]):
    print("fresh seeds 1200-1399:", c.id, v.status(c, r), "|", r.statistic, "|", r.null, f"| {sec:.0f}s", flush=True)
for k, val in {"trigger_rate": 2.25, "proof_threshold": 0.795, "reversal_rate_design": 0.0429}.items():
    P.REGISTRY[k] = dataclasses.replace(P.REGISTRY[k], default=val)
v.SEED_BASE = 1000
for c, r, sec in v.run_all(quick=False, progress=False):
    where = "shipped England point (reads the file)" if c.id in (15, 17) else "re-fitted England point"
    print(f"at the {where}:", c.id, v.status(c, r), "|", r.statistic, "|", r.null, f"| {sec:.0f}s", flush=True)
