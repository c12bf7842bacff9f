"""Experiment definitions (experiments/*.toml): what varies, the design, replicates, outcomes.

    name = "Leadership x funding x inspection"
    description = "One line for listings; more lines for the reader."
    scenario = "baseline"            # a shipped scenario name, or a path relative to this file
    months = 120                     # optional: the scenario's run length otherwise
    replicates = 10                  # runs per design point
    seed = 1                         # run i's seed derives from this and i alone
    batch_size = 40                  # optional: runs per task sent to a worker

    [design]
    method = "grid"                  # grid | lhs | sobol | morris
    samples = 1024                   # lhs: points; sobol: base samples N (power of 2); morris: trajectories
    levels = 4                       # morris only
    second_order = false             # sobol only
    common_random_numbers = false    # true: replicate r has the same seed at every design point

    [parameters]                     # grid: a list of levels; other designs: {low, high}
    leader_drive = [0.2, 0.5, 0.8]
    staff_slack = { low = 0.2, high = 0.8 }
    all = 0.5                        # every registry parameter within +/-50% of its default

    [switches.inspection]            # grid only: a timeline switched off (0) or scaled (1, 2, ...)
    levels = [0, 1]
    [[switches.inspection.events]]
    month = 12
    kind = "underperformance"
    field = "education"

    [outcomes]
    timeseries_every = 0             # keep field time series every k months (0 = none)

An exploratory experiment (issue 16, the EMA Workbench's vocabulary) separates what a council
cannot control from what it chooses; every lever combination (a policy) meets the same sample of
futures, and future f's replicate r has the same seed under every policy (common random numbers):

    [design]
    method = "exploratory"
    samples = 200                    # futures: a Latin hypercube over the uncertainties

    [constants]                      # optional: settings fixed for every run
    "region.councils" = 60

    [uncertainties]                  # sampled over these ranges ({} = the registry's whole range)
    openness = { low = 0.2, high = 0.8 }
    staff_slack = {}

    [levers]                         # policy options: a list of levels, or a switched timeline
    leader_drive = [0.45, 0.8]
    [levers.grant]
    levels = [0, 1]
    [[levers.grant.events]]
    month = 12
    kind = "funding_start"
    field = "education"

    [outcomes]                       # any declared outcome; for `robust` and `discover`
    reached_embedding = { direction = "maximise", threshold = 0.5 }

Validated with the same one-line errors as scenario files. A file with an [abc] table is a
calibration (model/io/calibration.py, `innovation-sim calibrate`), not a sweep.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError, field_validator

from ..core.events import SIGNED_KINDS, Shock
from ..core.outcomes import LOCALITY_OUTCOMES, REGION_OUTCOMES, outcome_columns
from ..core.parameters import REGION_PARAMS, REGISTRY, Param
from . import limits
from .scenario import (MAX_MAGNITUDE, STRICT, EventModel, Float, Int, Scenario, ScenarioError, did_you_mean, explain,
                       first_line, load, offset_span, read_toml, region_name_problem, shipped_by_name)

SHIPPED = Path(__file__).resolve().parents[2] / "experiments"


class DesignModel(BaseModel):
    model_config = STRICT
    method: Literal["grid", "lhs", "sobol", "morris", "exploratory"]
    samples: Int | None = Field(default=None, ge=1, le=1_000_000)
    levels: Int = Field(default=4, ge=2, le=20)
    second_order: StrictBool = False
    common_random_numbers: StrictBool = False

    @field_validator("levels")
    @classmethod
    def _even(cls, v: int) -> int:
        if v % 2:  # Morris's trajectories need an even grid (SALib warns and its steps are uneven)
            raise ValueError(f"must be even for a Morris design (allowed: 2, 4, ..., 20), got {v}")
        return v


class RangeModel(BaseModel):
    model_config = STRICT
    low: Float
    high: Float


class SwitchModel(BaseModel):
    model_config = STRICT
    levels: list[Float] = Field(min_length=1, max_length=1000)
    events: list[EventModel] = Field(min_length=1)


class OutcomesModel(BaseModel):
    model_config = ConfigDict(extra="allow", allow_inf_nan=False)  # the extra keys: outcomes (OutcomeSpecModel)
    timeseries_every: Int = Field(default=0, ge=0, le=1200)


class OutcomeSpecModel(BaseModel):
    """An outcome a policy cares about: which way is better, and the level that is good enough."""
    model_config = STRICT
    direction: Literal["maximise", "minimise", "info"] | None = None  # default: the outcome's declared direction
    threshold: Float | None = None  # satisficing: >= threshold (maximise, info) or <= (minimise)


class UncertaintyModel(BaseModel):
    model_config = STRICT
    low: Float | None = None  # default: the registry's bounds
    high: Float | None = None


class TargetModel(BaseModel):
    model_config = STRICT
    target: Float
    band: Float = Field(gt=0)  # accepted when |outcome - target| <= band
    source: str | None = None


class ExperimentModel(BaseModel):
    model_config = STRICT
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    scenario: str = "baseline"
    months: Int | None = Field(default=None, ge=1, le=1200)
    replicates: Int = Field(default=1, ge=1, le=100_000)
    seed: Int = Field(default=1, ge=0, le=limits.MAX_SEED)
    batch_size: Int = Field(default=40, ge=1, le=100_000)
    design: DesignModel
    constants: dict[str, Float] = Field(default_factory=dict)  # settings fixed for every run (EMA's Constants)
    uncertainties: dict[str, UncertaintyModel] = Field(default_factory=dict)
    levers: dict[str, list[Float] | SwitchModel] = Field(default_factory=dict)
    parameters: dict[str, list[Float] | RangeModel | Float] = Field(default_factory=dict)
    switches: dict[str, SwitchModel] = Field(default_factory=dict)
    outcomes: OutcomesModel = Field(default_factory=OutcomesModel)
    calibration: dict[str, TargetModel] = Field(default_factory=dict)


_SECTIONS = {(): ExperimentModel.model_fields, ("design",): DesignModel.model_fields,
             ("outcomes",): OutcomesModel.model_fields}


def _elsewhere(section: tuple, key) -> str:
    """A model setting written at the top of an experiment file: where it goes."""
    if section == () and key in REGISTRY:
        return f" ({key} is a setting: fix it for every run under [constants], or vary it under [parameters])"
    return ""


@dataclass
class Experiment:
    """A validated experiment: the base scenario and the design points."""

    name: str
    description: str
    path: Path
    scenario: Scenario
    replicates: int
    seed: int
    batch_size: int
    method: str
    names: list[str]  # varied parameters, in design column order
    bounds: list[tuple[float, float]]
    switch_names: list[str]
    switch_events: dict[str, list[Shock]]
    points: np.ndarray  # (n_points, len(names) + len(switch_names))
    levels: int = 4
    second_order: bool = False
    timeseries_every: int = 0
    calibration: dict[str, dict] = field(default_factory=dict)  # outcome -> {target, band, source}
    raw: dict = field(default_factory=dict)
    # Exploratory designs: point = policy * n_futures + future; columns: uncertainties, then levers.
    uncertainties: list[str] = field(default_factory=list)
    levers: list[str] = field(default_factory=list)  # parameter levers, then switched timelines
    n_futures: int = 0
    n_policies: int = 1
    outcome_specs: dict[str, dict] = field(default_factory=dict)  # outcome -> {direction, threshold}
    common_random_numbers: bool = False  # replicate r's seed is the same at every design point

    @property
    def n_points(self) -> int:
        return len(self.points)

    @property
    def n_runs(self) -> int:
        return self.n_points * self.replicates

    @property
    def problem(self) -> dict:
        """The SALib problem definition for the varied parameters."""
        return {"num_vars": len(self.names), "names": list(self.names), "bounds": [list(b) for b in self.bounds]}

    def digest(self) -> str:
        """Identifies the design and everything that changes results: a resume must match it."""
        h = hashlib.sha256()
        h.update(json.dumps(self.raw, sort_keys=True, default=str).encode())
        h.update(self.points.tobytes())
        h.update(json.dumps(self.scenario.identity(), sort_keys=True, default=str).encode())
        return h.hexdigest()[:16]

    def run_seed(self, run_index: int) -> int:
        """Run i's seed: a function of the experiment's seed and i only (not of workers or order).
        Exploratory designs: of the seed, the future and the replicate only, so every policy meets
        future f with the same streams (common random numbers); 63 bits, so it is a valid
        ``--seed`` and fits the EMA Workbench's int64 columns. With ``common_random_numbers``: of the
        seed and the replicate only, so a sensitivity index compares settings, not luck."""
        seed = np.random.SeedSequence(self.seed, spawn_key=self.spawn_key(run_index)).generate_state(1, np.uint64)[0]
        return int(seed >> np.uint64(1)) if self.method == "exploratory" else int(seed)

    def spawn_key(self, run_index: int) -> tuple[int, ...]:
        """The SeedSequence spawn key of run i's seed (``run_seed``; listed in the sweep's provenance)."""
        if self.method == "exploratory":
            point, rep = divmod(run_index, self.replicates)
            return point % self.n_futures, rep
        if self.common_random_numbers:  # differences between points are not differences of luck
            return (run_index % self.replicates,)
        return (run_index,)

    def future_of(self, point: int) -> int:
        return point % self.n_futures if self.method == "exploratory" else point

    def policy_of(self, point: int) -> int:
        return point // self.n_futures if self.method == "exploratory" else 0

    def point_settings(self, point: int) -> tuple[dict[str, Any], list[Shock]]:
        """(parameter overrides, extra shocks) for a design point."""
        row = self.points[point]
        params = {}
        for name, value in zip(self.names, row):
            params[name] = as_run(name, value)
        events = []
        for name, level in zip(self.switch_names, row[len(self.names):]):
            if level != 0:
                events += [e.scaled(float(level)) for e in self.switch_events[name]]
        return params, events


def as_run(name: str, value: float) -> int | float:
    """A sampled value of a design parameter as a run uses it: whole-number settings rounded."""
    p = param_spec(name)
    return int(round(value)) if p is not None and p.kind is int else float(value)


def param_spec(name: str) -> Param | None:
    """The registry entry for a design parameter: a locality parameter, ``region.<name>`` (a region
    parameter) or ``effects.<group>.<name>`` (an offset for one group of places; ``g1+g2`` gives
    several groups the same offset), else None."""
    if name in REGISTRY:
        return REGISTRY[name]
    if not name.startswith(("region.", "effects.")) or region_name_problem(name) is not None:
        return None  # the one reading of these names, shared with --set
    parts = name.split(".")
    if parts[0] == "region":
        return REGION_PARAMS[parts[1]]
    p, span = REGISTRY[parts[2]], offset_span(parts[2])
    return Param(name, 0.0, -span, span, p.unit, f"offset of {parts[2]} for {parts[1]}", "", "region")


def _bounds_for_all(rel: float) -> dict[str, tuple[float, float]]:
    out = {}
    for name, p in REGISTRY.items():
        span = abs(p.default) * rel if p.default != 0 else (p.high - p.low) * rel / 2
        lo, hi = max(p.low, p.default - span), min(p.high, p.default + span)
        if hi > lo:
            out[name] = (float(lo), float(hi))
    return out


def _telling(errors: list[dict], raw: dict) -> dict:
    """The error to report: for a table where a number or list was one of the choices (a lever as
    a switched timeline, a range {low, high}), the table branch's own error, which names the key;
    pydantic lists the number/list branch first ("should be a valid list", with the whole table)."""
    for err in errors:
        branch = next((p for p in err["loc"] if p in ("SwitchModel", "RangeModel")), None)
        if branch is None:
            continue
        at = raw
        for part in err["loc"][:err["loc"].index(branch)]:
            at = at.get(part) if isinstance(at, dict) else None
        if isinstance(at, dict):
            return err
    return errors[0]


def dotted_settings(raw: dict, tables: tuple[str, ...], where: str) -> dict:
    """Region settings written as TOML dotted keys (``region.followers = ...`` unquoted, as `params` spells
    them) read as TOML nested tables, and were refused with a misleading "low: required key is missing"
    (review, session 28): they are read here as the one name they spell, in each of ``tables``."""
    def nested(v) -> bool:  # a table of settings, not a switched timeline that happens to be called so
        return isinstance(v, dict) and not {"levels", "events"} & set(v)

    out = dict(raw)
    for table in tables:
        t = raw.get(table)
        if not isinstance(t, dict) or not any(nested(t.get(k)) for k in ("region", "effects")):
            continue
        flat = {k: v for k, v in t.items() if k not in ("region", "effects") or not nested(v)}
        pairs = [(f"region.{k}", v) for k, v in t["region"].items()] if nested(t.get("region")) else []
        for g, spec in t["effects"].items() if nested(t.get("effects")) else ():
            if not isinstance(spec, dict):
                raise ScenarioError(f"{where}: {table}.effects.{g}: expected effects.<group>.<setting>, e.g. "
                                    f"effects.fire.leader_drive")
            pairs += [(f"effects.{g}.{k}", v) for k, v in spec.items()]
        for name, v in pairs:
            if name in flat:
                raise ScenarioError(f"{where}: {table}.{name}: given twice (once quoted, once as dotted keys)")
            flat[name] = v
        out[table] = flat
    return out


def load_experiment(source: str | Path) -> Experiment:
    path = resolve_file(source)
    where = str(path)
    raw = dotted_settings(read_toml(path), ("parameters", "uncertainties", "levers", "constants"), where)
    refuse_a_scenario(raw, where, source, "sweep")
    if "abc" in raw:  # a calibration (model/io/calibration.py) shares the folder and the name space
        raise ScenarioError(f"{where}: a calibration (it has an [abc] table), not a sweep; run it with "
                            f"`innovation-sim calibrate {source}`")
    try:
        m = ExperimentModel.model_validate(raw)
    except ValidationError as e:
        err = _telling(e.errors(), raw)
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and (
            p in ("list[float]", "RangeModel", "float", "SwitchModel") or p.startswith(("list[function-before", "function-before")))))
        lever = raw.get("levers", {}).get(loc[1]) if loc[:1] == ("levers",) and len(loc) > 1 else None
        if isinstance(lever, dict) and "levels" not in lever:
            raise ScenarioError(f"{where}: levers.{loc[1]}: give the options as a list of levels, e.g. [0.45, 0.8], "
                                f"or a switched timeline (levels and events)") from None
        if err["type"] == "extra_forbidden" and loc[:1] == ("parameters",):
            raise ScenarioError(f"{where}: {'.'.join(map(str, loc))}: unknown key") from None
        raise ScenarioError(f"{where}: {explain({**err, 'loc': loc}, raw, _SECTIONS, _elsewhere)}") from None

    scenario = base_scenario(path, m.scenario, m.months, m.constants, fitting=bool(m.calibration))
    for table in ("parameters", "uncertainties", "levers", "switches"):
        both = sorted(set(m.constants) & set(getattr(m, table)))
        if both:
            raise ScenarioError(f"{where}: constants.{both[0]}: also in [{table}], which would override it; "
                                f"a setting is either fixed or varied")

    method = m.design.method
    if method == "exploratory":
        if m.parameters or m.switches:
            raise ScenarioError(f"{where}: {'parameters' if m.parameters else 'switches'}: method \"exploratory\" "
                                f"takes [uncertainties] and [levers] instead")
        return _exploratory(m, raw, path, scenario, where)
    if m.uncertainties or m.levers:
        raise ScenarioError(f"{where}: {'uncertainties' if m.uncertainties else 'levers'}: only for "
                            f"method = \"exploratory\" (use [parameters] for a {method} design)")
    names, bounds, levels_by_name = [], [], {}
    for key, spec in m.parameters.items():
        if key == "all":
            if method != "morris" or not isinstance(spec, float):
                raise ScenarioError(f"{where}: parameters.all: only for method = \"morris\", as a number "
                                    f"(e.g. all = 0.5 for +/-50% around each default)")
            for name, b in _bounds_for_all(spec).items():
                if name not in names:
                    names.append(name)
                    bounds.append(b)
            continue
        p = design_param(key, scenario, where, "parameters")
        if method == "grid":
            if not isinstance(spec, list) or not spec:
                raise ScenarioError(f"{where}: parameters.{key}: a grid needs a list of levels, e.g. [0.2, 0.5, 0.8]")
            for v in spec:
                check_value(p, v, f"{where}: parameters.{key}")
            _distinct(spec, f"{where}: parameters.{key}")
            levels_by_name[key] = [float(v) for v in spec]
            b = (float(min(spec)), float(max(spec)))
        else:
            if not isinstance(spec, RangeModel):
                raise ScenarioError(f"{where}: parameters.{key}: method \"{method}\" needs a range, "
                                    f"e.g. {{ low = {p.low}, high = {p.high} }}")
            for v in (spec.low, spec.high):
                check_value(p, v, f"{where}: parameters.{key}")
            if spec.high <= spec.low:
                raise ScenarioError(f"{where}: parameters.{key}: high must be above low")
            b = (spec.low, spec.high)
        if key in names:
            bounds[names.index(key)] = b
        else:
            names.append(key)
            bounds.append(b)
    if not names and not m.switches:
        raise ScenarioError(f"{where}: parameters: nothing varies; list at least one parameter")
    if m.switches and method != "grid":
        raise ScenarioError(f"{where}: switches: only for method = \"grid\"")

    switch_events = {sname: _switch_events(sw, f"switches.{sname}", scenario, where) for sname, sw in m.switches.items()}
    _check_columns(names, list(m.switches), "switches", scenario, where)
    calibration, specs = _check_outcomes(m, scenario, where)
    _check_size(m, names, levels_by_name, list(m.switches.values()), where)
    points = _design(m, names, bounds, levels_by_name, list(m.switches.values()), where)
    return Experiment(
        name=m.name, description=m.description, path=path, scenario=scenario, replicates=m.replicates,
        seed=m.seed, batch_size=m.batch_size, method=method, names=names, bounds=bounds,
        switch_names=list(m.switches), switch_events=switch_events, points=points, levels=m.design.levels,
        second_order=m.design.second_order, timeseries_every=m.outcomes.timeseries_every,
        calibration=calibration, raw=raw, outcome_specs=specs,
        common_random_numbers=m.design.common_random_numbers,
    )


RESULT_COLUMNS = ("run", "point", "replicate", "seed", "error")  # a sweep part's own columns (sweep._schema)


def _check_columns(names: list[str], switch_names: list[str], table: str, scenario: Scenario, where: str) -> None:
    """A switched timeline's name becomes a column of the results beside the settings, the outcomes and
    the run's own columns: a name already among them crashed the design or wrote parts no reader could
    open, and the folder was then called damaged (review, session 28)."""
    from ..core.outcomes import outcome_columns
    taken = {c: "a column every sweep writes" for c in RESULT_COLUMNS}
    taken.update({c: "an outcome column" for c in outcome_columns(scenario.fields, scenario.region is not None)})
    taken.update({n: "a setting the design varies" for n in names})
    for n in switch_names:
        if n in taken or n.startswith("drawn."):
            what = taken.get(n, "the prefix of the settings drawn from a posterior")
            raise ScenarioError(f"{where}: {table}.{n}: '{n}' is also {what} in the results; give the timeline "
                                f"another name (see innovation-sim outcomes)")


def base_scenario(path: Path, scenario: str, months: int | None, constants: dict[str, float],
                  fitting: bool = False) -> Scenario:
    """The scenario an experiment file names (a shipped name, or a path relative to the file), run for
    ``months`` if given, with its ``constants`` set; one-line errors naming the file. ``fitting`` (a
    calibration, or a sweep with calibration targets): without the posterior the scenario may carry,
    since a fit starts from the scenario's own values, never from an earlier fit's draws."""
    where = str(path)
    scen_path = Path(scenario)
    # A bare shipped name wins over a file or folder of that name beside the experiment, as for `run`.
    if not shipped_by_name(scenario) and not scen_path.is_absolute() and _exists(path.parent / scen_path):
        scen_path = path.parent / scen_path
    try:
        out = load(scen_path if _exists(scen_path) else scenario)
        if months is not None:
            out = out.with_overrides(months=months, months_from="months")
    except ScenarioError as e:
        raise ScenarioError(f"{where}: scenario: {e}") from None
    if constants:
        out = out.with_overrides(parameters=constants, where=f"{where}: constants")
    if fitting and out.posterior is not None:
        out = replace(out, posterior=None, fixed=())
    return out


def design_param(key: str, scenario: Scenario, where: str, section: str) -> Param:
    p = param_spec(key)
    if p is None:
        if key.startswith(("region.", "effects.")):
            raise ScenarioError(f"{where}: {section}.{key}: {region_name_problem(key)}")
        raise ScenarioError(f"{where}: {section}.{key}: unknown parameter{did_you_mean(key, REGISTRY)} "
                            f"(see `innovation-sim params`)")
    if key not in REGISTRY and scenario.region is None:
        raise ScenarioError(f"{where}: {section}.{key}: only for a region scenario (one with a [region] table)")
    return p


def _distinct(levels: list, where: str) -> None:
    """A level given twice runs the same design point or policy twice under two names."""
    seen = [float(v) for v in levels]
    twice = next((v for i, v in enumerate(seen) if v in seen[:i]), None)
    if twice is not None:
        raise ScenarioError(f"{where}: {twice:g} is given twice (allowed: distinct levels)")


def _switch_events(sw: SwitchModel, key: str, scenario: Scenario, where: str) -> list[Shock]:
    """A switched timeline's shocks, each checked against the scenario (month, field, magnitude x level)."""
    evs = []
    for i, e in enumerate(sw.events):
        k = f"{key}.events[{i}]"
        if e.month is None or e.month >= scenario.months:  # one at the last month would never act
            dated = " (a switched event takes 'month', not 'date')" if e.date is not None else ""
            raise ScenarioError(f"{where}: {k}.month: give a month from 0 to {scenario.months - 1}{dated}")
        target = None if e.field == "all" else e.field
        if target is not None and target not in scenario.fields:
            raise ScenarioError(f"{where}: {k}.field: unknown field '{target}'{did_you_mean(target, scenario.fields)}")
        try:
            evs.append(e.shock(e.month, target))
        except ValueError as err:
            raise ScenarioError(f"{where}: {k}: {err}") from None
    _distinct(sw.levels, f"{where}: {key}.levels")
    for level in sw.levels:  # a level scales every magnitude of the switch's timeline
        for i, e in enumerate(evs):
            if e.kind == "hold" and level not in (0, 1):
                raise ScenarioError(f"{where}: {key}.levels: {level:g} would scale events[{i}], a hold, which has "
                                    f"no size (allowed levels with a hold: 0 = off, 1 = on)")
            if e.magnitude * level < 0 and e.kind not in SIGNED_KINDS:
                raise ScenarioError(f"{where}: {key}.levels: {level:g} would make events[{i}] ({e.kind}) negative, "
                                    f"and it takes no sign (allowed levels: 0 or more)")
            if abs(e.magnitude * level) > MAX_MAGNITUDE:
                raise ScenarioError(f"{where}: {key}.levels: {level!r} times events[{i}].magnitude "
                                    f"{e.magnitude:g} is out of range (allowed: a magnitude from "
                                    f"{-MAX_MAGNITUDE:g} to {MAX_MAGNITUDE:g})")
    return evs


def declared_direction(column: str, region: bool) -> str:
    """The declared direction of an outcome column (``name`` or ``name__field``)."""
    name, per_field = (column.split("__")[0], True) if "__" in column else (column, False)
    for o in REGION_OUTCOMES if region else LOCALITY_OUTCOMES:
        if o.name == name and (o.kind == "per field") == (per_field and not region):
            return o.direction
    return "info"


def _check_outcomes(m: ExperimentModel, scenario: Scenario, where: str) -> tuple[dict, dict]:
    """(calibration targets, outcome specs), every name checked against the declared outcomes."""
    region = scenario.region is not None
    known = outcome_columns(scenario.fields, region)
    for key in m.calibration:
        if key not in known:
            raise ScenarioError(f"{where}: calibration.{key}: unknown outcome{did_you_mean(key, known)} "
                                f"(allowed: {', '.join(known)})")
    specs = {}
    for key, value in (m.outcomes.model_extra or {}).items():
        if key not in known:
            raise ScenarioError(f"{where}: outcomes.{key}: unknown outcome{did_you_mean(key, known)} "
                                f"(allowed: timeseries_every, {', '.join(known)})")
        if not isinstance(value, dict):
            raise ScenarioError(f"{where}: outcomes.{key}: expected a table, e.g. "
                                f"{{ direction = \"maximise\", threshold = 0.5 }}, got {value!r}")
        try:
            spec = OutcomeSpecModel.model_validate(value)
        except ValidationError as e:
            err = e.errors()[0]
            raise ScenarioError(f"{where}: {explain({**err, 'loc': ('outcomes', key, *err['loc'])}, raw={})}") from None
        specs[key] = {"direction": spec.direction or declared_direction(key, region), "threshold": spec.threshold}
    return {k: v.model_dump() for k, v in m.calibration.items()}, specs


def _exploratory(m: ExperimentModel, raw: dict, path: Path, scenario: Scenario, where: str) -> Experiment:
    """Uncertainties sampled over their ranges (Latin hypercube: the futures) x every combination of
    lever levels (the policies); points policy-major: point = policy * futures + future."""
    if m.design.common_random_numbers:
        raise ScenarioError(f"{where}: design.common_random_numbers: not for method = \"exploratory\" (its futures "
                            "always run on common random numbers)")
    names, bounds = [], []
    for key, spec in m.uncertainties.items():
        p = design_param(key, scenario, where, "uncertainties")
        lo, hi = (p.low if spec.low is None else spec.low), (p.high if spec.high is None else spec.high)
        for v, end in ((lo, "low"), (hi, "high")):
            if not (isinstance(v, float) and math.isfinite(v) and p.low <= v <= p.high):
                raise ScenarioError(f"{where}: uncertainties.{key}.{end}: {v!r} is out of range (allowed: {p.range_text()})")
        if hi <= lo:
            raise ScenarioError(f"{where}: uncertainties.{key}: high must be above low (allowed: {p.range_text()})")
        names.append(key)
        bounds.append((float(lo), float(hi)))
    uncertainties = list(names)
    levels: list[list[float]] = []
    switches: dict[str, SwitchModel] = {}
    for key, spec in m.levers.items():
        if key in m.uncertainties:
            raise ScenarioError(f"{where}: levers.{key}: also an uncertainty; a setting is either chosen or not")
        if isinstance(spec, SwitchModel):
            switches[key] = spec
            continue
        p = design_param(key, scenario, where, "levers")
        if not spec:
            raise ScenarioError(f"{where}: levers.{key}: give the options as a list of levels, e.g. [{p.default}, {p.high}]")
        for v in spec:
            check_value(p, v, f"{where}: levers.{key}")
        _distinct(spec, f"{where}: levers.{key}")
        names.append(key)
        bounds.append((float(min(spec)), float(max(spec))))
        levels.append([float(v) for v in spec])
    if not m.uncertainties and not m.levers:
        raise ScenarioError(f"{where}: uncertainties: nothing varies; list at least one uncertainty or lever")
    n = m.design.samples
    if n is None:
        raise ScenarioError(f"{where}: design.samples: required for method \"exploratory\" (how many futures)")
    switch_events = {k: _switch_events(sw, f"levers.{k}", scenario, where) for k, sw in switches.items()}
    _check_columns(names, list(switches), "levers", scenario, where)
    levels += [[float(v) for v in sw.levels] for sw in switches.values()]
    calibration, specs = _check_outcomes(m, scenario, where)
    n_policies = math.prod(len(v) for v in levels)
    runs, limit = n * n_policies * m.replicates, limits.RUNS.value()
    if runs > limit:
        raise ScenarioError(f"{where}: the design has {n:,} futures x {n_policies:,} policies x {m.replicates:,} "
                            f"replicates = {runs:,} runs, above the limit of {limit:,} runs per sweep (allowed: up "
                            f"to {limit:,}; raise it with {limits.RUNS.env}=N)")
    if uncertainties:
        from SALib.sample import latin  # optional extra, slow to import: only when needed
        futures = latin.sample({"num_vars": len(uncertainties), "names": uncertainties,
                                "bounds": [list(b) for b in bounds[:len(uncertainties)]]}, n, seed=m.seed)
    else:
        futures = np.empty((n, 0))
    policies = np.array(list(itertools.product(*levels)), dtype=float).reshape(n_policies, len(levels))
    points = np.hstack([np.tile(futures, (n_policies, 1)), np.repeat(policies, n, axis=0)])
    return Experiment(
        name=m.name, description=m.description, path=path, scenario=scenario, replicates=m.replicates,
        seed=m.seed, batch_size=m.batch_size, method="exploratory", names=names, bounds=bounds,
        switch_names=list(switches), switch_events=switch_events, points=points,
        timeseries_every=m.outcomes.timeseries_every, calibration=calibration, raw=raw,
        uncertainties=uncertainties, levers=[*names[len(uncertainties):], *switches], n_futures=n,
        n_policies=n_policies, outcome_specs=specs,
    )


def check_value(p, v, where: str) -> None:
    if not math.isfinite(v):  # int(inf) raises OverflowError, nan passes no comparison
        raise ScenarioError(f"{where}: must be a finite number, got {v!r} (allowed: {p.range_text()})")
    try:
        p.check(v)
    except ValueError as e:
        msg = str(e).split(f"parameter '{p.name}' ", 1)[-1].removeprefix("= ")  # "x: 1.7 is out of range"
        raise ScenarioError(f"{where}: {msg}") from None


def design_points(m: ExperimentModel, n_names: int, levels_by_name: dict, switches: list) -> int:
    """How many points the design will have, computed without building it."""
    method, n = m.design.method, m.design.samples or 0
    if method == "grid":
        return math.prod(len(v) for v in levels_by_name.values()) * math.prod(len(sw.levels) for sw in switches)
    if method == "lhs":
        return n
    if method == "sobol":
        return n * (2 * n_names + 2 if m.design.second_order else n_names + 2)
    return n * (n_names + 1)  # morris: trajectories of D + 1 points


def _check_size(m: ExperimentModel, names, levels_by_name, switches, where: str) -> None:
    """Refuse a design above limits.RUNS runs before building it (a grid is a product: it grows fast)."""
    points = design_points(m, len(names), levels_by_name, switches)
    runs = points * m.replicates
    limit = limits.RUNS.value()
    if runs > limit:
        raise ScenarioError(f"{where}: the design has {points:,} points x {m.replicates:,} replicates = {runs:,} runs, "
                            f"above the limit of {limit:,} runs per sweep (allowed: up to {limit:,}; raise it with "
                            f"{limits.RUNS.env}=N, or use fewer levels or a sampled design)")


def _design(m: ExperimentModel, names, bounds, levels_by_name, switches, where) -> np.ndarray:
    method, n = m.design.method, m.design.samples
    problem = {"num_vars": len(names), "names": names, "bounds": [list(b) for b in bounds]}
    if method == "grid":
        axes = [levels_by_name[k] for k in names] + [sw.levels for sw in switches]
        return np.array(list(itertools.product(*axes)), dtype=float)
    if n is None:
        raise ScenarioError(f"{where}: design.samples: required for method \"{method}\"")
    # SALib is imported only for a design that needs it: it is slow to import and an optional extra.
    if method == "lhs":
        from SALib.sample import latin
        return latin.sample(problem, n, seed=m.seed)
    if method == "sobol":
        if n & (n - 1):
            raise ScenarioError(f"{where}: design.samples: {n} must be a power of 2 for Sobol (e.g. 512, 1024)")
        from SALib.sample import sobol
        return sobol.sample(problem, n, calc_second_order=m.design.second_order, seed=m.seed)
    from SALib.sample import morris
    return morris.sample(problem, n, num_levels=m.design.levels, seed=m.seed)


def _is_calibration(path: Path) -> bool:
    """Whether a shipped file is a calibration (it has an [abc] table), read as text: cheap."""
    try:
        return re.search(r"^\[abc\]", path.read_text(encoding="utf-8-sig"), re.M) is not None
    except (OSError, UnicodeDecodeError):
        return False


# Keys only a scenario file has: a file with one of them and no 'scenario' key was given where an
# experiment (or a calibration) belongs.
SCENARIO_ONLY = ("extends", "events", "initial_phases", "region", "start_year", "posterior", "fields")


def refuse_a_scenario(raw: dict, where: str, source, command: str) -> None:
    """A scenario file given to sweep or calibrate: said as such, not as its first missing key."""
    if "scenario" not in raw and any(k in raw for k in SCENARIO_ONLY):
        kind, tables = ("a calibration", "[abc] and [prior] tables") if command == "calibrate" else \
            ("an experiment", "a [design] table")
        raise ScenarioError(f"{where}: a scenario file, not {kind} (which names its scenario = \"...\" and has "
                            f"{tables}; shipped ones are in experiments/); run the scenario with "
                            f"`innovation-sim run {source}`")


def resolve_file(source: str | Path, calibration: bool = False) -> Path:
    """An experiment file (a calibration's with ``calibration``): the path given, or a shipped one
    by name; a name that is neither is refused, listing the shipped files of that kind."""
    p = Path(source)
    if _exists(p):
        return p
    shipped = SHIPPED / (p.name if p.suffix == ".toml" else p.name + ".toml")
    if len(p.parts) == 1 and _exists(shipped):
        return shipped
    known = sorted(q.stem for q in SHIPPED.glob("*.toml") if _is_calibration(q) == calibration)
    what = "calibration" if calibration else "experiment"
    raise ScenarioError(f"{source}: no such {what} file{did_you_mean(p.stem, known)} (shipped: {', '.join(known)})")


def _exists(p: Path) -> bool:
    try:
        return p.exists()
    except (OSError, ValueError):
        return False


def shipped() -> list[tuple[str, str]]:
    out = []
    for path in sorted(SHIPPED.glob("*.toml")):
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
            out.append((path.stem, first_line(str(raw.get("description", ""))) or "(no description)"))
        except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError):
            out.append((path.stem, "(invalid)"))
    return out
