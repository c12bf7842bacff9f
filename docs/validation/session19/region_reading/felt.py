import sys, time, numpy as np, pandas as pd
sys.path.insert(0, "/work/main")
from model.experiments.validation import survey_regions, DRIVERS
from model.core.survey import CATEGORIES
seed0 = int(sys.argv[1]); n = int(sys.argv[2])
month, regions = survey_regions(200, seed0)
rows = []
for seed, s in regions[:n]:
    t = time.time()
    r = s.build(seed)
    drawn = r.places()[list(DRIVERS)].copy()
    e = r.engine
    r.run_for(month + 1)
    ans = np.asarray(CATEGORIES)[r.categories()[month]]
    # felt at the end (record 78, one month after the survey record; pressures change only via shocks)
    relief = 1.0 - e.pc["funding_pressure_relief"] * np.minimum(e.funding, 1.0)
    felt = pd.DataFrame({
        "efficiency_pressure": e.pressures["efficiency_pressure"].mean(1),
        "eff_relief": (e.pressures["efficiency_pressure"]*relief).mean(1),
        "member_pressure": e.pressures["member_pressure"].mean(1),
        "central_pressure": e.pressures["central_pressure"].mean(1),
    })
    d = pd.DataFrame({"seed": seed, "answer": ans, "d_eff": drawn.efficiency_pressure.values, "d_mem": drawn.member_pressure.values,
                      "f_eff": felt.efficiency_pressure, "f_effr": felt.eff_relief, "f_mem": felt.member_pressure,
                      "kind": r.kinds, "region": r.regions})
    rows.append(d)
    print(seed, f"{time.time()-t:.1f}s", dict(pd.Series(ans).value_counts(normalize=True).round(3)), flush=True)
df = pd.concat(rows, ignore_index=True)
df.to_pickle(f"/tmp/review19b/felt_{seed0}_{n}.pkl")
def stat(col):
    above = df.groupby("seed")[col].transform(lambda x: x > x.median())
    g, s_ = above[df.answer == "a great deal"].mean(), above[df.answer == "some"].mean()
    return g - s_
for c in ["d_eff","f_eff","f_effr","d_mem","f_mem"]:
    print(c, round(stat(c),3))
print(df[["d_eff","f_eff","f_effr","d_mem","f_mem"]].describe().round(3).to_string())
print("corr drawn/felt mem", df.d_mem.corr(df.f_mem).round(3), "eff", df.d_eff.corr(df.f_eff).round(3), df.d_eff.corr(df.f_effr).round(3))
