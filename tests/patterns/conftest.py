"""Shared runs for the pattern tests: every design over the same fresh seeds, cached per worker."""

from __future__ import annotations

import functools
import os

import numpy as np
import pandas as pd
import pytest

from sim.run import run_one
from sim.scenarios import designs, resolve

# Fresh seeds: 20000-20239, committed for model v2 with the definition of "meets expectations"
# (sim/outcomes.py) before v2's defaults were measured, and used by no calibration study (seeds
# 0-29 guided v2's defaults; 0.1's patterns were judged on 1000-1019). 20 in `make test` (the
# suite's 15-minute budget on 2 cores); `make validate` runs the same tests on 240
# (SIM_PATTERN_SEEDS=240), the count the coefficient-of-variation method asks for
# (docs/calibration.md, "How many seeds").
N_SEEDS = int(os.environ.get("SIM_PATTERN_SEEDS", "20"))
SEEDS = tuple(range(20000, 20000 + N_SEEDS))
MOST = int(np.ceil(0.9 * N_SEEDS))  # "in at least 9 runs in 10": 18 of 20, 216 of 240
REFERENCE = "impact_partnership"

pytestmark = pytest.mark.slow


@functools.cache
def runs(design: str, seeds: tuple[int, ...] = SEEDS, **overrides) -> list[pd.DataFrame]:
    """Weekly records of `design` for each seed (overrides as keyword arguments). Without the
    stall diagnosis, which only watches (test_diagnosis.py::
    test_observer_does_not_change_the_trajectory) and costs a third of the time."""
    params = resolve(design, **overrides)
    return [run_one(params, s, design=design, diagnose=False).timeseries for s in seeds]


@functools.cache
def final(design: str, metric: str, **overrides) -> np.ndarray:
    return np.array([ts[metric].iloc[-1] for ts in runs(design, **overrides)])


@functools.cache
def over_run(design: str, metric: str, **overrides) -> np.ndarray:
    """Mean of `metric` over the weeks of each run (the start excluded)."""
    return np.array([ts[metric].iloc[1:].mean() for ts in runs(design, **overrides)])


def all_designs() -> list[str]:
    return designs()
