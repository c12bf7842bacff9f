"""The participatory workshop (issue 15): a room of tables, each steering one place of a small region.

A facilitator starts a ``Room`` on a region scenario of 6-12 places. Tables join with the room's
join code and a table name; each takes the next free place, the model plays the rest. Play goes in
rounds of ``round_months`` months. Each round a table picks levers (``LEVERS``) that map onto
mechanisms the model already has, paid from a budget of lever units; the facilitator fires shocks
(``SHOCKS``) at everyone or one table and ends the round, which locks the choices and runs the
region on. A table that does not choose keeps its last choices (one-off levers excepted). At the
end, ``debrief()`` sets each table's place against an ensemble of the same region, with the same
shocks, played by the model alone.

This module is the game's state and rules, kept free of any web framework (the web layer is
model/app/room_web.py), so that everything here is tested without a browser.

Determinism and resume: the state that matters is written as JSON (``to_json``): the settings,
the join code, the facilitator's and tables' tokens, and per round the locked choices and the
shocks. Everything else (the region, budgets, history, outcomes) is rebuilt by replaying the
rounds from the seed: the same seed and decisions give the same state, bit for bit. ``save``
writes atomically (a temporary file, then ``os.replace``), so a crash mid-write never leaves a
half-written file; ``Room.load`` resumes from it.

Budgets and costs are workshop assumptions (docs/ODD.md, "Workshop levers"), not model parameters.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np

from ..core.events import Shock
from ..core.lifecycle import PHASE_NAMES, Phase
from ..core.region import Region, RegionSpec
from ..io.folders import write_atomic
from ..io.manifest import model_digest
from ..io.scenario import Scenario, ScenarioError, load
from ..io.unreadable import why_unreadable

FORMAT = "innovation-sim workshop"
FORMAT_VERSION = 1
MIN_PLACES, MAX_PLACES = 6, 12
MAX_ROUNDS = 40
ROUND_MONTHS = (3, 6, 12)  # a quarter, a half-year or a year of model time per round
WORKSHOP_RING = 2  # each place also meets this many neighbours on either side face to face (they sit in a circle)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off a projector
CODE_LENGTH = 6
MAX_TABLE_NAME = 24
MAX_MEMBERS = 12  # participants (devices) per table
# Words the screens use for others than a table: a shock's target "all", the timeline's and the
# CSV's "facilitator", the region's "model" for a place no table plays.
RESERVED_NAMES = ("all", "facilitator", "model")
SHOWN_PRECISION = 0.005  # public value is shown to two decimals: a smaller margin is not a win or a loss
MAX_STATE_BYTES = 5_000_000
RESUME_GRACE = 60  # seconds a timed round has at least after the server restarts
ENSEMBLE_RUNS = 20
# Budgets (assumption): lever units, not money. A table starts with START_BUDGET, gains INCOME
# each round up to BUDGET_CAP; a budget cut shock takes CUT_UNITS away.
START_BUDGET, INCOME, BUDGET_CAP, CUT_UNITS = 3, 2, 8, 2
GRANT_CHANCE = 0.5  # chance a bid to the innovation fund wins (assumption: a competitive fund)
GRANT_MONTHS = 24  # an innovation-fund grant lasts two years, as the region's fund round gives
SHIELD_MONTHS = 12  # a shielded field skips the inspection rounds of the next year
# Streams of the room's own draws (grant bids, a backed trial's quality), apart from the model's.
LEVER_STREAM = 15015


@dataclass(frozen=True)
class Lever:
    key: str
    label: str
    cost: int
    needs_field: bool
    one_off: bool  # not carried into the next round when a table does not choose again
    mechanism: str  # what it does in the model (docs/ODD.md 10.8)
    help: str = ""  # what a table reads on its screen


LEVERS: dict[str, Lever] = {lv.key: lv for lv in (
    Lever("back_trial", "Back a trial", 2, True, False,
          "the council starts a trial of its own idea in the field (a latent field enters design: the "
          "trigger point); the trial's quality is drawn as the model draws one (Engine.start_trial)",
          "Put money and people behind a new idea in this field. Ideas vary: most do not prove themselves."),
    Lever("stop_project", "Stop a project", 0, True, True,
          "the field falls back one phase with every consequence of a reversal (trials abandoned, "
          "will to change or alignment partly lost); 1 unit comes back (Engine.fall_back)",
          "Pull the plug: the field goes back one phase and its trials stop. Frees one unit."),
    Lever("seek_grant", "Seek a grant", 1, True, False,
          f"a bid to the innovation fund: wins with chance {GRANT_CHANCE:.0%} a two-year grant on the "
          "field, the region fund's funding_start of fund_size (Region._fund_round's mechanism)",
          "Bid to the innovation fund: half of bids win two years of funding for this field."),
    Lever("shield", "Shield from scrutiny", 1, True, False,
          f"the field is skipped by the inspection rounds (and the facilitator's inspections) for "
          f"{SHIELD_MONTHS} months (Region.shield)",
          f"Keep inspectors away from this field for {SHIELD_MONTHS} months (less pressure, but less push too)."),
    Lever("share", "Share ideas with peers", 1, False, False,
          "the place shows its proven innovations to its peers and pays the dissemination cost in staff "
          "slack for each peer it helps (003:718; Region.set_sharer); not choosing it stops sharing",
          "Show your proven ideas to your neighbours. Helping them costs your staff time."),
    Lever("copy", "Copy a neighbour's idea", 1, True, False,
          "a trial of the best idea the place's peers have proven in the field, adapted to its fit "
          "(Region.best_shown, 003:346, 656; no access draw: choosing to copy is seeking access); nothing if "
          "no peer shows one (unit returned)",
          "Try the best idea a neighbour has proven and shares, adapted to your place."),
    Lever("new_leader", "Change the chief executive", 3, False, True,
          "a new chief executive from outside arrives with a strong drive (leader_arrival, 000:1287)",
          "Bring in a new chief executive from outside, with a strong drive for change."),
)}
REFUND_STOP = 1

SHOCKS: dict[str, tuple[str, str]] = {
    "inspection": ("Inspection", "a critical inspection of every field not shielded (underperformance "
                   "shock of the region's inspection_strength)"),
    "election": ("Election", "an election: the political leader may be replaced"),
    "crisis": ("Crisis", "a crisis (flood, scandal) in every field: performance falls, pressure rises"),
    "budget_cut": ("Budget cut", f"resources cut in every field; a table also loses {CUT_UNITS} lever units"),
}


class RoomError(ValueError):
    """Bad settings or a bad state file: one line naming the field or file and what is allowed."""


class Refused(Exception):
    """A request the room will not act on; ``status`` is the HTTP status the web layer answers."""

    def __init__(self, message: str, status: int = 403):
        super().__init__(message)
        self.status = status


@dataclass
class Settings:
    scenario: str = "workshop_region"
    seed: int = 1
    places: int | None = None  # None: the scenario's own count
    rounds: int = 8
    round_months: int = 3
    timer: int = 0  # seconds a round stays open before it ends by itself (0: the facilitator ends it)
    ensemble: int = ENSEMBLE_RUNS

    def check(self) -> None:
        if not 0 <= self.seed <= 2**63 - 1:
            raise RoomError(f"--seed: {self.seed} is out of range (allowed: 0 to {2**63 - 1})")
        if self.places is not None and not MIN_PLACES <= self.places <= MAX_PLACES:
            raise RoomError(f"--places: {self.places} is out of range (allowed: {MIN_PLACES} to {MAX_PLACES})")
        if not 1 <= self.rounds <= MAX_ROUNDS:
            raise RoomError(f"--rounds: {self.rounds} is out of range (allowed: 1 to {MAX_ROUNDS})")
        if self.round_months not in ROUND_MONTHS:
            raise RoomError(f"--round-months: {self.round_months} is not allowed (allowed: "
                            f"{', '.join(map(str, ROUND_MONTHS))}: a quarter, half a year or a year)")
        if not 0 <= self.timer <= 3600:
            raise RoomError(f"--timer: {self.timer} is out of range (allowed: 0 to 3600 seconds; 0 = no timer)")
        if not 2 <= self.ensemble <= 200:
            raise RoomError(f"--ensemble: {self.ensemble} is out of range (allowed: 2 to 200 runs)")


def _saved_settings(saved) -> Settings:
    """A state file's settings, each of the type Settings declares (ValueError naming the key)."""
    if not isinstance(saved, dict):
        raise ValueError("settings: must be a table of the workshop's settings")
    known = [f.name for f in fields(Settings)]
    for key, value in saved.items():
        if key not in known:
            raise ValueError(f"settings.{key}: not a workshop setting (known: {', '.join(known)})")
        want = str if key == "scenario" else int
        if not (isinstance(value, want) and not isinstance(value, bool) or key == "places" and value is None):
            raise ValueError(f"settings.{key}: {value!r} is not {'a text' if want is str else 'a whole number'}")
    return Settings(**saved)


def workshop_scenario(settings: Settings) -> Scenario:
    """The scenario a workshop plays: a region of 6-12 places (a locality scenario becomes a region
    of ``places`` copies of it, default 10); RoomError if it cannot be one."""
    try:
        s = load(settings.scenario)
    except ScenarioError as e:
        raise RoomError(str(e)) from None
    n = settings.places
    if s.region is None:
        s.region = RegionSpec()
        n = n or 10
    if n is not None:
        s = s.with_overrides(parameters={"region.councils": n - 1, "region.fire_authorities": 1},
                             where="--places")
    rp = s.region.resolved()
    total = rp["councils"] + rp["fire_authorities"]
    if not MIN_PLACES <= total <= MAX_PLACES:
        raise RoomError(f"{settings.scenario}: a region of {total} places; a workshop plays {MIN_PLACES} to "
                        f"{MAX_PLACES} (give --places N, or use workshop_region)")
    if settings.rounds * settings.round_months > s.months:
        raise RoomError(f"--rounds: {settings.rounds} rounds of {settings.round_months} months run beyond the "
                        f"scenario's {s.months} months (allowed: at most {s.months // settings.round_months} rounds)")
    return s


def scenario_digest(s: Scenario) -> str:
    """A hash of everything the scenario sets: a saved workshop replays only on the same scenario."""
    text = json.dumps(s.identity(), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def ring_links(n: int, k: int = WORKSHOP_RING) -> np.ndarray:
    """(n, n) 0/1 links of places in a circle, each to its k neighbours on either side."""
    out = np.zeros((n, n))
    for d in range(1, min(k, (n - 1) // 2) + 1):
        i = np.arange(n)
        out[i, (i + d) % n] = out[(i + d) % n, i] = 1.0
    return out


def build_region(scenario: Scenario, seed: int) -> Region:
    """The workshop's region: the scenario's, plus face-to-face links around the circle. With a
    calibration's posterior in the scenario, the settings are the seed's draw from it, as `run` draws."""
    scenario = scenario.for_replicate(seed)[0]
    region = Region(scenario, scenario.region, seed=seed)
    region.set_peer_links(face=np.maximum(region.face, ring_links(region.n)))
    return region


@dataclass
class Table:
    name: str
    place: int
    pin: str  # tablemates joining an existing table give it (shown on the table's screen)
    tokens: list[str] = field(default_factory=list)
    joined_round: int = 1


def _code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _token() -> str:
    return secrets.token_urlsafe(18)


def shock_text(shock: dict) -> str:
    """'Inspection for everyone' or 'Crisis for Red': a facilitator's shock as every screen names it."""
    return f"{SHOCKS[shock['kind']][0]} for {'everyone' if shock['target'] == 'all' else shock['target']}"


def choice_cost(levers: list[dict]) -> int:
    return sum(LEVERS[lv["lever"]].cost for lv in levers)


class Room:
    """One workshop: settings, tables, rounds played and the region they drive (see module doc)."""

    def __init__(self, settings: Settings, *, code: str | None = None, facilitator: str | None = None,
                 created: float | None = None):
        settings.check()
        self.settings = settings
        self.scenario = workshop_scenario(settings)
        self.code = code or _code()
        self.facilitator = facilitator or _token()
        self.created = created or time.time()
        self.tables: dict[str, Table] = {}  # by name, in join order
        self.played: list[dict] = []  # per round: {"choices": {table: levers}, "shocks": [...], "locked": time}
        self.pending: dict[str, list[dict]] = {}  # this round's submitted choices
        self.pending_shocks: list[dict] = []
        self.ended = False
        self.version = 0  # bumped at every change: the web layer's long polls wait on it
        self.round_opened = time.time()
        self._debrief: tuple[tuple, dict] | None = None  # (rounds, tables) it was for, the debrief
        self._reset_model()

    # ------------------------------------------------------------------ the model and its replay
    def _reset_model(self) -> None:
        self.region = build_region(self.scenario, self.settings.seed)
        self.fields = list(self.region.fields)
        self.budget: dict[str, int] = {}
        self.outcomes: list[dict] = []  # per (round, table): what its levers did
        self.timeline: list[dict] = []  # decisions and shocks, in order
        self.history = [self._snapshot()]  # per month: every place's state

    def _snapshot(self) -> dict[str, np.ndarray]:
        e = self.region.engine
        return {"phase": e.phase.copy(), "performance": e.performance.copy(), "public_value": e.public_value.copy(),
                "corners": e.corners.copy(), "flows": e.flows.copy(), "mode": e.mode.copy()}

    @property
    def round(self) -> int:
        """The round now open for choices (1-based); rounds + 1 once every round is played."""
        return len(self.played) + 1

    @property
    def month(self) -> int:
        return len(self.played) * self.settings.round_months

    @property
    def finished(self) -> bool:
        return self.ended or len(self.played) >= self.settings.rounds

    def _play(self, record: dict, region: Region | None = None, budgets: dict | None = None,
              decisions: bool = True) -> None:
        """Play one locked round on ``region`` (default: the room's own): the facilitator's shocks,
        then each table's levers, then ``round_months`` months. With ``decisions=False`` the tables'
        levers are left out (the model plays alone: the debrief's ensemble)."""
        own = region is None
        region = self.region if own else region
        rnd, month = len(self.played) + 1 if own else record["round"], region.steps
        tables = dict(self.tables)  # one copy: the debrief runs this in a worker thread while tables join
        places = {t.name: t.place for t in tables.values()}
        budgets = self.budget if budgets is None else budgets
        for name, t in tables.items():
            if t.joined_round <= rnd:
                budgets.setdefault(name, START_BUDGET)
        for sh in record["shocks"]:
            targets = list(places) if sh["target"] == "all" else [sh["target"]]
            idx = np.arange(region.n) if sh["target"] == "all" else np.array([places[sh["target"]]])
            self._shock(region, sh["kind"], idx, month)
            if sh["kind"] == "budget_cut":
                for name in targets:
                    if name in budgets:
                        budgets[name] = max(0, budgets[name] - CUT_UNITS)
            if own:
                self.timeline.append({"round": rnd, "month": month, "who": "facilitator", "target": sh["target"],
                                      "text": shock_text(sh)})
        for name, levers in record["choices"].items():
            if name not in places:
                continue
            if decisions:
                texts, refund = self._apply(region, places[name], levers, rnd)
                budgets[name] = budgets.get(name, START_BUDGET) - choice_cost(levers) + refund
            else:
                texts = []
            if own:
                self.outcomes.append({"round": rnd, "month": month, "table": name, "place": places[name],
                                      "levers": levers, "cost": choice_cost(levers), "results": texts,
                                      "budget": budgets[name]})
                if levers:
                    self.timeline.append({"round": rnd, "month": month, "who": name,
                                          "text": "; ".join(texts) or "no levers"})
        for _ in range(self.settings.round_months):
            region.step()
            if own:
                self.history.append(self._snapshot())
        for name in budgets:
            budgets[name] = min(BUDGET_CAP, budgets[name] + INCOME)

    def _shock(self, region: Region, kind: str, idx: np.ndarray, month: int) -> None:
        e = region.engine
        if kind == "inspection":
            for f, name in enumerate(self.fields):
                hit = np.array([p for p in idx if not region.is_shielded(int(p), f)], dtype=np.int64)
                if len(hit):
                    e.apply_shock(Shock(month, "underperformance", field=name,
                                        magnitude=region.rp["inspection_strength"]), hit)
        else:
            e.apply_shock(Shock(month, kind), idx)

    def _apply(self, region: Region, place: int, levers: list[dict], rnd: int) -> tuple[list[str], int]:
        """A table's levers on its place, in a fixed order; returns what each did and units refunded."""
        e, texts, refund = region.engine, [], 0
        # The room's own draws, one stream per (round, place) and lever: a lever's draw does not
        # depend on which other levers the table chose, and the model's streams are untouched.
        draws = [np.random.default_rng([self.settings.seed, LEVER_STREAM, rnd, place, k]) for k in range(2)]
        sharing = False
        for lv in levers:
            key, lever = lv["lever"], LEVERS[lv["lever"]]
            f = self.fields.index(lv["field"]) if lever.needs_field else None
            where = f" in {lv['field']}" if f is not None else ""
            if key == "back_trial":
                p = e.params[place]
                a = p["trial_quality_mean"] * p["trial_quality_concentration"]
                b = p["trial_quality_concentration"] - a
                q = float(draws[0].beta(a, b))  # the quality of an idea, drawn as the model draws one
                text = e.start_trial(place, f, q)
                if text.startswith("no trial"):
                    refund += lever.cost
            elif key == "copy":
                offer = float(region.best_shown[place, f])  # a deliberate copy needs no luck of access
                if offer > 0:
                    text = "copied a peer's idea: " + e.start_trial(place, f, offer, adapted=True)
                    if "no trial" in text:
                        refund += lever.cost
                else:
                    text, refund = "no peer shows a proven idea here yet (unit returned)", refund + lever.cost
            elif key == "stop_project":
                text = e.fall_back(place, f)
                refund += REFUND_STOP if text.startswith("stopped") else 0
            elif key == "seek_grant":
                if draws[1].random() < GRANT_CHANCE:
                    e.apply_shock(Shock(region.steps, "funding_start", field=lv["field"],
                                        magnitude=region.rp["fund_size"], duration=GRANT_MONTHS), [place])
                    text = "grant won: two years of funding"
                else:
                    text = "grant bid lost"
            elif key == "shield":
                region.shield(place, f, region.steps + SHIELD_MONTHS)
                text = f"shielded from inspection for {SHIELD_MONTHS} months"
            elif key == "share":
                sharing, text = True, "sharing ideas with peers"
            else:  # new_leader
                e.apply_shock(Shock(region.steps, "leader_arrival"), [place])
                text = "a new chief executive from outside"
            texts.append(f"{lever.label}{where}: {text}")
        region.set_sharer(place, sharing)
        return texts, refund

    # ------------------------------------------------------------------ participants
    def check_code(self, code: str) -> None:
        """The join code gates joining and the room's projector screen alike."""
        if not secrets.compare_digest(str(code).strip().upper().encode(), self.code.encode()):
            raise Refused("wrong join code: ask the facilitator for the code on the screen", 403)

    def join(self, code: str, table: str, pin: str | None = None) -> tuple[str, Table]:
        """A participant with the join code joins (or creates) a table; returns their token."""
        self.check_code(code)
        name = " ".join(str(table).split())
        if not 1 <= len(name) <= MAX_TABLE_NAME or not name.isprintable() or any(c in name for c in "/\\?#%"):
            raise Refused(f"table name: give 1 to {MAX_TABLE_NAME} letters, digits or spaces (no / \\ ? # %)", 400)
        if name in (".", ".."):  # a browser reads /table/.. as / (its screen would redirect to the join page forever)
            raise Refused("table name: '.' and '..' cannot name a table; choose another", 400)
        if name.casefold() in RESERVED_NAMES:
            raise Refused(f"table name: '{name}' is taken by the screens (not {', '.join(RESERVED_NAMES)}); choose another", 400)
        existing = next((t for t in self.tables.values() if t.name.casefold() == name.casefold()), None)
        if existing is not None:
            if pin is None:  # not a wrong code: no try counted against the device (409, not 403)
                raise Refused(f"table '{existing.name}' already exists: to join it, give its table PIN "
                              "(on its screen); otherwise choose another name", 409)
            if not secrets.compare_digest(str(pin).strip().encode(), existing.pin.encode()):
                raise Refused(f"wrong PIN for table '{existing.name}': its PIN is on that table's screen "
                              "(or ask the facilitator)", 403)
            if len(existing.tokens) >= MAX_MEMBERS:
                raise Refused(f"table '{existing.name}' is full ({MAX_MEMBERS} devices)", 403)
            t = existing
        else:
            taken = {t.place for t in self.tables.values()}
            free = [p for p in range(self.region.n) if p not in taken]
            if not free:
                raise Refused(f"every place of the region has a table ({self.region.n}); join a table with its PIN", 403)
            if self.finished:
                raise Refused("the workshop has ended", 403)
            t = Table(name, free[0], f"{secrets.randbelow(10_000):04d}", [], self.round)
            self.tables[name] = t
            self.timeline.append({"round": self.round, "month": self.month, "who": name,
                                  "text": f"joined: place {t.place + 1}"})
        token = _token()
        t.tokens.append(token)
        self._changed()
        return token, t

    def table_for(self, token: str | None, name: str | None = None) -> Table:
        """The table a token belongs to; Refused if none, or if it is not table ``name``."""
        found = None
        for t in self.tables.values():
            if token and any(secrets.compare_digest(token.encode(), k.encode()) for k in t.tokens):
                found = t
        if found is None:
            raise Refused("unknown token: join again with the code", 401)
        if name is not None and found.name != name:
            raise Refused(f"this device belongs to table '{found.name}', not '{name}'", 403)
        return found

    def choose(self, token: str, table: str, rnd: int, levers: list[dict]) -> dict:
        """Table ``table`` chooses ``levers`` for round ``rnd``; Refused if the round is locked,
        the token is another table's, or the choice is malformed or over budget."""
        t = self.table_for(token, table)
        if self.finished:
            raise Refused("the workshop has ended: choices are closed", 409)
        if rnd != self.round:
            raise Refused(f"round {rnd} is locked; round {self.round} is open (your click came late)", 409)
        clean = self.check_levers(levers)
        budget = self.budget.get(t.name, START_BUDGET)
        if choice_cost(clean) > budget:
            raise Refused(f"these levers cost {choice_cost(clean)} units; table '{t.name}' has {budget}", 400)
        self.pending[t.name] = clean
        self._changed()
        return {"round": rnd, "levers": clean, "cost": choice_cost(clean), "budget": budget}

    def check_levers(self, levers) -> list[dict]:
        if not isinstance(levers, list) or len(levers) > len(LEVERS):
            raise Refused(f"levers: a list of at most {len(LEVERS)} choices", 400)
        out, seen = [], set()
        for lv in levers:
            if not isinstance(lv, dict) or not isinstance(lv.get("lever"), str) or lv["lever"] not in LEVERS:
                raise Refused(f"levers: unknown lever (allowed: {', '.join(LEVERS)})", 400)
            lever = LEVERS[lv["lever"]]
            if lever.key in seen:
                raise Refused(f"levers: {lever.label} twice", 400)
            seen.add(lever.key)
            item = {"lever": lever.key}
            if lever.needs_field:
                if lv.get("field") not in self.fields:
                    raise Refused(f"levers: {lever.label} needs a field (allowed: {', '.join(self.fields)})", 400)
                item["field"] = lv["field"]
            out.append(item)
        return sorted(out, key=lambda lv: list(LEVERS).index(lv["lever"]))

    def effective_choice(self, name: str) -> list[dict]:
        """What table ``name`` plays this round: its choice, else its last one without the one-off
        levers; levers it can no longer afford (after a budget cut queued for it: the cut comes first)
        are dropped from the end."""
        return self._carried(name)[0]

    def shown_choice(self, name: str) -> tuple[list[dict], list[dict], int]:
        """What table ``name``'s page says it plays, the levers dropped as no longer affordable, and its
        units, all without a budget cut queued for it: a shock is a surprise until the round ends
        (second reading: the page showed the smaller budget as soon as the cut was queued)."""
        return self._carried(name, cuts=False)

    def _carried(self, name: str, cuts: bool = True) -> tuple[list[dict], list[dict], int]:
        if name in self.pending:
            levers = list(self.pending[name])
        else:
            last = next((r["choices"][name] for r in reversed(self.played) if name in r["choices"]), [])
            levers = [lv for lv in last if not LEVERS[lv["lever"]].one_off]
        budget = self.budget.get(name, START_BUDGET)
        cut = sum(CUT_UNITS for s in self.pending_shocks if s["kind"] == "budget_cut" and s["target"] in ("all", name)) \
            if cuts else 0
        units, dropped = max(0, budget - cut), []
        while levers and choice_cost(levers) > units:
            dropped.insert(0, levers.pop())
        return levers, dropped, units

    # ------------------------------------------------------------------ the facilitator
    def is_facilitator(self, token: str | None) -> bool:
        return bool(token) and secrets.compare_digest(str(token).encode(), self.facilitator.encode())

    def check_facilitator(self, token: str | None) -> None:
        if not self.is_facilitator(token):
            raise Refused("only the facilitator can do that", 403)

    def fire(self, kind: str, target: str = "all") -> None:
        """A shock for everyone (``all``) or one table, applied when the round ends."""
        if kind not in SHOCKS:
            raise Refused(f"shock: unknown kind '{kind}' (allowed: {', '.join(SHOCKS)})", 400)
        if target != "all" and target not in self.tables:
            raise Refused(f"shock: no table '{target}'", 400)
        if self.finished:
            raise Refused("the workshop has ended", 409)
        shock = {"kind": kind, "target": target}
        if shock in self.pending_shocks:  # a second click, or the selects left as they were (trainer review)
            raise Refused(f"shock: {shock_text(shock)} is already queued for the end of this round", 409)
        self.pending_shocks.append(shock)
        self._changed()

    def can_remove(self, name: str) -> bool:
        """A table no round has played yet (a misspelt name at joining): its place can go back to the model.
        One that has played is part of every later round's replay, so it stays."""
        return name in self.tables and not any(name in r["choices"] for r in self.played)

    def remove(self, name: str) -> None:
        """Take back table ``name``'s place (its devices are sent back to the join page)."""
        if self.finished:
            raise Refused("the workshop has ended", 409)
        if name not in self.tables:
            raise Refused(f"no table {name!r}", 400)
        if not self.can_remove(name):
            raise Refused(f"table {name!r} has played a round: its choices are part of the workshop, so it stays "
                          f"(the model plays its place only if its devices stop choosing)", 409)
        del self.tables[name]
        self.pending.pop(name, None)
        self.budget.pop(name, None)
        self.pending_shocks = [s for s in self.pending_shocks if s["target"] != name]
        self.timeline = [e for e in self.timeline if e["who"] != name]
        self._changed()

    def withdraw(self, kind: str, target: str = "all") -> None:
        """Take back a shock queued for the end of this round (one sent to the wrong table, say). Named by
        what it is, not by its place in the queue, which a screen showing an older queue would get wrong."""
        if self.finished:
            raise Refused("the workshop has ended", 409)
        shock = {"kind": kind, "target": target}
        if shock not in self.pending_shocks:
            raise Refused(f"shock: no {kind!r} for {target!r} is queued to withdraw", 409)
        self.pending_shocks.remove(shock)
        self._changed()

    def advance(self, rnd: int | None = None) -> dict:
        """End the open round: lock every table's choice, play the round, open the next. With
        ``rnd``, only if round ``rnd`` is still the open one (a second click, or a click that
        crossed the round timer, must not end the next round too)."""
        if self.finished:
            raise Refused("every round has been played" if not self.ended else "the workshop has ended", 409)
        if rnd is not None and rnd != self.round:
            raise Refused(f"round {rnd} has already ended; round {self.round} is open", 409)
        record = {"round": self.round, "choices": {n: self.effective_choice(n) for n in self.tables},
                  "shocks": list(self.pending_shocks), "locked": time.time()}
        self._play(record)
        self.played.append(record)
        self.pending, self.pending_shocks = {}, []
        self.round_opened = time.time()
        self._debrief = None
        self._changed()
        return record

    def end(self) -> None:
        self.ended = True
        self._changed()

    def _changed(self) -> None:
        self.version += 1

    # ------------------------------------------------------------------ persistence
    def to_json(self) -> dict:
        return {"format": FORMAT, "version": FORMAT_VERSION, "settings": asdict(self.settings),
                "scenario_digest": scenario_digest(self.scenario), "model_digest": model_digest(),
                "code": self.code, "facilitator": self.facilitator, "created": self.created,
                "tables": [asdict(t) for t in self.tables.values()], "played": self.played,
                "pending": self.pending, "pending_shocks": self.pending_shocks, "ended": self.ended,
                "round_opened": self.round_opened}

    def save(self, path: Path) -> None:
        """Write the state atomically: a temporary file beside it, then ``os.replace``."""
        write_atomic(path, json.dumps(self.to_json(), indent=1), private=True)  # it holds the tokens and PINs

    @classmethod
    def from_json(cls, data: dict, where: str = "state") -> "Room":
        """Rebuild a room from ``to_json()``: replay every round from the seed."""
        try:
            if data.get("format") != FORMAT or data.get("version") != FORMAT_VERSION:
                raise ValueError(f"not a workshop state file (format {FORMAT!r} version {FORMAT_VERSION})")
            room = cls(_saved_settings(data.get("settings")), code=str(data["code"]),
                       facilitator=str(data["facilitator"]), created=float(data["created"]))
            if data.get("scenario_digest") != scenario_digest(room.scenario):
                raise RoomError(f"the scenario {room.settings.scenario} is not the one this workshop started with "
                                "(the file has changed, or the state's settings.scenario was edited), so its rounds "
                                "would not replay the same; restore the scenario file")
            saved = data.get("model_digest")  # files from before it was recorded cannot be checked
            if saved is not None and saved != model_digest():
                raise RoomError(f"the model's rules have changed since this workshop started (model {saved}, now "
                                f"{model_digest()}), so its rounds would not replay the same; resume it with the "
                                "version of innovation-sim it started with")
            if not isinstance(data.get("tables"), list) or not all(isinstance(t, dict) for t in data["tables"]):
                raise ValueError("tables: must be a list of tables")
            for i, t in enumerate(data["tables"]):
                table = Table(str(t["name"]), int(t["place"]), str(t["pin"]), [str(k) for k in t["tokens"]],
                              int(t["joined_round"]))
                taken = {other.place for other in room.tables.values()}
                if not 0 <= table.place < room.region.n or table.place in taken or table.name in room.tables:
                    raise ValueError(f"tables[{i}]: place {t['place']!r} of table {table.name!r} is not a free place "
                                     f"of this region (allowed: 0 to {room.region.n - 1}, one table each)")
                room.tables[table.name] = table
                room.timeline.append({"round": table.joined_round, "month": (table.joined_round - 1)
                                      * room.settings.round_months, "who": table.name,
                                      "text": f"joined: place {table.place + 1}"})
            def shock(s: dict) -> dict:
                if not isinstance(s["kind"], str) or s["kind"] not in SHOCKS:
                    raise ValueError(f"unknown shock {s['kind']!r}")
                if s["target"] != "all" and s["target"] not in room.tables:
                    raise ValueError(f"a shock for no table {s['target']!r}")
                return dict(kind=s["kind"], target=s["target"])

            for record in data["played"]:
                for name, levers in record["choices"].items():
                    record["choices"][name] = room.check_levers(levers)
                for s in record["shocks"]:
                    shock(s)
                room._play(record)
                room.played.append(record)
            room.pending = {n: room.check_levers(v) for n, v in data["pending"].items() if n in room.tables}
            room.pending_shocks = [shock(s) for s in data["pending_shocks"]]
            room.ended = bool(data["ended"])
            room.resume_timer(float(data.get("round_opened", time.time())))  # older files: the round starts now
        except RoomError as e:
            raise RoomError(f"{where}: {e}") from None
        except Refused as e:
            raise RoomError(f"{where}: {e}") from None
        except (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError) as e:
            detail = f"missing {e}" if isinstance(e, KeyError) else str(e)
            raise RoomError(f"{where}: not a readable workshop state ({detail})") from None
        return room

    def resume_timer(self, opened: float, now: float | None = None) -> None:
        """After a restart the open round keeps its deadline, but with at least RESUME_GRACE seconds
        left: tables could not choose while the server was down."""
        now = time.time() if now is None else now
        if not math.isfinite(opened) or opened > now:
            opened = now
        if self.settings.timer:
            opened = max(opened, now - max(self.settings.timer - RESUME_GRACE, 0))
        self.round_opened = opened

    @classmethod
    def load(cls, path: Path) -> "Room":
        """Resume from a saved state file; RoomError (one line, naming the file) if it is unreadable."""
        path = Path(path)
        aside = f"move it aside (e.g. mv {path} {path}.bad) to start a new workshop"
        try:
            if path.stat().st_size > MAX_STATE_BYTES:
                raise RoomError(f"{path}: larger than {MAX_STATE_BYTES} bytes, not a workshop state; {aside}")
            data = json.loads(path.read_text())
        except json.JSONDecodeError as e:
            raise RoomError(f"{path}: not a workshop state file (JSON error at line {e.lineno}); {aside}") from None
        except (OSError, UnicodeDecodeError) as e:
            raise RoomError(f"{path}: cannot be read ({why_unreadable(e, 'workshop state file')}); {aside}") from None
        if not isinstance(data, dict):
            raise RoomError(f"{path}: not a workshop state file; {aside}")
        try:
            return cls.from_json(data, str(path))
        except RoomError as e:
            raise RoomError(f"{e}; {aside}") from None

    # ------------------------------------------------------------------ what the screens show
    def place_label(self, p: int) -> str:
        kind = str(self.region.kinds[p]).replace("_", " ")
        return f"place {p + 1} ({kind})"

    def owner(self, p: int) -> str | None:
        return next((t.name for t in self.tables.values() if t.place == p), None)

    def public_value(self, month: int | None = None) -> np.ndarray:
        """Every place's public value so far (summed over fields, performance-years)."""
        h = self.history[-1 if month is None else month]
        return h["public_value"].sum(axis=1)

    def neighbours(self, p: int) -> list[int]:
        links = (self.region.face + self.region.written)[p]
        return [int(q) for q in np.flatnonzero(links > 0) if q != p]

    def proven(self, p: int) -> list[str]:
        """Fields place p has mainstreamed or embedded."""
        ph = self.region.engine.phase[p]
        return [self.fields[f] for f in range(len(self.fields)) if ph[f] >= Phase.MAINSTREAMING]

    def league(self) -> list[dict]:
        pv = self.public_value()
        rows = [{"place": p, "label": self.place_label(p), "table": self.owner(p), "public_value": float(pv[p]),
                 "lead": PHASE_NAMES[int(self.region.engine.phase[p].max())]} for p in range(self.region.n)]
        return sorted(rows, key=lambda r: -r["public_value"])

    # ------------------------------------------------------------------ debrief
    def debrief(self) -> dict:
        """Each table's place against the same region played by the model alone: ``ensemble``
        runs of the same places (Region.reseed_futures) with the same shocks and no table levers.
        Public value at the last month played: the table beat the model above the ensemble's 90th
        percentile, lost to it below the 10th, else is within the model's range."""
        # The web layer runs this in a worker thread while rounds may end and tables join: work on
        # the rounds and tables as they are now, and keep the result only for that state.
        rounds, tables = list(self.played), list(self.tables.values())
        key = (len(rounds), tuple((t.name, t.place) for t in tables))  # which tables, not how many: one removed
        # and another joined leave the count as it was
        if self._debrief is not None and self._debrief[0] == key:
            return self._debrief[1]
        t0 = time.perf_counter()
        n, runs = self.region.n, self.settings.ensemble
        month = len(rounds) * self.settings.round_months
        alone = np.zeros((runs, n))
        for k in range(runs):
            region = build_region(self.scenario, self.settings.seed)
            region.reseed_futures(k + 1)
            budgets: dict = {}
            for record in rounds:
                self._play(record, region, budgets, decisions=False)
            alone[k] = region.engine.public_value.sum(axis=1)
        played = self.public_value(month)
        q10, q50, q90 = np.quantile(alone, [0.1, 0.5, 0.9], axis=0)
        rows = []
        pulled = {name for record in rounds for name, levers in record["choices"].items() if levers}  # as snapshotted
        for t in tables:
            p = t.place
            v = float(played[p])
            # A table that pulled no lever made no result of its own (its place moved with the model and its
            # neighbours); and a difference the page cannot show (under half a hundredth) is no win or loss.
            verdict = ("pulled no levers" if t.name not in pulled else
                       "beat the model" if v > q90[p] + SHOWN_PRECISION else
                       "lost to the model" if v < q10[p] - SHOWN_PRECISION else "within the model's range")
            rows.append({"table": t.name, "place": p, "label": self.place_label(p), "public_value": v,
                         "model_median": float(q50[p]), "model_p10": float(q10[p]), "model_p90": float(q90[p]),
                         "verdict": verdict, "rank": int((alone[:, p] < v).sum())})
        out = {"months": month, "runs": runs, "rows": rows, "seconds": time.perf_counter() - t0, "alone": alone}
        self._debrief = (key, out)  # kept with the state it is for: a stale one is never returned
        return out

    def decisions_rows(self) -> list[dict]:
        """Every decision and its outcome, one row per (round, table), and each place's state after
        the round: the debrief's CSV."""
        rows = []
        rm = self.settings.round_months
        for o in self.outcomes:
            h = self.history[min(o["month"] + rm, len(self.history) - 1)]
            p = o["place"]
            rows.append({"round": o["round"], "month_start": o["month"], "table": o["table"], "place": p + 1,
                         "levers": "; ".join(LEVERS[lv["lever"]].label + (f" ({lv['field']})" if "field" in lv else "")
                                             for lv in o["levers"]),
                         "cost": o["cost"], "budget_after": o["budget"], "results": " | ".join(o["results"]),
                         "public_value_after": round(float(h["public_value"][p].sum()), 4),
                         "mean_performance_after": round(float(h["performance"][p].mean()), 4),
                         **{f"phase_{f}": PHASE_NAMES[int(h["phase"][p, i])] for i, f in enumerate(self.fields)}})
        return rows
