"""innovation-sim workshop app: watch a locality innovate, month by month, and shock it live.

Start it with `innovation-sim app` (http://127.0.0.1:8765) or `solara run app.py`.

Why the page is built with solara directly and not inside Mesa's ``SolaraViz``
-------------------------------------------------------------------------------
1. ``mesa.visualization`` cannot be imported with this project's dependencies: its package
   ``__init__`` imports altair (Mesa's ``viz`` extra), which the ``app`` extra of pyproject.toml
   does not install. Importing ``SolaraViz``, ``UserInputs`` or even ``mesa.visualization.utils``
   fails with "No module named 'altair'".
2. Even with altair, SolaraViz would get in the way: it owns the whole page (app bar, a fixed
   sidebar, a draggable grid) and one model, and its controller's play/running state is private.
   The workshop needs a scenario picker that restarts the run at once, two runs stepped in
   lockstep (compare mode), shock buttons that change the running model, a presenter mode that
   changes the sidebar, and a readable message (never a stack trace) when a setting or a scenario
   file is wrong, with the last good run kept.

So the page is plain solara and follows SolaraViz's design where it fits: one reactive step
counter that every panel subscribes to and that a step bumps (SolaraViz's ``update_counter`` /
``force_update``), a play loop in a worker thread like its ``ModelController`` (play, pause, step,
reset, speed), and sliders generated from a parameter table as its ``UserInputs`` does (here from
the registry in model/core/parameters.py, with its ranges, units and help text).

The panels are small hand-built SVGs (model/viz/svg.py): a step costs a few milliseconds to draw,
and the network is drawn once per roster change with a layout computed once per run. The PNG
download uses matplotlib (model/viz/plots.py, model/viz/figures.py), only when asked for.

Offline: solara serves its front-end from the solara-assets package through its local CDN proxy
(SOLARA_ASSETS_PROXY, on by default; `innovation-sim app` sets it explicitly); this module also
turns off solara's usage telemetry and its one-off "installation check" iframe, so the page
requests nothing outside 127.0.0.1 (checked by tests/test_app.py).
"""

from __future__ import annotations

import base64
import functools
import logging
import os
import threading
import time
import warnings
from dataclasses import replace
from html import escape

import ipyvue
import reacton.core
import solara
import solara.checks
import solara.lab
import solara.server.settings as _server_settings
import solara.server.kernel_context as kernel_context
import solara.settings
import traitlets
from model.app import (A_COLOUR, ALL, ALL_PLACES, B_COLOUR, ENSEMBLE_SIZES, HOW_TO_READ, LEADER_ROLE_LABELS, MAX_SEED,
                       LIVE_SHOCKS, PHASE_NAMES, SURVEY, RegionWorkshop, ScenarioError, Settings, Workshop,
                       build_workshop, catalogue, catalogue_entry, first_line, fmt_diff, load, parse_setting,
                       reach_svg, slider_specs, survey_svg, timeline_svg, triangle_svg, value_curve_svg)

log = logging.getLogger("innovation_sim.app")

# solara warns on every page load that a localhost (http) session cookie cannot be samesite=none.
warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")

# --- offline: no telemetry, no phone-home check ---------------------------------------------------
_server_settings.telemetry.mixpanel_enable = False
solara.checks.should_perform_solara_check = lambda: False  # an iframe from solara.dev otherwise
if not solara.settings.assets.proxy:
    log.warning("SOLARA_ASSETS_PROXY is off: the page will load its front-end from %s. "
                "Start the app with `innovation-sim app` to serve it locally.", solara.settings.assets.cdn)

SPEEDS = {"slow": 1000, "normal": 400, "fast": 150, "max": 20}  # ms between months
DRAW_EVERY = (1, 3, 6, 12)  # months per redraw: drawing, not the model, limits "max"
TITLE = "Innovation in local public services"

# One counter per session, bumped once per step: every panel reads it, so a step redraws them all
# (as mesa.visualization.utils.update_counter does for SolaraViz components).
update_counter = solara.reactive(0)


def force_update() -> None:
    update_counter.value += 1


# --- per-session state (solara scopes module-level reactives to each browser session) -----------
# the scenario the app opens on: `innovation-sim app SCENARIO` (checked there) passes it in
settings = solara.reactive(Settings(scenario=os.environ.get("INNOVATION_SIM_APP_SCENARIO") or "baseline"))
workshop: solara.Reactive[Workshop | None] = solara.reactive(None)
playing = solara.reactive(False)
speed = solara.reactive("normal")
presenter = solara.reactive(False)
notice: solara.Reactive[tuple[str, str] | None] = solara.reactive(None)  # (level, text)
shock_field = solara.reactive(ALL)
shock_role = solara.reactive("chief_executive")
shock_group = solara.reactive(ALL_PLACES)  # a region: the places the shock buttons act on
COLOUR_BY = {"survey answer": "answer", "leading phase": "phase"}
colour_by = solara.reactive("survey answer")  # a region: what colours the places
focus_field: solara.Reactive[str | None] = solara.reactive(None)
step_ms = solara.reactive(0.0)  # the last step: model step + redraw of every panel, in ms
draw_every = solara.reactive(1)
ensemble_size = solara.reactive(20)
ensemble_tick = solara.reactive(0)  # bumped by the ensemble thread as it progresses
pending: solara.Reactive[tuple | None] = solara.reactive(None)  # settings changed, not yet applied
history: solara.Reactive[tuple] = solara.reactive(())  # (settings, workshop) before each restart: undo
show_help = solara.reactive(False)
page_token = solara.reactive(None)  # this page's identity (see SAVED)

# The run of each browser session (solara's session cookie), so that a page reload finds it again.
# A page owns the workshop it drives (``owner``, see ``take``): when another page of the same session
# takes it over, the older page's play loop stops and it says so.
SAVED: dict[str, tuple[Settings, Workshop | RegionWorkshop, bool]] = {}
MAX_SAVED = 50


def session_id() -> str | None:
    try:
        return solara.get_session_id()
    except Exception:  # outside a page (unit tests)
        return None


def save_session() -> None:
    sid = session_id()
    if sid and workshop.value is not None:
        SAVED.pop(sid, None)
        SAVED[sid] = (settings.value, workshop.value, presenter.value)
        while len(SAVED) > MAX_SAVED:
            SAVED.pop(next(iter(SAVED)))


MOVED = ("This run is now driven from another tab of this browser; this tab has paused and may show an "
         "older month. Press Play or Step here to drive it from this tab again.")


def moved_away() -> None:
    """Another page of this session took the run over (see ``take``): stop and say so."""
    playing.set(False)
    notice.set(("warning", MOVED))


def take(ws) -> None:
    """This page drives ``ws`` from now on. A reload or a second tab of the same browser session
    finds the same run (SAVED); the page that drove it before stops its play loop and says why,
    instead of going stale silently while another tab moves the run on."""
    if ws is None:
        return
    before = getattr(ws, "owner", None)
    release = getattr(ws, "release", None)
    ws.owner = page_token.value
    ws.release = in_this_session(moved_away)
    if notice.value is not None and notice.value[1] == MOVED:
        notice.set(None)
    if before is not None and before is not page_token.value and release is not None:
        # in a thread of its own: the other page re-renders in its own context, not inside this render
        threading.Thread(target=release, name="release-run", daemon=True).start()


def owns(ws) -> bool:
    return ws is not None and getattr(ws, "owner", None) is page_token.value


def in_this_session(fn):
    """``fn`` wrapped to run in this page's solara context, from any thread (the ensemble's)."""
    ctx = kernel_context.get_current_context()

    def run(*args):
        try:
            with ctx:
                fn(*args)
        except Exception:  # the page may have gone: nothing to update
            log.debug("session update skipped", exc_info=True)
    return run


def guarded(handler):
    """An event handler that reports failures in the page instead of raising."""
    @functools.wraps(handler)
    def run(*args, **kwargs):
        try:
            return handler(*args, **kwargs)
        except Exception as e:
            log.exception("handler %s failed", handler.__name__)
            notice.set(("error", f"That did not work ({type(e).__name__}: {e}). The app is still running."))
            return None
    return run


@solara.component
def Alert(level: str, text: str):
    """A message box. (solara.Error/Info/Success fail to render with ipyvuetify 3.)"""
    icon = {"error": "&#9888;", "warning": "&#9888;", "success": "&#10003;"}.get(level, "&#8505;")
    solara.HTML(tag="div", unsafe_innerHTML=f"<span class='notice-icon'>{icon}</span> {escape(text)}",
                classes=["notice", f"notice-{level}"])


@solara.component
def Guard(what: str, component, args: tuple = ()):
    """An error boundary around ``component(*args)``: if it fails to render, say so in one line
    (the server log keeps the traceback) and offer to try again, instead of a stack trace. (The
    component is created here, not passed in as children: reacton only settles that way.)"""
    exc, clear = solara.use_exception()
    if exc is not None:
        log.error("rendering the %s failed", what, exc_info=exc)
        with solara.Div(classes=["guard-error"]):
            Alert("error", f"The {what} could not be shown ({type(exc).__name__}: {exc}). "
                           "The rest of the app is still running.")
            solara.Button("Try again", on_click=clear, text=True)
    else:
        component(*args)


@guarded
def rebuild(new: Settings, note: str | None = None) -> bool:
    """Build a new workshop from ``new``; on failure keep the current one and say why."""
    ws, err = build_workshop(new)
    if err:
        notice.set(("error", err))
        return False
    playing.set(False)
    old = workshop.value
    if old is not None:
        old.stop_ensemble()
        history.set((*history.value[-4:], (settings.value, old)))
    take(ws)
    settings.set(new)
    workshop.set(ws)
    pending.set(None)
    focus_field.set(_initial_focus(ws))
    if shock_field.value not in (ALL, *ws.primary.fields):
        shock_field.set(ALL)
    if ws.is_region and shock_group.value not in [g["value"] for g in ws.groups()]:
        shock_group.set(ALL_PLACES)
    notice.set(("info", note) if note else None)
    save_session()
    force_update()
    return True


@guarded
def undo() -> None:
    """Back to the settings and the run as they were before the last restart."""
    if not history.value:
        return
    *rest, (old_settings, old_ws) = history.value
    playing.set(False)
    history.set(tuple(rest))
    take(old_ws)
    settings.set(old_settings)
    workshop.set(old_ws)
    pending.set(None)
    notice.set(("info", f"Back to the run before ({old_ws.label}), with its settings."))
    save_session()
    force_update()


def timed_step(ws: Workshop) -> bool:
    t0 = time.perf_counter()
    ok = ws.step()
    force_update()  # the step signal: every panel redraws (in this thread, before it returns)
    ws.last_step_ms = (time.perf_counter() - t0) * 1000
    step_ms.set(ws.last_step_ms)
    return ok


CSS = """
.connection-lost { position: fixed; top: 0; left: 0; right: 0; z-index: 10000; background: #b71c1c; color: #fff;
  padding: 12px 18px; font-size: 1.05rem; box-shadow: 0 2px 8px rgba(0,0,0,.4); }
.panel { padding: 10px 14px !important; }
.panel svg { display: block; max-width: 100%; height: auto; }
.triangles { display: flex; flex-wrap: wrap; gap: 10px; }
.triangles > div { flex: 1 1 0; min-width: 0; max-width: 230px; }
.wide { max-width: 1100px; }
.month-label { font-size: 1.6rem; font-weight: 600; line-height: 1.2; }
.scenario-desc { font-size: 0.85rem; color: #555; margin: -4px 0 8px 0; }
.param-label { font-size: 0.9rem; margin-top: 6px; }
.param-help { font-size: 0.75rem; color: #666; margin: -8px 0 8px 0; line-height: 1.25; }
.speed .v-btn { min-width: 0 !important; padding: 0 10px !important; }
.downloads { display: flex; flex-direction: column; gap: 6px; }
.dl-btn { border: 1px solid #1565c0; color: #1565c0; border-radius: 4px; padding: 6px 12px; text-align: left;
          background: white; cursor: pointer; font-size: 0.9rem; width: 100%; }
.dl-btn:hover { background: #e3f2fd; }
.dl-btn:disabled { color: #888; border-color: #bbb; cursor: wait; }
.step-timing { font-size: 0.75rem; color: #888; }
.shock-buttons .v-btn { margin: 3px 4px 3px 0; text-transform: none; }
.scenario-menu .v-list-item-title { white-space: normal; font-size: 0.9rem; line-height: 1.3; }
.topbar { display: flex; align-items: center; gap: 24px; padding: 6px 20px; color: white;
          background: #37474f; position: sticky; top: 0; z-index: 5; }
.topbar .title { font-size: 1.25rem; font-weight: 500; flex: 1; }
.topbar .v-label { color: white !important; opacity: 1 !important; }
.shell { display: flex; align-items: flex-start; }
.sidebar { width: 380px; flex: 0 0 380px; position: sticky; top: 52px; height: calc(100vh - 52px);
           overflow-y: auto; padding: 12px; background: #fafafa; border-right: 1px solid #e0e0e0; }
.content { flex: 1 1 auto; min-width: 0; padding: 12px 18px; }
.run-title { font-size: 1.15rem; font-weight: 600; }
.notice { padding: 8px 12px; border-radius: 6px; border-left: 5px solid; font-size: 0.95rem; }
.notice-error { background: #fdecea; border-color: #c62828; color: #7f1d1d; }
.notice-warning { background: #fff8e1; border-color: #f9a825; color: #5d4037; }
.notice-success { background: #e8f5e9; border-color: #2e7d32; color: #1b5e20; }
.notice-info { background: #e3f2fd; border-color: #1565c0; color: #0d47a1; }
.subtitle { display: block; font-size: 0.8rem; color: #666; margin-bottom: 6px; }
.compare-note { font-size: 0.8rem; color: #666; }
.help-text { max-width: 900px; font-size: 0.95rem; line-height: 1.45; }
.help-text h3 { font-size: 1.02rem; margin: 10px 0 2px 0; }
.pending { color: #e65100; }
.btn-help { text-transform: none; }
.survey-table { border-collapse: collapse; margin-top: 6px; font-size: 0.95rem; }
.survey-table caption { text-align: left; font-size: 0.85rem; color: #555; padding-bottom: 2px; }
.survey-table th, .survey-table td { padding: 2px 10px; text-align: right; border-bottom: 1px solid #eee; }
.survey-table th:first-child, .survey-table td:first-child { text-align: left; }
.colour-by .v-btn { text-transform: none; }
@media print {  /* the page itself on paper: the figures, not the controls (the debrief is one page) */
  .topbar, .sidebar, .strip, .notice, .panel-network, .panel-help, .focus-field, button, .v-btn { display: none !important; }
  .shell { display: block; }
  .content { padding: 0; }
  .panel { break-inside: avoid; box-shadow: none !important; }
  .triangles > div { max-width: 19% !important; }
}
"""
PRESENTER_CSS = """
.v-application { font-size: 20px; }
.topbar { padding: 2px 16px; height: 40px; }
.topbar .v-input { flex: 0 0 auto; }
.topbar .title { font-size: 1.3rem !important; }
.strip { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 8px; padding: 4px 12px;
         background: #eceff1; border-bottom: 1px solid #cfd8dc; position: sticky; top: 40px; z-index: 4; }
.strip .v-btn { text-transform: none; font-size: 0.95rem !important; }
.strip .strip-month { font-size: 1.25rem !important; font-weight: 600; min-width: 220px; }
.strip .strip-group { flex-wrap: nowrap; }
.strip .v-btn { height: 36px !important; }
.strip .speed .v-btn { padding: 0 8px !important; }
.strip .strip-scenario { min-width: 220px; max-width: 280px; flex: 0 0 260px; }
.strip .shock-field { min-width: 170px; max-width: 200px; flex: 0 0 190px; }
.strip .shock-buttons { display: flex; flex-wrap: wrap; gap: 2px; }
.strip .shock-buttons .v-btn { margin: 0 !important; }
.strip .ensemble-controls .ensemble-size { display: none; }
.content-wide { padding: 8px 12px; }
.month-label { font-size: 2.4rem !important; }
.run-title { font-size: 1.5rem !important; }
.triangles { display: grid !important; grid-template-columns: repeat(3, 1fr); gap: 12px; }
.triangles > div { max-width: none !important; }
.wide { max-width: none !important; }
.compare-table { font-size: 1.25rem; }
.survey-table { font-size: 1.25rem; }
.strip .shock-group { min-width: 200px; max-width: 240px; flex: 0 0 220px; }
.notice { font-size: 1.2rem; }
"""


# ------------------------------------------------------------------------------------ sidebar
@solara.component
def MonthLabel(classes: list[str] | None = None):
    update_counter.get()
    ws = workshop.value
    text = ws.label if ws else "-"
    solara.Text(text, classes=["month-label", *(classes or [])])


def timed_steps(ws: Workshop, n: int) -> bool:
    """n months, then one redraw (the render interval)."""
    t0 = time.perf_counter()
    ok = ws.step(n)
    force_update()
    ws.last_step_ms = (time.perf_counter() - t0) * 1000
    step_ms.set(ws.last_step_ms)
    return ok


UNWATCHED_PAUSE_S = 10.0  # a play loop with no page connected pauses after this (a closed tab
# keeps its kernel until solara culls it, hours later; without this its loop would run on unseen)


def watched(ctx) -> bool:
    """Whether a page is connected to this kernel (a reconnecting page counts after it is back)."""
    try:
        return any(s == kernel_context.PageStatus.CONNECTED for s in list(ctx.page_status.values()))
    except Exception:  # no kernel context (unit tests): someone is watching
        return True


def wait_for_render(rc, timeout: float = 5.0) -> None:
    """Block until no render pass is running. Reacton re-runs a pass whenever another thread changes
    state during it and gives up after 100 ("Too many renders"): a play loop that steps faster than
    a slow machine renders (a click's render, a region's grid) must let each pass finish first."""
    if rc is None:
        return
    if rc.thread_lock.acquire(timeout=timeout):
        rc.thread_lock.release()


@solara.component
def RunControls(compact: bool = False):
    ws = workshop.value
    generation = solara.use_ref(0)
    render_context = solara.use_ref(None)
    render_context.current = reacton.core.get_render_context(required=False)

    def loop():
        generation.current += 1
        me = generation.current
        ctx = kernel_context.get_current_context()
        unwatched_since = None
        while playing.value and generation.current == me:
            wait_for_render(render_context.current)
            if not playing.value:  # paused during that render
                break
            t0 = time.perf_counter()
            if not watched(ctx):  # the tab was closed or lost its connection: wait, then pause
                unwatched_since = unwatched_since or t0
                if t0 - unwatched_since > UNWATCHED_PAUSE_S:
                    playing.set(False)
                    break
                time.sleep(0.25)
                continue
            unwatched_since = None
            w = workshop.value
            if not owns(w):  # another page of this session took the run over (take)
                moved_away()
                break
            end = w.primary.months
            n = max(1, min(draw_every.value, end - w.month if w.month < end else draw_every.value))
            if not timed_steps(w, n):
                playing.set(False)
                force_update()
                break
            if w.month == end:  # the scenario's run length: pause (Play goes on)
                playing.set(False)
                notice.set(("info", f"Paused at the end of the scenario's run ({w.month} months). "
                                    "Press Play to go on."))
                break
            time.sleep(max(0.0, n * SPEEDS[speed.value] / 1000 - (time.perf_counter() - t0)))

    solara.lab.use_task(loop, dependencies=[playing.value], prefer_threaded=True)

    @guarded

    def step():
        if workshop.value is not None:
            take(workshop.value)
            timed_step(workshop.value)

    @guarded

    def reset():
        rebuild(settings.value, "Restarted at month 0 with the same settings and seed.")

    failed = ws is None or ws.error is not None

    @guarded

    def play():
        if not playing.value and not owns(workshop.value):
            take(workshop.value)
            force_update()  # this tab may show an older month: redraw at the run's own
        playing.set(not playing.value)

    def buttons():
        solara.Button("Pause" if playing.value else "Play", icon_name="mdi-pause" if playing.value else "mdi-play",
                      color="primary", on_click=play, disabled=failed,
                      classes=["btn-play"])
        solara.Button("Step", icon_name="mdi-step-forward", on_click=step, disabled=playing.value or failed,
                      classes=["btn-step"])
        solara.Button("Reset", icon_name="mdi-restart", on_click=reset, classes=["btn-reset"])

    if compact:
        with solara.Row(classes=["strip-group"], gap="6px", style={"align-items": "center"}):
            MonthLabel(classes=["strip-month"])
            buttons()
            solara.ToggleButtonsSingle(value=speed, values=list(SPEEDS), dense=True, classes=["speed"])
        return
    with solara.Card("Run", classes=["run-controls"], margin=0):
        MonthLabel(classes=["sidebar-month"])
        with solara.Row(gap="6px", style={"flex-wrap": "wrap", "margin": "8px 0"}):
            buttons()
        with solara.Row(style={"align-items": "center", "gap": "8px"}):
            solara.Text("Speed")
            solara.ToggleButtonsSingle(value=speed, values=list(SPEEDS), dense=True, classes=["speed"])
        # The unit goes in the label and the row wraps: beside "months" the sidebar hid the "12" button.
        with solara.Row(style={"align-items": "center", "gap": "8px", "margin-top": "6px", "flex-wrap": "wrap"}):
            solara.Text("Draw every (months)")
            solara.ToggleButtonsSingle(value=draw_every, values=list(DRAW_EVERY), dense=True, classes=["draw-every"])


@solara.component
def ScenarioPicker(compact: bool = False):
    s = settings.value
    entries = catalogue()
    # a region's place count, unless its title already says it ("Region of 60 places (60 places)")
    items = [{"title": (f"{c.title} ({c.places} places) — " if c.places and f"{c.places} places" not in c.title
                        else f"{c.title} — ") + c.description,
              "value": c.key} for c in entries]
    shipped_key = s.scenario if catalogue_entry(s.scenario) else None
    file_text, set_file_text = solara.use_state("" if shipped_key else s.scenario)

    @guarded

    def pick(key):
        if key and key != settings.value.scenario:
            rebuild(replace(settings.value, scenario=key, overrides=()),
                    f"Scenario '{catalogue_entry(key).title}' loaded at month 0.")

    @guarded

    def open_file(path):
        set_file_text(path or "")
        if path and path.strip():
            rebuild(replace(settings.value, scenario=path.strip(), overrides=()),
                    f"Scenario file {path.strip()} loaded at month 0.")

    @guarded

    def set_seed(text):
        try:
            seed = int(str(text).strip())
            if not 0 <= seed <= MAX_SEED:  # as the command line: a seed it could not re-run is refused
                raise ValueError
        except ValueError:
            notice.set(("error", f"The seed must be a whole number from 0 to {MAX_SEED}; got '{str(text)[:40]}'. "
                                 f"The run is unchanged."))
            return
        if seed != settings.value.seed:
            waiting = pending.value  # changed settings not yet applied stay waiting, and the note says so
            note = f"Seed {seed}: restarted at month 0." + (
                "" if waiting is None else " The changed settings still wait for \"Apply & restart\".")
            if rebuild(replace(settings.value, seed=seed), note) and waiting is not None:
                pending.set(waiting)

    if compact:
        with solara.Row(classes=["strip-group"], style={"align-items": "center"}):
            solara.v.Select(label="Scenario", items=items, v_model=shipped_key, on_v_model=pick, density="compact",
                            menu_props={"contentClass": "scenario-menu", "maxWidth": 560, "maxHeight": 480},
                            class_="scenario-select strip-scenario", hide_details=True)
        return
    with solara.Card("Scenario", margin=0, classes=["scenario-card"]):
        solara.v.Select(label="Scenario", items=items, v_model=shipped_key, on_v_model=pick,
                        menu_props={"contentClass": "scenario-menu", "maxWidth": 560, "maxHeight": 480},
                        class_="scenario-select", hide_details=True)
        desc = _description(s.scenario)
        solara.HTML(tag="div", unsafe_innerHTML=_esc(desc), classes=["scenario-desc"])
        solara.InputText("…or open a scenario file (.toml path)", value=file_text, on_value=open_file,
                         classes=["scenario-file"])
        solara.InputText("Seed", value=str(s.seed), on_value=set_seed, classes=["seed-input"])


def _description(source: str) -> str:
    entry = catalogue_entry(source)
    if entry:
        return entry.description + (f" Starts in {entry.start_year}." if entry.start_year else "")
    try:
        sc = load(source)
        return first_line(sc.description)
    except ScenarioError:
        return ""


def _esc(text: str) -> str:
    return escape(text)


@solara.component
def ShockPanel(compact: bool = False):
    ws = workshop.value
    fields = ws.primary.fields if ws else []
    region = ws is not None and ws.is_region
    groups = ws.groups() if region else []

    @guarded

    def fire(label):
        w = workshop.value
        if w is None:
            return
        take(w)
        if w.is_region:
            ok, msg = w.shock(label, shock_field.value, shock_role.value, shock_group.value)
        else:
            ok, msg = w.shock(label, shock_field.value, shock_role.value)
        if ok and w.ensemble is not None and w.ensemble_stale():
            msg += " The bands were computed before this shock: run them again to include it."
        if ok and not playing.value:  # a shock acts in the months that follow (trainer review: at month 120
            msg += " It acts from the next month: press Play or Step to see it."  # it seemed to do nothing)
        notice.set(("success" if ok else "error", msg))
        if ok and shock_field.value in fields and not w.is_region:
            focus_field.set(shock_field.value)
        force_update()

    def group_select(**kw):
        solara.v.Select(label="Places", items=groups, v_model=shock_group.value, on_v_model=shock_group.set,
                        hide_details=True, **kw)

    def buttons():
        for label in LIVE_SHOCKS:
            solara.Button(label, on_click=lambda label=label: fire(label), small=True, outlined=True,
                          color="error", classes=["shock-btn"], disabled=ws is None or ws.error is not None)

    if compact:
        with solara.Row(classes=["strip-group"], gap="6px", style={"align-items": "center", "flex-wrap": "wrap"}):
            if region:
                group_select(density="compact", class_="shock-group")
            solara.v.Select(label="Shock field", items=[ALL, *fields], v_model=shock_field.value,
                            on_v_model=shock_field.set, density="compact", hide_details=True, class_="shock-field")
            with solara.Div(classes=["shock-buttons"]):
                buttons()
        return
    with solara.Card("Live shocks", margin=0, classes=["shock-card"]):
        if region:
            group_select(class_="shock-group")
        solara.Select("Field", values=[ALL, *fields], value=shock_field, classes=["shock-field"])
        with solara.Div(classes=["shock-buttons"]):
            buttons()
        solara.v.Select(label="Leader (for the two leader buttons)", v_model=shock_role.value,
                        on_v_model=shock_role.set, hide_details=True, class_="shock-role",
                        items=[{"title": t, "value": v} for v, t in LEADER_ROLE_LABELS.items()])
        if ws is not None and len(ws.runs) > 1:
            solara.Text("Shocks hit " + ("both runs." if ws.settings.shocks_both else "run A only."),
                        style={"font-size": "0.8rem", "color": "#666"})


@solara.component
def EnsemblePanel(compact: bool = False):
    """Run N times in the background; progress while it runs, then the bands and bars show."""
    ensemble_tick.get()
    update_counter.get()
    ws = workshop.value
    job = ws.ensemble if ws else None
    if ws is not None and ws.is_region:  # a region is already many places: no "Run N times"
        if not compact:
            with solara.Card("Many futures", margin=0, classes=["ensemble-card"]):
                solara.Text("\"Run N times\" is for one locality. A region is already many places, each its "
                            "own future; run a region many times with `innovation-sim run`.",
                            classes=["subtitle", "ensemble-status"])
        return

    @guarded

    def start():
        w = workshop.value
        if w is None:
            return
        take(w)
        w.run_ensemble(ensemble_size.value, in_this_session(lambda: ensemble_tick.set(ensemble_tick.value + 1)))
        ensemble_tick.set(ensemble_tick.value + 1)

    busy = job is not None and not job.finished
    n = ensemble_size.value
    label = f"Running {job.n} times... {job.progress:.0%}" if busy else f"Run {n} times"
    body = solara.Div(classes=["ensemble-controls"]) if compact else \
        solara.Card("Many futures", margin=0, classes=["ensemble-card"])
    with body:
        with solara.Row(style={"align-items": "center", "gap": "8px", "flex-wrap": "wrap"}):
            solara.Button(label, icon_name="mdi-chart-bell-curve", on_click=start, disabled=busy or ws is None,
                          color="primary", outlined=True, classes=["btn-ensemble"])
            solara.ToggleButtonsSingle(value=ensemble_size, values=list(ENSEMBLE_SIZES), dense=True,
                                       classes=["ensemble-size"])
        if compact:
            return
        if busy:
            solara.ProgressLinear(value=job.progress * 100, classes=["ensemble-progress"])
        text = ("The same settings with N different random seeds, in the background; play goes on. "
                "Bands on the value curve: middle 50% and 90% of the runs.")
        if job is not None and job.result is not None:
            text = f"{job.n} runs done in {job.seconds:.1f} s." + (
                " A shock was fired since: run again to include it." if ws.ensemble_stale() else "")
        if job is not None and job.error:
            Alert("error", job.error)
        solara.Text(text, classes=["subtitle", "ensemble-status"])


@solara.component
def ComparePanel():
    s = settings.value
    items = [{"title": "the same scenario, without live shocks", "value": ""}] + [
        {"title": c.title, "value": c.key} for c in catalogue() if not c.places]  # localities only
    ws = workshop.value

    with solara.Card("Compare", margin=0, classes=["compare-card"]):
        if ws is not None and ws.is_region:
            solara.Text("Compare mode shows two localities side by side; a region plays alone "
                        "(compare regions with `innovation-sim compare`).", classes=["subtitle"])
            return
        solara.Switch(label="Two runs side by side (same seed)", value=s.compare,
                      on_value=lambda v: rebuild(replace(settings.value, compare=v),
                                                 "Compare mode: both runs restarted at month 0." if v else None),
                      classes=["compare-switch"])
        if s.compare:
            solara.v.Select(label="Run B", items=items, v_model=s.scenario_b,
                            on_v_model=lambda v: rebuild(replace(settings.value, scenario_b=v or ""),
                                                         "Run B changed: both runs restarted at month 0."),
                            class_="compare-b", hide_details=True)
            solara.Switch(label="Live shocks hit both runs", value=s.shocks_both, classes=["shocks-both"],
                          on_value=lambda v: rebuild(replace(settings.value, shocks_both=v),
                                                     "Both runs restarted at month 0."))


@solara.component
def SettingsPanel():
    """Sliders and typed settings are pending until "Apply & restart"; "Undo" goes back to the
    settings and the run as they were before the last restart."""
    s = settings.value
    ws = workshop.value
    scenario = ws.primary.scenario if ws else None
    applied = dict(s.overrides)
    waiting = dict(pending.value) if pending.value is not None else None
    overrides = waiting if waiting is not None else applied
    specs = slider_specs(scenario, overrides)
    typed, set_typed = solara.use_state("")

    def change(name, value) -> bool:
        if overrides.get(name) == value:
            return False
        pending.set(tuple(sorted({**overrides, name: value}.items())))
        return True

    @guarded

    def type_setting(text):
        set_typed(text or "")
        if not text or not text.strip():
            return
        try:
            name, value = parse_setting(text)
        except ValueError as e:
            notice.set(("error", f"{e}. The run is unchanged."))
            return
        changed = change(name, value)
        set_typed("")
        if notice.value is not None and notice.value[0] == "error":  # an earlier mistake's message, now stale
            notice.set(("info", f"{name.replace('_', ' ')} = {value + 0.0:g}: " + (
                "waiting for \"Apply & restart\"." if changed else "already the value waiting or in use.")))

    @guarded

    def apply():
        new = dict(pending.value or ())
        changed = [f"{k.replace('_', ' ')} = {v:g}" for k, v in new.items() if applied.get(k) != v]
        rebuild(replace(settings.value, overrides=tuple(sorted(new.items()))),
                (", ".join(changed) or "The scenario's own settings") + ": restarted at month 0 with the same seed.")

    with solara.Card("Settings", subtitle="From the parameter registry; changes wait for \"Apply & restart\"",
                     margin=0, classes=["settings-card"]):
        if waiting is not None:
            with solara.Row(classes=["pending-bar"], style={"gap": "6px", "flex-wrap": "wrap"}):
                solara.Button("Apply & restart", on_click=apply, color="primary", classes=["btn-apply"])
                solara.Button("Discard", on_click=lambda: pending.set(None), text=True, classes=["btn-discard"])
        for spec in specs:
            value = f"{spec.value:g}" if spec.is_int else f"{spec.value + 0.0:.3g}"  # never "-0"
            state = ""
            if waiting is not None and waiting.get(spec.name) != applied.get(spec.name):
                state = " <b class='pending'>(pending)</b>"
            elif spec.changed:
                state = " <b>(changed)</b>"
            solara.HTML(tag="div", unsafe_innerHTML=f"{_esc(spec.label)} = <b>{value}</b>{state}",
                        classes=["param-label", f"param-{spec.name}"])
            slider = solara.SliderInt if spec.is_int else solara.SliderFloat
            slider("", value=spec.value, min=spec.low, max=spec.high, step=spec.step,
                   on_value=lambda v, name=spec.name: change(name, v))
            solara.HTML(tag="div", unsafe_innerHTML=_esc(spec.help), classes=["param-help"])
        solara.InputText("Type a setting (name = value)", value=typed, on_value=type_setting,
                         classes=["typed-setting"])
        with solara.Row(style={"gap": "6px", "flex-wrap": "wrap"}):
            if overrides:
                solara.Button("Back to the scenario's settings", on_click=lambda: pending.set(()),
                              text=True, classes=["clear-settings"])
            if history.value:
                solara.Button("Undo last restart", icon_name="mdi-undo", on_click=undo, text=True,
                              classes=["btn-undo"])


_DOWNLOAD_TEMPLATE = """
<template>
  <button class="dl-btn" :disabled="busy" @click="busy = true; request = request + 1">
    {{ busy ? 'Preparing ' + filename + '...' : label }}
  </button>
</template>
<script>
module.exports = {
  watch: {
    payload(value) {
      this.busy = false;
      const cut = value.indexOf(':');
      if (cut < 0 || cut === value.length - 1) return;
      const bin = atob(value.slice(cut + 1));
      const buf = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) buf[i] = bin.charCodeAt(i);
      const url = URL.createObjectURL(new Blob([buf], {type: this.mime_type}));
      const a = document.createElement('a');
      a.href = url;
      a.download = this.filename;
      document.body.appendChild(a);
      a.click();
      document.body.removeChild(a);
      setTimeout(() => URL.revokeObjectURL(url), 2000);
    }
  }
}
</script>
"""


_CONNECTION_TEMPLATE = """
<template>
  <div class="connection-watch" :data-status="status"><div v-if="lost" class="connection-lost" role="alert">
    &#9888; The app has lost its server (it was stopped or restarted, or the network dropped): nothing on
    this page responds until it is back. If it does not come back by itself, start the app again and
    reload this page.
  </div></div>
</template>
<script>
module.exports = {
  data() { return {lost: false, since: null, timer: null, status: ''}; },
  mounted() {
    // solara's own "Server disconnected" overlay does not show with Vuetify 3 (its v-overlay is
    // bound with Vuetify 2's :value), so the page looked alive while nothing answered.
    this.timer = setInterval(() => {
      const d = window.solara && window.solara.debug;
      const status = d ? d.connectionStatus : undefined;
      this.status = String(status);
      // undefined until the connection first changes (this page was drawn over a live one)
      if (status === undefined || status === 'connected') { this.since = null; this.lost = false; return; }
      this.since = this.since || Date.now();
      this.lost = Date.now() - this.since > 2000;  // a brief reconnect is not worth a banner
    }, 500);
  },
  unmounted() { clearInterval(this.timer); },  // Vue 3 (the app's front-end)
  destroyed() { clearInterval(this.timer); }   // Vue 2
}
</script>
"""


class ConnectionWatch(ipyvue.VueTemplate):
    """A banner, drawn in the browser alone, while the page has no connection to its server."""

    template = traitlets.Unicode(_CONNECTION_TEMPLATE).tag(sync=True)


class DownloadWidget(ipyvue.VueTemplate):
    """A download button. (solara.FileDownload renders no button with ipyvuetify 3: its template's
    child widget is never mounted.) A click bumps ``request``; Python answers with ``payload`` =
    "<n>:<base64 data>", which the browser saves as ``filename``."""

    template = traitlets.Unicode(_DOWNLOAD_TEMPLATE).tag(sync=True)
    label = traitlets.Unicode("").tag(sync=True)
    filename = traitlets.Unicode("download").tag(sync=True)
    mime_type = traitlets.Unicode("application/octet-stream").tag(sync=True)
    payload = traitlets.Unicode("").tag(sync=True)
    request = traitlets.Int(0).tag(sync=True)
    busy = traitlets.Bool(False).tag(sync=True)


@solara.component
def Download(label: str, filename: str, make, mime_type: str = "application/octet-stream"):
    """A download prepared in a worker thread (solara's use_task): the page and the play loop
    carry on while the data or figures are made."""
    payload = solara.use_reactive("")
    request, set_request = solara.use_state(0)

    def prepare():
        if not request:
            return
        try:
            data = make()
        except Exception as e:
            log.exception("preparing %s failed", filename)
            notice.set(("error", f"{filename} could not be prepared ({type(e).__name__}: {e})."))
            payload.set(f"{request}:")
            return
        payload.set(f"{request}:{base64.b64encode(data).decode()}")

    solara.lab.use_task(prepare, dependencies=[request], prefer_threaded=True)
    DownloadWidget.element(label=label, filename=filename, mime_type=mime_type, payload=payload.value,
                           on_request=set_request)


@solara.component
def DownloadPanel():
    ws = workshop.value
    if ws is None:
        return
    stem = f"{(ws.settings.scenario.rsplit('/', 1)[-1]).removesuffix('.toml')}-seed{ws.settings.seed}"
    if ws.is_region:
        with solara.Card("Download", margin=0, classes=["download-card"]):
            solara.Text("The region so far, up to the current month; prepared in the background.",
                        classes=["subtitle"])
            with solara.Div(classes=["downloads"]):
                Download("Survey shares by month (CSV)", f"{stem}-shares.csv", ws.shares_csv, "text/csv")
                Download("Places by month (CSV)", f"{stem}-places.csv", ws.places_csv, "text/csv")
                Download("Events and shocks (CSV)", f"{stem}-events.csv", ws.events_csv, "text/csv")
        return
    focus = focus_field.value or ws.primary.fields[0]
    with solara.Card("Download", margin=0, classes=["download-card"]):
        solara.Text("The run so far, up to the current month; prepared in the background.", classes=["subtitle"])
        with solara.Div(classes=["downloads"]):
            Download("Debrief, one page (PDF)", f"{stem}-debrief.pdf", lambda: ws.debrief_pdf(focus), "application/pdf")
            Download("Debrief (HTML, to print)", f"{stem}-debrief.html", lambda: ws.debrief_html(focus), "text/html")
            Download("Data (CSV)", f"{stem}-timeseries.csv", ws.timeseries_csv, "text/csv")
            Download("Events and shocks (CSV)", f"{stem}-events.csv", ws.events_csv, "text/csv")
            Download("Figures (PNG, zip)", f"{stem}-figures.zip", ws.figures_zip, "application/zip")


# ------------------------------------------------------------------------------------ main panels
def _safe(draw, what: str) -> str | None:
    try:
        return draw()
    except Exception as e:  # a panel that cannot draw says so; the others carry on
        log.exception("drawing %s failed", what)
        notice.set(("error", f"The {what} could not be drawn ({type(e).__name__}: {e})."))
        return None


@solara.component
def Svg(svg: str | None, classes: list[str]):
    if svg is not None:
        solara.HTML(tag="div", unsafe_innerHTML=svg, classes=classes)


@solara.component
def TrianglesPanel(run_index: int, title: str, subtitle: bool):
    update_counter.get()
    ws = workshop.value
    if ws is None or run_index >= len(ws.runs):
        return
    v, big = ws.view(run_index), presenter.value
    with solara.Card(classes=["panel", "panel-triangles", f"run-{run_index}"], margin=0):
        solara.Text(title, classes=["run-title"])
        if subtitle:
            solara.Text("Circle size = strength of authority (A), capacity (C) and value (V); arrow width = "
                        "flow; dotted = weak link.", classes=["subtitle"])
        with solara.Div(classes=["triangles"]):
            for i, f in enumerate(v.fields):
                Svg(_safe(lambda i=i, f=f: triangle_svg(f, v.corners[i], v.flows[i], int(v.phase[i]),
                                                         int(v.mode[i]), big), "triangle"), ["tri"])


@solara.component
def ValuePanel():
    """The value curve of the field in focus; in compare mode run B is overlaid."""
    update_counter.get()
    ws = workshop.value
    if ws is None:
        return
    v, big = ws.view(0), presenter.value
    shocks = v.shocks
    focus = focus_field.value if focus_field.value in v.fields else _default_focus(v)
    other = None
    if len(ws.runs) > 1:
        b = ws.view(1)
        other = {"label_a": v.label, "label_b": b.label, "phase": b.phase_hist, "performance": b.perf_hist,
                 "transitions": b.transitions}
        seen = {(s["month"], s["kind"], s["field"]) for s in shocks}
        shocks = shocks + [s for s in b.shocks if (s["month"], s["kind"], s["field"]) not in seen]
    ensemble_tick.get()
    bands = ws.bands(focus)
    with solara.Card(classes=["panel", "panel-value", "wide"], margin=0):
        solara.Select("Field in focus", values=v.fields, value=focus_field, classes=["focus-field"], dense=True)
        Svg(_safe(lambda: value_curve_svg(v.fields.index(focus), v.fields, v.phase_hist, v.perf_hist, shocks,
                                          v.transitions, v.months, v.start_year, big, other, bands), "value curve"),
            ["svg"])


@solara.component
def ReachPanel():
    """The ensemble's chance of reaching each phase, per field (A and B in compare mode)."""
    ensemble_tick.get()
    ws = workshop.value
    e = ws.ensemble.result if ws is not None and ws.ensemble is not None else None
    if e is None:
        return
    colours = (A_COLOUR, B_COLOUR)
    runs = [{"label": r.label, "colour": colours[i % 2], "n": e.n, "reach": r.p_reach} for i, r in enumerate(e.runs)]
    with solara.Card(classes=["panel", "panel-reach", "wide"], margin=0):
        Svg(_safe(lambda: reach_svg(e.fields, runs, e.months, presenter.value), "phase chances"), ["svg"])


@solara.component
def TimelinePanel(run_index: int, title: str):
    update_counter.get()
    ws = workshop.value
    if ws is None or run_index >= len(ws.runs):
        return
    v, big = ws.view(run_index), presenter.value
    with solara.Card(classes=["panel", "panel-timeline", "wide", f"run-{run_index}"], margin=0):
        Svg(_safe(lambda: timeline_svg(v.fields, v.phase_hist, v.shocks, v.transitions, v.months,
                                       v.start_year, big, title), "phase timeline"), ["svg"])


@solara.component
def NetworkPanel():
    update_counter.get()
    ws = workshop.value
    if ws is None:
        return
    with solara.Card(classes=["panel", "panel-network", "wide"], margin=0):
        solara.Text("The local innovation system", classes=["run-title"])
        solara.Text("Who is linked to whom, layer by layer; it changes when leaders leave or arrive.",
                    classes=["subtitle"])
        Svg(_safe(lambda: ws.network_svg(0), "network"), ["svg"])


def _initial_focus(ws) -> str | None:
    return None if ws.is_region else _default_focus(ws.view(0))


def _default_focus(view) -> str:
    """The field a scenario is about: the first field its timeline of shocks names (else the
    first field a live shock hit, else the first field)."""
    for e in sorted(view.events, key=lambda e: e.month):
        if e.field in view.fields:
            return e.field
    for s in view.shocks:
        if s["field"] in view.fields:
            return s["field"]
    return view.fields[0]


@solara.component
def CompareSummary():
    update_counter.get()
    ensemble_tick.get()
    ws = workshop.value
    if ws is None or len(ws.runs) < 2:
        return
    a, b = ws.view(0), ws.view(1)
    e = ws.ensemble.result if ws.ensemble is not None else None
    table = e is not None and e.table is not None
    head = ("<tr style='text-align:left'><th>field</th><th>phase A</th><th>phase B</th><th>public value A</th>"
            "<th>public value B</th><th>B &minus; A (this run)</th>")
    if table:
        head += f"<th>B &minus; A over {e.n} runs [90% interval]</th><th>P(B beats A)</th>"
    rows = []
    for i, f in enumerate(a.fields):
        row = (f"<tr><td>{_esc(f)}</td><td>{PHASE_NAMES[int(a.phase[i])]}</td><td>{PHASE_NAMES[int(b.phase[i])]}</td>"
               f"<td>{a.public_value[i]:+.3f}</td><td>{b.public_value[i]:+.3f}</td>"
               f"<td><b>{b.public_value[i] - a.public_value[i]:+.3f}</b></td>")
        if table:
            r = e.value_row(f)
            row += f"<td class='ens-diff'>{_esc(fmt_diff(r))}</td><td class='p-b-beats-a'><b>{r['p_b_gt_a']:.0%}</b></td>"
        rows.append(row + "</tr>")
    note = ("Public value = performance above the starting level, summed over months / 12 (performance-years). "
            "One run is one future: ")
    note += (f"the last two columns pair {e.n} runs of A and B on the same seeds (public value at month {e.months}), "
             f"other futures than the one on screen (seed {ws.settings.seed}), so the run shown can sit outside "
             f"their interval." if table else "press \"Run N times\" for the chance that B beats A.")
    html = ("<table class='compare-table' style='border-collapse:collapse;width:100%'>" + head + "</tr>"
            + "".join(rows) + f"</table><div class='compare-note'>{_esc(note)}</div>")
    with solara.Card("A against B", classes=["panel", "panel-compare"], margin=0):
        if ws.identical_so_far():
            Alert("warning", f"A and B are identical at seed {ws.settings.seed} so far ({ws.label.lower()}): "
                             "in this one future the difference between them has not shown. Run them many "
                             "times to see how often it does.")
            EnsemblePanel(compact=True)
        solara.HTML(tag="div", unsafe_innerHTML=html)


@solara.component
def RegionGridPanel():
    """A region's places, one cell each, coloured by their survey answer or leading phase."""
    update_counter.get()
    ws = workshop.value
    if ws is None or not ws.is_region:
        return
    v, big = ws.view(), presenter.value
    by = COLOUR_BY.get(colour_by.value, "answer")
    with solara.Card(classes=["panel", "panel-region", "wide"], margin=0):
        with solara.Row(style={"align-items": "center", "gap": "10px", "flex-wrap": "wrap"}):
            solara.Text(f"{v.label}: {v.n} places", classes=["run-title"])
            solara.Text("Colour by", classes=["colour-by-label"])
            solara.ToggleButtonsSingle(value=colour_by, values=list(COLOUR_BY), dense=True, classes=["colour-by"])
        if not big:
            solara.Text("Each cell is a council or fire authority, in rows by English region. Its answer to the "
                        "Audit Commission's 2006 survey (003:267): hardly any innovation while every field is "
                        "latent, some while its leading field is in design, a great deal once one is mobilised or "
                        "further.", classes=["subtitle"])
        Svg(_safe(lambda: ws.grid_svg(v, by, shock_group.value, big), "grid of places"), ["svg"])


@solara.component
def SurveyPanel():
    """The share of places giving each answer over time, with the survey's figures, and the
    survey's table by group."""
    update_counter.get()
    ws = workshop.value
    if ws is None or not ws.is_region:
        return
    v, big = ws.view(), presenter.value
    with solara.Card(classes=["panel", "panel-survey", "wide"], margin=0):
        Svg(_safe(lambda: survey_svg(v.shares, v.months, v.start_year, v.survey_month, SURVEY, v.shocks, big),
                  "survey chart"), ["svg"])
        t = v.table
        keep = t[t.survey_great_deal.notna() | (t.group == shock_group.value)]
        when = ("at the survey month" if v.table_month == v.survey_month
                else f"now (month {v.table_month}; the survey month is {v.survey_month})")
        rows = "".join(
            f"<tr><td>{_esc(g)}</td><td>{n}</td><td>{h:.0%}</td><td>{so:.0%}</td><td><b>{gd:.0%}</b></td>"
            f"<td>{'' if s != s else f'{s:.0%}'}</td></tr>"
            for g, n, h, so, gd, s in zip(keep.name, keep.places, keep["hardly any"], keep["some"],
                                          keep["a great deal"], keep.survey_great_deal))
        solara.HTML(tag="div", unsafe_innerHTML=(
            f"<table class='survey-table'><caption>The model's answers {_esc(when)}, beside the survey's "
            f"(003:267, 284)</caption><tr><th>places</th><th>n</th><th>hardly any</th><th>some</th>"
            f"<th>a great deal</th><th>survey: a great deal</th></tr>{rows}</table>"))


@solara.component
def HowToRead():
    with solara.Card(margin=0, classes=["panel", "panel-help", "wide"]):
        solara.Button("How to read this" + (" (hide)" if show_help.value else ""), icon_name="mdi-help-circle-outline",
                      on_click=lambda: show_help.set(not show_help.value), text=True, classes=["btn-help"])
        if show_help.value:
            solara.HTML(tag="div", unsafe_innerHTML=HOW_TO_READ, classes=["help-text"])


@solara.component
def StepTiming():
    if step_ms.value:
        solara.Text(f"last month computed and drawn in {step_ms.value:.0f} ms", classes=["step-timing"])


@solara.component
def Notices():
    ws = workshop.value
    update_counter.get()
    if notice.value:
        level, text = notice.value
        Alert(level, text)
    if ws is not None:
        if ws.error:
            Alert("error", ws.error)
        for note in ws.notes:
            Alert("warning", note)


@solara.component
def Layout(children=[]):  # noqa: B006 - solara's signature
    """Replaces solara's default AppLayout (see Page)."""
    return solara.Div(children=children)


@solara.component
def Page():
    def first():
        """This page's run: the one saved for this browser session (a reload), else a new one."""
        token = object()
        saved = SAVED.get(session_id() or "")
        if workshop.value is None and saved is not None:
            return token, saved
        return token, (settings.value, workshop.value or build_workshop(settings.value)[0], presenter.value)

    token, (initial_settings, initial, initial_big) = solara.use_memo(first, [])

    def start():
        page_token.set(token)
        if workshop.value is None and initial is not None:
            take(initial)
            settings.set(initial_settings)
            presenter.set(initial_big)
            workshop.set(initial)
            focus_field.set(_initial_focus(initial))
            if initial.month:
                notice.set(("info", f"Your run is back where it was ({initial.label.lower()}); press Play to go on."))
            save_session()

    solara.use_effect(start, [])
    ws = workshop.value or initial
    big = presenter.value

    solara.Title(TITLE)
    solara.Style(CSS + (PRESENTER_CSS if big else ""))
    # Own layout, not solara's AppLayout: with Vuetify 3 its sidebar drawer (width "min-content")
    # covers the page instead of pushing it aside.
    ConnectionWatch.element()
    with solara.Div(classes=["topbar"]):
        solara.Text(TITLE, classes=["title"])
        solara.Switch(label="Projector view", value=presenter, on_value=lambda v: (presenter.set(v), save_session()),
                      classes=["presenter-switch"], color="white")
    if big:  # the projector view: a slim strip of controls, the figures across the whole width
        with solara.Div(classes=["strip"]):
            Guard("run controls", RunControls, (True,))
            Guard("scenario picker", ScenarioPicker, (True,))
            Guard("many futures", EnsemblePanel, (True,))
            Guard("shock buttons", ShockPanel, (True,))
        with solara.Div(classes=["content", "content-wide"]):
            Guard("dashboard", Main, (ws, big))
        return
    with solara.Div(classes=["shell"]):
        with solara.Div(classes=["sidebar"]):
            with solara.Column(gap="10px"):
                Guard("run controls", RunControls)
                Guard("shock buttons", ShockPanel)
                Guard("many futures", EnsemblePanel)
                Guard("scenario picker", ScenarioPicker)
                Guard("compare settings", ComparePanel)
                Guard("settings", SettingsPanel)
                Guard("downloads", DownloadPanel)
        with solara.Div(classes=["content"]):
            Guard("dashboard", Main, (ws, big))


@solara.component
def Main(ws: Workshop | None, big: bool):
    with solara.Column(classes=["main", "presenter" if big else "normal"], gap="12px"):
        ws = workshop.value or ws
        if ws is None:
            Alert("error", "The app could not build its starting locality. See the server log.")
            return
        with solara.Row(style={"align-items": "baseline", "flex-wrap": "wrap", "gap": "18px"}):
            MonthLabel(classes=["main-month"])
            solara.Text(f"{ws.primary.scenario.name} · seed {ws.settings.seed}", classes=["run-title"])
            if not big:
                StepTiming()
        Notices()
        if not big:
            HowToRead()
        if ws.is_region:
            RegionGridPanel()
            SurveyPanel()
        elif len(ws.runs) == 1:
            TrianglesPanel(0, "The strategic triangle, field by field", subtitle=True)
            ValuePanel()
            ReachPanel()
            TimelinePanel(0, "Phase timeline: every field")
            if not big:
                NetworkPanel()
        else:  # compare mode: A and B row by row, one value curve with both
            CompareSummary()
            for i, r in enumerate(ws.runs):
                TrianglesPanel(i, r.label, subtitle=False)
            ValuePanel()
            ReachPanel()
            for i, r in enumerate(ws.runs):
                TimelinePanel(i, f"Phase timeline, {r.label}")
