"""Pairwise trust behind one small interface (ODD 7.5).

`level[i, j]` is i's trust in j, in [0, cap[i, j]]; `cap[i, j]` is the most that trust can
recover to after breaches (a scar, Schweitzer et al. 2006). Dense arrays: fine at workshop
size; the interface (seed, update, group_trust, mean, cross_sector_mean, ties) is all the model
uses, so a sparse store can replace it.
"""

from __future__ import annotations

import numpy as np


class TrustMatrix:
    def __init__(self, n: int):
        self.level = np.zeros((n, n))
        self.cap = np.ones((n, n))

    def seed(self, i: int, others: np.ndarray, prior: np.ndarray) -> None:
        """Set starting trust between a newcomer i and `others`, both ways."""
        self.level[i, others] = prior
        self.level[others, i] = prior

    def group_trust(self, active: np.ndarray) -> np.ndarray:
        """Each active member's mean trust in the other active members."""
        n = active.size
        if n < 2:
            return np.zeros(n)
        block = self.level[np.ix_(active, active)]
        return (block.sum(axis=1) - np.diag(block)) / (n - 1)

    def update(self, active: np.ndarray, delivered: np.ndarray, shortfall: np.ndarray,
               visibility: float, gain: float, loss_ratio: float, loss_scale: float,
               breach_shortfall: float, scar_depth: float, cap_floor: float) -> None:
        """One week of observing each other's contribution (ODD 7.5, `TrustMatrix.update`).

        delivered[j] (0-1) is how much of what partners hope for j was seen to contribute: it
        raises trust towards the cap. shortfall[j] (0-1) is how far j fell behind what the
        others did: it lowers trust `loss_ratio` times as fast, and beyond `breach_shortfall`
        it also lowers the cap for good.
        """
        if active.size < 2:
            return
        met = delivered[None, :]
        shortfall = shortfall[None, :]
        ix = np.ix_(active, active)
        level, cap = self.level[ix], self.cap[ix]
        breach = shortfall > breach_shortfall
        if breach.any():
            cap = np.where(breach, np.maximum(cap - scar_depth * visibility, cap_floor), cap)
            self.cap[ix] = cap
        change = visibility * gain * (met * (cap - level) - loss_ratio * loss_scale * shortfall
                                      * level)
        new = np.clip(level + change, 0.0, cap)
        np.fill_diagonal(new, 0.0)
        self.level[ix] = new

    def mean(self, active: np.ndarray) -> float:
        if active.size < 2:
            return 0.0
        return float(self.group_trust(active).mean())

    def _off_sector(self, active: np.ndarray, sector: np.ndarray) -> np.ndarray:
        s = sector[active]
        return s[:, None] != s[None, :]

    def cross_sector_mean(self, active: np.ndarray, sector: np.ndarray) -> float:
        mask = self._off_sector(active, sector)
        if not mask.any():
            return 0.0
        return float(self.level[np.ix_(active, active)][mask].mean())

    def ties(self, active: np.ndarray, sector: np.ndarray, threshold: float) -> int:
        """Cross-sector pairs whose trust both ways is at least `threshold`."""
        if active.size < 2:
            return 0
        block = self.level[np.ix_(active, active)]
        strong = (block >= threshold) & (block.T >= threshold) & self._off_sector(active, sector)
        return int(np.triu(strong, 1).sum())
