"""Figures of exploratory modelling (issue 16): scenario discovery and the robustness of levers."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

def num(v: float) -> str:
    return f"{v:.2f}" if abs(v) < 10 else f"{v:.3g}"


_MPL = tuple(int(v) for v in matplotlib.__version__.split(".")[:2])
COLOURS = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860"]


def discovery_figures(d, folder: Path) -> list[Path]:
    """peeling_trajectory.png (PRIM's trade-off of coverage and density, each box picked marked),
    boxes.png (each box's limits within the settings' ranges) and feature_scores.png."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = [_trajectory(d, folder / "peeling_trajectory.png"), _features(d, folder / "feature_scores.png")]
    if d.boxes:
        out.append(_boxes(d, folder / "boxes.png"))
    return out


def _trajectory(d, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6.5, 4.8))
    t = d.trajectories
    for k, g in t.groupby("box"):
        sc = ax.scatter(g.coverage, g.density, c=g.res_dim, cmap="viridis", s=18, marker="os^"[(k - 1) % 3],
                        vmin=0, vmax=max(1, t.res_dim.max()), label=f"box {k}: peeling steps")
        pick = g[g.chosen]
        ax.scatter(pick.coverage, pick.density, s=160, facecolors="none", edgecolors="#c44e52", linewidths=2)
        for _, r in pick.iterrows():
            right = r.coverage > 0.5  # keep the label inside the axes
            ax.annotate(f"box {k}: coverage {r.coverage:.2f}, density {r.density:.2f}", (r.coverage, r.density),
                        textcoords="offset points", xytext=(-10 if right else 10, -14), fontsize=8,
                        color="#c44e52", ha="right" if right else "left")
    cb = fig.colorbar(sc, ax=ax, label="settings restricted")
    cb.set_ticks(range(int(t.res_dim.max()) + 1))
    ax.axhline(d.base_rate, color="#999999", lw=0.8, ls="--")
    ax.text(0.01, d.base_rate, f" overall: {d.base_rate:.0%}", fontsize=8, color="#666666", va="bottom")
    ax.set_xlabel(f"coverage: share of the {d.unit} where {d.event} that are in the box")
    ax.set_ylabel(f"density: share of {d.unit} in the box where {d.event}", fontsize=9)
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_title(f"PRIM peeling trajectory: {d.outcome}", fontsize=10)
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _features(d, path: Path) -> Path:
    f = d.features.sort_values("score")
    fig, ax = plt.subplots(figsize=(6, 0.3 * len(f) + 1.4))
    ax.barh(f.setting, f.score, color=COLOURS[0])
    ax.set_xlabel(f"feature score (extra trees) for: {d.event}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _boxes(d, path: Path) -> Path:
    """Each box's restricted settings: the full range (grey) and the box's part of it (colour)."""
    rows = [(b.number, lim) for b in d.boxes for lim in b.limits]
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(rows) + 1.4))
    labels = []
    for y, (k, lim) in enumerate(reversed(rows)):
        ax.barh(y, 1, color="#e5e5e5")
        lo, hi = _scaled(d, lim)
        ax.barh(y, hi - lo, left=lo, color=COLOURS[(k - 1) % len(COLOURS)])
        ax.text(1.01, y, f"{num(lim['low'])} to {num(lim['high'])}", va="center", fontsize=8)
        labels.append(f"box {k}: {lim['name']}")
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.set_xlim(0, 1.25)
    ax.set_xticks([0, 1], ["lowest sampled", "highest sampled"])
    ax.set_title("; ".join(f"box {b.number}: coverage {b.coverage:.2f}, density {b.density:.2f}" for b in d.boxes),
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _scaled(d, lim) -> tuple[float, float]:
    r = d.ranges.get(lim["name"]) if getattr(d, "ranges", None) else None
    if not r or r[1] <= r[0]:
        return 0.0, 1.0
    return (lim["low"] - r[0]) / (r[1] - r[0]), (lim["high"] - r[0]) / (r[1] - r[0])


def robustness_figure(table: pd.DataFrame, outcomes: list[str], path: Path, title: str) -> Path:
    """One row of panels per outcome: the share of futures where each policy is good enough (if a
    threshold is set), and each policy's regret across futures (how much worse than the best policy
    for that future; box: middle half, whiskers: 5-95%, dot: the worst case)."""
    policies = list(dict.fromkeys(table.policy_label))
    n = len(outcomes)
    fig, axes = plt.subplots(n, 2, figsize=(11, (0.45 * len(policies) + 1.9) * n), squeeze=False)
    for r, outcome in enumerate(outcomes):
        t = table[table.outcome == outcome]
        ax = axes[r][0]
        y = np.arange(len(policies))[::-1]
        share = [t[t.policy_label == p].satisfied.mean() for p in policies]
        if t.satisfied.notna().any():
            ax.barh(y, share, color=[COLOURS[i % len(COLOURS)] for i in range(len(policies))])
            for yy, s in zip(y, share):
                ax.text(s + 0.01, yy, f"{s:.0%}", va="center", fontsize=8)
            ax.set_xlim(0, 1.12)
            thr = t.threshold.iloc[0]
            word = "at most" if t.direction.iloc[0] == "minimise" else "at least"
            ax.set_title(f"{outcome}:\nshare of futures where it is {word} {thr:g} (satisficing)", fontsize=9)
            ax.set_xlabel("share of futures", fontsize=8)
        else:
            ax.text(0.5, 0.5, "no threshold set for this outcome", ha="center", va="center", transform=ax.transAxes)
            ax.set_xticks([])
            ax.set_title(f"{outcome}", fontsize=9)
        ax.set_yticks(y, policies, fontsize=8)
        ax = axes[r][1]
        data = [t[t.policy_label == p].regret.to_numpy() for p in policies]
        horizontal = {"orientation": "horizontal"} if _MPL >= (3, 10) else {"vert": False}
        ax.boxplot(data, positions=y, whis=(5, 95), showfliers=False, widths=0.5, **horizontal)
        ax.scatter([a.max() for a in data], y, color="#c44e52", s=14, zorder=3, label="worst case")
        ax.set_yticks(y, [""] * len(policies))
        ax.set_title("regret: shortfall from the best policy in the same future\n"
                     "(box: middle half, whiskers: 5-95%)", fontsize=9)
        ax.set_xlabel(outcome, fontsize=8)
        ax.legend(fontsize=7, loc="lower right")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
