"""Analysis of a finished sweep: Sobol and Morris indices (SALib) and figures.

Outcomes analysed: public value after the run (locality total, mean over replicates at each design
point) and the probability of reaching embedding in any field (share of replicates).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..io.folders import staged  # noqa: E402
from .sweep import SweepError, read_design, read_sweep, resume_fix  # noqa: E402

ANALYSED = {"public_value": "public value (mean)", "reached_embedding": "P(reach embedding)"}
REGION_ANALYSED = {"share_a_great_deal": "share 'a great deal' at the survey",
                   "share_hardly_any": "share 'hardly any' at the survey"}


def per_point(runs: pd.DataFrame, n_points: int, columns=tuple(ANALYSED)) -> pd.DataFrame:
    ok = runs[runs.error.isna()]
    agg = ok.groupby("point")[list(columns)].mean()
    missing = sorted(set(range(n_points)) - set(agg.index))
    if missing:
        raise SweepError(f"{len(missing)} design points have no successful run (first: point {missing[0]}); "
                         f"finish the sweep with --resume or look at the 'error' column")
    return agg.sort_index()


def analyse(folder: Path, seed: int = 1) -> dict:
    folder = Path(folder)
    manifest, runs = read_sweep(folder)  # checked and complete
    design = read_design(folder)
    _consistent(folder, manifest, design, runs)
    try:
        # into a hidden folder swapped in whole: a failure leaves no half-written _analysis/
        with staged(folder / "_analysis", None) as out_dir, warnings.catch_warnings(), \
                np.errstate(divide="ignore", invalid="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)  # a constant outcome: its indices are NaN, said in the table (note)
            return _analyse(manifest, runs, design, out_dir, seed)
    except (ValueError, RuntimeError, KeyError, IndexError) as e:  # SALib on a manifest that does not fit the runs
        raise SweepError(f"{folder / '_manifest.json'}: the {manifest.method} analysis cannot use it "
                         f"({str(e).splitlines()[0] if str(e).strip() else 'it does not fit the runs'}); restore it from a copy, "
                         f"or run the sweep again into another --out") from None


def _consistent(folder: Path, manifest, design: pd.DataFrame, runs: pd.DataFrame) -> None:
    """The manifest, the design and the runs describe one sweep (a file copied in from another
    sweep, or an edited manifest, gave SALib tracebacks or quietly wrong indices)."""
    where = folder / "_manifest.json"
    names = list(manifest.parameters)
    if "point" not in design.columns or not design.point.reset_index(drop=True).equals(pd.Series(range(len(design)))):
        raise SweepError(f"{folder / '_design.parquet'}: its points are not numbered 0 to {len(design) - 1} once each; "
                         f"{resume_fix(folder, 'writes it again')}")
    for name in (*names, *manifest.switches):
        if name not in runs.columns:
            raise SweepError(f"{where}: parameters: {name!r} is not a setting of this sweep's runs; restore it from a copy")
        if name not in design.columns:
            raise SweepError(f"{folder / '_design.parquet'}: has no column {name!r} (from another sweep?); "
                             f"{resume_fix(folder, 'writes it again')}")
    if manifest.points is not None and manifest.points != len(design):
        raise SweepError(f"{folder / '_design.parquet'}: {len(design)} design points, the manifest says "
                         f"{manifest.points}; {resume_fix(folder, 'writes it again')}")
    settings = runs.groupby("point")[names].first()
    if not np.allclose(design.set_index("point")[names].reindex(settings.index).to_numpy(float),
                       settings.to_numpy(float), equal_nan=True):
        raise SweepError(f"{folder / '_design.parquet'}: its settings are not those of the runs (from another "
                         f"sweep?); {resume_fix(folder, 'writes it again')}")
    d = len(names)
    if manifest.method in ("sobol", "morris") and len(manifest.bounds) != d:
        raise SweepError(f"{where}: bounds: {len(manifest.bounds)} pairs for {d} parameters; restore it from a copy")
    block = {"sobol": (2 * d + 2) if manifest.second_order else (d + 2), "morris": d + 1}.get(manifest.method)
    if block and len(design) % block:
        raise SweepError(f"{where}: method {manifest.method!r} (second_order {manifest.second_order}) does not fit "
                         f"{len(design)} design points of {d} parameters; restore it from a copy")
    if manifest.method == "morris" and manifest.levels < 2:  # odd: refused for new experiments, not old folders
        raise SweepError(f"{where}: levels: {manifest.levels} (allowed: 2 or more); restore it from a copy")


# Below this many base samples Sobol indices are rough (the estimators converge slowly; SALib's own
# examples use N = 1024; the threshold is an assumption): said beside the numbers, not refused.
SOBOL_SAMPLES_ADVISED = 512


def _analyse(manifest, runs: pd.DataFrame, design: pd.DataFrame, out_dir: Path, seed: int) -> dict:
    names = manifest.parameters
    problem = {"num_vars": len(names), "names": names, "bounds": manifest.bounds}
    analysed = REGION_ANALYSED if manifest.region else ANALYSED
    targets = manifest.calibration
    y = per_point(runs, manifest.points or len(design), (*analysed, *(k for k in targets if k not in analysed)))
    result: dict = {"method": manifest.method, "runs": int(len(runs)), "errors": int(runs.error.notna().sum()),
                    "outcomes": {}}
    # A point with some failed runs is averaged over the replicates left: with common random numbers it
    # then rests on other seeds than every other point. Said, with the points, not averaged away silently.
    fewer = runs[runs.error.notna()].groupby("point").size()
    if len(fewer):
        result["points_with_failed_runs"] = [int(i) for i in fewer.index]
        result["note"] = (f"{len(fewer)} design point(s) averaged over fewer replicates because runs failed "
                          f"(first: point {int(fewer.index[0])}); their outcomes rest on other seeds than the rest")
    if manifest.method == "sobol":
        base = len(design) // ((2 * len(names) + 2) if manifest.second_order else (len(names) + 2))
        if base < SOBOL_SAMPLES_ADVISED:  # SALib's estimators converge slowly: say so beside the numbers
            result["caution"] = (f"{base} base samples: Sobol indices from fewer than about {SOBOL_SAMPLES_ADVISED} "
                                 f"are rough; read them with their *_conf intervals (an S1 above its ST, or an "
                                 f"index below 0 or above 1, is sampling noise); samples = 512 or more for firm ones")
    second = []
    tables = []
    for col, label in analysed.items():
        Y = y[col].to_numpy()
        valued = np.isfinite(Y).any()
        constant = not valued or bool(np.nanmax(Y) == np.nanmin(Y))
        why = ("" if not constant else "the outcome is the same in every run: no index" if valued
               else "no run has a value of the outcome: no index")
        # SALib (optional 'sweep' extra, slow to import) is imported only for the method in use.
        if manifest.method == "sobol":
            from SALib.analyze import sobol
            si = sobol.analyze(problem, Y, calc_second_order=manifest.second_order, seed=seed)
            t = pd.DataFrame({"parameter": names, "S1": si["S1"], "S1_conf": si["S1_conf"],
                              "ST": si["ST"], "ST_conf": si["ST_conf"]})
            if manifest.second_order:  # the design paid for them (2D + 2 points a sample): reported
                # undefined, not 0 ("no interaction"), when there is no variance to share out
                second += [{"outcome": col, "parameter_1": names[i], "parameter_2": names[j],
                            "S2": np.nan if constant else float(si["S2"][i, j]),
                            "S2_conf": np.nan if constant else float(si["S2_conf"][i, j]), "note": why}
                           for i in range(len(names)) for j in range(i + 1, len(names))]
        elif manifest.method == "morris":
            from SALib.analyze import morris
            X = design[names].to_numpy()
            si = morris.analyze(problem, X, Y, num_levels=manifest.levels, seed=seed)
            t = pd.DataFrame({"parameter": names, "mu_star": si["mu_star"], "mu_star_conf": si["mu_star_conf"],
                              "sigma": si["sigma"]})
            for i, (mu_star, conf, sigma) in whole_number_effects(X, Y, names, manifest.bounds, seed).items():
                t.loc[i, ["mu_star", "mu_star_conf", "sigma"]] = mu_star, conf, sigma
        else:  # grid or lhs: the mean outcome at each point
            t = design.assign(**{col: Y})
        if manifest.method in ("sobol", "morris"):
            if constant:  # no variance to share out: its indices are undefined, not 0 ("no influence")
                t.loc[:, [c for c in t.columns if c != "parameter"]] = np.nan
            t["note"] = why
        t.insert(0, "outcome", col)
        tables.append(t)
        result["outcomes"][col] = t.drop(columns="outcome").to_dict(orient="records")
        if manifest.method in ("sobol", "morris"):
            _indices_figure(t, manifest.method, label, out_dir / f"indices_{col}.png")
    pd.concat(tables, ignore_index=True).to_csv(out_dir / "indices.csv" if manifest.method in ("sobol", "morris")
                                                else out_dir / "points.csv", index=False)
    if second:
        pd.DataFrame(second).to_csv(out_dir / "second_order.csv", index=False)
        result["second_order"] = second
    _panels(design, y, names + manifest.switches, out_dir / "outcome_vs_parameter.png", analysed)
    if targets:
        result["calibration"] = calibrate(design, y, names, targets, out_dir)
    (out_dir / "analysis.json").write_text(json.dumps(result, indent=2, default=float))
    return result


def elementary_effects(X: np.ndarray, Y: np.ndarray, i: int, bounds, rounded: bool) -> np.ndarray:
    """Setting i's Morris elementary effects on a design of trajectories (d + 1 points each, one
    setting moved a step at a time): the change in the outcome over the change in the setting (the
    rounded setting, if ``rounded``) as a share of its range."""
    d = X.shape[1]
    xs, ys = X.reshape(-1, d + 1, d), Y.reshape(-1, d + 1)
    lo, hi = bounds[i]
    ee = []
    for x, y in zip(xs, ys):
        for k in range(d):
            step = x[k + 1] - x[k]
            if np.argmax(np.abs(step)) != i or step[i] == 0:
                continue
            new, old = (np.rint(x[k + 1, i]), np.rint(x[k, i])) if rounded else (x[k + 1, i], x[k, i])
            moved = (new - old) / (hi - lo)
            if moved != 0 and np.isfinite(y[k + 1] - y[k]):
                ee.append((y[k + 1] - y[k]) / moved)
    return np.asarray(ee, dtype=float)


def whole_number_effects(X: np.ndarray, Y: np.ndarray, names: list[str], bounds, seed: int,
                         resamples: int = 100, conf_level: float = 0.95) -> dict[int, tuple[float, float, float]]:
    """Morris mu*, its confidence half-width and sigma of each whole-number setting, over the steps
    the runs took. A run rounds such a setting (io.experiment), so a grid step of 2/3 of [1, 3]
    (4 levels) was a step of 1, half the range; SALib divides every effect by the grid's step and
    understated mu* and sigma by a quarter there (audit, session 22). The effect is the change in
    the outcome over the change in the rounded setting, as a share of its range; a step that the
    rounding leaves at 0 changes nothing and is left out. The same formula gives SALib's effects for
    a continuous setting. The half-width is SALib's (a bootstrap of mu*, normal at conf_level)."""
    from scipy.stats import norm

    from ..io.experiment import param_spec
    whole = [i for i, n in enumerate(names) if (spec := param_spec(n)) is not None and spec.kind is int]
    if not whole:
        return {}
    rng = np.random.default_rng(seed)
    out = {}
    for i in whole:
        ee = elementary_effects(X, Y, i, bounds, rounded=True)
        if len(ee) < 2:
            out[i] = (np.nan, np.nan, np.nan)
            continue
        boot = np.abs(ee[rng.integers(len(ee), size=(resamples, len(ee)))]).mean(axis=1)
        out[i] = (float(np.abs(ee).mean()), float(norm.ppf(0.5 + conf_level / 2) * boot.std(ddof=1)),
                  float(ee.std(ddof=1)))
    return out


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


def calibrate(design: pd.DataFrame, y: pd.DataFrame, names: list[str], targets: dict, out_dir: Path) -> dict:
    """Rejection ABC on the design (Beaumont et al. 2002, without regression adjustment): a point is
    accepted when every calibrated outcome (mean over its replicates) is within its band of the
    target. The distance ranks points: the root mean square of (outcome - target) / band, so a
    distance below 1 is inside the bands on average."""
    keys = list(targets)
    t = np.array([targets[k]["target"] for k in keys])
    band = np.array([targets[k]["band"] for k in keys])
    Y = y[keys].to_numpy()
    z = (Y - t) / band
    dist = np.sqrt((z ** 2).mean(axis=1))
    accepted = (np.abs(z) <= 1).all(axis=1)
    table = design.reset_index(drop=True)[["point", *names]].assign(**{k: Y[:, j] for j, k in enumerate(keys)},
                                                                     distance=dist, accepted=accepted)
    table = table.sort_values("distance")
    table.to_csv(out_dir / "calibration.csv", index=False)
    best = table.iloc[0]
    acc = table[table.accepted]
    out = {"points": int(len(table)), "accepted": int(len(acc)),
           "best": {k: float(best[k]) for k in ["point", *names, *keys, "distance"]},
           "posterior": {n: {"mean": float(acc[n].mean()), "min": float(acc[n].min()), "max": float(acc[n].max())}
                         for n in names} if len(acc) else {}}
    fig, axes = plt.subplots(1, len(names), figsize=(2.6 * len(names) + 1, 2.6), squeeze=False)
    for c, n in enumerate(names):
        ax = axes[0][c]
        ax.scatter(table[n], table.distance, s=8, c=np.where(table.accepted, "#55a868", "#999999"))
        ax.axhline(1, color="#c44e52", lw=0.8)
        ax.set_xlabel(n, fontsize=8)
        if c == 0:
            ax.set_ylabel("distance to targets (1 = at the bands)", fontsize=8)
    fig.tight_layout()
    fig.savefig(out_dir / "calibration.png", dpi=100)
    plt.close(fig)
    return out


def _panels(design: pd.DataFrame, y: pd.DataFrame, names: list[str], path: Path, analysed=ANALYSED) -> None:
    shown = names[:12]
    fig, axes = plt.subplots(len(analysed), len(shown), figsize=(2.6 * len(shown) + 1, 2.4 * len(analysed)),
                             squeeze=False)
    for r, (col, label) in enumerate(analysed.items()):
        for c, name in enumerate(shown):
            ax = axes[r][c]
            ax.scatter(design[name], y[col], s=6, alpha=0.4)
            if r == len(analysed) - 1:
                ax.set_xlabel(name, fontsize=8)
            if c == 0:
                ax.set_ylabel(label, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
