"""What every output folder records about the program that wrote it (issue 16: provenance).

``manifest.json`` in a run folder or validation report (and the "provenance" entry of a sweep's
``_manifest.json``, whose leading underscore keeps Parquet readers away from it) records:
the project's version; the code (git commit, whether the tree was dirty, and the SHA-256 of every
source file of the package, which identifies the code even without git); Python and the versions
of the packages the results depend on; the SHA-256 of every input file (each file of a scenario's
``extends`` chain, the experiment file, and the resolved scenario after ``extends``); the master
seed and how run seeds derive from it (``numpy.random.SeedSequence`` entropy and spawn keys); and
the command, so ``innovation-sim reproduce DIR`` can run it again.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from .jsonfile import JsonFileError, Shape, load

PACKAGE = Path(__file__).resolve().parents[1]  # model/
ROOT = PACKAGE.parent  # the source tree (a git checkout, when there is one)
MANIFEST = "manifest.json"
FORMAT = 1
# Packages whose version can change a number, a Parquet file or a figure.
PACKAGES = ("numpy", "scipy", "pandas", "mesa", "networkx", "pydantic", "matplotlib", "seaborn", "pyarrow",
            "SALib", "dask", "distributed", "ema_workbench", "scikit-learn", "tomli-w", "tqdm")
SPAWN_KEYS_LISTED = 1_000  # above this many runs the spawn keys are described, not listed


def version() -> str:
    """The installed innovation-sim version, or "unknown"."""
    try:
        return importlib.metadata.version("innovation-sim")
    except Exception:  # running from a source tree that is not installed
        return "unknown"


def _release(text: object) -> tuple[int, ...] | None:
    """The numbers of a version ("1.2.0rc1" -> (1, 2)), trailing zeros dropped; None if it has none."""
    m = re.match(r"\s*v?(\d+(?:\.\d+)*)", text) if isinstance(text, str) else None
    if m is None:
        return None
    parts = [int(x) for x in m.group(1).split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


_NOTED: set[Path] = set()  # folders already warned about in this process


def warn_if_newer(folder: Path, made_by: object) -> None:
    """One line on stderr if ``folder`` was made by a newer innovation-sim than this one: it may hold
    settings or files this version does not know, but reading it is still useful, so it is read.
    Once per folder (and the folders inside it, a calibration's generations) in a process."""
    was, now = _release(made_by), _release(version())
    if was is None or now is None or was <= now:
        return
    where = Path(folder).resolve()
    if where in _NOTED or any(p in _NOTED for p in where.parents):
        return
    _NOTED.add(where)
    print(f"innovation-sim: warning: {folder}: made by innovation-sim {made_by}, newer than this one ({version()}); "
          f"anything it added is not understood here; to be sure, read it with innovation-sim {made_by}",
          file=sys.stderr, flush=True)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sha256_json(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _sources_digest(root: Path) -> str:
    """SHA-256 over every source file under ``root`` (its path in the package and its bytes), in path order."""
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.py")):
        h.update(p.relative_to(PACKAGE).as_posix().encode() + b"\0")
        h.update(p.read_bytes() + b"\0")
    return h.hexdigest()


def code_digest() -> str:
    """SHA-256 over every source file of the package (path and bytes), in path order."""
    return _sources_digest(PACKAGE)


@functools.cache  # the rules this process imported: a workshop saves after every change
def model_digest() -> str:
    """SHA-256 (16 hex digits) over the model's rules, the source files of model/core: what decides
    a run's numbers (the command line, app and docs can change without changing them)."""
    return _sources_digest(PACKAGE / "core")[:16]


def code() -> dict:
    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain") if commit else None
    return {"git_commit": commit.strip() if commit else None,
            "git_dirty": bool(status.strip()) if status is not None else None,
            "sha256": code_digest()}


def packages() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out


def environment() -> dict:
    """The project, code, Python and packages: what must match for a byte-identical re-run."""
    return {"project": {"name": "innovation-sim", "version": version()}, "code": code(),
            "python": {"version": platform.python_version(), "implementation": platform.python_implementation(),
                       "platform": platform.platform()},
            "packages": packages()}


def file_entry(path: Path, role: str) -> dict:
    path = Path(path)
    return {"role": role, "path": str(path.resolve()), "sha256": sha256_file(path)}


def scenario_inputs(scenario, role: str = "scenario") -> list[dict]:
    """Every file of a scenario's ``extends`` chain, then the resolved scenario (after ``extends``)."""
    from .scenario import extends_chain  # io: same layer
    out = [file_entry(p, f"{role} (extends chain)" if i < n - 1 else role)
           for chain in [extends_chain(scenario.path)] if scenario.path is not None
           for n in [len(chain)] for i, p in enumerate(chain)]
    if scenario.posterior is not None:  # the draws' source: a changed posterior changes the runs
        out.append(file_entry(scenario.posterior, f"{role} posterior"))
    out.append(resolved_entry(scenario, role))
    return out


def resolved_role(role: str = "scenario") -> str:
    return f"{role} resolved (after extends)"


def resolved_entry(scenario, role: str = "scenario") -> dict:
    """The input entry of a scenario's resolved settings (after ``extends``): what a run re-runs from."""
    return {"role": resolved_role(role), "path": None, "sha256": sha256_json(scenario.identity())}


def experiment_inputs(exp) -> list[dict]:
    return [file_entry(exp.path, "experiment"), *scenario_inputs(exp.scenario)]


def spawned_seeds(seed: int, n: int, key, how: str) -> dict:
    """The master seed, the entropy of its SeedSequence and the spawn key ``key(i)`` of each run i
    (listed up to SPAWN_KEYS_LISTED runs, else the first, the last and the count)."""
    listed: list | dict = ([list(key(i)) for i in range(n)] if n <= SPAWN_KEYS_LISTED
                           else {"first": list(key(0)), "last": list(key(n - 1)), "count": n})
    return {"master_seed": seed, "entropy": str(np.random.SeedSequence(seed).entropy), "spawn_keys": listed, "how": how}


def calibration_seeds(seed: int) -> dict:
    """The seeds of `innovation-sim calibrate` (model/experiments/abc.py): every draw and run derives
    from the calibration's seed alone."""
    return {"master_seed": seed, "entropy": str(np.random.SeedSequence(seed).entropy),
            "how": "generation g is a sweep whose master seed derives from (seed, g); its proposals, and the "
                   "predictive runs, from their own keys of the same seed (model/experiments/abc.py)"}


def replicate_seeds(seed: int, replicates: int) -> dict:
    """The seeds of `innovation-sim run` (model.experiments.runner.replicate_seeds)."""
    return spawned_seeds(seed, replicates, lambda k: (k,),
                         "replicate k: SeedSequence(master_seed).spawn(replicates)[k] (spawn key (k,)), "
                         "seed = its generate_state(1, uint64)[0]")


def sweep_seeds(exp) -> dict:
    """The seeds of a sweep (Experiment.run_seed, whose spawn keys are Experiment.spawn_key)."""
    if exp.method == "exploratory":
        how = ("run of future f, replicate r (every policy alike): SeedSequence(master_seed, spawn_key=(f, r)), "
               "seed = its generate_state(1, uint64)[0] >> 1")
    elif exp.common_random_numbers:
        how = ("run i, replicate r = i mod replicates (every design point alike): SeedSequence(master_seed, "
               "spawn_key=(r,)), seed = its generate_state(1, uint64)[0]")
    else:
        how = "run i: SeedSequence(master_seed, spawn_key=(i,)), seed = its generate_state(1, uint64)[0]"
    return spawned_seeds(exp.seed, exp.n_runs, exp.spawn_key, how)


def build(command: dict, inputs: list[dict], seeds: dict) -> dict:
    return {"format": FORMAT, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **environment(),
            "inputs": inputs, "seeds": seeds, "command": command, "argv": sys.argv[1:]}


def dumps(manifest: dict) -> str:
    """JSON, indented, with each short list of numbers (a spawn key) on one line."""
    text = json.dumps(manifest, indent=2, default=str)
    return re.sub(r"\[\s+(-?\d+(?:,\s+-?\d+)*)\s+\]", lambda m: "[" + re.sub(r",\s+", ", ", m.group(1)) + "]", text)


def write(folder: Path, manifest: dict) -> Path:
    path = Path(folder) / MANIFEST
    path.write_text(dumps(manifest) + "\n")
    return path


def add_confirm(folder: Path, seed: int, runs: int) -> bool:
    """Record a calibration's second predictive set (`calibrate --confirm SEED`, N runs) in its
    manifest's command, once, so `reproduce` re-runs it after the fit. False if the manifest is
    missing (written before provenance was recorded), damaged or cannot be written: the set itself
    is complete either way."""
    path = Path(folder) / MANIFEST
    try:
        data = json.loads(path.read_text())
        sets = data["command"].setdefault("confirm", [])
        if [seed, runs] not in sets:
            sets.append([seed, runs])
            write(folder, data)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False
    return True


class ManifestError(ValueError):
    """A folder without a readable manifest; one line."""


class Command(Shape):
    name: str
    seed: int | None = None
    replicates: int | None = None
    figures: bool = True
    experiment: str | None = None
    quick: bool = False
    ablation: bool = False
    only: list[int] | None = None
    predictive: int | None = None


class Code(Shape):
    sha256: str | None = None
    git_commit: str | None = None
    git_dirty: bool | None = None


class Python(Shape):
    version: str | None = None


class Input(Shape):
    path: str | None = None
    sha256: str


class Provenance(Shape):
    """What ``build`` writes: the keys reproduce reads back, each checked."""
    command: Command | None = None  # None: written before provenance was recorded
    code: Code = Code()
    python: Python = Python()
    packages: dict[str, str] = {}
    inputs: list[Input] = []


class SweepProvenance(Shape):
    """A sweep's _manifest.json, as far as provenance goes (model/experiments/sweep.py checks the rest)."""
    provenance: Provenance | None = None


def read(folder: Path) -> dict:
    """A folder's manifest: manifest.json, or the provenance of a sweep's _manifest.json; every key
    reproduce uses is checked (a one-line ManifestError names the file and key)."""
    folder = Path(folder)
    for name, model in ((MANIFEST, Provenance), ("_manifest.json", SweepProvenance)):
        p = folder / name
        if p.is_file():
            try:
                data = load(p, model, "cannot reproduce (the manifest is damaged: restore it from a copy)")
            except JsonFileError as e:
                raise ManifestError(str(e)) from None
            prov = data.provenance if isinstance(data, SweepProvenance) else data
            if prov is not None:
                warn_if_newer(folder, (prov.model_dump().get("project") or {}).get("version"))
            if prov is None or prov.command is None:
                raise ManifestError(f"{p}: has no provenance (written before innovation-sim recorded it); "
                                    f"cannot reproduce")
            return prov.model_dump()
    if (folder / MANIFEST).exists():
        raise ManifestError(f"{folder / MANIFEST}: is not a file (a folder?); cannot reproduce (restore it from a copy)")
    raise ManifestError(f"{folder}: no manifest.json (not a run, sweep or validation folder, or written before "
                        f"innovation-sim recorded provenance)")


def differences(recorded: dict, now: dict | None = None) -> list[str]:
    """What differs between the environment recorded and this one (code, Python, packages)."""
    now = now or environment()
    out = []
    rc, nc = recorded.get("code", {}), now["code"]
    if rc.get("sha256") != nc["sha256"]:
        what = (f"commit {str(rc.get('git_commit'))[:12]}{' (dirty)' if rc.get('git_dirty') else ''} -> "
                f"{str(nc['git_commit'])[:12]}{' (dirty)' if nc['git_dirty'] else ''}")
        out.append(f"the code differs ({what}; source hash {str(rc.get('sha256'))[:12]} -> {nc['sha256'][:12]})")
    rp, np_ = recorded.get("python", {}).get("version"), now["python"]["version"]
    if rp != np_:
        out.append(f"Python {rp} -> {np_}")
    rk, nk = recorded.get("packages", {}), now["packages"]
    for name in sorted(set(rk) | set(nk)):
        if rk.get(name) != nk.get(name):
            out.append(f"{name} {rk.get(name, 'not installed')} -> {nk.get(name, 'not installed')}")
    return out


def git(*args: str, root: Path = ROOT) -> str | None:
    """Output of a read-only git command in the source checkout, or None (no git, not a checkout)."""
    try:
        r = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10,
                           env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"})  # read-only: take no index lock
    except (OSError, subprocess.SubprocessError):
        return None
    return r.stdout.strip() if r.returncode == 0 else None


def commit(root: Path = ROOT) -> str:
    """The git commit of the code that runs, "+ uncommitted changes" if the model's files differ
    from it, or "unknown" outside a git checkout."""
    head = git("rev-parse", "HEAD", root=root)
    if not head:
        return "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "model", "scenarios", root=root)
    return head + (" + uncommitted changes" if dirty else "")
