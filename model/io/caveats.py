"""What a brief says the model cannot say, read at run time from the documentation: the short
maintained text docs/what_the_model_cannot_say.md, the number of rules marked as assumptions in
docs/ODD.md, and the validation status recorded in docs/validation.md (with a warning when the
model's code changed after that report was made). Nothing here hard-codes a result: when the
documents change, the next brief says so."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..core.parameters import REGISTRY
from .manifest import ROOT, git

DOCS = ROOT / "docs"
LIMITS_FILE = "what_the_model_cannot_say.md"
MAX_DOC_BYTES = 2_000_000  # the docs are ours, but a brief should not read a runaway file


@dataclass
class Check:
    id: str
    claim: str
    source: str
    result: str  # "pass", "fail", "disagrees (known)", "not run", ...


@dataclass
class Caveats:
    limits: list[str] = field(default_factory=list)  # plain-words bullets
    assumptions: int | None = None  # rules marked **assumption** in ODD.md (None: not found)
    settings: int = 0  # settings in the parameter registry
    assumed_settings: int = 0  # of which the source says the value (or size) is an assumption
    report: str | None = None  # the validation report's first line under its title
    summary: str | None = None  # "14 passed, 0 failed, ..."
    checks: list[Check] = field(default_factory=list)
    stale: str | None = None  # why the recorded status may be out of date
    missing: list[str] = field(default_factory=list)  # documents not found

    def disagreements(self) -> list[Check]:
        return [c for c in self.checks if c.result != "pass"]


def _read(path: Path) -> str | None:
    try:
        if path.is_file() and path.stat().st_size <= MAX_DOC_BYTES:
            return path.read_text(encoding="utf-8")
    except OSError:
        pass
    return None


def bullets(text: str) -> list[str]:
    """Markdown bullets ("- " at the start of a line, continued by indented lines) as strings."""
    out: list[str] = []
    for line in text.splitlines():
        if line.startswith("- "):
            out.append(line[2:].strip())
        elif out and line.startswith("  ") and line.strip():
            out[-1] += " " + line.strip()
    return out


def validation_table(text: str) -> tuple[str | None, str | None, list[Check]]:
    """(report line, summary line, checks) from docs/validation.md as `innovation-sim validate`
    writes it: a title, a line on the runs, a summary line, then a table id | claim | source |
    measured | expected | ... | result, and with --replicate a last column of the verdicts on other
    seeds (not the result)."""
    lines = [line.strip() for line in text.splitlines()]
    prose = [line for line in lines if line and not line.startswith(("#", "|", "!"))]
    report = prose[0] if prose else None
    summary = next((line.split(".")[0] for line in prose if re.match(r"^\d+ passed", line)), None)
    checks, at = [], -1
    for line in lines:
        # cells split at unescaped bars (the report escapes the bars of "|x| < 0.1"); reports before
        # session 26 did not, so the result is counted from the end, where no such bar can shift it
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip("|"))] \
            if line.startswith("|") else []
        if cells[:1] == ["id"] and "result" in cells:
            at = cells.index("result") - len(cells)
        if len(cells) >= 6 and cells[0].isdigit():
            result = re.sub(r"\s*\([^()]*\)$", "", cells[at]).replace("**", "")  # the report bolds a failure
            checks.append(Check(cells[0], cells[1], cells[2], result))
    return report, summary, checks


def _stale(docs: Path) -> str | None:
    """Why the recorded validation status may not describe the code that runs (None: no reason)."""
    root = docs.parent
    report = git("log", "-1", "--format=%ct", "--", str(docs / "validation.md"), root=root)
    code = git("log", "-1", "--format=%ct %h", "--", "model/core", root=root)
    if report and code and int(code.split()[0]) > int(report):
        return (f"the model's code has changed (commit {code.split()[1]}) since the validation report was "
                f"made; its status may no longer hold until `innovation-sim validate` is run again")
    if git("status", "--porcelain", "--untracked-files=no", "--", "model/core", root=root):
        return ("the model's code has uncommitted changes; the recorded validation status may not hold "
                "for it until `innovation-sim validate` is run again")
    return None


def read(docs: Path = DOCS) -> Caveats:
    c = Caveats(settings=len(REGISTRY),
                assumed_settings=sum("assumption" in p.source.lower() for p in REGISTRY.values()))
    text = _read(docs / LIMITS_FILE)
    if text is None:
        c.missing.append(f"docs/{LIMITS_FILE}")
    else:
        c.limits = bullets(text)
    odd = _read(docs / "ODD.md")
    if odd is None:
        c.missing.append("docs/ODD.md")
    else:
        c.assumptions = len(re.findall(r"\*\*assumption", odd, flags=re.I))
    val = _read(docs / "validation.md")
    if val is None:
        c.missing.append("docs/validation.md")
    else:
        c.report, c.summary, c.checks = validation_table(val)
        c.stale = _stale(docs)
    return c
