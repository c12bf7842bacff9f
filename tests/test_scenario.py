"""The scenario loader in-process: dates, merging, and a fuzz test that bad input only ever
gives a one-line ScenarioError."""

from __future__ import annotations

import re
from pathlib import Path

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


def test_a_bare_shipped_name_is_the_shipped_scenario_whatever_the_folder_holds(tmp_path, monkeypatch):
    """`run baseline --out baseline` leaves a folder named baseline; a stray file may share a name.
    The bare name still means the shipped scenario; ./name means the local one."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "baseline").mkdir()
    (tmp_path / "inspection_failure").write_text("not a scenario")
    assert load("baseline").path == SHIPPED / "baseline.toml"
    assert load("inspection_failure").path == SHIPPED / "inspection_failure.toml"
    with pytest.raises(ScenarioError, match="not a regular file|not a scenario|is a directory"):
        load("./baseline")


def test_an_error_in_an_inherited_file_names_that_file_and_its_own_index(tmp_path):
    """The file a user must edit, and the entry's place in it, not the scenario that extends it."""
    head = 'name = "b"\ndescription = "b"\nextends = "baseline"\n'
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "base.toml").write_text(head + "[parameters]\nopenness = 1.5\n")
    (tmp_path / "base2.toml").write_text(head + '[[events]]\nmonth = 3\nkind = "crisis"\n'
                                         '[[events]]\nmonth = 4\nkind = "crisi"\n')
    (tmp_path / "base3.toml").write_text(head + '[[events]]\nmonth = 3\nkind = "crisis"\nfield = "nope"\n')
    cases = {"sub/base.toml": (tmp_path / "sub" / "base.toml", r"parameters\.openness: 1\.5 is out of range"),
             "base2.toml": (tmp_path / "base2.toml", r"events\[1\]\.kind: 'crisi' is not allowed"),
             "base3.toml": (tmp_path / "base3.toml", r"events\[0\]\.field: unknown field 'nope'")}
    for ext, (file, pattern) in cases.items():
        child = tmp_path / f"child-{file.stem}.toml"
        child.write_text(f'extends = "{ext}"\n[[events]]\nmonth = 5\nkind = "crisis"\n')
        with pytest.raises(ScenarioError, match=f"^{re.escape(str(file))}: {pattern}"):
            load(child)
    own = tmp_path / "own.toml"  # the scenario's own entry after two inherited ones: its own index
    own.write_text('extends = "base3.toml"\nreplace_events = true\n[[events]]\nmonth = 5\nkind = "crisis"\n'
                   '[[events]]\nmonth = 6\nkind = "crisi"\n')
    with pytest.raises(ScenarioError, match=f"^{re.escape(str(own))}: events\\[1\\]\\.kind"):
        load(own)
    late = tmp_path / "late.toml"  # timing: the inherited event is blamed where it is, by its own index
    late.write_text('extends = "base3.toml"\nmonths = 3\n')
    (tmp_path / "base3.toml").write_text(head + '[[events]]\nmonth = 1\nkind = "crisis"\n[[events]]\nmonth = 3\n'
                                         'kind = "crisis"\n')
    with pytest.raises(ScenarioError, match=f"^{re.escape(str(tmp_path / 'base3.toml'))}: events\\[1\\]\\.month: 3 "
                                            f"is not within the run"):
        load(late)
    child = tmp_path / "child6.toml"  # and the scenario's own event by its own index
    child.write_text('extends = "base3.toml"\nmonths = 12\n[[events]]\nmonth = 30\nkind = "crisis"\n')
    with pytest.raises(ScenarioError, match=f"^{re.escape(str(child))}: events\\[0\\]\\.month: 30 is not within"):
        load(child)
    (tmp_path / "folder").mkdir()
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "folder"\n')
    with pytest.raises(ScenarioError, match=r"bad\.toml: extends: 'folder' is not a scenario file"):
        load(bad)


def test_typographic_spaces_and_joiners_are_text_not_control_characters(tmp_path):
    """Only control characters (a terminal escape, NUL) are refused in a name: a no-break space before
    a colon (French typography), a soft hyphen or a joiner were refused as "control characters"."""
    f = tmp_path / "lille.toml"
    f.write_text('extends = "baseline"\nname = "Lille\u00a0: le cas"\ndescription = "Un\u00adcas\u200d sur deux"\n')
    assert load(f).name == "Lille\u00a0: le cas"


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
    ({"month": 3, "kind": "partnership", "field": "education"}, "a partnership needs a layer"),
    ({"month": 3, "kind": "crisis", "layer": "horizontal"}, "'layer' only applies to partnership"),
    ({"month": 3, "kind": "partnership", "layer": "diagonal"}, r"events\[0\]\.layer"),
    ({"month": 3, "kind": "hold"}, "a hold is on one field's innovation"),
    ({"month": 3, "kind": "hold", "field": "education", "magnitude": 0.5}, "a hold has no size"),
    ({"month": 3, "kind": "crisis", "magnitude": -1}, r"events\[0\]: magnitude -1 is negative, but crisis takes no sign "
                                                     r"\(allowed: 0 or more; a negative size only for efficiency_pressure"),
    ({"month": 3, "kind": "funding_start", "magnitude": -0.5}, "funding_start takes no sign"),
    ({"month": 3, "kind": "partnership", "layer": "horizontal", "duration": 2}, "'duration' does not apply to partnership"),
    ({"month": "3", "kind": "crisis"}, r"events\[0\]\.month: must be a number, not the text '3' \(write it without quotes\)$"),
    ({"date": "2002-13", "kind": "crisis"}, r"'2002-13' is not a date \(allowed: a year, \"2002\", or a year and month, "
                                            r"\"2002-03\", in quotes\)"),
    ({"date": 2002, "kind": "crisis"}, r"events\[0\]\.date: must be text in quotes, e\.g\. \"2002\" or \"2002-03\", got 2002$"),
])
def test_event_errors(tmp_path, event, pattern):
    with pytest.raises(ScenarioError, match=pattern):
        load(write(tmp_path, {**BASE, "events": [event]}))


def test_initial_phases_by_number_or_name(tmp_path):
    s = load(write(tmp_path, {**BASE, "initial_phases": {"education": "Mobilisation", "youth services": 3}}))
    assert s.initial_phases == {"education": 2, "youth services": 3}
    m = s.build(seed=1)
    assert m.engine.phase[0, m.field_index("education")] == 2


@pytest.mark.parametrize("phases,pattern", [
    ({"educaton": "phase two"}, r"initial_phases\.educaton: unknown field \(did you mean 'education'\?\)"),
    ({"education": "phase two"}, r"'phase two' is not a phase \(allowed: 0 to 4, or latent, design, mobilisation"),
    ({"education": 2.5}, r"initial_phases\.education: 2\.5 is not a phase"),
    ({"education": True}, r"initial_phases\.education: true is not a phase"),
    ({"education": 7}, r"initial_phases\.education: 7 is out of range \(allowed: 0 to 4"),
])
def test_initial_phase_errors_name_the_field_first(tmp_path, phases, pattern):
    with pytest.raises(ScenarioError, match=pattern):
        load(write(tmp_path, {**BASE, "initial_phases": phases}))


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
event = st.dictionaries(st.sampled_from(["month", "date", "kind", "field", "magnitude", "duration", "role", "layer",
                                        "mnth"]),
                        st.one_of(values, st.sampled_from(["crisis", "education", "all", "director", "2003-04", "election",
                                                           "partnership", "hold", "horizontal"])),
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


# ---------------------------------------------------------------------------- posterior draws
POSTERIOR_CSV = """generation,particle,trigger_rate,region.example_strength,weight,distance,share_some
3,0,0.2,0.1,0.75,1.0,0.5
3,1,0.9,0.6,0.25,1.2,0.4
"""


def _posterior_scenario(tmp_path, csv=POSTERIOR_CSV):
    (tmp_path / "post.csv").write_text(csv)
    (tmp_path / "small.toml").write_text(
        f'extends = "{SHIPPED / "region_60.toml"}"\nname = "Small"\ndescription = "Posterior test."\nposterior = "post.csv"\n')
    from model.io.scenario import load as load_
    return load_(tmp_path / "small.toml")


@pytest.mark.parametrize("csv,message", [
    (POSTERIOR_CSV.replace("trigger_rate", "trigger_rat"), r"post.csv: column 'trigger_rat' is not a setting \(did you mean 'trigger_rate'\?\)"),
    (POSTERIOR_CSV.replace("region.example_strength", "region.example_strenght"), r"column 'region.example_strenght': unknown region parameter"),
    (POSTERIOR_CSV.replace("3,1,0.9,", "3,1,high,"), r"post.csv: row 2, column 'trigger_rate': 'high' is not a finite number"),
])
def test_a_posterior_with_a_misspelt_or_bad_column_is_refused(tmp_path, csv, message):
    """A misspelt setting was taken for a summary column: the scenario ran on its default, silently."""
    with pytest.raises(ScenarioError, match=message):
        _posterior_scenario(tmp_path, csv)


def test_a_posterior_outside_the_allowed_folders_is_not_read(tmp_path):
    (tmp_path / "s.toml").write_text(f'extends = "{SHIPPED / "region_60.toml"}"\nname = "S"\ndescription = "S"\n'
                                     f'posterior = "/etc/passwd"\n')
    with pytest.raises(ScenarioError, match=r"posterior: '/etc/passwd' is outside the folders a scenario may read from"):
        load(tmp_path / "s.toml")


def test_a_copy_of_a_shipped_scenario_with_a_posterior_reads_the_shipped_posterior(tmp_path):
    """User review: a copy of england_2006.toml (as the README invites for what-ifs) was refused,
    its posterior "posteriors/england_2006.csv" not beside the copy. Like a bare `extends`, a
    posterior path with no such file beside the copy means the shipped one; one beside it wins."""
    import shutil
    copy = tmp_path / "eng.toml"
    shutil.copy(SHIPPED / "england_2006.toml", copy)
    assert load(copy).posterior == (SHIPPED / "posteriors" / "england_2006.csv").resolve()
    (tmp_path / "posteriors").mkdir()
    (tmp_path / "posteriors" / "england_2006.csv").write_text(POSTERIOR_CSV)
    assert load(copy).posterior == (tmp_path / "posteriors" / "england_2006.csv").resolve()
    what_if = tmp_path / "what_if.toml"  # a what-if naming the same (shipped) posterior again keeps its own values
    what_if.write_text('name = "w"\ndescription = "w"\nextends = "england_2006.toml"\n'
                       'posterior = "posteriors/england_2006.csv"\n[parameters]\ntrigger_rate = 0.5\n')
    (tmp_path / "posteriors" / "england_2006.csv").unlink()
    assert "trigger_rate" in load(what_if).fixed
    copy.write_text(copy.read_text().replace('posterior = "posteriors/england_2006.csv"', 'posterior = "nowhere.csv"'))
    with pytest.raises(ScenarioError, match=r"posterior: no such file .*nowhere\.csv"):
        load(copy)


def test_a_posterior_scenario_draws_each_replicates_settings_by_weight(tmp_path):
    s = _posterior_scenario(tmp_path)
    draws = [s.for_replicate(seed)[1] for seed in range(400)]
    assert draws[7] == s.for_replicate(7)[1]  # a function of the seed only
    heavy = sum(d["trigger_rate"] == 0.2 for d in draws) / len(draws)
    assert 0.68 < heavy < 0.82  # weight 0.75 (400 draws: sd 0.02)
    assert all(d["region.example_strength"] == (0.1 if d["trigger_rate"] == 0.2 else 0.6) for d in draws)
    run, drawn = s.for_replicate(3)
    assert run.parameters["trigger_rate"] == drawn["trigger_rate"]
    assert run.region.params["example_strength"] == drawn["region.example_strength"] and run.posterior is None
    # a setting the user fixes is not drawn
    fixed = s.with_overrides(parameters={"trigger_rate": 0.5})
    assert all(fixed.for_replicate(seed)[0].parameters["trigger_rate"] == 0.5 for seed in range(20))
    assert "trigger_rate" not in fixed.for_replicate(1)[1]


@pytest.mark.parametrize("csv, says", [
    ("trigger_rate,distance\n0.2,1\n", "needs a 'weight' column"),
    ("trigger_rate,weight\n0.2,-1\n", "weights must be finite, non-negative"),
    ("trigger_rate,weight\n9.0,1\n", "out of range"),
    ("trigger_rate,weight\n,1\n", r"row 1, column 'trigger_rate': an empty cell \(or nan\) is not a finite number"),
])
def test_a_bad_posterior_file_is_one_line(tmp_path, csv, says):
    with pytest.raises(ScenarioError, match=says) as e:
        _posterior_scenario(tmp_path, csv)
    assert "\n" not in str(e.value) and "post.csv" in str(e.value)


def test_huge_posterior_weights_are_relative_not_an_overflow(tmp_path):
    """Weights are relative: two of 1e308 (their sum overflows a float) draw each particle half the
    time, as weights of 1 and 1 would (the sum's overflow used to end in a traceback)."""
    s = _posterior_scenario(tmp_path, "trigger_rate,weight\n0.2,1e308\n0.4,1e308\n")
    draws = [s.for_replicate(seed)[1]["trigger_rate"] for seed in range(200)]
    assert 0.35 < draws.count(0.2) / 200 < 0.65


def test_a_whole_number_setting_drawn_from_a_posterior_is_rounded(tmp_path):
    s = _posterior_scenario(tmp_path, "region.burn_in,weight\n47.3,1\n")
    run, drawn = s.for_replicate(1)
    assert drawn == {"region.burn_in": 47} and run.region.params["burn_in"] == 47


def test_a_what_if_on_a_fitted_scenario_keeps_what_it_sets(tmp_path):
    """A file extending the one that names a posterior keeps the drawn settings it sets itself (a
    what-if on England 2006 that changes a fitted setting must not be silently drawn over); the file
    naming the posterior has its own values drawn over (they are where the fit started). An offset
    fitted for several groups at once is kept if the what-if sets it for any of them."""
    _posterior_scenario(tmp_path, POSTERIOR_CSV.replace("share_some", "effects.london+fire.leader_drive")
                        .replace("0.5\n", "0.5,0.1\n").replace("0.4\n", "0.4,-0.1\n")
                        .replace("distance,effects", "distance,share_some,effects"))
    (tmp_path / "whatif.toml").write_text('extends = "small.toml"\n[parameters]\ntrigger_rate = 0.33\n'
                                          '[region.effects.fire]\nleader_drive = 0.05\n')
    from model.io.scenario import load as load_
    parent, child = load_(tmp_path / "small.toml"), load_(tmp_path / "whatif.toml")
    assert parent.fixed == () and child.fixed == ("trigger_rate", "effects.london+fire.leader_drive")
    for seed in range(12):
        run, drawn = child.for_replicate(seed)
        assert set(drawn) == {"region.example_strength"} and run.parameters["trigger_rate"] == 0.33
        assert run.region.effects["fire"]["leader_drive"] == 0.05
    assert {parent.for_replicate(s)[0].parameters["trigger_rate"] for s in range(40)} == {0.2, 0.9}
    # the same from --set or a design: an offset set for one group is not drawn over by the
    # posterior's offset fitted for that group with others
    fixed = parent.with_overrides(parameters={"effects.london.leader_drive": 0.25})
    assert "effects.london+fire.leader_drive" not in fixed.drawn_names()
    for seed in range(12):
        run, drawn = fixed.for_replicate(seed)
        assert "effects.london+fire.leader_drive" not in drawn and run.region.effects["london"]["leader_drive"] == 0.25


def test_not_drawn_is_checked_and_the_resolved_file_reproduces_the_draws(tmp_path):
    """``not_drawn`` names posterior settings a scenario keeps at its own values; the resolved file a
    run writes carries it (and the posterior), so re-running it draws exactly what the run drew."""
    import tomli_w
    from model.io.scenario import load as load_
    s = _posterior_scenario(tmp_path).with_overrides(parameters={"trigger_rate": 0.5})
    (tmp_path / "resolved.toml").write_text(tomli_w.dumps(s.to_toml_dict()))
    again = load_(tmp_path / "resolved.toml")
    assert again.fixed == ("trigger_rate",) and again.posterior == s.posterior
    assert all(again.for_replicate(k)[1] == s.for_replicate(k)[1] for k in range(10))
    assert all(again.for_replicate(k)[0].parameters["trigger_rate"] == 0.5 for k in range(10))
    for text, says in (('not_drawn = ["trigger_rat"]', "not_drawn: 'trigger_rat' is not a setting of the posterior"),
                       ('not_drawn = ["trigger_rate"]\nposterior = "nope.csv"', "posterior: no such file")):
        (tmp_path / "bad.toml").write_text(f'extends = "small.toml"\n{text}\n')
        with pytest.raises(ScenarioError, match=says) as e:
            load_(tmp_path / "bad.toml")
        assert "\n" not in str(e.value)
    (tmp_path / "plain.toml").write_text(f'extends = "{SHIPPED / "baseline.toml"}"\nnot_drawn = ["trigger_rate"]\n')
    with pytest.raises(ScenarioError, match="not_drawn: only with a posterior"):
        load_(tmp_path / "plain.toml")


def test_what_a_what_if_sets_is_kept_however_it_is_set(tmp_path):
    """Review cases of the rule above: a [region] setting; the survey's date (which sets its month);
    a what-if that names the same posterior again (its own settings still kept); a --set on a
    setting the posterior does not fit (the resolved file lists only the posterior's settings as
    not drawn, and loads)."""
    import tomli_w
    from model.io.scenario import load as load_
    _posterior_scenario(tmp_path, "trigger_rate,region.example_strength,region.survey_month,weight\n"
                                  "0.2,0.1,70,0.5\n0.9,0.6,80,0.5\n")
    for extra, kept in (('[region]\nexample_strength = 0.05\n', "region.example_strength"),
                        ('[region]\nsurvey = "2005-01"\n', "region.survey_month"),
                        ('posterior = "./post.csv"\n[parameters]\ntrigger_rate = 0.33\n', "trigger_rate")):
        (tmp_path / "whatif.toml").write_text(f'extends = "small.toml"\n{extra}')
        s = load_(tmp_path / "whatif.toml")
        assert s.fixed == (kept,), extra
        assert all(kept not in s.for_replicate(k)[1] for k in range(10))
    s = _posterior_scenario(tmp_path).with_overrides(parameters={"region.councils": 20})
    assert "not_drawn" not in s.to_toml_dict()
    (tmp_path / "resolved.toml").write_text(tomli_w.dumps(s.to_toml_dict()))
    again = load_(tmp_path / "resolved.toml")
    assert again.region.resolved()["councils"] == 20 and again.for_replicate(4)[1] == s.for_replicate(4)[1]


def test_a_digest_names_the_posterior_by_its_content_not_its_path(tmp_path):
    """Scenario.identity (what the digests of sweeps, calibrations, manifests and saved workshops
    hash): the same scenario and posterior in two folders give the same identity; a posterior with
    other content gives another."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    sa, sb = _posterior_scenario(a), _posterior_scenario(b)
    assert sa.to_toml_dict() != sb.to_toml_dict() and sa.identity() == sb.identity()
    (b / "post.csv").write_text(POSTERIOR_CSV.replace("0.75", "0.7"))
    assert _posterior_scenario(b, POSTERIOR_CSV.replace("0.75", "0.7")).identity() != sa.identity()


def test_a_sweep_and_the_app_draw_a_posterior_scenarios_settings_as_run_does(tmp_path):
    """A sweep's run (run_point, also the EMA Workbench's) and the app's region run build a scenario
    with a posterior on the settings drawn for their seed, as `run` does; a design's own setting is
    not drawn."""
    from model.app.region import RegionRun
    from model.experiments.sweep import run_point
    from model.io.scenario import from_scenario
    s = _posterior_scenario(tmp_path).with_overrides(months=60, parameters={"region.survey_month": 30})
    for seed in (1, 2):
        drawn_s = s.for_replicate(seed)[0]
        want = drawn_s.build(seed).run_for(60).outcomes()
        assert run_point(s, {}, [], seed).outcomes() == want
        assert RegionRun(s, seed, "x").model.run_for(60).outcomes() == want
        assert from_scenario(s, seed).run_for(60).outcomes() == want  # the documented Python entry
        assert s.build(seed).run_for(60).outcomes() != want  # the draw matters: the test can fail
    fixed = run_point(s, {"trigger_rate": 0.9}, [], 1).outcomes()
    assert fixed == s.with_overrides(parameters={"trigger_rate": 0.9}).for_replicate(1)[0].build(1).run_for(60).outcomes()


def test_a_fitting_sweep_starts_from_the_scenarios_own_values():
    """The LHS calibration sweeps on England 2006 (calibrate_england, calibrate_england_groups: they
    have calibration targets) ignore its posterior, as calibrate does, so their documented results
    still reproduce; a what-if sweep on it (robust_region_levers) draws from it."""
    from model.io.experiment import load_experiment
    for name in ("calibrate_england", "calibrate_england_groups"):
        assert load_experiment(name).scenario.posterior is None
    assert load_experiment("robust_region_levers").scenario.posterior is not None


def test_a_sweep_on_a_fitted_scenario_records_each_runs_drawn_settings(tmp_path):
    """Tidy data: a sweep row says which settings its run drew from the scenario's posterior
    (drawn.<name>), the design's own setting excepted, so outcomes can be analysed against them."""
    from model.experiments.sweep import read_runs, run_sweep
    from model.io.experiment import load_experiment
    _posterior_scenario(tmp_path)
    (tmp_path / "exp.toml").write_text(f'''name = "drawn"
description = "test"
scenario = "{tmp_path / 'small.toml'}"
months = 80
replicates = 6
seed = 5
batch_size = 3
[design]
method = "grid"
[parameters]
trigger_rate = [0.3, 0.6]
''')
    exp = load_experiment(tmp_path / "exp.toml")
    folder = run_sweep(exp, tmp_path / "out", progress=False)
    runs = read_runs(folder)
    assert runs.error.isna().all() and len(runs) == 12
    assert [c for c in runs.columns if c.startswith("drawn.")] == ["drawn.region.example_strength"]
    want = [exp.scenario.for_replicate(int(seed))[1]["region.example_strength"] for seed in runs.seed]
    assert runs["drawn.region.example_strength"].tolist() == want
    assert set(want) == {0.1, 0.6}  # both particles drawn: the column is not a constant
    # a folder begun before rows kept their draws (no "drawn" in its manifest) is finished in its
    # own columns: its batches are kept, not run again as damaged
    import json

    import pyarrow.parquet as pq
    from model.experiments.sweep import Store
    old = tmp_path / "old"
    run_sweep(exp, old, progress=False)
    manifest = json.loads((old / "_manifest.json").read_text())
    del manifest["drawn"], manifest["checksums"]
    (old / "_manifest.json").write_text(json.dumps(manifest))
    parts = sorted(old.glob("part-*.parquet"))
    for part in parts:
        pq.write_table(pq.read_table(part).drop(["drawn.region.example_strength"]), part)
        (old / "_checksums" / f"{part.stem}.json").unlink()
    parts[-1].unlink()  # the last batch is still to run
    store = Store(old, exp)
    assert store.check(resume=True)[0] == [len(parts) - 1] and store.damaged == []
    # scenario discovery takes the draws as inputs, not as outcomes
    from model.experiments.discover import prepare
    x, _, _ = prepare(folder, "share_a_great_deal", threshold=0.2)
    assert list(x.columns) == ["trigger_rate", "drawn.region.example_strength"]


def test_every_toml_example_in_the_readme_loads(tmp_path):
    """README audit, session 22: the calibration and exploratory examples, copied into a file as the
    README suggests, were refused ("name: required key is missing"). Each TOML block must load as
    what it shows: a scenario, a calibration, an experiment, or a scenario's [region] tables."""

    from model.io.calibration import load_calibration
    from model.io.experiment import load_experiment
    from model.io.scenario import load

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    blocks = re.findall(r"```toml\n(.*?)```", readme, flags=re.S)
    assert len(blocks) >= 4
    kinds = []
    for i, text in enumerate(blocks):
        path = tmp_path / f"example_{i}.toml"
        if text.lstrip().startswith("[region]"):  # a fragment of a region scenario
            text = 'name = "r"\ndescription = "r"\nextends = "england_2006.toml"\n' + text
            path.write_text(text)
            load(path)
            kinds.append("region")
        elif "[abc]" in text:
            path.write_text(text)
            load_calibration(path)
            kinds.append("calibration")
        elif "[design]" in text:
            path.write_text(text)
            load_experiment(path)
            kinds.append("experiment")
        else:
            path.write_text(text)
            load(path)
            kinds.append("scenario")
    assert {"scenario", "calibration", "experiment", "region"} <= set(kinds)


def test_wrong_kinds_of_file_are_named_for_what_they_are(tmp_path):
    """A folder given as a posterior or as a manifest, a file given as a sweep folder: each is said
    as what it is, not as missing (audit)."""
    from model.experiments.sweep import SweepError, read_manifest
    from model.io import manifest
    (tmp_path / "post.csv").mkdir()
    (tmp_path / "small.toml").write_text(f'extends = "{SHIPPED / "region_60.toml"}"\nname = "S"\ndescription = "S"\n'
                                         f'posterior = "post.csv"\n')
    with pytest.raises(ScenarioError, match=r"posterior: .*post.csv is a folder; give a calibration's posterior.csv"):
        load(tmp_path / "small.toml")
    (tmp_path / "run" / "manifest.json").mkdir(parents=True)
    with pytest.raises(manifest.ManifestError, match=r"manifest.json: is not a file"):
        manifest.read(tmp_path / "run")
    with pytest.raises(SweepError, match=r"small.toml: a file, not a folder"):
        read_manifest(tmp_path / "small.toml")


@pytest.mark.parametrize("fields, said", [(["children's services", "children’s services"],
                                           "both become the column suffix 'children_s_services'"),
                                          (["a b", "a_b"], "both become the column suffix 'a_b'"),
                                          (["education", "???"], r"fields\[1\]: '\?\?\?' has no letter or digit")])
def test_fields_whose_columns_would_collide_are_refused(tmp_path, fields, said):
    """Review, session 28: a straight and a curly apostrophe ran, then made sweep parts no reader could open."""
    with pytest.raises(ScenarioError, match=said):
        load(write(tmp_path, {**BASE, "fields": fields}))
