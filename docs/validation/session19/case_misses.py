"""Where check 14's runs miss (a diagnostic on tuning seeds 9000-9199; nothing changed): for each
case and for the generic push, the share of runs whose focal field in December 2007 is short of the
case's stage window, in it, or past it, and the share meeting each other target.
    .venv/bin/python docs/validation/session19/case_misses.py"""
import model.experiments.validation as v
from model.io.scenario import load

v.SEED_BASE = 9000
N = 200
for name, targets in v.CASES.items():
    s = load(name)
    inspection = next(e for e in s.events if e.kind == "underperformance")
    months = (2007 - s.start_year + 1) * 12
    end = months
    lo, hi = next((t[2], t[3]) for t in targets if t[0] == "phase_in")
    arms = {"case": v.scenario_ensemble(s, N, months),
            "push": v.ensemble(N, months, fields=s.fields, events=v.push(inspection.field, inspection.month))}
    for arm, e in arms.items():
        ts = e.timeseries()
        ts = ts[ts.field == inspection.field]
        final = ts.pivot(index="replicate", columns="step", values="phase")[end]
        parts = [f"short {float((final < lo).mean()):.2f}", f"in {float(final.between(lo, hi).mean()):.2f}",
                 f"past {float((final > hi).mean()):.2f}"]
        for t in targets:
            if t[0] != "phase_in":
                parts.append(f"{t[0]} {t[1]}: {float(v.case_hits(ts, s.start_year, [t]).mean()):.2f}")
        parts.append(f"all: {float(v.case_hits(ts, s.start_year, targets).mean()):.2f}")
        print(f"{name:15s} {arm:5s} window {lo}-{hi}: " + ", ".join(parts), flush=True)
