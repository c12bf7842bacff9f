"""Validation-plan Addendum 14: checks 15 and 17 on the checks' seeds with efficiency_threat at the
eighth ABC run's value, England 2006 at the point re-fitted for it (stage 1 + confirmation, Addendum
7's procedure). The scenario file is not touched: the point is loaded as overrides.
    python docs/validation/session13/region_checks.py THREAT trigger_rate proof_threshold reversal_rate_design example_strength"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "session12"))
import model.experiments.validation as v  # noqa: E402
from _common import print_checks, set_defaults  # noqa: E402

threat, *point = (float(a) for a in sys.argv[1:6])
set_defaults({"efficiency_threat": threat})
POINT = dict(zip(("trigger_rate", "proof_threshold", "reversal_rate_design", "region.example_strength"), point))
_load = v.load
v.load = lambda name, *a, **k: _load(name, *a, **k).with_overrides(parameters=POINT) if name == "england_2006" else _load(name, *a, **k)

print(f"# python docs/validation/session13/region_checks.py {' '.join(sys.argv[1:6])} (efficiency_threat {threat}; point {POINT})")
print_checks(1000, [15, 17], lambda c: "checks' seeds, at the re-fitted point: ")
