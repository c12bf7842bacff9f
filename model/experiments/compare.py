"""What-if comparisons on common random numbers: paired differences B - A per field and outcome.

Scenario A (the first) and every other scenario B run the same replicates: replicate i of each
uses seed i of ``runner.replicate_seeds(seed, R)``, so the two differ only by what the scenarios
change (the "twins" of a what-if). For each field and outcome the paired difference is
``d_i = B_i - A_i`` per replicate, and a row of the table reports:

- ``a``, ``b``: the mean in A and in B (a share for "reach" outcomes);
- ``diff_mean``, ``diff_median``: mean and median of d;
- ``ci_low``, ``ci_high``: a 90% interval of the mean difference, by the percentile bootstrap
  (BOOTSTRAP resamples of the replicates, d resampled as pairs, fixed seed BOOTSTRAP_SEED);
- ``futures_p5``, ``futures_p95``: the 5-95% range of d itself (how much single futures vary);
- ``p_b_gt_a``, ``p_b_lt_a``, ``p_tie``: the share of replicates where B is above, below or
  about equal to A (ties are reported apart, never counted as half). For public value "about
  equal" means within ``SAME_WITHIN`` performance-years: a what-if reaches every field a little
  through the leaders shared by all fields, and "higher in 98% of runs" for a gain of 0.0001
  would mislead a reader; chances and months are compared exactly;
- ``n``: pairs used; ``verdict``: "no difference" (A and B are identical in every replicate),
  "about the same" (public value: the whole interval lies within ``SAME_WITHIN`` of 0),
  "higher"/"lower" (the interval excludes 0; "sooner"/"later" for months) or "unclear" (it
  includes 0); for months, "same month where both reach" when every pair that reaches the phase
  reaches it in the same month although A and B differ in whether they reach it.

Outcomes per field: public value at the end of the run; reaching each phase 1-4 within the run
(0/1, so the mean is the chance and the difference is in points); months to reach each phase,
over the replicates where both A and B reach it (negative = B sooner). A row for "all fields"
gives the locality's total public value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np
import pandas as pd

from ..core.lifecycle import PHASE_NAMES
from ..core.parameters import REGISTRY, resolve
from ..io.scenario import Scenario
from .runner import first_reached, run_ensemble, summarise

CONFIDENCE = 0.90
SAME_WITHIN = 0.005  # performance-years: paired public values this close count as the same (a reporting choice)
BOOTSTRAP = 2000
BOOTSTRAP_SEED = 20240518  # fixed: the same runs give the same intervals
MIN_PAIRS = 5  # fewer pairs than this (months to a phase): no interval
ALL_FIELDS = "all fields"
PHASES = {k: PHASE_NAMES[k] for k in range(1, 5)}
SHORT = {k: PHASE_NAMES[k].split()[0] for k in range(1, 5)}  # design, mobilisation, ...
COLUMNS = ["scenario", "baseline", "field", "outcome", "kind", "label", "n", "a", "b", "diff_mean", "diff_median",
           "ci_low", "ci_high", "futures_p5", "futures_p95", "p_b_gt_a", "p_b_lt_a", "p_tie", "verdict"]
METHOD = {
    "pairing": "common random numbers: replicate i of every scenario runs on the same seed",
    "difference": "B - A per replicate (paired), per field and outcome",
    "interval": f"{CONFIDENCE:.0%} percentile bootstrap interval of the mean paired difference "
                f"({BOOTSTRAP} resamples of the replicates, seed {BOOTSTRAP_SEED})",
    "futures": "futures_p5/futures_p95: the 5-95% range of the paired differences themselves",
    "p_b_gt_a": f"share of replicates with B above A (public value: by more than {SAME_WITHIN}); "
                "ties reported separately as p_tie",
    "months": "months to reach a phase: over replicates where both scenarios reach it; negative = B sooner",
}


# ----------------------------------------------------------------------------- per replicate
def replicate_outcomes(ts: pd.DataFrame, fields: Iterable[str]) -> dict[str, dict[str, np.ndarray]]:
    """Per field (and ALL_FIELDS): outcome name -> one value per replicate, in replicate order.
    Months to a phase are NaN where the phase is never reached."""
    last = ts[ts.step == ts.step.max()]
    reached = first_reached(ts)
    reps = np.sort(ts.replicate.unique())
    out: dict[str, dict[str, np.ndarray]] = {}
    for f in fields:
        pv = last[last.field == f].set_index("replicate").public_value.reindex(reps)
        r = reached.xs(f, level="field").reindex(reps)
        d = {"public_value": pv.to_numpy(float)}
        for k, short in SHORT.items():
            d[f"reach_{short}"] = r[k].notna().to_numpy(float)
            d[f"months_{short}"] = r[k].to_numpy(float)
        out[f] = d
    out[ALL_FIELDS] = {"public_value": last.groupby("replicate").public_value.sum().reindex(reps).to_numpy(float)}
    return out


def outcome_label(outcome: str, months: int) -> tuple[str, str]:
    """(kind, plain label) of an outcome name."""
    if outcome == "public_value":
        return "value", f"public value at month {months}"
    what, short = outcome.split("_", 1)
    phase = next(PHASES[k] for k, s in SHORT.items() if s == short)
    if what == "reach":
        return "probability", f"chance of reaching {phase}"
    return "months", f"months to reach {phase}"


# ----------------------------------------------------------------------------- statistics
def bootstrap_interval(d: np.ndarray, confidence: float = CONFIDENCE, resamples: int = BOOTSTRAP,
                       seed: int = BOOTSTRAP_SEED) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``d`` (the pairs resampled whole)."""
    if len(d) == 0:
        return float("nan"), float("nan")
    if not d.any():
        return 0.0, 0.0
    idx = np.random.default_rng(seed).integers(0, len(d), size=(resamples, len(d)))
    means = d[idx].mean(axis=1)
    tail = (1 - confidence) / 2
    lo, hi = np.quantile(means, [tail, 1 - tail])
    return float(lo) + 0.0, float(hi) + 0.0


def paired(a: np.ndarray, b: np.ndarray, kind: str = "value") -> dict:
    """The statistics of the paired differences ``b - a`` (see the module docstring). For months,
    only pairs where both are finite (both scenarios reached the phase) count."""
    same = np.array_equal(a, b, equal_nan=True)  # the twins never differ: exactly no difference
    if kind == "months":
        both = np.isfinite(a) & np.isfinite(b)
        a, b = a[both], b[both]
    d = (b - a) + 0.0  # + 0.0: no negative zeros
    n = len(d)
    row = {"n": n, "a": _mean(a), "b": _mean(b), "diff_mean": _mean(d),
           "diff_median": float(np.median(d)) + 0.0 if n else float("nan")}
    enough = n >= (MIN_PAIRS if kind == "months" else 1)
    row["ci_low"], row["ci_high"] = bootstrap_interval(d) if enough else (float("nan"), float("nan"))
    row["futures_p5"], row["futures_p95"] = ((float(np.quantile(d, 0.05)) + 0.0, float(np.quantile(d, 0.95)) + 0.0)
                                             if n else (float("nan"), float("nan")))
    margin = SAME_WITHIN if kind == "value" else 0.0
    row["p_b_gt_a"] = float((d > margin).mean()) if n else float("nan")
    row["p_b_lt_a"] = float((d < -margin).mean()) if n else float("nan")
    row["p_tie"] = float((np.abs(d) <= margin).mean()) if n else float("nan")
    row["verdict"] = "no difference" if same else verdict(d, row["ci_low"], row["ci_high"], kind)
    if same:  # identical in every replicate (a month never reached in both included): exactly 0
        row.update(diff_mean=0.0, diff_median=0.0, ci_low=0.0, ci_high=0.0, futures_p5=0.0, futures_p95=0.0,
                   p_b_gt_a=0.0, p_b_lt_a=0.0, p_tie=1.0)
    return row


def _mean(x: np.ndarray) -> float:
    return float(x.mean()) + 0.0 if len(x) else float("nan")


def verdict(d: np.ndarray, lo: float, hi: float, kind: str) -> str:
    if len(d) and not d.any():  # only months can get here with A != B (the unpaired runs differ)
        return "same month where both reach" if kind == "months" else "no difference"
    if not np.isfinite(lo):
        return "too few runs"
    if kind == "value" and -SAME_WITHIN <= lo and hi <= SAME_WITHIN:
        return "about the same"  # a real but negligible difference (a shared leader's ripple)
    up, down = ("later", "sooner") if kind == "months" else ("higher", "lower")
    return up if lo > 0 else down if hi < 0 else "unclear"


def paired_table(frames: dict[str, pd.DataFrame], fields: list[str]) -> pd.DataFrame:
    """Every scenario after the first against the first: one row per (scenario, field, outcome)."""
    names = list(frames)
    base = names[0]
    months = int(frames[base].step.max())
    outs = {n: replicate_outcomes(ts, fields) for n, ts in frames.items()}
    for n in names[1:]:
        if len(outs[n][ALL_FIELDS]["public_value"]) != len(outs[base][ALL_FIELDS]["public_value"]):
            raise ValueError(f"{n} and {base} have different numbers of replicates: they cannot be paired")
    rows = []
    for n in names[1:]:
        for f in [*fields, ALL_FIELDS]:
            for outcome, a in outs[base][f].items():
                kind, label = outcome_label(outcome, months)
                rows.append({"scenario": n, "baseline": base, "field": f, "outcome": outcome, "kind": kind,
                             "label": label, **paired(a, outs[n][f][outcome], kind)})
    return pd.DataFrame(rows, columns=COLUMNS)


# ----------------------------------------------------------------------------- words
def fmt_value(x: float, sign: bool = True) -> str:
    """Public value: 2 decimals, 3 below 0.1, 4 below 0.01; exactly 0 as 0."""
    if x == 0:
        return "0"
    digits = 2 if abs(x) >= 0.1 else 3 if abs(x) >= 0.01 else 4
    return f"{x:+.{digits}f}" if sign else f"{x:.{digits}f}"


def _whole(pct: float) -> bool:
    return abs(pct - round(pct)) < 1e-6


def fmt_points(x: float) -> str:
    """A difference of two shares, in percentage points: whole points when it is whole, else one
    decimal (200 paired runs give steps of half a point: 18.5% to 21% is +2.5, not "+2")."""
    if x == 0:
        return "0"
    pct = 100 * x
    return f"{pct:+.0f}" if _whole(pct) and abs(pct) >= 1 else f"{pct:+.1f}"  # never a bare "-0"


def share_digits(*shares: float) -> int:
    """Decimals of per cent that show every share exactly (up to 2), else 1."""
    return next((k for k in (0, 1, 2) if all(_whole(x * 10 ** (k + 2)) for x in shares)), 1)


def _pct(x: float, d: int) -> str:
    return f"{round(100 * x, d) + 0.0:.{d}f}%"


def fmt_share_row(*shares: float) -> list[str]:
    """Shares in per cent at one precision (a row of a table: 18.5% beside 21.0%, not 18% beside 21%)."""
    d = share_digits(*shares)
    return [_pct(x, d) for x in shares]


def fmt_shares(a: float, b: float) -> tuple[str, str, str]:
    """Two shares in per cent and their difference in points, at one precision, so that the words
    add up (each rounded on its own, 0.185 -> 0.21 read "18% to 21% (+2 points)"): whole per cent,
    or as many decimals (up to 2) as the shares need to be exact, else 1 (2 where 1 would show two
    different shares as equal); the difference is that of the shares as shown."""
    d = share_digits(a, b)
    if a != b and round(100 * a, d) == round(100 * b, d):
        d = 2
    diff = round(round(100 * b, d) - round(100 * a, d), d)
    return _pct(a, d), _pct(b, d), "0" if diff == 0 else f"{diff:+.{d}f}"


def fmt_months(x: float) -> str:
    """A difference in months: one decimal, or as many as it takes to show a smaller one (never
    '+0.0'); exactly 0 as 0."""
    if x == 0:
        return "0"
    return f"{x:+.{1 if abs(x) >= 0.05 else -math.floor(math.log10(abs(x)))}f}"


def fmt_diff(row, width: bool = False) -> str:
    """The difference with its interval, in the outcome's units."""
    if row["kind"] == "probability":
        f, unit = fmt_points, " pts"
    elif row["kind"] == "months":
        f, unit = fmt_months, " mo"
    else:
        f, unit = fmt_value, ""
    if not np.isfinite(row["diff_mean"]):
        return "-"
    if not np.isfinite(row["ci_low"]):
        return f"{f(row['diff_mean'])}{unit} (too few runs)"
    return f"{f(row['diff_mean'])}{unit} [{f(row['ci_low'])}, {f(row['ci_high'])}]"


def _interval_words(lo: float, hi: float, f) -> str:
    return f"{CONFIDENCE:.0%} interval {f(lo)} to {f(hi)}"


def sentence(rows: pd.DataFrame, field_name: str, a_name: str, b_name: str, replicates: int) -> str:
    """One plain-English sentence, with the numbers, for one field of one comparison (``rows``:
    that field's rows of ``paired_table``)."""
    by = {r.outcome: r for r in rows.itertuples()}
    if all(r.verdict == "no difference" for r in by.values()):
        return (f"{field_name}: no difference: in each of the {replicates} paired runs, {b_name} gives exactly "
                f"the same result as {a_name}.")
    pv = by["public_value"]
    parts = [f"{field_name}: with {b_name} instead of {a_name}, "]
    if pv.verdict == "no difference":
        parts.append("public value is exactly the same in every run")
    else:
        parts.append(f"{pv.label} changes by {fmt_value(pv.diff_mean)} on average "
                     f"({_interval_words(pv.ci_low, pv.ci_high, fmt_value)}"
                     f"{'; could be no change' if pv.verdict == 'unclear' else ''}"
                     f"{'; about the same' if pv.verdict == 'about the same' else ''}): higher in "
                     f"{pv.p_b_gt_a:.0%} of the {replicates} paired runs, lower in {pv.p_b_lt_a:.0%} "
                     f"and about the same (within {SAME_WITHIN:g}) in {pv.p_tie:.0%}")
    if field_name == ALL_FIELDS:
        return "".join(parts) + "."
    reach = [by[f"reach_{s}"] for s in SHORT.values()]
    top = max(reach, key=lambda r: (abs(r.diff_mean), r.outcome == "reach_mainstreaming"))
    phase = top.label.removeprefix("chance of reaching ")
    if top.diff_mean == 0:
        parts.append("; the chance of reaching each phase is unchanged")
    else:
        was, now, by_points = fmt_shares(top.a, top.b)
        parts.append(f"; the chance of reaching {phase} goes from {was} to {now} "
                     f"({by_points} points, {_interval_words(top.ci_low, top.ci_high, fmt_points)}"
                     f"{'; could be no change' if top.verdict == 'unclear' else ''})")
    m = by[f"months_{top.outcome.split('_', 1)[1]}"] if top.diff_mean else by["months_design"]
    if m.n >= MIN_PAIRS and np.isfinite(m.ci_low):
        phase = m.label.removeprefix("months to reach ")
        if m.diff_mean == 0:
            parts.append(f"; where both reach {phase} ({m.n} runs), they reach it in the same month on average")
        else:
            parts.append(f"; where both reach {phase} ({m.n} runs), {b_name} gets there {fmt_months(abs(m.diff_mean))[1:]} "
                         f"months {'sooner' if m.diff_mean < 0 else 'later'} on average "
                         f"({_interval_words(m.ci_low, m.ci_high, fmt_months)})")
    return "".join(parts) + "."


def sentences(table: pd.DataFrame, display: dict[str, str], replicates: int) -> dict[str, dict[str, str]]:
    """scenario -> field -> sentence."""
    out: dict[str, dict[str, str]] = {}
    for (scen, f), rows in table.groupby(["scenario", "field"], sort=False):
        base = rows.baseline.iloc[0]
        out.setdefault(scen, {})[f] = sentence(rows, f, display[base], display[scen], replicates)
    return out


def text_table(table: pd.DataFrame, display: dict[str, str]) -> str:
    """The paired table as fixed-width text, field by field, for the terminal."""
    lines = []
    for (scen, f), rows in table.groupby(["scenario", "field"], sort=False):
        base = rows.baseline.iloc[0]
        lines.append(f"{f}  ({display[scen]} vs {display[base]})")
        lines.append(f"  {'outcome':<42} {'A':>7} {'B':>7}  {'B - A [90% interval]':<28} "
                     f"{'P(B>A)':>6} {'P(B<A)':>6} {'same':>5}")
        for r in rows.to_dict("records"):
            if r["kind"] == "months" and r["n"] == 0:
                continue
            a, b = fmt_share_row(r["a"], r["b"]) if r["kind"] == "probability" else \
                (f"{r['a']:.1f}", f"{r['b']:.1f}") if r["kind"] == "months" else (fmt_value(r["a"]), fmt_value(r["b"]))
            label = r["label"] + (f" (n={r['n']})" if r["kind"] == "months" else "")
            lines.append(f"  {label[:42]:<42} {a:>7} {b:>7}  {fmt_diff(r):<28} "
                         f"{r['p_b_gt_a']:>6.2f} {r['p_b_lt_a']:>6.2f} {r['p_tie']:>5.2f}")
        lines.append("")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- what differs
def describe_event(e, start_year: int | None) -> str:
    when = f"month {e.month}"
    if start_year is not None:
        when += f" ({start_year + e.month // 12}-{e.month % 12 + 1:02d})"
    words = [f"{when}: {e.kind.replace('_', ' ')}", e.field or "all fields"]
    if e.magnitude != 1.0:
        words.append(f"magnitude {e.magnitude:g}")
    if e.duration:
        words.append(f"for {e.duration} months")
    if e.role:
        words.append(e.role.replace("_", " "))
    if e.layer:
        words.append(f"{e.layer.replace('_', '-')} links")
    return f"{words[0]} ({', '.join(words[1:])})"


def setting_differences(scenarios: dict[str, Scenario]) -> list[dict]:
    """Rows {what, meaning, values: name -> text} for every resolved setting or event that is not
    the same in every scenario (an empty list: the scenarios are the same model)."""
    names = list(scenarios)
    rows = []
    general = {"months": lambda s: str(s.months), "fields": lambda s: ", ".join(s.fields),
               "start year": lambda s: str(s.start_year or "-"),
               "initial phases": lambda s: ", ".join(f"{f} {PHASE_NAMES[p]}" for f, p in s.initial_phases.items()) or "-"}
    for what, get in general.items():
        vals = {n: get(s) for n, s in scenarios.items()}
        if len(set(vals.values())) > 1:
            rows.append({"what": what, "meaning": "", "values": vals})
    params = {n: resolve(s.parameters) for n, s in scenarios.items()}
    for p in REGISTRY:
        vals = {n: params[n][p] for n in names}
        if len(set(vals.values())) > 1:
            rows.append({"what": p, "meaning": f"{REGISTRY[p].help} ({REGISTRY[p].range_text()})",
                         "values": {n: f"{v:g}" for n, v in vals.items()}})
    events = {n: [describe_event(e, s.start_year) for e in s.events] for n, s in scenarios.items()}
    for ev in dict.fromkeys(e for n in names for e in events[n]):
        counts = {n: events[n].count(ev) for n in names}
        if len(set(counts.values())) > 1:
            rows.append({"what": "event", "meaning": ev,
                         "values": {n: ("yes" if c == 1 else f"{c} times" if c else "-") for n, c in counts.items()}})
    return rows


# ----------------------------------------------------------------------------- the run
@dataclass
class Comparison:
    """Scenarios run on the same seeds, their summaries and the paired table."""

    scenarios: dict[str, Scenario]  # short name (file stem) -> scenario; the first is the baseline A
    replicates: int
    seed: int
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    events: dict[str, pd.DataFrame] = field(default_factory=dict)
    summaries: dict[str, dict] = field(default_factory=dict)
    table: pd.DataFrame | None = None
    sentences: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def baseline(self) -> str:
        return next(iter(self.scenarios))

    @property
    def fields(self) -> list[str]:
        return list(self.scenarios[self.baseline].fields)

    @property
    def months(self) -> int:
        return self.scenarios[self.baseline].months

    def display(self) -> dict[str, str]:
        """Names for sentences: the scenarios' own names, or the short names if those repeat."""
        own = {n: s.name for n, s in self.scenarios.items()}
        return own if len(set(own.values())) == len(own) else {n: n for n in self.scenarios}

    def summary(self) -> dict:
        """summary.json: the method, each scenario's summary, the paired table and the sentences."""
        return {"replicates": self.replicates, "seed": self.seed, "months": self.months,
                "baseline": self.baseline, "method": METHOD, "scenarios": self.summaries,
                "paired_differences": _records(self.table), "sentences": self.sentences}


def _records(table: pd.DataFrame) -> list[dict]:
    """Rows for JSON: NaN as null, floats rounded to 6 places."""
    out = []
    for r in table.to_dict("records"):
        out.append({k: (None if isinstance(v, float) and not np.isfinite(v) else
                        round(v, 6) if isinstance(v, float) else v) for k, v in r.items()})
    return out


def run_comparison(scenarios: dict[str, Scenario], replicates: int, seed: int, workers: int | None = None,
                   progress: bool | None = None, run=run_ensemble) -> Comparison:
    """Run every scenario on the same ``replicates`` seeds (spawned from ``seed``) and pair them.
    ``run``: the ensemble runner (``runner.run_ensemble``; the command passes its own, which tests replace)."""
    c = Comparison(dict(scenarios), replicates, seed)
    for name, s in c.scenarios.items():
        ts, ev = run(s, replicates, seed, workers=workers, progress=progress, label=name)
        c.frames[name], c.events[name], c.summaries[name] = ts, ev, summarise(ts, s.fields)
    c.table = paired_table(c.frames, c.fields)
    c.sentences = sentences(c.table, c.display(), replicates)
    return c
