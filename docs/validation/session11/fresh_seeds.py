"""Every validation check on fresh seeds 1200-1399 (200 runs per arm; the region checks on 1200-1211),
after validation-plan Addendum 10. Run: python docs/validation/session11/fresh_seeds.py > fresh_seeds.txt"""
import model.experiments.validation as v

v.SEED_BASE = 1200
print("# python docs/validation/session11/fresh_seeds.py (seeds 1200-1399; session 11, after Addendum 10)")
for c, r, sec in v.run_all(quick=False, progress=False):
    print(c.id, v.status(c, r), "|", r.statistic, "|", r.null, f"| {sec:.0f}s", flush=True)
