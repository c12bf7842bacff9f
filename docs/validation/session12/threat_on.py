"""Validation-plan Addendum 13's measurements with the efficiency threat on (efficiency_threat 1):
check 14 on fresh seeds 1200-1399, and checks 15 and 17 on the checks' seeds at the point re-fitted
for it (stage 1 point 14: trigger_rate 0.765, proof_threshold 0.704, reversal_rate_design 0.0488,
example_strength 0.902; stage1_threat_on.csv, confirm_threat_on.txt). The scenario file is not
touched: England 2006 is loaded with the point as overrides.
    python docs/validation/session12/threat_on.py > threat_on.txt"""
import model.experiments.validation as v
from _common import print_checks, set_defaults  # this folder (on sys.path when run as a script)

set_defaults({"efficiency_threat": 1.0})
POINT = {"trigger_rate": 0.765, "proof_threshold": 0.704, "reversal_rate_design": 0.0488, "region.example_strength": 0.902}
_load = v.load
v.load = lambda name, *a, **k: _load(name, *a, **k).with_overrides(parameters=POINT) if name == "england_2006" else _load(name, *a, **k)

print("# python docs/validation/session12/threat_on.py (efficiency_threat 1)")
print_checks(1200, [14], lambda c: "fresh seeds 1200-1399: ")
print_checks(1000, [15, 17], lambda c: "checks' seeds, at the re-fitted point: ")
