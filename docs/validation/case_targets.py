"""Check 14's targets one by one, per UK case, on the tuning seeds (a diagnostic, not a check).

    python docs/validation/case_targets.py [RUNS=40] [FIRST_SEED=9000] [SCALE_RISK]

Prints, for each case and for the generic push, the share of runs meeting each target and all of
them, the focal field's phase distribution in December 2007 and its mean performance at the start
and in 2007. The optional SCALE_RISK replaces the engine's constant (how far an innovation at scale
may fall short of or exceed its pilot, docs/ODD.md 7.6) for a counterfactual."""
import sys

import model.core.engine as engine
import model.experiments.validation as v
from model.io.scenario import load

n = int(sys.argv[1]) if len(sys.argv) > 1 else 40
v.SEED_BASE = int(sys.argv[2]) if len(sys.argv) > 2 else 9000
if len(sys.argv) > 3:
    engine.SCALE_RISK = float(sys.argv[3])
for name, targets in v.CASES.items():
    s = load(name)
    inspection = next(e for e in s.events if e.kind == "underperformance")
    months = (2007 - s.start_year + 1) * 12
    arms = {"case": v.scenario_ensemble(s, n, months),
            "generic": v.ensemble(n, months, fields=s.fields, events=v.push(inspection.field, inspection.month))}
    for arm, e in arms.items():
        ts = e.timeseries()
        ts = ts[ts.field == inspection.field]
        each = " ".join(f"{t[0]}{tuple(t[1:])}: {v.case_hits(ts, s.start_year, [t]).mean():.2f}" for t in targets)
        phase = ts.pivot(index="replicate", columns="step", values="phase")[months]
        perf = ts.pivot(index="replicate", columns="step", values="performance")
        dist = phase.value_counts(normalize=True).sort_index().round(2).to_dict()
        print(f"{name:15s} {arm:8s} all {v.case_hits(ts, s.start_year, targets).mean():.2f} | {each} | "
              f"phase in 2007 {dist} | performance {perf[0].mean():.2f} -> {perf[months].mean():.2f}")
