"""The locality and the region as EMA Workbench models (issue 16; Kwakkel 2017, doi:10.1016/j.envsoft.2017.06.054).

Uncertainties (what a council cannot control), levers (what it chooses) and outcomes are generated
from the parameter registry (model/core/parameters.py) and the declared outcomes
(model/core/outcomes.py), so EMA's own evaluators run the model:

    from ema_workbench import perform_experiments, SequentialEvaluator, MultiprocessingEvaluator
    from model.experiments import ema

    m = ema.locality_model("inspection_failure", uncertainties=["openness", "staff_slack"],
                           levers={"leader_drive": [0.45, 0.8]})
    experiments, outcomes = perform_experiments(m, scenarios=200, policies=2)   # EMA samples both

    with MultiprocessingEvaluator(m, n_processes=2) as ev:                      # on the local cores
        experiments, outcomes = ev.perform_experiments(scenarios=200, policies=2)

On a cluster, EMA's MPIEvaluator (needs ``pip install mpi4py`` and an MPI library) runs the same
model on every MPI rank: write the lines above with ``MPIEvaluator(m)`` in a script and start it
with ``mpiexec -n 16 python -m mpi4py.futures script.py``. Our own Dask runner
(``innovation-sim sweep``) stays the default for large sweeps: it streams to Parquet and resumes.

Every EMA experiment carries a ``seed`` (an uncertainty: sampled when EMA samples, given when the
futures come from an experiment file), so a run is reproducible. ``from_experiment`` turns an
exploratory experiment file into the model plus EMA ``Sample``s of its futures (with the sweep's
seeds) and policies, in the sweep's order: EMA's outcomes then equal ``innovation-sim sweep``'s row
for row (``compare_with_sweep``).

Names with dots (``region.beacon_scheme``) are not Python identifiers, which EMA 3 requires: the
EMA parameter is ``region__beacon_scheme`` and its ``variable_name`` is the registry name.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.events import Shock
from ..core.outcomes import outcome_columns
from ..core.parameters import REGISTRY
from ..io import limits
from ..io.experiment import Experiment, declared_direction, param_spec
from ..io.scenario import Scenario, ScenarioError, load
from .sweep import run_point

SEED = "seed"


def workbench():
    """The ema_workbench package (optional 'ema' extra), imported without its import-time warning
    about ipyparallel, which we do not use."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import ema_workbench
    except ImportError:
        raise ScenarioError("the EMA Workbench is not installed: pip install -e '.[ema]' (or run `make setup`)") from None
    return ema_workbench


def ema_name(name: str) -> str:
    """A registry name as an EMA parameter name (a Python identifier)."""
    return name.replace(".", "__").replace("+", "_and_")


class ScenarioFunction:
    """What an EMA model calls: a seed and settings (registry names; switched timelines by name, with
    their level) in, the declared outcomes out. A plain object, so MultiprocessingEvaluator and
    MPIEvaluator can send it to their workers."""

    def __init__(self, scenario: Scenario, switch_events: dict[str, list[Shock]] | None = None):
        self.scenario = scenario
        self.switch_events = switch_events or {}

    def __call__(self, seed: int, **settings) -> dict[str, float]:
        params, events = {}, []
        for name, value in settings.items():
            if name in self.switch_events:
                if value != 0:
                    events += [e.scaled(float(value)) for e in self.switch_events[name]]
                continue
            p = param_spec(name)
            params[name] = int(round(value)) if p is not None and p.kind is int else float(value)
        return run_point(self.scenario, params, events, int(seed), where="EMA experiment").outcomes()


def _range_parameter(name: str, low=None, high=None):
    ema = workbench()
    p = param_spec(name)
    if p is None:
        raise ScenarioError(f"{name}: unknown parameter (see `innovation-sim params`)")
    lo, hi = (p.low if low is None else low), (p.high if high is None else high)
    if p.kind is int:
        return ema.IntegerParameter(ema_name(name), int(lo), int(hi), variable_name=name)
    return ema.RealParameter(ema_name(name), float(lo), float(hi), variable_name=name)


def _levels_parameter(name: str, levels):
    return workbench().CategoricalParameter(ema_name(name), [float(v) for v in levels], variable_name=name)


def outcomes(scenario: Scenario, chosen: dict[str, dict] | list[str] | None = None) -> list:
    """EMA ScalarOutcomes: ``chosen`` (names, or name -> {direction}) or every declared outcome."""
    ema = workbench()
    region = scenario.region is not None
    names = list(chosen) if chosen else outcome_columns(scenario.fields, region)
    kinds = {"maximise": ema.ScalarOutcome.MAXIMIZE, "minimise": ema.ScalarOutcome.MINIMIZE,
             "info": ema.ScalarOutcome.INFO}
    out = []
    for name in names:
        spec = chosen.get(name, {}) if isinstance(chosen, dict) else {}
        direction = spec.get("direction") or declared_direction(name, region)
        out.append(ema.ScalarOutcome(name, kind=kinds[direction], dtype=float))
    return out


def model(scenario: str | Path | Scenario = "baseline", uncertainties: list[str] | dict | None = None,
          levers: dict | None = None, outcome_names: list[str] | dict | None = None, months: int | None = None,
          switches: dict[str, list[Shock]] | None = None, name: str | None = None):
    """An EMA ``Model`` of a scenario (a locality, or a region if it has a [region] table).

    ``uncertainties``: registry names (their whole range), or name -> (low, high); default every
    locality parameter. ``levers``: name -> a list of levels (a CategoricalParameter) or (low, high).
    ``switches``: name -> shocks, a timeline switched by a lever of that name (its level scales the
    magnitudes). ``outcome_names``: default every declared outcome.
    """
    ema = workbench()
    s = scenario if isinstance(scenario, Scenario) else load(scenario)
    if months is not None:
        s = s.with_overrides(months=months)
    m = ema.Model(name or ("region" if s.region is not None else "locality"), function=ScenarioFunction(s, switches))
    if uncertainties is None:
        uncertainties = list(REGISTRY)
    ranges = uncertainties if isinstance(uncertainties, dict) else {n: (None, None) for n in uncertainties}
    m.uncertainties = [ema.IntegerParameter(SEED, 0, limits.MAX_SEED),
                       *(_range_parameter(n, *b) for n, b in ranges.items())]
    lever_params = []
    for n, spec in (levers or {}).items():
        if isinstance(spec, tuple):
            lever_params.append(_range_parameter(n, *spec))
        else:
            lever_params.append(_levels_parameter(n, spec))
    m.levers = lever_params
    m.outcomes = outcomes(s, outcome_names)
    return m


def locality_model(scenario: str | Path | Scenario = "baseline", **kw):
    """An EMA model of a locality scenario (see ``model``)."""
    s = scenario if isinstance(scenario, Scenario) else load(scenario)
    if s.region is not None:
        raise ScenarioError(f"{scenario}: a region scenario; use region_model")
    return model(s, **kw)


def region_model(scenario: str | Path | Scenario = "england_2006", uncertainties=None, **kw):
    """An EMA model of a region scenario (see ``model``); uncertainties default to the region's settings."""
    s = scenario if isinstance(scenario, Scenario) else load(scenario)
    if s.region is None:
        raise ScenarioError(f"{scenario}: not a region scenario (no [region] table); use locality_model")
    if uncertainties is None:
        uncertainties = ["region.followers", "region.example_strength", "region.adaptation_sd", "region.intermediaries"]
    return model(s, uncertainties=uncertainties, **kw)


def from_experiment(exp: Experiment):
    """(EMA model, futures, policies) of an exploratory experiment: the futures as EMA Samples (one
    per future and replicate, with the sweep's seeds), the policies as Samples, both in the sweep's
    order, so ``perform_experiments(model, futures, policies)`` runs the sweep's runs in run order."""
    if exp.method != "exploratory":
        raise ScenarioError(f"{exp.path}: design.method: EMA needs method = \"exploratory\" "
                            f"(uncertainties and levers), not \"{exp.method}\"")
    ema = workbench()
    n_unc = len(exp.uncertainties)
    lever_levels = {}
    for j, name in enumerate(exp.names + exp.switch_names):
        if j >= n_unc:
            lever_levels[name] = list(dict.fromkeys(float(v) for v in exp.points[:, j]))
    m = model(exp.scenario, uncertainties=dict(zip(exp.uncertainties, exp.bounds[:n_unc])), levers=lever_levels,
              outcome_names=exp.outcome_specs or None, switches=exp.switch_events, name=ema_name(Path(exp.path).stem))
    futures = []
    for f in range(exp.n_futures):
        params, _ = exp.point_settings(f)  # policy 0's point f: the future's values (integers rounded)
        values = {ema_name(u): params[u] for u in exp.uncertainties}
        for r in range(exp.replicates):
            futures.append(ema.Sample(name=f"future {f} replicate {r}", **{SEED: exp.run_seed(f * exp.replicates + r)},
                                      **values))
    policies = []
    for p in range(exp.n_policies):
        row = exp.points[p * exp.n_futures]
        values = {ema_name(n): float(v) for n, v in zip(exp.names + exp.switch_names, row) if n in lever_levels}
        policies.append(ema.Sample(name=policy_label(exp, p), **values))
    return m, futures, policies


def policy_label(exp: Experiment, policy: int) -> str:
    """'leader_drive=0.8, grant=1' for a policy of an exploratory experiment."""
    row = exp.points[policy * exp.n_futures]
    cols = exp.names + exp.switch_names
    return ", ".join(f"{n}={row[cols.index(n)]:g}" for n in exp.levers) or "no levers"


def perform(exp: Experiment, evaluator: str = "sequential", n_processes: int | None = None):
    """Run an exploratory experiment with EMA's evaluator ("sequential" or "multiprocessing"); returns
    EMA's (experiments, outcomes)."""
    ema = workbench()
    m, futures, policies = from_experiment(exp)
    if evaluator == "sequential":
        return ema.perform_experiments(m, futures, policies, evaluator=ema.SequentialEvaluator(m))
    if evaluator == "multiprocessing":
        with ema.MultiprocessingEvaluator(m, n_processes=n_processes) as ev:
            return ev.perform_experiments(futures, policies)
    raise ScenarioError(f"evaluator: {evaluator!r} is not allowed (allowed: sequential, multiprocessing; "
                        f"for MPI see model/experiments/ema.py)")


def as_runs(exp: Experiment, experiments: pd.DataFrame, outcomes_: dict[str, np.ndarray]) -> pd.DataFrame:
    """EMA's results as the sweep's rows: run, point, replicate, seed, the design's columns, outcomes."""
    n = len(experiments)
    runs = np.arange(n)
    df = pd.DataFrame({"run": runs, "point": runs // exp.replicates, "replicate": runs % exp.replicates,
                       "seed": experiments[SEED].to_numpy().astype(np.uint64)})
    for name in exp.names + exp.switch_names:
        df[name] = experiments[ema_name(name)].astype(float).to_numpy()
    for name, values in outcomes_.items():
        df[name] = np.asarray(values, dtype=float)
    return df


def compare_with_sweep(ema_runs: pd.DataFrame, sweep_runs: pd.DataFrame) -> pd.DataFrame:
    """Rows where EMA's and the sweep's runs differ in a seed, a setting (as run: integer settings
    rounded) or an outcome (empty: equal). NaN equals NaN (e.g. months_to_first_trigger when no field left latent)."""
    cols = [c for c in ema_runs.columns if c in sweep_runs.columns]
    a = ema_runs.sort_values("run").reset_index(drop=True)[cols]
    b = sweep_runs.sort_values("run").reset_index(drop=True)[cols]
    if len(a) != len(b):
        raise ValueError(f"{len(a)} EMA runs but {len(b)} sweep runs")
    diff = pd.Series(False, index=a.index)
    for c in cols:
        x, y = a[c].to_numpy(), b[c].to_numpy()
        p = param_spec(c)
        if p is not None and p.kind is int:  # the sweep keeps the design's value; the run used it rounded
            y = np.round(y.astype(float))
        if x.dtype.kind == "f" or y.dtype.kind == "f":
            x, y = x.astype(float), y.astype(float)
            diff |= ~((x == y) | (np.isnan(x) & np.isnan(y)))
        else:
            diff |= x != y
    return a[diff.to_numpy()]
