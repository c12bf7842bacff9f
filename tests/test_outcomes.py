"""Outcomes are declared once (model/core/outcomes.py): the sweep's columns and what each model's
outcomes() returns agree with the declarations."""

import math

from model import Locality, Outcome
from model.core.outcomes import LOCALITY_OUTCOMES, REGION_OUTCOMES, outcome_columns
from model.io.scenario import load


def test_locality_outcomes_match_their_declared_columns():
    m = Locality(seed=4).run_for(24)
    out = m.outcomes()
    assert Locality.OUTCOMES is LOCALITY_OUTCOMES
    assert list(out) == outcome_columns(m.fields)
    assert all(isinstance(v, float) for v in out.values())
    assert out["public_value"] == float(m.public_value.sum())


def test_region_outcomes_match_their_declared_columns():
    s = load("england_2006").with_overrides(parameters={"region.councils": 10, "region.fire_authorities": 2})
    r = s.build(1).run_for(s.months)
    out = r.outcomes()
    assert type(r).OUTCOMES is REGION_OUTCOMES
    assert sorted(out) == sorted(outcome_columns(r.fields, region=True))
    assert math.isclose(sum(out[f"share_{c}"] for c in ("a_great_deal", "some", "hardly_any")), 1.0)


def test_declarations_are_well_formed():
    for group in (LOCALITY_OUTCOMES, REGION_OUTCOMES):
        assert all(isinstance(o, Outcome) and o.kind in ("scalar", "per field") and o.description
                   and o.direction in ("maximise", "minimise", "info") for o in group)
        keys = [(o.name, o.kind) for o in group]
        assert len(keys) == len(set(keys))
