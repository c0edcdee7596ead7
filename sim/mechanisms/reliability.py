"""Mechanism 14: members who differ in reliability, and free-riding when nobody sees (ODD 7.15).

Each organisation has a reliability in [0, 1]. In a week a member of reliability rho shirks
with probability (1 - rho)(1 - v), v the visibility of contributions (7.5): the platform
that shows contributions also curbs free-riding. A shirking member delivers only
`shirk_share` of what it would have brought; its partners judge that shortfall as far as they
see it (7.5), so breaches and trust breakdowns can emerge without a forced breach.
"""

from __future__ import annotations

import numpy as np

from ..params import Params


def draw(n: int, params: Params, rng: np.random.Generator) -> np.ndarray:
    """Each organisation's reliability: 1 - `reliability_spread` x U(0, 1); all 1 (and no draw)
    when the spread is 0."""
    if params.reliability_spread == 0:
        return np.ones(n)
    return 1.0 - params.reliability_spread * rng.random(n)


def shirking(reliability: np.ndarray, visibility: float, rng: np.random.Generator) -> np.ndarray:
    """Which members shirk this week (`reliability.shirking`); no draw when all are reliable."""
    chance = (1.0 - reliability) * (1.0 - visibility)
    if not chance.any():
        return np.zeros(reliability.size, dtype=bool)
    return rng.random(reliability.size) < chance
