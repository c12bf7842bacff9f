"""`innovation-sim reproduce DIR`: run a folder's command again from its manifest and compare.

The manifest (model/io/manifest.py) says which command wrote the folder, with which inputs, seeds,
code and packages. When the code (its source hash), Python or a package version differs from the
manifest, the outputs cannot be expected to match byte for byte: reproduce refuses, naming what
differs (``anyway=True`` re-runs all the same and reports which files differ). Otherwise it re-runs
the command into a temporary folder and compares every file byte for byte, except the manifest
itself, the run time printed in a validation report and the folders that later commands add to a
finished sweep (``LATER``: the analysis, discovery and robustness results, said as not compared).

What is re-run: a run folder from its own ``scenario.resolved.toml`` (every setting, so the folder
alone suffices); a comparison from its scenario files, a sweep from its experiment file, a
calibration from its calibration file (its clock, ``_timing.json`` and the seconds in summary.json
and generations.csv, aside) and a validation report from the code, each after checking that every
input file still has the hash recorded. A folder inside a calibration (a generation's sweep, the
null model) is refused, naming the calibration to reproduce instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..io import manifest
from ..io.folders import CALIBRATION_MARKER, LOCK_SUFFIX
from ..io.scenario import ScenarioError, load

SKIP = {manifest.MANIFEST, ".innovation-sim-writing", "_timing.json"}  # _timing.json: a calibration's clock
# What a calibration records of the clock: the same fit takes another time.
CLOCK_KEYS = {"wall_seconds", "wall_seconds_this_call"}
# Folders that commands reading a finished folder add to it later: not the re-run command's outputs.
LATER = {"_analysis": "sweep --analyse", "_discover": "discover", "_robust": "robust"}


class ReproduceError(ValueError):
    """A folder that cannot be reproduced; one line."""


# What each command's record in manifest.json holds: key -> (check, what is allowed, required).
_INT = (lambda v: isinstance(v, int) and not isinstance(v, bool), "a whole number")
_BOOL = (lambda v: isinstance(v, bool), "true or false")
_TEXTS = (lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v), "a list of texts")
_FIELDS = {
    "run": {"seed": (*_INT, True), "replicates": (*_INT, True), "figures": (*_BOOL, False)},
    "compare": {"scenarios": (*_TEXTS, True), "seed": (*_INT, True), "replicates": (*_INT, True),
                "steps": (lambda v: v is None or _INT[0](v), "a whole number or null", False),
                "set": (*_TEXTS, False), "figures": (*_BOOL, False)},
    "sweep": {"experiment": (lambda v: isinstance(v, str) and v != "", "the experiment's path", True)},
    "calibrate": {"experiment": (lambda v: isinstance(v, str) and v != "", "the calibration file's path", True),
                  "predictive": (lambda v: v is None or _INT[0](v) and v > 0, "a positive whole number or null",
                                 False),
                  "confirm": (lambda v: isinstance(v, list) and all(
                      isinstance(x, list) and len(x) == 2 and all(_INT[0](y) and y >= 0 for y in x) for x in v),
                      "a list of [seed, runs] pairs", False)},
    "validate": {"quick": (*_BOOL, False), "ablation": (*_BOOL, False),
                 "only": (lambda v: v is None or isinstance(v, list) and all(_INT[0](x) for x in v),
                          "a list of check numbers", False),
                 "replicate": (lambda v: v is None or _INT[0](v) and v >= 0, "a seed or null", False)},
}


def _checked_command(mf: dict, folder: Path) -> dict:
    """The manifest's command record, each key of the type its command writes (ReproduceError naming it)."""
    c = mf.get("command")
    name = c.get("name") if isinstance(c, dict) else None
    if name not in _FIELDS:
        raise ReproduceError(f"{folder}: manifest.json: command.name: {name!r} is not a command reproduce re-runs "
                             f"(allowed: {', '.join(_FIELDS)})")
    for key, (ok, allowed, required) in _FIELDS[name].items():
        if key not in c:
            if required:
                raise ReproduceError(f"{folder}: manifest.json: command.{key}: missing (allowed: {allowed})")
        elif not ok(c[key]):
            shown = json.dumps(c[key], default=str)
            raise ReproduceError(f"{folder}: manifest.json: command.{key}: {shown[:80]} is not {allowed}")
    recorded = (mf.get("seeds") or {}).get("master_seed") if isinstance(mf.get("seeds"), dict) else None
    if c.get("seed") is not None and recorded is not None and recorded != c["seed"]:  # one was edited by hand
        raise ReproduceError(f"{folder}: manifest.json: command.seed {c['seed']} and seeds.master_seed {recorded} "
                             f"disagree (edited since?); restore the manifest from a copy")
    return c


def command_argv(mf: dict, folder: Path, out: Path) -> list[str]:
    """The innovation-sim arguments that re-run the folder's command into ``out``."""
    c = _checked_command(mf, folder)
    if c["name"] == "run":
        argv = ["run", str(folder / "scenario.resolved.toml"), "--seed", str(c["seed"]),
                "--replicates", str(c["replicates"]), "--out", str(out)]
        return argv + ([] if c.get("figures", True) else ["--no-figures"])
    if c["name"] == "compare":  # each scenario from its file, checked against the recorded hashes
        argv = ["compare", *c["scenarios"], "--seed", str(c["seed"]), "--replicates", str(c["replicates"]),
                *(["--steps", str(c["steps"])] if c.get("steps") is not None else []),
                *[x for item in c.get("set", []) for x in ("--set", item)], "--out", str(out)]
        return argv + ([] if c.get("figures", True) else ["--no-figures"])
    if c["name"] == "sweep":
        return ["sweep", c["experiment"], "--out", str(out)]
    if c["name"] == "calibrate":
        return ["calibrate", c["experiment"], "--out", str(out)] + (
            ["--predictive", str(c["predictive"])] if c.get("predictive") else [])
    if c["name"] == "validate":
        return ["validate", "--out", str(out)] + (["--quick"] if c.get("quick") else []) + (
            ["--ablation"] if c.get("ablation") else []) + (
            ["--only", *map(str, c["only"])] if c.get("only") else []) + (
            ["--replicate", str(c["replicate"])] if c.get("replicate") is not None else [])
    raise AssertionError(c["name"])  # _checked_command admits only the commands above


def follow_up_argv(mf: dict, folder: Path, out: Path) -> list[list[str]]:
    """Commands run on ``out`` after the first: a calibration's second predictive sets (--confirm)."""
    c = _checked_command(mf, folder)
    if c["name"] != "calibrate":
        return []
    return [["calibrate", c["experiment"], "--out", str(out), "--confirm", str(seed), "--predictive", str(runs)]
            for seed, runs in c.get("confirm") or []]


def changed_inputs(mf: dict) -> list[str]:
    """Input files that are missing or whose SHA-256 differs from the manifest's."""
    out = []
    for entry in mf.get("inputs", []):
        path = entry.get("path")
        if not path:
            continue
        p = Path(path)
        if not p.is_file():
            out.append(f"{path} is missing")
        elif manifest.sha256_file(p) != entry["sha256"]:
            out.append(f"{path} changed (sha256 {entry['sha256'][:12]} -> {manifest.sha256_file(p)[:12]})")
    return out


def _normalised(path: Path) -> bytes:
    """A file's bytes, without what legitimately differs between two runs of the same command."""
    data = path.read_bytes()
    try:
        if path.name == "_manifest.json":  # a sweep's: its provenance records when and where
            d = json.loads(data)
            if isinstance(d, dict):
                d.pop("provenance", None)
            return json.dumps(d, sort_keys=True).encode()
        if path.name == "summary.json" and (path.parent / CALIBRATION_MARKER).exists():
            return json.dumps(_without_clock(json.loads(data)), sort_keys=True).encode()
    except ValueError:  # damaged: compared as it is, so it is reported as differing (not a traceback)
        return data
    if path.name == "generations.csv" and (path.parent / CALIBRATION_MARKER).exists():
        table = [line.split(b",") for line in data.splitlines()]
        clock = table[0].index(b"wall_seconds") if table and b"wall_seconds" in table[0] else None
        return b"\n".join(b",".join(c for k, c in enumerate(row) if k != clock) for row in table)
    if path.name == "validation.md":  # the report prints how long the checks took
        return re.sub(rb"; \d+ s\. Reproduce", b"; (time) s. Reproduce", data)
    return data


def _without_clock(d):
    if isinstance(d, dict):
        return {k: _without_clock(v) for k, v in d.items() if k not in CLOCK_KEYS}
    return [_without_clock(v) for v in d] if isinstance(d, list) else d


def _calibration_part(folder: Path) -> None:
    """Refuse a folder inside a calibration (a generation, the null model, predictive runs), naming the
    calibration to reproduce instead, and a calibration written before calibrate recorded provenance."""
    root = folder.resolve()
    while (root.parent / CALIBRATION_MARKER).exists():
        root = root.parent
    if root != folder.resolve():
        raise ReproduceError(f"{folder}: part of the calibration in {root}; reproduce that: "
                             f"innovation-sim reproduce {root}")
    if (folder / CALIBRATION_MARKER).exists() and not (folder / "summary.json").exists():
        raise ReproduceError(f"{folder}: an unfinished calibration (interrupted, or still running); finish it first "
                             f"with `innovation-sim calibrate EXPERIMENT --out {folder} --resume` (EXPERIMENT: the "
                             f"calibration file that started it), then reproduce it")
    if (folder / CALIBRATION_MARKER).exists() and not (folder / manifest.MANIFEST).exists():
        raise ReproduceError(f"{folder}: a calibration written before calibrate recorded provenance (no "
                             f"manifest.json); run it again with `innovation-sim calibrate EXPERIMENT --out "
                             f"ANOTHER` and compare particles.parquet")


def _copy_here(mf: dict, folder: Path) -> str:
    """', e.g. DIR/_experiment.toml, which holds it' when a missing input's recorded contents are the
    sweep folder's own copy of its experiment."""
    copy = Path(folder) / "_experiment.toml"
    if not copy.is_file():
        return ""
    digest = manifest.sha256_file(copy)
    missing = [e for e in mf.get("inputs", []) if e.get("path") and not Path(e["path"]).is_file()]
    return f", e.g. {copy}, which holds it" if any(e.get("sha256") == digest for e in missing) else ""


def _finished_sweep(folder: Path) -> None:
    """Refuse, before re-running anything, a sweep whose runs are not all done: its re-run would be
    the whole sweep, and every part it had not reached would count as a difference. (A damaged part
    is not refused: the comparison names it.)"""
    from .sweep import SweepError, SweepUnfinished, read_sweep
    try:
        read_sweep(folder)
    except SweepUnfinished as e:
        raise ReproduceError(f"cannot reproduce {e}, then reproduce it") from None
    except SweepError:
        pass


def earlier_predictive(folder: Path, confirmed: list | None = None) -> list[str]:
    """A calibration's folders of posterior predictive runs other than the one its summary.json names
    and those of the second sets its manifest records (``confirmed``: [seed, runs] pairs): an earlier
    --predictive N on the finished calibration, not part of what its manifest re-runs."""
    try:  # the full model's and the null's predictive runs share the size and seed, so the name
        named = (json.loads((Path(folder) / "summary.json").read_text()).get("predictive") or {}).get("folder")
    except (OSError, ValueError, AttributeError):
        named = None
    return [p.relative_to(folder).as_posix() for sub in (Path(folder), Path(folder) / "null")
            if (sub / CALIBRATION_MARKER).exists()
            for p in sorted(sub.glob("predictive-*")) if p.is_dir() and p.name != named
            and not (sub == Path(folder) and p.name in {f"predictive-{s}-{n}" for s, n in confirmed or []})]


def compare(a: Path, b: Path, leave_out: list[str] | None = None) -> tuple[list[str], list[str]]:
    """(files equal, files that differ or exist on one side only), by relative path; ``leave_out``:
    folders (relative to ``a``) not compared."""
    skip = tuple(f"{d}/" for d in leave_out or [])

    def files(root: Path) -> set[str]:
        return {rel for p in root.rglob("*") for rel in [p.relative_to(root).as_posix()]
                if p.is_file() and p.name not in SKIP and not p.name.endswith(LOCK_SUFFIX)
                and p.relative_to(root).parts[0] not in LATER and not rel.startswith(skip)}
    fa, fb = files(a), files(b)
    same, differ = [], []
    for rel in sorted(fa | fb):
        if rel not in fa or rel not in fb:
            differ.append(f"{rel} ({'only in the original' if rel in fa else 'only in the re-run'})")
        elif _normalised(a / rel) == _normalised(b / rel):
            same.append(rel)
        else:
            differ.append(rel)
    return same, differ


def not_compared(folder: Path) -> list[str]:
    """The folders of ``folder`` left out of the comparison, each with the command that wrote it."""
    return [f"{name}/ (written by {by})" for name, by in LATER.items() if (Path(folder) / name).is_dir()]


def _clip(text: str, most: int = 200) -> str:
    """``text`` cut at a word, not in the middle of one."""
    return text if len(text) <= most else text[:most].rsplit(" ", 1)[0] + " ..."


def _resolved_changed(mf: dict, folder: Path) -> list[str]:
    """A run re-runs from its scenario.resolved.toml: that file must still be the scenario the run
    recorded (the hash of its resolved settings), not one edited or cut short since."""
    recorded = [i.get("sha256") for i in mf.get("inputs") or [] if i.get("role") == manifest.resolved_role()]
    if not recorded:  # an older folder: nothing recorded to check against
        return []
    path = folder / "scenario.resolved.toml"
    try:
        now = manifest.resolved_entry(load(path))["sha256"]
    except (ScenarioError, OSError) as e:
        return [f"{path.name} no longer loads ({_clip(str(e).splitlines()[0])})"]
    return [] if now == recorded[0] else [f"{path.name} differs from the scenario the run recorded (edited since?)"]


STOP_GRACE_S = 60  # an interrupted re-run's time to stop its own workers before they are killed
HEARTBEAT_S = 60  # how often a running re-run says it is still running


def _rerun(cmd: list[str]) -> subprocess.CompletedProcess:
    """Run ``cmd`` in a process group of its own. Interrupted (Ctrl-C, or SIGTERM, which the command
    line turns into the same), the re-run is asked to stop as Ctrl-C would ask it, given time to end
    its worker processes, and only then is the group killed: subprocess.run's own clean-up killed
    the re-run after 0.25 s and left its workers running for good."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            cwd=manifest.ROOT, start_new_session=True)
    start = time.monotonic()
    try:
        while True:  # a line a minute, so that an hour's re-run is not a silent terminal
            try:
                _, err = proc.communicate(timeout=HEARTBEAT_S)
                break
            except subprocess.TimeoutExpired:
                minutes = round((time.monotonic() - start) / 60)
                print(f"innovation-sim: reproduce: still re-running ({minutes} min so far; Ctrl-C stops it)",
                      file=sys.stderr, flush=True)
    except BaseException:
        print("innovation-sim: stopping the re-run and its workers ...", file=sys.stderr, flush=True)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.communicate(timeout=STOP_GRACE_S)
        except BaseException:  # too slow, or interrupted again: end the whole group now
            pass
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, None, err)


def reproduce(folder: Path, anyway: bool = False, keep: Path | None = None, echo=print) -> int:
    """Re-run ``folder``'s command and compare. 0: identical; 1: differs; ReproduceError: refused."""
    folder = Path(folder)
    if not folder.exists():
        raise ReproduceError(f"{folder}: no such folder")
    if not folder.is_dir():
        hint = (" (a brief says how to make it again under 'How to reproduce')"
                if folder.suffix.lower() in (".html", ".pdf") else "")
        raise ReproduceError(f"{folder}: is a file, not a results folder{hint}")
    _calibration_part(folder)
    try:
        mf = manifest.read(folder)
    except manifest.ManifestError as e:
        raise ReproduceError(str(e)) from None
    _checked_command(mf, folder)  # a hand-edited record is refused before anything runs
    if mf["command"]["name"] == "sweep":
        _finished_sweep(folder)
    environment = manifest.differences(mf)
    # a run re-runs from the folder's own resolved scenario
    inputs = changed_inputs(mf) if mf["command"]["name"] != "run" else _resolved_changed(mf, folder)
    problems = environment + inputs
    # Fatal only for what the re-run reads: validate lists the shipped scenarios of the checkout that
    # made it, and re-runs with this checkout's, so a report from another clone can still be re-run.
    reads_inputs = mf["command"]["name"] != "validate"
    fatal = [p for p in problems if (reads_inputs and p.endswith(" is missing")) or " no longer loads " in p]
    if fatal:  # --anyway cannot help: the re-run has nothing to start from
        raise ReproduceError(f"cannot reproduce {folder}: " + "; ".join(fatal) + f" (restore it from a copy"
                             f"{_copy_here(mf, folder)})")
    if problems and not anyway:
        use = " and ".join(w for w, yes in (("the recorded code and packages", environment),
                                            ("the recorded inputs", inputs)) if yes)
        raise ReproduceError(f"refusing to reproduce {folder}: " + "; ".join(problems) +
                             f" (outputs could differ for that reason alone; use {use}, "
                             "or add --anyway to re-run and report the differences)")
    for p in problems:
        echo(f"note: {p}")
    work = Path(tempfile.mkdtemp(prefix="innovation-sim-reproduce-"))
    out = work / Path(os.path.abspath(folder)).name  # `reproduce ..`: named after the folder, not ".."
    try:
        argv = command_argv(mf, folder.resolve(), out)
        i = argv.index("--out")
        echo(f"Re-running: innovation-sim {' '.join(argv[:i] + argv[i + 2:])}", flush=True)
        # From the source tree of the code checked above: `-m` looks in the working folder first,
        # which may hold another checkout's model/ (the re-run would then be of other code).
        r = _rerun([sys.executable, "-m", "model.cli", *argv])
        ok_codes = (0, 1) if mf["command"]["name"] == "validate" else (0,)  # validate: 1 = a check failed
        for more in follow_up_argv(mf, folder.resolve(), out):
            if r.returncode not in ok_codes:
                break
            echo(f"Then: innovation-sim {' '.join(more[:2] + more[4:])}", flush=True)
            r = _rerun([sys.executable, "-m", "model.cli", *more])
        if r.returncode not in ok_codes or not out.is_dir():
            last = (r.stderr.strip().splitlines() or ["no message"])[-1]
            raise ReproduceError(f"the re-run of {folder} failed: {last}")
        earlier = earlier_predictive(folder, mf["command"].get("confirm")) if mf["command"]["name"] == "calibrate" \
            else []
        same, differ = compare(folder, out, earlier)
        if not problems:  # the same code and command: what the re-run did not make, the command never made
            extra = [d for d in differ if d.endswith(" (only in the original)")]
            if extra:
                echo("not compared (not made by the command; added to the folder since?): "
                     + ", ".join(d.removesuffix(" (only in the original)") for d in extra[:10])
                     + (" ..." if len(extra) > 10 else ""))
                differ = [d for d in differ if d not in extra]
        left_out = not_compared(folder) + [f"{d}/ (an earlier --predictive)" for d in earlier]
        if left_out:
            echo("not compared: " + ", ".join(left_out))
        if keep is not None:  # checked before the re-run: absent or an empty folder
            shutil.copytree(out, keep, dirs_exist_ok=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if not differ:
        aside = {"validate": ", run time aside", "calibrate": ", timings aside"}.get(mf["command"]["name"], "")
        echo(f"Identical: all {len(same)} output files of {folder} are byte for byte the same "
             f"(manifest.json aside{aside}).")
        return 0
    echo(f"Different: {len(differ)} of {len(same) + len(differ)} files differ: " + ", ".join(differ[:10])
         + (" ..." if len(differ) > 10 else ""))
    return 1
