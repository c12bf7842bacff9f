"""England ABC plan Addendum 26: the region with leaders changing (chief executive turnover and
elections, once a year in May) at the lone council's trigger rate (0.25) and design reversal rate
(0.02), over a grid of turnover, proof threshold, burn-in and efficiency threat; 16 fresh regions
(seeds 4280-4295) to the survey month, group offsets drawn from the adopted posterior.
    .venv/bin/python docs/calibration/england_abc/oneset26/precheck.py
Writes regions.csv (one row per region and arm) and prints the summary (saved as summary.txt)."""
import sys
from pathlib import Path

from model.core.parameters import REGISTRY

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from region_arms import run_arms  # noqa: E402

SEEDS = range(4280, 4296)
SHARED = {k: REGISTRY[k].default for k in ("trigger_rate", "reversal_rate_design")}
ELECTIONS = {"region.election_rate": 0.25}


def arm(turnover, proof, burn_in, threat):
    return {**SHARED, **ELECTIONS, "region.chief_executive_turnover": turnover, "proof_threshold": proof,
            "region.burn_in": burn_in, "efficiency_threat": threat}


ARMS = {f"turnover {c}, proof {p}, burn_in {b}, threat {t}": arm(c, p, b, t)
        for c in (0.1, 0.2, 0.3) for p in (0.60, 0.65, 0.70) for b in (36, 120) for t in (0.0, 1.0)}
ARMS |= {f"reference: elections only, proof 0.65, burn_in {b}, threat {t}": arm(0.0, 0.65, b, t)
         for b in (36, 120) for t in (0.0, 1.0)}


if __name__ == "__main__":
    assert SHARED == {"trigger_rate": 0.25, "reversal_rate_design": 0.02}, SHARED
    run_arms(ARMS, SEEDS, HERE, f"shared settings at the baseline: {SHARED}; {ELECTIONS}")
