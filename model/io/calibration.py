"""Calibration files (experiments/calibrate_*_abc.toml): priors, summaries and the ABC-SMC settings
of `innovation-sim calibrate` (model/experiments/abc.py).

    name = "Calibrate England 2006 (ABC-SMC)"
    description = "One line for listings; more lines for the reader."
    scenario = "england_2006"        # a shipped scenario name, or a path relative to this file
    months = 78                      # optional: the scenario's run length otherwise
    seed = 2006                      # every proposal and run seed derives from this
    batch_size = 1                   # optional: runs per task sent to a worker (default 1 for a
                                     # region, 10 for a locality)

    [constants]                      # optional: settings fixed for every run
    efficiency_pressure = 0.7

    [abc]
    population = 200                 # N particles per generation
    alpha = 0.5                      # share kept each generation (N_alpha = floor(alpha N) >= 2)
    p_acc_min = 0.05                 # stop when fewer new proposals than this are accepted
    max_generations = 8              # at most this many generations, generation 0 (the prior) included
    replicates = 1                   # runs per particle; its summaries are their mean

    [prior]                          # written before any run: a uniform box per setting
    trigger_rate = { low = 0.1, high = 1.5 }
    proof_threshold = { low = 0.6, high = 0.95, scale = "log" }   # log-uniform (low > 0)

    [summaries.share_a_great_deal]   # an outcome column (model/core/outcomes.py)
    observed = 0.43                  # the value the model should reproduce
    scale = 0.04                     # distance unit: (simulated - observed) / scale
    band = 0.06                      # predictive checks: a run is within observed +/- band
    source = "003:267"

    [null]                           # optional: a null model fitted the same way
    description = "No learning between places."
    constants = { "region.example_strength" = 0.0 }

Validated like experiment files: one line naming the file, the key and what is allowed.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from ..core.outcomes import column_bounds, outcome_columns
from . import limits
from .experiment import base_scenario, check_value, design_param, dotted_settings, refuse_a_scenario, resolve_file
from .scenario import (STRICT, Float, Int, Scenario, ScenarioError, did_you_mean, explain, offset_groups, read_toml,
                       shared_groups)


class AbcModel(BaseModel):
    model_config = STRICT
    population: Int = Field(ge=4, le=100_000)
    alpha: Float = Field(default=0.5, gt=0, lt=1)
    p_acc_min: Float = Field(default=0.05, ge=0, le=1)
    max_generations: Int = Field(default=8, ge=1, le=1000)
    replicates: Int = Field(default=1, ge=1, le=10_000)


class PriorModel(BaseModel):
    model_config = STRICT
    low: Float
    high: Float
    scale: Literal["linear", "log"] = "linear"


class SummaryModel(BaseModel):
    model_config = STRICT
    observed: Float
    scale: Float = Field(gt=0)
    band: Float = Field(gt=0)
    source: str | None = None


class NullModel(BaseModel):
    model_config = STRICT
    description: str | None = None
    constants: dict[str, Float] = Field(min_length=1)


class CalibrationModel(BaseModel):
    model_config = STRICT
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    scenario: str = "baseline"
    months: Int | None = Field(default=None, ge=1, le=1200)
    seed: Int = Field(default=1, ge=0, le=limits.MAX_SEED)
    batch_size: Int | None = Field(default=None, ge=1, le=100_000)
    constants: dict[str, Float] = Field(default_factory=dict)
    abc: AbcModel
    prior: dict[str, PriorModel] = Field(min_length=1)
    summaries: dict[str, SummaryModel] = Field(min_length=1)
    null: NullModel | None = None


@dataclass(frozen=True)
class PriorBox:
    """A uniform prior on [low, high], or on [log low, log high] when ``scale`` is "log"."""
    name: str
    low: float
    high: float
    scale: str = "linear"


@dataclass(frozen=True)
class SummarySpec:
    name: str
    observed: float
    scale: float
    band: float
    source: str | None = None


@dataclass
class Calibration:
    """A validated calibration: the scenario, the prior, the summaries and the ABC-SMC settings.
    ``model`` is "full", or "null" for the null model derived by ``null_model()``."""

    name: str
    description: str
    path: Path
    scenario: Scenario
    seed: int
    batch_size: int
    population: int
    alpha: float
    p_acc_min: float
    max_generations: int
    replicates: int
    prior: list[PriorBox]
    summaries: list[SummarySpec]
    null: dict[str, float] | None = None  # the constants a null model fixes
    null_description: str | None = None
    raw: dict = field(default_factory=dict)
    model: str = "full"

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.prior]

    @property
    def n_alpha(self) -> int:
        """Particles kept each generation (Lenormand et al. 2013: N_alpha = floor(alpha N))."""
        return int(math.floor(self.alpha * self.population))

    def digest(self) -> str:
        """Identifies everything that changes results: a resume must match it."""
        return self._digest_of(self.raw)

    def fit_digest(self) -> str:
        """Identifies everything that changes the generations' particles: the digest without the
        stopping rule (max_generations, p_acc_min) and the words (name, description). A folder made
        by a calibration with the same fit digest can be extended (abc.check_folder): its
        generations are what this calibration would have run."""
        raw = {k: v for k, v in self.raw.items() if k not in ("name", "description")}
        raw["abc"] = {k: v for k, v in (raw.get("abc") or {}).items() if k not in ("max_generations", "p_acc_min")}
        return self._digest_of(raw)

    def _digest_of(self, raw: dict) -> str:
        """16 hex digits of the sha256 of ``raw`` (a calibration file's content), the model and the
        resolved scenario."""
        h = hashlib.sha256()
        h.update(json.dumps({"raw": raw, "model": self.model}, sort_keys=True, default=str).encode())
        h.update(json.dumps(self.scenario.identity(), sort_keys=True, default=str).encode())
        return h.hexdigest()[:16]

    def null_model(self) -> "Calibration":
        """The null model: the same calibration with the null's constants set and left out of the prior."""
        if not self.null or self.model != "full":
            raise ValueError(f"{self.path}: no [null] section")
        scenario = self.scenario.with_overrides(parameters=self.null, where=f"{self.path}: null.constants")
        return replace(self, scenario=scenario, prior=[p for p in self.prior if p.name not in self.null],
                       model="null")


def load_calibration(source: str | Path) -> Calibration:
    """A calibration file (a shipped name or a path), validated; a one-line ScenarioError otherwise."""
    path = resolve_file(source, calibration=True)
    where = str(path)
    raw = dotted_settings(read_toml(path), ("prior", "constants"), str(path))
    refuse_a_scenario(raw, where, source, "calibrate")
    if "design" in raw and "abc" not in raw:  # a sweep's file, from the same folder
        raise ScenarioError(f"{where}: a sweep experiment (it has a [design] table), not a calibration; run it "
                            f"with `innovation-sim sweep {source}`, or see docs/calibration/abc.md for [abc]")
    try:
        m = CalibrationModel.model_validate(raw)
    except ValidationError as e:
        errors = e.errors()  # a misspelt table ([priors]) explains the "missing" one it leaves: say it first
        raise ScenarioError(f"{where}: {_explain(next((x for x in errors if x['type'] == 'extra_forbidden'), errors[0]), raw)}") from None
    both = sorted(set(m.prior) & set(m.constants))
    if both:  # sweeps refuse this too: the prior would silently win over the constant
        raise ScenarioError(f"{where}: prior.{both[0]}: also in [constants]; a setting is either fixed or fitted")
    _one_entry_per_group(list(m.prior), where)
    scenario = base_scenario(path, m.scenario, m.months, m.constants, fitting=True)
    prior = [_prior_box(key, spec, scenario, where) for key, spec in m.prior.items()]
    summaries = _summaries(m, scenario, where)
    null = _null(m, scenario, where) if m.null else None
    n_alpha = int(math.floor(m.abc.alpha * m.abc.population))
    if n_alpha < 2 or n_alpha >= m.abc.population:
        raise ScenarioError(f"{where}: abc.alpha: alpha x population = {m.abc.alpha:g} x {m.abc.population} keeps "
                            f"{n_alpha} particles (allowed: at least 2 kept and at least 1 new each generation)")
    runs = m.abc.population * m.abc.replicates * m.abc.max_generations
    if runs > limits.RUNS.value():
        raise ScenarioError(f"{where}: abc: population x replicates x max_generations = {runs:,} runs, above the "
                            f"limit of {limits.RUNS.value():,} runs (raise it with {limits.RUNS.env}=N)")
    return Calibration(
        name=m.name, description=m.description, path=path, scenario=scenario, seed=m.seed,
        batch_size=m.batch_size or (1 if scenario.region is not None else 10), population=m.abc.population,
        alpha=m.abc.alpha, p_acc_min=m.abc.p_acc_min, max_generations=m.abc.max_generations,
        replicates=m.abc.replicates, prior=prior, summaries=summaries, null=null,
        null_description=m.null.description if m.null else None, raw=raw)


def _explain(err: dict, raw: dict) -> str:
    """One pydantic error in words; a bound (gt / lt) names the bound."""
    loc = tuple(p for p in err["loc"] if p not in ("str", "float", "int"))
    where = ".".join(str(p) for p in loc)
    kind = err["type"]
    if kind in ("greater_than", "less_than", "greater_than_equal", "less_than_equal"):
        bound = next(iter(err.get("ctx", {}).values()), None)
        word = {"greater_than": "above", "less_than": "below", "greater_than_equal": "at least",
                "less_than_equal": "at most"}[kind]
        return f"{where}: {err['input']!r} is out of range (allowed: {word} {bound})"
    if kind == "too_short" and loc[-1:] in (("prior",), ("summaries",), ("constants",)):
        return f"{where}: give at least one entry"
    return explain({**err, "loc": loc}, raw, _SECTIONS, lambda section, key: "")


# The keys each table of a calibration file allows, for "did you mean" (a scenario's were offered).
_SECTIONS = {(): CalibrationModel.model_fields, ("abc",): AbcModel.model_fields, ("null",): NullModel.model_fields}


def _one_entry_per_group(keys: list[str], where: str) -> None:
    """An offset of a group of places (``effects.A+B.setting``) names each group once across the prior:
    where two entries share a group, the later overwrote the earlier there and the earlier was
    reported as fitted where it did nothing."""
    for i, key in enumerate(keys):
        offset = offset_groups(key)
        if offset is None:
            continue
        setting, groups = offset
        if len(set(groups)) < len(groups):
            raise ScenarioError(f"{where}: prior.{key}: names a group twice; give each group once")
        for other in keys[:i]:
            shared = shared_groups(key, other)
            if shared:
                raise ScenarioError(f"{where}: prior.{key}: sets {setting} for {', '.join(sorted(shared))}, as "
                                    f"prior.{other} does; a place's offset comes from one entry, so give each "
                                    f"group once")


def _prior_box(key: str, spec: PriorModel, scenario: Scenario, where: str) -> PriorBox:
    """A prior box checked against the registry: a known setting, inside its allowed range."""
    p = design_param(key, scenario, where, "prior")
    for end in ("low", "high"):
        check_value(p, getattr(spec, end), f"{where}: prior.{key}.{end}")
    if spec.high <= spec.low:
        raise ScenarioError(f"{where}: prior.{key}: high must be above low (allowed: {p.range_text()})")
    if spec.scale == "log" and spec.low <= 0:
        raise ScenarioError(f"{where}: prior.{key}.low: a log-uniform prior needs low above 0, got {spec.low!r}")
    return PriorBox(key, float(spec.low), float(spec.high), spec.scale)


def _summaries(m: CalibrationModel, scenario: Scenario, where: str) -> list[SummarySpec]:
    known = outcome_columns(scenario.fields, scenario.region is not None)
    out = []
    for key, s in m.summaries.items():
        if key not in known:
            raise ScenarioError(f"{where}: summaries.{key}: unknown outcome{did_you_mean(key, known)} "
                                f"(allowed: {', '.join(known)})")
        lo, hi = column_bounds(key, scenario.region is not None)
        if not lo <= s.observed <= hi:  # a typo such as 43 for 0.43 was fitted, as far as it could be
            allowed = f"at least {lo:g}" if hi == float("inf") else f"{lo:g} to {hi:g}"
            raise ScenarioError(f"{where}: summaries.{key}.observed: {s.observed:g} is out of range (allowed: "
                                f"{allowed}: no run can give a mean outside it)")
        out.append(SummarySpec(key, s.observed, s.scale, s.band, s.source))
    return out


def _null(m: CalibrationModel, scenario: Scenario, where: str) -> dict[str, float]:
    """The null model's constants: known settings within range, leaving at least one to fit."""
    for key, v in m.null.constants.items():
        check_value(design_param(key, scenario, where, "null.constants"), v, f"{where}: null.constants.{key}")
    if not set(m.prior) - set(m.null.constants):
        raise ScenarioError(f"{where}: null.constants: fixes every setting of [prior]; the null model must fit "
                            f"at least one")
    return {k: float(v) for k, v in m.null.constants.items()}
