"""Issue 13 item 4: every validation check with the England 2006 fit as the localities' defaults
(trigger_rate, proof_threshold, reversal_rate_design; example_strength is the region's), on the
checks' seeds. Run: python docs/validation/at_england_fit.py [FIRST_SEED=1000] > at_england_fit.txt"""
import dataclasses, sys
import model.core.parameters as P
FIT = {"trigger_rate": 1.64, "proof_threshold": 0.712, "reversal_rate_design": 0.048}  # session 7 (Addendum 7)
for k, val in FIT.items():
    P.REGISTRY[k] = dataclasses.replace(P.REGISTRY[k], default=val)
import model.experiments.validation as v
v.SEED_BASE = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
for c, r, sec in v.run_all(quick=False, progress=False):
    print(c.id, v.status(c, r), "|", r.statistic, "|", r.null, f"| {sec:.0f}s", flush=True)
