"""England ABC plan Addendum 25: the region at the baseline's design reversal rate (0.02) over a grid of
trigger rate, proof threshold, burn-in and efficiency threat; 16 fresh regions (seeds 4260-4275), each
run to the survey month, group offsets drawn from the adopted posterior.
    .venv/bin/python docs/calibration/england_abc/oneset25/precheck.py
Writes regions.csv (one row per region and arm) and prints the summary (saved as summary.txt)."""
import sys
from pathlib import Path

from model.core.parameters import REGISTRY

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from region_arms import run_arms  # noqa: E402

SEEDS = range(4260, 4276)
SHARED = {k: REGISTRY[k].default for k in ("reversal_rate_design",)}
ARMS = {f"trigger {r}, proof {p}, burn_in {b}, threat {t}": {**SHARED, "trigger_rate": r, "proof_threshold": p,
                                                            "region.burn_in": b, "efficiency_threat": t}
        for r in (0.5, 0.75, 1.0) for p in (0.65, 0.70) for b in (12, 36) for t in (0.5, 1.0)}


if __name__ == "__main__":
    run_arms(ARMS, SEEDS, HERE, f"shared settings at the baseline: {SHARED}")
