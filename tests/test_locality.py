"""The Locality model: public API, data out, determinism, shocks."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from model import DEFAULT_FIELDS, PHASE_NAMES, AuthorityAgent, CapacityAgent, Locality, ParameterError, Shock, ValueAgent

COLUMNS = ["step", "field", "phase", "phase_name", "authority", "capacity", "value", "performance",
           "public_value", "active_trials", "failed_trials"]


@pytest.fixture(scope="module")
def default_run():
    return Locality(seed=3).run_for(120)


def test_default_locality_has_about_300_agents_of_three_kinds_on_a_network(default_run):
    m = default_run
    assert 250 <= len(m.agents) <= 350
    kinds = {cls: len(m.agents_by_type[cls]) for cls in (AuthorityAgent, CapacityAgent, ValueAgent)}
    assert all(n > 10 for n in kinds.values())
    assert m.fields == DEFAULT_FIELDS
    # every agent sits on a cell of the Mesa network, and the network has links across layers
    assert all(a.cell is not None and a.cell.coordinate == a.idx for a in m.agents)
    layers = {a.layer for a in m.agents}
    assert layers == {"systemic", "sectoral", "frontline", "public"}
    assert m.network.G.number_of_edges() > len(m.agents)


def test_timeseries_is_tidy(default_run):
    ts = default_run.timeseries()
    assert list(ts.columns[: len(COLUMNS)]) == COLUMNS
    assert len(ts) == 121 * 5  # steps 0..120, one row per field
    assert ts.groupby("step").size().eq(5).all()
    for c in ("authority", "capacity", "value", "performance", "flow_ac", "flow_cv", "flow_va", "balance"):
        assert ts[c].between(0, 1).all(), c
    assert set(ts.phase_name.astype(str)) <= set(PHASE_NAMES)
    assert (ts.phase_name.cat.codes == ts.phase).all()
    assert ts.locality_phase.eq(ts.groupby("step").phase.transform("max")).all()


def test_events_record_transitions_and_shocks():
    m = Locality(seed=5, events=[Shock(3, "underperformance", field="education"), Shock(10, "budget_cut")]).run_for(60)
    ev = m.events()
    assert list(ev.columns) == ["step", "field", "kind", "detail"]
    shocks = ev[ev.kind.str.startswith("shock:")]
    assert shocks[["step", "field", "kind"]].values.tolist() == [[3, "education", "shock:underperformance"], [10, "all", "shock:budget_cut"]]
    # every phase change in the time series appears as an event at that step
    ts = m.timeseries()
    changes = ts.sort_values(["field", "step"]).groupby("field", observed=True).phase.diff().fillna(0)
    assert int((changes != 0).sum()) == int(ev.kind.isin(["forward", "backward"]).sum())


def test_same_seed_same_frames_different_seed_different_run():
    a, b, c = (Locality(seed=s).run_for(60) for s in (11, 11, 12))
    pd.testing.assert_frame_equal(a.timeseries(), b.timeseries())
    pd.testing.assert_frame_equal(a.events(), b.events())
    assert not a.timeseries()[["authority", "performance"]].equals(c.timeseries()[["authority", "performance"]])


def test_same_seed_identical_across_processes():
    code = ("import pandas as pd; from model import Locality, Shock;"
            "m = Locality(seed=21, events=[Shock(5, 'leader_arrival', role='chief_executive')]).run_for(80);"
            "print(int(pd.util.hash_pandas_object(m.timeseries(), index=False).sum()))")
    here = Locality(seed=21, events=[Shock(5, "leader_arrival", role="chief_executive")]).run_for(80)
    expected = int(pd.util.hash_pandas_object(here.timeseries(), index=False).sum())
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(out.stdout.strip()) == expected


def test_parameters_override_and_are_validated():
    m = Locality(seed=1, n_residents=40, openness=0.9)
    assert m.p["openness"] == 0.9
    assert len(m.agents_by_type[ValueAgent]) == 40 + m.p["n_community_groups"]
    with pytest.raises(ParameterError, match="did you mean 'openness'"):
        Locality(seed=1, opennes=0.9)
    with pytest.raises(ParameterError, match="out of range"):
        Locality(seed=1, openness=2)


def test_leader_departure_removes_node_and_links():
    m = Locality(seed=2)
    ce = [a for a in m.agents if a.role == "chief_executive"][0]
    neighbours = [c.coordinate for c in ce.cell.neighborhood.cells]
    assert neighbours
    n_agents, n_edges = len(m.agents), m.network.G.number_of_edges()
    m.apply_shock(Shock(0, "leader_departure", role="chief_executive"))
    assert len(m.agents) == n_agents - 1
    assert ce.idx not in m.network.G
    assert m.network.G.number_of_edges() == n_edges - len(neighbours)
    assert not m.state.adjacency[ce.idx].any() and not m.state.alive[ce.idx]
    assert all(ce.idx not in m.network[j].connections for j in neighbours)
    m.run_for(5)  # the model carries on without it


def test_leader_arrival_replaces_incumbent_and_links_to_senior_team():
    m = Locality(seed=2)
    n = len(m.agents)
    m.apply_shock(Shock(0, "leader_arrival", role="director", field="education", magnitude=1.0))
    directors = [a for a in m.agents if a.role == "director" and a.field == "education"]
    assert len(directors) == 1 and len(m.agents) == n
    new = directors[0]
    assert new.tenure == 0 and new.drive == pytest.approx(m.p["new_leader_drive"])
    assert any(m.agent_by_idx[c.coordinate].role == "chief_executive" for c in new.cell.neighborhood.cells)
    m.run_for(3)


def test_scheduled_shocks_fire_at_their_month_and_pilot_grants_end():
    m = Locality(seed=4, events=[Shock(6, "funding_start", field="education", duration=12)])
    f = m.field_index("education")
    m.run_for(6)
    assert m.funding[f] == 1.0  # applied at the end of month 6
    m.run_for(12)
    assert m.funding[f] == 0.0
    assert "pilot grant ended" in m.events().detail.tolist()


def test_pressure_change_with_duration_reverts():
    m = Locality(seed=4, events=[Shock(2, "efficiency_pressure", magnitude=0.3, duration=10)])
    before = m.pressures["efficiency_pressure"].copy()
    m.run_for(3)
    assert np.allclose(m.pressures["efficiency_pressure"], before + 0.3)
    m.run_for(10)
    assert np.allclose(m.pressures["efficiency_pressure"], before)


@pytest.mark.parametrize("bad", [
    dict(month=1, kind="earthquake"), dict(month=-1, kind="crisis"),
    dict(month=1, kind="leader_arrival", role="pope"), dict(month=1, kind="leader_departure", role="director"),
    dict(month=1, kind="crisis", role="chief_executive"),
])
def test_bad_shocks_are_rejected(bad):
    with pytest.raises(ValueError):
        Shock(**bad)


def test_unknown_field_is_rejected():
    with pytest.raises(ValueError, match="unknown field 'housing'"):
        Locality(seed=1, events=[Shock(1, "crisis", field="housing")])


def test_initial_phases_and_custom_fields():
    m = Locality(seed=1, fields=["a", "b"], initial_phases={"b": 4})
    assert list(m.phase) == [0, 4]
    m.run_for(12)
    assert m.timeseries().field.cat.categories.tolist() == ["a", "b"]


def test_every_shock_kind_runs():
    from model import SHOCK_KINDS
    events = [Shock(1 + i, k, field="education" if k != "election" else None,
                    role="chief_executive" if k.startswith("leader") else None,
                    layer="horizontal" if k == "partnership" else None)
              for i, k in enumerate(SHOCK_KINDS)]
    m = Locality(seed=9, events=events).run_for(30)
    logged = set(m.events().kind)
    assert {f"shock:{k}" for k in SHOCK_KINDS} <= logged


def test_from_scenario_matches_explicit_construction():
    from model import from_scenario
    from model.io.scenario import load
    a = from_scenario("baseline", seed=8).run_for(24)
    b = Locality(seed=8).run_for(24)
    pd.testing.assert_frame_equal(a.timeseries(), b.timeseries())
    s = load("baseline")
    pd.testing.assert_frame_equal(from_scenario(s, seed=8).run_for(24).timeseries(), b.timeseries())


def test_event_log_is_public_and_matches_events():
    from model import Event
    m = Locality(seed=2, events=[Shock(3, "crisis")]).run_for(30)
    assert m.event_log and all(isinstance(e, Event) for e in m.event_log)
    assert m.events().equals(pd.DataFrame([e._asdict() for e in m.event_log]))
    assert any(e.kind == "shock:crisis" and e.field == "all" for e in m.event_log)


def test_commissioning_brings_voluntary_sector_capacity_into_the_field():
    """Commissioning out (000:1102-1136): providers join the field's capacity corner with their
    own openness and slack, so the field's capacity rises against a same-seed twin."""
    calm = dict(efficiency_pressure=0.0, member_pressure=0.0, community_pressure=0.0, central_pressure=0.0,
                openness=0.3, staff_slack=0.3, opportunity_rate=0.0)  # both stay latent
    field = "youth services"
    shocked = Locality(seed=11, events=[Shock(0, "commissioning", field=field, magnitude=0.5)], **calm).run_for(24)
    twin = Locality(seed=11, **calm).run_for(24)
    f = shocked.field_index(field)
    assert len(shocked.agents) == len(twin.agents) + 6
    new = [a for a in shocked.agents if a.idx not in twin.agent_by_idx]
    assert len(new) == 6 and all(isinstance(a, CapacityAgent) and a.field == field for a in new)
    assert all(len(list(a.cell.neighborhood)) > 0 for a in new)
    assert (shocked.phase == 0).all() and (twin.phase == 0).all()  # same phase demand: corners compare
    assert shocked.corners[f, 1] > twin.corners[f, 1] + 0.02
    ev = shocked.events()
    assert "6 providers contracted" in ev[ev.kind == "shock:commissioning"].detail.iloc[0]


def test_an_elected_leader_is_a_local_politician_and_an_appointed_one_an_outsider():
    """An election brings a local politician with an incumbent's traits and no new-leader push
    (000:1287, 1430; validation check 16); an appointed chief executive comes from outside with
    the new leader's drive and a push (tenure 0)."""
    from model.core import engine as eng
    from model.core.network import ROLE_CODE
    m = Locality(seed=2, election_turnover=1.0, leader_drive=0.3,
                 events=[Shock(0, "election"), Shock(0, "leader_arrival", role="chief_executive")])
    m.engine.fire_due(0)  # month 0's shocks act before the first step
    a = m.engine.block(0)
    new_pl = np.flatnonzero(a.alive & (a.role == ROLE_CODE["political_leader"]))
    new_ce = np.flatnonzero(a.alive & (a.role == ROLE_CODE["chief_executive"]))
    assert len(new_pl) == len(new_ce) == 1  # each replaced (a leaver's slot is reused)
    assert a.tenure[new_pl[0]] == eng.ELECTED_TENURE and a.tenure[new_ce[0]] == 0
    assert abs(a.drive[new_pl[0]] - 0.3) <= eng.TRAIT_SPREAD + 1e-9  # drawn around the place's mean
    assert a.drive[new_ce[0]] == m.p["new_leader_drive"]
    assert "political leader replaced" in m.events().detail.str.cat(sep=" ")


def test_an_election_that_replaces_the_leader_brings_other_traits():
    """The elected leader's drive, legitimacy and risk appetite are drawn afresh (ODD 7.12): a
    freed row used to hand the old leader's traits to the new one (Addendum 8)."""
    from model.core import engine as eng
    from model.core.network import ROLE_CODE
    for seed in range(1, 6):
        m = Locality(seed=seed, election_turnover=1.0, leader_drive=0.5, risk_appetite=0.5)
        a = m.engine.block(0)
        old = np.flatnonzero(a.alive & (a.role == ROLE_CODE["political_leader"]))[0]
        before = (a.drive[old], a.legitimacy[old], a.risk[old])
        m.apply_shock(Shock(0, "election"))
        a = m.engine.block(0)
        new = np.flatnonzero(a.alive & (a.role == ROLE_CODE["political_leader"]))[0]
        after = (a.drive[new], a.legitimacy[new], a.risk[new])
        assert all(x != y for x, y in zip(before, after)), (seed, before, after)
        assert all(abs(v - mean) <= eng.TRAIT_SPREAD + 1e-9 for v, mean in zip(after, (0.5, eng.LEGITIMACY, 0.5)))


def test_a_partnership_strengthens_its_fields_links_in_its_layer_and_nothing_else():
    """A new partnership structure (ODD 7.12; 000:377-393): the field's links in the named layer
    move halfway to 1 at magnitude 1; every other link keeps its strength; a negative magnitude
    weakens the same links towards 0."""
    from model.core import network as net
    m = Locality(seed=5)
    e = m.engine
    before, a = e.links[0], e.block(0)
    f = m.field_index("education")
    li, lj, fi, fj = a.layer[before.i], a.layer[before.j], a.field[before.i], a.field[before.j]
    vertical = ((li == net.SYSTEMIC) & (lj == net.SECTORAL)) | ((li == net.SECTORAL) & (lj == net.SYSTEMIC))
    ours = ((fi == f) & np.isin(fj, [f, net.ALL_FIELDS])) | ((fj == f) & np.isin(fi, [f, net.ALL_FIELDS]))
    chosen = vertical & ours
    assert chosen.sum() >= 4 and (vertical & ~ours).sum() >= 4  # both kinds of link exist
    m.apply_shock(Shock(0, "partnership", field="education", layer="systemic_sectoral"))
    after = e.links[0]
    assert (after.i == before.i).all() and (after.j == before.j).all()
    assert np.allclose(after.w[chosen], before.w[chosen] + 0.5 * (1 - before.w[chosen]))
    assert (after.w[~chosen] == before.w[~chosen]).all()
    detail = m.events().query("kind == 'shock:partnership'").detail.iloc[0]
    assert detail.startswith(f"{chosen.sum() // 2} systemic-sectoral links strengthened")
    g = m.network.G  # the Mesa network view carries the new strengths
    assert all(g.edges[i, j]["weight"] == w for i, j, w in zip(after.i, after.j, after.w) if i < j)
    m.apply_shock(Shock(0, "partnership", field="education", layer="systemic_sectoral", magnitude=-1.0))
    low = net.MIN_STRENGTH
    assert np.allclose(e.links[0].w[chosen], after.w[chosen] - 0.5 * (after.w[chosen] - low))
    m.apply_shock(Shock(0, "partnership", field="education", layer="systemic_sectoral", magnitude=-5.0))
    assert np.allclose(e.links[0].w[chosen], low)  # dismantled: never below the weakest link, never 0
    m.run_for(2)  # the re-derived structure runs


def test_a_partnership_on_every_field_is_the_union_of_each_fields_links():
    """'All fields' touches the links that belong to some field (ODD 7.12), not links between
    fields or between two agents who act on every field."""
    from model.core import network as net
    m = Locality(seed=5)
    e = m.engine
    before, a = e.links[0], e.block(0)
    fi, fj, li, lj = a.field[before.i], a.field[before.j], a.layer[before.i], a.layer[before.j]
    any_field = ((fi >= 0) & ((fj == fi) | (fj == net.ALL_FIELDS))) | ((fj >= 0) & ((fi == fj) | (fi == net.ALL_FIELDS)))
    horizontal = li == lj
    assert (horizontal & ~any_field).sum() > 20  # cross-field and every-field pairs exist in the layer
    m.apply_shock(Shock(0, "partnership", layer="horizontal"))
    w = e.links[0].w
    assert (w[horizontal & any_field] > before.w[horizontal & any_field]).all()
    assert (w[~(horizontal & any_field)] == before.w[~(horizontal & any_field)]).all()


def test_a_hold_keeps_a_field_from_mainstreaming_and_changes_nothing_else_until_then():
    """A hold (ODD 7.12; 000:295-297, 862-864): a field in mobilisation does not move to
    mainstreaming while it is held. It draws no random numbers, so a held run is the same as its
    twin until the twin's field first moves to mainstreaming; once the hold ends it can move."""
    kw = dict(initial_phases={"education": 2}, skill=0.8, staff_slack=0.7, openness=0.7, handover_rate=0.2)
    reached, first = [], []
    for seed in range(12):
        twin = Locality(seed=seed, **kw).run_for(60)
        held = Locality(seed=seed, events=[Shock(0, "hold", field="education", duration=60)], **kw).run_for(60)
        a, b = twin.timeseries(), held.timeseries()
        a, b = a[a.field == "education"].reset_index(drop=True), b[b.field == "education"].reset_index(drop=True)
        assert b.phase.max() <= 2
        up = np.flatnonzero(a.phase.to_numpy() >= 3)
        if len(up):
            reached.append(seed)
            cols = ["phase", "authority", "capacity", "value", "performance"]
            pd.testing.assert_frame_equal(a.loc[: up[0] - 1, cols], b.loc[: up[0] - 1, cols])
        first.append(held.run_for(120).timeseries().query("field == 'education'").phase.max())
    assert len(reached) >= 6  # the twins do mainstream, so the hold is what stops them
    assert max(first) >= 3  # after the hold ends, held fields can move on
    ends = held.events().query("kind == 'shock:hold_end'")
    assert ends.step.tolist() == [60] and ends.detail.tolist() == ["hold ended"]
