"""Validation-plan Addendum 13's measurements with the efficiency threat on (efficiency_threat 1):
check 14 on fresh seeds 1200-1399, and checks 15 and 17 on the checks' seeds at the point re-fitted
for it (stage 1 point 14: trigger_rate 0.765, proof_threshold 0.704, reversal_rate_design 0.0488,
example_strength 0.902; stage1_threat_on.csv, confirm_threat_on.txt). The scenario file is not
touched: England 2006 is loaded with the point as overrides.
    python docs/validation/session12/threat_on.py > threat_on.txt"""
import dataclasses

import model.core.parameters as P

P.REGISTRY["efficiency_threat"] = dataclasses.replace(P.REGISTRY["efficiency_threat"], default=1.0)
import model.experiments.validation as v  # noqa: E402

POINT = {"trigger_rate": 0.765, "proof_threshold": 0.704, "reversal_rate_design": 0.0488, "region.example_strength": 0.902}
_load = v.load
v.load = lambda name, *a, **k: _load(name, *a, **k).with_overrides(parameters=POINT) if name == "england_2006" else _load(name, *a, **k)

print("# python docs/validation/session12/threat_on.py (efficiency_threat 1)")
v.SEED_BASE = 1200
for c, r, sec in v.run_all(quick=False, progress=False, only=[14]):
    print("fresh seeds 1200-1399:", c.id, v.status(c, r), "|", r.statistic, "|", r.null, f"| {sec:.0f}s", flush=True)
v.SEED_BASE = 1000
for c, r, sec in v.run_all(quick=False, progress=False, only=[15, 17]):
    print("checks' seeds, at the re-fitted point:", c.id, v.status(c, r), "|", r.statistic, "|", r.null, f"| {sec:.0f}s", flush=True)
