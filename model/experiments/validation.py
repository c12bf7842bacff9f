"""Validation against the literature: named checks run on fixed-seed ensembles.

Each check states a claim from the sources, measures one statistic on an ensemble and compares it
with an expected direction or band. Ensemble size, seeds and threshold are visible in each
function; thresholds are justified in comments and were set from the claim, not from the result.
``innovation-sim validate`` runs them all (``--quick``: small ensembles, for CI); with ``--out``
it writes validation.md and each check's figure (drawn by model/viz/validation.py, which the
command is given: this layer draws nothing). A check may carry ``known_disagreement``, naming
where docs/ODD.md records why the model disagrees with its source: strict, like xfail(strict=True).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from ..core.events import Shock
from ..core.lifecycle import Phase
from ..core.locality import Locality
from ..core.survey import SURVEY
from ..io.manifest import version
from ..io.scenario import load

FIELD = "education"
CALM = dict(efficiency_pressure=0.0, member_pressure=0.0, community_pressure=0.0, central_pressure=0.0)


# --- ensemble helpers (also used by tests/test_mechanisms.py) ---------------------------------

def seeds(n: int, base: int = 1000) -> range:
    return range(base, base + n)


def run(seed: int, months: int = 120, **kw) -> Locality:
    return Locality(seed=seed, **kw).run_for(months)


def first_step(model: Locality, field: str, kind: str, detail_prefix: str = "") -> int | None:
    """Step of the first event of ``kind`` (e.g. 'forward') for ``field`` whose detail starts so."""
    ev = model.events()
    ev = ev[(ev.field == field) & (ev.kind == kind) & ev.detail.str.startswith(detail_prefix)]
    return None if ev.empty else int(ev.step.iloc[0])


def push(field: str = FIELD, month: int = 0) -> list[Shock]:
    """A typical push into innovation: a critical inspection and a new chief executive."""
    return [Shock(month, "underperformance", field=field), Shock(month, "leader_arrival", role="chief_executive")]


def intervene_when(seed: int, field: str, phase: int, shock: Shock | None, after: int = 24,
                   months: int = 120, **kw) -> tuple[bool, bool]:
    """Run until ``field`` first enters ``phase``; then apply ``shock`` (None = control twin).

    Returns (reached, fell_back within ``after`` months). The control twin shares every random
    number up to the intervention (same seed, fixed draws per step).
    """
    m = Locality(seed=seed, events=push(field), **kw)
    f = m.field_index(field)
    while m.steps < months and m.phase[f] != phase:
        m.step()
    if m.phase[f] != phase:
        return False, False
    if shock is not None:
        m.apply_shock(shock)
    start = m.phase[f]
    for _ in range(after):
        m.step()
        if m.phase[f] < start:
            return True, True
    return True, False


def rate(flags) -> float:
    flags = list(flags)
    return float(np.mean(flags)) if flags else float("nan")


# --- checks ----------------------------------------------------------------------------------

@dataclass
class Result:
    statistic: str
    expected: str
    passed: bool | None  # None: not run
    # The check's figure: (name of a function in model/viz/validation.py, its arguments),
    # drawn only when the report is written.
    figure: tuple[str, tuple, dict[str, Any]] | None = field(default=None, repr=False)


@dataclass
class Check:
    id: int
    claim: str
    source: str
    fn: Callable[[int], Result]
    # Where docs/ODD.md records why the model disagrees with the source. A marked check that fails
    # reports "disagrees (known)" and does not fail the run; one that passes is an error (like
    # pytest's xfail(strict=True)), so the marker must go as soon as the model agrees.
    known_disagreement: str | None = None


CHECKS: list[Check] = []


def check(id: int, claim: str, source: str, known_disagreement: str | None = None):
    def deco(fn):
        CHECKS.append(Check(id, claim, source, fn, known_disagreement))
        return fn
    return deco


def status(c: Check, r: Result) -> str:
    """'pass', 'FAIL', 'not run', 'disagrees (known)' or 'XPASS' (a known disagreement that passed)."""
    if r.passed is None:
        return "not run"
    if c.known_disagreement:
        return "XPASS" if r.passed else "disagrees (known)"
    return "pass" if r.passed else "FAIL"


def is_error(c: Check, r: Result) -> bool:
    return status(c, r) in ("FAIL", "XPASS")


def _fig(name: str, *args, **kwargs) -> tuple[str, tuple, dict[str, Any]]:
    """A check's figure: drawn later by ``model.viz.validation.<name>(path, *args, **kwargs)``."""
    return name, args, kwargs


@check(1, "Without pressure or a new leader latent fields stay latent; with a trigger they start",
       "000:90; 004:105-109, 548-554")
def _triggers(n: int) -> Result:
    calm = rate(run(s, **CALM).timeseries().groupby("field", observed=True).phase.max().gt(0).mean() for s in seeds(n))
    shocked = rate(first_step(run(s, months=36, events=push()), FIELD, "forward", "latent") is not None for s in seeds(n))
    # "rarely" = under one field in eight over ten years; a trigger should make design the norm.
    return Result(f"calm: {calm:.2f} of fields leave latent; pushed: {shocked:.2f} start design in 36 months",
                  "calm < 0.125 and pushed > 0.5", calm < 0.125 and shocked > 0.5,
                  _fig("bars", "Leaving latent: calm vs pushed", {"calm, 120 months": calm,
                                     "pushed, 36 months": shocked}, "share", 0.125, "calm must stay below"))


WEAK = dict(CALM, leader_drive=0.1, openness=0.1, risk_appetite=0.1, staff_slack=0.1, strength_horizontal=0.1,
            strength_systemic_sectoral=0.1, strength_sectoral_frontline=0.1, initial_performance=0.75,
            overstretch_threshold=5)
SIX = {
    "underperformance": dict(initial_performance=0.3),
    "pressure": dict(efficiency_pressure=1.0, member_pressure=1.0, central_pressure=1.0),
    "leadership": dict(leader_drive=1.0),
    "culture": dict(openness=1.0, risk_appetite=1.0),
    "networks": dict(strength_horizontal=1.0, strength_systemic_sectoral=1.0, strength_sectoral_frontline=1.0),
    "resources": dict(staff_slack=1.0),
}


def _reaches(n: int, phase: int, **kw) -> float:
    return rate(run(s, **{**WEAK, **kw}).timeseries().phase.ge(phase).any() for s in seeds(n))


@check(2, "Each of the six factors alone rarely carries a field to mainstreaming; all six aligned usually do",
       "000:215-232")
def _six(n: int) -> Result:
    alone = {k: _reaches(n, Phase.MAINSTREAMING, **kw) for k, kw in SIX.items()}
    together = _reaches(n, Phase.MAINSTREAMING, **{k: v for kw in SIX.values() for k, v in kw.items()})
    worst = max(alone, key=alone.get)
    # "rarely" = in under one locality in ten; "usually" = in more than half.
    return Result(f"alone: max {alone[worst]:.2f} ({worst}); all six: {together:.2f}",
                  "each alone < 0.10, all six > 0.5", alone[worst] < 0.10 and together > 0.5,
                  _fig("bars", "P(reach mainstreaming) in a weak locality", {**alone, "all six": together},
                                     "share of runs", 0.10, "'rarely'"))


def _pushed(n: int) -> list[Locality]:
    return [run(s, events=push()) for s in seeds(n)]


@check(3, "Several small failures precede the dominant innovation in design", "004:130-133")
def _failures(n: int) -> Result:
    failed = []
    for m in _pushed(n):
        st = first_step(m, FIELD, "forward", "design")
        if st is not None:
            failed.append(int(m.timeseries().query("field == @FIELD and step == @st").failed_trials.iloc[0]))
    med = float(np.median(failed)) if failed else float("nan")
    # "many small failures": at least two failures before the dominant one in the typical run.
    return Result(f"median {med:.0f} failed trials before mobilisation ({len(failed)} runs)", "median >= 2",
                  bool(failed) and med >= 2, _fig("failures", failed))


def _trigger_window(m: Locality, field: str):
    """(last trigger month before embedding, embedding month, performance by step) for a run whose
    ``field`` reached embedding, else None."""
    emb = first_step(m, field, "forward", "mainstreaming")
    if emb is None:
        return None
    ev = m.events()
    trig = ev[(ev.field == field) & ev.detail.str.startswith("latent")].step
    perf = m.timeseries().query("field == @field").set_index("step").performance
    return int(trig[trig < emb].max()), emb, perf


def _dipped(window) -> bool:
    t0, emb, perf = window
    return bool(perf.loc[t0:emb].min() < perf.loc[max(t0 - 1, 0)])


def jcurve_dips(models: list[Locality], field: str = FIELD) -> list[bool]:
    """For each run whose ``field`` reached embedding: did performance between its last trigger
    and embedding fall below the month before the trigger?"""
    return [_dipped(w) for w in (_trigger_window(m, field) for m in models) if w is not None]


@check(4, "Every success looks like a failure in the middle: performance dips before value rises",
       "004:42-43, 145-149")
def _jcurve(n: int) -> Result:
    windows = [w for w in (_trigger_window(m, FIELD) for m in _pushed(n)) if w is not None]
    dips = [_dipped(w) for w in windows]
    # A J-curve in nine runs out of ten that reach embedding (noise could hide a shallow dip).
    return Result(f"{rate(dips):.2f} of {len(dips)} runs reaching embedding dipped first", "> 0.9 (and >= 5 runs)",
                  len(dips) >= 5 and rate(dips) > 0.9, _fig("jcurve", windows))


@check(5, "The process can go into reverse at each transition", "004:29-30")
def _reverse(n: int) -> Result:
    ev = pd.concat([m.events() for m in _pushed(n)])
    back = ev[ev.kind == "backward"].detail.str.split(" -> ").str[0].value_counts()
    emb = sum(any(((e := run(s, initial_phases={FIELD: 4}, **CALM).events()).field == FIELD)
                  & (e.kind == "backward")) for s in seeds(n))
    counts = [int(back.get(p, 0)) for p in ("design & discovery", "mobilisation", "mainstreaming")] + [emb]
    names = ["design", "mobilisation", "mainstreaming", "embedding (calm)"]
    return Result(f"reversals from design/mobilisation/mainstreaming/embedding: {counts}", "each > 0",
                  all(c > 0 for c in counts),
                  _fig("bars", f"Reversals per phase ({n} runs per ensemble)", dict(zip(names, map(float, counts))),
                                     "backward transitions"))


@check(7, "Leadership is a stronger lever than dedicated funding", "003:588, 641; 004:571-574")
def _leader_vs_grant(n: int) -> Result:
    def pv(seed, extra):
        m = run(seed, events=push() + [Shock(0, "funding_start", field=FIELD)] + extra)
        return m.public_value[m.field_index(FIELD)]
    base = np.array([pv(s, []) for s in seeds(n)])
    grant = base - np.array([pv(s, [Shock(24, "funding_end", field=FIELD)]) for s in seeds(n)])
    leader = base - np.array([pv(s, [Shock(24, "leader_departure", role="chief_executive")]) for s in seeds(n)])
    return Result(f"public value lost: leader leaves {leader.mean():.3f}, grant ends {grant.mean():.3f}",
                  "leader loss > grant loss", leader.mean() > grant.mean(),
                  _fig("leader_vs_grant", leader, grant))


@check(8, "Without pressure, embedded fields stagnate or regress more often", "004:21-23; 003:340")
def _complacency(n: int) -> Result:
    def fell(seed, **kw):
        ev = run(seed, initial_phases={FIELD: 4}, **kw).events()
        return bool(((ev.field == FIELD) & (ev.kind == "backward")).any())
    high = dict(efficiency_pressure=1.0, member_pressure=1.0, central_pressure=1.0)
    calm, pressed = rate(fell(s, **CALM) for s in seeds(n)), rate(fell(s, **high) for s in seeds(n))
    return Result(f"embedded field falls back: no pressure {calm:.2f}, high pressure {pressed:.2f}",
                  "no pressure > high pressure", calm > pressed,
                  _fig("bars", "Embedded field falls back within 120 months",
                                     {"no pressure": calm, "high pressure": pressed}, "share of runs"))


@check(9, "An embedded field makes other fields more likely to innovate", "004:3-8")
def _spillover(n: int) -> Result:
    def others(seed, **kw):
        ts = run(seed, months=60, **kw).timeseries()
        return ts[ts.field != FIELD].groupby("field", observed=True).phase.max().gt(0).mean()
    base = rate(others(s) for s in seeds(n))
    emb = rate(others(s, initial_phases={FIELD: 4}) for s in seeds(n))
    return Result(f"other fields start within 60 months: {emb:.2f} with an embedded field, {base:.2f} without",
                  "with > without", emb > base,
                  _fig("bars", "Other fields start within 60 months",
                                     {"with an embedded field": emb, "without": base}, "share of fields"))


@check(11, "Too many concurrent projects raise failure (overstretch)", "003:532-533")
def _overstretch(n: int) -> Result:
    every = {k: v for kw in SIX.values() for k, v in kw.items()}
    roomy = _reaches(n, Phase.EMBEDDING, **every)
    tight = _reaches(n, Phase.EMBEDDING, **{**every, "overstretch_threshold": 1})
    return Result(f"embedding reached with all fields innovating: threshold 5 {roomy:.2f}, threshold 1 {tight:.2f}",
                  "tight < roomy", tight < roomy,
                  _fig("bars", "Embedding reached, all six factors strong",
                                     {"overstretch threshold 5": roomy, "threshold 1": tight}, "share of runs"))


def progress_after(seed: int, phase: int, corner: int | None, delta: float = 0.1, after: int = 24,
                   field: str = FIELD, months: int = 120) -> int | None:
    """Progress of the pushed ``field`` in the ``after`` months after it first enters ``phase``,
    with ``corner`` (0 A, 1 C, 2 V; None = control) lowered by ``delta`` from then on: +1 if its
    next move is forward, -1 if backward, 0 if it stays. None if it never enters ``phase``.

    All arms of a seed share the run up to the entry and every random number after it (common
    random numbers), so differences between arms are the corner's effect, not luck.
    """
    m = Locality(seed=seed, events=push(field))
    f = m.field_index(field)
    while m.steps < months and m.phase[f] != phase:
        m.step()
    if m.phase[f] != phase:
        return None
    if corner is not None:  # the knock-out arm (Engine.lower_corner)
        m.lower_corner(f, corner, delta)
    for _ in range(after):
        m.step()
        if m.phase[f] != phase:
            return 1 if m.phase[f] > phase else -1
    return 0


def phase_sensitivity(n: int, phase: int, after: int = 24) -> tuple[np.ndarray, int]:
    """Loss of progress (check 6) when each corner A, C, V is lowered by 0.1 on entering ``phase``:
    mean progress of the control minus that of the lowered arm, over the runs that enter it."""
    diffs, runs = np.zeros(3), 0
    for s in seeds(n):
        base = progress_after(s, phase, None, after=after)
        if base is None:
            continue
        runs += 1
        diffs += [base - progress_after(s, phase, k, after=after) for k in range(3)]
    return diffs / max(runs, 1), runs


@check(6, "Authority matters most in design, capacity in mainstreaming, a balance in embedding",
       "004:115-126, 179-190, 196-210", known_disagreement="docs/ODD.md section 8, check 6")
def _phase_balance(n: int) -> Result:
    """Sensitivity of progress to each corner within each phase (issue 7): on entering the phase,
    the agents of one corner aim 0.1 lower (a tenth of the scale) for the next 24 months (the
    window of the leadership-departure test), and we measure the loss in progress: a forward move
    counts +1, a reversal -1. Embedding has no phase beyond it, so there progress is not falling
    back, over 60 months: it is the end state and reverses slowly by design (004:23-26).

    Thresholds, fixed before this statistic was first computed: design: A's loss is the largest;
    mainstreaming: C's is the largest; embedding: every corner's loss is positive and none is more
    than three times another's ("a balance", 004:196-210). (The earlier statistic, the analytic
    sensitivity of the monthly reversal chance alone, failed: see docs/ODD.md section 8.)
    """
    out, ok, table = [], True, {}
    for ph, name in ((Phase.DESIGN, "design"), (Phase.MAINSTREAMING, "mainstreaming"), (Phase.EMBEDDING, "embedding")):
        table[name] = sens, runs = phase_sensitivity(n, ph, after=60 if ph == Phase.EMBEDDING else 24)
        out.append(f"{name} A/C/V {sens[0]:.3f}/{sens[1]:.3f}/{sens[2]:.3f} ({runs} runs)")
        if runs < 10:
            ok = False
        elif ph == Phase.DESIGN:
            ok &= bool(sens[0] > sens[1:].max())
        elif ph == Phase.MAINSTREAMING:
            ok &= bool(sens[1] > max(sens[0], sens[2]))
        else:
            ok &= bool(sens.min() > 0 and sens.max() < 3 * sens.min())
    return Result("loss of progress when a corner's agents aim 0.1 lower on entering the phase: " + "; ".join(out),
                  "design: A largest; mainstreaming: C largest; embedding: all > 0, within 3x", bool(ok),
                  _fig("phase_balance", table))


@check(10, "Strong links between layers speed innovation: Lille and Portland beat Gouda and Pittsburgh",
       "004:322-361, 501-504")
def _networks(n: int) -> Result:
    reach = {}
    for place in ("lille", "portland", "gouda", "pittsburgh"):
        s = load(place)
        reach[place] = rate(s.build(seed).run_for(s.months).timeseries().query("field == @FIELD").phase.ge(3).any()
                            for seed in seeds(n))
    strong, weak = (reach["lille"] + reach["portland"]) / 2, (reach["gouda"] + reach["pittsburgh"]) / 2
    return Result("P(education reaches mainstreaming): " + ", ".join(f"{k} {v:.2f}" for k, v in reach.items()),
                  "mean(Lille, Portland) > mean(Gouda, Pittsburgh)", strong > weak,
                  _fig("bars", "P(education reaches mainstreaming)", reach, "share of runs",
                                     colours=["#1b9e77", "#1b9e77", "#d95f02", "#d95f02"]))


@check(12, "Innovation starts more often in a locality's poorest-performing fields", "003:58, 298")
def _targeting(n: int) -> Result:
    hits, total = 0, 0
    for s in seeds(n):
        m = run(s, performance_spread=0.15)
        ev = m.events()
        first = ev[(ev.kind == "forward") & ev.detail.str.startswith("latent")]
        if first.empty:
            continue
        worst = m.fields[int(np.argmin(m.performance0))]
        hits += first.field.iloc[0] == worst
        total += 1
    share = hits / total if total else float("nan")
    # Five fields: by chance the worst one would start first one time in five.
    return Result(f"first field to start is the worst-performing one in {share:.2f} of {total} runs",
                  "> 0.4 (chance: 0.2)", total > 0 and share > 0.4,
                  _fig("bars", "First field to start is the worst-performing one",
                                     {"model": share, "chance": 0.2}, "share of runs", 0.4, "threshold"))


@check(13, "Efficiency pressure is the strongest single driver among the pressures", "003:57, 325, 337-340")
def _efficiency(n: int) -> Result:
    p = {}
    for k in ("efficiency_pressure", "member_pressure", "community_pressure", "central_pressure"):
        p[k] = rate(run(s, **{**CALM, k: 0.6}).timeseries().phase.gt(0).any() for s in seeds(n))
    best = max(p, key=p.get)
    return Result("P(any field starts) with one pressure at 0.6: " + ", ".join(f"{k.split('_')[0]} {v:.2f}" for k, v in p.items()),
                  "efficiency highest", best == "efficiency_pressure" and p[best] > max(v for k, v in p.items() if k != best),
                  _fig("bars", "P(any field starts), one pressure at 0.6",
                                     {k.split("_")[0]: v for k, v in p.items()}, "share of runs"))


@check(14, "By 2007 each UK case stands where the interim report places it", "000:292-301")
def _cases(n: int) -> Result:
    # Utterback-Abernathy stages mapped to phases: Fluid = design/mobilisation (1-2),
    # Transitional = mobilisation/mainstreaming (2-3), Specific = mainstreaming/embedding (3-4).
    bands = {"knowsley": (1, 2), "highlands": (2, 3), "south_tyneside": (2, 3), "tower_hamlets": (3, 4)}
    out, ok, dist = [], True, {}
    for case, (lo, hi) in bands.items():
        s = load(case)
        focal = next(e.field for e in s.events if e.kind == "underperformance")
        month = min(s.months, (2007 - s.start_year) * 12 + 11)  # December 2007
        dist[case] = phases = np.array([s.build(seed).run_for(month).phase[s.fields.index(focal)] for seed in seeds(n)])
        med = float(np.median(phases))
        out.append(f"{case} {med:.1f} (expected {lo}-{hi})")
        ok &= lo <= med <= hi

    return Result("median phase of the focal field in Dec 2007: " + "; ".join(out), "each within its band", bool(ok),
                  _fig("cases", dist, bands))


@check(15, "The region reproduces the survey: 43% 'a great deal', 52% 'some', 2% 'hardly any'; fire "
           "authorities and the North West ahead of London, the East Midlands and the South West",
       "003:267, 284")
def _region(n: int) -> Result:
    """England 2006 (435 places) run to the survey month. One region's 'a great deal' share varies
    from seed to seed with a standard deviation of about 0.08 (measured on 8 seeds: places learn
    from each other, so early luck spreads), so the mean of 4 regions (--quick) has a standard error
    of about 0.04 and of 12 regions (full run) about 0.023, against a band of 0.06. The bands are
    the calibration's acceptance bands (experiments/calibrate_england*.toml), fixed before
    calibrating. The overall shares were calibration targets, so this check confirms the fit on
    seeds the calibration did not use; the groups' order is the claim of 003:284."""
    s = load("england_2006")
    month = s.region.resolved()["survey_month"]
    s = s.with_overrides(months=month + 1)
    regions = 4 if n <= QUICK else 12
    sv = pd.concat([s.build(seed).run_for(month + 1).survey(month) for seed in seeds(regions)])
    mean = sv.groupby("group")[["a great deal", "some", "hardly any"]].mean()
    shares = mean.loc["all"]
    bands = {"a great deal": 0.06, "some": 0.06, "hardly any": 0.03}
    within = all(abs(shares[c] - SURVEY[c]) <= b for c, b in bands.items())
    high_groups, low_groups = ["fire", "north_west"], ["london", "east_midlands", "south_west"]
    high = mean.loc[high_groups, "a great deal"].mean()
    low = mean.loc[low_groups, "a great deal"].mean()

    return Result(f"{regions} regions: a great deal {shares['a great deal']:.2f}, some {shares['some']:.2f}, "
                  f"hardly any {shares['hardly any']:.2f}; 'a great deal' in fire + North West {high:.2f} vs "
                  f"London + East Midlands + South West {low:.2f}",
                  "shares within 0.43 +/- 0.06, 0.52 +/- 0.06, 0.02 +/- 0.03; first groups > second groups",
                  bool(within and high > low), _fig("region_survey", shares, mean, high_groups, low_groups))


CHECKS.sort(key=lambda c: c.id)


QUICK, FULL = 40, 200  # ensemble sizes: --quick (CI) and the full report


def run_all(quick: bool, only: list[int] | None = None, progress: bool = True) -> list[tuple[Check, Result, float]]:
    n = QUICK if quick else FULL
    out = []
    for c in CHECKS:
        if only and c.id not in only:
            continue
        t = time.perf_counter()
        r = c.fn(n)
        out.append((c, r, time.perf_counter() - t))
        if progress:
            print(f"  [{c.id:>2}] {status(c, r):<7} {c.claim}", flush=True)
    return out


def table(results, figures: dict[int, str] | None = None) -> str:
    rows = ["| id | claim | source | measured | expected | result |", "|---|---|---|---|---|---|"]
    for c, r, _ in results:
        mark = status(c, r)
        mark = f"**{mark}**" if is_error(c, r) else mark
        if c.known_disagreement and mark != "not run":
            mark += f" ({c.known_disagreement})"
        fig = f" ([figure]({figures[c.id]}))" if figures and c.id in figures else ""
        rows.append(f"| {c.id} | {c.claim} | {c.source} | {r.statistic}{fig} | {r.expected} | {mark} |")
    return "\n".join(rows)


def summary(results) -> str:
    count = lambda word: sum(status(c, r) == word for c, r, _ in results)  # noqa: E731
    text = (f"{count('pass')} passed, {count('FAIL')} failed, {count('disagrees (known)')} known disagreements, "
            f"{count('not run')} not run")
    return text + (f", {count('XPASS')} marked as known disagreements but passed (remove the marker)"
                   if count("XPASS") else "")


def report(results, quick: bool, seconds: float, figs: dict[int, str] | None = None) -> str:
    n = QUICK if quick else FULL
    lines = [
        "# Validation report", "",
        f"innovation-sim {version()}; ensembles of {n} runs per arm, seeds 1000-{999 + n}; "
        f"{seconds:.0f} s. Reproduce with `innovation-sim validate{' --quick' if quick else ''} --out DIR`.", "",
        summary(results) + ". "
        "Each check's ensemble, seeds and threshold are in `model/experiments/validation.py`; thresholds follow "
        "the claim, not the result. A failing check is a disagreement between the model and its "
        "source, discussed in docs/ODD.md section 8, not a test to bend; a check marked as a known "
        "disagreement reports \"disagrees (known)\" and does not fail the run, and fails it if it passes.", "",
        table(results, figs), "",
    ]
    for c, r, _ in results:
        if figs and c.id in figs:
            lines += [f"### Check {c.id}: {c.claim} ({c.source})", "", f"![check {c.id}]({figs[c.id]})", ""]
    return "\n".join(lines)


def command(quick: bool, out: str | None, only: list[int] | None,
            draw: Callable[[list, Path], dict[int, str]] | None = None) -> int:
    """`innovation-sim validate`: run the checks, print the table, write validation.md (with the
    figures ``draw(results, folder)`` makes: ``model.viz.validation.figures``) if asked. Exit code
    1 if any check failed, or passed while marked as a known disagreement."""
    n = QUICK if quick else FULL
    print(f"Validation: {len(CHECKS) if not only else len(only)} checks, {n} runs per arm"
          f"{' (quick)' if quick else ''}", flush=True)
    t = time.perf_counter()
    results = run_all(quick, only)
    seconds = time.perf_counter() - t
    print()
    for c, r, dt in results:
        known = f" [{c.known_disagreement}]" if c.known_disagreement else ""
        print(f"[{c.id:>2}] {status(c, r):<7} {c.claim} ({c.source}){known}\n        measured: {r.statistic}"
              + (f"\n        expected: {r.expected}" if r.expected else ""))
    print(f"\n{summary(results)} ({seconds:.0f} s)")
    if out:
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        figs = draw(results, folder) if draw is not None else {}
        (folder / "validation.md").write_text(report(results, quick, seconds, figs))
        print(f"Report: {folder / 'validation.md'} ({len(figs)} figures in {folder / 'validation'})")
    return 1 if any(is_error(c, r) for c, r, _ in results) else 0
