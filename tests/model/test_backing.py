"""Mechanism 13, backing from system leaders earned and lost (ODD 7.14): the knob is the ask,
the backing held is the ask times a share secured that follows visible results."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.sizes import scaled
from sim import AS_IN_0_1, PartnershipModel
from sim.mechanisms import backing
from sim.scenarios import designs, resolve


def test_results_earn_backing_and_nothing_shown_keeps_only_the_floor():
    p = resolve("impact_partnership", backing_rate=0.1, backing_floor=0.3)
    assert backing.deserved(0.0, p) == pytest.approx(0.3)
    assert backing.deserved(1.0, p) == pytest.approx(1.0)
    assert backing.update(0.5, 1.0, p) == pytest.approx(0.55)
    assert backing.update(0.5, 0.0, p) == pytest.approx(0.48)


def test_a_departing_backer_takes_its_share():
    p = resolve("impact_partnership", backer_loss=0.25)
    assert backing.departure(0.8, p) == pytest.approx(0.6)
    # one sponsor of four takes a quarter of that; an election (all four) takes it all
    assert backing.departure(0.8, p, 0.25) == pytest.approx(0.8 * (1 - 0.25 / 4))
    assert backing.departure(0.8, p, 1.0) == backing.departure(0.8, p)


def test_a_partnership_backed_through_many_sponsors_loses_a_part_with_each():
    """Sponsors changing one by one in a big partnership (100 government members, about one
    change a week) cost it what each sponsor carried, not half its backing every week: over
    20 weeks without results (backing_rate 0) it keeps most of what it secured."""
    params = scaled(400, 1_000, steps=20, backing_rate=0.0, backer_loss=0.5)
    model = PartnershipModel(params=params, rng=0, collect_agents=False)
    model.run_for(20)
    data = model.datacollector.get_model_vars_dataframe()
    assert data["sponsor_changes"].iloc[-1] >= 10
    assert model.backing_secured > 0.8


@pytest.mark.parametrize("design", designs())
def test_where_leaders_do_not_follow_results_backing_is_the_ask(design):
    """0.1's world (`AS_IN_0_1`: `backing_rate` and `backer_loss` 0): the backing held is the
    ask in every week."""
    model = PartnershipModel(scenario=design, rng=0, steps=30, public_size=200, **AS_IN_0_1)
    model.run_for(30)
    data = model.datacollector.get_model_vars_dataframe()
    assert (data["backing"] == model.params.leadership_backing).all()


def _backing(seed, **overrides):
    model = PartnershipModel(
        scenario="impact_partnership", rng=seed, steps=104, public_size=500, **overrides
    )
    model.run_for(104)
    return model.datacollector.get_model_vars_dataframe()


def test_backing_moves_with_results():
    """Over 8 seeds, with backing earned: a partnership whose problem cannot move (progress_rate
    0) ends with less of its ask held than one whose problem moves, in every seed."""
    earned = dict(backing_rate=0.05, backing_floor=0.3)
    working = [_backing(s, **earned)["backing"].iloc[-1] for s in range(8)]
    stuck = [_backing(s, **earned, progress_rate=0.0)["backing"].iloc[-1] for s in range(8)]
    ask = resolve("impact_partnership").leadership_backing
    assert all(w > s for w, s in zip(working, stuck, strict=True))
    assert np.median(stuck) < 0.4 * ask  # near the floor (0.3 of the ask)
    assert np.median(working) > 0.5 * ask


def test_a_sponsor_change_costs_backing_when_backers_leave():
    kw = dict(sponsor_term_weeks=10.0, backer_loss=0.3, backing_rate=0.0)
    data = _backing(1, **kw)
    changed = data["sponsor_changes"].diff().fillna(0) > 0
    assert changed.any()
    assert data["backing"].iloc[-1] < resolve("impact_partnership").leadership_backing
