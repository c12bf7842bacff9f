"""England ABC plan Addendum 16: every validation check with a calibration's posterior medians of the
lone council's shared settings (trigger_rate, proof_threshold, reversal_rate_design; the efficiency
threat is off for a lone council, ODD 7.5, and region.* / effects.* are the region's) as every
locality's default, on the checks' seeds, as docs/validation/at_england_fit.py did for the point fits.
Run: python docs/validation/session15/at_posterior_median.py CALIBRATION_FOLDER > OUT.txt"""
import dataclasses
import json
import sys
from pathlib import Path

import model.core.parameters as P

SHARED = ("trigger_rate", "proof_threshold", "reversal_rate_design")
folder = Path(sys.argv[1])
summary = json.loads((folder / "summary.json").read_text())
fit = {k: summary["parameters"][k]["median"] for k in SHARED}
for k, val in fit.items():
    P.REGISTRY[k] = dataclasses.replace(P.REGISTRY[k], default=val)
import model.experiments.validation as v  # noqa: E402  (after the defaults are set)

print(f"# {folder.name}: posterior medians " + ", ".join(f"{k} {val:.4g}" for k, val in fit.items())
      + "; check | status | arm | null arm | seconds", flush=True)
for c, r, sec in v.run_all(quick=False, progress=False):
    print(c.id, v.status(c, r), "|", r.statistic, "|", r.null, f"| {sec:.0f}s", flush=True)
