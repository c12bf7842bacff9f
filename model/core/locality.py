"""Locality: a council area and its partners, as one Mesa model -- a batch of one place.

The dynamics live in the batched engine (engine.py), which a Region shares: the locality holds an
``Engine`` of one place and adds what a single place needs on its own: Mesa agents on a
``mesa.discrete_space.Network``, data collection, shocks on Mesa's clock and tidy outputs. A step
is a fixed sequence of array operations and a fixed number of random draws, so the same seed gives
the same run, and two runs that differ only by a shock share their random numbers (common random
numbers for what-if pairs).
"""

from __future__ import annotations

from typing import Iterable

import mesa
import networkx as nx
import numpy as np
import pandas as pd
from mesa.discrete_space import Cell, Network

from .agents import AGENT_CLASSES
from .engine import COLUMNS, MODES, Engine
from .events import Event, Shock
from .lifecycle import PHASE_NAMES
from .outcomes import LOCALITY_OUTCOMES, locality_outcomes
from .parameters import resolve
from .survey import CATEGORIES, classify

DEFAULT_FIELDS = (
    "children's services",
    "education",
    "youth services",
    "adult social care",
    "community safety",
)


class PlaceRow:
    """A (places, ...) engine array seen from one place: a writable view of its row."""

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return getattr(obj.engine, self.name)[obj.place]


class PlaceState:
    """Per-field state of one place of an engine (``Locality`` is one; a region hands out these)."""

    place = 0
    phase = PlaceRow()
    performance = PlaceRow()
    performance_base = PlaceRow()
    performance0 = PlaceRow()
    performance_at_trigger = PlaceRow()
    improvement = PlaceRow()
    improvement_shown = PlaceRow()  # the part of it performance shows yet (7.10)
    shown_at_trigger = PlaceRow()  # improvement_shown when the field left latent: realised value is net of it
    shock_base = PlaceRow()  # the base budget cuts removed (Addendum 18)
    shock_shown = PlaceRow()  # what performance shows of crises and cuts; realised value is net of it
    shock_at_trigger = PlaceRow()  # shock_shown when the field left latent
    realised = PlaceRow()
    public_value = PlaceRow()
    recognition = PlaceRow()
    inspection = PlaceRow()
    funding = PlaceRow()
    cut = PlaceRow()
    trial_quality = PlaceRow()
    trial_progress = PlaceRow()
    trial_active = PlaceRow()
    trial_proven = PlaceRow()
    trial_adapted = PlaceRow()
    dominant_adapted = PlaceRow()
    dominant_quality = PlaceRow()
    lesson = PlaceRow()  # learning from failure (7.6)
    failed_trials = PlaceRow()
    alignment = PlaceRow()
    complacency = PlaceRow()
    mode = PlaceRow()
    reversals = PlaceRow()
    corners = PlaceRow()
    flows = PlaceRow()
    total_pressure = PlaceRow()
    balance = PlaceRow()
    peer_pull = PlaceRow()
    peer_quality = PlaceRow()
    sharing_cost = PlaceRow()
    network_quality = PlaceRow()
    cross_links = PlaceRow()

    def __init__(self, engine: Engine, place: int = 0):
        self.engine, self.place = engine, place

    @property
    def p(self) -> dict:
        """This place's resolved parameters."""
        return self.engine.params[self.place]

    @property
    def fields(self) -> tuple[str, ...]:
        return self.engine.fields

    @property
    def n_fields(self) -> int:
        return self.engine.F

    @property
    def pressures(self) -> dict[str, np.ndarray]:
        return {k: v[self.place] for k, v in self.engine.pressures.items()}

    @property
    def locality_phase(self) -> int:
        """The place's own phase: the phase of its leading innovation (its most advanced field),
        since "no locality will ever be able to sustain innovation in every field" (004:274);
        assumption."""
        return int(self.phase.max())

    def field_index(self, name: str | None) -> int:
        return self.engine.field_index(name)

    def snapshot(self) -> np.ndarray:
        """This place's fields now: (fields, COLUMNS)."""
        return self.engine.snapshot()[self.place]

    def summary(self) -> pd.DataFrame:
        """One row per field at the current step."""
        return pd.DataFrame({
            "field": self.fields,
            "phase": [PHASE_NAMES[p] for p in self.phase],
            "mode": [MODES[m] for m in self.mode],
            "performance": self.performance.round(3),
            "public_value": self.public_value.round(3),
            "failed_trials": self.failed_trials,
            "reversals": self.reversals,
        })


class AgentView:
    """The engine's agent arrays of a lone locality, plus its links as a dense matrix."""

    def __init__(self, engine: Engine):
        self._engine = engine

    def __getattr__(self, name: str):
        if name.startswith("_"):  # copy and pickle ask for dunders before _engine is set: no recursion
            raise AttributeError(name)
        return getattr(self._engine.agents, name)

    @property
    def adjacency(self) -> np.ndarray:
        return self._engine.links[0].dense(len(self._engine.agents.alive))


class FreshCollector(mesa.DataCollector):
    """Mesa's DataCollector for model reporters that each return a new object (an array, a number):
    the same records without the deep copy Mesa makes of every value in case it is shared (speed)."""

    def collect(self, model) -> None:
        if not self._validated or self.agent_reporters or self.agenttype_reporters:
            super().collect(model)  # the first call validates the reporters
            return
        self._collection_steps.append(model.time)
        for var, reporter in self.model_reporters.items():
            self.model_vars[var].append(reporter(model))


class Locality(PlaceState, mesa.Model):
    """A locality moving its service fields through the innovation lifecycle.

    ``Locality(seed=1)`` builds the default locality; keyword arguments override any parameter of
    the registry (``model.core.parameters.REGISTRY``). ``fields`` names the service fields,
    ``initial_phases`` maps a field name to its starting phase, ``events`` is a list of ``Shock``.
    """

    def __init__(
        self,
        *,
        seed: int | None = None,
        rng: np.random.Generator | int | None = None,
        fields: Iterable[str] | None = None,
        initial_phases: dict[str, int] | None = None,
        events: Iterable[Shock] = (),
        knockouts: Iterable[str] = (),
        **params,
    ):
        params = resolve(params)
        mesa.Model.__init__(self, rng=seed if rng is None else rng)
        self.seed = seed
        self.engine = Engine([params], [self.rng], DEFAULT_FIELDS if fields is None else fields, initial_phases,
                             tuple(knockouts))
        self.engine.on_remove, self.engine.on_attach = self._remove_agent, self._attach_agent
        self.engine.on_reweight = self._reweight
        self.state = AgentView(self.engine)
        self._build_mesa_network()
        self.datacollector = FreshCollector(
            # "fields" feeds timeseries(); the scalars make mesa.batch_run records useful.
            model_reporters={"fields": lambda m: m.snapshot(), "locality_phase": lambda m: m.locality_phase,
                             "public_value": lambda m: float(m.public_value.sum())}
        )
        self.datacollector.collect(self)
        for shock in events:
            self.schedule_shock(shock)

    # ------------------------------------------------------------------ Mesa agents and network
    def _build_mesa_network(self) -> None:
        links = self.engine.links[0]
        up = links.i < links.j
        g = nx.Graph()
        g.add_nodes_from(range(int(self.state.alive.sum())))
        g.add_weighted_edges_from(zip(links.i[up].tolist(), links.j[up].tolist(), links.w[up].tolist()))
        # layout=None: positions are computed only when something draws the network.
        self.network = Network(g, layout=None, random=self.random)
        self.agent_by_idx: dict[int, mesa.Agent] = {}
        for i in np.flatnonzero(self.state.alive):
            i = int(i)
            self.agent_by_idx[i] = AGENT_CLASSES[self.state.corner[i]](self, i, self.network[i])

    def _remove_agent(self, place: int, i: int) -> None:
        agent = self.agent_by_idx.pop(i)
        cell = agent.cell
        agent.remove()
        self.network.remove_cell(cell)

    def _reweight(self, place: int) -> None:
        """A partnership changed link strengths: the network view's edge weights follow."""
        links = self.engine.links[0]
        up = links.i < links.j
        for i, j, w in zip(links.i[up].tolist(), links.j[up].tolist(), links.w[up].tolist()):
            self.network.G.edges[i, j]["weight"] = w

    def _attach_agent(self, place: int, i: int, corner: int, links: dict[int, float]) -> None:
        cell = Cell(i, random=self.random)
        self.network.add_cell(cell)
        for j in links:
            self.network.add_connection(cell, self.network[j])
        self.agent_by_idx[i] = AGENT_CLASSES[corner](self, i, cell)

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        self.engine.month(observe=lambda: self.datacollector.collect(self))

    def lower_corner(self, field: int, corner: int, delta: float) -> None:
        """A knock-out arm (validation check 6): see ``Engine.lower_corner``."""
        self.engine.lower_corner(0, field, corner, delta)

    def schedule_shock(self, shock: Shock) -> None:
        """Schedule ``shock`` for the end of its month (it shows from the next step on)."""
        self.engine.schedule_shock(shock)

    def apply_shock(self, shock: Shock) -> None:
        """Apply ``shock`` now."""
        self.engine.apply_shock(shock)

    # ------------------------------------------------------------------ outputs
    @property
    def innovativeness(self) -> str:
        """The Audit Commission survey's answer (003:267) this locality would give: see
        ``model.core.survey.classify``."""
        return CATEGORIES[int(classify(self.phase))]

    def run_for(self, duration: int) -> "Locality":  # noqa: D401 - returns self for chaining
        super().run_for(duration)
        return self

    def timeseries(self) -> pd.DataFrame:
        """One row per (step, field): phase, the triangle, flows, performance, public value, trials."""
        snaps = np.stack(self.datacollector.model_vars["fields"])[:, None]  # (steps, 1 place, fields, columns)
        return tidy(snaps, self.fields).drop(columns="replicate")

    @property
    def event_log(self) -> list[Event]:
        """Phase transitions (forward or backward), embedding-mode changes and shocks, in order."""
        return [Event(step, field, kind, detail) for step, _, field, kind, detail in self.engine.log.rows(self.fields, 0)]

    def events(self) -> pd.DataFrame:
        """``event_log`` as a frame: step, field, kind, detail."""
        return pd.DataFrame(self.event_log, columns=list(Event._fields))

    OUTCOMES = LOCALITY_OUTCOMES  # what outcomes() reports: model/core/outcomes.py

    def outcomes(self) -> dict[str, float]:
        """End-of-run measures of this run, by column name (``model.core.outcomes.columns``)."""
        return locality_outcomes(self)


def tidy(snaps: np.ndarray, fields) -> pd.DataFrame:
    """Snapshots (steps, places, fields, COLUMNS) as a tidy frame, one row per (place, step, field),
    the place in a ``replicate`` column."""
    T, P, F, _ = snaps.shape
    rows = np.moveaxis(snaps, 1, 0).reshape(P * T * F, -1)
    df = pd.DataFrame(rows, columns=COLUMNS)
    df.insert(0, "field", pd.Categorical(np.tile(fields, P * T), categories=list(fields)))
    df.insert(0, "step", np.tile(np.repeat(np.arange(T), F), P))
    df.insert(0, "replicate", np.repeat(np.arange(P), T * F))
    for c in ("phase", "active_trials", "failed_trials", "reversals", "mode"):
        df[c] = df[c].astype(np.int64)
    df.insert(4, "phase_name", pd.Categorical.from_codes(df["phase"], categories=list(PHASE_NAMES)))
    df["mode"] = pd.Categorical.from_codes(df["mode"], categories=list(MODES))
    lead = snaps[:, :, :, 0].max(axis=2).astype(np.int64)  # (steps, places): see locality_phase
    df["locality_phase"] = np.repeat(lead.T.reshape(-1), F)
    return df


class Ensemble:
    """Independent localities with the same settings, one per seed, stepped together in one engine:
    replicate k is exactly ``Locality(seed=seeds[k], ...)`` run alone (its own stream), but the
    batch pays the per-step cost of the array operations once instead of once per replicate."""

    def __init__(self, seeds, *, fields: Iterable[str] | None = None, initial_phases: dict[str, int] | None = None,
                 events: Iterable[Shock] = (), knockouts: Iterable[str] = (),
                 per_replicate: list[dict] | None = None, **params):
        """``per_replicate``: settings of each replicate on top of ``params`` (a posterior's draws)."""
        if per_replicate is not None and len(per_replicate) != len(seeds):
            raise ValueError(f"{len(per_replicate)} replicates' settings for {len(seeds)} seeds")
        table = [resolve({**params, **own}) for own in per_replicate] if per_replicate else [resolve(params)] * len(seeds)
        self.engine = Engine(table, [np.random.default_rng(s) for s in seeds],
                             DEFAULT_FIELDS if fields is None else fields, initial_phases, tuple(knockouts))
        self.fields = self.engine.fields
        for shock in events:
            self.engine.schedule_shock(shock)
        self._snaps = [self.engine.snapshot()]

    def step(self) -> None:
        """As ``Locality.step``, for every replicate at once."""
        self.engine.month(observe=lambda: self._snaps.append(self.engine.snapshot()))

    def run_for(self, months: int) -> "Ensemble":
        for _ in range(months):
            self.step()
        return self

    def timeseries(self) -> pd.DataFrame:
        """``Locality.timeseries()`` of every replicate, with a ``replicate`` column, in replicate order."""
        return tidy(np.stack(self._snaps), self.fields)

    def events(self) -> pd.DataFrame:
        """``Locality.events()`` of every replicate, with a ``replicate`` column, in replicate order."""
        ev = self.engine.events_frame().rename(columns={"place": "replicate"})
        ev = ev[["replicate", *Event._fields]]
        return ev.sort_values("replicate", kind="stable", ignore_index=True)
