"""Check 14's South Tyneside rating target read two ways (a diagnostic on tuning seeds 9000-9199;
nothing changed): the registered reading, the focal field's performance rising by IMPROVED between
December 2002 and December 2004, and the council-wide reading of the source (000:663, a CPA rating of
the whole council, as docs/validation/case_review.md noted before any run), the mean over the five
fields. Case scenario and the generic push.
    .venv/bin/python docs/validation/session19/south_tyneside_rating.py"""
import model.experiments.validation as v
from model.io.scenario import load

v.SEED_BASE = 9000
s = load("south_tyneside")
inspection = next(e for e in s.events if e.kind == "underperformance")
months = (2007 - s.start_year + 1) * 12
end = lambda year: (year - s.start_year + 1) * 12  # noqa: E731
arms = {"case": v.scenario_ensemble(s, 200, months),
        "push": v.ensemble(200, months, fields=s.fields, events=v.push(inspection.field, inspection.month))}
for arm, e in arms.items():
    ts = e.timeseries()
    focal = ts[ts.field == inspection.field].pivot(index="replicate", columns="step", values="performance")
    whole = ts.groupby(["replicate", "step"]).performance.mean().unstack()
    for name, perf in (("focal field", focal), ("mean of fields", whole)):
        gain = perf[end(2004)] - perf[end(2002)]
        print(f"{arm}: {name}: gain 2002-2004 >= {v.IMPROVED}: {float((gain >= v.IMPROVED).mean()):.2f} "
              f"(median gain {float(gain.median()):+.3f})", flush=True)
