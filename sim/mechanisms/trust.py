"""Mechanism 5: trust from observed contribution against expectation (ODD 7.5).

The pairwise update itself is `sim.trust.TrustMatrix.update`; this module says what members
observe and how much a curator's mediation softens losses.
"""

from __future__ import annotations

import numpy as np

from ..params import Params


def delivered(performance: np.ndarray, params: Params) -> np.ndarray:
    """Each member's contribution as a share of what partners expect of it."""
    return performance / params.expected_action


def loss_scale(params: Params) -> float:
    """Share of a trust loss that is felt; a curator mediates the rest."""
    return 1.0 - params.mediation * params.curation


def update(matrix, active: np.ndarray, performance: np.ndarray, visibility: float,
           params: Params) -> None:
    """One week of members watching each other's contributions (`mechanisms.trust.update`)."""
    matrix.update(active, delivered(performance, params), visibility, params.trust_gain,
                  params.trust_loss_ratio, loss_scale(params), params.breach_shortfall,
                  params.scar_depth, params.trust_cap_floor)
