"""Organisations as arrays: the partnership's members and the pool it recruits from (ODD 2).

Every organisation, member or not, is a row of these arrays; a Mesa `Organisation` agent is the
handle of a row once the organisation has joined. Status moves one way: pool -> member -> left.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import sectors
from .params import Params

POOL, MEMBER, LEFT = 0, 1, 2


def expectation(params: Params) -> float:
    """What a newcomer expects: the benefit less cost at which its joining engagement holds
    (`engagement.target` of this appraisal is `initial_engagement`)."""
    return params.initial_engagement - params.engagement_baseline


INDIVIDUAL_SPREAD = 0.3  # lognormal sigma of assets and capacity between organisations
THRESHOLD_SPREAD = 0.05  # sd of exit thresholds around the sector's value
ASSET_CAP = 2.0  # the most of an asset one organisation holds


@dataclass
class Organisations:
    """Per-organisation state; row i is organisation i."""

    sector: np.ndarray  # int, index into sectors.SECTORS
    involvement: np.ndarray  # 1 for a working member, signatory_time for a signatory
    capacity: np.ndarray  # time per week it gives the partnership (x involvement)
    assets: np.ndarray  # (n, len(ASSETS)) holdings
    exit_threshold: np.ndarray
    motivation: np.ndarray  # how much this organisation cares, relative to its sector
    status: np.ndarray  # POOL, MEMBER or LEFT
    engagement: np.ndarray
    appraisal: np.ndarray  # the member's judgement of benefit less cost, formed since it joined
    joined_week: np.ndarray  # -1 while in the pool
    left_week: np.ndarray  # -1 until it leaves
    talk_share: np.ndarray  # share of its effort spent on talk this week
    commitment: np.ndarray  # share of its assets committed to joint action this week
    contribution: np.ndarray  # effort put into joint action this week
    performance: np.ndarray  # contribution / capacity: what partners judge it by
    suspended_until: np.ndarray  # a member withholding its contribution (a breach) until then
    fatigue: np.ndarray  # time given beyond capacity, not yet recovered (7.13), 0-1
    reliability: np.ndarray  # how reliably it delivers when unobserved (7.15), 0-1

    def __post_init__(self) -> None:
        self._members: np.ndarray | None = None  # `active()`, kept until someone joins or leaves

    @classmethod
    def create(cls, params: Params, rng: np.random.Generator) -> Organisations:
        counts = [getattr(params, f"members_{s}") + params.pool_per_sector for s in sectors.SECTORS]
        sector = np.repeat(np.arange(len(sectors.SECTORS)), counts)
        n = sector.size
        spread = rng.lognormal(0.0, INDIVIDUAL_SPREAD, size=(n, len(sectors.ASSETS) + 2))
        assets = np.clip(sectors.asset_matrix()[sector] * spread[:, 2:], 0.0, ASSET_CAP)
        involvement = np.ones(n)
        if params.signatories != "none":  # signatories give a share of a member's time
            involvement[sector == sectors.SECTORS.index(params.signatories)] = params.signatory_time
        # capacity_scale (a comparison at equal members' capacity) scales the pool too, so a
        # recruit replacing a leaver brings what a founder of its sector would (ODD 7.12)
        capacity = (
            sectors.profile_array("capacity")[sector]
            * spread[:, 0]
            * involvement
            * params.capacity_scale
        )
        threshold = sectors.profile_array("exit_threshold")[sector] + rng.normal(
            0.0, THRESHOLD_SPREAD, n
        )
        status = np.full(n, POOL, dtype=np.int8)
        start = 0
        for s, name in enumerate(sectors.SECTORS):
            status[start : start + getattr(params, f"members_{name}")] = MEMBER
            start += counts[s]
        zeros = np.zeros(n)
        orgs = cls(
            sector=sector,
            involvement=involvement,
            capacity=capacity,
            assets=assets,
            exit_threshold=np.clip(threshold, 0.0, 1.0),
            motivation=spread[:, 1],
            status=status,
            engagement=np.where(status == MEMBER, params.initial_engagement, 0.0),
            appraisal=np.where(status == MEMBER, expectation(params), 0.0),
            joined_week=np.where(status == MEMBER, 0, -1),
            left_week=np.full(n, -1),
            talk_share=zeros.copy(),
            commitment=zeros.copy(),
            contribution=zeros.copy(),
            performance=zeros.copy(),
            suspended_until=np.full(n, -1),
            fatigue=zeros.copy(),
            reliability=np.ones(n),
        )
        return orgs

    @property
    def n(self) -> int:
        return self.sector.size

    def active(self) -> np.ndarray:
        """Indices of current members (read-only; status changes only by `join` and `leave`)."""
        if self._members is None:
            self._members = np.flatnonzero(self.status == MEMBER)
            self._members.flags.writeable = False
        return self._members

    def counts(self, idx: np.ndarray) -> np.ndarray:
        """Members of each sector among `idx`."""
        return np.bincount(self.sector[idx], minlength=len(sectors.SECTORS))

    def weighted_counts(self, idx: np.ndarray) -> np.ndarray:
        """Members of each sector among `idx`, a signatory counting as its involvement: what
        the partnership must align and whose aims its agenda weighs."""
        return np.bincount(
            self.sector[idx], weights=self.involvement[idx], minlength=len(sectors.SECTORS)
        )

    def join(self, i: int, week: int, params: Params) -> None:
        """Organisation `i` joins, engaged and expecting what brought it in."""
        self._members = None
        self.status[i] = MEMBER
        self.joined_week[i] = week
        self.engagement[i] = params.initial_engagement
        self.appraisal[i] = expectation(params)
        self.fatigue[i] = 0.0

    def leave(self, idx: np.ndarray, week: int) -> None:
        self._members = None
        self.status[idx] = LEFT
        self.left_week[idx] = week
        self.talk_share[idx] = 0.0
        self.commitment[idx] = 0.0
        self.contribution[idx] = 0.0
        self.performance[idx] = 0.0
