"""Locality: a council area and its partners, as one Mesa model.

Wires the network (network.py), the triangle flows (triangle.py), the lifecycle rules
(lifecycle.py) and shocks (events.py). Per-agent state lives in numpy arrays (``self.state``);
per-field state in arrays of length ``n_fields``. A step is a fixed sequence of array operations
and a fixed number of random draws, so the same seed gives the same run, and two runs that
differ only by a shock share their random numbers (common random numbers for what-if pairs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import mesa
import networkx as nx
import numpy as np
import pandas as pd
from mesa.discrete_space import Cell, Network

from . import lifecycle as lc
from . import network as net
from . import triangle as tri
from .agents import AGENT_CLASSES
from .events import PRESSURE_KINDS, Call, Event, Shock
from .lifecycle import PHASE_NAMES, Phase
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
MODES = ("", "fragile", "sustainable", "pervasive")  # embedding modes (004:196-218)
SPARE_SLOTS = 16  # preallocated agent slots for arriving leaders
GAP_SCALE = 0.3  # a performance gap this large is fully alarming; assumption
INSPECTION_DECAY = 1.0 / 24  # inspection pressure fades over about two years; assumption
NEW_LEADER_LEGITIMACY = 0.8  # assumption
COMMISSION_PROVIDERS = 12  # providers per commissioning round of magnitude 1: Tower Hamlets let 8 area and 4 curriculum contracts (000:1134)

# Column order of a field snapshot; timeseries() turns these into the tidy frame.
_COLUMNS = (
    "phase", "authority", "capacity", "value", "performance", "public_value", "active_trials",
    "failed_trials", "flow_ac", "flow_cv", "flow_va", "recognition", "pressure", "alignment",
    "complacency", "balance", "reversals", "mode",
)


@dataclass
class AgentState:
    """Per-agent arrays (index = agent.idx). Dead or unused slots have alive == False."""

    role: np.ndarray
    corner: np.ndarray
    layer: np.ndarray
    field: np.ndarray
    weight: np.ndarray
    clique: np.ndarray
    alive: np.ndarray
    x: np.ndarray
    legitimacy: np.ndarray
    drive: np.ndarray
    risk: np.ndarray
    tenure: np.ndarray
    skill: np.ndarray
    slack: np.ndarray
    openness: np.ndarray
    voice: np.ndarray
    adjacency: np.ndarray


class Locality(mesa.Model):
    """A locality moving its service fields through the innovation lifecycle.

    ``Locality(seed=1)`` builds the default locality; keyword arguments override any parameter of
    the registry (``model.parameters.REGISTRY``). ``fields`` names the service fields,
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
        **params,
    ):
        self.p = resolve(params)
        super().__init__(rng=seed if rng is None else rng)
        self.fields = tuple(fields) if fields is not None else DEFAULT_FIELDS
        if not self.fields or len(set(self.fields)) != len(self.fields):
            raise ValueError("fields must be a non-empty list of distinct names")
        self.n_fields = F = len(self.fields)
        self.seed = seed
        self.event_log: list[Event] = []
        self._scheduled: list = []  # strong refs: Mesa holds event callbacks weakly
        p = self.p

        # --- network and agents ---------------------------------------------------------------
        structure = net.build(p, F, self.rng)
        self._init_agent_state(structure)
        self._build_mesa_network(structure)

        # --- per-field state ---------------------------------------------------------------------
        self.phase = np.zeros(F, dtype=np.int64)
        self._ext = np.zeros(F + 1)  # per-field values plus the mean, for agents of every field
        self._ext_phase = np.zeros(F + 1, dtype=np.int64)
        spread = p["performance_spread"]
        self.performance = np.clip(p["initial_performance"] + self.rng.uniform(-spread, spread, F), 0, 1)
        self.performance_base = self.performance.copy()
        self.performance0 = self.performance.copy()
        self.performance_at_trigger = self.performance.copy()
        self.public_value = np.zeros(F)
        self.recognition = np.clip((p["aspiration"] - self.performance) / GAP_SCALE, 0, 1) * 0.5
        self.pressures = {k: np.full(F, float(p[k])) for k in PRESSURE_KINDS}
        self.inspection = np.zeros(F)
        self.funding = np.zeros(F)
        self.cut = np.zeros(F)
        K = p["max_trials"]
        self.trial_quality = np.zeros((F, K))
        self.trial_progress = np.zeros((F, K))
        self.trial_active = np.zeros((F, K), dtype=bool)
        self.trial_proven = np.zeros((F, K), dtype=bool)
        self.trial_adapted = np.zeros((F, K), dtype=bool)
        self.dominant_adapted = np.zeros(F, dtype=bool)  # the dominant idea was adapted from a peer's
        self.failed_trials = np.zeros(F, dtype=np.int64)
        self.dominant_quality = np.zeros(F)
        self.alignment = np.zeros(F)
        self.complacency = np.zeros(F)
        self.mode = np.zeros(F, dtype=np.int64)
        self.reversals = np.zeros(F, dtype=np.int64)
        self.corners = np.zeros((F, 3))
        self.flows = np.zeros((F, 3))
        self.total_pressure = np.zeros(F)
        # Set by a Region each month (zero in a lone locality, which then runs bit for bit as
        # before): examples elsewhere as a driver (003:344), the best adaptable idea on offer
        # (003:346, 656) and the cost of showing one's own innovation to peers (003:718).
        self.peer_pull = np.zeros(F)
        self.peer_quality = np.zeros(F)
        self.sharing_cost = np.zeros(F)
        self.rates = np.array([0.0, p["reversal_rate_design"], p["reversal_rate_mobilisation"],
                               p["reversal_rate_mainstreaming"], p["reversal_rate_embedding"]])
        for name, ph in (initial_phases or {}).items():
            self._set_initial_phase(self.field_index(name), int(ph))

        self._aggregate()
        self.balance = tri.balance(self.corners)
        self.datacollector = mesa.DataCollector(
            # "fields" feeds timeseries(); the scalars make mesa.batch_run records useful.
            model_reporters={"fields": lambda m: m._snapshot(), "locality_phase": "locality_phase",
                             "public_value": lambda m: float(m.public_value.sum())}
        )
        self.datacollector.collect(self)
        for shock in events:
            self.schedule_shock(shock)

    # ------------------------------------------------------------------ construction helpers
    def _init_agent_state(self, s: net.Structure) -> None:
        p, rng, n = self.p, self.rng, s.n
        m = n + SPARE_SLOTS

        def pad(a, fill=0):
            out = np.full(m, fill, dtype=a.dtype)
            out[:n] = a
            return out

        def trait(mean):  # agents differ around the locality's mean; assumption (spread)
            return np.clip(mean + rng.uniform(-0.2, 0.2, m), 0.0, 1.0)

        adjacency = np.zeros((m, m))
        adjacency[:n, :n] = s.adjacency
        alive = np.zeros(m, dtype=bool)
        alive[:n] = True
        self.state = AgentState(
            role=pad(s.role), corner=pad(s.corner), layer=pad(s.layer), field=pad(s.field),
            weight=pad(s.weight, 0.0), clique=pad(s.clique, False), alive=alive,
            x=np.zeros(m), legitimacy=trait(0.7), drive=trait(p["leader_drive"]),
            risk=trait(p["risk_appetite"]),
            tenure=np.where(alive, rng.integers(36, 145, m), 0),  # incumbents: 3-12 years in post
            skill=trait(p["skill"]), slack=trait(p["staff_slack"]), openness=trait(p["openness"]),
            voice=trait(0.5), adjacency=adjacency,
        )
        self.state.x[:n] = 0.3

    def _build_mesa_network(self, s: net.Structure) -> None:
        g = nx.Graph()
        g.add_nodes_from(range(s.n))
        a, b = np.nonzero(np.triu(s.adjacency))
        g.add_weighted_edges_from(zip(a.tolist(), b.tolist(), s.adjacency[a, b].tolist()))
        # layout=None: positions are computed only when something draws the network.
        self.network = Network(g, layout=None, random=self.random)
        self.agent_by_idx: dict[int, mesa.Agent] = {}
        for i in range(s.n):
            self.agent_by_idx[i] = AGENT_CLASSES[s.corner[i]](self, i, self.network[i])
        self._structure_changed()

    def _structure_changed(self) -> None:
        """Recompute everything derived from the links and membership (after arrivals/departures)."""
        st, F = self.state, self.n_fields
        adj = st.adjacency * st.alive[:, None] * st.alive[None, :]
        up, peer, count = tri.flow_weights(adj, st.corner)
        self._flow_matrix = (up + peer) / count[:, None]  # total inflow, one matrix-vector product a step
        up_matrix = up / count[:, None]  # local: a region holds hundreds of localities
        in_field = (st.field[None, :] == np.arange(F)[:, None]) | (st.field[None, :] < 0)
        base = in_field * (st.weight * st.alive)[None, :]
        members = np.vstack([base * (st.corner == k)[None, :] for k in range(3)])  # (3F, N)
        totals = members.sum(axis=1, keepdims=True)
        self._members = np.divide(members, totals, out=np.zeros_like(members), where=totals > 0)
        # Reported flows: each receiving corner's mean upstream inflow (A->C, C->V, V->A), folded
        # into one (3F, N) matrix so that a step computes them with one small product.
        self._flow_report = (self._members.reshape(3, F, -1)[[1, 2, 0]] @ up_matrix).reshape(3 * F, -1)
        m_a, m_c = self._members[:F], self._members[F:2 * F]
        self._risk, self._openness = m_a @ st.risk, m_c @ st.openness
        senior_codes = [net.ROLE_CODE[r] for r in ("political_leader", "chief_executive", "director", "cabinet_member")]
        self._senior_idx = np.flatnonzero(np.isin(st.role, senior_codes) & st.alive)
        self._senior = in_field[:, self._senior_idx]
        self._drive = np.where(self._senior, st.drive[self._senior_idx], 0.0).max(axis=1, initial=0.0)
        # Agents' own contributions that change only with the roster (7.2 in docs/ODD.md).
        self._own_a = st.legitimacy * (0.5 + 0.5 * st.drive)
        self._own_c_static = np.cbrt(st.skill * (0.5 + 0.5 * st.openness))
        self._clique_density = self._density(st.clique & st.alive, adj)
        # Network quality per field: mean link strength of the field's agents' links, times the
        # share of its agents with any link at all (partnership strength; assumption).
        deg = (adj > 0).sum(axis=1)
        strength = np.divide(adj.sum(axis=1), deg, out=np.zeros(len(deg)), where=deg > 0)
        members = in_field & st.alive[None, :]
        n_mem = np.maximum(members.sum(axis=1), 1)
        self.network_quality = (members * strength).sum(axis=1) / n_mem * (members * (deg > 0)).sum(axis=1) / n_mem
        # Cross-field links: the channel for inspiration or infection between fields (004:3-8).
        fm = (st.field[None, :] == np.arange(F)[:, None]) & st.alive[None, :]
        x = fm.astype(float) @ adj @ fm.T.astype(float)
        sizes = fm.sum(axis=1).astype(float)
        self.cross_links = np.clip(x / np.maximum(np.outer(sizes, sizes), 1) * 10.0, 0, 1)
        np.fill_diagonal(self.cross_links, 0.0)

    @staticmethod
    def _density(mask: np.ndarray, adj: np.ndarray) -> float:
        k = int(mask.sum())
        if k < 2:
            return 0.0
        sub = adj[np.ix_(mask, mask)] > 0
        return float(sub.sum()) / (k * (k - 1))

    def _set_initial_phase(self, f: int, ph: int) -> None:
        if not 0 <= ph <= 4:
            raise ValueError(f"initial phase of '{self.fields[f]}' must be 0-4, got {ph}")
        self.phase[f] = ph
        if ph >= Phase.MOBILISATION:
            self.dominant_quality[f] = max(self.p["proof_threshold"], self.p["trial_quality_mean"]) + 0.1
        if ph >= Phase.MAINSTREAMING:
            self.alignment[f] = 1.0 if ph == Phase.EMBEDDING else 0.3

    def field_index(self, name: str | None) -> int:
        try:
            return self.fields.index(name)
        except ValueError:
            raise ValueError(f"unknown field '{name}' (fields: {', '.join(self.fields)})") from None

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        p, st, F = self.p, self.state, self.n_fields
        rng = self.rng
        phase = self.phase
        K = self.trial_active.shape[1]
        # Fixed draws per step (common random numbers across what-if twins).
        u = rng.random((F, 5))
        u_trial = rng.random((F, K))
        a = p["trial_quality_mean"] * p["trial_quality_concentration"]
        new_quality = rng.beta(a, p["trial_quality_concentration"] - a, F)
        noise = rng.standard_normal(F)

        active_projects = int(((phase >= 1) & (phase <= 3)).sum())
        stretch = lc.overstretch(active_projects, p["overstretch_threshold"], p["overstretch_penalty"])

        # 1. Agents move along the triangle's flows.
        ext_phase = self._ext_phase
        ext_phase[:F] = phase
        ext_phase[F] = phase.max()  # agents of every field follow the most active field
        demand = p["flow_gain"] * tri.PHASE_DEMAND[ext_phase[st.field], st.corner]
        flow = self._flow_matrix @ st.x
        ext = self._ext
        ext[:F] = self.corners[:, 2]
        ext[F] = ext[:F].sum() / F
        # Authority hears value through its links and through visible value for the public (004:57-60).
        flow = np.where(st.corner == tri.AUTHORITY, 0.5 * flow + 0.5 * ext[st.field], flow)
        ext[:F] = p["funding_effect"] * self.funding - self.cut - self.sharing_cost
        ext[F] = ext[:F].sum() / F
        slack = np.minimum(np.maximum(st.slack + ext[st.field], 0.0), 1.0) * (1.0 - stretch)
        own_a, own_c = self._own_a, self._own_c_static * np.cbrt(slack)
        ext[:F] = self.performance
        ext[F] = ext[:F].sum() / F
        own_v = ext[st.field] * (0.5 + 0.5 * st.voice)
        own = np.choose(st.corner, (own_a, own_c, own_v))
        target = tri.targets(demand, own, flow, p["own_weight"])
        st.x = np.where(st.alive, tri.relax(st.x, target, p["influence_rate"]), 0.0)
        st.tenure += st.alive
        self._aggregate()
        A, C, V = self.corners.T

        # 2. Drivers: leadership, culture, pressure, recognition of underperformance.
        drive = self._drive
        si = self._senior_idx
        push = np.where(self._senior, st.drive[si] * np.exp(-st.tenure[si] / p["new_leader_push_months"]),
                        0.0).max(axis=1, initial=0.0)
        risk, openness = self._risk, self._openness
        resources = self._members[F:2 * F] @ slack
        pr = self.pressures
        relief = 1.0 - p["funding_pressure_relief"] * np.minimum(self.funding, 1.0)
        internal = (pr["member_pressure"] + pr["efficiency_pressure"] * relief
                    + p["community_pressure_weight"] * pr["community_pressure"] + push)
        # Efficiency pressure is felt "under internal and external pressure" (003:57): it counts
        # in both, which makes it the strongest single driver (003:325).
        external = (p["central_pressure_weight"] * pr["central_pressure"] + self.inspection
                    + p["efficiency_external_weight"] * pr["efficiency_pressure"] * relief)
        self.total_pressure = np.minimum((internal + external) / 2.0, 1.0)
        gap = np.minimum(np.maximum((p["aspiration"] - self.performance) / GAP_SCALE, 0.0), 1.0)
        self.recognition += p["recognition_rate"] * (gap - self.recognition)
        self.inspection *= 1.0 - INSPECTION_DECAY

        # 3. Lifecycle.
        fwd = np.zeros(F, dtype=bool)
        # 0 -> 1: the will to change, plus inspiration from embedded fields.
        embedded = (phase == Phase.EMBEDDING) * np.where(self.mode == 3, 2.0, 1.0)
        spill = p["spillover_strength"] * (self.cross_links @ embedded)
        will = lc.will_to_change(self.recognition, internal, external, A, drive)
        p_trig = lc.trigger_probability(will, p["trigger_rate"], p["trigger_steepness"], p["opportunity_rate"],
                                       spill + self.peer_pull)
        fwd |= (phase == Phase.LATENT) & (u[:, 0] < p_trig)

        # Design: trials start, progress, fail or prove themselves (004:126-133).
        design = phase == Phase.DESIGN
        p_spawn = lc.spawn_probability(p["spawn_rate"], A, drive, risk, self._clique_density, stretch)
        free = ~self.trial_active & ~self.trial_proven
        slot = np.argmax(free, axis=1)
        spawn = design & (u[:, 1] < p_spawn) & free.any(axis=1)
        rows = np.flatnonzero(spawn)
        self.trial_active[rows, slot[rows]] = True
        # A trial is the locality's own idea or, if better, an adaptation of one proven elsewhere.
        self.trial_quality[rows, slot[rows]] = np.maximum(new_quality[rows], self.peer_quality[rows])
        self.trial_adapted[rows, slot[rows]] = self.peer_quality[rows] > new_quality[rows]
        self.trial_progress[rows, slot[rows]] = 0.0
        running = self.trial_active & design[:, None]
        self.trial_progress += running * (p["trial_progress_rate"] * (0.5 + C) * (0.5 + openness))[:, None]
        p_fail = lc.trial_failure_probability(p["trial_failure_rate"], openness, C)
        killed = running & (u_trial < p_fail[:, None])
        done = running & ~killed & (self.trial_progress >= 1.0)
        proven = done & (self.trial_quality >= p["proof_threshold"])
        failed = killed | (done & ~proven)
        self.failed_trials += failed.sum(axis=1)
        self.trial_active &= ~(failed | proven)
        self.trial_proven |= proven
        fwd |= design & self.trial_proven.any(axis=1) & (C >= p["capacity_threshold"])

        # Mobilisation: value demonstrated, then control handed to managers (004:139-154).
        mob = phase == Phase.MOBILISATION
        p_hand = lc.handover_probability(p["handover_rate"], C, A)
        fwd |= mob & (V >= p["value_threshold"]) & (u[:, 2] < p_hand)

        # Mainstreaming: align with finance, HR, IT, performance management (004:185-188).
        main = phase == Phase.MAINSTREAMING
        self.alignment += main * p["alignment_rate"] * C * resources * self.network_quality * (1 - stretch) * 4.0
        fwd |= main & (self.alignment >= 1.0)

        # Embedding: balance decides the mode; complacency grows without pressure (004:21-23, 196-218).
        emb = phase == Phase.EMBEDDING
        self.balance = bal = tri.balance(self.corners)
        self.complacency = np.minimum(np.maximum(
            self.complacency + np.where(emb, p["complacency_rate"] * (1 - 2 * self.total_pressure), -0.05), 0.0), 1.0)

        adequacy = tri.adequacy(self.corners, phase)
        p_rev = lc.reversal_probability(phase, self.rates, adequacy, 1.0 - openness, p["opposition"], V, A, C,
                                        self.complacency, drive)
        back = (phase > 0) & ~fwd & (u[:, 3] < p_rev)
        self._transition(fwd, back)

        emb = self.phase == Phase.EMBEDDING
        n_emb = int(emb.sum())
        mode = np.where(bal >= p["balance_threshold"], 2, 1)
        mode = np.where((mode == 2) & (n_emb >= 2) & (drive >= 0.75), 3, mode)
        mode = np.where(emb, mode, 0)
        for f in np.flatnonzero(emb & (mode != self.mode)):
            self._log(f, "embedding_mode", MODES[mode[f]])
        self.mode = mode

        # 4. Performance: diversion into unproven work, then the innovation's uplift (J-curve).
        ph = self.phase
        effort = lc.EFFORT[ph] * np.where(ph == Phase.DESIGN, 0.5 + 0.5 * self.trial_active.sum(axis=1) / K, 1.0)
        maturity = lc.MATURITY[ph] + np.where(ph == Phase.MAINSTREAMING, 0.4 * np.minimum(self.alignment, 1), 0)
        potential = (self.performance_base - p["diversion_cost"] * effort
                     + p["innovation_uplift"] * self.dominant_quality * maturity)
        self.performance = np.minimum(np.maximum(
            self.performance + p["performance_adjustment"] * (potential - self.performance)
            + p["performance_noise"] * noise, 0.0), 1.0)
        self.public_value += (self.performance - self.performance0) / 12.0
        self.datacollector.collect(self)

    def _transition(self, fwd: np.ndarray, back: np.ndarray) -> None:
        old = self.phase.copy()
        self.phase = old + fwd - back
        for f in np.flatnonzero(fwd | back):
            a, b = int(old[f]), int(self.phase[f])
            self._log(f, "forward" if b > a else "backward", f"{PHASE_NAMES[a]} -> {PHASE_NAMES[b]}")
            if b > a:
                self._enter_forward(f, b)
            else:
                self._fall_back(f, a)

    def _enter_forward(self, f: int, ph: int) -> None:
        if ph == Phase.DESIGN:
            self.performance_at_trigger[f] = self.performance[f]
            self._clear_trials(f)
        elif ph == Phase.MOBILISATION:
            # The dominant innovation: the best proven trial; the rest close (004:130-133).
            best = int(np.argmax(np.where(self.trial_proven[f], self.trial_quality[f], -1.0)))
            self.dominant_quality[f] = self.trial_quality[f, best]
            self.dominant_adapted[f] = self.trial_adapted[f, best]
            self._clear_trials(f)
        elif ph == Phase.MAINSTREAMING:
            self.alignment[f] = 0.0
        elif ph == Phase.EMBEDDING:
            self.complacency[f] = 0.0

    def _fall_back(self, f: int, ph: int) -> None:
        self.reversals[f] += 1
        if ph == Phase.DESIGN:  # trials abandoned; the will to change dissipates
            self.failed_trials[f] += int(self.trial_active[f].sum())
            self._clear_trials(f)
            self.recognition[f] *= 0.5
        elif ph == Phase.MOBILISATION:  # the dominant innovation failed to mobilise
            self.failed_trials[f] += 1
            self.dominant_quality[f] = 0.0
        elif ph == Phase.MAINSTREAMING:
            self.alignment[f] *= 0.5
        elif ph == Phase.EMBEDDING:  # stagnation: alignment must be rebuilt
            self.alignment[f] = 0.6

    def _clear_trials(self, f: int) -> None:
        self.trial_active[f] = False
        self.trial_proven[f] = False
        self.trial_progress[f] = 0.0

    def _aggregate(self) -> None:
        """Corners A, C, V per field from agents' levels; flows A->C, C->V, V->A along links."""
        F, x = self.n_fields, self.state.x
        self.corners[:] = (self._members @ x).reshape(3, F).T
        self.flows[:] = (self._flow_report @ x).reshape(3, F).T

    # ------------------------------------------------------------------ shocks
    def schedule_shock(self, shock: Shock) -> None:
        """Schedule ``shock`` for the end of its month (it shows from the next step on)."""
        if shock.field is not None:
            self.field_index(shock.field)
        fire = _Fire(self, shock)
        self._scheduled.append(fire)
        self.schedule_event(fire, at=float(shock.month), priority=mesa.time.Priority.LOW)

    def apply_shock(self, shock: Shock) -> None:
        """Apply ``shock`` now."""
        p, kind, mag = self.p, shock.kind, shock.magnitude
        fields = np.arange(self.n_fields) if shock.field is None else np.array([self.field_index(shock.field)])
        label = shock.field or "all"
        detail = f"magnitude={mag:g}" + (f", duration={shock.duration}" if shock.duration else "")
        if kind == "underperformance":
            self.recognition[fields] = np.maximum(self.recognition[fields], min(1.0, mag))
            self.inspection[fields] += mag
            self._bump_pressure("member_pressure", fields, 0.3 * mag, None)
        elif kind in PRESSURE_KINDS:
            self._bump_pressure(kind, fields, mag, shock.duration)
        elif kind == "funding_start":
            self.funding[fields] += mag
            if shock.duration:
                self._later(shock.duration, self._funding_change, fields, -mag)
        elif kind == "funding_end":
            self.funding[fields] = np.maximum(0.0, self.funding[fields] - mag)
        elif kind == "budget_cut":
            self.cut[fields] += 0.2 * mag
            self.performance_base[fields] = np.clip(self.performance_base[fields] - 0.05 * mag, 0, 1)
            self._bump_pressure("efficiency_pressure", fields, 0.2 * mag, None)
        elif kind == "crisis":
            self.performance[fields] = np.clip(self.performance[fields] - 0.15 * mag, 0, 1)
            self.recognition[fields] = np.maximum(self.recognition[fields], min(1.0, 0.7 * mag))
            for k in ("member_pressure", "community_pressure"):
                self._bump_pressure(k, fields, 0.3 * mag, shock.duration or 12)
        elif kind == "leader_arrival":
            detail = self._leader_arrival(shock.role, shock.field, p["new_leader_drive"] * mag) + ", " + detail
        elif kind == "leader_departure":
            detail = self._leader_departure(shock.role, shock.field, mag) + ", " + detail
        elif kind == "commissioning":
            detail = self._commission(fields, mag) + ", " + detail
        elif kind == "election":
            if self.rng.random() < min(1.0, p["election_turnover"] * mag):
                detail = "political leader replaced; " + self._leader_arrival(
                    "political_leader", None, float(self.rng.uniform(0.3, 0.9)))
            else:
                detail = "political leader re-elected"
        self._log_label(label, f"shock:{kind}", detail)

    def _bump_pressure(self, kind: str, fields: np.ndarray, delta: float, duration: int | None) -> None:
        arr = self.pressures[kind]
        before = arr[fields].copy()
        arr[fields] = np.clip(arr[fields] + delta, 0, 1)
        if duration:
            self._later(duration, self._pressure_change, kind, fields, before - arr[fields])

    def _pressure_change(self, kind, fields, delta) -> None:
        self.pressures[kind][fields] = np.clip(self.pressures[kind][fields] + delta, 0, 1)

    def _funding_change(self, fields, delta) -> None:
        self.funding[fields] = np.maximum(0.0, self.funding[fields] + delta)
        self._log_label("all" if len(fields) == self.n_fields else self.fields[fields[0]],
                        "shock:funding_end", "pilot grant ended")

    def _later(self, months: int, fn, *args) -> None:
        fire = Call(fn, args)
        self._scheduled.append(fire)
        self.schedule_event(fire, at=self.time + months, priority=mesa.time.Priority.LOW)

    # leadership -------------------------------------------------------------------------------
    def _holders(self, role: str, field: str | None) -> np.ndarray:
        st = self.state
        mask = st.alive & (st.role == net.ROLE_CODE[role])
        if role == "director":
            mask &= st.field == self.field_index(field)
        return np.flatnonzero(mask)

    def _leader_departure(self, role: str, field: str | None, magnitude: float) -> str:
        st = self.state
        if role == "core_clique":
            members = np.flatnonzero(st.clique & st.alive)
            k = int(round(len(members) * min(1.0, magnitude)))
            leaving = members[:k]
        else:
            leaving = self._holders(role, field)
        for i in leaving:
            self._remove_agent(int(i))
        if len(leaving):
            self._structure_changed()
            return f"{len(leaving)} x {role} left"
        return f"no {role} in post"

    def _remove_agent(self, i: int) -> None:
        st = self.state
        agent = self.agent_by_idx.pop(i)
        cell = agent.cell
        agent.remove()
        self.network.remove_cell(cell)
        st.alive[i] = False
        st.clique[i] = False
        st.x[i] = 0.0
        st.adjacency[i, :] = 0.0
        st.adjacency[:, i] = 0.0

    def _leader_arrival(self, role: str, field: str | None, drive: float) -> str:
        st, p = self.state, self.p
        replaced = self._leader_departure(role, field, 1.0)
        i = self._free_slot()
        corner, layer, weight = net.ROLES[role]
        st.role[i], st.corner[i], st.layer[i], st.weight[i] = net.ROLE_CODE[role], corner, layer, weight
        st.field[i] = self.field_index(field) if role == "director" else net.ALL_FIELDS
        st.alive[i], st.x[i] = True, 0.3
        st.drive[i], st.legitimacy[i], st.tenure[i] = min(1.0, drive), NEW_LEADER_LEGITIMACY, 0
        st.risk[i] = max(float(st.risk[i]), 0.7)  # newcomers from outside take risks (000:1287)
        # Joins the senior team (and the core clique) and links to managers of its field(s).
        seniors = np.flatnonzero(st.alive & np.isin(st.role, [net.ROLE_CODE[r] for r in net.SENIOR_ROLES]))
        managers = np.flatnonzero(st.alive & (st.role == net.ROLE_CODE["manager"])
                                  & ((st.field == st.field[i]) | (st.field[i] < 0)))
        st.clique[i] = bool(st.clique.any())
        links = {int(j): 0.8 for j in seniors if j != i}
        mgr_p = 0.5 if role == "director" else 0.2
        for j in managers[self.rng.random(len(managers)) < mgr_p]:
            links[int(j)] = float(np.clip(p["strength_systemic_sectoral"] * (0.5 + self.rng.random()), 0.05, 1))
        self._attach(i, corner, links)
        self._structure_changed()
        return f"new {role} (drive {drive:.2f}); {replaced}"

    def _free_slot(self) -> int:
        """An unused agent slot, growing the arrays when none is left."""
        while True:
            free = np.flatnonzero(~self.state.alive)
            free = free[~np.isin(free, list(self.agent_by_idx))]
            if len(free):
                return int(free[0])
            self._grow(SPARE_SLOTS)

    def _attach(self, i: int, corner: int, links: dict[int, float]) -> None:
        """Put the newcomer in slot ``i`` on the network with these links (strength by agent)
        and create its Mesa agent; the caller recomputes the structure."""
        st = self.state
        cell = Cell(i, random=self.random)
        self.network.add_cell(cell)
        for j, w in links.items():
            st.adjacency[i, j] = st.adjacency[j, i] = w
            self.network.add_connection(cell, self.network[j])
        self.agent_by_idx[i] = AGENT_CLASSES[corner](self, i, cell)

    def _commission(self, fields: np.ndarray, magnitude: float) -> str:
        """Commissioning out (000:1102-1136): the council lets contracts for a field's delivery to
        voluntary and community organisations. Each provider joins the field's capacity corner
        (sectoral layer) as a partner with its own staff and resources, not the council's: its
        skill is the locality's, but it is open to change and has slack (it bid for the work and
        levers in funding, 000:1104, 1132; "initial capacity of the sector was crucial", 000:1248;
        the values are an assumption). A core team keeps oversight (000:1136): providers link to
        the field's director and managers, and to its community groups and residents, whom they
        reach better than the council (000:1104)."""
        st, p = self.state, self.p
        k = int(round(COMMISSION_PROVIDERS * magnitude))
        for f in fields:
            for _ in range(k):
                i = self._free_slot()
                corner, layer, weight = net.ROLES["partner"]
                st.role[i], st.corner[i], st.layer[i], st.weight[i] = net.ROLE_CODE["partner"], corner, layer, weight
                st.field[i], st.alive[i], st.x[i], st.clique[i], st.tenure[i] = f, True, 0.3, False, 0
                st.skill[i] = np.clip(p["skill"] + self.rng.uniform(-0.2, 0.2), 0, 1)
                st.openness[i] = self.rng.uniform(0.6, 0.9)
                st.slack[i] = self.rng.uniform(0.5, 0.8)
                st.legitimacy[i], st.drive[i], st.risk[i], st.voice[i] = 0.7, 0.0, 0.5, 0.5
                codes = [net.ROLE_CODE[r] for r in ("director", "manager", "community_group", "resident")]
                near = np.flatnonzero(st.alive & (st.field == f) & np.isin(st.role, codes))
                near = near[(st.role[near] != net.ROLE_CODE["resident"]) | (self.rng.random(len(near)) < 0.2)]
                self._attach(i, corner, {int(j): float(np.clip(
                    p["strength_sectoral_frontline"] * (0.5 + self.rng.random()), 0.05, 1)) for j in near})
        self._structure_changed()
        return f"{k * len(fields)} providers contracted"

    def _grow(self, extra: int) -> None:
        st = self.state
        for name, arr in vars(st).items():
            if name == "adjacency":
                setattr(st, name, np.pad(arr, ((0, extra), (0, extra))))
            else:
                setattr(st, name, np.concatenate([arr, np.zeros(extra, dtype=arr.dtype)]))

    # ------------------------------------------------------------------ outputs
    def _log(self, f: int, kind: str, detail: str) -> None:
        self._log_label(self.fields[f], kind, detail)

    def _log_label(self, field: str, kind: str, detail: str) -> None:
        self.event_log.append(Event(int(self.steps), field, kind, detail))

    def _snapshot(self) -> np.ndarray:
        out = np.empty((self.n_fields, len(_COLUMNS)))
        out[:, 0] = self.phase
        out[:, 1:4] = self.corners
        out[:, 4] = self.performance
        out[:, 5] = self.public_value
        out[:, 6] = self.trial_active.sum(axis=1)
        out[:, 7] = self.failed_trials
        out[:, 8:11] = self.flows
        out[:, 11] = self.recognition
        out[:, 12] = self.total_pressure
        out[:, 13] = self.alignment
        out[:, 14] = self.complacency
        out[:, 15] = self.balance
        out[:, 16] = self.reversals
        out[:, 17] = self.mode
        return out

    @property
    def locality_phase(self) -> int:
        """The locality's own phase: the phase of its leading innovation (its most advanced
        field), since "no locality will ever be able to sustain innovation in every field"
        (004:274); assumption."""
        return int(self.phase.max())

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
        snaps = np.stack(self.datacollector.model_vars["fields"])  # (steps, fields, columns)
        T, F, _ = snaps.shape
        df = pd.DataFrame(snaps.reshape(T * F, -1), columns=_COLUMNS)
        df.insert(0, "field", pd.Categorical(np.tile(self.fields, T), categories=list(self.fields)))
        df.insert(0, "step", np.repeat(np.arange(T), F))
        for c in ("phase", "active_trials", "failed_trials", "reversals", "mode"):
            df[c] = df[c].astype(np.int64)
        df.insert(3, "phase_name", pd.Categorical.from_codes(df["phase"], categories=list(PHASE_NAMES)))
        df["mode"] = pd.Categorical.from_codes(df["mode"], categories=list(MODES))
        df["locality_phase"] = np.repeat(snaps[:, :, 0].max(axis=1).astype(np.int64), F)  # see locality_phase
        return df

    def events(self) -> pd.DataFrame:
        """One row per phase transition (forward or backward), embedding-mode change and shock."""
        return pd.DataFrame(self.event_log, columns=["step", "field", "kind", "detail"])

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

    OUTCOMES = LOCALITY_OUTCOMES  # what outcomes() reports: model/core/outcomes.py

    def outcomes(self) -> dict[str, float]:
        """End-of-run measures of this run, by column name (``model.core.outcomes.columns``)."""
        return locality_outcomes(self)


class _Fire:
    """A scheduled shock (a plain callable object, since Mesa keeps event callbacks weakly)."""

    def __init__(self, model: Locality, shock: Shock):
        self.model, self.shock = model, shock

    def __call__(self) -> None:
        self.model.apply_shock(self.shock)
