"""Ensembles of region runs (`innovation-sim run` on a scenario with a [region] table): tidy
frames and a summary with honest intervals across replicates (figures: model/viz/plots.py,
region_figures)."""

from __future__ import annotations

import pandas as pd

from ..core.survey import CATEGORIES, SURVEY, SURVEY_GROUPS
from ..io.scenario import Scenario
from .runner import map_replicates

TABLES = ("aggregates", "survey", "diffusion", "adoption", "places", "events", "timeseries", "settings")


def run_region_replicate(scenario: Scenario, replicate: int, seed: int, every: int = 1) -> dict[str, pd.DataFrame]:
    """One region run; with a posterior, on settings drawn for this replicate (``settings``)."""
    scenario, drawn = scenario.for_replicate(seed)
    r = scenario.build(seed).run_for(scenario.months)
    out = {"aggregates": r.aggregates(), "survey": r.survey(), "diffusion": r.diffusion(), "adoption": r.adoption(),
           "places": r.places(), "events": r.events(), "timeseries": r.timeseries(every),
           "settings": pd.DataFrame([drawn])}
    for df in out.values():
        df.insert(0, "replicate", replicate)
    return out


def _task(args):
    return run_region_replicate(*args)


def run_region_ensemble(scenario: Scenario, replicates: int, seed: int, workers: int | None = None,
                        progress: bool | None = None) -> dict[str, pd.DataFrame]:
    """Every table of every replicate, concatenated in replicate order (seeds as in run_ensemble)."""
    # A region takes seconds, so even two replicates are worth two processes.
    results = map_replicates(_task, scenario, replicates, seed, workers, progress, unit="region", serial_below=2)
    return {k: pd.concat([r[k] for r in results], ignore_index=True) for k in TABLES}


def summarise_region(tables: dict[str, pd.DataFrame]) -> dict:
    """Survey shares (overall and by group) and diffusion, as mean and range across replicates."""
    sv = tables["survey"]
    out: dict = {"replicates": int(sv.replicate.nunique()), "survey": {}, "survey_targets": {
        "all": SURVEY, **{g: {"a great deal": v} for g, v in SURVEY_GROUPS.items()}}}
    for group, d in sv.groupby("group", sort=False):
        out["survey"][group] = {c: _interval(d[c]) for c in CATEGORIES} | {"places": int(d.places.iloc[0])}
    dif = tables["diffusion"]
    out["diffusion"] = {f: {c: _interval(d[c]) for c in ("first_month", "months_to_early_adopters", "months_to_majority", "adopted_share",
                                                          "adapted_share")}
                        for f, d in dif.groupby("field", sort=False)}
    return out


def _interval(x: pd.Series) -> dict:
    x = x.dropna()
    if x.empty:
        return {"mean": None, "min": None, "max": None, "n": 0}
    return {"mean": round(float(x.mean()), 4), "min": round(float(x.min()), 4), "max": round(float(x.max()), 4),
            "n": int(len(x))}


def survey_table(summary: dict) -> str:
    """Mean share of each answer across replicates, the range across replicates, and the survey's figure."""
    rows = [f"{'group':<17} {'places':>6}  {'a great deal':<22}{'some':<22}{'hardly any':<22}"]
    for group, d in summary["survey"].items():
        target = summary["survey_targets"].get(group, {})
        cells = []
        for c in ("a great deal", "some", "hardly any"):
            x = d[c]
            t = f" ({target[c]:.0%})" if c in target else ""
            cells.append(f"{x['mean']:>4.0%} [{x['min']:.0%}-{x['max']:.0%}]{t}".ljust(22))
        rows.append(f"{group:<17} {d['places']:>6}  " + "".join(cells))
    return "\n".join(rows) + ("\n(mean [lowest-highest] over replicates; the survey's figure in brackets, "
                             "003:267, 284)")
