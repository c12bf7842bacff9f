"""Analysis of a finished sweep: Sobol and Morris indices (SALib) and figures.

Outcomes analysed: public value after the run (locality total, mean over replicates at each design
point) and the probability of reaching embedding in any field (share of replicates).
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .sweep import SweepError, read_runs  # noqa: E402

ANALYSED = {"public_value": "public value (mean)", "reached_embedding": "P(reach embedding)"}


def per_point(runs: pd.DataFrame, n_points: int) -> pd.DataFrame:
    ok = runs[runs.error.isna()]
    agg = ok.groupby("point")[list(ANALYSED)].mean()
    missing = sorted(set(range(n_points)) - set(agg.index))
    if missing:
        raise SweepError(f"{len(missing)} design points have no successful run (first: point {missing[0]}); "
                         f"finish the sweep with --resume or look at the 'error' column")
    return agg.sort_index()


def analyse(folder: Path, seed: int = 1) -> dict:
    folder = Path(folder)
    runs = read_runs(folder)  # checks the folder first
    try:
        manifest = json.loads((folder / "_manifest.json").read_text())
        design = pd.read_parquet(folder / "_design.parquet").sort_values("point")
    except Exception as e:
        raise SweepError(f"{folder}: cannot read the sweep's manifest or design ({type(e).__name__})") from None
    if len(runs) < manifest["runs"]:
        raise SweepError(f"{folder}: {len(runs)} of {manifest['runs']} runs done; finish with --resume first")
    names = manifest["parameters"]
    problem = {"num_vars": len(names), "names": names, "bounds": manifest["bounds"]}
    y = per_point(runs, manifest["points"])
    out_dir = folder / "_analysis"
    out_dir.mkdir(exist_ok=True)
    result: dict = {"method": manifest["method"], "runs": int(len(runs)), "errors": int(runs.error.notna().sum()),
                    "outcomes": {}}
    tables = []
    for col, label in ANALYSED.items():
        Y = y[col].to_numpy()
        if manifest["method"] == "sobol":
            from SALib.analyze import sobol
            si = sobol.analyze(problem, Y, calc_second_order=manifest["second_order"], seed=seed)
            t = pd.DataFrame({"parameter": names, "S1": si["S1"], "S1_conf": si["S1_conf"],
                              "ST": si["ST"], "ST_conf": si["ST_conf"]})
        elif manifest["method"] == "morris":
            from SALib.analyze import morris
            X = design[names].to_numpy()
            si = morris.analyze(problem, X, Y, num_levels=manifest["levels"], seed=seed)
            t = pd.DataFrame({"parameter": names, "mu_star": si["mu_star"], "mu_star_conf": si["mu_star_conf"],
                              "sigma": si["sigma"]})
        else:  # grid or lhs: the mean outcome at each point
            t = design.assign(**{col: Y})
        t.insert(0, "outcome", col)
        tables.append(t)
        result["outcomes"][col] = t.drop(columns="outcome").to_dict(orient="records")
        if manifest["method"] in ("sobol", "morris"):
            _indices_figure(t, manifest["method"], label, out_dir / f"indices_{col}.png")
    pd.concat(tables, ignore_index=True).to_csv(out_dir / "indices.csv" if manifest["method"] in ("sobol", "morris")
                                                else out_dir / "points.csv", index=False)
    _panels(design, y, names + manifest["switches"], out_dir / "outcome_vs_parameter.png")
    (out_dir / "analysis.json").write_text(json.dumps(result, indent=2, default=float))
    return result


def _indices_figure(t: pd.DataFrame, method: str, label: str, path: Path) -> None:
    if method == "sobol":
        t = t.sort_values("ST", ascending=True)
        fig, ax = plt.subplots(figsize=(7, 0.35 * len(t) + 1.5))
        y = np.arange(len(t))
        ax.barh(y + 0.2, t.ST, 0.4, xerr=t.ST_conf, label="total (ST)", color="#4c72b0")
        ax.barh(y - 0.2, t.S1, 0.4, xerr=t.S1_conf, label="first order (S1)", color="#dd8452")
        ax.set_xlabel(f"Sobol index for {label}")
    else:
        t = t.sort_values("mu_star", ascending=True).tail(25)
        fig, ax = plt.subplots(figsize=(7, 0.3 * len(t) + 1.5))
        y = np.arange(len(t))
        ax.barh(y, t.mu_star, xerr=t.mu_star_conf, color="#4c72b0", label="mu* (influence)")
        ax.plot(t.sigma, y, "o", color="#c44e52", label="sigma (interactions / non-linearity)")
        ax.set_xlabel(f"Morris elementary effects on {label}")
    ax.set_yticks(y, t.parameter)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _panels(design: pd.DataFrame, y: pd.DataFrame, names: list[str], path: Path) -> None:
    shown = names[:12]
    fig, axes = plt.subplots(len(ANALYSED), len(shown), figsize=(2.6 * len(shown) + 1, 2.4 * len(ANALYSED)),
                             squeeze=False)
    for r, (col, label) in enumerate(ANALYSED.items()):
        for c, name in enumerate(shown):
            ax = axes[r][c]
            ax.scatter(design[name], y[col], s=6, alpha=0.4)
            if r == len(ANALYSED) - 1:
                ax.set_xlabel(name, fontsize=8)
            if c == 0:
                ax.set_ylabel(label, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
