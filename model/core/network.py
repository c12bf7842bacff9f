"""The layered local innovation system (004:285-368, Figure 5).

Four layers -- systemic, sectoral, frontline, public -- linked horizontally (within a layer) and
vertically (between adjacent layers). Each link has a strength in (0, 1]: "rich and dense or thin
and atrophied" (004:367). The builder is pure numpy: it returns arrays that the Locality turns
into a ``mesa.discrete_space.Network`` and agents.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

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


def _roster(params: dict, n_fields: int, rng: np.random.Generator) -> tuple["_Plan", np.ndarray]:
    """The roster's plan and each agent's field, in roster order; partners, community groups and
    residents draw their field, one draw per agent in roster order."""
    plan = _plan(tuple(int(params[k]) for k in ROSTER_SIZES), n_fields)
    field = plan.field.copy()
    for start, k in plan.drawn:
        field[start:start + k] = rng.integers(n_fields, size=k)
    return plan, field


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
    pair_code: np.ndarray  # per pair (i < j), row-major: _pair_code of its layers and public-corner count
    group_layer: np.ndarray  # (4 (F + 1), 1): layer of each (layer, field + 1) group of agents
    group_field: np.ndarray  # (4 (F + 1), 1): field of each group (-1: acting on every field)


def _pair_code(layer_i, layer_j, public):
    """A pair's row in _link_tables: its two layers and how many of the two are public-corner (0-2)."""
    return 3 * (4 * layer_i + layer_j) + public


@functools.lru_cache(maxsize=16)
def _plan(sizes: tuple[int, ...], n_fields: int) -> _Plan:
    role, field, drawn = _roster_plan(sizes, n_fields)
    corner, layer = ROLE_CORNER[role], ROLE_LAYER[role]
    a, b, _ = _pairs(len(role))
    value = (corner == VALUE).astype(np.int8)
    order = [ROLE_CODE[r] for r in ("political_leader", "chief_executive", "director", "manager")]
    plan = _Plan(role, field.astype(np.int16), drawn, corner, layer, ROLE_WEIGHT[role],
                 np.flatnonzero(role == ROLE_CODE["resident"]), np.flatnonzero(role == ROLE_CODE["councillor"]),
                 np.concatenate([np.flatnonzero(role == c) for c in order]),
                 _pair_code(layer[a], layer[b], value[a] + value[b]),  # int8: at most 47
                 np.repeat(np.arange(4), n_fields + 1)[:, None], np.tile(np.arange(-1, n_fields), 4)[:, None])
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


def build(params: dict, n_fields: int, rng: np.random.Generator) -> Structure:
    """The locality's agents and links, drawn over pairs (i < j) only."""
    plan, field = _roster(params, n_fields, rng)
    role, layer = plan.role, plan.layer
    n = len(role)
    tables = _link_tables(tuple(float(params[k]) for k in LINK_PARAMS))
    a, b, code, w = _sample_links(plan, field, tables, rng)
    links = {"a": [a], "b": [b], "w": [w]}

    # Every agent below the systemic layer has at least one link upwards within its field:
    # every team has a line manager, every resident uses a service (assumption).
    # j is "up" from i if one layer above it, in i's field or acting on every field.
    fa, fb, live = field[a], field[b], w > 0
    has_up = np.zeros(n, dtype=bool)
    has_up[a[live & tables.b_above[code] & ((fb == fa) | (fb < 0))]] = True
    has_up[b[live & tables.a_above[code] & ((fa == fb) | (fa < 0))]] = True
    # The agents up from each (layer, field + 1) group, as a (groups, n) mask.
    group = layer.astype(np.intp) * (n_fields + 1) + field + 1
    up = (layer == plan.group_layer - 1) & ((field == plan.group_field) | (field < 0))
    reachable = up.sum(axis=1)
    rows = np.flatnonzero((layer > SYSTEMIC) & (reachable[group] > 0) & ~has_up)
    if len(rows):
        g = group[rows]
        listed = np.nonzero(up)[1]  # each group's candidates in turn, in roster order
        pick = (rng.random(len(rows)) * reachable[g]).astype(np.int64)  # a random candidate each: the k-th, k uniform
        cols = listed[(np.cumsum(reachable) - reachable)[g] + pick]
        strength = vary_strength(tables.w_layer[layer[rows], layer[cols]], rng.random(len(rows)))
        _add_links(links, rows, cols, strength)

    # Backbench councillors represent residents: the route by which value feeds back to authority.
    residents, councillors = plan.residents, plan.councillors
    if len(residents) and len(councillors):
        k = min(WARD_LINKS, len(residents))  # k residents each, without replacement: the k smallest keys
        keys = rng.random((len(councillors), len(residents)))
        js = residents[np.argpartition(keys, k - 1, axis=1)[:, :k]].ravel()
        _add_links(links, np.repeat(councillors, k), js,
                   params["strength_frontline_public"] * (0.5 + rng.random(len(js))))

    # Core clique: senior leaders first, then managers (004:465-478).
    members = plan.clique_order[: params["core_clique_size"]]
    clique = np.zeros(n, dtype=bool)
    clique[members] = True
    if len(members) > 1:
        ia, ib, _ = _pairs(len(members))
        ia, ib = members[ia], members[ib]
        hit = rng.random(len(ia)) < params["core_clique_density"]
        _add_links(links, ia[hit], ib[hit], 0.8 + 0.2 * rng.random(hit.sum()))

    i, j, w = _merge_links(links, n)
    return Structure(role, plan.corner, layer, field, plan.weight, clique, i, j, w)


@functools.lru_cache(maxsize=8)
def _pairs(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All pairs i < j of n agents, row-major, and their flat index in an (n, n) array (shared by
    every place of that size)."""
    a, b = np.triu_indices(n, 1)
    flat = a * n + b
    for x in (a, b, flat):
        x.flags.writeable = False
    return a, b, flat


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
    a_above: np.ndarray  # (48,) the pair's first agent is one layer above the second
    b_above: np.ndarray


@functools.lru_cache(maxsize=64)
def _link_tables(values: tuple[float, ...]) -> _LinkTables:
    params = dict(zip(LINK_PARAMS, values))
    p_layer, w_layer = _layer_tables(params)
    # Scaled down between different fields and for the public: the same products, in the same
    # order, as p_layer[la, lb] * field factor * inclusion[a] * inclusion[b] per pair.
    inc = params["public_inclusion"]
    field_factor = np.array([params["cross_field_density"], 1.0])[:, None, None]
    p = p_layer.reshape(1, 16, 1) * field_factor * np.array([1.0, inc, inc]) * np.array([1.0, 1.0, inc])
    la, lb = np.divmod(np.arange(16), 4)
    out = _LinkTables(p.reshape(-1), float(p_layer.max()), np.repeat(w_layer.reshape(-1), 3), w_layer,
                      np.repeat(la == lb - 1, 3), np.repeat(lb == la - 1, 3))
    for x in (out.p, out.w, out.w_layer, out.a_above, out.b_above):
        x.flags.writeable = False
    return out


def _sample_links(plan: _Plan, field: np.ndarray, tables: _LinkTables, rng: np.random.Generator):
    """Links between the locality's agents: pairs (i < j) in row-major order, their pair codes and
    strengths."""
    # Link probability: by layer distance, scaled down between different fields and for the public.
    # One draw per pair (i < j); only pairs that could pass the largest probability are looked at
    # (the factors are <= 1), and only links get a strength draw.
    a, b, _ = _pairs(len(plan.role))
    cand = _bernoulli_positions(len(a), tables.p_max, rng)
    u_link = tables.p_max * rng.random(len(cand))  # a candidate's uniform, given that it is below the max
    a, b, code = a[cand], b[cand], plan.pair_code[cand]
    fa, fb = field[a], field[b]
    same_field = (fa == fb) | (fa < 0) | (fb < 0)
    hit = np.flatnonzero(u_link < tables.p.take(code + len(tables.w) * same_field))
    a, b, code = a[hit], b[hit], code[hit]
    # Strength varies +/-50% around the mean of the layer pair: links of "varying strength".
    w = np.clip(tables.w.take(code) * (0.5 + rng.random(len(hit))), 0.0, 1.0)
    return a, b, code, w


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
    pos = np.concatenate(chunks)
    return pos[pos < n]


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
