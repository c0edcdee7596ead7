"""Mechanism 11, the backbone and its budget (ODD 7.12): asks, what the budget affords, and
the two sources of money kept apart."""

from __future__ import annotations

import numpy as np
import pytest

from sim import AS_IN_0_1, PartnershipModel
from sim.diagnosis import StallObserver, apply_remedy, fork
from sim.mechanisms import backbone
from sim.scenarios import designs, resolve


def test_a_budget_that_covers_the_asks_delivers_them():
    p = resolve("impact_partnership", **AS_IN_0_1)
    budget = backbone.week_budget(p, grant_on=True, member_money=0.0)
    assert budget.asked_cost == pytest.approx(
        sum(getattr(p, k) * getattr(p, backbone.PRICES[k]) for k in backbone.INGREDIENTS)
    )
    assert budget.afforded == 1.0
    assert backbone.delivered(p, budget.afforded) == {
        k: getattr(p, k) for k in backbone.INGREDIENTS
    }


def test_a_short_budget_cuts_every_ingredient_by_the_same_share():
    p = resolve("impact_partnership", backbone_grant=0.5)
    budget = backbone.week_budget(p, grant_on=True, member_money=0.25)
    assert budget.total == pytest.approx(0.75)
    assert budget.afforded == pytest.approx(0.75 / budget.asked_cost)
    levels = backbone.delivered(p, budget.afforded)
    spent = sum(levels[k] * getattr(p, backbone.PRICES[k]) for k in backbone.INGREDIENTS)
    assert spent == pytest.approx(budget.total)  # the whole budget, and no more
    ratios = {k: levels[k] / getattr(p, k) for k in backbone.INGREDIENTS}
    assert max(ratios.values()) - min(ratios.values()) < 1e-12


def test_the_ingredients_compete_for_one_budget():
    """Asking more of sprints leaves less orchestration when money is short."""
    low = resolve("impact_partnership", backbone_grant=1.0, sprint_intensity=0.2)
    high = low.with_(sprint_intensity=1.0)
    deliver = [
        backbone.delivered(p, backbone.week_budget(p, True, 0.0).afforded)["orchestration"]
        for p in (low, high)
    ]
    assert deliver[1] < deliver[0] - 0.05


def test_the_grant_ends_and_the_members_dues_go_on():
    p = resolve("impact_partnership")
    funded = backbone.week_budget(p, grant_on=True, member_money=0.3)
    ended = backbone.week_budget(p, grant_on=False, member_money=0.3)
    assert (funded.grant, ended.grant) == (p.backbone_grant, 0.0)
    assert ended.contributions == funded.contributions == 0.3


def test_dues_move_with_engagement():
    p = resolve("impact_partnership", member_dues=0.5)
    funding, capacity = np.array([0.6, 0.8]), np.array([1.0, 2.0])
    engaged = backbone.contributions(funding, capacity, np.array([1.0, 1.0]), p)
    drifting = backbone.contributions(funding, capacity, np.array([1.0, 0.2]), p)
    assert engaged == pytest.approx(0.5 * (0.6 + 1.6))
    assert drifting == pytest.approx(0.5 * (0.6 + 0.32))


def test_at_the_defaults_only_the_impact_partnership_asks_more_than_the_grant():
    """v2's world (ODD 7.12): the grant pays one backbone team; the Impact Partnership asks for
    more (1.84) and needs its members' dues, every other design asks within the grant."""
    over = {d for d in designs() if backbone.asked_cost(resolve(d)) > resolve(d).backbone_grant}
    assert over == {"impact_partnership"}


@pytest.mark.parametrize("design", designs())
def test_with_a_grant_that_covers_every_ask_money_never_binds(design):
    """0.1's world (`AS_IN_0_1`: the grant is the sum of the prices): every design's asks are
    delivered, and the model reads the asks themselves (so the numbers are those of 0.1)."""
    model = PartnershipModel(scenario=design, rng=0, steps=20, public_size=200, **AS_IN_0_1)
    model.run_for(20)
    data = model.datacollector.get_model_vars_dataframe()
    assert (data["afforded"] == 1.0).all()
    assert model.levels is model.params
    for k in backbone.INGREDIENTS:
        assert (data[f"delivered_{k}"] == data[f"asked_{k}"]).all()


def test_without_money_the_backbone_delivers_nothing_and_members_talk_more():
    """No grant, no dues: nothing of the asks is delivered, so orchestration no longer carries
    the talk (7.2) and members spend more of their effort on it."""
    kw = dict(scenario="impact_partnership", rng=1, steps=40, public_size=500, **AS_IN_0_1)
    funded = PartnershipModel(**kw)
    broke = PartnershipModel(**{**kw, "backbone_grant": 0.0})
    funded.run_for(40)
    broke.run_for(40)
    broke_data = broke.datacollector.get_model_vars_dataframe()
    assert (broke_data["budget"] == 0).all() and (broke_data["afforded"] == 0).all()
    assert (broke_data.loc[1:, "delivered_orchestration"] == 0).all()
    action = [
        m.datacollector.get_model_vars_dataframe()["action_share"].iloc[1:].mean()
        for m in (funded, broke)
    ]
    assert action[1] < action[0]


def test_the_end_of_the_grant_shrinks_the_backbone_from_that_week():
    kw = dict(scenario="impact_partnership", rng=2, steps=30, public_size=500, member_dues=0.1)
    model = PartnershipModel(**kw)
    model.run_for(10)
    model.end_grant()
    model.run_for(20)
    data = model.datacollector.get_model_vars_dataframe()
    assert model.grant_ended_week == 10
    assert (data.loc[1:10, "budget_grant"] == model.params.backbone_grant).all()
    assert (data.loc[11:, "budget_grant"] == 0).all()
    assert (data.loc[11:, "budget_contributions"] > 0).all()
    assert (data.loc[11:, "afforded"] < 1).all()
    assert data.loc[11:, "delivered_orchestration"].max() < model.params.orchestration


def test_when_the_grant_ends_the_diagnosis_names_the_money_and_funding_restarts_it():
    """The Impact Partnership, whose members pay no dues, loses its grant in week 30: the
    stall diagnosis names "the money ran out", and the counterfactual fork that funds the
    backbone again is the remedy that restarts progress."""
    model = PartnershipModel(scenario="impact_partnership", rng=0, collect_agents=False)
    observer = StallObserver(model)
    while model.running:
        if model.steps == 30:
            model.end_grant()
        model.step()
        observer.observe(model)
    report = observer.report()
    assert report["stalled"] and report["stall_cause"] == "money_ran_out", report["stall_cause"]
    assert report["best_remedy"] == "funding"
    funding = next(r for r in report["remedies"] if r["name"] == "funding")
    assert funding["restarts"] and funding["change"].startswith("backbone_grant 0.00 ->")


def test_the_funding_remedy_does_nothing_where_every_ask_is_afforded():
    model = PartnershipModel(
        scenario="impact_partnership", rng=0, steps=10, public_size=200, **AS_IN_0_1
    )
    model.run_for(10)
    assert apply_remedy(fork(model), "funding") is None
