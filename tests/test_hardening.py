"""Issue 17, hardening: limits, output folders that never strand results, resume that checks what it
keeps, values that used to slip through, one-line errors instead of tracebacks, and the smaller
items (scheduler, extends rule, byte-order mark, Ctrl-C, resume counts, busy port).

Most cases call the command's ``main`` in this process (fast); what needs a real process (a Dask
sweep, Ctrl-C, a region run with its workers) runs the command in a subprocess. Disk-full and
read-only cases use a small tmpfs or a read-only bind mount, skipped with a reason where this
machine does not allow mounting.
"""

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
from pathlib import Path

import pandas as pd
import pytest

from model import cli
from model.experiments import resources
from model.experiments.sweep import run_sweep
from model.io import limits
from model.io.experiment import load_experiment
from model.io.scenario import SHIPPED, ScenarioError, load, shipped

from clihelp import sim  # tests/ is on the path (conftest.py)

ROOT = Path(__file__).resolve().parent.parent
BASE = f'extends = "{SHIPPED / "baseline.toml"}"\nname = "x"\ndescription = "x"\n'
SMALL = """
name = "small grid"
description = "test"
scenario = "baseline"
months = 24
replicates = 2
seed = 4
batch_size = 2
[design]
method = "grid"
[parameters]
leader_drive = [0.2, 0.8]
openness = [0.3, 0.7]
[outcomes]
timeseries_every = 6
"""


def main(*args, capsys) -> tuple[int, str, str]:
    """The command in this process: (exit code, stdout, stderr)."""
    try:
        code = cli.main([str(a) for a in args])
    except SystemExit as e:  # argparse
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err



def one_line(err: str, *needles: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err  # one line, no traceback
    for n in needles:
        assert n in lines[0], (n, lines[0])
    return lines[0]


def nothing_in(folder: Path) -> bool:
    return not folder.exists() or not any(folder.iterdir())


@pytest.fixture
def mount(tmp_path):
    """mount(kind, dir, size): a tmpfs ('tmpfs') or a read-only bind ('ro'); skip where not allowed."""
    mounted = []

    def do(kind: str, where: Path, size: str = "1m") -> Path:
        where.mkdir(parents=True, exist_ok=True)
        if kind == "tmpfs":
            cmds = [["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)]]
        else:
            src = tmp_path / "ro-source"
            src.mkdir(exist_ok=True)
            cmds = [["mount", "--bind", str(src), str(where)], ["mount", "-o", "remount,bind,ro", str(where)]]
        for c in cmds:
            if shutil.which("mount") is None or os.geteuid() != 0:
                pytest.skip("needs root and mount(8) to make a small tmpfs or a read-only bind mount")
            r = subprocess.run(c, capture_output=True, text=True)
            if r.returncode != 0:
                if mounted and mounted[-1] == where:
                    subprocess.run(["umount", str(where)])
                    mounted.pop()
                pytest.skip(f"this machine does not allow mounting here ({r.stderr.strip()})")
            if c is cmds[0]:
                mounted.append(where)
        return where

    yield do
    for m in reversed(mounted):
        subprocess.run(["umount", "-l", str(m)], capture_output=True)


# --- 1. limits ------------------------------------------------------------------------------

def test_replicates_above_the_limit_are_refused_on_the_command_line_and_in_run(tmp_path, capsys):
    code, out, err = main("run", "baseline", "--steps", 12, "--replicates", 1_000_000_000, "--out", tmp_path / "o",
                          capsys=capsys)
    assert code == 2 and not out
    one_line(err, "--replicates", "limit of 10,000", "INNOVATION_SIM_MAX_REPLICATES")
    scen = tmp_path / "s.toml"
    scen.write_text(BASE + "[run]\nreplicates = 1000000000\n")
    code, _, err = main("run", scen, "--out", tmp_path / "o", capsys=capsys)
    assert code == 2
    one_line(err, str(scen), "run.replicates", "limit of 10,000")
    assert not (tmp_path / "o").exists()


def test_limits_are_raised_by_environment_variables(monkeypatch):
    parse = cli._count(limits.REPLICATES)
    with pytest.raises(Exception, match="limit of 10,000"):
        parse("20000")
    monkeypatch.setenv("INNOVATION_SIM_MAX_REPLICATES", "50000")
    assert parse("20000") == 20000
    monkeypatch.setenv("INNOVATION_SIM_MAX_REPLICATES", "lots")
    with pytest.raises(limits.LimitError, match="INNOVATION_SIM_MAX_REPLICATES='lots': must be a whole number"):
        limits.REPLICATES.value()


def test_dev_zero_and_oversized_files_are_refused_without_reading_them(tmp_path, capsys, monkeypatch):
    code, _, err = main("run", "/dev/zero", capsys=capsys)
    assert code == 2
    one_line(err, "/dev/zero", "not a regular file")
    via = tmp_path / "via.toml"
    via.write_text('name = "x"\ndescription = "x"\nextends = "/dev/zero"\n')
    code, _, err = main("run", via, capsys=capsys)
    assert code == 2
    one_line(err, str(via), "extends")
    big = tmp_path / "big.toml"
    big.write_text(BASE + "# " + "x" * 2_000_000 + "\n")
    with pytest.raises(ScenarioError, match=r"larger than the limit of 1,000,000 bytes .*INNOVATION_SIM_MAX_FILE_BYTES"):
        load(big)
    monkeypatch.setenv("INNOVATION_SIM_MAX_FILE_BYTES", "3000000")
    assert load(big).name == "x"


def _chain(tmp_path: Path, n: int) -> Path:
    for i in range(1, n):
        (tmp_path / f"d{i}.toml").write_text(f'name = "d{i}"\ndescription = "x"\nextends = "d{i + 1}.toml"\n')
    (tmp_path / f"d{n}.toml").write_text(f'extends = "{SHIPPED / "baseline.toml"}"\nname = "end"\ndescription = "x"\n')
    return tmp_path / "d1.toml"


def test_a_deep_extends_chain_is_one_line_not_a_recursion_error(tmp_path, capsys, monkeypatch):
    top = _chain(tmp_path, 990)
    code, _, err = main("run", top, "--out", tmp_path / "o", capsys=capsys)
    assert code == 2
    one_line(err, str(top), "extends: a chain of more than 32 files", "INNOVATION_SIM_MAX_EXTENDS")
    monkeypatch.setenv("INNOVATION_SIM_MAX_EXTENDS", "2000")
    assert load(top).name == "d1"  # raised: 991 files load, iteratively


def test_a_huge_grid_is_refused_before_its_design_is_built(tmp_path):
    from model.core.parameters import REGISTRY
    names = [n for n, p in REGISTRY.items() if p.kind is float and p.low <= 0 and p.high >= 0.9][:10]
    levels = ", ".join(f"{0.1 * i:.1f}" for i in range(10))
    path = tmp_path / "grid.toml"
    path.write_text(SMALL.split("[parameters]")[0] + "[parameters]\n" + "".join(f"{n} = [{levels}]\n" for n in names))
    t = time.perf_counter()
    with pytest.raises(ScenarioError, match=r"10,000,000,000 points x 2 replicates = 20,000,000,000 runs, above the "
                                            r"limit of 1,000,000 runs per sweep .*INNOVATION_SIM_MAX_RUNS") as e:
        load_experiment(path)
    assert time.perf_counter() - t < 5 and "\n" not in str(e.value)


def test_memory_plan_lowers_workers_or_refuses():
    gb = resources.GB
    assert resources.plan_workers(4, 100, gb, gb, "run x", avail=10 * gb) == (4, None)
    workers, note = resources.plan_workers(4, 100, gb, gb, "run x", avail=3 * gb)
    assert workers == 2 and "4 workers would need about 5.0 GB" in note and "using 2" in note
    assert resources.plan_workers(8, 3, gb, gb, "run x", avail=100 * gb) == (3, None)  # never more than tasks
    with pytest.raises(resources.ResourceError, match=r"run x: needs about 2.0 GB .* 1.5 GB is available"):
        resources.plan_workers(None, 10, gb, gb, "run x", avail=int(1.5 * gb))
    england = load("england_2006")
    per = resources.worker_bytes(england)  # 435 places: measured 332-443 MB at peak
    assert 350 * resources.MB < per < 600 * resources.MB


def test_region_run_checks_memory_before_it_starts(tmp_path):
    r = sim("run", "england_2006", "--out", tmp_path / "o", env={"INNOVATION_SIM_MEMORY_GB": "0.2"})
    assert r.returncode == 2 and not r.stdout
    one_line(r.stderr, "run england_2006: needs about", "0.2 GB is available", "INNOVATION_SIM_MEMORY_GB")
    assert not (tmp_path / "o").exists()
    small = ["--set", "region.councils=20", "--set", "region.fire_authorities=2", "--steps", 80, "--replicates", 2]
    r = sim("run", "england_2006", *small, "--workers", 2, "--no-figures", "--out", tmp_path / "s",
            env={"INNOVATION_SIM_MEMORY_GB": "0.5"})
    assert r.returncode == 0, r.stderr
    assert "2 workers would need about" in r.stderr and "using 1" in r.stderr
    assert (tmp_path / "s" / "timeseries.parquet").exists()


def test_compare_and_brief_check_memory_as_run_does(tmp_path):
    """Audit, session 21: `run` refused what would not fit; compare and brief ran anyway and accepted a
    malformed INNOVATION_SIM_MEMORY_GB."""
    for cmd in ("compare", "brief"):
        r = sim(cmd, "baseline", "inspection_failure", "--replicates", 10, "--out", tmp_path / f"{cmd}.html",
                env={"INNOVATION_SIM_MEMORY_GB": "0.1"})
        assert r.returncode == 2 and not r.stdout
        one_line(r.stderr, f"{cmd} baseline inspection_failure: needs about", "0.1 GB is available")
        r = sim(cmd, "baseline", "inspection_failure", "--replicates", 10, "--out", tmp_path / f"{cmd}.html",
                env={"INNOVATION_SIM_MEMORY_GB": "abc"})
        assert r.returncode == 2
        one_line(r.stderr, "INNOVATION_SIM_MEMORY_GB='abc': must be a positive number of gigabytes")
    assert not list(tmp_path.iterdir())


def test_sweep_checks_memory_before_anything_is_written(tmp_path):
    exp = tmp_path / "e.toml"
    exp.write_text(SMALL)
    r = sim("sweep", exp, "--out", tmp_path / "o", env={"INNOVATION_SIM_MEMORY_GB": "0.1"})
    assert r.returncode == 2 and "needs about" in r.stderr and "INNOVATION_SIM_MEMORY_GB" in r.stderr
    assert not (tmp_path / "o").exists()


# --- 2. stranded results --------------------------------------------------------------------

def test_two_runs_started_in_the_same_second_both_keep_their_results(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli.time, "strftime", lambda fmt: "20240101-120000")
    args = ("run", "baseline", "--replicates", 1, "--steps", 6, "--no-figures")
    assert main(*args, capsys=capsys)[0] == 0
    code, out, err = main(*args, capsys=capsys)
    assert code == 0, err
    first, second = tmp_path / "runs" / "baseline-20240101-120000", tmp_path / "runs" / "baseline-20240101-120000-2"
    assert f"Written to {second.relative_to(tmp_path)}/" in out
    for folder in (first, second):
        assert {p.name for p in folder.iterdir()} == {"timeseries.csv", "events.csv", "summary.json",
                                                      "scenario.resolved.toml", "manifest.json"}
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == [first.name, second.name]  # nothing hidden


def test_a_folder_being_written_by_another_command_is_not_taken(tmp_path, capsys):
    out = tmp_path / "o"
    claimed = cli._out_dir(str(out), "x")  # as another command would, mid-run
    assert claimed == out and (out / cli.CLAIM).exists()
    code, _, err = main("run", "baseline", "--replicates", 1, "--steps", 6, "--out", out, capsys=capsys)
    assert code == 2
    one_line(err, f"--out {out}", "choose another folder")
    cli._CLAIMS[out].release()
    assert not out.exists()


def test_out_at_an_empty_mount_point_gets_the_results(tmp_path, capsys, mount):
    mnt = mount("tmpfs", tmp_path / "mnt", "8m")
    code, out, err = main("run", "baseline", "--replicates", 2, "--steps", 12, "--out", mnt, capsys=capsys)
    assert code == 0, err
    assert {p.name for p in mnt.iterdir()} == {"timeseries.csv", "events.csv", "summary.json",
                                               "scenario.resolved.toml", "figures", "manifest.json"}
    assert not list(tmp_path.glob(".*partial*"))


def test_out_under_a_file_is_one_line_before_any_run(tmp_path, capsys):
    (tmp_path / "afile").write_text("keep")
    code, out, err = main("run", "baseline", "--replicates", 2, "--steps", 12, "--out", tmp_path / "afile" / "sub",
                          capsys=capsys)
    assert code == 2 and not out
    one_line(err, f"--out {tmp_path / 'afile' / 'sub'}: cannot write there")
    assert (tmp_path / "afile").read_text() == "keep"


def test_read_only_file_system_is_one_line_before_any_run(tmp_path, capsys, mount):
    ro = mount("ro", tmp_path / "ro")
    code, out, err = main("run", "baseline", "--replicates", 2, "--steps", 12, "--out", ro / "o", capsys=capsys)
    assert code == 2 and not out  # refused before running: no summary printed
    one_line(err, f"--out {ro / 'o'}", "Read-only file system")
    exp = tmp_path / "e.toml"
    exp.write_text(SMALL)
    r = sim("sweep", exp, "--out", ro / "s", "--workers", 1)
    assert r.returncode == 2
    one_line(r.stderr, f"--out {ro / 's'}", "Read-only file system", "nothing was written")
    assert nothing_in(ro)


def test_disk_full_during_run_is_one_line_and_leaves_nothing(tmp_path, capsys, mount):
    full = mount("tmpfs", tmp_path / "full", "16k")
    code, out, err = main("run", "baseline", "--replicates", 4, "--steps", 24, "--out", full / "o", capsys=capsys)
    assert code == 2
    one_line(err, f"--out {full / 'o'}: cannot write the results", "No space left on device", "nothing was written")
    assert nothing_in(full)


def test_disk_full_during_sweep_keeps_finished_batches_and_resume_finishes(tmp_path, mount):
    exp = tmp_path / "e.toml"
    exp.write_text(SMALL)
    ref = run_sweep(load_experiment(exp), tmp_path / "ref", workers=1, progress=False)
    reference = pd.read_parquet(ref).sort_values("run").reset_index(drop=True)
    used = sum(-(-p.stat().st_size // 4096) * 4096 for p in ref.rglob("*") if p.is_file())
    disk = mount("tmpfs", tmp_path / "disk", "1m")
    filler = disk / "filler"
    filler.write_bytes(b"\0" * (1024 * 1024 - used // 2 // 4096 * 4096))  # room for about half the results
    r = sim("sweep", exp, "--out", disk / "o", "--workers", 1)
    assert r.returncode == 2
    line = one_line(r.stderr, f"--out {disk / 'o'}: cannot write batch", "No space left on device", "--resume")
    kept = int(re.search(r"the (\d+) batches finished before it are kept", line).group(1))
    assert 1 <= kept < 4
    assert len(pd.read_parquet(disk / "o")) == 2 * kept  # every kept batch whole
    filler.unlink()
    r = sim("sweep", exp, "--out", disk / "o", "--resume", "--workers", 1)
    assert r.returncode == 0, r.stderr
    assert f"{8 - 2 * kept} runs in" in r.stdout and f"{2 * kept} kept from before" in r.stdout
    pd.testing.assert_frame_equal(pd.read_parquet(disk / "o").sort_values("run").reset_index(drop=True), reference)


def test_sweep_out_that_is_a_file_is_one_line(tmp_path):
    exp = tmp_path / "e.toml"
    exp.write_text(SMALL)
    (tmp_path / "afile").write_text("keep")
    r = sim("sweep", exp, "--out", tmp_path / "afile")
    assert r.returncode == 2
    one_line(r.stderr, f"--out {tmp_path / 'afile'}: is a file, not a folder")
    assert (tmp_path / "afile").read_text() == "keep"


# --- 3. resume checks what it keeps ---------------------------------------------------------

@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("finished")
    exp = tmp / "e.toml"
    exp.write_text(SMALL)
    out = run_sweep(load_experiment(exp), tmp / "out", workers=1, progress=False)
    return exp, out, pd.read_parquet(out).sort_values("run").reset_index(drop=True)


def _from_before_checksums(folder: Path) -> None:
    mf = json.loads((folder / "_manifest.json").read_text())
    mf.pop("checksums")
    (folder / "_manifest.json").write_text(json.dumps(mf))


def _damage_inside(path: Path) -> None:
    """Flip bytes in the middle of a Parquet file, leaving its footer (and so its metadata) intact."""
    data = bytearray(path.read_bytes())
    mid = len(data) // 3
    data[mid:mid + 16] = bytes(b ^ 0xFF for b in data[mid:mid + 16])
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("checksums", [True, False], ids=["with-checksums", "older-folder-without"])
def test_resume_reruns_damaged_parts_and_counts_honestly(finished, tmp_path, checksums):
    exp, src, reference = finished
    out = tmp_path / "out"
    shutil.copytree(src, out)
    if not checksums:  # a folder from before checksums: none kept, and its manifest does not say it keeps them
        shutil.rmtree(out / "_checksums")
        _from_before_checksums(out)
    _damage_inside(out / "part-00001.parquet")  # footer intact: its metadata still reads
    ts = out / "_timeseries" / "part-00002.parquet"
    ts.write_bytes(ts.read_bytes()[: ts.stat().st_size // 2])  # a truncated time-series part
    (out / "part-00003.parquet").unlink()
    r = sim("sweep", exp, "--out", out, "--resume", "--workers", 1)
    assert r.returncode == 0, r.stderr
    assert "Done: 6 runs in" in r.stdout and "2 kept from before" in r.stdout
    assert "2 damaged batches found and run again" in r.stdout and "0 runs failed" in r.stdout
    pd.testing.assert_frame_equal(pd.read_parquet(out).sort_values("run").reset_index(drop=True), reference)
    assert len(pd.read_parquet(out / "_timeseries")) == len(pd.read_parquet(src / "_timeseries"))


def test_resume_of_a_finished_sweep_says_nothing_was_run(finished, tmp_path):
    exp, src, _ = finished
    shutil.copytree(src, tmp_path / "out")
    r = sim("sweep", exp, "--out", tmp_path / "out", "--resume")
    assert r.returncode == 0, r.stderr
    assert "Done: no runs needed now, 8 kept from before; 0 runs failed" in r.stdout


def test_failed_runs_are_counted_in_the_message(tmp_path):
    (tmp_path / "e.toml").write_text(SMALL)
    exp = load_experiment(tmp_path / "e.toml")
    exp.points[1, 0] = 7.0  # out of range: the runs of point 1 fail, and are kept as rows
    stats: dict = {}
    run_sweep(exp, tmp_path / "o", workers=1, progress=False, stats=stats)
    assert stats["runs"] == 8 and stats["failed"] == 2 and stats["kept"] == 0
    stats = {}
    run_sweep(exp, tmp_path / "o", workers=1, progress=False, resume=True, stats=stats)
    assert stats["runs"] == 0 and stats["kept"] == 8 and stats["failed"] == 2


@pytest.mark.parametrize("change,key", [(None, "the whole file: must be an object, got a list"),
                                        (("runs", "8"), "key 'runs': must be a whole number, got '8'"),
                                        (("digest", 5), "key 'digest': must be a string, got 5"),
                                        (("parameters", None), "key 'parameters': must be a list, got null")])
def test_a_sweep_manifest_of_the_wrong_shape_is_one_line_for_every_reader(finished, tmp_path, capsys, change, key):
    exp, src, _ = finished
    out = shutil.copytree(src, tmp_path / "out")
    mf = json.loads((out / "_manifest.json").read_text())
    (out / "_manifest.json").write_text(json.dumps({**mf, change[0]: change[1]} if change else []))
    for args in (["sweep", "--analyse", out], ["discover", out, "--outcome", "reached_embedding"], ["robust", out]):
        code, _, err = main(*args, capsys=capsys)
        assert code == 2, args
        one_line(err, f"{out / '_manifest.json'}: ", key, "--resume` writes it again from _experiment.toml")
    code, _, err = main("sweep", exp, "--out", out, "--resume", "--workers", 1, capsys=capsys)  # as it says
    assert code == 0, err
    assert main("sweep", "--analyse", out, capsys=capsys)[0] == 0


def test_a_damaged_design_is_written_again_on_resume_and_named_by_the_analysis(finished, tmp_path, capsys):
    exp, src, _ = finished
    out = shutil.copytree(src, tmp_path / "out")
    design = out / "_design.parquet"
    design.write_text("garbage\n")
    code, _, err = main("sweep", "--analyse", out, capsys=capsys)
    assert code == 2
    one_line(err, f"{design}: cannot read the design", f"--out {out} --resume` writes it again")
    code, stdout, err = main("sweep", exp, "--out", out, "--resume", "--workers", 1, capsys=capsys)
    assert code == 0, err
    assert "no runs needed now, 8 kept from before (_design.parquet was damaged or missing and written again)" in stdout
    pd.testing.assert_frame_equal(pd.read_parquet(design), pd.read_parquet(src / "_design.parquet"))
    code, stdout, err = main("sweep", "--analyse", out, capsys=capsys)
    assert code == 0 and "Analysed 8 runs" in stdout, err


@pytest.mark.parametrize("damage, words", [
    ("design", "_design.parquet: cannot read the design (not a Parquet file or damaged)"),
    ("part", "part-00001.parquet: cannot read it (not a Parquet file or damaged)"),
    ("manifest", "_manifest.json: unreadable (not UTF-8 text (byte 27))"),
])
def test_a_damaged_results_file_is_said_in_plain_words_not_by_its_exception(finished, tmp_path, capsys, damage, words):
    """Audit: a damaged results file was named by the reader's exception (ArrowInvalid,
    UnicodeDecodeError), which says nothing to the person who has to fix it."""
    _, src, _ = finished
    out = shutil.copytree(src, tmp_path / "out")
    if damage == "design":
        (out / "_design.parquet").write_text("garbage\n")
    elif damage == "part":  # a folder from before checksums: the part itself is what is read
        shutil.rmtree(out / "_checksums")
        _from_before_checksums(out)
        (out / "part-00001.parquet").write_text("garbage\n")
    else:
        (out / "_manifest.json").write_bytes(b'{"runs": 8, "method": "grid\xff"}')
    code, _, err = main("sweep", "--analyse", out, capsys=capsys)
    assert code == 2
    line = one_line(err, f"{out}{os.sep}{words}", "--resume")
    assert not re.search(r"[a-z](Error|Invalid|Exception)\b", line), line


def test_a_folder_made_by_a_newer_version_is_read_with_a_one_line_warning(finished, tmp_path):
    """Audit: a folder whose manifest says a newer innovation-sim made it was read without a word."""
    from model.io.manifest import version
    exp, src, _ = finished
    out = shutil.copytree(src, tmp_path / "out")
    r = sim("sweep", "--analyse", out)
    assert r.returncode == 0 and r.stderr == "", r.stderr  # made by this version: nothing to say
    mf = json.loads((out / "_manifest.json").read_text())
    (out / "_manifest.json").write_text(json.dumps({**mf, "version": "9.9.9"}))
    for args in (["sweep", "--analyse", out], ["sweep", exp, "--out", out, "--resume", "--workers", 1]):
        r = sim(*args)
        assert r.returncode == 0, r.stderr  # still read: refusing would help no one
        one_line(r.stderr, f"innovation-sim: warning: {out}: made by innovation-sim 9.9.9, newer than this one "
                           f"({version()})")


def test_a_lost_manifest_is_written_again_on_resume_from_the_folder_s_own_experiment(finished, tmp_path, capsys):
    exp, src, reference = finished
    out = shutil.copytree(src, tmp_path / "out")
    (out / "_manifest.json").unlink()
    other = tmp_path / "other.toml"
    other.write_text(SMALL.replace("seed = 4", "seed = 5"))
    code, _, err = main("sweep", other, "--out", out, "--resume", "--workers", 1, capsys=capsys)
    assert code == 2 and not (out / "_manifest.json").exists()
    one_line(err, "its _manifest.json is missing and its _experiment.toml is not", "resume with the experiment that made it")
    sums = out / "_checksums" / "part-00002.json"
    good = sums.read_text()
    sums.write_text(json.dumps({**json.loads(good), "digest": "0123456789abcdef"}))  # made by another scenario
    code, _, err = main("sweep", exp, "--out", out, "--resume", "--workers", 1, capsys=capsys)
    assert code == 2 and not (out / "_manifest.json").exists()
    one_line(err, "its batches do not record that this experiment made them")
    sums.write_text(good)
    code, stdout, err = main("sweep", exp, "--out", out, "--resume", "--workers", 1, capsys=capsys)
    assert code == 0, err
    assert "no runs needed now, 8 kept from before (_manifest.json was damaged or missing and written again)" in stdout
    assert "rebuilt" in json.loads((out / "_manifest.json").read_text())
    code, stdout, err = main("sweep", "--analyse", out, capsys=capsys)
    assert code == 0 and "Analysed 8 runs" in stdout, err


def test_a_batch_whose_checksum_was_lost_is_refused_and_run_again(finished, tmp_path, capsys):
    """Each batch's checksum is written before the batch: one missing among others is not an old folder."""
    exp, src, reference = finished
    out = shutil.copytree(src, tmp_path / "out")
    (out / "_checksums" / "part-00001.json").unlink()
    code, _, err = main("sweep", "--analyse", out, capsys=capsys)
    assert code == 2
    one_line(err, "part-00001.parquet: does not match its checksum", "checksum lost")
    code, stdout, err = main("sweep", exp, "--out", out, "--resume", "--workers", 1, capsys=capsys)
    assert code == 0 and "1 damaged batch found and run again" in stdout, err
    pd.testing.assert_frame_equal(pd.read_parquet(out).sort_values("run").reset_index(drop=True), reference)


def test_stray_part_files_are_moved_aside_on_resume_not_kept_for_ever(finished, tmp_path, capsys):
    """A renamed or copied-in part file made every reader refuse the folder, and resume kept it."""
    exp, src, reference = finished
    out = shutil.copytree(src, tmp_path / "out")
    shutil.copy(out / "part-00001.parquet", out / "part-00007.parquet")
    (out / "part-00009.parquet").write_text("junk")
    code, _, err = main("sweep", "--analyse", out, capsys=capsys)
    assert code == 2 and "moves stray ones aside" in err
    code, stdout, err = main("sweep", exp, "--out", out, "--resume", "--workers", 1, capsys=capsys)
    assert code == 0, err
    assert "(part-00007.parquet, part-00009.parquet: no batch of this sweep, moved to _stray/)" in stdout
    assert sorted(p.name for p in (out / "_stray").iterdir()) == ["part-00007.parquet", "part-00009.parquet"]
    pd.testing.assert_frame_equal(pd.read_parquet(out).sort_values("run").reset_index(drop=True), reference)
    code, stdout, err = main("sweep", "--analyse", out, capsys=capsys)
    assert code == 0 and "Analysed 8 runs" in stdout, err


# --- 4. values that slipped through ---------------------------------------------------------

@pytest.mark.parametrize("patch,pattern", [
    (("leader_drive = [0.2, 0.8]", "leader_drive = [0.2, nan]"), r"parameters.leader_drive\[1\]: must be a finite number, got nan"),
    (("leader_drive = [0.2, 0.8]", "n_residents = [100, inf]"), r"parameters.n_residents\[1\]: must be a finite number, got inf"),
    (("[outcomes]", "[switches.inspection]\nlevels = [0, 1e308]\n[[switches.inspection.events]]\nmonth = 3\n"
                    "kind = \"underperformance\"\n[outcomes]"),
     r"switches.inspection.levels: 1e\+308 times events\[0\].magnitude 1 is out of range \(allowed: a magnitude from -10 to 10\)"),
    (("[outcomes]", "[switches.inspection]\nlevels = [0, -1]\n[[switches.inspection.events]]\nmonth = 3\n"
                    "kind = \"underperformance\"\n[outcomes]"),
     r"switches.inspection.levels: -1 would make events\[0\] \(underperformance\) negative, and it takes no sign"),
    (("[outcomes]", "[switches.inspection]\nlevels = [0, nan]\n[[switches.inspection.events]]\nmonth = 3\n"
                    "kind = \"underperformance\"\n[outcomes]"), r"switches.inspection.levels\[1\]: must be a finite number"),
    (('method = "grid"', 'method = "grid"\nsecond_order = "false"'), r"design.second_order: must be true or false"),
])
def test_experiment_values_that_used_to_slip_through(tmp_path, patch, pattern):
    path = tmp_path / "e.toml"
    path.write_text(SMALL.replace(*patch))
    with pytest.raises(ScenarioError, match=pattern) as e:
        load_experiment(path)
    assert "\n" not in str(e.value) and str(e.value).startswith(str(path))


@pytest.mark.parametrize("text,pattern", [
    ('replace_events = "false"\n', r"replace_events: must be true or false, got 'false'"),
    ("[parameters]\nopenness = true\n", r"parameters.openness: must be a number, got true"),
    ("months = true\n", r"months: must be a number, not true"),
    ("[[events]]\nmonth = 3\nkind = \"crisis\"\nmagnitude = 1e308\n", r"events\[0\].magnitude: 1e\+308 is out of range"),
    ("[[events]]\nmonth = 3\nkind = \"crisis\"\nmagnitude = inf\n", r"events\[0\].magnitude: must be a finite number"),
])
def test_scenario_values_that_used_to_slip_through(tmp_path, text, pattern):
    path = tmp_path / "s.toml"
    path.write_text(BASE + text)
    with pytest.raises(ScenarioError, match=pattern) as e:
        load(path)
    assert "\n" not in str(e.value)


def test_replace_events_false_keeps_the_parents_events(tmp_path):
    parent = tmp_path / "p.toml"
    parent.write_text(BASE + '[[events]]\nmonth = 3\nkind = "crisis"\n')
    child = tmp_path / "c.toml"
    child.write_text('extends = "p.toml"\nname = "c"\ndescription = "c"\nreplace_events = false\n'
                     '[[events]]\nmonth = 5\nkind = "election"\n')
    assert [e.kind for e in load(child).events] == ["crisis", "election"]


# --- 5. one line, not a traceback -----------------------------------------------------------

@pytest.mark.parametrize("args,needles", [
    (["--seed", "-1"], ["--seed", "from 0 to"]),
    (["--seed", str(2**64)], ["--seed", "from 0 to"]),
    (["--set", "n_residents=inf"], ["--set", "n_residents", "must be a finite number, got inf"]),
    (["--set", "n_residents=nan"], ["--set", "n_residents", "must be a finite number, got nan"]),
    (["--set", "openness=-inf"], ["--set", "openness", "must be a finite number"]),
    (["--workers", "0"], ["--workers", "at least 1"]),
    (["--replicates", "many"], ["--replicates", "whole number"]),
])
def test_bad_arguments_are_one_line_exit_2(tmp_path, capsys, args, needles):
    code, out, err = main("run", "baseline", "--out", tmp_path / "o", *args, capsys=capsys)
    assert code == 2 and not out
    one_line(err, *needles)
    assert not (tmp_path / "o").exists()


def test_negative_seed_in_run_table_is_one_line(tmp_path, capsys):
    scen = tmp_path / "s.toml"
    scen.write_text(BASE + "[run]\nseed = -5\n")
    code, _, err = main("run", scen, "--out", tmp_path / "o", capsys=capsys)
    assert code == 2
    one_line(err, str(scen), "run.seed", "-5")


def test_a_name_with_tex_draws_its_figures(tmp_path, capsys):
    scen = tmp_path / "s.toml"
    scen.write_text(BASE.replace('name = "x"', 'name = "$\\\\undefinedcmd{x}$"')
                    + 'fields = ["$\\\\frac{a", "b"]\n')
    code, out, err = main("run", scen, "--replicates", 2, "--steps", 12, "--out", tmp_path / "o", capsys=capsys)
    assert code == 0, err
    assert {p.name for p in (tmp_path / "o" / "figures").iterdir()} == {"value_curve.png", "triangle.png", "phases.png"}


def test_a_blank_description_is_refused_and_lists_survive_it(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "blank.toml").write_text('name = "b"\ndescription = "   \\n  "\n')
    (folder / "good.toml").write_text('name = "g"\ndescription = "\\n\\n  Second line first.\\nmore"\n')
    with pytest.raises(ScenarioError, match=r"blank.toml: description: must not be blank"):
        load(folder / "blank.toml")
    monkeypatch.setattr("model.io.scenario.SHIPPED", folder)
    listed = dict(shipped())
    assert listed["good"] == "Second line first." and listed["blank"].startswith("(invalid:")
    assert main("scenarios", capsys=capsys)[0] == 0
    from model.app import state
    monkeypatch.setattr(state, "SHIPPED", folder)
    state.catalogue.cache_clear()
    try:
        entries = {c.key: c.description for c in state.catalogue()}
    finally:
        state.catalogue.cache_clear()
    assert entries["good"] == "Second line first." and entries["blank"].startswith("(invalid:")


# --- 6. smaller -----------------------------------------------------------------------------

def test_unreachable_scheduler_writes_nothing_so_a_plain_rerun_is_not_refused(tmp_path):
    exp = tmp_path / "e.toml"
    exp.write_text(SMALL)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "o"
    r = sim("sweep", exp, "--scheduler", f"tcp://127.0.0.1:{port}", "--out", out)
    assert r.returncode == 2
    one_line(r.stderr, "--scheduler", "cannot connect")
    assert nothing_in(out)
    r = sim("sweep", exp, "--out", out, "--workers", 1)
    assert r.returncode == 0, r.stderr


def test_extends_stays_within_the_scenario_folder_shipped_scenarios_or_allowed_roots(tmp_path, monkeypatch):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.toml").write_text('name = "s"\ndescription = "s"\nmonths = 77\n[parameters]\nopenness = 9.5\n')
    here = tmp_path / "here"
    (here / "sub").mkdir(parents=True)
    (here / "sub" / "base.toml").write_text(BASE)
    child = here / "child.toml"
    child.write_text('extends = "sub/base.toml"\nname = "c"\ndescription = "c"\n')
    assert load(child).name == "c"  # below the scenario's own folder
    sneaky = here / "sneaky.toml"
    sneaky.write_text('extends = "../outside/secret.toml"\nname = "c"\ndescription = "c"\n')
    with pytest.raises(ScenarioError, match=r"extends: '../outside/secret.toml' is outside the folders a scenario may "
                                            r"extend from .*INNOVATION_SIM_EXTENDS_ROOTS") as e:
        load(sneaky)
    assert "9.5" not in str(e.value)  # nothing read from it, nothing echoed
    (here / "link.toml").symlink_to(outside / "secret.toml")
    linked = here / "linked.toml"
    linked.write_text('extends = "link.toml"\nname = "c"\ndescription = "c"\n')
    with pytest.raises(ScenarioError, match="outside the folders"):
        load(linked)
    monkeypatch.setenv("INNOVATION_SIM_EXTENDS_ROOTS", str(outside))
    with pytest.raises(ScenarioError, match=r"parameters.openness: 9.5 is out of range"):
        load(sneaky)  # allowed now: read and checked as usual


def test_a_copied_shipped_what_if_still_extends_the_shipped_base(tmp_path):
    copy = tmp_path / "my_inspection.toml"
    copy.write_text((SHIPPED / "inspection_failure.toml").read_text())  # extends = "baseline.toml"
    assert load(copy).parameters == load("inspection_failure").parameters
    (tmp_path / "bare.toml").write_text('extends = "baseline"\nname = "b"\ndescription = "b"\nmonths = 30\n')
    assert load(tmp_path / "bare.toml").fields == load("baseline").fields
    (tmp_path / "baseline.toml").write_text(BASE + "months = 40\n")  # a file beside it wins
    assert load(copy).months == 40
    (tmp_path / "typo.toml").write_text('extends = "baseline_typo.toml"\nname = "t"\ndescription = "t"\n')
    with pytest.raises(ScenarioError, match=r"typo.toml: extends: file not found: .*baseline_typo.toml \(nor a shipped"):
        load(tmp_path / "typo.toml")


@pytest.mark.parametrize("change,message", [
    (("batch_size", "batchsize"), r"batchsize: unknown key \(did you mean 'batch_size'\?\)"),
    (("[design]", "openness = 0.5\n[design]"), r"openness: unknown key \(openness is a setting: fix it .* \[constants\]"),
    (("replicates = 2", "replicates = 0"), r"replicates: 0 is out of range \(allowed: 1 to 100000\)"),
    (("[design]", "[constants]\nopenness = 0.3\n[design]"), r"constants.openness: also in \[parameters\], which would override it"),
])
def test_an_experiment_key_in_the_wrong_place_says_where_it_goes(tmp_path, change, message):
    exp = tmp_path / "e.toml"
    exp.write_text(SMALL.replace(*change))
    with pytest.raises(ScenarioError, match=message):
        load_experiment(exp)


@pytest.mark.parametrize("command", [["model.cli", "params"], ["model", "--months", "6"]])
def test_output_piped_into_head_ends_quietly(command):
    """`params | head` and `python -m model | head`: the reader has gone (here before the first
    write) and that is not an error (the second printed a traceback until session 22)."""
    r, w = os.pipe()
    os.close(r)
    try:
        proc = subprocess.run([sys.executable, "-m", *command], stdout=w, stderr=subprocess.PIPE,
                              text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    finally:
        os.close(w)
    assert proc.stderr == "" and proc.returncode == 141, proc.stderr


def test_a_byte_order_mark_is_allowed(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + (BASE + "months = 30\n").encode())
    assert load(path).months == 30
    exp = tmp_path / "e.toml"
    exp.write_bytes(b"\xef\xbb\xbf" + SMALL.encode())
    assert load_experiment(exp).n_runs == 8


def test_ctrl_c_on_a_sweep_prints_only_the_clean_message(tmp_path):
    exp = tmp_path / "e.toml"
    exp.write_text(SMALL.replace("months = 24", "months = 120").replace("replicates = 2", "replicates = 6"))
    out = tmp_path / "o"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "model.cli", "sweep", str(exp), "--out", str(out), "--workers", "2"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and not list(out.glob("part-*.parquet")):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole process group, workers included
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert err.strip().splitlines()[-1].startswith("innovation-sim: interrupted;") and "--resume" in err


@pytest.mark.parametrize("attempt", range(3))
def test_ctrl_c_twice_on_a_compare_exits_at_once_with_the_clean_message(tmp_path, attempt):
    """A worker ended mid-reply left the parent waiting on its pipe at exit (3 of 7 tries hung, and
    1 of 12 after the workers were ended); a second Ctrl-C cut the clean-up with a traceback."""
    out = tmp_path / "o"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "model.cli", "compare", "baseline", "inspection_failure",
                             "--replicates", "4000", "--workers", "2", "--no-figures", "--out", str(out)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    time.sleep(3 + attempt)  # past start-up, workers busy
    os.killpg(proc.pid, signal.SIGINT)
    time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("compare still running 60 s after Ctrl-C")
    # 130, or killed by the second Ctrl-C once Python has handed SIGINT back at exit: a shell shows 130 for both
    assert proc.returncode in (130, -signal.SIGINT), err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert err.strip().splitlines()[-1] == "innovation-sim: interrupted; nothing was written"
    assert not out.exists()


def test_sigterm_stops_a_compare_with_workers_as_ctrl_c_does(tmp_path):
    """SIGTERM (timeout, a cluster scheduler) to the command alone: it ends its workers with SIGTERM
    too, which forked workers must not take for an interrupt of their task (the command then hung)."""
    out = tmp_path / "o"
    proc = subprocess.Popen([sys.executable, "-m", "model.cli", "compare", "baseline", "inspection_failure",
                             "--replicates", "4000", "--workers", "2", "--no-figures", "--out", str(out)],
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    time.sleep(4)  # past start-up, workers busy
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("compare still running 60 s after SIGTERM")
    assert proc.returncode == 143 and "Traceback" not in err, err  # 128 + SIGTERM, as a shell reports it
    assert err.strip().splitlines()[-1] == "innovation-sim: interrupted; nothing was written" and not out.exists()


def test_the_app_on_a_busy_port_says_so_before_printing_its_address(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, out, err = main("app", "--port", port, "--no-open", capsys=capsys)
    assert code == 2 and "http://" not in out
    one_line(err, f"--port {port}: already in use")


def test_the_app_refuses_a_bad_scenario_in_one_line_before_starting(capsys, tmp_path):
    code, out, err = main("app", "no_such_scenario", "--no-open", capsys=capsys)
    assert code == 2 and "http://" not in out
    one_line(err, "no_such_scenario: no such scenario file")
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\ndescription = "y"\n[parameters]\nopenness = 7\n')
    code, out, err = main("app", str(bad), "--no-open", capsys=capsys)
    assert code == 2 and "http://" not in out
    one_line(err, "openness")


# --- fuzz: scenario files and command lines, in this process ----------------------------------

from hypothesis import HealthCheck, event, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


class Reached(Exception):
    """The command got past every check and would now start its runs."""


def _stop(*args, **kwargs):
    raise Reached


NUMBERS = st.one_of(st.integers(-2**70, 2**70), st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from([0, 1, -1, 12, 120, 1200, 1201, 0.5, 1e308, -5, 2**63, 10_001]))
WORDS = st.one_of(st.sampled_from(["crisis", "education", "all", "director", "2003-04", "baseline.toml", "/dev/zero",
                                   "../x.toml", "", "   ", "$\\undefinedcmd{x}$", "false", "true", "\ufeff", "a\0b",
                                   "x" * 300]), st.text(max_size=12))
LEAF = st.one_of(NUMBERS, WORDS, st.booleans())
VALUES = st.recursive(LEAF, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                     st.dictionaries(st.sampled_from(["low", "high", "month", "kind", "x"]),
                                                                     inner, max_size=3)), max_leaves=6)
TOP_KEYS = ["name", "description", "extends", "start_year", "months", "fields", "initial_phases", "replace_events",
            "run", "region", "parameters", "events", "descripton", "seed", "replicates"]
PARAM_KEYS = ["openness", "n_residents", "trigger_rate", "leader_drive", "opennes", "max_trials"]
EVENT = st.dictionaries(st.sampled_from(["month", "date", "kind", "field", "magnitude", "duration", "role", "share"]),
                        st.one_of(LEAF, st.sampled_from(["crisis", "education", "director"])), max_size=6)
SCENARIO = st.builds(
    lambda top, params, events, run, base: {**({"extends": str(SHIPPED / f"{base}.toml")} if base else {}),
                                            "name": "fuzz", "description": "fuzz", **top,
                                            "parameters": params, "events": events, **({"run": run} if run else {})},
    st.dictionaries(st.sampled_from(TOP_KEYS[:9] + TOP_KEYS[12:]), VALUES, max_size=3),
    st.dictionaries(st.sampled_from(PARAM_KEYS), LEAF, max_size=2),
    st.lists(EVENT, max_size=2),
    st.dictionaries(st.sampled_from(["seed", "replicates", "version"]), LEAF, max_size=2),
    st.sampled_from([None, "baseline", "england_2006", "inspection_failure"]))
ARG_VALUES = st.one_of(st.integers(-2**70, 2**70).map(str), st.sampled_from(
    ["0", "1", "-1", "inf", "nan", "1e9", "x", "", "openness=inf", "n_residents=nan", "openness=0.5", "openness=true",
     "region.councils=5", "effects.london.openness=nan", "steps=", "=1", "openness=[1]", "n_residents=1e400"]))
OPTIONS = st.lists(st.tuples(st.sampled_from(["--steps", "--replicates", "--seed", "--set", "--workers", "--port",
                                               "--no-figures", "--resume", "--bogus"]), ARG_VALUES), max_size=4)


def _serialise(data, raw: str, bom: bool, use_raw: bool) -> bytes:
    import tomli_w
    try:
        text = raw if use_raw else tomli_w.dumps(data)
    except (TypeError, ValueError):
        text = raw
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8", "surrogatepass")


@settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=SCENARIO, raw=st.text(max_size=60), bom=st.booleans(), use_raw=st.integers(0, 9).map(lambda i: i == 0),
       command=st.sampled_from(["run", "run", "run", "compare", "sweep", "params", "scenarios"]),
       source=st.sampled_from(["file", "file", "file", "baseline", "england_2006", "/dev/zero", "nope", "afile/x.toml"]),
       options=OPTIONS, out=st.sampled_from(["new", "afile/sub", "afile", "taken"]))
def test_fuzz_scenarios_and_command_lines_never_give_a_traceback(fuzz_dir, capsys, data, raw, bom, use_raw, command,
                                                                  source, options, out):
    fuzz_dir["n"] += 1
    d = fuzz_dir["dir"] / f"e{fuzz_dir['n']}"
    d.mkdir()
    (d / "afile").write_text("a file")
    (d / "taken").mkdir()
    (d / "taken" / "keep").write_text("keep")
    scen = d / "s.toml"
    scen.write_bytes(_serialise(data, raw, bom, use_raw))
    src = str(scen) if source == "file" else source
    args = [command] + ([src] if command in ("run", "sweep") else [src, "baseline"] if command == "compare" else [])
    for flag, value in options:
        args += [flag] if flag in ("--no-figures", "--resume") else [flag, value]
    if command in ("run", "compare", "sweep"):
        args += ["--out", str(d / ("o" if out == "new" else out))]
    before = sorted(p.relative_to(d) for p in d.rglob("*"))
    try:
        code = cli.main(args)
    except SystemExit as e:  # argparse: --help, or a bad argument
        code = e.code
    except Reached:
        code = None
    _, err = capsys.readouterr()
    event(f"{command}: {'reached the runs' if code is None else f'exit {code}'}")
    assert code in (None, 0, 2), (args, code, err)
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("innovation-sim"), (args, err)
    assert sorted(p.relative_to(d) for p in d.rglob("*")) == before, args  # nothing written or left behind
    shutil.rmtree(d)


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory):
    return {"dir": tmp_path_factory.mktemp("fuzz"), "n": 0}


@pytest.fixture(autouse=True)
def _no_runs_in_fuzz(request, monkeypatch):
    """The fuzz test checks what happens before any run: runs themselves are replaced by a marker."""
    if request.node.name.startswith("test_fuzz"):
        import model.experiments.sweep as sweep
        monkeypatch.setattr(cli, "run_ensemble", _stop)
        monkeypatch.setattr(cli, "run_region_ensemble", _stop)
        monkeypatch.setattr(sweep, "run_sweep", _stop)


def test_the_progress_bar_takes_the_terminal_width_from_shutil(monkeypatch):
    """A terminal that reports a width of 0 gave no bar (tqdm asks it directly); shutil's width
    (with its fallback of 80) is passed on instead."""
    import io
    import os
    import shutil

    from model.experiments.runner import progress_bar
    monkeypatch.setattr(shutil, "get_terminal_size", lambda *a, **k: os.terminal_size((50, 24)))
    out = io.StringIO()
    with progress_bar(total=4, file=out) as bar:
        bar.update(4)
    last = out.getvalue().strip("\n").split("\r")[-1]
    assert len(last) == 50 and "4/4" in last


def test_a_long_experiment_name_leaves_the_progress_bar_its_count(monkeypatch):
    """tqdm cuts the line at the terminal's width: a 125-character experiment name in 80 columns
    showed the name and nothing else, whatever the progress."""
    import io
    import os
    import shutil

    from model.experiments.runner import progress_bar
    monkeypatch.setattr(shutil, "get_terminal_size", lambda *a, **k: os.terminal_size((80, 24)))
    out = io.StringIO()
    name = "Calibrate England 2006 by ABC-SMC with leaders changing and arrivals like their group's incumbents"
    with progress_bar(total=160, desc=name, unit="run", file=out) as bar:
        bar.update(120)
    last = out.getvalue().strip("\n").split("\r")[-1]
    assert "120/160" in last and last.startswith("Calibrate England") and "…" in last, last
    short = io.StringIO()
    with progress_bar(total=4, desc="baseline", file=short) as bar:
        bar.update(4)
    assert short.getvalue().strip("\n").split("\r")[-1].startswith("baseline: 100%")
    gen = io.StringIO()  # user review: a calibration's bars read "Small ABC-SMC (tests) [f…" for both models
    with progress_bar(total=8, desc="Small ABC-SMC calibration (tests) [null] generation 3", file=gen) as bar:
        bar.update(8)
    last = gen.getvalue().strip("\n").split("\r")[-1]
    assert last.startswith("Sma") and "… [null] generation 3: 100%" in last, last


@pytest.mark.skipif(sys.platform != "linux", reason="a pseudo-terminal of 0 x 0")
def test_a_terminal_that_reports_no_size_still_shows_the_progress_bar(tmp_path):
    """Under `script`, or a pseudo-terminal whose size was never set, tqdm found no rows for a bar and
    hid it; the rows come from shutil too (24 when the terminal says 0)."""
    import pty
    main_fd, term = pty.openpty()  # a new pseudo-terminal reports 0 x 0
    proc = subprocess.Popen([sys.executable, "-m", "model.cli", "run", "baseline", "--replicates", "20", "--steps", "24",
                             "--no-figures", "--workers", "1", "--out", str(tmp_path / "o")],
                            stdin=term, stdout=term, stderr=term, env={**os.environ, "PYTHONPATH": str(ROOT)})
    os.close(term)
    seen = b""
    while True:
        try:
            chunk = os.read(main_fd, 4096)
        except OSError:  # the command closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(main_fd)
    assert proc.wait(timeout=120) == 0, seen
    assert b"20/20" in seen, seen


def test_ctrl_c_reaches_the_apps_drawing_process_without_a_traceback():
    """The app draws figures in a spawned process; Ctrl-C to the process group made it print its own
    traceback as the app stopped (audit, session 20)."""
    code = ("import time\nfrom model.app.draw import _executor\n_executor().submit(int, 1).result()\n"
            "try:\n    time.sleep(30)\nexcept KeyboardInterrupt:\n    pass\n")
    proc = subprocess.Popen([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    time.sleep(4)  # the drawing process is up and idle
    os.killpg(proc.pid, signal.SIGINT)
    err = proc.communicate(timeout=30)[1]
    assert proc.returncode == 0 and "Traceback" not in err, err


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_while_the_command_starts_is_one_line_not_an_import_traceback(tmp_path, sig):
    """The installed `innovation-sim` spends 1-2 s importing numpy, pandas and mesa; a Ctrl-C (or
    SIGTERM) then used to print an import traceback. model/launch.py guards those imports."""
    exe = Path(sys.executable).parent / "innovation-sim"
    if not exe.exists():
        pytest.skip("innovation-sim is not installed beside this interpreter")
    for delay in (0.15, 0.4, 0.8):
        proc = subprocess.Popen([str(exe), "run", "baseline", "--replicates", "5000", "--out", str(tmp_path / "o")],
                                cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(delay)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 128 + sig, (delay, err)  # 130 for Ctrl-C, 143 for SIGTERM
        assert "Traceback" not in err and "KeyboardInterrupt" not in err, (delay, err)
        assert len(err.strip().splitlines()) == 1 and "interrupted" in err, (delay, err)
        assert not (tmp_path / "o").exists()


def test_progress_when_the_output_is_not_a_terminal_is_a_line_a_minute_not_nothing(tmp_path):
    """Audit, session 21: on a cluster (stderr a log file) tqdm hid its bar and a sweep of hours
    printed nothing until its end. Now a plain line every INNOVATION_SIM_PROGRESS_SECONDS (60);
    work shorter than that prints nothing, as before."""
    r = sim("run", "baseline", "--replicates", "2000", "--steps", "48", "--no-figures", "--out", tmp_path / "a",
            env={"INNOVATION_SIM_PROGRESS_SECONDS": "1"})
    assert r.returncode == 0, r.stderr
    lines = r.stderr.strip().splitlines()
    assert lines, "no progress line"
    for line in lines[:-1]:
        assert re.fullmatch(r"Baseline: [\d,]+/2,000 runs \(\d+%\), \d\d:\d\d elapsed, about \d\d:\d\d left", line), line
    assert re.fullmatch(r"Baseline: 2,000/2,000 runs \(100%\), \d\d:\d\d elapsed", lines[-1]), lines[-1]
    r = sim("run", "baseline", "--replicates", "20", "--no-figures", "--out", tmp_path / "b")
    assert r.returncode == 0 and r.stderr == "", r.stderr
    r = sim("run", "baseline", "--replicates", "20", "--out", tmp_path / "c", env={"INNOVATION_SIM_PROGRESS_SECONDS": "0"})
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "INNOVATION_SIM_PROGRESS_SECONDS='0'" in r.stderr
    assert not (tmp_path / "c").exists()
    # refused before any work: a sweep used to have made its folder (and then asked for --resume)
    r = sim("sweep", "grid_leadership", "--out", tmp_path / "s", env={"INNOVATION_SIM_PROGRESS_SECONDS": "x"})
    assert r.returncode == 2 and "INNOVATION_SIM_PROGRESS_SECONDS='x'" in r.stderr and not (tmp_path / "s").exists()


def test_an_interrupt_during_an_import_that_swallows_it_still_stops_the_command(tmp_path):
    """A library that imports an optional module under a bare `except:` swallowed a Ctrl-C that came
    during the command's imports, and the command then ran to its end (3 of 3 timed tries at about a
    second, under load). model/launch.py holds the signals while importing and stops after."""
    pkg = tmp_path / "fakepkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    shutil.copy(ROOT / "model" / "launch.py", pkg / "launch.py")
    (pkg / "cli.py").write_text(
        "import os, signal, time\n"
        "try:  # as an optional import under a bare except does\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    time.sleep(0.3)\n"
        "except:  # noqa: E722\n"
        "    pass\n"
        "def main():\n"
        "    print('ran to its end')\n"
        "    return 0\n")
    r = subprocess.run([sys.executable, "-c", "import sys; from fakepkg.launch import main; sys.exit(main())"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert r.returncode == 130 and "ran to its end" not in r.stdout, (r.returncode, r.stdout, r.stderr)
    assert r.stderr == "innovation-sim: interrupted while starting; nothing was done\n"


def test_no_output_goes_inside_a_sweep_folder_where_its_readers_would_take_it_for_runs(finished, tmp_path, capsys):
    """Input review, session 28: `sweep --out outer/v2` made pandas.read_parquet('outer') return every run twice."""
    exp, src, df = finished
    outer = shutil.copytree(src, tmp_path / "outer")
    for args in (("sweep", exp, "--out", outer / "v2", "--workers", 1), ("run", "baseline", "--replicates", 2,
                 "--steps", 12, "--out", outer / "run"), ("discover", outer, "--outcome", "reached_embedding",
                 "--out", outer / "disc" / "deeper"), ("validate", "--quick", "--only", 1, "--out", outer / "v")):
        code, _, err = main(*args, capsys=capsys)
        assert code == 2, args
        one_line(err, f"is inside the sweep folder {outer}", "choose a folder outside it")
    code, _, err = main("reproduce", outer, "--keep", outer / "rerun", capsys=capsys)
    assert code == 2
    one_line(err, f"--keep {outer / 'rerun'}: is inside the sweep folder {outer}")
    (tmp_path / "link").symlink_to(outer / "_sub", target_is_directory=True)
    (outer / "_sub").mkdir()
    code, _, err = main("sweep", exp, "--out", tmp_path / "link" / ".." / "v3", "--workers", 1, capsys=capsys)
    assert code == 2  # through the link, `link/..` is the sweep folder itself
    one_line(err, f"is inside the sweep folder {outer}")
    (outer / "_sub").rmdir()
    assert sorted(p.name for p in outer.iterdir()) == sorted(p.name for p in src.iterdir())
    assert len(pd.read_parquet(outer)) == len(df)
    code, _, err = main("run", "baseline", "--replicates", 2, "--steps", 12, "--out", outer / "_mine", capsys=capsys)
    assert code == 0, err  # a name the readers skip, as the sweep's own _analysis/ and _discover/
    assert len(pd.read_parquet(outer)) == len(df)


def test_validate_does_not_replace_a_manifest_json_it_did_not_write(tmp_path, capsys):
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "manifest.json").write_text('{"my": "project metadata"}')
    code, _, err = main("validate", "--quick", "--only", 1, "--out", proj, capsys=capsys)
    assert code == 2
    one_line(err, "holds a manifest.json that is not one of innovation-sim's")
    assert (proj / "manifest.json").read_text() == '{"my": "project metadata"}'


def test_compare_refuses_one_run_whose_interval_would_have_no_width(tmp_path, capsys):
    code, _, err = main("compare", "baseline", "inspection_failure", "--replicates", 1, "--steps", 12,
                        "--out", tmp_path / "c", capsys=capsys)
    assert code == 2 and not (tmp_path / "c").exists()
    one_line(err, "--replicates 1: a comparison's intervals need at least 2 paired runs")


def test_an_experiment_or_calibration_given_to_run_is_named_as_such(tmp_path, capsys):
    """Input review: `run experiments/grid_leadership.toml` said "parameters.leader_drive: must be a number"."""
    from model.io.experiment import SHIPPED as EXPERIMENTS
    for given, said in ((EXPERIMENTS / "grid_leadership.toml", "an experiment (it names a scenario and has a [design] "
                         "table), not a scenario; run it with `innovation-sim sweep"),
                        (EXPERIMENTS / "robust_inspection.toml", "run it with `innovation-sim robust"),
                        (EXPERIMENTS / "calibrate_england_abc.toml", "a calibration (it has [abc] and [prior] tables)"),
                        ("grid_leadership", "grid_leadership is a shipped experiment: run it with `innovation-sim sweep "
                         "grid_leadership`")):
        code, _, err = main("run", given, "--replicates", 2, "--out", tmp_path / "r", capsys=capsys)
        assert code == 2
        one_line(err, said)
    code, _, err = main("compare", "baseline", "calibrate_england_abc", capsys=capsys)
    one_line(err, "run it with `innovation-sim calibrate calibrate_england_abc`")


def test_robust_resume_on_an_empty_folder_says_it_starts_from_the_beginning(tmp_path, capsys):
    """As sweep --resume does: a typo in the folder's name would otherwise start the work again without a word."""
    from model.io.experiment import SHIPPED as EXPERIMENTS
    text = (EXPERIMENTS / "robust_inspection.toml").read_text()
    exp = tmp_path / "rob.toml"
    exp.write_text(re.sub(r"(?m)^samples = \d+", "samples = 2", text.replace("replicates = 1", "replicates = 1\nmonths = 24")))
    code, _, err = main("robust", exp, "--out", tmp_path / "typo", "--resume", "--workers", 1, capsys=capsys)
    assert code == 0 and "holds nothing yet, so the sweep starts there from the beginning" in err, err
