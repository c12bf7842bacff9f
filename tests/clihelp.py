"""Helpers the tests share (one copy; tests/conftest.py puts this folder on the path): the command
line run as a user does, and a finished sweep folder written without Dask."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXE = [sys.executable, "-m", "model.cli"]


def sim(*args, env: dict | None = None, cwd=None, timeout: float = 600, **kw) -> subprocess.CompletedProcess:
    """`innovation-sim ARGS` in a fresh interpreter that imports this checkout's `model`."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([*EXE, *map(str, args)], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=timeout, **kw)


def make_sweep(exp, folder: Path) -> Path:
    """A finished sweep folder, run in this process (the Dask path is tested in test_sweep.py)."""
    from model.experiments.sweep import Store, run_batch

    store = Store(folder, exp)
    store.create()
    for b in range(store.n_batches):
        rows, series = run_batch(exp, store.batch_runs(b))
        store.write(b, rows, series)
    return folder
