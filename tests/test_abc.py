"""ABC-SMC (model/experiments/abc.py, `innovation-sim calibrate`): the weight update against a known
answer, the whole algorithm against an analytic posterior, determinism, resume (in process and after
a real Ctrl-C), recovery of a known setting from synthetic data, a setting that cannot act reported
as not identified, bad calibration files, and the command end to end.

The model runs are a locality (tests/data/calibrate_small.toml): the baseline for two years with
fields made to trigger early, where diversion_cost (performance lost while resources go into
unproven work) shows in public_value, and election_turnover acts only at an election, which the
baseline never holds."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model.experiments.abc import (Space, calibrate, damaged_generations, fit, inside_share, kernel_cov, model_choice, new_weights, parameter_summary, posterior,
                                   posterior_predictive, read_particles, replay, select, write_particles)
from model.experiments.sweep import cluster, run_point
from model.io.calibration import PriorBox, SummarySpec, load_calibration
from model.io.experiment import SHIPPED, load_experiment
from model.io.scenario import ScenarioError, load
from clihelp import sim  # tests/ is on the path (conftest.py)

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "tests" / "data" / "calibrate_small.toml"


def variant(tmp_path: Path, *patches: tuple[str, str], name: str = "cal.toml", drop_null: bool = False) -> Path:
    """The small calibration file with some text replaced (and its [null] section dropped)."""
    text = SMALL.read_text()
    if drop_null:
        text = text[: text.index("[null]")]
    for old, new in patches:
        assert old in text, old
        text = text.replace(old, new)
    p = tmp_path / name
    p.write_text(text)
    return p



@pytest.fixture(scope="module")
def client():
    """One local Dask cluster of two workers for the in-process calibrations of this file."""
    with cluster(workers=2) as c:
        yield c


@pytest.fixture(scope="module")
def reference(tmp_path_factory, client):
    """The small calibration run uninterrupted: full model, null model, 16 predictive runs each."""
    out = tmp_path_factory.mktemp("ref") / "cal"
    summary = calibrate(load_calibration(SMALL), out, client=client, progress=False)
    return out, summary


def test_weight_update_1d_known_answer():
    """Kept particles 0.4 and 0.6 (weights 1), prior U(0, 1): kernel variance 2 x 0.02 = 0.04, and a
    proposal at 0.5 gets 1 / N(0.1; 0, 0.04) (both kernels at the same distance)."""
    space = Space([PriorBox("a", 0.0, 1.0)])
    u_pop, w = np.array([[0.4], [0.6]]), np.array([1.0, 1.0])
    cov = kernel_cov(u_pop, w, space)
    assert cov[0, 0] == pytest.approx(0.04, rel=1e-6)
    got = new_weights(space, np.array([[0.5], [0.4]]), u_pop, w, cov)
    k = lambda d: np.exp(-d * d / (2 * 0.04)) / np.sqrt(2 * np.pi * 0.04)  # noqa: E731
    assert got[0] == pytest.approx(1 / k(0.1), rel=1e-7)
    assert got[1] == pytest.approx(1 / (0.5 * k(0.0) + 0.5 * k(0.2)), rel=1e-7)
    # unequal weights: the heavier parent's kernel counts more; a prior twice as wide halves the weight
    got = new_weights(space, np.array([[0.45]]), u_pop, np.array([3.0, 1.0]), cov)
    assert got[0] == pytest.approx(1 / (0.75 * k(0.05) + 0.25 * k(0.15)), rel=1e-7)
    wide = Space([PriorBox("a", 0.0, 2.0)])
    assert new_weights(wide, np.array([[0.5]]), u_pop, w, cov)[0] == pytest.approx(0.5 / k(0.1), rel=1e-7)


def test_the_weight_carries_the_share_of_the_kernel_inside_the_box():
    """Proposals outside the box are drawn again, so the proposal density is the kernel mixture / Z.
    One parent at 0.9 in U(0, 1) with kernel sd 0.2: Z = P(0.9 + e in [0, 1]) = Phi(0.5) - Phi(-4.5);
    the Monte Carlo estimate matches it, and the weight is Z times the untruncated one."""
    space = Space([PriorBox("a", 0.0, 1.0)])
    u_pop, w, cov = np.array([[0.9]]), np.array([1.0]), np.array([[0.04]])
    phi = lambda x: 0.5 * (1 + math.erf(x / math.sqrt(2)))  # noqa: E731
    z = inside_share(np.random.default_rng(3), space, u_pop, w, cov)
    assert z == pytest.approx(phi(0.5) - phi(-4.5), abs=0.005)
    assert inside_share(np.random.default_rng(3), space, u_pop, w, cov) == z  # its own stream: exact on resume
    plain = new_weights(space, np.array([[0.8]]), u_pop, w, cov)
    assert new_weights(space, np.array([[0.8]]), u_pop, w, cov, z)[0] == pytest.approx(z * plain[0], rel=1e-12)
    # a parent in the middle loses almost nothing: Z near 1, so mixing generations only matters near edges
    assert inside_share(np.random.default_rng(3), space, np.array([[0.5]]), w, np.array([[0.0025]])) > 0.999


def test_a_failed_particle_never_enters_the_population():
    """Fewer successes than n_alpha in generation 0: the failed particles (infinite distance) stay
    out and epsilon is the largest finite distance kept, so the proposal kernel never centres on a
    parameter set whose runs raised or gave NaN summaries."""
    gen, part = np.zeros(5, int), np.arange(5)
    dist = np.array([0.7, np.inf, 0.2, np.inf, 0.5])
    keep, eps = select(gen, part, dist, n_alpha=4)
    assert sorted(keep.tolist()) == [0, 2, 4] and eps == 0.7
    keep, eps = select(gen, part, dist, n_alpha=2)  # enough successes: the two closest, as before
    assert keep.tolist() == [2, 4] and eps == 0.5


def test_log_uniform_prior_works_on_the_log_scale():
    space = Space([PriorBox("a", 0.01, 1.0, "log")])
    x = np.array([[0.01], [0.1], [1.0]])
    assert np.allclose(space.to_u(x)[:, 0], np.log(x[:, 0]))
    assert np.allclose(space.to_x(space.to_u(x)), x) and space.to_x(np.log([[1.0]]))[0, 0] <= 1.0
    assert space.log_density == pytest.approx(-np.log(np.log(100.0)))


def test_the_algorithm_recovers_an_analytic_posterior(tmp_path):
    """y ~ N(theta, 1), y observed 0, theta ~ U(-5, 5): the posterior is N(0, 1) (widened by the final
    tolerance eps to a variance of 1 + eps^2 / 3). The weights matter: without them the particles'
    spread is about 0.9."""
    base = load_calibration(SMALL)
    toy = dataclasses.replace(base, prior=[PriorBox("theta", -5.0, 5.0)], summaries=[SummarySpec("y", 0.0, 1.0, 1.0)],
                              population=2000, alpha=0.5, p_acc_min=0.02, max_generations=12, null=None)

    def simulate(g, x):
        rng = np.random.default_rng([99, g])
        return pd.DataFrame({"y": x[:, 0] + rng.standard_normal(len(x)), "error": None, "nan_summaries": None})

    fit(toy, tmp_path, simulate)
    pop = posterior(tmp_path, toy)
    gens = replay(read_particles(tmp_path, toy), toy)
    w, x = pop.weight.to_numpy(), pop.theta.to_numpy()
    mean = (w * x).sum()
    sd = np.sqrt((w * (x - mean) ** 2).sum())
    expected = np.sqrt(1 + gens[-1].epsilon ** 2 / 3)
    assert abs(mean) < 0.1
    assert sd == pytest.approx(expected, abs=0.06)
    assert [g.epsilon for g in gens] == sorted((g.epsilon for g in gens), reverse=True)
    assert parameter_summary(toy, pop)["theta"]["contraction"] == pytest.approx(sd / (10 / np.sqrt(12)), rel=1e-6)


def test_same_seed_same_particles_whatever_the_batches(reference, client, tmp_path):
    out, _ = reference
    ref = pd.read_parquet(out / "particles.parquet")
    assert len(ref) == 16 + 8 and ref.generation.tolist() == [0] * 16 + [1] * 8
    rebatched = variant(tmp_path, ("batch_size = 8", "batch_size = 3"), drop_null=True)
    calibrate(load_calibration(rebatched), tmp_path / "again", client=client, progress=False)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "again" / "particles.parquet"), ref)
    other = variant(tmp_path, ("seed = 7", "seed = 8"), drop_null=True, name="other.toml")
    calibrate(load_calibration(other), tmp_path / "other", client=client, progress=False)
    assert not np.allclose(pd.read_parquet(tmp_path / "other" / "particles.parquet").diversion_cost,
                           ref.diversion_cost)


def test_run_seeds_depend_on_seed_generation_and_particle_only(reference):
    """Particle k of generation g runs on the seed of (seed, g, k); the predictive runs on fresh ones."""
    out, _ = reference
    g0, g1 = (pd.read_parquet(out / f"gen_0{g}").sort_values("run") for g in (0, 1))
    null0 = pd.read_parquet(out / "null" / "gen_00").sort_values("run")
    assert g0.seed.tolist() == null0.seed.tolist()  # common random numbers for the null model
    assert not set(g0.seed) & set(g1.seed)
    pred = pd.read_parquet(out / "predictive-7-16")
    assert not set(pred.seed) & (set(g0.seed) | set(g1.seed))


def _cut(folder: Path, cal, generations: int) -> None:
    """The folder as an interruption leaves it: the state file holds only the first generations, and
    nothing written after them (posterior, summary, predictive runs, the null model) exists."""
    table = read_particles(folder, cal)
    write_particles(folder, cal, table[table.generation < generations].reset_index(drop=True))
    for name in ("summary.json", "posterior.csv", "generations.csv", "coverage.csv", "predictive.csv",
                 "model_choice.json"):
        (folder / name).unlink(missing_ok=True)
    for d in folder.glob("predictive-*"):
        shutil.rmtree(d)


@pytest.mark.parametrize("where", ["between generations", "mid-generation of the null model"])
def test_interrupted_calibration_resumes_to_identical_results(reference, client, tmp_path, where):
    out, _ = reference
    cut = tmp_path / "cut"
    shutil.copytree(out, cut)
    cal = load_calibration(SMALL)
    _cut(cut, cal, 1)
    if where == "between generations":
        shutil.rmtree(cut / "gen_01")
        shutil.rmtree(cut / "null")
    else:  # the full model finished; the null's generation 0 has one batch of two on disk
        shutil.rmtree(cut / "gen_01")
        _cut(cut / "null", cal.null_model(), 0)
        (cut / "null" / "particles.parquet").unlink()
        (cut / "null" / "gen_00" / "part-00001.parquet").unlink()
        shutil.rmtree(cut / "null" / "gen_01")
    with pytest.raises(Exception, match="add --resume"):
        calibrate(cal, cut, client=client, progress=False)
    calibrate(cal, cut, client=client, resume=True, progress=False)
    for name in ("particles.parquet", "null/particles.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(cut / name), pd.read_parquet(out / name))
    for name in ("posterior.csv", "predictive.csv", "null/predictive.csv", "coverage.csv"):
        assert (cut / name).read_text() == (out / name).read_text(), name
    mc_ref, mc = (json.loads((f / "model_choice.json").read_text()) for f in (out, cut))
    assert mc == mc_ref


def test_a_calibration_that_hit_its_budget_extends_to_what_a_longer_one_gives(reference, client, tmp_path):
    """--resume with a file that differs only in max_generations (and its words) goes on from the
    folder's generations, full and null model: particles, posteriors, predictive runs and model
    choice equal those of the longer calibration run from scratch, and the marker records what it
    extended. Refused: without --resume, a file that differs in anything else, a file that would not
    have made the generations on disk, and a folder with a generation left half-run."""
    out, _ = reference
    ext = tmp_path / "ext"
    shutil.copytree(out, ext)
    (ext / "pairs.png").write_text("a figure of the old posterior")
    short = load_calibration(SMALL)
    cal = load_calibration(variant(tmp_path, ("max_generations = 2", "max_generations = 3"),
                                   ('name = "', 'name = "Longer: '), name="longer.toml"))
    assert cal.digest() != short.digest() and cal.fit_digest() == short.fit_digest()
    with pytest.raises(Exception, match="extends .*add --resume to go on"):
        calibrate(cal, ext, client=client, progress=False)
    notes = tmp_path / "notes"  # somebody's file in the folder: going on would delete it, so refused
    shutil.copytree(out, notes)
    (notes / "confirm_2014.txt").write_text("a recheck's output")
    with pytest.raises(Exception, match=r"going on from its generations would delete files a calibration does not "
                                        r"write \(confirm_2014.txt\)"):
        calibrate(cal, notes, client=client, resume=True, progress=False)
    assert (notes / "confirm_2014.txt").exists()
    half = tmp_path / "half"
    shutil.copytree(out, half)
    (half / "gen_02").mkdir()
    with pytest.raises(Exception, match="generation 2 was left half-run"):
        calibrate(cal, half, client=client, resume=True, progress=False)
    summary = calibrate(cal, ext, client=client, resume=True, progress=False)
    assert not summary.get("already_finished") and summary["settings"]["max_generations"] == 3
    assert not (ext / "pairs.png").exists()  # drawn from the old posterior: gone, the command draws it again
    before, grown = pd.read_parquet(out / "particles.parquet"), pd.read_parquet(ext / "particles.parquet")
    assert grown.generation.max() == 2
    pd.testing.assert_frame_equal(grown[grown.generation < 2].reset_index(drop=True), before)
    scratch = tmp_path / "scratch"
    calibrate(cal, scratch, client=client, progress=False)
    for name in ("particles.parquet", "null/particles.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(ext / name), pd.read_parquet(scratch / name))
    for name in ("posterior.csv", "null/posterior.csv", "predictive.csv", "null/predictive.csv", "model_choice.json"):
        assert (ext / name).read_text() == (scratch / name).read_text(), name
    marker = json.loads((ext / "_calibration.json").read_text())
    assert marker["digest"] == cal.digest() and marker["extended_from"] == short.digest()
    with pytest.raises(Exception, match="holds 3 generations, which .* would not have run"):
        calibrate(short, ext, client=client, resume=True, progress=False)
    other = load_calibration(variant(tmp_path, ("max_generations = 2", "max_generations = 3"), ("seed = 7", "seed = 9"),
                                     name="other.toml"))
    with pytest.raises(Exception, match="different calibration"):
        calibrate(other, ext, client=client, resume=True, progress=False)


def test_damaged_results_name_the_remedy_that_keeps_the_runs(reference, client, tmp_path):
    """A finished folder whose particles.parquet (full or null model) is cut short is refused, not
    reported as finished, and the advice (remove it, --resume) makes it again from the generations'
    runs; a generation folder's damaged manifest gets the calibration's remedy, not the sweep's, and
    following it gives the same particles."""
    out, _ = reference
    cal = load_calibration(SMALL)
    for name in ("particles.parquet", "null/particles.parquet"):
        d = tmp_path / name.replace("/", "-")
        shutil.copytree(out, d)
        (d / name).write_bytes((out / name).read_bytes()[:200])
        with pytest.raises(Exception, match=f"{name}: cannot read .*remove it and --resume to make it again"):
            calibrate(cal, d, client=client, resume=True, progress=False)
        (d / name).unlink()
        summary = calibrate(cal, d, client=client, resume=True, progress=False)
        assert not summary.get("already_finished")
        pd.testing.assert_frame_equal(pd.read_parquet(d / name), pd.read_parquet(out / name))
    d = tmp_path / "gen"
    shutil.copytree(out, d)
    for name in ("particles.parquet", "summary.json"):
        (d / name).unlink()
    (d / "gen_01" / "_manifest.json").write_text("garbage")  # written again from the generation's experiment
    calibrate(cal, d, client=client, resume=True, progress=False)
    pd.testing.assert_frame_equal(pd.read_parquet(d / "particles.parquet"), pd.read_parquet(out / "particles.parquet"))
    for name in ("particles.parquet", "summary.json", "gen_01/_experiment.toml"):
        (d / name).unlink()
    (d / "gen_01" / "_manifest.json").write_text("garbage")  # and nothing to write it from
    with pytest.raises(Exception, match=r"gen_01/_manifest.json: not valid JSON.*generation 1's runs are damaged: "
                                        r"remove .*gen_01 and --resume") as e:
        calibrate(cal, d, client=client, resume=True, progress=False)
    assert "innovation-sim sweep" not in str(e.value)
    shutil.rmtree(d / "gen_01")
    calibrate(cal, d, client=client, resume=True, progress=False)
    pd.testing.assert_frame_equal(pd.read_parquet(d / "particles.parquet"), pd.read_parquet(out / "particles.parquet"))


def test_reference_outputs_and_model_choice(reference):
    out, summary = reference
    assert {"particles.parquet", "posterior.csv", "summary.json", "generations.csv", "model_choice.json",
            "coverage.csv", "predictive.csv", "gen_00", "gen_01", "null"} <= {p.name for p in out.iterdir()}
    post = pd.read_csv(out / "posterior.csv")
    assert len(post) == 8 and post.weight.sum() == pytest.approx(1.0)
    assert summary["runs"] == 24 and len(summary["generations"]) == 2 and summary["ess"] <= 8
    assert summary["null"]["parameters"].keys() == {"election_turnover"}
    mc = json.loads((out / "model_choice.json").read_text())
    assert "Robert" in mc["why"] and set(mc["models"]) == {"full", "null"}
    # the null (no diversion cost) cannot produce the observed loss of public value: it fits worse
    assert mc["null_minus_full"]["mean_distance"]["ci90"][0] > 0
    cov = pd.read_csv(out / "coverage.csv")
    assert cov.summary.tolist() == ["public_value", "all (jointly)"] and cov.within.between(0, 1).all()
    assert (cov.within_low <= cov.within).all() and (cov.within <= cov.within_high).all()


def test_a_second_predictive_set_runs_on_other_seeds_and_is_reproducible(reference, client, capsys, tmp_path):
    """`calibrate ... --confirm SEED`: a finished calibration's coverage on a second set of fresh
    seeds, beside the first set's files (not over them), the same on a second call; the calibration's
    own seed, or a folder with no finished calibration, is refused in one line."""
    from model.cli import main
    from model.experiments.abc import CalibrationError, _written_here, second_predictive
    out, summary = reference
    cal = load_calibration(SMALL)
    first = (out / "predictive.csv").read_bytes()
    cov = second_predictive(out, cal, 16, 3, client=client, progress=False)
    rows = pd.read_csv(out / "confirm-3-16.csv")
    assert len(rows) == 16 and cov.summary.tolist() == ["public_value", "all (jointly)"]
    assert (cov.within_low <= cov.within).all() and (cov.within <= cov.within_high).all()
    assert (out / "predictive.csv").read_bytes() == first  # the first set is untouched
    one = pd.read_csv(out / "predictive.csv")
    assert not np.allclose(rows.public_value.to_numpy(), one.public_value.to_numpy())  # other seeds, other draws
    again = (out / "confirm-3-16.csv").read_bytes()
    second_predictive(out, cal, 16, 3, client=client, progress=False)
    assert (out / "confirm-3-16.csv").read_bytes() == again
    assert _written_here("confirm-3-16.csv") and _written_here("coverage-3-16.csv")  # --force may remove them
    with pytest.raises(CalibrationError, match="the calibration's own seed"):
        second_predictive(out, cal, 16, cal.seed, client=client)
    with pytest.raises(CalibrationError, match="no finished calibration"):
        second_predictive(out / "nowhere", cal, 16, 3, client=client)
    capsys.readouterr()
    copy = tmp_path / "copy"  # the command draws figures and a manifest: not into the module's folder
    shutil.copytree(out, copy)
    assert main(["calibrate", str(SMALL), "--out", str(copy), "--confirm", "3", "--workers", "1"]) == 0  # no --resume needed
    said = capsys.readouterr().out
    assert "Second predictive set (16 runs, fresh seeds of 3): within the bands (90% interval): public_value" in said
    assert (copy / "confirm-3-16.csv").read_bytes() == again
    assert json.loads((copy / "manifest.json").read_text())["command"]["confirm"] == [[3, 16]]  # for reproduce
    summary_before = (copy / "summary.json").read_bytes()
    assert main(["calibrate", str(SMALL), "--out", str(copy), "--confirm", "4", "--predictive", "8",
                 "--workers", "1"]) == 0  # --predictive sizes the second set only
    assert len(pd.read_csv(copy / "confirm-4-8.csv")) == 8 and not (copy / "predictive-7-8").exists()
    assert (copy / "summary.json").read_bytes() == summary_before and (copy / "predictive.csv").read_bytes() == first
    assert json.loads((copy / "manifest.json").read_text())["command"]["confirm"] == [[3, 16], [4, 8]]
    assert main(["calibrate", str(SMALL), "--out", str(out / "x"), "--confirm", str(cal.seed)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--confirm {cal.seed}: that is the calibration's own seed" in err
    assert not (out / "x").exists()


def test_predictive_coverage_carries_its_sampling_interval():
    """Two predictive sets of 160 regions at 0.83 and 0.78 within the bands (Addendum 30's): their 90%
    intervals overlap and each contains 0.8, and an interval narrows with more runs."""
    from model.cli import _predictive_text
    from model.experiments.abc import share_interval
    a = share_interval(np.arange(160) < 133)
    b = share_interval(np.arange(160) < 125)
    assert a["within"] == pytest.approx(0.831, abs=1e-3) and b["within"] == pytest.approx(0.781, abs=1e-3)
    assert a["within_low"] < b["within_high"] and a["within_low"] < 0.8 < b["within_high"]
    assert a["within_low"] == pytest.approx(0.777, abs=2e-3) and a["within_high"] == pytest.approx(0.874, abs=2e-3)
    wide = share_interval(np.arange(1600) < 1330)
    assert wide["within_high"] - wide["within_low"] < (a["within_high"] - a["within_low"]) / 2.5
    assert share_interval(np.ones(10, bool))["within_high"] == 1.0 and share_interval(np.ones(10, bool))["within_low"] < 0.85
    text = _predictive_text({"runs": 160, "coverage": [{"summary": "share_some", **a},
                                                      {"summary": "no_runs", **share_interval(np.zeros(0, bool))},
                                                      {"summary": "written_before_intervals", "within": 0.5}]})
    assert "within the bands (90% interval): share_some 83% [78%-87%], no_runs nan%, " in text
    assert text.endswith("written_before_intervals 50%")
    old = _predictive_text({"runs": 160, "coverage": [{"summary": "written_before_intervals", "within": 0.5}]})
    assert old.endswith("within the bands: written_before_intervals 50%")


def test_model_choice_names_the_closer_model_either_way():
    """The verdict has three outcomes: the full model closer, the null closer, or no clear difference."""
    cal = load_calibration(SMALL)
    obs = cal.summaries[0].observed
    rng = np.random.default_rng(5)

    def runs(distance):
        return pd.DataFrame({"distance": distance + rng.uniform(0, 0.1, 60), cal.summaries[0].name: obs})

    near, far = runs(1.0), runs(3.0)
    assert model_choice(near, far, cal, seed=1)["verdict"].startswith("the full model fits better")
    null_better = model_choice(far, near, cal, seed=1)
    assert null_better["verdict"].startswith("the null fits better")
    assert null_better["null_minus_full"]["mean_distance"]["ci90"][1] < 0
    assert model_choice(near, near.copy(), cal, seed=1)["verdict"].startswith("no clear difference")


def test_posterior_predictive_is_deterministic(reference, client, tmp_path):
    out, _ = reference
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    cal = load_calibration(SMALL)
    a = posterior_predictive(copy, 6, seed=11, client=client, calibration=cal, progress=False)
    b = posterior_predictive(copy, 6, seed=11, client=client, calibration=cal, progress=False)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns[:3]) == ["draw", "generation", "particle"] and a.error.isna().all()
    c = posterior_predictive(copy, 6, seed=12, client=client, calibration=cal, progress=False)
    assert not np.allclose(a.public_value, c.public_value)


TRUTH = 0.1  # diversion_cost of the synthetic observations


@pytest.fixture(scope="module")
def recovered(tmp_path_factory, client):
    """Observations made by the model at diversion_cost = 0.1 (12 runs on seeds 10000+), fitted with
    diversion_cost and election_turnover free (32 particles, 3 generations)."""
    tmp = tmp_path_factory.mktemp("truth")
    s = load("baseline").with_overrides(months=24, parameters={"trigger_rate": 5.0, "initial_performance": 0.3})
    pv = np.array([run_point(s, {"diversion_cost": TRUTH}, [], 10_000 + k).outcomes()["public_value"]
                   for k in range(12)])
    path = variant(tmp, ("population = 16", "population = 32"), ("max_generations = 2", "max_generations = 3"),
                   ("p_acc_min = 0.05", "p_acc_min = 0.0"), ("seed = 7", "seed = 1"),
                   ("observed = -0.17", f"observed = {float(pv.mean())!r}"), ("scale = 0.04", f"scale = {float(pv.std())!r}"),
                   drop_null=True)
    return calibrate(load_calibration(path), tmp / "out", client=client, progress=False)


def test_recovers_a_known_setting(recovered):
    d = recovered["parameters"]["diversion_cost"]
    prior_median = 0.25
    assert abs(d["median"] - TRUTH) < 0.06 and abs(d["median"] - TRUTH) < abs(prior_median - TRUTH) / 2
    assert d["ci90"][0] <= TRUTH <= d["ci90"][1]
    assert d["posterior_sd"] < 0.5 * d["prior_sd"] and d["identified"]
    eps = [g["epsilon"] for g in recovered["generations"]]
    assert eps == sorted(eps, reverse=True) and eps[-1] < eps[0] / 2


def test_a_setting_that_cannot_act_is_not_identified(recovered):
    e = recovered["parameters"]["election_turnover"]
    assert not e["identified"] and e["contraction"] > 0.6
    assert e["ci90"][1] - e["ci90"][0] > 0.5  # most of the prior box [0, 1]


@pytest.mark.parametrize("patch,pattern", [
    (("diversion_cost = { low", "diversion_cst = { low"),
     r"prior.diversion_cst: unknown parameter \(did you mean 'diversion_cost'\?\)"),
    (("diversion_cost = { low = 0.0, high = 0.5 }", "diversion_cost = { low = 0.0, high = 0.9 }"),
     r"prior.diversion_cost.high: 0.9 is out of range \(allowed: 0.0 to 0.5"),
    (("[summaries.public_value]", "[summaries.public_valu]"), r"summaries.public_valu: unknown outcome \(did you mean 'public_value'\?\)"),
    (("scale = 0.04", "scale = -0.04"), r"summaries.public_value.scale: -0.04 is out of range \(allowed: above 0"),
    (("band = 0.06", "band = 0"), r"summaries.public_value.band: 0 is out of range \(allowed: above 0"),
    (("alpha = 0.5", "alpha = 0.1"), r"abc.alpha: alpha x population = 0.1 x 16 keeps 1 particles"),
    (("alpha = 0.5", "alpha = 1.5"), r"abc.alpha: 1.5 is out of range \(allowed: below 1"),
    (("population = 16", "population = 2"), r"abc.population: 2 is out of range \(allowed: at least 4"),
    (("diversion_cost = { low = 0.0, high = 0.5 }", "diversion_cost = { low = 0.0, high = 0.5, scale = \"log\" }"),
     r"prior.diversion_cost.low: a log-uniform prior needs low above 0"),
    (("diversion_cost = { low = 0.0, high = 0.5 }", "diversion_cost = { low = 0.3, high = 0.2 }"),
     r"prior.diversion_cost: high must be above low"),
    (("election_turnover = { low", "\"region.example_strength\" = { low = 0.0, high = 1.0 }\nx = { low"),
     r"prior.region.example_strength: only for a region scenario"),
    (("constants = { diversion_cost = 0.0 }", "constants = { diversion_cost = 0.0, election_turnover = 0.1 }"),
     r"null.constants: fixes every setting of \[prior\]"),
    (("constants = { diversion_cost = 0.0 }", "constants = { diversion_cost = 3.0 }"),
     r"null.constants.diversion_cost: 3.0 is out of range"),
    (("[abc]", "[abcd]"), r"abcd: unknown key \(did you mean 'abc'\?\)"),
    (("seed = 7", "seed = 7\nbogus = 1"), r"bogus: unknown key"),
    (("seed = 7", "seeds = 7"), r"seeds: unknown key \(did you mean 'seed'\?\)"),  # 'extends', a scenario's key, before
    (("[prior]", "[priors]"), r"priors: unknown key \(did you mean 'prior'\?\)"),  # "prior: required key is missing"
    (("population = 16", "populaton = 16"), r"abc.populaton: unknown key \(did you mean 'population'\?\)"),
    # audit, session 21: each of these was fitted without a word
    (("[summaries.public_value]\nobserved = -0.17", "[summaries.max_phase]\nobserved = 7"),
     r"summaries.max_phase.observed: 7 is out of range \(allowed: 0 to 4: no run can give a mean outside it\)"),
    (("[summaries.public_value]\nobserved = -0.17", "[summaries.failed_trials]\nobserved = -1"),
     r"summaries.failed_trials.observed: -1 is out of range \(allowed: at least 0"),
    (("diversion_cost = { low = 0.0, high = 0.5 }", "diversion_cost = { low = 0.0, high = 0.5 }\n"
                                                     "trigger_rate = { low = 1.0, high = 5.0 }"),
     r"prior.trigger_rate: also in \[constants\]; a setting is either fixed or fitted"),
])
def test_bad_calibration_files_give_one_line(tmp_path, patch, pattern):
    path = variant(tmp_path, patch)
    with pytest.raises(ScenarioError, match=pattern) as e:
        load_calibration(path)
    assert "\n" not in str(e.value) and str(e.value).startswith(str(path))


@pytest.mark.parametrize("extra,pattern", [
    ('"effects.london.leader_drive" = { low = -0.3, high = 0.3 }',
     r"prior.effects.london.leader_drive: sets leader_drive for london, as "
     r"prior.effects.london\+east_midlands\+south_west.leader_drive does"),
    ('"effects.fire+fire.central_pressure" = { low = -0.3, high = 0.3 }', r"names a group twice"),
    ('"effects.south_west+london+east_midlands.leader_drive" = { low = -0.3, high = 0.3 }', r"give each group once"),
])
def test_a_group_of_places_is_fitted_by_one_prior_entry(tmp_path, extra, pattern):
    """Audit, session 21: two entries for the same group's offset were both reported as fitted, but
    the later overwrote the earlier for the places they share."""
    text = (SHIPPED / "calibrate_england_abc.toml").read_text()
    anchor = '"effects.fire.central_pressure" = { low = -0.3, high = 0.3 }'
    assert anchor in text
    path = tmp_path / "cal.toml"
    path.write_text(text.replace(anchor, anchor + "\n" + extra))
    with pytest.raises(ScenarioError, match=pattern) as e:
        load_calibration(path)
    assert "\n" not in str(e.value)


def test_shipped_england_calibration_loads():
    cal = load_calibration("calibrate_england_abc")
    groups = ["effects.north_west.leader_drive", "effects.london+east_midlands+south_west.leader_drive",
              "effects.fire.central_pressure"]
    assert cal.names == ["trigger_rate", "region.example_strength", "proof_threshold", "reversal_rate_design",
                         "region.burn_in", *groups]
    assert [s.name for s in cal.summaries][:4] == ["share_a_great_deal", "share_some", "share_hardly_any",
                                                   "share_innovating_start"]
    assert len(cal.summaries) == 9 and cal.null == {"region.example_strength": 0.0, "region.intermediaries": 0.0}
    assert cal.null_model().names == ["trigger_rate", "proof_threshold", "reversal_rate_design", "region.burn_in",
                                      *groups]
    # group offsets may take either sign (issue 13): an ordering is not forced by the prior
    assert all(b.low < 0 < b.high for b in cal.prior if b.name.startswith("effects."))
    with pytest.raises(ScenarioError, match=r"a calibration \(it has an \[abc\] table\).*innovation-sim calibrate"):
        load_experiment(SHIPPED / "calibrate_england_abc.toml")


def test_cli_calibrate_interrupt_resume_and_finished(reference, tmp_path):
    """Ctrl-C during a generation leaves a folder that --resume finishes, identical to an uninterrupted
    run; --resume of a finished folder does nothing and says so; a bad file is one line. (Without the
    null model, to keep it short: test_reference_outputs_and_model_choice covers that.)"""
    out_ref, _ = reference
    small = variant(tmp_path, drop_null=True, name="small.toml")
    out = tmp_path / "cli"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "model.cli", "calibrate", str(small), "--out", str(out),
                             "--workers", "1"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    deadline = time.time() + 120
    while not list((out / "gen_00").glob("part-*.parquet")) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert f"calibrate {small} --out {out} --resume" in err and "Traceback" not in err
    assert not (out / "summary.json").exists()
    r = sim("reproduce", out)  # user review: it said "written before calibrate recorded provenance"
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "an unfinished calibration" in r.stderr, r.stderr
    assert f"--out {out} --resume" in r.stderr
    r = sim("calibrate", small, "--out", out, "--resume", "--workers", "1")
    assert r.returncode == 0, r.stderr
    assert "diversion_cost" in r.stdout and "identified" in r.stdout and "ESS" in r.stdout
    assert {"marginals.png", "pairs.png", "epsilon.png", "posterior.csv"} <= {p.name for p in out.iterdir()}
    pd.testing.assert_frame_equal(pd.read_parquet(out / "particles.parquet"),
                                  pd.read_parquet(out_ref / "particles.parquet"))
    r = sim("calibrate", small, "--out", out, "--confirm", "5", "--predictive", "4", "--workers", "1")
    assert r.returncode == 0 and (out / "confirm-5-4.csv").is_file(), r.stderr
    assert "A predictive set on fresh seeds of 5 (this calibration made none of its own): 4 runs" in r.stdout
    assert json.loads((out / "manifest.json").read_text())["command"]["confirm"] == [[5, 4]]
    r = sim("reproduce", out)  # the re-run's clock aside, every file the same, the second set too
    assert r.returncode == 0 and "Identical: all" in r.stdout and "timings aside" in r.stdout, r.stdout + r.stderr
    assert "Then: innovation-sim calibrate" in r.stdout and "not compared" not in r.stdout, r.stdout
    for name in ("manifest.json", "pairs.png"):  # as a stop just after summary.json leaves it
        (out / name).unlink()
    r = sim("calibrate", small, "--out", out, "--resume")
    assert r.returncode == 0 and (out / "manifest.json").is_file() and (out / "pairs.png").is_file(), r.stderr
    r = sim("reproduce", out / "gen_00")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and f"reproduce {out.resolve()}" in r.stderr, r.stderr
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    r = sim("calibrate", small, "--out", out, "--resume")
    assert r.returncode == 0 and "already finished; nothing to do" in r.stdout
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before
    for name, text, says in (("summary.json", '{"generations": "x"}', "summary.json: damaged (key 'generations'"),
                             ("_calibration.json", "[]", "_calibration.json: not a calibration's record")):
        damaged = tmp_path / f"damaged-{name}"
        shutil.copytree(out, damaged)
        (damaged / name).write_text(text)
        r = sim("calibrate", small, "--out", damaged, "--resume", "--workers", "1")
        assert r.returncode == 2 and r.stderr.count("\n") == 1 and says in r.stderr, r.stderr
        assert (damaged / name).read_text() == text  # nothing touched
    bad = variant(tmp_path, ("scale = 0.04", "scale = -1.0"), name="bad.toml")
    r = sim("calibrate", bad, "--out", tmp_path / "bad")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "summaries.public_value.scale" in r.stderr
    assert not (tmp_path / "bad").exists()


def test_reproduce_leaves_out_the_predictive_runs_of_an_earlier_size(tmp_path):
    """`calibrate --resume --predictive 8` on a finished calibration keeps the runs of the earlier
    size beside the new ones; the manifest re-runs only the size its summary names."""
    from model.experiments.reproduce import earlier_predictive
    (tmp_path / "null").mkdir()
    for folder in (tmp_path, tmp_path / "null"):
        (folder / "_calibration.json").write_text("{}")
        for name in ("predictive-7-16", "predictive-7-8"):
            (folder / name).mkdir()
    (tmp_path / "summary.json").write_text(json.dumps({"predictive": {"runs": 8, "folder": "predictive-7-8"}}))
    assert earlier_predictive(tmp_path) == ["predictive-7-16", "null/predictive-7-16"]
    (tmp_path / "predictive-3-16").mkdir()  # a second set (--confirm 3) the manifest records: re-run, compared
    assert earlier_predictive(tmp_path, [[3, 16]]) == ["predictive-7-16", "null/predictive-7-16"]
    assert earlier_predictive(tmp_path)[0] == "predictive-3-16"


def test_cli_summary_text_names_every_part(reference):
    """What `calibrate` prints at the end, from the reference's summary (full, null, predictive, choice)."""
    from model.cli import _calibration_text

    out, summary = reference
    text = _calibration_text(summary, out)
    assert "2 generations (max_generations (2) reached), 24 runs" in text
    assert "Null model: 2 generations" in text and "Model choice by predictive fit" in text
    line = next(t for t in text.splitlines() if t.strip().startswith("diversion_cost"))
    d = summary["parameters"]["diversion_cost"]
    assert f"{d['median']:.3g}" in line and line.rstrip().endswith("yes")
    assert next(t for t in text.splitlines() if t.strip().startswith("election_turnover")).rstrip().endswith("no")


def test_shipped_threat_calibration_is_the_england_one_with_one_more_prior():
    """calibrate_england_abc_threat (England ABC plan, Addendum 7) changes nothing but the prior's
    efficiency_threat, which the null fits too."""
    base, threat = load_calibration("calibrate_england_abc"), load_calibration("calibrate_england_abc_threat")
    assert threat.names == [*base.names[:4], "efficiency_threat", *base.names[4:]]
    assert [s.name for s in threat.summaries] == [s.name for s in base.summaries] and threat.null == base.null
    assert (threat.seed, threat.population, threat.max_generations) == (base.seed, base.population, base.max_generations)
    assert "efficiency_threat" in threat.null_model().names


def test_shipped_null_alone_calibration_is_the_threat_null_with_three_edges_widened():
    """calibrate_england_abc_null (England ABC plan, Addendum 8) is calibrate_england_abc_threat's null
    model fitted on its own: the same constants, summaries and settings, 240 particles, and only the
    three lower edges its posterior pressed on widened."""
    null_alone = load_calibration("calibrate_england_abc_null")
    threat_null = load_calibration("calibrate_england_abc_threat").null_model()
    assert null_alone.null is None and null_alone.names == threat_null.names
    assert null_alone.summaries == threat_null.summaries
    assert null_alone.scenario.region.resolved() == threat_null.scenario.region.resolved()
    assert null_alone.scenario.parameters == threat_null.scenario.parameters
    same = ("seed", "max_generations", "alpha", "p_acc_min", "replicates", "batch_size")
    assert [getattr(null_alone, k) for k in same] == [getattr(threat_null, k) for k in same]
    assert null_alone.population == 240 and null_alone.scenario.months == threat_null.scenario.months
    widened = {"reversal_rate_design": 0.001, "proof_threshold": 0.5, "region.burn_in": 6.0}
    for a, b in zip(null_alone.prior, threat_null.prior):
        assert (a.high, a.scale) == (b.high, b.scale)
        assert a.low == widened.get(a.name, b.low) and (a.low < b.low) == (a.name in widened)


def test_shipped_ninth_run_is_the_eighth_with_learning_between_places():
    """calibrate_england_abc_full (England ABC plan, Addendum 10): the eighth run's file with learning
    between places (the scenario's own channels) and example_strength back in the prior on the
    seventh run's box; nothing else differs, so criterion 4 compares like with like."""
    full, null = load_calibration("calibrate_england_abc_full"), load_calibration("calibrate_england_abc_null")
    seventh = {p.name: p for p in load_calibration("calibrate_england_abc_threat").prior}
    assert full.null is None and [p for p in full.prior if p.name != "region.example_strength"] == null.prior
    assert next(p for p in full.prior if p.name == "region.example_strength") == seventh["region.example_strength"]
    assert full.summaries == null.summaries
    same = ("seed", "max_generations", "alpha", "p_acc_min", "replicates", "batch_size", "population")
    assert [getattr(full, k) for k in same] == [getattr(null, k) for k in same]
    shipped = load_calibration("calibrate_england_abc_threat").scenario.region.resolved()
    assert full.scenario.region.resolved() == shipped and shipped["intermediaries"] > 0
    assert null.scenario.region.resolved() == {**shipped, "example_strength": 0.0, "intermediaries": 0.0}


def test_shipped_eighth_run_continued_and_rescaled_differ_from_it_only_as_registered():
    """England ABC plan Addenda 13-15: calibrate_england_abc_null_extended is the eighth run with a
    larger budget only (so it can extend the eighth run's folder: same fit digest);
    calibrate_england_abc_null_scaled is the eighth run with the survey summaries' units computed
    (docs/calibration/england_abc/scales.txt) and a budget of 40 generations, nothing else; its
    _extended twin only raises that budget."""
    eighth = load_calibration("calibrate_england_abc_null")
    extended = load_calibration("calibrate_england_abc_null_extended")
    assert extended.fit_digest() == eighth.fit_digest() and extended.digest() != eighth.digest()
    assert (eighth.max_generations, extended.max_generations) == (30, 45)
    scaled = load_calibration("calibrate_england_abc_null_scaled")
    assert scaled.max_generations == 40 and scaled.prior == eighth.prior
    run_on = load_calibration("calibrate_england_abc_null_scaled_extended")  # Addendum 15
    assert run_on.fit_digest() == scaled.fit_digest() and run_on.max_generations == 60
    same = ("seed", "alpha", "p_acc_min", "replicates", "batch_size", "population")
    assert [getattr(scaled, k) for k in same] == [getattr(eighth, k) for k in same]
    assert scaled.scenario.to_toml_dict() == eighth.scenario.to_toml_dict()
    computed = {line.split()[0]: float(line.split()[-1]) for line in
                (ROOT / "docs/calibration/england_abc/scales.txt").read_text().splitlines()
                if line.startswith(("share_", "great_deal__"))}
    for a, b in zip(scaled.summaries, eighth.summaries):
        assert (a.name, a.observed, a.band) == (b.name, b.observed, b.band)
        assert a.scale == (round(computed[a.name], 3 if a.scale >= 0.01 else 4) if a.name in computed else b.scale)


def test_a_calibration_ignores_a_posterior_its_scenario_carries(tmp_path):
    """A scenario may carry an earlier fit's posterior (England 2006 will, plan Addendum 16); a calibration
    on it fits from the scenario's own values and never draws the settings it does not fit from that
    posterior, so adopting a posterior changes neither the scenario a calibration runs nor its runs."""
    base = (ROOT / "scenarios" / "baseline.toml").as_posix()
    pd.DataFrame({"trigger_rate": [1.0, 2.0], "weight": [0.5, 0.5]}).to_csv(tmp_path / "post.csv", index=False)
    (tmp_path / "plain.toml").write_text(f'extends = "{base}"\n')
    (tmp_path / "fitted.toml").write_text(f'extends = "{base}"\nposterior = "post.csv"\n')
    assert load(tmp_path / "fitted.toml").posterior is not None
    plain, fitted = (load_calibration(variant(tmp_path, ('scenario = "baseline"', f'scenario = "{s}.toml"'),
                                              name=f"cal_{s}.toml")) for s in ("plain", "fitted"))
    assert fitted.scenario.posterior is None  # the digest hashes the file's text too, which names the scenario
    assert fitted.scenario.to_toml_dict() == plain.scenario.to_toml_dict()
    assert fitted.scenario.for_replicate(3) == (fitted.scenario, {})  # nothing drawn


@pytest.mark.parametrize("run", ["run7", "run8", "run8_extended", "run9", "run10", "run10_extended", "run11"])
def test_shipped_england_calibrations_still_run_what_their_results_record(run):
    """Each documented England run's folder records the digest of what it ran (the calibration file,
    the model and the resolved scenario); the shipped file gives the same digest today, so England
    2006 adopting a posterior (plan Addendum 16) left every documented run reproducible, resumable
    and extendable."""
    summary = json.loads((ROOT / "docs/calibration/england_abc" / run / "summary.json").read_text())
    assert load_calibration(Path(summary["experiment"]).stem).digest() == summary["digest"]


def test_shipped_eleventh_run_is_the_ninth_with_the_tenth_runs_units():
    """calibrate_england_abc_full_scaled (England ABC plan, Addendum 16): the ninth run's file (the full
    model) with the tenth run's summaries and units and a budget of 60 generations, nothing else, so
    criterion 4 compares the two models fitted the same way with one distance."""
    ninth, tenth = load_calibration("calibrate_england_abc_full"), load_calibration("calibrate_england_abc_null_scaled_extended")
    eleventh = load_calibration("calibrate_england_abc_full_scaled")
    assert eleventh.prior == ninth.prior and eleventh.summaries == tenth.summaries and eleventh.null is None
    assert eleventh.scenario.to_toml_dict() == ninth.scenario.to_toml_dict()
    same = ("seed", "alpha", "p_acc_min", "replicates", "batch_size", "population", "max_generations")
    assert [getattr(eleventh, k) for k in same] == [getattr(tenth, k) for k in same]


def test_shipped_twelfth_and_thirteenth_runs_change_one_thing_each_from_the_eleventh():
    """England ABC plan Addenda 18 and 19: the twelfth run is the eleventh with access per source
    (region.access_limited 2), the thirteenth the eleventh with the Beacons' reach in the prior;
    nothing else differs, so each is judged against the eleventh on like terms."""
    eleventh = load_calibration("calibrate_england_abc_full_scaled")
    twelfth = load_calibration("calibrate_england_abc_full_access")
    thirteenth = load_calibration("calibrate_england_abc_full_beacons")
    same = ("seed", "alpha", "p_acc_min", "replicates", "batch_size", "population", "max_generations", "summaries")
    for other in (twelfth, thirteenth):
        assert [getattr(other, k) for k in same] == [getattr(eleventh, k) for k in same]
    assert twelfth.prior == eleventh.prior
    t, e = twelfth.scenario.to_toml_dict(), eleventh.scenario.to_toml_dict()
    assert t["region"].pop("access_limited") == 2 and e["region"].pop("access_limited") == 1
    assert t == e
    assert thirteenth.prior[:-1] == eleventh.prior and thirteenth.prior[-1].name == "region.beacon_reach"
    assert thirteenth.scenario.to_toml_dict() == eleventh.scenario.to_toml_dict()


def _england_report():
    import importlib.util
    spec = importlib.util.spec_from_file_location("england_report", ROOT / "docs/calibration/england_abc/report.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_england_report_counts_an_errored_run_as_outside_and_reads_the_named_predictive_folder(tmp_path,
                                                                                                   monkeypatch):
    """A predictive run that raised has NaN shares: criterion 1's denominator keeps it (before, it was
    dropped: 2 of 2 within instead of 2 of 3); the folder summary.json names is read even beside
    another; with two and none named, the report stops with one line."""
    report = _england_report()
    runs = pd.DataFrame({"share_a_great_deal": [0.43, 0.43, np.nan], "share_some": [0.52, 0.52, np.nan],
                         "share_hardly_any": [0.02, 0.02, np.nan], "share_innovating_start": [0.77, 0.77, np.nan],
                         "answer_performance_corr": [0.0, 0.0, np.nan], "error": [None, None, "ValueError: boom"]})
    read = []
    monkeypatch.setattr(report, "read_runs", lambda folder: read.append(folder.name) or runs)
    for name in ("predictive-1-10", "predictive-2-10"):
        (tmp_path / name).mkdir()
    (tmp_path / "summary.json").write_text(json.dumps({"predictive": {"folder": "predictive-2-10"}, "ess": 10.0,
                                                       "parameters": {}}))
    post = {"weight": [1.0, 1.0], "effects.north_west.leader_drive": [0.2, 0.3],
            "effects.london+east_midlands+south_west.leader_drive": [0.0, 0.0], "effects.fire.central_pressure": [0.1, 0.1]}
    pd.DataFrame(post).to_csv(tmp_path / "posterior.csv", index=False)
    out = report.judge(tmp_path)
    assert read == ["predictive-2-10"]
    assert out["1_three_shares_jointly"] == {**out["1_three_shares_jointly"], "share_of_regions": 0.667, "runs": 3,
                                             "errored": 1, "met": False}
    assert out["2_level_in_2000"]["met"]  # 0.77, the band's written edge, is inside it
    (tmp_path / "summary.json").write_text("{}")
    with pytest.raises(SystemExit, match="expected one posterior predictive folder, found"):
        report.predictive_runs(tmp_path)


def test_resume_of_an_empty_folder_says_so_and_a_huge_predictive_is_refused_before_the_fit(tmp_path, capsys,
                                                                                            monkeypatch):
    """Audit, session 21: `--resume` with a mistyped folder started an hour's calibration again
    without a word (and an interrupt then said batches were kept in a folder never made);
    `--predictive 99999999999` ran the whole fit, then failed with a traceback."""
    from model import cli
    import model.experiments.abc as abc

    def stop(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(abc, "calibrate", stop)
    out = tmp_path / "typo"
    assert cli.main(["calibrate", str(SMALL), "--out", str(out), "--resume", "--workers", "1"]) == 130
    err = capsys.readouterr().err
    assert f"--resume: {out} holds nothing yet, so the calibration starts there from the beginning" in err
    assert "interrupted before the calibration started; nothing was written" in err and not out.exists()
    with pytest.raises(SystemExit) as e:  # argparse's own exit, one line
        cli.main(["calibrate", str(SMALL), "--out", str(out), "--predictive", "99999999999"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--predictive: 99,999,999,999 is above the limit" in err


def test_reproduce_reports_a_damaged_json_file_of_a_calibration_as_differing(reference, tmp_path):
    """Audit, session 21: a damaged summary.json or generation manifest was a JSONDecodeError traceback."""
    from model.experiments.reproduce import compare
    folder, _ = reference
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    (copy / "summary.json").write_text("{not json")
    (copy / "gen_00" / "_manifest.json").write_text("{")
    same, differ = compare(folder, copy)
    assert {"summary.json", "gen_00/_manifest.json"} <= set(differ) and same


def test_a_predictive_file_that_contradicts_the_summary_is_made_again_on_resume(reference, client, tmp_path):
    """Audit, session 21: `--resume --predictive 8` interrupted after the full model's predictive.csv
    was written left 8 rows against a summary of 16, and a later --resume called the folder finished."""
    out, summary = reference
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    before = {p: (copy / p).read_bytes() for p in ("predictive.csv", "coverage.csv", "null/predictive.csv")}
    cal = load_calibration(SMALL)
    posterior_predictive(copy, 8, cal.seed, client=client, calibration=cal, progress=False)  # then "interrupted"
    assert len(pd.read_csv(copy / "predictive.csv")) == 8 != summary["predictive"]["runs"]
    again = calibrate(cal, copy, resume=True, client=client, progress=False)
    assert not again.get("already_finished") and again["predictive"]["runs"] == summary["predictive"]["runs"]
    assert {p: (copy / p).read_bytes() for p in before} == before  # made again from the same runs: identical
    assert calibrate(cal, copy, resume=True, client=client, progress=False).get("already_finished")


def test_an_interrupted_calibration_finishes_under_a_file_that_differs_only_in_its_words(reference, client, tmp_path):
    """Audit, session 21: with only its description edited, a calibration stopped after its last
    generation could not be finished ("nothing to extend")."""
    out, _ = reference
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    (copy / "summary.json").unlink()
    edited = variant(tmp_path, ('description = "Test fixture:', 'description = "Edited words. Test fixture:'))
    summary = calibrate(load_calibration(edited), copy, resume=True, client=client, progress=False)
    assert not summary.get("already_finished")
    assert (copy / "particles.parquet").read_bytes() == (out / "particles.parquet").read_bytes()
    assert (copy / "posterior.csv").read_bytes() == (out / "posterior.csv").read_bytes()


def test_an_interrupt_while_drawing_says_the_results_are_complete(reference, tmp_path, capsys, monkeypatch):
    """Audit, session 21: Ctrl-C while the figures were drawn said "nothing was written" over a finished
    calibration (only figures and the manifest missing; --resume draws them)."""
    from model import cli
    import model.viz.abc as figures

    out, _ = reference
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    for name in ("marginals.png", "pairs.png", "epsilon.png"):  # the full model's drawn, the null's not:
        (copy / name).write_bytes(b"png")  # its figures count too (they were not looked at)
        assert not (copy / "null" / name).exists()

    def stop(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(figures, "abc_figures", stop)
    assert cli.main(["calibrate", str(SMALL), "--out", str(copy), "--resume"]) == 130
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "interrupted while drawing the figures; the results in" in err
    assert "are complete" in err and "--resume to draw them" in err


def test_a_generation_that_cannot_be_written_is_not_blamed_on_another_calibration(tmp_path):
    """Review, session 21: a full disk ("cannot be written again (...); cannot resume") was reported as a
    generation of another calibration, with the advice to delete its finished runs."""
    from model.experiments.abc import _generation_fix
    from model.viz.abc import _save

    gen = tmp_path / "gen_03"
    disk = f"{gen}/_manifest.json: outdated, and cannot be written again (no space left on device); cannot resume"
    assert _generation_fix(disk, gen, 3) == disk
    foreign = f"{gen}: was made by a different experiment definition (digest a != b); cannot resume"
    assert "were made for another calibration: remove" in _generation_fix(foreign, gen, 3)
    changed = (f"{gen}: its experiment file is the one given, but what it resolves to has changed since (digest a != b): "
               f"its scenario x.toml, a file it extends, or the code's defaults; restore them to resume, or run into another --out")
    assert _generation_fix(changed, gen, 3) == changed  # not "damaged", with advice to delete the finished runs

    class Cut:  # a figure whose drawing is interrupted half way through the file
        def savefig(self, path, **kw):
            Path(path).write_bytes(b"\x89PNG cut")
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _save(Cut(), tmp_path / "pairs.png")
    assert not (tmp_path / "pairs.png").exists()  # so --resume draws it again
    assert not list(tmp_path.glob(".pairs.png*"))  # and no temporary file is left beside it


def test_a_whole_number_setting_is_reported_as_the_runs_used_it():
    """Audit, session 21: region.burn_in (a whole number of months) is fitted as a continuous value and
    rounded when run, but its median and intervals were reported unrounded (e.g. 37.6 months)."""
    base = load_calibration(SMALL)
    cal = dataclasses.replace(base, prior=[PriorBox("region.burn_in", 12.0, 120.0), PriorBox("trigger_rate", 0.1, 3.0)])
    pop = pd.DataFrame({"region.burn_in": [37.6, 40.2, 41.4, 55.5], "trigger_rate": [0.51, 0.52, 0.53, 0.54],
                        "weight": [0.25, 0.25, 0.25, 0.25]})
    s = parameter_summary(cal, pop)
    burn = s["region.burn_in"]
    assert burn["median"] == 40 and type(burn["median"]) is int
    assert all(type(v) is int for v in burn["ci50"] + burn["ci90"]) and burn["ci90"] == [38, 56]
    assert s["trigger_rate"]["median"] == pytest.approx(0.52) and type(s["trigger_rate"]["median"]) is float


def test_a_finished_calibration_writes_its_lost_tables_again_and_force_spares_other_files(reference, client,
                                                                                             tmp_path):
    """--resume of a finished folder whose posterior.csv is gone, or whose generations.csv is cut
    short, writes them again from the particles (it used to say "already finished" over a missing
    posterior); --force refuses to delete files a calibration does not write, naming them."""
    from model.experiments.abc import CalibrationError
    out_ref, _ = reference
    cal = load_calibration(SMALL)
    out = tmp_path / "cal"
    shutil.copytree(out_ref, out)
    (out / "posterior.csv").unlink()
    text = (out / "null" / "generations.csv").read_text()
    (out / "null" / "generations.csv").write_text(text.splitlines()[0][:7])
    summary = calibrate(cal, out, client=client, resume=True, progress=False)
    assert not summary.get("already_finished")
    for name in ("posterior.csv", "null/generations.csv"):
        assert (out / name).read_text() == (out_ref / name).read_text()
    again = calibrate(cal, out, client=client, resume=True, progress=False)
    assert again.get("already_finished")
    (out / "my_notes.txt").write_text("mine")
    (out / "my_analysis").mkdir()
    (out / ".git").mkdir()
    (out / "null" / "recheck-8").mkdir()
    with pytest.raises(CalibrationError, match=r"--force would delete files a calibration does not write "
                                               r"\(.git/, my_analysis/, my_notes.txt, null/recheck-8/\)"):
        calibrate(cal, out, client=client, force=True, progress=False)
    assert (out / "my_notes.txt").read_text() == "mine" and (out / "posterior.csv").exists()


def test_a_damaged_generation_of_a_finished_calibration_is_run_again_on_resume(reference, client, tmp_path):
    """User review: a part of gen_01 cut in half after the calibration finished was never found;
    `--resume` said "already finished" and the folder could not be read or reproduced. Now the
    resume runs the damaged batches again and checks they give the particles recorded."""
    out, _ = reference
    copy = shutil.copytree(out, tmp_path / "cal")
    for folder in (copy / "gen_01", copy / "null" / "gen_00"):
        part = sorted(folder.glob("part-*.parquet"))[0]
        whole = part.read_bytes()
        part.write_bytes(whole[:len(whole) // 2])
    cal = load_calibration(SMALL)
    assert [g for g, *_ in damaged_generations(cal, copy)] == [1]
    summary = calibrate(cal, copy, client=client, progress=False, resume=True)
    assert summary["already_finished"] and summary["repaired"] == [str(copy / "gen_01"), str(copy / "null" / "gen_00")]
    for folder in ("gen_01", "null/gen_00"):
        for p in (out / folder).glob("part-*.parquet"):
            assert (copy / folder / p.name).read_bytes() == p.read_bytes()
    assert not damaged_generations(cal, copy)
    again = calibrate(cal, copy, client=client, progress=False, resume=True)
    assert again["already_finished"] and "repaired" not in again
    shutil.rmtree(copy / "gen_00")  # removed on purpose (disk space): not damage, not run again (review)
    assert not damaged_generations(cal, copy)
    assert "repaired" not in calibrate(cal, copy, client=client, progress=False, resume=True)
    assert not (copy / "gen_00").exists()


def test_a_second_set_is_complete_even_when_the_manifest_cannot_record_it(tmp_path):
    """Review: a damaged manifest.json gave a traceback after the second set had finished."""
    from model.io.manifest import add_confirm
    assert not add_confirm(tmp_path, 3, 16)  # none
    (tmp_path / "manifest.json").write_text("{")
    assert not add_confirm(tmp_path, 3, 16) and (tmp_path / "manifest.json").read_text() == "{"
    (tmp_path / "manifest.json").write_text(json.dumps({"command": {"name": "calibrate"}}))
    assert add_confirm(tmp_path, 3, 16) and add_confirm(tmp_path, 3, 16)
    assert json.loads((tmp_path / "manifest.json").read_text())["command"]["confirm"] == [[3, 16]]
