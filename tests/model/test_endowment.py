"""A fair comparison's inputs (model.md v2, item 5; ODD 7.12): `capacity_scale`, `budget_fixed`,
a design's resources at week 0 (`sim.endowment`) and a design given another's."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from sim import ParameterError, PartnershipModel
from sim.diagnosis import apply_remedy, fork
from sim.endowment import Endowment, at_resources_of, endowment
from sim.mechanisms import backbone
from sim.partnership import MEMBER, Organisations
from sim.scenarios import designs, resolve
from sim.sectors import FUNDING

SMALL = dict(steps=20, public_size=200)
FUNDING_ENDS = [{"week": 10, "kind": "funding_ends"}]


def series(**kw) -> pd.DataFrame:
    model = PartnershipModel(collect_agents=False, **kw)
    model.run_for(model.params.steps)
    return model.datacollector.get_model_vars_dataframe()


def test_the_neutral_values_give_the_numbers_of_a_run_without_them():
    kw = dict(scenario="ngo_business_pair", rng=3, **SMALL)
    pd.testing.assert_frame_equal(series(**kw), series(**kw, capacity_scale=1.0, budget_fixed=None))


@pytest.mark.parametrize("design", ["impact_partnership", "advocacy_coalition"])
def test_capacity_scale_scales_every_capacity_and_keeps_the_head_counts(design):
    base = PartnershipModel(scenario=design, rng=4, steps=1, public_size=50)
    scaled = PartnershipModel(scenario=design, rng=4, steps=1, public_size=50, capacity_scale=2.5)
    np.testing.assert_array_equal(scaled.orgs.capacity, base.orgs.capacity * 2.5)  # pool too
    np.testing.assert_array_equal(scaled.orgs.status, base.orgs.status)
    np.testing.assert_array_equal(scaled.orgs.sector, base.orgs.sector)
    founders = base.orgs.status == MEMBER
    assert scaled.orgs.capacity[founders].sum() == pytest.approx(
        2.5 * base.orgs.capacity[founders].sum(), rel=1e-15
    )
    assert scaled.members == base.members


def test_a_fixed_budget_holds_every_week_even_after_the_grant_ends():
    kw = dict(scenario="impact_partnership", rng=2, steps=30, public_size=300, member_dues=0.1)
    moving = series(**kw, events=FUNDING_ENDS)
    held = series(**kw, events=FUNDING_ENDS, budget_fixed=1.5)
    assert moving["budget"].iloc[11:].max() < moving["budget"].iloc[0] - 1  # the grant went
    assert (held["budget"] == 1.5).all() and (held["budget_contributions"] == 0).all()
    assert (held["afforded"] == 1.5 / held["asked_cost"]).all()


def test_the_funding_remedy_raises_a_fixed_budget_to_what_the_asks_cost():
    model = PartnershipModel(
        scenario="impact_partnership", rng=0, steps=10, public_size=200, budget_fixed=0.5
    )
    model.run_for(5)
    treated = fork(model)
    change = apply_remedy(treated, "funding")
    assert change == f"budget_fixed 0.50 -> {model.asked_cost:.2f} (what the asks cost a week)"
    treated.step()
    assert treated.budget == pytest.approx(model.asked_cost) and treated.afforded == 1.0


@pytest.mark.parametrize("design", ["impact_partnership", "ngo_business_pair"])
def test_the_expected_resources_are_the_mean_of_the_draws(design):
    """endowment's capacity and dues are the means of what Organisations.create draws."""
    params = resolve(design, member_dues=0.5)
    expected = endowment(params)
    capacity, dues = [], []
    for seed in range(400):
        orgs = Organisations.create(params, np.random.default_rng(seed))
        founders = orgs.status == MEMBER
        capacity.append(orgs.capacity[founders].sum())
        engaged = np.full(founders.sum(), params.initial_engagement)
        dues.append(
            backbone.contributions(
                orgs.assets[founders, FUNDING], orgs.capacity[founders], engaged, params
            )
        )
    for draws, mean in ((capacity, expected.capacity), (dues, expected.dues)):
        assert abs(np.mean(draws) - mean) < 4 * np.std(draws) / np.sqrt(len(draws))
    assert expected.budget == pytest.approx(params.backbone_grant + expected.dues)
    assert expected.members == sum(params.initial_members.values())


def test_a_fixed_budget_is_the_week_0_budget():
    found = endowment(resolve("impact_partnership", member_dues=0.5, budget_fixed=1.25))
    assert (found.budget, found.grant, found.dues) == (1.25, 1.25, 0.0)


@pytest.mark.parametrize("design", designs())
def test_a_design_at_the_impact_partnerships_resources(design):
    """Its expected week-0 budget and capacity are the reference's; head-counts and every
    other parameter are its own; the strict reading also holds the budget."""
    reference = endowment(resolve("impact_partnership", member_dues=0.3))
    own = resolve(design)
    for held in (False, True):
        equal = at_resources_of(own, reference, held=held)
        found = endowment(equal)
        assert found.budget == pytest.approx(reference.budget, rel=1e-12)
        assert found.capacity == pytest.approx(reference.capacity, rel=1e-12)
        assert equal.initial_members == own.initial_members
        assert equal.budget_fixed == (reference.budget if held else None)
        changed = {
            f.name
            for f in dataclasses.fields(own)
            if getattr(own, f.name) != getattr(equal, f.name)
        }
        assert changed <= {"capacity_scale", "backbone_grant", "budget_fixed"}


def test_dues_are_scaled_with_capacity_and_cut_only_when_they_alone_exceed_the_budget():
    paying = resolve("advocacy_coalition", member_dues=0.5)
    own = endowment(paying)
    richer = Endowment(budget=own.budget * 2, capacity=own.capacity * 2, grant=0, dues=0, members=1)
    equal = at_resources_of(paying, richer)
    assert equal.member_dues == paying.member_dues  # members pay as the design says
    assert equal.backbone_grant == pytest.approx(own.budget * 2 - own.dues * 2)
    poorer = Endowment(budget=own.dues, capacity=own.capacity * 2, grant=0, dues=0, members=1)
    cut = at_resources_of(paying, poorer)
    assert cut.backbone_grant == 0.0 and cut.member_dues == pytest.approx(0.25)
    assert endowment(cut).budget == pytest.approx(own.dues)


def test_resources_out_of_a_parameters_range_are_refused_with_both_designs_numbers():
    huge = Endowment(budget=2.2, capacity=1e5, grant=2.2, dues=0.0, members=1)
    with pytest.raises(ParameterError) as info:
        at_resources_of(resolve("impact_partnership"), huge)
    message = str(info.value)
    assert "capacity 11.4" in message and "capacity 1e+05" in message
    assert "capacity_scale=" in message and "from 0.01 to 100" in message


def test_where_the_budget_cannot_move_holding_it_changes_no_number():
    """What lets experiments.compare reuse the week-0 reading's runs for the strict one."""
    reference = endowment(resolve("impact_partnership"))
    # no dues and no funding cuts at random: nothing can move the NGO pair's budget
    own = resolve("ngo_business_pair", **SMALL, member_dues=0.0, funding_cut_rate=0.0)
    lenient, held = (at_resources_of(own, reference, held=h) for h in (False, True))
    assert not backbone.can_move(lenient) and not backbone.can_move(held)
    pd.testing.assert_frame_equal(series(params=lenient, rng=1), series(params=held, rng=1))
    assert backbone.can_move(own.with_(member_dues=0.1))
    assert backbone.can_move(own.with_(events=FUNDING_ENDS))
    assert backbone.can_move(own.with_(funding_cut_rate=0.5))  # a cut at random ends the grant
    assert not backbone.can_move(own.with_(funding_cut_rate=0.5, budget_fixed=1.0))
    assert not backbone.can_move(own.with_(events=FUNDING_ENDS, budget_fixed=1.0))


@pytest.mark.parametrize(
    "field, value, allowed",
    [
        ("capacity_scale", 0, "capacity_scale must be a number from 0.01 to 100 (ratio)"),
        ("capacity_scale", -1.0, "from 0.01 to 100"),
        ("capacity_scale", 250, "from 0.01 to 100"),
        ("capacity_scale", "double", "is not a number"),
        ("capacity_scale", None, "a value is required"),
        ("budget_fixed", -0.5, "budget_fixed must be a number from 0 to 100"),
        ("budget_fixed", 101, "budget units/week), or null for the default"),
        ("budget_fixed", "lots", "is not a number"),
        ("budget_fixed", True, "is not a number"),
        ("budget_fixed", float("nan"), "is not a finite number"),
    ],
)
def test_bad_values_are_refused_in_one_line_naming_field_value_and_range(field, value, allowed):
    with pytest.raises(ParameterError) as info:
        resolve("impact_partnership", **{field: value})
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"{field}=") and allowed in message


def test_a_fixed_budget_takes_any_number_in_range_and_null():
    assert resolve("impact_partnership", budget_fixed=1).budget_fixed == 1.0
    assert isinstance(resolve("impact_partnership", budget_fixed=1).budget_fixed, float)
    assert resolve("impact_partnership", budget_fixed=None).budget_fixed is None
