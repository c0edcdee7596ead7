"""The four sectors and the asset types, as data (ODD section 2, "Entities").

Sectors differ in what they bring and what they want; they differ in data here, not in code.
Every number is an assumption read from Nesta's description of the method unless a source
is named; docs/odd.md gives the reason for each.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SECTORS: tuple[str, ...] = ("government", "business", "civil_society", "citizens")
ASSETS: tuple[str, ...] = ("authority", "funding", "reach", "expertise", "lived_experience")

GOV, BUS, CIV, CIT = range(4)
AUTHORITY = ASSETS.index("authority")
FUNDING = ASSETS.index("funding")


@dataclass(frozen=True)
class SectorProfile:
    """What one sector brings (assets, capacity) and what it wants (benefit weights)."""

    name: str
    assets: tuple[float, ...]  # mean holding of each asset type, in ASSETS order, 0-1
    capacity: float  # time per week an organisation can give the partnership, 1 = a full team
    benefit_weights: dict[str, float]  # what a member of this sector values; sums to 1
    meeting_cost: float  # how much a week of talk weighs against the benefit
    exit_threshold: float  # engagement below which a member leaves
    engagement_rate: float  # share of the gap to its target engagement closed per week
    claim_propensity: float  # how loudly the sector claims the partnership's results
    public_trust: float  # public's prior trust (Edelman 2019; citizens 0.5 is an assumption)


PROFILES: tuple[SectorProfile, ...] = (
    SectorProfile(
        name="government",
        assets=(1.0, 0.6, 0.3, 0.3, 0.0),
        capacity=1.0,
        benefit_weights={"results": 0.4, "policy": 0.3, "legitimacy": 0.2, "wins": 0.1},
        meeting_cost=0.3,
        exit_threshold=0.25,
        engagement_rate=0.05,
        claim_propensity=0.6,
        public_trust=0.42,
    ),
    SectorProfile(
        name="business",
        assets=(0.0, 0.8, 1.0, 0.2, 0.0),
        capacity=1.0,
        benefit_weights={"results": 0.3, "wins": 0.2, "reputation": 0.4, "legitimacy": 0.1},
        meeting_cost=0.8,
        exit_threshold=0.35,
        engagement_rate=0.08,
        claim_propensity=1.0,
        public_trust=0.47,
    ),
    SectorProfile(
        name="civil_society",
        assets=(0.0, 0.3, 0.3, 1.0, 0.4),
        capacity=0.8,
        benefit_weights={"results": 0.6, "policy": 0.2, "wins": 0.1, "legitimacy": 0.1},
        meeting_cost=0.3,
        exit_threshold=0.2,
        engagement_rate=0.05,
        claim_propensity=0.5,
        public_trust=0.47,
    ),
    SectorProfile(
        name="citizens",
        assets=(0.0, 0.0, 0.1, 0.2, 1.0),
        capacity=0.5,
        benefit_weights={"results": 0.5, "voice": 0.2, "wins": 0.2, "legitimacy": 0.1},
        meeting_cost=0.4,
        exit_threshold=0.3,
        engagement_rate=0.05,
        claim_propensity=0.3,
        public_trust=0.5,
    ),
)

BENEFITS: tuple[str, ...] = ("results", "wins", "policy", "legitimacy", "reputation", "voice")

# Starting trust between sectors: the prehistory of conflict (Ansell & Gash 2008). Symmetric;
# the diagonal is trust within a sector. Assumption, ordered by the public-trust priors and the
# usual frictions (business-citizens and government-citizens lowest).
TRUST_PRIOR = np.array(
    [
        # gov   bus   civ   cit
        [0.55, 0.35, 0.45, 0.30],
        [0.35, 0.55, 0.30, 0.25],
        [0.45, 0.30, 0.55, 0.50],
        [0.30, 0.25, 0.50, 0.55],
    ]
)

# How far the aims of two sectors overlap (symmetric, 1 on the diagonal): a member sees its own
# aims in an agenda to the extent the agenda's authors share them. Assumption, ordered by
# Nesta's "what it wants" column (government and business furthest apart).
AGENDA_FIT = np.array(
    [
        # gov   bus   civ   cit
        [1.00, 0.25, 0.75, 0.60],
        [0.25, 1.00, 0.50, 0.45],
        [0.75, 0.50, 1.00, 0.85],
        [0.60, 0.45, 0.85, 1.00],
    ]
)


def profile_array(attribute: str) -> np.ndarray:
    """One attribute of every sector profile as an array indexed by sector."""
    return np.array([getattr(p, attribute) for p in PROFILES], dtype=float)


def asset_matrix() -> np.ndarray:
    """Mean asset holdings, sectors x asset types."""
    return np.array([p.assets for p in PROFILES], dtype=float)


def benefit_matrix() -> np.ndarray:
    """Benefit weights, sectors x BENEFITS."""
    return np.array([[p.benefit_weights.get(b, 0.0) for b in BENEFITS] for p in PROFILES])
