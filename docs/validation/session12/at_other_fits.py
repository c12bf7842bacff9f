"""Issue 13 item 4, a diagnostic (nothing changed): every validation check with the localities'
defaults at another point the survey accepts equally (stage 1 after success links,
docs/calibration/success_links/stage1.csv, on the confirmation seeds), chosen for its low trigger rate:
the survey does not identify trigger_rate (0.45-2.4 accepted), and the checks at the shipped point
(1.64) fail 4, 7 and 9 because almost every field starts on its own. Checks' seeds.
    python docs/validation/session12/at_other_fits.py POINT  (14 or 23)"""
import dataclasses
import sys

import model.core.parameters as P

POINTS = {14: (0.765, 0.704, 0.049), 23: (0.657, 0.729, 0.024)}  # trigger_rate, proof_threshold, reversal_rate_design
k = int(sys.argv[1])
for name, val in zip(("trigger_rate", "proof_threshold", "reversal_rate_design"), POINTS[k]):
    P.REGISTRY[name] = dataclasses.replace(P.REGISTRY[name], default=val)
import model.experiments.validation as v  # noqa: E402

print(f"# python docs/validation/session12/at_other_fits.py {k} (trigger_rate, proof_threshold, reversal_rate_design = {POINTS[k]}; "
      "checks 15-17 read england_2006.toml, i.e. the shipped point, and are left out)")
for c, r, sec in v.run_all(quick=False, progress=False, only=list(range(1, 15))):
    print(c.id, v.status(c, r), "|", r.statistic, "|", r.null, f"| {sec:.0f}s", flush=True)
