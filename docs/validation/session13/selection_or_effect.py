"""England ABC plan Addendum 11: is the eighth run's positive answer-performance correlation about who
innovates (selection: performance in month 0) or what innovating did (the change from month 0 to the
survey)? 20 particles drawn by weight from run8/posterior.csv with efficiency_threat >= 0.5 and 20
below, one region each on fresh seeds 1300-1339, without learning between places.
    python docs/validation/session13/selection_or_effect.py > selection_or_effect.txt"""
from pathlib import Path

import numpy as np
import pandas as pd

from model.io.scenario import load

POSTERIOR = Path(__file__).resolve().parents[2] / "calibration" / "england_abc" / "run8" / "posterior.csv"
NULL = {"region.example_strength": 0.0, "region.intermediaries": 0.0}
SETTINGS = ["trigger_rate", "proof_threshold", "reversal_rate_design", "efficiency_threat", "region.burn_in",
            "effects.north_west.leader_drive", "effects.london+east_midlands+south_west.leader_drive",
            "effects.fire.central_pressure"]


def corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a, b)[0, 1]) if a.std() > 0 and b.std() > 0 else float("nan")


post = pd.read_csv(POSTERIOR)
rng = np.random.default_rng(np.random.SeedSequence(2006, spawn_key=(13, 11)))
base = load("england_2006")
month = base.region.resolved()["survey_month"]
rows = []
for group, mask in (("threat >= 0.5", post.efficiency_threat >= 0.5), ("threat < 0.5", post.efficiency_threat < 0.5)):
    sub = post[mask]
    picks = rng.choice(len(sub), size=20, p=(sub.weight / sub.weight.sum()).to_numpy())
    for particle in sub.iloc[picks][SETTINGS].to_numpy(float):
        seed = 1300 + len(rows)
        settings = {**dict(zip(SETTINGS, particle)), **NULL}
        settings["region.burn_in"] = int(round(settings["region.burn_in"]))  # fitted continuous, run whole
        r = base.with_overrides(months=month + 1, parameters=settings).build(seed).run_for(month + 1)
        answer = r.categories()[month].astype(float)
        perf = r.timeseries(every=month).groupby(["step", "place"]).performance.mean().unstack().to_numpy()
        perf_0, perf_end = perf  # months 0 and the survey's, places in order
        rows.append({"group": group, "seed": seed, "threat": settings["efficiency_threat"],
                     "burn_in": settings["region.burn_in"], "r_survey": corr(answer, perf_end),
                     "r_month0": corr(answer, perf_0), "r_change": corr(answer, perf_end - perf_0),
                     "hardly_any": float((answer == 0).mean())})
df = pd.DataFrame(rows)
print("# python docs/validation/session13/selection_or_effect.py (plan Addendum 11)")
print(df.groupby("group")[["threat", "burn_in", "r_survey", "r_month0", "r_change", "hardly_any"]].mean().round(3).to_string())
boot = np.random.default_rng(np.random.SeedSequence(2006, spawn_key=(13, 12)))
strong, weak = df[df.group == "threat >= 0.5"], df[df.group == "threat < 0.5"]
for col in ("r_survey", "r_month0", "r_change"):
    a, b = strong[col].to_numpy(), weak[col].to_numpy()
    diffs = [boot.choice(a, len(a)).mean() - boot.choice(b, len(b)).mean() for _ in range(2000)]
    lo, hi = np.quantile(diffs, [0.05, 0.95])
    print(f"strong - weak threat, {col}: {a.mean() - b.mean():+.3f} [{lo:+.3f}, {hi:+.3f}]")
