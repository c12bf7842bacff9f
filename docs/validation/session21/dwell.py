"""(docs/validation/session21/dwell.py; output dwell.txt) How long a focal field stays in each phase (first spell), pushed baseline education and the
Highlands case; tuning seeds 9000-9199, 240 months; nothing changed."""
import numpy as np
import model.experiments.validation as v
from model.io.scenario import load

v.SEED_BASE = 9000
N = 200
arms = {"push (baseline, education)": (v.ensemble(N, 240, events=v.push("education", 0)), "education")}
s = load("highlands")
arms["highlands case"] = (v.scenario_ensemble(s, N, s.months), "children's services")
for label, (e, field) in arms.items():
    ts = e.timeseries()
    ph = ts[ts.field == field].pivot(index="replicate", columns="step", values="phase").to_numpy()
    print(label, f"({ph.shape[1]} months)")
    for p, name in [(1, "design"), (2, "mobilisation"), (3, "mainstreaming")]:
        dw, out_fwd, n = [], 0, 0
        for row in ph:
            idx = np.flatnonzero(row == p)
            if not len(idx):
                continue
            n += 1
            start = idx[0]
            end = start
            while end + 1 < len(row) and row[end + 1] == p:
                end += 1
            if end + 1 < len(row):
                dw.append(end - start + 1)
                out_fwd += row[end + 1] > p
        dw = np.array(dw)
        print(f"  {name:14s} entered {n:3d}; first spell ended in {len(dw):3d} (forward {out_fwd}); "
              f"months: median {np.median(dw):.0f}, q10 {np.quantile(dw, .1):.0f}, q90 {np.quantile(dw, .9):.0f}")
