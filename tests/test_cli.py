"""The innovation-sim command, run for real in a subprocess on small ensembles."""

from __future__ import annotations

import contextlib
import json
import re
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from model.cli import main
from model.io.scenario import SHIPPED
from clihelp import sim  # tests/ is on the path (conftest.py)

ROOT = Path(__file__).resolve().parent.parent
TS_COLUMNS = ["replicate", "step", "field", "phase", "phase_name", "authority", "capacity", "value",
              "performance", "public_value", "active_trials", "failed_trials"]



@pytest.fixture(scope="module")
def baseline_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "base"
    r = sim("run", "baseline", "--replicates", 6, "--steps", 48, "--seed", 5, "--out", out)
    assert r.returncode == 0, r.stderr
    return out, r


def test_run_writes_the_documented_files_and_columns(baseline_run):
    out, r = baseline_run
    assert {p.name for p in out.iterdir()} == {"timeseries.csv", "events.csv", "summary.json",
                                               "scenario.resolved.toml", "manifest.json", "figures"}
    assert {p.name for p in (out / "figures").iterdir()} == {"value_curve.png", "triangle.png", "phases.png"}
    ts = pd.read_csv(out / "timeseries.csv")
    assert list(ts.columns[: len(TS_COLUMNS)]) == TS_COLUMNS
    assert sorted(ts.replicate.unique()) == list(range(6)) and ts.step.max() == 48
    ev = pd.read_csv(out / "events.csv")
    assert list(ev.columns) == ["replicate", "step", "field", "kind", "detail"]
    summary = json.loads((out / "summary.json").read_text())
    edu = summary["fields"]["education"]
    assert set(edu) >= {"p_reach", "median_month_reached", "public_value_end"}
    assert set(edu["public_value_end"]) == {"mean", "p5", "p95"}
    assert edu["public_value_end"]["p5"] <= edu["public_value_end"]["mean"] <= edu["public_value_end"]["p95"]
    # the summary agrees with the time series it summarises
    reached = ts[ts.field == "education"].groupby("replicate").phase.max().ge(1).mean()
    assert edu["p_reach"]["design & discovery"] == pytest.approx(reached, abs=1e-4)  # rounded to 4 places
    resolved = tomllib.loads((out / "scenario.resolved.toml").read_text())
    assert resolved["run"]["seed"] == 5 and resolved["run"]["version"]
    assert set(resolved["parameters"]) == set(__import__("model").REGISTRY)  # every parameter's value
    assert "education" in r.stdout and "Written to" in r.stdout


def test_resolved_scenario_rerun_gives_identical_output(baseline_run, tmp_path):
    out, _ = baseline_run
    again = tmp_path / "again"
    r = sim("run", out / "scenario.resolved.toml", "--out", again, "--no-figures")  # seed, replicates from [run]
    assert r.returncode == 0, r.stderr
    assert (again / "timeseries.csv").read_bytes() == (out / "timeseries.csv").read_bytes()
    assert (again / "events.csv").read_bytes() == (out / "events.csv").read_bytes()


def test_a_field_name_the_font_cannot_draw_gives_figures_without_warnings(tmp_path):
    """An emoji in a field's name is drawn as a box; stderr stays free of matplotlib's glyph warnings."""
    (tmp_path / "e.toml").write_text(f'extends = "{SHIPPED / "baseline.toml"}"\nname = "e"\ndescription = "e"\n'
                                     'fields = ["education \U0001F393", "youth"]\n')
    r = sim("run", tmp_path / "e.toml", "--replicates", 2, "--steps", 12, "--workers", 1, "--out", tmp_path / "out")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "out" / "figures").is_dir() and "Glyph" not in r.stderr, r.stderr


def test_extends_and_set_override_as_documented(tmp_path):
    (tmp_path / "child.toml").write_text(f'''
name = "child"
description = "a what-if"
extends = "{SHIPPED / 'baseline.toml'}"
months = 30
[parameters]
openness = 0.8
skill = 0.7
[[events]]
month = 3
kind = "underperformance"
field = "education"
''')
    (tmp_path / "grandchild.toml").write_text('''
name = "grandchild"
description = "a what-if on a what-if"
extends = "child.toml"
[parameters]
skill = 0.9
[[events]]
month = 5
kind = "budget_cut"
''')
    out = tmp_path / "out"
    r = sim("run", tmp_path / "grandchild.toml", "--replicates", 2, "--set", "risk_appetite=0.2",
            "--set", "openness=0.6", "--out", out, "--no-figures")
    assert r.returncode == 0, r.stderr
    res = tomllib.loads((out / "scenario.resolved.toml").read_text())
    p = res["parameters"]
    assert (p["openness"], p["skill"], p["risk_appetite"]) == (0.6, 0.9, 0.2)  # --set > child > parent
    assert p["staff_slack"] == 0.5  # untouched: the registry default
    assert res["months"] == 30 and res["name"] == "grandchild"
    assert [(e["month"], e["kind"]) for e in res["events"]] == [(3, "underperformance"), (5, "budget_cut")]
    ev = pd.read_csv(out / "events.csv")
    assert {"shock:underperformance", "shock:budget_cut"} <= set(ev.kind)


def test_every_shipped_scenario_loads_and_runs(tmp_path, capsys):
    names = sorted(p.stem for p in SHIPPED.glob("*.toml"))
    assert "baseline" in names
    listing = sim("scenarios")
    assert listing.returncode == 0
    from model.cli import main
    from model.io.scenario import load
    for name in names:
        assert name in listing.stdout
        # A region runs here at a twentieth of its size (tests/test_region.py runs regions in full).
        small = ["--set", "region.councils=20", "--set", "region.fire_authorities=2"] if load(name).region else []
        # In this process: the command line itself is tested above; 21 interpreters cost minutes.
        code = main(["run", name, "--replicates", "2", "--out", str(tmp_path / name), "--no-figures",
                     "--workers", "1", *small])
        assert code == 0, f"{name}: {capsys.readouterr().err}"
        assert (tmp_path / name / ("timeseries.parquet" if small else "timeseries.csv")).exists()


def test_params_lists_the_registry():
    r = sim("params")
    assert r.returncode == 0
    for name in ("openness", "trigger_rate", "strength_sectoral_frontline", "region.followers", "region.example_strength"):
        assert name in r.stdout
    md = sim("params", "--markdown")  # every setting, the region's too
    assert md.returncode == 0 and "`openness`" in md.stdout and "followers" in md.stdout and "example_strength" in md.stdout


def test_a_comparison_of_long_names_gets_a_default_folder_the_system_can_make(tmp_path):
    """The default folder is made from the scenarios' names: two long ones must not exceed a file
    name's 255 bytes (the error then blamed --out, which was never given)."""
    for k in (1, 2):
        (tmp_path / f"{'m' * 119}{k}.toml").write_text(BASE.replace('name = "x"', f'name = "x{k}"'))
    r = sim("compare", f"{'m' * 119}1.toml", f"{'m' * 119}2.toml", "--replicates", 2, "--steps", 6, "--no-figures",
            cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    (folder,) = (tmp_path / "runs").iterdir()
    assert len(folder.name.encode()) <= 140 and folder.name.startswith("compare-mmm")


def test_compare_gives_table_and_overlays(tmp_path):
    out = tmp_path / "cmp"
    r = sim("compare", "baseline", SHIPPED / "baseline.toml", "--replicates", 3, "--steps", 24, "--out", out)
    assert r.returncode == 2 and "each scenario once" in r.stderr  # the same name twice
    (tmp_path / "pushed.toml").write_text(f'''
name = "pushed"
description = "inspection"
extends = "{SHIPPED / 'baseline.toml'}"
[[events]]
month = 0
kind = "underperformance"
field = "education"
''')
    r = sim("compare", "baseline", tmp_path / "pushed.toml", "--replicates", 4, "--steps", 36, "--out", out)
    assert r.returncode == 0, r.stderr
    table = pd.read_csv(out / "scenarios.csv")  # each scenario on its own
    assert set(table.scenario) == {"baseline", "pushed"}
    assert {"p_design", "p_embedding", "public_value_mean", "public_value_p5", "public_value_p95"} <= set(table.columns)
    paired = pd.read_csv(out / "comparison.csv")  # the paired differences, B - A (tests/test_compare.py)
    assert set(paired.scenario) == {"pushed"} and {"diff_mean", "ci_low", "ci_high", "p_b_gt_a"} <= set(paired.columns)
    assert {p.name for p in (out / "figures").iterdir()} == {"performance.png", "public_value.png", "phase.png"}
    assert "pushed" in r.stdout and "baseline" in r.stdout


def test_help_reads_for_non_programmers():
    for cmd in ([], ["run"], ["compare"], ["scenarios"], ["params"]):
        r = sim(*cmd, "--help")
        assert r.returncode == 0 and "usage:" in r.stdout
    assert "scenario" in sim("run", "--help").stdout.lower()


# --- bad input: one line, exit code 2, nothing written ------------------------------------

BASE = f'extends = "{SHIPPED / "baseline.toml"}"\nname = "x"\ndescription = "x"\n'
BAD = {
    "unknown_key": (BASE + 'descripton = "typo"\n', r"descripton: unknown key \(did you mean 'description'\?\)"),
    "unknown_param": (BASE + "[parameters]\nopennes = 0.5\n", r"parameters.opennes: unknown parameter \(did you mean 'openness'\?\)"),
    "wrong_type": (BASE + '[parameters]\nopenness = "high"\n', r"parameters.openness: must be a number, got 'high' \(allowed: 0.0 to 1.0"),
    "out_of_range": (BASE + "[parameters]\nopenness = 1.5\n", r"parameters.openness: 1.5 is out of range \(allowed: 0.0 to 1.0"),
    "month_beyond_run": (BASE + "months = 24\n[[events]]\nmonth = 30\nkind = \"crisis\"\n", r"events\[0\].month: 30 is not within the run \(an event acts in the month after it; allowed: 0 to 23"),
    "control_name": (f'extends = "{SHIPPED / "baseline.toml"}"\nname = "Esc\\u001b[31mRED"\ndescription = "x"\n',
                     r"name: holds a control character \(allowed: printable text\)"),
    "long_name": (f'extends = "{SHIPPED / "baseline.toml"}"\nname = "{"n" * 201}"\ndescription = "x"\n',
                  r"name: is 201 characters long \(allowed: up to 200\)$"),
    "parameters_list": (BASE + "parameters = [1, 2]\n", r"parameters: must be a table of keys \(\[parameters\] followed"),
    "toml_date": (BASE + '[[events]]\ndate = 2001-03-01\nkind = "crisis"\n',
                  r'events\[0\].date: must be text in quotes, e.g. "2001-03", got the TOML date 2001-03-01$'),
    "months_true": (BASE + "months = true\n", r"months: must be a number, not true$"),
    "unquoted_month": (BASE + '[[events]]\ndate = 2001-03\nkind = "crisis"\n',
                       r'invalid TOML: .*\(at line 5, column 12\); a year and month is written in quotes, e.g. date = "2001-03"$'),
    "month_at_end": (BASE + "months = 24\n[[events]]\nmonth = 24\nkind = \"crisis\"\n", r"events\[0\].month: 24 is not within the run \(an event acts in the month after it; allowed: 0 to 23"),
    "unknown_field": (BASE + '[[events]]\nmonth = 3\nkind = "crisis"\nfield = "educaton"\n', r"events\[0\].field: unknown field 'educaton' \(did you mean 'education'\?\)"),
    "unknown_kind": (BASE + '[[events]]\nmonth = 3\nkind = "earthquake"\n', r"events\[0\].kind: 'earthquake' is not allowed \(allowed: .*underperformance"),
    "invalid_toml": (BASE + "[parameters\nopenness = 0.5\n", r"invalid TOML: .*line 4, column 12"),
    "negative_month": (BASE + '[[events]]\nmonth = -3\nkind = "crisis"\n', r"events\[0\].month: -3 is out of range \(allowed: 0 to 1200\)"),
    "fractional_month": (BASE + '[[events]]\nmonth = 12.5\nkind = "crisis"\n', r"events\[0\].month: must be a whole number, got 12.5$"),
    "setting_at_top": (BASE + "openness = 0.7\n", r"openness: unknown key \(openness belongs under \[parameters\]"),
    "seed_at_top": (BASE + "seed = 4\n", r"seed: unknown key \(seed belongs under \[run\]"),
    "date_beyond_run": (BASE + 'start_year = 2000\n[[events]]\ndate = "2012-03"\nkind = "crisis"\n',
                        r"events\[0\].month: 146 \(2012-03\) is not within the run \(an event acts in the month after it; allowed: 0 to 119, i.e. 2000-01 to 2009-12"),
    "blank_field": (BASE + 'fields = ["", "education"]\n', r"fields\[0\]: '' is not a field name \(allowed: 1 to 60 printable"),
    "field_all": (BASE + 'fields = ["education", "All"]\n', r"fields\[1\]: 'All' is not a field name \('all' means every field"),
    "padded_field": (BASE + 'fields = ["education", " education"]\n', r"fields\[1\]: ' education' is not a field name .*no spaces"),
    "seed_too_big": (BASE + "[run]\nseed = 99999999999999999999\n", r"run.seed: 99999999999999999999 is out of range \(allowed: 0 to 9223372036854775807\)"),
    "missing_extends": ('extends = "nowhere.toml"\nname = "x"\ndescription = "x"\n', r"extends: file not found: .*nowhere.toml"),
}


def _assert_clean_failure(r, pattern, out: Path, file_hint: str):
    import re
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr  # one line, no traceback
    assert file_hint in lines[0], lines[0]
    assert re.search(pattern, lines[0]), lines[0]
    assert not out.exists()
    assert not list(out.parent.glob(f".{out.name}.partial-*"))


@pytest.mark.parametrize("case", list(BAD))
def test_bad_scenario_gives_one_clear_line_and_exit_2(case, tmp_path):
    text, pattern = BAD[case]
    bad = tmp_path / f"{case}.toml"
    bad.write_text(text)
    out = tmp_path / "out"
    _assert_clean_failure(sim("run", bad, "--replicates", 2, "--out", out), pattern, out, str(bad))


def test_extends_cycle_is_reported(tmp_path):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\nname = "a"\ndescription = "a"\n')
    (tmp_path / "b.toml").write_text('extends = "a.toml"\nname = "b"\ndescription = "b"\n')
    out = tmp_path / "out"
    _assert_clean_failure(sim("run", tmp_path / "a.toml", "--out", out), r"extends: cycle \(a.toml -> b.toml -> a.toml\)",
                          out, "a.toml")


@pytest.mark.parametrize("args,pattern", [
    (["--set", "opennes=0.5"], r"--set: unknown parameter 'opennes' \(did you mean 'openness'\?\)"),
    (["--set", "openness=7"], r"--set: parameter 'openness' = 7.0 is out of range \(allowed: 0.0 to 1.0"),
    (["--set", "openness"], r"--set openness: expected name=value"),
    (["--steps", "6"], r"events\[0\].month: 12 is not within the run \(an event acts in the month after it; allowed: 0 to 5, from --steps 6\)"),
    (["--replicates", "0"], r"--replicates: must be at least 1"),
    (["--set", "n_cabinet=99999999999999999999999"], r"parameter 'n_cabinet' = 99999999999999999999999 is out of range"),
    (["--set", "openness=true"], r"parameter 'openness' must be a number, got true \("),
    (["--set", "months=24"], r"unknown parameter 'months' \(the run's length: use --steps\)"),
])
def test_bad_command_line_values(args, pattern, tmp_path):
    scen = tmp_path / "s.toml"
    scen.write_text(BASE + '[[events]]\nmonth = 12\nkind = "crisis"\n')
    out = tmp_path / "out"
    _assert_clean_failure(sim("run", scen, "--out", out, *args), pattern, out, "")


def test_unknown_scenario_name_suggests(tmp_path):
    out = tmp_path / "out"
    _assert_clean_failure(sim("run", "baselin", "--out", out), r"baselin: no such scenario file \(did you mean 'baseline'\?\)",
                          out, "baselin")


def test_existing_output_folder_is_not_overwritten(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("precious")
    r = sim("run", "baseline", "--replicates", 1, "--out", out)
    assert r.returncode == 2 and "already exists" in r.stderr
    assert (out / "keep.txt").read_text() == "precious"


def test_validate_runs_named_checks_and_reports(tmp_path):
    """`validate --only` runs the named checks with their null arms and writes the report with the
    model's and the null arm's figures side by side (the checks themselves: tests/test_mechanisms.py)."""
    r = sim("validate", "--quick", "--only", "1", "4", "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    assert "[ 1] pass" in r.stdout and "[ 4] pass" in r.stdout and "[ 2]" not in r.stdout
    assert "fails, as it must" in r.stdout and r.stderr == ""
    md = (tmp_path / "validation.md").read_text()
    assert "| 4 | Every success looks like a failure in the middle" in md and "null arm (must fail)" in md
    assert "no resources diverted (diversion_cost = 0)" in md
    assert sorted(p.name for p in (tmp_path / "validation").iterdir()) == ["check_01.png", "check_04.png"]
    r = sim("validate", "--only", "99")
    assert r.returncode == 2 and "no such check" in r.stderr


def test_validate_fails_a_check_whose_null_arm_passes_too(tmp_path):
    """A check that does not discriminate fails the run (exit code 1), like a failed check."""
    import model.experiments.validation as v
    fake = v.Check(1, "claim", "000:1", lambda n: v.Result("stat", "exp", True, null="null arm", null_passed=True))
    assert v.status(fake, fake.fn(1)) == v.NO_DISCRIMINATION and v.is_error(fake, fake.fn(1))


@pytest.mark.parametrize("args, pattern", [
    (["calibrate", "calibrate_england_abc", "--resume", "--force"], r"--resume and --force: give one"),
    (["calibrate", "grid_leadership"], r"grid_leadership.toml: a sweep experiment \(it has a \[design\] table\), "
                                       r"not a calibration; run it with `innovation-sim sweep grid_leadership`"),
    (["sweep", "calibrate_england_abc"], r"calibrate_england_abc.toml: a calibration \(it has an \[abc\] table\), "
                                         r"not a sweep; run it with `innovation-sim calibrate"),
    (["calibrate", "calibrate_englnd_abc"], r"no such calibration file \(did you mean 'calibrate_england_abc'\?\)"),
    (["calibrate", "calibrate_england_abc", "--predictive", "0"], r"--predictive: must be at least 1"),
    # user review: a scenario given to sweep read "design: required key is missing"; the shipped list
    # offered the calibrations to sweep
    (["sweep", str(ROOT / "scenarios" / "inspection_failure.toml")],
     r"inspection_failure.toml: a scenario file, not an experiment .*run the scenario with `innovation-sim run "),
    (["calibrate", str(ROOT / "scenarios" / "baseline.toml")], r"baseline.toml: a scenario file, not a calibration"),
    (["sweep", "nosuch"], r"nosuch: no such experiment file \(shipped: calibrate_england, calibrate_england_groups, "
                          r"discover_embedding"),
])
def test_calibrate_bad_input_is_one_line(args, pattern, capsys, tmp_path):
    """`calibrate` (tests/test_abc.py runs it end to end): bad input is one line, exit code 2, and
    nothing is written; a sweep's file and a calibration's are told apart."""
    from model.cli import main
    try:
        code = main([*args, "--out", str(tmp_path / "out")])
    except SystemExit as e:  # argparse's own errors
        code = e.code
    err = capsys.readouterr().err
    assert code == 2 and re.search(pattern, err), err
    assert err.count("\n") == 1 and not (tmp_path / "out").exists()


def test_calibrate_help_names_the_algorithm_and_resume(capsys):
    from model.cli import main
    with pytest.raises(SystemExit) as e:
        main(["calibrate", "--help"])
    out = capsys.readouterr().out
    assert e.value.code == 0 and "Lenormand" in out and "--resume" in out and "--predictive" in out


@pytest.mark.parametrize("args, words", [
    (["sweep", "grid_leadership", "--scheduler", "nonsense"], "is not a scheduler address"),
    (["sweep", "grid_leadership", "--scheduler", "udp://127.0.0.1:8786"], "unknown scheme 'udp'"),
    (["sweep", "grid_leadership", "--analyse", "{tmp}"], "drop EXPERIMENT"),
    (["validate", "--ablation", "--only", "1"], "use --only without --ablation"),
    (["validate", "--only", "1", "--out", "{tmp}/afile"], "--out {tmp}/afile: is a file"),
    (["reproduce", "{tmp}", "--keep", "{tmp}/afile"], "--keep {tmp}/afile: already exists"),
    (["discover", "{tmp}", "--outcome", "x", "--min-density", "2"], "--min-density 2: a box's density is a share"),
    (["discover", "{tmp}", "--outcome", "x", "--threshold", "nan"], "--threshold nan: give a finite number"),
    (["brief", "baseline", "inspection_failure", "--out", "{tmp}/b.html"], "{tmp}/b.html already exists"),
])
def test_options_are_checked_before_any_work(tmp_path, capsys, args, words):
    """Found by a QA pass: these were tracebacks, or were refused only after the work was done."""
    (tmp_path / "afile").write_text("x")
    (tmp_path / "b.html").write_text("an earlier brief")
    with pytest.raises(SystemExit) if "--scheduler" in args else contextlib.nullcontext():
        assert main([a.replace("{tmp}", str(tmp_path)) for a in args]) == 2
    err = capsys.readouterr().err
    assert words.replace("{tmp}", str(tmp_path)) in err and err.count("\n") == 1 and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "b.html"]  # nothing written
    assert (tmp_path / "b.html").read_text() == "an earlier brief"


def test_a_setting_given_twice_with_set_is_refused(capsys):
    """Audit, session 21: `--set openness=0.2 --set openness=0.9` used the later without a word."""
    assert main(["run", "baseline", "--set", "openness=0.2", "--set", "openness=0.9", "--replicates", "2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--set openness: given twice" in err


@pytest.mark.parametrize("args", [["run", "baseline", "--out", ""], ["sweep", "sobol_top10", "--out", " "],
                                  ["brief", "baseline", "inspection_failure", "--out", ""],
                                  ["reproduce", ".", "--keep", ""], ["sweep", "--analyse", ""]])
def test_an_empty_out_is_refused_not_taken_for_the_default(args, capsys, tmp_path, monkeypatch):
    """Audit, session 21: `--out "$DIR"` with DIR unset wrote to the default folder."""
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and ": empty; give a folder or file name" in err
    assert not list(tmp_path.iterdir())


def test_a_refusal_before_the_command_runs_gives_back_the_signal_handlers():
    """Review, session 21: an empty --out returned before main()'s clean-up, leaving its Ctrl-C and
    SIGTERM handlers installed in the calling process."""
    import signal
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    assert main(["run", "baseline", "--out", ""]) == 2
    assert main(["compare", "baseline"]) == 2
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


def test_a_workshop_is_the_same_however_its_scenario_is_named():
    from model.cli import _same_scenario
    from model.io.scenario import SHIPPED
    assert _same_scenario(str(SHIPPED / "workshop_region.toml"), "workshop_region")
    assert _same_scenario("workshop_region", str(SHIPPED / "workshop_region.toml"))
    assert not _same_scenario("workshop_region", "region_60")


def test_a_brief_without_a_pdf_is_not_refused_for_a_pdf_it_will_not_write(tmp_path):
    """User review: `brief --no-pdf --out b.html` was refused because an unrelated b.pdf existed."""
    from model.cli import BadInput, _brief_file
    (tmp_path / "b.pdf").write_text("someone else's")
    with pytest.raises(BadInput, match=r"b.pdf already exists"):
        _brief_file(str(tmp_path / "b.html"), ["baseline"])
    out, _ = _brief_file(str(tmp_path / "b.html"), ["baseline"], pdf=False)
    assert out == tmp_path / "b.html" and (tmp_path / "b.pdf").read_text() == "someone else's"


def test_review_messages_name_what_the_user_wrote(tmp_path, capsys):
    """User review: an empty field list read as pydantic's words; discover given a scenario file
    talked about an --out the user never gave."""
    s = tmp_path / "s.toml"
    s.write_text('name = "x"\ndescription = "x"\nextends = "baseline.toml"\nfields = []\n')
    assert main(["run", str(s), "--replicates", "1"]) == 2
    assert "fields: [] is too short (allowed: at least 1 item)" in capsys.readouterr().err
    assert main(["discover", str(s), "--outcome", "reached_embedding"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{s}: is a file; discover reads a finished sweep's folder" in err
