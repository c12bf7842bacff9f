"""England ABC plan Addendum 23: can the region's own settings carry the survey with the lone council's
shared settings (trigger_rate, proof_threshold, reversal_rate_design) at the baseline? 40 fresh regions
(seeds 4200-4239), each run to the survey month, in the arms fixed in the addendum.
    .venv/bin/python docs/calibration/england_abc/oneset23/precheck.py
Writes regions.csv (one row per region and arm) and prints the summary (saved as summary.txt)."""
import sys
from pathlib import Path

from model.core.parameters import REGISTRY

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from region_arms import run_arms  # noqa: E402

SEEDS = range(4200, 4240)
SHARED = {k: REGISTRY[k].default for k in ("trigger_rate", "proof_threshold", "reversal_rate_design")}
ARMS = {"shipped": {}, "baseline shared": dict(SHARED)}
ARMS |= {f"{k} alone at baseline": {k: v} for k, v in SHARED.items()}
ARMS |= {f"baseline shared, burn_in {b}, threat {t}": {**SHARED, "region.burn_in": b, "efficiency_threat": t}
         for b in (6, 36, 120) for t in (0.0, 1.0)}


if __name__ == "__main__":
    run_arms(ARMS, SEEDS, HERE, f"shared settings at the baseline: {SHARED}")
