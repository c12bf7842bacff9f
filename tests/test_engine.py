"""The batched engine (issue 12): one step for many places, each on its own random stream."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model import Locality, Shock
from model.core import network as net
from model.core.engine import Engine
from model.core.locality import Ensemble
from model.core.parameters import resolve
from model.io.scenario import load

QUIET = {"region.intermediaries": 0.0, "region.survey_month": 40, "region.inspection_interval": 0, "region.fund_share": 0.0,
         "region.beacon_scheme": 0, "region.councils": 12, "region.fire_authorities": 2}


def test_place_k_of_a_region_without_peer_learning_is_a_lone_locality():
    """With no channels between places and no central levers, place k of a region runs exactly as
    a lone locality with the same settings and stream, row for row."""
    s = load("england_2006").with_overrides(60, QUIET)
    s.region.events.clear()
    r = s.build(11).run_for(60)
    seeds = [int(q.generate_state(1, np.uint64)[0]) for q in np.random.SeedSequence(11).spawn(r.n)]
    for k in (0, 5, r.n - 1):
        m = Locality(seed=seeds[k], fields=s.fields, initial_phases=s.initial_phases, events=s.events,
                     **r.engine.params[k]).run_for(60)
        ts = m.timeseries()
        phases = r.phases[:, k, :].reshape(-1)
        assert np.array_equal(phases, ts.phase.to_numpy())
        perf = np.stack([rec[1][k] for rec in r._records]).reshape(-1)
        assert np.array_equal(perf, ts.performance.to_numpy().astype(np.float32))
        assert np.array_equal(r.engine.public_value[k], m.public_value)
        assert np.array_equal(r.engine.agents.x[r.engine.start[k]:r.engine.start[k + 1]], m.state.x)


def test_a_place_does_not_depend_on_what_else_shares_the_batch():
    """The same place (settings and stream) in a batch of one and in a batch of three."""
    p = resolve({"leader_drive": 0.8})
    others = [resolve({"openness": 0.2}), resolve({"n_residents": 40, "max_trials": 3})]
    alone = Engine([p], [np.random.default_rng(7)], ("a", "b", "c"))
    mixed = Engine([others[0], p, others[1]], [np.random.default_rng(s) for s in (1, 7, 2)], ("a", "b", "c"))
    for _ in range(60):
        alone.step()
        mixed.step()
    assert np.array_equal(alone.phase[0], mixed.phase[1])
    assert np.array_equal(alone.performance[0], mixed.performance[1])
    assert np.array_equal(alone.corners[0], mixed.corners[1])


def test_places_with_fewer_trial_slots_never_use_the_others():
    e = Engine([resolve({"max_trials": 2}), resolve({"max_trials": 6})], [np.random.default_rng(s) for s in (3, 4)],
               ("a", "b"))
    e.apply_shock(Shock(0, "underperformance", magnitude=1.0))
    for _ in range(80):
        e.step()
        assert not e.trial_active[0, :, 2:].any() and not e.trial_proven[0, :, 2:].any()


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 2**31 - 1), min_size=1, max_size=4), st.integers(5, 60))
def test_links_never_cross_places_and_corners_are_weighted_means(seeds, residents):
    e = Engine([resolve({"n_residents": residents})] * len(seeds), [np.random.default_rng(s) for s in seeds],
               ("a", "b"))
    place = e.agents.place
    for m in (e.flow_matrix, e.members, e.report):
        rows, cols = m.nonzero()
        owner = place[rows] if m.shape[0] == len(place) else rows // (3 * e.F)
        assert np.array_equal(place[cols], owner)
    sums = np.asarray(e.members.sum(axis=1)).ravel()
    assert np.allclose(sums[sums > 0], 1.0)
    assert ((e.corners >= 0) & (e.corners <= 1)).all()


def test_departures_and_arrivals_restructure_only_their_place():
    e = Engine([resolve({})] * 3, [np.random.default_rng(s) for s in range(3)], ("a", "b"))
    before = e.flow_matrix.toarray()
    e.apply_shock(Shock(0, "leader_departure", role="chief_executive"), places=[1])
    e.apply_shock(Shock(0, "commissioning", field="a", magnitude=2.0), places=[1])  # grows place 1's block
    e.step()
    after = e.flow_matrix.toarray()
    s0, e0 = e.start[0], e.start[1]
    assert np.array_equal(before[s0:e0, s0:e0], after[s0:e0, s0:e0])
    blk = e.block(1)
    assert (blk.role == net.ROLE_CODE["partner"]).sum() >= 24  # providers on the roster
    assert e.cap[1] > e.cap[0]  # 24 providers needed more than the spare slots
    ev = e.events_frame()
    assert set(ev.place[ev.kind.str.startswith("shock:")]) == {1}


def test_a_lone_locality_is_a_mesa_model_with_its_agents_on_the_network():
    m = Locality(seed=3)
    assert len(m.agents) == int(m.state.alive.sum())
    m.apply_shock(Shock(0, "leader_arrival", role="director", field="education"))
    assert len(m.agents) == int(m.state.alive.sum())
    assert all(a.cell is m.network[a.idx] for a in m.agents)
    m.run_for(3)
    assert m.steps == m.engine.steps == 3


@pytest.mark.parametrize("n", [1, 3])
def test_same_seed_same_batch(n):
    def run():
        e = Engine([resolve({})] * n, [np.random.default_rng(s) for s in range(n)], ("a", "b", "c"))
        for _ in range(30):
            e.step()
        return e.performance.copy(), e.phase.copy()
    (p1, f1), (p2, f2) = run(), run()
    assert np.array_equal(p1, p2) and np.array_equal(f1, f2)


def test_an_ensemble_in_one_engine_equals_its_replicates_run_one_by_one():
    """core.locality.Ensemble (what run_ensemble uses): same frames as separate Localities, shocks,
    arrivals and elections included, whatever the batching and the number of workers."""
    import pandas as pd

    from model.experiments.runner import replicate_seeds, run_ensemble, run_replicate
    s = load("knowsley").with_overrides(72)
    alone = [run_replicate(s, k, seed) for k, seed in enumerate(replicate_seeds(5, 10))]
    ts = pd.concat([a[0] for a in alone], ignore_index=True)
    ev = pd.concat([a[1] for a in alone], ignore_index=True)
    for workers in (1, 2):
        bts, bev = run_ensemble(s, 10, 5, workers=workers, progress=False)
        assert bts.equals(ts)
        assert bev.astype(str).equals(ev.astype(str))


NO_INNOVATION = dict(trigger_rate=0.0, opportunity_rate=0.0)  # fields never leave latent


def test_continuous_improvement_raises_a_failing_field_without_any_innovation():
    """7.10 (000:157): a field below its aspiration, under an inspection, improves through its own
    capacity while nothing innovates; with improvement_rate 0, or with no gap, it does not."""
    events = [Shock(0, "underperformance", field="education")]
    seeds = list(range(20))

    def end(**kw):
        from model.core.locality import Ensemble
        e = Ensemble(seeds, events=events, **NO_INNOVATION, **kw).run_for(96)
        assert (e.engine.phase == 0).all()
        f = e.engine.field_index("education")
        return e.engine.improvement[:, f], e.engine.performance[:, f] - e.engine.performance0[:, f]

    gained, perf = end()
    assert gained.min() > 0.02 and perf.mean() > 0.03
    none, perf0 = end(improvement_rate=0.0)
    assert (none == 0).all() and abs(perf0.mean()) < 0.01
    no_gap, _ = end(aspiration=0.0)
    assert (no_gap == 0).all()


def test_realised_value_is_net_of_continuous_improvement():
    """The value gate sees the innovation only (7.10): a pushed field whose innovation creates no
    value and costs nothing improves, yet its realised value stays near 0, below the gate."""
    from model.core.locality import Ensemble
    e = Ensemble(list(range(20)), events=[Shock(0, "underperformance", field="education"),
                                          Shock(0, "leader_arrival", role="chief_executive")],
                 innovation_uplift=0.0, diversion_cost=0.0, performance_noise=0.0).run_for(60)
    f = e.engine.field_index("education")
    started = e.engine.phase[:, f] > 0
    assert started.sum() >= 10
    gained = (e.engine.performance - e.engine.performance_at_trigger)[started, f]
    assert gained.mean() > 0.01  # performance rose since the trigger ...
    realised = e.engine.realised[started, f]
    assert np.abs(realised).mean() < 0.002 and np.abs(realised).max() < 0.2 * e.engine.params[0]["value_threshold"]  # ... the gate saw none of it


def test_success_strengthens_the_capacity_of_the_field_that_shows_it():
    """004:139-146 (ODD 7.3): a field whose innovation shows the value that proves it draws more
    capacity through its links than its same-seed twin with success_link_gain 0; a field that
    shows nothing gains nothing from the setting."""
    def capacity(gain):
        e = Engine([resolve({"success_link_gain": gain})] * 4, [np.random.default_rng(s) for s in range(4)],
                   ("a", "b"))
        for _ in range(36):
            e.phase[:, :] = 2  # both fields mobilising; only field a shows value
            e.realised[:, 0], e.realised[:, 1] = e.params[0]["value_threshold"], 0.0
            e.step()
        return e.corners[:, :, 1].copy()
    with_gain, without = capacity(0.5), capacity(0.0)
    assert (with_gain[:, 0] - without[:, 0]).min() > 0.02
    # field b shows nothing; it moves only through agents shared with field a (every-field roles)
    assert abs(with_gain[:, 1] - without[:, 1]).max() < (with_gain[:, 0] - without[:, 0]).min()


def test_a_field_back_from_mainstreaming_resumes_from_the_half_alignment_it_kept():
    """ODD 7.8: falling back from mainstreaming halves alignment; moving on to mainstreaming again
    resumes from it (Addendum 8: every entry used to reset it to 0). A new dominant innovation, on
    entering mobilisation from design, starts from 0."""
    ts = Ensemble(list(range(100, 140)), initial_phases={"education": 3}, efficiency_pressure=0.8).run_for(120).timeseries()
    kept = []
    for _, g in ts.groupby(["replicate", "field"], observed=True):
        ph, al = g.phase.to_numpy(), g.alignment.to_numpy()
        for t in np.flatnonzero((ph[:-1] == 3) & (ph[1:] == 2)) + 1:
            nxt = t + np.argmax(ph[t:] != 2) if (ph[t:] != 2).any() else None
            if nxt is not None and ph[nxt] == 3:
                kept.append((al[t], al[nxt]))
        for t in np.flatnonzero((ph[:-1] == 1) & (ph[1:] == 2)) + 1:
            assert al[t] == 0.0
    assert len(kept) >= 5
    assert all(after == before > 0 for before, after in kept), kept


def test_learning_from_failure_keeps_the_best_lost_innovation_for_the_next_trial():
    """7.6 (000:1462; 003:702): a trial killed or unproven, a trial abandoned when design collapses and
    a dominant innovation that falls back all leave their quality as the field's lesson, which is
    never lost; with learning_from_failure 1 a new trial is at least as good as the lesson."""
    n = 6
    e = Engine([resolve({"learning_from_failure": 1.0, "trial_failure_rate": 0.2})] * n,
               [np.random.default_rng(s) for s in range(n)], ("a", "b"))
    e.apply_shock(Shock(0, "underperformance", magnitude=1.0))
    lost = spawned = fell = 0
    for _ in range(150):
        active, proven, q = e.trial_active.copy(), e.trial_proven.copy(), e.trial_quality.copy()
        lesson, dom, phase = e.lesson.copy(), e.dominant_quality.copy(), e.phase.copy()
        e.step()
        assert (e.lesson >= lesson).all()
        new = e.trial_active & ~active
        assert (e.trial_quality[new] >= np.repeat(lesson[..., None], q.shape[2], axis=2)[new]).all()
        spawned += new.sum()
        gone = (active | proven) & ~e.trial_active & ~e.trial_proven & (e.phase <= phase)[..., None]
        assert (np.repeat(e.lesson[..., None], q.shape[2], axis=2)[gone] >= q[gone]).all()
        lost += gone.sum()
        back = (phase == 2) & (e.phase == 1)
        assert (e.lesson[back] >= np.minimum(dom[back], 1.0)).all()
        assert (e.lesson <= 1.0).all() and (e.trial_quality <= 1.0).all()  # on the trials' 0-1 scale
        fell += back.sum()
    assert lost > 10 and spawned > 10 and fell > 0  # the invariants were exercised


def test_learning_from_failure_means_fewer_failures_before_mobilisation():
    """The same 40 pushed places with and without lessons: with them, fewer trials fail before a
    field first mobilises (the seeds and every draw are the same; only the lesson differs)."""
    def failures(learning):
        n = 40
        e = Engine([resolve({"learning_from_failure": learning})] * n, [np.random.default_rng(s) for s in range(n)], ("a",))
        e.apply_shock(Shock(0, "underperformance", magnitude=1.0))
        e.apply_shock(Shock(0, "leader_arrival", role="chief_executive"))
        first = np.full(n, -1)
        for _ in range(120):
            e.step()
            hit = (first < 0) & (e.phase[:, 0] >= 2)
            first[hit] = e.failed_trials[hit, 0]
        return first[first >= 0]
    with_lessons, without = failures(1.0), failures(0.0)
    assert len(with_lessons) >= 30 and len(without) >= 30
    assert with_lessons.mean() < without.mean() - 0.3  # 3.7 against 4.3 on these seeds; a no-op gives equal means


def test_the_efficiency_squeeze_alone_can_start_a_field_that_does_not_fail():
    """7.5 (004:548; 003:197-199, 340): with performance above aspiration (no gap, no recognition) a
    field starts only through the efficiency threat; with efficiency_threat 0, or with no efficiency
    pressure felt from outside, it never does (the same seeds and draws)."""
    def started(**kw):
        n = 40
        par = resolve({"initial_performance": 0.9, "aspiration": 0.7, "opportunity_rate": 0.0, "trigger_rate": 2.0, **kw})
        e = Engine([par] * n, [np.random.default_rng(s) for s in range(n)], ("a",))
        ever = np.zeros(n, dtype=bool)
        for _ in range(120):
            e.step()
            ever |= e.phase[:, 0] > 0
            assert (e.recognition == 0).all()  # the field never fails
        return ever.mean()
    assert started(efficiency_threat=1.0, efficiency_pressure=0.9) > 0.25
    assert started(efficiency_threat=0.0, efficiency_pressure=0.9) == 0.0
    assert started(efficiency_threat=1.0, efficiency_pressure=0.9, efficiency_external_weight=0.0) == 0.0


def test_the_threat_changes_nothing_where_no_efficiency_pressure_is_felt_from_outside():
    """efficiency_threat acts only through the externally felt squeeze: with it at 1 and no external
    efficiency pressure, every run is bit for bit the run with it at 0."""
    def run(threat):
        n = 4
        par = resolve({"efficiency_threat": threat, "efficiency_external_weight": 0.0})
        e = Engine([par] * n, [np.random.default_rng(s) for s in range(n)], ("a", "b"))
        e.apply_shock(Shock(0, "underperformance", magnitude=1.0))
        for _ in range(60):
            e.step()
        return e.phase.copy(), e.performance.copy(), e.trial_quality.copy()
    for a, b in zip(run(1.0), run(0.0)):
        assert np.array_equal(a, b)


def test_a_lesson_stays_on_the_trials_scale_when_an_innovation_did_better_at_scale_than_piloted():
    """At scale a dominant innovation may deliver up to twice its pilot (7.6); the lesson it leaves
    when it falls back is capped at 1, the top of a trial's quality, so later trials stay in [0, 1]."""
    e = Engine([resolve({"learning_from_failure": 1.0})], [np.random.default_rng(0)], ("a",))
    e.set_initial_phase(0, 2)
    e.dominant_quality[0, 0] = 1.6
    e.fall_back(0, 0)
    assert e.phase[0, 0] == 1 and e.lesson[0, 0] == 1.0


def test_a_fitted_locality_scenario_batches_each_replicates_draw_as_run_one_by_one(tmp_path):
    """A locality scenario naming a posterior: the batched ensemble (``innovation-sim run``, and the
    app's "Run N times") runs each replicate on its own draw, the same frames as one engine each."""
    import pandas as pd

    from model.app.ensemble import EnsembleSpec, run_replicates
    from model.experiments.runner import replicate_seeds, run_ensemble, run_replicate
    from model.io.scenario import SHIPPED
    (tmp_path / "post.csv").write_text("trigger_rate,proof_threshold,weight\n0.2,0.6,0.5\n2.5,0.9,0.5\n")
    (tmp_path / "fit.toml").write_text(f'extends = "{SHIPPED / "knowsley.toml"}"\nname = "Fit"\n'
                                       'description = "A fitted locality."\nposterior = "post.csv"\n')
    s = load(tmp_path / "fit.toml").with_overrides(61)
    seeds = replicate_seeds(5, 10)
    alone = [run_replicate(s, k, seed) for k, seed in enumerate(seeds)]
    ts = pd.concat([a[0] for a in alone], ignore_index=True)
    for workers in (1, 2):
        assert run_ensemble(s, 10, 5, workers=workers, progress=False)[0].equals(ts)
    app = run_replicates(EnsembleSpec("A", s), seeds, 61)
    assert app.drop(columns="replicate").equals(ts.drop(columns="replicate"))
    unfitted = run_ensemble(load("knowsley").with_overrides(61), 10, 5, workers=1, progress=False)[0]
    assert not unfitted.equals(ts)  # the draws matter: the test can fail


@pytest.mark.parametrize("phase", [2, 3, 4])
def test_a_field_started_past_design_starts_where_its_potential_is(phase):
    """Addendum 15: uplift and diversion of the phase it starts in are both in the starting
    performance, so the first months neither rise nor dip (before: +0.15 embedded; then, with the
    diversion left out, -0.07 in mobilisation and -0.04 in mainstreaming)."""
    changes = []
    for seed in range(12):
        m = Locality(seed=seed, initial_phases={"education": phase}, performance_noise=0.0)
        f = m.field_index("education")
        start = float(m.performance[f])
        for _ in range(3):
            m.step()
        changes.append(float(m.performance[f]) - start)
    assert abs(float(np.median(changes))) < 0.01, changes


def test_a_field_started_embedded_does_not_gain_its_innovation_again():
    """validation-plan Addendum 15: the innovation's uplift is already in the starting performance
    and its gain already shown, so the first year adds no phantom rise (before the fix: about +0.15)."""
    from model.core.locality import Locality
    rises = []
    for seed in range(12):
        m = Locality(seed=seed, initial_phases={"education": 4})
        f = m.field_index("education")
        start = float(m.performance[f])
        assert m.realised[f] > m.p["value_threshold"]  # proven before the run
        for _ in range(12):
            m.step()
        rises.append(float(m.performance[f]) - start)
    assert abs(float(np.median(rises))) < 0.05, rises


def test_a_fall_back_ramps_the_uplift_down_from_what_the_field_had():
    """validation-plan Addendum 16: a field stopped back from mainstreaming to mobilisation keeps
    its pilot: its maturity starts where it was and eases to mobilisation's 0.6 over the ramp
    (before: it fell at once to 0, the maturity of the phase below, and climbed back)."""
    from model.core import lifecycle as lc
    m = Locality(seed=4, initial_phases={"education": 3})
    e, f = m.engine, m.field_index("education")
    m.step()
    held = float(e.maturity_now[0, f])
    assert held >= lc.MATURITY[3]
    e.fall_back(0, f)
    m.step()
    after = float(e.maturity_now[0, f])
    assert e.phase[0, f] == 2 and after > lc.MATURITY[2] and after == pytest.approx(
        held + (lc.MATURITY[2] - held) / lc.RAMP_MONTHS, abs=1e-12)


def test_embedding_holds_what_full_alignment_reached():
    """validation-plan Addendum 17: full alignment in mainstreaming reaches embedding's maturity, so
    a field that embeds keeps its uplift and never eases down (before: up to 1.1 in mainstreaming,
    easing down to 1.0 on embedding)."""
    from model.core import lifecycle as lc
    entries = 0
    for seed in range(10):
        m = Locality(seed=seed, initial_phases={"education": 3})
        e, f = m.engine, m.field_index("education")
        path = []
        for _ in range(48):
            m.step()
            path.append((int(e.phase[0, f]), float(e.maturity_now[0, f])))
        at = next((k for k in range(1, len(path)) if path[k][0] == 4 and path[k - 1][0] == 3), None)
        if at is None:
            continue
        entries += 1
        spell = next((k for k in range(at, len(path)) if path[k][0] != 4), len(path))
        after = [mat for _, mat in path[at - 1:spell]]  # the month before, then the embedded spell
        assert after[0] <= lc.MATURITY[4] + 1e-9  # full alignment is full scale, not beyond
        assert all(b >= a - 1e-12 for a, b in zip(after, after[1:])), (seed, after[:8])
    assert entries >= 3  # the test saw fields embed


def test_overstretch_slows_alignment_once_through_resources():
    """validation-plan Addendum 17: alignment speed sees overstretch through resources, whose slack
    is net of it, and not a second time (before: (1 - overstretch) squared)."""
    from model.core import engine as eng
    m = Locality(seed=3, initial_phases={f: 3 for f in ("education", "youth services", "community safety")},
                 overstretch_threshold=1, overstretch_penalty=0.25)
    e = m.engine
    m.step()
    f = m.field_index("education")
    before = float(e.alignment[0, f])
    ph = eng.PhaseView.of(e.phase, e)
    assert ph.stretch[0] > 0  # three fields mainstreaming against a threshold of 1
    m.step()
    gain = float(e.alignment[0, f]) - before
    assert e.phase[0, f] == 3  # still aligning: the comparison below is about a month of it
    enable = float(eng.lc.enabling(e.total_pressure, e.recognition, e.pc["pressure_enables"])[0, f])
    ready = float(e._adequacy(eng.PhaseView.of(e.phase, e))[0][0, f])
    once = (e.pc["alignment_rate"][0, f] * e.corners[0, f, 1] * e.resources[0, f] * e.network_quality[0, f]
            * eng.ALIGNMENT_SPEED * enable * ready)
    assert gain == pytest.approx(once, rel=1e-6) and gain > once * (1 - ph.stretch[0]) * 1.01


def test_a_new_dominant_innovation_ramps_from_nothing_after_a_fall_to_design():
    """Addendum 16 changes only what a field held: a field that fell from mobilisation to design and
    proves a new trial within the ramp starts its new innovation's maturity at 0, not at the old one's."""
    from model.core import lifecycle as lc
    m = Locality(seed=1, initial_phases={"education": 2}, trial_progress_rate=1.0)
    e, f = m.engine, m.field_index("education")
    for _ in range(8):
        m.step()
    assert e.phase[0, f] == 2 and e.maturity_now[0, f] == pytest.approx(lc.MATURITY[2])
    e.fall_back(0, f)
    e.start_trial(0, f, 0.95)
    m.step()
    assert e.phase[0, f] == 2 and e.in_phase[0, f] == 0  # back in mobilisation with a new innovation
    assert e.ramp_from[0, f] == 0.0 and e.maturity_now[0, f] == 0.0
