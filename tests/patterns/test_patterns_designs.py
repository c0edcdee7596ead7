"""Patterns 1-6 of model.md: how the seven designs compare (20 fresh seeds each; 240 in
`make validate`).

Statistics: one-sided Mann-Whitney U tests between designs at the stated level, and medians.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.endowment import at_resources_of, endowment
from sim.run import run_one
from sim.scenarios import resolve

from .conftest import MOST, N_SEEDS, REFERENCE, SEEDS, all_designs, final, over_run, runs

BASELINES = [d for d in all_designs() if d != REFERENCE]
pytestmark = pytest.mark.slow


def greater(a, b) -> float:
    """p-value of a one-sided Mann-Whitney test that `a` tends to exceed `b`."""
    return stats.mannwhitneyu(a, b, alternative="greater").pvalue


@pytest.mark.parametrize("metric", ["progress", "systems_change"])
@pytest.mark.parametrize("baseline", BASELINES)
def test_1_impact_partnership_beats_every_baseline(metric, baseline):
    """Pattern 1. Final progress and systems change of the Impact Partnership exceed each
    baseline's: one-sided Mann-Whitney p < 0.01 over 20 seeds each (240 in `make validate`)."""
    assert greater(final(REFERENCE, metric), final(baseline, metric)) < 0.01


@pytest.mark.parametrize("baseline", BASELINES)
def test_1_at_equal_resources_the_impact_partnership_still_leads(baseline):
    """Pattern 1 at equal resources (model.md v2, item 5): each baseline given the Impact
    Partnership's week-0 budget and its founders' total capacity (`sim.endowment.
    at_resources_of`: each member's capacity scaled, head-counts kept), then its own dynamics.
    The Impact Partnership's final progress exceeds the baseline's: one-sided Mann-Whitney
    p < 0.01 over the same seeds."""
    params = at_resources_of(resolve(baseline), endowment(resolve(REFERENCE)))
    moved = [run_one(params, s, diagnose=False).summary["final"]["progress"] for s in SEEDS]
    assert greater(final(REFERENCE, "progress"), np.array(moved)) < 0.01


@pytest.mark.parametrize("design", ["government_led", "public_funder_partnership"])
def test_2_government_designs_keep_fewest_business_engaged(design):
    """Pattern 2. Share of business members engaged (engagement >= 0.5), averaged over the
    run: the government-led and public-funder medians are below the median of every other
    design, and each other design exceeds them with one-sided Mann-Whitney p < 0.05."""
    mine = over_run(design, "engaged_business_share")
    for other in all_designs():
        if other in ("government_led", "public_funder_partnership"):
            continue
        theirs = over_run(other, "engaged_business_share")
        assert np.median(mine) < np.median(theirs), other
        assert greater(theirs, mine) < 0.05, other


def test_3_advocacy_coalition_is_a_talking_shop():
    """Pattern 3. Share of effort in joint action, averaged over the run: the advocacy
    coalition's is below every other design's, one-sided Mann-Whitney p < 0.01."""
    mine = over_run("advocacy_coalition", "action_share")
    for other in all_designs():
        if other != "advocacy_coalition":
            assert greater(over_run(other, "action_share"), mine) < 0.01, other


@pytest.mark.xfail(
    N_SEEDS < 240,
    strict=True,
    reason=(
        "too few seeds in v2: on seeds 20000-20019 business-led's claims gap exceeds the "
        "advocacy coalition's at p = 0.06, not 0.01; it holds on 240 seeds (make validate)"
    ),
)
def test_4_business_led_claims_outrun_action_and_legitimacy_falls():
    """Pattern 4. Claims gap averaged over the run: business-led exceeds every other design
    (one-sided Mann-Whitney p < 0.01); its legitimacy ends below where it started in at least
    18 of 20 seeds (9 in 10)."""
    mine = over_run("business_led", "claims_gap")
    for other in all_designs():
        if other != "business_led":
            assert greater(mine, over_run(other, "claims_gap")) < 0.01, other
    falls = [ts["legitimacy"].iloc[-1] < ts["legitimacy"].iloc[0] for ts in runs("business_led")]
    assert sum(falls) >= MOST


@pytest.mark.parametrize("design", ["ngo_business_pair", "business_led"])
def test_5_no_government_no_lock_in(design):
    """Pattern 5. Designs without government: median final systems change below 0.05, and once
    the partnership ends (week 156 of 208) progress decays: lower at week 208 than at week 156
    in at least 18 of 20 seeds (9 in 10), by a median of at least 20% of its level."""
    assert np.median(final(design, "systems_change")) < 0.05
    after = runs(design, steps=208, partnership_weeks=156)
    at_end = np.array([ts["progress"].iloc[156] for ts in after])
    later = np.array([ts["progress"].iloc[208] for ts in after])
    assert (later < at_end).sum() >= MOST
    assert np.median((at_end - later) / at_end) >= 0.2


OPEN_DESIGNS = [
    "impact_partnership",
    "government_led",
    "public_funder_partnership",
    "ngo_business_pair",
    "advocacy_coalition",
]


def test_6_crime_reduction_ends_with_low_legitimacy():
    """Pattern 6. "Low" stated three ways: the crime reduction partnership's final legitimacy is
    below 0.42, the public's lowest prior trust in any sector (government, Edelman 2019), in at
    least 18 of 20 seeds (9 in 10); below that of every design with civil society or citizens
    at the table (one-sided Mann-Whitney p < 0.01); and below where it started in 18 of 20
    seeds (9 in 10). (The business-led design, which pattern 4 says also loses legitimacy, is not compared.)"""
    mine = final("crime_reduction_partnership", "legitimacy")
    assert (mine < 0.42).sum() >= MOST
    for other in OPEN_DESIGNS:
        assert greater(final(other, "legitimacy"), mine) < 0.01, other
    falls = [
        ts["legitimacy"].iloc[-1] < ts["legitimacy"].iloc[0]
        for ts in runs("crime_reduction_partnership")
    ]
    assert sum(falls) >= MOST
