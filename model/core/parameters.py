"""The one registry of model parameters.

Every parameter has a default, an allowed range, a unit, help text for non-programmers and a
source: a citation into the seed reports (``file:line``, files in ``shared/seeds/``) or the word
"assumption". The scenario schema, the CLI's ``--set``, the app's sliders, sweep definitions and
the parameter table in ``docs/ODD.md`` are all derived from this registry. A locality's
parameters are ``REGISTRY``; the settings of a scenario's ``[region]`` table are the same ``Param``
declarations in group "region", viewed as ``REGION_PARAMS``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

# Short names for the seed reports used in citations (see docs/ODD.md, "Input data").
# 000 = Young Foundation/NESTA interim report (2007); 003 = Audit Commission, Seeing the light (2007);
# 004 = Transformers, NESTA final report (2008).


@dataclass(frozen=True)
class Param:
    name: str
    default: float | int
    low: float | int
    high: float | int
    unit: str
    help: str
    source: str
    group: str
    kind: type = float

    def check(self, value: Any, where: str = "") -> float | int:
        """Return ``value`` coerced to this parameter's type, or raise ParameterError."""
        prefix = f"{where}: " if where else ""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            shown = str(value).lower() if isinstance(value, bool) else \
                value.isoformat() if hasattr(value, "isoformat") else repr(value)  # as TOML writes it
            raise ParameterError(
                f"{prefix}parameter '{self.name}' must be a number, got {shown} "
                f"(allowed: {self.range_text()})"
            )
        if self.kind is int:
            if isinstance(value, float) and not value.is_integer():  # a huge int is whole, if out of range
                raise ParameterError(
                    f"{prefix}parameter '{self.name}' must be a whole number, got {value!r} "
                    f"(allowed: {self.range_text()})"
                )
            value = int(value)
        else:
            value = float(value)
        if not (self.low <= value <= self.high):
            raise ParameterError(
                f"{prefix}parameter '{self.name}' = {value!r} is out of range "
                f"(allowed: {self.range_text()})"
            )
        return value

    def range_text(self) -> str:
        return f"{self.low} to {self.high}" + (f", {self.unit}" if self.unit else "")  # "0.0 to 1.0, level 0-1"


class ParameterError(ValueError):
    """A parameter name or value that the registry does not allow. Its message is one line."""


_P: list[Param] = []


def _add(name, default, low, high, unit, group, source, help, kind=float):  # noqa: A002
    _P.append(Param(name, default, low, high, unit, help, source, group, kind))


# --- Network: the local innovation system (004:285-368) -------------------------------------
G = "network"
_add("n_cabinet", 6, 0, 20, "agents", G, "004:285-300; assumption (size)",
     "Cabinet members (authority corner, systemic layer) besides the political leader.", int)
_add("n_councillors", 12, 0, 80, "agents", G, "000:187; assumption (size)",
     "Backbench councillors (authority corner, systemic layer).", int)
_add("n_senior_per_field", 2, 1, 6, "agents per field", G, "003:587-588; assumption (size)",
     "Directors and senior officers per service field (authority corner, systemic layer).", int)
_add("n_managers_per_field", 6, 1, 40, "agents per field", G, "003:589; assumption (size)",
     "Middle managers per field (capacity corner, sectoral layer).", int)
_add("n_partners", 10, 0, 60, "agents", G, "004:287-292; assumption (size)",
     "Partner organisations delivering services: schools, health, police, voluntary sector "
     "(capacity corner, sectoral layer).", int)
_add("n_frontline_per_field", 12, 1, 80, "agents per field", G, "004:303-307; assumption (size)",
     "Frontline teams per field (capacity corner, frontline layer).", int)
_add("n_community_groups", 15, 0, 80, "agents", G, "004:287-292; assumption (size)",
     "Community groups and NGOs (value corner, frontline layer).", int)
_add("n_residents", 150, 5, 2000, "agents", G, "004:46-64; assumption (size)",
     "Residents and service users (value corner, public layer).", int)
_add("density_within_layer", 0.10, 0.0, 1.0, "probability", G, "004:344-350; assumption (value)",
     "Chance that two agents of the same layer and field are linked.")
_add("density_between_layers", 0.06, 0.0, 1.0, "probability", G, "004:344-350; assumption (value)",
     "Chance that two agents of the same field in adjacent layers are linked.")
_add("cross_field_density", 0.15, 0.0, 1.0, "fraction", G, "004:3-8; assumption (value)",
     "Link chance between different fields, as a fraction of the same-field chance: the channel "
     "along which success in one field inspires others.")
_add("strength_horizontal", 0.6, 0.0, 1.0, "strength 0-1", G, "004:322-330",
     "Mean strength of links within a layer (Pittsburgh's grassroots links were fragmented).")
_add("strength_systemic_sectoral", 0.5, 0.0, 1.0, "strength 0-1", G, "004:303-307",
     "Mean strength of links between senior leaders and service managers "
     "(the 'treacle of middle management' when weak).")
_add("strength_sectoral_frontline", 0.7, 0.0, 1.0, "strength 0-1", G, "004:509-514",
     "Mean strength of links between service managers and frontline teams "
     "(strong in the four UK cases).")
_add("strength_frontline_public", 0.5, 0.0, 1.0, "strength 0-1", G, "004:287-300",
     "Mean strength of links between frontline teams or community groups and residents.")
_add("core_clique_size", 8, 0, 40, "agents", G, "004:465-478",
     "Members of the dense core group of officers and leaders who drive early work.", int)
_add("core_clique_density", 0.8, 0.0, 1.0, "probability", G, "004:465-478",
     "Link chance inside the core clique: speeds design, but the clique's departure is a "
     "sustainability risk.")
_add("public_inclusion", 1.0, 0.0, 1.0, "fraction", G, "004:480-499",
     "How far community groups and residents are inside the networks of influence "
     "(1 = fully; low = excluded, too little 'connected difference').")

# --- Pressures (003:295-357; 000:187, 1283) ---------------------------------------------------
G = "pressure"
_add("efficiency_pressure", 0.5, 0.0, 1.0, "level 0-1", G, "003:57, 325, 337",
     "Pressure to improve efficiency, felt inside and outside the council: the strongest driver.")
_add("member_pressure", 0.3, 0.0, 1.0, "level 0-1", G, "000:187; 004:119-121",
     "Internal pressure from local politicians to improve.")
_add("community_pressure", 0.1, 0.0, 1.0, "level 0-1", G, "003:357",
     "Pressure from residents and communities: rare but powerful where felt.")
_add("central_pressure", 0.5, 0.0, 1.0, "level 0-1", G, "003:338-339",
     "Pressure from central government: widely felt, weak as a driver.")
_add("central_pressure_weight", 0.25, 0.0, 1.0, "weight", G, "003:339",
     "How much central-government pressure counts against efficiency pressure (weight 1).")
_add("efficiency_external_weight", 0.5, 0.0, 2.0, "weight", G, "003:57, 325",
     "How much efficiency pressure also counts as external pressure (it is felt inside and outside).")
_add("community_pressure_weight", 0.8, 0.0, 2.0, "weight", G, "003:357",
     "How much community pressure counts, relative to member pressure (weight 1).")

# --- Performance and value (004:29-43; 003:58, 298, 432) -------------------------------------
G = "performance"
_add("initial_performance", 0.55, 0.0, 1.0, "level 0-1", G, "assumption",
     "Mean starting performance of the service fields.")
_add("performance_spread", 0.08, 0.0, 0.5, "level 0-1", G, "assumption",
     "Spread of starting performance between fields (uniform, +/- this much).")
_add("aspiration", 0.70, 0.0, 1.0, "level 0-1", G, "003:431-432",
     "The performance the locality aspires to; the gap below it is the 'innovation gap'.")
_add("performance_adjustment", 0.08, 0.01, 1.0, "per month", G, "assumption",
     "How fast performance moves towards its current potential.")
_add("performance_noise", 0.005, 0.0, 0.1, "level 0-1", G, "assumption",
     "Month-to-month random variation in measured performance.")
_add("innovation_uplift", 0.4, 0.0, 1.0, "level 0-1", G, "004:29-36; assumption (value)",
     "Performance gained from a perfect innovation once fully embedded.")
_add("improvement_rate", 0.0055, 0.0, 0.2, "per month", G, "000:157; 003:199; 000:919 (anchor)",
     "Continuous improvement: the monthly gain, as a share of the gap below aspiration, of a field "
     "with full capacity under full pressure or recognised failure; 0 = only innovation improves.")
_add("diversion_cost", 0.12, 0.0, 0.5, "level 0-1", G, "004:42-43, 145-149",
     "Performance lost while resources are diverted into unproven work (the J-curve).")

# --- Lifecycle (004:105-218; 000:215-239) ----------------------------------------------------
G = "lifecycle"
_add("recognition_rate", 0.05, 0.0, 1.0, "per month", G, "000:1285",
     "How fast a performance gap becomes recognised when nothing forces it into view.")
_add("trigger_rate", 0.25, 0.0, 5.0, "per month", G, "004:548-554; 000:1285",
     "Scale of the monthly chance that recognised failure, pressure and authority trigger design.")
_add("efficiency_threat", 0.0, 0.0, 1.0, "weight", G, "004:548; 003:197-200, 340",
     "How far the efficiency squeeze (efficiency pressure felt from outside) makes a field aware it "
     "must change even where it does not fail: 'awareness of threat or failure'. Off by default: tried "
     "at 1, it failed its pre-registered test (docs/ODD.md 7.5, section 8).")
_add("trigger_steepness", 3.0, 1.0, 6.0, "exponent", G, "000:215, 1283-1285",
     "How sharply the chance of triggering rises with the will to change: factors must align "
     "'at a particular time'; a little of each does little.")
_add("opportunity_rate", 0.0005, 0.0, 0.05, "per month", G, "004:548-550",
     "Chance per month that a new opportunity alone triggers design ('occasionally').")
_add("spawn_rate", 0.4, 0.0, 1.0, "per month", G, "004:130-133",
     "Scale of the monthly chance that leadership launches a new trial during design.")
_add("max_trials", 6, 1, 12, "trials", G, "004:130-133; assumption (value)",
     "Most trials a field runs at once during design.", int)
_add("trial_quality_mean", 0.40, 0.05, 0.95, "level 0-1", G, "004:130-133; assumption (value)",
     "Mean quality of a new trial (Beta distributed); most trials are not good enough.")
_add("trial_quality_concentration", 5.0, 1.0, 50.0, "Beta a+b", G, "assumption",
     "How alike trials are in quality (higher = less spread).")
_add("proof_threshold", 0.5, 0.0, 1.0, "level 0-1", G, "004:130-133; assumption (value)",
     "Quality a completed trial needs to prove itself; below it, the pilot fails.")
_add("learning_from_failure", 0.0, 0.0, 1.0, "share", G, "000:1462; 003:210, 656, 702",
     "Share of the best quality among innovations a field has tried and lost that its next trial "
     "keeps: lessons 'captured and not lost as a new innovation cycle begins'. Off by default: tried "
     "at 1, it failed its pre-registered test (docs/ODD.md 7.6, section 8).")
_add("trial_progress_rate", 0.10, 0.01, 1.0, "per month", G, "assumption",
     "Progress of a trial per month at full capacity (1 = complete).")
_add("trial_failure_rate", 0.05, 0.0, 1.0, "per month", G, "004:126-130",
     "Monthly chance that resisters kill a trial, scaled by the resistant culture.")
_add("capacity_threshold", 0.2, 0.0, 1.0, "level 0-1", G, "004:126-130",
     "Capacity that must materialise before a proven trial can be mobilised.")
_add("value_threshold", 0.03, 0.0, 0.3, "performance gain", G, "004:33-36, 139-145",
     "Realised value (performance gained since the trigger, smoothed) at which an innovation has "
     "proved its worth at scale: below it a field cannot mainstream, and a field in mobilisation "
     "or later that falls short of it is disappointed and may fall back.")
_add("handover_rate", 0.15, 0.0, 1.0, "per month", G, "004:150-154",
     "Scale of the monthly chance that early innovators hand control to managers.")
_add("alignment_rate", 0.06, 0.0, 1.0, "per month", G, "004:185-188",
     "Speed of aligning the innovation with finance, HR, IT and performance management.")
_add("reversal_rate_design", 0.02, 0.0, 1.0, "per month", G, "004:126-130; 004:29-30",
     "Scale of the monthly chance that design collapses back to latent.")
_add("reversal_rate_mobilisation", 0.02, 0.0, 1.0, "per month", G, "004:150-154; 004:29-30",
     "Scale of the monthly chance that mobilisation falls back to design.")
_add("reversal_rate_mainstreaming", 0.02, 0.0, 1.0, "per month", G, "004:188-190; 004:29-30",
     "Scale of the monthly chance that mainstreaming falls back (the most fragile phase).")
_add("reversal_rate_embedding", 0.02, 0.0, 1.0, "per month", G, "004:21-26; 004:29-30",
     "Scale of the monthly chance that an embedded innovation stagnates back to mainstreaming.")
_add("opposition", 0.3, 0.0, 1.0, "level 0-1", G, "004:150-152",
     "Strength of opponents who mobilise against an innovation whose value is not yet visible.")
_add("complacency_rate", 0.03, 0.0, 1.0, "per month", G, "004:21-23; 000:1430",
     "How fast complacency builds in an embedded field when pressure is absent.")
_add("balance_threshold", 0.6, 0.0, 1.0, "ratio", G, "004:196-210",
     "Weakest corner / strongest corner needed for sustainable embedding.")
_add("spillover_strength", 0.03, 0.0, 1.0, "per month", G, "004:3-8; 000:1305",
     "Monthly trigger chance an embedded field adds to another field, times the two fields' cross-link "
     "density (ODD 7.9; 0.03-0.08 in the default locality, so about 0.002 a month per embedded field).")
_add("overstretch_threshold", 2, 1, 8, "projects", G, "003:532-533",
     "Concurrent innovating fields a locality can carry before capacity is overstretched.", int)
_add("overstretch_penalty", 0.25, 0.0, 1.0, "fraction", G, "003:532-533",
     "Capacity lost per project beyond the threshold.")

# --- Agents: leadership, culture, resources (000:215-239 factors 3, 4, 6) ----------------------
G = "agents"
_add("leader_drive", 0.45, 0.0, 1.0, "level 0-1", G, "000:229; assumption (value)",
     "Mean entrepreneurial drive of incumbent senior leaders.")
_add("new_leader_drive", 0.9, 0.0, 1.0, "level 0-1", G, "000:229, 1287",
     "Drive of a newly arrived (often external, charismatic) leader.")
_add("new_leader_push_months", 24.0, 1.0, 240.0, "months", G, "000:1287; 000:1154",
     "Time over which a new leader's push for change fades by about two thirds.")
_add("risk_appetite", 0.4, 0.0, 1.0, "level 0-1", G, "000:230; 003:436",
     "Leaders' willingness to take risks (responsive culture).")
_add("openness", 0.5, 0.0, 1.0, "level 0-1", G, "000:230; 004:126-130",
     "Staff openness to change (1 - resistance).")
_add("staff_slack", 0.5, 0.0, 1.0, "level 0-1", G, "000:232",
     "Staff time and resources free to implement new ideas.")
_add("skill", 0.6, 0.0, 1.0, "level 0-1", G, "003:589",
     "Management and staff capability.")
_add("funding_effect", 0.05, 0.0, 1.0, "slack per unit", G, "003:641; 004:571-574",
     "Capacity slack added by a grant of magnitude 1: a weak lever.")
_add("funding_pressure_relief", 0.3, 0.0, 1.0, "fraction", G, "004:571-574",
     "How much a grant relieves efficiency pressure ('money has propped up failing structures').")
_add("influence_rate", 0.15, 0.01, 1.0, "per month", G, "assumption",
     "How fast agents' states move towards what their links and traits support.")
_add("flow_gain", 1.4, 0.5, 3.0, "multiplier", G, "assumption",
     "Scale of what agents can reach from their own traits and what flows in along their links: "
     "with 1, even strong links and able agents settle well below the top of the scale.")
_add("culture_rate", 1 / 36, 0.0, 0.5, "per month", G, "000:229, 1216, 1289",
     "How fast staff openness moves towards the drive of the field's strongest leader (leaders "
     "build culture over about three years); it fades four times slower when they go.")
_add("pressure_enables", 1.0, 0.0, 3.0, "multiplier", G, "000:217, 405; 004:50-52",
     "How much pressure and recognised underperformance speed every later phase (trial progress, "
     "handover, alignment), not only trigger change; pressure also authorises leaders, with a fixed "
     "weight of 0.3.")
_add("success_link_gain", 0.5, 0.0, 1.0, "multiplier", G, "004:139-146; assumption (value)",
     "How much an innovation that shows its value strengthens the links from authorising leaders "
     "to the people implementing it: their inflow is multiplied by 1 + this x success (0 = knock-out).")
_add("own_weight", 0.3, 0.0, 1.0, "fraction", G, "assumption",
     "Weight of an agent's own traits against what flows in along its links.")
_add("election_turnover", 0.35, 0.0, 1.0, "probability", G, "000:1430; assumption (value)",
     "Chance that an election replaces the political leader.")

# --- Region: many localities on a peer network, and the central levers (003, 004:995-1001) --------
# Settings of a scenario's [region] table (``--set region.<name>=value``), not of a locality.
G = "region"
_add("councils", 388, 0, 388, "count", G, "003:781", "Councils, drawn from the 2006 roster in region order.", int)
_add("fire_authorities", 47, 0, 47, "count", G, "003:781", "Fire and rescue authorities.", int)
_add("spread_scale", 1.0, 0.0, 3.0, "multiplier", G, "assumption",
     "Scales every standard deviation in [region.spread]: how different places are.")
_add("followers", 0.5, 0.0, 1.0, "share", G, "004:995-1001; 003:347 (value: assumption)",
     "Share of places that 'watch and copy': they innovate less on their own and lean on examples.")
_add("follower_own_rate", 0.4, 0.0, 1.0, "multiplier", G, "004:995-999; assumption (value)",
     "A follower's own trigger rate, relative to an innovator's.")
_add("follower_pull", 2.0, 1.0, 10.0, "multiplier", G, "004:995-999; assumption (value)",
     "How much more a follower is moved by examples than an innovator.")
_add("sharers", 0.6, 0.0, 1.0, "share", G, "003:670",
     "Share of places with mechanisms to share their innovations (60%, 003:670).")
_add("example_strength", 0.02, 0.0, 1.0, "per month", G, "003:344; value calibrated per scenario (England 2006: 0.381)",
     "Monthly trigger hazard added by full exposure to examples elsewhere.")
_add("face_degree", 6.0, 0.0, 50.0, "links", G, "003:673, 710 (regional network meetings); assumption (value)",
     "Mean face-to-face contacts of a place within its English region.")
_add("written_degree", 10.0, 0.0, 100.0, "links", G, "003:672, 711; assumption (value)",
     "Mean written contacts (websites, publications) of a place with places of its own type, nationwide.")
_add("written_weight", 0.3, 0.0, 1.0, "weight", G, "003:672 (face-to-face strongest); assumption (value)",
     "Strength of a written channel relative to a face-to-face one (1).")
_add("adaptation_sd", 0.15, 0.0, 1.0, "log-sd", G, "003:656 ('second wave'); 003:672 (context); assumption",
     "Spread of an idea's fit to an adopter: fit = exp(N(0, sd)), so some adopters do better than the originator.")
_add("access_limited", 1, 0, 2, "rule", G, "003:347, 657 (only a quarter can access relevant examples); 003:716",
     "A place adapts an idea shown elsewhere only if it gets access, with the chance its exposure gives, "
     "and then the best idea on show to it (1); 2 = each source reached with its own chance, the offer the "
     "best of those reached (England ABC plan Addendum 18); 0 = every place exposed at all is offered the "
     "best idea on show (before December 2026).", int)
_add("dissemination_cost", 0.02, 0.0, 0.5, "slack per adopter", G, "003:718; assumption (value)",
     "Staff slack an innovator loses per peer it is helping adopt (Beacons are reimbursed).")
_add("beacon_scheme", 1, 0, 1, "on/off", G, "003:717-718, 722",
     "Beacon scheme: each year the leading innovators become Beacons for two years.", int)
_add("beacon_awards", 12, 0, 100, "per year", G, "003:718; assumption (value)",
     "Beacon awards a year.", int)
_add("beacon_by_field", 0, 0, 1, "on/off", G, "000:250-252, 708, 1484 (awards for a theme of service); "
     "England ABC plan Addendum 20",
     "Beacon status is awarded for a field (a theme), shared evenly among the fields each year, to the "
     "places with most public value in it; the Beacon shows that field only (1). 0 = awarded to the "
     "places with most fields mainstreamed, which show every proven field.", int)
_add("beacon_reach", 0.05, 0.0, 1.0, "weight", G, "003:706, 718; assumption (value)",
     "Face-to-face showcase link from a Beacon to every other place (open days, visits).")
_add("intermediaries", 1.0, 0.0, 5.0, "multiplier", G, "003:716-720 (IDeA, LGA, regional centres)",
     "Support for intermediaries and spread: scales every channel between places.")
_add("inspection_interval", 12, 0, 120, "months", G, "003:260-261 (CPA); assumption (value)",
     "Months between inspection rounds (0 = no inspection regime).", int)
_add("inspection_threshold", 0.45, 0.0, 1.0, "performance", G, "003:58, 298; assumption (value)",
     "A field performing below this fails its inspection.")
_add("inspection_strength", 0.6, 0.0, 2.0, "magnitude", G, "000:90; 003:338; assumption (value)",
     "Magnitude of the underperformance shock a failed inspection gives.")
_add("fund_share", 0.13, 0.0, 1.0, "share a year", G, "003:644 (13% have innovation funds)",
     "Share of places awarded a two-year innovation grant each year (innovation fund).")
_add("fund_size", 1.0, 0.0, 5.0, "magnitude", G, "003:640-644; assumption (value)",
     "Size of an innovation-fund grant (a funding_start shock on the place's worst field).")
_add("burn_in", 0, 0, 240, "months", G, "003:281 (67% innovating by 2000); assumption (value)",
     "Months the places run before month 0, without the central levers, so that they start where "
     "their own history has taken them rather than all latent.", int)
_add("chief_executive_turnover", 0.0, 0.0, 1.0, "chance a year", G, "000:1287 (outsiders brought in), 003:282; "
     "England ABC plan Addendum 26; assumption (value)",
     "Each May, each place's chief executive leaves with this chance and an outsider arrives (a leader_arrival "
     "shock, magnitude 1), in the burn-in too. 0 = leaders never change unless an event says so.")
_add("election_rate", 0.0, 0.0, 1.0, "chance a year", G, "003:282 (changes of political control); "
     "England ABC plan Addendum 26; assumption (value)",
     "Each May, each place holds an election with this chance (an election shock, magnitude 1), in the "
     "burn-in too. 0 = no elections unless an event says so.")
_add("arrivals_keep_group_drive", 0, 0, 1, "on/off", G, "003:284 (groups differ), 000:1287 (outsiders); "
     "England ABC plan Addendum 30; assumption",
     "An outsider arriving as a leader has the place's group offsets of leader_drive on new_leader_drive too "
     "(1): places recruit leaders like their incumbents. 0 = every arrival has new_leader_drive.", int)
_add("survey_month", 77, 0, 1200, "month", G, "003:267, 783 (survey June 2006)",
     "Month of the survey the region is compared with (default June 2006 from January 2000).", int)

# Settings added after results were recorded whose default is the earlier model exactly: a digest
# (Scenario.identity) leaves them out at their default, so recorded folders stay resumable.
ADDED_AT_DEFAULT = {"region": {"beacon_by_field", "chief_executive_turnover", "election_rate",
                               "arrivals_keep_group_drive"}, "parameters": set()}

REGISTRY: dict[str, Param] = {p.name: p for p in _P if p.group != "region"}  # a locality's parameters
REGION_PARAMS: dict[str, Param] = {p.name: p for p in _P if p.group == "region"}  # a region's settings
del _P, G


def defaults() -> dict[str, float | int]:
    return {name: p.default for name, p in REGISTRY.items()}


def suggest(name: str) -> str:
    close = difflib.get_close_matches(name, REGISTRY, n=1, cutoff=0.5)
    return f" (did you mean '{close[0]}'?)" if close else ""


def resolve(overrides: dict[str, Any] | None = None, where: str = "") -> dict[str, float | int]:
    """Defaults updated with ``overrides``, every value checked against the registry."""
    params = defaults()
    prefix = f"{where}: " if where else ""
    for name, value in (overrides or {}).items():
        if name not in REGISTRY:
            raise ParameterError(f"{prefix}unknown parameter '{name}'{suggest(name)}")
        params[name] = REGISTRY[name].check(value, where)
    return params


def region_markdown_table() -> str:
    """The region parameter table for docs/ODD.md (section 10), generated from REGION_PARAMS."""
    rows = ["| name | default | range | unit | meaning | source |", "|---|---|---|---|---|---|"]
    for p in REGION_PARAMS.values():
        rows.append(f"| `{p.name}` | {p.default} | {p.low} – {p.high} | {p.unit} | {p.help} | {p.source} |")
    return "\n".join(rows)


def markdown_table() -> str:
    """The parameter table for docs/ODD.md, generated from the registry."""
    rows = ["| group | name | default | range | unit | meaning | source |", "|---|---|---|---|---|---|---|"]
    for p in REGISTRY.values():
        rows.append(
            f"| {p.group} | `{p.name}` | {p.default} | {p.low} – {p.high} | {p.unit} | {p.help} | {p.source} |"
        )
    return "\n".join(rows)
