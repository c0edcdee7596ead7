"""Mechanism 9: learning; solutions that worked are reused where members can see them (ODD 7.9)."""

from __future__ import annotations

import numpy as np

from ..params import Params


def reuse(params: Params) -> float:
    """Share of past solutions members can see: through the platform or through the curator."""
    return 1.0 - (1.0 - params.transparency) * (1.0 - params.curation)


def productivity(knowledge: np.ndarray, params: Params) -> np.ndarray:
    """Productivity multiplier per facet from reusing what worked there."""
    return 1.0 + params.learning_gain * reuse(params) * (
        1.0 - np.exp(-knowledge / params.learning_scale)
    )
