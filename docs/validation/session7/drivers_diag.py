"""Check 17's statistic for every setting places differ in (the England scenario's spread), on the
checks' regions (seeds 1000-1011): which place differences go with answering 'a great deal' rather
than 'some'? A diagnostic (validation-plan Addendum 6 fixes the check; nothing is changed by this).
    python docs/validation/session7/drivers_diag.py [FIRST_SEED=1000]"""
import sys

import numpy as np
import pandas as pd

import model.experiments.validation as v
from model.core.survey import CATEGORIES
from model.io.scenario import load

base = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
s = load("england_2006")
month = s.region.resolved()["survey_month"]
s = s.with_overrides(months=month + 1)
names = sorted(s.region.spread)
rows = []
for seed in range(base, base + 12):
    r = s.for_replicate(seed)[0].build(seed)
    drawn = r.places()[names]
    r.run_for(month + 1)
    rows.append(drawn.gt(drawn.median()).assign(answer=np.asarray(CATEGORIES)[r.categories()[month]]))
df = pd.concat(rows, ignore_index=True)
great, some = df[df.answer == "a great deal"], df[df.answer == "some"]
print(f"{len(df)} places: {len(great)} 'a great deal', {len(some)} 'some'")
for k in names:
    print(f"{k:22s} above the median: 'a great deal' {great[k].mean():.3f}, 'some' {some[k].mean():.3f}, "
          f"difference {great[k].mean() - some[k].mean():+.3f}")
