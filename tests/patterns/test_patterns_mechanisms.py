"""Patterns 7-11 of model.md: what each ingredient does, shown by paired runs (20 fresh seeds;
240 in `make validate`).

Paired comparisons share the seed, so only the manipulated ingredient differs.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim import PartnershipModel
from sim.partnership import MEMBER
from sim.run import run_one
from sim.scenarios import resolve

from .conftest import MOST, N_SEEDS, REFERENCE, SEEDS, final

pytestmark = pytest.mark.slow


def breach_and_recovery(seed: int) -> tuple[int, float] | None:
    """Weeks a breach of 4 weeks took to cost trust, and weeks to win the loss back (inf if
    never within the run). A random member withholds its contribution from week 52. None if
    the member itself left in its breach's weeks (v2: a member whose engagement was already
    low can): nobody is left to win trust back."""
    model = PartnershipModel(scenario=REFERENCE, rng=seed, collect_agents=False)
    for _ in range(51):
        model.step()
    active = model.orgs.active()
    culprit = int(model.streams["test-breach"].choice(active))
    others = active[active != culprit]
    before = model.trust_matrix.level[others, culprit].mean()
    agent = next(a for a in model.agents if a.row == culprit)
    model.suspend_contribution(agent, 4)
    for _ in range(4):
        model.step()
    if model.orgs.status[culprit] != MEMBER:
        return None
    lowest = model.trust_matrix.level[others, culprit].mean()
    assert lowest < before
    # the breach left a scar on every partner who saw it and is still a partner (a member who
    # left in the breach's weeks has no trust left to scar)
    staying = others[model.orgs.status[others] == MEMBER]
    assert (model.trust_matrix.cap[staying, culprit] < 1.0).all()
    for week in range(1, model.params.steps - model.steps + 1):
        model.step()
        if model.trust_matrix.level[others, culprit].mean() >= before:
            return 4, week
    return 4, np.inf


def test_7_trust_falls_faster_than_it_rises():
    """Pattern 7. A member withholds its contribution for 4 weeks at week 52 of the Impact
    Partnership: its partners' trust in it falls; regaining the loss takes longer than the 4
    weeks it took to lose it in every seed (sign test p < 0.01), and the breach
    lowers the cap on its partners' trust in it for good (the scar) in every seed. Seeds where
    the member left in its breach's weeks say nothing about winning trust back and are left
    out; they must be fewer than one in ten."""
    found = [breach_and_recovery(s) for s in SEEDS]
    results = [r for r in found if r is not None]
    assert len(results) >= MOST  # the member that breached stayed in at least 9 seeds in 10
    slower = sum(recover > lose for lose, recover in results)
    assert stats.binomtest(slower, len(results), 0.5, alternative="greater").pvalue < 0.01
    assert slower == len(results)


def per_member_progress(scale: int, orchestration: float) -> np.ndarray:
    """Final progress per member, on a problem scaled with the partnership (`problem_scale`
    times `scale`), so that a bigger partnership faces a proportionally bigger problem and
    progress per member is comparable across sizes."""
    base = resolve(REFERENCE)
    sizes = {f"members_{s}": n * scale for s, n in base.initial_members.items()}
    params = base.with_(
        orchestration=orchestration,
        pool_per_sector=15 * scale,
        problem_scale=base.problem_scale * scale,
        **sizes,
    )
    members = sum(sizes.values())
    return np.array(
        [
            run_one(params, s, diagnose=False).timeseries["progress"].iloc[-1] / members
            for s in SEEDS
        ]
    )


def test_8_orchestration_carries_the_cost_of_size():
    """Pattern 8. Progress per member at four times the Impact Partnership's size (on a problem
    four times as big), as a share of that at its own size: without orchestration it falls
    (median ratio below 0.2, against 0.25 if only the head count grew); with orchestration 0.9
    the ratio is higher in paired seeds (sign test p < 0.01)."""
    ratio_without = per_member_progress(4, 0.0) / per_member_progress(1, 0.0)
    ratio_with = per_member_progress(4, 0.9) / per_member_progress(1, 0.9)
    assert np.median(ratio_without) < 0.2
    higher = int((ratio_with > ratio_without).sum())
    assert stats.binomtest(higher, len(SEEDS), 0.5, alternative="greater").pvalue < 0.01


CONVENER_ONLY = dict(
    members_government=0,
    members_business=0,
    members_civil_society=4,
    members_citizens=0,
    target_members=13,
)


@pytest.mark.parametrize("metric", ["sectors_represented", "cross_sector_ties"])
def test_9_curation_brings_diversity_and_ties(metric):
    """Pattern 9. A partnership that starts with four civil-society organisations and recruits
    up to the Impact Partnership's 13 members: with curation 0.9 it ends with more sectors represented and more cross-sector ties than with
    self-selection (curation 0): one-sided Wilcoxon signed-rank p < 0.01 over paired seeds."""
    curated = final(REFERENCE, metric, curation=0.9, **CONVENER_ONLY)
    self_selected = final(REFERENCE, metric, curation=0.0, **CONVENER_ONLY)
    assert stats.wilcoxon(curated, self_selected, alternative="greater").pvalue < 0.01


def test_10_early_wins_lower_dropout():
    """Pattern 10. The government-led design, where members drop out, with sprints added
    (sprint_intensity 0.8): the sprints make wins (median at least 2) and fewer dropouts than
    the same seeds without sprints (one-sided Wilcoxon signed-rank p < 0.05)."""
    with_sprints = final("government_led", "dropouts", sprint_intensity=0.8)
    assert np.median(final("government_led", "wins", sprint_intensity=0.8)) >= 2
    without = final("government_led", "dropouts")
    assert stats.wilcoxon(without, with_sprints, alternative="greater").pvalue < 0.05


BASELINES = [
    "government_led",
    "public_funder_partnership",
    "ngo_business_pair",
    "advocacy_coalition",
    "crime_reduction_partnership",
    "business_led",
]
ONE_SECTOR = {"facets": (("market_solution", ("funding", "reach")),)}


NO_BACKING = {"leadership_backing": 0.0}


def advantage(
    resample: np.random.Generator | None = None, reference: dict | None = None, **overrides
) -> float:
    """Median final progress of the Impact Partnership less that of the best baseline; with
    `resample`, on a bootstrap resample of each design's seeds. `overrides` apply to every
    design, `reference` to the Impact Partnership alone."""

    def median(design, **extra):
        values = final(design, "progress", **overrides, **extra)
        if resample is not None:
            values = resample.choice(values, values.size)
        return np.median(values)

    return float(median(REFERENCE, **(reference or {})) - max(median(d) for d in BASELINES))


@pytest.mark.xfail(
    N_SEEDS < 240,
    strict=True,
    reason=(
        "too few seeds in v2: on seeds 20000-20019 the lead falls from 0.196 to 0.091, but the "
        "Impact Partnership's final progress varies by a CV of 0.29 and the bootstrap's 2.5th "
        "percentile is -0.10; it holds on 240 seeds (make validate)"
    ),
)
def test_11a_advantage_shrinks_when_one_sector_suffices():
    """Pattern 11, first boundary. On a problem whose one facet needs only funding and reach
    (business alone holds both), the Impact Partnership's lead in median final progress over
    the best baseline is smaller than on the default problem: the 2.5th percentile of 2,000
    bootstrap differences (default lead less one-sector lead, seeds resampled) is above 0."""
    rng = np.random.default_rng(11)
    shrink = [advantage(rng) - advantage(rng, **ONE_SECTOR) for _ in range(2000)]
    assert np.percentile(shrink, 2.5) > 0


@pytest.mark.xfail(
    strict=N_SEEDS >= 240,
    reason=(
        "not reproduced: on 240 seeds the lead shrinks by less than half (in 0.1: 0.36 to 0.26 "
        "on seeds 1000-1019); orchestration, sprints and learning help on any problem, and "
        "nothing yet makes coordinating four sectors cost more than it brings when one would "
        "do. On seeds 20000-20019 alone it passes (0.196 to 0.091), which 240 seeds do not "
        "bear out, so it is strict only on 240"
    ),
)
def test_11a_strong_advantage_halves_when_one_sector_suffices():
    """Pattern 11, first boundary, strong form (our own stricter target, not the brief's): the
    lead on the one-sector problem is less than half the lead on the default problem."""
    assert advantage(**ONE_SECTOR) < 0.5 * advantage()


def test_11b_advantage_shrinks_when_the_horizon_is_short():
    """Pattern 11, second boundary. Over 20 weeks, shorter than the 8-week set-up plus the
    first 14-week sprint, the Impact Partnership's lead in median progress over the best
    baseline is less than half its lead over 156 weeks."""
    assert advantage(steps=20) < 0.5 * advantage()


@pytest.mark.xfail(
    N_SEEDS < 240,
    strict=True,
    reason=(
        "too few seeds in v2: on seeds 20000-20019 the lead without backing is 0.008 against "
        "0.196 by default, but the bootstrap's 97.5th percentile of the slack is +0.04; it "
        "holds on 240 seeds (make validate)"
    ),
)
def test_11c_advantage_shrinks_without_leadership_backing():
    """Pattern 11, third boundary (model.md: "no leadership backing at all"). The Impact
    Partnership run with `leadership_backing=0` (the baselines at their defaults) keeps less
    than half its default lead in median final progress over the best baseline: the 97.5th
    percentile of 2,000 bootstrap values of (lead without backing - half the default lead),
    seeds resampled, is below 0. Backing works through permission to pool (7.3) and the
    protection from churn (7.10): without it members pool 40% of what their trust would allow
    (`permission_base`) and each sponsor change hits with the full `churn_shock`."""
    rng = np.random.default_rng(13)
    slack = [advantage(rng, reference=NO_BACKING) - 0.5 * advantage(rng) for _ in range(2000)]
    assert np.percentile(slack, 97.5) < 0


SETUP_WEEKS = resolve(REFERENCE).design_phase_weeks  # 8: the Impact Partnership designs first


@pytest.mark.parametrize(
    "horizon, reference",
    [
        (SETUP_WEEKS, {}),  # a horizon within its set-up
        (20, NO_BACKING),  # past set-up, into the first sprint, without leadership backing
    ],
    ids=["within-setup", "unbacked-20-weeks"],
)
def test_11d_where_two_boundaries_meet_the_impact_partnership_does_not_win(horizon, reference):
    """Pattern 11, where the brief's boundaries meet (model.md, "What the model is for":
    "there must be conditions ... where it does not win"). Alone, each boundary only shrinks
    the lead (11a-11c). On the one-facet problem that business alone can meet, the business-led
    design ends with more progress than the Impact Partnership, one-sided Mann-Whitney
    p < 0.01 over 20 seeds: (i) over the 8 set-up weeks (`design_phase_weeks`), in which the
    Impact Partnership gives 45% of its action to design work and the business-led design 20%
    (`setup_talk` x `setup_weight`, 7.4) while the backbone is still being built; (ii) over 20
    weeks with the Impact Partnership run without leadership backing (the baselines at their
    defaults). The business-led design is named in advance, not picked after the runs: it is
    the design whose own sector holds both assets the problem needs."""
    overrides = {**ONE_SECTOR, "steps": horizon}
    theirs = final("business_led", "progress", **overrides)
    mine = final(REFERENCE, "progress", **overrides, **reference)
    assert stats.mannwhitneyu(theirs, mine, alternative="greater").pvalue < 0.01
