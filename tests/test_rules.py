"""Each lifecycle rule does what its docstring and ODD section say, asserted strictly enough that
removing the rule, or turning its effect the wrong way, fails a test here (a mutation audit of
session 23 found these rules guarded only by inequalities a constant satisfies, or not at all)."""

import copy

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from model import Locality, Shock
from model.core import engine as eng
from model.core import lifecycle as lc
from model.core import triangle as tri
from model.core.lifecycle import Phase
from model.core.locality import Ensemble
from model.experiments.validation import push

unit = st.floats(0.0, 1.0)
RATE = 0.03


def reversal(phase, adequacy=0.5, resistance=0.2, opposition=0.0, value=0.5, authority=0.5, capacity=0.5,
             complacency=0.0, drive=0.5, disappointed=0.0):
    """The monthly reversal chance of one field, every phase at the same base rate."""
    one = lambda v: np.array([v], dtype=float)  # noqa: E731
    return lc.reversal_probability(np.array([phase]), one(RATE), one(adequacy), one(resistance), one(opposition),
                                   one(value), one(authority), one(capacity), one(complacency), one(drive),
                                   one(disappointed))[0]


# ---------------------------------------------------------------- pure rules, strictly


@given(st.floats(0.0, 0.6), st.floats(0.05, 0.4), unit, unit, unit, st.floats(0.0, 0.8))
def test_more_authority_strictly_raises_the_chance_of_a_new_trial(a, bump, drive, risk, clique, stretch):
    """004:115-121: leadership demands change; unless the chance is already 1, more authority starts
    more trials."""
    lo = lc.spawn_probability(0.4, a, drive, risk, clique, stretch)
    hi = lc.spawn_probability(0.4, a + bump, drive, risk, clique, stretch)
    assert hi > lo or hi == 1.0


@given(st.sampled_from([1, 2, 3, 4]), st.floats(0.0, 0.9), st.floats(0.05, 0.1), st.floats(0.0, 0.9), unit)
def test_reversal_strictly_falls_with_adequacy_and_with_drive(phase, level, bump, drive, res):
    """A weaker triangle, or weaker leadership, makes falling back likelier in every started phase."""
    assert reversal(phase, adequacy=level, resistance=res, drive=drive) > \
        reversal(phase, adequacy=level + bump, resistance=res, drive=drive)
    assert reversal(phase, adequacy=level, resistance=res, drive=drive) > \
        reversal(phase, adequacy=level, resistance=res, drive=drive + bump)


def test_a_leaders_drive_matters_by_the_phases_reliance_on_leadership():
    """LEADERSHIP_NEED: design relies on entrepreneurial leadership most (004:115-126), mainstreaming
    less (004:179-184). The same fall in drive raises the reversal hazard in proportion to the need."""
    def rise(phase):  # hazard (not probability) added by losing all drive
        h = lambda p: -np.log1p(-p)  # noqa: E731
        return h(reversal(phase, drive=0.0)) - h(reversal(phase, drive=1.0))
    need = lc.LEADERSHIP_NEED
    assert rise(1) > rise(2) > rise(3) > 0
    assert rise(1) / rise(3) == pytest.approx(need[1] / need[3])


def test_mobilisation_falls_back_on_enemies_and_on_authority_above_capacity_only_in_mobilisation():
    """004:150-154: opposition while value is not yet visible, and early innovators holding on to
    control when management is weaker than authority, threaten mobilisation, not other phases."""
    for phase in (1, 2, 3):
        calm, opposed = reversal(phase), reversal(phase, opposition=0.8)
        held = reversal(phase, authority=0.9, capacity=0.3)
        if phase == 2:
            assert opposed > calm and held > calm
            assert reversal(2, opposition=0.8, value=1.0) == pytest.approx(calm)  # value seen: no enemies' case
        else:
            assert opposed == calm and held == calm


def test_complacency_drives_embedded_fields_back_and_nothing_else():
    """004:21-23: complacency may set in once embedded."""
    assert reversal(4, complacency=0.6) > reversal(4, complacency=0.0)
    for phase in (1, 2, 3):
        assert reversal(phase, complacency=0.6) == reversal(phase, complacency=0.0)


@pytest.mark.parametrize("phase", [1, 2, 3, 4])
def test_disappointing_value_is_a_reason_to_go_back(phase):
    """004:33-36, 139-141: value that disappoints reverses a field."""
    assert reversal(phase, disappointed=1.0) > reversal(phase, disappointed=0.0)


@given(unit, unit, st.floats(0.05, 0.5))
def test_trials_are_crushed_less_in_open_cultures_and_with_more_capacity(openness, cap, bump):
    """004:126-130: resisters and a resistant culture crush trials; capacity protects them."""
    p = lc.trial_failure_probability(0.05, openness, cap)
    if openness + bump <= 1:
        assert lc.trial_failure_probability(0.05, openness + bump, cap) < p
    if cap + bump <= 1:
        assert lc.trial_failure_probability(0.05, openness, cap + bump) < p


@given(st.floats(0.05, 0.9), st.floats(0.0, 0.9), st.floats(0.05, 0.1))
def test_handover_rises_with_management_and_falls_with_the_authorisers_hold(cap, auth, bump):
    """004:150-154: control passes to people with management skills, the likelier the stronger
    management is relative to the original authorisers."""
    p = lc.handover_probability(0.05, cap, auth)
    assert lc.handover_probability(0.05, cap + bump, auth) > p
    assert lc.handover_probability(0.05, cap, auth + bump) < p


@given(st.integers(0, 12), st.integers(0, 8), st.floats(0.01, 1.0))
def test_overstretch_costs_capacity_beyond_the_threshold_and_more_with_more_projects(active, threshold, penalty):
    """003:532-533: too many concurrent projects cost capacity."""
    cost = lc.overstretch(active, threshold, penalty)
    if active > threshold:
        assert cost > 0
        assert lc.overstretch(active + 1, threshold, penalty) >= cost
        assert lc.overstretch(active + 1, threshold, penalty) > cost or cost == lc.MAX_OVERSTRETCH
    else:
        assert cost == 0


def test_balance_is_the_weakest_corner_over_the_strongest():
    rows = np.array([[0.2, 0.4, 0.8], [0.5, 0.5, 0.5], [0.0, 0.3, 0.6], [0.0, 0.0, 0.0]])
    assert np.allclose(tri.balance(rows), [0.25, 1.0, 0.0, 0.0])


@settings(max_examples=50)
@given(st.lists(st.floats(0.0, 1.0), min_size=4, max_size=4), st.lists(st.floats(0.01, 1.0), min_size=4, max_size=4))
def test_aggregate_is_the_weighted_mean(values, weights):
    members = np.array([weights, [1.0, 0.0, 0.0, 0.0]])
    x = np.array(values)
    got = tri.aggregate(members, x)
    assert got == pytest.approx([np.average(x, weights=weights), x[0]])


def test_the_engines_flow_matrices_are_the_triangles_flow_weights():
    """The engine's sparse flows (engine._flow_matrices) and the dense reference
    (triangle.flow_weights) are one rule: upstream along authority -> capacity -> value ->
    authority, peers at a third, each a mean over its own links, weighted by link strength."""
    rng = np.random.default_rng(3)
    n = 9
    corner = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
    adj = np.where(rng.random((n, n)) < 0.5, rng.uniform(0.1, 1.0, (n, n)), 0.0)
    np.fill_diagonal(adj, 0.0)
    li, lj = np.nonzero(adj)
    flow, upstream = eng._flow_matrices(corner, li, lj, adj[li, lj], n, cut=())
    up, peer = tri.flow_weights(adj, corner)
    assert np.allclose(flow.toarray(), up + peer)
    assert np.allclose(upstream.toarray(), up / tri.UPSTREAM_SHARE)
    assert sp.issparse(flow)
    # Each corner is fed by the one upstream of it: capacity (1) by authority (0), never the reverse.
    assert up[np.ix_(corner == 1, corner == 0)].sum() > 0 and up[np.ix_(corner == 0, corner == 1)].sum() == 0


# ---------------------------------------------------------------- the engine applies them


def _education(m: Locality) -> int:
    return m.engine.field_index("education")


def test_leaving_design_needs_the_capacity_threshold():
    """004:126-130: a proven trial does not mobilise if organisational capacity does not materialise."""
    def mobilised(threshold):
        e = Ensemble(list(range(40)), events=push(), capacity_threshold=threshold).engine
        f = e.field_index("education")
        reached = np.zeros(40, dtype=bool)
        for _ in range(60):
            e.month()
            reached |= e.phase[:, f] >= Phase.MOBILISATION
        return reached.mean()
    assert mobilised(0.2) > 0.3
    assert mobilised(1.0) == 0.0


def test_a_field_moves_on_only_as_far_as_its_triangle_is_adequate_for_the_next_phase(monkeypatch):
    """The forward moves are gated by the adequacy of the corners for the next phase (MODEL.md 9):
    with that adequacy 0, nothing moves past design, though trials still prove themselves."""
    real = eng.Engine._adequacy

    def inadequate(self, ph):
        out = real(self, ph)
        return np.stack([np.zeros_like(out[0]), out[1]])
    monkeypatch.setattr(eng.Engine, "_adequacy", inadequate)
    e = Ensemble(list(range(20)), events=push()).engine
    f = e.field_index("education")
    proven = False
    for _ in range(60):
        e.month()
        proven |= bool(e.trial_proven[:, f].any())
        assert (e.phase <= Phase.DESIGN).all()
    assert proven


def test_falling_back_from_design_halves_the_will_to_change():
    m = Locality(seed=1, initial_phases={"education": 1})
    e, f = m.engine, _education(m)
    e.recognition[0, f] = 0.8
    e.fall_back(0, f)
    assert e.phase[0, f] == Phase.LATENT
    assert e.recognition[0, f] == pytest.approx(0.8 * eng.RECOGNITION_KEPT)
    assert eng.RECOGNITION_KEPT < 1


def test_an_embedded_field_that_falls_back_must_rebuild_its_alignment():
    m = Locality(seed=1, initial_phases={"education": 4})
    e, f = m.engine, _education(m)
    assert e.alignment[0, f] == 1.0
    e.fall_back(0, f)
    assert e.phase[0, f] == Phase.MAINSTREAMING
    assert e.alignment[0, f] == pytest.approx(eng.STAGNANT_ALIGNMENT) and eng.STAGNANT_ALIGNMENT < 1


def test_complacency_starts_afresh_on_entering_embedding():
    m = Locality(seed=1, initial_phases={"education": 3})
    e, f = m.engine, _education(m)
    e.complacency[0, f] = 0.7
    e._move_now(0, f, forward=True)
    assert e.phase[0, f] == Phase.EMBEDDING
    assert e.complacency[0, f] == 0.0


def test_embedding_modes_follow_balance_and_pervasive_leadership():
    """004:196-218: an embedded field is sustainable (2) when its corners are balanced, stagnant (1)
    when not; pervasive (3) when two or more fields are embedded under strong leadership."""
    m = Locality(seed=1, initial_phases={"education": 4, "youth services": 4})
    e = m.engine
    emb = e.phase == Phase.EMBEDDING
    ph = e._phases()
    e.drive[:] = 0.0
    e._embedding_modes(np.ones_like(e.balance), ph)
    assert (e.mode[emb] == 2).all() and (e.mode[~emb] == 0).all()
    e._embedding_modes(np.zeros_like(e.balance), ph)
    assert (e.mode[emb] == 1).all()
    e.drive[:] = 1.0
    e._embedding_modes(np.ones_like(e.balance), ph)
    assert (e.mode[emb] == 3).all()
    m1 = Locality(seed=1, initial_phases={"education": 4})  # one embedded field is not pervasive
    m1.engine.drive[:] = 1.0
    m1.engine._embedding_modes(np.ones_like(m1.engine.balance), m1.engine._phases())
    assert m1.engine.mode[0, _education(m1)] == 2


def test_agents_aim_at_the_same_targets_whatever_phase_their_field_is_in():
    """The triangle is the cause, the phase the effect (issue 11): twins differing only in one
    field's phase make the same flows in their first month."""
    a, b = Locality(seed=4), Locality(seed=4)
    f = _education(b)
    b.engine.phase[0, f] = Phase.EMBEDDING
    x0 = a.engine.agents.x.copy()
    assert np.array_equal(x0, b.engine.agents.x)
    for m in (a, b):  # the flows sub-step of one month (Engine.step), alone
        e = m.engine
        e.refresh()
        e._flows(e._phases().stretch, e._standing())
    assert np.array_equal(a.engine.agents.x, b.engine.agents.x)
    assert not np.array_equal(a.engine.agents.x, x0)  # the flows did move the agents


def test_the_pressure_enables_knock_out_lowers_authority_by_pressures_share_only():
    """ODD 7.2: the knock-out drops pressure's term of authority (004:50-52) and nothing else: on
    twins under real pressure, one flows sub-step leaves authority's agents lower and every other
    agent where it is."""
    a = Locality(seed=3, efficiency_pressure=0.7, member_pressure=0.5, central_pressure=0.6).run_for(6).engine
    b = copy.deepcopy(a)  # the same place in the same month; only the knock-out differs
    b.knockouts = a.knockouts | {"pressure_enables"}
    for e in (a, b):
        e.refresh()
        e._flows(e._phases().stretch, e._standing())
    auth = a._groups["auth"]
    assert a._field_views()[1].max() > 0.1  # the pressure authority's agents feel
    gap = a.agents.x - b.agents.x
    assert (gap[auth][a.agents.alive[auth]] > 0).all()
    rest = np.ones(len(gap), dtype=bool)
    rest[auth] = False
    assert np.array_equal(a.agents.x[rest], b.agents.x[rest])


@pytest.mark.parametrize("kind", ["crisis", "budget_cut"])
def test_a_shock_costs_performance_and_is_kept_apart_from_the_innovations_value(kind):
    """7.12 and validation-plan Addendum 18: a crisis drops performance at once, a budget cut lowers
    its base; what each takes is recorded (shock_shown), so realised value is net of it."""
    a = Locality(seed=2, events=push())
    b = Locality(seed=2, events=push() + [Shock(6, kind, field="education")])
    a.run_for(12)
    b.run_for(12)
    f = _education(a)
    assert b.engine.performance[0, f] < a.engine.performance[0, f] - 0.01
    assert b.engine.shock_shown[0, f] < -0.01 and a.engine.shock_shown[0, f] == 0.0


def test_a_copied_locality_runs_on_exactly_as_the_original():
    """Twins for what-ifs and the tests above: copy.deepcopy of a locality mid-run (its agent view
    used to recurse without end) continues bit for bit as the original does."""
    m = Locality(seed=1, events=push()).run_for(5)
    c = copy.deepcopy(m)
    m.run_for(7)
    c.run_for(7)
    assert np.array_equal(c.engine.agents.x, m.engine.agents.x)
    assert np.array_equal(c.engine.performance, m.engine.performance)
