"""The validation checks' figures (model/experiments/validation.py): each check's result names one
of these functions and its data; ``figures`` draws them into a report folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..core.survey import SURVEY, SURVEY_GROUPS
from .plots import CORNER_COLOURS, plt, save


def figures(results, folder: Path) -> dict[int, str]:
    """Draw each check's figure into ``folder``/validation/; returns id -> path relative to ``folder``."""
    (folder / "validation").mkdir(parents=True, exist_ok=True)
    out = {}
    for c, r, _ in results:
        if r.figure is not None:
            rel = f"validation/check_{c.id:02d}.png"
            _draw(folder / rel, r.figure)
            if r.null_figure is not None:  # the model's and the null arm's figures side by side
                _draw(folder / (rel + ".null.png"), r.null_figure)
                _side_by_side(folder / rel, folder / (rel + ".null.png"))
            out[c.id] = rel
    return out


def _draw(path: Path, figure) -> None:
    name, args, kwargs = figure
    DRAW[name](path, *args, **kwargs)


def _side_by_side(left: Path, right: Path) -> None:
    """Joins two figures into ``left`` (model | null arm) and removes ``right``."""
    a, b = plt.imread(left), plt.imread(right)
    fig, axes = plt.subplots(1, 2, figsize=((a.shape[1] + b.shape[1]) / 100, max(a.shape[0], b.shape[0]) / 100))
    for ax, img, title in zip(axes, (a, b), ("model", "null arm (must fail)")):
        ax.imshow(img)
        ax.set_axis_off()
        ax.set_title(title, fontsize=11, color="#333" if title == "model" else "#b2182b")
    save(fig, left)
    right.unlink()


def bars(path: Path, title: str, values: dict[str, float], ylabel: str, ref: float | None = None,
         ref_label: str = "", colours=None) -> None:
    fig, ax = plt.subplots(figsize=(1.2 + 0.9 * len(values), 3.4))
    ax.bar(list(values), list(values.values()), color=colours or "#7570b3")
    for i, v in enumerate(values.values()):
        ax.text(i, v, f"{v:.2f}", ha="center", va="bottom", fontsize=8)
    if ref is not None:
        ax.axhline(ref, color="k", ls="--", lw=1, label=ref_label or None)
        if ref_label:
            ax.legend(fontsize=8, frameon=False)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.tick_params(axis="x", labelsize=8, rotation=20)
    save(fig, path)


def failures(path: Path, failed: list[int]) -> None:
    """Check 3: failed trials before the dominant innovation."""
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.hist(failed, bins=range(0, max(failed, default=0) + 2), color="#d95f02", align="left")
    ax.axvline(2, color="k", ls="--", lw=1, label="'many': 2")
    ax.set_xlabel("failed trials before the dominant innovation")
    ax.set_ylabel("runs")
    ax.legend(fontsize=8, frameon=False)
    save(fig, path)


def jcurve(path: Path, windows: list[tuple[int, int, pd.Series]]) -> None:
    """Check 4: the report's Figure 4 (004:230-263), aligned on each run's last trigger; ``windows``
    holds (last trigger month, embedding month, performance by step) of each run reaching embedding."""
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    curves = []
    for t0, emb, perf in windows:
        rel = perf.loc[max(t0 - 12, 0):] - perf.loc[max(t0 - 1, 0)]
        rel.index = rel.index - t0
        curves.append(rel)
        ax.plot(rel.index, rel.to_numpy(), color="#1b9e77", alpha=0.15, lw=0.7)
        ax.plot(emb - t0, rel.loc[emb - t0], ".", color="#9ecae1", ms=3)
    if curves:
        mean = pd.concat(curves, axis=1).mean(axis=1).sort_index()
        ax.plot(mean.index, mean.to_numpy(), color="k", lw=1.8, label=f"mean of {len(curves)} runs reaching embedding")
    ax.axhline(0, color="k", lw=0.8)
    ax.axvline(0, color="k", ls="--", lw=1)
    ax.set_xlabel("months since the trigger (dots: embedding reached)")
    ax.set_ylabel("performance - before trigger")
    ax.legend(fontsize=8, frameon=False)
    save(fig, path)


def leader_vs_grant(path: Path, leader: np.ndarray, grant: np.ndarray) -> None:
    """Check 7: public value lost when the leader leaves vs when the grant ends."""
    fig, ax = plt.subplots(figsize=(4.6, 3.4))
    ax.boxplot([leader, grant], showfliers=False)
    ax.set_xticks([1, 2], ["leader leaves\n(month 24)", "grant ends\n(month 24)"])
    ax.plot([1, 2], [leader.mean(), grant.mean()], "o", color="#d95f02", label="mean")
    ax.axhline(0, color="k", lw=0.8)
    ax.set_ylabel("public value lost vs same-seed twin")
    ax.legend(fontsize=8, frameon=False)
    save(fig, path)


def phase_balance(path: Path, table: dict[str, tuple[np.ndarray, int]]) -> None:
    """Check 6: loss of progress per corner in each phase; ``table``: phase -> (losses A/C/V, runs)."""
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    for k, (corner, colour) in enumerate(CORNER_COLOURS.items()):
        ax.bar(np.arange(3) + (k - 1) * 0.27, [v[0][k] for v in table.values()], 0.27, color=colour, label=corner)
    ax.set_xticks(range(3), [f"{name}\n({runs} runs)" for name, (_, runs) in table.items()])
    ax.axhline(0, color="k", lw=0.8)
    ax.set_ylabel("loss of progress")
    ax.set_title("Progress lost when one corner aims 0.1 lower", fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    save(fig, path)


def cases(path: Path, case: dict[str, float], generic: dict[str, float]) -> None:
    """Check 14: share of runs meeting all of each UK case's timeline targets, the case's own
    scenario against the generic push."""
    fig, ax = plt.subplots(figsize=(7, 3.4))
    x = np.arange(len(case))
    ax.bar(x - 0.2, list(case.values()), 0.4, color="#1b9e77", label="the case's scenario")
    ax.bar(x + 0.2, [generic[k] for k in case], 0.4, color="#bdbdbd", label="generic push")
    ax.axhline(0.5, color="k", ls="--", lw=1, label="majority")
    ax.set_xticks(x, [k.replace("_", " ").title() for k in case], fontsize=9)
    ax.set_ylabel("share of runs meeting every target")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8, frameon=False)
    save(fig, path)


def region_survey(path: Path, shares: pd.Series, mean: pd.DataFrame, high_groups: list[str],
                  low_groups: list[str]) -> None:
    """Check 15: the region's survey answers, overall and by group, against the survey."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.4), gridspec_kw={"width_ratios": [1, 1.6]})
    x = np.arange(3)
    cats = ["a great deal", "some", "hardly any"]
    axes[0].bar(x - 0.2, [shares[c] for c in cats], 0.4, label="model", color="#4c72b0")
    axes[0].bar(x + 0.2, [SURVEY[c] for c in cats], 0.4, label="survey (003:267)", color="#dd8452")
    axes[0].set_xticks(x, cats)
    axes[0].set_ylabel("share of places, June 2006")
    axes[0].legend(fontsize=8, frameon=False)
    groups = high_groups + low_groups
    x = np.arange(len(groups))
    axes[1].bar(x - 0.2, mean.loc[groups, "a great deal"], 0.4, label="model", color="#4c72b0")
    axes[1].bar(x + 0.2, [SURVEY_GROUPS[g] for g in groups], 0.4, label="survey (003:284)", color="#dd8452")
    axes[1].set_xticks(x, [g.replace("_", " ") for g in groups], fontsize=8)
    axes[1].set_ylabel("share 'a great deal'")
    axes[1].legend(fontsize=8, frameon=False)
    save(fig, path)


DRAW = {f.__name__: f for f in (bars, failures, jcurve, leader_vs_grant, phase_balance, cases, region_survey)}
