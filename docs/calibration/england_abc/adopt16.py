"""England ABC plan Addendum 16: write the adopted fit's posterior as England 2006's
(scenarios/posteriors/england_2006.csv): each particle's settings and weight, and the calibration
file's [constants] (for the null: no learning between places) as columns of their own, so that the
scenario file's values stay what every calibration started from (their digests unchanged) and a
what-if extending England 2006 can still set any of them (ODD 10.5).
    python docs/calibration/england_abc/adopt16.py CALIBRATION_FOLDER"""
import json
import sys
from pathlib import Path

import pandas as pd

from model.io.calibration import load_calibration

ROOT = Path(__file__).resolve().parents[3]
folder = Path(sys.argv[1])
summary = json.loads((folder / "summary.json").read_text())
cal = load_calibration(Path(summary["experiment"]).stem)
assert cal.digest() == summary["digest"], "the folder was not made by the shipped file"
post = pd.read_csv(folder / "posterior.csv")
out = post[["generation", "particle", *cal.names, "weight"]].copy()
constants = cal.raw.get("constants") or {}
for name, value in constants.items():
    out.insert(out.columns.get_loc("weight"), name, float(value))
dest = ROOT / "scenarios" / "posteriors" / "england_2006.csv"
dest.parent.mkdir(exist_ok=True)
out.to_csv(dest, index=False)  # full precision: the particles exactly as fitted
print(f"{dest.relative_to(ROOT)}: {len(out)} particles from {folder.name} ({summary['experiment'].split('/')[-1]}, "
      f"digest {summary['digest']}); constants {constants or 'none'}")
