""""Run N times" for the workshop app: the shown run's scenario (and run B's) as an ensemble of N
replicates, computed in a background thread while the animation goes on.

Replicate k uses seed k of ``runner.replicate_seeds(seed, N)`` (as ``innovation-sim compare``
does), so A and B share their seeds pair by pair; the live shocks fired so far are replayed at the
month they were fired. All replicates of one run step together in one engine
(``core.locality.Ensemble``), and the statistics are those of ``experiments.runner`` (chance of
reaching each phase) and ``experiments.compare`` (paired differences B - A, P(B > A)): nothing
new is computed here but quantiles for the bands.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..core.events import Shock
from ..core.locality import Ensemble
from ..experiments.compare import ALL_FIELDS, paired_table, sentences
from ..experiments.runner import replicate_seeds, summarise
from ..io.scenario import Scenario
from .words import internal_error

log = logging.getLogger("innovation_sim.app")

ENSEMBLE_SIZES = (8, 20, 50, 100)
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)  # the 90% band, the 50% band and the median
YIELD_S = 0.002  # a pause per simulated month, so the play loop's thread gets the interpreter


@dataclass(frozen=True)
class EnsembleSpec:
    """What one run of the workshop is, to be replicated: its scenario and the live shocks fired."""

    label: str
    scenario: Scenario
    live: tuple[Shock, ...] = ()


@dataclass
class RunBands:
    label: str
    quantiles: np.ndarray  # (len(QUANTILES), months + 1, fields): performance
    p_reach: np.ndarray  # (fields, 5): chance of reaching each phase within the run (phase 0: 1)
    timeseries: pd.DataFrame


@dataclass
class EnsembleResult:
    n: int
    seed: int
    months: int
    fields: list[str]
    runs: list[RunBands]
    table: pd.DataFrame | None = None  # compare mode: experiments.compare.paired_table, B - A
    sentences: dict[str, str] = field(default_factory=dict)  # field -> one sentence (compare mode)
    live_count: int = 0  # live shocks replayed: a later shock makes the result stale

    def value_row(self, field_name: str) -> dict | None:
        """The paired row of public value at the end for one field (or ALL_FIELDS)."""
        if self.table is None:
            return None
        rows = self.table[(self.table.field == field_name) & (self.table.outcome == "public_value")]
        return rows.iloc[0].to_dict() if len(rows) else None


def bands(ts: pd.DataFrame, n: int, fields: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(quantiles of performance per month and field, chance of reaching each phase per field)."""
    T = int(ts.step.max()) + 1
    perf = ts.performance.to_numpy(float).reshape(n, T, len(fields))  # tidy order: replicate, step, field
    q = np.quantile(perf, QUANTILES, axis=0)
    s = summarise(ts, fields)
    reach = np.ones((len(fields), 5))
    for i, f in enumerate(fields):
        reach[i, 1:] = list(s["fields"][f]["p_reach"].values())
    return q, reach


def run_replicates(spec: EnsembleSpec, seeds: list[int], months: int, progress=None, cancelled=None) -> pd.DataFrame:
    """The tidy time series of ``spec`` on ``seeds``, its live shocks applied at their months.
    ``progress(k)`` is called after each month; ``cancelled()`` True stops early (None returned)."""
    sc = spec.scenario
    e = Ensemble(seeds, fields=sc.fields, initial_phases=sc.initial_phases, events=sc.events,
                 per_replicate=sc.replicate_parameters(seeds), **sc.parameters)  # a posterior: each seed's draw
    due = sorted(spec.live, key=lambda s: s.month)
    for m in range(months + 1):
        for shock in (s for s in due if s.month == m):
            e.engine.apply_shock(shock)  # as a live button press after m months
        if m == months:
            break
        e.step()
        if progress is not None:
            progress(m + 1)
        if cancelled is not None and cancelled():
            return None
        time.sleep(YIELD_S)
    return e.timeseries()


class EnsembleJob:
    """N replicates of each spec, in a daemon thread. Read ``progress`` (0-1), ``result``,
    ``error``; ``on_change()`` is called (from the thread) as they change."""

    def __init__(self, specs: list[EnsembleSpec], n: int, seed: int, months: int, on_change=None):
        self.specs, self.n, self.seed, self.months = specs, n, seed, months
        self.on_change = on_change or (lambda: None)
        self.progress = 0.0
        self.result: EnsembleResult | None = None
        self.error: str | None = None
        self.started = time.perf_counter()
        self.seconds = 0.0
        self._cancel = False
        self.finished = False  # set before the last on_change(), so the page sees it done
        self._thread = threading.Thread(target=self._run, daemon=True, name="ensemble")

    def start(self) -> "EnsembleJob":
        self._thread.start()
        return self

    def cancel(self) -> None:
        self._cancel = True

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def join(self, timeout: float | None = None) -> "EnsembleJob":
        self._thread.join(timeout)
        return self

    def _tick(self, k: int, j: int) -> None:
        p = (j * self.months + k) / (len(self.specs) * self.months)
        if p - self.progress >= 0.05 or p >= 1:  # a redraw per 5%: cheap on the page
            self.progress = p
            self.on_change()

    def _run(self) -> None:
        try:
            seeds = replicate_seeds(self.seed, self.n)
            frames = {}
            for j, spec in enumerate(self.specs):
                ts = run_replicates(spec, seeds, self.months, lambda k, j=j: self._tick(k, j), lambda: self._cancel)
                if ts is None:
                    return
                frames[spec.label] = ts
            self.result = self._summarise(frames)
        except Exception as e:  # never a stack trace in the page; the log keeps it
            log.exception("the ensemble failed")
            self.error = f"The {self.n} runs could not be completed: {internal_error(e)}."
        finally:
            self.seconds = time.perf_counter() - self.started
            self.progress = 1.0
            self.finished = True
            if not self._cancel:
                self.on_change()

    def _summarise(self, frames: dict[str, pd.DataFrame]) -> EnsembleResult:
        fields = list(self.specs[0].scenario.fields)
        runs = []
        for label, ts in frames.items():
            q, reach = bands(ts, self.n, fields)
            runs.append(RunBands(label, q, reach, ts))
        res = EnsembleResult(self.n, self.seed, self.months, fields, runs,
                             live_count=sum(len(s.live) for s in self.specs))
        if len(frames) > 1:
            res.table = paired_table(frames, fields)
            names = {label: label.split(": ", 1)[-1] for label in frames}
            res.sentences = sentences(res.table, names, self.n).get(self.specs[1].label, {})
        return res


__all__ = ["ALL_FIELDS", "ENSEMBLE_SIZES", "EnsembleJob", "EnsembleResult", "EnsembleSpec", "QUANTILES",
           "RunBands", "bands", "run_replicates"]
