"""No free lunch (issue 20, item 3): a knob that helps in one condition harms in another,
through the shared mechanisms. Each test names the condition, the outcome, the statistic and
the threshold, on fresh seeds 100-107 (seeds 0-7 guided the choice of condition), and a second
test switches the harmful path off and finds the harm gone.

- Orchestration, through the budget (ODD 7.12): on a backbone grant that affords less than
  the Impact Partnership asks (0.8 a week against 1.84), a fuller orchestration ask takes money
  from the platform, curation, sprints and communication, which are cut by the same share.
- Communication, through legitimacy (7.7): in the business-led design, whose visible action is
  small, louder claims run ahead of action and the public reads greenwashing.
  Its second path is its talk (7.2), which takes effort from visible action.
- Sprint intensity, through members' time (7.13): sprints that ask a full extra share of
  members' time (`sprint_hours` 1) with no rest between them (`fatigue_recovery` 0) tire
  members out of the partnership.
- Curation, through legitimacy (7.1, 7.7): in the NGO-business pair the curator fills the
  missing authority with a government member, whom the public trusts less and who dilutes
  civil society's voice. Switched off: the curator introduces nobody (`curated_intro_rate` 0).
- Transparency, through legitimacy (7.7): where the public credits what it cannot see at its
  prior (`benefit_of_doubt` 1) and expects half of members' capacity in joint action
  (`expected_action` 0.5), the platform shows the business-led design's shortfall.
- Policy link, through political churn (7.10): in 0.1's world (`AS_IN_0_1`), with a sponsor
  change a year (`sponsor_term_weeks` 52) and a partnership tied to the sponsor's programme
  (`policy_exposure` 1), the government-led design loses progress as it links closer. In v2's
  world the same path at full strength (`policy_exposure` 2) is a strict expected failure on
  the fresh seeds (its reason below).
- Leadership backing, through the convener's time (7.14): where members already have their
  leaders' permission (`permission_base` 1), courting leaders at the path's full strength
  (`backing_time` 1) takes the convener's members' contribution and buys nothing in the public
  funder partnership.
- Goal clarity, through members' time (7.2): where members write the whole agenda together
  (`convener_say` 0) and unclear goals waste nothing (`misalignment_waste` 0), agreeing clear
  goals in the first weeks (`goal_setting_talk` 1) takes effort from action that a one-year
  partnership does not make up.
Seeds 0-7 guided the choice of these conditions; 100-107 are fresh for them. In v2's world
(0.2's defaults) the policy link's and backing's paths at 0.1-world strengths (`policy_exposure`
1, `backing_time` 0.5) harmed by less than the threshold on seeds 0-7 (medians -0.018 and
-0.019), so backing's condition states its path at full strength (`backing_time` 1), and the
policy link's, at full strength in v2's world, did not hold on the fresh seeds.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import AS_IN_0_1
from sim.run import run_one
from sim.scenarios import resolve

FRESH = range(100, 108)
SHORT_GRANT = 0.8  # budget units a week: under half of what the Impact Partnership asks
AMPLE_GRANT = 2.2  # 0.1's grant (`AS_IN_0_1`): affords every ask; with no funding cut at
# random (`funding_cut_rate` 0) it lasts, so the budget path is off
HARM = 0.02  # the least fall of an outcome users value that counts as harm


def _paired_change(
    knob: str,
    low: float,
    high: float,
    outcome: str,
    design: str = "impact_partnership",
    seeds: range = FRESH,
    **world,
) -> float:
    """Median over `seeds` (the fresh seeds) of the paired change of a final outcome when
    `knob` is raised from `low` to `high` in `design`."""
    changes = []
    for seed in seeds:
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
    change = _paired_change(
        "orchestration", 0.3, 1.0, "progress", backbone_grant=AMPLE_GRANT, funding_cut_rate=0.0
    )
    assert change > -HARM / 2, change


def test_communication_in_the_business_led_design_lowers_legitimacy():
    change = _paired_change("communication", 0.3, 1.0, "legitimacy", design="business_led")
    assert change <= -HARM, change


# seeds 100-107 showed a second path (median -0.011 with greenwash_penalty 0): communication's
# talk (7.2) takes effort from visible action. The switched-off test turns both paths off and
# is restated on seeds 200-207, which guided nothing.
RESTATED = range(200, 208)


def test_communication_does_no_harm_when_claims_and_its_talk_cost_nothing():
    change = _paired_change(
        "communication",
        0.3,
        1.0,
        "legitimacy",
        design="business_led",
        seeds=RESTATED,
        greenwash_penalty=0.0,
        communication_talk=0.0,
    )
    assert change > -HARM / 2, change


RESTLESS = dict(sprint_hours=1.0, fatigue_recovery=0.0)


def test_sprints_without_rest_lose_members():
    change = _paired_change("sprint_intensity", 0.3, 1.0, "members", **RESTLESS)
    assert change <= -1, change  # at least one organisation fewer in the median run


def test_sprints_without_rest_lose_nobody_when_fatigue_weighs_nothing():
    change = _paired_change("sprint_intensity", 0.3, 1.0, "members", **RESTLESS, fatigue_cost=0.0)
    assert change >= 0, change


# 0.1's world, the policy link's own path (set by its row) apart
WORLD_0_1_BUT_THE_PATH = {k: v for k, v in AS_IN_0_1.items() if k != "policy_exposure"}

# Knob, its range, the outcome, the condition, and the setting that switches its path on
# (the harm) and off (no harm): one row per knob whose path is one setting.
PATHS = {
    "curation": (
        (0.0, 1.0, "legitimacy"),
        dict(design="ngo_business_pair"),
        ("curated_intro_rate", 0.4, 0.0),  # the curator introduces (the default) or nobody
    ),
    "transparency": (
        (0.2, 1.0, "legitimacy"),
        dict(design="business_led", expected_action=0.5),
        ("benefit_of_doubt", 1.0, 0.0),  # the public credits unseen action, or nothing
    ),
    "policy_link": (
        (0.3, 1.0, "progress"),
        # in 0.1's world: in v2's the path's harm is not established (below)
        dict(design="government_led", sponsor_term_weeks=52.0, **WORLD_0_1_BUT_THE_PATH),
        ("policy_exposure", 1.0, 0.0),  # a sponsor's departure reaches through the link, or not
    ),
    "leadership_backing": (
        (0.3, 1.0, "progress"),
        dict(design="public_funder_partnership", permission_base=1.0),
        ("backing_time", 1.0, 0.0),  # courting leaders takes the convener's time, or none
    ),
    "goal_clarity": (
        (0.2, 1.0, "progress"),
        dict(steps=52, convener_say=0.0, misalignment_waste=0.0),
        ("goal_setting_talk", 1.0, 0.0),  # agreeing goals jointly takes talk up front, or none
    ),
}


def _change_on_path(knob: str, path_on: bool) -> float:
    (low, high, outcome), world, (setting, on, off) = PATHS[knob]
    return _paired_change(knob, low, high, outcome, **world, **{setting: on if path_on else off})


@pytest.mark.parametrize("knob", PATHS)
def test_raising_the_knob_in_its_condition_harms(knob):
    change = _change_on_path(knob, path_on=True)
    assert change <= -HARM, change


@pytest.mark.parametrize("knob", PATHS)
def test_raising_the_knob_does_no_harm_with_its_path_switched_off(knob):
    change = _change_on_path(knob, path_on=False)
    assert change > -HARM / 2, change


@pytest.mark.xfail(
    strict=True,
    reason=(
        "not reproduced in v2's world: with a sponsor change a year and policy_exposure at its "
        "top (2), raising the government-led design's policy link from 0.3 to 1 lowers progress "
        "by a median 0.037 on seeds 0-7, which guided the condition, but by 0.006 on the fresh "
        "seeds 100-107, so the harm is not established; why the path is weaker in v2's world "
        "is not yet known (a candidate: backing that follows results and shrinks with each "
        "sponsor, 7.14, already costs the government-led design what the link's exposure "
        "did in 0.1's world, where the test above passes)"
    ),
)
def test_in_v2s_world_the_policy_link_harms_through_churn():
    change = _paired_change(
        "policy_link",
        0.3,
        1.0,
        "progress",
        design="government_led",
        sponsor_term_weeks=52.0,
        policy_exposure=2.0,
    )
    assert change <= -HARM, change
