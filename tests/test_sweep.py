"""Sweeps: experiment validation, determinism across workers, interrupt and resume, errors kept,
a real Dask scheduler with two workers on localhost, analysis, and mesa.batch_run."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model.cli import main
from model.io.experiment import SHIPPED, load_experiment
from model.io.scenario import ScenarioError
from model.experiments.sweep import read_runs, run_sweep
from clihelp import make_sweep, sim  # tests/ is on the path (conftest.py)

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent

SMALL = """
name = "small grid"
description = "test"
scenario = "baseline"
months = 36
replicates = 3
seed = 4
batch_size = 5
[design]
method = "grid"
[parameters]
leader_drive = [0.2, 0.8]
openness = [0.3, 0.7]
[switches.inspection]
levels = [0, 1]
[[switches.inspection.events]]
month = 3
kind = "underperformance"
field = "education"
"""


def write(tmp_path, text, name="exp.toml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p



def test_shipped_experiments_load():
    names = sorted(p.stem for p in SHIPPED.glob("*.toml"))
    assert {"grid_leadership", "morris_all", "sobol_top10"} <= set(names)
    for n in names:
        if "abc" in tomllib.loads((SHIPPED / f"{n}.toml").read_text()):  # a calibration (tests/test_abc.py), not a sweep
            continue
        e = load_experiment(n)
        assert e.n_runs > 0
    sobol = load_experiment("sobol_top10")
    assert len(sobol.names) == 10 and 15_000 <= sobol.n_runs <= 30_000


def test_grid_design_and_seeds(tmp_path):
    e = load_experiment(write(tmp_path, SMALL))
    assert e.n_points == 8 and e.n_runs == 24
    assert e.points.tolist()[:2] == [[0.2, 0.3, 0.0], [0.2, 0.3, 1.0]]
    seeds = [e.run_seed(i) for i in range(e.n_runs)]
    assert len(set(seeds)) == e.n_runs and seeds == [e.run_seed(i) for i in range(e.n_runs)]
    params, events = e.point_settings(1)
    assert params == {"leader_drive": 0.2, "openness": 0.3} and [s.kind for s in events] == ["underperformance"]


@pytest.mark.parametrize("patch,pattern", [
    (("leader_drive = [0.2, 0.8]", "leader_drve = [0.2, 0.8]"), r"parameters.leader_drve: unknown parameter \(did you mean 'leader_drive'\?\)"),
    (("leader_drive = [0.2, 0.8]", "leader_drive = [0.2, 1.8]"), r"parameters.leader_drive: 1.8 is out of range \(allowed: 0.0 to 1.0"),
    (("leader_drive = [0.2, 0.8]", "leader_drive = {low = 0.1, high = 0.9}"), r"a grid needs a list of levels"),
    (('method = "grid"', 'method = "sobol"\nsamples = 16'), r'parameters.leader_drive: method "sobol" needs a range'),
    (('method = "grid"', 'method = "factorial"'), r"design.method: 'factorial' is not allowed"),
    (("replicates = 3", "replicates = 0"), r"replicates: 0 is out of range"),
    (('scenario = "baseline"', 'scenario = "baselne"'), r"scenario: baselne: no such scenario file \(did you mean 'baseline'\?\)"),
    (("month = 3", "month = 99"), r"switches.inspection.events\[0\].month: give a month from 0 to 35"),
    (("seed = 4", "seed = 4\nbogus = 1"), r"bogus: unknown key"),
    (("leader_drive = [0.2, 0.8]", '"effects.nowhere.leader_drive" = [0.1, 0.2]'),
     r"parameters.effects.nowhere.leader_drive: unknown group 'nowhere'"),
    (("month = 3", 'date = "2001"'), r"events\[0\].month: give a month from 0 to 35 \(a switched event takes 'month', not 'date'\)"),
    (("leader_drive = [0.2, 0.8]", "leader_drive = [0.2, 0.2, 0.8]"), r"parameters.leader_drive: 0.2 is given twice"),
    (("levels = [0, 1]", "levels = [1, 1.0]"), r"switches.inspection.levels: 1 is given twice"),
    (('levels = [0, 1]', 'levels = [0, 2]'), None),  # fine for an inspection; a hold (below) has no size
    (('levels = [0, 1]\n', 'levels = [0, 2]\n[[switches.inspection.events]]\nmonth = 4\nkind = "hold"\n'
      'field = "education"\n'), r"switches.inspection.levels: 2 would scale events\[0\], a hold, which has no size"),
])
def test_bad_experiments_give_one_line(tmp_path, patch, pattern):
    path = write(tmp_path, SMALL.replace(*patch))
    if pattern is None:
        assert load_experiment(path).n_runs > 0
        return
    with pytest.raises(ScenarioError, match=pattern) as e:
        load_experiment(path)
    assert "\n" not in str(e.value) and str(e.value).startswith(str(path))


def test_sobol_needs_power_of_two_and_no_switches(tmp_path):
    ranged = SMALL.replace("[0.2, 0.8]", "{low = 0.2, high = 0.8}").replace("[0.3, 0.7]", "{low = 0.3, high = 0.7}")
    with pytest.raises(ScenarioError, match=r"switches: only for method = \"grid\""):
        load_experiment(write(tmp_path, ranged.replace('method = "grid"', 'method = "sobol"\nsamples = 16')))
    no_switch = ranged[: ranged.index("[switches")]
    with pytest.raises(ScenarioError, match=r"design.samples: 10 must be a power of 2"):
        load_experiment(write(tmp_path, no_switch.replace('method = "grid"', 'method = "sobol"\nsamples = 10')))
    e = load_experiment(write(tmp_path, no_switch.replace('method = "grid"', 'method = "sobol"\nsamples = 16')))
    assert e.n_points == 16 * (2 + 2) and e.points.min(axis=0)[0] >= 0.2 and e.points.max(axis=0)[0] <= 0.8


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The small grid run uninterrupted with 2 local workers."""
    tmp = tmp_path_factory.mktemp("ref")
    exp = load_experiment(write(tmp, SMALL))
    out = run_sweep(exp, tmp / "out", workers=2, progress=False)
    return exp, pd.read_parquet(out).sort_values("run").reset_index(drop=True)


def test_one_row_of_a_sweep_runs_again_in_full_from_its_point_and_seed(reference):
    """The README's recipe for looking at one run of a sweep month by month."""
    from model.experiments.sweep import run_point
    exp, ref = reference
    row = ref.iloc[5]
    params, events = exp.point_settings(int(row.point))
    m = run_point(exp.scenario, params, events, int(row.seed))
    out = m.outcomes()
    assert {k: out[k] for k in ("public_value", "max_phase", "reversals")} == \
        {k: row[k] for k in ("public_value", "max_phase", "reversals")}
    assert len(m.timeseries()) > 0


def test_sweep_rows_and_independence_from_worker_count(reference, tmp_path):
    exp, ref = reference
    assert len(ref) == exp.n_runs and ref.run.tolist() == list(range(exp.n_runs))
    assert ref.error.isna().all()
    assert {"leader_drive", "openness", "inspection", "replicate", "seed", "public_value", "reached_embedding",
            "public_value__education", "max_phase__education"} <= set(ref.columns)
    one = pd.read_parquet(run_sweep(exp, tmp_path / "one", workers=1, progress=False)).sort_values("run").reset_index(drop=True)
    pd.testing.assert_frame_equal(one, ref)
    # the inspection switch does what it says: education triggers more often with it
    edu = ref.groupby("inspection").max_phase__education.apply(lambda s: (s >= 1).mean())
    assert edu[1.0] > edu[0.0]


def test_a_failing_run_is_recorded_not_dropped(tmp_path):
    exp = load_experiment(write(tmp_path, SMALL))
    exp.points[2, 0] = 7.0  # leader_drive out of range at point 2: those runs raise
    df = pd.read_parquet(run_sweep(exp, tmp_path / "out", workers=1, progress=False))
    bad = df[df.point == 2]
    assert len(df) == exp.n_runs and len(bad) == exp.replicates
    assert bad.error.str.contains("leader_drive").all() and bad.public_value.isna().all()
    assert df[df.point != 2].error.isna().all()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_interrupt_then_resume_equals_uninterrupted(reference, tmp_path, sig):
    """Ctrl-C, a kill, and SIGTERM (`timeout`, a cluster scheduler at the end of a job), which stops as
    Ctrl-C does: the finished batches kept, one line saying how to resume."""
    exp, ref = reference
    path = write(tmp_path, SMALL.replace("months = 36", "months = 36\n").replace("batch_size = 5", "batch_size = 2"))
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "model.cli", "sweep", str(path), "--out", str(out), "--workers", "1"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(out.glob("part-*.parquet"))) < 3:
        time.sleep(0.05)
    os.killpg(proc.pid, sig)  # the driver and its workers, as Ctrl-C or a kill would
    proc.wait(timeout=60)
    if sig != signal.SIGKILL:
        err = proc.stderr.read().decode()
        assert proc.returncode == 128 + sig and ("finished batches are kept" in err or "1 finished batch is kept" in err) \
            and "Traceback" not in err, err
    parts = list(out.glob("part-*.parquet"))
    assert 3 <= len(parts) < 12, "interrupted mid-way"
    assert not list(out.glob("*.tmp"))  or sig == signal.SIGKILL  # a clean interrupt leaves no temporary file
    r = sim("sweep", path, "--out", out)  # without --resume: refuses, keeps the work
    assert r.returncode == 2 and "--resume" in r.stderr and len(list(out.glob("part-*.parquet"))) == len(parts)
    r = sim("sweep", path, "--out", out, "--resume", "--workers", "2")
    assert r.returncode == 0, r.stderr
    done = pd.read_parquet(out).sort_values("run").reset_index(drop=True)
    pd.testing.assert_frame_equal(done, ref)  # row for row, whatever the batches and workers


def test_resume_refuses_a_different_experiment(reference, tmp_path):
    exp, _ = reference
    out = tmp_path / "out"
    run_sweep(exp, out, workers=1, progress=False)
    r = sim("sweep", write(tmp_path, SMALL.replace("seed = 4", "seed = 5")), "--out", out, "--resume")
    assert r.returncode == 2 and "different experiment definition" in r.stderr
    assert f"resume with the file that made it (its copy: {out / '_experiment.toml'})" in r.stderr
    assert r.stderr.count("\n") == 1


def test_a_manifest_with_an_unknown_method_is_refused_by_the_readers(written, tmp_path, capsys):
    """A hand-edited method ("magic") is no design the analysis knows: refused in one line."""
    exp, src = written
    out = shutil.copytree(src, tmp_path / "out")
    mf = json.loads((out / "_manifest.json").read_text())
    mf["method"] = "magic"
    (out / "_manifest.json").write_text(json.dumps(mf))
    for args in READERS:
        assert "method" in _refused(capsys, out, args)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def dask_cluster(workers: int):
    """A real Dask scheduler and `workers` worker processes on localhost, as `dask scheduler` and
    `dask worker` start them on a cluster; yields (address, scheduler process)."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    sched = subprocess.Popen([str(VENV_BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                              "--no-dashboard"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = subprocess.Popen([str(VENV_BIN / "dask"), "worker", address, "--nworkers", str(workers), "--nthreads",
                               "1", "--no-dashboard", "--host", "127.0.0.1"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        from dask.distributed import Client
        deadline = time.time() + 60
        while True:  # wait for the workers to register
            try:
                with Client(address, timeout="5s") as c:
                    if len(c.scheduler_info()["workers"]) >= workers:
                        break
            except OSError:
                pass
            assert time.time() < deadline, "dask workers did not start"
            time.sleep(0.5)
        yield address, sched
    finally:
        for p in (worker, sched):
            p.terminate()
        for p in (worker, sched):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=20)


def test_real_scheduler_with_two_workers_on_localhost(reference, tmp_path):
    exp, ref = reference
    with dask_cluster(2) as (address, _):
        r = sim("sweep", exp.path, "--scheduler", address, "--out", tmp_path / "out")
    assert r.returncode == 0, r.stderr
    got = pd.read_parquet(tmp_path / "out").sort_values("run").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, ref)


def test_unreachable_scheduler_is_one_line(tmp_path, reference):
    exp, _ = reference
    r = sim("sweep", exp.path, "--scheduler", f"tcp://127.0.0.1:{_free_port()}", "--out", tmp_path / "o")
    assert r.returncode == 2 and "cannot connect" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_sobol_and_morris_analysis(tmp_path):
    sob = write(tmp_path, """
name = "tiny sobol"
description = "t"
scenario = "inspection_failure"
months = 48
seed = 3
batch_size = 16
[design]
method = "sobol"
samples = 16
[parameters]
trigger_rate = {low = 0.1, high = 1.0}
leader_drive = {low = 0.2, high = 0.8}
""", "sob.toml")
    r = sim("sweep", sob, "--out", tmp_path / "s", "--workers", "2")
    assert r.returncode == 0, r.stderr
    r = sim("sweep", "--analyse", tmp_path / "s")
    assert r.returncode == 0, r.stderr
    idx = pd.read_csv(tmp_path / "s" / "_analysis" / "indices.csv")
    assert {"outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf"} <= set(idx.columns)
    assert len(idx) == 4 and np.isfinite(idx[idx.outcome == "public_value"].ST).all()
    # No run reaches embedding in 48 months here: undefined, not "no influence" (it read 0.0 +/- 0.0)
    const = idx[idx.outcome == "reached_embedding"]
    assert const.ST.isna().all() and const.note.str.contains("same in every run").all()
    assert "reached_embedding: the outcome is the same in every run: no index" in r.stdout
    assert (tmp_path / "s" / "_analysis" / "indices_public_value.png").exists()
    assert "ST" in r.stdout

    mor = write(tmp_path, sob.read_text().replace('method = "sobol"\nsamples = 16', 'method = "morris"\nsamples = 4'), "mor.toml")
    assert sim("sweep", mor, "--out", tmp_path / "m", "--workers", "1").returncode == 0
    r = sim("sweep", "--analyse", tmp_path / "m")
    assert r.returncode == 0, r.stderr
    idx = pd.read_csv(tmp_path / "m" / "_analysis" / "indices.csv")
    assert {"mu_star", "mu_star_conf", "sigma"} <= set(idx.columns) and (idx.mu_star.dropna() >= 0).all()
    assert idx[idx.outcome == "public_value"].mu_star.notna().all() and idx[idx.outcome == "reached_embedding"].mu_star.isna().all()

    # a design or manifest that does not fit the runs: one line, and no half-written _analysis/
    # (they gave SALib tracebacks, or quietly wrong indices, and left _analysis/ half-written)
    from model.experiments.analysis import analyse
    from model.experiments.sweep import SweepError
    bad = shutil.copytree(tmp_path / "s", tmp_path / "bad", ignore=shutil.ignore_patterns("_analysis"))
    shutil.copy(tmp_path / "m" / "_design.parquet", bad / "_design.parquet")
    with pytest.raises(SweepError, match=r"_design.parquet: 12 design points, the manifest says 64"):
        analyse(bad)
    shutil.copy(tmp_path / "s" / "_design.parquet", bad / "_design.parquet")
    mf = json.loads((bad / "_manifest.json").read_text())
    for key, value, message in (("method", "morris", r"method 'morris' \(second_order False\) does not fit 64"),
                                ("second_order", True, r"method 'sobol' \(second_order True\) does not fit 64"),
                                ("parameters", ["nosuch", "leader_drive"], r"parameters: 'nosuch' is not a (setting|column)")):
        (bad / "_manifest.json").write_text(json.dumps({**mf, key: value}))
        with pytest.raises(SweepError, match=r"_manifest.json: " + message):
            analyse(bad)
        assert not (bad / "_analysis").exists()
    (bad / "_manifest.json").write_text(json.dumps(mf))
    design = pd.read_parquet(bad / "_design.parquet")
    design.assign(point=0).to_parquet(bad / "_design.parquet")
    with pytest.raises(SweepError, match=r"_design.parquet: its points are not numbered 0 to 63 once each"):
        analyse(bad)
    design.to_parquet(bad / "_design.parquet")
    (bad / "_analysis").mkdir()  # an older version's analysis cut off before its analysis.json
    (bad / "_analysis" / "indices_public_value.png").write_text("half")
    assert analyse(bad)["method"] == "sobol" and (bad / "_analysis" / "analysis.json").is_file()


def test_corrupt_results_give_one_line(reference, tmp_path):
    exp, _ = reference
    out = run_sweep(exp, tmp_path / "out", workers=1, progress=False)
    (out / "part-00001.parquet").write_bytes(b"not parquet at all")
    r = sim("sweep", "--analyse", out)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert f"{out / 'part-00001.parquet'}: does not match its checksum" in r.stderr  # names the part
    assert f"--out {out} --resume" in r.stderr  # says how to recover
    r = sim("sweep", "--analyse", tmp_path)
    assert r.returncode == 2 and "not a sweep folder" in r.stderr
    # resume notices the corrupt batch and runs it again
    r = sim("sweep", exp.path, "--out", out, "--resume", "--workers", "1")
    assert r.returncode == 0, r.stderr
    assert len(pd.read_parquet(out)) == exp.n_runs


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The small grid's finished folder, written in this process (no Dask)."""
    tmp = tmp_path_factory.mktemp("written")
    exp = load_experiment(write(tmp, SMALL))
    return exp, make_sweep(exp, tmp / "out")


READERS = [("sweep", "--analyse", "{}"), ("discover", "{}", "--outcome", "reached_embedding"), ("robust", "{}")]


def _refused(capsys, folder: Path, args: tuple) -> str:
    """The reader's one-line error (exit 2), having written nothing into the folder."""
    assert main([a.format(folder) for a in args]) == 2, args
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert not {"_analysis", "_discover", "_robust"} & {p.name for p in folder.iterdir()}
    return err


@pytest.mark.parametrize("checksums", [True, False], ids=["with-checksums", "older-folder-without"])
def test_every_reader_refuses_a_replaced_part(written, tmp_path, capsys, checksums):
    """A part copied over another: runs 5-9 missing, 0-4 twice. Analysed, it would count 24 runs."""
    exp, src = written
    out = shutil.copytree(src, tmp_path / "out")
    if not checksums:  # a folder from before checksums: none kept, and its manifest does not say it keeps them
        shutil.rmtree(out / "_checksums")
        mf = json.loads((out / "_manifest.json").read_text())
        del mf["checksums"]
        (out / "_manifest.json").write_text(json.dumps(mf))
    shutil.copy(out / "part-00000.parquet", out / "part-00001.parquet")
    for args in READERS:
        err = _refused(capsys, out, args)
        assert f"{out / 'part-00001.parquet'}: " in err and f"--out {out} --resume` runs damaged parts again" in err
        assert ("does not match its checksum" if checksums else "holds run 0 (also in part-00000.parquet)") in err


def test_a_folder_that_lost_its_checksums_is_refused_and_run_again(written, tmp_path, capsys):
    """A folder whose manifest says it keeps checksums, with _checksums/ gone: its parts may be
    anybody's (a part copied in from another sweep would pass as whole), so every reader refuses
    them and a resume runs them again (it used to take such a folder for one from before checksums)."""
    from model.experiments.sweep import Store
    exp, src = written
    out = shutil.copytree(src, tmp_path / "out")
    shutil.rmtree(out / "_checksums")
    for args in READERS:
        err = _refused(capsys, out, args)
        assert f"{out / 'part-00000.parquet'}: does not match its checksum" in err
    store = Store(out, exp)
    todo, fresh = store.check(resume=True)
    assert todo == list(range(store.n_batches)) and not fresh
    run_sweep(exp, out, workers=1, resume=True, progress=False)  # run again: the same rows, now checked
    pd.testing.assert_frame_equal(read_runs(out).sort_values("run").reset_index(drop=True),
                                  read_runs(src).sort_values("run").reset_index(drop=True))


def test_a_whole_batch_of_another_sweep_is_refused_and_run_again(written, tmp_path, capsys):
    """A part and its checksum copied in from a sweep of another seed: whole, but not this sweep's
    runs. Every reader refuses it; a resume runs that batch again and keeps the others."""
    from model.experiments.sweep import Store
    exp, src = written
    other = make_sweep(load_experiment(write(tmp_path, SMALL.replace("seed = 4", "seed = 5"), "other.toml")),
                       tmp_path / "other")
    out = shutil.copytree(src, tmp_path / "out")
    for rel in ("part-00002.parquet", "_checksums/part-00002.json"):
        shutil.copy(other / rel, out / rel)
    for args in READERS:
        err = _refused(capsys, out, args)
        assert f"{out / 'part-00002.parquet'}: does not match its checksum" in err and "another sweep" in err
    todo, fresh = Store(out, exp).check(resume=True)
    assert todo == [2] and not fresh and not (out / "part-00002.parquet").exists()


def test_a_damaged_checksum_record_is_named_as_the_damaged_file_and_a_resume_repairs_it(written, tmp_path, capsys):
    """User review: an emptied _checksums/part-00001.json was reported as the Parquet part being
    unreadable, though the part was whole."""
    from model.experiments.sweep import Store
    exp, src = written
    out = shutil.copytree(src, tmp_path / "out")
    (out / "_checksums" / "part-00001.json").write_text("")
    for args in READERS:
        err = _refused(capsys, out, args)
        assert f"{out / '_checksums' / 'part-00001.json'}: cannot read it (not valid JSON" in err, err
        assert "part-00001.parquet: cannot read" not in err
    todo, fresh = Store(out, exp).check(resume=True)
    assert todo == [1] and not fresh


def test_a_damaged_experiment_copy_is_written_again_on_resume(written, tmp_path):
    """User review: a cut _experiment.toml was left as it was by --resume, and later (with the
    manifest lost too) blocked the resume with "resume with the experiment that made it"."""
    from model.experiments.sweep import Store
    exp, src = written
    out = shutil.copytree(src, tmp_path / "out")
    copy = out / "_experiment.toml"
    copy.write_text(copy.read_text()[:40])
    store = Store(out, exp)
    todo, fresh = store.check(resume=True)
    assert todo == [] and not fresh and store.repaired == ["_experiment.toml"]
    assert copy.read_text() == exp.path.read_text()
    (out / "_manifest.json").unlink()  # and now a lost manifest is rebuilt from the copy
    store = Store(out, exp)
    assert store.check(resume=True) == ([], False) and store.repaired == ["_manifest.json"]


def test_a_damaged_manifest_is_written_again_on_resume_and_keeps_every_batch(written, tmp_path, capsys):
    """As a lost one is: the readers say how (not "run the sweep again"), and the resume keeps the
    finished batches."""
    from model.experiments.sweep import Store, read_sweep
    exp, src = written
    out = shutil.copytree(src, tmp_path / "out")
    (out / "_manifest.json").write_text('{"runs": 24,')
    err = _refused(capsys, out, READERS[0])
    assert "_manifest.json: not valid JSON" in err and f"--out {out} --resume` writes it again" in err
    store = Store(out, exp)
    todo, fresh = store.check(resume=True)
    assert todo == [] and not fresh and store.repaired == ["_manifest.json"]
    assert len(read_sweep(out)[1]) == exp.n_runs


def _spawned(pid: int) -> bool:
    """Whether the process has started a worker process yet (Linux /proc)."""
    for f in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            kids = f.read_text().split()
        except OSError:
            continue
        for kid in kids:
            try:
                if "multiprocessing" in Path(f"/proc/{kid}/cmdline").read_text():
                    return True
            except OSError:
                pass
    return False


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_while_the_local_cluster_starts_stops_cleanly(tmp_path, sig):
    """Ctrl-C (to the whole process group, as a terminal sends it) or SIGTERM just after the first
    worker process starts: it used to be lost (the workers inherited it ignored, and so did the
    command: the sweep ran to the end), or, caught, to print the workers' tracebacks from the middle
    of their imports and Dask's from closing a half-made cluster at exit."""
    exp = write(tmp_path, SMALL)
    proc = subprocess.Popen([sys.executable, "-m", "model.cli", "sweep", str(exp), "--out", str(tmp_path / "out"),
                             "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, start_new_session=True)
    deadline = time.time() + 120
    while not _spawned(proc.pid) and proc.poll() is None and time.time() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)
    os.killpg(proc.pid, sig)
    out = proc.communicate(timeout=120)[0]
    assert proc.returncode == 128 + sig, out  # 130 for Ctrl-C, 143 for SIGTERM
    assert "Traceback" not in out and "Error" not in out, out
    assert out.strip().splitlines()[-1] == "innovation-sim: interrupted before the sweep started; nothing was written"
    assert not (tmp_path / "out").exists()


def test_a_second_sweep_into_a_folder_being_written_is_refused(tmp_path):
    """Two sweeps started at the same moment both found the folder empty; the second overwrote the
    first's batches and both said Done. One writes at a time; the lock goes with the first."""
    from model.experiments.sweep import SweepError, one_writer
    out = tmp_path / "out"
    with one_writer(out):
        with pytest.raises(SweepError, match=f"--out {out}: another innovation-sim command is writing there now"):
            with one_writer(out):
                pass
    with one_writer(out):  # free again, and nothing left beside the folder
        pass
    assert list(tmp_path.iterdir()) == []



def test_a_file_system_without_locks_does_not_stop_a_sweep(tmp_path, monkeypatch):
    """ENOLCK (NFS without lockd) or EOPNOTSUPP is not "another command is writing": no lock, go on."""
    import errno
    import fcntl
    from model.experiments.sweep import one_writer

    def no_locks(fd, op):
        raise OSError(errno.ENOLCK, "No locks available")
    monkeypatch.setattr(fcntl, "flock", no_locks)
    with one_writer(tmp_path / "out"):
        with one_writer(tmp_path / "out"):
            pass


def test_an_older_manifest_without_the_newer_keys_resumes_as_it_is(written, tmp_path):
    """A manifest from before outcome_specs and points were recorded is not "edited", and the same
    experiment with a comment added (same digest) resumes it: nothing rewritten, nothing refused."""
    from model.experiments.sweep import Store
    exp, src = written
    out = shutil.copytree(src, tmp_path / "out")
    mf = json.loads((out / "_manifest.json").read_text())
    for key in ("outcome_specs", "points"):
        mf.pop(key)
    (out / "_manifest.json").write_text(json.dumps(mf))
    commented = load_experiment(write(tmp_path, SMALL + "# a comment added since\n", "commented.toml"))
    store = Store(out, commented)
    assert store.check(resume=True) == ([], False) and store.repaired == []
    assert json.loads((out / "_manifest.json").read_text()) == mf


def test_every_reader_refuses_an_unfinished_sweep(written, tmp_path, capsys):
    exp, src = written
    out = shutil.copytree(src, tmp_path / "out")
    (out / "part-00002.parquet").unlink()
    for args in READERS:
        err = _refused(capsys, out, args)
        assert f"{out}: {exp.n_runs - 5} of {exp.n_runs} runs done; finish first with `innovation-sim sweep EXPERIMENT " \
               f"--out {out} --resume` (EXPERIMENT: the file that started it; a copy is {out / '_experiment.toml'})" in err


def test_readers_name_a_missing_folder_and_an_out_under_a_file_before_any_work(written, tmp_path, capsys):
    exp, src = written
    for args in READERS:  # robust takes a folder or an experiment file to run
        assert main([a.format(tmp_path / "nowhere") for a in args]) == 2
        said = "no such experiment file" if args[0] == "robust" else "no such folder"
        assert f"{tmp_path / 'nowhere'}: {said}" in capsys.readouterr().err
    (tmp_path / "afile").write_text("keep")
    assert main(["discover", str(src), "--outcome", "reached_embedding", "--out", str(tmp_path / "afile" / "sub")]) == 2
    err = capsys.readouterr().err
    assert f"--out {tmp_path / 'afile' / 'sub'}: {tmp_path / 'afile'} is a file, not a folder" in err
    assert (tmp_path / "afile").read_text() == "keep"


def test_a_folder_of_other_files_is_not_offered_resume(tmp_path, capsys):
    """It said "already holds results; add --resume", and --resume then said "not a sweep folder"."""
    (tmp_path / "e.toml").write_text('name = "t"\ndescription = "t"\nmonths = 12\nreplicates = 2\nseed = 3\n'
                                     'batch_size = 2\n[design]\nmethod = "grid"\n[parameters]\nopenness = [0.3, 0.7]\n')
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "notes.txt").write_text("mine")
    for extra in ([], ["--resume"]):
        assert main(["sweep", str(tmp_path / "e.toml"), "--out", str(notes), "--workers", "1", *extra]) == 2
        err = capsys.readouterr().err
        assert f"--out {notes}: already holds other files (not a sweep folder); choose another folder" in err
    assert [p.name for p in notes.iterdir()] == ["notes.txt"]


def test_mesa_batch_run_works_on_locality():
    import mesa

    from model import Locality
    records = mesa.batch_run(Locality, parameters={"openness": [0.3, 0.7], "n_residents": 60}, rng=[1, 2],
                             max_steps=12, number_processes=1, display_progress=False)
    df = pd.DataFrame(records)
    assert len(df) == 4 and {"openness", "n_residents", "public_value", "locality_phase", "Step"} <= set(df.columns)
    assert (df.Step == 12).all()


# A sweep slow enough to be caught mid-way: 16 region runs of 60 places to the survey month, one per batch (about 5 s).
REGION = """
name = "small region grid"
description = "test"
scenario = "region_60"
months = 78
replicates = 2
seed = 9
batch_size = 1
[design]
method = "grid"
[parameters]
leader_drive = [0.2, 0.8]
openness = [0.3, 0.7]
proof_threshold = [0.8, 0.9]
"""


@pytest.fixture(scope="module")
def region_reference(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("region_ref")
    exp = load_experiment(write(tmp, REGION))
    out = run_sweep(exp, tmp / "out", workers=2, progress=False)
    return exp, pd.read_parquet(out).sort_values("run").reset_index(drop=True)


def _when_parts(out: Path, n: int, timeout: float = 120) -> int:
    deadline = time.time() + timeout
    while time.time() < deadline:
        k = len(list(out.glob("part-*.parquet")))
        if k >= n:
            return k
        time.sleep(0.02)
    raise AssertionError(f"fewer than {n} batches finished in {timeout} s")


def test_a_worker_killed_mid_sweep_is_replaced_and_the_results_are_unchanged(region_reference, tmp_path):
    """A worker process dies (killed, out of memory): its nanny starts another, the scheduler runs
    its batches again (and the experiment it held), and the sweep ends as if nothing happened."""
    import threading
    from model.experiments.sweep import cluster

    exp, ref = region_reference
    out = tmp_path / "out"
    with cluster(workers=2) as client:
        pids = list(client.run(os.getpid).values())
        killed: list[int] = []

        def kill_one():
            killed.append(_when_parts(out, 3))
            os.kill(pids[0], signal.SIGKILL)

        t = threading.Thread(target=kill_one, daemon=True)
        t.start()
        run_sweep(exp, out, client=client, progress=False)
        t.join(timeout=10)
        assert killed and killed[0] < exp.n_runs, "the worker died mid-way"
        assert set(client.run(os.getpid).values()) != set(pids), "a new worker replaced the killed one"
    got = pd.read_parquet(out).sort_values("run").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, ref)


def test_a_lost_scheduler_is_one_line_keeps_the_batches_and_resume_finishes(region_reference, tmp_path):
    exp, ref = region_reference
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with dask_cluster(1) as (address, sched):
        proc = subprocess.Popen([sys.executable, "-m", "model.cli", "sweep", str(exp.path), "--scheduler", address,
                                 "--out", str(out)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _when_parts(out, 2)
        sched.kill()  # the cluster goes away: the scheduler's machine is switched off
        _, err = proc.communicate(timeout=120)
    kept = len(list(out.glob("part-*.parquet")))
    assert proc.returncode == 2, err
    assert len(err.strip().splitlines()) == 1 and "lost" in err and "--resume" in err, err
    assert f"--resume --scheduler {address}" in err, err  # without it the rest ran on the head node (review)
    assert f"the Dask scheduler at {address} was lost" in err, err
    assert 2 <= kept < exp.n_runs
    r = sim("sweep", exp.path, "--out", out, "--resume", "--workers", "2")
    assert r.returncode == 0, r.stderr
    got = pd.read_parquet(out).sort_values("run").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, ref)


# The CLI with its batch writes wrapped: after the second batch the scheduler is killed and the lost
# connection shows up in one of the ways a race under load lets it (see each case).
_STAGED = """
import os, signal, sys, time
from dask.distributed import default_client
from distributed.comm.core import CommClosedError
import model.experiments.sweep as sw
from model.cli import main

how, pid = sys.argv[1], int(sys.argv[2])
write = sw.Store.write

def closed():
    raise CommClosedError("Comm already closed.")

def staged(self, b, rows, series):
    write(self, b, rows, series)
    if len(list(self.folder.glob("part-*.parquet"))) != 2:
        return
    os.kill(pid, signal.SIGKILL)
    client = default_client()
    if how == "callback":
        client.loop.add_callback(closed)
    else:
        deadline = time.time() + 120
        while client.status != "closed" and time.time() < deadline:
            time.sleep(0.1)

sw.Store.write = staged
sys.exit(main(sys.argv[3:]))
"""


@pytest.mark.parametrize("how", [
    "callback",  # a batch submitted in the instant the connection closed: Dask raises in its event loop
    "gave_up",  # the driver was slow (a write under load) until the client gave up reconnecting
])
def test_a_lost_scheduler_is_one_line_however_it_shows_up(region_reference, tmp_path, how):
    """Under CPU load the lost-scheduler test once printed a Dask traceback instead of one line."""
    exp, _ = region_reference
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with dask_cluster(1) as (address, sched):
        r = subprocess.run([sys.executable, "-c", _STAGED, how, str(sched.pid), "sweep", str(exp.path),
                            "--scheduler", address, "--out", str(out)], env=env, capture_output=True, text=True,
                           timeout=300)
    assert r.returncode == 2, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert re.search(r"the connection to the Dask scheduler( at \S+)? was lost", r.stderr) and "--resume" in r.stderr, r.stderr
    assert len(list(out.glob("part-*.parquet"))) >= 2


def test_common_random_numbers_give_a_placebo_no_effect(tmp_path):
    """With common_random_numbers, replicate r has one seed at every design point, so a setting that
    cannot change a run (election_turnover in a scenario without elections) gets a Morris mu* of
    exactly 0 on public value; with independent seeds (the default) luck gives it one."""
    from model.experiments.analysis import analyse
    text = """
name = "placebo"
description = "t"
scenario = "inspection_failure"
months = 36
replicates = 2
seed = 5
batch_size = 8
[design]
method = "morris"
samples = 4
levels = 4
%s
[parameters]
leader_drive = {low = 0.2, high = 0.8}
election_turnover = {low = 0.1, high = 0.9}
"""
    mu = {}
    for crn in ("true", "false"):
        e = load_experiment(write(tmp_path, text % f"common_random_numbers = {crn}", f"crn_{crn}.toml"))
        seeds = [e.run_seed(i) for i in range(e.n_runs)]
        assert (len(set(seeds)) == e.replicates) == (crn == "true")
        out = run_sweep(e, tmp_path / crn, workers=1, progress=False)
        t = pd.DataFrame(analyse(out)["outcomes"]["public_value"]).set_index("parameter")
        mu[crn] = t.mu_star
    assert mu["true"]["election_turnover"] == 0.0 and mu["true"]["leader_drive"] > 0.0
    assert mu["false"]["election_turnover"] > 0.0


@pytest.mark.parametrize("crn", ["true", "false"])
def test_the_manifest_lists_the_seeds_each_run_used(tmp_path, crn):
    """Provenance: each run's spawn key in _manifest.json regenerates the seed it ran on, with and
    without common random numbers."""
    import json

    from model.experiments.sweep import Store
    e = load_experiment(write(tmp_path, SMALL.replace('method = "grid"', f'method = "grid"\ncommon_random_numbers = {crn}')))
    Store(tmp_path / "s", e).create()
    m = json.loads((tmp_path / "s" / "_manifest.json").read_text())
    assert m["common_random_numbers"] is (crn == "true")
    keys = m["provenance"]["seeds"]["spawn_keys"]
    assert len(keys) == e.n_runs
    for i, key in enumerate(keys):
        assert int(np.random.SeedSequence(e.seed, spawn_key=tuple(key)).generate_state(1, np.uint64)[0]) == e.run_seed(i)


def test_common_random_numbers_are_refused_for_exploratory_designs(tmp_path):
    exp = SHIPPED / "robust_inspection.toml"
    text = exp.read_text().replace('method = "exploratory"', 'method = "exploratory"\ncommon_random_numbers = true')
    assert "common_random_numbers = true" in text
    with pytest.raises(ScenarioError, match=r"design.common_random_numbers: not for method = \"exploratory\""):
        load_experiment(write(tmp_path, text))


def test_a_scheduler_without_workers_is_said_not_waited_on_in_silence(capsys):
    """Audit, session 21: a scheduler with no workers (not started yet, or all lost) made a sweep or a
    calibration wait with no word."""
    from dask.distributed import LocalCluster

    from model.experiments.sweep import connect

    with LocalCluster(n_workers=0, processes=False, dashboard_address=None) as empty:
        with connect(empty.scheduler_address):
            pass
    err = capsys.readouterr().err
    assert f"--scheduler {empty.scheduler_address} has no workers yet" in err and err.count("\n") == 1


def test_second_order_indices_are_reported_and_points_with_failed_runs_are_named(tmp_path, monkeypatch):
    """Audit, session 22: second_order = true paid for 2D + 2 points a sample and the analysis threw
    S2 away; and a point with some failed replicates was averaged over the rest without a word."""
    from SALib.analyze import sobol

    import model.experiments.analysis as an
    from model.experiments.analysis import per_point
    exp = load_experiment(write(tmp_path, """
name = "tiny sobol 2"
description = "t"
scenario = "inspection_failure"
months = 24
seed = 3
replicates = 2
batch_size = 16
[design]
method = "sobol"
samples = 8
second_order = true
[parameters]
trigger_rate = {low = 0.1, high = 1.0}
leader_drive = {low = 0.2, high = 0.8}
openness = {low = 0.3, high = 0.9}
""", "sob2.toml"))
    folder = make_sweep(exp, tmp_path / "s2")
    res = an.analyse(folder)
    s2 = pd.read_csv(folder / "_analysis" / "second_order.csv")
    assert len(s2[s2.outcome == "public_value"]) == 3  # every pair once
    Y = per_point(read_runs(folder), exp.n_points)["public_value"].to_numpy()
    si = sobol.analyze(exp.problem, Y, calc_second_order=True, seed=1)
    row = s2[(s2.outcome == "public_value") & (s2.parameter_1 == "trigger_rate") & (s2.parameter_2 == "leader_drive")]
    assert float(row.S2.iloc[0]) == pytest.approx(si["S2"][0, 1], abs=1e-12)
    assert "note" not in res
    assert res["caution"].startswith("8 base samples: Sobol indices from fewer than about 512 are rough")  # review
    # an outcome that never varies has no interaction to measure: undefined, not 0 (user review)
    same = [o for o, rows in res["outcomes"].items() if all(np.isnan(r["ST"]) for r in rows)]
    assert same, "the tiny design should leave some outcome constant"
    flat = s2[s2.outcome.isin(same)]
    assert len(flat) and flat.S2.isna().all() and (flat.note == "the outcome is the same in every run: no index").all()
    assert s2[s2.outcome == "public_value"].S2.notna().all()

    real = an.read_sweep

    def one_failed(f):
        mf, runs = real(f)
        runs = runs.copy()
        runs.loc[runs.index[1], "error"] = "boom"  # one replicate of one point
        return mf, runs

    monkeypatch.setattr(an, "read_sweep", one_failed)
    res = an.analyse(folder)
    point = int(read_runs(folder).point.iloc[1])
    assert res["points_with_failed_runs"] == [point]
    assert res["note"].startswith("1 design point(s) averaged over fewer replicates because runs failed")


def test_morris_effects_of_a_whole_number_setting_use_the_step_the_runs_took():
    """Audit, session 22: a run rounds a whole-number setting, so on [1, 3] with 4 levels the grid's
    step of 2/3 of the range was a step of 1 (half the range), and SALib, which divides by the grid's
    step, understated mu* and sigma by a quarter. Outcome = 2 x the rounded setting + openness: the
    setting's true effect is 2 per unit, 4 per range; SALib says 3."""
    from SALib.analyze import morris
    from SALib.sample import morris as morris_sample

    from model.experiments.analysis import elementary_effects, whole_number_effects
    names, bounds = ["overstretch_threshold", "openness"], [[1, 3], [0.2, 0.8]]
    problem = {"num_vars": 2, "names": names, "bounds": bounds}
    X = morris_sample.sample(problem, 20, num_levels=4, seed=3)
    Y = 2 * np.rint(X[:, 0]) + X[:, 1]
    salib = morris.analyze(problem, X, Y, num_levels=4, seed=1)
    assert salib["mu_star"][0] == pytest.approx(3.0)  # the bias
    fixed = whole_number_effects(X, Y, names, bounds, seed=1)
    assert set(fixed) == {0}  # openness is continuous: SALib's own numbers stand
    mu_star, conf, sigma = fixed[0]
    assert mu_star == pytest.approx(4.0) and sigma == pytest.approx(0.0, abs=1e-12) and conf == pytest.approx(0.0, abs=1e-12)
    # the same formula on a setting that is not rounded gives SALib's effects
    ee = elementary_effects(X, Y, 1, bounds, rounded=False)
    assert np.abs(ee).mean() == pytest.approx(salib["mu_star"][1]) and ee.std(ddof=1) == pytest.approx(salib["sigma"][1])


def test_every_column_of_a_sweep_part_is_explained_by_the_outcomes_command(written, capsys):
    """User review: the Parquet columns were explained only in model/core/outcomes.py. `innovation-sim
    outcomes` lists them; every column a sweep writes is one of its rows."""
    import re

    from model.core.outcomes import LOCALITY_OUTCOMES, slug
    exp, folder = written
    assert main(["outcomes"]) == 0
    listed = set(re.findall(r"^  (\S+)", capsys.readouterr().out, re.M))
    part = pd.read_parquet(sorted(folder.glob("part-*.parquet"))[0])
    fields = {slug(f) for f in exp.scenario.fields}
    for col in part.columns:
        name, _, field = col.partition("__")
        explained = (col in listed or col in exp.names + exp.switch_names or col.startswith("drawn.")
                     or (field in fields and f"{name}__<field>" in listed))
        assert explained, col
    assert {o.name for o in LOCALITY_OUTCOMES} <= {c.partition("__")[0] for c in listed}


def test_a_resume_after_the_scenario_changed_names_the_scenario_not_the_experiment(tmp_path):
    """User review: the refusal said "resume with the file that made it" about the very file given,
    when what had changed was the scenario it names."""
    from model.experiments.sweep import SweepError, Store
    scen = write(tmp_path, 'name = "s"\ndescription = "s"\nextends = "baseline.toml"\n[parameters]\nopenness = 0.5\n',
                 "scen.toml")
    exp = load_experiment(write(tmp_path, SMALL.replace('scenario = "baseline"', 'scenario = "scen.toml"')))
    out = make_sweep(exp, tmp_path / "out")
    scen.write_text(scen.read_text().replace("openness = 0.5", "openness = 0.6"))
    again = load_experiment(exp.path)
    with pytest.raises(SweepError, match=r"its experiment file is the one given, but what it resolves to has changed "
                                         r"since .*its scenario .*scen\.toml"):
        Store(out, again).check(resume=True)


def test_an_experiment_copy_written_otherwise_is_replaced_and_not_called_damaged(written, tmp_path):
    """Second reading: a readable copy that differs from the file given only in what does not change the
    runs (same digest) was replaced, and reported as "damaged or missing"."""
    from model.experiments.sweep import Store, resume_summary
    exp, src = written
    out = shutil.copytree(src, tmp_path / "out")
    copy = out / "_experiment.toml"
    copy.write_text(copy.read_text().replace('description = "test"', 'description = "an older wording"'))
    store = Store(out, exp)
    assert store.check(resume=True) == ([], False)
    assert store.refreshed == ["_experiment.toml"] and store.repaired == []
    assert copy.read_text() == exp.path.read_text()
    line = resume_summary(0.0, {"runs": 0, "kept": 24, "damaged": 0, "failed": 0, "refreshed": store.refreshed})
    assert "_experiment.toml differed from the file given only in its name or description" in line
    assert "damaged" not in line
    for cut in ("", copy.read_text().split("[design]")[0]):  # an emptied or cut copy parses as TOML: still damage
        copy.write_text(cut)
        store = Store(out, exp)
        assert store.check(resume=True) == ([], False)
        assert store.repaired == ["_experiment.toml"] and store.refreshed == [], repr(cut[:30])


@pytest.mark.parametrize("name, said", [("point", "a column every sweep writes"), ("seed", "a column every sweep writes"),
                                        ("error", "a column every sweep writes"), ("public_value", "an outcome column"),
                                        ("max_phase", "an outcome column"), ("leader_drive", "a setting the design varies"),
                                        ("drawn.x", "the prefix of the settings drawn")])
def test_a_timeline_named_like_a_results_column_is_refused_before_anything_is_written(tmp_path, name, said):
    """Review, session 28: [switches.point] crashed the design with a traceback and left a folder that blocked
    the next try; [switches.seed] wrote parts that no reader could open, which were then called damaged."""
    key = f'"{name}"' if "." in name else name
    exp = write(tmp_path, SMALL.replace("switches.inspection", f"switches.{key}"))
    out = tmp_path / "out"
    assert main(["sweep", str(exp), "--out", str(out), "--workers", "1"]) == 2
    assert not out.exists()
    with pytest.raises(ScenarioError, match=f"switches.{re.escape(name)}: '{re.escape(name)}' is also {said}"):
        load_experiment(exp)


def test_a_lever_named_like_a_results_column_is_refused(tmp_path):
    text = """
name = "x"
description = "test"
scenario = "baseline"
months = 24
[design]
method = "exploratory"
samples = 2
[uncertainties]
leader_drive = {}
[levers.run]
levels = [0, 1]
[[levers.run.events]]
month = 3
kind = "crisis"
"""
    with pytest.raises(ScenarioError, match="levers.run: 'run' is also a column every sweep writes"):
        load_experiment(write(tmp_path, text))


def test_no_setting_is_named_like_a_results_column():
    """The settings a design may vary share the results' columns with the outcomes: none may take an outcome's name."""
    from model.core.outcomes import outcome_columns
    from model.core.parameters import REGISTRY
    from model.io.experiment import RESULT_COLUMNS
    taken = set(RESULT_COLUMNS) | set(outcome_columns(["a"], False)) | set(outcome_columns(["a"], True))
    assert not taken & set(REGISTRY)
    from model.experiments.sweep import _schema, drawn_columns  # the run's own columns are the schema's
    exp = load_experiment("sobol_top10_england_posterior")
    own = [c for c in _schema(exp).names if c not in {*exp.names, *exp.switch_names, *drawn_columns(exp),
                                                        *outcome_columns(exp.scenario.fields, exp.scenario.region is not None)}]
    assert own == list(RESULT_COLUMNS)


def test_region_settings_written_as_dotted_keys_are_read_as_the_names_they_spell(tmp_path):
    """Review, session 28: `region.followers = [...]` unquoted (as `params` spells it) is a nested table in
    TOML and was refused with "parameters.region.low: required key is missing"."""
    from model.io.calibration import load_calibration
    head = 'name = "d"\ndescription = "d"\nscenario = "region_60"\nmonths = 80\nreplicates = 1\n[design]\nmethod = "grid"\n'
    dotted = load_experiment(write(tmp_path, head + "[parameters]\nregion.followers = [0.2, 0.8]\n"
                                   "effects.fire.leader_drive = [0.1, 0.2]\n[constants]\nregion.example_strength = 0.3\n",
                                   "a.toml"))
    quoted = load_experiment(write(tmp_path, head + '[parameters]\n"region.followers" = [0.2, 0.8]\n'
                                   '"effects.fire.leader_drive" = [0.1, 0.2]\n[constants]\n"region.example_strength" = 0.3\n',
                                   "b.toml"))
    assert dotted.names == quoted.names == ["region.followers", "effects.fire.leader_drive"]
    assert dotted.digest() == quoted.digest()
    with pytest.raises(ScenarioError, match=r"parameters.region.followers: given twice"):
        load_experiment(write(tmp_path, head + '[parameters]\nregion.followers = [0.2, 0.8]\n"region.followers" = [0.1, 0.3]\n',
                              "c.toml"))
    cal = (SHIPPED / "calibrate_england_abc.toml").read_text()
    cal = cal.replace('"region.example_strength" = {', 'region.example_strength = {')
    cal = cal.replace('"effects.north_west.leader_drive" = {', 'effects.north_west.leader_drive = {')
    (tmp_path / "cal.toml").write_text(cal)
    assert {"region.example_strength", "effects.north_west.leader_drive"} <= set(load_calibration(tmp_path / "cal.toml").names)


def test_a_region_setting_in_a_scenarios_parameters_says_where_it_goes(tmp_path):
    from model.io.scenario import load
    base = 'name = "s"\ndescription = "s"\nextends = "region_60"\n[parameters]\n'
    (tmp_path / "s.toml").write_text(base + '"region.followers" = 0.5\n')
    with pytest.raises(ScenarioError, match=r"parameters.region.followers: a region setting, not a locality parameter: "
                                            r"put it in the \[region\] table as followers = \.\.\."):
        load(tmp_path / "s.toml")
    (tmp_path / "s.toml").write_text(base + '"effects.fire.leader_drive" = 0.1\n')
    with pytest.raises(ScenarioError, match=r"\[region.effects.fire\] leader_drive = \.\.\."):
        load(tmp_path / "s.toml")


@pytest.mark.parametrize("answer", ["nothing", "http"])
def test_an_address_where_no_dask_scheduler_answers_is_one_line_not_a_hang(monkeypatch, answer):
    """Review, session 28: the dashboard's web port (8787 for 8786) held a sweep for ever at its header line,
    and a web server's "400 Bad Request" ended in a 54-line traceback."""
    import threading

    import model.experiments.sweep as sw
    monkeypatch.setattr(sw, "CONNECT_DEADLINE_S", 3)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    held = []

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            held.append(conn)
            if answer == "http":
                conn.recv(1024)
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    threading.Thread(target=serve, daemon=True).start()
    address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
    try:
        start = time.monotonic()
        with pytest.raises(sw.SweepError, match=rf"--scheduler {re.escape(address)}: (no Dask scheduler answered "
                                                 rf"within 3 s|cannot connect)") as e:
            sw.connect(address)
        assert time.monotonic() - start < 30 and "\n" not in str(e.value)
    finally:
        server.close()
        for c in held:
            c.close()


def test_a_scheduler_whose_workers_all_left_is_said_above_the_bar(capsys, monkeypatch):
    """Review, session 28: with every worker killed mid-sweep the bar froze and nothing was said."""
    from dask.distributed import LocalCluster

    import model.experiments.sweep as sw
    monkeypatch.setattr(sw, "NO_WORKERS_NOTE_S", 0.2)
    with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster:
        with sw.connect(cluster.scheduler_address) as client:
            capsys.readouterr()
            with sw._warn_without_workers(client, cluster.scheduler_address):
                time.sleep(0.7)
                assert "no workers" not in capsys.readouterr().err  # while one works, nothing is said
                cluster.scale(0)
                deadline = time.monotonic() + 10
                while client.sync(client.scheduler.identity).get("workers") and time.monotonic() < deadline:
                    time.sleep(0.1)
                time.sleep(1.0)
            err = capsys.readouterr().err
            assert err.count(f"--scheduler {cluster.scheduler_address} has no workers left") == 1, err  # once
            with sw._warn_without_workers(client, cluster.scheduler_address):
                time.sleep(0.8)  # never had any: connect() said "no workers yet", not "left"
            assert "no workers left" not in capsys.readouterr().err
