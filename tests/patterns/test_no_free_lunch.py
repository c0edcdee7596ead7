"""No free lunch (issue 20, item 3): a knob that helps in one condition harms in another,
through the shared mechanisms. Each test names the condition, the outcome, the statistic and
the threshold, on fresh seeds 100-107 (seeds 0-7 guided the choice of condition), and a second
test switches the harmful path off and finds the harm gone.

Orchestration, through the budget (ODD 7.12): on a backbone grant that affords less than the
Impact Partnership asks (0.8 a week against 1.84), a fuller orchestration ask takes money from
the platform, curation, sprints and communication, which are cut by the same share.
"""

from __future__ import annotations

import numpy as np

from sim.run import run_one
from sim.scenarios import resolve

FRESH = range(100, 108)
SHORT_GRANT = 0.8  # budget units a week: under half of what the Impact Partnership asks
AMPLE_GRANT = 2.2  # the default: affords every ask, so the budget path is off
HARM = 0.02  # the least fall of an outcome users value that counts as harm


def _paired_change(knob: str, low: float, high: float, outcome: str, **world) -> float:
    """Median over the fresh seeds of the paired change of a final outcome when `knob` is
    raised from `low` to `high` in the Impact Partnership."""
    changes = []
    for seed in FRESH:
        finals = [
            run_one(
                resolve("impact_partnership", **{knob: level}, **world), seed, diagnose=False
            ).summary["final"][outcome]
            for level in (low, high)
        ]
        changes.append(finals[1] - finals[0])
    return float(np.median(changes))


def test_orchestration_on_a_short_budget_lowers_progress():
    change = _paired_change("orchestration", 0.3, 1.0, "progress", backbone_grant=SHORT_GRANT)
    assert change <= -HARM, change


def test_orchestration_does_no_harm_when_the_budget_affords_every_ask():
    change = _paired_change("orchestration", 0.3, 1.0, "progress", backbone_grant=AMPLE_GRANT)
    assert change > -HARM / 2, change
