"""Mechanism 5: trust from observed contribution against expectation (ODD 7.5).

The pairwise update itself is `sim.trust.TrustMatrix.update`; this module says what members
observe and how much a curator's mediation softens losses.
"""

from __future__ import annotations

import numpy as np

from ..params import Params


def delivered(performance: np.ndarray, params: Params) -> np.ndarray:
    """How much of what partners hope for each member it contributed (0-1): builds trust."""
    return np.minimum(performance / params.expected_action, 1.0)


def shortfall(performance: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """How far each member fell behind the group's own norm this week (0-1): costs trust.

    Expectations are set by what the others do, so a member that does as little as everyone
    else in a talking shop breaks no trust; it just builds none.
    """
    norm = float(np.average(performance, weights=weights)) if weights.sum() > 0 else 0.0
    if norm <= 0:
        return np.zeros_like(performance)
    return np.clip(1.0 - performance / norm, 0.0, 1.0)


def loss_scale(params: Params) -> float:
    """Share of a trust loss that is felt; a curator mediates the rest."""
    return 1.0 - params.mediation * params.curation


def update(
    matrix,
    active: np.ndarray,
    performance: np.ndarray,
    capacity: np.ndarray,
    visibility: float,
    params: Params,
) -> None:
    """One week of members watching each other's contributions (`mechanisms.trust.update`)."""
    matrix.update(
        active,
        delivered(performance, params),
        shortfall(performance, capacity),
        visibility,
        params.trust_gain,
        params.trust_loss_ratio,
        loss_scale(params),
        params.breach_shortfall,
        params.scar_depth,
        params.trust_cap_floor,
    )
