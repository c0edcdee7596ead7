"""Mechanism 3: pooling assets needs trust and permission (ODD 7.3)."""

from __future__ import annotations

import numpy as np

from ..params import Params


def permission(params: Params) -> float:
    """Permission members' leaders give to commit assets; backing from system leaders raises it."""
    return params.permission_base + (1.0 - params.permission_base) * params.leadership_backing


def commitment(group_trust: np.ndarray, permission_level: float) -> np.ndarray:
    """Share of its assets a member commits: in proportion to trust and permission."""
    return np.clip(group_trust * permission_level, 0.0, 1.0)


def contribution(
    capacity: np.ndarray, engagement: np.ndarray, action_share: float, commitment_share: np.ndarray
) -> np.ndarray:
    """Effort each member puts into joint action this week."""
    return capacity * engagement * action_share * commitment_share


def pooled_assets(contribution_effort: np.ndarray, assets: np.ndarray, waste: float) -> np.ndarray:
    """Assets brought to joint action, by type, after misalignment waste."""
    return (1.0 - waste) * contribution_effort @ assets
