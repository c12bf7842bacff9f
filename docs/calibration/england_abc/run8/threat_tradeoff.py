"""Post hoc, on the eighth run's 160 predictive runs (not a registered criterion; nothing is fitted):
how each fitted setting goes with the held-out correlation between the answer and performance
(criterion 5), and the runs split at efficiency_threat 0.5 and at a burn-in of 12 months.
The settings are correlated in the posterior (a strong threat goes with a short burn-in), so the
one-at-a-time correlations are followed by a rank regression of r on all of them, and the count of
regions that meet criterion 1 and have |r| < 0.12 at once.
    python docs/calibration/england_abc/run8/threat_tradeoff.py /work/runs/abc13 > threat_tradeoff.txt"""
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import rankdata

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from report import predictive_runs, within_all_bands  # noqa: E402  (criterion 1 as report.py judges it)

folder = Path(sys.argv[1])
runs = predictive_runs(folder).copy()
runs["within_all_bands"] = within_all_bands(runs)
runs["abs_r"] = runs.answer_performance_corr.abs()
print(f"# predictive runs of {folder}: {len(runs)}")
print("Spearman correlation of each setting with the answer-performance correlation r across runs:")
SETTINGS = ["trigger_rate", "proof_threshold", "reversal_rate_design", "efficiency_threat", "region.burn_in",
            "effects.north_west.leader_drive", "effects.london+east_midlands+south_west.leader_drive",
            "effects.fire.central_pressure"]
for c in SETTINGS:
    print(f"  {c:55s} {runs[c].corr(runs.answer_performance_corr, method='spearman'):+.2f}")
print(f"Spearman correlation of efficiency_threat with region.burn_in: "
      f"{runs.efficiency_threat.corr(runs['region.burn_in'], method='spearman'):+.2f}")
ranks = lambda v: (rankdata(v) - rankdata(v).mean()) / rankdata(v).std()  # noqa: E731
X = np.column_stack([np.ones(len(runs)), *(ranks(runs[c]) for c in SETTINGS)])
beta = np.linalg.lstsq(X, ranks(runs.answer_performance_corr), rcond=None)[0][1:]
print("Rank regression of r on all the settings together (standardised coefficients):")
for c, b in zip(SETTINGS, beta):
    print(f"  {c:55s} {b:+.2f}")
both = runs.within_all_bands & (runs.abs_r < 0.12)
print(f"Regions within all three bands: {runs.within_all_bands.sum()}; with |r| < 0.12: {(runs.abs_r < 0.12).sum()}; "
      f"both at once: {both.sum()} of {len(runs)}")
for label, split in (("efficiency_threat >= 0.5", runs.efficiency_threat >= 0.5), ("burn_in >= 12", runs["region.burn_in"] >= 12)):
    print(f"\nsplit by {label}:")
    print(runs.groupby(split.rename(label)).agg(runs=("abs_r", "size"), within_all_bands=("within_all_bands", "mean"),
                                               hardly_any=("share_hardly_any", "mean"), median_abs_r=("abs_r", "median"),
                                               share_abs_r_below_012=("abs_r", lambda s: (s < 0.12).mean())).round(3).to_string())
