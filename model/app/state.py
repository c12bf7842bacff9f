"""State of the workshop app (app.py), kept free of any web framework so that it can be tested
and timed on its own.

A ``Workshop`` holds one run (or two, in compare mode) of a scenario at one seed. Each ``Run``
wraps a ``Locality`` and records, month by month, what the panels draw: phases, performance,
the triangle's corners and flows, and who joined or left the network. Runs step in lockstep, so
two runs of the same scenario and seed stay identical until a live shock hits one of them
(common random numbers, see model/core/locality.py).

Nothing here raises on bad input from the page: ``Workshop.build`` returns a message instead,
``Workshop.step`` and ``Workshop.shock`` return one when something goes wrong, and the app keeps
the last good run.
"""

from __future__ import annotations

import logging
import math
import tempfile
import threading
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core import network as net
from ..core.events import Event, Shock
from ..core.locality import Locality
from ..core.parameters import REGISTRY, ParameterError, resolve, suggest
from ..io.scenario import MAX_MONTHS, SHIPPED, Scenario, ScenarioError, first_line, load
from ..viz.debrief import Debrief, DebriefRun
from ..viz.debrief import render as render_debrief
from ..viz.svg import A_COLOUR, B_COLOUR, NetworkLayout, network_svg
from . import draw
from .ensemble import EnsembleJob, EnsembleSpec
from .words import internal_error, shock_message

log = logging.getLogger("innovation_sim.app")

# The settings the app offers as sliders: the six factors the reports name (leadership, risk
# culture, openness, resources; pressures; networks and inclusion) and the most influential
# parameters of the Morris screening (experiments/sobol_top10.toml). Ranges, units and help text
# come from the registry; everything else stays settable through "Type a setting".
KEY_PARAMS: tuple[str, ...] = (
    "leader_drive", "risk_appetite", "openness", "staff_slack",
    "efficiency_pressure", "member_pressure", "community_pressure",
    "strength_systemic_sectoral", "strength_frontline_public", "public_inclusion",
    "aspiration", "trial_quality_mean",
)

# The live shock buttons: label -> (shock kind, takes a leader role).
LIVE_SHOCKS: dict[str, tuple[str, bool]] = {
    "Inspection failure": ("underperformance", False),
    "Leader leaves": ("leader_departure", True),
    "New leader arrives": ("leader_arrival", True),
    "Grant starts": ("funding_start", False),
    "Grant ends": ("funding_end", False),
    "Election": ("election", False),
    "Crisis": ("crisis", False),
}
LEADER_ROLE_LABELS = {"chief_executive": "chief executive", "political_leader": "political leader",
                      "director": "director of the field"}
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")
ALL = "all fields"


def shock_target(label: str, field_name: str | None, role: str | None) -> tuple[str, str | None, str | None]:
    """(shock kind, field or None for every field, leader role or None) of a live-shock button
    pressed with ``field_name`` and ``role`` chosen; ValueError with a one-line message if the
    combination cannot be applied."""
    if label not in LIVE_SHOCKS:
        raise ValueError(f"unknown shock '{label}'")
    kind, takes_role = LIVE_SHOCKS[label]
    target = None if field_name in (None, "", ALL) else field_name
    shock_role = None
    if takes_role:
        shock_role = role or "chief_executive"
        if shock_role == "director" and target is None:
            raise ValueError(f"{label}: a director leads one field; choose a field first.")
        if shock_role != "director":
            target = None  # the chief executive and political leader act on every field
    return kind, target, shock_role


def month_label(month: int, start_year: int | None) -> str:
    """'Month 14 · March 2001' when the scenario has a start year, else 'Month 14 · year 2'."""
    if start_year is not None:
        return f"Month {month} · {MONTH_NAMES[month % 12]} {start_year + month // 12}"
    return f"Month {month} · year {month // 12 + 1}"


# ------------------------------------------------------------------------------------ catalogue
@dataclass(frozen=True)
class CatalogueEntry:
    key: str  # file stem, what load() takes
    title: str
    description: str  # first line
    start_year: int | None
    places: int = 0  # a region's number of places (0: one locality)


@lru_cache(maxsize=1)
def catalogue() -> tuple[CatalogueEntry, ...]:
    """Every shipped scenario, loaded once per process (the data are immutable)."""
    out = []
    for path in sorted(SHIPPED.glob("*.toml")):
        try:
            s = load(path)
            places = 0
            if s.region is not None:  # played by the region view (model/app/region.py)
                rp = s.region.resolved()
                places = rp["councils"] + rp["fire_authorities"]
            out.append(CatalogueEntry(path.stem, s.name, first_line(s.description), s.start_year, places))
        except ScenarioError as e:  # listed, so that choosing it shows why it cannot run
            out.append(CatalogueEntry(path.stem, path.stem, f"(invalid: {e})", None))
    return tuple(out)


def catalogue_entry(key: str) -> CatalogueEntry | None:
    return next((c for c in catalogue() if c.key == key), None)


# ------------------------------------------------------------------------------------ settings
@dataclass(frozen=True)
class SliderSpec:
    name: str
    label: str
    value: float | int
    low: float | int
    high: float | int
    step: float | int
    is_int: bool
    help: str
    changed: bool  # the user moved it away from the scenario's value


def _step(p) -> float | int:
    if p.kind is int:
        return 1
    span = float(p.high - p.low)
    return 10 ** round(math.log10(span / 100)) if span > 0 else 0.01  # about 100 steps


def slider_specs(scenario: Scenario | None, overrides: dict[str, float]) -> list[SliderSpec]:
    """The key parameters as sliders: ranges and help from the registry, values from the
    scenario (its own settings, else the registry default) unless the user changed them."""
    base = dict(scenario.parameters) if scenario is not None else {}
    out = []
    for name in KEY_PARAMS:
        p = REGISTRY[name]
        value = overrides.get(name, base.get(name, p.default))
        unit = f" ({p.unit})" if p.unit else ""
        out.append(SliderSpec(name, name.replace("_", " ") + unit, value, p.low, p.high, _step(p),
                              p.kind is int, p.help, name in overrides))
    return out


def parse_setting(text: str) -> tuple[str, float | int]:
    """'openness = 0.7' -> ('openness', 0.7), checked against the registry; ValueError with a
    one-line message otherwise."""
    name, eq, raw = text.partition("=")
    name, raw = name.strip(), raw.strip()
    if not eq or not name:
        raise ValueError(f"'{text}': type a setting as name = value, e.g. openness = 0.7")
    if name not in REGISTRY:
        raise ValueError(f"unknown setting '{name}'{suggest(name)}")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"setting '{name}' must be a number, got '{raw}' "
                         f"(allowed: {REGISTRY[name].range_text()})") from None
    return name, REGISTRY[name].check(value)


def combination_notes(params: dict) -> list[str]:
    """Plain-language warnings about settings that are allowed one by one but make a run
    uninformative together. They do not stop the run."""
    notes = []
    if params["aspiration"] <= params["initial_performance"] - params["performance_spread"]:
        notes.append("The aspiration is at or below every field's starting performance: there is no "
                     "performance gap to recognise, so fields will rarely start to innovate.")
    if params["trial_quality_mean"] < 0.6 * params["proof_threshold"]:
        notes.append("Trials are on average far below the quality needed to prove themselves: "
                     "design will keep failing and falling back.")
    if params["public_inclusion"] == 0 and params["strength_frontline_public"] > 0:
        notes.append("With public inclusion at 0 residents and community groups have no links, "
                     "so value cannot flow back to authority.")
    return notes


@dataclass(frozen=True)
class Settings:
    scenario: str = "baseline"  # a shipped name or a path to a .toml file
    seed: int = 1
    overrides: tuple[tuple[str, float], ...] = ()
    compare: bool = False
    scenario_b: str = ""  # compare mode: "" = the same scenario without live shocks
    shocks_both: bool = False  # compare mode: live shocks hit both runs

    def with_override(self, name: str, value) -> "Settings":
        d = dict(self.overrides)
        d[name] = value
        return replace(self, overrides=tuple(sorted(d.items())))


# ------------------------------------------------------------------------------------ one run
@dataclass
class RosterChange:
    idx: int
    month: int
    role: str
    kind: str  # "left" or "joined"
    pos: tuple[float, float] | None = None  # where a departed agent was drawn


@dataclass
class RunBase:
    """What a run on screen shares, a locality's or a region's: its scenario, seed, label and model,
    and its clock (the model's months)."""

    scenario: Scenario
    seed: int
    label: str
    model: Any = field(init=False)  # a Locality or a Region, built from the scenario with the seed

    @property
    def month(self) -> int:
        return int(self.model.steps)

    @property
    def start_year(self) -> int | None:
        return self.scenario.start_year

    @property
    def months(self) -> int:
        return self.scenario.months


@dataclass
class Run(RunBase):
    """One Locality and what the app draws of it, month by month."""

    model: Locality = field(init=False)
    live: list[tuple[int, str, str]] = field(default_factory=list)  # (month, kind, field label)
    live_shocks: list[Shock] = field(default_factory=list)  # the same, as shocks to replay (ensembles)

    def __post_init__(self):
        self.model = self.scenario.build_drawn(self.seed)
        self.fields = list(self.model.fields)
        self.phase: list[np.ndarray] = []
        self.performance: list[np.ndarray] = []
        self.roster: list[RosterChange] = []
        self.layout = NetworkLayout(self.model.state, self.fields)  # computed once per run
        self._net_key = None
        self._net_svg = ""
        self._snapshot_roster()
        self._record()

    def _record(self) -> None:
        self.phase.append(self.model.phase.copy())
        self.performance.append(self.model.performance.copy())

    def _snapshot_roster(self) -> None:
        self._agents = dict(self.model.agent_by_idx)
        self._roles = self.model.state.role.copy()

    def _track_roster(self) -> None:
        """Record who left and who joined since the last call. A newcomer may reuse the slot
        (index) of the person they replace, so compare agent objects, not the alive flags."""
        cur, prev = self.model.agent_by_idx, self._agents
        if cur.keys() == prev.keys() and all(cur[k] is prev[k] for k in cur):
            return
        roles = self.model.state.role
        for i, agent in prev.items():
            if cur.get(i) is not agent:
                pos = self.layout.pos.pop(i, None)
                self.roster.append(RosterChange(i, self.month, net.ROLE_NAMES[self._roles[i]], "left", pos))
        for i, agent in cur.items():
            if prev.get(i) is not agent:
                self.roster.append(RosterChange(i, self.month, net.ROLE_NAMES[roles[i]], "joined"))
        self._snapshot_roster()

    def step(self) -> None:
        self.model.step()
        self._track_roster()
        self._record()

    def shock(self, kind: str, field_name: str | None, role: str | None) -> str:
        shock = Shock(self.month, kind, field=field_name, role=role)
        self.model.apply_shock(shock)
        self._track_roster()
        self.live.append((self.month, kind, field_name or "all"))
        self.live_shocks.append(shock)
        return self.model.event_log[-1].detail

    def shock_markers(self) -> list[dict]:
        """Every shock so far (scenario and live): month, kind, field label, live or not."""
        live = {(m, k) for m, k, _ in self.live}
        out = []
        for e in self.model.event_log:
            if e.kind.startswith("shock:"):
                k = e.kind[6:]
                out.append({"month": e.step, "kind": k, "field": e.field, "detail": e.detail,
                            "live": (e.step, k) in live})
        return out

    def transitions(self) -> list[Event]:
        """(month, field, 'forward'|'backward', detail) of every phase change so far."""
        return [e for e in self.model.event_log if e.kind in ("forward", "backward")]

    def network_svg(self, big: bool = False) -> str:
        """The network panel; redrawn only when someone joined or left (the links change only then)."""
        key = (len(self.roster), big)
        if key != self._net_key:
            self._net_svg, self._net_key = network_svg(self, self.layout, big), key
        return self._net_svg

    def history(self) -> tuple[np.ndarray, np.ndarray]:
        """(phase, performance) as (months + 1, fields) arrays."""
        return np.asarray(self.phase), np.asarray(self.performance)


@dataclass(frozen=True)
class RunView(DebriefRun):
    """What the panels draw of one run at one moment, copied under the workshop's lock (the play
    loop steps in another thread): what the debrief draws, and the scenario's own timeline."""

    events: list[Shock] = field(default_factory=list)


# ------------------------------------------------------------------------------------ workshop
@dataclass
class Workshop:
    settings: Settings
    runs: list[Run]
    notes: list[str] = field(default_factory=list)
    error: str | None = None  # set when a step failed; the run stops there
    last_step_ms: float = 0.0
    ensemble: EnsembleJob | None = None  # "Run N times", in the background
    is_region = False  # a RegionWorkshop (model/app/region.py) says True

    def __post_init__(self):
        self.lock = threading.RLock()

    # -- ensembles ---------------------------------------------------------------------------
    def ensemble_specs(self) -> list[EnsembleSpec]:
        """Each run as it stands: its scenario and the live shocks fired in it so far."""
        with self.lock:
            return [EnsembleSpec(r.label, r.scenario, tuple(r.live_shocks)) for r in self.runs]

    def run_ensemble(self, n: int, on_change=None) -> EnsembleJob:
        """Start N replicates of every run (A and B in compare mode) in the background, over the
        scenario's run length (or to the current month if the run went beyond it)."""
        self.stop_ensemble()
        months = max(self.primary.months, self.month)
        self.ensemble = EnsembleJob(self.ensemble_specs(), n, self.settings.seed, months, on_change).start()
        return self.ensemble

    def stop_ensemble(self) -> None:
        if self.ensemble is not None and self.ensemble.running:
            self.ensemble.cancel()

    def ensemble_stale(self) -> bool:
        """A live shock was fired after the ensemble started: its futures miss it."""
        e = self.ensemble
        return e is not None and sum(len(s.live) for s in e.specs) != sum(len(r.live_shocks) for r in self.runs)

    def identical_so_far(self) -> bool:
        """Compare mode: A and B have taken exactly the same path up to now (month > 0)."""
        if len(self.runs) < 2 or self.month == 0:
            return False
        with self.lock:
            a, b = (np.asarray(r.performance) for r in self.runs[:2])
            pa, pb = (np.asarray(r.phase) for r in self.runs[:2])
        return bool(np.array_equal(a, b) and np.array_equal(pa, pb))

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def build(cls, settings: Settings) -> tuple["Workshop | None", str | None]:
        """(workshop, None), or (None, a one-line message) when the settings cannot run."""
        try:
            a = _scenario(settings.scenario, settings.overrides)
            runs = [Run(a, settings.seed, a.name)]
            if settings.compare:
                if settings.scenario_b:
                    b = _scenario(settings.scenario_b, settings.overrides)
                    if b.fields != a.fields:
                        return None, (f"Cannot compare '{a.name}' with '{b.name}': their service fields differ.")
                    runs[0].label = f"A: {a.name}"
                    runs.append(Run(b, settings.seed, f"B: {b.name}"))
                else:
                    runs[0].label = f"A: {a.name}, with live shocks"
                    runs.append(Run(a, settings.seed, f"B: {a.name}, without live shocks"))
            notes = combination_notes(runs[0].model.p)
            return cls(settings, runs, notes), None
        except (ScenarioError, ParameterError, ValueError) as e:
            return None, str(e)
        except Exception as e:  # never a stack trace in the page; the log keeps it
            log.exception("building the locality failed")
            return None, f"Could not build the locality: {internal_error(e)}."

    # -- time --------------------------------------------------------------------------------
    @property
    def primary(self) -> Run:
        return self.runs[0]

    @property
    def month(self) -> int:
        return self.primary.month

    @property
    def label(self) -> str:
        return month_label(self.month, self.primary.start_year)

    def step(self, n: int = 1) -> bool:
        """Advance every run by n months. False (and ``error`` set) if the model failed."""
        if self.error:
            return False
        if self.month + n > MAX_MONTHS:
            self.error = f"The run stops at {MAX_MONTHS} months (100 years). Press Reset to start again."
            return False
        with self.lock:
            try:
                for _ in range(n):
                    for r in self.runs:
                        r.step()
            except Exception as e:
                log.exception("step failed")
                self.error = (f"The simulation stopped at month {self.month}: {internal_error(e)}. "
                              "Press Reset or change a setting to start again.")
                return False
        return True

    def view(self, i: int = 0) -> RunView:
        with self.lock:
            r, m = self.runs[i], self.runs[i].model
            phase_hist, perf_hist = r.history()
            return RunView(r.label, list(r.fields), r.months, r.start_year, m.corners.copy(), m.flows.copy(),
                           m.phase.copy(), m.mode.copy(), m.public_value.copy(), phase_hist, perf_hist,
                           r.shock_markers(), r.transitions(), events=list(r.scenario.events))

    def network_svg(self, i: int = 0, big: bool = False) -> str:
        with self.lock:
            return self.runs[i].network_svg(big)

    # -- live shocks ---------------------------------------------------------------------------
    def shock(self, label: str, field_name: str, role: str = "chief_executive") -> tuple[bool, str]:
        """Apply a live-shock button now, to the chosen field (or all), in run A (both runs if
        ``settings.shocks_both``). Returns (ok, message for the page)."""
        try:
            kind, target, shock_role = shock_target(label, field_name, role)
        except ValueError as e:
            return False, str(e)
        if self.error:
            return False, self.error
        runs = self.runs if (self.settings.shocks_both or len(self.runs) == 1) else self.runs[:1]
        with self.lock:
            try:
                details = [r.shock(kind, target, shock_role) for r in runs]
            except Exception as e:
                log.exception("shock failed")
                return False, f"{label} could not be applied: {e}"
        return True, shock_message(label, kind, target or ALL, self.label.lower(), shock_role, details[0])

    # -- the ensemble on screen, the debrief -------------------------------------------------
    def bands(self, focus: str) -> list[dict] | None:
        """The finished ensemble's bands of one field, one dict per run (value_curve_svg's ``bands``)."""
        e = self.ensemble
        if e is None or e.result is None or focus not in e.result.fields:
            return None
        f = e.result.fields.index(focus)
        colours = (A_COLOUR, B_COLOUR)
        return [{"label": r.label, "colour": colours[i % 2], "n": e.n, "q": r.quantiles[:, :, f]}
                for i, r in enumerate(e.result.runs)]

    def debrief(self, focus: str) -> Debrief:
        a = self.runs[0]
        plain = _scenario(self.settings.scenario, ())
        changed = [(k.replace("_", " "), f"{v:g}", f"{plain.parameters.get(k, REGISTRY[k].default):g}")
                   for k, v in self.settings.overrides]
        views = [self.view(i) for i in range(len(self.runs))]
        e = self.ensemble.result if self.ensemble is not None else None
        return Debrief(a.scenario.name, first_line(a.scenario.description), self.settings.seed, self.label,
                       views, focus, changed, self.bands(focus), e)

    def debrief_html(self, focus: str) -> bytes:
        return render_debrief(self.debrief(focus)).encode()

    def debrief_pdf(self, focus: str) -> bytes:
        """The debrief printed by headless chromium (A4, its print styles)."""
        from ..viz.brief import print_pdf  # imports matplotlib: only when a PDF is asked for

        with tempfile.TemporaryDirectory(prefix="innovation-sim-debrief-") as tmp:
            html, pdf = Path(tmp) / "debrief.html", Path(tmp) / "debrief.pdf"
            html.write_bytes(self.debrief_html(focus))
            ok, msg = print_pdf(html, pdf)
            if not ok:
                raise RuntimeError(msg)
            return pdf.read_bytes()

    # -- exports -------------------------------------------------------------------------------
    def timeseries(self) -> pd.DataFrame:
        with self.lock:
            frames = [r.model.timeseries().assign(run=r.label, scenario=r.scenario.name, seed=r.seed)
                      for r in self.runs]
        return pd.concat(frames, ignore_index=True)

    def events(self) -> pd.DataFrame:
        with self.lock:
            frames = []
            for r in self.runs:
                live = {(m, f"shock:{k}") for m, k, _ in r.live}
                ev = r.model.events().assign(run=r.label, scenario=r.scenario.name, seed=r.seed)
                ev["live"] = [(s, k) in live for s, k in zip(ev.step, ev.kind)]
                frames.append(ev)
        return pd.concat(frames, ignore_index=True)

    def timeseries_csv(self) -> bytes:
        return self.timeseries().to_csv(index=False, float_format="%.6g").encode()

    def events_csv(self) -> bytes:
        return self.events().to_csv(index=False).encode()

    def figures_zip(self) -> bytes:
        """PNG figures of the current run(s): the report-style figures of model/viz/plots.py (value
        around the trigger point with phase bands, the triangle over time, the phase timeline)
        and the network as it stands now. Gathered here, drawn in a worker process (draw.py)."""
        from ..viz.figures import network_picture  # matplotlib: imported only when figures are asked for

        ts, ev = self.timeseries(), self.events()
        runs = []
        for i, r in enumerate(self.runs):
            t = ts[ts.run == r.label].drop(columns=["run", "scenario", "seed"]).assign(replicate=0)
            t["field"] = pd.Categorical(t["field"].astype(str), categories=r.fields)
            with self.lock:
                pic = network_picture(r)
            runs.append({"prefix": f"run{'AB'[i]}_" if len(self.runs) > 1 else "", "timeseries": t,
                         "events": ev[ev.run == r.label].assign(replicate=0), "network": pic,
                         "title": f"{r.label} (seed {r.seed}, to month {r.month})"})
        return draw.in_worker("figures_zip", runs)


def _scenario(source: str, overrides) -> Scenario:
    s = scenario_with(source, overrides)
    if s.region is not None:
        raise ScenarioError(f"{source}: a region of {s.region.resolved()['councils'] + s.region.resolved()['fire_authorities']} "
                            f"places; a Workshop shows localities (the region view is model/app/region.py)")
    return s


def scenario_with(source: str, overrides) -> Scenario:
    """The scenario ``source`` (a shipped name or a path) with the app's settings applied, checked."""
    s = load(source)
    if overrides:
        s = s.with_overrides(parameters=dict(overrides), where="setting")
    resolve(s.parameters)  # every value checked again
    return s
