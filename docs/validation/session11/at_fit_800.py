"""Are the checks that fail at the England fit (4, 6, 7, 9; docs/validation/session8/at_england_fit.txt)
underpowered there or really failing? The same checks at the fit, 800 runs per arm on unused seeds
8000-8799, and at the baseline on the same seeds for comparison (a diagnostic; nothing changed).

    python docs/validation/session11/at_fit_800.py > docs/validation/session11/at_fit_800.txt
"""
import dataclasses

import model.core.parameters as P
import model.experiments.validation as v

FIT = {"trigger_rate": 1.64, "proof_threshold": 0.712, "reversal_rate_design": 0.048}  # as at_england_fit.py
BASE = {k: P.REGISTRY[k].default for k in FIT}
v.SEED_BASE, v.FULL = 8000, 800
print("# python docs/validation/session11/at_fit_800.py (800 runs per arm, seeds 8000-8799)")
for label, values in (("baseline", BASE), ("England fit", FIT)):
    for k, val in values.items():
        P.REGISTRY[k] = dataclasses.replace(P.REGISTRY[k], default=val)
    for c, r, sec in v.run_all(quick=False, only=[4, 6, 7, 9], progress=False):
        print(f"{label:11s} {c.id} {v.status(c, r)} | {r.statistic} | {r.null} | {sec:.0f}s", flush=True)
