"""The lifecycle of a service field: phases and the pure rules for moving between them.

Phases follow 004:230-259 (Figure 4). Every rule here is a function of arrays (one entry per
field) returning monthly probabilities, so that it can be tested on its own.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class Phase(IntEnum):
    LATENT = 0
    DESIGN = 1
    MOBILISATION = 2
    MAINSTREAMING = 3
    EMBEDDING = 4

    @property
    def label(self) -> str:
        return PHASE_NAMES[self]


PHASE_NAMES = ("latent", "design & discovery", "mobilisation", "mainstreaming", "embedding")

# Share of the diversion cost paid in each phase: resources are diverted into unproven work
# while it is designed and mobilised (004:145-149), less once it is mainstream; assumption.
EFFORT = np.array([0.0, 1.0, 0.6, 0.3, 0.0])
# How much of an innovation's potential uplift is realised in each phase: value "first becomes
# visible" in mobilisation (004:139-141) and is fully delivered once embedded; assumption.
MATURITY = np.array([0.0, 0.0, 0.6, 0.7, 1.0])
# An innovation's value builds up over its first months in a phase, as people learn to use it: the
# uplift of a new phase ramps in over RAMP_MONTHS, while the resources it diverts are spent at
# once, so each step forward first looks like a failure (004:42-43, 145-149); assumption (value).
RAMP_MONTHS = 6


def maturity(held, phase, months_in_phase):
    """Share of the innovation's potential uplift realised now: from ``held``, what the field had
    when it entered its phase, to the phase's MATURITY over RAMP_MONTHS (validation-plan Addendum
    16: before, the ramp started from the MATURITY of the phase below, so a fall-back lost its whole
    uplift at once and entering embedding from full alignment dropped 1.1 to 0.7)."""
    return held + (MATURITY[phase] - held) * np.minimum(months_in_phase / RAMP_MONTHS, 1.0)


# Realised value is performance gained since the trigger, smoothed over about half a year: people
# judge an innovation on what they have seen lately, not on one month (assumption).
VALUE_SMOOTHING = 1.0 / 6
# Months a field is given in a phase before value that falls short disappoints: "every success
# looks like a failure in the middle" (004:42-43), and the first eighteen months are "extremely
# challenging" (000:1154); assumption (value).
PATIENCE_MONTHS = 24  # two years: longer than the eighteen hard months
WEAKNESS_WEIGHT = 3.0  # weight of a triangle short of its phase's needs in the reversal hazard; assumption
DISAPPOINTMENT_WEIGHT = 3.0  # disappointment's weight against weakness in the reversal hazard; assumption
# How much each phase relies on entrepreneurial leadership: design most (004:115-126), still in
# mobilisation (004:139-141) and mainstreaming, where weak leadership "will most threaten
# success" (004:188-190); little once embedded, since the culture leaders build can outlast them
# (000:1216). Values are an assumption.
LEADERSHIP_NEED = np.array([0.0, 1.5, 1.2, 1.0, 0.1])


def hazard_to_probability(hazard: np.ndarray) -> np.ndarray:
    """Monthly probability of an event with the given (non-negative) rate."""
    return -np.expm1(-np.maximum(hazard, 0.0))


def enabling(pressure, recognition, strength):
    """How much pressure and recognised underperformance speed change after the trigger: they
    enable later phases as well as trigger the first (000:217); a crisis "accelerated" change
    (000:405). 1 = no help; non-decreasing in each argument."""
    return 1.0 + strength * 0.5 * (pressure + recognition)


def improvement_step(rate, capacity, focus, gap):
    """A month of continuous improvement (docs/ODD.md 7.10): "a statutory duty to undertake
    continuous improvement", done "much more" where provision is poor (000:157), by the
    organisation (capacity), where pressure and recognised failure point (focus), with gains that
    shrink as the gap closes (003:199). All arguments in [0, 1]; the result is >= 0."""
    return rate * capacity * focus * gap


def smooth_value(realised, performance, at_trigger):
    """Realised value: the smoothed gain of performance over its level when the field started."""
    return realised + VALUE_SMOOTHING * ((performance - at_trigger) - realised)


def success(realised, threshold, phase):
    """How far a started field's innovation has shown the value that proves it (004:139-146), in
    [0, 1]: 0 while it shows nothing (or a loss) or the field is latent, 1 at ``threshold``."""
    shown = np.minimum(np.maximum(realised / np.maximum(threshold, 1e-9), 0.0), 1.0)
    return np.where(phase >= 1, shown, 0.0)


def disappointment(realised, threshold, months_in_phase, phase):
    """How far realised value falls short of what proves an innovation (004:33-36, 139-141), in
    [0, 1], for fields in mobilisation or later that have had PATIENCE_MONTHS to show it."""
    short = np.minimum(np.maximum((threshold - realised) / np.maximum(threshold, 1e-9), 0.0), 1.0)
    return np.where((phase >= 2) & (months_in_phase >= PATIENCE_MONTHS), short, 0.0)


def awareness(recognition, threat, squeeze):
    """Awareness that a field must change: recognised failure, or the threat of the efficiency
    squeeze (``squeeze``: efficiency pressure felt from outside, weighted by ``threat``) where it does
    not fail: "awareness of threat or failure" (004:548; 003:197-199, 340). A failing field is still
    the more alarmed (003:200). The squeeze counts up to 1 (its external weight may exceed 1), so
    the result is in [0, 1] for ``recognition`` and ``threat`` in [0, 1]; non-decreasing in each."""
    return recognition + (1.0 - recognition) * threat * np.minimum(squeeze, 1.0)


def will_to_change(recognition, internal, external, authority, drive):
    """The will to change, channelled by people with authority to act (004:548-554).

    Recognised failure times internal pressure, amplified (not replaced) by external pressure:
    external pressure "requires internal pressure to act as a catalyst" (000:187); awareness
    alone is not enough without the decision to act (000:1285). Authority and entrepreneurial
    drive channel it (004:115-121). Every argument is in [0, 1] or >= 0; the result is
    non-decreasing in each.
    """
    return recognition * internal * (1.0 + external) * authority * (0.5 + drive)


def trigger_probability(will, rate, steepness, opportunity, spillover):
    """Monthly chance that a latent field enters design: the will to change raised to
    ``steepness`` (factors must align "at a particular time", 000:215), a rare new opportunity
    (004:548-550), and inspiration from embedded fields (004:3-8)."""
    return hazard_to_probability(rate * will**steepness + opportunity + spillover)


def spawn_probability(rate, authority, drive, risk_appetite, clique, overstretch):
    """Monthly chance of launching a new trial in design: leadership demands change (004:115-121),
    a risk-accepting culture tries more (000:230), a dense core clique speeds early work
    (004:465-478), an overstretched locality launches fewer (003:532-533)."""
    p = rate * authority * (0.5 + drive) * (0.5 + risk_appetite) * (1.0 + 0.5 * clique)
    return np.minimum(np.maximum(p * (1.0 - overstretch), 0.0), 1.0)  # np.clip's wrapper costs more


def trial_failure_probability(rate, openness, capacity):
    """Monthly chance that resisters and a resistant culture crush a trial (004:126-130)."""
    return hazard_to_probability(rate * (1.0 + 2.0 * (1.0 - openness)) * (1.5 - capacity))


def reversal_probability(phase, rate, adequacy, resistance, opposition, value,
                         authority, capacity, complacency, drive, disappointed=0.0):
    """Monthly chance of falling back one phase ("at each point of transition the process may go
    into reverse", 004:29-30). ``rate`` is the base reversal rate of each field's current phase
    (``base_rates[phase]``; any value for latent, which never reverses).

    In every phase: the triangle falling short of what the phase demands (``adequacy``), and a
    lack of entrepreneurial leadership weighted by LEADERSHIP_NEED (over-reliance on leaders,
    000:475), both worse in a resistant culture. Besides:
    - design: capacity does not materialise or resisters are too strong (004:126-130);
    - mobilisation: "mobilisation by enemies" while value is not yet visible, and early innovators
      who hold on to control when management is weaker than authority (004:150-154);
    - mainstreaming: weak leadership, management or partnerships (004:188-190);
    - embedding: complacency and stagnation (004:21-23), low while the triangle holds (004:23-26).
    From mobilisation on, value that disappoints (``disappointed``, see ``disappointment``) is a
    reason to go back (004:33-36, 139-141).
    """
    weakness = WEAKNESS_WEIGHT * (1.0 - adequacy) + LEADERSHIP_NEED[phase] * (1.0 - drive)
    h = rate * weakness * (1.0 + resistance)
    # Each term below adds 0 (or keeps h) where no field is in its phase: skipped then (speed).
    mob = phase == 2
    if mob.any():
        h = h + mob * rate * (opposition * (1.0 - value) + np.maximum(authority - capacity, 0.0))
    emb = phase == 4
    if emb.any():
        h = np.where(emb, rate * (0.5 * weakness + 2.0 * complacency), h)
    if np.any(disappointed):
        h = h + rate * DISAPPOINTMENT_WEIGHT * disappointed
    return hazard_to_probability(np.where(phase == 0, 0.0, h))


def handover_probability(rate, capacity, authority):
    """Monthly chance that control passes to people with management skills (004:150-154):
    likelier the stronger management is relative to the original authorisers."""
    return np.minimum(np.maximum(rate * capacity * (1.0 + capacity - authority), 0.0), 1.0)


MAX_OVERSTRETCH = 0.9  # an overstretched locality still keeps a tenth of its capacity; assumption


def overstretch(active_projects, threshold, penalty):
    """Fraction of capacity lost by carrying too many projects at once (003:532-533); arrays or
    scalars (one entry per place)."""
    return np.minimum(MAX_OVERSTRETCH, penalty * np.maximum(0, np.asarray(active_projects) - threshold))
