"""Ensembles of region runs (`innovation-sim run` on a scenario with a [region] table): tidy
frames, a summary with honest intervals across replicates, and figures."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from ..core.region import CATEGORIES, SURVEY, SURVEY_GROUPS  # noqa: E402
from .runner import map_replicates  # noqa: E402
from ..io.scenario import Scenario  # noqa: E402

TABLES = ("aggregates", "survey", "diffusion", "adoption", "places", "events", "timeseries")


def run_region_replicate(scenario: Scenario, replicate: int, seed: int, every: int = 1) -> dict[str, pd.DataFrame]:
    r = scenario.build(seed).run_for(scenario.months)
    out = {"aggregates": r.aggregates(), "survey": r.survey(), "diffusion": r.diffusion(), "adoption": r.adoption(),
           "places": r.places(), "events": r.events(), "timeseries": r.timeseries(every)}
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


def region_figures(tables: dict[str, pd.DataFrame], folder: Path, title: str, survey_month: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    # 1. The survey answers over time, each replicate a thin line, targets at the survey month.
    agg = tables["aggregates"]
    fig, ax = plt.subplots(figsize=(8, 4.2))
    colours = dict(zip(CATEGORIES, sns.color_palette("colorblind", 3)))
    for c in CATEGORIES:
        col = f"share_{c.replace(' ', '_')}"
        for _, d in agg.groupby("replicate"):
            ax.plot(d.step, d[col], color=colours[c], lw=0.8, alpha=0.6)
        ax.plot([], [], color=colours[c], label=c)
        ax.plot(survey_month, SURVEY[c], "D", color=colours[c], mec="black", ms=8)
    ax.axvline(survey_month, color="grey", ls=":", lw=1)
    ax.set(xlabel="month", ylabel="share of places", ylim=(0, 1),
           title=f"{title}: innovation reported (diamonds: 2006 survey, 003:267)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    paths.append(folder / "survey_answers.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)
    # 2. 'A great deal' by group against the survey.
    sv = tables["survey"]
    groups = [g for g in sv.group.unique() if g != "all"]
    fig, ax = plt.subplots(figsize=(9, 4))
    sns.barplot(sv[sv.group != "all"], x="group", y="a great deal", order=groups, errorbar=("pi", 100),
                color="#4c72b0", ax=ax)
    for x, g in enumerate(groups):
        if g in SURVEY_GROUPS:
            ax.plot(x, SURVEY_GROUPS[g], "D", color="#c44e52", mec="black", ms=8)
    ax.axhline(SURVEY["a great deal"], color="#c44e52", ls=":", lw=1)
    ax.set(ylabel="share 'a great deal' at the survey", xlabel="",
           title="By type and English region (diamonds and line: survey, 003:267, 284)")
    ax.tick_params(axis="x", rotation=45, labelsize=8)
    fig.tight_layout()
    paths.append(folder / "survey_groups.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)
    # 3. Adoption curves: the share of places that have mainstreamed each field's innovation.
    ad = tables["adoption"]
    fig, ax = plt.subplots(figsize=(8, 4))
    sns.lineplot(ad, x="step", y="adopted", hue="field", errorbar=("pi", 100), ax=ax)
    ax.set(xlabel="month", ylabel="share of places that mainstreamed it", title="Adoption curves across places")
    ax.legend(fontsize=8)
    fig.tight_layout()
    paths.append(folder / "adoption.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)
    return paths
