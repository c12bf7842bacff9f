"""How check 14's shares depend on the assumed size of a partnership (PARTNERSHIP_GAIN, 0.5 as
registered in validation-plan Addendum 10), on tuning seeds 9000-9199 (a diagnostic; nothing changed).

    python docs/validation/session11/partnership_gain.py > docs/validation/session11/partnership_gain.txt
"""
import model.core.engine as engine
import model.experiments.validation as v
from model.io.scenario import load

v.SEED_BASE, N = 9000, 200
print("# python docs/validation/session11/partnership_gain.py (tuning seeds 9000-9199)")
print("# gain: share of runs meeting all targets, and the 2007 stage window short / in / past, per case")
for gain in (0.0, 0.25, 0.5, 0.75, 1.0):
    engine.PARTNERSHIP_GAIN = gain
    row = []
    for name in ("knowsley", "highlands", "south_tyneside"):
        s, targets = load(name), v.CASES[name]
        focal = next(e.field for e in s.events if e.kind == "underperformance")
        months = (2007 - s.start_year + 1) * 12
        ts = v.scenario_ensemble(s, N, months).timeseries()
        ts = ts[ts.field == focal]
        lo, hi = next(t[2:] for t in targets if t[0] == "phase_in")
        end = ts.pivot(index="replicate", columns="step", values="phase")[months]
        row.append(f"{name} {v.case_hits(ts, s.start_year, targets).mean():.2f} "
                   f"({(end < lo).mean():.2f} / {end.between(lo, hi).mean():.2f} / {(end > hi).mean():.2f})")
    print(f"{gain:4.2f}  " + "  ".join(row), flush=True)
