"""Transition rules in isolation: bounds, and monotone in the direction the sources say."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from model.core import lifecycle as lc

unit = st.floats(0.0, 1.0)
pos = st.floats(0.0, 3.0)


@given(unit, pos, pos, unit, unit, unit, st.floats(0.0, 5.0), st.floats(1.0, 6.0), unit)
def test_more_authority_never_reduces_the_chance_of_leaving_latent(rec, internal, external, a, bump, drive, rate, steep, opp):
    """Authority channels the will to change (004:548-554)."""
    will = lc.will_to_change(rec, internal, external, a, drive)
    will_more = lc.will_to_change(rec, internal, external, min(1.0, a + bump), drive)
    p = lc.trigger_probability(np.array(will), rate, steep, 0.0, 0.0)
    p_more = lc.trigger_probability(np.array(will_more), rate, steep, 0.0, 0.0)
    assert 0.0 <= p <= p_more <= 1.0


@given(unit, pos, pos, unit, unit, unit)
def test_will_is_monotone_in_every_driver(rec, internal, external, a, drive, bump):
    base = lc.will_to_change(rec, internal, external, a, drive)
    assert lc.will_to_change(min(1, rec + bump), internal, external, a, drive) >= base
    assert lc.will_to_change(rec, internal + bump, external, a, drive) >= base
    assert lc.will_to_change(rec, internal, external + bump, a, drive) >= base
    assert lc.will_to_change(rec, internal, external, a, min(1, drive + bump)) >= base


@given(unit, unit, st.floats(0.0, 2.0), unit)
def test_awareness_is_bounded_monotone_and_failure_is_the_stronger_alarm(rec, threat, squeeze, bump):
    """Threat or failure (004:548): awareness stays in [0, 1], never falls with either, equals
    recognition without a threat, and a field failing outright is at least as alarmed as any squeeze
    makes a field that does not fail (003:200)."""
    a = lc.awareness(rec, threat, squeeze)
    assert 0.0 <= a <= 1.0 + 1e-12 and a >= rec
    assert lc.awareness(rec, 0.0, squeeze) == rec
    assert lc.awareness(min(1.0, rec + bump), threat, squeeze) >= a - 1e-12
    assert lc.awareness(rec, threat, squeeze + bump) >= a - 1e-12
    assert lc.awareness(1.0, threat, squeeze) >= lc.awareness(0.0, threat, squeeze)


@given(unit, pos, unit, unit)
def test_external_pressure_alone_does_not_trigger(rec, external, a, drive):
    """External pressure needs internal pressure as catalyst (000:187)."""
    assert lc.will_to_change(rec, 0.0, external, a, drive) == 0.0


@settings(deadline=None)  # pure arithmetic; a loaded CI machine once took 0.4 s for the first example
@given(st.integers(0, 4), unit, unit, unit, unit, unit, unit, unit, unit, st.floats(0.0, 0.05))
def test_reversal_bounded_and_falls_with_adequacy_and_leadership(ph, adeq, res, opp, v, a, c, comp, drive, bump):
    rates = np.array([0.0, 0.03, 0.03, 0.05, 0.02])
    args = lambda ad, dr: lc.reversal_probability(np.array([ph]), rates[[ph]], np.array([ad]), res, opp, v, a, c, comp, np.array([dr]))  # noqa: E731
    p = args(adeq, drive)[0]
    assert 0.0 <= p <= 1.0
    assert args(min(1, adeq + bump), drive)[0] <= p + 1e-15
    assert args(adeq, min(1, drive + bump))[0] <= p + 1e-15
    if ph == 0:
        assert p == 0.0  # nothing to reverse from latent


def test_leadership_matters_least_once_embedded():
    """000:1216: culture outlasts leaders; 004:188-190: weak leadership threatens mainstreaming."""
    need = lc.LEADERSHIP_NEED
    assert need[4] < need[3] and need[4] < need[1]


@given(st.integers(0, 10), st.integers(1, 8), unit)
def test_overstretch_only_beyond_threshold(active, threshold, penalty):
    s = lc.overstretch(active, threshold, penalty)
    assert 0.0 <= s <= 0.9
    if active <= threshold:
        assert s == 0.0


@given(unit, unit, unit, unit, unit, unit)
def test_spawn_probability_bounded_and_rises_with_authority(a, drive, risk, clique, stretch, bump):
    p = lc.spawn_probability(0.4, a, drive, risk, clique, stretch)
    assert 0.0 <= p <= 1.0
    assert lc.spawn_probability(0.4, min(1, a + bump), drive, risk, clique, stretch) >= p


@given(st.floats(0.0, 0.2), unit, unit, unit, st.floats(0.0, 0.5))
def test_continuous_improvement_is_nonnegative_monotone_and_needs_every_factor(rate, cap, focus, gap, bump):
    """000:157: improvement where provision is poor, by the organisation, where pressure points;
    none without a gap, capacity, focus or rate, and never negative."""
    base = lc.improvement_step(rate, cap, focus, gap)
    assert base >= 0.0
    for args in ((rate, min(1, cap + bump), focus, gap), (rate, cap, min(1, focus + bump), gap),
                 (rate, cap, focus, min(1, gap + bump))):
        assert lc.improvement_step(*args) >= base
    assert lc.improvement_step(rate, cap, focus, 0.0) == 0.0
    assert lc.improvement_step(rate, 0.0, focus, gap) == 0.0
    assert lc.improvement_step(rate, cap, 0.0, gap) == 0.0
    assert lc.improvement_step(0.0, cap, focus, gap) == 0.0


@given(st.floats(-0.2, 0.2), st.floats(0.001, 0.3), st.integers(0, 4), st.floats(0.0, 0.1))
def test_success_is_bounded_monotone_and_needs_a_started_field_showing_value(realised, threshold, ph, bump):
    """004:139-146: success in [0, 1], rising with realised value, full at the value that proves the
    innovation, nothing for a latent field or one that shows no gain."""
    s = float(lc.success(realised, threshold, ph))
    assert 0.0 <= s <= 1.0
    assert float(lc.success(realised + bump, threshold, ph)) >= s
    assert float(lc.success(threshold, threshold, max(ph, 1))) == 1.0
    assert float(lc.success(realised, threshold, 0)) == 0.0
    assert float(lc.success(min(realised, 0.0), threshold, ph)) == 0.0
