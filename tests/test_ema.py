"""Exploratory modelling (issue 16): uncertainties, levers and outcomes in experiment files, the EMA
Workbench interface (equal to our runner for the same seeds), scenario discovery (PRIM recovers a
known box) and the robustness of levers. Small and short: properties, never the model's numbers."""

from __future__ import annotations

import json
import shutil
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model.cli import main
from model.core.parameters import REGISTRY
from model.experiments import ema
from model.experiments.discover import discover, discover_folder
from model.experiments.robust import analyse
from model.experiments.sweep import read_runs, run_batch
from model.io.experiment import SHIPPED, load_experiment
from model.io.scenario import ScenarioError

from clihelp import make_sweep  # tests/ is on the path (conftest.py)

TINY = """
name = "tiny exploratory"
description = "test"
scenario = "inspection_failure"
months = 13                   # the scenario's inspection at month 12 acts in month 13
replicates = 1
seed = 5
batch_size = 4
[design]
method = "exploratory"
samples = 4
[uncertainties]
openness = { low = 0.2, high = 0.8 }
n_residents = { low = 40, high = 120 }
[levers]
leader_drive = [0.45, 0.9]
[levers.grant]
levels = [0, 1]
[[levers.grant.events]]
month = 3
kind = "funding_start"
field = "education"
[outcomes]
public_value = { threshold = 0.0 }
reversals = {}
"""


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


# --- 1. uncertainties, levers, outcomes ---------------------------------------------------------

def test_exploratory_design_shares_futures_and_seeds_across_policies(tmp_path):
    e = load_experiment(write(tmp_path, TINY))
    assert (e.n_futures, e.n_policies, e.n_runs) == (4, 4, 16)
    assert e.uncertainties == ["openness", "n_residents"] and e.levers == ["leader_drive", "grant"]
    u = e.points[:, :2]
    for p in range(1, 4):  # every policy meets the same futures with the same seeds
        assert np.array_equal(u[p * 4:(p + 1) * 4], u[:4])
        assert [e.run_seed(p * 4 + f) for f in range(4)] == [e.run_seed(f) for f in range(4)]
    assert len({e.run_seed(f) for f in range(4)}) == 4 and all(0 <= e.run_seed(i) < 2 ** 63 for i in range(16))
    assert sorted(map(tuple, e.points[::4, 2:])) == [(0.45, 0.0), (0.45, 1.0), (0.9, 0.0), (0.9, 1.0)]
    assert e.outcome_specs == {"public_value": {"direction": "maximise", "threshold": 0.0},
                               "reversals": {"direction": "minimise", "threshold": None}}
    params, events = e.point_settings(5)  # policy 1 (grant on): an integer setting stays whole
    assert isinstance(params["n_residents"], int) and events and events[0].kind == "funding_start"


@pytest.mark.parametrize("old, new, message", [
    ("openness = { low = 0.2, high = 0.8 }", "openness = { low = 0.2, high = 1.8 }",
     r"uncertainties\.openness\.high: 1\.8 is out of range \(allowed: 0\.0 to 1\.0"),
    ("openness = { low = 0.2", "opennes = { low = 0.2", r"uncertainties\.opennes: unknown parameter \(did you mean 'openness'\?\)"),
    ("leader_drive = [0.45, 0.9]", "leader_drive = [0.45, 1.9]", r"levers\.leader_drive: 1\.9 is out of range \(allowed: 0\.0 to 1\.0"),
    ("leader_drive = [0.45, 0.9]", "leader_drive = { low = 0.4, high = 0.9 }", r"levers\.leader_drive: give the options as a list of levels"),
    ("leader_drive = [0.45, 0.9]", "openness = [0.45, 0.9]", r"levers\.openness: also an uncertainty"),
    ("reversals = {}", "reversal = {}", r"outcomes\.reversal: unknown outcome \(did you mean 'reversals'\?\) \(allowed: timeseries_every, public_value"),
    ("reversals = {}", "reversals = { direction = \"up\" }", r"outcomes\.reversals\.direction: 'up' is not allowed \(allowed: 'maximise', 'minimise' or 'info'\)"),
    ("samples = 4", "", r"design\.samples: required for method \"exploratory\""),
    ("method = \"exploratory\"", "method = \"lhs\"", r"uncertainties: only for method = \"exploratory\""),
    ("month = 3", "month = 30", r"levers\.grant\.events\[0\]\.month: give a month from 0 to 12"),
    ("month = 3", "month = 3\nshare = 0.5", r"levers\.grant\.events\[0\]\.share: unknown key$"),
    ("openness = { low = 0.2, high = 0.8 }", "openness = { low = 0.2, high = 0.8, step = 1 }", r"uncertainties\.openness\.step: unknown key$"),
    ("[outcomes]", "[constants]\nopenness = 3\n[outcomes]", r"constants: parameter 'openness' = 3\.0 is out of range"),
    ("[uncertainties]", "[uncertainties]\n\"region.followers\" = {}", r"uncertainties\.region\.followers: only for a region scenario"),
])
def test_bad_exploratory_files_give_one_line_naming_file_and_field(tmp_path, old, new, message):
    assert old in TINY
    path = write(tmp_path, TINY.replace(old, new))
    with pytest.raises(ScenarioError) as e:
        load_experiment(path)
    text = str(e.value)
    assert "\n" not in text and text.startswith(str(path)) and re.search(message, text), text


def test_shipped_exploratory_experiments_load():
    for name in ("robust_inspection", "discover_embedding", "robust_region_levers"):
        e = load_experiment(SHIPPED / f"{name}.toml")
        assert e.method == "exploratory" and e.n_runs > 0 and e.outcome_specs


# --- 2. the EMA Workbench interface ---------------------------------------------------------------

def test_models_are_generated_from_the_registry():
    m = ema.locality_model("baseline", months=6)
    names = {u.name: u for u in m.uncertainties}
    assert set(names) == {"seed", *REGISTRY}
    assert type(names["n_residents"]).__name__ == "IntegerParameter"
    assert (names["openness"].lower_bound, names["openness"].upper_bound) == (REGISTRY["openness"].low, REGISTRY["openness"].high)
    assert {o.name for o in m.outcomes} >= {"public_value", "reached_embedding", "max_phase__education"}
    r = ema.region_model("england_2006", levers={"region.beacon_scheme": [0, 1]})
    lever = list(r.levers)[0]
    assert lever.name == "region__beacon_scheme" and lever.variable_name == ["region.beacon_scheme"]
    assert all(u.name.isidentifier() for u in r.uncertainties)
    with pytest.raises(ScenarioError, match="a region scenario"):
        ema.locality_model("england_2006")


def test_ema_sequential_evaluator_equals_our_runner_for_the_same_seeds(tmp_path):
    exp = load_experiment(write(tmp_path, TINY))
    experiments, outcomes = ema.perform(exp, evaluator="sequential")
    assert len(experiments) == exp.n_runs and set(outcomes) == set(exp.outcome_specs)
    ema_runs = ema.as_runs(exp, experiments, outcomes)
    rows, _ = run_batch(exp, list(range(exp.n_runs)))
    ours = pd.DataFrame(rows)
    assert ours.error.isna().all()
    assert ema.compare_with_sweep(ema_runs, ours).empty
    assert ema_runs.seed.tolist() == [exp.run_seed(i) for i in range(exp.n_runs)]
    assert ema_runs.reversals.nunique() + ema_runs.public_value.nunique() > 2  # runs differ: a real comparison


def test_ema_samples_its_own_experiments():
    E = ema.workbench()
    m = ema.locality_model("baseline", uncertainties=["openness", "staff_slack"], levers={"leader_drive": [0.45, 0.8]},
                           outcome_names=["public_value"], months=6)
    experiments, outcomes = E.perform_experiments(m, scenarios=2, policies=2)
    assert len(experiments) == 4 and np.isfinite(outcomes["public_value"]).all()
    seed, openness = int(experiments.seed[0]), float(experiments.openness[0])
    alone = ema.ScenarioFunction(ema.load("baseline").with_overrides(months=6))(
        seed, openness=openness, staff_slack=float(experiments.staff_slack[0]),
        leader_drive=float(experiments.leader_drive[0]))
    assert alone["public_value"] == outcomes["public_value"][0]


# --- 3. scenario discovery ----------------------------------------------------------------------------

def synthetic_sweep(folder: Path, n: int = 1000) -> Path:
    """A sweep folder where the answer is known: hit = 1 iff a > 0.7 and b < 0.3 (c is noise)."""
    folder.mkdir()
    x = np.random.default_rng(1).random((n, 3))
    df = pd.DataFrame({"run": np.arange(n), "point": np.arange(n), "replicate": 0, "seed": np.arange(n, dtype=np.uint64),
                       "a": x[:, 0], "b": x[:, 1], "c": x[:, 2]})
    df["hit"] = ((df.a > 0.7) & (df.b < 0.3)).astype(float)
    df["error"] = None
    df.to_parquet(folder / "part-00000.parquet", index=False)
    (folder / "_manifest.json").write_text(json.dumps({"parameters": ["a", "b", "c"], "switches": [], "method": "lhs",
                                                       "runs": n}))
    return folder


def test_prim_recovers_a_known_box_within_005(tmp_path):
    d = discover_folder(synthetic_sweep(tmp_path / "synthetic"), "hit")
    box = d.boxes[0]
    lims = {lim["name"]: lim for lim in box.limits}
    assert set(lims) == {"a", "b"}  # c is not restricted
    assert lims["a"]["low_restricted"] and not lims["a"]["high_restricted"] and abs(lims["a"]["low"] - 0.7) <= 0.05
    assert lims["b"]["high_restricted"] and not lims["b"]["low_restricted"] and abs(lims["b"]["high"] - 0.3) <= 0.05
    assert box.coverage >= 0.9 and box.density >= 0.9
    assert set(d.features.setting[:2]) == {"a", "b"}
    assert re.match(r"In \d+% of runs where .*, hit is 1", box.sentence)
    assert re.search(r"\ba > 0\.(6|7)\d\b", box.sentence) and re.search(r"\bb < 0\.(2|3)\d\b", box.sentence)


def test_discover_with_one_setting_few_runs_and_a_declared_direction(tmp_path, capsys):
    """One varied setting used to crash EMA's feature scoring (a third of one setting is 0), and 10-19
    runs CART's smallest leaf; an outcome declared to be minimised (failed_trials) is read as
    "at most" the threshold, as robust reads it."""
    one = synthetic_sweep(tmp_path / "one", n=200)
    runs = pd.read_parquet(one / "part-00000.parquet").drop(columns=["b", "c"])
    runs["hit"] = (runs.a > 0.7).astype(float)
    runs["failed_trials"] = np.round(10 * runs.a)
    runs.to_parquet(one / "part-00000.parquet", index=False)
    (one / "_manifest.json").write_text(json.dumps({"parameters": ["a"], "switches": [], "method": "lhs", "runs": 200}))
    d = discover_folder(one, "hit")
    assert d.inputs == ["a"] and abs(d.boxes[0].limits[0]["low"] - 0.7) <= 0.05
    assert discover_folder(one, "failed_trials", threshold=2).event == "failed_trials is at most 2"
    assert main(["discover", str(one), "--outcome", "failed_trials", "--threshold", "2"]) == 0
    assert "failed_trials is at most 2" in capsys.readouterr().out
    few = synthetic_sweep(tmp_path / "few", n=15)
    assert main(["discover", str(few), "--outcome", "hit"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "15 runs with a value; scenario discovery needs at least 20" in err


def test_discover_says_when_no_condition_picks_anything_out(tmp_path, capsys):
    """An outcome in 85% of runs, unrelated to the settings, and --min-density 0.8: the whole sweep
    won and was printed as a box "where anything"; now it says there is no box, and why."""
    folder = synthetic_sweep(tmp_path / "noise", n=300)
    runs = pd.read_parquet(folder / "part-00000.parquet")
    runs["hit"] = (np.random.default_rng(3).random(len(runs)) < 0.85).astype(float)
    runs.to_parquet(folder / "part-00000.parquet", index=False)
    assert main(["discover", str(folder), "--outcome", "hit"]) == 0
    out = capsys.readouterr().out
    assert "No box:" in out and re.search(r"already 8\d% dense", out) and "where anything" not in out
    assert pd.read_csv(folder / "_discover" / "hit" / "boxes.csv").empty
    assert (folder / "_discover" / "hit" / "figures" / "peeling_trajectory.png").stat().st_size > 0


def test_discover_command_writes_tables_and_figures(tmp_path, capsys):
    folder = synthetic_sweep(tmp_path / "synthetic")
    assert main(["discover", str(folder), "--outcome", "hit"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"Box 1: coverage [01]\.\d\d, density [01]\.\d\d", out) and "In " in out
    density = float(re.search(r"Box 1: coverage [01]\.\d\d, density ([01]\.\d\d)", out).group(1))
    assert density >= 0.8 and "below --min-density" not in out.split("Box 2")[0]
    # a box below --min-density is the fallback, and says so (README audit, session 22)
    assert main(["discover", str(folder), "--outcome", "hit", "--min-density", "1", "--boxes", "1", "--max-dims", "1"]) == 0
    out = capsys.readouterr().out
    assert "(below --min-density 1: no box of at most 1 setting holding a fifth of the cases was that dense, so this is the densest of them" in out
    res = folder / "_discover" / "hit"
    for f in ("boxes.csv", "trajectory.csv", "feature_scores.csv", "cart_boxes.csv", "discovery.json",
              "figures/peeling_trajectory.png", "figures/boxes.png", "figures/feature_scores.png"):
        assert (res / f).stat().st_size > 0, f
    boxes = pd.read_csv(res / "boxes.csv")
    assert set(boxes.columns) >= {"box", "coverage", "density", "setting", "low", "high"}
    assert read_runs(folder).shape[0] == 1000  # the sweep's rows are untouched by _discover/
    assert main(["discover", str(folder), "--outcome", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--outcome nope: not an outcome of this sweep (allowed: hit)" in err


def test_discover_replaces_only_its_own_earlier_output(tmp_path, capsys, monkeypatch):
    """--out used to be deleted whatever it held (the current folder, a sweep, a thesis)."""
    folder = synthetic_sweep(tmp_path / "synthetic")
    precious = tmp_path / "work" / "precious"
    precious.mkdir(parents=True)
    (precious / "thesis.txt").write_text("years of work")
    monkeypatch.chdir(precious)
    for out, why in ((".", "is the current folder or holds it"), ("..", "is the current folder or holds it"),
                     (str(folder), "already exists and holds files this command did not write (no discovery.json)"),
                     ("thesis.txt", "is a file, not a folder")):
        assert main(["discover", str(folder), "--outcome", "hit", "--out", out]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"--out {out}: {why}" in err, err
    assert (precious / "thesis.txt").read_text() == "years of work" and read_runs(folder).shape[0] == 1000
    again = tmp_path / "again"
    for _ in range(2):  # an earlier discovery in the same folder is replaced
        assert main(["discover", str(folder), "--outcome", "hit", "--out", str(again)]) == 0
    assert (again / "discovery.json").is_file()


def test_discover_on_a_real_exploratory_sweep(tmp_path, capsys):
    exp = load_experiment(write(tmp_path, TINY.replace("samples = 4", "samples = 6")))
    folder = make_sweep(exp, tmp_path / "sweep")
    runs = read_runs(folder)
    thr = float(runs.public_value.median())
    x, y = runs[exp.names + exp.switch_names], (runs.public_value >= thr).astype(int).to_numpy()
    d = discover(x, y, "public_value", max_boxes=1)
    assert d.boxes and 0 < d.boxes[0].coverage <= 1 and 0 < d.boxes[0].density <= 1
    assert main(["discover", str(folder), "--outcome", "public_value__education"]) == 2  # not 0/1, no threshold
    assert "give --threshold" in capsys.readouterr().err


# --- 4. robustness of levers ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_sweep(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tiny")
    exp = load_experiment(write(tmp, TINY))
    return exp, make_sweep(exp, tmp / "sweep")


@pytest.mark.parametrize("key,value,says", [
    ("outcome_specs.public_value.threshold", "high", "outcome_specs.public_value.threshold: 'high' is not a number"),
    ("outcome_specs.public_value.direction", "sideways", "direction: 'sideways' (allowed: maximise, minimise, info)"),
    ("outcome_specs.nonexistent", {"direction": "maximise"}, "outcome_specs: 'nonexistent' is not a column"),
    ("levers", ["bogus"], "levers: 'bogus' is not a column of the runs"),
    ("futures", 0, "futures: 0 does not divide"),
    ("futures", 2, "futures: 2 does not match the runs"),
    ("futures", 8, "futures: 8 does not match the runs"),
    ("runs", 0, "runs: 0 (allowed: 1 or more"),
])
def test_a_hand_edited_manifest_is_refused_by_readers_and_written_again_on_resume(tiny_sweep, tmp_path, capsys,
                                                                                    key, value, says):
    """robust and discover used to give tracebacks or a wrong table (policies mixed up) on an edited
    manifest; the resume, which said there was nothing to do, now writes it again."""
    from model.experiments.sweep import Store, read_sweep
    exp, src = tiny_sweep
    out = shutil.copytree(src, tmp_path / "out")
    mf = json.loads((out / "_manifest.json").read_text())
    *path, last = key.split(".")
    target = mf
    for k in path:
        target = target[k]
    target[last] = value
    (out / "_manifest.json").write_text(json.dumps(mf))
    for args in (["robust", str(out)], ["discover", str(out), "--outcome", "public_value"]):
        assert main(args) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and says in err and "--resume` writes it again" in err, err
    store = Store(out, exp)
    assert store.check(resume=True) == ([], False) and store.repaired == ["_manifest.json"]
    assert len(read_sweep(out)[1]) == exp.n_runs


def test_regret_and_satisficing_on_a_finished_sweep(tmp_path, capsys):
    # a long lever name: the printed table must still tell the policies apart
    exp = load_experiment(write(tmp_path, TINY.replace("grant", "grant_for_education_from_month_3")))
    folder = make_sweep(exp, tmp_path / "sweep")
    res = analyse(folder)
    pf, s = res["per_future"], res["summary"]
    assert (res["policies"], res["futures"]) == (4, 4)
    assert set(s.outcome) == {"public_value", "reversals"} and len(s) == 8
    assert (pf.regret >= 0).all()
    for _, g in pf.groupby(["outcome", "future"]):  # in every future some policy is the best one
        assert g.regret.min() == 0
    runs = read_runs(folder).assign(future=lambda d: d.point % 4, policy=lambda d: d.point // 4)
    pv = runs.pivot(index="future", columns="policy", values="public_value")
    expected = (pv.max(axis=1).to_numpy()[:, None] - pv.to_numpy()).max(axis=0)
    got = s[s.outcome == "public_value"].sort_values("policy").max_regret.to_numpy()
    assert np.allclose(got, expected)
    sat = s[s.outcome == "public_value"].sort_values("policy").satisficing.to_numpy()
    assert np.allclose(sat, (pv.to_numpy() >= 0).mean(axis=0))
    assert s[s.outcome == "reversals"].satisficing.isna().all()  # no threshold given
    assert main(["robust", str(folder), "--out", str(tmp_path / "elsewhere")]) == 2  # was silently ignored
    assert "only for an experiment file" in capsys.readouterr().err and not (tmp_path / "elsewhere").exists()
    assert main(["robust", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "Most robust for public_value: [" in out and "satisficing" in out
    for label in s.policy_label:  # each policy's row carries its whole label
        assert len(label) > 40 and sum(line.startswith(label + " ") for line in out.splitlines()) == 2, label
    for f in ("robustness.csv", "robust_summary.csv", "robust.json", "robustness.png"):
        assert (folder / "_robust" / f).stat().st_size > 0


def test_robust_ranking_breaks_ties_by_the_mean_regret():
    """Two policies equally often good enough and with the same worst case (the grant changed no
    run's maximum): the one behind the best by less on average comes first."""
    from model.experiments.robust import sentences

    summary = pd.DataFrame({"policy_label": ["grant=0", "grant=1", "none"], "outcome": "public_value",
                            "direction": "maximise", "threshold": 0.0, "mean": [0.12, 0.14, -0.05],
                            "mean_regret": [0.21, 0.19, 0.39], "max_regret": [2.34, 2.34, 2.38],
                            "satisficing": [0.42, 0.42, 0.23]})
    order = [s.split("[")[1].split("]")[0] for s in sentences(summary)]
    assert order == ["grant=1", "grant=0", "none"]
    order = [s.split("[")[1].split("]")[0] for s in sentences(summary.assign(threshold=np.nan))]
    assert order == ["grant=1", "grant=0", "none"]


def test_robust_refuses_a_design_without_levers(tmp_path, capsys):
    path = write(tmp_path, TINY.replace("method = \"exploratory\"", "method = \"lhs\"").split("[uncertainties]")[0]
                 + "[parameters]\nopenness = { low = 0.2, high = 0.8 }\n")
    assert main(["robust", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "robust needs method = \"exploratory\"" in err


def test_robust_says_when_regret_would_pick_another_policy_than_the_threshold():
    """README audit, session 22: at a threshold of 0 on public value the do-nothing policy came out
    "most robust" (at least 0 in 93% of futures) though it falls furthest behind the best policy in
    each future; the report now says that the two criteria disagree, and which policy regret picks."""
    from model.experiments.robust import sentences

    summary = pd.DataFrame({"policy_label": ["nothing", "leader"], "outcome": "public_value",
                            "direction": "maximise", "threshold": 0.0, "mean": [0.50, 0.72],
                            "mean_regret": [0.443, 0.219], "max_regret": [2.51, 2.46], "satisficing": [0.93, 0.89]})
    said = sentences(summary)
    assert said[0].startswith("Most robust for public_value: [nothing]")
    assert said[-1].startswith("The two criteria disagree for public_value: by regret alone [leader]")
    assert "89% against 93%" in said[-1]
    agree = sentences(summary.assign(satisficing=[0.80, 0.89]))
    assert agree[0].startswith("Most robust for public_value: [leader]") and not any("disagree" in x for x in agree)
    assert not any("disagree" in x for x in sentences(summary.assign(threshold=np.nan)))


def test_discover_counts_runs_not_futures_when_policies_share_the_futures(tmp_path, capsys):
    """README audit, session 22: on robust_inspection's folder (100 futures x 4 policies) discover
    spoke of "400 futures"; a row there is a policy in a future, a run."""
    from model.experiments.discover import discover_folder
    exp = load_experiment(write(tmp_path, TINY.replace("samples = 4", "samples = 6")))
    folder = make_sweep(exp, tmp_path / "sweep")
    d = discover_folder(folder, "public_value", None)
    assert d.unit == "runs" and d.runs == len(read_runs(folder)) == exp.n_runs
    assert main(["discover", str(folder), "--outcome", "public_value"]) == 0
    assert f"Scenario discovery on {exp.n_runs} runs of" in capsys.readouterr().out


def test_a_sweep_of_futures_without_levers_points_at_discover_not_robust(tmp_path):
    """README audit, session 22: `sweep discover_embedding` (no levers) ended with "analyse with:
    innovation-sim robust ...", which then printed an empty table of regret 0."""
    from clihelp import sim
    text = TINY.split("[levers]")[0].replace("samples = 4", "samples = 3") + "[outcomes]\npublic_value = { threshold = 0.0 }\n"
    r = sim("sweep", write(tmp_path, text), "--out", tmp_path / "out", "--workers", "1")
    assert r.returncode == 0, r.stderr
    assert f"analyse with: innovation-sim discover {tmp_path / 'out'} --outcome NAME" in r.stdout
