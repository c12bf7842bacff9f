"""Scenario discovery on a finished sweep (issue 16): under which conditions does an outcome happen?

PRIM, the patient rule induction method (Friedman & Fisher 1999; for scenario discovery Bryant &
Lempert 2010, doi:10.1016/j.techfore.2009.08.002), finds boxes of the varied settings where the
outcome is concentrated; each box has a *coverage* (the share of all runs where the outcome happens
that lie in the box), a *density* (the share of runs in the box where it happens) and a *mass* (the
share of all runs in the box). Feature scores (extra trees) rank the settings, and CART gives a
second opinion. PRIM peels the settings with the highest feature scores (``max_dims + 1``, at least
4): on noisy runs it would otherwise restrict every setting a little. All three are the EMA Workbench's (``ema_workbench.analysis``), not written again.

A box is picked from PRIM's peeling trajectory among those restricting at most ``max_dims`` settings
(3: a box a reader can hold in mind) with a coverage of at least 0.2: the one with the most coverage
among those with a density of at least ``min_density`` (else the densest); later boxes are found on the runs the
earlier ones leave. The outcome is used as it is when it is 0/1 (reached_embedding); otherwise it
"happens" when it is at least the threshold (at most, for an outcome to minimise), from
``--threshold`` or the experiment's [outcomes] table.
"""

from __future__ import annotations

import json
import logging
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..io.experiment import declared_direction
from ..io.folders import staged
from .sweep import SweepError, read_sweep

PLAIN = {"reached_embedding": "a field reaches embedding"}  # what a 0/1 outcome means, in words


@dataclass
class Box:
    number: int
    coverage: float
    density: float
    mass: float
    runs: int
    limits: list[dict]  # one per restricted setting: name, low, high, low_restricted, high_restricted
    sentence: str
    trajectory_index: int = 0


@dataclass
class Discovery:
    outcome: str
    event: str  # the outcome in words ("a field reaches embedding")
    unit: str  # "futures" or "runs"
    runs: int
    base_rate: float
    inputs: list[str]
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)  # lowest and highest sampled
    prim_inputs: list[str] = field(default_factory=list)  # the settings PRIM peels: the top feature scores
    boxes: list[Box] = field(default_factory=list)
    trajectories: pd.DataFrame | None = None  # box, step, coverage, density, mass, res_dim
    features: pd.DataFrame | None = None  # setting, score
    cart: pd.DataFrame | None = None  # box, setting, low, high, coverage, density, mass


def prepare(folder: Path, outcome: str, threshold: float | None = None) -> tuple[pd.DataFrame, np.ndarray, dict]:
    """(settings of each successful run, 1 where the outcome happens, description)."""
    folder = Path(folder)
    mf, runs = read_sweep(folder)  # checked and complete
    # A posterior's draws (drawn.<name>) are inputs too: which fitted settings go with the outcome.
    inputs = [c for c in [*mf.parameters, *mf.switches] if c in runs.columns]
    inputs += [c for c in runs.columns if c.startswith("drawn.")]
    known = [c for c in runs.columns if c not in {"run", "point", "replicate", "seed", "error", *inputs}]
    if outcome not in runs.columns or outcome in inputs or outcome in ("run", "point", "replicate", "seed", "error"):
        raise SweepError(f"--outcome {outcome}: not an outcome of this sweep (allowed: {', '.join(known)})")
    ok = runs[runs.error.isna() & runs[outcome].notna()]
    if len(ok) < 10:
        raise SweepError(f"{folder}: only {len(ok)} runs with a value of {outcome}; scenario discovery needs more")
    values = ok[outcome].to_numpy(dtype=float)
    spec = mf.outcome_specs.get(outcome, {})
    threshold = spec.get("threshold") if threshold is None else threshold
    binary = set(np.unique(values)) <= {0.0, 1.0}
    if threshold is None and not binary:
        raise SweepError(f"--outcome {outcome}: not a 0/1 outcome; give --threshold (or a threshold for it in the "
                         f"experiment's [outcomes] table); its values run from {values.min():.3g} to {values.max():.3g}")
    # As robust reads it: the experiment's [outcomes] table, else the outcome's declared direction.
    minimise = (spec.get("direction") or declared_direction(outcome, bool(mf.region))) == "minimise"
    if threshold is None:
        y, event = values.astype(int), PLAIN.get(outcome, f"{outcome} is 1")
    elif minimise:
        y, event = (values <= threshold).astype(int), f"{outcome} is at most {threshold:g}"
    else:
        y, event = (values >= threshold).astype(int), f"{outcome} is at least {threshold:g}"
    x = ok[inputs].astype(float).reset_index(drop=True)
    x = x.loc[:, x.nunique() > 1]  # a setting that never varies cannot bound a box
    if x.shape[1] == 0:
        raise SweepError(f"{folder}: no setting varies in this sweep; nothing to discover")
    # a run is a future only when each future ran once under one policy (with levers it is a policy in a future)
    unit = "futures" if mf.method == "exploratory" and not mf.levers and mf.replicates == 1 else "runs"
    return x, y, {"event": event, "unit": unit, "inputs": list(x.columns)}


def _quiet():
    """EMA logs through 'EMA...' loggers and warns about ipyparallel; a command prints one line per fact."""
    logging.getLogger("EMA").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="ema_workbench")
    warnings.filterwarnings("ignore", message=".*ipyparallel.*")


def _num(v: float) -> str:
    return f"{v:.2f}" if abs(v) < 10 else f"{v:.3g}"


def conditions(limits: list[dict]) -> str:
    """'a > 0.708 and b < 0.299' (a setting with two levels pinned to one: 'grant = 1')."""
    parts = []
    for lim in limits:
        n, lo, hi = lim["name"], lim["low"], lim["high"]
        if lo == hi:
            parts.append(f"{n} = {_num(lo)}")
        elif lim["low_restricted"] and lim["high_restricted"]:
            parts.append(f"{_num(lo)} < {n} < {_num(hi)}")
        elif lim["low_restricted"]:
            parts.append(f"{n} > {_num(lo)}")
        else:
            parts.append(f"{n} < {_num(hi)}")
    return " and ".join(parts) if parts else "anything"


def sentence(box: Box, d: Discovery) -> str:
    return (f"In {box.density:.0%} of {d.unit} where {conditions(box.limits)}, {d.event} "
            f"(against {d.base_rate:.0%} of all {d.unit}); these {d.unit} are {box.mass:.0%} of all "
            f"and hold {box.coverage:.0%} of those where {d.event}.")


def _pick(trajectory: pd.DataFrame, min_density: float, max_dims: int = 3, min_coverage: float = 0.2) -> int:
    """A box a reader can use: at most ``max_dims`` settings restricted and ``min_coverage``; of those,
    the most coverage among the boxes at least ``min_density`` dense, else the densest."""
    usable = trajectory[(trajectory.res_dim <= max_dims) & (trajectory.coverage >= min_coverage)]
    if usable.empty:
        usable = trajectory[trajectory.res_dim <= max_dims]
    if usable.empty:
        usable = trajectory
    good = usable[usable.density >= min_density]
    if len(good):
        best = good[good.coverage == good.coverage.max()]
        return int(best.density.idxmax())
    return int(usable.density.idxmax())


def _limits(box_lims: pd.DataFrame, init: pd.DataFrame) -> list[dict]:
    out = []
    for name in box_lims.columns:
        lo, hi = float(box_lims[name].iloc[0]), float(box_lims[name].iloc[1])
        ilo, ihi = float(init[name].iloc[0]), float(init[name].iloc[1])
        if lo > ilo or hi < ihi:
            out.append({"name": name, "low": lo, "high": hi, "low_restricted": lo > ilo, "high_restricted": hi < ihi})
    return out


def discover(x: pd.DataFrame, y: np.ndarray, outcome: str, event: str = "the outcome happens", unit: str = "runs",
             min_density: float = 0.8, max_boxes: int = 3, peel_alpha: float = 0.05, mass_min: float = 0.05,
             seed: int = 1, max_dims: int = 3) -> Discovery:
    """PRIM boxes, feature scores and CART boxes of ``y`` (0/1) over the settings ``x``."""
    _quiet()
    from ema_workbench.analysis import cart, feature_scoring, prim  # optional 'ema' extra

    y = np.asarray(y, dtype=int)
    d = Discovery(outcome, event, unit, int(len(y)), float(y.mean()), list(x.columns),
                  {c: (float(x[c].min()), float(x[c].max())) for c in x.columns})
    if int(mass_min * len(y)) < 1:  # CART's smallest leaf would hold no run
        need = int(np.ceil(1 / mass_min - 1e-9))
        raise SweepError(f"--outcome {outcome}: {len(y)} {unit} with a value; scenario discovery needs at least "
                         f"{need} (a box must hold at least {mass_min:g} of them)")
    if y.sum() == 0 or y.sum() == len(y):
        raise SweepError(f"--outcome {outcome}: {event} in {'none' if y.sum() == 0 else 'all'} of the {len(y)} "
                         f"{unit}; there is nothing to tell apart (try another --threshold)")
    # EMA's default, a third of the settings, is 0 for one or two: at least one.
    scores, _ = feature_scoring.get_ex_feature_scores(x, y, random_state=seed, max_features=max(1, round(x.shape[1] / 3)))
    d.features = (scores.iloc[:, 0].rename("score").rename_axis("setting").reset_index()
                  .sort_values("score", ascending=False, ignore_index=True))
    # PRIM on the settings that matter most: on noisy runs it otherwise peels every setting a little.
    d.prim_inputs = list(d.features.setting[:max(max_dims + 1, 4)])
    p = prim.Prim(x[d.prim_inputs], y, peel_alpha=peel_alpha, mass_min=mass_min)
    trajectories = []
    for k in range(1, max_boxes + 1):
        box = p.find_box()
        if box is None:
            break
        t = box.peeling_trajectory.reset_index(drop=True)
        i = _pick(t, min_density, max_dims)
        box.select(i)
        row = t.iloc[i]
        if k > 1 and row.density <= d.base_rate:  # no better than chance: stop
            break
        b = Box(k, float(row.coverage), float(row.density), float(row.mass), int(row.n),
                _limits(box.box_lims[i], p.box_init), "", i)
        found = bool(b.limits)  # else the whole space: no condition narrows the outcome ("where anything")
        trajectories.append(t[["coverage", "density", "mass", "res_dim"]].astype(float)
                            .assign(box=k, step=np.arange(len(t)), chosen=(np.arange(len(t)) == i) & found))
        if not found:  # its trajectory is still drawn: what PRIM tried
            break
        b.sentence = sentence(b, d)
        d.boxes.append(b)
    d.trajectories = pd.concat(trajectories, ignore_index=True)[["box", "step", "coverage", "density", "mass",
                                                                  "res_dim", "chosen"]] if trajectories else \
        pd.DataFrame(columns=["box", "step", "coverage", "density", "mass", "res_dim", "chosen"])
    # EMA's CART reads a leaf's feature index (-2) as a setting: with one setting that fails, so a
    # constant one is added, never split on, and left out of the table.
    one = x.shape[1] == 1
    c = cart.CART(x.assign(**{PAD: 0.0}) if one else x, y, mass_min=mass_min)
    c.build_tree()
    d.cart = _cart_table(c)
    d.cart = d.cart[d.cart.setting != PAD].reset_index(drop=True) if one else d.cart
    return d


PAD = "(constant)"


def _cart_table(c) -> pd.DataFrame:
    stats = c.stats_to_dataframe()
    lims = c.boxes_to_dataframe()
    rows = []
    for j, box in enumerate(stats.index):
        for name in lims.index:
            lo, hi = lims.loc[name, (box, "min")], lims.loc[name, (box, "max")]
            rows.append({"box": j + 1, "setting": name, "low": lo, "high": hi,
                         "coverage": float(stats.loc[box, "coverage"]), "density": float(stats.loc[box, "density"]),
                         "mass": float(stats.loc[box, "mass"])})
    return pd.DataFrame(rows)


def discover_folder(folder: Path, outcome: str, threshold: float | None = None, **kw) -> Discovery:
    x, y, info = prepare(folder, outcome, threshold)
    return discover(x, y, outcome, info["event"], info["unit"], **kw)


def write(d: Discovery, out: Path, draw=None) -> Path:
    """Tidy tables (boxes.csv: one row per box and restricted setting; trajectory.csv;
    feature_scores.csv; cart_boxes.csv), discovery.json and figures (``draw(d, folder)``), written
    to a hidden folder and moved into place whole (replacing an earlier discovery of the outcome)."""
    out = Path(out)
    with staged(out, "discovery.json") as tmp:
        rows = [{"box": b.number, "coverage": b.coverage, "density": b.density, "mass": b.mass, "runs": b.runs,
                 "setting": lim["name"], "low": lim["low"], "high": lim["high"],
                 "low_restricted": lim["low_restricted"], "high_restricted": lim["high_restricted"]}
                for b in d.boxes for lim in b.limits]
        pd.DataFrame(rows, columns=["box", "coverage", "density", "mass", "runs", "setting", "low", "high",
                                    "low_restricted", "high_restricted"]).to_csv(tmp / "boxes.csv", index=False)
        d.trajectories.to_csv(tmp / "trajectory.csv", index=False)
        d.features.to_csv(tmp / "feature_scores.csv", index=False)
        d.cart.to_csv(tmp / "cart_boxes.csv", index=False)
        summary = {k: v for k, v in asdict(d).items() if k not in ("trajectories", "features", "cart")}
        (tmp / "discovery.json").write_text(json.dumps(summary, indent=2, default=float))
        if draw is not None:
            draw(d, tmp / "figures")
    return out
