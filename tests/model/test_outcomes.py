"""Meets expectations (sim.outcomes, ODD 1.2): half the problem solved and never stalled."""

from __future__ import annotations

from sim.outcomes import EXPECTED_PROGRESS, meets_expectations
from sim.run import run_one
from sim.scenarios import resolve


def test_a_run_meets_expectations_only_with_half_the_problem_solved_and_no_stall():
    assert meets_expectations(EXPECTED_PROGRESS, stalled=False)
    assert not meets_expectations(EXPECTED_PROGRESS - 1e-9, stalled=False)
    assert not meets_expectations(1.0, stalled=True)


def test_the_run_summary_says_whether_it_met_expectations():
    result = run_one(resolve("government_led", steps=30), 0)
    expected = meets_expectations(result.summary["final"]["progress"], result.summary["stalled"])
    assert result.summary["meets_expectations"] is expected
    assert "meets_expectations" not in run_one(resolve(steps=5), 0, diagnose=False).summary
