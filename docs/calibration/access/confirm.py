import sys, json, numpy as np, pandas as pd
from concurrent.futures import ProcessPoolExecutor
from model.io.scenario import load
SURVEY = np.array([0.43, 0.52, 0.02]); SCALE = np.array([0.06, 0.06, 0.03])

def one(args):
    over, seed = args
    s = load("england_2006")
    month = s.region.resolved()["survey_month"]
    s = s.with_overrides(months=month + 1, parameters=over)
    r = s.for_replicate(seed)[0].build(seed).run_for(month + 1)
    sv = r.survey(month).set_index("group")
    return sv.loc["all", ["a great deal", "some", "hardly any"]].to_numpy(float)

if __name__ == "__main__":
    cal = pd.read_csv(sys.argv[1]); seeds = range(int(sys.argv[2]), int(sys.argv[3]))
    acc = cal[cal.accepted]
    names = [c for c in cal.columns if c not in ("point","share_a_great_deal","share_some","share_hardly_any","distance","accepted")]
    jobs = []
    for _, row in acc.iterrows():
        over = {k: float(row[k]) for k in names}
        jobs += [(over, s) for s in seeds]
    with ProcessPoolExecutor(2) as ex:
        res = list(ex.map(one, jobs))
    res = np.array(res).reshape(len(acc), len(seeds), 3)
    for i, (_, row) in enumerate(acc.iterrows()):
        m = res[i].mean(0); d = np.sqrt((((m - SURVEY) / SCALE) ** 2).sum())
        inband = (np.abs(res[i] - SURVEY) <= SCALE).all(axis=1).mean()
        print(int(row.point), {k: round(float(row[k]), 3) for k in names}, "mean", m.round(3), "sd", res[i].std(0, ddof=1).round(3), f"dist {d:.2f} each-in-band {inband:.2f}")
