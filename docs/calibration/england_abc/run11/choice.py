"""Criterion 4 (England ABC plan, Addenda 10 and 16) on like terms: the eleventh run (full model) against
the tenth run run on (null, no learning between places), fitted with the same priors and distance (plan Addendum 16), by posterior predictive fit
with the function `calibrate` uses. Both runs' 160 predictive runs share their seeds (seed 2006), so
the bootstrap resamples pairs. Writes model_choice.json next to this script.
    python docs/calibration/england_abc/run11/choice.py FULL_FOLDER [NULL_FOLDER]"""
import json
import sys
from pathlib import Path

import pandas as pd

from model.experiments.abc import model_choice
from model.io.calibration import load_calibration

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from report import learning_needed  # noqa: E402  (criterion 4's rule, as report.py judges it)

full_folder = Path(sys.argv[1])
null_folder = Path(sys.argv[2]) if len(sys.argv) > 2 else HERE.parent / "run10_extended"
full, null = pd.read_csv(full_folder / "predictive.csv"), pd.read_csv(null_folder / "predictive.csv")
for folder in (full_folder, null_folder):  # the same predictive seeds: same calibration seed and size
    pred = json.loads((folder / "summary.json").read_text())["predictive"]
    assert (pred["seed"], pred["runs"]) == (2006, 160), f"{folder}: predictive {pred['seed']}, {pred['runs']} runs"
cal = load_calibration("calibrate_england_abc_full_scaled")
choice = model_choice(full, null, cal, cal.seed)
choice["needed"] = learning_needed(choice)
(HERE / "model_choice.json").write_text(json.dumps(choice, indent=2))
print(json.dumps({k: choice[k] for k in ("models", "null_minus_full", "full_minus_null", "verdict", "needed")}, indent=2))
