"""The region in the workshop app (issue 14, item 5), kept free of any web framework.

A region scenario (england_2006, region_60, ...) is a ``Region`` (model/core/region.py): a batch of
places in one engine. A ``RegionWorkshop`` plays it month by month and records, per month, what
the page draws: each place's survey answer (model/core/survey.py, ``classify``) and the phase of
its leading field, and the share of places giving each answer. The live shock buttons act, at the
current month, on a chosen group of places (every place, the councils, the fire authorities or one
English region) through the engine's ``apply_shock(shock, places)``.

It offers what app.py asks of a ``Workshop`` (settings, month, label, step, shock, error, notes,
owner, stop_ensemble) so that the run controls, the scenario picker, the settings, the page reload
and undo work unchanged; ``is_region`` tells the page to draw the region panels.
``build_workshop`` builds whichever of the two a scenario needs.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ..core.events import Shock
from ..core.lifecycle import PHASE_NAMES
from ..core.parameters import ParameterError, resolve
from ..core.region import REGIONS, Region
from ..core.survey import CATEGORIES, SURVEY, SURVEY_GROUPS, classify
from ..io.scenario import Scenario, ScenarioError
from ..viz.svg import REGION_LABELS, TYPE_LABELS, RegionGrid, region_grid_svg
from .state import ALL, RunBase, Settings, Workshop, combination_notes, month_label, scenario_with, shock_target
from .words import SHOCK_MEANINGS, internal_error

log = logging.getLogger("innovation_sim.app")

ALL_PLACES = "all places"
COUNCILS = "councils"
FIRE = "fire"


def group_options(kinds: np.ndarray, regions: np.ndarray) -> list[dict]:
    """The groups the shock buttons can act on, as {"title", "value"} items: every place, the
    councils, the fire authorities (if any), then each English region present."""
    out = [{"title": f"all places ({len(kinds)})", "value": ALL_PLACES}]
    councils = int((kinds != "fire").sum())
    if councils and councils < len(kinds):
        out.append({"title": f"councils ({councils})", "value": COUNCILS})
    fire = int((kinds == "fire").sum())
    if fire:
        out.append({"title": f"fire authorities ({fire})", "value": FIRE})
    for r in REGIONS:
        n = int((regions == r).sum())
        if n:
            out.append({"title": f"{REGION_LABELS.get(r, r)} ({n})", "value": r})
    return out


def group_members(kinds: np.ndarray, regions: np.ndarray, group: str) -> np.ndarray:
    """Indices of the places in ``group`` (a value of ``group_options``); ValueError if unknown."""
    if group in (None, "", ALL_PLACES):
        return np.arange(len(kinds))
    if group == COUNCILS:
        return np.flatnonzero(kinds != "fire")
    if group == FIRE:
        return np.flatnonzero(kinds == "fire")
    if group in REGIONS:
        return np.flatnonzero(regions == group)
    raise ValueError(f"unknown group of places '{group}'")


def group_title(group: str) -> str:
    """A group of Region.survey() in words: 'all places', 'fire authorities', 'North West', ..."""
    if group == "all":
        return "all places"
    if group == "fire":
        return "fire authorities"
    return REGION_LABELS.get(group) or TYPE_LABELS.get(group, group) + "s"


def group_label(group: str, n: int) -> str:
    if group in (None, "", ALL_PLACES):
        return f"all {n} places"
    if group == COUNCILS:
        return f"the {n} councils"
    if group == FIRE:
        return f"the {n} fire authorities"
    return f"the {n} places of {REGION_LABELS.get(group, group)}"


@dataclass
class RegionRun(RunBase):
    """One Region and what the app draws of it, month by month."""

    model: Region = field(init=False)
    live: list[dict] = field(default_factory=list)  # the live shocks: month, kind, field, group, places

    def __post_init__(self):
        self.model = self.scenario.build_drawn(self.seed)
        m = self.model
        self.fields = list(m.fields)
        self.kinds, self.regions = np.asarray(m.kinds), np.asarray(m.regions)
        self.answers: list[np.ndarray] = []  # per month: (places,) answer codes (CATEGORIES)
        self.leads: list[np.ndarray] = []  # per month: (places,) phase of the leading field
        self.shocked = np.zeros(m.n, dtype=bool)
        self._grids: dict[bool, RegionGrid] = {}
        self._record()

    @property
    def n(self) -> int:
        return self.model.n

    @property
    def survey_month(self) -> int:
        return int(self.model.rp["survey_month"])

    def _record(self) -> None:
        phase = self.model.engine.phase
        self.answers.append(classify(phase))
        self.leads.append(phase.max(axis=1).astype(np.int8))

    def step(self) -> None:
        self.model.step()
        self._record()

    def shock(self, kind: str, field_name: str | None, role: str | None, places: np.ndarray) -> None:
        """Apply the shock now to ``places``, on its field or every field."""
        self.model.engine.apply_shock(Shock(self.month, kind, field=field_name, role=role), places)
        self.shocked[places] = True

    def shares(self) -> np.ndarray:
        """(months so far + 1, 3): the share of places giving each answer (CATEGORIES order)."""
        a = np.asarray(self.answers)
        return np.stack([(a == k).mean(axis=1) for k in range(len(CATEGORIES))], axis=1)

    def grid(self, big: bool) -> RegionGrid:
        if big not in self._grids:  # the layout is computed once per run and size
            self._grids[big] = RegionGrid(self.kinds, self.regions, big)
        return self._grids[big]

    def shock_markers(self) -> list[dict]:
        """The live shocks and the scenario's own timed events, as the charts mark them."""
        out = [{"month": e.month, "kind": e.kind, "field": "all", "detail": "", "live": False}
               for e in list(self.scenario.events) + [ev.shock for ev in self.model.spec.events]]
        return out + [{"month": s["month"], "kind": s["kind"], "field": "all", "detail": s["where"], "live": True}
                      for s in self.live]


@dataclass(frozen=True)
class RegionView:
    """What the region panels draw at one moment, copied under the workshop's lock."""

    label: str
    n: int
    month: int
    months: int
    start_year: int | None
    survey_month: int
    answer: np.ndarray  # (places,) this month
    lead: np.ndarray  # (places,) this month
    shares: np.ndarray  # (months so far + 1, 3)
    shocked: np.ndarray  # (places,) hit by a live shock
    beacons: np.ndarray  # (places,) holding Beacon status (in any field) this month
    shocks: list[dict]
    table: pd.DataFrame  # the survey's table by group, at the survey month (or now, before it)
    table_month: int


@dataclass
class RegionWorkshop:
    """A region scenario played in the app: one run, no compare mode, no ensembles."""

    settings: Settings
    runs: list[RegionRun]
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    last_step_ms: float = 0.0
    ensemble = None  # "Run N times" is for a locality: a region is already many places
    is_region = True

    def __post_init__(self):
        self.lock = threading.RLock()

    # -- what app.py asks of any workshop ------------------------------------------------------
    @property
    def primary(self) -> RegionRun:
        return self.runs[0]

    @property
    def month(self) -> int:
        return self.primary.month

    @property
    def label(self) -> str:
        return month_label(self.month, self.primary.start_year)

    def stop_ensemble(self) -> None:
        return None

    def ensemble_stale(self) -> bool:
        return False

    @classmethod
    def build(cls, settings: Settings, scenario: Scenario) -> "RegionWorkshop":
        run = RegionRun(scenario, settings.seed, scenario.name)
        # the template every place starts from; a shipped region is calibrated as it is, so only
        # the user's own settings are checked
        notes = combination_notes(resolve(scenario.parameters)) if settings.overrides else []
        if settings.compare:
            notes.append("Compare mode shows two localities side by side; a region plays alone here "
                         "(compare regions with `innovation-sim compare`).")
        return cls(replace(settings), [run], notes)

    def step(self, n: int = 1) -> bool:
        """Advance the region by n months. False (and ``error`` set) if the model failed."""
        if self.error:
            return False
        with self.lock:
            try:
                for _ in range(n):
                    self.primary.step()
            except Exception as e:
                log.exception("region step failed")
                self.error = (f"The simulation stopped at month {self.month}: {internal_error(e)}. "
                              "Press Reset or change a setting to start again.")
                return False
        return True

    def shock(self, label: str, field_name: str, role: str = "chief_executive",
              group: str = ALL_PLACES) -> tuple[bool, str]:
        """Apply a live-shock button now, to the chosen field (or all) of every place in ``group``.
        Returns (ok, message for the page)."""
        r = self.primary
        try:
            kind, target, shock_role = shock_target(label, field_name, role)
            places = group_members(r.kinds, r.regions, group)
        except ValueError as e:
            return False, str(e)
        if self.error:
            return False, self.error
        if not len(places):
            return False, f"{label}: the group '{group}' has no places in this region."
        with self.lock:
            try:
                r.shock(kind, target, shock_role, places)
            except Exception as e:
                log.exception("region shock failed")
                return False, f"{label} could not be applied: {e}"
            where = group_label(group, len(places))
            r.live.append({"month": self.month, "kind": kind, "field": target or ALL, "group": group or ALL_PLACES,
                           "places": len(places), "where": where})
        what = SHOCK_MEANINGS.get(kind, kind.replace("_", " ")).split(" (")[0]
        scope = "every field" if target is None else target
        when = self.label[0].lower() + self.label[1:]
        return True, f"{label} in {scope} of {where} at {when}: {what}."

    # -- what the region panels draw -----------------------------------------------------------
    def view(self) -> RegionView:
        with self.lock:
            r = self.primary
            month = min(self.month, r.survey_month)
            return RegionView(r.label, r.n, self.month, r.months, r.start_year, r.survey_month,
                              r.answers[-1].copy(), r.leads[-1].copy(), r.shares(), r.shocked.copy(),
                              r.model.beacons().any(axis=1), r.shock_markers(), self.survey_table(month), month)

    def survey_table(self, month: int) -> pd.DataFrame:
        """The model's answers at ``month`` by group (Region.survey) beside the survey's figures
        (003:267, 284) where it gives one."""
        t = self.primary.model.survey(month)
        t.insert(1, "name", [group_title(g) for g in t.group])
        t["survey_great_deal"] = [SURVEY["a great deal"] if g == "all" else SURVEY_GROUPS.get(g, np.nan)
                                  for g in t.group]
        return t

    def grid_svg(self, v: RegionView, by: str, group: str, big: bool) -> str:
        r = self.primary
        chosen = np.zeros(r.n, dtype=bool)
        if group not in (None, "", ALL_PLACES):
            chosen[group_members(r.kinds, r.regions, group)] = True
        codes = v.answer if by == "answer" else v.lead
        title = f"{r.label}: {r.n} places by {'survey answer' if by == 'answer' else 'leading phase'}"
        return region_grid_svg(r.grid(big), codes, by, chosen, v.shocked, title, v.beacons)

    def groups(self) -> list[dict]:
        return group_options(self.primary.kinds, self.primary.regions)

    # -- exports -------------------------------------------------------------------------------
    def shares_csv(self) -> bytes:
        """Per month: the share of places giving each answer and of fields in each phase (Region.aggregates)."""
        with self.lock:
            df = self.primary.model.aggregates()
        return df.to_csv(index=False, float_format="%.6g").encode()

    def places_csv(self) -> bytes:
        """Per month and place: its type, English region, survey answer and leading phase."""
        with self.lock:
            r = self.primary
            a, lead = np.asarray(r.answers), np.asarray(r.leads)
        T, L = a.shape
        df = pd.DataFrame({"step": np.repeat(np.arange(T), L), "place": np.tile(np.arange(L), T),
                           "type": np.tile(r.kinds, T), "region": np.tile(r.regions, T),
                           "answer": np.asarray(CATEGORIES)[a.reshape(-1)],
                           "leading_phase": np.asarray(PHASE_NAMES)[lead.reshape(-1)]})
        return df.to_csv(index=False).encode()

    def events_csv(self) -> bytes:
        """Every place's own events (phase changes, shocks), the region's levers, and the live
        shocks (``live`` = True, with the group they hit)."""
        with self.lock:
            r = self.primary
            ev = r.model.place_events().assign(live=False, group="")
            reg = r.model.events().assign(field="", live=False, group="")
            live = pd.DataFrame([{"step": s["month"], "place": -1, "field": s["field"], "kind": f"shock:{s['kind']}",
                                  "detail": s["where"], "live": True, "group": s["group"]} for s in r.live])
        out = pd.concat([ev, reg, live], ignore_index=True)
        return out.sort_values("step", kind="stable").to_csv(index=False).encode()


def build_workshop(settings: Settings) -> tuple[Workshop | RegionWorkshop | None, str | None]:
    """(workshop, None) for any scenario, a locality's or a region's; (None, a one-line message)
    when the settings cannot run."""
    try:
        s = scenario_with(settings.scenario, settings.overrides)
    except (ScenarioError, ParameterError, ValueError) as e:
        return None, str(e)
    except Exception as e:  # never a stack trace in the page; the log keeps it
        log.exception("loading the scenario failed")
        return None, f"Could not load the scenario: {internal_error(e)}."
    if s.region is None:
        return Workshop.build(settings)
    try:
        return RegionWorkshop.build(settings, s), None
    except (ScenarioError, ParameterError, ValueError) as e:
        return None, str(e)
    except Exception as e:
        log.exception("building the region failed")
        return None, f"Could not build the region: {internal_error(e)}."
