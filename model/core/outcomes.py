"""Every outcome a model reports at the end of a run, declared once: the sweep's columns, the
calibration targets an experiment may name and ``Locality.outcomes()`` / ``Region.outcomes()``
all come from here.

An ``Outcome`` is "scalar" (one value per run) or "per field" (one value per run and service
field, in a column ``<name>__<field slug>``). ``direction`` says which way is better, for
search and plots: "maximise", "minimise" or "info" (a description, neither better nor worse).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from .lifecycle import Phase
from .survey import CATEGORIES, SURVEY_GROUPS


INF = float("inf")
SHARE, PHASE, COUNT = (0.0, 1.0), (0.0, float(Phase.EMBEDDING)), (0.0, INF)


@dataclass(frozen=True)
class Outcome:
    name: str
    kind: Literal["scalar", "per field"]
    description: str
    direction: Literal["maximise", "minimise", "info"] = "info"
    bounds: tuple[float, float] = (-INF, INF)  # the values a run (and so a mean of runs) can take


LOCALITY_OUTCOMES: tuple[Outcome, ...] = (
    Outcome("public_value", "scalar", "Public value created, summed over fields (performance-years).", "maximise"),
    Outcome("reached_embedding", "scalar", "1 if any field reached embedding at any time, else 0.", "maximise", SHARE),
    Outcome("fields_embedded", "scalar", "Fields embedded at the end of the run.", "maximise", COUNT),
    Outcome("max_phase", "scalar", "Furthest phase any field reached (0-4).", "maximise", PHASE),
    Outcome("locality_phase", "scalar", "The locality's phase at the end: its leading innovation's (004:274).", "maximise",
            PHASE),
    Outcome("reversals", "scalar", "Backward phase transitions, summed over fields.", "minimise", COUNT),
    Outcome("failed_trials", "scalar", "Trials abandoned or failed, summed over fields.", "minimise", COUNT),
    Outcome("months_to_first_trigger", "scalar", "Month any field first left latent (NaN if none did).", "minimise",
            COUNT),
    Outcome("public_value", "per field", "Public value created in the field (performance-years).", "maximise"),
    Outcome("max_phase", "per field", "Furthest phase the field reached (0-4).", "maximise", PHASE),
)

# A region run's outcomes: the survey's answers at the survey month (003:267), 'a great deal' in
# the groups of 003:284, and diffusion between places (means over fields; months_to_majority and
# adapted_share average only the fields that got there, NaN if none did).
REGION_OUTCOMES: tuple[Outcome, ...] = (
    Outcome("share_a_great_deal", "scalar", "Share of places answering 'a great deal' at the survey month (003:267).",
            bounds=SHARE),
    Outcome("share_some", "scalar", "Share of places answering 'some' at the survey month (003:267).", bounds=SHARE),
    Outcome("share_hardly_any", "scalar", "Share of places answering 'hardly any' at the survey month (003:267).",
            bounds=SHARE),
    *(Outcome(f"great_deal__{g}", "scalar", f"Share of {g.replace('_', ' ')} places answering 'a great deal' "
                                            f"at the survey month (003:284).", bounds=SHARE) for g in SURVEY_GROUPS),
    Outcome("share_innovating_start", "scalar", "Share of places with a field out of latent in the 24 months "
            "before month 0 (the burn-in; 67% in the 2000 study, 003:281).", bounds=SHARE),
    Outcome("answer_performance_corr", "scalar", "Correlation across places between the survey answer and the "
            "mean performance of the place's fields at the survey month (none found, 003:262, 282).", bounds=(-1.0, 1.0)),
    Outcome("public_value", "scalar", "Public value per place at the end, summed over fields.", "maximise"),
    Outcome("adopted_share", "scalar", "Share of places that mainstreamed a field's innovation, mean over fields.",
            "maximise", SHARE),
    Outcome("months_to_majority", "scalar", "Months from the first adopter to a majority, mean over fields that got there.",
            "minimise", COUNT),
    Outcome("adapted_share", "scalar", "Share of adoptions that adapted an idea from elsewhere, mean over fields.",
            bounds=SHARE),
)


def slug(name: str) -> str:
    """A field name as a column-name suffix: 'children's services' -> 'children_s_services'."""
    return "".join(c if c.isalnum() else "_" for c in name).strip("_")


def columns(outcomes: tuple[Outcome, ...], fields) -> list[str]:
    """Column names of these outcomes for these fields: the scalars, then per field its values."""
    cols = [o.name for o in outcomes if o.kind == "scalar"]
    for f in fields:
        cols += [f"{o.name}__{slug(f)}" for o in outcomes if o.kind == "per field"]
    return cols


def column_bounds(column: str, region: bool = False) -> tuple[float, float]:
    """The values a column of ``outcome_columns`` can take (its outcome's ``bounds``)."""
    outcomes = REGION_OUTCOMES if region else LOCALITY_OUTCOMES
    scalar = next((o for o in outcomes if o.kind == "scalar" and o.name == column), None)
    field = next((o for o in outcomes if o.kind == "per field" and column.startswith(o.name + "__")), None)
    return (scalar or field).bounds if (scalar or field) else (-INF, INF)


def outcome_columns(fields, region: bool = False) -> list[str]:
    """The outcome columns of a sweep over a scenario with these fields (a region's if ``region``)."""
    return columns(REGION_OUTCOMES if region else LOCALITY_OUTCOMES, fields)


def locality_outcomes(model) -> dict[str, float]:
    """End-of-run measures of a finished Locality (from the recorded phases, without building frames)."""
    phases = np.stack(model.datacollector.model_vars["fields"])[:, :, 0]  # (steps, fields)
    triggered = np.flatnonzero((phases >= Phase.DESIGN).any(axis=1))
    maxp = phases.max(axis=0)
    out = {
        "public_value": float(model.public_value.sum()),
        "reached_embedding": float(maxp.max() >= Phase.EMBEDDING),
        "fields_embedded": float((model.phase == Phase.EMBEDDING).sum()),
        "max_phase": float(maxp.max()),
        "locality_phase": float(model.locality_phase),
        "reversals": float(model.reversals.sum()),
        "failed_trials": float(model.failed_trials.sum()),
        "months_to_first_trigger": float(triggered[0]) if len(triggered) else np.nan,
    }
    for i, f in enumerate(model.fields):
        s = slug(f)
        out[f"public_value__{s}"] = float(model.public_value[i])
        out[f"max_phase__{s}"] = float(maxp[i])
    return out


def region_outcomes(region) -> dict[str, float]:
    """End-of-run measures of a finished Region."""
    sv = region.survey().set_index("group")
    out = {f"share_{c.replace(' ', '_')}": float(sv.loc["all", c]) for c in CATEGORIES}
    for g in SURVEY_GROUPS:
        out[f"great_deal__{g}"] = float(sv.loc[g, "a great deal"]) if g in sv.index else np.nan
    out["share_innovating_start"] = float(region.innovated_before.mean())
    out["answer_performance_corr"] = region.answer_performance_corr()
    d = region.diffusion()
    out.update(public_value=float(region.aggregates().public_value.iloc[-1]),
               adopted_share=float(d.adopted_share.mean()),
               months_to_majority=float(d.months_to_majority.mean()),
               adapted_share=float(d.adapted_share.mean()))
    return out
