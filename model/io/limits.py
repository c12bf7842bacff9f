"""Limits that keep a typo from filling a laptop's memory or disk, each raised by an environment
variable for a real cluster.

    limit                          default     raise it with
    replicates per run / compare   10,000      INNOVATION_SIM_MAX_REPLICATES
    runs per sweep                 1,000,000   INNOVATION_SIM_MAX_RUNS
    bytes in a scenario or         1,000,000   INNOVATION_SIM_MAX_FILE_BYTES
      experiment file
    files in an ``extends`` chain  32          INNOVATION_SIM_MAX_EXTENDS

Not a limit but read the same way: seconds between progress lines when the output is not a
terminal (a cluster job's log), 60, INNOVATION_SIM_PROGRESS_SECONDS.

A seed is a whole number from 0 to 2**63 - 1 (it is written back into TOML files, whose integers
are 64-bit). Memory is checked separately, before a region run or a sweep starts
(model/experiments/resources.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

MAX_SEED = 2**63 - 1


class LimitError(ValueError):
    """An input above a limit, or a limit set to something that is not a limit. One line."""


@dataclass(frozen=True)
class Limit:
    name: str
    default: int
    env: str
    what: str

    def value(self) -> int:
        raw = os.environ.get(self.env)
        if raw is None or not raw.strip():
            return self.default
        try:
            n = int(raw.strip().replace("_", ""))
        except ValueError:
            n = 0
        if n < 1:
            raise LimitError(f"{self.env}={raw!r}: must be a whole number of at least 1 ({self.what}; "
                             f"default {self.default:,})")
        return n

    def check(self, n: int, where: str) -> int:
        """``n`` if within the limit, else a one-line LimitError naming ``where`` and the way to raise it."""
        limit = self.value()
        if n > limit:
            raise LimitError(f"{where}: " * bool(where) + f"{n:,} is above the limit of {limit:,} {self.what} "
                             f"(allowed: 1 to {limit:,}; raise it with {self.env}=N)")
        return n


REPLICATES = Limit("replicates", 10_000, "INNOVATION_SIM_MAX_REPLICATES", "replicates")
RUNS = Limit("runs", 1_000_000, "INNOVATION_SIM_MAX_RUNS", "runs per sweep")
FILE_BYTES = Limit("file_bytes", 1_000_000, "INNOVATION_SIM_MAX_FILE_BYTES", "bytes per scenario or experiment file")
EXTENDS = Limit("extends", 32, "INNOVATION_SIM_MAX_EXTENDS", "files in an extends chain")
PROGRESS_SECONDS = Limit("progress_seconds", 60, "INNOVATION_SIM_PROGRESS_SECONDS",
                         "seconds between progress lines when the output is not a terminal")
# Folders an ``extends`` may reach besides the scenario's own folder tree and the shipped scenarios/
EXTENDS_ROOTS_ENV = "INNOVATION_SIM_EXTENDS_ROOTS"
