"""Provenance (issue 16): the manifest of run folders and sweeps, and `innovation-sim reproduce`
(byte for byte when nothing changed; refuses, in one line, when a package version differs)."""

from __future__ import annotations

import json
import re
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from model.cli import main
from model.experiments.reproduce import compare, not_compared
from model.experiments.sweep import Store
from model.io import manifest
from model.io.experiment import load_experiment
from model.io.scenario import SHIPPED

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "inspection"
    assert main(["run", "inspection_failure", "--replicates", "3", "--steps", "18", "--seed", "7", "--no-figures",
                 "--workers", "1", "--out", str(out)]) == 0
    return out


def test_run_folder_manifest_records_code_packages_inputs_and_seeds(run_folder):
    mf = json.loads((run_folder / "manifest.json").read_text())
    assert mf["project"]["name"] == "innovation-sim" and mf["project"]["version"] == manifest.version()
    assert mf["code"]["sha256"] == manifest.code_digest() and "git_commit" in mf["code"] and "git_dirty" in mf["code"]
    assert mf["python"]["version"] and {"numpy", "pandas", "mesa", "scipy"} <= set(mf["packages"])
    files = {Path(i["path"]).name: i["sha256"] for i in mf["inputs"] if i["path"]}
    assert files == {"baseline.toml": manifest.sha256_file(SHIPPED / "baseline.toml"),  # the extends chain
                     "inspection_failure.toml": manifest.sha256_file(SHIPPED / "inspection_failure.toml")}
    assert any(i["role"].startswith("scenario resolved") and len(i["sha256"]) == 64 for i in mf["inputs"])
    assert mf["seeds"]["master_seed"] == 7 and mf["seeds"]["entropy"] == "7"
    assert mf["seeds"]["spawn_keys"] == [[0], [1], [2]]
    assert mf["command"] == {"name": "run", "seed": 7, "replicates": 3, "figures": False}


def test_sweep_manifest_records_provenance(tmp_path):
    exp = load_experiment("robust_inspection")
    store = Store(tmp_path / "sweep", exp)
    store.create()
    prov = json.loads((tmp_path / "sweep" / "_manifest.json").read_text())["provenance"]
    roles = {i["role"] for i in prov["inputs"]}
    assert {"experiment", "scenario", "scenario (extends chain)", "scenario resolved (after extends)"} <= roles
    assert prov["seeds"]["master_seed"] == exp.seed and len(prov["seeds"]["spawn_keys"]) == exp.n_runs
    assert prov["seeds"]["spawn_keys"][:2] == [[0, 0], [1, 0]]  # (future, replicate)
    assert manifest.read(tmp_path / "sweep")["command"]["name"] == "sweep"


@pytest.mark.parametrize("change,message", [
    (lambda c: c.pop("seed"), "manifest.json: command.seed: null is not a whole number"),
    (lambda c: c.update(replicates="5"), "manifest.json: key 'command.replicates': must be a whole number, got '5'"),
    (lambda c: c.update(figures=1), "manifest.json: key 'command.figures': must be true or false, got 1"),
    (lambda c: c.update(name="dance"), "manifest.json: command.name: 'dance' is not a command reproduce re-runs"),
])
def test_a_hand_edited_command_record_is_one_line_naming_the_key(run_folder, tmp_path, capsys, change, message):
    copy = tmp_path / "copy"
    copy.mkdir()
    for f in run_folder.iterdir():
        if f.is_file():
            (copy / f.name).write_bytes(f.read_bytes())
    mf = json.loads((run_folder / "manifest.json").read_text())
    change(mf["command"])
    (copy / "manifest.json").write_text(json.dumps(mf))
    assert main(["reproduce", str(copy)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(copy) in err and message in err, err


def test_a_run_whose_resolved_scenario_was_edited_is_refused_naming_it(run_folder, tmp_path, capsys):
    copy = tmp_path / "copy"
    shutil.copytree(run_folder, copy)
    resolved = copy / "scenario.resolved.toml"
    text = resolved.read_text()
    edited = re.sub(r"(?m)^openness = .*$", "openness = 0.123", text, count=1)
    assert edited != text
    resolved.write_text(edited)
    assert main(["reproduce", str(copy)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "scenario.resolved.toml differs from the scenario the run recorded" in err, err
    resolved.write_text(text[:60])  # cut short
    assert main(["reproduce", str(copy)]) == 2
    assert "scenario.resolved.toml no longer loads" in capsys.readouterr().err


def test_reproduce_keeps_the_rerun_in_an_empty_folder_given(run_folder, tmp_path, capsys):
    keep = tmp_path / "keep"
    keep.mkdir()
    assert main(["reproduce", str(run_folder), "--keep", str(keep)]) == 0
    assert "Identical" in capsys.readouterr().out and (keep / "timeseries.csv").is_file()


def test_a_long_reproduce_says_it_is_still_running(run_folder, capsys, monkeypatch):
    """User review: the re-run's output is not shown, so an hour's reproduce was a silent terminal."""
    import model.experiments.reproduce as rp
    monkeypatch.setattr(rp, "HEARTBEAT_S", 0.05)
    assert main(["reproduce", str(run_folder)]) == 0
    out, err = capsys.readouterr()
    assert "Identical" in out and "innovation-sim: reproduce: still re-running (0 min so far" in err, err


def test_reproduce_is_byte_identical_and_refuses_when_a_package_differs(run_folder, tmp_path, capsys):
    assert main(["reproduce", str(run_folder)]) == 0
    out = capsys.readouterr().out
    assert "Identical: all 4 output files" in out

    copy = tmp_path / "copy"
    copy.mkdir()
    for f in run_folder.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    mf = json.loads((copy / "manifest.json").read_text())
    mf["packages"]["numpy"] = "0.0.1"
    (copy / "manifest.json").write_text(json.dumps(mf))
    assert main(["reproduce", str(copy)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "refusing to reproduce" in err and "numpy 0.0.1 -> " in err
    assert "use the recorded code and packages, or add --anyway" in err

    ts = copy / "timeseries.csv"
    ts.write_text(ts.read_text().replace("\n", "\n", 1) + "\n")  # a changed output is reported by name
    assert main(["reproduce", str(copy), "--anyway"]) == 1
    out = capsys.readouterr().out
    assert "note: numpy 0.0.1 -> " in out and "Different: 1 of 4 files differ: timeseries.csv" in out


def test_reproduce_reruns_the_code_it_checked_not_a_model_package_in_the_working_folder(run_folder, tmp_path):
    """`innovation-sim` (the installed script) started in another checkout: the re-run must be of the
    code whose hash was checked, not of the model/ that `python -m` would find in the working folder."""
    decoy = tmp_path / "model"
    decoy.mkdir()
    (decoy / "__init__.py").write_text("")
    (decoy / "cli.py").write_text("raise SystemExit('the model package of the working folder ran')\n")
    start = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from model.cli import main; sys.exit(main(sys.argv[1:]))"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    r = subprocess.run([sys.executable, "-c", start, "reproduce", str(run_folder)], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "Identical: all 4 output files" in r.stdout
    assert "--out" not in r.stdout  # the re-run's temporary folder is not part of the command shown


def test_compare_ignores_only_the_manifest_and_the_reports_run_time(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for d, secs, created in ((a, 12, "x"), (b, 97, "y")):
        d.mkdir()
        (d / "validation.md").write_text(f"innovation-sim 0.1.0; ensembles of 40 runs; {secs} s. Reproduce with")
        (d / "manifest.json").write_text(created)
        (d / "_manifest.json").write_text(json.dumps({"digest": "1", "provenance": {"created": created}}))
    assert compare(a, b) == (["_manifest.json", "validation.md"], [])
    (b / "validation.md").write_text("other")
    assert compare(a, b)[1] == ["validation.md"]


def test_reproduce_without_a_manifest_is_one_line(tmp_path, capsys):
    assert main(["reproduce", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no manifest.json" in err


def test_reproduce_of_no_folder_a_file_or_dotdot_says_what_it_is(run_folder, tmp_path, capsys):
    """Audit, session 21: a missing path or a file got "no manifest.json", and `reproduce ..` named
    its re-run's folder ".." and failed."""
    assert main(["reproduce", str(tmp_path / "nope")]) == 2
    assert "nope: no such folder" in capsys.readouterr().err
    (tmp_path / "brief.html").write_text("<html></html>")
    assert main(["reproduce", str(tmp_path / "brief.html")]) == 2
    err = capsys.readouterr().err
    assert "is a file, not a results folder" in err and "How to reproduce" in err
    inside = run_folder / "sub"
    inside.mkdir(exist_ok=True)
    try:
        assert main(["reproduce", str(inside / "..")]) == 0
        assert "Identical" in capsys.readouterr().out
    finally:
        inside.rmdir()


def test_an_interrupted_reproduce_leaves_no_worker_running(tmp_path):
    """Audit, session 21: an interrupted `reproduce` killed its re-run 0.25 s later, and the re-run's
    pool workers ran on for good (parent 1, hundreds of MB each)."""
    out = tmp_path / f"interrupted-{os.getpid()}"  # a name no other test's re-run has (pytest -n)
    assert main(["compare", "baseline", "inspection_failure", "--replicates", "4", "--steps", "24",
                 "--no-figures", "--workers", "2", "--out", str(out)]) == 0
    mf = json.loads((out / "manifest.json").read_text())
    mf["command"]["replicates"], mf["command"]["steps"] = 4000, 120
    (out / "manifest.json").write_text(json.dumps(mf))  # a re-run long enough to interrupt
    proc = subprocess.Popen([sys.executable, "-m", "model.cli", "reproduce", "--anyway", str(out)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def rerun_processes() -> list[str]:
        ps = subprocess.run(["ps", "-ww", "-eo", "pid,args"], capture_output=True, text=True).stdout
        return [line for line in ps.splitlines() if "innovation-sim-reproduce-" in line and f"/{out.name} " in line]

    deadline = time.monotonic() + 60
    while len(rerun_processes()) < 2 and time.monotonic() < deadline:  # the re-run and its workers
        time.sleep(0.2)
    assert rerun_processes(), ("the re-run never started", proc.poll())
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)  # to `reproduce` alone, as `timeout -s INT` or a scheduler does
    _, err = proc.communicate(timeout=90)
    assert proc.returncode == 130 and "Traceback" not in err, err
    time.sleep(2)
    assert not rerun_processes(), rerun_processes()


def test_a_calibration_from_before_provenance_is_one_line_saying_what_to_do(tmp_path, capsys):
    (tmp_path / "_calibration.json").write_text("{}")
    assert main(["reproduce", str(tmp_path)]) == 2  # no summary.json: not finished
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "an unfinished calibration" in err and f"--out {tmp_path} --resume" in err
    (tmp_path / "summary.json").write_text("{}")  # finished, before provenance was recorded
    assert main(["reproduce", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "before calibrate recorded provenance" in err and "innovation-sim calibrate" in err


@pytest.mark.parametrize("key,value,message", [
    ("command", 5, "key 'command': must be an object, got 5"),
    ("packages", "x", "key 'packages': must be an object, got 'x'"),
    ("python", None, "key 'python': must be an object, got null"),
    ("inputs", [{"path": "a"}], "key 'inputs.0.sha256': missing"),
])
def test_a_manifest_of_the_wrong_shape_is_one_line_naming_the_key(run_folder, tmp_path, capsys, key, value, message):
    copy = tmp_path / "copy"
    copy.mkdir()
    mf = json.loads((run_folder / "manifest.json").read_text())
    (copy / "manifest.json").write_text(json.dumps({**mf, key: value}))
    assert main(["reproduce", str(copy)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{copy / 'manifest.json'}: {message}" in err
    (copy / "manifest.json").write_text("[]")
    (copy / "_manifest.json").write_text("[]")
    assert main(["reproduce", str(copy)]) == 2
    assert "the whole file: must be an object, got a list" in capsys.readouterr().err


def test_outputs_written_later_by_the_analyses_are_not_compared(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        d.mkdir()
        (d / "part-00000.parquet").write_text("rows")
    for later in ("_analysis", "_discover/reached_embedding", "_robust"):
        (a / later).mkdir(parents=True)
        (a / later / "x.csv").write_text("written by an analysis")
    assert compare(a, b) == (["part-00000.parquet"], [])
    assert not_compared(a) == ["_analysis/ (written by sweep --analyse)", "_discover/ (written by discover)",
                               "_robust/ (written by robust)"]
    (b / "part-00000.parquet").write_text("other rows")  # the sweep's own outputs still are compared
    assert compare(a, b)[1] == ["part-00000.parquet"]


def test_an_analysed_sweep_reproduces(tmp_path, capsys):
    exp = tmp_path / "e.toml"
    exp.write_text('name = "tiny"\ndescription = "x"\nscenario = "baseline"\nmonths = 12\nreplicates = 2\n'
                   'seed = 3\nbatch_size = 2\n[design]\nmethod = "grid"\n[parameters]\nopenness = [0.3, 0.7]\n')
    out = tmp_path / "sweep"
    assert main(["sweep", str(exp), "--out", str(out), "--workers", "1"]) == 0
    assert main(["sweep", "--analyse", str(out)]) == 0
    capsys.readouterr()
    assert main(["reproduce", str(out)]) == 0
    text = capsys.readouterr().out
    assert "not compared: _analysis/ (written by sweep --analyse)" in text and "Identical: all " in text
    exp.rename(tmp_path / "moved.toml")  # user review: the folder's own copy was not mentioned
    assert main(["reproduce", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"e.toml is missing (restore it from a copy, e.g. {out / '_experiment.toml'}, which holds it)" in err, err
    (tmp_path / "moved.toml").rename(exp)
    (out / "part-00001.parquet").unlink()  # as an interrupted sweep leaves it (user review: it was all re-run)
    assert main(["reproduce", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"cannot reproduce {out}: 2 of 4 runs done; finish first with" in err, err
    assert "then reproduce it" in err


def test_a_comparison_reproduces_and_refuses_when_a_scenario_file_changed(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the what-if given by a relative path: reproduce runs from the source tree
    what_if = tmp_path / "what_if.toml"
    what_if.write_text('extends = "baseline.toml"\nname = "w"\ndescription = "w"\n[[events]]\nmonth = 6\n'
                       'kind = "underperformance"\n')
    out = tmp_path / "cmp"
    assert main(["compare", "baseline", "what_if.toml", "--replicates", "3", "--steps", "24", "--set", "openness=0.6",
                 "--workers", "1", "--no-figures", "--out", str(out)]) == 0
    mf = manifest.read(out)
    assert mf["command"]["name"] == "compare" and mf["command"]["set"] == ["openness=0.6"]
    capsys.readouterr()
    assert main(["reproduce", str(out)]) == 0
    assert "Identical: all 3 output files" in capsys.readouterr().out
    what_if.write_text(what_if.read_text().replace("month = 6", "month = 7"))
    assert main(["reproduce", str(out)]) == 2
    err = capsys.readouterr().err
    assert "refusing to reproduce" in err and "what_if.toml" in err
    assert "use the recorded inputs, or add --anyway" in err  # user review: it said "code and packages"


def test_the_ablation_table_carries_a_manifest_that_reruns_it(tmp_path, monkeypatch):
    """`validate --ablation --out DIR` records its provenance like every other report, and
    reproduce re-runs it as an ablation (not as the checks). The table itself is stubbed here: the
    full one takes minutes (it is exercised by `validate --ablation`)."""
    from model.experiments import ablation
    from model.experiments.reproduce import command_argv
    monkeypatch.setattr(ablation, "table", lambda n, base, progress=None: "T")
    monkeypatch.setattr(ablation, "markdown", lambda t, n, seeds: f"table of {n} runs")
    monkeypatch.setattr(ablation, "case_value", lambda n, base: "C")
    monkeypatch.setattr(ablation, "case_markdown", lambda c, seeds: "cases")
    out = tmp_path / "abl"
    assert main(["validate", "--ablation", "--quick", "--out", str(out)]) == 0
    mf = manifest.read(out)
    assert mf["command"]["ablation"] is True and mf["seeds"]["seeds"] == [ablation.ABLATION_SEEDS, ablation.ABLATION_SEEDS + 39]
    assert any(e["path"].endswith("baseline.toml") for e in mf["inputs"])
    argv = command_argv(mf, out, tmp_path / "again")
    assert argv[0] == "validate" and "--ablation" in argv and "--quick" in argv


def test_a_replicated_validation_records_its_block_and_reproduce_reruns_it(tmp_path, monkeypatch, capsys):
    """`validate --replicate BASE --out DIR` records the block, and reproduce re-runs it with it; a block
    overlapping the checks' own seeds is refused in one line."""
    import model.experiments.validation as v
    from model.experiments.reproduce import command_argv
    fake = v.Check(1, "claim", "000:1", lambda n: v.Result(f"from {v.SEED_BASE}", "exp", True, null_passed=False))
    monkeypatch.setattr(v, "CHECKS", [fake])
    out = tmp_path / "val"
    assert main(["validate", "--quick", "--replicate", "1200", "--out", str(out)]) == 0
    mf = manifest.read(out)
    assert mf["command"]["replicate"] == 1200 and "| pass: from 1200 |" in (out / "validation.md").read_text()
    assert "seeds 1200 to 1239 (--replicate)" in mf["seeds"]["how"]
    argv = command_argv(mf, out, tmp_path / "again")
    assert argv[argv.index("--replicate") + 1] == "1200"
    capsys.readouterr()
    for given, words in ((["--replicate", "1100"], "seeds 1100-1299 overlap the checks' own 1000-1199"),
                         (["--ablation", "--replicate", "1300"], "--replicate: the ablation table runs on its own")):
        assert main(["validate", *given]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and words in err, err


def test_reproduce_without_its_inputs_says_restore_not_anyway(run_folder, tmp_path, capsys):
    """Audit, session 21: a missing scenario.resolved.toml was refused with "or add --anyway", which
    then failed too; the reason was cut in the middle of a word."""
    copy = tmp_path / "copy"
    shutil.copytree(run_folder, copy)
    (copy / "scenario.resolved.toml").unlink()
    for extra in ([], ["--anyway"]):
        assert main(["reproduce", *extra, str(copy)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "cannot reproduce" in err and "restore it from a copy" in err
        assert "--anyway" not in err


def test_reproduce_names_a_hand_edited_seed_and_sets_aside_files_the_command_never_made(run_folder, tmp_path,
                                                                                        capsys):
    """Audit, session 21: an edited command.seed re-ran with it and reported "7 of 7 files differ" (the
    model looked irreproducible); a notes.txt or a brief saved in a run folder made it "Different"."""
    copy = tmp_path / "copy"
    shutil.copytree(run_folder, copy)
    (copy / "notes.txt").write_text("my notes")
    assert main(["reproduce", str(copy)]) == 0
    out = capsys.readouterr().out
    assert "not compared (not made by the command; added to the folder since?): notes.txt" in out
    assert "Identical" in out
    mf = json.loads((copy / "manifest.json").read_text())
    mf["command"]["seed"] = mf["seeds"]["master_seed"] + 1
    (copy / "manifest.json").write_text(json.dumps(mf))
    assert main(["reproduce", str(copy)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "command.seed 8 and seeds.master_seed 7 disagree" in err


def test_a_validation_report_from_another_checkout_is_reproduced_with_anyway(tmp_path, capsys):
    """Review, session 21: validate records the shipped scenarios of the checkout that made it but
    re-runs with this one's; their paths missing elsewhere must not make the report irreproducible."""
    out = tmp_path / "val"
    assert main(["validate", "--quick", "--only", "1", "--out", str(out)]) in (0, 1)
    mf = json.loads((out / "manifest.json").read_text())
    for entry in mf["inputs"]:
        entry["path"] = entry["path"].replace(str(ROOT), "/elsewhere/innovation-sim")
    (out / "manifest.json").write_text(json.dumps(mf))
    capsys.readouterr()
    assert main(["reproduce", str(out)]) == 2
    assert "--anyway" in capsys.readouterr().err  # refused as before, with the way out
    assert main(["reproduce", "--anyway", str(out)]) == 0
    assert "Identical" in capsys.readouterr().out
