"""Issue 13 item 4, a diagnostic after the seventh ABC run (nothing changed): checks 1-14 and 16 with
the localities' defaults at the null posterior's medians (no learning between places, the efficiency
threat fitted: docs/calibration/england_abc/run7/null/summary.json), on the checks' seeds. Checks 15
and 17 read England 2006's file (the shipped point with learning) and are left out.
    python docs/validation/session12/at_null_posterior.py > at_null_posterior.txt"""
from _common import print_checks, set_defaults  # this folder (on sys.path when run as a script)

MEDIANS = {"trigger_rate": 1.2296, "proof_threshold": 0.6488, "reversal_rate_design": 0.0063, "efficiency_threat": 0.3726}
set_defaults(MEDIANS)
print(f"# python docs/validation/session12/at_null_posterior.py (locality defaults at {MEDIANS}; checks' seeds)")
print_checks(1000, list(range(1, 15)) + [16])
