"""Shocks: the what-if knobs that arrive at a given month (MODEL.md section 5), and the event log.

A ``Shock`` is plain data; ``Locality`` schedules it with Mesa's ``schedule_event`` and applies it
through ``Locality.apply_shock``. What each kind does is documented in docs/ODD.md (submodel
"Shocks") and in ``KINDS`` below. What happened is logged as ``Event`` rows (a locality's
``event_log``) or ``PlaceEvent`` rows (a region's).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

KINDS: dict[str, str] = {
    "underperformance": "a critical inspection or poor results: failure recognised, inspection "
                        "and political pressure rise (003:58, 298; 000:1283)",
    "leader_arrival": "a new, often external, leader arrives with a strong drive (000:1287)",
    "leader_departure": "a leader (or core-clique members) leaves: node and links removed (000:475)",
    "funding_start": "a dedicated grant starts; with a duration it is a pilot grant that ends (003:641)",
    "funding_end": "a grant ends without a mainstream budget (004:571-574)",
    "budget_cut": "resources cut: less staff slack, lower base performance, more efficiency pressure",
    "commissioning": "the field's delivery is commissioned out: 12 x magnitude voluntary-sector "
                     "providers join its capacity corner with their own staff and openness (000:1102-1136, 1248)",
    "election": "an election: the political leader may be replaced (000:1430)",
    "crisis": "a crisis (flood, scandal): performance falls, failure is visible, pressure rises",
    "efficiency_pressure": "change in efficiency pressure by +/- magnitude (003:325)",
    "member_pressure": "change in political (member) pressure by +/- magnitude (000:187)",
    "community_pressure": "change in community pressure by +/- magnitude (003:357)",
    "central_pressure": "change in central-government pressure by +/- magnitude (003:338-339)",
    "partnership": "a new partnership structure strengthens the field's existing links in one layer "
                   "(000:377-393, 623, 882-897); a negative magnitude dismantles one",
    "hold": "the field's innovation cannot go into practice at scale (no move to mainstreaming) "
            "for duration months, or to the end: it waits for buildings or law (000:295-297, 862-864)",
}
PRESSURE_KINDS = ("efficiency_pressure", "member_pressure", "community_pressure", "central_pressure")
# Kinds that wear off after a duration; any other kind given one would silently ignore it.
TIMED_KINDS = ("funding_start", "crisis", "hold", *PRESSURE_KINDS)
# Kinds whose size has a sign: a pressure falls as well as rises, a partnership can be dismantled.
# Any other kind with a negative size would run backwards (a negative grant, a crisis that lifts
# performance, minus twelve providers), which no source describes.
SIGNED_KINDS = (*PRESSURE_KINDS, "partnership")
LEADER_ROLES = ("chief_executive", "political_leader", "director", "core_clique")
# The link layers a partnership strengthens: between two adjacent layers, or within any layer
# (the same four as the strength_* parameters, ODD 7.1).
LINK_LAYERS = ("systemic_sectoral", "sectoral_frontline", "frontline_public", "horizontal")


class Event(NamedTuple):
    """One row of a locality's ``event_log``: a phase transition, embedding-mode change or shock."""

    step: int
    field: str  # a field name, or "all"
    kind: str  # "forward", "backward", "embedding_mode", "shock:<kind>"
    detail: str


class PlaceEvent(NamedTuple):
    """One row of a region's ``event_log``: a central lever or region event."""

    step: int
    place: int  # the place's index, or -1 for the whole region
    kind: str  # "region:<kind>"
    detail: str


@dataclass(frozen=True)
class Shock:
    """One scheduled event.

    month: when it happens (applied at the end of that month, so it shows from month+1 on);
    kind: one of KINDS; field: a field name, or None for every field; magnitude: its size
    (1 = a typical event; negative allowed for pressure changes); duration: months until a
    pressure change, grant, crisis or hold wears off (None = lasting); role: for leadership
    events; layer: for partnerships, one of LINK_LAYERS.
    """

    month: int
    kind: str
    field: str | None = None
    magnitude: float = 1.0
    duration: int | None = None
    role: str | None = None
    layer: str | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown shock kind '{self.kind}' (allowed: {', '.join(KINDS)})")
        if self.month < 0:
            raise ValueError(f"shock month must be >= 0, got {self.month}")
        if self.duration is not None and self.duration < 1:
            raise ValueError(f"shock duration must be >= 1 month, got {self.duration}")
        if self.duration is not None and self.kind not in TIMED_KINDS:
            raise ValueError(f"'duration' does not apply to {self.kind} (only to {', '.join(TIMED_KINDS)})")
        if self.magnitude < 0 and self.kind not in SIGNED_KINDS:
            raise ValueError(f"magnitude {self.magnitude:g} is negative, but {self.kind} takes no sign "
                             f"(allowed: 0 or more; a negative size only for {', '.join(SIGNED_KINDS)})")
        if self.kind in ("leader_arrival", "leader_departure"):
            role = self.role or "chief_executive"
            if role not in LEADER_ROLES or (self.kind == "leader_arrival" and role == "core_clique"):
                raise ValueError(f"unknown leader role '{self.role}' (allowed: {', '.join(LEADER_ROLES)})")
            object.__setattr__(self, "role", role)
            if role == "director" and self.field is None:
                raise ValueError("a director belongs to one field: give the shock a field")
        elif self.role is not None:
            raise ValueError(f"'role' only applies to leader_arrival and leader_departure, not {self.kind}")
        if self.kind == "partnership":
            if self.layer not in LINK_LAYERS:
                got = "" if self.layer is None else f", got {self.layer!r}"
                raise ValueError(f"a partnership needs a layer (allowed: {', '.join(LINK_LAYERS)}){got}")
        elif self.layer is not None:
            raise ValueError(f"'layer' only applies to partnership, not {self.kind}")
        if self.kind == "hold":
            if self.field is None:
                raise ValueError("a hold is on one field's innovation: give the shock a field")
            if self.magnitude != 1:
                raise ValueError(f"a hold has no size: leave magnitude at 1, got {self.magnitude:g} "
                                 "(set its length with duration)")

    def scaled(self, factor: float) -> "Shock":
        """The same event with its magnitude times ``factor`` (a switch's level)."""
        return replace(self, magnitude=self.magnitude * factor)

    def as_toml(self) -> dict:
        """The event as a scenario file's [[events]] entry (month form)."""
        return {k: v for k, v in (("month", self.month), ("kind", self.kind), ("field", self.field or "all"),
                                  ("magnitude", self.magnitude), ("duration", self.duration), ("role", self.role),
                                  ("layer", self.layer)) if v is not None}


class Call:
    """A function and its arguments, scheduled as one Mesa event (Mesa holds event callbacks
    weakly, so the model keeps these objects alive)."""

    def __init__(self, fn, args=()):
        self.fn, self.args = fn, args

    def __call__(self) -> None:
        self.fn(*self.args)
