"""Static figures with seaborn/matplotlib: value curve with phase bands (the report's Figure 4,
004:230-263), the triangle's balance over time, a phase timeline per field, overlays for
comparing scenarios, and a region ensemble's survey answers and adoption curves."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
# Titles and labels carry user text (scenario and field names): "$...$" is text, not TeX to parse.
matplotlib.rcParams["text.parse_math"] = False
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..core.lifecycle import PHASE_NAMES  # noqa: E402
from ..core.survey import CATEGORIES, SURVEY, SURVEY_GROUPS  # noqa: E402

PHASE_COLOURS = ["#eeeeee", "#fde0c5", "#facba6", "#c6dbef", "#9ecae1"]
CORNER_COLOURS = {"authority": "#d95f02", "capacity": "#7570b3", "value": "#1b9e77"}


def _grid(n: int, title: str, height: float = 2.6):
    cols = min(n, 3)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, height * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    fig.suptitle(title, fontsize=12)
    return fig, list(axes.flat[:n])


def save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _save_with_phase_legend(fig, path: Path) -> Path:
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in PHASE_COLOURS]
    fig.legend(handles, PHASE_NAMES, loc="lower center", ncol=5, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _phase_bands(ax, steps: np.ndarray, phases: np.ndarray) -> None:
    """Shade the background by the most common phase at each month."""
    start = 0
    for i in range(1, len(steps) + 1):
        if i == len(steps) or phases[i] != phases[start]:
            ax.axvspan(steps[start] - 0.5, steps[i - 1] + 0.5, color=PHASE_COLOURS[int(phases[start])], lw=0, zorder=0)
            start = i


def value_curve(ts: pd.DataFrame, events: pd.DataFrame, path: Path, title: str) -> Path:
    """The report's Figure 4 from the ensemble: performance (value delivered to the public) in the
    months around each run's first trigger (month 0 = trigger point), mean and 5-95% band,
    background shaded by the most common phase. Fields that never triggered show calendar months."""
    fields = list(ts.field.cat.categories)
    fig, axes = _grid(len(fields), f"{title}: value for the public around the trigger point (cf. Figure 4, 004:230-263)")
    first = (events[(events.kind == "forward") & events.detail.str.startswith("latent")]
             .groupby(["replicate", "field"], observed=True).step.min().rename("trigger").reset_index())
    for ax, f in zip(axes, fields):
        d = ts[ts.field == f].merge(first[first.field == f][["replicate", "trigger"]], on="replicate")
        if d.empty:  # never triggered in any run
            d = ts[ts.field == f].assign(rel=lambda x: x.step)
            ax.set_xlabel("month (never triggered)")
        else:
            d = d.assign(rel=d.step - d.trigger)
            d = d[d.rel >= -24]
            ax.axvline(0, color="k", ls="--", lw=1)
            ax.text(0, 0.97, f" trigger ({d.replicate.nunique()} of {ts.replicate.nunique()} runs)",
                    transform=ax.get_xaxis_transform(), va="top", fontsize=8)
            ax.set_xlabel("months since the trigger point")
        g = d.groupby("rel")
        x = np.asarray(g.size().index)
        counts = pd.crosstab(d.rel, d.phase).reindex(index=x, fill_value=0)
        modal = counts.columns.to_numpy()[counts.to_numpy().argmax(axis=1)]  # most common phase, lowest on ties
        _phase_bands(ax, x, modal)
        ax.fill_between(x, g.performance.quantile(0.05), g.performance.quantile(0.95), color="#1b9e77", alpha=0.2, lw=0)
        ax.plot(x, g.performance.mean(), color="#1b9e77", lw=1.8)
        ax.set_title(f, fontsize=10)
        ax.set_ylim(0, 1)
        ax.set_ylabel("performance")
    return _save_with_phase_legend(fig, path)


def triangle_balance(ts: pd.DataFrame, path: Path, title: str) -> Path:
    """Mean authority, capacity and value per field over time."""
    fields = list(ts.field.cat.categories)
    fig, axes = _grid(len(fields), f"{title}: the strategic triangle over time")
    means = ts.groupby(["field", "step"], observed=True)[list(CORNER_COLOURS)].mean()
    for ax, f in zip(axes, fields):
        for corner, colour in CORNER_COLOURS.items():
            ax.plot(means.loc[f].index, means.loc[f, corner], color=colour, lw=1.5, label=corner)
        if ax is axes[0]:
            ax.legend(title="corner", fontsize=8)
        ax.set_ylabel("level")
        ax.set_title(f, fontsize=10)
        ax.set_ylim(0, 1)
        ax.set_xlabel("month")
    return save(fig, path)


def phase_timeline(ts: pd.DataFrame, path: Path, title: str) -> Path:
    """Share of replicates in each phase, month by month, per field."""
    fields = list(ts.field.cat.categories)
    fig, axes = _grid(len(fields), f"{title}: phase timeline (share of runs in each phase)")
    for ax, f in zip(axes, fields):
        d = ts[ts.field == f]
        share = pd.crosstab(d.step, d.phase, normalize="index").reindex(columns=range(5), fill_value=0)
        ax.stackplot(share.index, share.T.values, colors=PHASE_COLOURS, labels=PHASE_NAMES)
        ax.set_title(f, fontsize=10)
        ax.set_ylim(0, 1)
        ax.set_xlim(share.index.min(), share.index.max())
        ax.set_xlabel("month")
    return _save_with_phase_legend(fig, path)


def compare_overlay(frames: dict[str, pd.DataFrame], column: str, path: Path, title: str) -> Path:
    """One line (mean, with 5-95% band) per scenario, one panel per field."""
    import seaborn as sns  # slow to import (scipy.stats): only the figures that use it
    fields = list(next(iter(frames.values())).field.cat.categories)
    fig, axes = _grid(len(fields), title)
    palette = sns.color_palette("tab10", len(frames))
    for ax, f in zip(axes, fields):
        for colour, (name, ts) in zip(palette, frames.items()):
            g = ts[ts.field == f].groupby("step")[column]
            x = np.asarray(g.size().index)
            ax.fill_between(x, g.quantile(0.05), g.quantile(0.95), color=colour, alpha=0.15, lw=0)
            ax.plot(x, g.mean(), color=colour, lw=1.6, label=name)
        ax.set_title(f, fontsize=10)
        ax.set_xlabel("month")
        ax.set_ylabel(column.replace("_", " "))
    axes[0].legend(fontsize=8)
    return save(fig, path)


def run_figures(ts: pd.DataFrame, events: pd.DataFrame, folder: Path, title: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [
        value_curve(ts, events, folder / "value_curve.png", title),
        triangle_balance(ts, folder / "triangle.png", title),
        phase_timeline(ts, folder / "phases.png", title),
    ]


def region_figures(tables: dict[str, pd.DataFrame], folder: Path, title: str, survey_month: int) -> list[Path]:
    import seaborn as sns  # slow to import (scipy.stats): only the figures that use it
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
