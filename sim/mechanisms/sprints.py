"""Mechanism 4: sprints after a design phase, and the early wins they make (ODD 7.4)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..params import Params
from .coordination import setup_weight

SETUP, SPRINT, BETWEEN = "setup", "sprint", "between"


@dataclass(frozen=True)
class Phase:
    name: str  # SETUP, SPRINT or BETWEEN
    sprint_ends: bool = False  # the last week of a sprint


def phase(week: int, params: Params) -> Phase:
    """Where week `week` (1-based) falls in the design's rhythm (`sprints.phase`)."""
    setup = params.design_phase_weeks if setup_weight(params) > 0 else 0
    if week <= setup:
        return Phase(SETUP)
    if params.sprint_intensity == 0:
        return Phase(BETWEEN)
    into = (week - setup - 1) % params.sprint_cadence_weeks
    if into < params.sprint_weeks:
        return Phase(SPRINT, sprint_ends=into == params.sprint_weeks - 1)
    return Phase(BETWEEN)


def action_multiplier(current: Phase, params: Params) -> float:
    """Set-up takes action for design work; nothing changes outside it."""
    if current.name == SETUP:
        return 1.0 - params.setup_talk * setup_weight(params)
    return 1.0


def talk_multiplier(current: Phase, params: Params) -> float:
    """A sprint cuts talk in favour of action."""
    if current.name == SPRINT:
        return 1.0 - params.sprint_talk_cut * params.sprint_intensity
    return 1.0


def focus(current: Phase, params: Params) -> float:
    """A sprint's focus makes joint work more productive."""
    if current.name == SPRINT:
        return 1.0 + params.sprint_focus * params.sprint_intensity
    return 1.0


def is_win(sprint_gain: np.ndarray, params: Params) -> bool:
    """A sprint that moved one facet by at least `win_threshold` is a visible early win."""
    return bool(sprint_gain.size and sprint_gain.max() >= params.win_threshold)


def win_glow(weeks_since_win: float, params: Params) -> float:
    """How present the last win is in members' minds: halves every `win_memory_weeks`."""
    if not np.isfinite(weeks_since_win):
        return 0.0
    return float(0.5 ** (weeks_since_win / params.win_memory_weeks))
