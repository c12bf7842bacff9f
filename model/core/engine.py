"""The batched engine: the state of many places in arrays with a place dimension, one step for all.

A locality is a batch of one place; a region is a batch of N places plus its peer network. Agents
of every place sit in one set of arrays (place p owns the rows ``start[p]:start[p] + cap[p]``),
fields in (places, fields) arrays, trials in (places, fields, trials). Links are stored sparse:
per place as triplets, and for the step as one block-diagonal CSR matrix. Each place draws from its
own random stream, in the same order whatever else shares the batch, so place k of a region with
peer learning switched off runs exactly as a lone locality with the same settings and stream.

``step()`` is the model description of docs/ODD.md (7.2-7.11), as a short list of sub-steps:
draws, flows (the triangle), drivers, lifecycle (trigger, design, mobilisation, mainstreaming,
embedding, reversal), transitions, embedding modes and performance.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, fields as dc_fields
from typing import Callable, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from . import lifecycle as lc
from . import network as net
from . import triangle as tri
from .events import PRESSURE_KINDS, Shock
from .lifecycle import PHASE_NAMES, Phase

MODES = ("", "fragile", "sustainable", "pervasive")  # embedding modes (004:196-218)
SPARE_SLOTS = 16  # preallocated agent slots per place for arriving leaders and providers
GAP_SCALE = 0.3  # a performance gap this large is fully alarming; assumption
INSPECTION_DECAY = 1.0 / 24  # inspection pressure fades over about two years; assumption
NEW_LEADER_LEGITIMACY = 0.8  # assumption
NEWCOMER_RISK = 0.7  # newcomers from outside take risks (000:1287); assumption (value)
INITIAL_LEVEL = 0.3  # every agent's starting contribution to its corner; assumption
TRAIT_SPREAD = 0.2  # agents differ by +/- this around the locality's mean trait; assumption
LEGITIMACY = 0.7  # mean legitimacy of incumbents; assumption
VOICE = 0.5  # mean voice of value agents; assumption
TENURE_MONTHS = (36, 145)  # incumbents have been 3-12 years in post; assumption
RECOGNITION_START = 0.5  # share of the initial gap already recognised; assumption
ALIGNMENT_SPEED = 8.0  # scales mainstreaming's alignment rate; assumption
COMPLACENCY_RELIEF = 0.05  # complacency fades by this a month outside embedding; assumption
PERVASIVE_DRIVE = 0.75  # leadership drive needed for pervasive embedding (004:210-218); assumption
# Extra maturity from full alignment in mainstreaming: alignment completes the scaling, so full
# alignment reaches embedding's maturity and embedding holds it (validation-plan Addendum 17; 0.4 before).
MAINSTREAM_MATURITY = float(lc.MATURITY[Phase.EMBEDDING] - lc.MATURITY[Phase.MAINSTREAMING])
# Pressure authorises change: "the external pressures that authorise change" are the authority
# corner itself (004:50-52). Weight of the field's pressure in authority agents' own contribution;
# assumption (value).
PRESSURE_AUTHORISES = 0.3
VISIBLE_VALUE = 0.5  # share of authority's inflow that is visible value for the public (004:60-64)
SCALE_RISK = 1.0  # at scale an innovation delivers 0-2 times its pilot's promise (004:139-141); assumption
CULTURE_RETENTION = 0.25  # culture fades this much slower than it is built (000:1216); assumption
# Knock-out arms (validation nulls and the ablation table, docs/validation-plan.md): each names a
# mechanism that Engine(knockouts=...) switches off.
KNOCKOUTS = {
    "flow_ac": "authority no longer feeds capacity along links",
    "flow_cv": "capacity no longer feeds value along links",
    "flow_va": "value no longer feeds authority (links or visible value)",
    "value_gate": "progress and reversal ignore realised value",
    "culture": "leaders do not change staff openness",
    "pressure_enables": "pressure only triggers: it neither speeds later phases nor authorises",
    "flat_needs": "every phase needs the three corners equally",
    "drive": "leaders' drive plays no part (every leader has the place's mean drive, no new-leader push)",
    "gap": "recognition follows the place's mean gap, not each field's own",
}
CROSS_LINK_SCALE = 10.0  # cross-field link density that counts as a full channel; assumption
# Shocks (ODD 7.12): sizes of effects per unit of magnitude; assumptions unless cited there.
INSPECTION_MEMBER_PRESSURE = 0.3  # a critical inspection stirs members (003:58, 298; 004:585-591)
CUT_SLACK, CUT_PERFORMANCE, CUT_EFFICIENCY = 0.2, 0.05, 0.2  # a budget cut: less slack, lower base, pressure
CRISIS_PERFORMANCE, CRISIS_RECOGNITION, CRISIS_PRESSURE = 0.15, 0.7, 0.3
CRISIS_MONTHS = 12  # a crisis's pressure lasts a year unless the shock says otherwise
# An elected leader is a local politician who has sat on the council for years, not a leader
# brought in from outside (000:1287): their drive, legitimacy and risk appetite are drawn like any
# incumbent's, and they bring no new-leader push (they arrive with the shortest incumbent tenure of
# TENURE_MONTHS). Stability cuts both ways (000:1430) and changes of political control show no
# relationship with innovation (003:282; validation check 16).
ELECTED_TENURE = 36
SENIOR_LINK = 0.8  # a new leader's link to the senior team
MANAGER_LINK_CHANCE = {"director": 0.5, "other": 0.2}  # chance a new leader links to each manager of its field(s)
COMMISSION_PROVIDERS = 12  # providers per commissioning round of magnitude 1 (000:1134)
PARTNERSHIP_GAIN = 0.5  # share of the way to 1 a partnership of magnitude 1 moves its links; assumption
# A partnership's vertical layers: the (upper, lower) layer pair of each LINK_LAYERS name.
PARTNERSHIP_PAIRS = {"systemic_sectoral": (net.SYSTEMIC, net.SECTORAL), "sectoral_frontline": (net.SECTORAL, net.FRONTLINE),
                     "frontline_public": (net.FRONTLINE, net.PUBLIC)}
PROVIDER_OPENNESS, PROVIDER_SLACK = (0.6, 0.9), (0.5, 0.8)  # providers bid for the work (000:1104, 1132, 1248)
PROVIDER_RESIDENT_CHANCE = 0.2  # a provider reaches a fifth of the field's residents (000:1104)
# Falling back (ODD 7.9): what is lost.
RECOGNITION_KEPT = 0.5  # leaving design: the will to change dissipates
ALIGNMENT_KEPT = 0.5  # leaving mainstreaming
STAGNANT_ALIGNMENT = 0.6  # leaving embedding: alignment must be rebuilt
INITIAL_ALIGNMENT = 0.3  # a field that starts in mainstreaming
PROVEN_MARGIN = 0.1  # a field that starts mobilised has an innovation this far above proof
MONTHS_PER_YEAR = 12.0  # public value is in performance-years
SENIOR_DRIVERS = ("political_leader", "chief_executive", "director", "cabinet_member")
DRAWS = 6  # uniforms per field per month: trigger, spawn, handover, reversal, design gate, scale-up
DRAW_CHUNK = 12  # months of draws taken from a place's stream at once (speed; see Engine._draws)

# Column order of a field snapshot (Locality.timeseries()).
COLUMNS = (
    "phase", "authority", "capacity", "value", "performance", "public_value", "active_trials",
    "failed_trials", "flow_ac", "flow_cv", "flow_va", "recognition", "pressure", "alignment",
    "complacency", "balance", "reversals", "mode", "realised_value", "openness", "adequacy", "improvement",
)


@dataclass
class Agents:
    """Per-agent arrays of every place (index = row). Unused rows have ``alive == False``."""

    place: np.ndarray
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
    openness0: np.ndarray  # openness before leaders changed the culture
    voice: np.ndarray

    def names(self) -> list[str]:
        return [f.name for f in dc_fields(self)]


def _place_agents(params: Sequence[dict], b: net.Batch, rngs: Sequence[np.random.Generator]) -> Agents:
    """The agent rows of every place, each place's followed by SPARE_SLOTS spare slots; each place
    draws its agents' traits in a fixed order."""
    P, n, s = len(params), np.diff(b.start), b.structure
    cap = n + SPARE_SLOTS
    ends = np.cumsum(cap)
    rows = np.arange(s.n) + SPARE_SLOTS * np.repeat(np.arange(P), n)  # the built agents' rows
    alive = np.zeros(int(ends[-1]), dtype=bool)
    alive[rows] = True

    def pad(a, fill=0):
        out = np.full(len(alive), fill, dtype=a.dtype)
        out[rows] = a
        return out

    # Agents differ around the locality's mean trait; assumption (spread).
    u, tenure = np.empty((7, len(alive))), np.empty(len(alive), dtype=np.int64)
    for rng, lo, hi in zip(rngs, (ends - cap).tolist(), ends.tolist()):
        u[:3, lo:hi] = rng.uniform(-TRAIT_SPREAD, TRAIT_SPREAD, (3, hi - lo))
        tenure[lo:hi] = rng.integers(*TENURE_MONTHS, hi - lo)
        u[3:, lo:hi] = rng.uniform(-TRAIT_SPREAD, TRAIT_SPREAD, (4, hi - lo))
    means = np.array([[LEGITIMACY, p["leader_drive"], p["risk_appetite"], p["skill"], p["staff_slack"], p["openness"],
                       VOICE] for p in params]).T
    legitimacy, drive, risk, skill, slack, openness, voice = np.clip(np.repeat(means, cap, axis=1) + u, 0.0, 1.0)
    return Agents(place=np.repeat(np.arange(P), cap), role=pad(s.role), corner=pad(s.corner), layer=pad(s.layer),
                  field=pad(s.field), weight=pad(s.weight, 0.0), clique=pad(s.clique, False), alive=alive,
                  x=np.where(alive, INITIAL_LEVEL, 0.0), legitimacy=legitimacy, drive=drive, risk=risk,
                  tenure=np.where(alive, tenure, 0), skill=skill, slack=slack, openness=openness,
                  openness0=openness.copy(), voice=voice)


@dataclass
class Links:
    """A place's links as symmetric triplets (both directions), local agent indices."""

    i: np.ndarray
    j: np.ndarray
    w: np.ndarray

    @classmethod
    def of_batch(cls, b: net.Batch) -> list["Links"]:
        """Each place's links in both directions, in row-major order (as the rows of the flow matrix
        are summed): row r holds its links to agents before it (the links (j, r), ordered by j: a
        transpose) and then those to agents after it (the links (r, j), as built)."""
        N, st = int(b.start[-1]), b.structure
        off = np.repeat(b.start[:-1], np.diff(b.link_start))
        gi, gj = st.i + off, st.j + off  # agents numbered across places
        upper = sp.csr_array((st.w, gj, np.r_[0, np.cumsum(np.bincount(gi, minlength=N))]), shape=(N, N))
        lower = upper.T.tocsr()
        n_lo, n_up = np.diff(lower.indptr), np.diff(upper.indptr)
        row_start = np.cumsum(n_lo + n_up) - (n_lo + n_up)
        at_lo = np.repeat(row_start - lower.indptr[:-1], n_lo) + np.arange(len(lower.data))
        at_up = np.repeat(row_start + n_lo - upper.indptr[:-1], n_up) + np.arange(len(upper.data))
        j, w = np.empty(2 * len(st.w), dtype=np.int64), np.empty(2 * len(st.w))
        j[at_lo], j[at_up] = lower.indices, upper.indices
        w[at_lo], w[at_up] = lower.data, upper.data
        own = np.repeat(b.start[:-1], np.diff(b.start))  # back to each place's own numbering
        i = np.repeat(np.arange(N) - own, n_lo + n_up)
        j -= np.repeat(own, n_lo + n_up)
        return [cls(i[lo:hi], j[lo:hi], w[lo:hi]) for lo, hi in zip(2 * b.link_start[:-1], 2 * b.link_start[1:])]

    def without(self, k: int) -> "Links":
        keep = (self.i != k) & (self.j != k)
        return Links(self.i[keep], self.j[keep], self.w[keep])

    def with_links(self, k: int, others: dict[int, float]) -> "Links":
        j = np.fromiter(others, dtype=np.int64, count=len(others))
        w = np.fromiter(others.values(), dtype=float, count=len(others))
        keep = ~(((self.i == k) & np.isin(self.j, j)) | ((self.j == k) & np.isin(self.i, j)))
        return Links(np.concatenate([self.i[keep], np.full(len(j), k), j]),
                     np.concatenate([self.j[keep], j, np.full(len(j), k)]),
                     np.concatenate([self.w[keep], w, w]))

    def dense(self, n: int) -> np.ndarray:
        out = np.zeros((n, n))
        out[self.i, self.j] = self.w
        return out


@dataclass
class Structure:
    """What the links and rosters of every place imply, recomputed only when they change (ODD 7.2).
    Rows of the (places x 3 fields) matrices are ``place * 3F + corner * F + field``."""

    flow: sp.csr_array  # (N, N) inflow weights: upstream and same-corner links over their count
    members: sp.csr_array  # (3FP, N) normalised corner weights
    report: sp.csr_array  # (3FP, N) mean upstream inflow of each receiving corner (A->C, C->V, V->A)
    members_c: sp.csr_array  # (FP, N) the capacity rows of ``members``
    risk: np.ndarray  # (P, F) authority's risk appetite
    openness: np.ndarray  # (P, F) capacity's openness
    drive: np.ndarray  # (P, F) strongest senior drive acting on the field
    senior_cells: np.ndarray  # (place, field) cell of each senior's entry, sorted
    senior_rows: np.ndarray  # the senior agent of each entry
    clique_density: np.ndarray  # (P,)
    network_quality: np.ndarray  # (P, F)
    cross_links: np.ndarray  # (P, F, F)


def _field_cells(a: Agents, rows: np.ndarray, F: int) -> tuple[np.ndarray, np.ndarray]:
    """(cell, agent) pairs: each agent of ``rows`` in its own field, or in every field of its place."""
    fld, pl = a.field[rows], a.place[rows]
    single, every = fld >= 0, fld < 0
    cells = np.concatenate([pl[single] * F + fld[single], ((pl[every] * F)[:, None] + np.arange(F)).ravel()])
    agents = np.concatenate([rows[single], np.repeat(rows[every], F)])
    return cells, agents


def _csr(data: np.ndarray, rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> sp.csr_array:
    """``sp.csr_array((data, (rows, cols)), shape=shape)``, built directly when the entries are in
    row-major order without repeats (links as built are): the same arrays without scipy's COO
    conversion (speed)."""
    if not (rows[1:] < rows[:-1]).any():
        idx = sp.get_index_dtype((rows, cols), maxval=max(*shape, len(rows)))  # as the COO conversion picks it
        indptr = np.zeros(shape[0] + 1, dtype=idx)
        np.cumsum(np.bincount(rows, minlength=shape[0]), out=indptr[1:])
        out = sp.csr_array((data, cols.astype(idx, copy=False), indptr), shape=shape)
        if out.has_canonical_format:  # columns increasing within each row
            return out
    return sp.csr_array((data, (rows, cols)), shape=shape)


def derive(a: Agents, links: Sequence["Links"], start: np.ndarray, F: int, cut: Sequence[int] = ()) -> Structure:
    """Everything derived from the links and rosters of all places, in one pass over the batch.
    ``cut``: corners whose inflow from upstream is cut (knock-out arms)."""
    N, P = len(a.alive), len(links)
    alive = a.alive
    li, lj, lw = _live_links(alive, links, start)
    flow, up = _flow_matrices(a.corner, li, lj, lw, N, cut)  # (its temporaries freed on return: peak memory)

    # Corner membership: an agent counts in its corner of its own field, or of every field.
    w = a.weight * alive
    cells, cols = _field_cells(a, np.flatnonzero(w != 0), F)
    rows = (cells // F) * 3 * F + a.corner[cols] * F + cells % F
    vals = w[cols]
    totals = np.bincount(rows, weights=vals, minlength=3 * F * P)
    members = sp.csr_array((vals / totals[rows], (rows, cols)), shape=(3 * F * P, N))
    members.sort_indices()
    block = (np.arange(P) * 3 * F)[:, None]
    receiving = (block + np.r_[F:3 * F, 0:F]).ravel()  # C, V, A rows: inflow from A, C, V
    report = sp.csr_array(members[receiving] @ up)
    members_c = members[(block + np.arange(F, 2 * F)).ravel()]
    risk = (members @ a.risk).reshape(P, 3, F)[:, 0]
    openness = (members @ a.openness).reshape(P, 3, F)[:, 1]

    s_cells, s_rows, drive = _senior_drive(a, F, P)
    quality, cross, density = _network_measures(a, li, lj, lw, F, P)
    return Structure(flow, members, report, members_c, risk, openness, drive.reshape(P, F), s_cells, s_rows,
                     density, quality.reshape(P, F), cross)


def _live_links(alive: np.ndarray, links: Sequence["Links"], start: np.ndarray):
    """The links of every place between living agents, numbered across the batch: (i, j, w)."""
    sizes = np.fromiter((len(l.i) for l in links), dtype=np.int64, count=len(links))
    offset = np.repeat(start[:len(links)], sizes)
    li = np.concatenate([l.i for l in links])
    li += offset
    lj = np.concatenate([l.j for l in links])
    lj += offset
    lw = np.concatenate([l.w for l in links])
    ok = alive[li] & alive[lj]
    if not ok.all():  # (a copy of 3 large arrays saved when every linked agent is alive)
        li, lj, lw = li[ok], lj[ok], lw[ok]
    return li, lj, lw


def _flow_matrices(corner: np.ndarray, li, lj, lw, N: int, cut: Sequence[int]) -> tuple[sp.csr_array, sp.csr_array]:
    """(N, N) inflow weights along the links (upstream and same-corner) and upstream inflow alone."""
    # A link is upstream (j's corner feeds i's, unless cut) or peer (same corner) by its two
    # corners: a look-up in a 3 x 3 table.
    ci, cj = np.arange(3)[:, None], np.arange(3)[None, :]
    kind = corner[li] * 3 + corner[lj]
    up_mask = ((cj == tri.UPSTREAM[ci]) & ~np.isin(ci, cut)).ravel()[kind]
    peer_mask = (ci == cj).ravel()[kind]
    sel = up_mask | peer_mask
    li_u = li[up_mask]
    n_up = np.maximum(np.bincount(li_u, minlength=N), 1)
    n_peer = np.maximum(np.bincount(li[peer_mask], minlength=N), 1)
    # Upstream and peer parts are each a mean over their own links (triangle.flow_weights).
    li_s, up_s = li[sel], up_mask[sel]
    flow_w = (lw[sel] * np.where(up_s, tri.UPSTREAM_SHARE, tri.PEER_SHARE)
              / np.where(up_s, n_up[li_s], n_peer[li_s]))
    flow = _csr(flow_w, li_s, lj[sel], (N, N))
    return flow, _csr(lw[up_mask] / n_up[li_u], li_u, lj[up_mask], (N, N))


def run_starts(keys: np.ndarray) -> np.ndarray:
    """Where each run of equal values begins in sorted ``keys``."""
    return np.flatnonzero(np.r_[True, np.diff(keys) > 0])


def group_max(values: np.ndarray, keys: np.ndarray, starts: np.ndarray, size: int) -> np.ndarray:
    """The largest of ``values`` (at least 0) for each key of sorted ``keys`` (runs beginning at
    ``starts``), in an array of ``size`` rows that is 0 for keys without values."""
    out = np.zeros((size, *values.shape[1:]))
    if len(keys):
        out[keys[starts]] = np.maximum(np.maximum.reduceat(values, starts, axis=0), 0.0)
    return out


def _senior_drive(a: Agents, F: int, P: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Senior agents by (place, field) cell, sorted by cell, and the strongest drive in each cell."""
    codes = [net.ROLE_CODE[r] for r in SENIOR_DRIVERS]
    s_cells, s_rows = _field_cells(a, np.flatnonzero(np.isin(a.role, codes) & a.alive), F)
    order = np.argsort(s_cells, kind="stable")
    s_cells, s_rows = s_cells[order], s_rows[order]
    return s_cells, s_rows, group_max(a.drive[s_rows], s_cells, run_starts(s_cells), P * F)


def _network_measures(a: Agents, li, lj, lw, F: int, P: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per field: network quality and cross-field links; per place: the core clique's density."""
    N, alive = len(a.alive), a.alive
    # Network quality per field: mean link strength of the field's agents' links, times the share
    # of its agents with any link at all (partnership strength; assumption).
    deg = np.bincount(li, minlength=N)
    strength = np.divide(np.bincount(li, weights=lw, minlength=N), deg, out=np.zeros(N), where=deg > 0)
    m_cells, m_rows = _field_cells(a, np.flatnonzero(alive), F)
    n_mem = np.maximum(np.bincount(m_cells, minlength=P * F), 1)
    quality = (np.bincount(m_cells, weights=strength[m_rows], minlength=P * F) / n_mem
               * np.bincount(m_cells, weights=deg[m_rows] > 0, minlength=P * F) / n_mem)
    # Cross-field links: the channel for inspiration or infection between fields (004:3-8).
    in_field = a.field >= 0
    both = in_field[li] & in_field[lj]  # (per-agent look-ups first: fewer passes over the links)
    key = (a.place * F + a.field)[li[both]]
    key *= F  # (in place: fewer link-sized temporaries at once)
    key += a.field[lj[both]]
    x = np.bincount(key, weights=lw[both], minlength=P * F * F).reshape(P, F, F)
    own = alive & in_field
    sizes = np.bincount(a.place[own] * F + a.field[own], minlength=P * F).reshape(P, F).astype(float)
    cross = np.clip(x / np.maximum(sizes[:, :, None] * sizes[:, None, :], 1) * CROSS_LINK_SCALE, 0, 1)
    cross[:, np.arange(F), np.arange(F)] = 0.0
    clique = a.clique & alive
    k = np.bincount(a.place[clique], minlength=P).astype(float)
    pairs = np.bincount(a.place[li[clique[li] & clique[lj]]], minlength=P)
    density = np.divide(pairs, k * (k - 1), out=np.zeros(P), where=k >= 2)
    return quality, cross, density


class EventLog:
    """Transitions, embedding-mode changes and shocks, in the order they happened."""

    def __init__(self):
        self._chunks: list = []

    def transitions(self, step: int, place: np.ndarray, field: np.ndarray, old: np.ndarray, new: np.ndarray):
        if len(place):
            self._chunks.append(("t", step, place, field, old, new))

    def modes(self, step: int, place: np.ndarray, field: np.ndarray, mode: np.ndarray):
        if len(place):
            self._chunks.append(("m", step, place, field, mode))

    def clear(self) -> None:
        self._chunks.clear()

    def row(self, step: int, place: int, field: str, kind: str, detail: str):
        self._chunks.append(("r", step, place, field, kind, detail))

    def rows(self, fields: Sequence[str], place: int | None = None) -> list[tuple[int, int, str, str, str]]:
        """(step, place, field, kind, detail) tuples, optionally for one place."""
        out = []
        for c in self._chunks:
            if c[0] == "r":
                if place is None or c[2] == place:
                    out.append((c[1], c[2], c[3], c[4], c[5]))
                continue
            step, pl, fl = c[1], c[2], c[3]
            sel = np.arange(len(pl)) if place is None else np.flatnonzero(pl == place)
            for k in sel:
                if c[0] == "t":
                    a, b = int(c[4][k]), int(c[5][k])
                    out.append((step, int(pl[k]), fields[fl[k]], "forward" if b > a else "backward",
                                f"{PHASE_NAMES[a]} -> {PHASE_NAMES[b]}"))
                else:
                    out.append((step, int(pl[k]), fields[fl[k]], "embedding_mode", MODES[c[4][k]]))
        return out


@dataclass(slots=True)
class PhaseView:
    """What a step reads of the fields' phases alone (see Engine._phases): masks, whether any field
    is in each phase, and per-phase constants. Arrays are read-only: they are shared between steps."""

    latent: np.ndarray
    design: np.ndarray
    mob: np.ndarray
    main: np.ndarray
    emb: np.ndarray
    started: np.ndarray  # past latent
    any_latent: bool
    any_design: bool
    any_mob: bool
    any_main: bool
    any_emb: bool
    any_started: bool
    any_proving: bool  # a field in mobilisation or later: realised value may disappoint
    stretch: np.ndarray  # (P,) capacity lost to carrying too many projects at once (003:532-533)
    stretch_field: np.ndarray  # the same, (P, F)
    next_and_own: np.ndarray  # (2, P, F): the next phase and the phase, for adequacy
    demand: tuple[np.ndarray, np.ndarray]  # their needs (2, P, F, 3) and its sums (triangle.adequacy)
    rates: np.ndarray  # base reversal rate of each field's phase
    effort: np.ndarray  # lifecycle.EFFORT of each field's phase
    n_emb: np.ndarray  # (P, 1) embedded fields per place

    @classmethod
    def of(cls, phase: np.ndarray, e: "Engine") -> "PhaseView":
        """The view of ``phase`` for engine ``e`` (its parameters and needs)."""
        masks = [phase == k for k in Phase]
        anys = [bool(m.any()) for m in masks]
        active = ((phase >= Phase.DESIGN) & (phase <= Phase.MAINSTREAMING)).sum(axis=1)
        stretch = lc.overstretch(active, e.par["overstretch_threshold"], e.par["overstretch_penalty"])
        next_and_own = np.stack([np.minimum(phase + 1, Phase.EMBEDDING), phase])
        need = e.needs.take(next_and_own, axis=0)  # needs[next_and_own], faster
        emb = masks[Phase.EMBEDDING]
        view = cls(*masks, phase > Phase.LATENT, *anys, any_started=any(anys[1:]), any_proving=any(anys[2:]),
                   stretch=stretch, stretch_field=np.repeat(stretch[:, None], e.F, axis=1),
                   next_and_own=next_and_own, demand=(need, e.needs.sum(axis=1)[next_and_own]),
                   rates=e.rates[e._rows, phase], effort=lc.EFFORT[phase],
                   n_emb=emb.sum(axis=1, keepdims=True) if anys[-1] else np.zeros((len(phase), 1), dtype=np.int64))
        for v in (*masks, view.started, stretch, view.stretch_field, next_and_own, need, *view.demand, view.rates,
                  view.effort, view.n_emb):
            v.flags.writeable = False
        return view


@dataclass(slots=True)
class Standing:
    """What a step reads of the places' standing pressures and support (see Engine._standing)."""

    internal: np.ndarray  # (P, F) internal pressure without the new leaders' push
    central: np.ndarray  # (P, F) weighted central pressure
    efficiency: np.ndarray  # (P, F) efficiency pressure's share of external pressure
    cap_room: np.ndarray  # capacity agents' slack with their field's support, before overstretch


class Engine:
    """N places, each a locality: agents on the triangle, fields moving through the lifecycle.

    ``params`` is one resolved parameter dict per place, ``rngs`` one generator per place (its own
    stream), ``fields`` the service fields every place shares.
    """

    def __init__(self, params: Sequence[dict], rngs: Sequence[np.random.Generator], fields: Sequence[str],
                 initial_phases: dict[str, int] | None = None, knockouts: Sequence[str] = ()):
        unknown = sorted(set(knockouts) - set(KNOCKOUTS))
        if unknown:
            raise ValueError(f"unknown knock-out {', '.join(unknown)} (known: {', '.join(KNOCKOUTS)})")
        self.knockouts = frozenset(knockouts)
        self.needs = tri.FLAT_NEEDS if "flat_needs" in self.knockouts else tri.PHASE_NEEDS
        self.fixed_adequacy: float | None = None  # check 5's null arm: only the reversal rule sees this adequacy
        # Check 16's null arm: a range for newly elected leaders' drive (None: like an incumbent's).
        self.elected_drive: tuple[float, float] | None = None
        self.fields = tuple(fields)
        if not self.fields or len(set(self.fields)) != len(self.fields):
            raise ValueError("fields must be a non-empty list of distinct names")
        self.P = P = len(params)
        self.F = F = len(fields)
        self.params = [dict(p) for p in params]
        self.rngs = list(rngs)
        self.par = {k: np.array([p[k] for p in self.params]) for k in self.params[0]}
        # The same per field, (places, fields): same-shape operands are cheaper than broadcasting a column.
        self.pc = {k: np.repeat(v[:, None], F, axis=1) for k, v in self.par.items()}
        self.K = self.par["max_trials"].astype(np.int64)
        self._improving = bool((self.par["improvement_rate"] > 0).any())  # 0 everywhere: the previous model
        self._succeeding = bool((self.par["success_link_gain"] > 0).any())  # 0 everywhere: the previous model
        self._uniform_k = bool((self.K == self.K.max()).all())
        self._K_field = np.repeat(self.K[:, None], F, axis=1)
        self._chunk_at = DRAW_CHUNK  # the first month draws the first chunk
        self.steps = 0
        self.log = EventLog()
        self.lowered: np.ndarray | None = None  # (places, fields, corners) knock-outs: lower_corner()
        self._queue: list = []  # (month, seq, callable): shocks and their ends, fired after the step
        self._seq = 0
        self.on_remove: Callable[[int, int], None] | None = None  # (place, local index), for Mesa views
        self.on_attach: Callable[[int, int, int, dict], None] | None = None
        self.on_reweight: Callable[[int], None] | None = None  # (place): its links' strengths changed

        # Each place draws its structure, its agents' traits and its fields' performance, in turn.
        batch = net.build_batch(self.params, F, self.rngs)
        agents = _place_agents(self.params, batch, self.rngs)
        spread = [(-p["performance_spread"], p["performance_spread"]) for p in self.params]
        perf = np.array([rng.uniform(*s, F) for rng, s in zip(self.rngs, spread)])
        self.links = Links.of_batch(batch)
        self._layout(agents)
        self._init_fields(np.clip(self.par["initial_performance"][:, None] + perf, 0, 1))
        for name, ph in (initial_phases or {}).items():
            self.set_initial_phase(self.field_index(name), int(ph))
        self.aggregate()
        self.balance = tri.balance(self.corners.reshape(-1, 3)).reshape(P, F)

    # ------------------------------------------------------------------ construction
    def _layout(self, agents: Agents) -> None:
        """Take the agent rows of every place (place by place) and derive the batch's structure."""
        self.cap = np.bincount(agents.place, minlength=self.P)
        self.start = np.concatenate([[0], np.cumsum(self.cap)])
        self.agents = agents
        self._dirty = True
        self.refresh()

    def block(self, p: int) -> Agents:
        """Views of place p's agent rows."""
        s, e = self.start[p], self.start[p + 1]
        return Agents(**{k: getattr(self.agents, k)[s:e] for k in self.agents.names()})

    def restructure(self, places: Sequence[int]) -> None:
        """Note that places' rosters or links changed; the structure is re-derived before the next step."""
        self._dirty = True

    def refresh(self) -> None:
        """Re-derive the structure (matrices, per-field traits, per-agent constants) if it changed."""
        if not self._dirty:
            return
        self._dirty = False
        F, a = self.F, self.agents
        cut = [c for c, k in ((tri.CAPACITY, "flow_ac"), (tri.VALUE, "flow_cv"), (tri.AUTHORITY, "flow_va"))
               if k in self.knockouts]
        st = derive(a, self.links, self.start, F, cut)
        self.flow_matrix, self.members, self.report, self.members_c = st.flow, st.members, st.report, st.members_c
        self.risk, self.openness, self.drive = st.risk, st.openness, st.drive
        self.network_quality, self.cross_links = st.network_quality, st.cross_links
        self.pc["clique_density"] = np.repeat(st.clique_density[:, None], F, axis=1)
        self._senior_cells, self._senior_rows = st.senior_cells, st.senior_rows
        self._senior_starts = run_starts(st.senior_cells)
        self._senior_fade = self.par["new_leader_push_months"][a.place[st.senior_rows]]
        self._senior_drive = a.drive[st.senior_rows]
        # Agents' own contributions that change only with the roster (7.2 in docs/ODD.md).
        drive = a.drive
        if "drive" in self.knockouts:
            drive = self.par["leader_drive"][a.place]
            self.drive = np.repeat(self.par["leader_drive"][:, None], F, axis=1)
        self.own_a = a.legitimacy * (0.5 + 0.5 * drive)
        self._roster_constants()

    def _roster_constants(self) -> None:
        """Per-agent constants of the step that change only with the roster (speed)."""
        F, a = self.F, self.agents
        # Index of each agent's field cell in a (places, fields + 1) table; the last column is the
        # mean over fields, for agents who act on every field.
        self._cell = a.place * (F + 1) + np.where(a.field < 0, F, a.field)
        self._param_rows = {k: self.par[k][a.place] for k in ("flow_gain", "own_weight", "influence_rate", "culture_rate",
                                                               "success_link_gain")}
        self._culture_moves = bool((self.pc["culture_rate"] > 0).any())
        self._threat = bool((self.pc["efficiency_threat"] > 0).any())
        self._learning = bool((self.pc["learning_from_failure"] > 0).any())  # else lessons are never read
        # Agents by corner, with what the step reads of them that changes only with the roster.
        auth, cap, val = (np.flatnonzero(a.corner == k) for k in (tri.AUTHORITY, tri.CAPACITY, tri.VALUE))
        self._groups = {"auth": auth, "cap": cap, "val": val, "cap_cell": self._cell[cap], "cap_place": a.place[cap],
                        "cap_slack": a.slack[cap], "val_voice": 0.5 + 0.5 * a.voice[val],
                        "cap_skill": a.skill[cap], "cap_openness0": a.openness0[cap],
                        "cap_culture_rate": self._param_rows["culture_rate"][cap],
                        "cap_success_gain": self._param_rows["success_link_gain"][cap],
                        "auth_own": (1 - PRESSURE_AUTHORISES) * self.own_a[auth]}
        # The openness leaders pull staff towards (_culture): agents' drive changes only with the roster.
        self._groups["cap_lead"] = np.maximum(self._groups["cap_openness0"],
                                              self._cell_values(self.drive, self._groups["cap_cell"]))
        # _field_views: where each look-up sits in a (places, 3 quantities, fields + 1) table.
        at = lambda rows, k: self._cell[rows] + a.place[rows] * 2 * (F + 1) + k * (F + 1)  # noqa: E731
        self._views_at = np.concatenate([at(auth, 0), at(auth, 1), at(val, 2)])
        # Corners and flows from one product (aggregate): the rows of ``members`` and then ``report``.
        self._totals = sp.vstack([self.members, self.report], format="csr")
        self._standing_key = None  # its capacity rows follow the roster

    def _init_fields(self, performance: np.ndarray) -> None:
        P, F, par = self.P, self.F, self.par
        Kmax = int(self.K.max())
        self.phase = np.zeros((P, F), dtype=np.int64)
        self.performance = performance
        self.performance_base = performance.copy()
        self.performance0 = performance.copy()
        self.performance_at_trigger = performance.copy()
        # Continuous improvement (7.10) so far; the part of it performance shows (it follows potential
        # with the same lag), and that part at the trigger: realised value is net of what it adds since.
        self.improvement = np.zeros((P, F))
        self.improvement_shown, self.shown_at_trigger = np.zeros((P, F)), np.zeros((P, F))
        # Shocks' effect on performance (validation-plan Addendum 18): the base cuts removed, what
        # performance shows of the shocks (a crisis at once, a cut at the lag) and that at the trigger:
        # realised value is net of it too, so a crisis's rebound or a cut's fall is not the innovation's.
        self.shock_base, self.shock_shown, self.shock_at_trigger = np.zeros((P, F)), np.zeros((P, F)), np.zeros((P, F))
        self._shocked = False  # no crisis or cut yet: the netting is skipped (the runs are as before)
        self.gap = np.zeros((P, F))
        self.public_value = np.zeros((P, F))
        self.realised, self.adequacy = np.zeros((P, F)), np.zeros((P, F))  # realised value: smoothed performance gain since the trigger
        self.in_phase = np.zeros((P, F), dtype=np.int64)  # months since the field entered its phase
        # 7.10's maturity: what the field had last month, and where its ramp starts (net of the
        # alignment term of mainstreaming, which is added on top).
        self.maturity_now, self.ramp_from = np.zeros((P, F)), np.zeros((P, F))
        self.recognition = np.clip((par["aspiration"][:, None] - performance) / GAP_SCALE, 0, 1) * RECOGNITION_START
        self.pressures = {k: np.repeat(par[k].astype(float)[:, None], F, axis=1) for k in PRESSURE_KINDS}
        self.inspection, self.funding, self.cut = np.zeros((P, F)), np.zeros((P, F)), np.zeros((P, F))
        self.held = np.zeros((P, F), dtype=np.int64)  # holds in force: no move to mainstreaming (7.12)
        self.trial_quality = np.zeros((P, F, Kmax))
        self.trial_progress = np.zeros((P, F, Kmax))
        self.trial_active = np.zeros((P, F, Kmax), dtype=bool)
        self.trial_proven = np.zeros((P, F, Kmax), dtype=bool)
        self.trial_adapted = np.zeros((P, F, Kmax), dtype=bool)
        self.trial_slot = np.arange(Kmax)[None, None, :] < self.K[:, None, None]  # slots a place has
        self.dominant_adapted = np.zeros((P, F), dtype=bool)
        self.failed_trials = np.zeros((P, F), dtype=np.int64)
        self.dominant_quality = np.zeros((P, F))
        # Learning from failure (7.6): the best quality of any innovation the field tried and lost;
        # never reset, lessons are "not lost as a new innovation cycle begins" (000:1462). Kept only
        # where learning_from_failure is on (it stays 0 otherwise).
        self.lesson = np.zeros((P, F))
        self.alignment, self.complacency = np.zeros((P, F)), np.zeros((P, F))
        self.mode = np.zeros((P, F), dtype=np.int64)
        self.reversals = np.zeros((P, F), dtype=np.int64)
        self.corners, self.flows = np.zeros((P, F, 3)), np.zeros((P, F, 3))
        self.total_pressure = np.zeros((P, F))
        # Set by a region each month (zero for a lone locality): examples elsewhere as a driver
        # (003:344), the best adaptable idea on offer (003:346, 656) and the cost of showing one's
        # own innovation to peers (003:718).
        self.peer_pull, self.peer_quality, self.sharing_cost = np.zeros((P, F)), np.zeros((P, F)), np.zeros((P, F))
        self._rows = np.arange(P)[:, None]
        self._phase_key = self._standing_key = None  # see _phases, _standing
        self.rates = np.stack([np.zeros(P), par["reversal_rate_design"], par["reversal_rate_mobilisation"],
                               par["reversal_rate_mainstreaming"], par["reversal_rate_embedding"]], axis=1)

    def set_initial_phase(self, f: int, ph: int) -> None:
        if not 0 <= ph <= 4:
            raise ValueError(f"initial phase of '{self.fields[f]}' must be 0-4, got {ph}")
        par = self.par
        self.phase[:, f] = ph
        if ph >= Phase.MOBILISATION:
            self.dominant_quality[:, f] = np.maximum(par["proof_threshold"], par["trial_quality_mean"]) + PROVEN_MARGIN
        if ph >= Phase.MAINSTREAMING:
            self.alignment[:, f] = 1.0 if ph == Phase.EMBEDDING else INITIAL_ALIGNMENT
        if ph >= Phase.MOBILISATION:
            # The innovation was proven and in use before the run (validation-plan Addendum 15): its
            # uplift, net of the phase's diversion, is already in the starting performance, its ramp
            # done and its gain shown, so the run does not count it again as value gained.
            maturity = lc.MATURITY[ph] + self._alignment_maturity(self.phase == Phase.MAINSTREAMING)[:, f]
            uplift = par["innovation_uplift"] * self.dominant_quality[:, f] * maturity
            diverted = par["diversion_cost"] * lc.EFFORT[ph]
            self.performance_base[:, f] = np.clip(self.performance[:, f] - uplift + diverted, 0.0, 1.0)
            self.performance_at_trigger[:, f] = self.performance_base[:, f]
            self.realised[:, f] = self.performance[:, f] - self.performance_base[:, f]
            self.in_phase[:, f] = lc.RAMP_MONTHS
            self.maturity_now[:, f] = maturity
            self.ramp_from[:, f] = lc.MATURITY[ph]

    def field_index(self, name: str | None) -> int:
        try:
            return self.fields.index(name)
        except ValueError:
            raise ValueError(f"unknown field '{name}' (fields: {', '.join(self.fields)})") from None

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        """One month for every place (ODD 7.2-7.11)."""
        self.refresh()
        self.steps += 1
        draws = self._draws()
        ph, st = self._phases(), self._standing()
        slack = self._flows(ph.stretch, st)
        internal, external = self._drivers(slack, st)
        fwd, bal = self._lifecycle(draws, internal, external, ph)
        back = self._reversal(draws, fwd, ph)
        self._transition(fwd, back, draws["u"][:, :, 5])
        ph = self._phases()  # after the moves
        self._embedding_modes(bal, ph)
        self._performance(draws["noise"], ph)

    def _draws(self) -> dict[str, np.ndarray]:
        """A fixed number of draws per place and month, from the place's own stream (common random
        numbers across what-if twins; independent of what else shares the batch). Drawn DRAW_CHUNK
        months at a time: three generator calls per place a year instead of a month."""
        if self._chunk_at >= DRAW_CHUNK:
            self._refill_draws()
        t = self._chunk_at
        self._chunk_at += 1
        return {k: v[:, t] for k, v in self._chunk.items()}

    def _refill_draws(self) -> None:
        P, F, K, par, C = self.P, self.F, self.K, self.par, DRAW_CHUNK
        Kmax = self.trial_quality.shape[2]
        uniform = np.empty((P, C, F * (DRAWS + Kmax)))
        quality, noise = np.empty((P, C, F)), np.empty((P, C, F))
        a = par["trial_quality_mean"] * par["trial_quality_concentration"]
        b = par["trial_quality_concentration"] - a
        width = F * (DRAWS + K)
        for p, rng in enumerate(self.rngs):
            uniform[p, :, :width[p]] = rng.random((C, width[p]))
            quality[p] = rng.beta(a[p], b[p], (C, F))
            noise[p] = rng.standard_normal((C, F))
        u = uniform[:, :, :F * DRAWS].reshape(P, C, F, DRAWS)
        if self._uniform_k:
            u_trial = uniform[:, :, F * DRAWS:].reshape(P, C, F, Kmax)
        else:  # places with fewer trial slots: theirs never fail
            u_trial = np.ones((P, C, F, Kmax))
            for p in range(P):
                u_trial[p, :, :, :K[p]] = uniform[p, :, F * DRAWS:F * (DRAWS + K[p])].reshape(C, F, K[p])
        self._chunk = {"u": u, "u_trial": u_trial, "quality": quality, "noise": noise}
        self._chunk_at = 0

    def _phases(self) -> "PhaseView":
        """What the step reads of the fields' phases alone, re-derived only when a phase changes
        (speed: phases change rarely). Keyed on the phases' bytes: callers may write ``phase`` in place."""
        key = self.phase.tobytes()
        if key != self._phase_key:
            self._phase_key, self._phase_view = key, PhaseView.of(self.phase, self)
        return self._phase_view

    @staticmethod
    def _with_every_field(per_field: np.ndarray, every: np.ndarray) -> np.ndarray:
        """A (places, fields, ...) table with one more field: ``every``, what an agent acting on
        every field sees; indexed by ``_cell``."""
        return np.concatenate([per_field, every[:, None]], axis=1)

    def _cell_values(self, per_field: np.ndarray, cells: np.ndarray) -> np.ndarray:
        """A (places, fields) quantity at the given field cells (``_cell``); agents of every field
        see its mean over fields."""
        every = np.add.reduce(per_field, axis=1, keepdims=True) / self.F  # ndarray.sum, without its wrapper
        return np.concatenate((per_field, every), axis=1).take(cells)

    def _field_views(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``_cell_values`` of visible value and total pressure for authority agents and of
        performance for value agents, in one look-up (speed)."""
        P, F, n = self.P, self.F, len(self._groups["auth"])
        per_field = np.concatenate((self.corners[:, :, 2], self.total_pressure, self.performance), axis=1).reshape(P, 3, F)
        table = np.concatenate((per_field, np.add.reduce(per_field, axis=2, keepdims=True) / F), axis=2)
        seen = table.take(self._views_at)
        return seen[:n], seen[n:2 * n], seen[2 * n:]

    def _flows(self, stretch: np.ndarray, st: "Standing") -> np.ndarray:
        """7.2: agents move towards what their own traits, their drivers and the flows along their
        links support; the field's phase plays no part. Returns each agent's effective slack
        (capacity agents; zero elsewhere)."""
        a, pr, g = self.agents, self._param_rows, self._groups
        auth, cap, val = g["auth"], g["cap"], g["val"]
        flow = self.flow_matrix @ a.x
        visible, pressure, performance = self._field_views()
        # Authority hears value through its links and through visible value for the public (004:60-64).
        if "flow_va" in self.knockouts:
            visible = 0.0
        flow[auth] = (1 - VISIBLE_VALUE) * flow[auth] + VISIBLE_VALUE * visible
        if self._succeeding:  # success strengthens the links from authorisers to implementers (004:139-146)
            success = lc.success(self.realised, self.pc["value_threshold"], self.phase)
            if success.any():
                flow[cap] *= 1.0 + g["cap_success_gain"] * self._cell_values(success, g["cap_cell"])
        slack = np.zeros(len(a.x))
        cap_slack = st.cap_room * (1.0 - stretch[g["cap_place"]])
        slack[cap] = cap_slack
        own = self.own_a.copy()
        # pressure authorises change (004:50-52); the knock-out drops that term only (7.2)
        own[auth] = g["auth_own"] + (0.0 if "pressure_enables" in self.knockouts else PRESSURE_AUTHORISES * pressure)
        own[cap] = np.cbrt(g["cap_skill"] * (0.5 + 0.5 * self._culture(cap)) * cap_slack)
        own[val] = performance * g["val_voice"]
        target = tri.targets(pr["flow_gain"], own, flow, pr["own_weight"])
        a.x = np.where(a.alive, tri.relax(a.x, target, pr["influence_rate"]), 0.0)
        if self.lowered is not None:
            self._knock_down()
        a.tenure += a.alive
        self.aggregate()
        return slack

    def _culture(self, cap: np.ndarray) -> np.ndarray:
        """Staff openness moves towards the drive of the field's strongest leader: leaders build a
        culture over years (000:229, 1289) that outlasts them (000:1216), so it fades slower than
        it grows. Updates the capacity agents' and fields' openness; returns the agents'."""
        a, g = self.agents, self._groups
        if "culture" not in self.knockouts and self._culture_moves:
            now, lead = a.openness[cap], g["cap_lead"]
            now += g["cap_culture_rate"] * np.where(lead >= now, 1.0, CULTURE_RETENTION) * (lead - now)
            a.openness[cap] = now
            self.openness = (self.members_c @ a.openness).reshape(self.P, self.F)
            return now
        return a.openness[cap]

    def lower_corner(self, place: int, field: int, corner: int, delta: float) -> None:
        """A knock-out arm: from now on the agents of ``corner`` acting on ``field`` of ``place`` aim
        ``delta`` lower than their links and traits support (validation check 6). The loop
        A -> C -> V -> A carries the loss on to the other corners, as it would a real weakness
        (004:85-90). ``delta = 0`` restores the place."""
        if self.lowered is None:
            self.lowered = np.zeros((self.P, self.F, 3))
        self.lowered[place, field, corner] = delta
        if not self.lowered.any():
            self.lowered = None

    def _knock_down(self) -> None:
        """Subtracting ``influence_rate * delta`` right after agents relax is the same as lowering
        their target by ``delta``; agents of every field take their place's largest lowering."""
        a = self.agents
        table = self._with_every_field(self.lowered, self.lowered.max(axis=1))
        delta = table.reshape(-1, 3)[self._cell, a.corner]
        who = a.alive & (delta > 0)
        a.x[who] = np.maximum(a.x[who] - self._param_rows["influence_rate"][who] * delta[who], 0.0)

    def aggregate(self) -> None:
        """Corners A, C, V per field from agents' levels; flows A->C, C->V, V->A along links."""
        both = (self._totals @ self.agents.x).reshape(2, self.P, 3, self.F).transpose(0, 1, 3, 2)
        self.corners[:], self.flows[:] = both[0], both[1]
        if self._succeeding:  # report the A -> C inflow as success strengthens it in _flows (7.3)
            self.flows[:, :, 0] *= 1.0 + self.pc["success_link_gain"] * lc.success(
                self.realised, self.pc["value_threshold"], self.phase)

    def _push(self) -> np.ndarray:
        """A new leader's push for change, fading with tenure (000:1287, 1154): the strongest
        senior's in each field."""
        a, r = self.agents, self._senior_rows
        if "drive" in self.knockouts:
            return np.zeros((self.P, self.F))
        push = self._senior_drive * np.exp(-a.tenure[r] / self._senior_fade)
        return group_max(push, self._senior_cells, self._senior_starts, self.P * self.F).reshape(self.P, self.F)

    def _drivers(self, slack: np.ndarray, st: "Standing") -> tuple[np.ndarray, np.ndarray]:
        """7.3: pressure, recognition of underperformance; returns internal and external pressure."""
        pc = self.pc
        self.resources = (self.members_c @ slack).reshape(self.P, self.F)
        internal = st.internal + self._push()
        external = st.central + self.inspection + st.efficiency
        self.total_pressure = np.minimum((internal + external) / 2.0, 1.0)
        self.gap = gap = np.minimum(np.maximum((pc["aspiration"] - self.performance) / GAP_SCALE, 0.0), 1.0)
        if "gap" in self.knockouts:
            gap = np.repeat(gap.mean(axis=1, keepdims=True), self.F, axis=1)
        self.recognition += pc["recognition_rate"] * (gap - self.recognition)
        self.inspection *= 1.0 - INSPECTION_DECAY
        return internal, external

    def _standing(self) -> "Standing":
        """What the step reads of pressures, funding, cuts and sharing costs (they change with
        shocks or, in a region, peers), kept until they or the roster change (speed); keyed on
        their bytes, as they are written in place."""
        pc, pr = self.pc, self.pressures
        key = b"".join(v.tobytes() for v in (self.funding, self.cut, self.sharing_cost, *pr.values()))
        if key != self._standing_key:
            relief = 1.0 - pc["funding_pressure_relief"] * np.minimum(self.funding, 1.0)
            support = pc["funding_effect"] * self.funding - self.cut - self.sharing_cost
            room = np.minimum(np.maximum(self._groups["cap_slack"] + self._cell_values(support, self._groups["cap_cell"]),
                                         0.0), 1.0)
            # Efficiency pressure is felt "under internal and external pressure" (003:57): it counts
            # in both, which makes it the strongest single driver (003:325).
            internal = (pr["member_pressure"] + pr["efficiency_pressure"] * relief
                        + pc["community_pressure_weight"] * pr["community_pressure"])
            self._standing_key = key
            self._standing_view = Standing(internal, pc["central_pressure_weight"] * pr["central_pressure"],
                                           pc["efficiency_external_weight"] * pr["efficiency_pressure"] * relief, room)
        return self._standing_view

    def _lifecycle(self, d, internal, external, ph: "PhaseView") -> tuple[np.ndarray, np.ndarray]:
        """7.4-7.8: forward moves of every phase; returns them and the triangle's balance. A phase
        that no field is in is skipped (its rules would change nothing)."""
        pc = self.pc
        A, C = self.corners[:, :, 0], self.corners[:, :, 1]
        u = d["u"]
        # Adequacy for the next phase (gates moves) and for the phase itself (_reversal), at once.
        ready, self.adequacy = self._adequacy(ph)
        fwd = self._trigger(u, internal, external, A, ph) if ph.any_latent else np.zeros((self.P, self.F), dtype=bool)
        if ph.any_design or ph.any_mob or ph.any_main:
            # Later phases: the corners' adequacy for the *next* phase gates each move (004:105-218);
            # pressure and recognition speed them (000:217); realised value decides (004:33-36, 139-141).
            enable = 1.0 if "pressure_enables" in self.knockouts else \
                lc.enabling(self.total_pressure, self.recognition, pc["pressure_enables"])
            proved = True if "value_gate" in self.knockouts else self.realised >= pc["value_threshold"]
        if ph.any_design:
            fwd |= self._design(d, ph.design, A, C, ph.stretch_field, enable) & (u[:, :, 4] < ready)
        if ph.any_mob:  # value demonstrated, then control handed to managers (004:139-154)
            p_hand = lc.handover_probability(pc["handover_rate"], C, A) * enable * ready
            fwd |= ph.mob & proved & (u[:, :, 2] < p_hand) & (self.held == 0)
        if ph.any_main:  # align with finance, HR, IT, performance management (004:185-188)
            # Overstretch reaches alignment once, through resources (slack net of it; Addendum 17).
            self.alignment += ph.main * pc["alignment_rate"] * C * self.resources * self.network_quality \
                * ALIGNMENT_SPEED * enable * ready
            fwd |= ph.main & proved & (self.alignment >= 1.0)
        # Embedding: balance decides the mode; complacency grows without pressure (004:21-23, 196-218).
        self.balance = bal = tri.balance(self.corners.reshape(-1, 3)).reshape(self.P, self.F)
        if ph.any_emb or self.complacency.any():  # else it stays 0
            grow = np.where(ph.emb, pc["complacency_rate"] * (1 - 2 * self.total_pressure), -COMPLACENCY_RELIEF)
            self.complacency = np.minimum(np.maximum(self.complacency + grow, 0.0), 1.0)
        return fwd, bal

    def _trigger(self, u, internal, external, A, ph: "PhaseView") -> np.ndarray:
        """7.4, 0 -> 1: the will to change, plus inspiration from embedded fields and examples elsewhere."""
        pc = self.pc
        inspiration = self.peer_pull  # 0 + peer_pull without embedded fields
        if ph.any_emb:
            embedded = ph.emb * np.where(self.mode == 3, 2.0, 1.0)
            inspiration = pc["spillover_strength"] * np.matmul(self.cross_links, embedded[:, :, None])[:, :, 0] \
                + self.peer_pull
        aware = self.recognition
        if self._threat:  # threat as well as failure (7.5); 0 = off
            aware = lc.awareness(aware, pc["efficiency_threat"], self._standing().efficiency)
        will = lc.will_to_change(aware, internal, external, A, self.drive)
        p_trig = lc.trigger_probability(will, pc["trigger_rate"], pc["trigger_steepness"], pc["opportunity_rate"],
                                        inspiration)
        return ph.latent & (u[:, :, 0] < p_trig)

    def _adequacy(self, ph: "PhaseView") -> np.ndarray:
        """(2, P, F) adequacy of each field's corners for its next phase and for its phase."""
        return tri.adequacy(self.corners, ph.next_and_own, self.needs, ph.demand)

    def _design(self, d, design, A, C, stretch, enable) -> np.ndarray:
        """7.5: in design, trials start, progress, fail or prove themselves (004:126-133)."""
        pc = self.pc
        p_spawn = lc.spawn_probability(pc["spawn_rate"], A, self.drive, self.risk, pc["clique_density"], stretch)
        spawn = design & (d["u"][:, :, 1] < p_spawn)
        if spawn.any():  # a free slot is looked for only where a trial would start
            self._spawn(d, spawn)
        running = self.trial_active & design[:, :, None]
        if running.any():  # else nothing progresses, fails or is proven
            self._run_trials(d, running, C, enable)
        return design & self.trial_proven.any(axis=2) & (C >= pc["capacity_threshold"])

    def _spawn(self, d, spawn: np.ndarray) -> None:
        """A trial starts in the first free slot of each field where one would start and a slot is free.
        It is the locality's own idea or, if better, an adaptation of one proven elsewhere."""
        free = ~self.trial_active & ~self.trial_proven & self.trial_slot
        pl, fl = np.nonzero(spawn & free.any(axis=2))
        k = np.argmax(free[pl, fl], axis=1)
        own, offer = d["quality"][pl, fl], self.peer_quality[pl, fl]
        if self._learning:  # lessons from lost innovations shape the next trial (000:1462; 003:210, 702)
            own = np.maximum(own, self.pc["learning_from_failure"][pl, fl] * self.lesson[pl, fl])
        self.trial_active[pl, fl, k] = True
        self.trial_quality[pl, fl, k] = np.maximum(own, offer)
        self.trial_adapted[pl, fl, k] = offer > own
        self.trial_progress[pl, fl, k] = 0.0

    def _run_trials(self, d, running: np.ndarray, C: np.ndarray, enable) -> None:
        """7.5: running trials progress, fail or prove themselves."""
        pc = self.pc
        speed = pc["trial_progress_rate"] * (0.5 + C) * (0.5 + self.openness) * enable
        self.trial_progress += running * speed[:, :, None]
        p_fail = lc.trial_failure_probability(pc["trial_failure_rate"], self.openness, C)
        killed = running & (d["u_trial"] < p_fail[:, :, None])
        done = running & ~killed & (self.trial_progress >= 1.0)
        proven = done & (self.trial_quality >= pc["proof_threshold"][:, :, None])
        failed = killed | (done & ~proven)
        if self._learning and failed.any():
            self._learn(failed)
        self.failed_trials += failed.sum(axis=2)
        self.trial_active &= ~(failed | proven)
        self.trial_proven |= proven

    def _reversal(self, d, fwd: np.ndarray, ph: "PhaseView") -> np.ndarray:
        """7.9: any phase may fall back one ("at each point of transition", 004:29-30)."""
        if not ph.any_started:
            return np.zeros_like(fwd)
        A, C, V = self.corners[:, :, 0], self.corners[:, :, 1], self.corners[:, :, 2]
        # Disappointment needs a field in mobilisation or later (else it is 0).
        disappointed = 0.0 if "value_gate" in self.knockouts or not ph.any_proving else \
            lc.disappointment(self.realised, self.pc["value_threshold"], self.in_phase, self.phase)
        adequacy = self.adequacy if self.fixed_adequacy is None else np.full_like(self.adequacy, self.fixed_adequacy)
        p_rev = lc.reversal_probability(self.phase, ph.rates, adequacy, 1.0 - self.openness,
                                        self.pc["opposition"], V, A, C, self.complacency, self.drive, disappointed)
        return ph.started & ~fwd & (d["u"][:, :, 3] < p_rev)

    def _transition(self, fwd: np.ndarray, back: np.ndarray, u_scale: np.ndarray, month: int = 1) -> None:
        """Apply moves and what entering or leaving a phase does to a field (004:130-218).
        ``month``: months the other fields age in their phase (0 for a decision between steps)."""
        moved = fwd | back
        if not moved.any():
            self.in_phase = self.in_phase + month
            return
        old = self.phase
        new = old + fwd - back
        self.phase = new
        self.in_phase = np.where(moved, 0, self.in_phase + month)
        pl, fl = np.nonzero(moved)
        self.log.transitions(self.steps, pl, fl, old[pl, fl], new[pl, fl])
        enters = lambda ph: fwd & (new == ph)  # noqa: E731
        leaves = lambda ph: back & (old == ph)  # noqa: E731
        into, out_of = set(new[fwd].tolist()), set(old[back].tolist())  # only their rules run (speed)
        if Phase.DESIGN in into:
            self._triggered(enters(Phase.DESIGN))
        if Phase.MOBILISATION in into:  # the dominant innovation: the best proven trial; the rest close (004:130-133)
            e = enters(Phase.MOBILISATION)
            q = np.where(self.trial_proven, self.trial_quality, -1.0)
            best = np.argmax(q, axis=2)[..., None]
            # A pilot's promise may not carry over at scale: "if the innovation turns out" (004:139-141).
            scale = 1.0 - SCALE_RISK + 2.0 * SCALE_RISK * u_scale
            self.dominant_quality[e] = (np.take_along_axis(self.trial_quality, best, axis=2)[..., 0] * scale)[e]
            self.dominant_adapted[e] = np.take_along_axis(self.trial_adapted, best, axis=2)[..., 0][e]
            self._clear_trials(e)
            # A new dominant innovation starts unaligned; one that fell back from mainstreaming keeps
            # half its alignment for when it moves on again (7.8).
            self.alignment[e] = 0.0
        if Phase.EMBEDDING in into:
            self.complacency[enters(Phase.EMBEDDING)] = 0.0
        if out_of:
            self.reversals += back
        if Phase.DESIGN in out_of:  # trials abandoned; the will to change dissipates
            e = leaves(Phase.DESIGN)
            self.failed_trials[e] += self.trial_active[e].sum(axis=1)
            if self._learning:
                self._learn((self.trial_active | self.trial_proven) & e[:, :, None])
            self._clear_trials(e)
            self.recognition[e] *= RECOGNITION_KEPT
        if Phase.MOBILISATION in out_of:  # the dominant innovation failed to mobilise
            e = leaves(Phase.MOBILISATION)
            self.failed_trials[e] += 1
            if self._learning:  # as delivered at scale, on the trials' 0-1 scale (it may exceed its pilot, 7.6)
                self.lesson[e] = np.maximum(self.lesson[e], np.minimum(self.dominant_quality[e], 1.0))
            self.dominant_quality[e] = 0.0
        if Phase.MAINSTREAMING in out_of:
            self.alignment[leaves(Phase.MAINSTREAMING)] *= ALIGNMENT_KEPT
        if Phase.EMBEDDING in out_of:
            self.alignment[leaves(Phase.EMBEDDING)] = STAGNANT_ALIGNMENT
        # The uplift ramps from what the field had (Addendum 16), net of the new phase's alignment term.
        self.ramp_from = np.where(moved, self.maturity_now - self._alignment_maturity(new == Phase.MAINSTREAMING),
                                  self.ramp_from)
        if Phase.MOBILISATION in into:  # a new dominant innovation starts from nothing
            self.ramp_from[enters(Phase.MOBILISATION)] = 0.0

    def _triggered(self, e: np.ndarray) -> None:
        """Fields ``e`` leave latent: what their innovation will be judged against is where they
        stand now, net later of improvement and shocks (7.10), and no trial is open yet."""
        self.performance_at_trigger[e] = self.performance[e]
        self.shown_at_trigger[e] = self.improvement_shown[e]
        self.shock_at_trigger[e] = self.shock_shown[e]
        self.realised[e] = 0.0
        self._clear_trials(e)

    def _alignment_maturity(self, main: np.ndarray) -> np.ndarray:
        """7.10's extra maturity from alignment, in the cells of ``main`` (fields in mainstreaming)."""
        return np.where(main, MAINSTREAM_MATURITY * np.minimum(self.alignment, 1), 0.0)

    def _learn(self, lost: np.ndarray) -> None:
        """Keep the best quality among trials ``lost`` (P, F, K) as each field's lesson (7.6)."""
        self.lesson = np.maximum(self.lesson, np.where(lost, self.trial_quality, 0.0).max(axis=2))

    def _clear_trials(self, cells: np.ndarray) -> None:
        self.trial_active[cells] = False
        self.trial_proven[cells] = False
        self.trial_progress[cells] = 0.0

    def _embedding_modes(self, bal: np.ndarray, ph: "PhaseView") -> None:
        """7.8: fragile, sustainable or pervasive embedding (004:196-218)."""
        emb = ph.emb
        if not ph.any_emb and not self.mode.any():
            return
        mode = np.where(bal >= self.pc["balance_threshold"], 2, 1)
        mode = np.where((mode == 2) & (ph.n_emb >= 2) & (self.drive >= PERVASIVE_DRIVE), 3, mode)
        mode = np.where(emb, mode, 0)
        pl, fl = np.nonzero(emb & (mode != self.mode))
        self.log.modes(self.steps, pl, fl, mode[pl, fl])
        self.mode = mode

    def _performance(self, noise: np.ndarray, ph: "PhaseView") -> None:
        """7.10: diversion into unproven work, then the innovation's uplift (the J-curve)."""
        pc = self.pc
        effort = ph.effort  # the terms skipped below are a factor 1 or a term 0 where no field is in the phase
        if ph.any_design:
            busy = 0.5 * self.trial_active.sum(axis=2) / self._K_field
            effort = effort * np.where(ph.design, 0.5 + busy, 1.0)
        maturity = lc.maturity(self.ramp_from, self.phase, self.in_phase)
        if ph.any_main:
            maturity = maturity + self._alignment_maturity(ph.main)
        self.maturity_now = maturity
        potential = (self.performance_base - pc["diversion_cost"] * effort
                     + pc["innovation_uplift"] * self.dominant_quality * maturity)
        if self._improving:  # continuous improvement, where provision is poor (000:157; 003:199)
            self.improvement += lc.improvement_step(pc["improvement_rate"], self.corners[:, :, 1],
                                                    np.maximum(self.total_pressure, self.recognition), self.gap)
            potential = potential + self.improvement
            self.improvement_shown += pc["performance_adjustment"] * (self.improvement - self.improvement_shown)
        self.performance = np.minimum(np.maximum(
            self.performance + pc["performance_adjustment"] * (potential - self.performance)
            + pc["performance_noise"] * noise, 0.0), 1.0)
        if self._shocked:  # performance follows its potential with this lag; so does what it shows of shocks
            self.shock_shown += pc["performance_adjustment"] * (self.shock_base - self.shock_shown)
        self.public_value += (self.performance - self.performance0) / MONTHS_PER_YEAR
        # What the innovation shows: the gain since the trigger net of what ordinary improvement has
        # added to performance since then (lagged as performance is, else the netting is biased).
        gain_from = self.performance_at_trigger + (self.improvement_shown - self.shown_at_trigger) \
            if self._improving else self.performance_at_trigger
        if self._shocked:
            gain_from = gain_from + (self.shock_shown - self.shock_at_trigger)
        self.realised = lc.smooth_value(self.realised, self.performance, gain_from)

    # ------------------------------------------------------------------ scheduled work
    def month(self, observe: Callable[[], None] | None = None) -> None:
        """A month as every model runs it: shocks still due (month 0's act before the first step),
        the step, ``observe()``, then the shocks of the month (they show from the next month on)."""
        self.fire_due(self.steps)
        self.step()
        if observe is not None:
            observe()
        self.fire_due(self.steps)

    def schedule(self, month: int, fn: Callable, *args) -> None:
        """Run ``fn(*args)`` after the step of ``month`` (shocks show from the next month on)."""
        heapq.heappush(self._queue, (month, self._seq, fn, args))
        self._seq += 1

    def fire_due(self, month: int) -> None:
        while self._queue and self._queue[0][0] <= month:
            _, _, fn, args = heapq.heappop(self._queue)
            fn(*args)

    def schedule_shock(self, shock: Shock, places: np.ndarray | None = None) -> None:
        if shock.field is not None:
            self.field_index(shock.field)
        self.schedule(shock.month, self.apply_shock, shock, places)

    # ------------------------------------------------------------------ decisions (the workshop)
    def start_trial(self, place: int, field: int, quality: float, adapted: bool = False) -> str:
        """A trial started by decision rather than by chance (a workshop table's "back a trial"
        or "copy a neighbour's idea"): a latent field enters design now (the trigger point, as
        ``_transition`` makes it) and a trial of ``quality`` takes a free slot, as a spawned one
        does (7.5). A field past design, or without a free slot, is left alone. No random draw:
        the place's stream is untouched. Returns what happened, for the log."""
        p, f = int(place), int(field)
        if self.phase[p, f] == Phase.LATENT:
            self._move_now(p, f, forward=True)
        if self.phase[p, f] != Phase.DESIGN:
            return f"no trial: {self.fields[f]} is in {PHASE_NAMES[self.phase[p, f]]}, past trials"
        free = ~self.trial_active[p, f] & ~self.trial_proven[p, f] & self.trial_slot[p, 0]
        if not free.any():
            return f"no trial: every trial slot of {self.fields[f]} is in use"
        k = int(np.argmax(free))
        self.trial_active[p, f, k], self.trial_progress[p, f, k] = True, 0.0
        self.trial_quality[p, f, k], self.trial_adapted[p, f, k] = float(np.clip(quality, 0, 1)), bool(adapted)
        text = f"trial started (quality {quality:.2f}{', adapted' if adapted else ''})"
        self.log.row(self.steps, p, self.fields[f], "decision:trial", text)
        return text

    def fall_back(self, place: int, field: int) -> str:
        """A project stopped by decision: the field falls back one phase with every consequence
        of a reversal (7.9: trials abandoned, the will to change or alignment partly lost)."""
        p, f = int(place), int(field)
        if self.phase[p, f] == Phase.LATENT:
            return f"nothing to stop: {self.fields[f]} is latent"
        self._move_now(p, f, forward=False)
        text = f"stopped: {self.fields[f]} back to {PHASE_NAMES[self.phase[p, f]]}"
        self.log.row(self.steps, p, self.fields[f], "decision:stop", text)
        return text

    def _move_now(self, p: int, f: int, forward: bool) -> None:
        """Field f of place p moves one phase now, between steps, with every consequence
        ``_transition`` gives a move; the other fields do not age."""
        move = np.zeros((self.P, self.F), dtype=bool)
        move[p, f] = True
        still = np.zeros_like(move)
        self._transition(move if forward else still, still if forward else move, np.zeros((self.P, self.F)), month=0)

    def reseed(self, rngs: Sequence[np.random.Generator]) -> None:
        """Draw every place's future from new streams (one generator per place) from the next
        month on; the state built so far is kept (an ensemble of futures of the same places)."""
        if len(rngs) != self.P:
            raise ValueError(f"reseed needs one generator per place ({self.P}), got {len(rngs)}")
        self.rngs = list(rngs)
        self._chunk_at = DRAW_CHUNK  # the next month draws a fresh chunk from the new streams

    # ------------------------------------------------------------------ shocks
    def apply_shock(self, shock: Shock, places: np.ndarray | None = None) -> dict[int, str]:
        """Apply ``shock`` now to ``places`` (default: every place), on its field or every field.
        Returns the per-place details of a structural shock (who arrived, an election's outcome)."""
        places = np.arange(self.P) if places is None else np.asarray(places, dtype=np.int64)
        if shock.field is None:
            fs = np.arange(self.F)
        else:
            fs = np.array([self.field_index(shock.field)])
        pl, fl = np.repeat(places, len(fs)), np.tile(fs, len(places))
        label = shock.field or "all"
        detail = f"magnitude={shock.magnitude:g}" + (f", duration={shock.duration}" if shock.duration else "")
        details = self.apply_cells(shock, pl, fl, label)
        for p in places:
            d = details.get(int(p))  # an election's outcome is its whole detail
            text = detail if d is None else d if shock.kind == "election" else f"{d}, {detail}"
            self.log.row(self.steps, int(p), label, f"shock:{shock.kind}", text)
        return details

    def apply_cells(self, shock: Shock, pl: np.ndarray, fl: np.ndarray, label: str) -> dict[int, str]:
        """The effect of ``shock`` on the (place, field) cells; returns per-place details of
        structural shocks (leaders, providers)."""
        kind, mag = shock.kind, shock.magnitude
        cells = (pl, fl)
        if kind == "underperformance":
            self.recognition[cells] = np.maximum(self.recognition[cells], min(1.0, mag))
            self.inspection[cells] += mag
            self._bump_pressure("member_pressure", pl, fl, INSPECTION_MEMBER_PRESSURE * mag, None)
        elif kind in PRESSURE_KINDS:
            self._bump_pressure(kind, pl, fl, mag, shock.duration)
        elif kind == "funding_start":
            self.funding[cells] += mag
            if shock.duration:
                self.schedule(self.steps + shock.duration, self._funding_change, pl, fl, -mag, label)
        elif kind == "funding_end":
            self.funding[cells] = np.maximum(0.0, self.funding[cells] - mag)
        elif kind in ("budget_cut", "crisis"):
            self._hit_performance(shock, pl, fl)
        elif kind == "hold":
            self.held[cells] += 1
            if shock.duration:
                self.schedule(self.steps + shock.duration, self._release, pl, fl, label)
        else:
            return self._structural(shock, pl, fl)
        return {}

    def _hit_performance(self, shock: Shock, pl: np.ndarray, fl: np.ndarray) -> None:
        """A budget cut (a lower base, less slack, efficiency pressure) or a crisis (performance falls
        at once, failure is recognised, pressure rises). What each takes from performance is kept
        apart, so realised value is net of it (validation-plan Addendum 18)."""
        cells, mag = (pl, fl), shock.magnitude
        self._shocked = True
        if shock.kind == "budget_cut":
            self.cut[cells] += CUT_SLACK * mag
            before = self.performance_base[cells]
            self.performance_base[cells] = np.clip(before - CUT_PERFORMANCE * mag, 0, 1)
            self.shock_base[cells] += self.performance_base[cells] - before
            self._bump_pressure("efficiency_pressure", pl, fl, CUT_EFFICIENCY * mag, None)
            return
        before = self.performance[cells]
        self.performance[cells] = np.clip(before - CRISIS_PERFORMANCE * mag, 0, 1)
        self.shock_shown[cells] += self.performance[cells] - before
        self.recognition[cells] = np.maximum(self.recognition[cells], min(1.0, CRISIS_RECOGNITION * mag))
        for k in ("member_pressure", "community_pressure"):
            self._bump_pressure(k, pl, fl, CRISIS_PRESSURE * mag, shock.duration or CRISIS_MONTHS)

    def _structural(self, shock: Shock, pl: np.ndarray, fl: np.ndarray) -> dict[int, str]:
        kind, mag, par = shock.kind, shock.magnitude, self.par
        out = {}
        for p in np.unique(pl):
            p = int(p)
            if kind == "leader_arrival":
                out[p] = self.leader_arrival(p, shock.role, shock.field, par["new_leader_drive"][p] * mag)
            elif kind == "leader_departure":
                out[p] = self.leader_departure(p, shock.role, shock.field, mag)
            elif kind == "commissioning":
                out[p] = self.commission(p, fl[pl == p], mag)
            elif kind == "partnership":
                out[p] = self.partnership(p, fl[pl == p], shock.layer, mag)
            elif kind == "election":
                rng = self.rngs[p]
                turnover, u = rng.random(), rng.random()
                if turnover < min(1.0, par["election_turnover"][p] * mag):
                    lo, hi = self.elected_drive or (np.nan, np.nan)
                    out[p] = "political leader replaced; " + self.leader_arrival(
                        p, "political_leader", None, lo + (hi - lo) * u, outsider=False)
                else:
                    out[p] = "political leader re-elected"
        return out

    def _bump_pressure(self, kind, pl, fl, delta, duration) -> None:
        arr = self.pressures[kind]
        before = arr[pl, fl].copy()
        arr[pl, fl] = np.clip(arr[pl, fl] + delta, 0, 1)
        if duration:
            self.schedule(self.steps + duration, self._pressure_change, kind, pl, fl, before - arr[pl, fl])

    def _pressure_change(self, kind, pl, fl, delta) -> None:
        self.pressures[kind][pl, fl] = np.clip(self.pressures[kind][pl, fl] + delta, 0, 1)

    def _release(self, pl, fl, label) -> None:
        self.held[pl, fl] -= 1
        for p in np.unique(pl):
            self.log.row(self.steps, int(p), label, "shock:hold_end", "hold ended")

    def _funding_change(self, pl, fl, delta, label) -> None:
        self.funding[pl, fl] = np.maximum(0.0, self.funding[pl, fl] + delta)
        for p in np.unique(pl):
            self.log.row(self.steps, int(p), label, "shock:funding_end", "pilot grant ended")

    # leadership and commissioning ---------------------------------------------------------------
    def _holders(self, p: int, role: str, field: str | None) -> np.ndarray:
        a = self.block(p)
        mask = a.alive & (a.role == net.ROLE_CODE[role])
        if role == "director":
            mask &= a.field == self.field_index(field)
        return np.flatnonzero(mask)

    def leader_departure(self, p: int, role: str, field: str | None, magnitude: float) -> str:
        a = self.block(p)
        if role == "core_clique":
            members = np.flatnonzero(a.clique & a.alive)
            leaving = members[: int(round(len(members) * min(1.0, magnitude)))]
        else:
            leaving = self._holders(p, role, field)
        for i in leaving:
            self._remove_agent(p, int(i))
        if len(leaving):
            self.restructure([p])
            return f"{len(leaving)} x {role} left"
        return f"no {role} in post"

    def _remove_agent(self, p: int, i: int) -> None:
        a = self.block(p)
        if self.on_remove is not None:
            self.on_remove(p, i)
        a.alive[i] = False
        a.clique[i] = False
        a.x[i] = 0.0
        self.links[p] = self.links[p].without(i)

    def leader_arrival(self, p: int, role: str, field: str | None, drive: float, outsider: bool = True) -> str:
        """A new leader in ``role`` (the incumbent leaves). An outsider (000:1287) comes with
        ``drive``, legitimacy NEW_LEADER_LEGITIMACY, risk appetite at least NEWCOMER_RISK and
        tenure 0 (a new-leader push); a local politician (``outsider=False``) with legitimacy, drive
        (``drive`` if not NaN) and risk appetite drawn afresh like any incumbent's, and tenure
        ELECTED_TENURE."""
        params, rng = self.params[p], self.rngs[p]
        replaced = self.leader_departure(p, role, field, 1.0)
        i = self._free_slot(p)
        a = self.block(p)
        corner, layer, weight = net.ROLES[role]
        a.role[i], a.corner[i], a.layer[i], a.weight[i] = net.ROLE_CODE[role], corner, layer, weight
        a.field[i] = self.field_index(field) if role == "director" else net.ALL_FIELDS
        a.alive[i], a.x[i] = True, INITIAL_LEVEL
        if outsider:
            a.drive[i], a.legitimacy[i], a.tenure[i] = min(1.0, drive), NEW_LEADER_LEGITIMACY, 0
            a.risk[i] = max(float(a.risk[i]), NEWCOMER_RISK)
        else:  # traits drawn afresh like any incumbent's (not the freed row's: the old leader's)
            legitimacy, drawn, risk = (float(np.clip(mean + rng.uniform(-TRAIT_SPREAD, TRAIT_SPREAD), 0.0, 1.0))
                                       for mean in (LEGITIMACY, params["leader_drive"], params["risk_appetite"]))
            a.legitimacy[i], a.risk[i] = legitimacy, risk
            a.drive[i] = drawn if np.isnan(drive) else min(1.0, drive)
            a.tenure[i] = ELECTED_TENURE
        # Joins the senior team (and the core clique) and links to managers of its field(s).
        seniors = np.flatnonzero(a.alive & np.isin(a.role, [net.ROLE_CODE[r] for r in net.SENIOR_ROLES]))
        managers = np.flatnonzero(a.alive & (a.role == net.ROLE_CODE["manager"])
                                  & ((a.field == a.field[i]) | (a.field[i] < 0)))
        a.clique[i] = bool(a.clique.any())
        links = {int(j): SENIOR_LINK for j in seniors if j != i}
        mgr_p = MANAGER_LINK_CHANCE["director" if role == "director" else "other"]
        for j in managers[rng.random(len(managers)) < mgr_p]:
            links[int(j)] = float(net.vary_strength(params["strength_systemic_sectoral"], rng.random()))
        self._attach(p, i, corner, links)
        self.restructure([p])
        return f"new {role} (drive {a.drive[i]:.2f}); {replaced}"

    def _free_slot(self, p: int) -> int:
        """An unused agent slot of place p, growing its block when none is left."""
        free = np.flatnonzero(~self.block(p).alive)
        if not len(free):
            self._grow(p, SPARE_SLOTS)
            free = np.flatnonzero(~self.block(p).alive)
        return int(free[0])

    def _grow(self, p: int, extra: int) -> None:
        blocks = [self.block(q) for q in range(self.P)]
        b = blocks[p]
        blocks[p] = Agents(**{k: np.concatenate([getattr(b, k), np.zeros(extra, dtype=getattr(b, k).dtype)])
                              for k in b.names()})
        blocks[p].place[-extra:] = p
        self._layout(Agents(**{k: np.concatenate([getattr(b, k) for b in blocks]) for k in b.names()}))

    def _attach(self, p: int, i: int, corner: int, links: dict[int, float]) -> None:
        self.links[p] = self.links[p].with_links(i, links)
        if self.on_attach is not None:
            self.on_attach(p, i, corner, links)

    def commission(self, p: int, fields: np.ndarray, magnitude: float) -> str:
        """Commissioning out (000:1102-1136): the council lets contracts for a field's delivery to
        voluntary and community organisations. Each provider joins the field's capacity corner
        (sectoral layer) as a partner with its own staff and resources, not the council's: its
        skill is the locality's, but it is open to change and has slack (it bid for the work and
        levers in funding, 000:1104, 1132; "initial capacity of the sector was crucial", 000:1248;
        the values are an assumption). A core team keeps oversight (000:1136): providers link to
        the field's director and managers, and to its community groups and residents, whom they
        reach better than the council (000:1104)."""
        params, rng = self.params[p], self.rngs[p]
        k = int(round(COMMISSION_PROVIDERS * magnitude))
        codes = [net.ROLE_CODE[r] for r in ("director", "manager", "community_group", "resident")]
        for f in fields:
            for _ in range(k):
                i = self._free_slot(p)
                a = self.block(p)
                corner, layer, weight = net.ROLES["partner"]
                a.role[i], a.corner[i], a.layer[i], a.weight[i] = net.ROLE_CODE["partner"], corner, layer, weight
                a.field[i], a.alive[i], a.x[i], a.clique[i], a.tenure[i] = f, True, INITIAL_LEVEL, False, 0
                a.skill[i] = np.clip(params["skill"] + rng.uniform(-TRAIT_SPREAD, TRAIT_SPREAD), 0, 1)
                a.openness[i] = a.openness0[i] = rng.uniform(*PROVIDER_OPENNESS)
                a.slack[i] = rng.uniform(*PROVIDER_SLACK)
                a.legitimacy[i], a.drive[i], a.risk[i], a.voice[i] = LEGITIMACY, 0.0, 0.5, VOICE
                near = np.flatnonzero(a.alive & (a.field == f) & np.isin(a.role, codes))
                near = near[(a.role[near] != net.ROLE_CODE["resident"]) | (rng.random(len(near)) < PROVIDER_RESIDENT_CHANCE)]
                self._attach(p, i, corner, {int(j): float(net.vary_strength(params["strength_sectoral_frontline"],
                                                                            rng.random())) for j in near})
        self.restructure([p])
        return f"{k * len(fields)} providers contracted"

    def partnership(self, p: int, fields: np.ndarray, layer: str, magnitude: float) -> str:
        """A new partnership structure (000:377-393, 623, 882-897): the existing links of
        ``fields`` in ``layer`` move a share min(1, PARTNERSHIP_GAIN * |magnitude|) of the way to 1,
        or, for a negative magnitude (a structure dismantled), towards the weakest strength a link
        has (net.MIN_STRENGTH: a link at 0 would still count in the means over links). A link is a
        field's when one end acts on that field and the other on it or on every field."""
        a, links = self.block(p), self.links[p]
        li, lj = a.layer[links.i], a.layer[links.j]
        if layer == "horizontal":
            sel = li == lj
        else:
            hi, lo = PARTNERSHIP_PAIRS[layer]
            sel = ((li == hi) & (lj == lo)) | ((li == lo) & (lj == hi))
        fi, fj = a.field[links.i], a.field[links.j]
        sel &= (np.isin(fi, fields) & ((fj == fi) | (fj == net.ALL_FIELDS))) \
            | (np.isin(fj, fields) & ((fi == fj) | (fi == net.ALL_FIELDS)))
        share = min(1.0, PARTNERSHIP_GAIN * abs(magnitude))
        w = links.w.copy()
        w[sel] += share * ((1.0 if magnitude >= 0 else np.minimum(w[sel], net.MIN_STRENGTH)) - w[sel])
        self.links[p] = Links(links.i, links.j, w)
        self.restructure([p])
        if self.on_reweight is not None:
            self.on_reweight(p)
        n, where = int(sel.sum()) // 2, layer.replace("_", "-")
        return f"{n} {where} links " + ("unchanged" if share == 0 else "strengthened" if magnitude > 0 else "weakened")

    # ------------------------------------------------------------------ outputs
    def snapshot(self) -> np.ndarray:
        """Every place's fields now: (places, fields, COLUMNS)."""
        return np.concatenate((  # one call: cheaper than filling the columns one by one
            self.phase[:, :, None], self.corners, self.performance[:, :, None], self.public_value[:, :, None],
            np.add.reduce(self.trial_active, axis=2)[:, :, None], self.failed_trials[:, :, None], self.flows,
            self.recognition[:, :, None], self.total_pressure[:, :, None], self.alignment[:, :, None],
            self.complacency[:, :, None], self.balance[:, :, None], self.reversals[:, :, None], self.mode[:, :, None],
            self.realised[:, :, None], self.openness[:, :, None], self.adequacy[:, :, None],
            self.improvement[:, :, None]), axis=2, dtype=float)

    def events_frame(self, place: int | None = None) -> pd.DataFrame:
        rows = self.log.rows(self.fields, place)
        return pd.DataFrame(rows, columns=["step", "place", "field", "kind", "detail"])
