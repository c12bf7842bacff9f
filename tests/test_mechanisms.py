"""Mechanisms on fixed-seed ensembles: the validation checks at their quick size (40 runs per arm,
the checks' seeds 1000-1039), each with its null arm, and the knock-outs of issue 11.

A check passes only if the model meets its criterion and the null arm, on the same seeds, does not
(docs/validation-plan.md, written before the model). The full-size report is `innovation-sim
validate` (docs/validation.md); checks that do not pass there are not asserted here.
"""

import numpy as np
import pytest

import model.experiments.validation as v
from model import Shock
from model.core.locality import Locality
from model.core.lifecycle import Phase

pytestmark = pytest.mark.ensemble
BY_ID = {c.id: c for c in v.CHECKS}
# The checks docs/validation.md reports as passing at full size that also pass at the quick size.
# (Checks 5 and 6 pass at full size but not at 40 runs; 7 and 10 are slow or noisy. Check 8 no
# longer discriminates since success strengthens links, ODD section 8.) Check 11 is asserted at its
# full size (200 runs, about 5 s): since validation-plan Addendum 17 its tight arm reaches embedding
# in 0.83 of runs against 1.00, a gap that 40 runs cannot show (0.93 there).
PASSING = (1, 2, 3, 4, 9, 12, 13)
FULL_SIZE = (11,)


@pytest.mark.parametrize("check_id, n", [(i, v.QUICK) for i in PASSING] + [(i, v.FULL) for i in FULL_SIZE])
def test_check_passes_and_its_null_arm_fails(check_id, n):
    c = BY_ID[check_id]
    r = c.fn(n)
    assert r.passed, f"check {check_id}: {r.statistic} (expected {r.expected})"
    assert r.null_passed is False, f"check {check_id} does not discriminate: {r.null}"
    assert v.status(c, r) == "pass"


def _mainstreaming(extra=(), **kw) -> float:
    events = v.push() + list(extra)
    return float(v.max_phase(v.ensemble(v.QUICK, events=events, **kw)).ge(Phase.MAINSTREAMING).mean())


def test_innovation_that_creates_no_value_rarely_mainstreams():
    """Value is 'the only genuine measure of success' (004:33-36): with innovation_uplift = 0 a
    pushed field rarely reaches mainstreaming (issue 11: < 10%); with the default it often does."""
    assert _mainstreaming(innovation_uplift=0.0) < 0.10
    assert _mainstreaming() >= 0.40


def test_a_crisis_is_not_the_innovations_value():
    """validation-plan Addendum 18: realised value nets out a crisis's rebound, so a valueless
    innovation still rarely mainstreams after a crisis (before: 0.79 with the push, 300 runs)."""
    assert _mainstreaming([Shock(0, "crisis", field=v.FIELD)], innovation_uplift=0.0) < 0.10


def test_a_budget_cuts_fall_is_not_charged_to_the_innovation():
    """validation-plan Addendum 18: a cut lowers the base, and realised value nets the fall out; the
    cut still costs slack (7.2), but it no longer stops proven innovations by their books. On these
    200 seeds: 0.55 with the cut against 0.605 without (before the fix 0.415); on seeds 7000-7299
    0.61 against 0.62 (before 0.45). The bound sits between the two."""
    def reach(events):
        return float(v.max_phase(v.ensemble(200, events=events)).ge(Phase.MAINSTREAMING).mean())
    assert reach(v.push() + [Shock(36, "budget_cut", field=v.FIELD)]) > reach(v.push()) - 0.10


def test_value_gate_is_what_stops_valueless_innovation():
    """The knock-out of the value gate lets valueless innovations mainstream again: the < 10% above
    is the gate's doing, not an artefact of the uplift's size."""
    assert _mainstreaming(innovation_uplift=0.0, knockouts=("value_gate",)) > 0.4


def test_each_flow_of_the_triangle_changes_outcomes():
    """Cutting a flow of the loop A -> C -> V -> A (004:85-90) lowers public value: the flows are
    causes, not decoration. 200 runs per arm: public value varies so much from run to run that 40
    were not enough (after the December 2026 stream change the first 40 seeds gave the full model
    0.17 and the cut A -> C 0.22; on 200: 0.43 against 0.21, C -> V 0.33, V -> A 0.27)."""
    def pv(**kw):
        e = v.ensemble(200, events=v.push(), **kw)
        return float(e.engine.public_value[:, e.engine.field_index(v.FIELD)].mean())
    full = pv()
    for flow in ("flow_ac", "flow_cv", "flow_va"):
        assert pv(knockouts=(flow,)) < full, flow


def test_culture_moves_under_a_new_leader_and_outlasts_them():
    """Leaders build culture (000:229, 1289) that outlasts them (000:1216): openness rises after a
    new chief executive arrives and falls back more slowly after they leave."""
    e = v.ensemble(v.QUICK, 72, events=v.push() + [Shock(36, "leader_departure", role="chief_executive")])
    ts = e.timeseries().groupby("step").openness.mean()
    rise = ts[36] - ts[0]
    fall = ts[36] - ts[72]
    assert rise > 0.1
    assert 0 <= fall < rise / 2
    calm = v.ensemble(v.QUICK, 72, knockouts=("culture",)).timeseries().groupby("step").openness.mean()
    assert np.allclose(calm.to_numpy(), calm.iloc[0])


def test_the_pressure_enables_knock_out_removes_only_pressures_terms():
    """ODD 7.2/7.4: the knock-out drops the speed-up and the 0.3 · pressure term of authority and
    leaves the 0.7 · trait term alone (Addendum 8: it used to give the trait term weight 1). In a
    place with no pressure at all and no speed-up, the knock-out has almost nothing left to remove:
    the agents end where they end without it (the remaining pressure is recognition's, about 0.015;
    the old knock-out moved them by 0.086)."""
    calm = dict(efficiency_pressure=0.0, member_pressure=0.0, community_pressure=0.0, central_pressure=0.0,
                pressure_enables=0.0)
    a = Locality(seed=3, **calm).run_for(24)
    b = Locality(seed=3, knockouts=("pressure_enables",), **calm).run_for(24)
    assert np.abs(a.engine.total_pressure).max() < 0.03
    assert np.abs(a.engine.agents.x - b.engine.agents.x).max() < 0.01
