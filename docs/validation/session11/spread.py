"""Where the spread of a UK case's 2007 stage comes from (a diagnostic on tuning seeds; nothing changed).

    python docs/validation/session11/spread.py [RUNS=200] [FIRST_SEED=9000]

For each case, the focal field's runs are split by where they stand in December 2007 against the
case's stage window (short / in / past) and described by their history up to then: how often the
field entered mobilisation and fell back from it, when it first entered mobilisation, and the
months from first entering mobilisation to first entering mainstreaming and embedding."""
import sys
import warnings

import numpy as np

import model.experiments.validation as v
from model.io.scenario import load

warnings.simplefilter("ignore", RuntimeWarning)  # a median over no run prints nan
n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
v.SEED_BASE = int(sys.argv[2]) if len(sys.argv) > 2 else 9000
print(f"# python docs/validation/session11/spread.py {n} {v.SEED_BASE} (tuning seeds; after validation-plan Addendum 10)")
for name, targets in v.CASES.items():
    s = load(name)
    focal = next(e.field for e in s.events if e.kind == "underperformance")
    months = (2007 - s.start_year + 1) * 12
    lo, hi = next(t[2:] for t in targets if t[0] == "phase_in")
    e = v.scenario_ensemble(s, n, months)
    ts = e.timeseries()
    ph = ts[ts.field == focal].pivot(index="replicate", columns="step", values="phase").to_numpy()
    end = ph[:, months]
    where = np.where(end < lo, "short", np.where(end > hi, "past", "in"))
    entries = ((ph[:, 1:] == 2) & (ph[:, :-1] < 2)).sum(axis=1)  # entries to mobilisation
    falls = ((ph[:, 1:] == 1) & (ph[:, :-1] == 2)).sum(axis=1)  # mobilisation -> design

    def first(k):
        hit = ph >= k
        return np.where(hit.any(axis=1), hit.argmax(axis=1), np.nan)
    t2, t3, t4 = first(2), first(3), first(4)
    print(f"{name} ({focal}; window phase {lo}-{hi} in Dec 2007, month {months}): "
          f"short {np.mean(where == 'short'):.2f}, in {np.mean(where == 'in'):.2f}, past {np.mean(where == 'past'):.2f}")
    for w in ("short", "in", "past"):
        m = where == w
        if not m.any():
            continue
        print(f"  {w:5s} n={m.sum():3d}  entries to mobilisation {entries[m].mean():.2f}, falls back from it "
              f"{falls[m].mean():.2f} (any: {np.mean(falls[m] > 0):.2f}); first mobilisation month "
              f"{np.nanmedian(t2[m]):.0f} (never {np.mean(np.isnan(t2[m])):.2f}); mobilisation -> mainstreaming "
              f"{np.nanmedian(t3[m] - t2[m]):.0f} months (reached {np.mean(~np.isnan(t3[m])):.2f}); -> embedding "
              f"{np.nanmedian(t4[m] - t2[m]):.0f} (reached {np.mean(~np.isnan(t4[m])):.2f})")
    never_fell = falls == 0
    print(f"  runs that never fell back from mobilisation: {never_fell.mean():.2f}; of them in the window "
          f"{np.mean(where[never_fell] == 'in'):.2f}; of the others {np.mean(where[~never_fell] == 'in'):.2f}")
