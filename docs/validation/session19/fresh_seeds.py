"""validation-plan Addendum 17: the checks that moved (4-7, 11, 14), re-run on fresh seeds 1200-1399.
    .venv/bin/python docs/validation/session19/fresh_seeds.py"""
import model.experiments.validation as v

v.SEED_BASE = 1200
for c, r, _ in v.run_all(quick=False, only=[4, 5, 6, 7, 11, 14], progress=False):
    print(f"check {c.id}: {r.statistic} | null: {r.null} | {v.status(c, r)}", flush=True)
