"""Validation-plan Addendum 11, items 1 and 5, with learning from failure on (learning_from_failure 1):
check 14 on fresh seeds 1200-1399, and every check at the England fit re-fitted for it (the point of
Addendum 7's procedure: 2.25 / 0.795 / 0.0429, example_strength 0.531) on the checks' seeds (checks 15 and 17 read england_2006.toml, i.e. the shipped point; at the re-fitted
point they were run with the file changed: see ODD §8, session 12).
    python docs/validation/session12/learning_on.py > learning_on.txt"""
from _common import print_checks, set_defaults  # this folder (on sys.path when run as a script)

set_defaults({"learning_from_failure": 1.0})
print("# python docs/validation/session12/learning_on.py (learning_from_failure 1)")
print_checks(1200, [14], lambda c: "fresh seeds 1200-1399: ")
set_defaults({"trigger_rate": 2.25, "proof_threshold": 0.795, "reversal_rate_design": 0.0429})
print_checks(1000, None, lambda c: "at the " + ("shipped England point (reads the file)" if c.id in (15, 17)
                                               else "re-fitted England point") + ": ")
