"""The `innovation-sim` command's entry point (pyproject's [project.scripts]).

It imports the command line with Ctrl-C and SIGTERM held: those imports (numpy, pandas, mesa,
pydantic) take 1-3 s, and an interrupt in them used to print an import traceback, or, where a
library imports an optional module under a bare `except:`, was swallowed, and the command ran to
its end (3 of 3 tries at about a second under load). Held, the signal waits until the imports are
done, and then the command stops in one line before doing anything. The package's facade
(model/__init__.py) imports nothing eagerly, so this module loads at once.
"""

from __future__ import annotations

import signal
import sys

_HELD = {signal.SIGINT, signal.SIGTERM}


def main() -> int:
    masks = hasattr(signal, "pthread_sigmask") and hasattr(signal, "sigpending")  # not on Windows
    before = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD) if masks else None
    try:
        from .cli import main as command
    except KeyboardInterrupt:  # only without signal masks: a Ctrl-C raised in the imports
        pending = {signal.SIGINT}
    else:
        pending = signal.sigpending() & _HELD if masks else set()
    if pending:  # left pending and held: the process ends without acting on it
        print("innovation-sim: interrupted while starting; nothing was done", file=sys.stderr)
        return 143 if pending == {signal.SIGTERM} else 130  # 128 + the signal, as a shell reports it
    if masks:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)
    return command()


if __name__ == "__main__":
    raise SystemExit(main())
