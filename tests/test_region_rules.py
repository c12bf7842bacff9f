"""The region's and the shocks' rules each do what ODD 10.2-10.3 and 7.12 say, asserted so that
removing a rule or turning it the wrong way fails a test here (a mutation audit of session 23 found
these guarded by nothing: followers, the 2000 study's recall window, inspection shields, the fund's
choice of field, the Beacons' ranking, a region event's share, examples pulling triggers, and a
new leader's drive scaled by the shock's size)."""

import copy

import numpy as np
import pytest

from model import Locality, Shock
from model.core.lifecycle import Phase
from model.core.network import ROLE_CODE
from model.core.parameters import REGISTRY
from model.core.survey import classify
from model.core.locality import Ensemble
from model.core.region import RegionEvent
from test_region import small


def test_followers_start_at_their_own_slower_rate_and_feel_examples_more():
    """10.2: a follower triggers at follower_own_rate times its own rate and is pulled by examples
    follower_pull times as strongly as a leader is."""
    r = small(1, **{"region.spread_scale": 0.0, "region.followers": 0.5}).build(2)
    e, rp = r.engine, r.rp
    rates = np.array([e.params[i]["trigger_rate"] for i in range(r.n)])
    lead, follow = rates[~r.follower], rates[r.follower]
    assert r.follower.any() and (~r.follower).any()
    assert np.allclose(follow / np.median(lead), rp["follower_own_rate"])  # offsets aside: groups share a rate
    r2 = small(24, **{"region.example_strength": 0.8, "region.followers": 0.5}).build(3).run_for(12)
    r2.engine.phase[:15, 0] = Phase.MAINSTREAMING  # examples on show (sharers among them)
    r2.sharer[:15] = True
    twin = copy.deepcopy(r2)
    twin.rp = {**twin.rp, "follower_pull": r2.rp["follower_pull"] * 2}
    r2._peer_step()
    twin._peer_step()
    a, b = r2.engine.peer_pull, twin.engine.peer_pull
    assert a[r2.follower].max() > 0
    assert np.allclose(b[r2.follower], 2 * a[r2.follower]) and np.array_equal(b[~r2.follower], a[~r2.follower])


def test_the_2000_level_counts_places_innovating_in_the_last_two_years_not_only_now():
    """003:281: 'innovation in the previous two years': a place whose field fell back to latent in
    the burn-in's last 24 months still counts at the start."""
    r = small(1, **{"region.burn_in": 60}).build(4)
    now = (r.engine.phase >= Phase.DESIGN).any(axis=1).mean()
    assert r.outcomes()["share_innovating_start"] > now


def test_a_shielded_field_is_skipped_by_an_inspection_round():
    """10.3 (workshop lever): a shield keeps a failing field out of the inspection's shock."""
    r = small(24).build(5)
    e = r.engine
    e.performance[:2, :] = 0.9
    e.performance[:2, 1] = 0.0  # field 1 fails in places 0 and 1
    r.shield(0, 1, 100)
    before = e.recognition[:2, 1].copy()
    r._inspection_round()
    assert e.recognition[1, 1] > before[1] and e.recognition[0, 1] == before[0]


def test_the_innovation_fund_goes_to_each_winners_worst_field():
    r = small(24, **{"region.fund_share": 1.0}).build(6)
    e = r.engine
    e.performance[:, :] = 0.8
    e.performance[:, 3] = 0.2
    funded = e.funding.copy()
    r._fund_round()
    gained = e.funding > funded
    assert gained[:, 3].all() and not gained[:, [0, 1, 2, 4]].any()


def test_beacons_go_to_the_places_with_most_fields_mainstreamed():
    r = small(24, **{"region.beacon_awards": 1, "region.beacon_by_field": 0}).build(7)
    e = r.engine
    e.phase[:, :] = Phase.LATENT
    e.phase[2, :2] = Phase.MAINSTREAMING  # place 2: two fields
    e.phase[5, :1] = Phase.EMBEDDING  # place 5: one
    r._beacon_round()
    assert r.beacon_until[2] > r.steps and r.beacon_until[5] < r.steps


def test_a_region_event_hits_its_share_of_places():
    r = small(24).build(8)
    hit = []
    for share in (0.25, 1.0):
        twin = copy.deepcopy(r)
        twin._region_event(RegionEvent(Shock(0, "crisis", field=twin.fields[0]), share=share))
        hit.append(float((twin.engine.performance[:, 0] < r.engine.performance[:, 0]).mean()))
    assert 0.1 < hit[0] < 0.45 and hit[1] > 0.9


def test_examples_elsewhere_pull_latent_fields_into_design():
    """004:3-8, 003:344: an example's pull is part of the trigger's chance."""
    a = Ensemble(list(range(60))).engine
    b = copy.deepcopy(a)
    b.peer_pull[:] = 0.3
    a.month()
    b.month()
    assert (b.phase >= Phase.DESIGN).sum() > (a.phase >= Phase.DESIGN).sum() + 10


def test_a_new_leaders_drive_scales_with_the_shocks_magnitude():
    """7.12: leader_arrival's magnitude scales the newcomer's drive (new_leader_drive x magnitude)."""
    drives = []
    for mag in (0.5, 1.0):
        m = Locality(seed=3, events=[Shock(0, "leader_arrival", role="chief_executive", magnitude=mag)])
        m.run_for(1)
        e = m.engine
        chief = np.flatnonzero(e.agents.alive & (e.agents.tenure <= 1) & (e.agents.drive > 0))
        drives.append(float(e.agents.drive[chief].max()))
    assert drives[0] == pytest.approx(0.5 * drives[1], rel=0.05)


def test_an_outside_leader_brings_an_appetite_for_risk():
    """7.12: an outsider arrives with risk appetite at least NEWCOMER_RISK (000:1287)."""
    from model.core.engine import NEWCOMER_RISK
    m = Locality(seed=3, risk_appetite=0.05)
    e = m.engine
    e.apply_shock(Shock(0, "leader_arrival", role="chief_executive"))
    new = np.flatnonzero(e.agents.alive & (e.agents.tenure == 0))
    assert len(new) == 1 and e.agents.risk[new[0]] >= NEWCOMER_RISK > 0.05


def _shocked(*shocks: Shock):
    """A baseline locality's engine before and after ``shocks`` applied now."""
    e = Locality(seed=5).engine
    before = copy.deepcopy(e)
    for s in shocks:
        e.apply_shock(s)
    return before, e


def test_a_partnership_changes_the_flows_the_agents_use():
    """7.12: a partnership strengthens the field's links in its layer, and the flows follow them."""
    from model.core.events import LINK_LAYERS
    for layer in LINK_LAYERS:
        before, after = _shocked(Shock(0, "partnership", field="education", layer=layer, magnitude=0.5))
        before.refresh()
        after.refresh()  # the flows are rebuilt from the links where they changed
        assert (after.flow_matrix != before.flow_matrix).nnz > 0, layer


def test_a_grant_that_ends_takes_its_money_away():
    _, e = _shocked(Shock(0, "funding_start", field="education", magnitude=0.4))
    f = e.field_index("education")
    during = e.funding[0, f]
    e.apply_shock(Shock(0, "funding_end", field="education", magnitude=0.4))
    assert during == pytest.approx(0.4) and e.funding[0, f] == pytest.approx(0.0)


def test_a_failed_inspection_is_external_pressure_and_a_crisis_raises_members_and_communitys():
    """7.12: underperformance adds the inspection's pressure (003:260-261); a crisis raises member and
    community pressure in the field it hits."""
    before, e = _shocked(Shock(0, "underperformance", field="education", magnitude=0.6))
    f = e.field_index("education")
    assert e.inspection[0, f] > before.inspection[0, f]
    before, e = _shocked(Shock(0, "crisis", field="education", magnitude=0.6))
    for k in ("member_pressure", "community_pressure"):
        assert e.pressures[k][0, f] > before.pressures[k][0, f]


def test_a_budget_cut_takes_slack_away():
    before, e = _shocked(Shock(0, "budget_cut", field="education", magnitude=0.5))
    f = e.field_index("education")
    assert e.cut[0, f] > before.cut[0, f]


def test_a_timed_pressure_returns_to_where_it_was_even_if_the_rise_was_capped():
    """7.12: a pressure raised for a while falls back by what it actually rose (capped at 1), to the
    level it had, not below it."""
    m = Locality(seed=5, member_pressure=0.9, events=[Shock(0, "member_pressure", magnitude=0.5, duration=3)])
    e = m.engine
    f = 0
    m.run_for(1)
    assert e.pressures["member_pressure"][0, f] == pytest.approx(1.0)
    m.run_for(5)
    assert e.pressures["member_pressure"][0, f] == pytest.approx(0.9)


def test_a_hold_ends_when_its_time_is_up():
    m = Locality(seed=5, events=[Shock(0, "hold", field="education", duration=4)])
    e, f = m.engine, m.engine.field_index("education")
    m.run_for(1)
    assert e.held[0, f] == 1
    m.run_for(5)
    assert e.held[0, f] == 0


def test_the_survey_is_read_at_the_month_asked_and_its_outcomes_are_its_answers():
    """The survey's table at a month is that month's answers (not the last month's), and the
    outcomes a sweep records are read from it ('a great deal' by group; the 2000 level)."""
    r = small(30, trigger_rate=2.0).build(9).run_for(30)
    early, late = r.survey(5).set_index("group"), r.survey(29).set_index("group")
    assert early.loc["all", "hardly any"] > late.loc["all", "hardly any"]  # places start as months pass
    out = r.outcomes()
    sv = r.survey().set_index("group")
    for g in ("fire", "north_west"):
        if g in sv.index:
            assert out[f"great_deal__{g}"] == sv.loc[g, "a great deal"]
            assert sv.loc[g, "a great deal"] != sv.loc[g, "some"]
    assert out["share_innovating_start"] == float(r.innovated_before.mean())


def test_an_elections_magnitude_scales_the_chance_of_a_new_leader():
    """7.12: an election replaces the political leader with election_turnover x magnitude."""
    def replaced(mag):
        e = Ensemble(list(range(200)), election_turnover=0.5).engine
        logs = e.apply_cells(Shock(0, "election", magnitude=mag), np.arange(200), np.zeros(200, dtype=int), "x")
        return sum("replaced" in text for text in logs.values()) / 200
    none, half, full = replaced(0.0), replaced(1.0), replaced(2.0)
    assert none == 0.0 and 0.35 < half < 0.65 and full > 0.9


def test_a_place_adopts_a_field_when_it_first_reaches_mainstreaming():
    """10.4: adoption (the diffusion curves) is first reaching mainstreaming, not mobilisation."""
    r = small(40, trigger_rate=2.0, proof_threshold=0.3).build(10)
    seen_main = np.zeros_like(r.adopted_first, dtype=bool)
    for _ in range(40):
        r.run_for(1)
        seen_main |= r.engine.phase >= Phase.MAINSTREAMING
        assert np.array_equal(r.adopted_first >= 0, seen_main)
    assert seen_main.any()


def test_a_crisis_pressure_wears_off_after_a_year():
    """7.12: a crisis raises member and community pressure for CRISIS_MONTHS unless it says otherwise."""
    from model.core.engine import CRISIS_MONTHS
    m = Locality(seed=5, member_pressure=0.3, events=[Shock(0, "crisis", field="education", magnitude=0.6)])
    e, f = m.engine, m.engine.field_index("education")
    m.run_for(1)
    assert e.pressures["member_pressure"][0, f] > 0.3
    m.run_for(CRISIS_MONTHS + 1)
    assert e.pressures["member_pressure"][0, f] == pytest.approx(0.3)


def test_leaders_change_each_may_at_their_rates_in_the_burn_in_too():
    """England ABC plan Addendum 26: each May (month 4, 16, ...: after that step, as a shock dated
    then) a share chief_executive_turnover of places gets an outside chief executive and a share
    election_rate holds an election; the burn-in's Mays too."""
    r = small(30, **{"region.chief_executive_turnover": 0.5, "region.election_rate": 1.0}).build(6).run_for(30)
    ev = r.events()
    arrivals = ev[ev.kind == "region:leader_arrival"]
    assert sorted(set(ev[ev.kind == "region:election"].step)) == sorted(set(arrivals.step)) == [4, 16, 28]
    assert sorted(set(r.place_events().query("kind == 'shock:election'").step)) == [4, 16, 28]
    counts = arrivals.detail.str.split().str[0].astype(int) / r.n
    assert all(0.3 < c < 0.7 for c in counts)
    # A 14-month burn-in runs November 1998 to December 1999: its May (month -8) is after its 6th
    # step, so each chief executive arriving then has served the 8 months left before month 0.
    b = small(12, **{"region.chief_executive_turnover": 1.0, "region.election_rate": 1.0,
                     "election_turnover": 1.0, "region.burn_in": 14}).build(7)
    a = b.engine.agents
    chiefs = a.alive & (a.role == ROLE_CODE["chief_executive"])
    assert chiefs.sum() == b.n and (a.tenure[chiefs] == 8).all()
    assert [m for m, _ in b.control_changes] == [-8] and len(b.control_changes[0][1]) == b.n
    still = small(12, **{"region.burn_in": 14}).build(7).engine.agents
    assert (still.tenure[still.alive & (still.role == ROLE_CODE["chief_executive"])] >= 14).all()


def test_changing_leaders_is_reproducible_and_off_draws_nothing(monkeypatch):
    """Same seed, same region with leaders changing; at 0 (the default) the region runs as if the
    rule did not exist, its own stream untouched, so every earlier result stands."""
    from model.core.region import Region

    def digest(**p):
        r = small(18, **{"region.burn_in": 12, **p}).build(8).run_for(18)
        return r.engine.phase.tobytes() + r.engine.performance.tobytes(), r.rng.random()
    on = {"region.chief_executive_turnover": 0.3, "region.election_rate": 0.5}
    assert digest(**on) == digest(**on)
    assert digest(**on) != digest()
    default = digest()
    monkeypatch.setattr(Region, "_leaders_change", lambda self, month, log=True: None)
    assert digest() == default


def test_changes_of_control_are_counted_over_the_years_before_the_survey():
    """003:282: the count behind control_change_corr is the elections that replaced the leader (not
    every election), in the ten years before the month asked; the answers are read at that month."""
    r = small(30, **{"region.election_rate": 1.0, "election_turnover": 0.5}).build(9).run_for(30)
    ev = r.place_events()
    replaced = ev[(ev.kind == "shock:election") & ev.detail.str.contains("replaced")]
    assert 0 < len(replaced) < 3 * r.n  # three Mays; about half replace the leader
    assert sum(len(p) for _, p in r.control_changes) == len(replaced)
    count = np.bincount(replaced.place, minlength=r.n).astype(float)
    answers = classify(r._records[30][0]).astype(float)
    assert r.control_change_corr(30) == pytest.approx(np.corrcoef(answers, count)[0, 1])
    def only(step):  # the correlation of the answers at a record with one May's changes
        at = classify(r._records[step if step == 28 else 27][0]).astype(float)
        return np.corrcoef(at, np.bincount(replaced[replaced.step == step].place, minlength=r.n))[0, 1]
    assert r.control_change_corr(28, years=1) == pytest.approx(only(28))  # month 28's own changes count
    assert r.control_change_corr(27, years=1) == pytest.approx(only(16))  # twelve months back, not thirteen
    assert np.isnan(small(12).build(9).run_for(12).control_change_corr())  # no elections, nothing to relate


def test_arrivals_can_keep_their_groups_leader_drive():
    """England ABC plan Addendum 30: with arrivals_keep_group_drive an outsider's drive carries the
    place's group offsets of leader_drive (clipped to its range); off (the default), every arrival has
    new_leader_drive, and the incumbents are the same either way."""
    eff = {"region.spread_scale": 0.0, "effects.north_west.leader_drive": 0.2, "effects.london.leader_drive": -0.3,
           "effects.fire.leader_drive": -0.1}  # a kind's offset adds to a region's
    s = small(1, **eff)
    off, on = s.build(2), small(1, **eff, **{"region.arrivals_keep_group_drive": 1}).build(2)

    def get(r, k):
        return np.array([r.engine.params[i][k] for i in range(r.n)])

    base = s.parameters.get("leader_drive", REGISTRY["leader_drive"].default)
    arrival = REGISTRY["new_leader_drive"].default
    assert np.allclose(get(off, "new_leader_drive"), arrival)
    assert np.array_equal(get(on, "leader_drive"), get(off, "leader_drive"))
    offsets = get(off, "leader_drive") - base  # each place's groups' offsets, kind and region summed
    assert np.allclose(get(on, "new_leader_drive"), np.clip(arrival + offsets, 0.0, 1.0))
    assert np.allclose(get(on, "new_leader_drive")[on.regions == "north_west"], 1.0)  # 0.9 + 0.2, clipped
    london = (on.regions == "london") & (on.kinds != "fire")
    assert london.any() and np.allclose(offsets[london], -0.3) and np.allclose(get(on, "new_leader_drive")[london], 0.6)
    plain = [g for g in set(on.regions) if "leader_drive" not in s.region.effects.get(g, {})]
    fire = (on.kinds == "fire") & np.isin(on.regions, plain)  # only the kind's offset
    assert fire.any() and np.allclose(get(on, "new_leader_drive")[fire], 0.8)  # 0.9 - 0.1
