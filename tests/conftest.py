"""Shared fixtures: a ready parameter set and a helper that runs a small model."""

from __future__ import annotations

import pandas as pd
import pytest

from sim import PartnershipModel
from sim.scenarios import resolve


@pytest.fixture
def impact():
    """Params of the Impact Partnership design, the baseline for single-knob changes."""
    return resolve("impact_partnership")


@pytest.fixture
def run_model():
    """Run a model to its horizon and return its weekly model records (no agent records).

    Keyword arguments are those of `PartnershipModel`; a small public keeps runs fast.
    """

    def run(seed: int, **kwargs) -> pd.DataFrame:
        kwargs.setdefault("public_size", 500)
        model = PartnershipModel(rng=seed, collect_agents=False, **kwargs)
        while model.running:
            model.step()
        return model.datacollector.get_model_vars_dataframe()

    return run
