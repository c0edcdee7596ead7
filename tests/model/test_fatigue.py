"""Mechanism 12, members' time and fatigue (ODD 7.13): a sprint's extra time, fatigue built
beyond capacity, recovered only between sprints, and weighed in members' appraisal."""

from __future__ import annotations

import numpy as np
import pytest

from sim import PartnershipModel
from sim.mechanisms import engagement, fatigue
from sim.mechanisms.sprints import SPRINT, phase
from sim.partnership import MEMBER
from sim.scenarios import resolve


def test_only_a_sprint_asks_for_extra_time():
    p = resolve("impact_partnership", sprint_hours=0.5)
    assert fatigue.overtime(False, p) == 1.0
    assert fatigue.overtime(True, p) == pytest.approx(1.0 + 0.5 * p.sprint_intensity)


def test_fatigue_builds_beyond_capacity_and_recovers_only_between_sprints():
    p = resolve("impact_partnership", fatigue_build=0.5, fatigue_recovery=0.2)
    start = np.array([0.0, 0.3, 0.3])
    engaged = np.array([1.0, 0.5, 1.0])
    in_sprint = fatigue.update(start, engaged, 1.4, True, p)
    np.testing.assert_allclose(in_sprint, [0.2, 0.3, 0.5])  # 0.5 x (1.4 e - 1)^+; no recovery
    between = fatigue.update(start, engaged, 1.0, False, p)
    np.testing.assert_allclose(between, [0.0, 0.24, 0.24])
    assert fatigue.update(np.array([0.9]), np.array([1.0]), 3.0, True, p)[0] == 1.0  # capped


def _run(**overrides):
    """80 weeks of the Impact Partnership; each week's phase and each member's fatigue."""
    model = PartnershipModel(
        scenario="impact_partnership", rng=3, steps=80, public_size=500, **overrides
    )
    weeks, tiredness = [], []
    while model.running:
        model.step()
        weeks.append(phase(int(model.steps), model.params).name == SPRINT)
        tiredness.append(np.where(model.orgs.status == MEMBER, model.orgs.fatigue, np.nan))
    return model, np.array(weeks), np.array(tiredness)


def test_sprints_with_extra_hours_tire_members_and_rest_restores_them():
    _, _, rested = _run(sprint_hours=0.0)
    _, sprinting, tired = _run(sprint_hours=0.8)
    assert np.nansum(rested) == 0  # no extra hours (0.1's world), no fatigue
    assert np.nanmax(tired) > 0.05
    change = np.diff(tired, axis=0)  # week on week, for members in both weeks
    assert not (change[~sprinting[1:]] > 0).any()  # fatigue never builds between sprints
    assert not (change[sprinting[1:]] < 0).any()  # nor wears off during one
    assert (change[~sprinting[1:]] < 0).any()  # and rest restores


def test_a_tired_member_weighs_its_fatigue():
    model, _, _ = _run(sprint_hours=0.8, fatigue_cost=2.0)
    book = model.sector_ledger()
    column = engagement.LEDGER.index("fatigue")
    active = model.orgs.active()
    assert model.orgs.fatigue[active].max() > 0
    assert np.nanmax(book[:, column]) > 0
