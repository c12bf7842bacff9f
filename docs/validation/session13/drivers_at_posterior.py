"""England ABC plan Addendum 9: validation check 17 (and check 15's shares) on England 2006 without
learning between places, each region drawing its settings from the eighth run's posterior
(docs/calibration/england_abc/run8/posterior.csv), on the checks' seeds and on fresh seeds.
    python docs/validation/session13/drivers_at_posterior.py > drivers_at_posterior.txt"""
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "session12"))
import model.experiments.validation as v  # noqa: E402
from _common import print_checks  # noqa: E402

POSTERIOR = Path(__file__).resolve().parents[2] / "calibration" / "england_abc" / "run8" / "posterior.csv"
NULL = {"region.example_strength": 0.0, "region.intermediaries": 0.0}  # the eighth run's constants
_load = v.load
v.load = lambda name, *a, **k: (replace(_load(name, *a, **k), posterior=POSTERIOR).with_overrides(parameters=NULL)
                                if name == "england_2006" else _load(name, *a, **k))

print("# python docs/validation/session13/drivers_at_posterior.py (England 2006, no learning between places, "
      "settings drawn from run8/posterior.csv per region)")
for base, label in ((1000, "checks' seeds 1000-1011"), (1200, "fresh seeds 1200-1211")):
    print_checks(base, [15, 17], lambda c, label=label: f"{label}: ")
