"""Issue 13 item 4, a diagnostic after the seventh ABC run (nothing changed): checks 1-14 and 16 with
the localities' defaults at the null posterior's medians (no learning between places, the efficiency
threat fitted: docs/calibration/england_abc/run7/null/summary.json), on the checks' seeds. Checks 15
and 17 read England 2006's file (the shipped point with learning) and are left out.
    python docs/validation/session12/at_null_posterior.py > at_null_posterior.txt"""
import dataclasses

import model.core.parameters as P

MEDIANS = {"trigger_rate": 1.2296, "proof_threshold": 0.6488, "reversal_rate_design": 0.0063, "efficiency_threat": 0.3726}
for k, val in MEDIANS.items():
    P.REGISTRY[k] = dataclasses.replace(P.REGISTRY[k], default=val)
import model.experiments.validation as v  # noqa: E402

print(f"# python docs/validation/session12/at_null_posterior.py (locality defaults at {MEDIANS}; checks' seeds)")
for c, r, sec in v.run_all(quick=False, progress=False, only=list(range(1, 15)) + [16]):
    print(c.id, v.status(c, r), "|", r.statistic, "|", r.null, f"| {sec:.0f}s", flush=True)
