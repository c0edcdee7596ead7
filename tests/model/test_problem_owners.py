"""Problem owners (ODD 7.6): members of one sector whom the problem harms directly value relief
from it, `stake_weight` times the results signal, on top of their sector's benefits and not
scaled by the agenda's fit."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim import sectors
from sim.mechanisms import engagement
from sim.model import PartnershipModel
from sim.params import ParameterError
from sim.run import run_one
from sim.scenarios import resolve

BUS = sectors.BUS


def test_relief_is_the_stake_times_the_results_signal():
    stake = np.array([0.0, 0.5, 1.0])
    np.testing.assert_array_equal(engagement.relief(0.4, stake), [0.0, 0.2, 0.4])


def test_nobody_owns_the_problem_is_the_same_as_owners_with_no_stake():
    a = run_one(
        resolve("crime_reduction_partnership", problem_owners="none"), 4, diagnose=False
    ).timeseries
    b = run_one(
        resolve("crime_reduction_partnership", stake_weight=0.0), 4, diagnose=False
    ).timeseries
    assert a.equals(b)


def test_only_the_owners_weigh_relief_and_each_by_its_own_motivation():
    model = PartnershipModel(scenario="crime_reduction_partnership", rng=6, collect_agents=False)
    for _ in range(20):  # results build up over the first weeks
        model.step()
    _, active, signals, _, relief, *_ = model._ledger_inputs
    owners = model.orgs.sector[active] == BUS
    assert owners.any() and (~owners).any()
    expected = model.params.stake_weight * signals["results"]
    assert expected > 0
    np.testing.assert_allclose(relief[owners], expected)
    assert np.all(relief[~owners] == 0)
    book = model.sector_ledger()
    column = engagement.LEDGER.index("relief")
    assert book[BUS, column] == pytest.approx(
        np.mean(model.orgs.motivation[active][owners] * expected)
    )
    assert book[sectors.GOV, column] == 0


def test_owning_the_problem_keeps_firms_engaged():
    """Over 12 paired seeds, the crime reduction partnership's `engaged_business_share` averaged
    over the run is higher when its firms own the problem than when nobody does: one-sided
    Wilcoxon signed-rank p < 0.01."""

    def share(**overrides):
        params = resolve("crime_reduction_partnership", steps=104, **overrides)
        return np.array(
            [
                run_one(params, s, diagnose=False)
                .timeseries["engaged_business_share"]
                .iloc[1:]
                .mean()
                for s in range(300, 312)
            ]
        )

    owned, not_owned = share(), share(problem_owners="none")
    assert stats.wilcoxon(owned, not_owned, alternative="greater").pvalue < 0.01


def test_a_problem_owner_must_be_a_sector():
    with pytest.raises(
        ParameterError,
        match="problem_owners='shops'.*allowed values are none, government, business",
    ):
        resolve("crime_reduction_partnership", problem_owners="shops")
