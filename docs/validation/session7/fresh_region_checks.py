"""Checks 15 and 17 (the two that use the region) on fresh seeds 1200-1211, after the re-fit of
validation-plan Addendum 7.  python docs/validation/session7/fresh_region_checks.py"""
import model.experiments.validation as v
v.SEED_BASE = 1200
for c in v.CHECKS:
    if c.id in (15, 17):
        r = c.fn(200)
        print(c.id, v.status(c, r), "|", r.statistic, "|", r.null, flush=True)
