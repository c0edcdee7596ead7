"""Mechanism 7: what the public sees of claims and action (ODD 7.7); `sim.public` judges it."""

from __future__ import annotations

import numpy as np

from ..params import Params
from ..sectors import CIT, CIV


def claims(propensity: np.ndarray, capacity: np.ndarray, params: Params) -> float:
    """Claims as the public sees them: how loudly, by whom, through how open a window."""
    if capacity.sum() == 0:
        return 0.0
    loudness = float(np.average(propensity, weights=capacity))
    return params.communication * loudness * (0.5 + 0.5 * params.transparency)


def action_visibility(params: Params) -> float:
    """Share of contributions and action that can be seen: the platform opens the window."""
    return params.base_visibility + (1.0 - params.base_visibility) * params.transparency


def visible_action(contribution: float, capacity: float, params: Params) -> float:
    """Action as the public sees it: the members' joint action against what is expected."""
    if capacity <= 0:
        return 0.0
    level = min(1.0, contribution / capacity / params.expected_action)
    return action_visibility(params) * level


def voice(sector_counts: np.ndarray) -> float:
    """Whether civil society and citizens sit at the table: 1 once they are half the members."""
    total = sector_counts.sum()
    if total == 0:
        return 0.0
    return float(min(1.0, 2.0 * (sector_counts[CIV] + sector_counts[CIT]) / total))


def watchdog(sector_counts: np.ndarray, params: Params) -> float:
    """Extra scrutiny from civil-society members watching from inside."""
    total = sector_counts.sum()
    return params.watchdog * (sector_counts[CIV] / total if total else 0.0)


def composition_prior(sector_counts: np.ndarray, public_trust: np.ndarray) -> float:
    """The public's prior trust in the partnership: its trust in the sectors at the table."""
    if sector_counts.sum() == 0:
        return float(public_trust.mean())
    return float(np.average(public_trust, weights=sector_counts))
