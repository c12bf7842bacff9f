"""Running an experiment on Dask: batches to workers, results streamed into a Parquet dataset.

Layout of the output folder (files starting with '_' or '.' are ignored by Parquet readers, so
``pandas.read_parquet(DIR)`` returns exactly the run rows):

    DIR/part-00000.parquet ...   one row per run: run, point, replicate, seed, varied parameters,
                                 switches, outcomes, error (None when the run succeeded)
    DIR/_manifest.json           experiment digest, counts, batch size, version
    DIR/_experiment.toml         the experiment definition as given
    DIR/_design.parquet          one row per design point
    DIR/_timeseries/part-*.parquet  field time series every k months, if asked for
    DIR/_checksums/part-*.json   the SHA-256 of each batch's files, written before they are renamed

A batch is written to a hidden temporary file and renamed when complete, so an interrupted or
killed sweep leaves only whole batches; ``resume`` runs the batches that are missing, and every
batch it keeps is checked first: its checksum (when it has one) and a full read of its rows (and
time series), so a part damaged on disk is run again rather than trusted (and a damaged design is
written again). Every command that reads the results (``read_sweep``) checks the same checksums and
that each run appears once, and refuses a damaged or unfinished folder. Nothing is written to
DIR until the cluster is reached; a write that fails (disk full, read-only) stops the sweep with
one line, keeping the batches already finished.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import signal
import sys
import threading
import time
import tomllib
import traceback
from concurrent.futures import CancelledError
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..core.events import Shock
from ..core.outcomes import outcome_columns
from ..core.region import Region
from ..io.experiment import Experiment
from ..io import folders
from ..io.folders import write_atomic
from ..io.words import counted
from ..io import manifest
from ..io.jsonfile import JsonFileError, Shape, load
from ..io.manifest import version
from ..io.scenario import Scenario
from ..io.unreadable import os_reason, why_unreadable
from .runner import progress_bar


class SweepError(ValueError):
    """A sweep that cannot start or resume; one line."""


class SweepStopped(SweepError):
    """The sweep stopped part-way; the batches finished before are kept and --resume finishes it."""


class SweepWriteError(SweepStopped):
    """A batch could not be written (disk full, read-only...): the batches before it are kept."""


class WorkersLost(SweepStopped):
    """The Dask workers or scheduler went away mid-sweep (killed, out of memory, network)."""


class SweepManifest(Shape):
    """A sweep's _manifest.json as written by ``Store.manifest`` (the keys its readers use; a folder
    made by hand for a test may give only the first four)."""
    runs: int
    method: Literal["grid", "lhs", "sobol", "morris", "exploratory", "given"]  # given: a calibration's generation
    parameters: list[str]
    switches: list[str] = []
    digest: str | None = None
    experiment: str = ""
    points: int | None = None
    replicates: int = 1
    batch_size: int | None = None
    bounds: list[list[float]] = []
    levels: int = 4
    second_order: bool = False
    region: bool = False
    calibration: dict[str, dict] = {}
    levers: list[str] = []
    uncertainties: list[str] = []
    futures: int = 0
    outcome_specs: dict[str, dict] = {}
    drawn: list[str] | None = None  # the rows' drawn.* columns; None: a folder from before they were kept
    checksums: bool = False  # every batch keeps a checksum file (folders made since session 23 say so)


# The manifest's keys that readers rely on (robust, discover, --analyse).
READER_KEYS = ("runs", "points", "replicates", "method", "parameters", "switches", "bounds", "levels", "second_order",
               "region", "calibration", "levers", "uncertainties", "futures", "outcome_specs")
DIRECTIONS = ("maximise", "minimise", "info")


def resume_fix(folder: Path, what: str = "runs damaged parts again and moves stray ones aside") -> str:
    """The command that repairs a sweep folder, for the errors that name a damaged file."""
    return f"`innovation-sim sweep EXPERIMENT --out {folder} --resume` {what}"


def manifest_fix(folder: Path) -> str:
    """The command that writes a damaged or edited manifest again (Store._manifest_or_rebuilt)."""
    return resume_fix(folder, "writes it again from _experiment.toml")


def read_manifest(folder: Path) -> SweepManifest:
    """The sweep folder's _manifest.json, checked key by key: the one reader every command uses."""
    path = Path(folder) / "_manifest.json"
    if not Path(folder).is_dir():
        raise SweepError(f"{folder}: {'a file, not a folder' if Path(folder).exists() else 'no such folder'} "
                         f"(give the folder a sweep wrote)")
    if not path.exists():
        raise SweepError(f"{folder}: not a sweep folder (no _manifest.json)")
    try:
        mf = load(path, SweepManifest, "the sweep's manifest is damaged: " + manifest_fix(folder))
    except JsonFileError as e:
        raise SweepError(str(e)) from None
    manifest.warn_if_newer(folder, (mf.model_extra or {}).get("version"))
    return mf


def _lost(e: BaseException, out: Path, kept: int, client) -> WorkersLost:
    """One line for a batch whose result cannot arrive, whatever Dask raised."""
    from dask.distributed import KilledWorker

    if isinstance(e, KilledWorker):
        why = ("a batch stopped its worker process each time it was tried (out of memory? use fewer "
               "--workers or a smaller batch_size)")
    elif client.status != "running":
        address = getattr(getattr(client, "scheduler", None), "address", None)
        why = f"the connection to the Dask scheduler{f' at {address}' if address else ''} was lost"
    elif isinstance(e, CancelledError):
        why = "the Dask workers were lost (the cluster cancelled the batches)"
    else:
        why = "the Dask workers were lost (a connection to the cluster failed or timed out)"
    return WorkersLost(f"--out {out}: {why}; the {kept} batches finished before are kept")


@contextmanager
def _as_lost(out: Path, store: "Store", client):
    """Around each call to the cluster: whatever a lost worker or scheduler makes Dask raise, and
    wherever it shows up (a result, a submission to a client that has given up reconnecting, a
    release), becomes one WorkersLost. A cluster still connected that raises something else is a
    bug, and passes through."""
    from dask.distributed import KilledWorker

    try:
        yield
    except (KilledWorker, CancelledError, OSError, TimeoutError) as e:
        raise _lost(e, out, store.kept(), client) from None
    except Exception as e:
        if client.status == "running":
            raise
        raise _lost(e, out, store.kept(), client) from None


# The driver's loggers that print tracebacks when the scheduler goes away: the client's own, its
# comms and error wrappers ("distributed"), and its event loop's, where a batch submitted in the
# instant the connection closed fails in a callback (a CommClosedError traceback under
# "tornado.application", seen under load); a task destroyed at exit is reported under "asyncio".
CLIENT_LOGS = ("distributed", "distributed.client", "tornado", "tornado.application", "asyncio")


@contextmanager
def quiet_client_logs(names: tuple[str, ...] = CLIENT_LOGS):
    """These loggers silenced while a Dask client is used. If the cluster is lost they stay silenced:
    the client's thread can still report its failed reconnection after the command has said, in
    one line, that the scheduler was lost."""
    logs = [logging.getLogger(name) for name in names]
    old = [log.level for log in logs]
    for log in logs:
        log.setLevel(logging.CRITICAL)
    try:
        yield
    except WorkersLost:
        raise
    except BaseException:
        _restore(logs, old)
        raise
    _restore(logs, old)


def _restore(logs: list[logging.Logger], levels: list[int]) -> None:
    for log, level in zip(logs, levels):
        log.setLevel(level)


@contextmanager
def _using(client):
    """``with client``, whose close is best effort: a client whose scheduler is gone can fail to
    close (a timeout, Dask's own check of its state), which must not replace the sweep's message."""
    client.__enter__()
    try:
        yield client
    finally:
        try:
            client.__exit__(None, None, None)
        except Exception:
            pass


def run_point(scenario: Scenario, params: dict, events: list[Shock], seed: int, where: str = "design point",
              drawn: dict | None = None):
    """One run: the scenario with these settings and extra shocks, built with ``seed`` and run to its
    end. What a sweep and the EMA Workbench interface (model/experiments/ema.py) both run. With a
    posterior in the scenario the run is on the seed's draw (the design's settings are fixed), and
    ``drawn``, if given, receives the drawn settings."""
    s = scenario.with_overrides(parameters=params, where=where)
    s.events = [*s.events, *events]
    run, settings = s.for_replicate(seed)
    if drawn is not None:
        drawn.update(settings)
    return run.build(seed).run_for(s.months)


def drawn_columns(exp: Experiment) -> list[str]:
    """A row's columns for the settings its run drew from the scenario's posterior (``drawn.<name>``),
    so a sweep on a fitted scenario says which settings each outcome came from."""
    return [f"drawn.{n}" for n in exp.scenario.drawn_names() if n not in exp.names]


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
            drawn: dict = {}
            m = run_point(exp.scenario, params, events, seed, where=f"design point {point}", drawn=drawn)
            row.update({f"drawn.{k}": float(v) for k, v in drawn.items()})
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
    fields += [pa.field(n, pa.float64()) for n in exp.names + exp.switch_names + drawn_columns(exp)]
    fields += [pa.field(c, pa.float64()) for c in outcome_columns(exp.scenario.fields, exp.scenario.region is not None)]
    fields.append(pa.field("error", pa.string()))
    return pa.schema(fields)


def _write_atomic(table: pa.Table, path: Path) -> None:
    os.replace(_write_tmp(table, path), path)


def _write_tmp(table: pa.Table, path: Path) -> Path:
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp)
    return tmp


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class Store:
    """The output folder of one sweep."""

    def __init__(self, folder: Path, exp: Experiment):
        self.folder, self.exp = Path(folder), exp
        self.digest = exp.digest()  # what made the folder: in its manifest and in each batch's checksums
        self.schema = _schema(exp)
        self.n_batches = -(-exp.n_runs // exp.batch_size)
        self.damaged: list[int] = []  # batches found damaged on resume (run again)
        self.kept_failed = 0  # runs with an error among the batches kept
        self.repaired: list[str] = []  # files of the folder found damaged on resume and written again
        self.refreshed: list[str] = []  # copies differing from the file given only in name or description, replaced
        self.set_aside: list[str] = []  # part files that are no batch of this sweep, moved to _stray/
        self.checksums_required = True  # False only for a folder from before its manifest said so

    def ts_part(self, b: int) -> Path:
        return self.folder / "_timeseries" / f"part-{b:05d}.parquet"

    def checksums(self, b: int) -> Path:
        return self.folder / "_checksums" / f"part-{b:05d}.json"

    def batch_runs(self, b: int) -> list[int]:
        return list(range(b * self.exp.batch_size, min((b + 1) * self.exp.batch_size, self.exp.n_runs)))

    def part(self, b: int) -> Path:
        return self.folder / f"part-{b:05d}.parquet"

    def kept(self) -> int:
        """Finished batches on disk."""
        return len(list(self.folder.glob("part-*.parquet")))

    def manifest(self) -> dict:
        e = self.exp
        return {"experiment": e.name, "digest": self.digest, "runs": e.n_runs, "points": e.n_points,
                "replicates": e.replicates, "batch_size": e.batch_size, "method": e.method,
                "parameters": e.names, "bounds": e.bounds, "switches": e.switch_names,
                "levels": e.levels, "second_order": e.second_order,
                "common_random_numbers": e.common_random_numbers, "seed": e.seed,
                "months": e.scenario.months, "fields": e.scenario.fields, "version": version(),
                "region": e.scenario.region is not None, "calibration": e.calibration,
                "uncertainties": e.uncertainties, "levers": e.levers, "futures": e.n_futures,
                "policies": e.n_policies, "outcome_specs": e.outcome_specs,
                "drawn": [n for n in self.schema.names if n.startswith("drawn.")],
                "checksums": True,  # every batch has its checksum file: a missing one is a lost or swapped file
                "provenance": manifest.build({"name": "sweep", "experiment": str(e.path.resolve())},
                                             manifest.experiment_inputs(e), manifest.sweep_seeds(e))}

    def prepare(self, resume: bool) -> list[int]:
        """Create or check the folder; return the batches still to run."""
        todo, fresh = self.check(resume)
        if fresh:
            self.create()
        return todo

    def check(self, resume: bool) -> tuple[list[int], bool]:
        """(the batches still to run, whether the folder is new), writing nothing to a new folder."""
        if self.folder.exists() and not self.folder.is_dir():
            raise SweepError(f"--out {self.folder}: is a file, not a folder; choose a folder for the results")
        try:
            holds = self.folder.exists() and any(self.folder.iterdir())
        except OSError as e:
            raise SweepError(f"--out {self.folder}: cannot read the folder ({os_reason(e)})") from None
        if holds:
            if not any((self.folder / f).exists() for f in ("_manifest.json", "_experiment.toml")):
                raise SweepError(f"--out {self.folder}: already holds other files (not a sweep folder); "
                                 f"choose another folder")
            if not resume:
                raise SweepError(f"--out {self.folder}: already holds results; add --resume to finish them, "
                                 f"or choose another folder")
            old = self._manifest_or_rebuilt()
            if old.digest != self.digest and self._same_experiment_text():
                raise SweepError(f"{self.folder}: its experiment file is the one given, but what it resolves to "
                                 f"has changed since (digest {old.digest} != {self.digest}): its scenario "
                                 f"{self.exp.scenario.path or ''}, a file it extends, or the code's defaults; "
                                 f"restore them to resume, or run into another --out")
            if old.digest != self.digest:
                raise SweepError(f"{self.folder}: was made by a different experiment definition "
                                 f"(digest {old.digest} != {self.digest}); cannot resume it with this file: "
                                 f"resume with the file that made it (its copy: {self.folder / '_experiment.toml'}) "
                                 f"or run into another --out")
            # A folder begun before rows kept their posterior draws is finished in its own columns,
            # not thrown away as damaged.
            kept = set(old.drawn or ())
            self.checksums_required = old.checksums
            self.schema = pa.schema([f for f in self.schema if not f.name.startswith("drawn.") or f.name in kept])
            try:
                for sub in (self.folder, self.folder / "_timeseries", self.folder / "_checksums"):
                    for stale in sub.glob(".*.tmp"):  # a batch cut off mid-write
                        stale.unlink()
            except OSError as e:
                raise SweepError(f"--out {self.folder}: cannot tidy the folder ({os_reason(e)}); cannot resume") from None
            self._check_design()
            self._check_experiment_copy()
            self._set_aside_strays()
            done = {b for b in range(self.n_batches) if self._valid_part(b)}
            return [b for b in range(self.n_batches) if b not in done], False
        return list(range(self.n_batches)), True

    def _same_experiment_text(self) -> bool:
        """Whether the folder's copy of the experiment holds the same settings as the file given."""
        try:
            return tomllib.loads((self.folder / "_experiment.toml").read_text(encoding="utf-8-sig")) == \
                tomllib.loads(self.exp.path.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return False

    def _manifest_or_rebuilt(self) -> SweepManifest:
        """On resume: the folder's manifest; if it was lost or damaged but the folder's copy of the
        experiment is the experiment given, written again from it (each kept batch is still checked
        against its checksum and its runs), so the finished batches are not lost with one small file."""
        path, copy = self.folder / "_manifest.json", self.folder / "_experiment.toml"
        state = "missing"
        if path.exists():
            try:
                old = read_manifest(self.folder)
            except SweepError as e:  # damaged: written again as if lost, the batches checked as then
                state, why = "damaged", str(e)
            else:
                was = json.loads(path.read_text())  # read_manifest has checked it
                if was.get("digest") != self.digest:
                    return old  # another experiment: refused by check()
                now = self.manifest()
                edited = _edited(was, now)
                if not edited:
                    return old
                # Same digest, so the same experiment: written again from it, its provenance kept.
                self._rewrite(path, {**now, "provenance": was.get("provenance"),
                                     "rebuilt": f"on resume: {edited} differed from the experiment's (edited?)"},
                              "edited")
                return read_manifest(self.folder)
        if copy.is_file():
            try:
                same = copy.read_text(encoding="utf-8-sig") == self.exp.path.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError):
                same = False
            if not same:
                raise SweepError(f"{self.folder}: its _manifest.json is {state} and its _experiment.toml is not "
                                 f"{self.exp.path}; resume with the experiment that made it")
            if not self._batches_made_by_this_experiment():
                raise SweepError(f"{self.folder}: its _manifest.json is {state}, and its batches do not record that "
                                 f"this experiment made them (its scenario or the code may have changed since); "
                                 f"restore the manifest from a copy, or run the sweep again into another --out")
            self._rewrite(path, {**self.manifest(), "rebuilt": "from _experiment.toml on resume; the provenance "
                                 "is of the resume, not of the batches kept"}, state)
        elif state == "damaged":
            raise SweepError(why)
        return read_manifest(self.folder)

    def _rewrite(self, path: Path, data: dict, state: str) -> None:
        try:
            _write_json(path, data)
        except OSError as e:
            raise SweepError(f"{path}: {state}, and cannot be written again ({os_reason(e)}); cannot resume") from None
        self.repaired.append(path.name)

    def _batches_made_by_this_experiment(self) -> bool:
        """Whether every batch on disk records this experiment's digest (the same text of the
        experiment can mean another scenario: the digest hashes the resolved scenario too)."""
        for part in self.folder.glob("part-*.parquet"):
            try:
                recorded = json.loads((self.folder / "_checksums" / f"{part.stem}.json").read_text())
            except (OSError, ValueError):
                return False
            if not isinstance(recorded, dict) or recorded.get("digest") != self.digest:
                return False
        return True

    def create(self) -> None:
        """Write the experiment, design and manifest into a new folder (or nothing, on failure)."""
        made = not self.folder.exists()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / "_experiment.toml").write_text(self.exp.path.read_text(encoding="utf-8-sig"))
            self.write_design()
            _write_json(self.folder / "_manifest.json", self.manifest())
        except OSError as e:
            if made:
                shutil.rmtree(self.folder, ignore_errors=True)
            else:
                for p in self.folder.iterdir() if self.folder.is_dir() else []:
                    shutil.rmtree(p) if p.is_dir() else p.unlink(missing_ok=True)
            raise SweepError(f"--out {self.folder}: cannot write there ({os_reason(e)}); nothing was written") from None

    def design(self) -> pd.DataFrame:
        """One row per design point: what _design.parquet holds."""
        design = pd.DataFrame(self.exp.points, columns=self.exp.names + self.exp.switch_names)
        design.insert(0, "point", np.arange(len(design)))
        return design

    def write_design(self) -> None:
        _write_atomic(pa.Table.from_pandas(self.design(), preserve_index=False), self.folder / "_design.parquet")

    def _check_design(self) -> None:
        """On resume: the design follows from the experiment (its digest matched), so a damaged or
        missing _design.parquet is written again rather than left for the analysis to trip on."""
        path = self.folder / "_design.parquet"
        try:
            if pd.read_parquet(path).equals(self.design()):
                return
        except Exception:  # unreadable in any way: written again below
            pass
        try:
            self.write_design()
        except OSError as e:
            raise SweepError(f"{path}: damaged, and cannot be written again ({os_reason(e)}); cannot resume") from None
        self.repaired.append(path.name)

    def _check_experiment_copy(self) -> None:
        """On resume (the digest matched, so the experiment given made the folder): a damaged or
        missing _experiment.toml is written again from it, as _design.parquet is; left damaged it
        would later block the resume of a folder that also lost its manifest."""
        if self._same_experiment_text():  # a comment added since is no damage; unreadable is
            return
        path = self.folder / "_experiment.toml"
        words = ("name", "description")  # what the digest leaves out: a copy that differs only there is no damage
        try:
            copy = tomllib.loads(path.read_text(encoding="utf-8-sig"))
            given = tomllib.loads(self.exp.path.read_text(encoding="utf-8-sig"))
            words_only = {k: v for k, v in copy.items() if k not in words} == {k: v for k, v in given.items()
                                                                              if k not in words}
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):  # an empty or cut copy parses: see above
            words_only = False
        try:
            write_atomic(path, self.exp.path.read_text(encoding="utf-8-sig"))
        except OSError as e:
            raise SweepError(f"{path}: {'out of date' if words_only else 'damaged'}, and cannot be written again "
                             f"({os_reason(e)}); cannot resume") from None
        (self.refreshed if words_only else self.repaired).append(path.name)

    def _set_aside_strays(self) -> None:
        """Part files that are no batch of this sweep (a renamed or copied-in file) would make every
        reader refuse the folder, and resume would keep them: moved to _stray/, not deleted."""
        names = {self.part(b).name for b in range(self.n_batches)}
        for sub in (self.folder, self.folder / "_timeseries"):
            for p in sorted(sub.glob("part-*.parquet")) if sub.is_dir() else []:
                if p.name not in names:
                    dest = self.folder / "_stray" / p.relative_to(self.folder)
                    try:
                        dest.parent.mkdir(parents=True, exist_ok=True)
                        os.replace(p, dest)
                    except OSError as e:
                        raise SweepError(f"{p}: not a batch of this sweep, and cannot be moved aside "
                                         f"({os_reason(e)}); move it out of the folder and resume again") from None
                    self.set_aside.append(str(p.relative_to(self.folder)))

    def _valid_part(self, b: int) -> bool:
        """Whether batch b is on disk whole: its checksums match, and its rows (and time series) read
        back in full with the expected runs. A damaged batch is removed, to be run again."""
        p = self.part(b)
        if not p.exists():
            return False
        if self._verify(b):
            return True
        self.damaged.append(b)
        for f in (p, self.ts_part(b), self.checksums(b)):
            f.unlink(missing_ok=True)
        return False

    def _verify(self, b: int) -> bool:
        p, ts = self.part(b), self.ts_part(b)
        try:
            if not matches_checksums(p, ts, self.checksums(b), self.digest, self.checksums_required):
                return False
            table = pq.read_table(p)  # every page decoded, not just the footer
            if table.schema.names != self.schema.names or table.column("run").to_pylist() != self.batch_runs(b):
                return False
            errors = table.column("error").to_pylist()
            if self.exp.timeseries_every and (ts.exists() or any(e is None for e in errors)):
                pq.read_table(ts)
        except Exception:  # unreadable in any way: run it again
            return False
        self.kept_failed += sum(e is not None for e in errors)
        return True

    def write(self, b: int, rows: list[dict], series: list[pd.DataFrame]) -> None:
        """Batch b's time series and rows: each to a hidden file, their checksums, then renamed into
        place (the rows last: a part on disk means the batch is complete)."""
        tmps: list[Path] = []
        try:
            sums = {"part": None, "timeseries": None, "digest": self.digest}
            if series:
                self.ts_part(b).parent.mkdir(exist_ok=True)
                df = pd.concat(series, ignore_index=True)
                df["field"] = df["field"].astype(str)
                tmps.append(_write_tmp(pa.Table.from_pandas(df, preserve_index=False), self.ts_part(b)))
                sums["timeseries"] = _sha256(tmps[-1])
            cols = {name: [r.get(name) for r in rows] for name in self.schema.names}
            tmps.append(_write_tmp(pa.Table.from_pydict(cols, schema=self.schema), self.part(b)))
            sums["part"] = _sha256(tmps[-1])
            self.checksums(b).parent.mkdir(exist_ok=True)
            _write_json(self.checksums(b), sums)
            if series:
                os.replace(tmps[0], self.ts_part(b))
            os.replace(tmps[-1], self.part(b))
        except OSError as e:
            for t in tmps:
                t.unlink(missing_ok=True)
            raise SweepWriteError(f"--out {self.folder}: cannot write batch {b} ({os_reason(e)}); the {self.kept()} "
                                  f"batches finished before it are kept") from None


def _edited(was: dict, now: dict) -> str | None:
    """The first key the readers use on which a manifest on disk (``was``) differs from what its
    experiment writes (``now``, same digest): a hand-edited manifest is written again, not resumed as
    done. Only keys the file has: one from before a key existed is not edited."""
    now = json.loads(json.dumps(now, default=str))  # as it would read back (tuples as lists)
    return next((k for k in READER_KEYS if k in was and k in now and was[k] != now[k]), None)


class SweepUnfinished(SweepError):
    """A sweep folder whose runs are not all done (interrupted, or still running)."""


class DamagedChecksum(ValueError):
    """A batch's checksum record that cannot be read: the record is damaged, not (necessarily) the batch."""

    def __init__(self, sums: Path, why: Exception):
        super().__init__(f"{sums}: cannot read it ({why_unreadable(why, 'checksum record')})")
        self.sums = sums


def matches_checksums(part: Path, ts: Path, sums: Path, digest: str | None = None, required: bool = True) -> bool:
    """Whether a batch's rows (and time series) have the SHA-256 recorded when they were written,
    by the experiment of ``digest`` (a batch copied in from another sweep is whole, but not this
    sweep's). A batch's checksum is written before the batch, so a missing one means a lost or
    swapped file; only in a folder from before checksums (``required`` False: its manifest does not
    say it keeps them, and no batch has one) is a batch without one taken on trust. May raise on a
    file that cannot be read."""
    if not sums.exists():
        return not required and not any(sums.parent.glob("part-*.json"))
    try:
        recorded = json.loads(sums.read_text())
        if not isinstance(recorded, dict):
            raise ValueError("not a checksum record")
    except (ValueError, UnicodeDecodeError) as e:
        raise DamagedChecksum(sums, e) from None
    if digest is not None and recorded.get("digest", digest) != digest:
        return False
    if _sha256(part) != recorded.get("part"):
        return False
    return not recorded.get("timeseries") or (ts.exists() and _sha256(ts) == recorded["timeseries"])


def _write_json(path: Path, data: dict) -> None:
    write_atomic(path, json.dumps(data, indent=2, default=str))


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


@contextmanager
def one_writer(out: Path):
    """``io.folders.one_writer`` for a sweep's ``--out``: a second sweep into the same folder is
    refused in one line instead of overwriting the first's batches."""
    held = ExitStack()
    try:  # only taking the lock is this function's to explain: errors of the sweep itself pass through
        held.enter_context(folders.one_writer(out))
    except folders.Busy:
        raise SweepError(f"--out {out}: another innovation-sim command is writing there now; wait for it, "
                         f"or choose another folder") from None
    except OSError as e:
        raise SweepError(f"--out {out}: cannot write there ({os_reason(e)}); nothing was written") from None
    with held:
        yield


def run_sweep(exp: Experiment, out: Path, workers: int | None = None, scheduler: str | None = None,
              resume: bool = False, progress: bool | None = None, in_flight: int | None = None,
              stats: dict | None = None, client=None) -> Path:
    """Run every missing batch of ``exp`` into ``out`` (one sweep at a time: ``one_writer``). Returns ``out``."""
    with one_writer(out):
        return _run_sweep(exp, out, workers, scheduler, resume, progress, in_flight, stats, client)


def _run_sweep(exp: Experiment, out: Path, workers: int | None = None, scheduler: str | None = None,
               resume: bool = False, progress: bool | None = None, in_flight: int | None = None,
               stats: dict | None = None, client=None) -> Path:
    """Run every missing batch of ``exp`` into ``out``. Returns ``out``.

    ``client``, if given, is an open Dask client to use and leave open (see ``cluster``: several
    sweeps in a row); otherwise one is made for ``scheduler``, or for a local cluster of ``workers``.

    ``stats``, if given, receives: workers, wall (seconds from the first submission to the last
    result), compute (seconds spent inside run_batch on the workers), runs (done now), kept (runs
    kept from before), failed (runs now and kept whose row has an error), damaged (batches found
    damaged and run again), repaired (files other than batches found damaged and written again),
    refreshed (copies of the experiment differing from the file given only in name or description, replaced).
    """
    store = Store(out, exp)
    todo, fresh = store.check(resume)
    total = exp.n_runs
    done_runs = total - sum(len(store.batch_runs(b)) for b in todo)
    counts = {"runs": 0, "kept": done_runs, "failed": store.kept_failed, "damaged": len(store.damaged),
              "repaired": store.repaired, "refreshed": store.refreshed, "set_aside": store.set_aside}
    if stats is not None:
        stats.update(workers=0, wall=0.0, compute=0.0, **counts)
    if not todo:
        return out
    from dask.distributed import Client, KilledWorker, as_completed  # slow to import: see above

    local = None
    bar = None
    own = client is None  # a client given by the caller stays open
    stopping = True  # until the sweep has finished: an interrupt or error on its way out
    try:
        if own and scheduler:
            client = connect(scheduler)
        elif own:
            n = workers or os.cpu_count() or 1
            configure_local_workers()
            local = _local_cluster(n)
            client = Client(local)
            client.run(_quiet_worker)
        if fresh:  # only now that the cluster answers: a sweep that cannot start leaves nothing
            store.create()
        bar = progress_bar(total=total, initial=done_runs, unit="run", desc=exp.name,
                   disable=None if progress is None else not progress, smoothing=0.05)
        with ExitStack() as stack:
            # A lost scheduler is reported in one line below, not also by the client's logs (all of
            # Dask's, for a remote one: a local cluster's own scheduler and nannies may still warn).
            stack.enter_context(quiet_client_logs(CLIENT_LOGS if client.cluster is None else ("distributed.client",)))
            if own:
                stack.enter_context(_using(client))
            if scheduler and own:  # a client given by the caller (a calibration's) is watched by its cluster()
                stack.enter_context(_warn_without_workers(client, scheduler))
            with _as_lost(out, store, client):
                n_workers = max(1, len(client.scheduler_info().get("workers", {})) or (workers or 1))
                # The experiment as a task, not scattered data: if the workers holding it die, the
                # scheduler computes it again instead of cancelling every batch that needs it.
                exp_future = client.submit(_hold, exp, pure=False)
            limit = in_flight or 2 * n_workers  # bounded: the driver holds at most this many batches
            queue = list(todo)
            futures = as_completed()
            t0, compute, n_done = time.perf_counter(), 0.0, 0
            for _ in range(min(limit, len(queue))):
                b = queue.pop(0)
                with _as_lost(out, store, client):
                    futures.add(client.submit(_task, exp_future, b, store.batch_runs(b), pure=False))
            for fut in futures:
                with _as_lost(out, store, client):
                    b, rows, series, elapsed = fut.result()
                compute += elapsed
                n_done += len(rows)
                counts["runs"] += len(rows)
                counts["failed"] += sum(r.get("error") is not None for r in rows)
                store.write(b, rows, series)
                bar.update(len(rows))
                with _as_lost(out, store, client):
                    fut.release()
                    if queue:
                        nb = queue.pop(0)
                        futures.add(client.submit(_task, exp_future, nb, store.batch_runs(nb), pure=False))
            if stats is not None:
                stats.update(workers=n_workers, wall=time.perf_counter() - t0, compute=compute, **counts)
        stopping = False
    finally:
        if bar is not None:
            bar.close()
        if stats is not None:
            stats.update(**counts)  # also when interrupted or stopped by a failed write
        if local is not None:
            _close(local, stopping)
    return out


def _close(local, stopping: bool = False) -> None:
    """Stop a local cluster, best effort: workers that hang (stopped, swapping) must not replace the
    command's one-line message with a shutdown traceback; their processes die with this one.
    ``stopping`` (an interrupt or an error on its way out): the cluster's loggers are silenced, and
    stay so for the rest of the process (the command ends; a script that goes on after an error
    gets Dask's warnings back only by setting their levels): a worker ended by SIGTERM, its nanny
    (in this process) logs the cancelled call that would unregister it as the scheduler closes, a
    traceback over the one-line message (a CI failure; 1 in 30 interrupted sweeps under load)."""
    if stopping:
        for name in CLIENT_LOGS:
            logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        local.close(timeout=10)
    except (TimeoutError, OSError, RuntimeError):
        pass


def _hold(exp: Experiment) -> Experiment:
    return exp


CONNECT_DEADLINE_S = 25  # Client's own timeout (10 s) and its retries, then: not a Dask scheduler
NO_WORKERS_NOTE_S = 10  # how often a sweep on a given scheduler looks for workers left


@contextmanager
def _warn_without_workers(client, scheduler: str):
    """A sweep on a given scheduler whose workers all died waited for ever under a frozen bar (review,
    session 28): said once, in a line above the bar, when no worker is left, and again if they come and go."""
    from tqdm import tqdm

    stop = threading.Event()
    had = bool(client.scheduler_info().get("workers"))  # none at the start: connect() said "no workers yet"

    def watch() -> None:
        said, before = not had, not had
        while not stop.wait(NO_WORKERS_NOTE_S):
            try:  # asked of the scheduler now, not the client's cache, which a lost scheduler empties too
                none = client.status == "running" and not client.sync(client.scheduler.identity).get("workers")
            except Exception:  # a lost scheduler is said by the sweep itself; a passing failure: look again
                continue
            none, before = none and before, none  # two looks in a row: not a worker restarting
            if none and not said and client.status == "running":
                tqdm.write(f"innovation-sim: note: --scheduler {scheduler} has no workers left; the runs wait until "
                           f"some join (dask worker {scheduler}), or Ctrl-C keeps the finished batches",
                           file=sys.stderr)
            said = none

    t = threading.Thread(target=watch, name="innovation-sim-workers", daemon=True)
    t.start()
    try:
        yield
    finally:
        stop.set()


def connect(scheduler: str):
    """A Dask client of the scheduler at this address, or a one-line SweepError."""
    from dask.distributed import Client  # slow to import: see configure_local_workers

    # In a thread with a deadline of its own: an address that answers but is no Dask scheduler (the
    # dashboard's web port, 8787 for 8786; any web server) held Client() past its own timeout for good,
    # or failed deep in the protocol with a traceback (review, session 28).
    made: dict = {}

    def start() -> None:
        try:
            made["client"] = Client(scheduler, timeout="10s")
        except BaseException as e:  # said below, in one line
            made["error"] = e

    t = threading.Thread(target=start, name="innovation-sim-connect", daemon=True)
    t.start()
    t.join(CONNECT_DEADLINE_S)
    if t.is_alive():
        raise SweepError(f"--scheduler {scheduler}: no Dask scheduler answered within {CONNECT_DEADLINE_S} s "
                         f"(something else listens there? a scheduler's own port is 8786 by default, its dashboard's "
                         f"8787)")
    e = made.get("error")
    if isinstance(e, (OSError, TimeoutError)):
        raise SweepError(f"--scheduler {scheduler}: cannot connect ({e})") from None
    if e is not None:
        if isinstance(e, KeyboardInterrupt):
            raise e
        raise SweepError(f"--scheduler {scheduler}: cannot connect (what answers there is not a Dask scheduler: "
                         f"{type(e).__name__})") from None
    client = made["client"]
    try:
        if not client.scheduler_info().get("workers"):  # the work would wait, silently, for workers to join
            print(f"innovation-sim: note: --scheduler {scheduler} has no workers yet; the runs wait until some "
                  f"join (start them with: dask worker {scheduler})", file=sys.stderr, flush=True)
    except (OSError, TimeoutError):
        pass
    return client


@contextmanager
def cluster(workers: int | None = None, scheduler: str | None = None):
    """An open Dask client for several sweeps in a row (the generations of a calibration): of the
    scheduler at ``scheduler``, or of a local cluster of ``workers`` processes (default: every core).
    The cluster is started and the client opened once rather than once per sweep (about 2 s and
    0.5 s each); both are closed when the block ends."""
    if scheduler:
        with _using(connect(scheduler)) as client, _warn_without_workers(client, scheduler):
            yield client
        return
    from dask.distributed import Client

    configure_local_workers()
    local = _local_cluster(workers or os.cpu_count() or 1)
    stopping = True
    try:
        with Client(local) as client:
            client.run(_quiet_worker)
            yield client
        stopping = False
    finally:
        _close(local, stopping)


def _quiet_worker() -> None:
    """On the local cluster's workers: a batch cancelled because the sweep stops (Ctrl-C, a failed
    write) is expected, not a warning to print over the command's own one-line message; nor is a
    worker losing the scheduler as the cluster shuts down (a heartbeat or a data transfer cut off,
    logged as errors, seen under load). A real failure reaches this process as the batch's error or
    a lost worker, and is reported there in one line."""
    logging.getLogger("distributed.worker.state_machine").setLevel(logging.ERROR)
    logging.getLogger("distributed.worker").setLevel(logging.CRITICAL)
    logging.getLogger("distributed.batched").setLevel(logging.WARNING)


# Run first in each worker process: Ctrl-C reaches the whole process group, and the workers would
# print tracebacks of their own; this process stops them instead (text of a module, see
# distributed.preloading): for a worker started again later, since _WORKER_SITE acts only at start.
_WORKER_IGNORES_CTRL_C = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
# A folder put first on the PYTHONPATH of the workers started with the cluster: its sitecustomize
# ignores Ctrl-C before anything is imported (the preload comes after numpy and Dask).
_WORKER_SITE = Path(__file__).with_name("_worker_site")


def _local_cluster(n: int):
    """A local cluster whose worker processes ignore Ctrl-C from their first instruction. A Ctrl-C or
    SIGTERM while it starts is held until it has (an interrupt inside Dask's start left a half-made
    cluster, closed at exit with tracebacks), then the cluster is closed and the interrupt raised.
    (The workers used to inherit Ctrl-C ignored from this process, which then lost one pressed
    while they started: the sweep ran to the end.)"""
    import threading

    from dask.distributed import LocalCluster

    # A comm of this cluster cut as it closes (an interrupt mid-transfer) is logged at INFO with its
    # traceback, after LocalCluster has put back the log levels it lowered while it ran: in about
    # 1 of 8 interrupted sweeps, 11 lines of CommClosedError over the command's one-line message.
    logging.getLogger("distributed.batched").setLevel(logging.WARNING)
    pressed: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM) if threading.current_thread() is threading.main_thread() else ()
    handlers = {sig: signal.signal(sig, lambda signum, frame: pressed.append(signum)) for sig in held}
    path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(_WORKER_SITE), path) if p)
    try:
        # The scheduler's HTTP routes on a free loopback port: with the default (8787, taken by any
        # other sweep on the machine) Dask warns on stderr, over the command's own one-line messages.
        local = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0",
                             host="127.0.0.1", preload=[_WORKER_IGNORES_CTRL_C])
    except Exception:
        if not pressed:
            raise
        local = None  # workers ended by the same signal: the interrupt, not Dask's complaint
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        if path is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = path
    if pressed:
        if local is not None:
            _close(local, stopping=True)
        # delivered to the handler it was held from (the command's says which signal: 130 or 143)
        signal.raise_signal(pressed[0])
        raise KeyboardInterrupt  # a handler that did not raise (ignored, or a second Ctrl-C) still stops here
    return local


def read_sweep(folder: Path) -> tuple[SweepManifest, pd.DataFrame]:
    """(the manifest, every run row in run order) of a finished sweep folder: what every command
    that reads a sweep's results uses. Each part is checked against its checksums and each run must
    appear exactly once, so damaged or incomplete results are refused, never analysed."""
    folder = Path(folder)
    mf = read_manifest(folder)
    if mf.runs < 1:
        raise SweepError(f"{folder / '_manifest.json'}: runs: {mf.runs} (allowed: 1 or more; damaged or edited); "
                         f"{manifest_fix(folder)}")
    tables, where = [], {}  # run -> the part holding it
    for part in sorted(folder.glob("part-*.parquet")):
        sums = folder / "_checksums" / f"{part.stem}.json"
        try:
            whole = matches_checksums(part, folder / "_timeseries" / part.name, sums, mf.digest, mf.checksums)
            table = pq.read_table(part) if whole else None
        except DamagedChecksum as e:  # the record, not the batch: name the file that is damaged
            raise SweepError(f"{e}; {resume_fix(folder)}") from None
        except Exception as e:  # unreadable in any way
            raise SweepError(f"{part}: cannot read it ({why_unreadable(e, 'Parquet file')}); "
                             f"{resume_fix(folder)}") from None
        if not whole:
            raise SweepError(f"{part}: does not match its checksum in _checksums/ (damaged, replaced, copied from "
                             f"another sweep or its checksum lost); "
                             f"{resume_fix(folder)}")
        if "run" not in table.column_names:
            raise SweepError(f"{part}: has no 'run' column (not a part of this sweep); {resume_fix(folder)}")
        for run in table.column("run").to_pylist():
            if run in where or not (isinstance(run, int) and 0 <= run < mf.runs):
                again = f"also in {where[run].name}" if run in where else f"not a run of this sweep of {mf.runs}"
                raise SweepError(f"{part}: holds run {run} ({again}); {resume_fix(folder)}")
            where[run] = part
        tables.append(table)
    if len(where) < mf.runs:
        raise SweepUnfinished(f"{folder}: {len(where)} of {mf.runs} runs done; finish first with `innovation-sim "
                         f"{'robust' if mf.method == 'exploratory' else 'sweep'} EXPERIMENT --out {folder} --resume` "
                         f"(EXPERIMENT: the file that started it; a copy is {folder / '_experiment.toml'})")
    try:
        df = pa.concat_tables(tables).to_pandas()
    except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
        raise SweepError(f"{folder}: its parts have different columns ({str(e).splitlines()[0]}); "
                         f"{resume_fix(folder)}") from None
    problem = _manifest_problem(mf, df)
    if problem:
        raise SweepError(f"{folder / '_manifest.json'}: {problem} (damaged or edited); {manifest_fix(folder)}")
    return mf, df.sort_values("run").reset_index(drop=True)


def _manifest_problem(mf: SweepManifest, runs: pd.DataFrame) -> str | None:
    """What in a sweep's manifest its runs contradict (the keys robust and discover read), or None."""
    columns = set(runs.columns)
    for key in ("parameters", "switches", "levers"):
        missing = [n for n in getattr(mf, key) if n not in columns]
        if missing:
            return f"{key}: {missing[0]!r} is not a column of the runs"
    for name, spec in mf.outcome_specs.items():
        if name not in columns:
            return f"outcome_specs: {name!r} is not a column of the runs"
        direction, threshold = spec.get("direction"), spec.get("threshold")
        if direction is not None and direction not in DIRECTIONS:
            return f"outcome_specs.{name}.direction: {direction!r} (allowed: {', '.join(DIRECTIONS)})"
        finite = isinstance(threshold, (int, float)) and not isinstance(threshold, bool) and np.isfinite(threshold)
        if threshold is not None and not finite:
            return f"outcome_specs.{name}.threshold: {threshold!r} is not a number"
    points = int(runs["point"].max()) + 1 if "point" in columns and len(runs) else 0
    if mf.points is not None and "point" in columns and mf.points != points:
        return f"points: {mf.points}, but the runs have {points}"
    if mf.method != "exploratory":
        return None
    if mf.futures < 1 or points % mf.futures:
        return f"futures: {mf.futures} does not divide the sweep's {points} design points into policies"
    # Each policy sets every lever one way; each future is the same for every policy.
    for what, names, group in (("policy", mf.levers, runs["point"] // mf.futures),
                               ("future", mf.uncertainties, runs["point"] % mf.futures)):
        names = [n for n in names if n in columns]
        mixed = runs.groupby(group)[names].nunique(dropna=False).gt(1).any() if names else pd.Series(dtype=bool)
        if mixed.any():
            return f"futures: {mf.futures} does not match the runs ({mixed.idxmax()} varies within a {what})"
    return None


def read_runs(folder: Path) -> pd.DataFrame:
    """Every run row of a finished sweep folder, in run order (checked: see read_sweep)."""
    return read_sweep(folder)[1]


def read_design(folder: Path) -> pd.DataFrame:
    """The sweep's design points (_design.parquet), in point order."""
    path = Path(folder) / "_design.parquet"
    try:
        return pd.read_parquet(path).sort_values("point")
    except Exception as e:  # unreadable in any way
        raise SweepError(f"{path}: cannot read the design ({why_unreadable(e, 'Parquet file')}); "
                         f"{resume_fix(folder, 'writes it again')}") from None


def remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def timing_summary(start: float, n: int) -> str:
    dt = time.perf_counter() - start
    return f"{n} runs in {dt:.1f} s ({n / dt:.1f} runs/s)" if dt > 0 else f"{n} runs"


def resume_summary(start: float, stats: dict) -> str:
    """What a sweep did: runs done now (and how fast), runs kept, damaged batches re-run, failed runs."""
    out = timing_summary(start, stats["runs"]) + " now" if stats["runs"] else "no runs needed now"
    if stats["kept"]:
        out += f", {stats['kept']} kept from before"
    if stats["damaged"]:
        out += f" ({counted(stats['damaged'], 'damaged batch', 'damaged batches')} found and run again)"
    if stats.get("repaired"):
        out += f" ({', '.join(stats['repaired'])} was damaged or missing and written again)"
    if stats.get("refreshed"):
        out += (f" ({', '.join(stats['refreshed'])} differed from the file given only in its name or description, "
                f"and was replaced by it)")
    if stats.get("set_aside"):
        out += f" ({', '.join(stats['set_aside'])}: no batch of this sweep, moved to _stray/)"
    return out + f"; {counted(stats['failed'], 'run')} failed" + (" (see the 'error' column)" if stats["failed"] else "")
