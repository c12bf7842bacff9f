"""Validation-plan Addendum 16 and 17, rule 1: England 2006's mean survey shares on check 15's 12 regions
(seeds 1000-1011, at the adopted posterior), to 3 decimals; run before and after a change.
    .venv/bin/python docs/validation/session19/region_shares.py LABEL"""
import sys

import model.experiments.validation as v

shares, mean, regions = v._survey(v.FULL)
print(sys.argv[1] if len(sys.argv) > 1 else "", f"{regions} regions:",
      ", ".join(f"{c} {shares[c]:.3f}" for c in v.SURVEY_BANDS), flush=True)
