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


def _roster(params: dict, n_fields: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Each agent's role code and field, in roster order; partners, community groups and residents
    draw their field, one draw per agent in roster order."""
    role, field, drawn = _roster_plan(tuple(int(params[k]) for k in ROSTER_SIZES), n_fields)
    field = field.copy()
    for start, k in drawn:
        field[start:start + k] = rng.integers(n_fields, size=k)
    return role, field


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
    role, field = _roster(params, n_fields, rng)
    n = len(role)
    corner, layer, weight = ROLE_CORNER[role], ROLE_LAYER[role], ROLE_WEIGHT[role]
    field = field.astype(np.int16)

    p_layer, w_layer = _layer_tables(params)
    links = _sample_links(params, p_layer, w_layer, layer, field, corner, rng)

    # Every agent below the systemic layer has at least one link upwards within its field:
    # every team has a line manager, every resident uses a service (assumption).
    def up(i, j):  # j is one layer above i, in i's field or acting on every field
        return (layer[j] == layer[i] - 1) & ((field[j] == field[i]) | (field[j] < 0))
    la_, lb_ = links["a"][0], links["b"][0]
    live = links["w"][0] > 0
    has_up = np.zeros(n, dtype=bool)
    has_up[la_[live & up(la_, lb_)]] = True
    has_up[lb_[live & up(lb_, la_)]] = True
    # Agents one layer up, per (layer, field) and acting on every field.
    per_field = np.zeros((4, n_fields + 1), dtype=np.int64)
    np.add.at(per_field, (layer, np.where(field < 0, n_fields, field)), 1)
    above = np.maximum(layer - 1, 0)
    reachable = per_field[above, n_fields] + np.where(field >= 0, per_field[above, np.maximum(field, 0)], 0)
    rows = np.flatnonzero((layer > SYSTEMIC) & (reachable > 0) & ~has_up)
    if len(rows):
        candidates = up(rows[:, None], np.arange(n)[None, :])
        rank = np.cumsum(candidates, axis=1)  # a random candidate each: the k-th, k uniform
        pick = (rng.random(len(rows)) * rank[:, -1]).astype(np.int64)
        cols = np.argmax(rank > pick[:, None], axis=1)
        strength = vary_strength(w_layer[layer[rows], layer[cols]], rng.random(len(rows)))
        _add_links(links, rows, cols, strength)

    # Backbench councillors represent residents: the route by which value feeds back to authority.
    residents = np.flatnonzero(role == ROLE_CODE["resident"])
    councillors = np.flatnonzero(role == ROLE_CODE["councillor"])
    if len(residents) and len(councillors):
        k = min(WARD_LINKS, len(residents))  # k residents each, without replacement: the k smallest keys
        keys = rng.random((len(councillors), len(residents)))
        js = residents[np.argpartition(keys, k - 1, axis=1)[:, :k]].ravel()
        _add_links(links, np.repeat(councillors, k), js,
                   params["strength_frontline_public"] * (0.5 + rng.random(len(js))))

    # Core clique: senior leaders first, then managers (004:465-478).
    order = [ROLE_CODE[r] for r in ("political_leader", "chief_executive", "director", "manager")]
    members = np.concatenate([np.flatnonzero(role == c) for c in order])[: params["core_clique_size"]]
    clique = np.zeros(n, dtype=bool)
    clique[members] = True
    if len(members) > 1:
        ia, ib, _ = _pairs(len(members))
        ia, ib = members[ia], members[ib]
        hit = rng.random(len(ia)) < params["core_clique_density"]
        _add_links(links, ia[hit], ib[hit], 0.8 + 0.2 * rng.random(hit.sum()))

    i, j, w = _merge_links(links, n)
    return Structure(role, corner, layer, field, weight, clique, i, j, w)


@functools.lru_cache(maxsize=8)
def _pairs(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All pairs i < j of n agents, row-major, and their flat index in an (n, n) array (shared by
    every place of that size)."""
    a, b = np.triu_indices(n, 1)
    flat = a * n + b
    for x in (a, b, flat):
        x.flags.writeable = False
    return a, b, flat


def _sample_links(params: dict, p_layer, w_layer, layer, field, corner, rng: np.random.Generator) -> dict:
    """Links between the locality's agents, as lists of pairs (i < j) and strengths."""
    n = len(layer)
    # Link probability: by layer distance, scaled down between different fields and for the public.
    # One draw per pair (i < j); only pairs that could pass the largest probability are looked at
    # (the factors are <= 1), and only links get a strength draw.
    a, b, _ = _pairs(n)
    cand = _bernoulli_positions(len(a), float(p_layer.max()), rng)
    u_link = p_layer.max() * rng.random(len(cand))  # a candidate's uniform, given that it is below the max
    a, b = a[cand], b[cand]
    la, lb = layer[a], layer[b]
    same_field = (field[a] == field[b]) | (field[a] < 0) | (field[b] < 0)
    inclusion = np.where(corner == VALUE, params["public_inclusion"], 1.0)
    p = p_layer[la, lb] * np.where(same_field, 1.0, params["cross_field_density"]) * inclusion[a] * inclusion[b]
    hit = u_link < p
    # Strength varies +/-50% around the mean of the layer pair: links of "varying strength".
    w = np.clip(w_layer[la[hit], lb[hit]] * (0.5 + rng.random(int(hit.sum()))), 0.0, 1.0)
    return {"a": [a[hit]], "b": [b[hit]], "w": [w]}


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
