"""Figures drawn in a worker process for the app. Matplotlib holds the interpreter lock while it
draws, so a figures zip made in a thread of the app's process stalled the page's updates for up to
1.2 s (issue 14); in a process of its own it does not. One worker, started on first use (spawn:
no copy of the server's threads), restarted if it dies."""

from __future__ import annotations

import atexit
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from ..experiments.runner import worker_ignores_interrupt

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


def _call(name: str, args: tuple):
    from ..viz import figures
    return getattr(figures, name)(*args)


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=worker_ignores_interrupt)
        return _pool


def _reset() -> None:
    global _pool
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None


def in_worker(name: str, *args):
    """``model.viz.figures.<name>(*args)`` in the worker process; once more in a new worker if the
    first one died (e.g. killed for memory)."""
    try:
        return _executor().submit(_call, name, args).result()
    except BrokenProcessPool:
        _reset()
        return _executor().submit(_call, name, args).result()


atexit.register(_reset)
