"""The workshop app (app.py): its state (model/app/state.py) and, in a real browser, the page.

The browser tests start the app the way a user does (`innovation-sim app --port N`) on a free
localhost port, drive Debian's chromium (/usr/bin/chromium) with Playwright, and check what a
trainer relies on: the page loads offline (every request goes to 127.0.0.1, and the server cannot
fetch anything either: its CDN fallback points at a closed local port), every panel renders, play
advances the month, a shock button changes the run and is marked, the scenario picker switches
scenarios, compare and presenter modes work, bad input gives a readable message and no stack
trace, the downloads work, and start-up and step times meet the issue's budget.

Screenshots go to pytest's temporary folder and are copied to /tmp/app-screenshots/.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import Page, expect

from model.app.state import KEY_PARAMS, Settings, Workshop, month_label, parse_setting
from model.core.events import Shock
from model.core.parameters import REGISTRY
from model.io.scenario import load
from browser import free_port as _free_port  # tests/ is on the path (conftest.py)
from browser import launch, offline, wait_until_serving

expect.set_options(timeout=20_000)  # a loaded CI machine can take seconds to redraw
SHOTS = Path("/tmp/app-screenshots")
START_BUDGET_S = 10.0  # issue #4: starts in under 10 seconds
STEP_BUDGET_MS = 200.0  # issue #4: a step renders in under 200 ms (server side: step + redraw)
BROWSER_STEP_LIMIT_MS = 500.0  # click -> new month on screen, with slack for a busy CI machine


# ============================================================================ state, no browser
def test_month_label_uses_the_start_year():
    assert month_label(0, 1999) == "Month 0 · January 1999"
    assert month_label(14, 1999) == "Month 14 · March 2000"
    assert month_label(14, None) == "Month 14 · year 2"


def test_bad_settings_give_one_line_messages_not_exceptions(tmp_path):
    ws, err = Workshop.build(Settings(scenario="no_such_scenario"))
    assert ws is None and "no such scenario file" in err and "\n" not in err
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\ndescription = "y"\n[parameters]\nopenness = 7\n')
    ws, err = Workshop.build(Settings(scenario=str(bad)))
    assert ws is None and "parameters.openness" in err and "out of range" in err
    ws, err = Workshop.build(Settings(overrides=(("openness", 2.0),)))
    assert ws is None and "openness" in err and "allowed" in err
    with pytest.raises(ValueError, match="did you mean 'openness'"):
        parse_setting("opennes = 0.5")
    with pytest.raises(ValueError, match="out of range"):
        parse_setting("openness = 7")
    assert parse_setting(" n_residents = 40 ") == ("n_residents", 40)


def test_an_error_inside_the_model_is_said_in_plain_words_and_logged(monkeypatch, caplog):
    """Trainers see what happened and what to do, not Python's class name; the log keeps the trace."""
    ws, err = Workshop.build(Settings())
    assert err is None

    def broken(self):
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(type(ws.primary), "step", broken)  # the run's step, which steps the model
    with caplog.at_level("ERROR", logger="innovation_sim.app"):
        assert ws.step() is False
    assert ws.error.startswith("The simulation stopped at month 0: an error inside the model, not in your settings")
    assert "ZeroDivisionError" not in ws.error and "\n" not in ws.error
    assert "ZeroDivisionError" in caplog.text  # the details are kept for whoever fixes it
    assert ws.step() is False  # stays stopped until Reset


def test_sliders_come_from_the_registry():
    from model.app.state import slider_specs
    specs = slider_specs(load("gouda"), {"openness": 0.9})
    assert [s.name for s in specs] == list(KEY_PARAMS)
    by_name = {s.name: s for s in specs}
    for s in specs:
        p = REGISTRY[s.name]
        assert (s.low, s.high, s.help) == (p.low, p.high, p.help)
    assert by_name["openness"].value == 0.9 and by_name["openness"].changed
    assert by_name["strength_systemic_sectoral"].value == load("gouda").parameters["strength_systemic_sectoral"]


def test_compare_runs_stay_identical_until_a_live_shock():
    ws, err = Workshop.build(Settings(compare=True))
    assert err is None and len(ws.runs) == 2
    ws.step(5)
    a, b = (np.asarray(r.performance) for r in ws.runs)
    assert np.array_equal(a, b)
    ok, msg = ws.shock("Crisis", "education")
    assert ok and "education" in msg
    ws.step(3)
    a, b = (np.asarray(r.performance) for r in ws.runs)
    assert np.array_equal(a[:6], b[:6]) and not np.array_equal(a[6:], b[6:])
    ok, msg = ws.shock("Leader leaves", "all fields", "director")
    assert not ok and "choose a field" in msg
    ws, err = Workshop.build(Settings(compare=True, scenario_b="gouda"))
    assert err is None and [r.label for r in ws.runs] == ["A: Baseline", "B: Gouda network"]
    ws.step(2)
    assert ws.view(1).perf_hist.shape == (3, 5)


def test_roster_tracks_a_leader_replaced_in_the_same_slot():
    ws, _ = Workshop.build(Settings())
    ok, _ = ws.shock("New leader arrives", "all fields", "chief_executive")
    assert ok
    kinds = [(c.role, c.kind) for c in ws.primary.roster]
    assert kinds == [("chief_executive", "left"), ("chief_executive", "joined")]
    svg = ws.primary.network_svg()
    assert svg.count("class='departed'") == 1 and svg.count("class='arrived'") == 1


def test_figures_are_drawn_in_a_worker_process_that_comes_back_if_killed():
    """The figures zip is drawn in another process (matplotlib would hold the app's interpreter
    lock); if that process dies, the next request starts a new one."""
    import signal
    from model.app import draw
    assert zipfile.ZipFile(io.BytesIO(draw.in_worker("figures_zip", []))).namelist() == []
    pids = list(draw._executor()._processes)
    assert pids and os.getpid() not in pids
    os.kill(pids[0], signal.SIGKILL)
    time.sleep(0.5)
    assert zipfile.ZipFile(io.BytesIO(draw.in_worker("figures_zip", []))).namelist() == []
    assert list(draw._executor()._processes) != pids


def _load_app():
    import importlib.util
    spec = importlib.util.spec_from_file_location("workshop_app", Path(__file__).resolve().parent.parent / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_panel_that_fails_to_render_shows_one_line_and_the_rest_carries_on():
    import solara
    app = _load_app()

    @solara.component
    def Broken():
        raise RuntimeError("boom")

    @solara.component
    def Harness():
        with solara.Column():
            app.Guard("test panel", Broken)
            solara.Text("still here")

    box, _ = solara.render(Harness(), handle_error=False)
    text = repr(box)
    assert "The test panel could not be shown (RuntimeError: boom)" in text
    assert "still here" in text and "Traceback" not in text


# ============================================================================ browser fixtures
class Server:
    def __init__(self, url: str, proc: subprocess.Popen, log: Path, ready_s: float):
        self.url, self.proc, self.log, self.ready_s = url, proc, log, ready_s

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def _start_app(folder: Path, *extra: str) -> Server:
    """`innovation-sim app` on a free port, as a user starts it, logging into ``folder``."""
    port = _free_port()
    log = folder / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    # Everything must come from the local solara-assets copy: point solara's CDN fallback at a
    # closed local port, so a missing asset breaks the page instead of being downloaded.
    env.update(SOLARA_ASSETS_CDN="http://127.0.0.1:9/npm/", PYTHONUNBUFFERED="1")
    t0 = time.perf_counter()
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "model.cli", "app", *extra, "--port", str(port), "--no-open"],
                                cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    wait_until_serving(proc, url, log, "the app")
    return Server(url, proc, log, time.perf_counter() - t0)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """`innovation-sim app` on a free port, as a user starts it; stopped at the end."""
    srv = _start_app(tmp_path_factory.mktemp("app-server"))
    yield srv
    _stop(srv.proc)


@pytest.fixture(scope="session")
def browser(playwright):
    b = launch(playwright)
    yield b
    b.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory):
    folder = tmp_path_factory.mktemp("app-screenshots")
    SHOTS.mkdir(parents=True, exist_ok=True)

    def shot(page: Page, name: str) -> Path:
        """Screenshot of the whole page (the viewport grown to the page's height, so that the
        sticky sidebar stays in place), saved as a test artefact and copied for the lead."""
        size = page.viewport_size
        height = page.evaluate("() => document.documentElement.scrollHeight")
        page.set_viewport_size({"width": size["width"], "height": max(height, size["height"])})
        page.evaluate("() => window.scrollTo(0, 0)")
        page.wait_for_timeout(300)
        path = folder / f"{name}.png"
        page.screenshot(path=str(path))
        page.set_viewport_size(size)
        shutil.copy(path, SHOTS / path.name)
        return path

    return shot


@pytest.fixture(scope="session")
def context(browser):
    """One browser context for all tests (its HTTP cache makes pages load faster); every page
    still gets its own solara session. Requests to anywhere but 127.0.0.1 are blocked and kept."""
    ctx = offline(browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True))
    yield ctx
    ctx.close()


@pytest.fixture
def page(server, context):
    """A fresh page (a new solara session) with every request recorded. After the test: nothing
    was requested outside 127.0.0.1, no script error, no stack trace in the page or server log."""
    requests, errors, failed, sockets = [], [], [], []
    outside_before = len(context.outside)
    context.clear_cookies()  # a new solara session: each test starts a fresh run (a reload keeps it)
    pg = context.new_page()
    pg.on("request", lambda r: requests.append(r.url))
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("requestfailed", lambda r: failed.append(r.url))
    pg.on("websocket", lambda w: sockets.append(w.url))
    log_start = len(server.log_text())
    t0 = time.perf_counter()
    pg.goto(server.url)
    pg.wait_for_selector(".panel-timeline svg", timeout=20000)
    pg.load_s = time.perf_counter() - t0
    pg.requests = requests
    yield pg
    text = pg.locator("body").inner_text()
    pg.close()
    outside = context.outside[outside_before:]
    assert not outside, f"requests outside 127.0.0.1: {outside}"
    assert sockets, "the page never opened its websocket"
    assert all(urlparse(u).hostname == "127.0.0.1" or u.startswith(("data:", "blob:"))
               for u in requests + sockets), requests + sockets
    # (solara's "close" beacon on unload is cut short by a reload: not a failure of the page)
    failed = [u for u in failed if "127.0.0.1" in u and "/_solara/api/close/" not in u]
    assert not failed, f"failed local requests: {failed}"
    assert not errors, f"script errors in the page: {errors}"
    assert "Traceback" not in text, "a stack trace was shown in the page"
    new_log = server.log_text()[log_start:]
    assert "Traceback" not in new_log, f"the server logged an error:\n{new_log[-3000:]}"


# ============================================================================ page helpers
def month(page: Page) -> int:
    return int(re.search(r"Month (\d+)", page.locator(".main-month").inner_text()).group(1))


def wait_month(page: Page, m: int) -> None:
    page.wait_for_function(
        "m => { const e = document.querySelector('.main-month'); return e && /Month (\\d+)/.exec(e.innerText)[1] == m }",
        arg=m, timeout=30000)  # a restart or undo redraws every panel: slow on a loaded 2-core CI machine


def step(page: Page, n: int = 1) -> None:
    for _ in range(n):
        m = month(page)
        page.click(".btn-step")
        wait_month(page, m + 1)


def choose(page: Page, select: str, text: str) -> None:
    """Pick ``text`` (start of an item) from a Vuetify select; its menu scrolls virtually. On a
    loaded machine a pick can be lost while the menu re-renders: then close it and pick again (up
    to five times, a second apart: in compare mode the server may still be redrawing two panels)."""
    for attempt in range(5):
        if attempt:
            page.wait_for_timeout(1000)
        page.locator(select).click()
        option = page.locator(".v-overlay--active .v-list-item-title").filter(has_text=re.compile("^" + re.escape(text)))
        for _ in range(40):
            if option.count():
                break
            page.locator(".v-overlay--active .v-list").hover()
            page.mouse.wheel(0, 250)
            page.wait_for_timeout(80)
        option.first.click()
        try:
            page.wait_for_selector(".v-overlay--active .v-list", state="detached", timeout=5000)
        except Exception:
            page.keyboard.press("Escape")
            page.wait_for_selector(".v-overlay--active .v-list", state="detached", timeout=20000)
        try:  # the pick goes to the server and back: give it time before picking again
            expect(page.locator(select)).to_contain_text(text, timeout=5000)
            return
        except AssertionError:
            pass
    expect(page.locator(select)).to_contain_text(text)  # fails with a clear message

def notice(page: Page, level: str, contains: str = "", timeout: int = 20000) -> str:
    """The text of the first message of this level, once it contains ``contains``."""
    page.wait_for_function(
        "([sel, text]) => { const e = document.querySelector(sel); return e && e.innerText.includes(text) }",
        arg=[f".notice-{level}", contains], timeout=timeout)
    return page.locator(f".notice-{level}").first.inner_text()


def download(page: Page, label: str) -> tuple[str, bytes]:
    with page.expect_download(timeout=30000) as d:
        page.get_by_role("button", name=label).click()
    return d.value.suggested_filename, Path(d.value.path()).read_bytes()


# ============================================================================ browser tests
def test_page_loads_offline_with_every_panel(page, server, shots):
    assert page.title() == "Innovation in local public services"
    expect(page.locator(".main-month")).to_have_text("Month 0 · year 1")
    expect(page.locator(".panel-triangles svg.triangle")).to_have_count(5)
    assert page.locator(".panel-triangles .phase-name").first.text_content() == "latent"
    assert page.locator(".panel-triangles .flow.weak").count() > 0  # weak links are dotted
    expect(page.locator(".panel-value svg.value-curve .value-line")).to_have_count(1)
    expect(page.locator(".panel-timeline svg.timeline")).to_have_count(1)
    assert page.locator(".panel-network svg.network circle").count() > 250
    for card in ("run-controls", "shock-card", "scenario-card", "compare-card", "settings-card", "download-card"):
        assert page.locator(f".{card}").count() == 1, card
    expect(page.locator(".shock-btn")).to_have_count(7)
    # the scenario picker lists every shipped scenario with its description
    page.locator(".scenario-select").click()
    first = page.locator(".v-overlay--active .v-list-item-title").first.inner_text()
    assert first.startswith("Baseline — The built-in default locality")
    page.keyboard.press("Escape")
    # sliders: the registry's key parameters, with its help text
    assert page.locator(".settings-card .v-slider").count() == len(KEY_PARAMS)
    assert REGISTRY["leader_drive"].help in page.locator(".settings-card").inner_text()
    assert {urlparse(u).hostname for u in page.requests} == {"127.0.0.1"}
    # the front-end itself (solara's Vuetify app) came from the local solara-assets copy
    assert any("/_solara/cdn/@widgetti/" in u and u.endswith(".js") for u in page.requests)
    shots(page, "01-start")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def test_a_tab_closed_while_playing_stops_its_play_loop(server, context):
    """A closed tab (no unload beacon: a crash, a lost connection) keeps its solara kernel for
    hours; its play loop must not go on stepping unseen and eat the machine."""
    context.clear_cookies()
    pg = context.new_page()
    pg.goto(server.url)
    pg.wait_for_selector(".panel-timeline svg", timeout=20000)
    pg.locator(".speed button", has_text="max").click()  # a play loop that keeps the server busy
    pg.click(".btn-play")
    pg.wait_for_function("() => /Month (\\d+)/.exec(document.querySelector('.main-month').innerText)[1] >= 3",
                         timeout=15000)
    busy0 = _cpu_seconds(server.proc.pid)
    pg.wait_for_timeout(2000)
    busy = (_cpu_seconds(server.proc.pid) - busy0) / 2
    pg.close()  # run_before_unload=False: no close beacon, the kernel stays
    time.sleep(_load_app().UNWATCHED_PAUSE_S + 2)
    idle0 = _cpu_seconds(server.proc.pid)
    time.sleep(3)
    idle = (_cpu_seconds(server.proc.pid) - idle0) / 3
    assert busy > 0.3, f"the server was not busy while playing ({busy:.0%} of a core): the test cannot tell"
    assert idle < 0.1, f"the server still uses {idle:.0%} of a core after the tab closed (playing: {busy:.0%})"


def test_a_second_tab_takes_the_run_over_and_the_first_says_so(page, context):
    """Two tabs of one browser share its solara session and so its run (a reload finds it again).
    The tab that drives the run last owns it; the other pauses and says so instead of going stale
    silently, and Step there takes the run back, at the run's own month."""
    step(page, 3)
    second = context.new_page()
    try:
        second.goto(page.url)
        second.wait_for_selector(".panel-timeline svg", timeout=20000)
        wait_month(second, 3)  # the same run, where the first tab left it
        notice(page, "warning", "driven from another tab")  # the first tab is told at once
        step(second, 2)
        assert month(page) == 3  # the first tab shows an older month, and says so above
        page.click(".btn-step")  # takes the run back: month 5 + 1, not 3 + 1
        wait_month(page, 6)
        notice(second, "warning", "driven from another tab")
        assert not any("driven from another tab" in t for t in page.locator(".notice-warning").all_inner_texts())
    finally:
        second.close()


def test_the_app_opens_on_a_scenario_and_a_page_whose_server_stopped_says_so(context, tmp_path):
    """`innovation-sim app gouda` opens on Gouda (it was refused as an unknown argument). A stopped or
    restarted server left the page looking alive while nothing answered (solara's own overlay does
    not show with Vuetify 3): the page must say so within a few seconds."""
    srv = _start_app(tmp_path, "gouda")
    pg = context.new_page()
    try:
        pg.goto(srv.url)
        pg.wait_for_selector(".panel-timeline svg", timeout=20000)
        expect(pg.locator(".run-title").first).to_contain_text("Gouda network")
        pg.wait_for_timeout(3000)
        expect(pg.locator(".connection-lost")).to_have_count(0)  # no false alarm while connected
        _stop(srv.proc)
        expect(pg.locator(".connection-lost")).to_contain_text("lost its server", timeout=15000)
    finally:
        pg.close()
        if srv.proc.poll() is None:
            _stop(srv.proc)


def test_play_advances_the_month_and_pause_stops_it(page, shots):
    page.locator(".speed button", has_text="fast").click()
    page.click(".btn-play")
    page.wait_for_function("() => /Month (\\d+)/.exec(document.querySelector('.main-month').innerText)[1] >= 5",
                           timeout=15000)
    page.click(".btn-play")  # now labelled Pause
    page.wait_for_timeout(500)
    stopped = month(page)
    page.wait_for_timeout(1000)
    assert month(page) == stopped >= 5
    assert page.locator(".sidebar-month").inner_text() == page.locator(".main-month").inner_text()
    expect(page.locator(".panel-timeline .now")).to_have_count(1)
    shots(page, "02-after-play")


def test_shock_button_changes_the_trajectory_and_is_marked_and_downloads_work(page, shots):
    step(page, 6)
    choose(page, ".shock-field", "education")
    page.get_by_role("button", name="Crisis").click()
    said = notice(page, "success", "Crisis")
    assert "Crisis in education at month 6" in said and "press Play or Step to see it" in said  # paused: said
    step(page, 4)
    expect(page.locator(".panel-value .shock-marker.live")).to_have_count(1)
    expect(page.locator(".panel-timeline .shock-marker.live")).to_have_count(1)
    expect(page.locator(".panel-value .shock-marker.live")).to_have_attribute("data-month", "6")
    name, data = download(page, "Data (CSV)")
    assert name == "baseline-seed1-timeseries.csv"
    got = pd.read_csv(io.BytesIO(data))
    # the same run in this process, with and without the shock (same seed)
    shocked = load("baseline").build(1).run_for(6)
    shocked.apply_shock(Shock(6, "crisis", field="education"))
    shocked = shocked.run_for(4).timeseries()
    plain = load("baseline").build(1).run_for(10).timeseries()
    assert len(got) == len(shocked) == 11 * 5
    assert np.allclose(got.performance, shocked.performance, rtol=1e-5, atol=1e-7)
    edu = (got.field == "education").to_numpy()
    before, after = got.step.to_numpy() <= 6, got.step.to_numpy() > 6
    assert np.allclose(got.performance[before], plain.performance[before], rtol=1e-5, atol=1e-7)
    assert (got.performance[after & edu].to_numpy() < plain.performance[after & edu].to_numpy() - 0.05).all()
    name, data = download(page, "Events and shocks (CSV)")
    ev = pd.read_csv(io.BytesIO(data))
    row = ev[ev.kind == "shock:crisis"].iloc[0]
    assert (row.step, row.field, bool(row.live)) == (6, "education", True)
    name, data = download(page, "Figures (PNG, zip)")
    assert name == "baseline-seed1-figures.zip"
    z = zipfile.ZipFile(io.BytesIO(data))
    assert sorted(z.namelist()) == ["network.png", "phases.png", "triangle.png", "value_curve.png"]
    for n in z.namelist():
        assert z.read(n)[:8] == b"\x89PNG\r\n\x1a\n"
    # leadership shocks show in the network: the leaver crossed out, the newcomer ringed
    page.get_by_role("button", name="Leader leaves").click()
    page.locator(".panel-network .departed").first.wait_for(timeout=20000)
    page.get_by_role("button", name="New leader arrives").click()
    page.locator(".panel-network .arrived").first.wait_for(timeout=20000)
    shots(page, "03-shocks")


def test_scenario_picker_switches_scenarios(page, shots):
    step(page, 3)
    choose(page, ".scenario-select", "Knowsley")
    wait_month(page, 0)
    expect(page.locator(".main-month")).to_have_text("Month 0 · January 1999")
    expect(page.locator(".main")).to_contain_text("Knowsley secondary education")
    expect(page.locator(".scenario-desc")).to_contain_text("Starts in 1999")
    expect(page.locator(".focus-field")).to_contain_text("education")  # the field the case is about
    step(page, 14)
    expect(page.locator(".main-month")).to_have_text("Month 14 · March 2000")
    # its own timeline of shocks shows on the charts (not as live shocks)
    assert page.locator(".panel-timeline .shock-marker").count() >= 1
    expect(page.locator(".panel-timeline .shock-marker.live")).to_have_count(0)
    shots(page, "04-knowsley")


def test_compare_mode_with_and_without_a_shock(page, shots):
    choose(page, ".scenario-select", "Inspection failure")
    page.locator(".compare-switch input").check()
    page.locator(".panel-compare").wait_for(timeout=20000)
    page.locator(".panel-value .value-line-b").wait_for(state="attached", timeout=20000)
    expect(page.locator(".panel-triangles")).to_have_count(2)
    step(page, 12)
    choose(page, ".shock-field", "education")
    page.get_by_role("button", name="New leader arrives").click()
    notice(page, "success", "New leader arrives")
    page.locator(".speed button", has_text="max").click()
    page.click(".btn-play")
    page.wait_for_function("() => /Month (\\d+)/.exec(document.querySelector('.main-month').innerText)[1] >= 40",
                           timeout=30000)
    page.click(".btn-play")
    page.wait_for_timeout(400)
    timelines = page.locator(".panel-timeline")
    assert timelines.count() == 2
    assert timelines.nth(0).locator(".shock-marker.live").count() == 1
    assert timelines.nth(1).locator(".shock-marker.live").count() == 0
    diff = page.locator(".compare-table tr td:last-child").all_inner_texts()
    assert any(abs(float(d)) > 0.001 for d in diff), diff  # the shock made a difference
    shots(page, "05-compare")


SVG_TEXT_PX = """() => Array.from(document.querySelectorAll('.content svg text')).filter(t => t.getBoundingClientRect().width > 0
    && t.textContent.trim()).map(t => { const m = t.getScreenCTM();
    return parseFloat(t.getAttribute('font-size')) * Math.hypot(m.a, m.b); })"""


def test_projector_view_is_readable_in_a_room(page, shots):
    """Projector view: a slim strip with the controls, shock buttons and scenario picker; every text
    inside the figures at least 18 px at 1280x720 and 1600x1000 (measured in the page)."""
    step(page, 8)
    page.locator(".presenter-switch input").check()
    page.locator(".settings-card").wait_for(state="detached", timeout=20000)
    expect(page.locator(".panel-network")).to_have_count(0)
    for sel, n in ((".strip .btn-play", 1), (".strip .shock-btn", 7), (".strip .scenario-select", 1),
                   (".strip .btn-ensemble", 1)):
        expect(page.locator(sel)).to_have_count(n)
    size = page.locator(".main-month").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")  # waits for it
    assert size >= 36
    measured = {}
    for w, h in ((1280, 720), (1600, 1000)):
        page.set_viewport_size({"width": w, "height": h})
        page.wait_for_timeout(400)
        px = page.evaluate(SVG_TEXT_PX)
        assert len(px) > 50 and min(px) >= 18, (w, sorted(px)[:5])
        measured[f"{w}x{h}"] = round(min(px), 1)
        if w == 1280:
            strip = page.locator(".strip").bounding_box()
            assert strip["height"] <= 130, strip  # slim: the figures get the screen
            page.screenshot(path=str(SHOTS / "06-projector-1280.png"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "projector_text_px.json").write_text(json.dumps(measured))
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.locator(".presenter-switch input").uncheck()
    page.locator(".settings-card").wait_for(timeout=20000)


def test_bad_input_shows_a_message_and_the_app_keeps_running(page, shots, tmp_path):
    step(page, 2)
    box = page.locator(".scenario-file input")
    box.fill("/no/such/scenario.toml")
    box.press("Enter")
    assert "no such scenario file" in notice(page, "error", "no such scenario file")
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "Bad"\ndescription = "A broken scenario."\n[parameters]\nopenness = 7\n')
    box.fill(str(bad))
    box.press("Enter")
    assert "out of range" in notice(page, "error", "parameters.openness")
    seed = page.locator(".seed-input input")
    seed.fill("abc")
    seed.press("Enter")
    notice(page, "error", "The seed must be a whole number")
    typed = page.locator(".typed-setting input")
    typed.fill("openness = 7")
    typed.press("Enter")
    notice(page, "error", "parameter 'openness' = 7.0 is out of range")
    shots(page, "07-bad-input")
    # the last good run is still there and still steps
    assert month(page) == 2 and "Baseline · seed 1" in page.locator(".main").inner_text()
    step(page, 1)
    # a valid setting and a valid custom scenario file both work
    typed.fill("openness = 0.8")
    typed.press("Enter")
    # While solara redraws the settings card the old label can stand beside the new one for a moment
    # (a strict-mode failure under CI's load, session 26): counts are retried, a strict read is not.
    label = lambda words: page.locator(".param-openness", has_text=words)  # noqa: E731
    expect(label("(pending)")).to_have_count(1)  # not applied yet
    assert month(page) == 3
    page.click(".btn-apply")
    wait_month(page, 0)
    expect(label("(changed)")).to_have_count(1)
    # Undo restores the run as it was, at month 3. On a loaded machine a click can land while
    # solara is still redrawing the settings card and be lost (the notice and month stay as they
    # were, the button is still there): click again then, as a user would; a click that worked
    # removes the button (the history is empty), so it cannot undo twice.
    for _ in range(3):
        page.click(".btn-undo")
        try:
            notice(page, "info", "Back to the run before", timeout=5000)
            break
        except PlaywrightTimeout:
            continue
    wait_month(page, 3)
    expect(label("(changed)")).to_have_count(0)
    expect(label("= ")).to_have_count(1)
    good = tmp_path / "good.toml"
    baseline = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"
    good.write_text(f'name = "Workshop test"\ndescription = "Baseline with open staff."\n'
                    f'extends = "{baseline}"\n[parameters]\nopenness = 0.9\n')
    box.fill(str(good))
    box.press("Enter")
    page.wait_for_function("() => document.querySelector('.main').innerText.includes('Workshop test')")
    # a slider moved by hand restarts the run with its value
    slider = page.locator(".settings-card .v-slider").first
    slider.scroll_into_view_if_needed()  # the sidebar scrolls on its own
    bbox = slider.locator(".v-slider-track").bounding_box()
    page.mouse.click(bbox["x"] + bbox["width"] * 0.9, bbox["y"] + bbox["height"] / 2)
    page.wait_for_function("() => document.querySelector('.param-leader_drive')?.innerText.includes('(pending)')")
    page.click(".btn-apply")
    page.wait_for_function("() => document.querySelector('.param-leader_drive')?.innerText.includes('(changed)')")
    assert "restarted at month 0" in notice(page, "info", "leader drive = ")


@pytest.mark.benchmark  # timings are measured by `make bench`, not asserted in the test suite
def test_start_up_and_step_times(page, server):
    """Start-up under 10 s; a step computed and redrawn in under 200 ms (server side), and on
    screen soon after. The numbers are written to /tmp/app-screenshots/timings.json."""
    browser_ms, server_ms = [], []
    for _ in range(15):
        m = month(page)
        t0 = time.perf_counter()
        page.click(".btn-step")
        wait_month(page, m + 1)
        browser_ms.append((time.perf_counter() - t0) * 1000)
        server_ms.append(float(re.search(r"(\d+) ms", page.locator(".step-timing").inner_text()).group(1)))
    timings = {"server_ready_s": round(server.ready_s, 2), "first_page_s": round(page.load_s, 2),
               "step_server_median_ms": statistics.median(server_ms), "step_server_max_ms": max(server_ms),
               "step_browser_median_ms": round(statistics.median(browser_ms), 1),
               "step_browser_max_ms": round(max(browser_ms), 1)}
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "timings.json").write_text(json.dumps(timings, indent=2))
    print(timings)
    assert server.ready_s < START_BUDGET_S, timings
    assert page.load_s < START_BUDGET_S, timings
    assert timings["step_server_median_ms"] < STEP_BUDGET_MS, timings
    assert timings["step_browser_median_ms"] < BROWSER_STEP_LIMIT_MS, timings


# ============================================================================ issue 14: many futures, debrief, reload
def test_ensemble_state_replays_live_shocks_and_pairs_a_with_b():
    """Replicate k of "Run N times" is the run a user would get at seed k with the same live
    shocks; A and B share seeds, and the paired table is experiments.compare's."""
    from model.app.ensemble import run_replicates
    from model.experiments.runner import replicate_seeds
    ws, _ = Workshop.build(Settings(compare=True))
    ws.step(4)
    ws.shock("Crisis", "education")
    ws.step(2)
    seeds = replicate_seeds(1, 3)
    ts = run_replicates(ws.ensemble_specs()[0], seeds, 10)
    alone = load("baseline").build(seeds[2]).run_for(4)
    alone.apply_shock(Shock(4, "crisis", field="education"))
    alone = alone.run_for(6).timeseries()
    assert np.array_equal(ts[ts.replicate == 2].performance.to_numpy(), alone.performance.to_numpy())
    job = ws.run_ensemble(8).join(60)
    assert job.finished and job.error is None
    res = job.result
    assert [r.quantiles.shape for r in res.runs] == [(5, 121, 5)] * 2
    assert (np.diff(res.runs[0].quantiles, axis=0) >= 0).all()  # 5% <= 25% <= median <= 75% <= 95%
    row = res.value_row("education")
    assert row is not None and 0 <= row["p_b_gt_a"] <= 1 and row["n"] == 8
    bands = ws.bands("education")
    assert len(bands) == 2 and bands[0]["q"].shape == (5, 121)
    ws.shock("Grant starts", "education")
    assert ws.ensemble_stale()


def test_ensemble_band_appears_while_playing_then_debrief_and_reload(page, shots, tmp_path):
    """Compare mode at one seed: A and B identical so far is said, with the ensemble offered; 8
    runs in the background while play goes on; bands, phase-chance bars and P(B beats A) show; the
    debrief prints to one A4 page (the server's chromium PDF, and the HTML printed here); a reload
    keeps the run."""
    from model.viz.brief import count_pages
    page.locator(".compare-switch input").check()
    page.locator(".panel-compare").wait_for(timeout=20000)
    step(page, 2)
    assert "A and B are identical at seed 1" in notice(page, "warning", "identical")
    page.locator(".sidebar .ensemble-size button", has_text="8").click()
    page.locator(".speed button", has_text="fast").click()
    page.click(".btn-play")
    page.locator(".panel-compare .btn-ensemble").click()
    start = month(page)
    page.locator(".panel-value .band-90").first.wait_for(state="attached", timeout=60000)
    during = month(page)
    page.click(".btn-play")
    assert during > start, "play stopped while the ensemble ran"
    expect(page.locator(".panel-value .band-90")).to_have_count(2)  # A and B
    expect(page.locator(".panel-reach .reach-bar")).to_have_count(5 * 4 * 2)
    cells = page.locator(".p-b-beats-a").all_inner_texts()
    assert len(cells) == 5 and all(re.fullmatch(r"\d+%", c) for c in cells), cells
    shots(page, "08-ensemble-compare")
    name, pdf = download(page, "Debrief, one page (PDF)")
    assert name == "baseline-seed1-debrief.pdf" and pdf[:5] == b"%PDF-" and count_pages(pdf) == 1
    _, html = download(page, "Debrief (HTML, to print)")
    printed = page.context.new_page()
    printed.set_content(html.decode())
    assert "P(B&gt;A)" in html.decode() and printed.locator("svg.value-curve .band-90").count() == 2
    pdf = printed.pdf(format="A4", print_background=True)
    printed.close()
    assert count_pages(pdf) == 1
    at = month(page)
    page.reload()
    page.wait_for_selector(".panel-timeline svg", timeout=20000)
    wait_month(page, at)
    expect(page.locator(".panel-compare")).to_have_count(1)


@pytest.mark.benchmark  # measured, not asserted in the suite: `make bench`
def test_frame_rate_and_gaps_while_figures_are_prepared(page, server):
    """Months per second at normal speed and at max (drawing every 6 months), and the longest gap
    between two redraws of the month while the figures zip and the debrief PDF are prepared.
    Written to /tmp/app-screenshots/frames.json."""
    watch = """() => { window._frames = []; const e = document.querySelector('.main-month');
        new MutationObserver(() => window._frames.push([performance.now(), e.innerText]))
            .observe(e, {childList: true, subtree: true, characterData: true}); }"""

    def frames():
        out = page.evaluate("() => window._frames.map(([t, s]) => [t, /Month (\\d+)/.exec(s)])"
                            ".filter(([t, m]) => m).map(([t, m]) => [t, parseInt(m[1])])")
        return [(t, m) for t, m in out]

    def run(seconds):
        page.evaluate(watch)
        page.click(".btn-play")
        page.wait_for_timeout(seconds * 1000)
        page.click(".btn-play")
        page.wait_for_timeout(300)
        return frames()

    def rate(fr):
        return (fr[-1][1] - fr[0][1]) / ((fr[-1][0] - fr[0][0]) / 1000) if len(fr) > 1 else 0.0

    out = {}
    page.locator(".speed button", has_text="normal").click()
    fr = run(8)
    out["normal_months_per_s"] = round(rate(fr), 2)
    out["normal_skipped_months"] = sum(max(0, b[1] - a[1] - 1) for a, b in zip(fr, fr[1:]))
    page.click(".btn-reset")
    wait_month(page, 0)
    page.locator(".speed button", has_text="max").click()
    page.locator(".draw-every button").filter(has_text=re.compile("^6$")).click()
    fr = run(5)
    out["max_draw6_months_per_s"] = round(rate(fr), 1)
    page.locator(".draw-every button").filter(has_text=re.compile("^1$")).click()
    page.click(".btn-reset")
    wait_month(page, 0)
    page.locator(".speed button", has_text="normal").click()
    page.evaluate(watch)
    page.click(".btn-play")
    page.wait_for_timeout(1000)
    t0 = time.perf_counter()
    with page.expect_download(timeout=60000):
        page.get_by_role("button", name="Figures (PNG, zip)").click()
    with page.expect_download(timeout=60000):
        page.get_by_role("button", name="Debrief, one page (PDF)").click()
    out["figures_and_pdf_s"] = round(time.perf_counter() - t0, 2)
    page.click(".btn-play")
    fr = frames()
    gaps = [(b[0] - a[0]) / 1000 for a, b in zip(fr, fr[1:])]
    out["max_frame_gap_while_preparing_s"] = round(max(gaps), 2) if gaps else None
    out["page_ready_s"] = round(page.load_s, 2)
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "frames.json").write_text(json.dumps(out, indent=2))
    print(out)
    assert out["max_frame_gap_while_preparing_s"] is not None and out["max_frame_gap_while_preparing_s"] < 1.0, out
    assert out["max_draw6_months_per_s"] >= 20, out


# ============================================================================ issue 14 item 5: the region on screen
def test_region_state_plays_the_region_and_shocks_a_group():
    """A region scenario builds a RegionWorkshop whose months are the Region's own (same seed, same
    answers), whose shares are Region.aggregates()'s, and whose shock buttons hit exactly the
    chosen group of places, now."""
    from model.app.region import ALL_PLACES, build_workshop, group_members
    from model.app.state import catalogue_entry
    assert catalogue_entry("region_60").places == 60 and catalogue_entry("england_2006").places == 435
    ws, err = build_workshop(Settings(scenario="region_60"))
    assert err is None and ws.is_region and ws.primary.n == 60 and ws.month == 0
    assert ws.label == "Month 0 · January 2000"
    ws.step(12)
    plain = load("region_60").build(1).run_for(12)
    run = ws.primary
    assert np.array_equal(np.asarray(run.answers), plain.categories())
    assert np.array_equal(np.asarray(run.leads), plain.phases.max(axis=2))
    v = ws.view()
    agg = plain.aggregates()
    assert v.shares.shape == (13, 3) and np.allclose(v.shares.sum(axis=1), 1)
    assert np.allclose(v.shares, agg[["share_hardly_any", "share_some", "share_a_great_deal"]].to_numpy())
    assert v.table_month == 12 and v.table.iloc[0]["survey_great_deal"] == 0.43
    fire = group_members(run.kinds, run.regions, "fire")
    assert len(fire) == (run.kinds == "fire").sum() > 0
    perf_before = run.model.engine.performance.copy()
    ok, msg = ws.shock("Crisis", "all fields", group="fire")
    assert ok and f"the {len(fire)} fire authorities at month 12 · January 2001" in msg, msg
    ev = run.model.place_events()
    assert set(ev[ev.kind == "shock:crisis"].place) == set(fire.tolist())
    dropped = run.model.engine.performance < perf_before - 1e-9
    assert dropped[fire].all() and not np.delete(dropped, fire, axis=0).any()
    north_west = group_members(run.kinds, run.regions, "north_west")
    ok, msg = ws.shock("Grant starts", "education", group="north_west")
    assert ok and f"{len(north_west)} places of North West" in msg
    assert not ws.shock("Crisis", "all fields", group="atlantis")[0]
    assert "choose a field" in ws.shock("Leader leaves", "all fields", "director", ALL_PLACES)[1]
    ws.step(2)
    svg = ws.grid_svg(ws.view(), "answer", "fire", False)
    assert svg.count("class='place ") == 60 and svg.count(" chosen'") == len(fire)
    assert svg.count("class='shocked'") == len(set(fire) | set(north_west))
    live = [s for s in ws.view().shocks if s["live"]]
    assert [(s["month"], s["kind"]) for s in live] == [(12, "crisis"), (12, "funding_start")]
    events = pd.read_csv(io.BytesIO(ws.events_csv()))
    assert events.live.sum() == 2 and (events.kind == "shock:crisis").sum() == len(fire) + 1
    places = pd.read_csv(io.BytesIO(ws.places_csv()))
    assert len(places) == 15 * 60 and set(places.answer) <= {"hardly any", "some", "a great deal"}
    assert len(pd.read_csv(io.BytesIO(ws.shares_csv()))) == 15
    # Beacons are marked: the places holding the status this month, as the Region says
    while not (run.model.beacon_until >= run.model.steps).any() and ws.month < 120:
        ws.step(12)
    v = ws.view()
    beacons = run.model.beacon_until >= run.model.steps
    assert beacons.any() and np.array_equal(v.beacons, beacons)
    svg = ws.grid_svg(v, "phase", ALL_PLACES, False)
    assert svg.count("class='beacon'") == beacons.sum() and f"a Beacon now ({beacons.sum()})" in svg
    # compare mode is for localities: a region plays alone, and says so
    ws, err = build_workshop(Settings(scenario="region_60", compare=True))
    assert err is None and len(ws.runs) == 1 and any("plays alone" in n for n in ws.notes)


def test_a_region_plays_with_its_grid_survey_chart_and_group_shocks(page, shots):
    """Region of 60 in the page: one cell per place, the survey chart with the survey's figures,
    play updates both (checked against the same Region run here), the colour toggle, and a shock
    on the fire authorities hits them and is marked."""
    from model.core.survey import SURVEY
    choose(page, ".scenario-select", "Region of 60")
    page.locator(".panel-region svg.region-grid").wait_for(timeout=30000)
    expect(page.locator(".main-month")).to_have_text("Month 0 · January 2000")
    expect(page.locator(".panel-region .place")).to_have_count(60)
    expect(page.locator(".panel-triangles")).to_have_count(0)
    marks = page.locator(".panel-survey .survey-mark")
    expect(marks).to_have_count(3)
    assert {m.get_attribute("data-answer"): float(m.get_attribute("data-value")) for m in marks.all()} == SURVEY
    page.locator(".speed button", has_text="max").click()
    page.click(".btn-play")
    page.wait_for_function("() => /Month (\\d+)/.exec(document.querySelector('.main-month').innerText)[1] >= 18",
                           timeout=30000)
    page.click(".btn-play")
    expect(page.locator(".btn-play")).to_contain_text("Play")
    m = month(page)
    while True:  # on a loaded machine the loop may finish one more month after the click
        page.wait_for_timeout(700)
        if month(page) == m:
            break
        m = month(page)
    region = load("region_60").build(1).run_for(m)
    kinds = np.asarray(region.kinds)

    def grid_codes():
        cls = page.locator(".panel-region .place").evaluate_all("els => els.map(e => e.getAttribute('class'))")
        return np.array([int(re.search(r"\bv(\d)\b", c).group(1)) for c in cls])

    page.wait_for_function(  # the last redraw has reached the page
        "m => document.querySelector('.panel-survey .share-line.share-2').getAttribute('points').split(' ').length == m + 1",
        arg=m, timeout=20000)
    assert np.array_equal(grid_codes(), region.categories()[-1])
    share_now = page.locator(".panel-survey .share-now-2").text_content()
    assert share_now.startswith(f"{(region.categories()[-1] == 2).mean():.0%}")
    page.locator(".colour-by button", has_text="leading phase").click()
    page.locator(".panel-region svg.by-phase").wait_for(timeout=20000)
    assert np.array_equal(grid_codes(), region.phases[-1].max(axis=1))
    choose(page, ".shock-group", "fire authorities")
    n_fire = int((kinds == "fire").sum())
    expect(page.locator(".panel-region .place.chosen")).to_have_count(n_fire)
    page.get_by_role("button", name="Crisis").click()
    assert f"of the {n_fire} fire authorities at month {m}" in notice(page, "success", "Crisis")
    expect(page.locator(".panel-region .shocked")).to_have_count(n_fire)
    step(page, 1)
    live = page.locator(".panel-survey .shock-marker.live")
    expect(live).to_have_count(1)
    assert live.get_attribute("data-month") == str(m)
    expect(page.locator(".survey-table")).to_contain_text("fire authorities")
    shots(page, "09-region")


@pytest.mark.benchmark  # measured, not asserted in the suite: `make bench`
def test_region_frame_rate(page):
    """Months per second of the two shipped regions at "max" (drawing every month, and every 6),
    and the time from picking the region to its grid on screen. Written to
    /tmp/app-screenshots/region_frames.json."""
    watch = """() => { window._frames = []; const e = document.querySelector('.main-month');
        new MutationObserver(() => window._frames.push([performance.now(), e.innerText]))
            .observe(e, {childList: true, subtree: true, characterData: true}); }"""
    out = {"page_ready_s": round(page.load_s, 2)}
    page.locator(".speed button", has_text="max").click()
    for key, title in (("england_2006", "England 2006"), ("region_60", "Region of 60")):  # the menu scrolls down
        t0 = time.perf_counter()
        choose(page, ".scenario-select", title)
        page.wait_for_function("n => document.querySelectorAll('.panel-region .place').length == n",
                               arg=60 if key == "region_60" else 435, timeout=60000)
        out[f"{key}_ready_s"] = round(time.perf_counter() - t0, 2)
        for every in (1, 6):
            page.locator(".draw-every button").filter(has_text=re.compile(f"^{every}$")).click()
            page.evaluate(watch)
            page.click(".btn-play")
            page.wait_for_timeout(4000)
            if "Pause" in page.locator(".btn-play").inner_text():  # else it paused at the end of the run
                page.click(".btn-play")
            page.wait_for_timeout(500)
            fr = page.evaluate("() => window._frames.map(([t, s]) => [t, /Month (\\d+)/.exec(s)])"
                               ".filter(([t, m]) => m).map(([t, m]) => [t, parseInt(m[1])])")
            rate = (fr[-1][1] - fr[0][1]) / ((fr[-1][0] - fr[0][0]) / 1000) if len(fr) > 1 else 0.0
            out[f"{key}_max_draw{every}_months_per_s"] = round(rate, 1)
            out[f"{key}_max_draw{every}_server_ms"] = float(
                re.search(r"(\d+) ms", page.locator(".step-timing").inner_text()).group(1))
            page.click(".btn-reset")
            wait_month(page, 0)
        page.locator(".draw-every button").filter(has_text=re.compile("^1$")).click()
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "region_frames.json").write_text(json.dumps(out, indent=2))
    print(out)
