"""Every design runs, and its records stay within their declared ranges."""

import numpy as np
import pytest

from sim import PartnershipModel
from sim.scenarios import designs

SHARES = [
    "progress",
    "systems_change",
    "action_share",
    "trust",
    "cross_sector_trust",
    "engagement",
    "legitimacy",
]


@pytest.mark.parametrize("design", designs())
def test_design_runs_within_ranges(design):
    model = PartnershipModel(scenario=design, rng=0, steps=52)
    while model.running:
        model.step()
    data = model.datacollector.get_model_vars_dataframe()
    assert len(data) == 53  # the initial state and 52 weeks
    assert model.steps == 52
    assert np.isfinite(data.to_numpy(dtype=float)).all()
    for column in SHARES:
        assert data[column].between(0, 1).all(), column
    by_sector = data[[c for c in data if c.startswith("members_")]].sum(axis=1)
    assert (by_sector == data["members"]).all()
    assert (np.diff(data["dropouts"]) >= 0).all()
