"""Running an experiment on Dask: batches to workers, results streamed into a Parquet dataset.

Layout of the output folder (files starting with '_' or '.' are ignored by Parquet readers, so
``pandas.read_parquet(DIR)`` returns exactly the run rows):

    DIR/part-00000.parquet ...   one row per run: run, point, replicate, seed, varied parameters,
                                 switches, outcomes, error (None when the run succeeded)
    DIR/_manifest.json           experiment digest, counts, batch size, version
    DIR/_experiment.toml         the experiment definition as given
    DIR/_design.parquet          one row per design point
    DIR/_timeseries/part-*.parquet  field time series every k months, if asked for

A batch is written to a hidden temporary file and renamed when complete, so an interrupted or
killed sweep leaves only whole batches; ``resume`` runs the batches that are missing.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import traceback
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from ..core.outcomes import outcome_columns
from ..core.region import Region
from ..io.experiment import Experiment
from ..io.manifest import version


class SweepError(ValueError):
    """A sweep that cannot start or resume; one line."""


def run_batch(exp: Experiment, runs: list[int]) -> tuple[list[dict], list[pd.DataFrame]]:
    """Run these run indices; a run that raises is returned as a row with its error."""
    rows, series = [], []
    for i in runs:
        point, rep = divmod(i, exp.replicates)
        seed = exp.run_seed(i)
        row = {"run": i, "point": point, "replicate": rep, "seed": seed}
        params, events = exp.point_settings(point)
        row.update(dict(zip(exp.names + exp.switch_names, exp.points[point].tolist())))
        try:
            s = exp.scenario.with_overrides(parameters=params, where=f"design point {point}")
            s.events = [*s.events, *events]
            m = s.build(seed).run_for(s.months)
            row.update(m.outcomes())
            row["error"] = None
            if exp.timeseries_every:  # a region keeps its aggregates, a locality its fields
                ts = m.aggregates() if isinstance(m, Region) else m.timeseries()[
                    ["step", "field", "phase", "authority", "capacity", "value", "performance", "public_value"]]
                ts = ts[ts.step % exp.timeseries_every == 0]
                ts.insert(0, "run", i)
                series.append(ts)
        except Exception as e:  # recorded, not dropped: the sweep goes on
            row["error"] = f"{type(e).__name__}: {e}".splitlines()[0] + " | " + traceback.format_exc(limit=1).splitlines()[-1]
        rows.append(row)
    return rows, series


def _schema(exp: Experiment) -> pa.Schema:
    fields = [pa.field("run", pa.int64()), pa.field("point", pa.int64()), pa.field("replicate", pa.int64()),
              pa.field("seed", pa.uint64())]
    fields += [pa.field(n, pa.float64()) for n in exp.names + exp.switch_names]
    fields += [pa.field(c, pa.float64()) for c in outcome_columns(exp.scenario.fields, exp.scenario.region is not None)]
    fields.append(pa.field("error", pa.string()))
    return pa.schema(fields)


def _write_atomic(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


class Store:
    """The output folder of one sweep."""

    def __init__(self, folder: Path, exp: Experiment):
        self.folder, self.exp = Path(folder), exp
        self.schema = _schema(exp)
        self.n_batches = -(-exp.n_runs // exp.batch_size)

    def batch_runs(self, b: int) -> list[int]:
        return list(range(b * self.exp.batch_size, min((b + 1) * self.exp.batch_size, self.exp.n_runs)))

    def part(self, b: int) -> Path:
        return self.folder / f"part-{b:05d}.parquet"

    def manifest(self) -> dict:
        e = self.exp
        return {"experiment": e.name, "digest": e.digest(), "runs": e.n_runs, "points": e.n_points,
                "replicates": e.replicates, "batch_size": e.batch_size, "method": e.method,
                "parameters": e.names, "bounds": e.bounds, "switches": e.switch_names,
                "levels": e.levels, "second_order": e.second_order, "seed": e.seed,
                "months": e.scenario.months, "fields": e.scenario.fields, "version": version(),
                "region": e.scenario.region is not None, "calibration": e.calibration}

    def prepare(self, resume: bool) -> list[int]:
        """Create or check the folder; return the batches still to run."""
        mf = self.folder / "_manifest.json"
        if self.folder.exists() and any(self.folder.iterdir()):
            if not resume:
                raise SweepError(f"--out {self.folder}: already holds results; add --resume to finish them, "
                                 f"or choose another folder")
            if not mf.exists():
                raise SweepError(f"{self.folder}: not a sweep folder (no _manifest.json); cannot resume")
            try:
                old = json.loads(mf.read_text())
            except (json.JSONDecodeError, OSError) as e:
                raise SweepError(f"{mf}: unreadable ({e}); cannot resume") from None
            if old.get("digest") != self.exp.digest():
                raise SweepError(f"{self.folder}: was made by a different experiment definition "
                                 f"(digest {old.get('digest')} != {self.exp.digest()}); cannot resume")
            for stale in self.folder.glob(".*.tmp"):  # a batch cut off mid-write
                stale.unlink()
            for sub in (self.folder / "_timeseries").glob(".*.tmp"):
                sub.unlink()
        else:
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / "_experiment.toml").write_text(self.exp.path.read_text())
            design = pd.DataFrame(self.exp.points, columns=self.exp.names + self.exp.switch_names)
            design.insert(0, "point", np.arange(len(design)))
            _write_atomic(pa.Table.from_pandas(design, preserve_index=False), self.folder / "_design.parquet")
            _write_json(mf, self.manifest())
        done = {b for b in range(self.n_batches) if self._valid_part(b)}
        return [b for b in range(self.n_batches) if b not in done]

    def _valid_part(self, b: int) -> bool:
        p = self.part(b)
        if not p.exists():
            return False
        try:
            return pq.read_metadata(p).num_rows == len(self.batch_runs(b))
        except Exception:  # a corrupt part is run again
            p.unlink()
            return False

    def write(self, b: int, rows: list[dict], series: list[pd.DataFrame]) -> None:
        if series:
            ts_dir = self.folder / "_timeseries"
            ts_dir.mkdir(exist_ok=True)
            df = pd.concat(series, ignore_index=True)
            df["field"] = df["field"].astype(str)
            _write_atomic(pa.Table.from_pandas(df, preserve_index=False), ts_dir / f"part-{b:05d}.parquet")
        cols = {name: [r.get(name) for r in rows] for name in self.schema.names}
        _write_atomic(pa.Table.from_pydict(cols, schema=self.schema), self.part(b))


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str))
    os.replace(tmp, path)


def configure_local_workers() -> None:
    """Dask settings for the embedded cluster's workers, each measured on this model (2 cores):
    - the workers' statistical profiler samples task stacks every few ms: ~25% of run time;
    - the nanny's MALLOC_TRIM_THRESHOLD_=65536 returns memory to the OS early, and a step
      allocates many small arrays: ~13% slower;
    - the event-loop tick and system/memory monitors wake the worker often: ~8%.
    """
    import dask  # dask (optional 'sweep' extra) is slow to import: only when a sweep starts

    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
    environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    dask.config.set({
        "distributed.worker.profile.enabled": False,
        "distributed.nanny.pre-spawn-environ": environ,
        "distributed.admin.tick.interval": "1s",
        "distributed.admin.system-monitor.interval": "5s",
        "distributed.worker.memory.monitor-interval": "5s",
    })


def _task(exp: Experiment, b: int, runs: list[int]):
    t = time.perf_counter()
    rows, series = run_batch(exp, runs)
    return b, rows, series, time.perf_counter() - t


def run_sweep(exp: Experiment, out: Path, workers: int | None = None, scheduler: str | None = None,
              resume: bool = False, progress: bool | None = None, in_flight: int | None = None,
              stats: dict | None = None) -> Path:
    """Run every missing batch of ``exp`` into ``out``. Returns ``out``.

    ``stats``, if given, receives: workers, wall (seconds from the first submission to the last
    result), compute (seconds spent inside run_batch on the workers), runs.
    """
    store = Store(out, exp)
    todo = store.prepare(resume)
    total = exp.n_runs
    done_runs = total - sum(len(store.batch_runs(b)) for b in todo)
    bar = tqdm(total=total, initial=done_runs, unit="run", desc=exp.name, disable=None if progress is None else not progress,
               smoothing=0.05)
    if not todo:
        bar.close()
        return out
    from dask.distributed import Client, LocalCluster, as_completed  # slow to import: see above

    cluster = None
    try:
        if scheduler:
            try:
                client = Client(scheduler, timeout="10s")
            except (OSError, TimeoutError) as e:
                raise SweepError(f"--scheduler {scheduler}: cannot connect ({e})") from None
        else:
            n = workers or os.cpu_count() or 1
            configure_local_workers()
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                                   host="127.0.0.1")
            client = Client(cluster)
        with client:
            n_workers = max(1, len(client.scheduler_info().get("workers", {})) or (workers or 1))
            limit = in_flight or 2 * n_workers  # bounded: the driver holds at most this many batches
            exp_future = client.scatter(exp, broadcast=True)
            queue = list(todo)
            futures = as_completed()
            t0, compute, n_done = time.perf_counter(), 0.0, 0
            for _ in range(min(limit, len(queue))):
                b = queue.pop(0)
                futures.add(client.submit(_task, exp_future, b, store.batch_runs(b), pure=False))
            for fut in futures:
                b, rows, series, elapsed = fut.result()
                compute += elapsed
                n_done += len(rows)
                store.write(b, rows, series)
                fut.release()
                bar.update(len(rows))
                if queue:
                    nb = queue.pop(0)
                    futures.add(client.submit(_task, exp_future, nb, store.batch_runs(nb), pure=False))
            if stats is not None:
                stats.update(workers=n_workers, wall=time.perf_counter() - t0, compute=compute, runs=n_done)
    finally:
        bar.close()
        if cluster is not None:
            cluster.close()
    return out


def read_runs(folder: Path) -> pd.DataFrame:
    """Every run row of a sweep folder, in run order (checks that the folder is readable)."""
    folder = Path(folder)
    if not (folder / "_manifest.json").exists():
        raise SweepError(f"{folder}: not a sweep folder (no _manifest.json)")
    try:
        df = pd.read_parquet(folder)
    except Exception as e:
        raise SweepError(f"{folder}: cannot read the results ({type(e).__name__}: {str(e).splitlines()[0]})") from None
    return df.sort_values("run").reset_index(drop=True)


def remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def timing_summary(start: float, n: int) -> str:
    dt = time.perf_counter() - start
    return f"{n} runs in {dt:.1f} s ({n / dt:.1f} runs/s)" if dt > 0 else f"{n} runs"
