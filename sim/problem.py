"""The wicked problem: facets that each need a combination of assets (ODD 7.8, 7.9).

Joint work on a facet is the geometric mean of the pooled amounts of the asset types it needs:
complementarity, so plenty of one asset cannot make up for a missing one. Progress on a facet
closes part of its remaining gap each week and regenerates unless locked in by systems change.
"""

from __future__ import annotations

import numpy as np

from .params import Params
from .sectors import ASSETS


class Problem:
    def __init__(self, params: Params):
        self.names = [name for name, _ in params.facets]
        self.needs = np.zeros((len(self.names), len(ASSETS)), dtype=bool)
        for f, (_, needed) in enumerate(params.facets):
            self.needs[f, [ASSETS.index(a) for a in needed]] = True
        self.progress = np.zeros(len(self.names))
        self.knowledge = np.zeros(len(self.names))  # progress ever made: solutions that worked

    @property
    def needed_assets(self) -> np.ndarray:
        """Asset types some facet needs."""
        return self.needs.any(axis=0)

    def joint_work(self, pooled: np.ndarray) -> np.ndarray:
        """Work on each facet from pooled assets: the geometric mean over the assets it needs."""
        with np.errstate(divide="ignore"):
            logs = np.log(np.maximum(pooled, 0.0))
        mean_log = np.where(self.needs, logs[None, :], 0.0).sum(axis=1) / self.needs.sum(axis=1)
        return np.exp(mean_log)

    def advance(self, work: np.ndarray, productivity: np.ndarray, params: Params) -> np.ndarray:
        """Close part of each facet's remaining gap; return the gain per facet (`Problem.advance`)."""
        speed = params.progress_rate * work / (work + params.problem_scale)
        gain = np.minimum(speed * productivity, 1.0) * (1.0 - self.progress)
        self.progress += gain
        self.knowledge += gain
        return gain

    def regenerate(self, systems_change: float, params: Params) -> np.ndarray:
        """The problem grows back, less so the more the system has been redesigned."""
        loss = params.regeneration * (1.0 - params.lock_in * systems_change) * self.progress
        self.progress -= loss
        return loss
