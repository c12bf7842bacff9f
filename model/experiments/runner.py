"""Ensembles: many replicates of one scenario, in parallel on the local cores.

Replicate k's seed is derived from the master seed with ``numpy.random.SeedSequence.spawn``, so
replicate k is the same whichever process or machine runs it.
"""

from __future__ import annotations

import contextlib

import os
import shutil
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Iterable

import numpy as np
import pandas as pd
from tqdm import tqdm

from ..core.lifecycle import PHASE_NAMES
from ..core.locality import Ensemble
from ..io import limits
from ..io.scenario import Scenario


BATCH_MIN = 8  # replicates below this many per worker run in this process: starting workers costs more
BATCH_MAX = 200  # replicates in one batch, to bound its memory (about 0.1 MB per replicate-month)
BATCHES_PER_WORKER = 4  # a few batches each keep both the progress bar and the load even
BAR_ROOM = 55  # what tqdm needs beside a label: count, bar, elapsed<left, rate ("1200/5760 runs [5:00:07<19:00:26, 15.01s/run]")


def replicate_seeds(seed: int, replicates: int) -> list[int]:
    """One 64-bit seed per replicate, spawned from ``seed``."""
    return [int(s.generate_state(1, np.uint64)[0]) for s in np.random.SeedSequence(seed).spawn(replicates)]


def run_replicate(scenario: Scenario, replicate: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    m = scenario.build_drawn(seed).run_for(scenario.months)
    ts, ev = m.timeseries(), m.events()
    ts.insert(0, "replicate", replicate)
    ev.insert(0, "replicate", replicate)
    return ts, ev


def progress_bar(**kw) -> tqdm:
    """A tqdm bar as wide as the terminal: tqdm asks the terminal itself, and a terminal that
    reports a size of 0 x 0 (some remote sessions, `script`) got no bar at all (no room for it, by
    tqdm's count of rows); shutil falls back to 80 x 24. Where a bar would be hidden because the
    output is not a terminal (``disable=None``: a cluster job's log, a pipe), a line of progress
    every INNOVATION_SIM_PROGRESS_SECONDS (60) instead: work of a few seconds prints nothing."""
    if kw.get("disable", False) is None and not _is_terminal(sys.stderr):
        return LogLines(every=limits.PROGRESS_SECONDS.value(), **kw)
    size = shutil.get_terminal_size()
    if kw.get("ncols") is None:
        kw["ncols"] = size.columns
    if kw.get("nrows") is None:
        kw["nrows"] = size.lines
    kw["desc"] = _fit(kw.get("desc") or "", kw["ncols"] - BAR_ROOM)
    return tqdm(**kw)


def _fit(label: str, room: int) -> str:
    """A label cut to ``room`` characters (at least 12) with an ellipsis: tqdm cuts the whole line at
    the terminal's width, so a long experiment name left a line of name and no count."""
    room = max(room, 12)
    if len(label) <= room:
        return label
    # "<name> [full] generation 3": the part that tells bars apart comes last, so keep it and cut the name
    cut = label.rfind(" [")
    tail = label[cut:] if cut > 0 else ""
    if tail and len(tail) <= room - 4:  # at least three letters of the name
        return label[:room - len(tail) - 1].rstrip() + "…" + tail
    return label[:room - 1].rstrip() + "…"


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # replaced or closed
        return False


class LogLines:
    """The part of tqdm's interface the commands use (update, close, a context), writing a plain
    line such as ``baseline: 1200/5000 runs (24%), 2:05 elapsed, about 6:35 left`` at most every
    ``every`` seconds, for logs read later rather than watched."""

    def __init__(self, every: float, total: int | None = None, initial: int = 0, desc: str = "", unit: str = "it",
                 **_ignored):
        self.every, self.total, self.n, self.initial = every, total, initial, initial
        self.desc, self.unit = desc, unit
        self.start = self.last = time.monotonic()
        self.said: int | None = None  # the count the last line gave

    def update(self, n: int = 1) -> None:
        self.n += n
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last, self.said = now, self.n
            print(self.line(now - self.start), file=sys.stderr, flush=True)

    def line(self, elapsed: float) -> str:
        clock = tqdm.format_interval  # mm:ss, or h:mm:ss
        done = f"{self.n:,}/{self.total:,} {self.unit}s ({self.n / self.total:.0%})" if self.total else f"{self.n:,} {self.unit}s"
        left = ""
        if self.total and self.initial < self.n < self.total:
            rate = (self.n - self.initial) / max(elapsed, 1e-9)
            left = f", about {clock((self.total - self.n) / rate)} left"
        return f"{self.desc}: {done}, {clock(elapsed)} elapsed{left}"

    def close(self) -> None:
        """Work that printed progress ends with a line of where it stopped (its end, or an interrupt);
        work shorter than ``every`` prints nothing."""
        if self.said is not None and self.said != self.n:
            self.said = self.n
            print(self.line(time.monotonic() - self.start), file=sys.stderr, flush=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def map_tasks(task, tasks: list, workers: int, bar: dict, sizes: list[int] | None = None, chunksize: int = 1) -> list:
    """``task(t)`` for every t of ``tasks``, in order: in this process if ``workers <= 1``, else on
    that many processes; the progress bar (tqdm keywords ``bar``) advances by each task's size."""
    sizes = sizes or [1] * len(tasks)
    with progress_bar(**bar) as pbar:
        if workers <= 1:
            return _collect(map(task, tasks), sizes, pbar)
        pool = ProcessPoolExecutor(max_workers=workers, initializer=worker_ignores_interrupt)
        try:
            with _signals_held():  # the workers are forked here
                results = pool.map(task, tasks, chunksize=chunksize)
            out = _collect(results, sizes, pbar)
        except BaseException:
            _stop(pool)
            raise
        pool.shutdown()
        return out


def _collect(results: Iterable, sizes: list[int], pbar: tqdm) -> list:
    out = []
    for r, n in zip(results, sizes):
        out.append(r)
        pbar.update(n)
    return out


@contextmanager
def _signals_held():
    """Ctrl-C and SIGTERM held while the pool forks its workers, and delivered after: one that came
    during a fork ran its handler inside the fork's own hooks (logging's lock release), whose
    exceptions Python ignores, so the interrupt was lost and the command ran to its end (2 of 66
    timed signals in a review). The workers unblock them first thing (worker_ignores_interrupt)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def worker_ignores_interrupt() -> None:
    """In a worker process (the runs' pool; the app's drawing process): Ctrl-C reaches the whole
    process group, and a worker killed by it mid-reply left the pool's result pipe half-written, so
    the parent hung at exit (the drawing process printed a traceback); only the parent stops.
    SIGTERM, which the parent sends to end its workers, ends them: a forked worker would otherwise
    keep the parent's handler (cli.main: SIGTERM stops as Ctrl-C does), take it as an interrupt of
    its task and wait for the next one, and the parent would hang."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):  # forked while the parent held them (_signals_held)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


def _stop(pool: ProcessPoolExecutor) -> None:
    """Leaving on an error or Ctrl-C: drop queued tasks and end the workers now, not after the
    chunks they hold (minutes for a large ensemble). A worker ended mid-reply leaves half a message
    in the results pipe, which the pool's manager thread would wait on for ever (so the process
    hung at exit, 3 tries in 7): closing this end of the pipe once the workers are gone ends that
    wait. Uses two private attributes of ``ProcessPoolExecutor`` (CPython 3.12-3.14)."""
    workers = list((pool._processes or {}).values())  # shutdown() forgets these
    results, manager = pool._result_queue, pool._executor_manager_thread
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in workers:
        proc.terminate()
    for proc in workers:
        proc.join(5)
    if results is not None:
        results._writer.close()
    # The manager thread closes its wake-up pipe as it ends; Python's exit hook wakes it unlocked, and
    # one that came in the instant between its check and the close printed "Bad file descriptor" under
    # the one-line message (1 CI run in many). Waiting for the thread to end closes that window.
    if manager is not None:
        with contextlib.suppress(KeyboardInterrupt):
            manager.join(5)


def _bar(scenario: Scenario, replicates: int, progress: bool | None, label: str, unit: str) -> dict:
    return dict(total=replicates, desc=label or scenario.name, unit=unit, disable=None if progress is None else not progress)


def map_replicates(task, scenario: Scenario, replicates: int, seed: int, workers: int | None = None,
                   progress: bool | None = None, label: str = "", unit: str = "run", serial_below: int = 8) -> list:
    """``task((scenario, k, seed_k))`` for every replicate k, in replicate order, on up to
    ``workers`` processes (default: every core) with a progress bar (None: only on a terminal).
    Fewer than ``serial_below`` replicates run in this process, where starting workers costs more."""
    tasks = [(scenario, k, s) for k, s in enumerate(replicate_seeds(seed, replicates))]
    workers = min(workers or os.cpu_count() or 1, replicates)
    if replicates < serial_below:
        workers = 1
    return map_tasks(task, tasks, workers, _bar(scenario, replicates, progress, label, unit),
                     chunksize=max(1, replicates // (workers * 8)))


def _batch_task(args):
    """Replicates ``first, first + 1, ...`` (seeds ``seeds``) in one batched engine."""
    scenario, first, seeds = args
    e = Ensemble(seeds, fields=scenario.fields, initial_phases=scenario.initial_phases, events=scenario.events,
                 per_replicate=scenario.replicate_parameters(seeds), **scenario.parameters).run_for(scenario.months)
    ts, ev = e.timeseries(), e.events()
    ts["replicate"] += first
    ev["replicate"] += first
    return ts, ev


def run_ensemble(scenario: Scenario, replicates: int, seed: int, workers: int | None = None,
                 progress: bool | None = None, label: str = "") -> tuple[pd.DataFrame, pd.DataFrame]:
    """All replicates' time series and events, concatenated in replicate order.

    Replicates run in batches (``core.locality.Ensemble``: many localities in one engine, each on
    its own stream and, with a posterior, its own draw of the settings, so the result is the same
    as running them one by one), a few batches per
    worker and at most BATCH_MAX replicates each; ``workers`` defaults to the number of cores and
    small ensembles run in this process. ``progress``: None shows a bar only on a terminal.
    """
    seeds = replicate_seeds(seed, replicates)
    workers = max(1, min(workers or os.cpu_count() or 1, replicates // BATCH_MIN or 1))
    n = max(BATCHES_PER_WORKER * workers if workers > 1 else 1, -(-replicates // BATCH_MAX))
    bounds = np.linspace(0, replicates, min(n, replicates) + 1).astype(int)
    tasks = [(scenario, int(a), seeds[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
    results = map_tasks(_batch_task, tasks, workers, _bar(scenario, replicates, progress, label, "run"),
                        sizes=[len(t[2]) for t in tasks])
    ts = pd.concat([r[0] for r in results], ignore_index=True)
    ev = pd.concat([r[1] for r in results], ignore_index=True)
    return ts, ev


def first_reached(ts: pd.DataFrame) -> pd.DataFrame:
    """Per (replicate, field): the first month each phase 1-4 was reached (NaN if never)."""
    out = {}
    for k in range(1, 5):
        hit = ts[ts.phase >= k]
        out[k] = hit.groupby(["replicate", "field"], observed=True).step.min()
    idx = ts.groupby(["replicate", "field"], observed=True).size().index
    return pd.DataFrame({k: v.reindex(idx) for k, v in out.items()})


def summarise(ts: pd.DataFrame, fields: Iterable[str]) -> dict:
    """Per field: chance of reaching each phase, median month of reaching it, and public value at
    the end (mean and 5-95% interval across replicates)."""
    reached = first_reached(ts)
    last = ts[ts.step == ts.step.max()]
    n = ts.replicate.nunique()
    out: dict = {"replicates": int(n), "months": int(ts.step.max()), "fields": {}}
    for f in fields:
        r = reached.xs(f, level="field")
        pv = last[last.field == f].public_value
        out["fields"][f] = {
            "p_reach": {PHASE_NAMES[k]: round(float(r[k].notna().mean()), 4) for k in range(1, 5)},
            "median_month_reached": {PHASE_NAMES[k]: (None if r[k].isna().all() else float(r[k].median()))
                                     for k in range(1, 5)},
            "phase_at_end": {PHASE_NAMES[k]: round(float((last[last.field == f].phase == k).mean()), 4)
                             for k in range(5)},
            "public_value_end": _interval(pv),
        }
    total = last.groupby("replicate").public_value.sum()
    out["locality"] = {
        "public_value_end": _interval(total),
        "p_any_field_reach": {PHASE_NAMES[k]: round(float(reached[k].notna().groupby(level="replicate").any().mean()), 4)
                              for k in range(1, 5)},
    }
    return out


def _interval(x: pd.Series) -> dict:
    return {"mean": round(float(x.mean()), 4), "p5": round(float(x.quantile(0.05)), 4),
            "p95": round(float(x.quantile(0.95)), 4)}
