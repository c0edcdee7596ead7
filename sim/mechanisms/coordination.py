"""Mechanism 2: coordination cost and orchestration (ODD 7.2)."""

from __future__ import annotations

import numpy as np

from ..params import Params


def diversity(sector_counts: np.ndarray) -> float:
    """Sector diversity of the membership: Gini-Simpson index scaled to [0, 1]."""
    total = sector_counts.sum()
    if total == 0:
        return 0.0
    shares = sector_counts / total
    k = sector_counts.size
    return float((1.0 - np.sum(shares**2)) / (1.0 - 1.0 / k))


def setup_weight(params: Params) -> float:
    """How much set-up a design needs: a backbone to build or sprints to design."""
    return max(params.orchestration, params.sprint_intensity)


def orchestration_effect(week: int, params: Params) -> float:
    """Orchestration in force this week: the backbone is built over the design phase."""
    if params.design_phase_weeks == 0:
        return params.orchestration
    return params.orchestration * min(1.0, week / params.design_phase_weeks)


def talk_share(
    members: float, diversity_index: float, orchestration: float, params: Params
) -> float:
    """Share of each member's effort that goes on talk to stay aligned (`talk_share`).

    The alignment load grows with the number of other members and their diversity; a backbone
    carries `orchestration_relief` of it centrally. Loud external communication costs effort too.
    """
    load = (
        (1.0 - params.orchestration_relief * orchestration)
        * params.talk_per_member
        * max(members - 1, 0)
        * (1.0 + params.diversity_talk * diversity_index)
    )
    talk = 1.0 - (1.0 - params.talk_base) / (1.0 + load)
    return talk + params.communication_talk * params.communication * (1.0 - talk)


def goal_setting(week: int, talk: float, params: Params) -> float:
    """Talk share once goals are being agreed (`coordination.goal_setting`).

    In the first `goal_setting_weeks` weeks members agree the goals they will be held to: the
    clearer the goals and the larger the part of the agenda members write together (all but
    the convener's `convener_say`), the more of the effort left after alignment talk it takes.
    """
    if params.goal_setting_talk == 0 or week > params.goal_setting_weeks:
        return talk
    jointly = params.goal_setting_talk * params.goal_clarity * (1.0 - params.convener_say)
    return talk + jointly * (1.0 - talk)


def wasted_share(params: Params) -> float:
    """Share of action lost to misalignment when goals are unclear."""
    return params.misalignment_waste * (1.0 - params.goal_clarity)
