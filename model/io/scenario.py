"""Scenario files: TOML -> validated parameters, fields and scheduled shocks.

A scenario file (see scenarios/*.toml) has:

    name = "Inspection failure"
    description = "One line for the scenario list; more lines for the reader."
    extends = "baseline.toml"        # optional: start from another scenario, override what changes
    start_year = 2000                # optional: month 0 is January of this year
    months = 120                     # optional: default run length
    fields = ["education", ...]      # optional: the service fields (default: five)
    [initial_phases]                 # optional: field = phase (0-4, or its name: "mobilisation")
    [parameters]                     # any subset of the registry (innovation-sim params)
    [[events]]                       # the timeline of shocks
    month = 12                       # or: date = "2002-03" (needs start_year)
    kind = "underperformance"
    field = "education"              # or "all" (the default)
    magnitude = 1.0
    duration = 24                    # optional
    role = "chief_executive"         # leadership events only
    layer = "horizontal"             # partnership events only: systemic_sectoral, sectoral_frontline,
                                     # frontline_public or horizontal
    posterior = "fit/posterior.csv"  # optional: a calibration's posterior; each replicate draws its
                                     # settings from it by weight (Scenario.for_replicate), except those
    not_drawn = ["trigger_rate"]     # listed here, given with --set, or set by a file extending the
                                     # one that names the posterior (a what-if keeps what it changes)

Every error is one line naming the file, the key path, what was wrong and what is allowed.

``extends`` rule: the name is a path relative to the file that says it (an absolute path also
works; a bare name with no such file beside it, ``"baseline.toml"`` or ``"baseline"``, means the
shipped scenario of that name), and the file it reaches must lie within the folder tree of the scenario that was asked
for (the file given to ``load`` and everything below its folder), within the shipped
``scenarios/`` folder, or within a folder listed in the environment variable
INNOVATION_SIM_EXTENDS_ROOTS (separated by ``:``; symbolic links are followed before the check).
Anything else is refused before it is read, so a scenario cannot make the program read, or echo
values from, an arbitrary file on the machine. A chain holds at most 32 files
(INNOVATION_SIM_MAX_EXTENDS) and a file at most 1,000,000 bytes (INNOVATION_SIM_MAX_FILE_BYTES);
a byte-order mark at the start of a file is allowed. See model/io/limits.py.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import hashlib
import math
import os
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, ValidationError, create_model, field_validator

from ..core.events import KINDS, LEADER_ROLES, LINK_LAYERS, Shock
from ..core.lifecycle import PHASE_NAMES
from ..core.locality import DEFAULT_FIELDS, Locality
from ..core.outcomes import slug
from ..core.parameters import ADDED_AT_DEFAULT, REGION_PARAMS, REGISTRY, ParameterError, resolve
from ..core.region import GROUPS, REGIONS, TYPES, Region, RegionEvent, RegionSpec
from . import limits
from .unreadable import why_unreadable

SHIPPED = Path(__file__).resolve().parents[2] / "scenarios"
MAX_MONTHS = 1200
MAX_MAGNITUDE = 10.0  # a shock's size, either way


class ScenarioError(ValueError):
    """A scenario that cannot be used. The message is one line, starting with the file."""


def _not_bool(v):
    """TOML's true/false is not a number (pydantic would read it as 1/0), nor is a quoted "0.5"
    (pydantic would read the text as the number, hiding a typing slip)."""
    if isinstance(v, bool):
        raise ValueError(f"must be a number, not {str(v).lower()}")
    if isinstance(v, str):
        raise ValueError(f"must be a number, not the text {v!r} (write it without quotes)")
    return v


Float = Annotated[float, BeforeValidator(_not_bool)]  # finite: every model below sets allow_inf_nan=False
Int = Annotated[int, BeforeValidator(_not_bool)]
STRICT = ConfigDict(extra="forbid", allow_inf_nan=False)


def _param_field(p):
    kind = Int if p.kind is int else Float
    return (kind | None, Field(default=None, ge=p.low, le=p.high, strict=False))


ParametersModel = create_model(
    "Parameters", __config__=STRICT,
    **{name: _param_field(p) for name, p in REGISTRY.items()},
)


class EventModel(BaseModel):
    model_config = STRICT
    month: Int | None = Field(default=None, ge=0, le=MAX_MONTHS)
    date: str | None = Field(default=None, pattern=r"^\d{4}(-(0[1-9]|1[0-2]))?$")
    kind: Literal[tuple(KINDS)]  # type: ignore[valid-type]
    field: str = "all"
    magnitude: Float = Field(default=1.0, ge=-MAX_MAGNITUDE, le=MAX_MAGNITUDE)
    duration: Int | None = Field(default=None, ge=1, le=MAX_MONTHS)
    role: Literal[tuple(LEADER_ROLES)] | None = None  # type: ignore[valid-type]
    layer: Literal[tuple(LINK_LAYERS)] | None = None  # type: ignore[valid-type]
    note: str | None = None

    def shock(self, month: int, field: str | None) -> Shock:
        """The Shock this entry describes, at ``month`` on ``field`` (None: every field), as
        resolved by the file that holds it; ValueError from Shock's own checks."""
        return Shock(month, self.kind, field=field, magnitude=self.magnitude, duration=self.duration,
                     role=self.role, layer=self.layer)


class RunModel(BaseModel):
    """What a resolved scenario records of the run that wrote it (defaults for re-running it)."""
    model_config = STRICT
    seed: Int | None = Field(default=None, ge=0, le=limits.MAX_SEED)
    replicates: Int | None = Field(default=None, ge=1)  # and at most limits.REPLICATES, checked in load()
    version: str | None = None


class RegionEventModel(EventModel):
    share: Float = Field(default=1.0, ge=0.0, le=1.0)  # the share of places it hits, drawn at random
    group: str | None = None  # a type or an English region (default: every place)


RegionModel = create_model(
    "Region", __config__=STRICT,
    survey=(str | None, Field(default=None, pattern=r"^\d{4}(-(0[1-9]|1[0-2]))?$")),
    spread=(dict[str, Float], Field(default_factory=dict)),
    effects=(dict[str, dict[str, Float]], Field(default_factory=dict)),
    events=(list[RegionEventModel], Field(default_factory=list)),
    **{name: _param_field(p) for name, p in REGION_PARAMS.items()},
)


class ScenarioModel(BaseModel):
    model_config = STRICT
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    extends: str | None = None
    start_year: Int | None = Field(default=None, ge=1900, le=2200)
    months: Int = Field(default=120, ge=1, le=MAX_MONTHS)
    fields: list[str] = Field(default_factory=lambda: list(DEFAULT_FIELDS), min_length=1, max_length=12)
    initial_phases: dict[str, Any] = Field(default_factory=dict)  # 0-4 or a phase's name; checked in _phase
    parameters: ParametersModel = Field(default_factory=ParametersModel)  # type: ignore[valid-type]
    events: list[EventModel] = Field(default_factory=list)
    replace_events: StrictBool = False
    run: RunModel | None = None
    region: RegionModel | None = None  # type: ignore[valid-type]
    posterior: str | None = Field(default=None, min_length=1)  # a calibration's posterior.csv, relative to the file
    not_drawn: list[str] = Field(default_factory=list)  # posterior settings this scenario keeps at its own values

    @field_validator("name", "description")
    @classmethod
    def _not_blank(cls, v: str, info) -> str:
        if not v.strip():
            raise ValueError("must not be blank")
        longest = 200 if info.field_name == "name" else 10_000  # a name titles figures and lists
        if len(v) > longest:
            raise ValueError(f"is {len(v)} characters long (allowed: up to {longest})")
        # Control characters (a terminal escape, NUL) only: a no-break space or a joiner is text.
        if any(unicodedata.category(c) == "Cc" and (info.field_name == "name" or c not in "\n\t") for c in v):
            raise ValueError("holds a control character (allowed: printable text"
                             f"{', new lines and tabs' if info.field_name == 'description' else ''})")
        return v


def first_line(text: str) -> str:
    """The first non-blank line of a description (what scenario lists show)."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


@dataclass
class Scenario:
    """A validated, fully resolved scenario (``extends`` applied)."""

    name: str
    description: str
    path: Path | None
    months: int = 120
    start_year: int | None = None
    fields: list[str] = field(default_factory=lambda: list(DEFAULT_FIELDS))
    initial_phases: dict[str, int] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)  # overrides only
    events: list[Shock] = field(default_factory=list)
    run_seed: int | None = None  # from a resolved scenario's [run] table
    run_replicates: int | None = None
    region: RegionSpec | None = None  # a [region] table: many localities built from this template
    posterior: Path | None = None  # a calibration's weighted posterior sample (posterior.csv)
    fixed: tuple[str, ...] = ()  # settings overridden since loading: a posterior draw leaves them alone

    def build(self, seed: int) -> Locality | Region:
        if self.region is not None:
            return Region(self, self.region, seed=seed)
        return Locality(seed=seed, fields=self.fields, initial_phases=self.initial_phases,
                        events=self.events, **self.parameters)

    def build_drawn(self, seed: int) -> Locality | Region:
        """The model a run with this seed builds: on the settings drawn for the seed when the scenario
        carries a posterior (``for_replicate``), on its own values otherwise."""
        return self.for_replicate(seed)[0].build(seed)

    def with_overrides(self, months: int | None = None, parameters: dict[str, Any] | None = None,
                       where: str = "--set", months_from: str = "--steps") -> "Scenario":
        """A copy with a new run length and/or parameter overrides, re-checked; ``months_from``
        names where the run length came from, for the errors."""
        new = Scenario(**{**self.__dict__, "parameters": dict(self.parameters),
                          "events": list(self.events)})
        if new.region is not None:
            new.region = RegionSpec(dict(new.region.params), dict(new.region.spread),
                                    {g: dict(v) for g, v in new.region.effects.items()}, list(new.region.events))
        for name, value in (parameters or {}).items():
            if name.startswith(("region.", "effects.")):
                _override_region(new, name, value, where)
                continue
            if name not in REGISTRY:
                hint = f" (a region setting: use region.{name})" if name in REGION_PARAMS else \
                    " (the run's length: use --steps)" if name in ("months", "steps") and where == "--set" else \
                    did_you_mean(name, REGISTRY)
                raise ScenarioError(f"{where}: unknown parameter '{name}'{hint}")
            _check_finite(value, REGISTRY[name], where)
            try:
                new.parameters[name] = REGISTRY[name].check(value, where)
            except ParameterError as e:
                raise ScenarioError(str(e)) from None
        if new.posterior is not None:
            new.fixed = tuple(dict.fromkeys((*new.fixed, *(parameters or {}))))
        if months is not None:
            if not 1 <= months <= MAX_MONTHS:
                raise ScenarioError(f"{months_from}: {months} is out of range (allowed: 1 to {MAX_MONTHS} months)")
            new.months = months
        changed = f" with {where} {', '.join(parameters)}" if parameters else ""  # the file alone was fine
        _check_event_months(new, f"{self.path or self.name}{changed}", months_from if months is not None else None)
        return new

    def replicate_parameters(self, seeds) -> list[dict] | None:
        """Each seed's locality settings as ``for_replicate`` draws them (None without a posterior):
        what a batched ensemble (``core.locality.Ensemble(per_replicate=...)``) runs."""
        if self.posterior is None:
            return None
        return [self.for_replicate(int(seed))[0].parameters for seed in seeds]

    def drawn_names(self) -> list[str]:
        """The settings ``for_replicate`` draws from the posterior: its columns not fixed (none
        without a posterior)."""
        if self.posterior is None:
            return []
        return [n for n in read_posterior(self.posterior)[0] if not _is_fixed(n, self.fixed)]

    def for_replicate(self, seed: int) -> tuple["Scenario", dict[str, float]]:
        """The scenario a replicate with this seed runs, and the settings drawn for it: with a
        ``posterior``, one particle drawn by weight from a stream of its own (so arms of a compare
        on the same seeds draw the same particle), which carries the calibration's parameter
        uncertainty into an ensemble; otherwise the scenario itself."""
        if self.posterior is None:
            return self, {}
        names, values, weights = read_posterior(self.posterior)
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(POSTERIOR_STREAM,)))
        drawn = {n: v for n, v in _particle(names, values[rng.choice(len(values), p=weights)]).items()
                 if not _is_fixed(n, self.fixed)}
        out = self.with_overrides(parameters=drawn, where=f"{self.posterior}")
        out.posterior, out.fixed = None, ()
        return out, drawn

    def to_toml_dict(self) -> dict[str, Any]:
        """Everything needed to re-run: every parameter's value, not just the overrides."""
        out: dict[str, Any] = {"name": self.name, "description": self.description, "months": self.months}
        if self.start_year is not None:
            out["start_year"] = self.start_year
        out["fields"] = list(self.fields)
        if self.initial_phases:
            out["initial_phases"] = dict(self.initial_phases)
        out["parameters"] = resolve(self.parameters)
        out["events"] = [e.as_toml() for e in self.events]
        out["replace_events"] = True
        if self.region is not None:
            out["region"] = self.region.to_toml_dict()
        if self.posterior is not None:
            out["posterior"] = str(self.posterior)
            names = read_posterior(self.posterior)[0]  # --set names any setting; only the posterior's matter
            if kept := [n for n in self.fixed if n in names]:
                out["not_drawn"] = kept
        return out

    def identity(self) -> dict[str, Any]:
        """What a digest hashes: ``to_toml_dict`` with the posterior named by its content, not by its
        path, so a folder's digest does not depend on where the project sits."""
        out = self.to_toml_dict()
        for table, names in ADDED_AT_DEFAULT.items():
            params = out.get(table) or {}
            registry = REGION_PARAMS if table == "region" else REGISTRY
            for n in names & params.keys():
                if params[n] == registry[n].default:
                    del params[n]
        if self.posterior is not None:
            out["posterior"] = "sha256:" + hashlib.sha256(Path(self.posterior).read_bytes()).hexdigest()
        return out


def offset_groups(name: str) -> tuple[str, list[str]] | None:
    """(setting, groups as written) of a group offset ``effects.<g1>[+<g2>...].<setting>``, else None."""
    parts = name.split(".")
    return (parts[2], parts[1].split("+")) if len(parts) == 3 and parts[0] == "effects" else None


def shared_groups(a: str, b: str) -> set[str]:
    """The groups for which two names set the same offset (none unless both are offsets of one setting)."""
    oa, ob = offset_groups(a), offset_groups(b)
    return set(oa[1]) & set(ob[1]) if oa and ob and oa[0] == ob[0] else set()


def _is_fixed(name: str, fixed) -> bool:
    """Whether a posterior's setting is fixed by these names: itself, or, for an offset fitted for
    several groups at once (effects.a+b.x), the same offset set for any of its groups (as
    ``_not_drawn`` reads the files), so a what-if or a design on one group is not drawn over."""
    return name in fixed or any(shared_groups(name, f) for f in fixed)


POSTERIOR_STREAM = 7919  # spawn key of the posterior draw: a stream apart from the run's own


def _particle(names: tuple[str, ...], row: np.ndarray) -> dict[str, float | int]:
    """A posterior row as settings. A whole-number setting (e.g. region.burn_in) is fitted as a
    continuous one and rounded when run, as the sweep runner does."""
    out: dict[str, float | int] = {}
    for name, value in zip(names, row.tolist()):
        p = REGION_PARAMS.get(name[len("region."):]) if name.startswith("region.") else REGISTRY.get(name)
        out[name] = int(round(value)) if p is not None and p.kind is int else value
    return out


def read_posterior(path: Path) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """(setting names, particles, normalised weights) of a calibration's posterior.csv: its
    ``weight`` column and every column that names a setting (a locality parameter, region.<name>
    or effects.<group>.<name>); other columns (distances, summaries) are ignored. Read once per
    version of the file (cached on its modification time)."""
    try:
        stamp = Path(path).stat().st_mtime_ns
    except OSError as e:
        raise ScenarioError(f"{path}: cannot read the posterior ({why_unreadable(e, 'CSV table')})") from None
    return _read_posterior(Path(path), stamp)


@functools.lru_cache(maxsize=8)
def _read_posterior(path: Path, stamp: int) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    try:
        df = pd.read_csv(path)
    except (OSError, ValueError) as e:
        raise ScenarioError(f"{path}: cannot read the posterior ({why_unreadable(e, 'CSV table', detail=True)})") from None
    names = tuple(c for c in df.columns if c in REGISTRY or c.startswith(("region.", "effects.")))
    if "weight" not in df.columns or not names or df.empty:
        raise ScenarioError(f"{path}: not a posterior: needs a 'weight' column and at least one setting column")
    for c in df.columns:  # a misspelt setting would be taken for a summary column and silently not drawn
        close = difflib.get_close_matches(str(c), list(REGISTRY), n=1, cutoff=0.85)
        if c not in names and close:
            raise ScenarioError(f"{path}: column {c!r} is not a setting (did you mean '{close[0]}'?)")
        if c in names and c not in REGISTRY and region_name_problem(c):
            raise ScenarioError(f"{path}: column {c!r}: {region_name_problem(c)}")
    w = pd.to_numeric(df["weight"], errors="coerce").to_numpy(float)
    values = df[list(names)].apply(pd.to_numeric, errors="coerce").to_numpy(float)
    bad = np.argwhere(~np.isfinite(values))
    if len(bad):
        row, col = bad[0]
        raw = df[names[col]].iloc[row]
        shown = "an empty cell (or nan)" if pd.isna(raw) else repr(raw if isinstance(raw, str) else float(raw))
        raise ScenarioError(f"{path}: row {row + 1}, column {names[col]!r}: {shown} is not a "
                            f"finite number (settings must be numbers)")
    if not (np.isfinite(w).all() and (w >= 0).all() and w.max() > 0):
        raise ScenarioError(f"{path}: column 'weight': weights must be finite, non-negative and not all zero")
    with np.errstate(over="ignore"):  # weights are relative: huge ones (1e308) are scaled before they are summed
        overflows = not np.isfinite(w.sum())
    if overflows:
        w = w / w.max()
    return names, values, w / w.sum()


def _check_finite(value, p, where: str) -> None:
    """inf and nan are numbers to Python but not settings (and int(inf) raises OverflowError)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ScenarioError(f"{where}: parameter '{p.name}' must be a finite number, got {value!r} "
                            f"(allowed: {p.range_text()})")


def region_name_problem(name: str) -> str | None:
    """What is wrong with a ``region.<parameter>`` or ``effects.<group>[+<group>...].<parameter>``
    name (for --set, experiments and calibrations alike), or None if it names a setting."""
    parts = name.split(".")
    if parts[0] == "region" and len(parts) == 2:
        return None if parts[1] in REGION_PARAMS else \
            f"unknown region parameter '{parts[1]}'{did_you_mean(parts[1], REGION_PARAMS)}"
    if parts[0] == "effects" and len(parts) == 3:
        for g in parts[1].split("+"):
            if g not in GROUPS:
                return f"unknown group '{g}'{did_you_mean(g, GROUPS)} (allowed: {', '.join(GROUPS)})"
        return None if parts[2] in REGISTRY else f"unknown parameter{did_you_mean(parts[2], REGISTRY)}"
    return "expected region.<parameter> or effects.<group>[+<group>...].<parameter>"


def _override_region(s: Scenario, name: str, value, where: str) -> None:
    """``region.<parameter>`` or ``effects.<group>.<parameter>`` on a region scenario."""
    if s.region is None:
        raise ScenarioError(f"{where}: {name}: this scenario has no [region] table")
    problem = region_name_problem(name)
    if problem is not None:
        raise ScenarioError(f"{where}: {name}: {problem}")
    parts = name.split(".")
    if parts[0] == "region":
        p = REGION_PARAMS[parts[1]]
        _check_finite(value, p, where)
        try:
            s.region.params[parts[1]] = p.check(value, where)
        except ParameterError as e:  # named as the user wrote it
            raise ScenarioError(str(e).replace(f"parameter '{parts[1]}'", f"parameter '{name}'", 1)) from None
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ScenarioError(f"{where}: {name}: must be a finite number, got {value!r}")
    problem = offset_problem(parts[2], value)  # region_name_problem: a setting of the registry
    if problem:
        raise ScenarioError(f"{where}: {name}: {problem}")
    for g in parts[1].split("+"):  # g1+g2: the same offset for several groups
        s.region.effects.setdefault(g, {})[parts[2]] = float(value)


def offset_span(name: str) -> float:
    """How far a group's offset of a registry setting may go either way: the setting's range (more
    only clips; experiment.param_spec bounds a design's offsets the same way)."""
    p = REGISTRY[name]
    return p.high - p.low


def offset_problem(name: str, value: float) -> str | None:
    span = offset_span(name)
    return None if -span <= value <= span else f"{value!r} is out of range (allowed: -{span:g} to {span:g}, the " \
                                                 f"parameter's range)"


def did_you_mean(name: str, options) -> str:
    close = difflib.get_close_matches(str(name), list(options), n=1, cutoff=0.5)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


_SECTION_KEYS = {
    (): ScenarioModel.model_fields,
    ("region",): RegionModel.model_fields,
    ("region", "events"): RegionEventModel.model_fields,
    ("parameters",): REGISTRY,
    ("events",): EventModel.model_fields,
    ("run",): RunModel.model_fields,
}


def explain(err: dict, raw: dict, sections: dict | None = None, elsewhere=None) -> str:
    """One pydantic error -> 'key.path: what was wrong (what is allowed)'. ``sections`` (the keys
    each table allows) and ``elsewhere`` (section, key -> where that key belongs) default to a
    scenario file's."""
    loc, kind = tuple(err["loc"]), err["type"]
    where = _loc(loc)
    sections = _SECTION_KEYS if sections is None else sections
    if kind == "extra_forbidden":
        section = tuple(p for p in loc[:-1] if not isinstance(p, int))
        options = sections.get(section, {})
        what = "parameter" if section == ("parameters",) else "key"
        hint = (elsewhere or _elsewhere)(section, loc[-1]) or did_you_mean(loc[-1], options)
        if section == ("parameters",) and str(loc[-1]).startswith(("region.", "effects.")):
            # `params` lists it so (the spelling of sweeps and --set); a scenario file has a table for it
            name = str(loc[-1])
            return (f"{where}: a region setting, not a locality parameter: put it in the [region] table as "
                    + (f"{name.split('.', 1)[1]} = ..." if name.startswith("region.") else
                       f"[region.effects.{'.'.join(name.split('.')[1:-1])}] {name.rsplit('.', 1)[1]} = ..."))
        if not hint and section == ("parameters",):
            hint = " (see `innovation-sim params`)"
        return f"{where}: unknown {what}{hint}"
    if loc and loc[0] == "parameters" and len(loc) == 2 and loc[1] in REGISTRY:
        p = REGISTRY[loc[1]]
        value = raw.get("parameters", {}).get(loc[1])
        if kind in ("greater_than_equal", "less_than_equal"):
            return f"{where}: {value!r} is out of range (allowed: {p.range_text()})"
        want = "a whole number" if p.kind is int else "a number"
        shown = str(value).lower() if isinstance(value, bool) else repr(value)  # as written in TOML
        return f"{where}: must be {want}, got {shown} (allowed: {p.range_text()})"
    if kind == "bool_type":
        return f"{where}: must be true or false, got {err.get('input')!r}"
    if kind == "finite_number":
        return f"{where}: must be a finite number, got {err.get('input')!r}"
    if kind == "value_error":
        msg = err["msg"].removeprefix("Value error, ")
        shown = err.get("input")
        said = isinstance(shown, bool) or repr(shown) in msg or isinstance(shown, str) and len(shown) > 80
        return f"{where}: {msg}" if said else f"{where}: {msg} (got {shown!r})"
    if kind in ("dict_type", "model_type"):
        header = f"[[{_loc(loc[:-1])}]]" if loc and isinstance(loc[-1], int) else f"[{where}]"
        return f"{where}: must be a table of keys ({header} followed by key = value lines), got {_toml(err.get('input'))}"
    if kind == "string_type" and isinstance(err.get("input"), (datetime.date, datetime.time)):
        return f"{where}: must be text in quotes, e.g. \"2001-03\", got the TOML date {_toml(err.get('input'))}"
    if kind == "string_type" and loc and loc[-1] in ("date", "survey") and isinstance(err.get("input"), int):
        return f"{where}: must be text in quotes, e.g. \"{err['input']}\" or \"{err['input']}-03\", got {err['input']}"
    if kind == "literal_error":
        allowed = err.get("ctx", {}).get("expected", "")
        return f"{where}: {err['input']!r} is not allowed (allowed: {allowed})"
    if kind == "missing":
        return f"{where}: required key is missing"
    if kind == "string_pattern_mismatch" and loc[-1] in ("date", "survey"):
        return f"{where}: {err.get('input')!r} is not a date (allowed: a year, \"2002\", or a year and month, \"2002-03\", in quotes)"
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"{where}: {err['input']!r} is out of range (allowed: {_allowed(loc, err, sections)})"
    if kind in ("too_short", "too_long"):
        shown = repr(err["input"])
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        word, bound, key = ("short", "at least", "min_length") if kind == "too_short" else ("long", "at most", "max_length")
        n = err.get("ctx", {}).get(key)
        if n is not None:
            return f"{where}: {shown} is too {word} (allowed: {bound} {n} item{'s' if n != 1 else ''})"
        return f"{where}: {shown} is out of range ({err['msg'].lower()})"
    if kind == "list_type":
        return f"{where}: must be a list, e.g. [0, 1], got {err.get('input')!r}"
    if kind == "int_from_float":
        return f"{where}: must be a whole number, got {err.get('input')!r}"
    return f"{where}: {err['msg']} (got {err.get('input')!r})"


_ELSEWHERE = (("parameters", REGISTRY), ("run", RunModel.model_fields), ("region", REGION_PARAMS))


def _elsewhere(section: tuple, key) -> str:
    """An unknown top-level key that belongs in a table: where to put it."""
    if section != ():
        return ""
    for table, keys in _ELSEWHERE:
        if key in keys:
            return f" ({key} belongs under [{table}]: write it after a line [{table}])"
    return ""


def _allowed(loc: tuple, err: dict, sections: dict) -> str:
    """'0 to 1200' from the field's own bounds, else the one bound pydantic reports."""
    section = tuple(p for p in loc[:-1] if not isinstance(p, int))
    field = sections.get(section, {}).get(loc[-1])
    bounds = {k: getattr(m, k) for m in getattr(field, "metadata", []) for k in ("ge", "le") if hasattr(m, k)}
    if len(bounds) == 2:
        return f"{_num(bounds['ge'])} to {_num(bounds['le'])}"
    ctx = err.get("ctx", {})
    return f"{_num(ctx['ge'])} or more" if "ge" in ctx else f"at most {_num(ctx.get('le', '?'))}"


def _toml(v) -> str:
    """A value as a TOML file writes it (true, 2001-03-01), not as Python shows it."""
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, (datetime.date, datetime.time)):
        return v.isoformat()
    return repr(v)


def _num(v) -> str:
    return str(v) if isinstance(v, int) else f"{v:g}"  # a seed's 2**63 - 1 in full, not 9.22337e+18


def read_toml(path: Path) -> dict:
    """A TOML file of at most limits.FILE_BYTES bytes (a byte-order mark is allowed), or a
    one-line ScenarioError. Only regular files are read (not /dev/zero, a FIFO or a folder)."""
    limit = limits.FILE_BYTES.value()
    try:
        if not path.is_file():
            if not path.exists():
                raise FileNotFoundError
            raise ScenarioError(f"{path}: not a regular file (scenarios, experiments and calibrations are .toml text files)")
        with open(path, "rb") as f:
            data = f.read(limit + 1)
        if len(data) > limit:
            raise ScenarioError(f"{path}: larger than the limit of {limit:,} bytes for a scenario or experiment "
                                f"file (raise it with {limits.FILE_BYTES.env}=N)")
        text = data.decode("utf-8-sig")  # "-sig": a byte-order mark written by some Windows editors is skipped
    except FileNotFoundError:
        raise ScenarioError(f"{path}: file not found") from None
    except OSError as e:
        raise ScenarioError(f"{path}: cannot read ({e.strerror or e})") from None
    except UnicodeDecodeError as e:
        raise ScenarioError(f"{path}: cannot read: not UTF-8 text (byte {e.start})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        # tomllib's message ends with "(at line L, column C)"
        raise ScenarioError(f"{path}: invalid TOML: {e}{_toml_hint(text, e)}") from None
    except RecursionError:
        raise ScenarioError(f"{path}: invalid TOML: arrays or tables nested too deeply") from None


def _toml_hint(text: str, e: tomllib.TOMLDecodeError) -> str:
    """A hint for the slip TOML's message does not explain: a year and month without quotes."""
    lines, at = text.splitlines(), re.search(r"at line (\d+)", str(e))  # 3.12's error has no lineno
    n = int(at.group(1)) if at else 0
    line = lines[n - 1] if 0 < n <= len(lines) else ""
    if re.match(r"\s*\w+\s*=\s*\d{4}-\d{1,2}\s*(#.*)?$", line):
        return '; a year and month is written in quotes, e.g. date = "2001-03"'
    return ""


def extends_roots(top: Path) -> list[Path]:
    """Where an ``extends`` may lead from the scenario file ``top`` (see the module docstring)."""
    roots = [top.resolve().parent, SHIPPED.resolve()]
    for extra in os.environ.get(limits.EXTENDS_ROOTS_ENV, "").split(os.pathsep):
        if extra.strip():
            roots.append(Path(extra.strip()).expanduser().resolve())
    return roots


def _outside(target: Path, roots: list[Path], verb: str) -> str | None:
    """Why a file a scenario names may not be read (None if it may): see ``extends_roots``."""
    if any(target.is_relative_to(r) for r in roots):
        return None
    return (f"is outside the folders a scenario may {verb} (allowed: {roots[0]} and below, the shipped "
            f"scenarios/ folder, or a folder listed in {limits.EXTENDS_ROOTS_ENV})")


def _raw_chain(path: Path) -> list[tuple[Path, dict]]:
    """The file and the files it extends, base first (at most limits.EXTENDS files, each within
    ``extends_roots``)."""
    top = path.resolve()
    roots = extends_roots(top)
    limit = limits.EXTENDS.value()
    chain: list[tuple[Path, dict]] = []
    path = top
    while True:
        seen = [p for p, _ in chain]
        if path in seen:
            names = " -> ".join(p.name for p in (*seen, path))
            raise ScenarioError(f"{top}: extends: cycle ({names})")
        if len(chain) >= limit:
            raise ScenarioError(f"{top}: extends: a chain of more than {limit} files (allowed: up to {limit}; "
                                f"raise it with {limits.EXTENDS.env}=N)")
        raw = read_toml(path)
        _refuse_an_experiment(raw, path)
        replace = raw.get("replace_events", False)
        if not isinstance(replace, bool):  # merging reads it, so it is checked before merging
            raise ScenarioError(f"{path}: replace_events: must be true or false, got {replace!r}")
        chain.append((path, raw))
        ext = raw.get("extends")
        if ext is None:
            return chain[::-1]
        if not isinstance(ext, str) or not ext.strip() or "\0" in ext:
            raise ScenarioError(f"{path}: extends: must be a file name, got {ext!r}")
        parent = _shipped_fallback(path.parent / ext, ext)
        try:
            target = parent.resolve()
        except (OSError, ValueError) as e:
            raise ScenarioError(f"{path}: extends: cannot use {ext!r} ({getattr(e, 'strerror', None) or e})") from None
        outside = _outside(target, roots, "extend from")
        if outside:
            raise ScenarioError(f"{path}: extends: {ext!r} {outside}")
        if not _exists(parent):
            shipped = " (nor a shipped scenario of that name: `innovation-sim scenarios` lists them)" \
                if Path(ext).name == ext else ""
            raise ScenarioError(f"{path}: extends: file not found: {parent}{shipped}")
        if not target.is_file():
            raise ScenarioError(f"{path}: extends: {ext!r} is not a scenario file (a .toml text file)")
        path = target


def _shipped_fallback(parent: Path, ext: str) -> Path:
    """``extends = "baseline.toml"`` (or ``"baseline"``) in a scenario copied out of scenarios/:
    a bare name with no such file beside it (a folder of that name does not count) means the
    shipped scenario of that name."""
    if Path(ext).name != ext or parent.is_file() or (_exists(parent) and not parent.is_dir()):
        return parent
    for name in (ext, ext + ".toml"):
        if _exists(SHIPPED / name) and (SHIPPED / name).is_file():
            return SHIPPED / name
    return parent


def extends_chain(path: Path) -> list[Path]:
    """The files a scenario is made of: the base of its ``extends`` chain first, the file itself last."""
    return [p for p, _ in _raw_chain(Path(path))]


def _merge(base: dict, child: dict) -> dict:
    out = {k: v for k, v in base.items() if k != "extends"}
    for key, value in child.items():
        if key in ("parameters", "initial_phases") and isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        elif key == "events" and not child.get("replace_events", False) and isinstance(value, list):
            out[key] = [*out.get("events", []), *value]
        elif key == "region" and isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge_region(out[key], value, child.get("replace_events", False))
        else:
            out[key] = value
    return out


def _merge_region(base: dict, child: dict, replace_events: bool) -> dict:
    """A child's [region] overrides key by key; spread and effects merge; events add up."""
    out = dict(base)
    if "survey" in child or "survey_month" in child:  # the child's survey time wins, in either form
        out.pop("survey", None)
        out.pop("survey_month", None)
    for key, value in child.items():
        if key == "spread" and isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        elif key == "effects" and isinstance(value, dict) and isinstance(out.get(key), dict):
            merged = dict(out[key])
            for g, v in value.items():
                both = isinstance(v, dict) and isinstance(merged.get(g), dict)
                merged[g] = {**merged[g], **v} if both else v
            out[key] = merged
        elif key == "events" and not replace_events and isinstance(value, list):
            out[key] = [*out.get("events", []), *value]
        else:
            out[key] = value
    return out


def _check_event_months(s: Scenario, where: str, flag: str | None = None) -> None:
    """Everything timed must fall within the run; a region needs at least one place. ``flag``: where
    the run length came from (an option such as --steps, or an experiment's months), for the errors."""
    src = f"{flag} {s.months}" if flag and flag.startswith("--") else f"{flag or 'months'} = {s.months}"
    timed = [(f"events[{i}]", e) for i, e in enumerate(s.events)]
    if s.region is not None:
        timed += [(f"region.events[{i}]", e.shock) for i, e in enumerate(s.region.events)]
        rp = s.region.resolved()
        if rp["councils"] + rp["fire_authorities"] < 1:
            raise ScenarioError(f"{where}: region: needs at least one place (councils + fire_authorities >= 1)")
        if rp["beacon_by_field"] and rp["access_limited"] == 2:
            raise ScenarioError(f"{where}: region.beacon_by_field: 1 cannot be combined with region.access_limited "
                                f"= 2 (allowed: access_limited 0 or 1 with Beacons by field)")
        if rp["survey_month"] > s.months:
            # either key may have set it (a date needs start_year): named as the file may have written it
            key = "region.survey_month" if s.start_year is None else "region.survey (or survey_month)"
            raise ScenarioError(f"{where}: {key}: {_when(rp['survey_month'], s)} is beyond the run "
                                f"(allowed: {_span(s)}, from {src})")
    for key, e in timed:  # an event acts in the step after its month: one at the last month never would
        if e.month >= s.months:
            file, key = _event_origin(s, key, where)
            raise ScenarioError(f"{file}: {key}.month: {_when(e.month, s)} is not within the run (an event acts "
                                f"in the month after it; allowed: {_span(s, s.months - 1)}, from {src})")


def _event_origin(s: Scenario, key: str, where: str) -> tuple[str, str]:
    """(the file, the key) of a merged event key ("events[3]"), as the file of the extends chain that
    holds it has it; worked out only for an error, from the files (``where`` if they cannot be read)."""
    region = key.startswith("region.")
    try:
        chain = _raw_chain(Path(s.path)) if s.path is not None else None
    except ScenarioError:
        chain = None
    if chain is None:
        return where, key
    own_key, file = _event_key(chain, where, int(key.rsplit("[", 1)[1].rstrip("]")), region)
    return file, own_key


def _date(month: int, start_year: int) -> str:
    return f"{start_year + month // 12}-{month % 12 + 1:02d}"


def _when(month: int, s: Scenario) -> str:
    """A month as the file may have written it: '146 (2012-03)' when the scenario has dates."""
    return str(month) if s.start_year is None else f"{month} ({_date(month, s.start_year)})"


def _span(s: Scenario, last: int | None = None) -> str:
    last = s.months if last is None else last
    dates = "" if s.start_year is None else f", i.e. {_date(0, s.start_year)} to {_date(last, s.start_year)}"
    return f"0 to {last}{dates}"


def _refuse_an_experiment(raw: dict, path: Path) -> None:
    """An experiment or a calibration given where a scenario is read (run, compare, extends): said as such,
    not as its first wrong key ("parameters.leader_drive: must be a number, got [0.2, 0.8]"; review)."""
    if "abc" in raw and "prior" in raw:
        raise ScenarioError(f"{path}: a calibration (it has [abc] and [prior] tables), not a scenario; run it with "
                            f"`innovation-sim calibrate {path}`")
    if isinstance(raw.get("scenario"), str) and isinstance(raw.get("design"), dict):
        raise ScenarioError(f"{path}: an experiment (it names a scenario and has a [design] table), not a scenario; "
                            f"run it with `innovation-sim {_command_for(raw)} {path}`")


def _command_for(raw: dict) -> str:
    """The command that runs an experiment or calibration file."""
    if "abc" in raw:
        return "calibrate"
    design = raw.get("design")
    return "robust" if isinstance(design, dict) and design.get("method") == "exploratory" else "sweep"


def load(source: str | Path) -> Scenario:
    """Load, merge (``extends``) and validate a scenario file, or a shipped one by name."""
    path = resolve_path(source)
    chain = _raw_chain(path)
    merged: dict = {}
    for _, raw in chain:
        merged = _merge(merged, raw)
    merged.pop("extends", None)
    where = str(path)
    try:
        m = ScenarioModel.model_validate(merged)
    except ValidationError as e:
        err = e.errors()[0]
        file, loc = _blame(chain, tuple(err["loc"]))
        shown = where if file == chain[-1][0] else str(file)
        raise ScenarioError(f"{shown}: {explain({**err, 'loc': loc}, dict(chain)[file])}") from None
    if m.run is not None and m.run.replicates is not None:
        try:
            limits.REPLICATES.check(m.run.replicates, f"{where}: run.replicates")
        except limits.LimitError as e:
            raise ScenarioError(str(e)) from None

    fields = list(m.fields)
    if len(set(fields)) != len(fields):
        raise ScenarioError(f"{where}: fields: names must be distinct")
    for i, name in enumerate(fields):  # names go into CSV files, figures and shock targets
        if not name.strip() or len(name) > 60 or not name.isprintable():
            raise ScenarioError(f"{where}: fields[{i}]: {name[:60]!r} is not a field name (allowed: 1 to 60 "
                                f"printable characters, not blank)")
        if name.strip().lower() == "all" or name != name.strip():
            raise ScenarioError(f"{where}: fields[{i}]: {name!r} is not a field name ('all' means every field in an "
                                f"event; no spaces at either end)")
    # A sweep names its columns by the field (public_value__<slug>): two names with one slug (a straight and
    # a curly apostrophe, copied from a document) made parts no reader could open (review, session 28).
    slugs: dict[str, str] = {}
    for i, name in enumerate(fields):
        s = slug(name)
        if not s:
            raise ScenarioError(f"{where}: fields[{i}]: {name!r} has no letter or digit (a sweep's columns are named "
                                f"after the field)")
        if s in slugs:
            raise ScenarioError(f"{where}: fields: {slugs[s]!r} and {name!r} both become the column suffix '{s}' "
                                f"(e.g. public_value__{s}); rename one")
        slugs[s] = name
    initial = {name: _phase(name, ph, fields, where) for name, ph in m.initial_phases.items()}
    events = [_shock(e, *_event_key(chain, where, i), m.start_year, fields) for i, e in enumerate(m.events)]
    params = {k: v for k, v in m.parameters.model_dump().items() if v is not None}
    region = _region_spec(m, fields, where, chain) if m.region is not None else None
    s = Scenario(name=m.name, description=m.description, path=path, months=m.months,
                 start_year=m.start_year, fields=fields, initial_phases=initial,
                 parameters=params, events=events,
                 run_seed=m.run.seed if m.run else None, run_replicates=m.run.replicates if m.run else None,
                 region=region, posterior=_posterior_path(m.posterior, chain, where))
    _check_event_months(s, where)  # first: the posterior's checks below re-check the scenario too
    if s.posterior is None and m.not_drawn:
        raise ScenarioError(f"{where}: not_drawn: only with a posterior (the settings a posterior draw leaves alone)")
    if s.posterior is not None:
        names, values, _ = read_posterior(s.posterior)
        listed, set_later = _not_drawn(names, chain)
        for name in listed:
            if name not in names:
                raise ScenarioError(f"{where}: not_drawn: '{name}' is not a setting of the posterior "
                                    f"{s.posterior.name}{did_you_mean(name, names)} (its settings: {', '.join(names)})")
        s.fixed = tuple(dict.fromkeys((*listed, *set_later)))
        for row in (values.min(axis=0), values.max(axis=0)):  # each setting's range is checked on its own:
            s.with_overrides(parameters=_particle(names, row),  # every particle is valid if these two are
                             where=f"{where}: posterior {s.posterior.name}")
    return s


def _not_drawn(names: tuple[str, ...], chain) -> tuple[list[str], list[str]]:
    """The posterior's settings a scenario keeps at its own values: those listed in ``not_drawn`` by
    the file that names the posterior or a file extending it (a list that came with another
    posterior, earlier in the chain, does not apply), and those a file extending it sets itself, so
    a what-if built on a fitted scenario keeps what it changes. The file that first names the
    posterior has its own values replaced by draws (they are where the fit started); a later file
    naming the same posterior again does not make its own values drawn. An offset fitted for several
    groups at once (effects.a+b.x) is kept if a file sets it for any of them."""
    named = [(i, _posterior_file(Path(path), raw["posterior"])) for i, (path, raw) in enumerate(chain)
             if isinstance(raw.get("posterior"), str)]
    last = named[-1][1]
    first = min(i for i, _ in named if all(q == last for k, q in named if k >= i))
    later: set[str] = set()
    for _, raw in chain[first + 1:]:
        params, region = raw.get("parameters"), raw.get("region")
        later.update(params if isinstance(params, dict) else ())
        region = region if isinstance(region, dict) else {}
        later.update(f"region.{k}" for k in region if k not in ("spread", "effects", "events", "survey"))
        if "survey" in region:  # the survey's date sets its month
            later.add("region.survey_month")
        effects = region.get("effects")
        later.update(f"effects.{g}.{k}" for g, v in (effects.items() if isinstance(effects, dict) else ())
                     if isinstance(v, dict) for k in v)
    listed = [n for _, raw in chain[first:] if isinstance(raw.get("not_drawn"), list) for n in raw["not_drawn"]]
    return list(dict.fromkeys(listed)), [name for name in names if _is_fixed(name, later)]


def _posterior_file(scenario: Path, name: str) -> Path:
    """The posterior a scenario file names: beside it; or, with no such file there, the shipped file of
    that path (a copy of a shipped scenario, as a bare ``extends`` means the shipped scenario)."""
    p = (scenario.parent / name).resolve()
    shipped = (SHIPPED / name).resolve()
    if not _exists(p) and not Path(name).is_absolute() and shipped.is_file() and shipped.is_relative_to(SHIPPED):
        return shipped
    return p


def _posterior_path(name: str | None, chain, where: str) -> Path | None:
    """The posterior file, relative to the scenario file that names it (the last in the chain)."""
    if name is None:
        return None
    for path, raw in reversed(chain):
        if raw.get("posterior") == name:
            p = _posterior_file(Path(path), name)
            outside = _outside(p, extends_roots(Path(chain[-1][0])), "read from")  # extends' rule: no arbitrary files
            if outside:
                raise ScenarioError(f"{where}: posterior: {name!r} {outside}")
            if not p.is_file():
                raise ScenarioError(f"{where}: posterior: {p} is a folder; give a calibration's posterior.csv"
                                    if p.is_dir() else f"{where}: posterior: no such file {p}")
            return p
    return None


# The phases' names (lifecycle.PHASE_NAMES), and the short or other spellings people write.
_PHASES = {**{name: i for i, name in enumerate(PHASE_NAMES)},
           "design": 1, "design and discovery": 1, "mobilization": 2}
_PHASE_TEXT = "0 to 4, or latent, design, mobilisation, mainstreaming, embedding"


def _phase(name: str, ph: int | str, fields: list[str], where: str) -> int:
    """An [initial_phases] entry: its field must exist; its phase is 0-4 or a phase's name."""
    if name not in fields:
        raise ScenarioError(f"{where}: initial_phases.{name}: unknown field{did_you_mean(name, fields)} "
                            f"(fields: {', '.join(fields)})")
    if isinstance(ph, str) and ph.strip().lower() in _PHASES:
        return _PHASES[ph.strip().lower()]
    if isinstance(ph, bool) or not isinstance(ph, int):
        shown = str(ph).lower() if isinstance(ph, bool) else repr(ph)[:80] if isinstance(ph, (str, float)) \
            else f"a {type(ph).__name__}"
        raise ScenarioError(f"{where}: initial_phases.{name}: {shown} is not a phase (allowed: {_PHASE_TEXT})")
    if not 0 <= ph <= 4:
        raise ScenarioError(f"{where}: initial_phases.{name}: {ph} is out of range (allowed: {_PHASE_TEXT})")
    return ph


def _event_origins(chain, region: bool = False) -> list[tuple[Path, int]]:
    """For each event of the merged scenario (or of its [region]), the file of the extends chain that
    holds it and its index there, merged as ``_merge`` merges them."""
    out: list[tuple[Path, int]] = []
    for path, raw in chain:
        src = raw.get("region") if region else raw
        events = src.get("events") if isinstance(src, dict) else None
        if isinstance(events, list):
            own = [(path, i) for i in range(len(events))]
            out = own if raw.get("replace_events", False) else [*out, *own]
    return out


def _blame(chain, loc: tuple) -> tuple[Path, tuple]:
    """The file of the extends chain that wrote the entry at ``loc`` of the merged scenario, and the
    entry's place in that file: an error names what the user has to edit. Keys no file holds (a
    missing one) belong to the scenario itself, the last file."""
    for region in (False, True):
        head = ("region", "events") if region else ("events",)
        n = len(head)
        if loc[:n] == head and len(loc) > n and isinstance(loc[n], int):
            origins = _event_origins(chain, region)
            if loc[n] < len(origins):
                file, i = origins[loc[n]]
                return file, (*head, i, *loc[n + 1:])
    for file, raw in reversed(chain):
        node = raw
        for part in loc:
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                node = node[part]
            else:
                break
        else:
            return file, loc
    return chain[-1][0], loc


def _event_key(chain, where: str, i: int, region: bool = False) -> tuple[str, str]:
    """(the event's key, the file) for the errors about merged event i: as the file that holds it has it."""
    head = "region.events" if region else "events"
    file, loc = _blame(chain, (*head.split("."), i))
    return f"{head}[{loc[-1]}]", (where if file == chain[-1][0] else str(file))


def _shock(e: EventModel, key: str, where: str, start_year: int | None, fields: list[str]) -> Shock:
    """One [[events]] entry -> a Shock, or a one-line ScenarioError naming ``key``."""
    if (e.month is None) == (e.date is None):
        raise ScenarioError(f"{where}: {key}: give exactly one of 'month' or 'date'")
    month = e.month if e.date is None else _month(e.date, start_year, where, f"{key}.date")
    target = None if e.field == "all" else e.field
    if target is not None and target not in fields:
        raise ScenarioError(f"{where}: {key}.field: unknown field '{target}'{did_you_mean(target, fields)} "
                            f"(allowed: all, {', '.join(fields)})")
    if e.kind in ("leader_arrival", "leader_departure") and (e.role or "chief_executive") == "director" and target is None:
        raise ScenarioError(f"{where}: {key}.field: a director belongs to one field; name it")
    try:
        return e.shock(month, target)
    except ValueError as err:
        raise ScenarioError(f"{where}: {key}: {err}") from None


def _month(date: str, start_year: int | None, where: str, key: str) -> int:
    if start_year is None:
        raise ScenarioError(f"{where}: {key}: needs 'start_year' at the top of the file")
    year, _, mon = date.partition("-")
    month = (int(year) - start_year) * 12 + (int(mon) - 1 if mon else 0)
    if month < 0:
        raise ScenarioError(f"{where}: {key}: {date} is before start_year {start_year}")
    return month


def _region_spec(m: ScenarioModel, fields: list[str], where: str, chain) -> RegionSpec:
    r = m.region
    params = {k: v for k, v in r.model_dump(exclude={"survey", "spread", "effects", "events"}).items()
              if v is not None}
    if r.survey is not None:
        params["survey_month"] = _month(r.survey, m.start_year, where, "region.survey")
    for name, sd in r.spread.items():
        if name not in REGISTRY:
            raise ScenarioError(f"{where}: region.spread.{name}: unknown parameter{did_you_mean(name, REGISTRY)}")
        p = REGISTRY[name]
        if not 0 <= sd <= p.high - p.low:
            raise ScenarioError(f"{where}: region.spread.{name}: {sd!r} is out of range "
                                f"(allowed: 0 to {p.high - p.low:g}, the parameter's range)")
    for group, offsets in r.effects.items():
        if group not in GROUPS:
            raise ScenarioError(f"{where}: region.effects.{group}: unknown group{did_you_mean(group, GROUPS)} "
                                f"(allowed: {', '.join(TYPES)} or an English region: {', '.join(REGIONS)})")
        for name, value in offsets.items():
            if name not in REGISTRY:
                raise ScenarioError(f"{where}: region.effects.{group}.{name}: unknown parameter{did_you_mean(name, REGISTRY)}")
            if not math.isfinite(value):
                raise ScenarioError(f"{where}: region.effects.{group}.{name}: must be a finite number, got {value!r}")
            problem = offset_problem(name, value)
            if problem:
                raise ScenarioError(f"{where}: region.effects.{group}.{name}: {problem}")
    events = []
    for i, e in enumerate(r.events):
        key, file = _event_key(chain, where, i, region=True)
        if e.group is not None and e.group not in GROUPS:
            raise ScenarioError(f"{file}: {key}.group: unknown group '{e.group}'{did_you_mean(e.group, GROUPS)} "
                                f"(allowed: {', '.join(GROUPS)})")
        events.append(RegionEvent(_shock(e, key, file, m.start_year, fields), e.share, e.group))
    return RegionSpec(params, dict(r.spread), {g: dict(v) for g, v in r.effects.items()}, events)


def shipped_by_name(source: str | Path) -> Path | None:
    """The shipped scenario a bare name ("baseline": no folder, no suffix) means, or None: it wins
    over a folder or file of that name where the command runs (an output folder `--out baseline`)."""
    p = Path(source)
    shipped = SHIPPED / f"{p.name}.toml"
    return shipped if str(source) == p.name and p.suffix == "" and _exists(shipped) else None


def resolve_path(source: str | Path) -> Path:
    """A path as given, else a shipped scenario by name (with or without .toml). A bare shipped name
    ("baseline") is the shipped scenario even where the working folder holds something of that name
    (an output folder `--out baseline`, a stray file): give ./baseline for that."""
    bare = shipped_by_name(source)
    if bare is not None:
        return bare
    p = Path(source)
    name = p.name if p.suffix == ".toml" else p.name + ".toml"
    shipped = SHIPPED / name
    if _exists(p):
        return p
    if len(p.parts) == 1 and _exists(shipped):
        return shipped
    known = sorted(q.stem for q in SHIPPED.glob("*.toml"))
    experiment = SHIPPED.parent / "experiments" / name
    if len(p.parts) == 1 and _exists(experiment):  # a shipped experiment's name, given to run or compare
        raise ScenarioError(f"{source}: no such scenario file; {p.stem} is a shipped experiment: run it with "
                            f"`innovation-sim {_command_for(read_toml(experiment))} {p.stem}`")
    raise ScenarioError(f"{source}: no such scenario file{did_you_mean(p.stem, known)} "
                        f"(see `innovation-sim scenarios`)")


def _exists(p: Path) -> bool:
    """Path.exists that says False for a name the system cannot even look up (too long, NUL)."""
    try:
        return p.exists()
    except (OSError, ValueError):
        return False


def from_scenario(scenario: str | Path | Scenario, seed: int | None = None) -> Locality | Region:
    """The model a scenario describes (a Locality, or a Region if it has a [region] table), from a
    file path, a shipped scenario's name or a loaded ``Scenario``. With a seed and a posterior in the
    scenario, on the settings drawn for that seed (as `run` draws); without a seed, its own values."""
    s = scenario if isinstance(scenario, Scenario) else load(scenario)
    return s.build_drawn(seed) if seed is not None else s.build(seed)


def shipped() -> list[tuple[str, str]]:
    """(name, first line of description) for every shipped scenario."""
    out = []
    for path in sorted(SHIPPED.glob("*.toml")):
        try:
            s = load(path)
            out.append((path.stem, first_line(s.description)))
        except ScenarioError as e:
            out.append((path.stem, f"(invalid: {e})"))
    return out
