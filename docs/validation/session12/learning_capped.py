"""Addendum 11 re-measured after the second reading found that a lesson could exceed 1 (a dominant
innovation may deliver up to twice its pilot at scale; the lesson is now capped at 1, the top of a
trial's quality): checks 1-14 and 16 with learning_from_failure 1, checks' seeds (checks 15 and 17
read the region, which the cap cannot change by more than the checks above show; not re-run).
    python docs/validation/session12/learning_capped.py > learning_capped.txt"""
from _common import print_checks, set_defaults  # this folder (on sys.path when run as a script)

set_defaults({"learning_from_failure": 1.0})
print("# python docs/validation/session12/learning_capped.py (learning_from_failure 1, lesson capped at 1)")
print_checks(1000, list(range(1, 15)) + [16])
