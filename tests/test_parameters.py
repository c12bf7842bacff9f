import re

import pytest

from model.core.parameters import REGISTRY, ParameterError, defaults, markdown_table, resolve

CITATION = re.compile(r"^(\d{3}:\d+(-\d+)?(, \d+(-\d+)?)*(; )?)+|assumption")


@pytest.mark.parametrize("name", list(REGISTRY))
def test_every_parameter_is_documented_and_default_in_range(name):
    p = REGISTRY[name]
    assert p.help and p.unit and p.group
    assert CITATION.match(p.source), f"{name}: source must cite file:line or say 'assumption'"
    assert p.low <= p.default <= p.high
    assert isinstance(p.default, p.kind)


def test_resolve_defaults_and_override():
    assert resolve() == defaults()
    assert resolve({"openness": 0.9})["openness"] == 0.9
    assert resolve({"n_residents": 20.0})["n_residents"] == 20 and isinstance(resolve({"n_residents": 20.0})["n_residents"], int)


def test_unknown_parameter_suggests_nearest_name():
    with pytest.raises(ParameterError, match=r"unknown parameter 'opennes'.*did you mean 'openness'"):
        resolve({"opennes": 0.3})


@pytest.mark.parametrize("name,value,pattern", [
    ("openness", 1.5, r"out of range \(allowed: 0.0 to 1.0"),
    ("openness", "high", r"must be a number"),
    ("openness", True, r"must be a number"),
    ("n_residents", 10.5, r"whole number"),
    ("max_trials", 0, r"out of range"),
])
def test_bad_values_give_one_line_messages(name, value, pattern):
    with pytest.raises(ParameterError, match=pattern) as e:
        resolve({name: value}, where="scenario.toml")
    assert "\n" not in str(e.value) and str(e.value).startswith("scenario.toml: ")


def test_markdown_table_lists_every_parameter():
    table = markdown_table()
    for name in REGISTRY:
        assert f"`{name}`" in table


def test_odd_parameter_table_is_current():
    from model.io.docs import ODD, render
    text = ODD.read_text()
    assert render(text) == text, "docs/ODD.md is stale: run `python -m model.io.docs`"
