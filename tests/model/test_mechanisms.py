"""Unit tests of the ten mechanisms of the design brief (ODD 7), each called with explicit inputs.

The assertions are qualitative properties that any sound version of the equations must keep
(directions, zero cases, asymmetries, bounds), not calibrated numbers, so the constants can be
tuned without touching this file. Each mechanism's tests fail when that mechanism is switched off
(its knob or constant set to the value that removes it): for example with `orchestration_relief`
at 0 the orchestration tests fail, with `trust_loss_ratio` at 1 the asymmetry test fails, with
`lock_in` at 0 the regeneration test fails. The whole-model tests at the end show the same for
five knobs through the full weekly cycle, over paired seeds.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim import sectors
from sim.mechanisms import (
    churn,
    coordination,
    engagement,
    learning,
    legitimacy,
    pooling,
    recruitment,
    sprints,
    systems_change,
)
from sim.mechanisms import trust as trust_mechanism
from sim.params import DEFAULT_FACETS
from sim.partnership import expectation
from sim.problem import Problem
from sim.public import Public
from sim.public import judge as public_judge
from sim.sectors import AUTHORITY, BUS, CIT, CIV, GOV
from sim.trust import TrustMatrix

ASSET = {name: i for i, name in enumerate(sectors.ASSETS)}
GRID = np.linspace(0.0, 1.0, 11)


def strictly_increasing(values) -> bool:
    return bool(np.all(np.diff(np.asarray(values, dtype=float)) > 0))


def strictly_decreasing(values) -> bool:
    return bool(np.all(np.diff(np.asarray(values, dtype=float)) < 0))


def non_decreasing(values) -> bool:
    return bool(np.all(np.diff(np.asarray(values, dtype=float)) >= -1e-12))


# ---------------------------------------------------------------------------------------------
# 1. Recruitment and curation
# ---------------------------------------------------------------------------------------------


def binding(held, params, facets):
    """The binding asset gap of members holding `held`, for a problem of `facets`."""
    return recruitment.binding_asset(held, Problem(params.with_(facets=facets)).needs)


@pytest.mark.parametrize("convener", range(len(sectors.SECTORS)))
def test_network_recruitment_favours_the_conveners_sector(impact, convener):
    rng = np.random.default_rng(11)
    pool = np.full(len(sectors.SECTORS), 15)
    draws = np.array([recruitment.network_sector(pool, convener, impact, rng) for _ in range(4000)])
    counts = np.bincount(draws, minlength=len(sectors.SECTORS))
    assert counts.argmax() == convener
    # far more than the quarter an unbiased draw from an even pool gives
    test = stats.binomtest(int(counts[convener]), draws.size, 0.25, alternative="greater")
    assert test.pvalue < 1e-6


def test_network_recruitment_without_homophily_is_unbiased(impact):
    rng = np.random.default_rng(12)
    pool = np.full(len(sectors.SECTORS), 15)
    params = impact.with_(homophily=1.0)
    draws = np.array([recruitment.network_sector(pool, BUS, params, rng) for _ in range(4000)])
    share = np.mean(draws == BUS)
    assert stats.binomtest(int(share * draws.size), draws.size, 0.25).pvalue > 1e-3


def test_network_recruitment_only_draws_sectors_with_candidates(impact):
    rng = np.random.default_rng(13)
    pool = np.array([0, 5, 0, 5])
    draws = {recruitment.network_sector(pool, GOV, impact, rng) for _ in range(500)}
    assert draws <= {BUS, CIT}
    assert recruitment.network_sector(np.zeros(4, dtype=int), GOV, impact, rng) is None


@pytest.mark.parametrize(
    "missing, bringer",
    [("authority", GOV), ("lived_experience", CIT), ("reach", BUS), ("expertise", CIV)],
)
def test_curation_recruits_the_sector_that_brings_the_binding_asset(impact, missing, bringer):
    held = np.full(len(sectors.ASSETS), 50.0)
    held[ASSET[missing]] = 0.0
    asset = binding(held, impact, DEFAULT_FACETS)
    assert asset == ASSET[missing]
    pool = np.full(len(sectors.SECTORS), 10)
    assert recruitment.curated_sector(asset, pool, sectors.asset_matrix()) == bringer


def test_binding_asset_ignores_assets_no_facet_needs(impact):
    held = np.array([0.0, 5.0, 1.0, 5.0, 5.0])  # no authority, little reach
    facets = {"reach_people": ["reach", "lived_experience"], "scale": ["funding", "reach"]}
    assert binding(held, impact, facets) == ASSET["reach"]


def test_binding_asset_is_the_scarcest_of_the_weakest_facet(impact):
    held = np.array([4.0, 0.5, 0.6, 0.4, 3.0])
    facets = {"rules": ["authority", "expertise"], "scale": ["funding", "reach"]}
    # complementarity: rules can work with 4 x 0.4, scale only with 0.5 x 0.6, so the gap
    # that binds is scale's funding, not the scarcest asset overall (expertise)
    assert binding(held, impact, facets) == ASSET["funding"]


def test_curation_never_recruits_a_sector_that_brings_nothing_of_the_asset():
    supply = sectors.asset_matrix()
    pool = np.full(len(sectors.SECTORS), 10)
    for asset in range(len(sectors.ASSETS)):
        best = recruitment.curated_sector(asset, pool, supply)
        pool_without_best = pool.copy()
        pool_without_best[best] = 0
        other = recruitment.curated_sector(asset, pool_without_best, supply)
        assert other is None or supply[other, asset] > 0
    assert recruitment.curated_sector(AUTHORITY, np.zeros(4, dtype=int), supply) is None


def test_curated_and_network_recruitment_differ_statistically(impact):
    """A partnership convened by civil society with no authority at the table: the curator
    brings government (the asset gap), the convener's network brings mostly its own kind."""
    rng = np.random.default_rng(14)
    held = np.array([0.0, 3.0, 3.0, 6.0, 3.0])
    gap = binding(held, impact, DEFAULT_FACETS)
    pool = np.full(len(sectors.SECTORS), 15)
    curated, network = [], []
    for _ in range(3000):
        n_network, n_curated = recruitment.introductions(impact.with_(curation=1.0), rng)
        for _ in range(n_curated):
            curated.append(recruitment.curated_sector(gap, pool, sectors.asset_matrix()))
        for _ in range(max(n_network, 1)):
            network.append(recruitment.network_sector(pool, CIV, impact, rng))
    curated, network = np.array(curated), np.array(network)
    assert curated.size > 100 and network.size > 100
    assert np.mean(curated == GOV) == 1.0
    assert np.mean(network == GOV) < 0.25 < np.mean(network == CIV)


def test_no_curated_introductions_without_curation(impact):
    rng = np.random.default_rng(15)
    none, some, full = (impact.with_(curation=c) for c in (0.0, 0.3, 1.0))
    assert sum(recruitment.introductions(none, rng)[1] for _ in range(2000)) == 0
    low = [recruitment.introductions(some, rng)[1] for _ in range(4000)]
    high = [recruitment.introductions(full, rng)[1] for _ in range(4000)]
    assert np.mean(high) > np.mean(low) > 0


def test_citizens_join_only_a_partnership_the_public_finds_legitimate(impact):
    rng = np.random.default_rng(16)

    def rate(legit, citizen, curated=True):
        return np.mean(
            [recruitment.accepts(curated, legit, citizen, impact, rng) for _ in range(4000)]
        )

    assert rate(0.0, citizen=True) == 0.0
    assert rate(0.1, citizen=True) < rate(0.4, citizen=True)
    # other sectors do not weigh legitimacy
    assert abs(rate(0.0, citizen=False) - rate(1.0, citizen=False)) < 0.05


# ---------------------------------------------------------------------------------------------
# 2. Coordination cost and orchestration
# ---------------------------------------------------------------------------------------------


def test_diversity_index_bounds():
    assert coordination.diversity(np.array([0, 0, 0, 0])) == 0.0
    assert coordination.diversity(np.array([7, 0, 0, 0])) == 0.0
    assert coordination.diversity(np.array([3, 3, 3, 3])) == pytest.approx(1.0)
    assert (
        0.0
        < coordination.diversity(np.array([5, 1, 0, 0]))
        < coordination.diversity(np.array([3, 3, 0, 0]))
        < coordination.diversity(np.array([2, 2, 2, 0]))
    )


def test_more_orchestration_lowers_talk(impact):
    talk = [coordination.talk_share(12, 0.8, o, impact) for o in GRID]
    assert strictly_decreasing(talk)


def test_talk_grows_with_members_and_diversity(impact):
    for orchestration in (0.0, 0.9):
        by_size = [coordination.talk_share(n, 0.7, orchestration, impact) for n in range(1, 40)]
        assert strictly_increasing(by_size[1:])
        by_diversity = [coordination.talk_share(10, d, orchestration, impact) for d in GRID]
        assert strictly_increasing(by_diversity)


def test_orchestration_shrinks_the_growth_of_talk_with_size(impact):
    def growth(orchestration):
        return coordination.talk_share(30, 0.8, orchestration, impact) - coordination.talk_share(
            3, 0.8, orchestration, impact
        )

    assert 0 <= growth(1.0) < growth(0.5) < growth(0.0)


def test_talk_is_a_share_of_effort(impact):
    for n in (0, 1, 2, 10, 1000):
        for d in (0.0, 1.0):
            for o in (0.0, 1.0):
                for c in (0.0, 1.0):
                    talk = coordination.talk_share(n, d, o, impact.with_(communication=c))
                    assert 0.0 <= talk <= 1.0


def test_loud_communication_costs_talk(impact):
    talk = [coordination.talk_share(10, 0.5, 0.5, impact.with_(communication=c)) for c in GRID]
    assert strictly_increasing(talk)


def test_unclear_goals_waste_action(impact):
    waste = [coordination.wasted_share(impact.with_(goal_clarity=g)) for g in GRID]
    assert strictly_decreasing(waste)
    assert waste[-1] == 0.0 and 0.0 < waste[0] <= 1.0


def test_the_backbone_is_built_over_the_design_phase(impact):
    params = impact.with_(orchestration=0.9, design_phase_weeks=8)
    effect = [coordination.orchestration_effect(w, params) for w in range(0, 30)]
    assert effect[0] < 0.9
    assert non_decreasing(effect)
    assert all(e <= 0.9 + 1e-12 for e in effect)
    assert effect[8:] == [pytest.approx(0.9)] * len(effect[8:])


# ---------------------------------------------------------------------------------------------
# 3. Pooling assets needs trust and permission; the problem needs combinations of assets
# ---------------------------------------------------------------------------------------------


def test_commitment_rises_with_trust_and_leadership_backing(impact):
    trust = GRID
    for backing in (0.0, 0.5, 1.0):
        commit = pooling.commitment(
            trust, pooling.permission(impact.with_(leadership_backing=backing))
        )
        assert commit[0] == 0.0
        assert strictly_increasing(commit)
        assert np.all((commit >= 0) & (commit <= 1))
    by_backing = [
        pooling.commitment(np.array([0.6]), pooling.permission(impact.with_(leadership_backing=b)))[
            0
        ]
        for b in GRID
    ]
    assert strictly_increasing(by_backing)


def test_permission_is_a_share_that_backing_completes(impact):
    permission = [pooling.permission(impact.with_(leadership_backing=b)) for b in GRID]
    assert strictly_increasing(permission)
    assert 0.0 <= permission[0] and permission[-1] == pytest.approx(1.0)


def test_contribution_needs_engagement_action_and_commitment():
    capacity = np.array([1.0, 2.0, 0.5])
    engaged = np.array([0.8, 0.8, 0.8])
    commit = np.array([0.5, 0.5, 0.5])
    assert np.all(pooling.contribution(capacity, np.zeros(3), 0.6, commit) == 0)
    assert np.all(pooling.contribution(capacity, engaged, 0.0, commit) == 0)
    assert np.all(pooling.contribution(capacity, engaged, 0.6, np.zeros(3)) == 0)
    both = pooling.contribution(capacity, engaged, 0.6, commit)
    assert np.all(both > 0) and both[1] > both[0] > both[2]


def test_misalignment_waste_lowers_pooled_assets():
    effort = np.array([0.3, 0.2])
    assets = np.array([[1.0, 0.0, 0.5, 0.0, 0.0], [0.0, 1.0, 0.0, 0.5, 0.0]])
    clear = pooling.pooled_assets(effort, assets, 0.0)
    muddled = pooling.pooled_assets(effort, assets, 0.4)
    assert np.all(muddled <= clear) and muddled.sum() < clear.sum()
    assert np.all(pooling.pooled_assets(np.zeros(2), assets, 0.0) == 0)


def test_complementarity_a_missing_asset_cannot_be_made_up(impact):
    problem = Problem(
        impact.with_(facets={"rules": ["authority", "expertise"], "scale": ["funding", "reach"]})
    )
    plenty = np.full(len(sectors.ASSETS), 1e6)
    no_authority = plenty.copy()
    no_authority[ASSET["authority"]] = 0.0
    work = problem.joint_work(no_authority)
    assert work[0] == 0.0  # the facet that needs authority
    assert work[1] > 0.0
    gain = problem.advance(work, np.ones(2), impact)
    assert gain[0] == 0.0 and problem.progress[0] == 0.0
    assert gain[1] > 0.0


def test_joint_work_grows_with_each_needed_asset(impact):
    problem = Problem(impact.with_(facets={"rules": ["authority", "expertise"]}))
    base = np.array([0.5, 0.0, 0.0, 0.5, 0.0])
    for asset in ("authority", "expertise"):
        work = []
        for amount in (0.1, 0.5, 1.0, 2.0):
            pooled = base.copy()
            pooled[ASSET[asset]] = amount
            work.append(problem.joint_work(pooled)[0])
        assert strictly_increasing(work)
    # assets no facet needs do nothing
    extra = base.copy()
    extra[ASSET["funding"]] = 100.0
    assert problem.joint_work(extra)[0] == pytest.approx(problem.joint_work(base)[0])


def test_progress_stays_a_share_and_needs_work(impact):
    problem = Problem(impact)
    facets = len(problem.names)
    assert np.all(problem.advance(np.zeros(facets), np.full(facets, 3.0), impact) == 0)
    for _ in range(500):
        problem.advance(np.full(facets, 1e3), np.full(facets, 3.0), impact)
        assert np.all((problem.progress >= 0) & (problem.progress <= 1))
    assert np.all(problem.progress > 0.5)


def test_systems_change_slows_regeneration(impact):
    losses = []
    for change in GRID:
        problem = Problem(impact)
        problem.progress[:] = 0.6
        losses.append(problem.regenerate(change, impact).sum())
    assert strictly_decreasing(losses)
    assert losses[0] > 0.0 and losses[-1] >= 0.0
    untouched = Problem(impact)
    assert untouched.regenerate(0.0, impact).sum() == 0.0  # nothing to lose


def test_regeneration_never_erases_knowledge(impact):
    problem = Problem(impact)
    problem.advance(np.full(len(problem.names), 5.0), np.ones(len(problem.names)), impact)
    known = problem.knowledge.copy()
    for _ in range(200):
        problem.regenerate(0.0, impact)
    assert np.all(problem.progress < known)
    assert np.array_equal(problem.knowledge, known)


# ---------------------------------------------------------------------------------------------
# 4. Sprints
# ---------------------------------------------------------------------------------------------


def phases(params, weeks=200):
    return [sprints.phase(w, params) for w in range(1, weeks + 1)]


@pytest.mark.parametrize("design, length, cadence", [(8, 14, 26), (3, 4, 10), (0, 2, 5)])
def test_sprint_rhythm(impact, design, length, cadence):
    params = impact.with_(
        sprint_intensity=0.8,
        design_phase_weeks=design,
        sprint_weeks=length,
        sprint_cadence_weeks=cadence,
    )
    names = [p.name for p in phases(params)]
    assert names[:design] == [sprints.SETUP] * design
    assert sprints.SETUP not in names[design:]
    in_sprint = np.array([n == sprints.SPRINT for n in names])
    starts = np.flatnonzero(in_sprint & ~np.r_[False, in_sprint[:-1]])
    assert starts[0] == design  # the first sprint starts the week after set-up (0-based index)
    assert np.all(np.diff(starts) == cadence)
    ends = np.flatnonzero([p.sprint_ends for p in phases(params)])
    assert np.all(ends - starts[: ends.size] == length - 1)
    assert in_sprint.sum() >= (len(names) - design) // cadence * length


def test_no_setup_and_no_sprints_when_neither_is_designed(impact):
    params = impact.with_(sprint_intensity=0.0, orchestration=0.0)
    assert {p.name for p in phases(params)} == {sprints.BETWEEN}


def test_a_backbone_without_sprints_still_needs_setup(impact):
    params = impact.with_(sprint_intensity=0.0, orchestration=0.9, design_phase_weeks=6)
    names = [p.name for p in phases(params)]
    assert names[:6] == [sprints.SETUP] * 6
    assert set(names[6:]) == {sprints.BETWEEN}


def test_focus_and_talk_cut_only_in_sprints_setup_costs_action(impact):
    params = impact.with_(sprint_intensity=0.8)
    for p in phases(params):
        if p.name == sprints.SPRINT:
            assert sprints.focus(p, params) > 1.0
            assert sprints.talk_multiplier(p, params) < 1.0
        else:
            assert sprints.focus(p, params) == 1.0
            assert sprints.talk_multiplier(p, params) == 1.0
        if p.name == sprints.SETUP:
            assert 0.0 <= sprints.action_multiplier(p, params) < 1.0
        else:
            assert sprints.action_multiplier(p, params) == 1.0
    focus = [
        sprints.focus(sprints.Phase(sprints.SPRINT), impact.with_(sprint_intensity=s)) for s in GRID
    ]
    assert focus[0] == 1.0 and strictly_increasing(focus)


def test_a_win_is_a_sprint_that_moved_one_facet_past_the_threshold(impact):
    t = impact.win_threshold
    assert sprints.is_win(np.array([0.0, t, 0.0]), impact)
    assert sprints.is_win(np.array([0.0, 2 * t + 0.01, 0.0]), impact)
    assert not sprints.is_win(np.array([0.99 * t, 0.99 * t, 0.99 * t]), impact)
    assert not sprints.is_win(np.array([]), impact)


def test_a_win_fades_from_memory(impact):
    glow = [sprints.win_glow(w, impact) for w in range(0, 100, 5)]
    assert glow[0] == 1.0 and strictly_decreasing(glow)
    assert sprints.win_glow(impact.win_memory_weeks, impact) == pytest.approx(0.5)
    assert sprints.win_glow(np.inf, impact) == 0.0


# ---------------------------------------------------------------------------------------------
# 5. Trust
# ---------------------------------------------------------------------------------------------


def pair(level=0.6):
    matrix = TrustMatrix(2)
    matrix.seed(0, np.array([1]), np.array([level]))
    return matrix


def observe(matrix, delivered_by_1, params, visibility=1.0, curation=0.0, shortfall_by_1=None):
    """One week of `TrustMatrix.update` for a pair: member 0 delivers fully; member 1 delivers
    `delivered_by_1` of what is hoped for and falls `shortfall_by_1` (by default the rest)
    behind the norm."""
    if shortfall_by_1 is None:
        shortfall_by_1 = 1.0 - delivered_by_1
    matrix.update(
        active=np.array([0, 1]),
        delivered=np.array([1.0, delivered_by_1]),
        shortfall=np.array([0.0, shortfall_by_1]),
        visibility=visibility,
        gain=params.trust_gain,
        loss_ratio=params.trust_loss_ratio,
        loss_scale=1.0 - params.mediation * curation,
        breach_shortfall=params.breach_shortfall,
        scar_depth=params.scar_depth,
        cap_floor=params.trust_cap_floor,
    )


def test_trust_is_lost_faster_than_it_is_regained(impact):
    """One breach (a few weeks of nothing) then full delivery: count the weeks each way.

    Trust starts below one half, where the gap to the cap exceeds the level: with losses
    weighing no more than gains, it would come back sooner than it went.
    """
    matrix = pair(0.4)
    start = matrix.level[0, 1]
    weeks_lost = 4
    for _ in range(weeks_lost):
        observe(matrix, 0.0, impact)
    assert matrix.level[0, 1] < start
    assert matrix.level[1, 0] >= start  # member 0 kept delivering
    weeks_regained = 0
    while matrix.level[0, 1] < start - 1e-9 and weeks_regained < 5000:
        observe(matrix, 1.0, impact)
        weeks_regained += 1
    assert weeks_regained > weeks_lost


def test_a_shortfall_weighs_more_than_delivery(impact):
    # no scar, so only the asymmetry of losses and gains is at work
    params = impact.with_(breach_shortfall=1.0)
    down, up = pair(0.5), pair(0.5)
    observe(down, 0.0, params)
    observe(up, 1.0, params)
    loss, gain = 0.5 - down.level[0, 1], up.level[0, 1] - 0.5
    assert loss > gain > 0


def test_a_breach_scars_the_cap_on_recovery(impact):
    matrix = pair(0.8)
    for _ in range(10):
        observe(matrix, 0.0, impact)
    cap = matrix.cap[0, 1]
    assert impact.trust_cap_floor <= cap < 1.0
    assert matrix.cap[1, 0] == 1.0  # member 0 delivered: no scar on 1's view of it
    for _ in range(3000):
        observe(matrix, 1.0, impact)
    assert matrix.level[0, 1] <= cap + 1e-12
    assert matrix.cap[0, 1] == cap  # delivery does not heal the scar
    assert matrix.level[0, 1] > 0.8 * cap  # but trust does recover towards it


def test_a_mild_shortfall_is_no_breach(impact):
    matrix = pair(0.6)
    mild = impact.breach_shortfall / 2
    for _ in range(10):
        observe(matrix, 1.0 - mild, impact, shortfall_by_1=mild)
    assert np.all(matrix.cap == 1.0)
    observe(matrix, 0.0, impact, shortfall_by_1=1.0)
    assert matrix.cap[0, 1] < 1.0  # while a real breach does scar


def test_the_scar_never_cuts_below_the_floor(impact):
    matrix = pair(0.8)
    for _ in range(2000):
        observe(matrix, 0.0, impact)
    assert matrix.cap[0, 1] == pytest.approx(impact.trust_cap_floor)
    assert 0.0 <= matrix.level[0, 1] <= matrix.cap[0, 1]


def test_only_what_is_seen_counts(impact):
    blind = pair(0.6)
    for delivered in (0.0, 1.0, 0.0):
        observe(blind, delivered, impact, visibility=0.0)
    assert blind.level[0, 1] == 0.6 and blind.cap[0, 1] == 1.0
    drops = []
    for visibility in (0.2, 0.5, 1.0):
        matrix = pair(0.6)
        observe(matrix, 0.0, impact, visibility=visibility)
        drops.append(0.6 - matrix.level[0, 1])
    assert strictly_increasing(drops)


def test_mediation_softens_losses_not_gains(impact):
    assert strictly_decreasing([trust_mechanism.loss_scale(impact.with_(curation=c)) for c in GRID])
    bare, mediated = pair(0.6), pair(0.6)
    for _ in range(3):
        observe(bare, 0.0, impact, curation=0.0)
        observe(mediated, 0.0, impact, curation=0.9)
    assert 0.6 - mediated.level[0, 1] < 0.6 - bare.level[0, 1]
    up_bare, up_mediated = pair(0.6), pair(0.6)
    observe(up_bare, 1.0, impact, curation=0.0)
    observe(up_mediated, 1.0, impact, curation=0.9)
    assert up_bare.level[0, 1] == pytest.approx(up_mediated.level[0, 1])


def test_members_judge_each_other_by_contribution_with_curation_mediating(impact):
    """`mechanisms.trust.update`: the member that put nothing in loses the others' trust, less
    so with a curator; those that delivered gain it."""
    active = np.array([0, 1, 2])
    performance = np.array([impact.expected_action, 0.0, impact.expected_action])
    results = {}
    for curation in (0.0, 0.9):
        matrix = TrustMatrix(3)
        for i in range(3):
            matrix.seed(i, np.delete(active, i), np.full(2, 0.6))
        trust_mechanism.update(
            matrix=matrix,
            active=active,
            performance=performance,
            capacity=np.ones(3),
            visibility=1.0,
            params=impact.with_(curation=curation),
        )
        results[curation] = matrix.level.copy()
    assert results[0.0][0, 1] < results[0.9][0, 1] < 0.6
    assert results[0.0][0, 2] > 0.6


def test_what_members_see_of_each_other_is_bounded(impact):
    performance = np.array([0.0, 0.5, 1.0, 3.0]) * impact.expected_action
    delivered = trust_mechanism.delivered(performance, impact)
    assert delivered[0] == 0.0 and non_decreasing(delivered) and delivered.max() <= 1.0
    short = trust_mechanism.shortfall(performance, np.ones(4))
    assert short[0] > 0 and np.all((short >= 0) & (short <= 1)) and short[-1] == 0.0
    assert np.all(np.diff(short) <= 0)  # the less it puts in, the further behind


def test_trust_stays_within_its_cap_and_nobody_rates_themselves(impact):
    rng = np.random.default_rng(3)
    n = 6
    matrix = TrustMatrix(n)
    for i in range(n):
        matrix.seed(i, np.delete(np.arange(n), i), rng.random(n - 1))
    active = np.arange(n)
    for _ in range(300):
        trust_mechanism.update(
            matrix=matrix,
            active=active,
            performance=rng.random(n) * 2 * impact.expected_action,
            capacity=np.ones(n),
            visibility=rng.random(),
            params=impact,
        )
        assert np.all(matrix.level >= 0) and np.all(matrix.level <= matrix.cap + 1e-12)
        assert np.all(np.diag(matrix.level) == 0)
    assert matrix.group_trust(active).shape == (n,)
    assert 0.0 <= matrix.mean(active) <= 1.0


def test_sector_pairs_start_from_different_priors():
    prior = sectors.TRUST_PRIOR
    assert np.allclose(prior, prior.T)
    off_diagonal = prior[~np.eye(len(sectors.SECTORS), dtype=bool)]
    assert np.unique(off_diagonal).size > 1
    assert np.all(np.diag(prior)[:, None] >= prior)  # trust is highest within a sector


# ---------------------------------------------------------------------------------------------
# 6. Engagement and exit
# ---------------------------------------------------------------------------------------------


def test_engagement_target_rises_with_the_appraisal(impact):
    assert non_decreasing(engagement.target(GRID - 0.5, impact))
    extreme = engagement.target(np.array([10.0, -10.0]), impact)
    assert extreme[0] == 1.0 and extreme[1] == 0.0
    # a newcomer's target is the engagement it joined with
    assert engagement.target(np.array([expectation(impact)]), impact)[0] == pytest.approx(
        impact.initial_engagement
    )


def test_appraisal_rises_with_benefit_falls_with_cost_and_moves_a_step_a_week(impact):
    start = np.zeros(11)
    benefit = GRID / 2
    for cost in (0.0, 0.2):
        assert non_decreasing(engagement.appraise(start, benefit, np.full(11, cost), impact))
    assert np.all(np.diff(engagement.appraise(start, np.full(11, 0.2), GRID / 2, impact)) <= 0)
    moved = engagement.appraise(np.array([0.3]), np.array([0.1]), np.array([0.5]), impact)
    assert moved[0] == pytest.approx(0.3 + (0.1 - 0.5 - 0.3) / impact.appraisal_weeks)


def weeks_until_target_below(threshold: float, net: float, params) -> int:
    """Weeks of a constant benefit-less-cost `net` before a newcomer's target engagement falls
    below `threshold`."""
    appraisal = np.array([expectation(params)])
    for week in range(1, 521):
        appraisal = engagement.appraise(appraisal, np.array([net]), np.zeros(1), params)
        if engagement.target(appraisal, params)[0] < threshold:
            return week
    return 521


def test_a_bad_experience_takes_months_to_turn_a_member(impact):
    """Chinman et al.: costs and benefits separate active from inactive members only 8-10
    months in. A firm in the advocacy coalition meets a net of about -0.35 a week (talk cost
    0.5 against benefit 0.15): its target stays above business's exit threshold (0.35) for its
    first quarter and falls below it within a year. Judged week by week, at once."""
    business_exit = sectors.profile_array("exit_threshold")[sectors.BUS]
    weeks = weeks_until_target_below(business_exit, -0.35, impact)
    assert 13 < weeks < 52
    assert weeks_until_target_below(business_exit, -0.35, impact.with_(appraisal_weeks=1)) == 1


def test_engagement_drifts_towards_its_target_without_overshooting():
    current = np.array([0.2, 0.9, 0.5])
    target = np.array([0.8, 0.1, 0.5])
    moved = engagement.update(current, target, np.full(3, 0.3))
    assert moved[0] > 0.2 and moved[0] <= 0.8
    assert moved[1] < 0.9 and moved[1] >= 0.1
    assert moved[2] == 0.5
    assert np.array_equal(engagement.update(current, target, np.zeros(3)), current)


def test_cost_grows_with_talk_and_with_low_trust(impact):
    meeting = np.array([0.5])
    high_trust = np.array([impact.frustration_trust + 0.2])
    talk_costs = [engagement.cost(t, meeting, high_trust, impact)[0] for t in GRID]
    assert strictly_increasing(talk_costs)
    trust = np.linspace(0.0, 1.0, 21)
    frustration = engagement.cost(0.0, np.zeros(21), trust, impact)
    assert np.all(np.diff(frustration) <= 0)
    assert frustration[0] > 0
    assert np.all(frustration[trust >= impact.frustration_trust] == 0)


def test_business_values_reputation(impact):
    weights = sectors.benefit_matrix()
    sector = np.array([GOV, BUS, CIV, CIT])
    fit = np.ones(4)
    signals = dict.fromkeys(sectors.BENEFITS, 0.3)
    before = engagement.benefit(signals, sector, fit, weights)
    after = engagement.benefit({**signals, "reputation": 0.9}, sector, fit, weights)
    gained = after - before
    assert gained[1] > 0 and gained[1] == gained.max()
    assert np.all(before >= 0)
    more_results = engagement.benefit({**signals, "results": 0.9}, sector, fit, weights)
    assert np.all(more_results > before)  # every sector wants progress


def test_claims_ahead_of_action_cost_the_loudest_claimants_most_reputation(impact):
    propensity = np.array([0.3, 1.0])
    honest = engagement.reputation(0.6, 0.0, propensity, impact)
    greenwash = engagement.reputation(0.6, 0.3, propensity, impact)
    assert np.all(greenwash <= honest)
    lost = honest - greenwash
    assert lost[1] > lost[0] >= 0
    by_legitimacy = [engagement.reputation(x, 0.0, propensity, impact)[0] for x in GRID]
    assert non_decreasing(by_legitimacy) and by_legitimacy[-1] > by_legitimacy[0]


def test_members_below_their_threshold_leave():
    engaged = np.array([0.1, 0.39, 0.4, 0.9])
    threshold = np.array([0.2, 0.4, 0.4, 0.3])
    assert engagement.leaving(engaged, threshold).tolist() == [True, True, False, False]


# ---------------------------------------------------------------------------------------------
# 7. Legitimacy and greenwashing
# ---------------------------------------------------------------------------------------------


def judged(params, claims, action, weeks=15, watchdog=0.0, seed=5):
    """Mean legitimacy after `weeks` of the public watching fixed claims and action."""
    params = params.with_(public_attention=1.0, public_size=2000)
    public = Public(params, 0.5, np.random.default_rng(seed))
    rng = np.random.default_rng(seed + 1)
    for _ in range(weeks):
        public.observe(0.5, claims, action, 0.5, watchdog, params, rng)
        assert np.all((public.legitimacy >= 0) & (public.legitimacy <= 1))
    return public.mean


def test_claims_ahead_of_action_cost_legitimacy(impact):
    honest = judged(impact, claims=0.3, action=0.3)
    greenwash = judged(impact, claims=0.8, action=0.3)
    assert greenwash < honest
    # claims behind action cost nothing
    assert judged(impact, claims=0.0, action=0.3) == pytest.approx(honest)


def test_greenwashing_costs_more_under_closer_scrutiny(impact):
    def penalty(scrutiny, watchdog=0.0):
        params = impact.with_(public_scrutiny=scrutiny)
        return judged(params, 0.3, 0.3, watchdog=watchdog) - judged(
            params, 0.8, 0.3, watchdog=watchdog
        )

    assert penalty(0.0) == pytest.approx(0.0)
    assert 0 < penalty(0.2) < penalty(0.5) < penalty(0.9)
    assert penalty(0.5, watchdog=0.5) > penalty(0.5)


def test_a_judgement_falls_faster_than_it_rises(impact):
    # the same distance down and up: the step down is legitimacy_loss_ratio times the step up
    up = public_judge(np.array([0.4]), np.array([0.6]), impact)[0] - 0.4
    down = 0.6 - public_judge(np.array([0.6]), np.array([0.4]), impact)[0]
    assert up == pytest.approx(impact.legitimacy_rate * 0.2)
    assert down == pytest.approx(impact.legitimacy_loss_ratio * up)

    # the public: weeks of greenwashing that cost 0.1 of legitimacy, with and without the ratio
    def weeks_to_lose(params):
        params = params.with_(public_attention=1.0, public_size=2000)
        public = Public(params, 0.5, np.random.default_rng(3))
        rng, start, weeks = np.random.default_rng(4), public.mean, 0
        while public.mean > start - 0.1:
            public.observe(0.5, 0.9, 0.1, 0.5, 0.0, params, rng)
            weeks += 1
        return weeks

    assert 2 * weeks_to_lose(impact) <= weeks_to_lose(impact.with_(legitimacy_loss_ratio=1.0))
    # never past the target, even with a large ratio
    steep = impact.with_(legitimacy_rate=0.5, legitimacy_loss_ratio=10.0)
    assert public_judge(np.array([0.9]), np.array([0.2]), steep)[0] == pytest.approx(0.2)


def test_visible_action_raises_legitimacy(impact):
    assert judged(impact, 0.0, 0.8) > judged(impact, 0.0, 0.2)


def test_low_transparency_hides_action_and_claims(impact):
    propensity = np.array([1.0, 0.5])
    capacity = np.array([1.0, 1.0])
    visible, claimed, window = [], [], []
    for t in GRID:
        params = impact.with_(transparency=t, communication=0.8)
        visible.append(legitimacy.visible_action(0.3, 2.0, params))
        claimed.append(legitimacy.claims(propensity, capacity, params))
        window.append(legitimacy.action_visibility(params))
    assert strictly_increasing(visible) and strictly_increasing(window)
    assert non_decreasing(claimed) and claimed[0] < claimed[-1]
    assert window[-1] == pytest.approx(1.0) and window[0] >= 0


def test_no_communication_no_claims_no_action_nothing_visible(impact):
    params = impact.with_(communication=0.0)
    assert legitimacy.claims(np.array([1.0, 1.0]), np.array([1.0, 1.0]), params) == 0.0
    assert legitimacy.visible_action(0.0, 5.0, impact) == 0.0
    assert legitimacy.visible_action(1e6, 5.0, impact) <= 1.0
    louder = [
        legitimacy.claims(np.array([1.0]), np.array([1.0]), impact.with_(communication=c))
        for c in GRID
    ]
    assert strictly_increasing(louder)


def test_voice_and_watchdog_come_from_civil_society_and_citizens(impact):
    assert legitimacy.voice(np.array([3, 3, 0, 0])) == 0.0
    assert legitimacy.voice(np.array([1, 1, 1, 1])) == 1.0
    assert legitimacy.watchdog(np.array([3, 3, 0, 3]), impact) == 0.0
    assert legitimacy.watchdog(np.array([3, 3, 3, 0]), impact) > 0.0


# ---------------------------------------------------------------------------------------------
# 8. Systems change
# ---------------------------------------------------------------------------------------------


def test_no_authority_and_no_advocacy_gives_no_drive(impact):
    full = impact.with_(policy_link=1.0, communication=1.0)
    assert systems_change.drive(0.0, 0.0, 0.8, 0.8, full) == 0.0  # nobody civic to advocate
    quiet = impact.with_(policy_link=1.0, communication=0.0)
    assert systems_change.drive(0.0, 1.0, 0.8, 0.8, quiet) == 0.0
    unlinked = impact.with_(policy_link=0.0, communication=0.0)
    assert systems_change.drive(1.0, 1.0, 0.8, 0.8, unlinked) == 0.0


def test_drive_needs_evidence_and_support(impact):
    assert systems_change.drive(0.8, 0.5, 0.0, 0.8, impact) == 0.0
    assert systems_change.drive(0.8, 0.5, 0.8, 0.0, impact) == 0.0
    by_progress = [systems_change.drive(0.8, 0.5, p, 0.8, impact) for p in GRID]
    assert non_decreasing(by_progress) and by_progress[-1] > 0


def test_a_formal_link_drives_policy_and_advocacy_pushes_weakly(impact):
    by_link = [
        systems_change.drive(0.8, 0.0, 0.5, 0.5, impact.with_(policy_link=x, communication=0.0))
        for x in GRID
    ]
    assert strictly_increasing(by_link)
    advocacy_only = systems_change.drive(
        0.0, 1.0, 0.5, 0.5, impact.with_(policy_link=0.0, communication=1.0)
    )
    formal_only = systems_change.drive(
        1.0, 0.0, 0.5, 0.5, impact.with_(policy_link=1.0, communication=0.0)
    )
    assert 0.0 < advocacy_only < formal_only


def test_authority_factor_saturates(impact):
    factor = [systems_change.authority_factor(a, impact) for a in (0.0, 0.1, 1.0, 10.0, 1e6)]
    assert factor[0] == 0.0 and strictly_increasing(factor) and factor[-1] <= 1.0


def test_momentum_moves_towards_drive(impact):
    assert 0.0 < systems_change.momentum(0.0, 0.8, impact) <= 0.8
    assert 0.2 <= systems_change.momentum(0.6, 0.2, impact) < 0.6
    assert systems_change.momentum(0.4, 0.4, impact) == pytest.approx(0.4)


def test_adoption_never_undoes_systems_change(impact):
    rng = np.random.default_rng(8)
    for _ in range(2000):
        change, momentum = rng.random(), rng.random()
        after = systems_change.adopt(change, momentum, impact)
        assert change <= after <= 1.0
    assert systems_change.adopt(0.3, 0.0, impact) == 0.3
    assert systems_change.adopt(0.3, 0.5, impact) > 0.3
    assert systems_change.adopt(1.0, 1.0, impact) == 1.0


# ---------------------------------------------------------------------------------------------
# 9. Learning
# ---------------------------------------------------------------------------------------------


def test_learning_pays_only_where_solutions_can_be_seen(impact):
    knowledge = np.linspace(0.0, 1.0, 11)
    hidden = impact.with_(transparency=0.0, curation=0.0)
    assert learning.reuse(hidden) == 0.0
    assert np.all(learning.productivity(knowledge, hidden) == 1.0)
    for params in (
        impact.with_(transparency=0.5, curation=0.0),
        impact.with_(transparency=0.0, curation=0.5),
        impact,
    ):
        assert learning.reuse(params) > 0
        productivity = learning.productivity(knowledge, params)
        assert productivity[0] == 1.0 and strictly_increasing(productivity)


def test_more_reuse_more_productivity(impact):
    knowledge = np.array([0.3])
    by_transparency = [
        learning.productivity(knowledge, impact.with_(transparency=t, curation=0.2))[0]
        for t in GRID
    ]
    assert strictly_increasing(by_transparency)
    reuse = [learning.reuse(impact.with_(transparency=t, curation=c)) for t in GRID for c in GRID]
    assert min(reuse) >= 0.0 and max(reuse) <= 1.0


# ---------------------------------------------------------------------------------------------
# 10. Political churn
# ---------------------------------------------------------------------------------------------


def test_backing_from_other_leaders_absorbs_a_sponsors_departure(impact):
    shocks = [churn.shock(impact.with_(leadership_backing=b)) for b in GRID]
    assert shocks[-1] == 0.0
    assert shocks[0] > 0.0
    assert strictly_decreasing(shocks)


@pytest.mark.parametrize("term", [26.0, 104.0, 260.0])
def test_sponsors_change_about_once_a_term(impact, term):
    params = impact.with_(sponsor_term_weeks=term)
    rng = np.random.default_rng(int(term))
    draws = 200_000
    changes = churn.sponsor_changes(draws, params, rng)
    assert changes.shape == (draws,) and changes.dtype == bool
    assert stats.binomtest(int(changes.sum()), draws, 1.0 / term).pvalue > 1e-3
    assert churn.sponsor_changes(0, params, rng).size == 0


# ---------------------------------------------------------------------------------------------
# Switching a mechanism off in the whole model: paired seeds, mean over seeds
# ---------------------------------------------------------------------------------------------

SEEDS = range(10)


def paired_difference(run_model, metric, on, off, *, final=False, **common):
    """Mean over seeds of metric(on) - metric(off), same seed for both; the run mean of the
    metric, or its final value."""
    diffs = []
    for seed in SEEDS:
        a = run_model(seed, steps=78, **common, **on)[metric]
        b = run_model(seed, steps=78, **common, **off)[metric]
        diffs.append(a.iloc[-1] - b.iloc[-1] if final else a.mean() - b.mean())
    return float(np.mean(diffs))


@pytest.mark.parametrize(
    "knob, on, off, metric, final",
    [
        ("orchestration", 0.9, 0.0, "action_share", False),
        ("transparency", 0.8, 0.0, "trust", False),
        ("policy_link", 0.8, 0.0, "systems_change", True),
        ("leadership_backing", 0.8, 0.0, "progress", False),
    ],
)
def test_switching_a_mechanism_off_moves_its_metric(run_model, knob, on, off, metric, final):
    assert paired_difference(run_model, metric, {knob: on}, {knob: off}, final=final) > 0


def test_switching_curation_off_leaves_the_asset_gap_open(run_model):
    """No government at the start: the curator recruits the sector that brings authority."""
    common = {"members_government": 0, "convener": "civil_society"}
    assert (
        paired_difference(
            run_model,
            "members_government",
            {"curation": 0.9},
            {"curation": 0.0},
            final=True,
            **common,
        )
        > 0
    )
