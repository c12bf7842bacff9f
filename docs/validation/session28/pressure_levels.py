"""Where England 2006's places stand on pressure at the survey month (tuning seed 9000; a diagnostic, nothing changed)."""
import numpy as np
from model.io.scenario import load
s = load("england_2006")
month = s.region.resolved()["survey_month"]
s = s.with_overrides(months=month + 1)
r = s.for_replicate(9000)[0].build(9000)
r.run_for(month + 1)
e = r.engine if hasattr(r, "engine") else r
for name in ("total_pressure",):
    v = getattr(e, name, None)
    print(name, None if v is None else np.percentile(v, [5, 25, 50, 75, 95]).round(3), None if v is None else (v >= 0.999).mean())
print({k: np.percentile(v, [5, 50, 95]).round(2) for k, v in e.pressures.items()})
print({k: float(np.mean(e.pc[k])) for k in ("efficiency_external_weight", "central_pressure_weight", "community_pressure_weight", "efficiency_threat", "pressure_enables", "funding_pressure_relief")})
