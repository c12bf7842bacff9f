"""The `innovation-sim` command: run, compare and list what-if scenarios.

Bad input (a malformed scenario, an unknown parameter, an out-of-range value, a value above a
limit, an output folder that cannot be written) prints one line naming the file or option, the
key and what is allowed, and exits with code 2; nothing is written. The output folder is
reserved before any run starts (so two runs never pick the same one, and an unwritable folder is
found at once), results are written inside it to a hidden folder, and moved into place only when
complete.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import math
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import tomllib
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

import pandas as pd
import tomli_w

from .core.lifecycle import PHASE_NAMES
from .core.parameters import REGION_PARAMS, REGISTRY, markdown_table, region_markdown_table
from .experiments.region_run import run_region_ensemble, summarise_region, survey_table
from .experiments.resources import DASK_WORKER, WORKER, ResourceError, plan_workers, results_bytes, worker_bytes
from .experiments.runner import run_ensemble, summarise
from .experiments.validation import CHECKS, FULL, QUICK, Kept, command
from .io import limits, manifest
from .io.experiment import load_experiment
from .io.folders import check_replaceable
from .io.manifest import version
from .io.scenario import SHIPPED as SHIPPED_SCENARIOS
from .io.scenario import Scenario, ScenarioError, load, shipped
from .io.unreadable import os_reason
from .io.words import counted

EXIT_BAD_INPUT = 2
DEFAULT_REPLICATES = 50


class BadInput(Exception):
    pass


def reader_gone() -> int:
    """For output piped into a reader that has gone (`... | head`): the reader has what it wanted,
    which is not an error. The exit code a shell reports for SIGPIPE."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so exit's flush cannot fail again
    except (OSError, ValueError):  # stdout is not a file (captured in a test)
        pass
    return 141


def _parse_sets(items: list[str]) -> dict:
    out = {}
    for item in items or []:
        name, eq, raw = item.partition("=")
        if not eq or not name.strip():
            raise BadInput(f"--set {item}: expected name=value, e.g. --set openness=0.7")
        try:
            value = tomllib.loads(f"v = {raw.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw.strip()
        if name.strip() in out:  # the later one used to win without a word
            raise BadInput(f"--set {name.strip()}: given twice; give each setting once")
        out[name.strip()] = value
    return out


def _replaced_by_set(source: str, own: Scenario, overrides: dict) -> list[str]:
    """What a scenario (``own``: as loaded, before --set) sets itself that a --set replaces
    ("open's own openness = 0.9")."""
    def shown(v):
        return f"{v:g}" if isinstance(v, float) else v
    return [f"{Path(source).stem}'s own {k} = {shown(own.parameters[k])}" for k in overrides
            if k in own.parameters and own.parameters[k] != overrides[k]]


def _overridden(s: Scenario, steps: int | None, overrides: dict) -> Scenario:
    return s.with_overrides(months=steps, parameters=overrides) if steps is not None or overrides else s


def _scenario(source: str, steps: int | None, sets: list[str]) -> Scenario:
    return _overridden(load(source), steps, _parse_sets(sets))


def _out_dir(requested: str | None, default_name: str) -> Path:
    """The output folder, reserved for this command before any run starts (see _claim)."""
    if requested:
        return _claim(Path(requested), given=True)
    return _claim(Path("runs") / f"{_short(default_name)}-{time.strftime('%Y%m%d-%H%M%S')}", given=False)


def _short(name: str, longest: int = 120) -> str:
    """A folder or file name made from scenario names, short enough for any file system (255 bytes)."""
    return name if len(name.encode()) <= longest else name.encode()[:longest].decode(errors="ignore").rstrip("-")


CLAIM = ".innovation-sim-writing"  # marks a folder a command is writing into
_CLAIMS: dict[Path, "_Claim"] = {}  # folders reserved by this process and not yet filled


class _Claim:
    """An output folder reserved for this process: made (or found empty) and marked with CLAIM."""

    def __init__(self, folder: Path, made: bool):
        self.folder, self.made = folder, made

    def release(self) -> None:
        """Nothing written after all: leave the place as it was."""
        _CLAIMS.pop(self.folder, None)
        (self.folder / CLAIM).unlink(missing_ok=True)
        if self.made:
            try:
                self.folder.rmdir()
            except OSError:
                pass


def _reason(e: OSError) -> str:
    return os_reason(e, with_file=True)


def _writable_folder(folder: Path, option: str) -> None:
    """Refuse, before any work, a folder that is a file or cannot be written (an existing folder
    is fine: validate writes its report into docs/)."""
    if folder.exists() and not folder.is_dir():
        raise BadInput(f"{option} {folder}: is a file; give a folder")
    made = [p for p in reversed((folder, *folder.parents)) if not p.exists()]
    try:  # try it: permissions alone do not tell (root, read-only or virtual file systems)
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".{CLAIM}.probe"
        probe.touch()
        probe.unlink()
    except OSError as e:
        raise BadInput(f"{option} {folder}: cannot write there ({_reason(e)}); choose another folder") from None
    finally:  # leave the place as it was; the command makes the folder when it writes
        for p in reversed(made):
            try:
                p.rmdir()
            except OSError:
                break


def _claim(out: Path, given: bool) -> Path:
    """Reserve ``out``: create it (or take it if empty) and mark it, atomically, so that a second
    command cannot take it too. A default name already taken gets a suffix (-2, -3, ...); a folder
    given with --out must be new or empty. A folder that cannot be written is refused now, before
    any run, in one line."""
    for attempt in range(1, 1000):
        folder = out if attempt == 1 else out.with_name(f"{out.name}-{attempt}")
        made = False
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            try:
                folder.mkdir()
                made = True
            except FileExistsError:
                if not folder.is_dir() or any(folder.iterdir()):
                    if given:
                        what = "already exists and is not empty" if folder.is_dir() else "is a file, not a folder"
                        raise BadInput(f"--out {folder}: {what}; choose another folder") from None
                    continue
            try:
                os.close(os.open(folder / CLAIM, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
            except FileExistsError:  # another command took it at the same moment
                if given:
                    raise BadInput(f"--out {folder}: is being written by another command; choose another folder") from None
                continue
        except OSError as e:
            if made:
                folder.rmdir()
            raise BadInput(f"--out {folder}: cannot write there ({_reason(e)}); choose another folder") from None
        _CLAIMS[folder] = _Claim(folder, made)
        return folder
    raise BadInput(f"--out {out}: every name from {out.name} to {out.name}-999 is taken; give --out")


class _Staging:
    """Write into a hidden folder inside the reserved output folder; move the results into place
    only when everything is written. A failure leaves the folder as it was before the command
    (a write that fails, e.g. a full disk, is one line: nothing was written)."""

    def __init__(self, final: Path):
        self.final = final

    def __enter__(self) -> Path:
        self.claim = _CLAIMS.get(self.final) or _CLAIMS.get(_claim(self.final, given=True))
        try:
            self.tmp = Path(tempfile.mkdtemp(prefix=".partial-", dir=self.final))
        except OSError as e:
            self.claim.release()
            raise BadInput(f"--out {self.final}: cannot write there ({_reason(e)}); nothing was written") from None
        return self.tmp

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            try:
                for item in sorted(self.tmp.iterdir()):
                    os.rename(item, self.final / item.name)
                self.tmp.rmdir()
                (self.final / CLAIM).unlink()
                _CLAIMS.pop(self.final, None)
                return False
            except OSError as e:
                exc_type, exc = OSError, e
        for item in list(self.final.iterdir()) if self.final.is_dir() else []:  # all ours: it was empty
            if item.name != CLAIM:
                shutil.rmtree(item, ignore_errors=True) if item.is_dir() else item.unlink(missing_ok=True)
        self.claim.release()
        if isinstance(exc, OSError):
            raise BadInput(f"--out {self.final}: cannot write the results ({_reason(exc)}); nothing was written") from None
        return False


def _summary_table(summary: dict) -> str:
    rows = [f"{'field':<22} {'P(design)':>9} {'P(mobil.)':>9} {'P(mainstr.)':>11} {'P(embed)':>8}"
            f"  {'public value at end (mean, 5-95%)':>34}"]
    for f, d in summary["fields"].items():
        p = d["p_reach"]
        pv = d["public_value_end"]
        rows.append(f"{f[:22]:<22} {p[PHASE_NAMES[1]]:>9.2f} {p[PHASE_NAMES[2]]:>9.2f} {p[PHASE_NAMES[3]]:>11.2f}"
                    f" {p[PHASE_NAMES[4]]:>8.2f}  {pv['mean']:>+12.3f}  [{pv['p5']:+.3f}, {pv['p95']:+.3f}]")
    return "\n".join(rows)


def cmd_run(args) -> int:
    from .viz.plots import run_figures  # matplotlib: imported only by the commands that draw

    s = _scenario(args.scenario, args.steps, args.set)
    # A resolved scenario remembers its seed and replicates; the command line wins.
    args.seed = args.seed if args.seed is not None else (s.run_seed if s.run_seed is not None else 1)
    if args.replicates is None:
        args.replicates = s.run_replicates or DEFAULT_REPLICATES
    _positive(args.replicates, "--replicates")
    if args.workers is not None:
        _positive(args.workers, "--workers")
    args.workers = _fit_workers(s, args)
    stem = Path(args.scenario).stem
    # a run folder's scenario.resolved.toml run again: named after that folder, not "scenario.resolved"
    if stem == "scenario.resolved":
        stem = re.sub(r"-\d{8}-\d{6}(-\d+)?$", "", Path(args.scenario).resolve().parent.name) or stem
    out = _out_dir(args.out, stem)
    if s.region is not None:
        return _run_region(s, args, out)
    ts, ev = run_ensemble(s, args.replicates, args.seed, workers=args.workers)
    summary = summarise(ts, s.fields)
    summary.update(scenario=s.name, seed=args.seed, version=version())
    with _Staging(out) as tmp:
        ts.to_csv(tmp / "timeseries.csv", index=False, float_format="%.6g")
        ev.to_csv(tmp / "events.csv", index=False)
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
        _write_resolved(s, args, tmp)
        _write_manifest(s, args, tmp)
        if not args.no_figures:
            run_figures(ts, ev, tmp / "figures", s.name)
    print(f"{s.name}: {counted(args.replicates, 'run')} x {s.months} months, seed {args.seed}\n")
    print(_summary_table(summary))
    print(f"\nWritten to {out}/")
    return 0


def _write_resolved(s: Scenario, args, folder: Path) -> None:
    resolved = s.to_toml_dict()
    if s.posterior is not None:  # a copy beside it, so the folder alone re-runs the same draws
        shutil.copyfile(s.posterior, folder / "posterior.csv")
        resolved["posterior"] = "posterior.csv"
    resolved["run"] = {"seed": args.seed, "replicates": args.replicates, "version": version()}
    (folder / "scenario.resolved.toml").write_text(
        "# Everything needed to reproduce this run (seed and replicates are read from [run]):\n"
        "#   innovation-sim run scenario.resolved.toml\n"
        + tomli_w.dumps(resolved))


def _write_manifest(s: Scenario, args, folder: Path) -> None:
    """Provenance (model/io/manifest.py); `innovation-sim reproduce DIR` re-runs from it."""
    command = {"name": "run", "seed": args.seed, "replicates": args.replicates, "figures": not args.no_figures}
    manifest.write(folder, manifest.build(command, manifest.scenario_inputs(s),
                                          manifest.replicate_seeds(args.seed, args.replicates)))


def _run_region(s: Scenario, args, out: Path) -> int:
    """A region scenario: per place per field per step in timeseries.parquet, region tables as CSV."""
    from .viz.plots import region_figures  # matplotlib: imported only by the commands that draw
    t = time.perf_counter()
    tables = run_region_ensemble(s, args.replicates, args.seed, workers=args.workers)
    summary = summarise_region(tables)
    summary.update(scenario=s.name, seed=args.seed, version=version(), months=s.months,
                   survey_month=s.region.resolved()["survey_month"])
    with _Staging(out) as tmp:
        tables["timeseries"].to_parquet(tmp / "timeseries.parquet", index=False)
        for name in ("aggregates", "survey", "diffusion", "adoption", "places", "events"):
            tables[name].to_csv(tmp / f"{name}.csv", index=False, float_format="%.6g")
        if s.drawn_names():  # each replicate's settings, drawn from the calibration
            tables["settings"].to_csv(tmp / "settings.csv", index=False, float_format="%.6g")
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
        _write_resolved(s, args, tmp)
        _write_manifest(s, args, tmp)
        if not args.no_figures:
            region_figures(tables, tmp / "figures", s.name, summary["survey_month"])
    n = summary["survey"]["all"]["places"]
    print(f"{s.name}: {counted(args.replicates, 'run')} x {n} places x {s.months} months, seed {args.seed} "
          f"({time.perf_counter() - t:.0f} s)\n")
    if s.drawn_names():  # (a teaching region lists every posterior setting in not_drawn: nothing is drawn)
        print(f"Each run's settings drawn from the calibration's posterior ({s.posterior.name}, settings.csv): "
              f"the ranges carry parameter uncertainty as well as run-to-run noise.")
    print(f"At the survey (month {summary['survey_month']}):")
    print(survey_table(summary))
    print(f"\nWritten to {out}/")
    return 0


def _comparison(args, most: int | None = None):
    """The scenarios of `compare` / `brief` (the first is A), checked, and run on the same seeds."""
    from .experiments.compare import run_comparison

    args.seed = 1 if args.seed is None else args.seed
    args.replicates = DEFAULT_REPLICATES if args.replicates is None else args.replicates
    if args.workers is not None:
        _positive(args.workers, "--workers")
    if most is not None and len(args.scenarios) > most:
        raise BadInput(f"{args.command}: at most {most} scenarios fit in a brief of four pages, got "
                       f"{len(args.scenarios)}; use `innovation-sim compare` for more")
    loaded, overrides = [load(src) for src in args.scenarios], _parse_sets(args.set)
    scenarios = [_overridden(s, args.steps, overrides) for s in loaded]
    args.replaced = [line for src, s in zip(args.scenarios, loaded) for line in _replaced_by_set(src, s, overrides)]
    for line in args.replaced:  # a --set that cancels a scenario's own change is easy to miss
        print(f"innovation-sim: note: --set replaces {line}, which therefore does not act here", file=sys.stderr)
    for src, s in zip(args.scenarios, scenarios):
        if s.region is not None:
            raise BadInput(f"{args.command}: {src} is a region scenario; run it with `innovation-sim run {src}` "
                           f"(its survey table compares it with the 2006 survey)")
    names = [Path(src).stem for src in args.scenarios]
    if len(set(names)) != len(names):  # results are filed under each scenario's file name
        twice = next(n for n in names if names.count(n) > 1)
        same = [src for src, n in zip(args.scenarios, names) if n == twice]
        paths = {str(Path(sc.path).resolve()) if sc.path else src for src, sc, n in zip(args.scenarios, scenarios, names)
                 if n == twice}
        if len(paths) == 1:
            raise BadInput(f"{args.command}: give each scenario once ({twice} is given {len(same)} times)")
        raise BadInput(f"{args.command}: {' and '.join(same)} share the name {twice!r}, under which the results "
                       f"are filed; rename one of the files")
    for src, s in zip(args.scenarios, scenarios):
        if s.fields != scenarios[0].fields:
            raise BadInput(f"{src}: fields differ from {args.scenarios[0]}; only scenarios with the same fields compare")
        if s.months != scenarios[0].months:
            raise BadInput(f"{src}: runs {s.months} months and {args.scenarios[0]} {scenarios[0].months}; pairs compare "
                           f"at the same month: give --steps N (allowed: 1 to 1200)")
    # As `run` does: workers that fit in memory beside every scenario's results (brief and compare ran
    # without the check, and a MemoryError at 4 x 10,000 runs was the first word of it).
    workers, note = plan_workers(args.workers, args.replicates, max(worker_bytes(s) for s in scenarios),
                                 WORKER + sum(results_bytes(s, args.replicates) for s in scenarios),
                                 f"{args.command} {' '.join(args.scenarios)}")
    if note:
        print(f"innovation-sim: note: {note}", file=sys.stderr, flush=True)
    # run_ensemble looked up here when the runs start (the fuzz tests replace it)
    return lambda: run_comparison(dict(zip(names, scenarios)), args.replicates, args.seed, workers=workers,
                                  run=run_ensemble)


def _print_comparison(c) -> None:
    from .experiments.compare import ALL_FIELDS, text_table

    print(f"{c.replicates} paired runs of each scenario (run i of each on the same seed; master seed {c.seed}), "
          f"{c.months} months. B - A per pair; [90% interval] of the average difference (percentile bootstrap); "
          f"P(B>A), P(B<A), same: share of pairs where B is above, below or equal to A. Months to a phase: "
          f"over the pairs where both reach it (n); negative: B gets there sooner, positive: later.\n")
    for i, (name, s) in enumerate(c.scenarios.items()):
        print(f"  {'A' if i == 0 else 'B'}: {c.display()[name]} ({name}){'  <- the reference' if i == 0 else ''}")
    print()
    print(text_table(c.table, c.display()))
    for name, by_field in c.sentences.items():
        print(f"In words ({c.display()[name]} vs {c.display()[c.baseline]}):")
        for f in [*c.fields, ALL_FIELDS]:
            print(f"  {by_field[f]}")
        print()


def cmd_compare(args) -> int:
    from .viz.plots import compare_overlay  # matplotlib: imported only by the commands that draw

    if args.replicates is not None and args.replicates < 2:  # review: a "90% interval" of zero width
        raise BadInput(f"--replicates {args.replicates}: a comparison's intervals need at least 2 paired runs "
                       f"(allowed: 2 to {limits.REPLICATES.value():,})")
    run = _comparison(args)
    out = _out_dir(args.out, "compare-" + "-vs-".join(Path(src).stem for src in args.scenarios))
    c = run()
    with _Staging(out) as tmp:
        (tmp / "summary.json").write_text(json.dumps({**c.summary(), "version": version()}, indent=2, ensure_ascii=False))
        _compare_manifest(c, args, tmp)
        c.table.to_csv(tmp / "comparison.csv", index=False, float_format="%.6g")  # the paired differences
        rows = []
        for name, sm in c.summaries.items():
            for f, d in sm["fields"].items():
                row = {"scenario": name, "field": f}
                row.update({f"p_{k.split()[0]}": v for k, v in d["p_reach"].items()})
                row.update({f"public_value_{k}": v for k, v in d["public_value_end"].items()})
                rows.append(row)
        pd.DataFrame(rows).to_csv(tmp / "scenarios.csv", index=False)  # each scenario on its own
        if not args.no_figures:
            (tmp / "figures").mkdir()
            compare_overlay(c.frames, "performance", tmp / "figures" / "performance.png", "Performance by scenario")
            compare_overlay(c.frames, "public_value", tmp / "figures" / "public_value.png", "Public value created by scenario")
            compare_overlay(c.frames, "phase", tmp / "figures" / "phase.png", "Mean phase by scenario")
    _print_comparison(c)
    print(f"Written to {out}/")
    return 0


def _compare_manifest(c, args, folder: Path) -> None:
    """Provenance of a comparison: every scenario's files and the paired seeds, so that
    `innovation-sim reproduce DIR` re-runs it (model/experiments/reproduce.py)."""
    # absolute (not resolved: a link's name names the scenario): reproduce re-runs from the source tree
    command = {"name": "compare", "scenarios": [os.path.abspath(s.path) for s in c.scenarios.values()], "seed": args.seed,
               "replicates": args.replicates, "steps": args.steps, "set": list(args.set), "figures": not args.no_figures}
    inputs = [e for name, s in c.scenarios.items() for e in manifest.scenario_inputs(s, f"scenario {name}")]
    manifest.write(folder, manifest.build(command, inputs, manifest.replicate_seeds(args.seed, args.replicates)))


def cmd_brief(args) -> int:
    import shlex

    from .experiments.compare import ALL_FIELDS
    from .io import caveats
    from .io.manifest import commit
    from .viz import brief  # matplotlib: imported only by the commands that draw

    if args.replicates is not None and args.replicates < 2:  # one run gives an "interval" of one value
        raise BadInput(f"--replicates {args.replicates}: a brief's intervals need at least 2 paired runs "
                       f"(allowed: 2 to {limits.REPLICATES.value():,}; {DEFAULT_REPLICATES} or more for a meeting)")
    run = _comparison(args, most=brief.MAX_SCENARIOS)
    out, made = _brief_file(args.out, args.scenarios, pdf=not args.no_pdf)
    runs = ["--replicates", str(args.replicates), "--seed", str(args.seed)] \
        + (["--steps", str(args.steps)] if args.steps is not None else []) + [x for i in args.set for x in ("--set", i)]
    command_line = shlex.join(["innovation-sim", "brief", *args.scenarios, *runs]
                              + (["--question", args.question] if args.question else []) + ["--out", str(out)])
    try:
        c = run()
        repro = brief.Reproduce(version(), commit(), command_line, shlex.join(["innovation-sim", "compare", *args.scenarios, *runs]),
                                c.seed, c.replicates, c.months, time.strftime("%Y-%m-%d %H:%M"),
                                settings=tuple(args.set), replaced=tuple(args.replaced))
        html, pdf_note = brief.write(c, out, args.question, caveats.read(), repro, pdf=not args.no_pdf)
    except BaseException as e:
        written = out.exists() and out.stat().st_size > 0
        if isinstance(e, KeyboardInterrupt) and written:  # the HTML was complete; its PDF was being printed
            print(f"innovation-sim: interrupted while printing the PDF; the HTML brief is complete: {out} "
                  f"(print it from a browser, or run the command again with another --out for the PDF)", file=sys.stderr)
            return 130
        if not written:
            out.unlink(missing_ok=True)  # the empty file that held the name for this brief
        for folder in reversed(made):  # made for this brief and still empty: give them back
            try:
                folder.rmdir()
            except OSError:
                break
        if isinstance(e, OSError):
            raise BadInput(f"--out {out}: cannot write the brief ({_reason(e)})") from None
        raise
    for name, by_field in c.sentences.items():
        print(f"{c.display()[name]} vs {c.display()[c.baseline]} ({c.replicates} paired runs, {c.months} months):")
        for f in [*c.fields, ALL_FIELDS]:
            print(f"  {by_field[f]}")
    print(f"\nBrief: {html}")
    if pdf_note is not None:
        if pdf_note.startswith("PDF skipped"):
            print(f"innovation-sim: note: {pdf_note}; the HTML brief is complete", file=sys.stderr)
        else:
            print(f"PDF: {pdf_note}")
    return 0


def _brief_file(requested: str | None, scenarios: list[str], pdf: bool = True) -> tuple[Path, list[Path]]:
    """The brief's HTML file, its folder checked writable before any run; and the folders made
    for it (to remove if nothing gets written). ``pdf``: a PDF will be written beside it, so one
    already there is refused too (with --no-pdf it is not touched)."""
    out = Path(requested) if requested else \
        Path("runs") / f"brief-{_short('-vs-'.join(Path(s).stem for s in scenarios))}-{time.strftime('%Y%m%d-%H%M%S')}.html"
    if out.is_dir():
        raise BadInput(f"--out {out}: is a folder; give a file name ending in .html")
    if out.suffix.lower() not in (".html", ".htm"):
        raise BadInput(f"--out {out}: a brief is an HTML file; give a name ending in .html (the PDF goes beside it)")
    for existing in (out, *([out.with_suffix(".pdf")] if pdf else [])) if requested else ():
        if existing.exists():  # as run and compare refuse a used folder: a brief is not overwritten
            raise BadInput(f"--out {out}: {existing} already exists; choose another name or move it aside")
    made = [p for p in reversed(out.parents) if not p.exists()]
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        # The name is held from now (an empty file, made only if absent): two briefs started in the same
        # second, or given the same --out, each passed the check above and the later overwrote the other.
        first = out
        for k in range(2, 1000):
            try:
                if pdf and out.with_suffix(".pdf").exists():
                    raise FileExistsError(out)
                os.close(os.open(out, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
                break
            except FileExistsError:
                if requested:
                    raise BadInput(f"--out {out}: already exists (another brief is being written to it); "
                                   f"choose another name") from None
                out = first.with_name(f"{first.stem}-{k}{first.suffix}")
    except OSError as e:
        for folder in reversed(made):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        raise BadInput(f"--out {out}: cannot write there ({_reason(e)}); choose another file") from None
    return out, made


def cmd_scenarios(args) -> int:
    items = shipped()
    width = max(len(n) for n, _ in items)
    print("Shipped scenarios (run one with: innovation-sim run NAME):\n")
    for name, desc in items:
        print(f"  {name:<{width}}  {desc}")
    return 0


def cmd_params(args) -> int:
    rows = [(p.name, str(p.default), f"{p.low} - {p.high}", p.unit, p.help) for p in REGISTRY.values()]
    if args.markdown:
        print(markdown_table() + "\n\nRegion settings (scenarios with a [region] table):\n\n" + region_markdown_table())
        return 0
    region = [(f"region.{p.name}", str(p.default), f"{p.low} - {p.high}", p.unit, p.help) for p in REGION_PARAMS.values()]
    widths = [max(len(r[i]) for r in rows + region) for i in range(4)]
    head = ("name", "default", "range", "unit")
    print("  ".join(h.ljust(w) for h, w in zip(head, widths)) + "  meaning")
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r[:4], widths)) + "  " + r[4])
    print("\nRegion settings (scenarios with a [region] table; --set region.<name>=value):")
    for r in region:
        print("  ".join(c.ljust(w) for c, w in zip(r[:4], widths)) + "  " + r[4])
    return 0


# The columns every sweep part holds besides its outcomes, and a time series part's (_timeseries/).
SWEEP_COLUMNS = (("run", "the run's number in the sweep (0 to runs - 1)"),
                 ("point", "the design point (one row of _design.parquet)"),
                 ("replicate", "the replicate at that point (0 to replicates - 1)"),
                 ("seed", "the run's seed (from the experiment's seed; see _manifest.json)"),
                 ("<each swept setting>", "its value at the point, as the design drew it"),
                 ("<each switch or lever>", "a switched timeline's level at the point: 0 off, 1 as written, 2 doubled..."),
                 ("drawn.<setting>", "a scenario with a posterior: the value this run drew"),
                 ("error", "null, or why the run failed (its outcomes are then missing: NaN)"))
TIMESERIES_COLUMNS = (("run, step, field", "the run, the month and the service field"),
                      ("phase", "0 latent to 4 embedding"),
                      ("authority, capacity, value", "the field's three corners (0-1)"),
                      ("performance, public_value", "the field's performance and public value so far"),
                      ("(a region)", "its aggregates instead: answers and phases per month"))


def cmd_outcomes(args) -> int:
    """The columns of a sweep's results (and the targets a calibration may name)."""
    from .core.outcomes import LOCALITY_OUTCOMES, REGION_OUTCOMES
    groups = (("Every sweep part (part-*.parquet), one row per run", SWEEP_COLUMNS),
              ("Outcomes of a lone council, as decimals (0/1 outcomes as 0.0/1.0); <field> is the field's name "
               "in a column name, e.g. public_value__children_s_services",
               [(o.name if o.kind == "scalar" else f"{o.name}__<field>", o.description) for o in LOCALITY_OUTCOMES]),
              ("Outcomes of a region (scenarios with a [region] table)",
               [(o.name, o.description) for o in REGION_OUTCOMES]),
              ("A time series part (_timeseries/, with [outcomes] timeseries_every = N), one row per run, month "
               "and field", TIMESERIES_COLUMNS))
    width = max(len(n) for _, rows in groups for n, _ in rows)
    for title, rows in groups:
        print(f"{title}:")
        for name, what in rows:
            print(f"  {name.ljust(width)}  {what}")
        print()
    return 0


def cmd_sweep(args) -> int:
    # Sweeps need the optional 'sweep' extra (pyarrow, dask, SALib): imported only for this command.
    from .experiments.sweep import SweepError, SweepStopped, resume_summary, run_sweep

    if args.analyse and (args.experiment or args.resume or args.out):
        given = "EXPERIMENT" if args.experiment else "--resume" if args.resume else "--out"
        raise BadInput(f"--analyse {args.analyse}: analyses a finished folder on its own; drop {given} "
                       f"(run the sweep first, then `innovation-sim sweep --analyse DIR`)")
    try:
        if args.analyse:
            from .experiments.analysis import analyse  # matplotlib and SALib: only for --analyse
            res = analyse(Path(args.analyse))
            print(f"Analysed {res['runs']} runs ({res['errors']} with errors); method {res['method']}.")
            if res.get("note"):
                print(f"Note: {res['note']}.")
            if res.get("caution"):
                print(f"Caution: {res['caution']}.")
            for outcome, rows in res["outcomes"].items():
                if rows and rows[0].get("note"):
                    print(f"\n{outcome}: {rows[0]['note']}")
                elif res["method"] == "sobol":
                    top = sorted(rows, key=lambda r: -r["ST"])[:10]
                    print(f"\n{outcome}: Sobol total (first-order) index, 95% conf.")
                    for r in top:
                        print(f"  {r['parameter']:<30} ST {r['ST']:6.3f} +/- {r['ST_conf']:.3f}   S1 {r['S1']:6.3f} +/- {r['S1_conf']:.3f}")
                elif res["method"] == "morris":
                    top = sorted(rows, key=lambda r: -r["mu_star"])[:10]
                    print(f"\n{outcome}: Morris mu* (sigma)")
                    for r in top:
                        print(f"  {r['parameter']:<30} mu* {r['mu_star']:7.3f} +/- {r['mu_star_conf']:.3f}   sigma {r['sigma']:7.3f}")
            if res.get("second_order"):
                print(f"\nSecond-order indices (S2) of every pair: {Path(args.analyse) / '_analysis' / 'second_order.csv'}")
            cal = res.get("calibration")
            if cal:
                print(f"\nCalibration: {cal['accepted']} of {cal['points']} points within every band.")
                print("  best point: " + ", ".join(f"{k} {v:.3g}" for k, v in cal["best"].items()))
            print(f"\nTables and figures in {Path(args.analyse) / '_analysis'}/")
            return 0
        if not args.experiment:
            raise BadInput("sweep: give an experiment (see experiments/) or --analyse DIR")
        exp = load_experiment(args.experiment)
        if args.workers is not None:
            _positive(args.workers, "--workers")
        out = Path(args.out) if args.out else Path("runs") / f"sweep-{Path(args.experiment).stem}"
        _resume_note(args.resume, out, "sweep")
        workers = _scheduler_workers(args) if args.scheduler else _fit_sweep_workers(exp, args)
        print(f"{exp.name}: {exp.n_points} design points x {exp.replicates} replicates = {exp.n_runs} runs "
              f"of {exp.scenario.months} months -> {out}/", flush=True)
        start = time.perf_counter()
        stats: dict = {}
        finish = f"finish with: innovation-sim sweep {args.experiment} --out {out} --resume{_on_scheduler(args)}"
        try:
            run_sweep(exp, out, workers=workers, scheduler=args.scheduler, resume=args.resume, stats=stats)
        except KeyboardInterrupt:
            if not out.is_dir():
                print("innovation-sim: interrupted before the sweep started; nothing was written", file=sys.stderr)
                return 130
            kept = len(list(out.glob("part-*.parquet")))
            print(f"innovation-sim: interrupted; {counted(kept, 'finished batch', 'finished batches')} "
                  f"{'is' if kept == 1 else 'are'} kept in {out}/; {finish}", file=sys.stderr)
            return 130
        except SweepStopped as e:
            raise BadInput(f"{e}; {finish}") from None
        if exp.method != "exploratory":
            analyse = f"innovation-sim sweep --analyse {out}"
        elif exp.levers:  # policies to compare across futures
            analyse = f"innovation-sim robust {out}"
        else:  # futures only: under which conditions does an outcome happen?
            analyse = f"innovation-sim discover {out} --outcome NAME"
        print(f"Done: {resume_summary(start, stats)}. Read with pandas.read_parquet('{out}'); analyse with: {analyse}")
        return 0
    except SweepError as e:
        raise BadInput(str(e)) from None


def _scheduler_workers(args) -> int | None:
    """With --scheduler the cluster's own workers run the job: a --workers given too starts none,
    which is said rather than passed over (it only sizes the first batches while none has joined)."""
    if args.workers:
        print(f"innovation-sim: note: --workers {args.workers} starts no workers with --scheduler: the "
              f"cluster's own run the job", file=sys.stderr, flush=True)
    return args.workers


def _fit_sweep_workers(exp, args) -> int:
    """Workers of the local cluster that fit in memory (a region sweep needs much more per worker)."""
    batches = -(-exp.n_runs // exp.batch_size)
    workers, note = plan_workers(args.workers, batches, worker_bytes(exp.scenario, dask=True), DASK_WORKER,
                                 f"sweep {args.experiment}")
    if note:
        print(f"innovation-sim: note: {note}", file=sys.stderr, flush=True)
    return workers


def _on_scheduler(args) -> str:
    """The --scheduler of a resume hint: without it the rest ran on a local cluster of the head node (review)."""
    return f" --scheduler {args.scheduler}" if getattr(args, "scheduler", None) else ""


def _resume_note(resume: bool, out: Path, what: str) -> None:
    """--resume on a folder that holds nothing starts there (so one job script serves the first run and
    every later one), but says so: a typo in the folder's name would otherwise start an hour's work
    again without a word."""
    if resume and (not out.exists() or out.is_dir() and not any(out.iterdir())):  # a file: refused next
        print(f"innovation-sim: note: --resume: {out} holds nothing yet, so the {what} starts there from the "
              f"beginning (check the folder's name if you meant to finish one)", file=sys.stderr, flush=True)


def cmd_calibrate(args) -> int:
    """Sequential ABC (model/experiments/abc.py): a generation at a time, each a resumable sweep."""
    from .experiments.abc import CalibrationError, calibrate, refuse_own_seed, second_sets
    from .experiments.sweep import SweepError, SweepStopped
    from .io.calibration import load_calibration

    cal = load_calibration(args.experiment)
    if args.confirm is not None:
        try:
            refuse_own_seed(cal, args.confirm)  # said before any fitting, not hours later
        except CalibrationError as e:
            raise BadInput(str(e)) from None
    if args.resume and args.force:
        raise BadInput("--resume and --force: give one (--resume finishes the calibration in --out, --force "
                       "starts it again)")
    out = Path(args.out) if args.out else Path("calibrations") / Path(args.experiment).stem
    if args.confirm is not None and not args.force and (out / "summary.json").is_file():
        args.resume = True  # a second predictive set of a finished calibration, not a request to fit it again
    _resume_note(args.resume, out, "calibration")
    _writable_folder(out, "--out")  # before a cluster starts
    tasks = -(-cal.population * cal.replicates // cal.batch_size)
    workers, note = (_scheduler_workers(args), None) if args.scheduler else plan_workers(
        args.workers, tasks, worker_bytes(cal.scenario, dask=True), DASK_WORKER, f"calibrate {args.experiment}")
    if note:
        print(f"innovation-sim: note: {note}", file=sys.stderr, flush=True)
    print(f"{cal.name}: ABC-SMC, {cal.population} particles x {cal.replicates} replicates per generation, at most "
          f"{cal.max_generations} generations of {cal.scenario.months} months"
          f"{' (and the null model)' if cal.null else ''} -> {out}/", flush=True)
    finish = f"finish with: innovation-sim calibrate {args.experiment} --out {out} --resume{_on_scheduler(args)}"
    try:
        summary = calibrate(cal, out, workers=workers, scheduler=args.scheduler, resume=args.resume,
                            force=args.force, predictive=args.predictive, report=_report_generation,
                            confirm=args.confirm is not None)
    except KeyboardInterrupt:
        if not out.is_dir():
            print("innovation-sim: interrupted before the calibration started; nothing was written", file=sys.stderr)
            return 130
        print(f"innovation-sim: interrupted; the finished generations and batches are kept in {out}/; {finish}",
              file=sys.stderr)
        return 130
    except SweepStopped as e:
        raise BadInput(f"{e}; {finish}") from None
    except SweepError as e:
        raise BadInput(str(e)) from None
    done = summary.get("already_finished")
    if done and summary.get("repaired"):
        print(f"{out}: already finished; the damaged runs of {', '.join(summary['repaired'])} were run again and "
              f"give the particles recorded")
    elif done:
        print(f"{out}: already finished; nothing to do (--force runs it again)")
    # Written after summary.json: a calibration stopped between them gets them on --resume.
    figures = [out / f for f in ("marginals.png", "pairs.png", "epsilon.png")]
    figures += [out / "null" / f.name for f in figures] if cal.null else []
    try:
        if not done or not all(f.is_file() for f in figures):
            from .viz.abc import abc_figures  # matplotlib: only once there is something to draw
            abc_figures(cal, out)
            if cal.null:
                abc_figures(cal.null_model(), out / "null")
        if not done or not (out / manifest.MANIFEST).is_file():
            command = {"name": "calibrate", "experiment": str(Path(cal.path).resolve()),
                       "predictive": (summary.get("predictive") or {}).get("runs"),  # as run, default or not
                       **({"confirm": sets} if (sets := second_sets(out)) else {})}  # kept over a re-made first set
            manifest.write(out, manifest.build(command, [manifest.file_entry(cal.path, "calibration"),
                                                         *manifest.scenario_inputs(cal.scenario)],
                                               manifest.calibration_seeds(cal.seed)))
    except KeyboardInterrupt:  # the results are complete: "nothing was written" would be false
        print(f"innovation-sim: interrupted while drawing the figures; the results in {out}/ are complete; "
              f"{finish} to draw them", file=sys.stderr)
        return 130
    print(_calibration_text(summary, out))
    return 0 if args.confirm is None else _confirm(args, cal, out, summary, workers)


def _confirm(args, cal, out: Path, summary: dict, workers: int | None) -> int:
    """`calibrate ... --confirm SEED`: a second posterior predictive set on seeds of SEED."""
    from .experiments.abc import second_predictive
    from .experiments.sweep import SweepError
    first = (summary.get("predictive") or {}).get("runs")
    n = args.predictive or first or cal.population
    print(f"\nA second predictive set: {n} runs on fresh seeds of {args.confirm}" if first else
          f"\nA predictive set on fresh seeds of {args.confirm} (this calibration made none of its own): {n} runs "
          f"({'--predictive' if args.predictive else 'the population size; --predictive N sets it'})", flush=True)
    try:
        cov = second_predictive(out, cal, n, args.confirm, workers=workers, scheduler=args.scheduler)
    except KeyboardInterrupt:
        print(f"innovation-sim: interrupted; the second predictive set's finished runs are kept in "
              f"{out}/predictive-{args.confirm}-{n}/; run the same command to finish it", file=sys.stderr)
        return 130
    except SweepError as e:
        raise BadInput(str(e)) from None
    print(_predictive_text({"runs": n, "coverage": cov.to_dict(orient="records")},
                           f"Second predictive set ({n} runs, fresh seeds of {args.confirm})"))
    print(f"Rows in {out}/confirm-{args.confirm}-{n}.csv, coverage in {out}/coverage-{args.confirm}-{n}.csv")
    if not manifest.add_confirm(out, args.confirm, n):  # so `reproduce` makes this set again too
        print(f"innovation-sim: note: {out / manifest.MANIFEST} is missing or damaged, so it does not record this "
              f"set (reproduce will not re-run it); the set itself is complete", file=sys.stderr, flush=True)
    return 0


def _report_generation(g, cal) -> None:
    acc = "" if g.number == 0 else f", acceptance {g.acceptance:.2f}"
    failed = f", {g.failed} failed" if g.failed else ""
    print(f"  [{cal.model}] generation {g.number}: {g.runs} runs{failed}, epsilon {g.epsilon:.3g}{acc}, "
          f"ESS {g.ess:.1f}", flush=True)


def _predictive_text(pred: dict, label: str = "") -> str:
    cov = ", ".join(f"{c['summary']} {c['within']:.0%}{_share_range(c)}" for c in pred["coverage"])
    what = " (90% interval)" if any(_share_range(c) for c in pred["coverage"]) else ""
    label = label or f"Posterior predictive ({pred['runs']} runs, fresh seeds)"
    return f"{label}: within the bands{what}: {cov}"


def _share_range(c: dict) -> str:
    """' [85-94%]' for a coverage row with an interval; '' for one written before intervals were."""
    lo, hi = c.get("within_low"), c.get("within_high")
    return f" [{lo:.0%}-{hi:.0%}]" if lo is not None and hi is not None and lo == lo and hi == hi else ""


def _calibration_text(summary: dict, out: Path) -> str:
    """The end of `calibrate`: per model, generations, runs, epsilon, each setting's median [90%]."""
    lines = []
    for label, s, folder in (("", summary, out), ("Null model: ", summary.get("null"), out / "null")):
        if not s:
            continue
        eps = ", ".join(f"{g['epsilon']:.3g}" if g["epsilon"] is not None else "inf" for g in s["generations"])
        lines += ["", f"{label}{len(s['generations'])} generations ({s['stopped']}), {s['runs']} runs "
                      f"({s['failed_particles']} particles failed), {s['wall_seconds']:.0f} s; epsilon {eps}",
                  f"  {'setting':<34} {'median':>9}  {'90% interval':<22} {'contraction':>11}  identified"]
        for name, p in s["parameters"].items():
            ci = f"[{p['ci90'][0]:.3g}, {p['ci90'][1]:.3g}]"
            lines.append(f"  {name[:34]:<34} {p['median']:>9.3g}  {ci:<22} {p['contraction']:>11.2f}  "
                         f"{'yes' if p['identified'] else 'no'}")
        lines.append(f"  ESS {s['ess']:.1f} of {s['settings']['n_alpha']} particles; {folder}/posterior.csv")
    if summary.get("predictive"):
        lines += ["", _predictive_text(summary["predictive"])]
    mc = summary.get("model_choice")
    if mc:
        f, n = mc["models"]["full"], mc["models"]["null"]
        lines.append(f"Model choice by predictive fit: mean distance {f['mean_distance']['value']:.3g} (full) vs "
                     f"{n['mean_distance']['value']:.3g} (null); {mc['verdict']} (model_choice.json)")
    lines += ["", f"Results in {out}/: particles.parquet, posterior.csv, summary.json, marginals.png, pairs.png, "
                  f"epsilon.png; resume an interrupted one with --resume"]
    return "\n".join(lines)


def _check_port(port: int, host: str, server: str, fallback: int) -> None:
    """A one-line error unless ``port`` is a port number free on ``host``; ``server`` names what
    may already hold it, ``fallback`` is the port suggested instead of the last one."""
    if not 1 <= port <= 65535:
        raise BadInput(f"--port: {port} is not a port number (allowed: 1 to 65535)")
    if not _port_free(port, host):
        raise BadInput(f"--port {port}: already in use on {host} (is {server} already running?); "
                       f"choose another, e.g. --port {port + 1 if port < 65535 else fallback}")


APP_SCENARIO_ENV = "INNOVATION_SIM_APP_SCENARIO"  # the scenario app.py opens on (a shipped name or a path)


def cmd_app(args) -> int:
    """Start the workshop app (app.py at the repository root) with solara, on 127.0.0.1 only."""
    from .io.scenario import load, resolve_path, shipped_by_name
    load(args.scenario)  # a bad scenario is one line here, not an error page in the browser
    _check_port(args.port, "127.0.0.1", "the app", 8765)
    if importlib.util.find_spec("solara") is None:
        raise BadInput("the app needs solara: pip install -e '.[app]' (or run `make run` once)")
    # the app resolves names itself; a file is passed by its absolute path (the server's folder may differ)
    opening = args.scenario if shipped_by_name(args.scenario) is not None else str(resolve_path(args.scenario).resolve())
    app = Path(__file__).resolve().parent.parent / "app.py"
    if not app.exists():
        raise BadInput(f"{app}: not found; run the app from a source checkout of innovation-sim")
    # Serve solara's front-end from the solara-assets package (no CDN), send no telemetry and do
    # not ask PyPI for a newer solara (--no-check-version): the app works offline.
    env = {**os.environ, "SOLARA_ASSETS_PROXY": "True", "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
           APP_SCENARIO_ENV: opening}
    cmd = [sys.executable, "-m", "solara", "run", str(app), "--host", "127.0.0.1", "--port", str(args.port),
           "--production", "--no-check-version", "--open" if args.open else "--no-open"]
    print(f"innovation-sim app: http://127.0.0.1:{args.port}/ (Ctrl-C to stop)", flush=True)
    os.execve(sys.executable, cmd, env)  # replaces this process: signals go straight to the server
    return 0  # not reached


def _lan_address() -> str:
    """This machine's address on the local network: the source address of a route out (a UDP
    socket's connect sends nothing), else the host name's address."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed; only the local route is looked up
            return s.getsockname()[0]
        except OSError:
            pass
    try:
        return socket.gethostbyname(socket.gethostname())
    except OSError:
        return "127.0.0.1"


def cmd_workshop(args) -> int:
    """A participatory workshop: tables steer places of a small region from their own devices."""
    if importlib.util.find_spec("starlette") is None or importlib.util.find_spec("uvicorn") is None:
        raise BadInput("the workshop needs the app's packages: pip install -e '.[app]' (or run `make run` once)")
    from .app.room import RoomError, Settings
    settings = Settings(scenario=args.scenario, seed=args.seed, places=args.places, rounds=args.rounds,
                        round_months=args.round_months, timer=args.timer, ensemble=args.ensemble)
    try:  # refused before anything, as other options are: on a resume it was only "ignored" (the saved game's won)
        settings.check()
    except RoomError as e:
        raise BadInput(str(e)) from None
    host = "0.0.0.0" if args.lan else "127.0.0.1"
    _check_port(args.port, host, "a workshop", 8770)
    if args.save is not None and not args.save.strip():
        raise BadInput("--save: empty; give a state file, or leave --save out for workshop-<scenario>.json")
    save = Path(args.save or f"workshop-{Path(args.scenario).stem}.json")
    if save.is_dir():
        raise BadInput(f"--save {save}: is a folder; give a file (a folder/name.json)")
    from .io.folders import Busy, one_writer
    from .io.scenario import resolve_path, shipped_by_name
    if shipped_by_name(args.scenario) is None:  # a file: saved by its full path, so a resume from any folder finds it
        with contextlib.suppress(ScenarioError, OSError):
            settings = replace(settings, scenario=str(resolve_path(args.scenario).resolve()))
    held = ExitStack()
    try:  # one server per state file: a second one resumed it too, and each overwrote the other's rounds
        held.enter_context(one_writer(save))
    except Busy:
        raise BadInput(f"--save {save}: another workshop server is using this file now; stop it first, or give "
                       f"another --save file") from None
    except OSError as e:
        raise BadInput(f"--save {save}: cannot write there ({e.strerror or e}); choose another file") from None
    with held:
        return _workshop(args, settings, save, host)


def _same_scenario(was: str, given: str) -> bool:
    """Whether a saved workshop's scenario (a shipped name, a file's full path since session 21, or a
    path as typed before) is the one given now: the same file, however named; else the same name."""
    from .io.scenario import resolve_path
    try:
        return resolve_path(was).resolve() == resolve_path(given).resolve()
    except (ScenarioError, OSError):
        return Path(was).stem == Path(given).stem


def _workshop(args, settings, save: Path, host: str) -> int:
    from .app.room import Room, RoomError, Settings
    try:
        if save.exists():
            room = Room.load(save)
            if not _same_scenario(room.settings.scenario, args.scenario):
                raise BadInput(f"--save {save}: holds a workshop of {room.settings.scenario}, not {args.scenario}; "
                               f"give another --save file, or move it aside")
            resumed = True
        else:
            room = Room(settings)
            room.save(save)
            resumed = False
    except RoomError as e:
        raise BadInput(str(e)) from None
    except OSError as e:  # the temporary file beside it is an implementation detail: name --save
        raise BadInput(f"--save {save}: cannot write there ({e.strerror or e}); choose another file") from None
    address = _lan_address() if args.lan else "127.0.0.1"
    join = f"http://{address}:{args.port}/"
    s = room.settings
    print(f"innovation-sim workshop: {room.scenario.name}, {room.region.n} places, {s.rounds} rounds of "
          f"{s.round_months} months, seed {s.seed}", flush=True)
    if resumed:
        where = (f"ended after round {len(room.played)}" if room.ended else f"all {s.rounds} rounds played"
                 if room.finished else f"round {room.round} of {s.rounds}")
        n = len(room.tables)
        print(f"  Resumed from {save}: {where}, {n} table{'' if n == 1 else 's'}", flush=True)
        # Options given now that differ from the saved game's: the saved game wins (its rounds replay).
        default = Settings()
        ignored = [f"--{k.replace('_', '-')} {getattr(args, k)}" for k in
                   ("seed", "places", "rounds", "round_months", "timer", "ensemble")
                   if getattr(args, k) != getattr(default, k) and getattr(args, k) != getattr(s, k)]
        if ignored:
            print(f"innovation-sim: note: {', '.join(ignored)} ignored: {save} keeps the settings it was started "
                  f"with; to start a new workshop, give another --save file or move it aside", file=sys.stderr, flush=True)
    print(f"  Participants join at: {join}   code: {room.code}", flush=True)
    if not args.lan:
        print("  (this machine only: add --lan so that phones and laptops on the same network can join)", flush=True)
    print(f"  Projector screen (code, round, region, league): {join.rstrip('/')}/screen/{room.code}", flush=True)
    print(f"  Facilitator screen (keep this address to yourself): http://{address}:{args.port}/f/{room.facilitator}",
          flush=True)
    print(f"  Saved to {save} after every change; run the same command again to resume. Ctrl-C to stop.", flush=True)
    from .app.room_web import serve
    try:
        serve(room, save, host, args.port, join)
    except KeyboardInterrupt:  # the game is saved after every change: nothing is lost
        print(f"innovation-sim: workshop stopped; its state is in {save}: run the same command again to resume",
              file=sys.stderr)
        return 130
    return 0


def cmd_validate(args) -> int:
    known = {c.id for c in CHECKS}
    if args.only:  # `--only 1,2 3`: each argument a list; once each, in the order given
        args.only = list(dict.fromkeys(i for part in args.only for i in part))
    for i in args.only or []:
        if i not in known:
            raise BadInput(f"--only {i}: no such check (checks: {', '.join(map(str, sorted(known)))})")
    if args.ablation and args.only:
        raise BadInput("--only: the ablation table runs every arm; use --only without --ablation")
    if args.ablation and args.resume:
        raise BadInput("--resume: the ablation table (about a minute) is not kept part-way; run it again without --resume")
    if args.replicate is not None:
        _replicate_seeds(args)
    if args.out:
        _writable_folder(Path(args.out), "--out")
        _not_another_commands(Path(args.out), args.ablation)
        report = Path(args.out) / ("ablation.md" if args.ablation else "validation.md")
        if report.exists() and not args.force:  # a finished report is work: not replaced without a word
            raise BadInput(f"--out {args.out}: already holds a finished report ({report.name}); add --force to "
                           f"replace it, or choose another folder")
    if args.ablation:
        return _ablation(args)
    from .viz.validation import figures  # matplotlib: imported only by the commands that draw
    kept = Kept(_validate_partial(args.out), reuse=args.resume)
    if args.resume and not kept.holds(args.quick):
        print(f"innovation-sim: note: --resume: no interrupted validation kept in {kept.folder}, so every check "
              f"runs", file=sys.stderr, flush=True)
    try:
        code = command(args.quick, args.out, args.only, draw=figures, kept=kept, replicate=args.replicate)
    except KeyboardInterrupt:
        n = kept.count()
        again = kept.count(args.replicate) if args.replicate is not None else 0
        print(f"innovation-sim: interrupted; " + (
            f"{n} finished check{'s' if n != 1 else ''}{f' ({again} of them on the replicate seeds)' if again else ''} "
            f"kept in {kept.folder}: run the same command with --resume to "
            f"finish without running {'them' if n != 1 else 'it'} again" if n else "no check had finished"),
            file=sys.stderr)
        return 130
    kept.discard()
    for base, k in sorted(kept.others(args.quick).items()) if args.resume else ():  # review: left behind without a word
        print(f"innovation-sim: note: {counted(k, 'check')} of an interrupted run on seeds from {base} "
              f"(a replicate) are still kept in {kept.folder}: add --replicate {base} to --resume to use them, "
              f"or delete that folder", file=sys.stderr)
    if args.out:
        n = QUICK if args.quick else FULL
        also = "" if args.replicate is None else f"; a replicate, seeds {args.replicate} to {args.replicate + n - 1} (--replicate)"
        _validation_manifest(Path(args.out), {"name": "validate", "quick": args.quick, "only": args.only,
                                              "replicate": args.replicate},
                             1000, n, "every arm of every check", "validation.py", also)
    return code


def _replicate_seeds(args) -> None:
    """--replicate BASE: a block of seeds that does not overlap the checks' own, nor reach past the
    largest seed numpy takes."""
    from .experiments.validation import FULL, QUICK, SEED_BASE
    n, base = QUICK if args.quick else FULL, args.replicate
    if args.ablation:
        raise BadInput("--replicate: the ablation table runs on its own fresh seeds; use --replicate without --ablation")
    if base < SEED_BASE + n and SEED_BASE < base + n:
        raise BadInput(f"--replicate {base}: seeds {base}-{base + n - 1} overlap the checks' own {SEED_BASE}-"
                       f"{SEED_BASE + n - 1}; give a block that does not (e.g. {SEED_BASE + FULL})")
    if base + n - 1 > limits.MAX_SEED:
        raise BadInput(f"--replicate {base}: its {n} seeds would pass the largest seed; give a BASE from 0 to "
                       f"{limits.MAX_SEED - n + 1}")


def _validate_partial(out: str | None) -> Path:
    """Where `validate` keeps each finished check until its report is written: inside --out (in
    .validate-partial/), or in the user's cache without it (the temporary folder if there is no home)."""
    if out:
        return Path(out) / ".validate-partial"
    cache = os.environ.get("XDG_CACHE_HOME")
    if not cache:
        try:
            cache = Path.home() / ".cache"
        except (RuntimeError, KeyError):  # no HOME and no passwd entry (`env -i`, some containers)
            cache = Path(tempfile.gettempdir()) / f"innovation-sim-{os.getuid()}"
    return Path(cache) / "innovation-sim" / "validate-partial"


def _not_inside_a_sweep(out: Path, option: str = "--out") -> None:
    """A sweep folder is one Parquet dataset: anything written inside it but under a name starting with
    _ or . (as its own _analysis/ and _discover/ are) is read as part of it. `--out sweep/v2` doubled every
    run in pandas.read_parquet('sweep') without a word (review, session 28)."""
    out = out.resolve()  # through symbolic links: `link/../v2` may land inside a sweep
    for parent in out.parents:
        if (parent / "_manifest.json").is_file():
            below = out.relative_to(parent).parts[0]
            if not below.startswith(("_", ".")):
                raise BadInput(f"{option} {out}: is inside the sweep folder {parent}, whose readers would take it for "
                               f"part of the sweep; choose a folder outside it (or one named _{below} inside it)")
            return


def _not_another_commands(out: Path, ablation: bool) -> None:
    """validate --out may write beside other files (docs/ holds the ODD), but not into the output
    folder of another command: its manifest.json would be replaced and it could not be reproduced.
    The checks' report and the ablation table count as two commands: each writes manifest.json."""
    if (out / "_manifest.json").exists():
        raise BadInput(f"--out {out}: is a sweep folder; choose another folder for the report")
    if not (out / "manifest.json").exists():
        return
    try:
        command = json.loads((out / "manifest.json").read_text())["command"]
        name, was_ablation = command["name"], command.get("ablation") is True
    except (OSError, ValueError, KeyError, TypeError, AttributeError):  # someone's own file: not replaced (review)
        raise BadInput(f"--out {out}: holds a manifest.json that is not one of innovation-sim's (or is damaged), which the report's "
                       f"provenance would replace; choose another folder for the report") from None
    if name != "validate":
        raise BadInput(f"--out {out}: holds the output of `innovation-sim {name}` (its manifest.json); "
                       f"choose another folder for the report")
    if was_ablation != ablation:
        held, given = ("validate --ablation", "validate") if was_ablation else ("validate", "validate --ablation")
        raise BadInput(f"--out {out}: holds the output of `innovation-sim {held}` (its manifest.json, which "
                       f"`{given}` would replace: it could no longer be reproduced); choose another folder")


def _validation_manifest(folder: Path, command: dict, first: int, n: int, who: str, module: str, also: str = "") -> None:
    """Provenance of a validation or ablation report: the shipped scenarios and the fixed seeds."""
    seeds = {"master_seed": None, "seeds": [first, first + n - 1],
             "how": f"{who} runs seeds {first} to {first + n - 1} (Locality(seed=s)){also}; see model/experiments/{module}"}
    inputs = [manifest.file_entry(p, "shipped scenario") for p in sorted(SHIPPED_SCENARIOS.glob("*.toml"))]
    manifest.write(folder, manifest.build(command, inputs, seeds))


def cmd_discover(args) -> int:
    """Scenario discovery (PRIM, feature scores, CART) on a finished sweep folder."""
    from .experiments.discover import discover_folder, write
    from .experiments.sweep import SweepError
    from .viz.exploratory import discovery_figures

    folder = Path(args.folder)
    if folder.is_file():  # a scenario or experiment given where a finished sweep's folder belongs
        raise BadInput(f"{folder}: is a file; discover reads a finished sweep's folder (innovation-sim sweep "
                       f"EXPERIMENT --out DIR, then discover DIR --outcome NAME)")
    if not 0 < args.min_density <= 1:
        raise BadInput(f"--min-density {args.min_density:g}: a box's density is a share; give a number above 0 and at most 1")
    if args.threshold is not None and not math.isfinite(args.threshold):
        raise BadInput(f"--threshold {args.threshold}: give a finite number")
    out = Path(args.out) if args.out else folder / "_discover" / args.outcome
    try:
        check_replaceable(out, "discovery.json")  # before the work, and again as it is written
    except FileExistsError as e:
        raise BadInput(e.strerror) from None
    try:
        d = discover_folder(folder, args.outcome, args.threshold, min_density=args.min_density, max_boxes=args.boxes,
                            max_dims=args.max_dims)
        out = write(d, out, draw=discovery_figures)
    except SweepError as e:
        raise BadInput(str(e)) from None
    print(f"Scenario discovery on {d.runs} {d.unit} of {folder}: {d.event} in {d.base_rate:.0%} of them.\n")
    if not d.boxes:  # the whole space won: nothing restricted
        hint = (f"the whole sweep is already {d.base_rate:.0%} dense, at least --min-density {args.min_density:g}; "
                f"raise it to look for denser boxes") if d.base_rate >= args.min_density else "try a lower --min-density"
        print(f"No box: no condition on at most {args.max_dims} settings picks out {d.unit} where {d.event} "
              f"({hint})\n")
    for b in d.boxes:
        print(f"Box {b.number}: coverage {b.coverage:.2f}, density {b.density:.2f}, mass {b.mass:.2f} ({b.runs} {d.unit})")
        if b.density < args.min_density:  # the fallback of discover._pick: say it is one
            print(f"  (below --min-density {args.min_density:g}: no box of at most {args.max_dims} setting"
                  f"{'s' * (args.max_dims != 1)} holding a fifth of the cases was that dense, so this is the densest "
                  f"of them; try a lower --min-density or more --max-dims)")
        for lim in b.limits:
            print(f"  {lim['name']:<28} {lim['low']:>8.3g} to {lim['high']:.3g}")
        print(f"  {b.sentence}\n")
    top = ", ".join(f"{r.setting} {r.score:.2f}" for r in d.features.head(5).itertuples())
    print(f"Feature scores (extra trees): {top}")
    best = d.cart.sort_values(["density", "coverage"], ascending=False).head(1)
    if len(best):
        b = best.iloc[0]
        print(f"CART's densest box: density {b.density:.2f}, coverage {b.coverage:.2f} (cart_boxes.csv)")
    print(f"\nTables and figures in {out}/")
    return 0


def cmd_robust(args) -> int:
    """Every policy of an exploratory experiment across the same futures: regret and satisficing."""
    from .experiments.robust import analyse, write
    from .experiments.sweep import SweepError, SweepStopped, resume_summary, run_sweep
    from .viz.exploratory import robustness_figure

    try:
        folder = Path(args.experiment)
        if folder.is_dir() and args.out:
            raise BadInput(f"--out {args.out}: names where an experiment's sweep is run, so it is only for an "
                           f"experiment file; the robustness of the finished sweep in {folder} is written to "
                           f"{folder / '_robust'}")
        if not folder.is_dir():  # an experiment to run first (resumable, like a sweep)
            exp = load_experiment(args.experiment)
            if exp.method != "exploratory":
                raise BadInput(f"{exp.path}: design.method: robust needs method = \"exploratory\" "
                               f"([uncertainties] and [levers]), not \"{exp.method}\"")
            if args.workers is not None:
                _positive(args.workers, "--workers")
            folder = Path(args.out) if args.out else Path("runs") / f"robust-{Path(args.experiment).stem}"
            _resume_note(args.resume, folder, "sweep")
            workers = _scheduler_workers(args) if args.scheduler else _fit_sweep_workers(exp, args)
            print(f"{exp.name}: {exp.n_policies} policies x {exp.n_futures} futures x {exp.replicates} replicates "
                  f"= {exp.n_runs} runs of {exp.scenario.months} months -> {folder}/", flush=True)
            start, stats = time.perf_counter(), {}
            try:
                run_sweep(exp, folder, workers=workers, scheduler=args.scheduler, resume=args.resume, stats=stats)
            except KeyboardInterrupt:
                print(f"innovation-sim: interrupted; finished batches are kept in {folder}/; finish with: "
                      f"innovation-sim robust {args.experiment} --out {folder} --resume{_on_scheduler(args)}",
                      file=sys.stderr)
                return 130
            except SweepStopped as e:
                raise BadInput(f"{e}; finish with: innovation-sim robust {args.experiment} --out {folder} "
                               f"--resume{_on_scheduler(args)}") from None
            print(f"Done: {resume_summary(start, stats)}.\n")
        res = analyse(folder)
        out = write(res, folder / "_robust", draw=robustness_figure,
                    title=f"{res['policies']} policies across the same {res['futures']} futures")
    except SweepError as e:
        raise BadInput(str(e)) from None
    s = res["summary"]
    print(f"{res['policies']} policies across the same {res['futures']} futures (common seeds), "
          f"{res['replicates']} replicate(s) each; regret = shortfall from the best policy in the same future\n")
    pw, ow = max(len("policy"), *s.policy_label.str.len()), max(len("outcome"), *s.outcome.str.len())  # never cut:
    print(f"{'policy':<{pw}} {'outcome':<{ow}} {'mean':>8} {'mean regret':>11} {'max regret':>10} "  # two region
          f"{'satisficing':>11}")  # policies differ only at the end of their labels
    for r in s.itertuples():
        sat = f"{r.satisficing:.0%}" if pd.notna(r.satisficing) else "-"
        print(f"{r.policy_label:<{pw}} {r.outcome:<{ow}} {r.mean:>8.3g} {r.mean_regret:>11.3g} "
              f"{r.max_regret:>10.3g} {sat:>11}")
    print()
    for line in res["sentences"]:
        print(line)
    left_out = {k: v for k, v in res["dropped"].items() if v}
    if left_out:
        print(f"\nnote: futures left out because some policy has no successful run there: {left_out}")
    print(f"\nTables and figure in {out}/")
    return 0


def cmd_reproduce(args) -> int:
    from .experiments.reproduce import ReproduceError, reproduce

    if args.keep:  # checked before the re-run, which can take long
        keep = Path(args.keep)
        if keep.exists() and (not keep.is_dir() or any(keep.iterdir())):
            raise BadInput(f"--keep {keep}: already exists and is not an empty folder; choose another folder")
        _writable_folder(keep, "--keep")
    try:
        return reproduce(Path(args.folder), anyway=args.anyway, keep=Path(args.keep) if args.keep else None)
    except ReproduceError as e:
        raise BadInput(str(e)) from None


def _ablation(args) -> int:
    """`validate --ablation`: the ablation table, 800 runs per arm on fresh seeds 6000+ (validation-plan
    Addendum 9; docs/ODD.md section 8)."""
    from .experiments import ablation
    n, first = (40 if args.quick else ablation.RUNS), ablation.ABLATION_SEEDS
    print(f"Ablation: {len(ablation.ARMS)} arms and the full model, {n} runs each on seeds "
          f"{first}-{first + n - 1}", flush=True)
    text = ablation.markdown(ablation.table(n, first, progress=lambda name: print(f"  {name}", flush=True)),
                             n, first)
    text += "\n\n" + ablation.case_markdown(ablation.case_value(n, first), first)
    print(text)
    if args.out:
        folder = Path(args.out)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "ablation.md").write_text("# Ablation table\n\n" + text + "\n")
        _validation_manifest(folder, {"name": "validate", "ablation": True, "quick": args.quick, "only": None},
                             first, n, "every arm", "ablation.py")
        print(f"Table: {folder / 'ablation.md'}")
    return 0


def _positive(n: int, flag: str) -> None:
    if n < 1:
        raise BadInput(f"{flag}: must be at least 1, got {n}")


def _fit_workers(s: Scenario, args) -> int:
    """As many workers as asked (default: every core) that fit in memory beside the results, with a
    note if fewer; a ResourceError if even one does not fit (model/experiments/resources.py)."""
    what = f"run {args.scenario}"
    workers, note = plan_workers(args.workers, args.replicates, worker_bytes(s), WORKER + results_bytes(s, args.replicates), what)
    if note:
        print(f"innovation-sim: note: {note}", file=sys.stderr, flush=True)
    return workers


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None


def _scheduler(text: str) -> str:
    """An argparse type: a Dask scheduler address, checked for its form before anything starts."""
    from distributed.comm import parse_address, parse_host_port  # the sweep extra; only when given
    try:
        scheme, location = parse_address(text if "://" in text else f"tcp://{text}")
        if scheme not in ("tcp", "tls", "ws", "wss", "ucx", "inproc"):
            raise ValueError(f"unknown scheme {scheme!r}")
        if scheme != "inproc":
            parse_host_port(location)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"{text!r} is not a scheduler address ({e}); give tcp://host:port") from None
    return text


def _count(limit: limits.Limit | None = None):
    """An argparse type: a whole number of at least 1 (and within ``limit``)."""
    def parse(text: str) -> int:
        n = _whole(text)
        if n < 1:
            raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
        if limit is not None:
            try:
                limit.check(n, "")
            except limits.LimitError as e:
                raise argparse.ArgumentTypeError(str(e)) from None
        return n
    parse.__name__ = "count"
    return parse


def _seed(text: str) -> int:
    n = _whole(text)
    if not 0 <= n <= limits.MAX_SEED:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 to {limits.MAX_SEED}, got {n}")
    return n


def _ids(text: str) -> list[int]:
    """Check numbers: one, or several separated by commas (`--only 1,2 3` is 1, 2 and 3)."""
    return [_whole(part) for part in text.split(",") if part.strip()] or [_whole(text)]


def _port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage block), exit code 2."""

    def error(self, message: str):
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    ap = _Parser(
        prog="innovation-sim",
        description="Simulate how a locality's public services innovate, and ask 'what if?'. "
                    "A scenario file describes a place and a timeline of events; each run repeats it "
                    "many times so that results come with honest uncertainty.",
        epilog="Start with: innovation-sim scenarios   then   innovation-sim run baseline",
    )
    ap.add_argument("--version", action="version", version=f"innovation-sim {version()}")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p, out: bool = True, own_run_table: bool = False):
        # `run` reads a scenario's [run] table (a region: 4 replicates; a resolved scenario: its seed);
        # compare and brief run every scenario on the command line's, so that they share seeds
        dflt = (lambda n: f"the scenario's [run] table, else {n}") if own_run_table else str
        p.add_argument("--steps", type=int, metavar="N", help="months to simulate (default: the scenario's, usually 120)")
        p.add_argument("--replicates", type=_count(limits.REPLICATES), metavar="R",
                       help=f"how many runs of each scenario (default {dflt(DEFAULT_REPLICATES)}); more runs, "
                            f"narrower uncertainty")
        p.add_argument("--seed", type=_seed, metavar="S",
                       help=f"random seed (default {dflt(1)}): the same seed gives exactly the same results")
        p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                       help="change one setting for this run, e.g. --set openness=0.7 (repeatable; "
                            "see `innovation-sim params`)")
        p.add_argument("--workers", type=_count(), metavar="W", help="processes to use (default: all cores)")
        if out:
            p.add_argument("--out", metavar="DIR", help="folder for the results (default: runs/<name>-<time>/)")
            p.add_argument("--no-figures", action="store_true", help="skip drawing the figures")

    run = sub.add_parser("run", help="run one scenario many times and summarise it",
                         description="Run one scenario many times (in parallel) and write timeseries.csv, "
                                     "events.csv, summary.json, scenario.resolved.toml and figures/ to a folder.")
    run.add_argument("scenario", metavar="SCENARIO", help="a shipped scenario's name (see `innovation-sim scenarios`) or a .toml file")
    common(run, own_run_table=True)
    run.set_defaults(func=cmd_run)

    cmp_ = sub.add_parser("compare", help="run several scenarios side by side",
                          description="Run each scenario the same number of times on the same seeds and compare "
                                      "each with the first, pair by pair: B - A per field with a 90% interval, "
                                      "P(B > A) and one sentence per field (comparison.csv, summary.json), and "
                                      "overlay figures.")
    cmp_.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="two or more scenarios (names or .toml files)")
    common(cmp_)
    cmp_.set_defaults(func=cmd_compare)

    br = sub.add_parser("brief", help="a brief for a committee: HTML page and PDF of a what-if",
                        description="Run the scenarios as `compare` does (paired on the same seeds) and write one "
                                    "self-contained HTML page (and a PDF of at most four A4 pages beside it): the "
                                    "question, what differs, the differences with intervals, value curves, what the "
                                    "model cannot say and how to reproduce it.")
    br.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="two to four scenarios; the first is the reference (A)")
    common(br, out=False)
    br.add_argument("--out", metavar="FILE.html", help="the brief (default: runs/brief-<names>-<time>.html); the PDF goes beside it")
    br.add_argument("--question", metavar="TEXT", help="the question the brief answers (default: written from the scenarios)")
    br.add_argument("--no-pdf", action="store_true", help="write the HTML page only")
    br.set_defaults(func=cmd_brief)

    sw = sub.add_parser("sweep", help="run a parameter sweep or sensitivity analysis (Dask)",
                        description="Run an experiment from experiments/ (a grid, Latin hypercube, Sobol or "
                                    "Morris design) on a local Dask cluster or an existing one, streaming one row "
                                    "per run into a Parquet folder. Interrupt at any time; --resume finishes it.")
    sw.add_argument("experiment", nargs="?", metavar="EXPERIMENT", help="a shipped experiment's name or a .toml file")
    sw.add_argument("--workers", type=_count(), metavar="N", help="worker processes for the local cluster (default: all cores)")
    sw.add_argument("--scheduler", type=_scheduler, metavar="ADDRESS", help="use an existing Dask cluster, e.g. tcp://host:8786")
    sw.add_argument("--out", metavar="DIR", help="results folder (default: runs/sweep-<experiment>/)")
    sw.add_argument("--resume", action="store_true", help="finish an interrupted sweep in --out: run only what is missing")
    sw.add_argument("--analyse", metavar="DIR", help="analyse a finished sweep folder: Sobol/Morris indices and figures")
    sw.set_defaults(func=cmd_sweep)

    ca = sub.add_parser("calibrate", help="fit settings to observations: sequential ABC (ABC-SMC) on Dask",
                        description="Fit the settings of a calibration file ([abc], [prior], [summaries]; see "
                                    "docs/calibration/abc.md) by the adaptive ABC-SMC of Lenormand et al. (2013): each "
                                    "generation is a resumable sweep on a local Dask cluster or an existing one. "
                                    "Writes particles.parquet, posterior.csv, summary.json and figures; with a [null] "
                                    "section, fits the null model too and compares them by posterior predictive fit. "
                                    "Interrupt at any time; --resume finishes it with identical results.")
    ca.add_argument("experiment", metavar="EXPERIMENT", help="a calibration file: a shipped name or a .toml file")
    ca.add_argument("--out", metavar="DIR", help="results folder (default: calibrations/<experiment>/)")
    ca.add_argument("--workers", type=_count(), metavar="N", help="worker processes for the local cluster (default: all cores)")
    ca.add_argument("--scheduler", type=_scheduler, metavar="ADDRESS", help="use an existing Dask cluster, e.g. tcp://host:8786")
    ca.add_argument("--resume", action="store_true", help="finish an interrupted calibration in --out (a finished one: nothing to do), or go on from its generations with a file that differs only in max_generations or p_acc_min")
    ca.add_argument("--force", action="store_true", help="start again in --out, deleting the calibration there")
    ca.add_argument("--predictive", type=_count(limits.RUNS), metavar="N",
                    help="then N posterior predictive runs on fresh seeds: the share within each summary's band "
                         "(coverage.csv; default with a [null] section: the population size)")
    ca.add_argument("--confirm", type=_seed, metavar="SEED",
                    help="then a second predictive set on fresh seeds of SEED (not the calibration's): the coverage "
                         "on regions the fit was neither fitted to nor first judged on (confirm-SEED-N.csv, "
                         "coverage-SEED-N.csv; N from --predictive, else the first set's size)")
    ca.set_defaults(func=cmd_calibrate)

    va = sub.add_parser("validate", help="check the model against what the source reports say",
                        description="Run the named validation checks (claims from the source reports, each "
                                    "measured on a fixed-seed ensemble) and print a table; exit code 1 if any fails.")
    va.add_argument("--quick", action="store_true", help="small ensembles (40 runs per arm) for a fast check")
    va.add_argument("--out", metavar="DIR", help="also write DIR/validation.md")
    va.add_argument("--only", type=_ids, nargs="+", metavar="ID", help="run only these checks (1 2 3 or 1,2,3)")
    va.add_argument("--force", action="store_true", help="replace the report already in --out")
    va.add_argument("--replicate", type=_seed, metavar="BASE",
                    help="also run the checks on seeds BASE onwards and show each verdict beside the registered one "
                         "(how far it depends on its seeds; the exit code is the registered seeds'), e.g. 1200")
    va.add_argument("--resume", action="store_true",
                    help="finish an interrupted validation: the checks it finished (kept in DIR/.validate-partial, "
                         "or in your cache without --out) are not run again")
    va.add_argument("--ablation", action="store_true",
                    help="instead of the checks, the ablation table: what each corner, flow, link layer and "
                         "mechanism contributes (800 fresh runs per arm, seeds 6000+; DIR/ablation.md with --out)")
    va.set_defaults(func=cmd_validate)

    di = sub.add_parser("discover", help="scenario discovery on a finished sweep: under which conditions does it happen?",
                        description="Run PRIM (boxes of conditions with coverage and density, and the peeling "
                                    "trajectory), feature scoring and CART (the EMA Workbench's) on a finished sweep "
                                    "folder, and say in words where the outcome happens.")
    di.add_argument("folder", metavar="DIR", help="a finished sweep folder (innovation-sim sweep ... --out DIR)")
    di.add_argument("--outcome", required=True, metavar="NAME", help="an outcome column, e.g. reached_embedding")
    di.add_argument("--threshold", type=float, metavar="X",
                    help="for an outcome that is not 0/1: it happens when at least X (at most, if it is to be minimised)")
    di.add_argument("--min-density", type=float, default=0.8, metavar="D",
                    help="pick on the peeling trajectory the box with most coverage among those at least this dense "
                         "(default 0.8); if none is, the densest, and it says so")
    di.add_argument("--boxes", type=_count(), default=3, metavar="N", help="at most N boxes (default 3)")
    di.add_argument("--max-dims", type=_count(), default=3, metavar="K",
                    help="a box restricts at most K settings (default 3), so it can be read")
    di.add_argument("--out", metavar="DIR", help="where to write (default: DIR/_discover/<outcome>/)")
    di.set_defaults(func=cmd_discover)

    ro = sub.add_parser("robust", help="which policy holds up across futures? regret and satisficing of levers",
                        description="Run every lever combination of an exploratory experiment (experiments/*.toml "
                                    "with [uncertainties] and [levers]) across the same sample of futures with the "
                                    "same seeds, then report each policy's regret and the share of futures where it "
                                    "is good enough, with a figure. Given a finished folder, only the analysis runs.")
    ro.add_argument("experiment", metavar="EXPERIMENT", help="an exploratory experiment (name or .toml), or its finished folder")
    ro.add_argument("--out", metavar="DIR", help="results folder (default: runs/robust-<experiment>/)")
    ro.add_argument("--workers", type=_count(), metavar="N", help="worker processes (default: all cores)")
    ro.add_argument("--scheduler", type=_scheduler, metavar="ADDRESS", help="use an existing Dask cluster, e.g. tcp://host:8786")
    ro.add_argument("--resume", action="store_true", help="finish an interrupted run in --out")
    ro.set_defaults(func=cmd_robust)

    rp = sub.add_parser("reproduce", help="re-run a run, comparison, sweep, calibration or validation folder from its manifest and compare",
                        description="Re-run the command that wrote DIR (from DIR/manifest.json: inputs, seeds, "
                                    "code and package versions) into a temporary folder and say whether every "
                                    "output is byte for byte the same. Refuses when the code or a package differs.")
    rp.add_argument("folder", metavar="DIR", help="a folder written by run, compare, sweep, calibrate or validate --out")
    rp.add_argument("--anyway", action="store_true", help="re-run even if the code or packages differ; report what differs")
    rp.add_argument("--keep", metavar="DIR", help="keep the re-run's outputs in DIR")
    rp.set_defaults(func=cmd_reproduce)

    sc = sub.add_parser("scenarios", help="list the shipped scenarios", description="List the shipped scenarios with one line each.")
    sc.set_defaults(func=cmd_scenarios)

    app = sub.add_parser("app", help="start the workshop app in the browser (http://127.0.0.1:8765)",
                         description="Start the interactive workshop app (app.py, built on Mesa and solara): "
                                     "play a scenario month by month, shock it live, compare two runs, and "
                                     "download the data and figures. Serves on 127.0.0.1 only and works offline.")
    app.add_argument("scenario", nargs="?", default="baseline", metavar="SCENARIO",
                     help="the scenario it opens on: a shipped name or a .toml file (default: baseline); "
                          "another can be picked in the app")
    app.add_argument("--port", type=int, default=8765, metavar="N", help="port to serve on (default 8765)")
    app.add_argument("--no-open", dest="open", action="store_false", help="do not open a browser window")
    app.set_defaults(func=cmd_app)

    ws = sub.add_parser("workshop", help="run a participatory workshop: each table steers a place of a region",
                        description="Start a workshop server: participants join from their own browsers with a short "
                                    "code and a table name; each table steers one place of a small region (6-12 places; "
                                    "the model plays the rest). Each round (a quarter by default) a table chooses "
                                    "levers from a budget: back a trial (2 units), stop a project (free, 1 back), seek "
                                    "a grant (1), shield a field from inspection (1), share ideas with peers (1), copy "
                                    "a neighbour's proven idea (1), change the chief executive (3); a table that does "
                                    "not choose keeps its last choice. The facilitator's screen (a secret address) "
                                    "ends rounds, fires shocks (inspection, election, crisis, budget cut) and ends "
                                    "the workshop; the debrief compares every table with the same region played by "
                                    "the model alone. Serves on 127.0.0.1 only unless --lan; saved after every change "
                                    "and resumed when started again. Levers and costs: docs/ODD.md, Workshop levers.",
                        epilog="Example: innovation-sim workshop workshop_region --lan --rounds 8 --round-months 3")
    ws.add_argument("scenario", nargs="?", default="workshop_region", metavar="SCENARIO",
                    help="a region scenario of 6-12 places (default workshop_region), or any scenario with --places N")
    ws.add_argument("--places", type=int, metavar="N", help="places in the region, 6 to 12 (default: the scenario's; 10 for a single locality)")
    ws.add_argument("--rounds", type=int, default=8, metavar="R", help="rounds to play (default 8)")
    ws.add_argument("--round-months", type=int, default=3, metavar="M", help="months of model time per round: 3, 6 or 12 (default 3)")
    ws.add_argument("--timer", type=int, default=0, metavar="S", help="seconds before a round ends by itself (default 0: the facilitator ends it)")
    ws.add_argument("--seed", type=_seed, default=1, metavar="S", help="random seed (default 1)")
    ws.add_argument("--ensemble", type=int, default=20, metavar="K", help="model-alone runs for the debrief (default 20)")
    ws.add_argument("--port", type=int, default=8770, metavar="N", help="port to serve on (default 8770)")
    ws.add_argument("--lan", action="store_true", help="serve on the local network (all interfaces) and print its address")
    ws.add_argument("--save", metavar="FILE", help="state file (default workshop-<scenario>.json); if it exists, the workshop resumes from it")
    ws.set_defaults(func=cmd_workshop)

    pa = sub.add_parser("params", help="list every setting a scenario can change",
                        description="Every parameter: its name, default, allowed range, unit and meaning.")
    pa.add_argument("--markdown", action="store_true", help="print as a Markdown table with sources")
    pa.set_defaults(func=cmd_params)

    oc = sub.add_parser("outcomes", help="list the columns of a sweep's results (what each outcome means)",
                        description="The columns of a sweep's Parquet parts and time series: each outcome a run "
                                    "reports, for a lone council and for a region (the names a calibration's "
                                    "targets may use).")
    oc.set_defaults(func=cmd_outcomes)
    return ap


class _Interrupt:
    """Ctrl-C once stops the command; a second one (impatient users; `timeout -s INT` sends two)
    is ignored, so it cannot cut the clean-up short (workers left running, a traceback); a third
    stops even the clean-up."""
    count = 0
    signum: int | None = None  # the first: SIGTERM's exit code is 143, Ctrl-C's 130 (128 + the signal)

    @classmethod
    def handler(cls, signum, frame):
        cls.count += 1
        if cls.signum is None:
            cls.signum = signum
        if cls.count != 2:
            raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    code = _main(argv)
    if code == 130 and _Interrupt.signum == signal.SIGTERM:  # as a shell reports a command ended by it
        return 143
    return code


def _main(argv: list[str] | None) -> int:
    before, restore, restore_term = set(_CLAIMS), None, None
    _Interrupt.signum = None
    if threading.current_thread() is threading.main_thread():
        restore, _Interrupt.count = signal.signal(signal.SIGINT, _Interrupt.handler), 0
        # SIGTERM (`timeout`, a cluster's scheduler at the end of a job's time) stops as Ctrl-C does:
        # finished work kept, one line saying how to resume.
        restore_term = signal.signal(signal.SIGTERM, _Interrupt.handler)
    try:
        args = _parser().parse_args(argv)
        limits.PROGRESS_SECONDS.value()  # a bad value refused before any work, on a terminal too
        for flag in ("out", "keep", "analyse"):  # `--out "$DIR"` with DIR unset: not the default, a mistake
            value = getattr(args, flag, None)
            if value is not None and not str(value).strip():
                print(f"innovation-sim: error: --{flag}: empty; give a folder or file name, or leave --{flag} out",
                      file=sys.stderr)
                return EXIT_BAD_INPUT
        if args.command in ("compare", "brief") and len(args.scenarios) < 2:
            print(f"innovation-sim {args.command}: error: give at least two scenarios", file=sys.stderr)
            return EXIT_BAD_INPUT
        for flag in ("out", "keep"):
            if getattr(args, flag, None):
                _not_inside_a_sweep(Path(getattr(args, flag)), f"--{flag}")
        return args.func(args)
    except (ScenarioError, BadInput, limits.LimitError, ResourceError) as e:
        print(f"innovation-sim: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # `innovation-sim params | head`
        return reader_gone()
    except OSError as e:  # a file that could not be read or written, outside the cases handled above
        print(f"innovation-sim: error: {_reason(e)}; nothing was written", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("innovation-sim: interrupted; nothing was written", file=sys.stderr)
        return 130
    finally:
        for folder in set(_CLAIMS) - before:  # reserved by this command, never filled: give it back
            _CLAIMS[folder].release()
        if argv is None and restore is not None:
            # The program's own run (not a call from Python): its outcome is said, and what is left is
            # the interpreter's exit. A Ctrl-C now (a second, impatient one) only broke an exit hook
            # with a traceback under the one-line message; SIGTERM ends it at once, without one.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
        else:
            if restore is not None:
                signal.signal(signal.SIGINT, restore)
            if restore_term is not None:
                signal.signal(signal.SIGTERM, restore_term)


if __name__ == "__main__":
    raise SystemExit(main())
