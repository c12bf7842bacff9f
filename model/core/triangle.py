"""Flows around Moore's strategic triangle: pure numpy functions, no model state.

The loop runs authority -> organisational capacity -> value -> authority (004:85-90, 207-210).
Each agent's state ``x`` in [0, 1] is its contribution to its corner. It relaxes towards a target
made of its own traits and what flows in along its links from the corner upstream of it; links
carry their strength, so weak links pass on little ("dotted lines indicating a weak link",
004:95-99).
"""

from __future__ import annotations

import numpy as np

from .network import AUTHORITY, CAPACITY, VALUE

# What each phase needs of the three corners: the relative sizes of the triangles drawn for each
# phase in 004:105-218 (read off the figures; the numbers themselves are an assumption, scaled to
# the levels agents reach). A field's corners are *caused* by its agents, links and drivers; the
# phase is an effect: a field moves on when its corners are adequate for the next phase and falls
# back when they are not adequate for its own (MODEL.md section 9).
#                      A     C     V
PHASE_NEEDS = np.array([
    [0.25, 0.25, 0.20],  # 0 latent: authority and capacity limited, little value (004:105-109)
    [0.60, 0.40, 0.25],  # 1 design: entrepreneurial authority demands change (004:115-126)
    [0.50, 0.60, 0.35],  # 2 mobilisation: management "even more critical", value visible (004:139-145)
    [0.35, 0.65, 0.45],  # 3 mainstreaming: authority less important, more capacity (004:179-184)
    [0.50, 0.55, 0.50],  # 4 embedding: a balance of the three corners (004:196-210)
])
# Knock-out arm of validation check 6: every phase needs the three corners equally (row means).
FLAT_NEEDS = np.repeat(PHASE_NEEDS.mean(axis=1, keepdims=True), 3, axis=1)

# UPSTREAM[k] is the corner whose flow feeds corner k.
UPSTREAM = np.array([VALUE, AUTHORITY, CAPACITY])
# Of what flows into an agent, two thirds is the mean of what its upstream neighbours hold and one
# third the mean over its same-corner neighbours (peers relay half as strongly as the corner that
# feeds them; assumption). Each part is a mean over its own links, so peer links add to the inflow
# rather than dilute the upstream one: horizontal links help (004:322-330).
UPSTREAM_SHARE, PEER_SHARE = 2.0 / 3.0, 1.0 / 3.0


def flow_weights(adjacency: np.ndarray, corner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split link strengths into upstream and peer channels (a dense reference for the engine's
    sparse flow matrix).

    Returns (up, peer): ``up[i, j]`` is UPSTREAM_SHARE times the strength of j's link to i over
    the number of i's upstream neighbours, when j is in the corner upstream of i's; ``peer`` the
    same for j in i's own corner with PEER_SHARE. Strength is not normalised away, so weak links
    give weak flows (004:95-99).
    """
    is_up = (corner[None, :] == UPSTREAM[corner][:, None]) & (adjacency > 0)
    is_peer = (corner[None, :] == corner[:, None]) & (adjacency > 0)
    n_up = np.maximum(is_up.sum(axis=1, keepdims=True), 1)
    n_peer = np.maximum(is_peer.sum(axis=1, keepdims=True), 1)
    return np.where(is_up, adjacency, 0.0) * UPSTREAM_SHARE / n_up, np.where(is_peer, adjacency, 0.0) * PEER_SHARE / n_peer


def inflow(up: np.ndarray, peer: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-agent inflow: (total, upstream part)."""
    from_up = up @ x
    return from_up + peer @ x, from_up


def targets(gain: np.ndarray, own: np.ndarray, flow: np.ndarray, own_weight: np.ndarray) -> np.ndarray:
    """What an agent's state moves towards: its own traits and drivers and what flows in along its
    links, scaled by ``gain``; the field's phase plays no part (the triangle is the cause)."""
    return np.minimum(np.maximum(gain * (own_weight * own + (1.0 - own_weight) * flow), 0.0), 1.0)


def relax(x: np.ndarray, target: np.ndarray, rate: float) -> np.ndarray:
    return x + rate * (target - x)


def aggregate(members: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Weighted means: ``members`` is (fields, agents) weights, zero for non-members."""
    total = members.sum(axis=1, keepdims=True)
    # Normalise first: with tiny weights the products would underflow before the division.
    weights = np.divide(members, total, out=np.zeros_like(members, dtype=float), where=total > 0)
    return weights @ values


def balance(corners: np.ndarray) -> np.ndarray:
    """Weakest corner / strongest corner, per row of a (fields, 3) array; 1 = perfectly balanced."""
    hi = np.maximum.reduce(corners, axis=1)  # ndarray.max, without its wrapper
    return np.divide(np.minimum.reduce(corners, axis=1), hi, out=np.zeros(len(hi)), where=hi > 0)


def adequacy(corners: np.ndarray, phase: np.ndarray, needs: np.ndarray = PHASE_NEEDS,
             demand: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """How well each field's corners (..., 3) meet what ``phase`` needs, in [0, 1].

    A weighted geometric mean of min(1, level / demand), weighted by the need itself: a corner
    that matters more in the phase counts more, and any corner near zero drags the whole down
    ("one or two alone are not enough", 000:215). ``demand``: ``needs[phase]`` and its sums over
    corners, if the caller keeps them (they change only with the phase).
    """
    d = needs[phase] if demand is None else demand[0]
    total = d.sum(axis=-1) if demand is None else demand[1]
    ratio = np.minimum(np.maximum(corners / d, 1e-6), 1.0)  # np.clip's wrapper costs more
    return np.exp(np.add.reduce(d * np.log(ratio), axis=-1) / total)  # ndarray.sum, without its wrapper


__all__ = [
    "AUTHORITY", "CAPACITY", "VALUE", "PHASE_NEEDS", "FLAT_NEEDS", "UPSTREAM", "UPSTREAM_SHARE", "PEER_SHARE", "flow_weights", "inflow",
    "targets", "relax", "aggregate", "balance", "adequacy",
]
