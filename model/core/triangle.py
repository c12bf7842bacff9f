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

# How much each corner matters in each phase: the relative sizes of the triangles drawn for each
# phase in 004:105-218 (read off the figures; the numbers themselves are an assumption).
#                      A     C     V
PHASE_DEMAND = np.array([
    [0.50, 0.50, 0.40],  # 0 latent: authority and capacity limited, little value (004:105-109)
    [1.00, 0.70, 0.40],  # 1 design: entrepreneurial authority demands change (004:115-126)
    [0.90, 1.00, 0.70],  # 2 mobilisation: management "even more critical", value visible (004:139-145)
    [0.60, 1.00, 0.90],  # 3 mainstreaming: authority less important, more capacity (004:179-184)
    [0.90, 0.90, 1.00],  # 4 embedding: a balance of the three corners (004:196-210)
])

# UPSTREAM[k] is the corner whose flow feeds corner k.
UPSTREAM = np.array([VALUE, AUTHORITY, CAPACITY])
PEER_RELAY = 0.5  # same-corner neighbours pass on half of what they hold; assumption


def flow_weights(adjacency: np.ndarray, corner: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split link strengths into upstream and peer channels.

    Returns (up, peer, count): ``up[i, j]`` is the strength of j's flow into i when j is in the
    corner upstream of i's; ``peer`` likewise for j in i's own corner, scaled by PEER_RELAY;
    ``count[i]`` is how many such neighbours i has (strength is not normalised away, so weak links
    give weak flows).
    """
    is_up = corner[None, :] == UPSTREAM[corner][:, None]
    is_peer = corner[None, :] == corner[:, None]
    linked = adjacency > 0
    up = np.where(is_up, adjacency, 0.0)
    peer = np.where(is_peer, adjacency * PEER_RELAY, 0.0)
    count = (linked & (is_up | is_peer)).sum(axis=1)
    return up, peer, np.maximum(count, 1)


def inflow(up: np.ndarray, peer: np.ndarray, count: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-agent inflow: (total, upstream part), each the link-weighted mean over neighbours."""
    from_up = (up @ x) / count
    return from_up + (peer @ x) / count, from_up


def targets(demand: np.ndarray, own: np.ndarray, flow: np.ndarray, own_weight: float) -> np.ndarray:
    """What an agent's state moves towards: its phase's demand times own traits and inflow."""
    return np.minimum(np.maximum(demand * (own_weight * own + (1.0 - own_weight) * flow), 0.0), 1.0)


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
    hi = corners.max(axis=1)
    return np.divide(corners.min(axis=1), hi, out=np.zeros(len(hi)), where=hi > 0)


def adequacy(corners: np.ndarray, phase: np.ndarray) -> np.ndarray:
    """How well each field's corners meet what its phase demands, in [0, 1].

    A weighted geometric mean of min(1, level / demand), weighted by the demand itself: a corner
    that matters more in the phase counts more, and any corner near zero drags the whole down
    ("one or two alone are not enough", 000:215).
    """
    d = PHASE_DEMAND[phase]
    ratio = np.clip(corners / d, 1e-6, 1.0)
    return np.exp((d * np.log(ratio)).sum(axis=1) / d.sum(axis=1))


__all__ = [
    "AUTHORITY", "CAPACITY", "VALUE", "PHASE_DEMAND", "UPSTREAM", "flow_weights", "inflow",
    "targets", "relax", "aggregate", "balance", "adequacy",
]
