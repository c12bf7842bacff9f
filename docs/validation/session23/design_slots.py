"""(docs/validation/session23/design_slots.py; output design_slots.txt) Why capacity, not authority,
governs design when trials must be good to be proven (ODD 10.5, "proof-threshold tension"; a
diagnostic on tuning seeds 9000-9199, nothing changed). For the pushed education field of check 6's
ensemble, at the baseline's proof threshold and at the adopted posterior's median (0.644), over its
first 24 months in design: how often every trial slot is taken (a new trial cannot start, so the
chance of starting one, where authority acts, does not matter), how many trials run at once, and how
many are proven, fail, or are killed.
    .venv/bin/python docs/validation/session23/design_slots.py"""
import numpy as np

from model.core.lifecycle import Phase
from model.core.locality import Ensemble
from model.experiments.validation import FIELD, push

SEEDS = list(range(9000, 9200))
for pt in (0.5, 0.644):
    e = Ensemble(SEEDS, events=push(), proof_threshold=pt)
    g = e.engine
    f = g.field_index(FIELD)
    entered = np.full(len(SEEDS), -1)
    full = busy = months = 0
    for step in range(1, 145):
        g.month()
        new = (entered < 0) & (g.phase[:, f] == Phase.DESIGN)
        entered[new] = step
        watch = (entered >= 0) & (step - entered < 24) & (g.phase[:, f] == Phase.DESIGN)
        taken = (g.trial_active[:, f] | g.trial_proven[:, f]) | ~g.trial_slot[:, 0]
        full += int((watch & taken.all(axis=1)).sum())
        busy += int(g.trial_active[watch, f].sum())
        months += int(watch.sum())
    runs = int((entered >= 0).sum())
    print(f"proof_threshold {pt}: {runs} runs enter design; over their first 24 months in design ({months} field-months) "
          f"every slot taken in {full / months:.2f} of months, {busy / months:.2f} trials running on average "
          f"(slots {int(g.K[0])})", flush=True)
