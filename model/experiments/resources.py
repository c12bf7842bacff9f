"""Memory: how much a worker needs, and how many workers fit, checked before an ensemble, a region
run or a local sweep starts (so that a large request fails or shrinks at once, not after an hour).

The figures are measured on the development machine (Python 3.12, 64-bit Linux), peak resident
memory of one process:

- a worker that runs localities: about 175 MB (interpreter, numpy, pandas, scipy, networkx, mesa
  and the model); a Dask worker of a sweep: about 235 MB;
- a region of N places built and run for 120 months: about 0.4-0.5 MB more per place
  (england_2006, 435 places: 332 MB in a plain process, 443 MB in a Dask worker);
- what the main process holds of the results: about 165 bytes per (run, month, field) row of a
  locality's time series, 45 bytes per (run, month, place, field) row of a region's; twice that
  while the replicates are put together.

The memory available is /proc/meminfo's MemAvailable, or less if a control group (a container or
a batch job) sets a lower limit. INNOVATION_SIM_MEMORY_GB overrides it (for a node whose figure is
misleading, or to switch the check off with a large number).
"""

from __future__ import annotations

import os
from pathlib import Path

MB = 1 << 20
GB = 1 << 30
WORKER = 200 * MB  # a process that runs localities (measured 175 MB) with a margin
DASK_WORKER = 260 * MB  # a Dask worker process (measured 235 MB) with a margin
PER_PLACE = 0.5 * MB  # a region's places, per worker, for 120 months (measured 0.37-0.48 MB)
LOCALITY_ROW = 165  # bytes per (run, month, field) row held by the main process
REGION_ROW = 45  # bytes per (run, month, place, field) row
MEMORY_ENV = "INNOVATION_SIM_MEMORY_GB"


class ResourceError(ValueError):
    """A run that would not fit in this machine's memory. One line."""


def available_bytes() -> int | None:
    """Memory this process may still use, or None if it cannot be told."""
    raw = os.environ.get(MEMORY_ENV)
    if raw is not None and raw.strip():
        try:
            gb = float(raw)
        except ValueError:
            gb = -1.0
        if not gb > 0 or gb == float("inf"):
            raise ResourceError(f"{MEMORY_ENV}={raw!r}: must be a positive number of gigabytes")
        return int(gb * GB)
    avail = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                avail = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:  # cgroup v2: a container's or a job's own limit
        cg = Path("/sys/fs/cgroup")
        limit = (cg / "memory.max").read_text().strip()
        if limit != "max":
            free = int(limit) - int((cg / "memory.current").read_text())
            avail = free if avail is None else min(avail, free)
    except (OSError, ValueError):
        pass
    return avail


def gb(n: float) -> str:
    return f"{n / GB:.1f} GB"


def region_places(scenario) -> int:
    rp = scenario.region.resolved()
    return int(rp["councils"] + rp["fire_authorities"])


def worker_bytes(scenario, dask: bool = False) -> int:
    """Peak memory of one worker running ``scenario`` (a locality or a region)."""
    base = DASK_WORKER if dask else WORKER
    if scenario.region is None:
        return base
    return int(base + PER_PLACE * region_places(scenario) * max(1.0, scenario.months / 120))


def results_bytes(scenario, replicates: int) -> int:
    """What the main process holds of an ensemble's results (twice the frames, while joining them)."""
    months = scenario.months + 1
    if scenario.region is None:
        rows = replicates * months * len(scenario.fields)
        return 2 * rows * LOCALITY_ROW
    rows = replicates * months * len(scenario.fields) * region_places(scenario)
    return 2 * rows * REGION_ROW


def plan_workers(requested: int | None, tasks: int, per_worker: int, main: int, what: str,
                 avail: int | None = None) -> tuple[int, str | None]:
    """How many workers fit: (workers, a note if fewer than asked), or a ResourceError if not even
    one fits beside the main process. ``requested`` None means every core; never more than ``tasks``.
    ``what`` names the command for the messages."""
    cores = os.cpu_count() or 1
    want = max(1, min(requested or cores, tasks))
    avail = available_bytes() if avail is None else avail
    if avail is None:
        return want, None
    # A single task runs in the main process: it needs the main process's memory and one worker's.
    if main + per_worker > avail:
        raise ResourceError(
            f"{what}: needs about {gb(main + per_worker)} of memory ({gb(per_worker)} per worker, {gb(main)} for the "
            f"results) and {gb(avail)} is available; use fewer replicates or places, or a machine with more memory "
            f"(set {MEMORY_ENV} if the figure is wrong)")
    fits = max(1, int((avail - main) // per_worker))
    if fits >= want:
        return want, None
    return fits, (f"{what}: {want} workers would need about {gb(main + want * per_worker)} of memory and "
                  f"{gb(avail)} is available; using {fits} (about {gb(per_worker)} each)")
