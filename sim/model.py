"""PartnershipModel: the world, and the weekly cycle of the design brief (ODD 3).

A design is only parameters: nothing here knows which scenario is running.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from . import events, limits, sectors
from .agents import Organisation
from .mechanisms import (
    backbone,
    backing,
    churn,
    coordination,
    engagement,
    learning,
    legitimacy,
    pooling,
    recruitment,
    reliability,
    shocks,
    sprints,
    systems_change,
)
from .mechanisms import fatigue as fatigue_mechanism
from .mechanisms import trust as trust_mechanism
from .metrics import AGENT_COLUMNS, METRICS, TIE_THRESHOLD
from .params import ParameterError, Params, check_seed, shown
from .partnership import Organisations
from .problem import Problem
from .public import Public
from .rng import Streams
from .scenarios import default_scenario, resolve
from .trust import TrustMatrix


class PartnershipModel(mesa.Model):
    """A partnership of organisations from four sectors working on a wicked problem.

    Args:
        scenario: name of a scenario file in `scenarios/` (or a path to one); None, the
            default, is configs/config.yaml's `scenario`.
        rng: seed (an int) or numpy Generator; on the command line it is `seed`.
        steps: weeks to simulate.
        params: a ready, validated `Params` (then `scenario` and overrides are ignored).
        collect_agents: record the agent columns every week (off for big sweeps).
        **overrides: any parameter of the scenario, for example `transparency=0.9`.
    """

    def __init__(
        self,
        *,
        scenario: str | None = None,
        rng: Any = None,
        steps: int | None = None,
        params: Params | None = None,
        collect_agents: bool = True,
        **overrides: Any,
    ):
        if params is not None and not isinstance(params, Params):
            raise ParameterError(
                f"params={shown(params)} is not allowed: params must be a "
                "sim.params.Params (Params.build(...) or sim.scenarios.resolve)"
            )
        if rng is not None and not isinstance(rng, np.random.Generator):
            rng = check_seed(rng)  # a whole number >= 0, or ParameterError naming the seed
        if scenario is None:
            scenario = default_scenario()
        if params is None:
            if steps is not None:
                overrides["steps"] = steps
            params = resolve(scenario, **overrides)
        elif steps is not None or overrides:
            params = params.with_(**({"steps": steps} if steps is not None else {}), **overrides)
        # a size that would not fit in memory is refused here, once per model, before any work
        # (not in Params.build: building thousands of Params never reads the host's memory)
        if problem := limits.memory_problem(params, agent_records=collect_agents):
            raise ParameterError(problem)
        super().__init__(rng=rng)
        self.params = params
        self.design = scenario
        self.streams = Streams(self._seed, held=params.held)  # held: ODD 4.9
        p = params

        self.orgs = Organisations.create(p, self.streams["world"])
        self.orgs.reliability = reliability.draw(self.orgs.n, p, self.streams["reliability"])
        self.free_riders = 0  # members who shirked this week (7.15)
        self.trust_matrix = TrustMatrix(self.orgs.n, p.working_group_size)
        self.problem = Problem(p)
        self.convener = sectors.SECTORS.index(p.convener)
        self._weights = sectors.benefit_matrix()
        self._stake = np.zeros(len(sectors.SECTORS))  # relief's weight, by sector (7.6)
        if p.problem_owners != "none":
            self._stake[sectors.SECTORS.index(p.problem_owners)] = p.stake_weight
        self._meeting_cost = sectors.profile_array("meeting_cost")
        self._rate = sectors.profile_array("engagement_rate")
        self._claim = sectors.profile_array("claim_propensity")
        self._public_trust = sectors.profile_array("public_trust")
        self.target_members = p.target_members or int(sum(p.initial_members.values()))

        # the founders: agent handles, working groups, starting trust from the sector priors
        founders = self.orgs.active()
        for i in founders:
            Organisation(self, int(i))
        self.trust_matrix.form_groups(founders, self.streams["network"])
        i, j, _ = self.trust_matrix.edges()
        self.trust_matrix.seed(i, j, sectors.TRUST_PRIOR[self.orgs.sector[i], self.orgs.sector[j]])
        counts = self.orgs.counts(self.orgs.active())
        self.public = Public(
            p, legitimacy.composition_prior(counts, self._public_trust), self.streams["public"]
        )

        # partnership-level state
        self.systems_change = 0.0
        self.policy_momentum = 0.0
        self.wins = 0
        self.dropouts = 0
        self.sponsor_changes = 0
        self.weeks_since_win = np.inf
        self.recent_results = 0.0  # moving average of weekly progress
        self.talk = 0.0
        self.action_share = 0.0
        self.claims = 0.0
        self.visible_action = 0.0
        self._sprint_start_progress = self.problem.progress.copy()
        self.operating = True
        self._pooled = np.zeros(len(sectors.ASSETS))
        self._orchestration = 0.0
        # what the last engagement update weighed (sector_ledger)
        self._ledger_inputs: tuple | None = None
        # the backbone (7.12): the week's budget, and the design's asks at what it affords
        self.grant_ended_week: int | None = None
        self.backing_secured = 1.0  # share of the asked backing held (7.14)
        self.event_log: list[tuple[int, str, str]] = []  # events and shocks (sim/events.py)
        self.crisis_until = 0  # last week of a crisis (7.17); 0: none yet
        self.scandal_until = 0  # last week a scandal is fresh in the public's eyes (7.17)
        self._budget = backbone.week_budget(p, True, self._member_money())
        self.levels = self._afforded(p, self._budget)

        reporters = {m.name: m.name for m in METRICS}
        agent_reporters = {c: c for c in AGENT_COLUMNS} if collect_agents else None
        self.datacollector = mesa.DataCollector(
            model_reporters=reporters, agent_reporters=agent_reporters
        )
        self.running = True
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ the weekly cycle
    def step(self) -> None:
        """One week, one named call per mechanism, in the order of ODD 3."""
        week = self.steps
        self.apply_events(week)
        self.draw_shocks()
        self.operating = week <= self.params.end_week and self.orgs.active().size > 0
        if self.operating:
            self.fund_backbone()
            self.political_churn()
            self.recruit()
            phase = sprints.phase(week, self.params)
            self.coordinate(week, phase)
            self.pool_assets_and_act(phase)
            self.work_on_problem(phase)
            self.observe_trust()
        else:
            self.stand_down()
            self.work_on_problem(None)
        self.judge_legitimacy()
        self.change_systems()
        if self.operating:
            self.earn_backing()
            self.update_engagement()
        self.datacollector.collect(self)
        if self.steps >= self.params.steps:
            self.running = False

    def fund_backbone(self) -> None:
        """Mechanism 11: the week's budget from the grant and the members' dues, and what of
        the design's asks (`params`) it affords (`levels`, read by every other mechanism)."""
        self._budget = backbone.week_budget(
            self.params, self.grant_ended_week is None, self._member_money()
        )
        self.levels = self._afforded(self.params, self._budget)

    def end_grant(self) -> None:
        """The backbone's outside grant stops from this week (a `funding_ends` event);
        members' contributions go on."""
        if self.grant_ended_week is None:
            self.grant_ended_week = int(self.steps)

    def apply_events(self, week: int) -> None:
        """The events `params.events` schedules for this week (sim/events.py), before any
        mechanism."""
        if due := [e for e in self.params.events if e.week == week]:
            events.apply(self, due)

    def draw_shocks(self) -> None:
        """Mechanism 15: funding cuts, elections, crises and scandals at random, at their rates
        (7.17), each carried out as the scheduled event of its kind (sim/events.py). With every
        rate 0 (the default) nothing is drawn."""
        if shocks.any_rate(self.params):
            hits, pick = shocks.draw(self.params, self.streams["shocks"])
            if hits:
                events.strike(self, hits, pick)

    def political_churn(self) -> None:
        """Mechanism 10: government sponsors change; without backing, momentum is lost."""
        active = self.orgs.active()
        government = active[self.orgs.sector[active] == sectors.GOV]
        changed = government[
            churn.sponsor_changes(government.size, self.levels, self.streams["churn"])
        ]
        self._sponsors_change(changed)

    def _sponsors_change(self, changed: np.ndarray) -> None:
        """The sponsors of the government members `changed` change (political churn, or a
        sponsor_leaves or election event): without backing, engagement and momentum drop."""
        if changed.size == 0:
            return
        active = self.orgs.active()
        self.sponsor_changes += changed.size
        # `changed` are active government members, so the share is in (0, 1]
        sponsors = int(np.count_nonzero(self.orgs.sector[active] == sectors.GOV))
        self.backing_secured = backing.departure(
            self.backing_secured, self.params, changed.size / sponsors
        )
        hit = churn.shock(self.levels)
        self.orgs.engagement[changed] = np.maximum(self.orgs.engagement[changed] - hit, 0.0)
        if reach := churn.reach(self.levels, self.convener == sectors.GOV):
            self.orgs.engagement[active] = np.maximum(self.orgs.engagement[active] - hit * reach, 0)
        self.policy_momentum *= max(1.0 - hit * (1.0 + churn.exposure(self.levels)), 0.0)

    def recruit(self) -> None:
        """Mechanism 1: introductions through the convener's network or by the curator.

        The convener's network introduces organisations while the partnership is below its
        target size; only a curator diagnoses asset gaps, so only curated introductions go on
        past the target while an asset the problem needs is missing. Both are checked before
        each introduction, so a week of several introductions does not overshoot.
        """
        rng = self.streams["recruitment"]
        p = self.levels
        active = self.orgs.active()
        held = self.orgs.capacity[active] @ self.orgs.assets[active]
        needed = self.problem.needed_assets
        size = active.size
        if size >= self.target_members and not (p.curation > 0 and (held[needed] <= 0).any()):
            return
        network, curated = recruitment.introductions(p, rng)
        pool = np.flatnonzero(self.orgs.status == 0)
        pool_counts = self.orgs.counts(pool)
        for is_curated in [False] * network + [True] * curated:
            if size >= self.target_members and not (is_curated and (held[needed] <= 0).any()):
                continue
            if is_curated:
                asset = recruitment.binding_asset(held, self.problem.needs)
                sector = recruitment.curated_sector(asset, pool_counts, sectors.asset_matrix())
            else:
                sector = recruitment.network_sector(pool_counts, self.convener, p, rng)
            if sector is None:
                continue
            if not recruitment.accepts(is_curated, self.legitimacy, sector == sectors.CIT, p, rng):
                continue
            candidates = pool[self.orgs.sector[pool] == sector]
            newcomer = int(rng.choice(candidates))
            self.orgs.join(newcomer, self.steps, p)
            self._welcome(
                newcomer, onboarding=p.onboarding_trust * p.curation if is_curated else 0.0
            )
            pool = pool[pool != newcomer]
            pool_counts[sector] -= 1
            held = held + self.orgs.capacity[newcomer] * self.orgs.assets[newcomer]
            size += 1

    def coordinate(self, week: int, phase: sprints.Phase) -> None:
        """Mechanism 2: the talk members need to stay aligned, after orchestration."""
        active = self.orgs.active()
        counts = self.orgs.weighted_counts(active)  # a signatory needs its share of alignment
        diversity = coordination.diversity(counts)
        orchestration = coordination.orchestration_effect(week, self.levels)
        talk = coordination.talk_share(float(counts.sum()), diversity, orchestration, self.levels)
        talk = coordination.goal_setting(week, talk, self.levels)
        self.talk = talk * sprints.talk_multiplier(phase, self.levels)
        self.orgs.talk_share[active] = self.talk
        self._orchestration = orchestration

    def pool_assets_and_act(self, phase: sprints.Phase) -> None:
        """Mechanism 3: members commit assets in proportion to trust and permission, and act."""
        orgs, p = self.orgs, self.levels
        active = orgs.active()
        action = (1.0 - self.talk) * sprints.action_multiplier(phase, p)
        commitment = pooling.commitment(
            self.trust_matrix.group_trust(active), pooling.permission(p)
        )
        commitment[orgs.suspended_until[active] >= self.steps] = 0.0
        # a crisis takes a share of every member's time, for talk and action alike (7.17)
        attention = shocks.attention(self.steps, self.crisis_until, p)
        effort = orgs.capacity[active] * orgs.engagement[active] * attention
        in_sprint = phase.name == sprints.SPRINT
        # a sprint's extra time goes into joint action (7.13)
        hours = fatigue_mechanism.overtime(in_sprint, p)
        given = hours * attention  # the time a member gives this week, against its usual
        contribution = given * pooling.contribution(
            orgs.capacity[active], orgs.engagement[active], action, commitment
        )
        shirked = reliability.shirking(
            orgs.reliability[active],
            legitimacy.action_visibility(p),
            self.streams["reliability"],
        )
        self.free_riders = int(shirked.sum())
        if self.free_riders:
            contribution = np.where(shirked, p.shirk_share * contribution, contribution)
        if courting := backing.courting(self.params):  # the convener's time with leaders (7.14)
            convening = orgs.sector[active] == self.convener
            contribution = np.where(convening, (1.0 - courting) * contribution, contribution)
        # fatigue counts the sprint's hours, not `given`: in a crisis members work as many
        # hours, the crisis taking its share of them
        orgs.fatigue[active] = fatigue_mechanism.update(
            orgs.fatigue[active], orgs.engagement[active], hours, in_sprint, p
        )
        orgs.commitment[active] = commitment
        orgs.contribution[active] = contribution
        orgs.performance[active] = contribution / orgs.capacity[active]
        talk_effort = effort.sum() * self.talk
        total = contribution.sum() + talk_effort
        self.action_share = float(contribution.sum() / total) if total > 0 else 0.0
        self._pooled = pooling.pooled_assets(
            contribution, orgs.assets[active], coordination.wasted_share(p)
        )

    def work_on_problem(self, phase: sprints.Phase | None) -> None:
        """Mechanisms 4, 8, 9: joint work moves facets; learning and sprints raise productivity;
        the problem regenerates unless locked in."""
        p, problem = self.levels, self.problem
        gain = np.zeros(len(problem.names))
        if phase is not None:
            productivity = learning.productivity(problem.knowledge, p) * sprints.focus(phase, p)
            gain = problem.advance(problem.joint_work(self._pooled), productivity, p)
            if phase.name == sprints.SPRINT and phase.sprint_ends:
                sprint_gain = problem.knowledge - self._sprint_start_progress
                if sprints.is_win(sprint_gain, p):
                    self.wins += 1
                    self.weeks_since_win = 0.0
                self._sprint_start_progress = problem.knowledge.copy()
            elif phase.name != sprints.SPRINT:
                self._sprint_start_progress = problem.knowledge.copy()
        problem.regenerate(self.systems_change, p)
        self.weeks_since_win += 1
        self.recent_results += (gain.mean() - self.recent_results) / p.results_memory_weeks

    def observe_trust(self) -> None:
        """Mechanism 5: members watch each other's contributions, as far as they can see them."""
        active = self.orgs.active()
        trust_mechanism.update(
            self.trust_matrix,
            active,
            self.orgs.performance[active],
            self.orgs.capacity[active],
            legitimacy.action_visibility(self.levels),
            self.levels,
        )

    def judge_legitimacy(self) -> None:
        """Mechanism 7: the public compares claims with visible action."""
        p, orgs = self.levels, self.orgs
        active = orgs.active()
        counts = orgs.counts(active)
        if self.operating:
            self.claims = legitimacy.claims(
                self._claim[orgs.sector[active]], orgs.capacity[active], p
            )
            self.visible_action = legitimacy.visible_action(
                orgs.contribution[active].sum(), orgs.capacity[active].sum(), p
            )
        else:
            self.claims = self.visible_action = 0.0
        # a fresh scandal at a member lowers the public's trust in who is at the table (7.17)
        stain = shocks.stain(self.steps, self.scandal_until, p)
        self.public.observe(
            legitimacy.composition_prior(counts, self._public_trust) - stain,
            self.claims,
            self.visible_action,
            legitimacy.voice(counts),
            legitimacy.watchdog(counts, p),
            p,
            self.streams["public"],
            hidden=1.0 - legitimacy.action_visibility(p) if self.operating else 0.0,
        )

    def change_systems(self) -> None:
        """Mechanism 8: policy momentum from engaged authority and evidence becomes lasting change."""
        p = self.levels
        drive = 0.0
        if self.operating:
            counts = self.orgs.counts(self.orgs.active())
            civic = (counts[sectors.CIV] + counts[sectors.CIT]) / max(counts.sum(), 1)
            authority = systems_change.authority_factor(float(self._pooled[sectors.AUTHORITY]), p)
            drive = systems_change.drive(authority, civic, self.progress, self.legitimacy, p)
        self.policy_momentum = systems_change.momentum(self.policy_momentum, drive, p)
        self.systems_change = systems_change.adopt(self.systems_change, self.policy_momentum, p)

    def earn_backing(self) -> None:
        """Mechanism 13: backing moves towards what the partnership's results deserve."""
        results = engagement.results_signal(self.recent_results, self.params)
        self.backing_secured = backing.update(self.backing_secured, results, self.params)

    def update_engagement(self) -> None:
        """Mechanism 6: engagement follows benefit against cost; below threshold, members leave."""
        p, orgs = self.levels, self.orgs
        active = orgs.active()
        sector = orgs.sector[active]
        group_trust = self.trust_matrix.group_trust(active)
        signals: dict[str, np.ndarray | float] = {
            "results": engagement.results_signal(self.recent_results, p),
            "wins": sprints.win_glow(self.weeks_since_win, p),
            "policy": self.policy_momentum,
            "legitimacy": self.legitimacy,
            "reputation": engagement.reputation(
                self.legitimacy, self.claims_gap, self._claim[sector], p
            ),
            "voice": p.transparency,
        }
        weights = engagement.agenda_weights(orgs.weighted_counts(active), self.convener, p)
        fit = engagement.agenda_fit(sector, weights, self._orchestration, p)
        relief = engagement.relief(signals["results"], self._stake[sector])
        benefit = orgs.motivation[active] * (
            engagement.benefit(signals, sector, fit, self._weights) + relief
        )
        talk_cost, frustration = engagement.cost_parts(
            self.talk, self._meeting_cost[sector], group_trust, p, orgs.involvement[active]
        )
        tiredness = fatigue_mechanism.cost(orgs.fatigue[active], p)
        cost = talk_cost + frustration + tiredness
        self._ledger_inputs = (
            self.steps,
            active,
            signals,
            fit,
            relief,
            talk_cost,
            frustration,
            tiredness,
        )
        orgs.appraisal[active] = engagement.appraise(orgs.appraisal[active], benefit, cost, p)
        orgs.engagement[active] = engagement.update(
            orgs.engagement[active],
            engagement.target(orgs.appraisal[active], p),
            self._rate[sector],
        )
        leavers = active[engagement.leaving(orgs.engagement[active], orgs.exit_threshold[active])]
        if leavers.size:
            orgs.leave(leavers, self.steps)
            self.trust_matrix.leave(leavers)
            self.dropouts += leavers.size

    def sector_ledger(self) -> np.ndarray:
        """What members weighed in this week's engagement update (`engagement.ledger`), as each
        sector's mean over its members then: sectors x `engagement.LEDGER`, NaN for a sector
        with no member, and all NaN in a week without an update (before the first week, after
        the partnership ends)."""
        n_sectors = len(sectors.SECTORS)
        if self._ledger_inputs is None or self._ledger_inputs[0] != self.steps:
            return np.full((n_sectors, len(engagement.LEDGER)), np.nan)
        _, active, signals, fit, relief, talk_cost, frustration, tiredness = self._ledger_inputs
        sector = self.orgs.sector[active]
        rows = engagement.ledger(
            signals,
            sector,
            fit,
            self._weights,
            self.orgs.motivation[active],
            relief,
            talk_cost,
            frustration,
            tiredness,
        )
        members = sector[None, :] == np.arange(n_sectors)[:, None]  # sectors x members
        counts = members.sum(axis=1)[:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(counts > 0, (members @ rows) / counts, np.nan)

    def stand_down(self) -> None:
        """After the partnership ends nobody acts; what systems change it made stays."""
        self._pooled = np.zeros(len(sectors.ASSETS))
        self.orgs.contribution[:] = 0.0
        self.orgs.performance[:] = 0.0
        self.talk = self.action_share = 0.0
        self.free_riders = 0

    # ------------------------------------------------------------------ helpers
    def _member_money(self) -> float:
        active = self.orgs.active()
        return backbone.contributions(
            self.orgs.assets[active, sectors.FUNDING],
            self.orgs.capacity[active],
            self.orgs.engagement[active],
            self.params,
        )

    def _afforded(self, params: Params, budget: backbone.Budget) -> Params:
        """The asks at what the budget affords (7.12) and the backing held (7.14)."""
        held = params.leadership_backing * self.backing_secured
        if budget.afforded >= 1.0 and held == params.leadership_backing:
            return params  # everything asked is delivered: the asks themselves
        levels = backbone.delivered(params, budget.afforded)
        return params.delivered(**levels, leadership_backing=held)

    def _welcome(self, i: int, onboarding: float) -> None:
        """A member joins: its agent handle, a place in a working group, and starting trust
        with its working partners from the sector priors."""
        Organisation(self, i)
        partners = self.trust_matrix.join(i)
        if partners.size:
            prior = sectors.TRUST_PRIOR[self.orgs.sector[i], self.orgs.sector[partners]]
            self.trust_matrix.seed(i, partners, np.clip(prior + onboarding, 0.0, 1.0))

    def suspend_contribution(self, agent: Organisation, weeks: int) -> None:
        """A member withholds its assets for `weeks` weeks: a breach, for experiments."""
        self.orgs.suspended_until[agent.row] = self.steps + weeks

    # ------------------------------------------------------------------ metrics (ODD 4)
    def _active_counts(self) -> np.ndarray:
        return self.orgs.counts(self.orgs.active())

    @property
    def progress(self) -> float:
        return float(self.problem.progress.mean())

    @property
    def trust(self) -> float:
        return self.trust_matrix.mean(self.orgs.active())

    @property
    def cross_sector_trust(self) -> float:
        return self.trust_matrix.cross_sector_mean(self.orgs.active(), self.orgs.sector)

    @property
    def engagement(self) -> float:
        active = self.orgs.active()
        return float(self.orgs.engagement[active].mean()) if active.size else 0.0

    @property
    def members(self) -> int:
        return int(self.orgs.active().size)

    @property
    def members_government(self) -> int:
        return int(self._active_counts()[sectors.GOV])

    @property
    def members_business(self) -> int:
        return int(self._active_counts()[sectors.BUS])

    @property
    def members_civil_society(self) -> int:
        return int(self._active_counts()[sectors.CIV])

    @property
    def members_citizens(self) -> int:
        return int(self._active_counts()[sectors.CIT])

    @property
    def engaged_business(self) -> int:
        active = self.orgs.active()
        business = active[self.orgs.sector[active] == sectors.BUS]
        return int((self.orgs.engagement[business] >= 0.5).sum())

    @property
    def engaged_business_share(self) -> float:
        ever = int(((self.orgs.sector == sectors.BUS) & (self.orgs.joined_week >= 0)).sum())
        return self.engaged_business / ever if ever else 0.0

    @property
    def legitimacy(self) -> float:
        return self.public.mean

    @property
    def claims_gap(self) -> float:
        return float(self.claims - self.visible_action)

    @property
    def sectors_represented(self) -> int:
        return int((self._active_counts() > 0).sum())

    @property
    def cross_sector_ties(self) -> int:
        return self.trust_matrix.ties(self.orgs.active(), self.orgs.sector, TIE_THRESHOLD)

    @property
    def backing(self) -> float:
        return float(self.levels.leadership_backing)

    @property
    def fatigue(self) -> float:
        active = self.orgs.active()
        return float(self.orgs.fatigue[active].mean()) if active.size else 0.0

    @property
    def budget(self) -> float:
        return self._budget.total

    @property
    def budget_grant(self) -> float:
        return self._budget.grant

    @property
    def budget_contributions(self) -> float:
        return self._budget.contributions

    @property
    def asked_cost(self) -> float:
        return self._budget.asked_cost

    @property
    def afforded(self) -> float:
        return self._budget.afforded


def _ingredient_metrics() -> None:
    """`asked_<knob>` (the design's ask) and `delivered_<knob>` (what the budget affords) for
    each ingredient the backbone delivers, as properties like every other metric."""

    def level(source: str, knob: str) -> property:
        def read(self: PartnershipModel) -> float:
            return float(getattr(getattr(self, source), knob))

        return property(read)

    for knob in backbone.INGREDIENTS:
        setattr(PartnershipModel, f"asked_{knob}", level("params", knob))
        setattr(PartnershipModel, f"delivered_{knob}", level("levels", knob))


_ingredient_metrics()
