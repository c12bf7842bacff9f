"""Robustness of levers (issue 16): which policy holds up across futures we cannot predict?

An exploratory experiment runs every lever combination (a policy) on the same sample of futures
with the same seeds (common random numbers: ``Experiment.run_seed``), so policies are compared
future by future. For each outcome, with replicates averaged within a future:

- regret of a policy in a future: how far it falls short of the best policy in that same future
  (Savage 1951; in robust decision making, Lempert et al. 2006, doi:10.1287/mnsc.1050.0472); its
  maximum over futures is the worst case, its mean the typical shortfall;
- satisficing: the share of futures in which the policy is good enough (at least the outcome's
  threshold, or at most for an outcome to minimise; Simon 1956).

Futures where some policy has no successful run are left out of the comparison (and counted).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..io.folders import staged
from .sweep import SweepError, read_sweep

DEFAULT_OUTCOMES = {"public_value": "maximise", "reached_embedding": "maximise"}
REGION_DEFAULT_OUTCOMES = {"adopted_share": "maximise", "public_value": "maximise"}


def policy_labels(runs: pd.DataFrame, levers: list[str], futures: int) -> dict[int, str]:
    first = runs.drop_duplicates("point").set_index("point")
    out = {}
    for p in sorted({int(pt) // futures for pt in runs.point}):
        row = first.loc[first.index[first.index // futures == p][0]]
        out[p] = ", ".join(f"{n}={row[n]:g}" for n in levers) or "no levers"
    return out


def analyse(folder: Path) -> dict:
    """Regret and satisficing of every policy of a finished exploratory sweep: ``per_future`` (one row
    per policy, future and outcome), ``summary`` (one row per policy and outcome), ``sentences``."""
    folder = Path(folder)
    mf, runs = read_sweep(folder)  # checked and complete
    if mf.method != "exploratory":
        raise SweepError(f"{folder}: not an exploratory sweep (method {mf.method!r}); robustness needs "
                         f"[uncertainties] and [levers] (design method = \"exploratory\")")
    futures, levers = mf.futures, mf.levers
    specs = mf.outcome_specs or {k: {"direction": v, "threshold": None} for k, v in
                                 (REGION_DEFAULT_OUTCOMES if mf.region else DEFAULT_OUTCOMES).items()}
    labels = policy_labels(runs, levers, futures)
    ok = runs[runs.error.isna()].assign(future=lambda d: d.point % futures, policy=lambda d: d.point // futures)
    rows, dropped = [], {}
    for outcome, spec in specs.items():
        direction, thr = spec.get("direction") or "maximise", spec.get("threshold")
        wide = ok.groupby(["future", "policy"])[outcome].mean().unstack("policy").reindex(columns=sorted(labels))
        complete = wide.dropna()
        dropped[outcome] = int(len(wide) - len(complete)) + futures - len(wide)
        values = complete.to_numpy()
        if direction == "minimise":
            regret = values - values.min(axis=1, keepdims=True)
            good = values <= thr if thr is not None else None
        else:
            regret = values.max(axis=1, keepdims=True) - values
            good = values >= thr if thr is not None else None
        for j, p in enumerate(complete.columns):
            rows.append(pd.DataFrame({"policy": int(p), "policy_label": labels[p], "future": complete.index.to_numpy(),
                                      "outcome": outcome, "direction": direction, "threshold": thr,
                                      "value": values[:, j], "regret": regret[:, j],
                                      "satisfied": good[:, j].astype(float) if good is not None else np.nan}))
    per_future = pd.concat(rows, ignore_index=True)
    summary = (per_future.groupby(["policy", "policy_label", "outcome", "direction"], sort=False)
               .agg(futures=("value", "size"), mean=("value", "mean"), p10=("value", lambda v: v.quantile(0.1)),
                    p90=("value", lambda v: v.quantile(0.9)), mean_regret=("regret", "mean"),
                    p90_regret=("regret", lambda v: v.quantile(0.9)), max_regret=("regret", "max"),
                    satisficing=("satisfied", "mean"), threshold=("threshold", "first"))
               .reset_index())
    return {"per_future": per_future, "summary": summary, "sentences": sentences(summary), "dropped": dropped,
            "futures": futures, "policies": len(labels), "replicates": mf.replicates,
            "experiment": mf.experiment}


def sentences(summary: pd.DataFrame) -> list[str]:
    """Per outcome, the policies from most to least robust, in words."""
    out = []
    for outcome, t in summary.groupby("outcome", sort=False):
        has_thr = t.threshold.notna().any()
        # ties (a lever that changes nothing) go to the smaller typical shortfall
        t = (t.sort_values(["satisficing", "max_regret", "mean_regret"], ascending=[False, True, True], kind="stable")
             if has_thr else t.sort_values(["max_regret", "mean_regret"], kind="stable"))
        for i, r in enumerate(t.itertuples()):
            lead = "Most robust" if i == 0 else "Then"
            good = ""
            if has_thr:
                word = "at most" if r.direction == "minimise" else "at least"
                good = f"{outcome} is {word} {r.threshold:g} in {r.satisficing:.0%} of futures; "
            out.append(f"{lead} for {outcome}: [{r.policy_label}]: {good}it is behind the best policy of the same future by "
                       f"{r.mean_regret:.3g} on average and {r.max_regret:.3g} at worst (mean {outcome} {r.mean:.3g}).")
        if has_thr:  # the threshold ranks first; say so when regret would pick another policy
            top, by_regret = t.iloc[0], t.sort_values(["max_regret", "mean_regret"], kind="stable").iloc[0]
            if (by_regret.max_regret, by_regret.mean_regret) < (top.max_regret, top.mean_regret):
                out.append(f"The two criteria disagree for {outcome}: by regret alone [{by_regret.policy_label}] is the "
                           f"most robust (behind the best by {by_regret.mean_regret:.3g} on average and "
                           f"{by_regret.max_regret:.3g} at worst, against {top.mean_regret:.3g} and {top.max_regret:.3g}), "
                           f"but it meets the threshold in fewer futures ({by_regret.satisficing:.0%} against "
                           f"{top.satisficing:.0%}); which to prefer depends on whether missing the threshold or "
                           f"falling short of the best matters more.")
    return out


def write(result: dict, out: Path, draw=None, title: str = "") -> Path:
    """robustness.csv (per policy, future, outcome), robust_summary.csv, robust.json and the figure
    (``draw(per_future, outcomes, path, title)``), moved into place whole."""
    out = Path(out)
    with staged(out, "robust.json") as tmp:
        result["per_future"].to_csv(tmp / "robustness.csv", index=False)
        result["summary"].to_csv(tmp / "robust_summary.csv", index=False)
        (tmp / "robust.json").write_text(json.dumps({k: v for k, v in result.items()
                                                     if k not in ("per_future", "summary")}, indent=2))
        if draw is not None:
            outcomes = list(dict.fromkeys(result["summary"].outcome))
            draw(result["per_future"], outcomes, tmp / "robustness.png", title)
    return out
