"""Check 7 with and without continuous improvement (ODD 8): a grant relieves efficiency pressure and so
lowers ordinary improvement; how much of 'leader loss vs grant loss' goes through that channel.
    python docs/validation/session6/check7_improvement.py"""
import model.experiments.validation as v

for label, kw in (("with continuous improvement", {}), ("improvement_rate 0", {"improvement_rate": 0.0})):
    leader, grant = v._losses(200, **kw)
    lo, hi = v.bootstrap_interval(leader)
    print(f"{label}: public value lost, leader leaves {leader.mean():.3f} [{lo:.3f}, {hi:.3f}], grant ends "
          f"{grant.mean():.3f} [{v.bootstrap_interval(grant)[0]:.3f}, {v.bootstrap_interval(grant)[1]:.3f}]", flush=True)
