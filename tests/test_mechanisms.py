"""Mechanisms on fixed-seed ensembles (200 runs each unless said), each naming its source.

Thresholds are set so that the model as specified passes with a margin, and a model missing the
mechanism fails; the comment by each states what the ensemble gave when the test was written.
"""

import numpy as np
import pandas as pd
import pytest

from ensemble import FIELD, SEEDS, first_step, intervene_when, push, rate, run
from model import Shock
from model.experiments.validation import SIX, WEAK, jcurve_dips

pytestmark = pytest.mark.ensemble
CALM = dict(efficiency_pressure=0.0, member_pressure=0.0, community_pressure=0.0, central_pressure=0.0)


def test_no_pressure_and_no_new_leader_a_latent_field_rarely_leaves_phase_0():
    """004:548-554 (the will to change comes from threat or failure); 000:1285."""
    left = [run(s, **CALM).timeseries().groupby("field", observed=True).phase.max().gt(0).mean() for s in SEEDS]
    assert rate(left) < 0.12  # 0.043 when written (1000 field-runs)


def test_underperformance_shock_makes_design_within_24_months_likely():
    """Critical inspection as catalyst: 004:585-591; 003:58, 298; 000:1283."""
    def design_within_24(seed, shocked):
        m = run(seed, months=36, events=[Shock(12, "underperformance", field=FIELD)] if shocked else [])
        st = first_step(m, FIELD, "forward", "latent")
        return st is not None and 12 < st <= 36
    shocked = rate(design_within_24(s, True) for s in SEEDS)
    control = rate(design_within_24(s, False) for s in SEEDS)
    assert shocked > 0.5  # 0.765 when written
    assert control < 0.1  # 0.045


@pytest.fixture(scope="module")
def pushed():
    """The pushed field's runs: inspection and a new chief executive at month 0."""
    return [run(s, events=push()) for s in SEEDS]


def test_backward_transitions_occur_from_every_phase(pushed):
    """'at each point of transition the process may go into reverse' (004:29-30)."""
    ev = pd.concat([m.events() for m in pushed])
    back = ev[ev.kind == "backward"].detail.str.split(" -> ").str[0].value_counts()
    for phase in ("design & discovery", "mobilisation", "mainstreaming"):
        assert back.get(phase, 0) >= 20, phase  # 607, 316, 403 when written
    assert back.get("embedding", 0) >= 1  # 10: rare, as places sustain innovation (004:23-26)


def _embedded_fell_back(seed, **kw) -> bool:
    ev = run(seed, initial_phases={FIELD: 4}, **kw).events()
    return bool(((ev.field == FIELD) & (ev.kind == "backward") & ev.detail.str.startswith("embedding")).any())


def test_complacency_when_pressure_is_absent_reverses_embedding():
    """'Complacency may set in and what was flexible and flourishing may stagnate' (004:21-23)."""
    high = dict(efficiency_pressure=1.0, member_pressure=1.0, central_pressure=1.0)
    calm = rate(_embedded_fell_back(s, **CALM) for s in SEEDS)
    pressed = rate(_embedded_fell_back(s, **high) for s in SEEDS)
    assert calm > 0.5  # 0.975 when written
    assert calm > pressed + 0.3  # 0.325


def test_design_shows_several_failed_trials_before_a_dominant_one(pushed):
    """'many small failures, until one initiative emerges as the dominant innovation' (004:130-133)."""
    failed = []
    for m in pushed:
        st = first_step(m, FIELD, "forward", "design")
        if st is not None:
            ts = m.timeseries()
            failed.append(int(ts[(ts.field == FIELD) & (ts.step == st)].failed_trials.iloc[0]))
    assert len(failed) >= 100  # 180 of 200 reached mobilisation
    assert np.median(failed) >= 2 and np.mean(np.array(failed) >= 1) > 0.8  # mean 6.7, 87% >= 2


def test_runs_reaching_embedding_dip_below_pre_trigger_performance_first(pushed):
    """J-curve: 'every success looks like a failure in the middle' (004:42-43, 145-149)."""
    dips = jcurve_dips(pushed)
    assert len(dips) >= 40  # 64 when written
    assert rate(dips) > 0.9  # 1.0


def _harm(phase: int) -> float:
    """Extra chance of going backwards within 24 months when the chief executive leaves on
    entering ``phase``, against the same-seed twin where they stay."""
    leave = Shock(0, "leader_departure", role="chief_executive")
    pairs = [(intervene_when(s, FIELD, phase, leave), intervene_when(s, FIELD, phase, None)) for s in SEEDS]
    pairs = [(a[1], b[1]) for a, b in pairs if a[0]]
    assert len(pairs) >= 50
    return rate(a for a, _ in pairs) - rate(b for _, b in pairs)


def test_leadership_departure_hurts_more_in_design_and_mainstreaming_than_in_embedding():
    """Over-reliance on leaders (000:475) bites in design (004:115-126) and mainstreaming
    (004:188-190); the culture they build can outlast them once embedded (000:1216)."""
    design, mainstreaming, embedding = _harm(1), _harm(3), _harm(4)
    assert design > embedding + 0.05  # 0.225 vs 0.0 when written
    assert mainstreaming > embedding + 0.05  # 0.099


def test_removing_a_dedicated_grant_hurts_less_than_removing_the_leader():
    """Funding matters 'in quite complex ways' (004:571-574), 'not critical' (003:641); senior
    leadership is 'the single most important factor' (003:588)."""
    def outcome(seed, extra):
        m = run(seed, events=push() + [Shock(0, "funding_start", field=FIELD)] + extra)
        return m.public_value[m.field_index(FIELD)]
    control = np.array([outcome(s, []) for s in SEEDS])
    grant = np.array([outcome(s, [Shock(24, "funding_end", field=FIELD)]) for s in SEEDS])
    leader = np.array([outcome(s, [Shock(24, "leader_departure", role="chief_executive")]) for s in SEEDS])
    loss_grant, loss_leader = control - grant, control - leader
    assert loss_leader.mean() > 1.5 * loss_grant.mean()  # 0.088 vs 0.025 when written
    assert loss_grant.mean() > 0  # the grant is a lever, just a weaker one


def test_an_embedded_field_raises_other_fields_chance_to_trigger():
    """Gains spread 'thanks to inspiration or infection' (004:3-8)."""
    def others_triggered(seed, **kw):
        ts = run(seed, months=60, **kw).timeseries()
        return ts[ts.field != FIELD].groupby("field", observed=True).phase.max().gt(0).mean()
    base = rate(others_triggered(s) for s in SEEDS)
    embedded = rate(others_triggered(s, initial_phases={FIELD: 4}) for s in SEEDS)
    no_spill = rate(others_triggered(s, initial_phases={FIELD: 4}, spillover_strength=0.0) for s in SEEDS)
    assert embedded > base + 0.1  # 0.40 vs 0.14 when written
    assert embedded > no_spill  # the spillover channel itself carries part of it


def test_no_single_factor_alone_is_enough():
    """The six factors must align; one alone does not make an innovative place (000:215-232)."""
    # The weak locality and the six factors are those of validation check 2 (WEAK includes
    # overstretch_threshold=5, so that overstretch, tested below, is not what stops them).
    weak, factors = WEAK, SIX
    seeds = list(SEEDS)[:100]

    def embedded(**kw):
        return rate(run(s, **{**weak, **kw}).timeseries().phase.eq(4).any() for s in seeds)
    for name, kw in factors.items():
        assert embedded(**kw) < 0.05, name  # 0.0 for each when written
    everything = {k: v for kw in factors.values() for k, v in kw.items()}
    assert embedded(**everything) > 0.3  # 0.95 when written
    # ...and a locality that innovates in every field at once overstretches (003:532-533).
    assert embedded(**{**everything, "overstretch_threshold": 1}) < embedded(**everything) - 0.3  # 0.0
