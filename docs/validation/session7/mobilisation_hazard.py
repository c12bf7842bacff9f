"""What makes fields in mobilisation fall back (ODD 7.8, section 8): pushed education on tuning seeds
9000-9099, the reversal hazard of every field-month in mobilisation split into its terms (mean over
field-months; the terms add up to the hazard before 1 - exp(-h)).
    python docs/validation/session7/mobilisation_hazard.py"""
import numpy as np, sys
import model.core.lifecycle as lc
import model.experiments.validation as v
rec = []
orig = lc.reversal_probability
def wrapped(phase, rate, adequacy, resistance, opposition, value, authority, capacity, complacency, drive, disappointed=0.0):
    mob = phase == 2
    if mob.any():
        r = rate[mob] if np.ndim(rate) else rate
        res = (1.0 + resistance)[mob] if np.ndim(resistance) else 1.0 + resistance
        weak = r * lc.WEAKNESS_WEIGHT * (1 - adequacy[mob]) * res
        lead = r * lc.LEADERSHIP_NEED[2] * (1 - drive[mob]) * res
        opp = r * (np.broadcast_to(opposition, phase.shape)[mob] * (1 - value[mob]))
        ac = r * np.maximum(authority - capacity, 0)[mob]
        dis = r * lc.DISAPPOINTMENT_WEIGHT * (np.broadcast_to(disappointed, phase.shape)[mob])
        rec.append(np.stack([weak, lead, opp, ac, dis], 1))
    return orig(phase, rate, adequacy, resistance, opposition, value, authority, capacity, complacency, drive, disappointed)
lc.reversal_probability = wrapped
v.SEED_BASE = 9000
ts = v.ensemble(100, events=v.push()).timeseries()
a = np.concatenate(rec)
print("field-months in mobilisation", len(a))
m = a.mean(0)
for n, x in zip(["weakness", "leadership", "opposition", "auth>cap", "disappoint"], m):
    print(f"{n:12s} hazard {x:.4f} share {x / m.sum():.2f}")
print("total monthly hazard", m.sum(), "-> mean months to fall back", 1 / m.sum())
