"""Why check 14's stage in 2007 is uncertain (ODD 8): pushed education on tuning seeds 9000-9199,
entries to mobilisation and falls back from it per run, and the phase at month 120, with the engine's
scale risk and with it at 0 (a counterfactual).
    python docs/validation/session6/bounce.py"""
import model.core.engine as engine
import model.experiments.validation as v

v.SEED_BASE = 9000
for risk in (engine.SCALE_RISK, 0.0):
    engine.SCALE_RISK = risk
    ts = v.ensemble(200, events=v.push()).timeseries()
    ts = ts[ts.field == v.FIELD].sort_values(["replicate", "step"])
    prev = ts.groupby("replicate").phase.shift(1)
    enter = ((ts.phase == 2) & (prev == 1)).groupby(ts.replicate).sum()
    back = ((ts.phase == 1) & (prev == 2)).groupby(ts.replicate).sum()
    end = ts[ts.step == ts.step.max()].phase.value_counts(normalize=True).sort_index().round(2).to_dict()
    print(f"scale risk {risk}: entries to mobilisation per run {enter.mean():.2f}, falls back {back.mean():.2f} "
          f"({back.sum() / max(enter.sum(), 1):.2f} of entries); phase at month 120 {end}", flush=True)
