"""No free lunch (issue 20, item 3): a knob that helps in one condition harms in another,
through the shared mechanisms. Each test names the condition, the outcome, the statistic and
the threshold, on fresh seeds 100-107 (seeds 0-7 guided the choice of condition), and a second
test switches the harmful path off and finds the harm gone.

- Orchestration, through the budget (ODD 7.12): on a backbone grant that affords less than
  the Impact Partnership asks (0.8 a week against 1.84), a fuller orchestration ask takes money
  from the platform, curation, sprints and communication, which are cut by the same share.
- Communication, through legitimacy (7.7): in the business-led design, whose visible action is
  small, louder claims run ahead of action and the public reads greenwashing.
- Sprint intensity, through members' time (7.13): sprints that ask a full extra share of
  members' time (`sprint_hours` 1) with no rest between them (`fatigue_recovery` 0) tire
  members out of the partnership.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.run import run_one
from sim.scenarios import resolve

FRESH = range(100, 108)
SHORT_GRANT = 0.8  # budget units a week: under half of what the Impact Partnership asks
AMPLE_GRANT = 2.2  # the default: affords every ask, so the budget path is off
HARM = 0.02  # the least fall of an outcome users value that counts as harm


def _paired_change(
    knob: str, low: float, high: float, outcome: str, design: str = "impact_partnership", **world
) -> float:
    """Median over the fresh seeds of the paired change of a final outcome when `knob` is
    raised from `low` to `high` in `design`."""
    changes = []
    for seed in FRESH:
        finals = [
            run_one(resolve(design, **{knob: level}, **world), seed, diagnose=False).summary[
                "final"
            ][outcome]
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


def test_communication_in_the_business_led_design_lowers_legitimacy():
    change = _paired_change("communication", 0.3, 1.0, "legitimacy", design="business_led")
    assert change <= -HARM, change


@pytest.mark.xfail(
    strict=True,
    reason="with greenwash_penalty 0 louder claims still cost legitimacy: median -0.011 on seeds "
    "100-107, so claims ahead of action reach legitimacy by a second path as well (candidates: "
    "communication's talk, 7.2, taking visible action; the reputation signal, 7.6); the path "
    "is to be found and the test restated on new fresh seeds",
)
def test_communication_does_no_harm_when_claims_ahead_of_action_cost_nothing():
    change = _paired_change(
        "communication", 0.3, 1.0, "legitimacy", design="business_led", greenwash_penalty=0.0
    )
    assert change > -HARM / 2, change


RESTLESS = dict(sprint_hours=1.0, fatigue_recovery=0.0)


def test_sprints_without_rest_lose_members():
    change = _paired_change("sprint_intensity", 0.3, 1.0, "members", **RESTLESS)
    assert change <= -1, change  # at least one organisation fewer in the median run


def test_sprints_without_rest_lose_nobody_when_fatigue_weighs_nothing():
    change = _paired_change("sprint_intensity", 0.3, 1.0, "members", **RESTLESS, fatigue_cost=0.0)
    assert change >= 0, change
