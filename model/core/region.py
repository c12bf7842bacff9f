"""Region: many localities that learn from each other (issue 6).

A ``Region`` is a Mesa model whose agents are ``Place``s, one per local authority, on a peer
network (``mesa.discrete_space.Network``). Each place carries a full ``Locality`` (its own fields,
triangle and lifecycle) whose parameters are drawn around the scenario's template. Each month the
region works out, for every place and field, what its peers show it (vectorised across places),
then steps every locality:

- examples of success elsewhere are a driver (003:344): a field whose peers have mainstreamed an
  innovation is more likely to leave latent; face-to-face channels count more than written ones
  (003:672);
- adoption is adaptation, not copying (003:346, 656): a new trial may be an adapted version of the
  best idea shown, its quality scaled by its fit to the adopter; it still needs the adopter's own
  capacity to progress and to move on;
- the innovator bears the cost of showing others (003:718) unless it holds Beacon status, whose
  scheme exists to cover that cost (003:718);
- "watch and copy" places innovate less on their own and lean on examples (004:995-1001).

Central levers are region parameters (inspection regime, innovation fund, intermediaries, the
Beacon scheme) or timed region events (any locality shock, applied to a share of places).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import mesa
import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
from mesa.discrete_space import FixedAgent, Network
from mesa.time import Schedule

from .engine import Engine, group_max, run_starts
from .events import Call, PlaceEvent, Shock
from .lifecycle import PHASE_NAMES, Phase
from .locality import PlaceState
from .outcomes import REGION_OUTCOMES, region_outcomes
from .parameters import REGION_PARAMS, REGISTRY, ParameterError, resolve
from .survey import CATEGORIES, classify

# --- the survey's population (003:781): 388 councils and 47 fire authorities -------------------
# Councils by English region and type in 2006 (county, district, metropolitan, London borough,
# unitary; "london_borough" as a type, "london" as a region): the public record of the time, rounded within regions; assumption. Totals: 34 counties,
# 238 districts, 36 metropolitan, 33 London, 47 unitary = 388.
TYPES = ("county", "district", "metropolitan", "london_borough", "unitary", "fire")
REGIONS = {
    #                           cty dist met  lon unit fire
    "north_east":               (2, 12, 5, 0, 6, 4),
    "north_west":               (3, 24, 15, 0, 4, 5),
    "yorkshire_humber":         (1, 8, 9, 0, 4, 4),
    "east_midlands":            (5, 37, 0, 0, 4, 5),
    "west_midlands":            (4, 23, 7, 0, 4, 5),
    "east":                     (6, 44, 0, 0, 4, 6),
    "london":                   (0, 0, 0, 33, 0, 1),
    "south_east":               (7, 55, 0, 0, 12, 9),
    "south_west":               (6, 35, 0, 0, 9, 8),
}
LEADERS_MONTH = 4  # May, from January: local elections (assumption: appointments at the same time)
RECALL_MONTHS = 24  # "innovation in the previous two years" (the 2000 study, 003:281)
RESEED_STREAM = 104729  # spawn key of reseed_futures(): streams apart from any run's own
GROUPS = (*TYPES, *REGIONS)  # what [region.effects.<group>] and a region event's group may name


@dataclass
class RegionEvent:
    """A locality shock applied, at ``shock.month``, to a share of places (optionally one group)."""

    shock: Shock
    share: float = 1.0
    group: str | None = None


@dataclass
class RegionSpec:
    params: dict[str, Any] = field(default_factory=dict)  # overrides of REGION_PARAMS
    spread: dict[str, float] = field(default_factory=dict)  # locality parameter -> sd across places
    effects: dict[str, dict[str, float]] = field(default_factory=dict)  # group -> {parameter: offset}
    events: list[RegionEvent] = field(default_factory=list)

    def resolved(self) -> dict[str, Any]:
        return {k: self.params.get(k, p.default) for k, p in REGION_PARAMS.items()}

    def to_toml_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.resolved())
        if self.spread:
            out["spread"] = dict(self.spread)
        if self.effects:
            out["effects"] = {g: dict(v) for g, v in self.effects.items()}
        if self.events:
            out["events"] = [e.shock.as_toml() | {k: v for k, v in (("share", e.share), ("group", e.group))
                                                  if v is not None} for e in self.events]
        return out


def roster(councils: int = 388, fire: int = 47) -> tuple[np.ndarray, np.ndarray]:
    """(type, region) of each place: the first ``councils`` councils and ``fire`` fire authorities
    of the 2006 roster, interleaved by region so that a smaller region keeps the mix."""
    c_rows, f_rows = [], []
    for reg, counts in REGIONS.items():
        for t, k in zip(TYPES, counts):
            (f_rows if t == "fire" else c_rows).extend([(t, reg)] * k)
    def spread(rows, k):  # an even subsample keeps the regional and type mix
        idx = np.linspace(0, len(rows), k, endpoint=False).astype(int) if k < len(rows) else np.arange(len(rows))
        return [rows[i] for i in idx]
    rows = spread(c_rows, councils) + spread(f_rows, fire)
    if not rows:
        raise ValueError("a region needs at least one place (councils + fire_authorities >= 1)")
    return np.array([r[0] for r in rows]), np.array([r[1] for r in rows])




class Place(FixedAgent):
    """One local authority on the region's peer network; its state is row ``i`` of the engine."""

    def __init__(self, model: "Region", i: int, cell, kind: str, region: str):
        super().__init__(model)
        self.cell = cell
        self.i, self.kind, self.region = i, kind, region

    @property
    def follower(self) -> bool:
        """Whether this place waits for others' proof (the region's ``follower`` row)."""
        return bool(self.model.follower[self.i])

    @property
    def sharer(self) -> bool:
        """Whether this place shows its proven innovations to its peers (the region's ``sharer`` row)."""
        return bool(self.model.sharer[self.i])

    @property
    def locality(self) -> PlaceState:
        """This place's fields, triangle and lifecycle (views into the region's engine)."""
        return self.model.localities[self.i]


class Region(mesa.Model):
    """Many localities and the channels between them: a batch of N places in one engine.

    ``template`` supplies what every locality shares (fields, initial phases, parameters, events):
    a ``Scenario`` or anything with those attributes. ``spec`` holds the region parameters,
    the spread of locality parameters across places and the group effects.
    """

    def __init__(self, template, spec: RegionSpec | None = None, *, seed: int | None = None):
        super().__init__(rng=seed)
        self.seed = seed
        self.spec = spec = spec or RegionSpec()
        self.rp = rp = spec.resolved()
        self.template = template
        self.fields = tuple(template.fields)
        kinds, regions = roster(rp["councils"], rp["fire_authorities"])
        self.kinds, self.regions = kinds, regions
        L, F = len(kinds), len(self.fields)
        self.n = L
        rng = self.rng

        names = sorted(spec.spread)
        z = rng.standard_normal((L, len(names)))
        self.follower = rng.random(L) < rp["followers"]
        self.sharer = rng.random(L) < rp["sharers"]
        self.fit = np.exp(rng.normal(0.0, rp["adaptation_sd"], (L, F)))
        # Place k's stream: the k-th child of the master seed, whatever the size of the batch.
        seeds = [int(s.generate_state(1, np.uint64)[0]) for s in np.random.SeedSequence(seed).spawn(L)]
        shared = resolve({k: _clip(k, v) for k, v in template.parameters.items()})  # what no place changes
        params = [self._place_params(i, template, names, z[i], shared) for i in range(L)]
        self.engine = Engine(params, [np.random.default_rng(s) for s in seeds], self.fields,
                             template.initial_phases)
        self.localities = [PlaceState(self.engine, i) for i in range(L)]
        for shock in template.events:  # every place's own events, fired within its month
            self.engine.schedule_shock(shock)

        # Peer network: face-to-face within the English region, written within the type.
        self.set_peer_links(*self._peer_links(rp))
        g = nx.Graph()
        g.add_nodes_from(range(L))
        a, b = np.nonzero(np.triu((self.face + self.written) > 0, 1))
        g.add_edges_from(zip(a.tolist(), b.tolist()))
        self.network = Network(g, layout=None, random=self.random)
        for i in range(L):
            Place(self, i, self.network[i], str(kinds[i]), str(regions[i]))

        self.beacon_until = np.full(L, -1)  # Beacon status of a place (the default rule) up to this month
        self.beacon_field_until = np.full((L, F), -1)  # of a (place, field) pair (beacon_by_field)
        if rp["beacon_by_field"] and rp["access_limited"] == 2:  # per-source access: the place rule only
            raise ParameterError("region.beacon_by_field = 1 cannot be combined with region.access_limited = 2")
        self.link_rng: np.random.Generator | None = None  # per-source access draws (access_limited 2)
        self.best_shown = np.zeros((L, F))  # the best idea on show to each place, adapted (_peer_step)
        self.shielded_until = np.full((L, F), -1)  # (place, field) skipped by inspections up to this month: shield()
        self.control_changes: list[tuple[int, np.ndarray]] = []  # (month, places): elections that replaced the leader
        self.innovated_before = self._burn_in(rp["burn_in"])
        self.adopted_first = np.full((L, F), -1)  # month each place first reached mainstreaming
        self.adapted = np.zeros((L, F), dtype=bool)  # whether that innovation was an adaptation
        self._records: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.event_log: list[PlaceEvent] = []
        self._scheduled: list = []
        self._record()
        self._schedule_levers(spec, rp)

    def _schedule_levers(self, spec: RegionSpec, rp: dict) -> None:
        """The region events at their months, and the central levers' rounds."""
        for ev in spec.events:
            self._schedule(ev.shock.month, self._region_event, ev)
        for on, start, interval, fn in (
                (rp["inspection_interval"], rp["inspection_interval"], rp["inspection_interval"], self._inspection_round),
                (rp["fund_share"] > 0, 3, 12, self._fund_round),  # the financial year starts in April
                (rp["beacon_scheme"], 12, 12, self._beacon_round)):
            if on:
                self.schedule_recurring(fn, Schedule(interval=interval, start=start), priority=mesa.time.Priority.LOW)

    # ------------------------------------------------------------------ construction
    def _place_params(self, i: int, template, names: list[str], z: np.ndarray, shared: dict) -> dict:
        """Place i's parameters: the template, its groups' effects, then its own draw. ``shared``:
        the template resolved; only the parameters this place changes are resolved again (speed)."""
        spec, rp = self.spec, self.rp
        own: dict = {}

        def value(k):
            return own[k] if k in own else template.parameters.get(k, REGISTRY[k].default)

        for group in (self.kinds[i], self.regions[i]):
            for k, d in spec.effects.get(group, {}).items():
                own[k] = value(k) + d
                if k == "leader_drive" and rp["arrivals_keep_group_drive"]:  # arrivals like the incumbents
                    own["new_leader_drive"] = value("new_leader_drive") + d
        for j, k in enumerate(names):
            own[k] = value(k) + rp["spread_scale"] * spec.spread[k] * z[j]
        if self.follower[i]:
            own["trigger_rate"] = value("trigger_rate") * rp["follower_own_rate"]
        out = dict(shared)
        out.update((k, REGISTRY[k].check(_clip(k, v))) for k, v in own.items())
        return out

    def _peer_links(self, rp) -> tuple[np.ndarray, np.ndarray]:
        """Symmetric (L, L) link indicators: face-to-face within region, written within type."""
        L, rng = self.n, self.rng
        same_region = self.regions[:, None] == self.regions[None, :]
        same_type = self.kinds[:, None] == self.kinds[None, :]
        out = []
        for same, degree in ((same_region, rp["face_degree"]), (same_type, rp["written_degree"])):
            u = np.triu(rng.random((L, L)), 1)  # a fresh draw per channel: independent channels
            u = u + u.T
            k = np.maximum(same.sum(axis=1) - 1, 1)
            prob = np.minimum(degree / np.sqrt(np.outer(k, k)), 1.0)
            link = same & (u < prob)
            np.fill_diagonal(link, False)
            out.append(link.astype(float))
        return out[0], out[1]

    def _burn_in(self, months: int) -> np.ndarray:
        """Run ``months`` before month 0 with peer learning but without the central levers (they
        start at month 0), so that places start where their own history took them (issue 13). The
        burn-in's events are dropped; its months are not recorded. Returns, per place, whether a
        field was out of latent in the last RECALL_MONTHS (the 2000 study's question, 003:281)."""
        e = self.engine
        recent = np.zeros(self.n, dtype=bool)
        for m in range(months):
            self._peer_step()
            e.step()
            self._leaders_change(m + 1 - months, log=False)  # after step m + 1 of the burn-in's months
            if months - m <= RECALL_MONTHS:
                recent |= (e.phase >= Phase.DESIGN).any(axis=1)
        e.steps = 0
        e.log.clear()
        # Public value counts from month 0: the burn-in's performance is the starting level.
        e.performance0 = e.performance.copy()
        e.public_value[:] = 0.0
        return recent | (e.phase >= Phase.DESIGN).any(axis=1)

    def _schedule(self, month: int, fn, *args) -> None:
        call = Call(fn, args)
        self._scheduled.append(call)  # Mesa holds event callbacks weakly
        self.schedule_event(call, at=float(month), priority=mesa.time.Priority.LOW)

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        """Peers show each place what they have proven (003:344-346, 656, 672, 718); then every
        place takes its month in the one engine, and its own shocks of that month act."""
        self._peer_step()
        self.engine.month()
        self._leaders_change(self.engine.steps)  # month m: after step m, as a shock dated m (section 3)
        self._record()  # after the places' own shocks of the month, as in 0.1

    def set_peer_links(self, face: np.ndarray | None = None, written: np.ndarray | None = None) -> None:
        """Replace the face-to-face and/or written links ((L, L) 0/1 arrays, symmetric)."""
        if face is not None:
            self.face = np.array(face, dtype=float)
        if written is not None:
            self.written = np.array(written, dtype=float)
        self.face.flags.writeable = self.written.flags.writeable = False  # change them here, not in place
        w = self.rp["intermediaries"] * (self.face + self.rp["written_weight"] * self.written)
        np.fill_diagonal(w, 0.0)
        self._channels = sp.csr_array(w)  # channel strength from j (column) to i (row)
        self._links_version = getattr(self, "_links_version", 0) + 1

    def _with_beacons(self, beacon: np.ndarray) -> tuple[sp.csr_array, np.ndarray, np.ndarray, sp.csr_array]:
        """The channels plus every Beacon's showcase link to every other place, with what each
        month's peer step derives from them: each stored link's row, the rows' starts, and who sees
        whom transposed. Cached: Beacons change once a year, links only when set."""
        key = (np.flatnonzero(beacon).tobytes(), self._links_version)
        if getattr(self, "_beacon_key", None) != key:
            L, reach = self.n, self.rp["intermediaries"] * self.rp["beacon_reach"]
            b = np.flatnonzero(beacon) if reach > 0 else np.zeros(0, dtype=np.int64)
            rows, cols = np.repeat(np.arange(L), len(b)), np.tile(b, L)
            off = rows != cols
            w = self._channels + sp.csr_array((np.full(off.sum(), reach), (rows[off], cols[off])), shape=(L, L))
            w.eliminate_zeros()
            w.sort_indices()
            rows = np.repeat(np.arange(L), np.diff(w.indptr))
            seen_by = sp.csr_array((np.ones(len(rows)), w.indices, w.indptr), shape=(L, L)).T.tocsr()
            self._beacon_key, self._beacon_links = key, (w, rows, run_starts(rows), seen_by)
        return self._beacon_links

    def beacons(self) -> np.ndarray:
        """(L, F): whether each place is a Beacon in each field this month (a place's status covers
        every field under the default rule, one field under ``beacon_by_field``)."""
        if self.rp["beacon_by_field"]:
            return self.beacon_field_until >= self.steps
        return np.broadcast_to((self.beacon_until >= self.steps)[:, None], self.engine.phase.shape)

    def _peer_step(self) -> None:
        rp, e, L = self.rp, self.engine, self.n
        by_field = bool(rp["beacon_by_field"])
        beacon_lf = self.beacons()
        shown = (e.phase >= Phase.MAINSTREAMING) & (self.sharer[:, None] | beacon_lf)
        # Channels from j to i; Beacons reach everyone face to face (003:706, 718): a place's
        # showcase is a link in every field, a field's Beacon's (by_field) a term in that field only.
        w, rows, starts, seen_by = self._with_beacons(np.zeros(L, bool) if by_field else beacon_lf[:, 0])
        strength = w @ shown.astype(float)
        if by_field:
            showcase = shown & beacon_lf
            strength = strength + rp["intermediaries"] * rp["beacon_reach"] * (showcase.sum(axis=0) - showcase)
        exposure = 1.0 - np.exp(-strength)  # (L, F)
        e.peer_pull[:] = rp["example_strength"] * exposure * np.where(self.follower, rp["follower_pull"], 1.0)[:, None]
        # The best idea on show to each place, per field, adapted to its own fit; a place gets hold
        # of it only with the chance its exposure gives: examples are scarce (003:347, 657).
        q_links = np.where(shown, e.dominant_quality, 0.0)[w.indices]  # each link's source's idea
        offer = group_max(q_links, rows, starts, L)
        if by_field and rp["intermediaries"] * rp["beacon_reach"] > 0:
            offer = np.maximum(offer, self._beacon_offer(np.where(showcase, e.dominant_quality, 0.0)))
        self.best_shown = np.minimum(offer * self.fit, 1.0)  # what a deliberate copy (the workshop) takes
        if not rp["access_limited"]:
            e.peer_quality[:] = self.best_shown
        else:
            u = self.rng.random((L, e.F))  # drawn under either rule: a region without channels runs as before
            e.peer_quality[:] = (np.where(u < exposure, self.best_shown, 0.0) if rp["access_limited"] == 1
                                 else self._offer_per_source(w, rows, starts, q_links))
        # The innovator's cost: one unit per peer in design in that field, unless a Beacon.
        learners = seen_by @ (e.phase == Phase.DESIGN).astype(float)
        e.sharing_cost[:] = rp["dissemination_cost"] * learners * shown * ~beacon_lf

    @staticmethod
    def _beacon_offer(q: np.ndarray) -> np.ndarray:
        """(L, F): the best idea each field's Beacons show to each place, its own excepted. ``q``: each
        place's idea where it is a Beacon showing that field, else 0."""
        if q.shape[0] < 2:
            return np.zeros_like(q)
        order = np.argsort(-q, axis=0, kind="stable")
        top, second = q[order[0], np.arange(q.shape[1])], q[order[1], np.arange(q.shape[1])]
        out = np.broadcast_to(top, q.shape).copy()
        out[order[0], np.arange(q.shape[1])] = second  # the best Beacon sees the second best
        return out

    def _offer_per_source(self, w: sp.csr_array, rows: np.ndarray, starts: np.ndarray,
                          q_links: np.ndarray) -> np.ndarray:
        """Access per source (``access_limited`` = 2, plan Addendum 18): each source showing a field is
        reached with its own chance 1 - exp(-w_ij), independently, so some source is reached with the
        exposure's chance; the offer is the best idea among those reached, adapted by the fit, else 0.
        ``q_links``: per stored link of ``w``, its source's idea in each field (0 where not shown)."""
        if self.link_rng is None:  # a stream of its own: the region's own draws are unchanged
            self.link_rng = self.rng.spawn(1)[0]
        hit = self.link_rng.random(q_links.shape) < (1.0 - np.exp(-w.data))[:, None]
        best = group_max(np.where(hit, q_links, 0.0), rows, starts, self.n)
        return np.minimum(best * self.fit, 1.0)

    def _record(self) -> None:
        e = self.engine
        phase = e.phase.astype(np.int8)
        new = (phase >= Phase.MAINSTREAMING) & (self.adopted_first < 0)
        self.adopted_first[new] = self.steps
        self.adapted[new] = e.dominant_adapted[new]
        self._records.append((phase, e.performance.astype(np.float32), e.public_value.astype(np.float32)))

    # ------------------------------------------------------------------ central levers
    def _members(self, group: str | None) -> np.ndarray:
        if group is None:
            return np.arange(self.n)
        return np.flatnonzero((self.kinds == group) | (self.regions == group))

    def _region_event(self, ev: RegionEvent) -> None:
        idx = self._members(ev.group)
        chosen = idx[self.rng.random(len(idx)) < ev.share]
        self.engine.apply_shock(ev.shock, chosen)
        self._log(-1, f"region:{ev.shock.kind}", f"{len(chosen)} places, magnitude={ev.shock.magnitude:g}")

    def _leaders_change(self, month: int, log: bool = True) -> None:
        """At the end of each May (``month`` counts from January of month 0, negative in the burn-in;
        month m acts after step m and shows from record m, as a shock dated m), chief executives leave
        and outsiders arrive (000:1287) and elections are held (003:282), each place with its
        setting's chance a year, in the burn-in too (England ABC plan Addendum 26). Once a year, not
        month by month: a change of leaders re-derives the batch's structure, about 70 ms for England.
        Draws nothing when both are 0 (a region without them runs exactly as before)."""
        if month % 12 != LEADERS_MONTH:
            return
        for name, shock in (("chief_executive_turnover", Shock(0, "leader_arrival", role="chief_executive")),
                            ("election_rate", Shock(0, "election"))):
            p = self.rp[name]
            if p <= 0:
                continue
            chosen = np.flatnonzero(self.rng.random(self.n) < p)
            if len(chosen):
                details = self.engine.apply_shock(replace(shock, month=max(month, 0)), chosen)
                if shock.kind == "election":
                    self.control_changes.append((month, np.array([q for q, d in details.items() if "replaced" in d], dtype=int)))
                if log:
                    self._log(-1, f"region:{shock.kind}", f"{len(chosen)} places")

    def _inspection_round(self) -> None:
        """Inspection (CPA, 003:260-261): a field below the threshold fails and gets the shock."""
        rp, e = self.rp, self.engine
        pl, fl = np.nonzero((e.performance < rp["inspection_threshold"]) & (self.shielded_until < self.steps))
        for f in np.unique(fl):  # one shock per failing field, as each place's log shows
            sel = fl == f
            e.apply_shock(Shock(int(self.time), "underperformance", field=self.fields[f],
                                magnitude=rp["inspection_strength"]), pl[sel])
        self._log(-1, "region:inspection", f"{len(pl)} fields failed")

    def _fund_round(self) -> None:
        """An innovation fund: a share of places win a two-year grant for their worst field."""
        rp, e = self.rp, self.engine
        winners = np.flatnonzero(self.rng.random(self.n) < rp["fund_share"])
        worst = np.argmin(e.performance[winners], axis=1) if len(winners) else np.zeros(0, dtype=int)
        for f in np.unique(worst):
            e.apply_shock(Shock(int(self.time), "funding_start", field=self.fields[f],
                                magnitude=rp["fund_size"], duration=24), winners[worst == f])
        self._log(-1, "region:innovation_fund", f"{len(winners)} grants")

    def _beacon_round(self) -> None:
        """Beacon awards to the places with most fields mainstreamed or embedded, for two years; or,
        with ``beacon_by_field``, to (place, field) pairs (England ABC plan Addendum 20)."""
        rp, e = self.rp, self.engine
        phase = e.phase
        if rp["beacon_by_field"]:
            return self._beacon_round_by_field()
        score = (phase >= Phase.MAINSTREAMING).sum(axis=1) + 1e-3 * e.public_value.sum(axis=1)
        eligible = np.flatnonzero((phase >= Phase.MAINSTREAMING).any(axis=1) & (self.beacon_until < self.steps))
        top = eligible[np.argsort(-score[eligible], kind="stable")[: rp["beacon_awards"]]]
        self.beacon_until[top] = self.steps + 24
        for i in top:
            self._log(int(i), "region:beacon", "Beacon status for two years")

    def _beacon_round_by_field(self) -> None:
        """Awards for a theme of service (000:250-252, 708, 1484): ``beacon_awards`` shared evenly
        among the fields, the remainder to fields in turn from the year's own (no field favoured over
        the years, assumption); in each field to the places with it mainstreamed or embedded and not
        its Beacon now, most public value in it first (excellence in service delivery, 000:1484)."""
        rp, e = self.rp, self.engine
        F = len(self.fields)
        base, extra = divmod(int(rp["beacon_awards"]), F)
        start = (self.steps // 12) % F
        for k in range(F):
            f = (start + k) % F
            eligible = np.flatnonzero((e.phase[:, f] >= Phase.MAINSTREAMING) & (self.beacon_field_until[:, f] < self.steps))
            top = eligible[np.argsort(-e.public_value[eligible, f], kind="stable")[: base + (k < extra)]]
            self.beacon_field_until[top, f] = self.steps + 24
            for i in top:
                self._log(int(i), "region:beacon", f"Beacon status in {self.fields[f]} for two years")

    # ------------------------------------------------------------------ decisions (the workshop)
    def shield(self, place: int, field: int, until: int) -> None:
        """Keep a field of a place out of the inspection rounds up to month ``until`` (a workshop
        table shielding a project from scrutiny); no effect on a run that never calls it."""
        self.shielded_until[place, field] = max(int(until), int(self.shielded_until[place, field]))

    def is_shielded(self, place: int, field: int) -> bool:
        return bool(self.shielded_until[place, field] >= self.steps)

    def set_sharer(self, place: int, on: bool) -> None:
        """Make a place share its proven innovations with its peers, paying the dissemination
        cost (003:718), or stop it sharing: the drawn ``sharers`` strategy, changed by decision."""
        self.sharer[place] = bool(on)

    def reseed_futures(self, seed: int) -> None:
        """Keep the places as built (parameters, networks, starting state) and draw their futures,
        and the central levers' draws, from new streams of ``seed``: an ensemble of what the same
        region could do (the workshop's debrief). Place k's new stream is the k-th child of
        ``SeedSequence(seed, spawn_key=(RESEED_STREAM,))``."""
        children = np.random.SeedSequence(seed, spawn_key=(RESEED_STREAM,)).spawn(self.n + 1)
        self.engine.reseed([np.random.default_rng(c) for c in children[:-1]])
        self.rng = np.random.default_rng(children[-1])
        self.link_rng = None

    def _log(self, place: int, kind: str, detail: str) -> None:
        self.event_log.append(PlaceEvent(int(self.steps), place, kind, detail))

    # ------------------------------------------------------------------ outputs
    def run_for(self, duration: int) -> "Region":  # noqa: D401 - returns self for chaining
        super().run_for(duration)
        return self

    @property
    def phases(self) -> np.ndarray:
        """(steps + 1, places, fields) phases."""
        return np.stack([r[0] for r in self._records])

    def categories(self) -> np.ndarray:
        """(steps + 1, places) survey answer codes (index into CATEGORIES): see classify()."""
        return classify(self.phases)

    def places(self) -> pd.DataFrame:
        """One row per place: its type, English region, strategy and drawn parameters."""
        df = pd.DataFrame({"place": np.arange(self.n), "type": self.kinds, "region": self.regions,
                           "follower": self.follower, "sharer": self.sharer})
        params = pd.DataFrame(self.engine.params)  # every parameter, as each place resolved it
        return pd.concat([df, params[sorted(params.columns)]], axis=1)

    def timeseries(self, every: int = 1) -> pd.DataFrame:
        """Tidy rows per (step, place, field): phase, performance, public value, the place's answer."""
        phase = self.phases[::every]
        perf = np.stack([r[1] for r in self._records])[::every]
        pv = np.stack([r[2] for r in self._records])[::every]
        T, L, F = phase.shape
        steps = np.arange(0, len(self._records), every)
        cat = classify(phase)
        df = pd.DataFrame({
            "step": np.repeat(steps, L * F),
            "place": np.tile(np.repeat(np.arange(L), F), T),
            "field": pd.Categorical(np.tile(self.fields, T * L), categories=list(self.fields)),
            "phase": phase.reshape(-1).astype(np.int64),
            "performance": perf.reshape(-1),
            "public_value": pv.reshape(-1),
            "answer": pd.Categorical.from_codes(np.repeat(cat.reshape(-1), F), categories=list(CATEGORIES)),
        })
        return df

    def aggregates(self) -> pd.DataFrame:
        """Per step: the share of places giving each survey answer, and of fields in each phase."""
        cat = self.categories()
        ph = self.phases
        out = {"step": np.arange(len(cat))}
        for k, name in enumerate(CATEGORIES):
            out[f"share_{name.replace(' ', '_')}"] = (cat == k).mean(axis=1)
        for k, name in enumerate(PHASE_NAMES):
            out[f"fields_{name.split()[0].lower()}"] = (ph == k).mean(axis=(1, 2))
        out["public_value"] = np.stack([r[2] for r in self._records]).sum(axis=2).mean(axis=1)
        return pd.DataFrame(out)

    def survey(self, month: int | None = None) -> pd.DataFrame:
        """Shares of each answer at ``month`` (default: the survey month), overall and by group."""
        month = self._recorded_month(month)
        cat = self.categories()[month]
        rows = []
        groups = [("all", np.ones(self.n, dtype=bool))]
        groups += [(t, self.kinds == t) for t in TYPES if (self.kinds == t).any()]
        groups += [(r, self.regions == r) for r in REGIONS if (self.regions == r).any()]
        for name, mask in groups:
            row = {"group": name, "places": int(mask.sum())}
            for k, c in enumerate(CATEGORIES):
                row[c] = float((cat[mask] == k).mean())
            rows.append(row)
        return pd.DataFrame(rows)

    def _recorded_month(self, month: int | None) -> int:
        """``month`` (default: the survey month), at most the last month recorded."""
        return min(self.rp["survey_month"] if month is None else month, len(self._records) - 1)

    def answer_performance_corr(self, month: int | None = None) -> float:
        """Pearson correlation across places of the answer code (0-2) with the mean performance of
        the place's fields, at ``month`` (default: the survey month); NaN if either is constant."""
        month = self._recorded_month(month)
        return self._answer_corr(month, self._records[month][1].mean(axis=1))

    def _answer_corr(self, month: int, values: np.ndarray) -> float:
        """Pearson correlation across places of the answer code at record ``month`` with ``values``;
        NaN if either is constant."""
        cat = classify(self._records[month][0]).astype(float)
        values = np.asarray(values, dtype=float)
        if cat.std() == 0 or values.std() == 0:
            return float("nan")
        return float(np.corrcoef(cat, values)[0, 1])

    def control_change_corr(self, month: int | None = None, years: int = 10) -> float:
        """Pearson correlation across places of the answer code (0-2) at ``month`` (default: the
        survey month) with the number of elections that replaced the leader in the ``years`` up to
        it, burn-in included as far as it reaches (003:282: no relationship); NaN if either is
        constant (no elections: ``election_rate`` 0). Only the yearly elections of ``election_rate``
        count, not elections a scenario or region event schedules."""
        month = self._recorded_month(month)
        count = np.zeros(self.n)
        for m, places in self.control_changes:
            if month - 12 * years < m <= month:  # a change at month m shows from record m on
                count[places] += 1  # a place is replaced at most once in an election
        return self._answer_corr(month, count)

    def adoption(self) -> pd.DataFrame:
        """Adoption curves: per step and field, the share of places that have mainstreamed it."""
        T = len(self._records)
        rows = []
        for f, name in enumerate(self.fields):
            first = self.adopted_first[:, f]
            reached = np.array([(first >= 0) & (first <= t) for t in range(T)]).mean(axis=1)
            rows.append(pd.DataFrame({"step": np.arange(T), "field": name, "adopted": reached}))
        return pd.concat(rows, ignore_index=True)

    def diffusion(self) -> pd.DataFrame:
        """Per field: first innovator's month, months from it to 16% of places (innovators and early
        adopters) and to a majority (NaN if not reached),
        share adopted by the end, and the share of adoptions that adapted an idea from elsewhere."""
        rows = []
        for f, name in enumerate(self.fields):
            first = self.adopted_first[:, f]
            got = np.sort(first[first >= 0])
            half, early = self.n // 2 + 1, max(1, int(np.ceil(0.16 * self.n)))
            rows.append({
                "field": name,
                "first_month": float(got[0]) if len(got) else np.nan,
                # Rogers' innovators and early adopters are the first 16% (assumption: the yardstick).
                "months_to_early_adopters": float(got[early - 1] - got[0]) if len(got) >= early else np.nan,
                "months_to_majority": float(got[half - 1] - got[0]) if len(got) >= half else np.nan,
                "adopted_share": len(got) / self.n,
                "adapted_share": float(self.adapted[first >= 0, f].mean()) if len(got) else np.nan,
            })
        return pd.DataFrame(rows)

    def events(self) -> pd.DataFrame:
        """The region's own events (central levers, region events): step, place (-1 = all), kind, detail."""
        return pd.DataFrame(self.event_log, columns=list(PlaceEvent._fields))

    def place_events(self, place: int | None = None) -> pd.DataFrame:
        """Every place's own events (transitions, embedding modes, shocks), or one place's."""
        return self.engine.events_frame(place)

    OUTCOMES = REGION_OUTCOMES  # what outcomes() reports: model/core/outcomes.py

    def outcomes(self) -> dict[str, float]:
        """End-of-run measures of this run, by column name (``model.core.outcomes.columns``)."""
        return region_outcomes(self)


def _clip(name: str, value):
    p = REGISTRY.get(name)
    if p is None:
        raise ParameterError(f"unknown parameter '{name}'")
    if not np.isfinite(value):
        raise ParameterError(f"parameter '{name}' is not a finite number ({value!r})")
    v = min(max(value, p.low), p.high)
    return int(round(v)) if p.kind is int else float(v)
