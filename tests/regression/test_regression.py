"""Regression baseline: a few seeds' summary numbers, pinned (issue 6).

The numbers in tests/regression/baselines/regression.json change only when a mechanism deliberately
changes; then regenerate them with `python -m benchmarks.update_baseline` and give the reason
in the commit. Optimisations must leave them as they are, to a relative 1e-9.
"""

from __future__ import annotations

import json

import pytest

from benchmarks.update_baseline import BASELINE, DESIGNS, SEEDS, summary

EXPECTED = json.loads(BASELINE.read_text())


@pytest.mark.parametrize("design", DESIGNS)
@pytest.mark.parametrize("seed", SEEDS)
def test_summary_matches_the_baseline(design, seed):
    expected = EXPECTED[f"{design}/{seed}"]
    assert summary(design, seed) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_the_baseline_covers_every_case():
    assert set(EXPECTED) == {f"{d}/{s}" for d in DESIGNS for s in SEEDS}
