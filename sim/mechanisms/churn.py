"""Mechanism 10: political churn; government sponsors change (ODD 7.10)."""

from __future__ import annotations

import numpy as np

from ..params import Params


def sponsor_changes(
    government_members: int, params: Params, rng: np.random.Generator
) -> np.ndarray:
    """Which government members' sponsors change this week (a reshuffle or an election)."""
    return rng.random(government_members) < 1.0 / params.sponsor_term_weeks


def shock(params: Params) -> float:
    """Engagement and momentum a sponsor's departure costs; backing by other leaders softens it."""
    return params.churn_shock * (1.0 - params.leadership_backing)
