"""England ABC plan Addendum 24: the region with the lone council's trigger_rate and reversal_rate_design
(the baseline's) and the proof threshold, burn-in and efficiency threat over a grid; 20 fresh regions
(seeds 4240-4259), each run to the survey month, group offsets drawn from the adopted posterior.
    .venv/bin/python docs/calibration/england_abc/oneset24/precheck.py
Writes regions.csv (one row per region and arm) and prints the summary (saved as summary.txt)."""
import sys
from pathlib import Path

from model.core.parameters import REGISTRY

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from region_arms import run_arms  # noqa: E402

SEEDS = range(4240, 4260)
SHARED = {k: REGISTRY[k].default for k in ("trigger_rate", "reversal_rate_design")}
ARMS = {f"proof {p}, burn_in {b}, threat {t}": {**SHARED, "proof_threshold": p, "region.burn_in": b, "efficiency_threat": t}
        for p in (0.60, 0.65, 0.70) for b in (36, 72, 120) for t in (0.0, 1.0)}


if __name__ == "__main__":
    run_arms(ARMS, SEEDS, HERE, f"shared settings at the baseline: {SHARED}")
