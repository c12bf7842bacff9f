"""The participatory workshop (issue 15): model/app/room.py (the game), room_pages.py (its screens),
room_web.py (its server) and `innovation-sim workshop`.

- Unit tests of the game without a browser: join code, tokens bound to tables, locked rounds,
  keep-last-choice, lever costs and budgets, facilitator-only actions, the levers reaching the
  model through its public hooks, save/load and replay determinism, a corrupt state file.
- The core hooks the levers use leave every run that does not call them unchanged.
- The command line: help, one-line errors, --lan prints an address.
- The browser test of the issue's "done when": one facilitator and 12 participants (Debian's
  chromium via Playwright) play 8 rounds, with a reload, a wrong code, another table's token, the
  server killed (-9) and restarted mid-workshop, and the debrief.
- A benchmark (``-m benchmark``): a round advancing with 30 participants connected.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import nullcontext
from pathlib import Path
from urllib.parse import quote, urlparse

import numpy as np
import pytest

from model.app.room import (CUT_UNITS, INCOME, LEVERS, START_BUDGET, Refused, Room, RoomError, Settings,
                            build_region, ring_links, workshop_scenario)
from model.core.lifecycle import Phase
from model.io.scenario import load
from browser import free_port, launch, offline, wait_until_serving  # tests/ is on the path (conftest.py)
from clihelp import ROOT, sim

# ============================================================================ the game, no browser


@pytest.fixture
def room():
    return Room(Settings(ensemble=4))


def test_only_the_join_code_lets_a_table_in(room):
    with pytest.raises(Refused, match="wrong join code") as e:
        room.join("WRONG1", "Red")
    assert e.value.status == 403 and not room.tables
    token, t = room.join(room.code.lower(), "  Red  ")  # codes are read off a screen: case and spaces forgiven
    assert t.name == "Red" and t.place == 0 and token in t.tokens
    _, blue = room.join(room.code, "Blue")
    assert blue.place == 1  # each table takes the next free place; the model plays the rest
    with pytest.raises(Refused, match="already exists") as e:
        room.join(room.code, "red")  # a tablemate needs the table's PIN
    assert e.value.status == 409  # not a wrong code: it does not count towards the device's lockout
    with pytest.raises(Refused, match="wrong PIN for table 'Red'") as e:  # review: it said "give its PIN"
        room.join(room.code, "red", "0000" if t.pin != "0000" else "1111")
    assert e.value.status == 403
    mate, again = room.join(room.code, "red", t.pin)
    assert again is t and mate != token and len(t.tokens) == 2
    for bad in ("", "x" * 25, "a/b"):
        with pytest.raises(Refused, match="table name"):
            room.join(room.code, bad)


def test_a_token_acts_only_for_its_own_table(room):
    red, _ = room.join(room.code, "Red")
    blue, _ = room.join(room.code, "Blue")
    with pytest.raises(Refused, match="belongs to table 'Red'") as e:
        room.choose(red, "Blue", 1, [{"lever": "share"}])
    assert e.value.status == 403
    with pytest.raises(Refused, match="unknown token"):
        room.choose("forged", "Blue", 1, [])
    assert room.table_for(blue, "Blue").name == "Blue" and not room.pending


def test_only_the_facilitator_advances_fires_and_ends(room):
    token, _ = room.join(room.code, "Red")
    near = room.facilitator[:-1] + ("y" if room.facilitator.endswith("x") else "x")
    for who in (None, "", token, room.code, near):
        with pytest.raises(Refused, match="only the facilitator"):
            room.check_facilitator(who)
    room.check_facilitator(room.facilitator)
    with pytest.raises(Refused, match="unknown kind"):
        room.fire("earthquake")
    with pytest.raises(Refused, match="no table 'Nobody'"):
        room.fire("crisis", "Nobody")


def test_a_locked_round_ignores_late_choices_and_tables_keep_their_last_choice(room):
    red, _ = room.join(room.code, "Red")
    blue, _ = room.join(room.code, "Blue")
    room.choose(red, "Red", 1, [{"lever": "share"}, {"lever": "stop_project", "field": "education"}])
    room.choose(blue, "Blue", 1, [{"lever": "seek_grant", "field": "education"}])
    room.advance()
    with pytest.raises(Refused, match="round 1 is locked") as e:
        room.choose(red, "Red", 1, [{"lever": "copy", "field": "education"}])
    assert e.value.status == 409 and room.pending == {}
    room.choose(blue, "Blue", 2, [])  # Blue chooses nothing this time; Red does not choose at all
    record = room.advance()
    # Red keeps sharing; stopping a project is one-off and does not carry over
    assert record["choices"] == {"Red": [{"lever": "share"}], "Blue": []}
    assert [r["round"] for r in room.played] == [1, 2] and room.round == 3


def test_levers_cost_units_from_a_budget(room):
    red, _ = room.join(room.code, "Red")
    assert room.budget == {}  # a table's budget starts when its first round is played
    with pytest.raises(Refused, match="cost 5 units; table 'Red' has 3"):
        room.choose(red, "Red", 1, [{"lever": "new_leader"}, {"lever": "back_trial", "field": "education"}])
    with pytest.raises(Refused, match="needs a field"):
        room.choose(red, "Red", 1, [{"lever": "back_trial"}])
    with pytest.raises(Refused, match="unknown lever"):
        room.choose(red, "Red", 1, [{"lever": "bribe"}])
    with pytest.raises(Refused, match="twice"):
        room.choose(red, "Red", 1, [{"lever": "share"}, {"lever": "share"}])
    room.choose(red, "Red", 1, [{"lever": "new_leader"}])
    room.advance()
    assert room.budget["Red"] == START_BUDGET - LEVERS["new_leader"].cost + INCOME
    room.fire("budget_cut", "Red")
    room.choose(red, "Red", 2, [{"lever": "share"}, {"lever": "seek_grant", "field": "education"}])
    assert room.effective_choice("Red") == []  # the cut comes first: 2 - 2 units leave nothing for the levers
    room.advance()
    assert room.played[-1]["choices"]["Red"] == []
    assert room.budget["Red"] == max(0, START_BUDGET - 3 + INCOME - CUT_UNITS) + INCOME
    red_levers = [{"lever": "stop_project", "field": "education"}, {"lever": "share"}]
    room.choose(red, "Red", 3, red_levers)
    room.advance()  # stopping is free; it gives a unit back only if there was a project to stop
    stopped = "stopped" in room.outcomes[-1]["results"][0]
    assert room.budget["Red"] == 2 - 1 + int(stopped) + INCOME


def test_the_levers_reach_the_model(room):
    red, _ = room.join(room.code, "Red")
    blue, _ = room.join(room.code, "Blue")
    e = room.region.engine
    latent = [f for i, f in enumerate(room.fields) if e.phase[0, i] == Phase.LATENT][0]
    room.choose(red, "Red", 1, [{"lever": "back_trial", "field": latent}, {"lever": "share"}])
    room.choose(blue, "Blue", 1, [{"lever": "new_leader"}])
    room.advance()
    ev = room.region.place_events(0)
    assert ((ev.kind == "decision:trial") & (ev.field == latent)).any()
    assert ((ev.kind == "forward") & (ev.step == 0) & (ev.field == latent)).any()  # the trigger point, at once
    assert room.region.sharer[0]
    assert (room.region.place_events(1).kind == "shock:leader_arrival").any()
    out = {o["table"]: o["results"] for o in room.outcomes}
    assert any("trial started" in r for r in out["Red"]) and any("chief executive" in r for r in out["Blue"])
    room.choose(red, "Red", 2, [{"lever": "shield", "field": "education"}])  # and no longer sharing
    room.advance()
    assert not room.region.sharer[0] and room.region.is_shielded(0, room.fields.index("education"))
    room.region.engine.performance[:] = 0.0  # every field fails an inspection now, but the shielded one
    room.fire("inspection")
    room.advance()
    hit = room.region.place_events(0)
    hit = set(hit[(hit.kind == "shock:underperformance") & (hit.step == 6)].field)
    assert hit == set(room.fields) - {"education"}


def test_the_facilitators_shocks_reach_everyone_or_one_table(room):
    room.join(room.code, "Red")
    room.join(room.code, "Blue")
    room.fire("election", "Blue")
    room.fire("crisis")
    room.advance()
    kinds = {p: set(room.region.place_events(p).kind) for p in range(room.region.n)}
    assert all("shock:crisis" in k for k in kinds.values())
    assert "shock:election" in kinds[1] and "shock:election" not in kinds[0]
    room.fire("budget_cut", "Red")
    room.advance()
    cut = [p for p in range(room.region.n) if (room.region.place_events(p).kind == "shock:budget_cut").any()]
    assert cut == [0]


def _play(room, rounds=3):
    """A few rounds with levers, shocks and a table joining late."""
    red, _ = room.join(room.code, "Red")
    blue, _ = room.join(room.code, "Blue")
    room.choose(red, "Red", 1, [{"lever": "back_trial", "field": "education"}, {"lever": "share"}])
    room.choose(blue, "Blue", 1, [{"lever": "seek_grant", "field": "youth services"}])
    room.fire("crisis", "Blue")
    room.advance()
    green, _ = room.join(room.code, "Green")
    room.choose(green, "Green", 2, [{"lever": "copy", "field": "education"}, {"lever": "shield", "field": "education"}])
    room.choose(red, "Red", 2, [{"lever": "stop_project", "field": "education"}])
    room.fire("budget_cut")
    room.advance()
    for _ in range(rounds - 2):
        room.advance()
    room.choose(blue, "Blue", room.round, [{"lever": "new_leader"}])  # pending when saved
    room.fire("election", "Red")
    return room


def test_save_and_load_give_back_the_same_workshop(room, tmp_path):
    _play(room)
    path = tmp_path / "state.json"
    room.save(path)
    assert not list(tmp_path.glob(".*.tmp"))  # written through a temporary file, then replaced
    assert path.stat().st_mode & 0o777 == 0o600  # it holds every table's token and PIN: owner only
    back = Room.load(path)
    assert (back.code, back.facilitator, back.round, back.month) == (room.code, room.facilitator, room.round, room.month)
    assert {n: t.tokens for n, t in back.tables.items()} == {n: t.tokens for n, t in room.tables.items()}
    assert back.pending == room.pending and back.pending_shocks == room.pending_shocks
    assert back.budget == room.budget and back.outcomes == room.outcomes
    for a, b in zip(room.history, back.history, strict=True):
        for k in a:
            assert np.array_equal(a[k], b[k]), k
    assert back.region.place_events().equals(room.region.place_events())
    # and it plays on exactly as the original would
    room.advance()
    back.advance()
    assert np.array_equal(room.region.engine.public_value, back.region.engine.public_value)


def test_replay_is_deterministic_and_decisions_change_the_run():
    a, b = _play(Room(Settings(ensemble=4))), _play(Room(Settings(ensemble=4)))
    assert np.array_equal(a.region.engine.public_value, b.region.engine.public_value)
    plain = Room(Settings(ensemble=4))
    for _ in range(3):
        plain.advance()
    assert not np.array_equal(a.region.engine.public_value, plain.region.engine.public_value)
    # a place no table steered and no shock hit differs only through its peers
    assert a.history[0]["public_value"].sum() == plain.history[0]["public_value"].sum()


def test_a_corrupt_state_file_gives_one_line_naming_it(tmp_path):
    path = tmp_path / "state.json"
    changed = Room(Settings()).to_json()
    changed["scenario_digest"] = "0" * 16
    other_model = {**Room(Settings()).to_json(), "model_digest": "0" * 16}
    good = Room(Settings()).to_json()
    no_place = {**good, "tables": [{"name": "A", "place": 99, "pin": "1", "tokens": [], "joined_round": 1}]}
    text_seed = {**good, "settings": {**good["settings"], "seed": "1"}}
    extra_key = {**good, "settings": {**good["settings"], "bogus": 1}}
    for text, pattern in (("{not json", "JSON error at line 1"), ("[1, 2]", "not a workshop state file"),
                          (json.dumps(changed), "is not the one this workshop started with"),
                          (json.dumps(other_model), r"the model's rules have changed .*model 0{16}, now [0-9a-f]{16}"),
                          (json.dumps(no_place), r"tables\[0\]: place 99 of table 'A' is not a free place .*0 to 9"),
                          (json.dumps(text_seed), r"settings\.seed: '1' is not a whole number"),
                          (json.dumps(extra_key), r"settings\.bogus: not a workshop setting"),
                          ('{"format": "something else"}', "not a workshop state file"),
                          (json.dumps({**Room(Settings()).to_json(), "played": [{"choices": {}, "shocks": [{"kind": "flood"}]}]}),
                           "unknown shock")):
        path.write_text(text)
        with pytest.raises(RoomError) as e:
            Room.load(path)
        msg = str(e.value)
        assert str(path) in msg and re.search(pattern, msg) and "move it aside" in msg and "\n" not in msg, msg
        assert path.read_text() == text  # never touched


def test_a_state_file_that_is_not_utf8_text_says_so_and_where(tmp_path):
    """Audit: it said "'utf-8' codec can't decode byte 0xff in position 12: invalid start byte"."""
    path = tmp_path / "state.json"
    path.write_bytes(b'{"format": "\xff"}')
    with pytest.raises(RoomError) as e:
        Room.load(path)
    assert str(e.value) == (f"{path}: cannot be read (not UTF-8 text (byte 12)); move it aside "
                            f"(e.g. mv {path} {path}.bad) to start a new workshop")


def test_bad_settings_say_which_and_what_is_allowed():
    for settings, pattern in ((Settings(rounds=0), r"--rounds: 0 is out of range \(allowed: 1 to 40\)"),
                              (Settings(round_months=4), r"--round-months: 4 is not allowed"),
                              (Settings(places=13), r"--places: 13 is out of range \(allowed: 6 to 12\)"),
                              (Settings(scenario="region_60"), r"a region of 60 places; a workshop plays 6 to 12"),
                              (Settings(scenario="nosuch"), r"no such scenario file"),
                              (Settings(rounds=41), r"--rounds")):
        with pytest.raises(RoomError, match=pattern):
            Room(settings)
    assert Room(Settings(scenario="baseline", places=6)).region.n == 6  # a locality becomes a region of copies


def test_the_region_meets_around_a_circle_on_top_of_its_own_links():
    ring = ring_links(10)
    assert ring.sum(axis=1).tolist() == [4] * 10 and (ring == ring.T).all()
    s = workshop_scenario(Settings())
    region = build_region(s, 1)
    plain = s.build(1)
    assert ((region.face > 0) == ((plain.face + ring) > 0)).all()


def test_debrief_sets_each_table_against_the_model_alone(room):
    _play(room)
    t0 = time.perf_counter()
    d = room.debrief()
    print(f"debrief: {d['runs']} runs of {d['months']} months in {time.perf_counter() - t0:.2f} s")
    assert [r["table"] for r in d["rows"]] == ["Red", "Blue", "Green"]
    for r in d["rows"]:
        assert r["model_p10"] <= r["model_median"] <= r["model_p90"]
        assert r["verdict"] in ("beat the model", "lost to the model", "within the model's range")
    assert d["alone"].shape == (4, room.region.n)
    assert len(np.unique(d["alone"][:, 5])) > 1  # the ensemble's futures differ
    rows = room.decisions_rows()
    assert {r["table"] for r in rows} == {"Red", "Blue", "Green"} and len(rows) == 3 + 3 + 2


def test_a_table_hit_by_a_shock_is_told_so_on_its_page(room):
    """Trainer review: a crisis fired at one table showed only as a small marker on its value curve."""
    from model.app.room_pages import table_view
    red, _ = room.join(room.code, "Red")
    blue, _ = room.join(room.code, "Blue")
    room.fire("crisis", "Blue")
    room.advance()
    assert "The facilitator's shock that round: " in table_view(room, "Blue")["results"]
    assert "shock that round" not in table_view(room, "Red")["results"]


def test_a_table_that_pulled_no_lever_gets_no_verdict(room):
    """Trainer review: a table that chose nothing was told it "beat the model" (or lost to it) by the
    luck of its one run against the ensemble's band, in front of the room."""
    _play(room)
    idle, _ = room.join(room.code, "Idle")
    room.advance()
    d = room.debrief()
    verdict = {r["table"]: r["verdict"] for r in d["rows"]}
    assert verdict["Idle"] == "pulled no levers" and verdict["Red"] != "pulled no levers"
    from model.app.room_pages import _pv, debrief_html
    assert "pulled no levers" in debrief_html(room) and _pv(-0.001) == "+0.00" and _pv(-0.006) == "-0.01"


def test_pages_render_for_every_screen(room):
    from model.app import room_pages as pages
    _play(room)
    view = pages.table_view(room, "Red")
    assert view["triangles"].count("<svg class='triangle'") == 5 and "value-curve" in view["curves"]
    assert "Budget" in view["head"] and "PIN" in view["head"] and "<form id='levers'" in view["form"]
    assert all(lv in view["form"] for lv in LEVERS)
    for html in (pages.region_html(room), pages.league_html(room), pages.timeline_html(room)):
        assert "Red" in html
    csv_text = pages.decisions_csv(room)
    assert "facilitator" in csv_text and "Back a trial (education)" in csv_text
    assert "<script" not in pages.summary_page(room).replace("<script></script>", "")
    assert "http" not in pages.summary_page(room)  # no external asset


# ============================================================================ core hooks
def test_core_hooks_leave_runs_that_do_not_use_them_unchanged():
    """Region.shield / set_sharer called so that they should change nothing (a shield in the past, a
    sharer set to what it is) leave the run bit for bit the run without them. (No recorded numbers
    pin a run that never calls the hooks: that is the twin here.)"""
    s = load("workshop_region")
    a, b = s.build(3), s.build(3)
    b.shield(0, 0, -5)  # a shield in the past changes nothing
    b.set_sharer(1, bool(b.sharer[1]))
    a.run_for(24)
    b.run_for(24)
    assert np.array_equal(a.engine.public_value, b.engine.public_value)


def test_reseeded_futures_keep_the_places_and_change_the_draws():
    s = load("workshop_region")
    a, b, c = s.build(3), s.build(3), s.build(3)
    b.reseed_futures(1)
    c.reseed_futures(1)
    assert b.places().equals(a.places())
    for m in (a, b, c):
        m.run_for(24)
    assert np.array_equal(b.engine.public_value, c.engine.public_value)
    assert not np.array_equal(a.engine.public_value, b.engine.public_value)


def test_start_trial_and_fall_back_act_like_the_model_does():
    e = load("workshop_region").build(3).engine
    f = int(np.flatnonzero(e.phase[0] == Phase.LATENT)[0])
    others = e.in_phase.copy()
    assert "trial started" in e.start_trial(0, f, 0.9)
    assert e.phase[0, f] == Phase.DESIGN and e.trial_active[0, f].sum() == 1 and e.trial_quality[0, f].max() == 0.9
    mask = np.ones_like(others, dtype=bool)
    mask[0, f] = False
    assert np.array_equal(e.in_phase[mask], others[mask])  # no month passes for the other fields
    assert "stopped" in e.fall_back(0, f) and e.phase[0, f] == Phase.LATENT and not e.trial_active[0, f].any()
    assert "nothing to stop" in e.fall_back(0, f)


# ============================================================================ the command line
def test_cli_help_and_one_line_errors(tmp_path):
    r = sim("workshop", "--help")
    assert r.returncode == 0 and "--lan" in r.stdout and "join" in r.stdout and "budget" in r.stdout
    for args, pattern in ((["nosuch"], "nosuch: no such scenario file"),
                          (["region_60"], "a workshop plays 6 to 12"),
                          (["--rounds", "99"], "--rounds: 99 is out of range"),
                          (["--places", "3"], "--places: 3 is out of range"),
                          (["--port", "0"], "--port: 0 is not a port number")):
        r = sim("workshop", *args, "--save", tmp_path / "s.json", cwd=tmp_path, timeout=60)
        lines = r.stderr.strip().splitlines()
        assert r.returncode == 2 and len(lines) == 1 and re.search(pattern, lines[0]), r.stderr
    for save, said in (("", "--save: empty; give a state file"), (str(tmp_path), "is a folder; give a file")):
        r = sim("workshop", "--save", save, cwd=tmp_path, timeout=60)  # "" was the default file; a folder: "mv"
        assert r.returncode == 2 and r.stderr.count("\n") == 1 and said in r.stderr, r.stderr
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    r = sim("workshop", "--save", bad, cwd=tmp_path, timeout=60)
    assert r.returncode == 2 and "bad.json: not a workshop state file" in r.stderr and "move it aside" in r.stderr
    assert bad.read_text() == "{oops"


@pytest.mark.parametrize("args, said", [(["--rounds", "0"], "--rounds: 0 is out of range (allowed: 1 to 40)"),
                                         (["--timer", "-5"], "--timer: -5 is out of range (allowed: 0 to 3600")])
def test_an_out_of_range_option_is_refused_on_a_resume_too(tmp_path, args, said):
    """Audit: on a resume an impossible value (--rounds 0) was "ignored" and the server started anyway."""
    save = tmp_path / "s.json"
    Room(Settings()).save(save)
    before = save.read_bytes()
    r = sim("workshop", *args, "--save", save, "--port", free_port(), cwd=tmp_path, timeout=120)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and r.stderr.startswith(f"innovation-sim: error: {said}"), r.stderr
    assert r.stdout == "" and save.read_bytes() == before


def test_cli_port_in_use_and_lan_address(tmp_path):
    import socket
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        r = sim("workshop", "--port", port, "--save", tmp_path / "s.json", cwd=tmp_path, timeout=60)
        assert r.returncode == 2 and f"--port {port}: already in use" in r.stderr
    server = Server(tmp_path, "--lan", "--timer", "1")
    try:
        lan = re.search(r"join at: http://([\d.]+):", server.out).group(1)
        assert lan != "0.0.0.0" and "--lan" not in server.out.split("join at")[1].split("\n")[1]
        assert urllib.request.urlopen(f"http://127.0.0.1:{server.port}/", timeout=10).status == 200
        deadline = time.monotonic() + 20  # with --timer, a round ends by itself
        while not server.saved()["played"] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(server.saved()["played"]) >= 1
    finally:
        server.stop()
    again = Server(tmp_path, "--rounds", "5")  # the same state file: resumes, and says what it ignores
    try:
        assert "Resumed from" in again.out and "--rounds 5 ignored" in again.out, again.out
        assert again.saved()["settings"]["rounds"] == 8
    finally:
        again.stop()


# ============================================================================ browser: the room plays
class Server:
    """`innovation-sim workshop` in a subprocess on a free port, as a facilitator starts it."""

    def __init__(self, folder: Path, *extra, port: int | None = None):
        self.folder, self.extra = folder, extra
        self.port = port or free_port()
        self.state = folder / "state.json"
        self.log = folder / "server.log"
        self.start()

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
        env.update(PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
        with open(self.log, "a") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "model.cli", "workshop", "--port", str(self.port),
                                          "--save", str(self.state), "--ensemble", "10", *self.extra],
                                         cwd=self.folder, env=env, stdout=out, stderr=subprocess.STDOUT)
        wait_until_serving(self.proc, f"http://127.0.0.1:{self.port}/", self.log, "the workshop")
        self.out = self.log.read_text()
        self.url = f"http://127.0.0.1:{self.port}"
        self.code = re.findall(r"code: ([A-Z0-9]+)", self.out)[-1]
        self.facilitator = re.findall(r"/f/(\S+)", self.out)[-1]

    def kill(self) -> None:
        """A crash: SIGKILL, no chance to clean up."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def saved(self) -> dict:
        return json.loads(self.state.read_text())


def _wait_round(page, rnd: int) -> None:
    page.wait_for_function("r => document.body.dataset.round == r", arg=str(rnd), timeout=30_000)


def _join(page, server, name: str, pin: str | None = None, tap: bool = False) -> None:
    """Join (or, with the table's PIN, rejoin) table ``name`` from the join page, as a participant types it."""
    page.goto(server.url + "/")
    page.fill("input[name=code]", server.code)
    page.fill("input[name=table]", name)
    if pin is not None:
        page.fill("input[name=pin]", pin)
    (page.tap if tap else page.click)("#join button")
    page.wait_for_url(f"**/table/{name}")


def _choose(page, levers: dict[str, str | None]) -> None:
    """Tick ``levers`` (lever -> field or None) on a table's page, untick the rest, lock them in."""
    for key in LEVERS:
        box = page.locator(f".lever[data-lever='{key}'] input[type=checkbox]")
        box.set_checked(key in levers)
        if levers.get(key):
            page.locator(f".lever[data-lever='{key}'] select").select_option(levers[key])
    page.click("#levers button[type=submit]")
    page.wait_for_function("() => /Locked in for round/.test(document.getElementById('choice-msg').textContent)",
                           timeout=15_000)


def test_a_room_of_twelve_plays_eight_rounds_through_a_crash(tmp_path, playwright):
    """The issue's "done when": a facilitator and 12 participants (8 tables, 4 of them with a
    second device) play 8 rounds of a 10-place region; the model plays the other 2 places."""
    t_start = time.perf_counter()
    server = Server(tmp_path)
    names = ["Ash", "Birch", "Cedar", "Elm", "Fir", "Hazel", "Oak", "Yew"]
    pages_by_name: dict[str, list] = {}
    try:
        with nullcontext(playwright) as pw:  # the process's one Playwright (conftest.py)
            browser = launch(pw)
            contexts, errors, requests = [], [], []

            def new_page():
                ctx = offline(browser.new_context(viewport={"width": 1100, "height": 900}, accept_downloads=True))
                pg = ctx.new_page()
                pg.on("pageerror", lambda e: errors.append(str(e)))
                pg.on("request", lambda r: requests.append(r.url))
                contexts.append(ctx)
                return pg

            fac = new_page()
            fac.goto(f"{server.url}/f/{server.facilitator}")
            fac.wait_for_selector("#region table")
            assert server.code in fac.locator("#code").inner_text()

            # A wrong code is refused, on the page and on the API.
            first = new_page()
            first.goto(server.url + "/")
            first.fill("input[name=code]", "WRONG9")
            first.fill("input[name=table]", names[0])
            first.click("#join button")
            first.wait_for_function("() => /wrong join code/.test(document.getElementById('msg').textContent)")
            assert urlparse(first.url).path == "/"

            def join(pg, name, pin=None):
                pg.goto(server.url + "/")
                pg.fill("input[name=code]", server.code.lower())
                pg.fill("input[name=table]", name)
                if pin:
                    pg.fill("input[name=pin]", pin)
                pg.click("#join button")
                pg.wait_for_url(f"**/table/{quote(name)}")
                pg.wait_for_selector("#levers")
                pages_by_name.setdefault(name, []).append(pg)

            join(first, names[0])
            for name in names[1:]:
                join(new_page(), name)
            pins = {t["name"]: t["pin"] for t in server.saved()["tables"]}
            for name in names[:4]:  # a second device at four tables, with the table's PIN
                assert pins[name] in pages_by_name[name][0].locator(".pin").inner_text()
                join(new_page(), name, pins[name])
            assert len(contexts) == 13
            fac.wait_for_function("() => /0 of 8 tables/.test(document.getElementById('chosen').textContent)")

            # Another table's token is refused (this device's cookie names Ash, the URL Birch).
            ash = pages_by_name["Ash"][0]
            status = ash.evaluate("async () => (await post('/api/table/Birch/choose', {round: 1, levers: []})).status")
            assert status == 403
            status = ash.evaluate("async () => (await fetch('/api/table/Birch/state')).status")
            assert status == 403
            forged = urllib.request.Request(f"{server.url}/api/table/Birch/choose", method="POST",
                                            data=b'{"round": 1, "levers": []}',
                                            headers={"content-type": "application/json", "x-workshop-token": "forged"})
            with pytest.raises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(forged, timeout=10)
            assert e.value.code == 401
            # Participants cannot act as the facilitator.
            assert ash.evaluate("async () => (await post('/api/f/' + 'x'.repeat(24) + '/advance')).status") == 403

            plan = {  # round -> table -> levers chosen that round (others keep their last choice)
                1: {"Ash": {"back_trial": "education", "share": None}, "Birch": {"seek_grant": "youth services"},
                    "Cedar": {"shield": "education"}, "Elm": {"new_leader": None}, "Fir": {"share": None},
                    "Hazel": {"back_trial": "adult social care"}, "Oak": {"seek_grant": "education"}, "Yew": {}},
                2: {"Ash": {"share": None}, "Yew": {"copy": "education"}},
                3: {"Birch": {"stop_project": "youth services"}},
                5: {"Cedar": {"back_trial": "community safety"}},
                6: {"Elm": {"share": None, "seek_grant": "education"}},
            }
            shocks = {2: ("crisis", "all"), 3: ("budget_cut", "Fir"), 6: ("inspection", "all"), 7: ("election", "Oak")}
            for rnd in range(1, 9):
                for name, levers in plan.get(rnd, {}).items():
                    pg = pages_by_name[name][-1]  # the table's last device (some tables have two)
                    _wait_round(pg, rnd)
                    _choose(pg, levers)
                if rnd in shocks:
                    kind, target = shocks[rnd]
                    fac.wait_for_function("t => [...document.querySelectorAll('#shock-target option')].some(o => o.value == t)",
                                          arg=target)
                    fac.select_option("#shock-kind", kind)
                    fac.select_option("#shock-target", target)
                    fac.click("#fire")
                    # the shock is queued, or the page says why not (one failure under a loaded suite, session
                    # 21, gave only a timeout: the message says more next time)
                    fac.wait_for_function("() => document.querySelector('#timeline li.pending') || "
                                          "document.getElementById('msg').textContent", timeout=60_000)
                    assert not fac.locator("#msg").inner_text(), (rnd, fac.locator("#msg").inner_text())
                if rnd == 4:  # a reload: the participant is back at their table, choice and all
                    pg = pages_by_name["Hazel"][0]
                    _choose(pg, {"share": None})
                    pg.reload()
                    _wait_round(pg, 4)
                    assert pg.locator("h1").inner_text().startswith("Hazel")
                    assert "Locked in for round 4" in pg.locator("#status").inner_text()
                    assert pg.locator(".lever[data-lever='share'] input").is_checked()
                    pg.goto(server.url + "/")  # the join page sends a known device to its table
                    pg.wait_for_url("**/table/Hazel")
                    _wait_round(pg, 4)
                chosen = fac.locator("#chosen").inner_text()
                t_click = time.perf_counter()
                fac.click("#advance")
                fac.wait_for_function("r => document.getElementById('round').textContent.startsWith(r)",
                                      arg=f"Round {rnd + 1} of 8" if rnd < 8 else "All 8 rounds played")
                saved = server.saved()
                assert len(saved["played"]) == rnd, chosen
                record = saved["played"][-1]
                for name, levers in plan.get(rnd, {}).items():  # the choices reached the model's record
                    assert [lv["lever"] for lv in record["choices"][name]] == sorted(levers, key=list(LEVERS).index)
                if rnd == 3:  # a late click for the locked round 3 is refused and changes nothing
                    res = pages_by_name["Ash"][0].evaluate(
                        "async () => { const r = await post('/api/table/Ash/choose', {round: 3, levers: []}); return [r.status, r.data.error]; }")
                    assert res[0] == 409 and "round 3 is locked" in res[1]
                    assert server.saved()["played"][2]["choices"]["Ash"] == [{"lever": "share"}]
                    assert "Ash" not in server.saved()["pending"]
                if rnd == 5:  # the server crashes mid-workshop and is started again
                    _choose(pages_by_name["Oak"][0], {"shield": "youth services"})  # chosen for round 6, then the crash
                    server.kill()
                    for pg in (fac, pages_by_name["Oak"][0]):
                        pg.wait_for_function("() => /reconnecting/.test(document.getElementById('conn').textContent)",
                                             timeout=15_000)
                    server.start()
                    assert "Resumed from" in server.out and "round 6 of 8" in server.out
                    fac.wait_for_function("() => document.getElementById('conn').textContent === ''", timeout=20_000)
                    for name in names:
                        for pg in pages_by_name[name]:
                            _wait_round(pg, 6)
                    assert "Locked in for round 6" in pages_by_name["Oak"][0].locator("#status").inner_text()
                    assert server.saved()["pending"]["Oak"] == [{"lever": "shield", "field": "youth services"}]
                for name in names:
                    for pg in pages_by_name[name]:
                        _wait_round(pg, rnd + 1)

            # Tables that did not choose kept their last choices; one-off levers did not carry over.
            played = server.saved()["played"]
            assert [lv["lever"] for lv in played[7]["choices"]["Hazel"]] == ["share"]
            assert played[1]["choices"]["Elm"] == [] and [lv["lever"] for lv in played[7]["choices"]["Yew"]] == ["copy"]
            assert played[1]["shocks"] == [{"kind": "crisis", "target": "all"}]
            # The model played the levers: the server's outcomes, in the CSV.
            fac.wait_for_selector("#debrief .verdict-row", timeout=60_000)
            debrief_s = time.perf_counter() - t_click  # the last round's click to every screen's debrief
            rows = fac.locator("#debrief tr.verdict-row")
            assert rows.count() == 8
            verdicts = {rows.nth(i).get_attribute("data-table"): rows.nth(i).get_attribute("data-verdict")
                        for i in range(8)}
            assert set(verdicts) == set(names)
            assert set(verdicts.values()) <= {"beat the model", "lost to the model", "within the model's range",
                                      "pulled no levers"}
            for name in names:
                pg = pages_by_name[name][0]
                pg.wait_for_selector("#debrief .verdict-row", timeout=30_000)
                assert pg.locator("#debrief .verdict-row").get_attribute("data-verdict") == verdicts[name]
            with fac.expect_download() as dl:
                fac.click("#debrief a[download]")
            text = Path(dl.value.path()).read_text()
            table = list(csv.DictReader(io.StringIO(text)))
            decisions = [r for r in table if r["table"] != "facilitator"]
            assert len(decisions) == 8 * 8 and {r["table"] for r in decisions} == set(names)
            assert any("trial started" in r["results"] for r in decisions if r["table"] == "Ash")
            assert sum(r["table"] == "facilitator" for r in table) == len(shocks)
            summary = fac.context.new_page()
            summary.goto(f"{server.url}/f/{server.facilitator}/summary")
            assert "Workshop summary" in summary.locator("h1").inner_text()
            assert summary.locator("tr.verdict-row").count() == 8
            # Nothing left the machine; no script errors; no stack trace.
            outside = [u for c in contexts for u in c.outside]
            assert not outside, outside
            assert all(urlparse(u).hostname == "127.0.0.1" for u in requests), [u for u in requests if "127.0.0.1" not in u]
            assert not errors, errors
            browser.close()
    finally:
        server.stop()
    log = server.log.read_text()
    assert "Traceback" not in log, log[-3000:]
    wall = time.perf_counter() - t_start
    print(f"browser workshop: 13 contexts, 8 rounds, one crash: {wall:.1f} s wall; debrief on every screen {debrief_s:.1f} s after the last round's click")


# ============================================================================ benchmark
@pytest.mark.benchmark  # measured, not asserted in the suite: `make bench`
def test_a_round_advances_with_thirty_participants_connected(tmp_path):
    """30 participants (3 devices at each of 10 tables) long-poll their tables' screens over real
    HTTP connections; the facilitator ends the round. Measured: from the click to every one of
    the 30 holding the next round's screen (the issue asks under 2 s on 2 cores)."""
    server = Server(tmp_path)
    try:
        tokens = []
        def post(path, body, token=None):
            req = urllib.request.Request(server.url + path, method="POST", data=json.dumps(body).encode(),
                                         headers={"content-type": "application/json",
                                                  **({"x-workshop-token": token} if token else {})})
            with urllib.request.urlopen(req, timeout=30) as r:
                return json.loads(r.read()), r.headers.get("set-cookie", "")
        for k in range(10):
            out, cookie = post("/api/join", {"code": server.code, "table": f"T{k}"})
            token = re.search(r"workshop_token=([^;]+)", cookie).group(1)
            tokens.append((f"T{k}", token))
        pins = {t["name"]: t["pin"] for t in server.saved()["tables"]}
        for k in range(10):
            for _ in range(2):
                out, cookie = post("/api/join", {"code": server.code, "table": f"T{k}", "pin": pins[f"T{k}"]})
                tokens.append((f"T{k}", re.search(r"workshop_token=([^;]+)", cookie).group(1)))
        assert len(tokens) == 30
        for name, token in tokens[:10]:
            post(f"/api/table/{name}/choose", {"round": 1, "levers": [{"lever": "share"}]}, token)

        got: dict[int, float] = {}
        ready = threading.Barrier(31)
        stop = threading.Event()

        def client(i, name, token):
            since = None
            first = True
            while not stop.is_set():
                url = f"{server.url}/api/table/{name}/state" + (f"?since={quote(since)}" if since else "")
                req = urllib.request.Request(url, headers={"x-workshop-token": token})
                try:
                    with urllib.request.urlopen(req, timeout=30) as r:
                        data = json.loads(r.read())
                except OSError:
                    continue
                since = data["key"]
                if first:
                    first = False
                    ready.wait()
                if data["round"] == 2 and i not in got:
                    got[i] = time.perf_counter()
                    return

        threads = [threading.Thread(target=client, args=(i, n, t), daemon=True) for i, (n, t) in enumerate(tokens)]
        for t in threads:
            t.start()
        ready.wait(60)
        time.sleep(0.5)  # every client is now inside its long poll
        t0 = time.perf_counter()
        post(f"/api/f/{server.facilitator}/advance", {})
        t_post = time.perf_counter() - t0
        for t in threads:
            t.join(30)
        stop.set()
        assert len(got) == 30
        t_all = max(got.values()) - t0
        print(f"\n30 participants: round advanced (POST answered) in {t_post * 1000:.0f} ms; "
              f"all 30 screens had round 2 after {t_all * 1000:.0f} ms (target < 2000 ms)")
    finally:
        server.stop()


def test_the_odd_describes_every_lever_and_its_cost():
    text = (ROOT / "docs" / "ODD.md").read_text().split("### 10.8 Workshop levers")[1]
    for lv in LEVERS.values():
        row = next(line for line in text.splitlines() if line.startswith(f"| {lv.label}"))
        assert row.split("|")[2].strip().startswith(str(lv.cost)), row


def test_a_failed_save_is_shown_and_the_workshop_goes_on(room, tmp_path):
    from model.app.room_web import make_app
    hub = make_app(room, tmp_path / "no such folder" / "state.json").state.hub
    room.join(room.code, "Red")
    hub.commit()
    assert "could not save to" in hub.save_error and "no such folder" in hub.save_error
    hub.path = tmp_path / "state.json"
    hub.commit()
    assert hub.save_error == "" and Room.load(hub.path).tables.keys() == {"Red"}


# ============================================================================ the server, no browser
def _asgi(app, method: str, path: str, body: dict | None = None, token: str | None = None) -> tuple[int, bytes]:
    """One request straight into the ASGI app (no socket, no lifespan): status and body."""
    import asyncio

    async def run():
        msgs, sent = [], False

        async def receive():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": json.dumps(body or {}).encode(), "more_body": False}
            await asyncio.sleep(3600)

        async def send(message):
            msgs.append(message)

        headers = [(b"content-type", b"application/json")] + ([(b"x-workshop-token", token.encode())] if token else [])
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
                 "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": headers,
                 "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80)}
        await app(scope, receive, send)
        status = next(m["status"] for m in msgs if m["type"] == "http.response.start")
        return status, b"".join(m.get("body", b"") for m in msgs if m["type"] == "http.response.body")

    # In a thread of its own: in a process whose Playwright (conftest.py) runs an event loop in this
    # thread, asyncio.run() refuses to start another.
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def test_a_second_end_round_click_does_not_end_the_next_round(room):
    """A double click, or a click that crossed the round timer, names the round it ends: only that one ends."""
    from model.app.room_web import make_app
    app = make_app(room)
    base = f"/api/f/{room.facilitator}"
    assert _asgi(app, "POST", f"{base}/advance", {"round": 1})[0] == 200
    status, body = _asgi(app, "POST", f"{base}/advance", {"round": 1})
    assert status == 409 and b"round 1 has already ended" in body and room.round == 2
    assert json.loads(_asgi(app, "GET", f"{base}/state")[1])["open_round"] == 2
    assert _asgi(app, "POST", f"{base}/advance", {"round": "2"})[0] == 400
    assert _asgi(app, "POST", f"{base}/advance", {})[0] == 200 and room.round == 3  # no round named: the open one


def test_the_decisions_csv_cannot_carry_a_spreadsheet_formula(room):
    from model.app import room_pages as pages
    names = ("=HYPERLINK(1)", "+1", "-2", "@SUM(A1)")
    for name in names:
        token, _ = room.join(room.code, name)
        room.choose(token, name, 1, [{"lever": "share"}])
    room.fire("crisis", "-2")
    room.advance()
    rows = list(csv.DictReader(io.StringIO(pages.decisions_csv(room))))
    assert [r["table"] for r in rows if r["table"] != "facilitator"] == ["'" + n for n in names]
    assert all(r[k][:1] not in "=+-@" for r in rows for k in r if r[k] and k != "public_value_after"), rows
    assert any(float(r["public_value_after"]) != 0 for r in rows if r["table"] != "facilitator")  # numbers untouched


def test_a_malformed_choice_is_refused_not_a_server_error(room):
    from model.app.room_web import make_app
    app = make_app(room)
    token, _ = room.join(room.code, "Red")
    for levers in ([{"lever": ["share"]}], [{"lever": {"a": 1}}], [{"lever": "copy", "field": ["education"]}]):
        status, body = _asgi(app, "POST", "/api/table/Red/choose", {"round": 1, "levers": levers}, token)
        assert status == 400 and b"levers:" in body, (levers, status, body)
    assert room.pending == {}


def test_a_state_file_with_a_bad_pending_shock_is_refused_at_load(tmp_path):
    """Otherwise it loads, then every facilitator screen (or every End this round) fails with a traceback."""
    path = tmp_path / "state.json"
    good = Room(Settings()).to_json()
    for shocks, pattern in (([{"kind": "flood", "target": "all"}], "unknown shock 'flood'"),
                            ([{"kind": "crisis", "target": "Nobody"}], "a shock for no table 'Nobody'"),
                            ([{"kind": ["crisis"], "target": "all"}], "unknown shock")):
        path.write_text(json.dumps({**good, "pending_shocks": shocks}))
        with pytest.raises(RoomError, match=pattern) as e:
            Room.load(path)
        assert str(path) in str(e.value) and "\n" not in str(e.value)
    path.write_text(json.dumps({**good, "played": [{"round": 1, "choices": {}, "shocks": [{"kind": "crisis", "target": "Nobody"}]}]}))
    with pytest.raises(RoomError, match="a shock for no table 'Nobody'"):
        Room.load(path)


def test_a_table_cannot_take_a_name_the_screens_use_for_others(room):
    """A table called "all" could never get a shock of its own (its shock hit everyone); one called
    "facilitator" or "model" would pass for them on the projector and in the CSV."""
    for name in ("all", "ALL", "Facilitator", "model"):
        with pytest.raises(Refused, match="table name: .* is taken by the screens") as e:
            room.join(room.code, name)
        assert e.value.status == 400
    assert not room.tables
    room.join(room.code, "All stars")


def test_a_table_name_is_never_a_dot_segment_of_its_own_address(room):
    """/table/.. is / to a browser (and /api/table/./state is /api/table/state): such a table's
    screen would bounce between the join page and its own address for ever."""
    from urllib.parse import urljoin
    assert urljoin("http://h/", "/table/" + quote("..", safe="")) == "http://h/"
    for name in (".", ".."):
        with pytest.raises(Refused, match="cannot name a table"):
            room.join(room.code, name)
    assert room.join(room.code, "...")[1].name == "..."


def test_an_infinite_number_in_a_state_file_is_one_line_not_a_traceback(tmp_path):
    path = tmp_path / "state.json"
    table = {"name": "Red", "place": 0, "pin": "1234", "tokens": ["t"], "joined_round": float("inf")}
    path.write_text(json.dumps({**Room(Settings()).to_json(), "tables": [table]}))  # Python writes and reads Infinity
    with pytest.raises(RoomError, match="not a readable workshop state") as e:
        Room.load(path)
    assert str(path) in str(e.value) and "\n" not in str(e.value)


def test_a_summary_asked_for_mid_workshop_runs_its_ensemble_off_the_event_loop(room, monkeypatch):
    """The debrief's ensemble takes about a second; on the event loop it would hold every table's
    long poll that long. Asked for before the last round, it runs in a worker thread too."""
    import threading

    from model.app.room_web import make_app
    app = make_app(room)
    room.advance()
    seen = []
    real = Room.debrief

    def spy(self):
        seen.append(threading.current_thread().name)
        return real(self)
    monkeypatch.setattr(Room, "debrief", spy)
    status, body = _asgi(app, "GET", f"/f/{room.facilitator}/summary", token=room.facilitator)
    assert status == 200 and b"Workshop summary" in body and not room.finished
    # asyncio.run's loop runs in the pool thread _asgi starts; the ensemble must not run there
    assert seen and seen[0].startswith("AnyIO worker thread"), seen


def test_a_timed_round_keeps_its_deadline_across_a_restart_with_a_minute_of_grace(tmp_path):
    """The round timer used to restart from zero on resume; now the saved round keeps its start,
    but tables get at least RESUME_GRACE seconds, since they could not choose while it was down."""
    import time

    from model.app.room import RESUME_GRACE
    room = Room(Settings(places=6, rounds=3, timer=300, seed=4))
    path = tmp_path / "state.json"
    room.round_opened = time.time() - 100  # 200 s of the round left
    room.save(path)
    back = Room.load(path)
    assert abs(back.round_opened - room.round_opened) < 1e-6
    room.round_opened = time.time() - 290  # 10 s left: too few after a restart
    room.save(path)
    left = 300 - (time.time() - Room.load(path).round_opened)
    assert RESUME_GRACE - 2 <= left <= RESUME_GRACE + 1


def test_a_round_ended_while_a_summary_runs_its_ensemble_does_not_leave_a_stale_debrief(monkeypatch):
    """A mid-workshop summary runs the debrief in a worker thread while the event loop may end a
    round (the timer, the facilitator) or let a table join. What it then keeps must be the debrief
    of the room as it is, not an ensemble of the earlier rounds against the later state."""
    from model.app import room as game

    r = Room(Settings(places=6, rounds=3, ensemble=3, seed=5))
    r.join(r.code, "Red")
    r.advance()
    calls, real = [], game.build_region

    def meanwhile(*args):  # the loop acts while the worker builds the ensemble's last run
        calls.append(1)
        if len(calls) == r.settings.ensemble:
            r.advance()
            r.join(r.code, "Late")
        return real(*args)
    monkeypatch.setattr(game, "build_region", meanwhile)
    first = r.debrief()
    assert first["months"] == r.settings.round_months  # the rounds it started with, throughout
    monkeypatch.setattr(game, "build_region", real)
    kept, fresh = r.debrief(), Room.from_json(json.loads(json.dumps(r.to_json()))).debrief()
    assert kept["months"] == fresh["months"] == 2 * r.settings.round_months
    assert np.array_equal(kept["alone"], fresh["alone"])
    assert [row["table"] for row in kept["rows"]] == ["Red", "Late"]


def test_copying_a_neighbours_proven_idea_needs_no_luck_of_access(room):
    """A place adapts an idea it merely sees only with the chance its exposure gives (ODD 10.2), but
    a table that chooses to copy a linked neighbour's proven idea gets it."""
    red, _ = room.join(room.code, "Red")
    p, e = room.tables["Red"].place, room.region.engine
    f = room.fields.index("education")
    q = room.neighbours(p)[0]
    e.phase[q, f], e.dominant_quality[q, f] = 3, 0.9  # the neighbour shows a proven idea
    room.region.set_sharer(q, True)
    room.region._peer_step()
    e.peer_quality[p, f] = 0.0  # this month's access draw did not come through
    assert room.region.best_shown[p, f] > 0
    room.choose(red, "Red", 1, [{"lever": "copy", "field": "education"}])
    room.advance()
    texts = [t for o in room.outcomes if o["table"] == "Red" for t in o["results"]]
    assert any("copied a peer's idea" in t for t in texts), texts


def test_the_facilitators_double_clicks_end_one_round_and_fire_one_shock_and_a_lost_server_is_said(tmp_path,
                                                                                                   playwright):
    """Audit, session 20: two clicks on "End this round" 100-500 ms apart ended two rounds (the second
    carried the round the page had just shown), a double-click on Fire queued the shock twice, and a
    choice locked in while the server was down still read "Locked in" (an uncaught error) and was lost."""
    server = Server(tmp_path)
    try:
        browser = launch(playwright)
        ctx = offline(browser.new_context())
        fac, table = ctx.new_page(), ctx.new_page()
        errors = []
        for pg in (fac, table):
            pg.on("pageerror", lambda e: errors.append(str(e)))
        fac.goto(f"{server.url}/f/{server.facilitator}")
        fac.wait_for_selector("#region table")
        _join(table, server, "Ash")
        _wait_round(table, 1)
        fac.click("#fire")
        fac.click("#fire", force=True)  # force: the second lands even on a button just turned off
        fac.wait_for_selector("#timeline li.pending")
        fac.click("#advance")
        time.sleep(0.3)  # the page shows round 2 by now; a second click used to end it too
        fac.click("#advance", force=True)
        fac.wait_for_function("() => document.getElementById('round').textContent.startsWith('Round 2')")
        time.sleep(0.5)
        saved = server.saved()
        assert len(saved["played"]) == 1 and len(saved["played"][0]["shocks"]) == 1, saved["played"]
        _wait_round(table, 2)
        server.kill()
        table.click("#levers button[type=submit]")
        table.wait_for_function("() => /cannot be reached/.test(document.getElementById('choice-msg').textContent)",
                                timeout=15_000)
        assert not errors, errors
        browser.close()
    finally:
        server.stop()


def test_a_tablemates_newer_choice_shows_in_the_ticks_unless_this_device_is_mid_choice(tmp_path, playwright):
    """Audit, session 20: two devices at one table; one locked in a choice and the other's ticks
    stayed as they were, so its next "Lock in" quietly undid the tablemate's choice. The ticks now
    follow the locked-in choice, except on a device whose own unsaved ticks they would wipe."""
    server = Server(tmp_path)
    try:
        browser = launch(playwright)
        a, b = (offline(browser.new_context()).new_page() for _ in range(2))
        errors = []
        for pg in (a, b):
            pg.on("pageerror", lambda e: errors.append(str(e)))
        _join(a, server, "Ash")
        pin = server.saved()["tables"][0]["pin"]
        _join(b, server, "Ash", pin)
        _wait_round(b, 1)
        box = "#levers .lever[data-lever='{}'] input[type=checkbox]"
        assert not b.locator(box.format("share")).is_checked()
        _choose(a, {"share": None})
        b.wait_for_function("s => document.querySelector(s).checked", arg=box.format("share"), timeout=15_000)
        b.locator(box.format("new_leader")).set_checked(True)  # b is choosing: its ticks are its own
        _choose(a, {"share": None, "seek_grant": "education"})
        b.wait_for_function("() => /Seek a grant|grant/i.test(document.getElementById('status').textContent)",
                            timeout=15_000)
        assert b.locator(box.format("new_leader")).is_checked()
        assert not b.locator(box.format("seek_grant")).is_checked()
        assert not errors, errors
        browser.close()
    finally:
        server.stop()


def test_a_finished_workshop_resumes_saying_it_is_finished(tmp_path):
    """Audit, session 20: resuming a finished workshop printed "round 9 of 8"."""
    room = Room(Settings(rounds=2, ensemble=4))
    room.advance()
    room.advance()
    assert room.finished
    room.save(tmp_path / "state.json")
    server = Server(tmp_path)
    try:
        assert "Resumed from" in server.out and "all 2 rounds played" in server.out, server.out
        assert "round 3 of 2" not in server.out
    finally:
        server.stop()


def test_one_server_per_state_file_and_a_scenario_file_is_saved_by_its_full_path(tmp_path, monkeypatch):
    """Audit, session 21: a second server on the same --save resumed it too, and each overwrote the
    other's rounds; a workshop of a scenario file given by a relative path could not be resumed from
    another folder (and the advice was to move the game aside)."""
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "myreg.toml").write_text(
        'extends = "workshop_region"\nname = "My region"\ndescription = "A copy for the test."\n')
    server = Server(tmp_path, "mine/myreg.toml")
    try:
        r = sim("workshop", "mine/myreg.toml", "--save", server.state, "--port", free_port(), cwd=tmp_path,
                timeout=60)
        assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
        assert "another workshop server is using this file now" in r.stderr
        assert server.saved()["settings"]["scenario"] == str((tmp_path / "mine" / "myreg.toml").resolve())
    finally:
        server.stop()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert Room.load(server.state).scenario.name == "My region"


def test_the_facilitator_can_read_a_tables_pin_and_no_table_can(room):
    """A table whose every screen was closed has nowhere else to read its PIN (trainer review): the facilitator's
    page lists it, folded away (that page is often on the projector); a table's own state never shows another's."""
    from model.app.room_web import make_app
    app = make_app(room)
    red, r = room.join(room.code, "Red")
    _, b = room.join(room.code, "Blue")
    page = _asgi(app, "GET", f"/f/{room.facilitator}")[1].decode()
    assert "<details class='pins'>" in page and "<details class='pins' open" not in page
    pins = json.loads(_asgi(app, "GET", f"/api/f/{room.facilitator}/state")[1])["pins"]
    assert re.search(rf"<b>Red</b>.*?<td class='pin'>{r.pin}</td><td class='num'>1</td>", pins)
    assert re.search(rf"<b>Blue</b>.*?<td class='pin'>{b.pin}</td>", pins)
    assert _asgi(app, "GET", f"/api/f/{'x' * 24}/state")[0] == 403
    mine = _asgi(app, "GET", f"/api/table/{quote('Red')}/state", token=red)
    assert mine[0] == 200 and b.pin not in json.loads(mine[1])["head"]


def test_a_queued_shock_can_be_withdrawn_and_is_not_queued_twice(room):
    """Trainer review: a second click queued the same shock again (both applied), and a shock sent to the
    wrong table could not be taken back."""
    room.join(room.code, "Red")
    room.fire("inspection", "Red")
    with pytest.raises(Refused, match="already queued") as e:
        room.fire("inspection", "Red")
    assert e.value.status == 409
    room.fire("inspection")  # the same kind for everyone is another shock
    assert room.pending_shocks == [{"kind": "inspection", "target": "Red"}, {"kind": "inspection", "target": "all"}]
    with pytest.raises(Refused, match="no 'crisis' for 'Red' is queued"):
        room.withdraw("crisis", "Red")
    room.withdraw("inspection", "Red")  # by what it is: a screen showing an older queue cannot hit another
    assert room.pending_shocks == [{"kind": "inspection", "target": "all"}]
    record = room.advance()
    assert [s["target"] for s in room.played[-1]["shocks"]] == ["all"] and record is not None


def test_places_level_on_the_value_shown_share_a_rank(room):
    from model.app import room_pages as pages
    html = pages.league_html(room)  # before any round every place is at +0.00
    ranks = re.findall(r"<tr class='(?:table|model)'><td>(\d+)</td>", html)
    assert ranks and set(ranks) == {"1"}, ranks
    room.advance()
    shown = re.findall(r"<td>(\d+)</td>.*?<td class='num'>([^<]+)</td></tr>", pages.league_html(room))
    for k, (rank, value) in enumerate(shown):
        first = next(i for i, (_, v) in enumerate(shown) if v == value)
        assert int(rank) == first + 1, shown


def test_the_projector_screen_needs_the_code_and_shows_no_secret(room):
    """Trainer review: the facilitator's page, projected, showed its secret address and the shock queued for
    one table before the round ended. The room's screen is behind the join code and shows neither."""
    from model.app.room_web import make_app
    app = make_app(room, join_url="http://10.0.0.5:8765/")
    red, t = room.join(room.code, "Red")
    t.pin = "PIN-SENTINEL"  # a value that cannot turn up on a page by chance (a random PIN is four digits)
    room.fire("crisis", "Red")
    assert _asgi(app, "GET", "/screen/WRONG1")[0] == 403
    assert _asgi(app, "GET", "/api/screen/WRONG1/state")[0] == 403
    status, page = _asgi(app, "GET", f"/screen/{room.code.lower()}")
    page = page.decode()
    assert status == 200 and room.code in page and room.facilitator not in page and t.pin not in page
    status, body = _asgi(app, "GET", f"/api/screen/{room.code}/state")
    state = json.loads(body)
    assert status == 200 and "next:" not in state["timeline"] and t.pin not in json.dumps(state)
    assert "class='pin'" not in json.dumps(state) and "Crisis" not in json.dumps(state)
    assert "<b>Red</b>" in state["region"] and "of 1 tables have chosen" in state["chosen"]
    fac = json.loads(_asgi(app, "GET", f"/api/f/{room.facilitator}/state")[1])
    assert "next: Crisis for Red" in fac["timeline"] and "withdraw" in fac["timeline"]
    assert f"/screen/{room.code}" in _asgi(app, "GET", f"/f/{room.facilitator}")[1].decode()
    assert _asgi(app, "POST", f"/api/f/{room.facilitator}/withdraw", {"kind": "crisis", "target": "Red"})[0] == 200
    assert not room.pending_shocks
    for _ in range(12):  # wrong codes from one address: the screen then says why it refuses, not "wrong code"
        _asgi(app, "GET", "/screen/WRONG1")
    status, page = _asgi(app, "GET", f"/screen/{room.code}")
    assert status == 429 and b"too many wrong join codes" in page


def test_on_a_phone_a_tap_on_a_levers_name_ticks_it_and_a_round_ending_mid_choice_keeps_the_ticks(tmp_path, playwright):
    """Trainer review on a 375 px phone: a tap on "Stop a project" opened its field's list instead of ticking
    it; and a round ended by the facilitator while a table was ticking wiped its ticks, so its next "Lock in"
    locked the carried-over choice into the next round without a word."""
    server = Server(tmp_path)
    try:
        browser = launch(playwright)
        phone = offline(browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True))
        table = phone.new_page()
        errors = []
        table.on("pageerror", lambda e: errors.append(str(e)))
        _join(table, server, "Ash", tap=True)
        _wait_round(table, 1)
        assert table.evaluate("() => document.documentElement.scrollWidth") <= 375  # no sideways scrolling
        box = "#levers .lever[data-lever='{}'] input[type=checkbox]"
        table.tap("#levers .lever[data-lever='stop_project'] .pick b")
        assert table.locator(box.format("stop_project")).is_checked()
        assert table.inner_text("#units") == "Ticked: 0 of your 3 units"  # stopping a project is free
        size = table.locator(box.format("stop_project")).bounding_box()
        pick = table.locator("#levers .lever[data-lever='stop_project'] .pick").bounding_box()
        assert size["width"] >= 20 and pick["height"] >= 40, (size, pick)
        table.locator("#levers .lever[data-lever='seek_grant'] select").select_option("education")
        table.tap("#levers .lever[data-lever='seek_grant'] .pick b")
        assert table.inner_text("#units") == "Ticked: 1 of your 3 units"
        table.tap("#levers .lever[data-lever='new_leader'] .pick b")
        assert table.inner_text("#units") == "Ticked: 4 of your 3 units: too many, untick something"
        table.tap("#levers .lever[data-lever='new_leader'] .pick b")
        urllib.request.urlopen(urllib.request.Request(f"{server.url}/api/f/{server.facilitator}/advance",
                                                      data=b"{}", method="POST"), timeout=30).read()
        _wait_round(table, 2)
        table.wait_for_function("() => /Round 1 ended before these ticks were locked in/.test("
                                "document.getElementById('choice-msg').textContent)", timeout=15_000)
        assert table.locator(box.format("stop_project")).is_checked() and table.locator(box.format("seek_grant")).is_checked()
        assert table.locator("#levers .lever[data-lever='seek_grant'] select").input_value() == "education"
        assert server.saved()["played"][0]["choices"]["Ash"] == []  # they were not used in round 1
        table.tap("#levers button[type=submit]")
        table.wait_for_function("() => /Locked in for round 2/.test(document.getElementById('choice-msg').textContent)",
                                timeout=15_000)
        assert {c["lever"] for c in server.saved()["pending"]["Ash"]} == {"stop_project", "seek_grant"}
        assert not errors, errors
        browser.close()
    finally:
        server.stop()


def test_a_table_is_told_which_carried_over_levers_no_longer_fit_its_budget(room):
    """Trainer review: "you keep Back a trial" while "Share ideas" had gone without a word (the budget fell)."""
    from model.app import room_pages as pages
    red, _ = room.join(room.code, "Red")
    room.choose(red, "Red", 1, [{"lever": "back_trial", "field": "education"}, {"lever": "share"}])
    room.advance()  # 3 - 3 + 2 = 2 units: the trial (2) still fits, sharing (1) no longer does
    assert room.effective_choice("Red") == [{"lever": "back_trial", "field": "education"}]
    assert room.shown_choice("Red")[1:] == ([{"lever": "share"}], 2)
    view = pages.table_view(room, "Red")
    assert "no longer fits your budget of 2 units, so it is left out" in view["note"], view["note"]
    assert "Share ideas" in view["note"].split("no longer")[0].split("(one-off levers do not carry over).")[1]
    assert "data-budget='2'" in view["form"] and "data-cost='2'" in view["form"]
    room.choose(red, "Red", 2, [{"lever": "share"}])
    assert room.shown_choice("Red")[1:] == ([], 2) and "no longer" not in pages.table_view(room, "Red")["note"]


def test_a_table_reads_in_words_which_fields_moved_or_fell_back_last_round(room):
    """Trainer review: "trial started (quality 0.47)" while the field had fallen back to latent within the round;
    the fall showed only as a small mark on the phase chart."""
    from model.app import room_pages as pages
    from model.core.lifecycle import PHASE_NAMES
    red, t = room.join(room.code, "Red")
    for rnd in range(1, 5):
        room.choose(red, "Red", rnd, [{"lever": "back_trial", "field": "education"}] if rnd % 2 else [])
        room.advance()
        rm = room.settings.round_months
        phase = np.stack([x["phase"][t.place] for x in room.history])[(rnd - 1) * rm: rnd * rm + 1]
        said = html.unescape(pages.table_view(room, "Red")["results"])
        for i, f in enumerate(room.fields):
            path = phase[:, i]
            steps = [int(path[0])] + [int(b) for a, b in zip(path[:-1], path[1:]) if b != a]
            if len(steps) > 1:
                assert f"{f}: {' → '.join(PHASE_NAMES[k] for k in steps)}" in said, (rnd, said)
            else:
                assert f"{f}:" not in said
        assert ("(fell back)" in said) == bool((np.diff(phase, axis=0) < 0).any())
    assert "Your fields this round" in said or "No field changed phase this round" in said


def test_a_table_that_has_not_played_can_be_removed_and_its_place_goes_back(room, tmp_path):
    """Trainer review: a misspelt table name at joining held a place for the whole workshop."""
    from model.app import room_pages as pages
    from model.app.room_web import make_app
    red, r = room.join(room.code, "Red")
    typo, t = room.join(room.code, "Nroth")
    room.fire("crisis", "Nroth")
    room.choose(typo, "Nroth", 1, [{"lever": "share"}])
    assert "data-table='Nroth'" in pages.pins_html(room)
    app = make_app(room)
    assert _asgi(app, "POST", f"/api/f/{room.facilitator}/remove", {"table": "Nroth"})[0] == 200
    assert "Nroth" not in room.tables and "Nroth" not in room.pending and not room.pending_shocks
    assert all(e["who"] != "Nroth" for e in room.timeline)
    with pytest.raises(Refused, match="unknown token"):
        room.table_for(typo)
    _, north = room.join(room.code, "North")
    assert north.place == t.place  # the place went back
    room.advance()
    with pytest.raises(Refused, match="has played a round") as e:
        room.remove("Red")
    assert e.value.status == 409 and "data-table='Red'" not in pages.pins_html(room)
    with pytest.raises(Refused, match="no table"):
        room.remove("Nobody")
    path = tmp_path / "s.json"
    room.save(path)
    again = Room.from_json(json.loads(path.read_text()))
    assert list(again.tables) == ["Red", "North"] and again.public_value().tolist() == room.public_value().tolist()



def test_a_queued_budget_cut_stays_a_surprise_on_the_tables_page(room):
    """Second reading: the page showed the budget net of a cut the facilitator had only queued."""
    from model.app import room_pages as pages
    red, _ = room.join(room.code, "Red")
    room.choose(red, "Red", 1, [{"lever": "back_trial", "field": "education"}])
    before = pages.table_view(room, "Red")
    room.fire("budget_cut", "Red")
    after = pages.table_view(room, "Red")
    assert after["form"] == before["form"] and after["note"] == before["note"] and "data-budget='3'" in after["form"]
    assert room.effective_choice("Red") == []  # at the round's end the cut comes first, as before


def test_a_removed_tables_waiting_devices_are_sent_to_join_and_the_debrief_is_made_again(room):
    """Second reading: a removed table's long polls raised KeyError (a 500 per device), and a debrief kept by
    the count of tables survived a remove and a join."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from model.app.room_web import _table_key, make_app
    red, _ = room.join(room.code, "Red")
    room.advance()
    cee, _ = room.join(room.code, "Cee")
    first = room.debrief()
    assert "Cee" in str(first)
    room.remove("Cee")
    room.join(room.code, "Dee")
    again = room.debrief()
    assert "Dee" in str(again) and "Cee" not in str(again)
    assert _table_key(room, "Cee") == "removed"
    app = make_app(room)
    assert _asgi(app, "GET", f"/api/table/Dee/state", token=cee)[0] == 401
    room.end()
    with pytest.raises(Refused, match="the workshop has ended") as e:
        room.remove("Dee")
    assert e.value.status == 409
