"""The workshop's web server (issue 15): a small Starlette app served by uvicorn.

Why not the Solara app: Solara keeps a Python kernel and a websocket per browser tab and re-renders
widgets server-side, which is right for one trainer's app but heavy for 30-50 phones on a room's
Wi-Fi. Here every screen is plain HTML rendered on the server from the room's state
(model/app/room_pages.py) plus a few lines of inline JavaScript that long-poll for changes: a
phone costs one idle HTTP request, a page reload or a dropped connection simply asks again, and a
restarted server is found again by the same requests. Starlette and uvicorn come with the app's
dependencies (solara), so nothing new is installed; nothing is fetched from any other host.

Who may do what:
- anyone who can reach the server sees the join page; only holders of the join code can join
  (repeated wrong codes from one address are slowed down: ``MAX_FAILURES`` a minute);
- a participant's device gets its own token (an HttpOnly, SameSite=Strict cookie) bound to one
  table; every table request names the table and is refused if the token is another table's;
- the facilitator's screen and actions live under ``/f/<facilitator token>``: only that secret
  URL can end a round, fire a shock or end the workshop;
- the projector's screen, ``/screen/<join code>``, shows what the room may see (code, round, region,
  league, past decisions), not the facilitator's token, the tables' PINs or the shocks queued.

Every change is saved (``Room.save``, atomic) before it is answered, so a crash loses nothing
that anyone was told had happened; ``innovation-sim workshop`` started again resumes from the file.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from . import room_pages as pages
from .room import SHOCKS, Refused, Room

log = logging.getLogger("innovation_sim.workshop")
COOKIE = "workshop_token"
POLL_SECONDS = 20.0  # a long poll answers at the latest after this, changed or not
MAX_FAILURES = 10  # wrong join codes per address a minute before it must wait
MAX_BODY = 20_000


class Hub:
    """The room, where it is saved, and who is waiting for it to change."""

    def __init__(self, room: Room, path: Path | None):
        self.room, self.path = room, path
        self.changed = asyncio.Event()
        self.failures: dict[str, list[float]] = {}
        self.cache: dict[tuple, dict] = {}
        self.debrief_lock = asyncio.Lock()
        self.closing = False
        self.save_error = ""
        self.loop: asyncio.AbstractEventLoop | None = None

    def close(self) -> None:
        """The server is stopping: answer every long poll now (they would hold the shutdown)."""
        self.closing = True
        self.changed.set()

    def commit(self) -> None:
        """Save, then wake every long poll. A failed save (a full disk) is shown on the facilitator's
        screen and logged in one line; the workshop goes on in memory and the next change retries."""
        if self.path is not None:
            try:
                self.room.save(self.path)
                self.save_error = ""
            except OSError as e:
                self.save_error = f"could not save to {self.path} ({e.strerror or e}): free some disk space"
                log.error("workshop: %s", self.save_error)
        self.cache.clear()
        self.changed.set()
        self.changed = asyncio.Event()

    async def wait(self, key_fn, since: str | None) -> None:
        deadline = time.monotonic() + POLL_SECONDS
        while since is not None and key_fn() == since and not self.closing:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                await asyncio.wait_for(self.changed.wait(), left)
            except asyncio.TimeoutError:
                return

    async def debrief_ready(self, now: bool = False) -> None:
        """The debrief's ensemble, run off the event loop once the last round is played (``now``:
        at once, for a summary asked for mid-workshop, so no screen's long poll waits on it)."""
        if self.room.finished or now:
            async with self.debrief_lock:  # one ensemble at a time, however many screens ask
                await run_in_threadpool(self.room.debrief)


def _table_key(room: Room, name: str) -> str:
    t = room.tables.get(name)
    if t is None:  # removed by the facilitator while its devices waited: they are answered, and sent to join
        return "removed"
    return json.dumps([room.round, room.finished, room.ended, room.pending.get(name), len(t.tokens),
                       [s for s in room.pending_shocks if s["target"] in ("all", name)]])


def _token(request: Request) -> str | None:
    return request.cookies.get(COOKIE) or request.headers.get("x-workshop-token")


async def _json(request: Request) -> dict:
    body = await request.body()
    if len(body) > MAX_BODY:
        raise Refused("request too large", 413)
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        raise Refused("the request is not JSON", 400) from None
    if not isinstance(data, dict):
        raise Refused("the request is not a JSON object", 400)
    return data


def _refused(e: Refused) -> JSONResponse:
    return JSONResponse({"ok": False, "error": str(e)}, status_code=e.status)


def make_app(room: Room, path: Path | None = None, join_url: str = "") -> Starlette:
    hub = Hub(room, path)

    async def join_page(request: Request) -> Response:
        token = _token(request)
        try:
            t = room.table_for(token)
            return RedirectResponse(f"/table/{_quote(t.name)}", status_code=303)
        except Refused:
            pass
        body = ("<h1>Join the workshop</h1><p class='muted'>" + pages.escape(room.scenario.name) + "</p>"
                "<form id='join'><p><label>Join code (on the facilitator's screen)<br><input name='code' "
                "autocomplete='off' autocapitalize='characters' required maxlength='12'></label></p>"
                "<p><label>Table name<br><input name='table' required maxlength='24'></label></p>"
                "<p><label>Table PIN (only to join a table that already exists: it is on that table's screen)<br>"
                "<input name='pin' inputmode='numeric' maxlength='4'></label></p>"
                "<button class='btn primary' type='submit'>Join</button> <span id='msg' class='err' role='alert'></span></form>")
        return HTMLResponse(pages.page("Join the workshop", body, JOIN_JS))

    def recent_failures(request: Request) -> list[float]:
        """This address's wrong codes or PINs in the last minute (to add to); Refused once there are too many."""
        ip = request.client.host if request.client else "?"
        recent = [t for t in hub.failures.get(ip, []) if time.monotonic() - t < 60]
        hub.failures[ip] = recent
        if len(recent) >= MAX_FAILURES:
            raise Refused("too many wrong join codes or PINs from this network address: wait a minute", 429)
        return recent

    def screen_allowed(request: Request) -> None:
        """The projector screen is behind the join code (in its address), as joining is: Refused if not."""
        recent = recent_failures(request)
        try:
            room.check_code(request.path_params["code"])
        except Refused:
            recent.append(time.monotonic())
            raise

    async def join(request: Request) -> Response:
        try:
            recent = recent_failures(request)
        except Refused as e:
            return _refused(e)
        try:
            data = await _json(request)
            token, t = room.join(str(data.get("code", "")), str(data.get("table", "")),
                                 data.get("pin") or None)
        except Refused as e:
            if e.status == 403:
                recent.append(time.monotonic())
            return _refused(e)
        hub.commit()
        r = JSONResponse({"ok": True, "table": t.name, "url": f"/table/{_quote(t.name)}"})
        r.set_cookie(COOKIE, token, max_age=7 * 24 * 3600, httponly=True, samesite="strict")
        return r

    async def table_page(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            room.table_for(_token(request), name)
        except Refused:
            return RedirectResponse("/", status_code=303)
        # The debrief (empty until the end) comes first: on a phone it was four screens down (trainer review).
        body = ("<div id='conn' role='status'></div><div id='head'></div><div id='status' class='status'></div>"
                "<div id='debrief'></div>"
                "<div class='cols'><section><h2 class='levers-h'>Your levers this round</h2><div id='form'></div>"
                "<h2>What your levers did last round</h2><div id='results'></div>"
                "<h2>Your neighbours</h2><div id='neighbours'></div></section>"
                "<section><h2>Your triangle, field by field</h2><div id='triangles' class='grid'></div></section></div>"
                "<h2>Value curve</h2><div id='curves' class='chart'></div><h2>Phases</h2><div id='timeline' class='chart'></div>")
        script = TABLE_JS.replace("__TABLE__", json.dumps(name).replace("<", "\\u003c"))
        return HTMLResponse(pages.page(f"{name}: workshop", body, script))

    async def table_state(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            room.table_for(_token(request), name)
        except Refused as e:
            return _refused(e)
        await hub.wait(lambda: _table_key(room, name), request.query_params.get("since"))
        try:  # the table may have been removed while this request waited
            room.table_for(_token(request), name)
        except Refused as e:
            return _refused(e)
        key = _table_key(room, name)
        if room.finished:
            await hub.debrief_ready()
        view = hub.cache.get(("table", name, key))
        if view is None:
            view = {**pages.table_view(room, name), "key": key}
            hub.cache[("table", name, key)] = view
        return JSONResponse(view)

    async def choose(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            data = await _json(request)
            rnd = data.get("round")
            if not isinstance(rnd, int):
                raise Refused("round: give the round number the choice is for", 400)
            out = room.choose(_token(request), name, rnd, data.get("levers"))
        except Refused as e:
            return _refused(e)
        hub.commit()
        return JSONResponse({"ok": True, **out})

    def facilitator(request: Request) -> None:
        room.check_facilitator(request.path_params["token"])

    async def facilitator_page(request: Request) -> Response:
        try:
            facilitator(request)
        except Refused as e:
            return HTMLResponse(pages.page("Not allowed", f"<p class='err'>{pages.escape(str(e))}</p>", ""), e.status)
        targets = "".join(f"<option value='{pages.escape(n)}'>{pages.escape(n)}</option>" for n in room.tables)
        body = ("<div id='conn' role='status'></div><div class='cols'><div>"
                f"<p class='join'>Join at <b>{pages.escape(join_url)}</b></p><p>code <span class='code' id='code'>"
                f"{pages.escape(room.code)}</span></p><p class='muted'>For the projector: <a href='/screen/{room.code}' "
                f"target='_blank'>the room's screen</a> ({pages.escape(join_url.rstrip('/'))}/screen/{room.code}), "
                f"without this page's secret address, the table PINs or the shocks you queue.</p></div><div><p id='round' class='join'></p><p id='timer'></p>"
                "<p id='chosen'></p><p id='save-error' class='err' role='alert'></p><button class='btn primary' id='advance'>End this round</button>"
                "<button class='btn danger' id='end'>End the workshop</button></div></div>"
                "<p><label>Shock: <select id='shock-kind'>"
                + "".join(f"<option value='{k}' title='{pages.escape(v[1])}'>{pages.escape(v[0])}</option>" for k, v in SHOCKS.items())
                + f"</select></label> <label>for <select id='shock-target'><option value='all'>everyone</option>{targets}"
                "</select></label> <button class='btn' id='fire'>Fire at the end of this round</button> "
                "<span id='msg' role='status'></span></p>"
                "<details class='pins'><summary>Table PINs (for a table whose screens were all closed; "
                "keep this shut while the page is on a projector)</summary><div id='pins'></div></details>"
                + ROOM_SECTIONS)
        script = FACILITATOR_JS.replace("__BASE__", json.dumps(f"/api/f/{request.path_params['token']}"))
        return HTMLResponse(pages.page("Workshop: facilitator", body, script))

    async def facilitator_state(request: Request) -> Response:
        try:
            facilitator(request)
        except Refused as e:
            return _refused(e)
        return JSONResponse(await room_state(request, "f", lambda key: {
                    **room_view(key), "open_round": room.round, "ended": room.ended, "save_error": hub.save_error,
                    "tables": list(room.tables), "pins": pages.pins_html(room), "timeline": pages.timeline_html(room),
                    "debrief": (pages.debrief_html(room) + f"<p><a class='btn' href='/f/{request.path_params['token']}"
                                "/decisions.csv' download>Download every decision and outcome (CSV)</a> <a class='btn' "
                                f"href='/f/{request.path_params['token']}/summary' target='_blank'>Printable summary</a></p>")
                    if room.finished else ""}))

    async def room_state(request: Request, who: str, build) -> dict:
        """The facilitator's (``f``) or the projector's (``s``) view once the room changes (a long poll),
        built once per change however many screens ask."""
        await hub.wait(lambda: str(room.version), request.query_params.get("since"))
        if room.finished:
            await hub.debrief_ready()
        key = str(room.version)
        view = hub.cache.get((who, key))
        if view is None:
            view = hub.cache[(who, key)] = build(key)
        return view

    def room_view(key: str) -> dict:
        """What the facilitator's page and the projector screen both show."""
        timer = room.settings.timer
        return {"key": key, "round": pages.round_line(room), "finished": room.finished,
                "chosen": "" if room.finished else f"{len(room.pending)} of {len(room.tables)} tables have chosen this round",
                "region": pages.region_html(room), "league": pages.league_html(room),
                "deadline": room.round_opened + timer if timer and not room.finished else None}

    async def screen_page(request: Request) -> Response:
        """For the projector: the code, the round, the region and the league, with no secret in its
        address and no shock queued for the end of the round (trainer review: the facilitator's page,
        projected, showed its token and a table's coming shock)."""
        try:
            screen_allowed(request)
        except Refused as e:  # a wrong code, or too many of them
            return HTMLResponse(pages.page("Not allowed", f"<p class='err'>{pages.escape(str(e))}</p>", ""), e.status)
        body = ("<div id='conn' role='status'></div><div class='cols'><div>"
                f"<p class='join'>Join at <b>{pages.escape(join_url)}</b></p><p>code <span class='code'>"
                f"{pages.escape(room.code)}</span></p></div><div><p id='round' class='join'></p><p id='timer'></p>"
                "<p id='chosen'></p></div></div>" + ROOM_SECTIONS)
        return HTMLResponse(pages.page("Workshop", body, SCREEN_JS.replace("__BASE__", json.dumps(
            f"/api/screen/{request.path_params['code']}"))))

    async def screen_state(request: Request) -> Response:
        try:
            screen_allowed(request)
        except Refused as e:
            return _refused(e)
        return JSONResponse(await room_state(request, "s", lambda key: {
            **room_view(key),
            "timeline": pages.timeline_html(room, pending_shown=False),
            "debrief": pages.debrief_html(room) if room.finished else ""}))

    async def act(request: Request) -> Response:
        try:
            facilitator(request)
            action = request.path_params["action"]
            if action == "advance":
                rnd = (await _json(request)).get("round")
                if rnd is not None and (not isinstance(rnd, int) or isinstance(rnd, bool)):
                    raise Refused("round: give the number of the round to end", 400)
                room.advance(rnd)
            elif action == "shock":
                data = await _json(request)
                room.fire(str(data.get("kind")), str(data.get("target", "all")))
            elif action == "withdraw":
                data = await _json(request)
                room.withdraw(str(data.get("kind")), str(data.get("target", "all")))
            elif action == "remove":
                room.remove(str((await _json(request)).get("table")))
            elif action == "end":
                room.end()
            else:
                raise Refused(f"unknown action '{action}'", 404)
        except Refused as e:
            return _refused(e)
        hub.commit()
        return JSONResponse({"ok": True, "round": room.round, "finished": room.finished})

    async def download(request: Request) -> Response:
        try:
            facilitator(request)
        except Refused as e:
            return _refused(e)
        what = request.path_params["what"]
        if what not in ("decisions.csv", "summary"):
            return JSONResponse({"ok": False, "error": f"no such download '{what}'"}, status_code=404)
        if what == "decisions.csv":
            return Response(pages.decisions_csv(room), media_type="text/csv",
                            headers={"content-disposition": "attachment; filename=workshop-decisions.csv"})
        await hub.debrief_ready(now=True)
        return HTMLResponse(pages.summary_page(room))

    async def timer_loop() -> None:
        """A round with a timer ends by itself when its time is up."""
        while True:
            await asyncio.sleep(0.5)
            t = room.settings.timer
            if t and not room.finished and time.time() - room.round_opened >= t:
                try:
                    room.advance()
                    hub.commit()
                except Exception:  # noqa: BLE001 - the loop must outlive a failed save; logged
                    log.exception("the round timer could not end the round")

    @contextlib.asynccontextmanager
    async def lifespan(app):
        hub.loop = asyncio.get_running_loop()
        task = asyncio.create_task(timer_loop())
        yield
        task.cancel()

    routes = [Route("/", join_page), Route("/api/join", join, methods=["POST"]),
              Route("/table/{name}", table_page), Route("/api/table/{name}/state", table_state),
              Route("/api/table/{name}/choose", choose, methods=["POST"]),
              Route("/screen/{code}", screen_page), Route("/api/screen/{code}/state", screen_state),
              Route("/f/{token}", facilitator_page), Route("/api/f/{token}/state", facilitator_state),
              Route("/api/f/{token}/{action}", act, methods=["POST"]),
              Route("/f/{token}/{what:str}", download)]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.hub = hub
    return app


def _quote(name: str) -> str:
    from urllib.parse import quote
    return quote(name, safe="")


def serve(room: Room, path: Path | None, host: str, port: int, join_url: str) -> None:
    """Serve the workshop until interrupted (uvicorn, one process)."""
    import uvicorn

    app = make_app(room, path, join_url)
    hub = app.state.hub

    class Server(uvicorn.Server):
        def handle_exit(self, sig, frame) -> None:  # Ctrl-C or SIGTERM: release the long polls first
            if hub.loop is not None:
                hub.loop.call_soon_threadsafe(hub.close)
            super().handle_exit(sig, frame)

    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                            timeout_graceful_shutdown=5)
    Server(config).run()


POLL_JS = """
async function poll(url, render){
  let since = null, fails = 0;
  const conn = document.getElementById('conn');
  while (true) {
    try {
      const r = await fetch(url + (since === null ? '' : '?since=' + encodeURIComponent(since)), {cache: 'no-store'});
      if (r.status === 401 || r.status === 403) { location.href = '/'; return; }
      if (!r.ok) throw new Error('status ' + r.status);
      const data = await r.json();
      conn.textContent = ''; fails = 0;
      if (data.key !== since) { since = data.key; render(data); }
    } catch (e) {
      fails += 1; conn.textContent = 'reconnecting…';
      await new Promise(ok => setTimeout(ok, Math.min(500 * fails, 3000)));
    }
  }
}
async function post(url, body){
  let r;
  try {
    r = await fetch(url, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify(body || {})});
  } catch (e) {  // the server is down or the network gone: said, not an uncaught error and a stale "done"
    return {ok: false, status: 0, data: {error: 'not saved: the server cannot be reached; try again in a moment'}};
  }
  let data = {}; try { data = await r.json(); } catch (e) {}
  return {ok: r.ok, status: r.status, data: data};
}
"""

JOIN_JS = POLL_JS + """
document.getElementById('join').addEventListener('submit', async ev => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const res = await post('/api/join', {code: f.get('code'), table: f.get('table'), pin: f.get('pin')});
  if (res.ok) location.href = res.data.url; else document.getElementById('msg').textContent = res.data.error || ('error ' + res.status);
});
"""

TABLE_JS = POLL_JS + """
const TABLE = __TABLE__;
const base = '/api/table/' + encodeURIComponent(TABLE);
let formRound = null, formHtml = null, touched = false, edits = 0, curveField = '0';
function set(id, html){ document.getElementById(id).innerHTML = html; }
function render(d){
  for (const k of ['head', 'results', 'triangles', 'timeline', 'curves', 'neighbours', 'debrief']) set(k, d[k]);
  set('status', d.note);
  document.body.dataset.round = d.round; document.body.dataset.status = d.status;
  const form = document.getElementById('levers');
  // A tablemate's newer choice redraws the ticks too, unless this device is in the middle of its own
  // (ticked something it has not locked in yet): then the status line above says what is locked in.
  if (formRound !== d.round || !form || d.finished || (!touched && formHtml !== d.form)) {
    const msg = document.getElementById('choice-msg'), keep = formRound === d.round && msg ? [msg.className, msg.textContent] : null;
    // The round ended under this device's unsaved ticks (trainer review: they vanished and the next
    // "Lock in" locked the carried-over choice in): they come back, not locked in, and it says so.
    const lost = form && touched && formRound !== null && formRound !== d.round && !d.finished ? ticks(form) : null;
    const ended = formRound;
    set('form', d.form); formRound = d.round; formHtml = d.form; touched = false; bindForm();
    if (keep) { const m = document.getElementById('choice-msg'); m.className = keep[0]; m.textContent = keep[1]; }
    if (lost) {
      const f = document.getElementById('levers');
      f.querySelectorAll('.lever').forEach(l => {
        const t = lost[l.dataset.lever], sel = l.querySelector('select');
        l.querySelector('input').checked = !!t;
        if (t && sel && t.field !== null) sel.value = t.field;
      });
      touched = true; units(f);
      const m = document.getElementById('choice-msg');
      m.className = 'err';
      m.textContent = ' Round ' + ended + ' ended before these ticks were locked in, so they were not used. '
        + 'Lock them in for round ' + d.round + ', or change them.';
    }
  }
  const pick = document.getElementById('curve-field');
  if (pick) { pick.value = curveField; showCurve(); pick.addEventListener('change', () => { curveField = pick.value; showCurve(); }); }
}
function ticks(form){  // lever -> {field} for each ticked lever of the form
  const out = {};
  form.querySelectorAll('.lever').forEach(l => {
    if (l.querySelector('input').checked) { const sel = l.querySelector('select'); out[l.dataset.lever] = {field: sel ? sel.value : null}; }
  });
  return out;
}
function showCurve(){ document.querySelectorAll('.curve').forEach(c => c.hidden = c.dataset.field !== curveField); }
function units(form){  // what the ticks cost against the budget, said beside the button (trainer review)
  const el = document.getElementById('units'), budget = parseInt(form.dataset.budget);
  if (!el) return;
  let cost = 0;
  form.querySelectorAll('.lever').forEach(l => { if (l.querySelector('input').checked) cost += parseInt(l.dataset.cost); });
  el.textContent = 'Ticked: ' + cost + ' of your ' + budget + ' unit' + (budget === 1 ? '' : 's')
    + (cost > budget ? ': too many, untick something' : '');
  el.className = 'units' + (cost > budget ? ' over' : '');
}
function bindForm(){
  const form = document.getElementById('levers');
  if (!form) return;
  units(form);
  form.addEventListener('change', () => { touched = true; edits += 1; units(form); });
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    const levers = Object.entries(ticks(form)).map(([key, t]) => t.field === null ? {lever: key} : {lever: key, field: t.field});
    // looked up again after the wait: the form may have been redrawn meanwhile (its message is kept)
    const say = (cls, text) => { const m = document.getElementById('choice-msg'); if (m) { m.className = cls; m.textContent = text; } };
    say('', ' saving…');
    const before = edits;
    const res = await post(base + '/choose', {round: parseInt(form.dataset.round), levers: levers});
    // what is ticked is what is locked in (unless ticked again while it was saving): a tablemate's next
    // choice may redraw it
    if (res.ok && edits === before) touched = false;
    // refused: the ticks stay for the table to change, and the message says they are not what is locked in
    say(res.ok ? 'ok' : 'err', res.ok ? ' Locked in for round ' + res.data.round + '.' : ' ' + (res.data.error || ('error ' + res.status))
        + ' (not locked in: the yellow line at the top of the page says what is)');
  });
}
poll(base + '/state', render);
"""

# What the facilitator's page and the projector screen both lay out below their heads (room_view fills it).
ROOM_SECTIONS = ("<div id='debrief'></div><div class='cols'><section><h2>The region</h2><div id='region'></div>"
                 "<h2>League table of public value</h2><div id='league'></div></section>"
                 "<section><h2>Timeline of decisions</h2><div id='timeline'></div></section></div>")

# The round's countdown, on the facilitator's page and the projector screen (render sets ``deadline``).
TIMER_JS = """
let deadline = null;
setInterval(() => {
  const t = document.getElementById('timer');
  t.textContent = deadline ? 'round ends in ' + Math.max(0, Math.round(deadline - Date.now() / 1000)) + ' s' : '';
}, 500);
"""

SCREEN_JS = POLL_JS + TIMER_JS + """
function render(d){
  for (const k of ['region', 'league', 'timeline', 'debrief']) document.getElementById(k).innerHTML = d[k];
  document.getElementById('round').textContent = d.round;
  document.getElementById('chosen').textContent = d.chosen;
  deadline = d.deadline;
}
poll(__BASE__ + '/state', render);
"""

FACILITATOR_JS = POLL_JS + TIMER_JS + """
const base = __BASE__;
let openRound = null, endingFrom = null, firing = false;
// A second click on "End this round" arrived after the page showed the next round and ended that one
// too: the button stays off from a click until the next round has been open for a moment.
const SETTLE_MS = 2000;
function set(id, html){ document.getElementById(id).innerHTML = html; }
function render(d){
  for (const k of ['region', 'pins', 'league', 'timeline', 'debrief']) set(k, d[k]);
  openRound = d.open_round;
  document.getElementById('round').textContent = d.round;
  document.getElementById('chosen').textContent = d.finished ? '' : d.chosen;
  document.getElementById('save-error').textContent = d.save_error;
  document.body.dataset.finished = d.finished;
  if (endingFrom !== null && d.open_round !== endingFrom) {
    const ended = endingFrom;
    setTimeout(() => { if (endingFrom === ended) { endingFrom = null; buttons(); } }, SETTLE_MS);
  }
  finished = d.finished; buttons();
  const sel = document.getElementById('shock-target'), keep = sel.value;
  sel.innerHTML = '<option value="all">everyone</option>' + d.tables.map(t => {
    const o = document.createElement('option'); o.value = t; o.textContent = t; return o.outerHTML; }).join('');
  sel.value = keep || 'all'; if (!sel.value) sel.value = 'all';
  deadline = d.deadline;
}
let finished = false;
function buttons(){
  document.getElementById('advance').disabled = finished || endingFrom !== null;
  document.getElementById('fire').disabled = finished || firing;
  document.getElementById('end').disabled = finished;
}
document.getElementById('timeline').addEventListener('click', async ev => {  // withdraw a queued shock
  const b = ev.target.closest('button.withdraw');
  if (!b) return;
  b.disabled = true;
  await act('withdraw', {kind: b.dataset.kind, target: b.dataset.target});
});
document.getElementById('pins').addEventListener('click', async ev => {  // remove a table that has not played
  const b = ev.target.closest('button.remove');
  if (!b || !confirm('Remove table ' + b.dataset.table + '? Its devices go back to the join page.')) return;
  b.disabled = true;
  await act('remove', {table: b.dataset.table});
});
async function act(action, body){
  const res = await post(base + '/' + action, body);
  document.getElementById('msg').textContent = res.ok ? '' : (res.data.error || ('error ' + res.status));
  return res;
}
document.getElementById('advance').addEventListener('click', async () => {
  if (endingFrom !== null) return;
  endingFrom = openRound; buttons();
  const res = await act('advance', {round: openRound});
  if (!res.ok) { endingFrom = null; buttons(); }
});
document.getElementById('end').addEventListener('click', () => { if (confirm('End the workshop now?')) act('end'); });
document.getElementById('fire').addEventListener('click', async () => {  // a double-click fired the shock twice
  if (firing) return;
  firing = true; buttons();
  await act('shock', {kind: document.getElementById('shock-kind').value, target: document.getElementById('shock-target').value});
  setTimeout(() => { firing = false; buttons(); }, 1500);
});
poll(base + '/state', render);
"""
