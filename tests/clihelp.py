"""Running the command line as a user does, for the tests (one copy; tests/conftest.py puts this
folder on the path)."""

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
