"""Figures of an ABC-SMC calibration (model/experiments/abc.py), written into its folder:
marginals.png (each setting's population per generation over its prior box), pairs.png (the final
population, seaborn) and epsilon.png (tolerance and acceptance per generation)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..experiments.abc import posterior, read_particles, replay  # noqa: E402
from ..io.calibration import Calibration  # noqa: E402
from ..io.folders import written_whole  # noqa: E402


def _save(fig, path: Path, **kw) -> None:
    """Written whole or not at all: an interrupted drawing left a cut PNG that `--resume`, seeing the
    file, never drew again."""
    with written_whole(path) as tmp:
        fig.savefig(tmp, format=path.suffix.lstrip("."), **kw)  # the temporary name's suffix is .tmp


def abc_figures(cal: Calibration, folder: Path) -> list[Path]:
    """The three figures of a finished calibration folder; returns their paths."""
    folder = Path(folder)
    table = read_particles(folder, cal)
    gens = replay(table, cal)
    return [_marginals(cal, table, gens, folder / "marginals.png"),
            _pairs(cal, posterior(folder, cal), folder / "pairs.png"),
            _epsilon(gens, folder / "epsilon.png", cal)]


def _marginals(cal: Calibration, table: pd.DataFrame, gens, path: Path) -> Path:
    """Weighted histograms of each generation's kept population over the prior box (log-spaced bins
    for a log-uniform prior): later generations darker, the final one outlined in red."""
    n = len(cal.prior)
    cols = min(n, 3)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 2.8 * rows), squeeze=False)
    shades = plt.cm.Blues(np.linspace(0.3, 0.9, len(gens)))
    for ax, p in zip(axes.flat, cal.prior):
        bins = (np.geomspace(p.low, p.high, 21) if p.scale == "log" else np.linspace(p.low, p.high, 21))
        for g, shade in zip(gens, shades):
            pop = table.iloc[g.population]
            last = g is gens[-1]
            # on a log axis, mass per (log-equal) bin, so areas read true: a density per natural unit
            # inflated the low bins up to 80 times (audit, session 22)
            ax.hist(pop[p.name], bins=bins, weights=pop.weight / pop.weight.sum(), density=p.scale != "log",
                    histtype="step" if last else "stepfilled", alpha=1.0 if last else 0.35,
                    color="#c44e52" if last else shade, lw=2 if last else 0.5,
                    label=f"generation {g.number}" if last or g.number == 0 else None)
        if p.scale == "log":  # the log-uniform prior's mass per bin: flat on these axes
            ax.set_xscale("log")
            ax.axhline(1 / (len(bins) - 1), color="black", lw=0.8, ls=":")
        else:  # the uniform prior's density
            ax.axhline(1 / (p.high - p.low), color="black", lw=0.8, ls=":")
        ax.set_xlim(p.low, p.high)
        ax.set_xlabel(p.name, fontsize=8)
        ax.set_yticks([])
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle(f"{cal.name} [{cal.model}]: population per generation over the prior box (dotted: prior)",
                 fontsize=9)
    fig.tight_layout()
    _save(fig, path, dpi=110)
    plt.close(fig)
    return path


def _pairs(cal: Calibration, pop: pd.DataFrame, path: Path) -> Path:
    """Seaborn pair plot of the final population: weighted histograms on the diagonal, points sized
    by weight elsewhere; axes span the prior box."""
    import seaborn as sns  # slow to import (scipy.stats): only the figures that use it

    data = pop[cal.names].reset_index(drop=True)
    w = pop.weight.to_numpy(float)
    grid = sns.PairGrid(data, height=2.2, corner=len(cal.names) > 1)
    grid.map_diag(sns.histplot, weights=w, bins=15, color="#4c72b0")
    if len(cal.names) > 1:
        grid.map_offdiag(sns.scatterplot, size=w, sizes=(8, 80), color="#4c72b0", legend=False)
    box = {p.name: (p.low, p.high) for p in cal.prior}
    for i, ax_row in enumerate(grid.axes):
        for j, ax in enumerate(ax_row):
            if ax is not None:
                ax.set_xlim(*box[grid.x_vars[j]])
                if i != j:
                    ax.set_ylim(*box[grid.y_vars[i]])
    grid.figure.suptitle(f"Final population ({len(pop)} particles, weighted)", fontsize=9, y=1.02)
    _save(grid.figure, path, dpi=100, bbox_inches="tight")
    plt.close(grid.figure)
    return path


def _epsilon(gens, path: Path, cal: Calibration) -> Path:
    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    x = [g.number for g in gens]
    eps = [g.epsilon if np.isfinite(g.epsilon) else np.nan for g in gens]
    ax.plot(x, eps, "o-", color="#4c72b0", label="epsilon (tolerance)")
    ax.set_xlabel("generation")
    ax.set_ylabel("epsilon (distance, scale units)")
    ax.set_xticks(x)
    ax2 = ax.twinx()
    ax2.plot(x[1:], [g.acceptance for g in gens[1:]], "s--", color="#dd8452", label="acceptance of new proposals")
    ax2.axhline(cal.p_acc_min, color="#dd8452", lw=0.8, ls=":")
    ax2.set_ylim(0, 1.05)
    ax2.set_ylabel("acceptance rate (dotted: p_acc_min)")
    lines = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    ax.legend(lines, [h.get_label() for h in lines], fontsize=7, loc="upper right")
    ax.set_title(f"{cal.name} [{cal.model}]", fontsize=9)
    fig.tight_layout()
    _save(fig, path, dpi=110)
    plt.close(fig)
    return path
