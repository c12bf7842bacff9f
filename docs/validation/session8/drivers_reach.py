"""Can any setting within the registry's ranges give check 17's pattern? (An exploration on tuning
seeds 9000+, not a check; nothing in the model is changed by it.) Check 17's statistic (share above
the region's median pressure, 'a great deal' minus 'some') with the places' spread of efficiency and
member pressure set to SPREAD (the scenario's assumption: 0.1) and optional parameter overrides.

    python docs/validation/session8/drivers_reach.py FIRST_SEED SPREAD [REGIONS=8] ['{"pressure_enables": 3.0}']
"""
import json
import sys

import numpy as np
import pandas as pd

from model.core.survey import CATEGORIES
from model.io.scenario import load

base, spread = int(sys.argv[1]), float(sys.argv[2])
n = int(sys.argv[3]) if len(sys.argv) > 3 else 8
overrides = json.loads(sys.argv[4]) if len(sys.argv) > 4 else {}
s = load("england_2006")
month = s.region.resolved()["survey_month"]
s = s.with_overrides(months=month + 1, parameters=overrides)
for k in ("efficiency_pressure", "member_pressure"):
    s.region.spread[k] = spread
names = ["efficiency_pressure", "member_pressure", "leader_drive"]
rows, shares = [], []
for seed in range(base, base + n):
    r = s.for_replicate(seed)[0].build(seed)
    drawn = r.places()[names]
    r.run_for(month + 1)
    rows.append(drawn.gt(drawn.median()).assign(answer=np.asarray(CATEGORIES)[r.categories()[month]]))
    shares.append(r.survey(month).set_index("group").loc["all", ["a great deal", "some", "hardly any"]].to_numpy(float))
df = pd.concat(rows, ignore_index=True)
great, some = df[df.answer == "a great deal"], df[df.answer == "some"]
print(spread, "shares", np.mean(shares, 0).round(3),
      " ".join(f"{k} {great[k].mean() - some[k].mean():+.3f}" for k in names))
