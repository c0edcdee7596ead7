"""Shared runs for the pattern tests: every design over the same fresh seeds, cached per worker."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from sim.run import run_one
from sim.scenarios import designs, resolve

SEEDS = tuple(range(1000, 1020))  # 20 seeds the calibration never looked at
REFERENCE = "impact_partnership"

pytestmark = pytest.mark.slow


@functools.cache
def runs(design: str, seeds: tuple[int, ...] = SEEDS, **overrides) -> list[pd.DataFrame]:
    """Weekly records of `design` for each seed (overrides as keyword arguments)."""
    params = resolve(design, **overrides)
    return [run_one(params, s, design=design).timeseries for s in seeds]


@functools.cache
def final(design: str, metric: str, **overrides) -> np.ndarray:
    return np.array([ts[metric].iloc[-1] for ts in runs(design, **overrides)])


@functools.cache
def over_run(design: str, metric: str, **overrides) -> np.ndarray:
    """Mean of `metric` over the weeks of each run (the start excluded)."""
    return np.array([ts[metric].iloc[1:].mean() for ts in runs(design, **overrides)])


def all_designs() -> list[str]:
    return designs()
