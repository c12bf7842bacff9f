"""Run by Python at start-up in the local cluster's worker processes (sweep._local_cluster puts this
folder first on their PYTHONPATH): Ctrl-C reaches the whole process group, and a worker interrupted
while it imports prints a traceback; the command stops its workers itself. Then the sitecustomize
this one shadows, if any, runs as it would have."""

import os
import signal
import sys

signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_shadowed() -> None:
    import importlib.machinery
    import importlib.util

    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", sys.path)
    if spec is not None and spec.loader is not None:
        spec.loader.exec_module(importlib.util.module_from_spec(spec))


_run_shadowed()
