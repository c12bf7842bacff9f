import sys, numpy as np, pandas as pd
sys.path.insert(0, "/work/main")
from model.experiments.validation import survey_regions
from model.core.survey import CATEGORIES
month, regions = survey_regions(200, 1000)
out=[]; rows=[]
for seed, s in regions:
    for arm, ov in (("shipped", {}), ("no_followers", {"region.followers": 0.0})):
        ss = s.with_overrides(parameters=ov) if ov else s
        r = ss.build(seed).run_for(month+1)
        cat = r.categories()[month]
        out.append((arm, seed, *[(cat==k).mean() for k in range(3)], r.innovated_before.mean()))
        if arm=="shipped":
            rows.append(pd.DataFrame({"follower": r.follower, "cat": cat, "drive": r.places()["leader_drive"]}))
d=pd.DataFrame(out, columns=["arm","seed","hardly","some","great","start2000"])
print(d.groupby("arm")[["hardly","some","great","start2000"]].mean().round(3))
p=pd.concat(rows)
print(p.groupby("follower").cat.apply(lambda c: pd.Series([(c==k).mean() for k in range(3)], index=CATEGORIES)).unstack().round(3))
