"""England ABC plan Addendum 29: changes of political control and the level of innovation (003:282) in
a fitted region with elections. N regions, each a particle drawn by weight from a calibration's final
population and run to the survey month on seed SEED0 + i, with the fitted elections (arm) and with
every election that replaces the leader bringing an outsider of `new_leader_drive` (null: the rule
before Model 2, 7.12); per region `Region.control_change_corr()`.
    python docs/calibration/england_abc/control_change.py CALIBRATION_FOLDER OUT.csv [N [SEED0]]
Prints the mean r and the share of regions with |r| < 0.1 for each arm (criterion: arm mean |r| < 0.1,
null mean r >= 0.1)."""
import sys
from multiprocessing import Pool
from pathlib import Path

import numpy as np
import pandas as pd

from model.core.engine import Engine
from model.experiments.abc import calibration_of, generator, posterior
from model.io.experiment import as_run

BAND = 0.1
_arrival = Engine.leader_arrival


def _outsider(self, p, role, field, drive, outsider=True):
    """The null: an elected leader comes as an outsider with new_leader_drive (and its push)."""
    if not outsider:
        return _arrival(self, p, role, field, float(self.par["new_leader_drive"][p]), outsider=True)
    return _arrival(self, p, role, field, drive, outsider)


def one(job):
    folder, values, seed, null = job
    Engine.leader_arrival = _outsider if null else _arrival
    cal = calibration_of(Path(folder))
    month = cal.scenario.region.resolved()["survey_month"]
    s = cal.scenario.with_overrides(months=month + 1, parameters=values)
    r = s.for_replicate(seed)[0].build(seed)
    r.run_for(month + 1)
    changes = sum(len(p) for m, p in r.control_changes if m < month)
    return {"seed": seed, "arm": "null" if null else "arm", "r": r.control_change_corr(), "changes": changes}


def main(folder: str, out: str, n: int = 160, seed0: int = 4411) -> None:
    cal = calibration_of(Path(folder))
    pop = posterior(Path(folder), cal)
    pick = generator(seed0, 29).choice(len(pop), size=n, p=pop.weight.to_numpy(float))
    draws = [{name: as_run(name, v) for name, v in zip(cal.names, pop[cal.names].to_numpy(float)[k])} for k in pick]
    jobs = [(folder, draws[i], seed0 + i, null) for null in (False, True) for i in range(n)]
    with Pool(2) as pool:
        df = pd.DataFrame(pool.map(one, jobs, chunksize=2))
    df.to_csv(out, index=False)
    for arm, g in df.groupby("arm"):
        print(f"{arm}: {len(g)} regions, mean r {g.r.mean():+.3f}, |r| < {BAND} in {(g.r.abs() < BAND).mean():.3f}, "
              f"mean changes of control {g.changes.mean():.0f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], *(int(a) for a in sys.argv[3:5]))
