"""Paired what-if comparisons and the brief (issue 18): pairing narrows the interval, identical
scenarios give exactly no difference, the brief loads offline in chromium and its PDF fits on
four A4 pages. Small ensembles and short runs: the whole file takes about 20 s on 2 cores."""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from model.cli import main
from model.experiments.compare import (ALL_FIELDS, bootstrap_interval, fmt_diff, paired, replicate_outcomes,
                                       setting_differences)
from model.experiments.runner import run_ensemble
from model.io.scenario import SHIPPED, load
from clihelp import ROOT, sim  # tests/ is on the path (conftest.py)

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
SAME = f'extends = "{SHIPPED / "baseline.toml"}"\nname = "Same as baseline"\ndescription = "nothing changed"\n'



def _outcomes(scenario, seed, replicates=40, months=48):
    s = load(scenario).with_overrides(months=months)
    return replicate_outcomes(run_ensemble(s, replicates, seed, workers=1, progress=False)[0], s.fields)


def _unpaired_interval(a: np.ndarray, b: np.ndarray, resamples: int = 2000, seed: int = 1) -> tuple[float, float]:
    """The same percentile bootstrap for two independent samples (each resampled on its own)."""
    rng = np.random.default_rng(seed)
    m = (b[rng.integers(0, len(b), (resamples, len(b)))].mean(1)
         - a[rng.integers(0, len(a), (resamples, len(a)))].mean(1))
    lo, hi = np.quantile(m, [0.05, 0.95])
    return float(lo), float(hi)


def test_pairing_narrows_the_interval():
    """40 runs of each arm, 48 months. Paired: A and B on the same seeds (master seed 1).
    Unpaired: B on master seed 2 against A on master seed 3, so that the unpaired differences are
    independent of the paired ones. Brown-Forsythe test (robust to non-normal data) on the
    locality's public value: paired differences vary less, one-sided p < 0.01 (measured: sd 0.040
    vs 0.101, p = 0.0003); and the paired interval of every field the what-if does not act on is
    narrower (measured: 8 to 170 times). The inspected field is left out: its paired difference is
    the inspection's effect, whose spread from run to run pairing cannot remove (measured 1.46 and,
    after the draws were chunked by year, 0.68 times: a ratio near 1 either way of chance)."""
    a1, b1 = _outcomes("baseline", 1), _outcomes("inspection_failure", 1)
    b2, a3 = _outcomes("inspection_failure", 2), _outcomes("baseline", 3)
    d = b1[ALL_FIELDS]["public_value"] - a1[ALL_FIELDS]["public_value"]
    e = b2[ALL_FIELDS]["public_value"] - a3[ALL_FIELDS]["public_value"]
    assert d.var() < e.var()
    assert stats.levene(d, e, center="median").pvalue / 2 < 0.01
    for f in a1:
        if f == "children's services":
            continue
        lo, hi = bootstrap_interval(b1[f]["public_value"] - a1[f]["public_value"])
        ulo, uhi = _unpaired_interval(a3[f]["public_value"], b2[f]["public_value"])
        assert hi - lo < uhi - ulo, f


def test_twins_share_their_random_numbers_until_the_what_if_acts():
    """Replicate i of A and of B run on the same stream: identical until the inspection (month 12)."""
    a = run_ensemble(load("baseline").with_overrides(months=20), 4, 7, workers=1, progress=False)[0]
    b = run_ensemble(load("inspection_failure").with_overrides(months=20), 4, 7, workers=1, progress=False)[0]
    cols = ["replicate", "step", "field", "phase", "performance", "public_value", "authority", "capacity", "value"]
    pd.testing.assert_frame_equal(a[a.step <= 12][cols], b[b.step <= 12][cols])
    assert not a[a.step > 12][cols].equals(b[b.step > 12][cols])


def test_paired_statistics_by_hand():
    a = np.array([0.0, 1.0, 2.0, 3.0])
    row = paired(a, a + np.array([1.0, 0.0, -1.0, 2.0]))
    assert (row["diff_mean"], row["diff_median"]) == (0.5, 0.5)
    assert (row["p_b_gt_a"], row["p_b_lt_a"], row["p_tie"]) == (0.5, 0.25, 0.25)  # ties apart, not halved
    # Public value: a pair within SAME_WITHIN counts as the same (a shared leader's tiny ripple is no gain).
    tiny = paired(a, a + np.array([1e-5, 0.004, -0.02, 0.3]))
    assert (tiny["p_b_gt_a"], tiny["p_b_lt_a"], tiny["p_tie"]) == (0.25, 0.25, 0.5)
    assert tiny["verdict"] == "unclear"  # the interval reaches beyond the margin
    ripple = paired(a, a + np.array([1e-4, 2e-4, 1e-4, 3e-4]))
    assert ripple["verdict"] == "about the same" and ripple["p_tie"] == 1.0  # real but negligible
    # Chances and months compare exactly.
    assert paired(np.zeros(4), np.array([0.0, 0.0, 0.0, 1.0]), "probability")["p_b_gt_a"] == 0.25
    assert row["ci_low"] <= 0.5 <= row["ci_high"] and row["verdict"] == "unclear"
    months = paired(np.array([10.0, np.nan, 20.0, 30, 40, 50]), np.array([5.0, 7.0, np.nan, 20, 30, 45]), "months")
    assert months["n"] == 4 and months["diff_mean"] == -7.5 and months["verdict"] == "too few runs"
    assert paired(np.array([1.0, np.nan]), np.array([1.0, np.nan]), "months")["verdict"] == "no difference"
    # Same month wherever both reach, but B reaches the phase in a run where A does not: not "no difference".
    reach_more = paired(np.array([1.0, np.nan]), np.array([1.0, 9.0]), "months")
    assert reach_more["verdict"] == "same month where both reach" and reach_more["diff_mean"] == 0.0
    assert fmt_diff({"kind": "months", "diff_mean": 0.04, "ci_low": -0.2, "ci_high": 0.3}).startswith("+0.04 mo")


def test_a_small_months_difference_never_reads_as_zero():
    """One pair in 40 a month later (or one in 250 in the table): the table and the sentence say
    how small, never '+0.00 mo' or '0.0 months later'."""
    from model.experiments.compare import SHORT, outcome_label, sentence

    assert fmt_diff({"kind": "months", "diff_mean": 0.004, "ci_low": 0.0, "ci_high": 0.012}) == "+0.004 mo [0, +0.01]"
    a = np.full(40, 10.0)
    rows = []
    for o in ["public_value", *(f"reach_{s}" for s in SHORT.values()), *(f"months_{s}" for s in SHORT.values())]:
        kind, label = outcome_label(o, 120)
        b = a + (np.arange(40) == 0) if kind == "months" else np.linspace(0, 1, 40) if kind == "value" else a * 0 + 1
        rows.append({"outcome": o, "kind": kind, "label": label,
                     **paired(a if kind == "months" else b * 0 + (kind != "value"), b, kind)})
    text = sentence(pd.DataFrame(rows), "education", "A", "B", 40)
    assert "B gets there 0.03 months later on average" in text and "0.0 months" not in text, text


def test_a_scenario_equal_to_its_baseline_gives_exactly_no_difference(tmp_path, capsys):
    (tmp_path / "same.toml").write_text(SAME)
    out = tmp_path / "cmp"
    assert main(["compare", "baseline", str(tmp_path / "same.toml"), "--replicates", "8", "--steps", "24",
                 "--out", str(out), "--no-figures", "--workers", "1"]) == 0
    stdout = capsys.readouterr().out
    table = pd.read_csv(out / "comparison.csv")
    numbers = ["diff_mean", "diff_median", "ci_low", "ci_high", "futures_p5", "futures_p95", "p_b_gt_a", "p_b_lt_a"]
    assert (table[numbers] == 0).all().all() and (table.p_tie == 1).all()
    assert set(table.verdict) == {"no difference"}
    summary = json.loads((out / "summary.json").read_text())
    assert all(all(row[k] == 0 for k in numbers) for row in summary["paired_differences"])
    assert len(summary["paired_differences"]) == len(table)
    sentences = summary["sentences"]["same"]
    assert set(sentences) == {*load("baseline").fields, ALL_FIELDS}
    assert all("no difference" in s for s in sentences.values())
    assert stdout.count("no difference") >= len(sentences)
    assert setting_differences({"baseline": load("baseline"), "same": load(tmp_path / "same.toml")}) == []


def test_compare_prints_every_field_with_interval_and_p(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", "baseline", "inspection_failure", "--replicates", "12", "--steps", "30",
                 "--out", str(out), "--no-figures", "--workers", "1"]) == 0
    stdout = capsys.readouterr().out
    table = pd.read_csv(out / "comparison.csv")
    fields = load("baseline").fields
    assert set(table.field) == {*fields, ALL_FIELDS}
    assert set(table.scenario) == {"inspection_failure"} and set(table.baseline) == {"baseline"}
    for f in fields:  # one sentence per field: what changes, or that nothing does
        assert f"\n  {f}: with Inspection failure instead of Baseline, " in stdout or f"\n  {f}: no difference" in stdout
    assert "children's services: with Inspection failure instead of Baseline, public value at month 30 changes by" in stdout
    assert "P(B>A)" in stdout and "90% interval" in stdout and "negative: B gets there sooner" in stdout
    months = table[(table.field == "children's services") & (table.outcome == "months_design")].iloc[0]
    assert months.verdict == ("too few runs" if months.n < 5 else "sooner" if months.ci_high < 0
                              else "later" if months.ci_low > 0 else "unclear")
    pv = table[(table.field == "children's services") & (table.outcome == "reach_design")].iloc[0]
    assert pv.ci_low <= pv.diff_mean <= pv.ci_high and pv.diff_mean > 0  # the inspection triggers design
    assert {p.stem for p in out.iterdir()} == {"comparison", "manifest", "scenarios", "summary"}


@pytest.fixture(scope="module")
def brief(tmp_path_factory):
    out = tmp_path_factory.mktemp("brief") / "brief.html"
    r = sim("brief", "baseline", "inspection_failure", "--replicates", 20, "--steps", 36, "--out", out, "--workers", 1)
    assert r.returncode == 0, r.stderr
    return out, r


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (scripts/browser.sh)")
def test_brief_loads_offline_in_chromium(brief, playwright):
    out, r = brief
    text = out.read_text()
    assert "http://" not in text and "https://" not in text and 'src="//' not in text
    requests, refused = [], []

    def route(rt):
        url = rt.request.url
        requests.append(url)
        if url.startswith(("file://", "data:")):
            rt.continue_()
        else:
            refused.append(url)
            rt.abort()

    with contextlib.nullcontext(playwright) as p:  # the process's one Playwright (conftest.py)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.route("**/*", route)
            page.on("request", lambda req: requests.append(req.url))
            page.goto(out.as_uri(), wait_until="load")
            headings = page.locator("h2").all_inner_texts()
            images = page.eval_on_selector_all("img", "els => els.map(e => [e.complete, e.naturalWidth])")
        finally:
            browser.close()
    assert refused == [] and all(u.startswith(("file://", "data:")) for u in requests), requests
    assert [h.split(". ", 1)[1] for h in headings] == [
        "The question", "What differs between the scenarios", "Headline differences (B − A, 90% interval)",
        "Value curves and the chance of reaching each phase", "What the model cannot say",
        "How to read the numbers", "How to reproduce"]
    assert len(images) == 3 and all(done and width > 0 for done, width in images)
    assert html.escape("underperformance (children's services)") in text  # what differs: the inspection
    assert "--seed 1" in text and "git commit" in text  # how to reproduce


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (scripts/browser.sh)")
def test_brief_pdf_fits_on_four_a4_pages(brief):
    from pypdf import PdfReader

    out, r = brief
    reader = PdfReader(out.with_suffix(".pdf"))
    assert 1 <= len(reader.pages) <= 4
    w, h = (float(x) for x in reader.pages[0].mediabox[2:])
    assert (round(w), round(h)) == (595, 842)  # A4 in points
    assert "What the model cannot say" in "".join(p.extract_text() for p in reader.pages)
    assert f"{len(reader.pages)} A4 pages" in r.stdout


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (scripts/browser.sh)")
def test_brief_of_four_scenarios_fits_on_four_a4_pages(tmp_path):
    """The most a brief takes (A and three what-ifs) over the full 120 months: the longest
    sentences and tables. Before the print layout let tables break between rows it took 5 pages."""
    from pypdf import PdfReader

    out = tmp_path / "four.html"
    r = sim("brief", "baseline", "inspection_failure", "budget_cut", "complacency", "--replicates", 20,
            "--out", out, "--workers", 1)
    assert r.returncode == 0, r.stderr
    pages = len(PdfReader(out.with_suffix(".pdf")).pages)
    assert 1 <= pages <= 4 and f"{pages} A4 pages" in r.stdout and "more than 4" not in r.stdout


def test_without_chromium_the_html_is_written_and_the_pdf_skipped_in_one_line(brief, tmp_path, monkeypatch):
    from model.viz import brief as page

    out, _ = brief
    html = tmp_path / "b.html"
    html.write_text(out.read_text())
    monkeypatch.setenv("INNOVATION_SIM_CHROMIUM", str(tmp_path / "no-chromium"))
    done, message = page.print_pdf(html, html.with_suffix(".pdf"))
    assert not done and message.startswith("PDF skipped: chromium not found") and "\n" not in message
    assert not html.with_suffix(".pdf").exists()


@pytest.mark.parametrize("args, words", [
    (["brief", "baseline", "inspection_failure", "--out", "{tmp}/brief.txt"], "give a name ending in .html"),
    (["brief", "baseline", "inspection_failure", "--out", "{tmp}"], "is a folder"),
    (["brief", "baseline", "inspection_failure", "budget_cut", "complacency", "flood_crisis"], "at most 4 scenarios"),
    (["brief", "baseline"], "give at least two scenarios"),
    (["brief", "baseline", "baseline"], "give each scenario once"),
    (["compare", "baseline", "{tmp}/baseline.toml"], "share the name 'baseline', under which the results are filed"),
    (["brief", "baseline", "england_2006"], "is a region scenario"),
    (["brief", "baseline", "inspection_failure", "--set", "openness=7"], "openness"),
    (["brief", "baseline", "nope"], "nope"),
    (["brief", "baseline", "inspection_failure", "--replicates", "0"], "at least 1"),
    (["compare", "baseline", "{tmp}/short.toml"], "give --steps N"),
])
def test_bad_input_is_one_line(tmp_path, capsys, args, words):
    (tmp_path / "short.toml").write_text(SAME + "months = 60\n")
    (tmp_path / "baseline.toml").write_text(SAME)
    with pytest.raises(SystemExit) if "--replicates" in args else contextlib.nullcontext():
        code = main([a.replace("{tmp}", str(tmp_path)) for a in args])
        assert code == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["baseline.toml", "short.toml"]  # nothing written


def test_what_the_model_cannot_say_is_read_from_the_docs(tmp_path):
    """The brief's caveats come from the documents when it is made, not from the code."""
    from model.io import caveats
    from model.viz.brief import _cannot_say

    shipped = caveats.read()
    assert shipped.missing == [] and shipped.limits and shipped.checks and shipped.assumptions > 0
    (tmp_path / "validation.md").write_text(
        "# Validation report\n\ninnovation-sim 9.9; 10 runs per arm.\n\n1 passed, 1 failed.\n\n"
        "| id | claim | source | measured | expected | result |\n|---|---|---|---|---|---|\n"
        "| 1 | Leaders matter | 004:1 | 0.5 ([figure](v/1.png)) | > 0.1 | pass |\n"
        "| 2 | Grants matter less | 003:2 | 0.0 | > 0.1 | **FAIL** |\n")
    (tmp_path / "what_the_model_cannot_say.md").write_text("# x\n\nintro\n\n- One caveat\n  on two lines.\n")
    c = caveats.read(tmp_path)
    assert c.limits == ["One caveat on two lines."] and c.missing == ["docs/ODD.md"]
    assert [(ch.id, ch.result) for ch in c.checks] == [("1", "pass"), ("2", "FAIL")]  # the report's bold dropped
    text = _cannot_say(c)
    assert "checked against 2 claims" in text and "1 agree" in text and "Grants matter less" in text and "**" not in text
    # a report made with --replicate has the other seeds' verdicts in a last column: not the result
    (tmp_path / "validation.md").write_text(
        "# Validation report\n\n1 passed, 1 failed.\n\n"
        "| id | claim | source | measured | expected | result | on seeds 1200-1399 |\n|---|---|---|---|---|---|---|\n"
        "| 1 | Leaders matter | 004:1 | 0.5 | > 0.1 | pass | FAIL: 0.05 (a) |\n"
        "| 2 | Grants matter less | 003:2 | 0.0 | > 0.1 | **FAIL** | pass: 0.2 |\n")
    assert [(ch.id, ch.result) for ch in caveats.read(tmp_path).checks] == [("1", "pass"), ("2", "FAIL")]
    (tmp_path / "validation.md").write_text(  # as the report writes a bar inside a cell: escaped
        "| id | claim | source | measured | expected | result | on seeds 1200-1399 |\n|---|---|---|---|---|---|---|\n"
        "| 1 | Leaders matter | 004:1 | r 0.05 | \\|r\\| < 0.1 | pass | FAIL: \\|r\\| 0.2 |\n")
    assert [(ch.id, ch.result) for ch in caveats.read(tmp_path).checks] == [("1", "pass")]
    assert [ch.result for ch in shipped.checks].count("pass") == int(shipped.summary.split()[0])



def test_a_brief_shows_its_set_values_and_what_they_replace_and_needs_two_runs(tmp_path, capsys):
    """Audit, session 21: --set appeared only in the brief's command line, though here it cancels the
    very change the what-if makes; one run gave a "90% interval +0.83 to +0.83"."""
    (tmp_path / "open.toml").write_text('extends = "baseline"\nname = "Open"\ndescription = "More open."\n'
                                        '[parameters]\nopenness = 0.9\n')
    out = tmp_path / "b.html"
    assert main(["brief", "baseline", str(tmp_path / "open.toml"), "--set", "openness=0.5", "--replicates", "2",
                 "--steps", "12", "--no-pdf", "--workers", "1", "--out", str(out)]) == 0
    assert "--set replaces open's own openness = 0.9, which therefore does not act here" in capsys.readouterr().err
    text = out.read_text()
    assert "Changed for every scenario of this brief" in text and "<code>openness=0.5</code>" in text
    assert "open&#x27;s own openness = 0.9, which therefore does not act in this brief" in text
    assert main(["brief", "baseline", "inspection_failure", "--replicates", "1", "--out", str(tmp_path / "c.html")]) == 2
    assert "a brief's intervals need at least 2 paired runs" in capsys.readouterr().err
    assert not (tmp_path / "c.html").exists()


def test_briefs_started_in_the_same_second_keep_every_brief(tmp_path):
    """Audit, session 21: two briefs with the same default name (the same second) or the same --out both
    passed the check for an existing file, and the later silently replaced the other."""
    args = [sys.executable, "-m", "model.cli", "brief", "baseline", "inspection_failure", "--replicates", "2",
            "--steps", "24", "--no-pdf", "--workers", "1"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([*args, "--seed", str(s)], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for s in (11, 12, 13)]
    results = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), results
    seeds = sorted(re.search(r"master seed (\d+)", f.read_text()).group(1) for f in (tmp_path / "runs").glob("*.html"))
    assert seeds == ["11", "12", "13"]
    same = [subprocess.Popen([*args, "--seed", str(s), "--out", "x.html"], cwd=tmp_path, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for s in (21, 22)]
    results = [p.communicate(timeout=120) for p in same]
    assert sorted(p.returncode for p in same) == [0, 2], results
    assert any("x.html" in err and "already exists" in err for _, err in results)


def test_shares_and_their_difference_in_words_add_up():
    """User review: "goes from 18% to 21% (+2 points)" for 0.185 -> 0.21 (each figure rounded on its
    own, half to even). The two shares and their difference are now shown at one precision."""
    from hypothesis import given
    from hypothesis import strategies as st

    from model.experiments.compare import fmt_points, fmt_shares
    assert fmt_shares(0.185, 0.21) == ("18.5%", "21.0%", "+2.5") and fmt_shares(0.2, 0.5) == ("20%", "50%", "+30")
    assert fmt_shares(0.4625, 0.4675) == ("46.25%", "46.75%", "+0.50") and fmt_shares(0.3, 0.3)[2] == "0"
    assert fmt_shares(300 / 3000, 301 / 3000) == ("10.00%", "10.03%", "+0.03")  # review: read "10.0% to 10.0% (0 points)"
    from model.experiments.compare import fmt_share_row
    assert fmt_share_row(0.185, 0.21) == ["18.5%", "21.0%"] and fmt_share_row(0.2, 0.5, 1.0) == ["20%", "50%", "100%"]
    assert (fmt_points(0.025), fmt_points(0.03), fmt_points(-0.2), fmt_points(0.005), fmt_points(0)) == \
        ("+2.5", "+3", "-20", "+0.5", "0")

    @given(st.integers(0, 400), st.integers(0, 400), st.sampled_from([3, 7, 10, 50, 200, 400]))
    def adds_up(i, j, n):
        a, b = min(i, n) / n, min(j, n) / n
        was, now, diff = fmt_shares(a, b)
        assert abs(float(now[:-1]) - float(was[:-1]) - float(diff)) < 1e-9
        assert abs(float(diff) - 100 * (b - a)) <= 0.1 + 1e-9  # and close to the truth
        assert (diff == "0") == (a == b)  # different shares never read as "0 points"

    adds_up()
