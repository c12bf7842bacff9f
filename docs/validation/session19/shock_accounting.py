"""validation-plan Addendum 18: does a crisis or a budget cut still count as the innovation's value?
P(pushed education reaches mainstreaming / embedding within 120 months), 300 runs on seeds 7000-7299
(the helper's seeds, not the checks'), before and after the fix.
    .venv/bin/python docs/validation/session19/shock_accounting.py LABEL"""
import sys

import numpy as np

from model.core.events import Shock
from model.core.locality import Ensemble
from model.experiments.validation import FIELD, push

SEEDS = list(range(7000, 7300))


def reach(events, **kw) -> tuple[float, float]:
    e = Ensemble(SEEDS, events=events, **kw).engine
    f = e.field_index(FIELD)
    main, emb = np.zeros(len(SEEDS), bool), np.zeros(len(SEEDS), bool)
    for _ in range(120):
        e.month()
        main |= e.phase[:, f] >= 3
        emb |= e.phase[:, f] >= 4
    return float(main.mean()), float(emb.mean())


crisis, cut = [Shock(0, "crisis", field=FIELD)], [Shock(36, "budget_cut", field=FIELD)]
arms = [("push, uplift 0", push(), {"innovation_uplift": 0.0}),
        ("crisis + push, uplift 0", crisis + push(), {"innovation_uplift": 0.0}),
        ("crisis alone, uplift 0", crisis, {"innovation_uplift": 0.0}),
        ("push", push(), {}), ("crisis + push", crisis + push(), {}), ("push + cut at 36", push() + cut, {})]
label = sys.argv[1] if len(sys.argv) > 1 else ""
for name, events, kw in arms:
    m, e = reach(events, **kw)
    print(f"{label}: {name}: mainstreaming {m:.3f}, embedding {e:.3f}", flush=True)
