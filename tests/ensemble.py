"""Helpers for mechanism tests on fixed-seed ensembles."""

from __future__ import annotations

from typing import Callable

import numpy as np

from model import Locality, Shock

FIELD = "education"  # the field the mechanism tests push; any default field would do
SEEDS = range(1000, 1200)  # 200 fixed seeds, distinct from those used elsewhere


def run(seed: int, months: int = 120, **kw) -> Locality:
    return Locality(seed=seed, **kw).run_for(months)


def first_step(model: Locality, field: str, kind: str, detail_prefix: str = "") -> int | None:
    """Step of the first event of ``kind`` (e.g. 'forward') for ``field`` whose detail starts so."""
    ev = model.events()
    ev = ev[(ev.field == field) & (ev.kind == kind) & ev.detail.str.startswith(detail_prefix)]
    return None if ev.empty else int(ev.step.iloc[0])


def push(field: str = FIELD, month: int = 0) -> list[Shock]:
    """A typical push into innovation: a critical inspection and a new chief executive."""
    return [Shock(month, "underperformance", field=field), Shock(month, "leader_arrival", role="chief_executive")]


def intervene_when(seed: int, field: str, phase: int, shock: Shock | None, after: int = 24,
                   months: int = 120, **kw) -> tuple[bool, bool]:
    """Run until ``field`` first enters ``phase``; then apply ``shock`` (None = control twin).

    Returns (reached, fell_back): whether the phase was reached, and whether the field went
    backwards within ``after`` months of it. The control twin shares every random number up to
    the intervention (same seed, fixed draws per step), so differences are the shock's effect.
    """
    m = Locality(seed=seed, events=push(field), **kw)
    f = m.field_index(field)
    while m.steps < months and m.phase[f] != phase:
        m.step()
    if m.phase[f] != phase:
        return False, False
    if shock is not None:
        m.apply_shock(shock)
    start = m.phase[f]
    for _ in range(after):
        m.step()
        if m.phase[f] < start:
            return True, True
    return True, False


def rate(flags) -> float:
    flags = list(flags)
    return float(np.mean(flags)) if flags else float("nan")
