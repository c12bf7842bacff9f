"""Ablation table (issue 11; docs/validation-plan.md): what each corner, flow, link layer and
mechanism of the triangle contributes, on fresh seeds the checks and the tuning never used.

Every arm runs the pushed education field (a critical inspection and a new chief executive at
month 0) on the same seeds as the full model, so each replicate's difference is paired (common
random numbers); effects are means of paired differences with 90% bootstrap intervals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.lifecycle import Phase
from ..core.locality import Ensemble
from ..core.network import AUTHORITY, CAPACITY, VALUE
from .compare import bootstrap_interval
from .validation import FIELD, push

CLAIM_SEEDS = 5000  # docs/validation-plan.md: the claims' seeds 5000-5199 (the table's until Addendum 9)
# validation-plan Addendum 9: 200 runs per arm could not call a 0.05-0.09 effect material; the table
# is measured on 800 fresh runs per arm
ABLATION_SEEDS, RUNS = 6000, 800
MATERIAL = 0.05  # an effect on P(mainstreaming) this large, interval excluding 0, "matters materially"
CORNER_CUT = 0.1  # a corner's agents aim this much lower from the start (as in check 6)
BOOTSTRAP = 2000


@dataclass(frozen=True)
class Arm:
    group: str
    name: str
    knockouts: tuple[str, ...] = ()
    params: tuple[tuple[str, float], ...] = ()
    corner: int | None = None  # lowered by CORNER_CUT in the focal field from month 0


ARMS = (
    Arm("corner", "authority lowered 0.1", corner=AUTHORITY),
    Arm("corner", "capacity lowered 0.1", corner=CAPACITY),
    Arm("corner", "value lowered 0.1", corner=VALUE),
    Arm("flow", "authority -> capacity cut", ("flow_ac",)),
    Arm("flow", "capacity -> value cut", ("flow_cv",)),
    Arm("flow", "value -> authority cut", ("flow_va",)),
    Arm("layer", "systemic-sectoral links at 0", params=(("strength_systemic_sectoral", 0.0),)),
    Arm("layer", "sectoral-frontline links at 0", params=(("strength_sectoral_frontline", 0.0),)),
    Arm("layer", "frontline-public links at 0", params=(("strength_frontline_public", 0.0),)),
    Arm("layer", "horizontal links at 0", params=(("strength_horizontal", 0.0),)),
    Arm("mechanism", "value gating off", ("value_gate",)),
    Arm("mechanism", "culture change off", ("culture",)),
    Arm("mechanism", "pressure as enabler off", ("pressure_enables",)),
    Arm("mechanism", "innovation creates no value (uplift 0)", params=(("innovation_uplift", 0.0),)),
    Arm("mechanism", "no continuous improvement (improvement_rate 0)", params=(("improvement_rate", 0.0),)),
    Arm("mechanism", "success does not strengthen links (success_link_gain 0)", params=(("success_link_gain", 0.0),)),
)


def outcomes(n: int, arm: Arm | None = None, base: int = CLAIM_SEEDS, months: int = 120) -> pd.DataFrame:
    """Per replicate: did the pushed field reach mainstreaming, and its end public value."""
    arm = arm or Arm("full", "full model")
    e = Ensemble(list(range(base, base + n)), events=push(), knockouts=arm.knockouts, **dict(arm.params))
    f = e.engine.field_index(FIELD)
    if arm.corner is not None:
        for p in range(n):
            e.engine.lower_corner(p, f, arm.corner, CORNER_CUT)
    reached = np.zeros(n, dtype=bool)
    for _ in range(months):
        e.engine.month()
        reached |= e.engine.phase[:, f] >= Phase.MAINSTREAMING
    return pd.DataFrame({"mainstreaming": reached.astype(float), "public_value": e.engine.public_value[:, f]})


def paired_effect(diff: np.ndarray, seed: int) -> tuple[float, float, float]:
    """Mean of paired differences and its 90% percentile-bootstrap interval (compare.bootstrap_interval,
    with a stream of its own: an arm's interval does not depend on which arms come before it)."""
    lo, hi = bootstrap_interval(diff, 0.90, BOOTSTRAP, seed)
    return float(diff.mean()), lo, hi


def table(n: int = RUNS, base: int = ABLATION_SEEDS, progress=None) -> pd.DataFrame:
    """The ablation table: one row per arm, effects on P(mainstreaming) and end public value."""
    full = outcomes(n, base=base)
    rows = []
    for arm in ARMS:
        out = outcomes(n, arm, base)
        row = {"group": arm.group, "arm": arm.name}
        for col in ("mainstreaming", "public_value"):
            mean, lo, hi = paired_effect(out[col].to_numpy() - full[col].to_numpy(), base)
            row.update({f"{col}": float(out[col].mean()), f"{col}_effect": mean, f"{col}_lo": lo, f"{col}_hi": hi})
        row["material"] = abs(row["mainstreaming_effect"]) >= MATERIAL and (row["mainstreaming_lo"] > 0
                                                                           or row["mainstreaming_hi"] < 0)
        rows.append(row)
        if progress is not None:
            progress(arm.name)
    head = {"group": "full", "arm": "full model", "mainstreaming": float(full.mainstreaming.mean()),
            "public_value": float(full.public_value.mean())}
    return pd.DataFrame([head, *rows])


def markdown(df: pd.DataFrame, n: int, base: int) -> str:
    lines = [f"Pushed education field, {n} runs per arm on seeds {base}-{base + n - 1} (never used for tuning "
             "or the checks); effects are means of paired differences from the full model with 90% "
             f"bootstrap intervals; **material**: |effect on P(mainstreaming)| >= {MATERIAL} with the interval "
             "excluding 0.", "",
             "| group | arm | P(mainstreaming) | effect [90% CI] | end public value | effect [90% CI] | material |",
             "|---|---|---|---|---|---|---|"]
    for r in df.itertuples():
        if r.group == "full":
            lines.append(f"| {r.group} | {r.arm} | {r.mainstreaming:.2f} | | {r.public_value:+.3f} | | |")
            continue
        lines.append(f"| {r.group} | {r.arm} | {r.mainstreaming:.2f} | {r.mainstreaming_effect:+.3f} "
                     f"[{r.mainstreaming_lo:+.3f}, {r.mainstreaming_hi:+.3f}] | {r.public_value:+.3f} | "
                     f"{r.public_value_effect:+.3f} [{r.public_value_lo:+.3f}, {r.public_value_hi:+.3f}] | "
                     f"{'yes' if r.material else 'no'} |")
    return "\n".join(lines)


CASES = ("knowsley", "highlands", "south_tyneside", "tower_hamlets")


def case_value(n: int = RUNS, base: int = ABLATION_SEEDS) -> pd.DataFrame:
    """Issue 11's claim on the UK case scenarios: the focal field's end public value in runs that
    reach mainstreaming, with a 90% bootstrap interval of the mean (and the runs that do not)."""
    from ..io.scenario import load  # io sits beside experiments; imported here, where it is used
    rows = []
    for case in CASES:
        s = load(case)
        focal = next(e.field for e in s.events if e.kind == "underperformance")
        e = Ensemble(list(range(base, base + n)), fields=s.fields, initial_phases=s.initial_phases,
                     events=s.events, **s.parameters)
        f = e.engine.field_index(focal)
        reached = np.zeros(n, dtype=bool)
        for _ in range(s.months):
            e.engine.month()
            reached |= e.engine.phase[:, f] >= Phase.MAINSTREAMING
        pv = e.engine.public_value[:, f]
        mean, lo, hi = paired_effect(pv[reached], base) if reached.any() else (float("nan"),) * 3
        rows.append({"case": case, "field": focal, "runs": n, "reached_mainstreaming": int(reached.sum()),
                     "public_value_if_reached": mean, "lo": lo, "hi": hi,
                     "public_value_otherwise": float(pv[~reached].mean()) if (~reached).any() else float("nan")})
    return pd.DataFrame(rows)


def case_markdown(df: pd.DataFrame, base: int) -> str:
    lines = [f"UK case scenarios on seeds {base}-{base + int(df.runs.iloc[0]) - 1}: the focal field's public value "
             "at the end of the scenario (performance-years above its start), with a 90% bootstrap interval of the "
             "mean over runs that reached mainstreaming.", "",
             "| case | field | runs reaching mainstreaming | public value if reached [90% CI] | otherwise |",
             "|---|---|---|---|---|"]
    def value(x: float) -> str:
        return "none" if np.isnan(x) else f"{x:+.3f}"
    for r in df.itertuples():
        reached = "no run (none reached)" if np.isnan(r.public_value_if_reached) else \
            f"{r.public_value_if_reached:+.3f} [{r.lo:+.3f}, {r.hi:+.3f}]"
        lines.append(f"| {r.case} | {r.field} | {r.reached_mainstreaming} of {r.runs} | {reached} "
                     f"| {value(r.public_value_otherwise)} |")
    return "\n".join(lines)
