"""The Audit Commission survey (003:267, 284) the model is compared with: its answers, its figures,
and the rule by which a place's phases give its answer. Below both Locality and Region, which use it."""

from __future__ import annotations

import numpy as np

from .lifecycle import Phase

CATEGORIES = ("hardly any", "some", "a great deal")  # the survey's answers (003:267)
SURVEY = {"a great deal": 0.43, "some": 0.52, "hardly any": 0.02}  # 003:267 (3% other answers)
# 003:284: 'a great deal' in fire authorities 57%, North West 63%; London, East Midlands and South
# West "around a third".
SURVEY_GROUPS = {"fire": 0.57, "north_west": 0.63, "london": 0.33, "east_midlands": 0.33, "south_west": 0.33}


def classify(phase: np.ndarray) -> np.ndarray:
    """The survey's answer for each place (last axis = fields), as a code into CATEGORIES, from the
    place's own phase, the phase of its leading innovation (``Locality.locality_phase``, 004:274):
    'hardly any' while every field is latent, 'some' while the leading innovation is in design &
    discovery (experiments, trials), 'a great deal' once one has been proven and is mobilised,
    mainstreamed or embedded. The rule is an assumption (003:267 gives only the answers); why it
    does not count concurrent fields is in docs/ODD.md, "Region"."""
    lead = phase.max(axis=-1)
    return np.where(lead >= Phase.MOBILISATION, 2, np.where(lead >= Phase.DESIGN, 1, 0)).astype(np.int8)
