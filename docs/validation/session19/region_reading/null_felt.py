import sys, numpy as np, pandas as pd
sys.path.insert(0, "/work/main")
from model.experiments.validation import survey_regions, pressures_inert
from model.core.survey import CATEGORIES
from model.core.lifecycle import Phase
month, regions = survey_regions(200, 1000)
rows=[]
for seed, s in regions:
    for arm_name, arm in (("arm", s), ("null", pressures_inert(s))):
        r = arm.build(seed); e = r.engine
        drawn = r.places()["member_pressure"].values
        r.run_for(month + 1)
        ph = r.phases[month]
        cat = r.categories()[month]
        rows.append(pd.DataFrame({"seed":seed,"arm":arm_name,"answer":np.asarray(CATEGORIES)[cat],
            "f_mem":e.pressures["member_pressure"].mean(1),"d_mem":drawn,
            "lead":ph.max(1), "n_mob":(ph==2).sum(1), "n_design":(ph==1).sum(1), "n_ge2":(ph>=2).sum(1),
            "perf0": np.stack([x[1] for x in r._records])[0].mean(1)}))
df=pd.concat(rows,ignore_index=True); df.to_pickle("/tmp/review19b/null_felt.pkl")
for arm, g in df.groupby("arm"):
    for c in ["d_mem","f_mem"]:
        ab = g.groupby("seed")[c].transform(lambda x: x>x.median())
        print(arm, c, round(ab[g.answer=="a great deal"].mean()-ab[g.answer=="some"].mean(),3), "sd", round(g[c].std(),3))
a=df[df.arm=="arm"]
gd=a[a.answer=="a great deal"]
print("great deal lead phase dist", gd.lead.value_counts(normalize=True).round(3).to_dict())
print("great deal with no field in design or mobilisation:", round(((gd.n_mob==0)&(gd.n_design==0)).mean(),3))
print("great deal with exactly one field >= mob:", round((gd.n_ge2==1).mean(),3))
print("some: n_design dist", a[a.answer=="some"].n_design.value_counts(normalize=True).round(3).to_dict())
