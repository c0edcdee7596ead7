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


def exposure(params: Params) -> float:
    """How far a policy link ties the partnership to a sponsor (`churn.exposure`): the extra
    share of a sponsor's departure the policy momentum and every member feel. A partnership
    that works through a minister's programme loses more when the minister goes (a new one
    drops a predecessor's programmes)."""
    return params.policy_exposure * params.policy_link


def reach(params: Params, government_convenes: bool) -> float:
    """Share of a sponsor's departure every member feels (`churn.reach`): half of it when
    government convenes (the whole partnership rests on the sponsor), and its `exposure`."""
    return (0.5 if government_convenes else 0.0) + exposure(params)
