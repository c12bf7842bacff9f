"""ODD 10.5: England 2006 at the shipped point, with continuous improvement on and off: survey shares,
share of regions within all bands, median |r| between answer and performance, mean public value per
place over the run.  python docs/validation/session6/region_diag.py FIRST LAST [ARMS=2] [MECHANISM=improvement]
MECHANISM "success" compares success strengthening links (ODD 7.3) on and off instead (session 7)."""
import sys, numpy as np
from concurrent.futures import ProcessPoolExecutor
from model.io.scenario import load
SURVEY = np.array([0.43, 0.52, 0.02]); SCALE = np.array([0.06, 0.06, 0.03])

def one(args):
    over, seed = args
    s = load("england_2006")
    month = s.region.resolved()["survey_month"]
    s = s.with_overrides(parameters=over) if over else s
    r = s.for_replicate(seed)[0].build(seed)
    r.run_for(s.months)
    sv = r.survey(month).set_index("group")
    shares = sv.loc["all", ["a great deal", "some", "hardly any"]].to_numpy(float)
    pv = float(r.engine.public_value.sum(axis=1).mean())
    return shares, float(r.answer_performance_corr()), pv

if __name__ == "__main__":
    a, b = int(sys.argv[1]), int(sys.argv[2])
    arms = (("improvement on", {}), ("improvement off", {"improvement_rate": 0.0}))
    if len(sys.argv) > 4 and sys.argv[4] == "success":
        arms = (("success links on", {}), ("success links off", {"success_link_gain": 0.0}))
    for label, over in arms[:int(sys.argv[3]) if len(sys.argv) > 3 else 2]:
        with ProcessPoolExecutor(2) as ex:
            res = list(ex.map(one, [(over, s) for s in range(a, b)]))
        sh = np.array([r[0] for r in res]); r_ = np.array([r[1] for r in res]); pv = np.array([r[2] for r in res])
        inb = (np.abs(sh - SURVEY) <= SCALE).all(axis=1)
        print(f"{label}: shares {sh.mean(0).round(3)} sd {sh.std(0, ddof=1).round(3)}; within all bands {inb.mean():.2f} ({inb.sum()}/{len(inb)}); "
              f"median |r| answer-performance {np.median(np.abs(r_)):.3f}; mean public value per place {pv.mean():+.2f}", flush=True)
