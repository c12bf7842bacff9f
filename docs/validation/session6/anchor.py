"""ODD 7.10's anchor for improvement_rate: mean continuous improvement over the baseline's fields after
96 months, tuning seeds 9000-9039 (target 0.06, from 000:919).
    python docs/validation/session6/anchor.py [RATE ...]"""
import sys

from model.core.locality import Ensemble

for rate in [float(a) for a in sys.argv[1:]] or [0.003, 0.0055, 0.007]:
    e = Ensemble(list(range(9000, 9040)), improvement_rate=rate).run_for(96)
    print(f"improvement_rate {rate}: mean improvement after 96 months {e.engine.improvement.mean():.4f}", flush=True)
