"""(docs/validation/session23/jcurve_retrigger.py; output jcurve_retrigger.txt) Why check 4 (the J-curve)
fails for a lone council at a higher trigger rate (Addendum 25's map): is the reference month (the month
before the last trigger) itself inside an earlier dip, because a field that fell back to latent starts
again within months? Pushed education, tuning seeds 9000-9199, proof threshold 0.65, design reversal
rate 0.02, trigger rate 0.25 and 1.0: among runs reaching embedding, the share that dip, split by
whether the field was in latent for under 6 months before its last trigger after an earlier start. A
diagnostic; nothing changed.
    .venv/bin/python docs/validation/session23/jcurve_retrigger.py"""
import model.experiments.validation as v

v.SEED_BASE = 9000
for tr in (0.25, 1.0):
    e = v.ensemble(200, events=v.push(), trigger_rate=tr, proof_threshold=0.65, reversal_rate_design=0.02)
    emb = v.first_moves(e, v.FIELD, "mainstreaming")
    ev = e.events()
    ev = ev[ev.field == v.FIELD]
    trig = ev[(ev.kind == "forward") & ev.detail.str.startswith("latent")]
    back = ev[(ev.kind == "backward") & ev.detail.str.endswith("latent")]
    ts = e.timeseries()
    perf = ts[ts.field == v.FIELD].set_index(["replicate", "step"]).performance
    rows = {"restarted within 6 months": [], "first start, or latent 6 months or more": []}
    for r, st in emb.items():
        t0 = trig[(trig.replicate == r) & (trig.step < st)].step
        if not len(t0):
            continue
        t0 = int(t0.max())
        fell = back[(back.replicate == r) & (back.step <= t0)].step
        quick = bool(len(fell)) and t0 - int(fell.max()) < 6
        key = "restarted within 6 months" if quick else "first start, or latent 6 months or more"
        rows[key].append(v._dipped((t0, int(st), perf.loc[r])))
    n = sum(len(d) for d in rows.values())
    text = "; ".join(f"{k}: {sum(d) / len(d):.2f} of {len(d)} dip" if d else f"{k}: none" for k, d in rows.items())
    print(f"trigger_rate {tr}: {n} runs reach embedding; {text}", flush=True)
