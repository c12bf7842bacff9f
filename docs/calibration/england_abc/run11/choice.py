"""Criterion 4 (England ABC plan, Addenda 10 and 16) on like terms: the eleventh run (full model) against
the tenth run run on (null, no learning between places), fitted with the same priors and distance, by posterior
predictive fit (report.criterion_4). Writes model_choice.json next to this script.
    python docs/calibration/england_abc/run11/choice.py FULL_FOLDER [NULL_FOLDER]"""
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from report import criterion_4  # noqa: E402

null_folder = Path(sys.argv[2]) if len(sys.argv) > 2 else HERE.parent / "run10_extended"
choice = criterion_4(Path(sys.argv[1]), null_folder, "calibrate_england_abc_full_scaled", HERE)
print(json.dumps({k: choice[k] for k in ("models", "null_minus_full", "full_minus_null", "verdict", "needed")}, indent=2))
