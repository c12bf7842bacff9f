"""The `innovation-sim` command's entry point (pyproject's [project.scripts]).

It imports the command line under a guard: those imports (numpy, pandas, mesa, pydantic) take 1-2 s,
and a Ctrl-C or SIGTERM in them used to print an import traceback. The package's facade
(model/__init__.py) imports nothing eagerly, so this module loads at once.
"""

from __future__ import annotations

import signal
import sys


class _Stop(BaseException):  # as KeyboardInterrupt: an `except Exception` in an import must not swallow it
    pass


def _stop(signum, frame):
    raise _Stop


def main() -> int:
    before = signal.signal(signal.SIGTERM, _stop)  # SIGINT already raises KeyboardInterrupt
    try:
        from .cli import main as command
    except (KeyboardInterrupt, _Stop):
        print("innovation-sim: interrupted while starting; nothing was done", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, before)
    return command()


if __name__ == "__main__":
    raise SystemExit(main())
