"""Mechanism 8: systems change through policy, which locks progress in (ODD 7.8)."""

from __future__ import annotations

from ..params import Params


def authority_factor(committed_authority: float, params: Params) -> float:
    """How much government authority is engaged in the work (0-1)."""
    return committed_authority / (committed_authority + params.authority_scale)


def drive(
    authority: float, civic_share: float, progress: float, legitimacy: float, params: Params
) -> float:
    """Pressure towards policy change this week (`systems_change.drive`).

    A formal policy link carries it through engaged government authority; advocacy from outside
    (loud civil society and citizens) pushes weakly. Evidence of progress and public support
    are both needed.
    """
    formal = params.policy_link * authority
    outside = params.advocacy_weight * params.communication * civic_share
    return min(1.0, formal + outside) * progress * legitimacy


def momentum(current: float, drive_value: float, params: Params) -> float:
    """Policy momentum builds towards the drive over `policy_momentum_weeks`."""
    return current + (drive_value - current) / params.policy_momentum_weeks


def adopt(systems_change: float, momentum_value: float, params: Params) -> float:
    """Momentum becomes systems change, which is never undone."""
    return systems_change + params.adoption_rate * momentum_value * (1.0 - systems_change)
