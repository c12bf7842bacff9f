"""Triangle flows in isolation: bounds and directions (004:85-99)."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from model.core import triangle as tri

unit = st.floats(0.0, 1.0)
vec = arrays(np.float64, 12, elements=unit)


@given(demand=vec, own=vec, flow=vec, w=unit)
def test_targets_stay_in_unit_interval(demand, own, flow, w):
    t = tri.targets(2.0 * demand, own, flow, w)
    assert np.all((t >= 0) & (t <= 1))


@given(x=vec, target=vec, rate=st.floats(0.0, 1.0))
def test_relax_moves_towards_target_without_overshoot(x, target, rate):
    y = tri.relax(x, target, rate)
    lo, hi = np.minimum(x, target), np.maximum(x, target)
    assert np.all((y >= lo - 1e-12) & (y <= hi + 1e-12))


@given(st.integers(2, 30), st.floats(0.05, 1.0), st.floats(0.05, 1.0), st.data())
def test_weaker_links_carry_weaker_flows(n, s_weak, s_strong, data):
    """The same neighbourhood with weaker links passes on less (dotted lines, 004:95-99)."""
    s_weak, s_strong = sorted((s_weak, s_strong))
    corner = np.array([tri.AUTHORITY] * n + [tri.CAPACITY])  # n authority agents feed one manager
    x = data.draw(arrays(np.float64, n + 1, elements=unit))
    out = []
    for s in (s_weak, s_strong):
        adj = np.zeros((n + 1, n + 1))
        adj[n, :n] = adj[:n, n] = s
        up, peer = tri.flow_weights(adj, corner)
        out.append(tri.inflow(up, peer, x)[1][n])
    assert out[0] <= out[1] + 1e-12
    assert out[1] <= tri.UPSTREAM_SHARE * x[:n].mean() + 1e-12  # never more than the upstream agents hold


def test_flows_run_authority_to_capacity_to_value_to_authority():
    corner = np.array([tri.AUTHORITY, tri.CAPACITY, tri.VALUE])
    adj = np.ones((3, 3)) - np.eye(3)
    up, _ = tri.flow_weights(adj, corner)
    assert up[1, 0] > 0 and up[2, 1] > 0 and up[0, 2] > 0  # A->C, C->V, V->A
    assert up[0, 1] == 0 and up[1, 2] == 0 and up[2, 0] == 0  # never backwards


@given(arrays(np.float64, (5, 3), elements=unit), st.lists(st.integers(0, 4), min_size=5, max_size=5),
       st.integers(0, 4), st.integers(0, 2), st.floats(0.0, 1.0))
def test_adequacy_bounded_and_monotone_in_each_corner(c, phase, f, k, bump):
    phase = np.array(phase)
    a = tri.adequacy(c, phase)
    assert np.all((a >= 0) & (a <= 1))
    more = c.copy()
    more[f, k] = min(1.0, more[f, k] + bump)
    assert np.all(tri.adequacy(more, phase) >= a - 1e-12)


def test_adequacy_needs_every_corner():
    """A phase is not sustained by one or two corners alone (000:215)."""
    strong_but_no_value = np.array([[1.0, 1.0, 0.0]])
    for phase in range(1, 5):  # whatever the phase needs, a missing corner leaves it inadequate
        assert tri.adequacy(strong_but_no_value, np.array([phase]))[0] < 0.1


def test_needs_follow_the_phases_of_the_source():
    """Design needs authority most (004:115-126), mainstreaming capacity (004:179-184), embedding a
    balance (004:196-210); the flat table of check 6's null arm needs them equally."""
    needs = tri.PHASE_NEEDS
    assert needs[1].argmax() == tri.AUTHORITY and needs[3].argmax() == tri.CAPACITY
    assert needs[4].max() / needs[4].min() < 1.2
    assert np.allclose(tri.FLAT_NEEDS, tri.FLAT_NEEDS[:, :1]) and np.allclose(tri.FLAT_NEEDS.mean(1), needs.mean(1))


def test_targets_do_not_depend_on_the_phase():
    """Model 2: an agent's target is its own traits and inflow; there is no phase argument (the
    triangle is the cause, the phase the effect, MODEL.md section 9)."""
    import inspect
    assert "phase" not in inspect.signature(tri.targets).parameters


@given(arrays(np.float64, (6, 3), elements=unit))
def test_balance_bounded(c):
    b = tri.balance(c)
    assert np.all((b >= 0) & (b <= 1))


@given(arrays(np.float64, 20, elements=unit), arrays(np.float64, (3, 20), elements=unit))
def test_aggregate_is_weighted_mean(x, w):
    m = tri.aggregate(w, x)
    for f in range(3):
        if w[f].sum() > 0:
            assert x[w[f] > 0].min() - 1e-9 <= m[f] <= x[w[f] > 0].max() + 1e-9
        else:
            assert m[f] == 0
