"""(docs/validation/session21/highlands.py; output highlands.txt) Where do the Highlands' runs pass the window? Tuning seeds 9000-9199; nothing changed."""
import dataclasses
import model.experiments.validation as v
from model.io.scenario import load

v.SEED_BASE = 9000
N = 200
for name in ["highlands", "south_tyneside"]:
    s = load(name)
    months = (2007 - s.start_year + 1) * 12
    variants = {"case": s}
    for kind in ("funding_start", "crisis", "central_pressure", "partnership", "leader_arrival"):
        ev = [e for e in s.events if e.kind != kind]
        if len(ev) != len(s.events):
            variants["no " + kind] = dataclasses.replace(s, events=ev) if dataclasses.is_dataclass(s) else s.model_copy(update={"events": ev})
    focal = next(e for e in s.events if e.kind == "underperformance").field
    for label, sc in variants.items():
        ts = v.scenario_ensemble(sc, N, months).timeseries()
        ts = ts[ts.field == focal]
        ph = ts.pivot(index="replicate", columns="step", values="phase")
        marks = [m for m in (48, 72, 96, 100, 108, 119, months) if m in ph.columns]
        emb = " ".join(f"m{m}:{(ph[m] >= 4).mean():.2f}/{(ph[m] >= 3).mean():.2f}" for m in marks)
        hits = float(v.case_hits(ts, s.start_year, v.CASES[name]).mean())
        print(f"{name:14s} {label:22s} all {hits:.2f}  P(emb)/P(>=ms): {emb}", flush=True)
