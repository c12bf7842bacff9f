"""Exploration for check 14 (a diagnostic on the tuning seeds, not a check; nothing in the model is
changed by it): how the UK cases' phase in December 2007 and their share meeting all targets
respond to how fast fields move forward (handover_rate, alignment_rate: mobilisation ->
mainstreaming -> embedding) and to how often they fall back (the four reversal rates), with the
generic push on the same seeds and settings beside each case.

    python docs/validation/session8/case_speed.py [RUNS=40] [FIRST_SEED=9000]

Also splits each case's misses of its December-2007 window into runs short of it and runs past it,
and gives the share meeting all targets among runs whose focal field reached mobilisation by 2007
("sel."): the four councils were chosen for their innovation (000:244), so this asks how the model's
innovating runs compare with them (an exploration, not a re-posed check)."""
import sys

import model.experiments.validation as v
from model.core.parameters import resolve
from model.io.scenario import load

n = int(sys.argv[1]) if len(sys.argv) > 1 else 40
v.SEED_BASE = int(sys.argv[2]) if len(sys.argv) > 2 else 9000
base = resolve({})
REV = ("reversal_rate_design", "reversal_rate_mobilisation", "reversal_rate_mainstreaming", "reversal_rate_embedding")
ARMS = {
    "as shipped": {},
    "forward x0.5": {"handover_rate": 0.5, "alignment_rate": 0.5},
    "forward x0.25": {"handover_rate": 0.25, "alignment_rate": 0.25},
    "reversals x0.5": {k: 0.5 for k in REV},
    "forward x0.5, reversals x0.5": {"handover_rate": 0.5, "alignment_rate": 0.5, **{k: 0.5 for k in REV}},
}
for arm, scale in ARMS.items():
    print(f"# {arm}")
    for name, targets in v.CASES.items():
        s = load(name)
        params = {**s.parameters}
        over = {k: resolve(params)[k] * f for k, f in scale.items()}
        inspection = next(e for e in s.events if e.kind == "underperformance")
        months = (2007 - s.start_year + 1) * 12
        window = next(t for t in targets if t[0] == "phase_in")
        out = []
        for who, e in (("case", v.scenario_ensemble(s, n, months, **over)),
                       ("push", v.ensemble(n, months, fields=s.fields, events=v.push(inspection.field, inspection.month),
                                           **{k: base[k] * f for k, f in scale.items()}))):
            ts = e.timeseries()
            ts = ts[ts.field == inspection.field]
            phase = ts.pivot(index="replicate", columns="step", values="phase")[months]
            hits = v.case_hits(ts, s.start_year, targets)
            hit = hits.mean()
            sel = phase.index[ts.pivot(index="replicate", columns="step", values="phase").loc[:, :months].max(axis=1) >= 2]
            out.append(f"{who} all {hit:.2f} sel. {hits.loc[sel].mean():.2f} of {len(sel)} (short {(phase < window[2]).mean():.2f}, in {phase.between(window[2], window[3]).mean():.2f}, "
                       f"past {(phase > window[3]).mean():.2f})")
        print(f"  {name:15s} " + " | ".join(out))
