"""The scenario loader in-process: dates, merging, and a fuzz test that bad input only ever
gives a one-line ScenarioError."""

from __future__ import annotations

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pytest

from model.io.scenario import SHIPPED, ScenarioError, load

BASE = {"name": "x", "description": "x", "extends": str(SHIPPED / "baseline.toml")}


def write(tmp_path, data, name="s.toml"):
    p = tmp_path / name
    p.write_text(tomli_w.dumps(data))
    return p


def test_dates_are_months_from_start_year(tmp_path):
    s = load(write(tmp_path, {**BASE, "start_year": 2000, "months": 96,
                              "events": [{"date": "2002-03", "kind": "crisis"}, {"date": "2004", "kind": "budget_cut"}]}))
    assert [e.month for e in s.events] == [26, 48]


@pytest.mark.parametrize("event,pattern", [
    ({"date": "2002", "kind": "crisis"}, "needs 'start_year'"),
    ({"month": 3, "date": "2002", "kind": "crisis"}, "exactly one of 'month' or 'date'"),
    ({"kind": "crisis"}, "exactly one of 'month' or 'date'"),
    ({"month": 3, "kind": "leader_arrival", "role": "director"}, "a director belongs to one field"),
    ({"month": 3, "kind": "crisis", "role": "chief_executive"}, "'role' only applies"),
])
def test_event_errors(tmp_path, event, pattern):
    with pytest.raises(ScenarioError, match=pattern):
        load(write(tmp_path, {**BASE, "events": [event]}))


def test_replace_events_drops_the_parents_timeline(tmp_path):
    parent = write(tmp_path, {**BASE, "events": [{"month": 1, "kind": "crisis"}]}, "parent.toml")
    child = {"name": "c", "description": "c", "extends": str(parent), "events": [{"month": 2, "kind": "budget_cut"}]}
    assert [e.kind for e in load(write(tmp_path, child, "c1.toml")).events] == ["crisis", "budget_cut"]
    assert [e.kind for e in load(write(tmp_path, {**child, "replace_events": True}, "c2.toml")).events] == ["budget_cut"]


def test_shipped_scenarios_all_load():
    names = sorted(p.stem for p in SHIPPED.glob("*.toml"))
    assert len(names) >= 1
    for n in names:
        s = load(n)
        assert s.description.strip().splitlines()[0], n


values = st.one_of(st.integers(-5, 2000), st.floats(-2, 3, allow_nan=False), st.text(max_size=8), st.booleans(),
                   st.lists(st.integers(0, 5), max_size=3))
keys = st.sampled_from(["name", "description", "months", "start_year", "fields", "initial_phases", "parameters",
                        "events", "extends", "descripton", "seed", "replace_events"])
param_keys = st.sampled_from(["openness", "n_residents", "trigger_rate", "opennes", "max_trials", "skill"])
event = st.dictionaries(st.sampled_from(["month", "date", "kind", "field", "magnitude", "duration", "role", "mnth"]),
                        st.one_of(values, st.sampled_from(["crisis", "education", "all", "director", "2003-04", "election"])),
                        max_size=6)
scenario = st.fixed_dictionaries({"name": st.just("fuzz"), "description": st.just("fuzz")}).flatmap(
    lambda base: st.builds(lambda extra, params, evs: {**base, **extra, "parameters": params, "events": evs},
                           st.dictionaries(keys.filter(lambda k: k not in ("parameters", "events", "extends")), values, max_size=4),
                           st.dictionaries(param_keys, values, max_size=3),
                           st.lists(event, max_size=3)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario)
def test_fuzz_any_scenario_loads_or_fails_with_one_line(tmp_path, data):
    path = write(tmp_path, data, "fuzz.toml")
    try:
        s = load(path)
    except ScenarioError as e:
        msg = str(e)
        assert "\n" not in msg and msg.startswith(str(path)), msg
    else:
        assert s.months >= 1 and all(0 <= e.month <= s.months for e in s.events)
