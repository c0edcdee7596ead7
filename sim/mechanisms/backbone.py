"""Mechanism 11: the backbone and its budget (ODD 7.12).

Orchestration, curation, the collaboration platform (transparency), sprint facilitation and
communication are delivered by a backbone team paid from a weekly budget. A knob is what the
design asks for; what is delivered is what the budget affords. The budget has two sources,
kept apart: an outside grant (`backbone_grant`, which a `funding_ends` event stops) and the
members' own contributions (`member_dues` of each engaged member's funding); a comparison can
hold it at one amount instead (`budget_fixed`). When the budget
is short, every ingredient is cut by the same share, so the ingredients compete for one
budget: asking more of one leaves less of every other.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..params import Params

# The ingredients the backbone delivers, each with the parameter that prices it (budget units
# a week at a level of 1; one unit is a full backbone team's week, the price of orchestration).
INGREDIENTS: tuple[str, ...] = (
    "orchestration",
    "curation",
    "transparency",
    "sprint_intensity",
    "communication",
)
PRICES: dict[str, str] = {
    "orchestration": "price_orchestration",
    "curation": "price_curation",
    "transparency": "price_platform",
    "sprint_intensity": "price_sprints",
    "communication": "price_communication",
}


@dataclass(frozen=True)
class Budget:
    """One week's budget: its two sources, the price of what was asked, and the share of the
    asks it affords (1 = everything asked is delivered)."""

    grant: float
    contributions: float
    asked_cost: float
    afforded: float

    @property
    def total(self) -> float:
        return self.grant + self.contributions


def asked_cost(params: Params) -> float:
    """What the design's asks cost a week (`backbone.asked_cost`): sum of ask x price."""
    return float(sum(getattr(params, k) * getattr(params, PRICES[k]) for k in INGREDIENTS))


def contributions(
    funding: np.ndarray, capacity: np.ndarray, engagement: np.ndarray, params: Params
) -> float:
    """Members' own money for the backbone (`backbone.contributions`): each active member pays
    `member_dues` of its funding asset, scaled by its capacity (its size) and its engagement
    (a member that drifts away stops paying)."""
    if params.member_dues == 0:
        return 0.0  # the default: nothing to add up, every week
    return float(params.member_dues * np.sum(funding * capacity * engagement))


def week_budget(params: Params, grant_on: bool, member_money: float) -> Budget:
    """The week's budget and the share of the asks it affords (`backbone.week_budget`).

    With `budget_fixed` set (a comparison at a budget held equal throughout) the budget is that
    amount every week, whatever the grant, the dues and events do; it is recorded as the grant,
    with no contributions, since neither source is drawn."""
    if params.budget_fixed is not None:
        grant, member_money = params.budget_fixed, 0.0
    else:
        grant = params.backbone_grant if grant_on else 0.0
    cost = asked_cost(params)
    total = grant + member_money
    afforded = 1.0 if cost <= total else total / cost
    return Budget(grant, member_money, cost, afforded)


def delivered(params: Params, afforded: float) -> dict[str, float]:
    """What the backbone delivers of each ingredient: the ask cut by the afforded share."""
    return {k: getattr(params, k) * afforded for k in INGREDIENTS}


def can_move(params: Params) -> bool:
    """Whether anything can change the budget from its week-0 amount (`backbone.can_move`):
    members' dues (which move with engagement and membership), a `funding_ends` event or funding
    cuts at random (`funding_cut_rate`, ODD 7.17), unless `budget_fixed` holds it. Where it
    cannot, holding it at the week-0 amount changes no number."""
    if params.budget_fixed is not None:
        return False
    return (
        params.member_dues > 0
        or params.funding_cut_rate > 0
        or any(e.kind == "funding_ends" for e in params.events)
    )
