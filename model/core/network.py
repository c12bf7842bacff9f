"""The layered local innovation system (004:285-368, Figure 5).

Four layers -- systemic, sectoral, frontline, public -- linked horizontally (within a layer) and
vertically (between adjacent layers). Each link has a strength in (0, 1]: "rich and dense or thin
and atrophied" (004:367). The builder is pure numpy: it returns arrays that the Locality turns
into a ``mesa.discrete_space.Network`` and agents.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields
from typing import Sequence

import numpy as np

AUTHORITY, CAPACITY, VALUE = 0, 1, 2
CORNERS = ("authority", "capacity", "value")
SYSTEMIC, SECTORAL, FRONTLINE, PUBLIC = 0, 1, 2, 3
LAYERS = ("systemic", "sectoral", "frontline", "public")
ALL_FIELDS = -1  # an agent that acts on every field (e.g. the chief executive)

# role -> (corner, layer, weight in its corner's aggregate). Weights: senior posts count more
# because senior leadership is "the single most important factor" (003:588); assumption (values).
ROLES: dict[str, tuple[int, int, float]] = {
    "political_leader": (AUTHORITY, SYSTEMIC, 3.0),
    "chief_executive": (AUTHORITY, SYSTEMIC, 3.0),
    "director": (AUTHORITY, SYSTEMIC, 2.0),
    "senior_officer": (AUTHORITY, SYSTEMIC, 1.0),
    "cabinet_member": (AUTHORITY, SYSTEMIC, 1.0),
    "councillor": (AUTHORITY, SYSTEMIC, 0.5),
    "central_government": (AUTHORITY, SYSTEMIC, 0.5),
    "inspectorate": (AUTHORITY, SYSTEMIC, 0.5),
    "manager": (CAPACITY, SECTORAL, 1.0),
    "partner": (CAPACITY, SECTORAL, 1.0),
    "frontline_team": (CAPACITY, FRONTLINE, 1.0),
    "community_group": (VALUE, FRONTLINE, 1.0),
    "resident": (VALUE, PUBLIC, 1.0),
}
ROLE_NAMES = tuple(ROLES)
ROLE_CODE = {r: i for i, r in enumerate(ROLE_NAMES)}
ROLE_CORNER = np.array([ROLES[r][0] for r in ROLE_NAMES], dtype=np.int8)
ROLE_LAYER = np.array([ROLES[r][1] for r in ROLE_NAMES], dtype=np.int8)
ROLE_WEIGHT = np.array([ROLES[r][2] for r in ROLE_NAMES])
# Roles with one holder (per field for directors) that a leadership event replaces.
SENIOR_ROLES = ("political_leader", "chief_executive", "director")
MIN_STRENGTH = 0.05  # an added link (line manager, newcomer, provider) is never weaker; assumption
WARD_LINKS = 5  # residents each backbench councillor is linked to (ward representation); assumption
BUILD_CHUNK = 32  # places built together (build_batch)


@dataclass
class Structure:
    role: np.ndarray  # int codes into ROLE_NAMES
    corner: np.ndarray
    layer: np.ndarray
    field: np.ndarray  # field index, or ALL_FIELDS
    weight: np.ndarray
    clique: np.ndarray  # bool: member of the core clique
    i: np.ndarray  # links (i < j), row-major order, with their strengths w in (0, 1]
    j: np.ndarray
    w: np.ndarray

    @property
    def n(self) -> int:
        return len(self.role)

    @property
    def adjacency(self) -> np.ndarray:
        """Symmetric (N, N) link strengths, 0 = no link."""
        out = np.zeros((self.n, self.n))
        out[self.i, self.j] = self.w
        out[self.j, self.i] = self.w
        return out


ROSTER_SIZES = ("n_senior_per_field", "n_cabinet", "n_councillors", "n_managers_per_field", "n_partners",
                "n_frontline_per_field", "n_community_groups", "n_residents")


@dataclass(frozen=True)
class _Plan:
    """What every place of the same make-up shares (read-only arrays): the roster, and what the
    builder derives from it alone (computed once instead of per place)."""

    role: np.ndarray
    field: np.ndarray  # int16; drawn fields are 0 here
    drawn: tuple  # (start, count) of the runs whose fields are drawn
    corner: np.ndarray
    layer: np.ndarray
    weight: np.ndarray
    residents: np.ndarray
    councillors: np.ndarray
    clique_order: np.ndarray  # core clique candidates in order: senior leaders, then managers
    clique_rank: np.ndarray  # each agent's place in clique_order (n if not a candidate)
    pair_code: np.ndarray  # per pair (i < j), row-major: _pair_code of its layers and public-corner count
    group_up: np.ndarray  # (4 (F + 1), n): agents one layer above each (layer, field + 1) group of agents
    group_field: np.ndarray  # (4 (F + 1), 1): field of each group (-1: acting on every field)


def _pair_code(layer_i, layer_j, public):
    """A pair's row in _link_tables: its two layers and how many of the two are public-corner (0-2)."""
    return 3 * (4 * layer_i + layer_j) + public


@functools.lru_cache(maxsize=16)
def _plan(sizes: tuple[int, ...], n_fields: int) -> _Plan:
    role, field, drawn = _roster_plan(sizes, n_fields)
    corner, layer = ROLE_CORNER[role], ROLE_LAYER[role]
    a, b = _pairs(len(role))
    value = (corner == VALUE).astype(np.int8)
    order = [ROLE_CODE[r] for r in ("political_leader", "chief_executive", "director", "manager")]
    clique_order = np.concatenate([np.flatnonzero(role == c) for c in order])
    clique_rank = np.full(len(role), len(role))
    clique_rank[clique_order] = np.arange(len(clique_order))
    group_layer = np.repeat(np.arange(4), n_fields + 1)[:, None]
    plan = _Plan(role, field.astype(np.int16), drawn, corner, layer, ROLE_WEIGHT[role],
                 np.flatnonzero(role == ROLE_CODE["resident"]), np.flatnonzero(role == ROLE_CODE["councillor"]),
                 clique_order, clique_rank,
                 _pair_code(layer[a], layer[b], value[a] + value[b]),  # int8: at most 47
                 layer == group_layer - 1, np.tile(np.arange(-1, n_fields), 4)[:, None])
    for x in vars(plan).values():
        if isinstance(x, np.ndarray):
            x.flags.writeable = False
    return plan


@functools.lru_cache(maxsize=16)
def _roster_plan(sizes: tuple[int, ...], n_fields: int) -> tuple[np.ndarray, np.ndarray, tuple]:
    """The roster's fixed part, shared by every place of the same make-up: role codes, the fields
    that are not drawn, and the (start, count) of the runs whose fields are drawn."""
    senior, cabinet, councillors, managers, partners, frontline, groups, residents = sizes
    roles: list[str] = []
    fields: list[np.ndarray] = []
    drawn: list[tuple[int, int]] = []

    def add(role: str, count: int, field_of=None):
        if field_of is None:
            drawn.append((len(roles), count))
            field_of = lambda k: np.zeros(k)  # noqa: E731
        roles.extend([role] * count)
        fields.append(np.asarray(field_of(count), dtype=np.int64).reshape(count))

    every = lambda k: np.full(k, ALL_FIELDS)  # noqa: E731
    add("political_leader", 1, every)
    add("chief_executive", 1, every)
    for f in range(n_fields):
        add("director", 1, lambda k, f=f: np.full(k, f))
        add("senior_officer", senior - 1, lambda k, f=f: np.full(k, f))
    add("cabinet_member", cabinet, lambda k: np.arange(k) % n_fields)  # portfolio holders
    add("councillor", councillors, every)
    add("central_government", 1, every)
    add("inspectorate", 1, every)
    for f in range(n_fields):
        add("manager", managers, lambda k, f=f: np.full(k, f))
    add("partner", partners)
    for f in range(n_fields):
        add("frontline_team", frontline, lambda k, f=f: np.full(k, f))
    add("community_group", groups)
    add("resident", residents)
    role = np.array([ROLE_CODE[r] for r in roles], dtype=np.int16)
    field = np.concatenate(fields)
    for x in (role, field):
        x.flags.writeable = False
    return role, field, tuple(drawn)


def _layer_tables(params: dict) -> tuple[np.ndarray, np.ndarray]:
    """Link probability and mean strength by (layer, layer): within a layer, between adjacent
    layers, none further apart (004:285-368)."""
    dl = np.abs(np.arange(4)[:, None] - np.arange(4)[None, :])
    lo = np.minimum(np.arange(4)[:, None], np.arange(4)[None, :])
    p = np.where(dl == 0, params["density_within_layer"], np.where(dl == 1, params["density_between_layers"], 0.0))
    vertical = np.array([params["strength_systemic_sectoral"], params["strength_sectoral_frontline"],
                         params["strength_frontline_public"], 0.0])
    mean_w = np.where(dl == 0, params["strength_horizontal"], vertical[lo])
    return p, mean_w


LINK_FIELDS = ("i", "j", "w")  # the fields of a Structure that are per link; the others are per agent


@dataclass
class Batch:
    """The structures of many places end to end, in place order: ``structure`` holds place p's
    agents in rows ``start[p]:start[p + 1]`` and its links (i < j, in its own numbering) in entries
    ``link_start[p]:link_start[p + 1]``."""

    structure: Structure
    start: np.ndarray
    link_start: np.ndarray

    def place(self, p: int) -> Structure:
        rows, links = slice(self.start[p], self.start[p + 1]), slice(self.link_start[p], self.link_start[p + 1])
        return Structure(**{f.name: getattr(self.structure, f.name)[links if f.name in LINK_FIELDS else rows]
                            for f in fields(Structure)})

    @classmethod
    def joined(cls, parts: Sequence[tuple[np.ndarray, "Batch"]]) -> "Batch":
        """One batch from batches of some of the places each (with their places' indices), covering
        every place once."""
        place = np.concatenate([idx for idx, _ in parts])
        n = np.concatenate([np.diff(b.start) for _, b in parts])
        links = np.concatenate([np.diff(b.link_start) for _, b in parts])
        cat = {f.name: np.concatenate([getattr(b.structure, f.name) for _, b in parts]) for f in fields(Structure)}
        order = np.argsort(place)
        if (order != np.arange(len(order))).any():  # rows and links place by place
            rows, at = _ranges(np.cumsum(n) - n, n, order), _ranges(np.cumsum(links) - links, links, order)
            cat = {k: v[at if k in LINK_FIELDS else rows] for k, v in cat.items()}
        return cls(Structure(**cat), np.r_[0, np.cumsum(n[order])], np.r_[0, np.cumsum(links[order])])


def _ranges(starts: np.ndarray, lengths: np.ndarray, order: np.ndarray) -> np.ndarray:
    """The ranges ``starts[k]:starts[k] + lengths[k]`` for k in ``order``, end to end."""
    s, k = starts[order], lengths[order]
    return np.repeat(s - (np.cumsum(k) - k), k) + np.arange(k.sum())


def build(params: dict, n_fields: int, rng: np.random.Generator) -> Structure:
    """The locality's agents and links, drawn over pairs (i < j) only."""
    return build_batch([params], n_fields, [rng]).place(0)


def build_batch(params: Sequence[dict], n_fields: int, rngs: Sequence[np.random.Generator]) -> Batch:
    """The agents and links of many places, each drawn from its own stream: every place draws what
    it would draw alone, in the same order and sizes, and the work between its draws is done for
    all places (of the same roster) at once."""
    plans = [_plan(tuple(int(p[k]) for k in ROSTER_SIZES), n_fields) for p in params]
    groups: dict[int, list[int]] = {}
    for p, plan in enumerate(plans):
        groups.setdefault(id(plan), []).append(p)
    # In chunks of places: arrays of a few places' link candidates stay in the cache (speed).
    chunks = [np.array(idx[k:k + BUILD_CHUNK]) for idx in groups.values() for k in range(0, len(idx), BUILD_CHUNK)]
    parts = [(idx, _build_group(plans[idx[0]], [params[p] for p in idx], n_fields, [rngs[p] for p in idx]))
             for idx in chunks]
    return parts[0][1] if len(parts) == 1 else Batch.joined(parts)


def _uniforms(rngs: Sequence[np.random.Generator], counts: np.ndarray) -> np.ndarray:
    """``rngs[p].random(counts[p])`` for each place in turn, end to end in one array."""
    ends = np.cumsum(counts)
    out = np.empty(int(ends[-1]) if len(ends) else 0)
    for rng, s, e in zip(rngs, (ends - counts).tolist(), ends.tolist()):
        rng.random(out=out[s:e])
    return out


def _build_group(plan: "_Plan", params: Sequence[dict], n_fields: int, rngs: Sequence[np.random.Generator]) -> Batch:
    """build_batch for places of one roster: (places, agents) arrays; agents numbered across places."""
    P, n = len(params), len(plan.role)
    tables = [_link_tables(tuple(float(p[k]) for k in LINK_PARAMS)) for p in params]
    p_link, w_link = np.stack([t.p for t in tables]), np.stack([t.w for t in tables])
    p_max = np.array([t.p_max for t in tables])

    # Each place's drawn fields, then its link candidates (_sample_links).
    field = np.tile(plan.field, (P, 1))
    cand = []
    for p, rng in enumerate(rngs):
        for s, k in plan.drawn:
            field[p, s:s + k] = rng.integers(n_fields, size=k)
        cand.append(_bernoulli_positions(len(plan.pair_code), float(p_max[p]), rng))
    a, b, code, place, w = _sample_links(plan, field.reshape(-1), cand, p_max, p_link, w_link, rngs)
    ga, gb = place * n + a, place * n + b
    links = {"a": [ga], "b": [gb], "w": [w]}
    _add_links(links, *_up_links(plan, n_fields, field, ga, gb, code, w, np.stack([t.w_layer for t in tables]), rngs))
    if len(plan.residents) and len(plan.councillors):
        _add_links(links, *_ward_links(plan, params, rngs))
    clique, clique_links = _clique_links(plan, params, rngs)
    _add_links(links, *clique_links)

    i, j, w = _merge_links(links, P * n)  # row-major across places: place by place
    places = Structure(np.tile(plan.role, P), np.tile(plan.corner, P), np.tile(plan.layer, P), field.reshape(-1),
                       np.tile(plan.weight, P), clique.reshape(-1), i % n, j % n, w)
    return Batch(places, np.arange(P + 1) * n, np.searchsorted(i, np.arange(P + 1) * n))


def _up_links(plan: "_Plan", n_fields: int, field: np.ndarray, ga: np.ndarray, gb: np.ndarray, code: np.ndarray,
              w: np.ndarray, w_layer: np.ndarray, rngs: Sequence[np.random.Generator]):
    """Every agent below the systemic layer has at least one link upwards within its field: every
    team has a line manager, every resident uses a service (assumption). A link to a random
    candidate for each agent without one among the sampled links (ga, gb) of codes ``code``."""
    # j is "up" from i if one layer above it, in i's field or acting on every field.
    (P, n), layer = field.shape, plan.layer
    flat_field = field.reshape(-1)
    fa, fb, live = flat_field[ga], flat_field[gb], w > 0
    has_up = np.zeros(P * n, dtype=bool)
    has_up[ga[live & B_ABOVE[code] & ((fb == fa) | (fb < 0))]] = True
    has_up[gb[live & A_ABOVE[code] & ((fa == fb) | (fa < 0))]] = True
    # The agents up from each (layer, field + 1) group, as a (places, groups, n) mask.
    group = layer.astype(np.intp) * (n_fields + 1) + field + 1
    up = plan.group_up & ((field[:, None, :] == plan.group_field) | (field[:, None, :] < 0))
    reachable = up.sum(axis=2)
    need = (layer > SYSTEMIC) & (reachable[np.arange(P)[:, None], group] > 0) & ~has_up.reshape(P, n)
    rp, rows = np.nonzero(need)
    count = np.bincount(rp, minlength=P)
    g = group[rp, rows]
    listed = np.flatnonzero(up) % n  # each (place, group)'s candidates in turn, in roster order
    pick = (_uniforms(rngs, count) * reachable[rp, g]).astype(np.int64)  # a random candidate each: the k-th, k uniform
    cols = listed[(np.cumsum(reachable) - reachable.reshape(-1))[rp * up.shape[1] + g] + pick]
    strength = vary_strength(w_layer[rp, layer[rows], layer[cols]], _uniforms(rngs, count))
    return rp * n + rows, rp * n + cols, strength


def _ward_links(plan: "_Plan", params: Sequence[dict], rngs: Sequence[np.random.Generator]):
    """Backbench councillors represent residents: the route by which value feeds back to authority."""
    P, n = len(params), len(plan.role)
    residents, councillors = plan.residents, plan.councillors
    k = min(WARD_LINKS, len(residents))  # k residents each, without replacement: the k smallest keys
    keys = _uniforms(rngs, np.full(P, len(councillors) * len(residents))).reshape(P, len(councillors), -1)
    offset = (np.arange(P) * n)[:, None]
    js = residents[np.argpartition(keys, k - 1, axis=2)[:, :, :k]].reshape(P, -1) + offset
    frontline_public = np.array([p["strength_frontline_public"] for p in params])[:, None]
    w = frontline_public * (0.5 + _uniforms(rngs, np.full(P, js.shape[1])).reshape(P, -1))
    return (offset + np.repeat(councillors, k)).ravel(), js.ravel(), w.ravel()


def _clique_links(plan: "_Plan", params: Sequence[dict], rngs: Sequence[np.random.Generator]):
    """Core clique: senior leaders first, then managers (004:465-478). Its (places, n) mask and links."""
    P, n = len(params), len(plan.role)
    size = np.minimum([p["core_clique_size"] for p in params], len(plan.clique_order))
    pairs = [_pairs(int(m)) for m in size]  # (i, j) of the members
    ia, ib = np.concatenate([x[0] for x in pairs]), np.concatenate([x[1] for x in pairs])
    in_place = np.repeat(np.arange(P), [len(x[0]) for x in pairs])
    density = np.array([p["core_clique_density"] for p in params])
    hit = _uniforms(rngs, np.bincount(in_place, minlength=P)) < density[in_place]
    on = in_place[hit]
    links = (on * n + plan.clique_order[ia[hit]], on * n + plan.clique_order[ib[hit]],
             0.8 + 0.2 * _uniforms(rngs, np.bincount(on, minlength=P)))
    return plan.clique_rank < size[:, None], links


@functools.lru_cache(maxsize=8)
def _pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """All pairs i < j of n agents, row-major (shared by every place of that size; int32: less to
    read per link candidate)."""
    a, b = (x.astype(np.int32) for x in np.triu_indices(n, 1))
    for x in (a, b):
        x.flags.writeable = False
    return a, b


_LA, _LB = np.divmod(np.arange(16), 4)  # the two layers of each pair code // 3
A_ABOVE = np.repeat(_LA == _LB - 1, 3)  # by pair code: the pair's first agent is one layer above the second
B_ABOVE = np.repeat(_LB == _LA - 1, 3)

LINK_PARAMS = ("density_within_layer", "density_between_layers", "cross_field_density", "public_inclusion",
               "strength_horizontal", "strength_systemic_sectoral", "strength_sectoral_frontline",
               "strength_frontline_public")


@dataclass(frozen=True)
class _LinkTables:
    """Link probability and strength by pair code (_pair_code), shared by places with the same settings."""

    p: np.ndarray  # (2 * 48,): pair codes in different fields, then in the same field (or one acting on every field)
    p_max: float
    w: np.ndarray  # (48,) mean strength by pair code
    w_layer: np.ndarray  # (4, 4) mean strength by (layer, layer)


@functools.lru_cache(maxsize=64)
def _link_tables(values: tuple[float, ...]) -> _LinkTables:
    params = dict(zip(LINK_PARAMS, values))
    p_layer, w_layer = _layer_tables(params)
    # Scaled down between different fields and for the public: the same products, in the same
    # order, as p_layer[la, lb] * field factor * inclusion[a] * inclusion[b] per pair.
    inc = params["public_inclusion"]
    field_factor = np.array([params["cross_field_density"], 1.0])[:, None, None]
    p = p_layer.reshape(1, 16, 1) * field_factor * np.array([1.0, inc, inc]) * np.array([1.0, 1.0, inc])
    out = _LinkTables(p.reshape(-1), float(p_layer.max()), np.repeat(w_layer.reshape(-1), 3), w_layer)
    for x in (out.p, out.w, out.w_layer):
        x.flags.writeable = False
    return out


def _sample_links(plan: _Plan, field: np.ndarray, cand: list, p_max: np.ndarray, p_link: np.ndarray,
                  w_link: np.ndarray, rngs: Sequence[np.random.Generator]):
    """Links between each place's agents (``field`` of places x agents, flat; ``cand`` each place's
    candidate pairs, _bernoulli_positions): pairs (i < j) in row-major order, place by place, with
    their pair codes, places and strengths."""
    # Link probability: by layer distance, scaled down between different fields and for the public.
    # One draw per pair (i < j); only pairs that could pass the largest probability are looked at
    # (the factors are <= 1), and only links get a strength draw.
    P, n = len(cand), len(plan.role)
    count = np.array([len(x) for x in cand])
    place = np.repeat(np.arange(P), count)
    u_link = p_max[place] * _uniforms(rngs, count)  # a candidate's uniform, given that it is below the max
    pos = np.concatenate(cand)
    a, b = _pairs(n)
    a, b, code = a[pos], b[pos], plan.pair_code[pos]
    fa, fb = field[place * n + a], field[place * n + b]
    same_field = (fa == fb) | (fa < 0) | (fb < 0)
    hit = np.flatnonzero(u_link < p_link.ravel()[place * p_link.shape[1] + code + w_link.shape[1] * same_field])
    a, b, code, place = a[hit], b[hit], code[hit], place[hit]
    # Strength varies +/-50% around the mean of the layer pair: links of "varying strength".
    w = np.clip(w_link[place, code] * (0.5 + _uniforms(rngs, np.bincount(place, minlength=P))), 0.0, 1.0)
    return a, b, code, place, w


def _bernoulli_positions(n: int, p: float, rng: np.random.Generator) -> np.ndarray:
    """Positions of the successes among n Bernoulli(p) trials, drawn as geometric gaps between
    them: O(successes) random numbers instead of O(n) (the same distribution as n uniform draws)."""
    if p <= 0 or n == 0:
        return np.zeros(0, dtype=np.int64)
    if p >= 1:
        return np.arange(n)
    chunks, total = [], -1
    while total < n:
        expect = (n - total) * p
        gaps = rng.geometric(p, int(expect + 5 * np.sqrt(expect) + 10))
        pos = total + np.cumsum(gaps)
        chunks.append(pos)
        total = int(pos[-1])
    pos = chunks[0] if len(chunks) == 1 else np.concatenate(chunks)
    return pos[:np.searchsorted(pos, n)]  # (increasing: those below n are the first ones)


def vary_strength(mean, u):
    """An added link's strength: +/-50% around the layer pair's mean (``u`` uniform in [0, 1)),
    between MIN_STRENGTH and 1."""
    return np.clip(mean * (0.5 + u), MIN_STRENGTH, 1.0)


def _add_links(links: dict, a: np.ndarray, b: np.ndarray, w: np.ndarray) -> None:
    """Set links (later settings of a pair replace earlier ones)."""
    links["a"].append(np.minimum(a, b))
    links["b"].append(np.maximum(a, b))
    links["w"].append(np.asarray(w, dtype=float))


def _merge_links(links: dict, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The last setting of each pair, strengths clipped to [0, 1], zero links dropped, row-major."""
    key = np.concatenate(links["a"]).astype(np.int64) * n + np.concatenate(links["b"])
    w = np.concatenate(links["w"])
    last = len(key) - 1 - np.unique(key[::-1], return_index=True)[1]  # sorted by key
    key, w = key[last], np.clip(w[last], 0.0, 1.0)
    keep = w > 0
    return key[keep] // n, key[keep] % n, w[keep]
