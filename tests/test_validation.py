"""The validation command's bookkeeping: exit codes and the strict known-disagreement marker."""

import pytest

import model.experiments.validation as v


def _fake(id, passed, known=None):
    return v.Check(id, f"claim {id}", "000:1", lambda n: v.Result(f"stat {id}", "expected", passed), known)


@pytest.mark.parametrize("second, status, code", [
    (_fake(2, None), "not run", 0),
    (_fake(2, False), "FAIL", 1),                             # an honest failure fails the run
    (_fake(2, False, "ODD section 8"), "disagrees (known)", 0),  # a recorded disagreement does not
    (_fake(2, True, "ODD section 8"), "XPASS", 1),            # ...but passing while marked does
])
def test_exit_code_counts_failures_and_unexpected_passes(monkeypatch, capsys, tmp_path, second, status, code):
    monkeypatch.setattr(v, "CHECKS", [_fake(1, True), second])
    assert v.command(quick=True, out=str(tmp_path), only=None) == code
    out = capsys.readouterr().out
    assert "[ 1] pass" in out and f"[ 2] {status}" in out
    assert status in (tmp_path / "validation.md").read_text()


def test_check6_lowering_leaves_the_control_untouched_and_lowers_the_corner():
    """Check 6's knock-out arm: lowering a corner and then restoring it leaves a run that was never
    lowered untouched; a lowered corner settles about 0.1 lower."""
    from model import Locality
    control = Locality(seed=3, events=v.push()).run_for(30)
    undone = Locality(seed=3, events=v.push())
    f = undone.field_index(v.FIELD)
    undone.lower_corner(f, 1, 0.1)
    undone.lower_corner(f, 1, 0.0)  # restored before it acted
    undone.run_for(30)
    assert control.timeseries().equals(undone.timeseries())
    lowered = Locality(seed=3, events=v.push())
    lowered.lower_corner(f, 1, 0.1)
    lowered.run_for(30)
    assert 0.05 < control.corners[f, 1] - lowered.corners[f, 1] < 0.15
    assert v.progress_after(1001, 1, 0) == v.progress_after(1001, 1, 0)  # same seed, same answer
