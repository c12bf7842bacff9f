"""The region (issue 6): many localities on a peer network. Small regions keep the suite fast;
stochastic claims are checked on a few seeds with margins a broken mechanism would miss."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from model.core.lifecycle import Phase
from model.core.locality import Locality
from model.core.region import REGIONS, TYPES, roster
from model.core.survey import CATEGORIES, SURVEY, classify
from model.io.scenario import ScenarioError, load

SMALL = {"region.councils": 40, "region.fire_authorities": 5}


def small(months: int = 36, **params):
    """England 2006 at a tenth of its size; runs shorter than its 2004 Gershon event drop it."""
    s = load("england_2006")
    if months < 60:
        s.region.events = []
    extra = {"region.survey_month": months} if months < 77 else {}
    return s.with_overrides(months=months, parameters={**SMALL, **extra, **params})


def test_roster_is_the_survey_population_and_a_sample_keeps_its_mix():
    kinds, regions = roster()
    assert len(kinds) == 435  # 388 councils + 47 fire authorities (003:781)
    counts = pd.Series(kinds).value_counts()
    assert counts.to_dict() == {"district": 238, "unitary": 47, "fire": 47, "metropolitan": 36, "county": 34,
                                "london_borough": 33}
    assert set(regions) == set(REGIONS)
    k, r = roster(40, 5)
    assert len(k) == 45 and (k == "fire").sum() == 5 and len(set(r)) >= 7


def test_same_seed_same_region_and_another_seed_differs():
    s = small(24)
    a, b, c = s.build(3).run_for(24), s.build(3).run_for(24), s.build(4).run_for(24)
    assert np.array_equal(a.phases, b.phases)
    assert a.places().equals(b.places())
    assert not np.array_equal(a.phases, c.phases)


def test_same_seed_same_region_in_another_process(tmp_path):
    s = small(18)
    here = s.build(11).run_for(18).timeseries()
    code = ("import sys; sys.path[:0] = ['.', 'tests'];"
            "from test_region import small;"
            f"small(18).build(11).run_for(18).timeseries().to_parquet({str(tmp_path / 'ts.parquet')!r})")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=str(__import__("pathlib").Path(__file__).parent.parent))
    pd.testing.assert_frame_equal(here, pd.read_parquet(tmp_path / "ts.parquet"))


def test_places_differ_around_the_template_with_group_effects():
    r = small(1).build(1)
    places = r.places()
    assert places.leader_drive.std() > 0.05  # spread drawn per place
    # The fitted regional offsets point the way the survey does (003:284).
    nw = places[places.region == "north_west"].leader_drive.mean()
    lo = places[places.region.isin(["london", "east_midlands", "south_west"])].leader_drive.mean()
    assert nw > lo
    assert len(r.agents) == r.n and all(a.cell is r.network[a.i] for a in r.agents)  # Mesa agents on the network
    assert places.notna().all().all()  # every parameter of every place, not only the drawn ones


def test_classification_follows_the_leading_innovation():
    phase = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 1], [2, 0, 0], [0, 0, 4]])
    assert [CATEGORIES[c] for c in classify(phase)] == ["hardly any", "some", "some", "a great deal", "a great deal"]
    m = Locality(seed=1)
    m.phase[:] = [0, 3, 0, 0, 0]
    assert m.innovativeness == "a great deal"


def _exposed_region(**rp):
    """A region where place 1 has an embedded-era innovation to show in field 0."""
    r = small(1, **{f"region.{k}": v for k, v in rp.items()}).build(2)
    r.localities[1].phase[0] = Phase.MAINSTREAMING
    r.localities[1].dominant_quality[0] = 0.8
    r.sharer[1] = True
    return r


def test_examples_reach_linked_places_face_to_face_more_than_in_writing():
    r = _exposed_region(beacon_scheme=0)
    face, written = np.zeros_like(r.face), np.zeros_like(r.written)
    face[0, 1] = face[1, 0] = 1.0   # place 0 meets place 1
    written[2, 1] = written[1, 2] = 1.0  # place 2 only reads about it
    r.set_peer_links(face, written)
    r.step()
    pull = np.array([r.localities[i].peer_pull[0] for i in range(4)])
    assert pull[0] > pull[2] > 0 and pull[3] == 0.0  # 003:672
    # The idea on offer, when there is one, is the innovator's scaled by each adopter's fit
    # (adaptation, 003:656); an unexposed place is never offered it.
    assert r.localities[0].peer_quality[0] in (0.0, pytest.approx(min(0.8 * r.fit[0, 0], 1.0)))
    assert r.localities[3].peer_quality[0] == 0.0


def test_a_place_gets_hold_of_an_example_with_the_chance_its_exposure_gives():
    """Examples are scarce (003:347, 657): the offer reaches a place in a share of months equal
    to its exposure, 1 - exp(-channel), for a strong face-to-face and a weak written link alike;
    with access_limited = 0 (the model before December 2026) every exposed place is offered it."""
    def offered(limited: int, months: int = 400) -> np.ndarray:
        r = _exposed_region(beacon_scheme=0, access_limited=limited)
        face, written = np.zeros_like(r.face), np.zeros_like(r.written)
        face[0, 1] = face[1, 0] = 1.0
        written[2, 1] = written[1, 2] = 1.0
        r.set_peer_links(face, written)
        seen = np.zeros(4)
        for _ in range(months):
            r._peer_step()  # the peer step alone: the innovation stays on show
            seen += [r.localities[i].peer_quality[0] > 0 for i in range(4)]
        return seen / months
    share = offered(1)
    w = _exposed_region().rp["written_weight"]
    assert share[0] == pytest.approx(1 - np.exp(-1.0), abs=0.06)
    assert share[2] == pytest.approx(1 - np.exp(-w), abs=0.06)
    assert share[3] == 0.0
    assert list(offered(0)[[0, 2, 3]]) == [1.0, 1.0, 0.0]
    # Per source (2, plan Addendum 18): with one source each, the same chance.
    share = offered(2)
    assert share[0] == pytest.approx(1 - np.exp(-1.0), abs=0.06)
    assert share[2] == pytest.approx(1 - np.exp(-w), abs=0.06)
    assert share[3] == 0.0


def test_with_access_per_source_a_place_gets_the_best_idea_it_reached_not_the_best_anywhere():
    """Plan Addendum 18: place 0 meets place 1 (a fair idea, 0.5) face to face and sees place 2's
    better one (0.9) only through a weak showcase link (0.05, a Beacon's). Some idea reaches it with
    the chance of its whole exposure under both rules; per source (2) the better idea comes only
    with the weak link's own chance, where the older rule (1) hands it over whenever any access
    comes."""
    def shares(limited: int, months: int = 600) -> tuple[float, float]:
        r = _exposed_region(beacon_scheme=0, access_limited=limited)
        r.localities[2].phase[0] = Phase.MAINSTREAMING
        r.localities[2].dominant_quality[0] = 0.9
        r.localities[1].dominant_quality[0] = 0.5
        r.sharer[2] = True
        r.fit[0, 0] = 1.0
        face = np.zeros_like(r.face)
        face[0, 1] = face[1, 0] = 1.0
        face[0, 2] = 0.05 / r.rp["intermediaries"]
        r.set_peer_links(face, np.zeros_like(r.written))
        offers = np.array([(r._peer_step(), r.localities[0].peer_quality[0])[1] for _ in range(months)])
        return float((offers > 0).mean()), float(np.isclose(offers, 0.9).mean())
    anyone = 1 - np.exp(-1.05)
    any1, best1 = shares(1)
    any2, best2 = shares(2)
    assert any1 == pytest.approx(anyone, abs=0.06) and any2 == pytest.approx(anyone, abs=0.06)
    assert best1 == any1
    assert best2 == pytest.approx(1 - np.exp(-0.05), abs=0.03)


def test_without_channels_access_per_source_changes_nothing():
    """The adopted England has no channels (intermediaries 0): its runs are the same under rules 1
    and 2, draw for draw (the per-source draws have a stream of their own)."""
    def run(limited: int) -> pd.DataFrame:
        return small(3, **{"region.intermediaries": 0.0, "region.access_limited": limited}).build(5).run_for(30).aggregates()
    pd.testing.assert_frame_equal(run(1), run(2))


def test_with_open_access_the_same_settings_spread_innovation_much_further():
    """Region-level effect of access-limited adaptation (ODD 10.2): at England 2006's fit (60-place
    version), open access (the rule before December 2026) gives far more 'a great deal' on the same
    seeds; measured 0.48 against 0.33 on these 6 seeds (higher on each)."""
    s = load("region_60")
    month = s.region.resolved()["survey_month"]

    def great_deal(limited: int) -> float:
        t = s.with_overrides(months=month + 1, parameters={"region.access_limited": limited})
        return float(np.mean([t.build(seed).run_for(month + 1).survey(month).set_index("group")
                              .loc["all", "a great deal"] for seed in range(6)]))
    assert great_deal(0) > great_deal(1) + 0.08


def test_a_place_that_does_not_share_shows_nothing():
    r = _exposed_region(beacon_scheme=0)
    r.sharer[1] = False
    face = np.zeros_like(r.face)
    face[0, 1] = face[1, 0] = 1.0
    r.set_peer_links(face)
    r.step()
    assert r.localities[0].peer_pull[0] == 0.0


def test_a_beacon_shows_everyone_but_sees_only_its_own_links():
    r = _exposed_region(beacon_scheme=0, beacon_reach=0.2)
    r.set_peer_links(np.zeros_like(r.face), np.zeros_like(r.written))
    r.sharer[:] = False
    r.beacon_until[1] = 99  # place 1 is a Beacon with an innovation on show, linked to no one
    r.localities[3].phase[2] = Phase.MAINSTREAMING  # place 3 (not a Beacon) shows field 2
    r.localities[3].dominant_quality[2] = 0.7
    r.sharer[3] = True
    r.step()
    assert all(r.localities[i].peer_pull[0] > 0 for i in (0, 2, 3))  # the showcase reaches all
    assert r.localities[1].peer_pull[0] == 0.0
    assert r.localities[1].peer_pull[2] == 0.0  # unlinked: the Beacon does not see place 3


def test_a_beacon_by_field_shows_that_field_only_and_is_awarded_for_it():
    """Beacon status for a theme of service (000:251-252, 708; plan Addendum 20): the showcase
    reaches every place in the awarded field and no other; awards are shared among the fields and go
    to the most public value in each; a Beacon does not see its own showcase."""
    r = _exposed_region(beacon_scheme=0, beacon_by_field=1, beacon_reach=0.2)
    r.set_peer_links(np.zeros_like(r.face), np.zeros_like(r.written))
    r.sharer[:] = False
    r.localities[1].phase[2] = Phase.MAINSTREAMING  # place 1 has proven fields 0 and 2 ...
    r.localities[1].dominant_quality[2] = 0.6
    r.beacon_field_until[1, 0] = 99  # ... and is a Beacon in field 0 only
    r.step()
    assert all(r.localities[i].peer_pull[0] > 0 for i in (0, 2, 3))
    assert all(r.localities[i].peer_pull[2] == 0.0 for i in range(r.n))  # field 2 is not on show
    assert r.localities[1].peer_pull[0] == 0.0
    assert r.best_shown[3, 0] == pytest.approx(min(0.8 * r.fit[3, 0], 1.0)) and r.best_shown[1, 0] == 0.0
    assert r.localities[1].sharing_cost[0] == 0.0
    # Under the place rule the same Beacon shows both fields.
    p = _exposed_region(beacon_scheme=0, beacon_reach=0.2)
    p.set_peer_links(np.zeros_like(p.face), np.zeros_like(p.written))
    p.sharer[:] = False
    p.localities[1].phase[2] = Phase.MAINSTREAMING
    p.localities[1].dominant_quality[2] = 0.6
    p.beacon_until[1] = 99
    p.step()
    assert p.localities[0].peer_pull[2] > 0

    # The award: 7 awards over 5 fields, most public value first, never to a sitting Beacon.
    a = small(1, **{"region.beacon_by_field": 1, "region.beacon_awards": 7}).build(3)
    e = a.engine
    e.phase[:] = Phase.MAINSTREAMING
    e.public_value[:] = np.arange(a.n)[:, None] * 1.0  # the last places lead in every field
    a.beacon_field_until[a.n - 1, :] = 99  # the leader is a Beacon everywhere already
    a.steps = 24  # year 2: the two extra awards go to fields 2 and 3
    a._beacon_round_by_field()
    won = a.beacon_field_until == 48
    assert won.sum(axis=0).tolist() == [1, 1, 2, 2, 1]
    assert won[a.n - 2].all() and won[a.n - 3, [2, 3]].all() and not won[a.n - 1].any()
    with pytest.raises(Exception, match="beacon_by_field"):
        small(1, **{"region.beacon_by_field": 1, "region.access_limited": 2}).build(3)


def test_the_innovator_pays_for_dissemination_unless_it_is_a_beacon():
    r = _exposed_region(beacon_scheme=0, dissemination_cost=0.05)
    face = np.zeros_like(r.face)
    for j in (0, 2, 3):  # three peers learning in design
        face[1, j] = face[j, 1] = 1.0
        r.localities[j].phase[0] = Phase.DESIGN
    r.set_peer_links(face)
    r.step()
    assert r.localities[1].sharing_cost[0] == pytest.approx(0.15)  # 003:718
    r2 = _exposed_region(beacon_scheme=0, dissemination_cost=0.05)
    r2.set_peer_links(face)
    for j in (0, 2, 3):
        r2.localities[j].phase[0] = Phase.DESIGN
    r2.beacon_until[1] = 99
    r2.step()
    assert r2.localities[1].sharing_cost[0] == 0.0


def test_adapted_ideas_make_fewer_failed_trials_before_a_dominant_one():
    """Adoption by adaptation: a locality offered a proven idea (quality 0.8) each month fails
    fewer trials than one on its own; it still needs its own capacity to move on."""
    def run(offer, seed, **kw):
        m = Locality(seed=seed, **kw)
        m.apply_shock(__import__("model.core.events", fromlist=["Shock"]).Shock(0, "underperformance", field="education"))
        for _ in range(60):
            m.peer_quality[:] = offer
            m.step()
        return m
    alone = [run(0.0, s) for s in range(60)]
    helped = [run(0.8, s) for s in range(60)]
    # Same seeds, so without adaptation the two arms would be identical. Trials still get killed
    # in a new context (trial_failure_rate), so fewer failures, not none: measured 3.1 vs 4.5 (30 seeds).
    assert np.mean([m.failed_trials[1] for m in helped]) < 0.8 * np.mean([m.failed_trials[1] for m in alone])
    assert np.mean([m.dominant_adapted[1] for m in helped]) > 0.5
    starved = [run(0.8, s, staff_slack=0.0, skill=0.05) for s in range(60)]
    assert np.mean([m.phase[1] >= Phase.MOBILISATION for m in starved]) < np.mean(
        [m.phase[1] >= Phase.MOBILISATION for m in helped])


@pytest.mark.xfail(strict=True, reason="since success strengthens links and the region's re-fit (ODD 7.3, 10.5 "
                   "item 7) followers fail 0.870 of innovators' trials, not < 0.85; ODD 10.2")
def test_watch_and_copy_is_individually_rational_but_everyone_copying_under_provides():
    """004:995-1001. Measured on 3 seeds of a 45-place region over 60 months (numbers in comments
    are from the first measurement): followers fail fewer trials than innovators in a mixed region
    (about 4.6 vs 6.8), and a region of followers starts fewer innovations (0.31 vs 0.45 of
    place-fields ever leave latent with no followers). Under Model 2 this failed (xfail: followers
    failed only 13% fewer trials at the region's fit); since continuous improvement with its
    value netting (ODD 7.10, December 2026) it passes, at the edge: 11.8 vs 14.0 failed trials
    (0.847 against 0.85), 60% vs 53% of proven ideas adapted, 0.67 vs 0.76 started. Since success
    strengthens links (ODD 7.3, session 7): 11.9 vs 14.0 failed trials (0.849), 0.67 vs 0.77
    started, but 60% vs 64% of proven ideas adapted; after the region's re-fit (ODD 10.5 item 7):
    12.5 vs 14.4 failed trials (0.870, the test's first half fails), 68% vs 60% adapted, 0.67 vs
    0.78 started (xfail, strict: it flags when it passes again)."""
    def started(r):
        return float((r.phases.max(axis=0) >= Phase.DESIGN).mean())
    mixed = [small(60, **{"region.followers": 0.5}).build(s).run_for(60) for s in range(3)]

    def mean_over(r, who, f):
        return np.mean([f(m) for m, x in zip(r.localities, r.follower) if x == who])
    fails_f = np.mean([mean_over(r, True, lambda m: m.failed_trials.sum()) for r in mixed])
    fails_i = np.mean([mean_over(r, False, lambda m: m.failed_trials.sum()) for r in mixed])
    assert fails_f < 0.85 * fails_i
    # Copying is how they get there: more of the followers' proven ideas are adapted from peers
    # (examples appear late, so over 110 months).
    mixed = [small(110, **{"region.followers": 0.5}).build(s).run_for(110) for s in range(3)]
    copied_f = np.mean([mean_over(r, True, lambda m: m.dominant_adapted.sum()) for r in mixed])
    copied_i = np.mean([mean_over(r, False, lambda m: m.dominant_adapted.sum()) for r in mixed])
    own_f = np.mean([mean_over(r, True, lambda m: ((m.dominant_quality > 0) & ~m.dominant_adapted).sum()) for r in mixed])
    own_i = np.mean([mean_over(r, False, lambda m: ((m.dominant_quality > 0) & ~m.dominant_adapted).sum()) for r in mixed])
    # Measured: 70% of followers' proven ideas are adapted, 55% of innovators'.
    assert copied_f / max(copied_f + own_f, 1e-9) > copied_i / max(copied_i + own_i, 1e-9)
    copiers = np.mean([started(small(60, **{"region.followers": 1.0}).build(s).run_for(60)) for s in range(3)])
    innovators = np.mean([started(small(60, **{"region.followers": 0.0}).build(s).run_for(60)) for s in range(3)])
    assert copiers < innovators - 0.05


def test_central_levers_act():
    quiet = small(30, **{"region.inspection_interval": 0, "region.fund_share": 0.0, "region.beacon_scheme": 0})
    r = quiet.build(5).run_for(30)
    assert not r.events().kind.str.startswith("region:").any()
    busy = small(30, **{"region.inspection_interval": 6, "region.fund_share": 0.5}).build(5).run_for(30)
    kinds = busy.events().kind.value_counts()
    assert kinds["region:inspection"] == 5 and kinds["region:innovation_fund"] == 3
    assert (busy.phases[-1] >= 1).mean() > (r.phases[-1] >= 1).mean()


def test_region_events_hit_the_named_group_only():
    s = small(12)
    from model.core.events import Shock
    from model.core.region import RegionEvent
    s.region.events = [RegionEvent(Shock(2, "central_pressure", magnitude=0.3), share=1.0, group="fire")]
    r = s.build(1).run_for(4)
    fire = r.kinds == "fire"
    cp = np.array([m.pressures["central_pressure"][0] for m in r.localities])
    base = np.array([m.p["central_pressure"] for m in r.localities])
    assert np.allclose(cp[fire], np.minimum(base[fire] + 0.3, 1.0))
    assert np.allclose(cp[~fire], base[~fire])


def test_outputs_are_tidy_and_consistent():
    r = small(24).build(1).run_for(24)
    ts = r.timeseries()
    assert len(ts) == 25 * r.n * 5 and set(ts.answer.cat.categories) == set(CATEGORIES)
    agg = r.aggregates()
    shares = agg[[c for c in agg if c.startswith("share_")]].sum(axis=1)
    assert np.allclose(shares, 1.0)
    sv = r.survey(20).set_index("group")
    assert sv.loc["all", "places"] == r.n
    assert sv.loc["all", list(CATEGORIES)].sum() == pytest.approx(1.0)
    last = ts[ts.step == 20].groupby("place").answer.first().value_counts(normalize=True)
    assert last["some"] == pytest.approx(sv.loc["all", "some"])
    ad = r.adoption()
    assert (ad.groupby("field", observed=True).adopted.diff().dropna() >= 0).all()  # cumulative
    d = r.diffusion()
    assert list(d.field) == list(r.fields) and d.adopted_share.between(0, 1).all()
    ok = d.months_to_majority.notna()
    assert (d.months_to_early_adopters[ok] <= d.months_to_majority[ok]).all()


@pytest.mark.parametrize("text, message", [
    ("[region]\ncouncils = 500\n", "region.councils: 500 is out of range"),
    ("[region]\nplaces = 3\n", "region.places: unknown key"),
    ("[region.spread]\nleader_drve = 0.1\n", "region.spread.leader_drve: unknown parameter (did you mean 'leader_drive'?)"),
    ("[region.spread]\nleader_drive = 5.0\n", "region.spread.leader_drive: 5.0 is out of range (allowed: 0 to 1"),
    ("[region.effects.north_wst]\nleader_drive = 0.1\n", "region.effects.north_wst: unknown group (did you mean 'north_west'?)"),
    ("[[region.events]]\nmonth = 3\nkind = \"central_pressure\"\ngroup = \"wales\"\n", "region.events[0].group: unknown group 'wales'"),
    ("[region]\nsurvey = \"2006-06\"\n", "region.survey: needs 'start_year'"),
    ("[region.effects.fire]\nopenness = 1e6\n", "region.effects.fire.openness: 1000000.0 is out of range (allowed: -1 to 1"),
])
def test_bad_region_scenarios_get_one_line_errors(tmp_path, text, message):
    f = tmp_path / "bad.toml"
    f.write_text('name = "x"\ndescription = "y"\n' + text)
    with pytest.raises(ScenarioError) as e:
        load(f)
    assert str(e.value).startswith(str(f)) and message in str(e.value) and "\n" not in str(e.value)


def test_a_file_extending_a_calibrated_region_is_blamed_for_its_own_timing(tmp_path):
    """A timing error of a scenario that carries a posterior names the file and the key, not the
    posterior's range check that happens to re-check the scenario."""
    f = tmp_path / "eng60.toml"
    f.write_text('name = "E5"\ndescription = "England, five years"\nextends = "england_2006"\nmonths = 60\n')
    with pytest.raises(ScenarioError) as e:
        load(f)
    assert str(e.value).startswith(f"{f}: region.survey (or survey_month): 77 (2006-06) is beyond the run (allowed: 0 to 60")
    assert "posterior" not in str(e.value)


def test_region_overrides_are_checked():
    s = load("england_2006")
    with pytest.raises(ScenarioError, match="needs at least one place"):
        s.with_overrides(parameters={"region.councils": 0, "region.fire_authorities": 0})
    with pytest.raises(ScenarioError, match=r"parameter 'region.councils' = -1 is out of range"):
        s.with_overrides(parameters={"region.councils": -1})
    with pytest.raises(ScenarioError, match=r"region.survey \(or survey_month\): 77 \(2006-06\) is beyond the run \(allowed: 0 to 70, i.e. 2000-01 to 2005-11, from --steps 70"):
        s.with_overrides(months=70)  # (a region event in 2004 is within 70 months)
    with pytest.raises(ScenarioError, match="unknown parameter 'followers' \\(a region setting: use region.followers\\)"):
        s.with_overrides(parameters={"followers": 0.2})
    with pytest.raises(ScenarioError, match="finite"):
        s.with_overrides(parameters={"effects.fire.openness": float("nan")})
    with pytest.raises(ScenarioError, match=r"effects.fire.openness: 2.5 is out of range \(allowed: -1 to 1"):
        s.with_overrides(parameters={"effects.fire.openness": 2.5})
    assert s.with_overrides(parameters={"region.followers": 0.2}).region.resolved()["followers"] == 0.2
    with pytest.raises(ScenarioError, match="unknown region parameter 'folowers' \\(did you mean 'followers'"):
        s.with_overrides(parameters={"region.folowers": 0.2})
    with pytest.raises(ScenarioError, match="has no \\[region\\] table"):
        load("baseline").with_overrides(parameters={"region.followers": 0.2})
    with pytest.raises(ScenarioError, match="unknown group"):
        s.with_overrides(parameters={"effects.mars.leader_drive": 0.2})
    tied = s.with_overrides(parameters={"effects.london+south_west.openness": -0.1}).region.effects
    assert tied["london"]["openness"] == tied["south_west"]["openness"] == -0.1
    assert "openness" not in s.region.effects.get("london", {})  # the original is untouched


def test_resolved_region_scenario_round_trips(tmp_path):
    import tomli_w
    s = small(12)
    f = tmp_path / "resolved.toml"
    f.write_text(tomli_w.dumps(s.to_toml_dict()))
    again = load(f)
    assert again.region.resolved() == s.region.resolved()
    assert np.array_equal(again.build(4).run_for(12).phases, s.build(4).run_for(12).phases)


def test_survey_targets_are_the_reports():
    assert SURVEY == {"a great deal": 0.43, "some": 0.52, "hardly any": 0.02}
    assert set(TYPES) & set(REGIONS) == set()  # a group name means one thing


TINY = """name = "Tiny England"
description = "Twenty councils and two fire authorities, for tests."
extends = "{base}"
months = 60
[region]
councils = 20
fire_authorities = 2
survey = "2004-06"
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from model.io.scenario import SHIPPED
    d = tmp_path_factory.mktemp("tiny")
    f = d / "tiny.toml"
    f.write_text(TINY.format(base=SHIPPED / "england_2006.toml"))
    return f


def test_extending_a_region_keeps_its_spread_effects_and_events(tiny):
    s, parent = load(tiny), load("england_2006")
    assert s.region.resolved()["councils"] == 20 and s.region.spread == parent.region.spread
    assert s.region.resolved()["survey_month"] == 53  # the child's survey date wins
    assert s.region.effects == parent.region.effects and len(s.region.events) == len(parent.region.events)


def test_cli_runs_a_region_and_writes_tidy_outputs(tiny, tmp_path):
    from test_cli import sim
    out = tmp_path / "out"
    r = sim("run", tiny, "--replicates", 2, "--seed", 3, "--out", out)
    assert r.returncode == 0, r.stderr
    assert "a great deal" in r.stdout and "(43%)" in r.stdout  # the survey table with the targets
    names = {p.name for p in out.iterdir()}
    assert names == {"timeseries.parquet", "aggregates.csv", "survey.csv", "diffusion.csv", "adoption.csv",
                     "places.csv", "events.csv", "summary.json", "scenario.resolved.toml", "figures",
                     "manifest.json", "settings.csv", "posterior.csv"}  # England 2006 draws from its posterior
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert len(ts) == 2 * 61 * 22 * 5 and set(ts.replicate) == {0, 1}
    assert {p.name for p in (out / "figures").iterdir()} == {"survey_answers.png", "survey_groups.png", "adoption.png"}
    # The resolved scenario re-runs to the same numbers, from the folder alone (the posterior's copy),
    # and the manifest records the posterior the draws came from.
    moved = tmp_path / "moved"
    out.rename(moved)
    again = tmp_path / "again"
    r2 = sim("run", moved / "scenario.resolved.toml", "--out", again)
    assert r2.returncode == 0, r2.stderr
    pd.testing.assert_frame_equal(pd.read_parquet(again / "timeseries.parquet"), ts)
    inputs = json.loads((moved / "manifest.json").read_text())["inputs"]
    assert any(i["role"].endswith("posterior") and i["path"].endswith("england_2006.csv") for i in inputs)
    # compare is for localities; it says so in one line.
    r3 = sim("compare", tiny, "baseline", "--replicates", 2)
    assert r3.returncode == 2 and "region scenario" in r3.stderr and len(r3.stderr.strip().splitlines()) == 1


def test_sweep_runs_a_region_experiment_and_calibrates(tiny, tmp_path):
    from test_cli import sim
    exp = tmp_path / "cal.toml"
    exp.write_text(f'''name = "tiny calibration"
description = "x"
scenario = "{tiny}"
replicates = 1
seed = 4
batch_size = 2
[design]
method = "lhs"
samples = 4
[parameters]
trigger_rate = {{ low = 0.2, high = 1.0 }}
"region.example_strength" = {{ low = 0.0, high = 0.3 }}
[calibration.share_hardly_any]
target = 0.02
band = 0.5
''')
    out = tmp_path / "sweep"
    r = sim("sweep", exp, "--out", out, "--workers", 1)
    assert r.returncode == 0, r.stderr
    runs = pd.read_parquet(out)
    assert len(runs) == 4 and runs.error.isna().all()
    assert runs.share_some.between(0, 1).all() and "great_deal__fire" in runs
    r = sim("sweep", "--analyse", out)
    assert r.returncode == 0, r.stderr
    cal = pd.read_csv(out / "_analysis" / "calibration.csv")
    assert len(cal) == 4 and cal.distance.is_monotonic_increasing
    assert (cal.accepted == ((cal.share_hardly_any - 0.02).abs() <= 0.5)).all()
    bad = tmp_path / "bad.toml"
    bad.write_text(exp.read_text().replace("share_hardly_any", "share_hardly"))
    r = sim("sweep", bad, "--out", tmp_path / "x")
    assert r.returncode == 2 and "calibration.share_hardly: unknown outcome (did you mean 'share_hardly_any'?)" in r.stderr


def test_the_workshop_app_lists_regions_with_their_size_and_keeps_them_out_of_a_locality_workshop():
    """Regions play in their own view (model/app/region.py, issue 14 item 5): the picker lists them
    with their number of places, and the locality workshop still refuses one with a clear message."""
    from model.app.state import _scenario, catalogue
    entries = {c.key: c for c in catalogue()}
    assert entries["baseline"].places == 0
    assert entries["england_2006"].places == 435 and 0 < entries["region_60"].places < 100
    with pytest.raises(ScenarioError, match="a region of 435 places"):
        _scenario("england_2006", {})


def test_run_draws_each_region_replicate_from_the_posterior(tmp_path, capsys):
    """`innovation-sim run` on a scenario with a posterior: each replicate's settings drawn by
    weight and recorded in settings.csv; the two particles give visibly different regions."""
    from model.cli import main
    (tmp_path / "post.csv").write_text("trigger_rate,region.example_strength,weight\n0.05,0.0,0.5\n1.5,0.9,0.5\n")
    from model.io.scenario import SHIPPED
    (tmp_path / "p.toml").write_text(f'extends = "{SHIPPED / "region_60.toml"}"\nname = "P"\n'
                                     'description = "Posterior run."\nmonths = 60\nposterior = "post.csv"\n'
                                     '[region]\nsurvey_month = 36\n')
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "p.toml"), "--replicates", "6", "--out", str(out), "--no-figures",
                 "--workers", "1"]) == 0
    assert "drawn from the calibration's posterior" in capsys.readouterr().out
    drawn = pd.read_csv(out / "settings.csv")
    assert len(drawn) == 6 and set(drawn.trigger_rate) <= {0.05, 1.5} and drawn.trigger_rate.nunique() == 2
    sv = pd.read_csv(out / "survey.csv")
    some = sv[sv.group == "all"].set_index("replicate")["hardly any"]
    low = drawn.trigger_rate.to_numpy() == 0.05  # rows in replicate order
    assert some[low].min() > some[~low].max()  # the rare-trigger particle leaves more places idle


def test_public_value_counts_from_month_0_after_a_burn_in():
    """A burn-in sets where places start (issue 13); the value they create is counted from month 0,
    over the starting level the burn-in left them at, not over the burn-in's own start."""
    from model.io.scenario import load
    r = load("region_60").with_overrides(120, {"region.burn_in": 24}).build(5)
    assert (r.engine.public_value == 0).all()
    assert np.array_equal(r.engine.performance0, r.engine.performance)
    assert (r.engine.improvement > 0).any()  # the burn-in did run: places improved before month 0


def test_a_teaching_region_that_keeps_every_posterior_setting_does_not_claim_draws(tmp_path):
    """README audit, session 22: region_60 lists every posterior setting in not_drawn (it keeps the
    earlier point fit), yet `run` said each run's settings were drawn from the posterior and wrote
    a settings.csv with no settings in it."""
    from test_cli import sim
    out = tmp_path / "out"
    r = sim("run", "region_60", "--replicates", 1, "--steps", 78, "--no-figures", "--out", out)
    assert r.returncode == 0, r.stderr
    assert "drawn from the calibration's posterior" not in r.stdout
    assert not (out / "settings.csv").exists()
