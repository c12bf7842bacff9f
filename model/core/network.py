"""The layered local innovation system (004:285-368, Figure 5).

Four layers -- systemic, sectoral, frontline, public -- linked horizontally (within a layer) and
vertically (between adjacent layers). Each link has a strength in (0, 1]: "rich and dense or thin
and atrophied" (004:367). The builder is pure numpy: it returns arrays that the Locality turns
into a ``mesa.discrete_space.Network`` and agents.
"""

from __future__ import annotations

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
# Roles with one holder (per field for directors) that a leadership event replaces.
SENIOR_ROLES = ("political_leader", "chief_executive", "director")
WARD_LINKS = 5  # residents each backbench councillor is linked to (ward representation); assumption


@dataclass
class Structure:
    role: np.ndarray  # int codes into ROLE_NAMES
    corner: np.ndarray
    layer: np.ndarray
    field: np.ndarray  # field index, or ALL_FIELDS
    weight: np.ndarray
    clique: np.ndarray  # bool: member of the core clique
    adjacency: np.ndarray  # symmetric (N, N) link strengths, 0 = no link

    @property
    def n(self) -> int:
        return len(self.role)


def _roster(params: dict, n_fields: int, rng: np.random.Generator) -> tuple[list[str], list[int]]:
    roles: list[str] = []
    fields: list[int] = []

    def add(role: str, count: int, field_of):
        for k in range(count):
            roles.append(role)
            fields.append(field_of(k))

    every = lambda k: ALL_FIELDS  # noqa: E731
    round_robin = lambda k: k % n_fields  # noqa: E731
    add("political_leader", 1, every)
    add("chief_executive", 1, every)
    for f in range(n_fields):
        add("director", 1, lambda k, f=f: f)
        add("senior_officer", params["n_senior_per_field"] - 1, lambda k, f=f: f)
    add("cabinet_member", params["n_cabinet"], round_robin)  # portfolio holders
    add("councillor", params["n_councillors"], every)
    add("central_government", 1, every)
    add("inspectorate", 1, every)
    for f in range(n_fields):
        add("manager", params["n_managers_per_field"], lambda k, f=f: f)
    add("partner", params["n_partners"], lambda k: int(rng.integers(n_fields)))
    for f in range(n_fields):
        add("frontline_team", params["n_frontline_per_field"], lambda k, f=f: f)
    add("community_group", params["n_community_groups"], lambda k: int(rng.integers(n_fields)))
    add("resident", params["n_residents"], lambda k: int(rng.integers(n_fields)))
    return roles, fields


def build(params: dict, n_fields: int, rng: np.random.Generator) -> Structure:
    roles, fields = _roster(params, n_fields, rng)
    n = len(roles)
    role = np.array([ROLE_CODE[r] for r in roles], dtype=np.int16)
    corner = np.array([ROLES[r][0] for r in roles], dtype=np.int8)
    layer = np.array([ROLES[r][1] for r in roles], dtype=np.int8)
    weight = np.array([ROLES[r][2] for r in roles])
    field = np.array(fields, dtype=np.int16)

    # Link probability: by layer distance, scaled down between different fields.
    dl = np.abs(layer[:, None] - layer[None, :])
    p = np.where(dl == 0, params["density_within_layer"],
                 np.where(dl == 1, params["density_between_layers"], 0.0))
    same_field = (field[:, None] == field[None, :]) | (field[:, None] < 0) | (field[None, :] < 0)
    p = p * np.where(same_field, 1.0, params["cross_field_density"])
    is_public = corner == VALUE
    inclusion = np.where(is_public, params["public_inclusion"], 1.0)
    p = p * inclusion[:, None] * inclusion[None, :]

    # Mean strength by layer pair.
    lo = np.minimum(layer[:, None], layer[None, :])
    vertical = np.array([params["strength_systemic_sectoral"], params["strength_sectoral_frontline"],
                         params["strength_frontline_public"], 0.0])
    mean_w = np.where(dl == 0, params["strength_horizontal"], vertical[lo])

    linked = rng.random((n, n)) < p
    linked = np.triu(linked, 1)
    # Strength varies +/-50% around the mean of the layer pair: links of "varying strength".
    w = np.clip(mean_w * (0.5 + rng.random((n, n))), 0.0, 1.0) * linked

    # Every agent below the systemic layer has at least one link upwards within its field:
    # every team has a line manager, every resident uses a service (assumption).
    up = (layer[None, :] == layer[:, None] - 1) & ((field[None, :] == field[:, None]) | (field[None, :] < 0))
    lacking = (layer > SYSTEMIC) & up.any(axis=1) & ~((w + w.T) * up).any(axis=1)
    rows = np.flatnonzero(lacking)
    if len(rows):
        cols = np.argmax(rng.random((len(rows), n)) * up[rows], axis=1)  # a random candidate each
        strength = np.clip(mean_w[rows, cols] * (0.5 + rng.random(len(rows))), 0.05, 1.0)
        w[np.minimum(rows, cols), np.maximum(rows, cols)] = strength

    # Backbench councillors represent residents: the route by which value feeds back to authority.
    residents = np.flatnonzero(role == ROLE_CODE["resident"])
    for i in np.flatnonzero(role == ROLE_CODE["councillor"]):
        if len(residents) == 0:
            break
        for j in rng.choice(residents, size=min(WARD_LINKS, len(residents)), replace=False):
            w[min(i, j), max(i, j)] = params["strength_frontline_public"] * (0.5 + rng.random())

    # Core clique: senior leaders first, then managers (004:465-478).
    order = [ROLE_CODE[r] for r in ("political_leader", "chief_executive", "director", "manager")]
    members = np.concatenate([np.flatnonzero(role == c) for c in order])[: params["core_clique_size"]]
    clique = np.zeros(n, dtype=bool)
    clique[members] = True
    if len(members) > 1:
        a, b = np.triu_indices(len(members), 1)
        a, b = members[a], members[b]
        hit = rng.random(len(a)) < params["core_clique_density"]
        w[np.minimum(a, b)[hit], np.maximum(a, b)[hit]] = 0.8 + 0.2 * rng.random(hit.sum())

    w = np.clip(w, 0.0, 1.0)
    adjacency = w + w.T
    return Structure(role, corner, layer, field, weight, clique, adjacency)
