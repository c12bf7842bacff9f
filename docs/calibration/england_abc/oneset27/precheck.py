"""England ABC plan Addendum 27: the region with leaders changing at the lone council's trigger rate
(0.25) and design reversal rate (0.02), where Addendum 26's trends cross the survey's bands: proof
thresholds 0.72 and 0.75 (those at or below P = 0.75, the highest at which the lone council's checks
keep their verdicts, docs/validation/session24/checks_at_proof.txt), the threat 0.25 or 0.5,
turnover 0.1 or 0.2, burn-in 24 or 48 months; 16 new fresh regions (seeds 4300-4315).
    .venv/bin/python docs/calibration/england_abc/oneset27/precheck.py"""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "oneset26"))
from precheck import SHARED, arm  # noqa: E402  (Addendum 26's arms: elections 0.25, the baseline's rates)
from region_arms import run_arms  # noqa: E402

SEEDS = range(4300, 4316)
ARMS = {f"turnover {c}, proof {p}, burn_in {b}, threat {t}": arm(c, p, b, t)
        for c in (0.1, 0.2) for p in (0.72, 0.75) for b in (24, 48) for t in (0.25, 0.5)}

if __name__ == "__main__":
    run_arms(ARMS, SEEDS, HERE, f"shared settings at the baseline: {SHARED}; elections 0.25")
