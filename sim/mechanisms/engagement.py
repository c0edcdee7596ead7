"""Mechanism 6: engagement rises with benefit, falls with cost and frustration; exit (ODD 7.6)."""

from __future__ import annotations

import numpy as np

from ..params import Params
from ..sectors import AGENDA_FIT, BENEFITS


def agenda_fit(sector: np.ndarray, convener: int, orchestration: float) -> np.ndarray:
    """How much of its own aims a member sees in the agenda; a backbone builds a common one."""
    return 1.0 - (1.0 - AGENDA_FIT[convener, sector]) * (1.0 - orchestration)


def benefit(signals: dict[str, np.ndarray | float], sector: np.ndarray, fit: np.ndarray,
            weights: np.ndarray) -> np.ndarray:
    """What each member gets from the partnership, weighted by what its sector wants (0-1)."""
    columns = np.column_stack([np.broadcast_to(signals[b], sector.shape) for b in BENEFITS])
    return fit * np.sum(weights[sector] * columns, axis=1)


def cost(talk: float, meeting_cost: np.ndarray, group_trust: np.ndarray,
         params: Params) -> np.ndarray:
    """What staying costs: the weight of talk-heavy weeks, and frustration with low trust."""
    frustration = 2.0 * np.maximum(params.frustration_trust - group_trust, 0.0)
    return meeting_cost * talk + frustration


def target(benefit_value: np.ndarray, cost_value: np.ndarray, params: Params) -> np.ndarray:
    """Engagement a member drifts towards: indifference plus benefit less cost."""
    return np.clip(params.engagement_baseline + benefit_value - cost_value, 0.0, 1.0)


def update(engagement: np.ndarray, target_value: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Close a sector-specific share of the gap to the target each week."""
    return np.clip(engagement + rate * (target_value - engagement), 0.0, 1.0)


def leaving(engagement: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """Members whose engagement fell below their exit threshold."""
    return engagement < threshold
