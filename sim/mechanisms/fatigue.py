"""Mechanism 12: members' time and fatigue (ODD 7.13).

Talk and action come out of each member's finite capacity. A sprint draws on it intensively:
at full intensity a member gives `sprint_hours` of its capacity on top of its usual time.
Time given beyond capacity builds fatigue, which recovers only between sprints, and a tired
member weighs its fatigue against what the partnership gives it (7.6), so intensity without
rest burns members out.
"""

from __future__ import annotations

import numpy as np

from ..params import Params


def overtime(in_sprint: bool, params: Params) -> float:
    """How many times its usual time a member gives in this week (`fatigue.overtime`): 1, or
    1 + `sprint_hours` x the sprint intensity delivered in a sprint week."""
    return 1.0 + params.sprint_hours * params.sprint_intensity if in_sprint else 1.0


def update(
    fatigue: np.ndarray, engagement: np.ndarray, hours: float, in_sprint: bool, params: Params
) -> np.ndarray:
    """This week's fatigue (`fatigue.update`): time given beyond capacity, engagement x hours
    above 1, adds `fatigue_build` of itself; between sprints a `fatigue_recovery` share of
    what was built wears off."""
    overload = np.maximum(engagement * hours - 1.0, 0.0)
    built = fatigue + params.fatigue_build * overload
    if not in_sprint:
        built = built * (1.0 - params.fatigue_recovery)
    return np.clip(built, 0.0, 1.0)


def cost(fatigue: np.ndarray, params: Params) -> np.ndarray:
    """What fatigue weighs in a member's appraisal (`fatigue.cost`), beside talk and frustration."""
    return params.fatigue_cost * fatigue
