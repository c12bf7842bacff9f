"""Why check 6's design half (authority's loss > capacity's) fails at a high proof threshold (session 26,
a diagnostic after England ABC plan Addendum 30's result; tuning seeds 9000-9199; nothing changed).

At the baseline (`proof_threshold` 0.5) lowering authority on entering design costs more progress than
lowering capacity; at 0.727 (Addendum 30's median) on the checks' seeds it is the other way round.
In design authority acts on how often trials start (spawn, 7.5), capacity on how fast they run, how
often resisters kill them, and whether a proven one can be mobilised. Hypothesis (written before
running): when trials must be better to prove themselves, more trials are needed, the field's trial
slots (`max_trials` 6) stay full, and starting trials more often (authority) stops helping while
running them faster (capacity) still does. Predictions: (1) the share of design months with every
slot taken rises with the proof threshold; (2) with twice the slots (`max_trials` 12) authority's
loss at 0.727 recovers towards the baseline's, capacity's does not.

    python docs/validation/session26/design_slots.py > docs/validation/session26/design_slots.txt
"""
import numpy as np

import model.experiments.validation as v
from model.core.locality import Ensemble

v.SEED_BASE = 9000
N = 200


def slots_full(pt: float, max_trials: int) -> tuple[float, float]:
    """(share of design months with every trial slot of the pushed field taken, months in design a
    run) over N pushed runs of 120 months."""
    e = Ensemble(list(v.seeds(N)), events=v.push(), proof_threshold=pt, max_trials=max_trials)
    g = e.engine
    f = g.field_index(v.FIELD)
    full = months = 0
    for _ in range(120):
        e.step()
        design = g.phase[:, f] == 1
        months += int(design.sum())
        full += int((design & (g.trial_active[:, f].sum(axis=1) >= max_trials)).sum())
    return full / max(months, 1), months / N


def main() -> None:
    print("proof_threshold max_trials | design months with all slots taken | design months a run | "
          "check 6 design loss A/C/V (runs)")
    for pt, k in ((0.5, 6), (0.6, 6), (0.7274, 6), (0.5, 12), (0.7274, 12)):
        share, months = slots_full(pt, k)
        loss, n = v.phase_sensitivity(N, 1, proof_threshold=pt, max_trials=k)
        print(f"{pt:.4f} {k:2d} | {share:.2f} | {months:.1f} | {loss[0]:.3f}/{loss[1]:.3f}/{loss[2]:.3f} ({n})", flush=True)


if __name__ == "__main__":
    main()
