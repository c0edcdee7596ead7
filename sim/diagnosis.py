"""Why partnerships stall: stall detection, the cause with its evidence, and counterfactual
remedies (design brief, "Why partnerships stall").

`StallObserver` watches a run week by week and only reads the model. A run *stalls* in the first
week in which the partnership has dissolved (fewer than two members) or the problem is unsolved
and progress gained over the last `STALL_WINDOW` weeks is below `STALL_GAIN`. At that week the
observer names the cause from the model's state, with the numbers behind it, then forks the
model (a deep copy that shares nothing mutable with the original, random streams included),
applies each remedy to its own fork, runs every fork on for `REMEDY_WINDOW` weeks and ranks the
remedies by the progress they add over the fork left alone. The original run is never touched:
the forks run on copies, so a run with the observer has the same trajectory as one without.

Usage, in any loop that steps a model::

    observer = StallObserver(model)      # records week 0
    while model.running:
        model.step()
        observer.observe(model)
    observer.report()                    # JSON-ready dict: stalled, stall_week, stall_cause, ...
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from . import sectors
from .mechanisms import recruitment
from .mechanisms.engagement import GAINS, LEDGER
from .model import PartnershipModel
from .params import Params
from .partnership import POOL

# --- stall detection -------------------------------------------------------------------------
STALL_WINDOW = 26  # weeks: half a year, one sprint cadence; long enough to smooth weekly noise
STALL_GAIN = 0.02  # progress (share of the problem) per window: at this pace half the problem
#                    would take more than twelve years, which no partnership's funders wait for
SOLVED_PROGRESS = 0.8  # progress at which the problem counts as solved: the last gaps close
#                        slowly by construction (each week closes a share of what remains)
MIN_MEMBERS = 2  # a partnership needs two members; below that it has dissolved

# --- causes (checked in the order of CAUSES; the first that holds is named) ------------------
TALKING_SHOP_ACTION = 0.25  # mean share of effort in joint action over the window; working
#                             designs put 40-60% in, a talking shop less than a quarter
TRUST_LOW = 0.3  # mean trust among members; frustration sets in below frustration_trust (0.3)
TRUST_FALL = 0.05  # loss of mean trust over the window that counts as a breakdown
MISSING_ASSET_SHARE = 0.1  # an asset the weakest facet needs counts as missing when members
#                            pool less than a tenth of what they pool of its best-covered asset
FATIGUE_DROPOUTS = 2  # members who left within the window
FATIGUE_ENGAGEMENT_FALL = 0.1  # fall of mean engagement over the window, which counts only
FATIGUE_ENGAGEMENT_LOW = 0.5  # when engagement ends below this: members join at 0.8 and settle
#                               near 0.7-0.8 in designs that work, so an early fall alone is
#                               not fatigue; exit thresholds are 0.2-0.35
LEGITIMACY_LOW = 0.35  # the public's judgement; partnerships start near 0.45-0.5
CLAIMS_GAP_HIGH = 0.1  # mean claims ahead of visible action over the window: greenwashing
LEGITIMACY_FALL = 0.05  # fall of legitimacy over the window that counts as a crisis
TREADMILL_REGENERATED = 0.5  # share of the window's gross gains the problem took back
TREADMILL_SYSTEMS_CHANGE = 0.2  # systems change below this stops less than a fifth of the
#                                  regrowth (lock_in 0.9): the gains are mostly not locked in
SPONSOR_MOMENTUM_DROP = 0.1  # relative fall of policy momentum in the week a sponsor changed
SPONSOR_ENGAGEMENT_DROP = 0.03  # fall of mean engagement in the week a sponsor changed
MIN_MOMENTUM = 0.01  # below this, momentum is too small for a relative fall to mean anything

# --- remedies --------------------------------------------------------------------------------
REMEDY_WINDOW = 26  # weeks each fork runs on: one sprint cadence, as long as the stall window
REMEDY_LEVEL = 0.9  # a knob remedy raises the knob to at least this: a full dose, so the
#                     ranking compares ingredients, not amounts
MIN_REMEDY_EFFECT = 0.005  # progress over the untreated fork below which a remedy does nothing;
#                            the best remedy must also restart progress (gain >= STALL_GAIN)

CAUSES: dict[str, str] = {
    "missing_asset": "A missing asset",
    "loss_of_sponsor": "Loss of a sponsor",
    "talking_shop": "Talking shop",
    "trust_breakdown": "Trust breakdown",
    "legitimacy_crisis": "Legitimacy crisis",
    "partner_fatigue": "Partner fatigue",
    "treadmill": "Treadmill (no lock-in)",
}
NO_SINGLE_CAUSE = "no_single_cause"
CAUSE_LABELS = {**CAUSES, NO_SINGLE_CAUSE: "No single cause"}


@dataclass(frozen=True)
class Week:
    """What the observer records of one week: numbers only, never a reference into the model."""

    week: int
    progress: float
    knowledge: float  # mean over facets of all progress ever made (gross, before regeneration)
    action_share: float
    trust: float
    engagement: float
    members: int
    dropouts: int
    legitimacy: float
    claims_gap: float
    sponsor_changes: int
    policy_momentum: float
    systems_change: float
    operating: bool
    # what each sector's members weighed this week (`PartnershipModel.sector_ledger`, a copy)
    ledger: np.ndarray | None = field(default=None, compare=False, repr=False)


def record(model: PartnershipModel) -> Week:
    return Week(
        week=int(model.steps),
        progress=model.progress,
        knowledge=float(model.problem.knowledge.mean()),
        action_share=float(model.action_share),
        trust=model.trust,
        engagement=model.engagement,
        members=model.members,
        dropouts=int(model.dropouts),
        legitimacy=model.legitimacy,
        claims_gap=model.claims_gap,
        sponsor_changes=int(model.sponsor_changes),
        policy_momentum=float(model.policy_momentum),
        systems_change=float(model.systems_change),
        operating=bool(model.operating),
        ledger=model.sector_ledger(),
    )


def mean_ledger(books: list[np.ndarray]) -> np.ndarray:
    """The mean of weekly sector ledgers (sectors x `engagement.LEDGER` each), each sector over
    the weeks it had members; NaN for a sector with none (all NaN for no weeks)."""
    if not books:
        return np.full((len(sectors.SECTORS), len(LEDGER)), np.nan)
    stack = np.array(books)
    seen = ~np.isnan(stack).any(axis=2)  # weeks x sectors
    total = np.where(seen[..., None], stack, 0.0).sum(axis=0)
    count = seen.sum(axis=0)[:, None]
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def least_reason_to_stay(weeks: list[Week]) -> dict[str, Any] | None:
    """The sector whose members weighed the lowest net (benefit less cost) over the weeks the
    partnership operated, with its benefit, cost and the larger of its two costs; None if no
    week was weighed."""
    mean = mean_ledger([w.ledger for w in weeks if w.ledger is not None and w.operating])
    present = ~np.isnan(mean).any(axis=1)
    if not present.any():
        return None
    n = len(GAINS)
    benefit, cost = mean[:, :n].sum(axis=1), mean[:, n:].sum(axis=1)
    net = np.where(present, benefit - cost, np.inf)
    s = int(np.argmin(net))
    return {
        "sector": sectors.SECTORS[s],
        "benefit": _r(benefit[s]),
        "cost": _r(cost[s]),
        "net": _r(net[s]),
        "main_cost": LEDGER[n + int(np.argmax(mean[s, n:]))],
    }


def _least_reason_words(least: dict[str, Any] | None) -> str:
    if least is None:
        return ""
    return (
        f" {_words(least['sector']).capitalize()} members have the least reason to stay: "
        f"the partnership gives them {least['benefit']:.2f} a week and costs them "
        f"{least['cost']:.2f}, mostly in {least['main_cost']}."
    )


@dataclass
class Finding:
    """A cause that holds at the stall, the numbers that show it, and a sentence for the room."""

    cause: str
    evidence: dict[str, Any]
    text: str
    sector: str | None = None  # the sector a curated recruit should come from, when known

    @property
    def label(self) -> str:
        return CAUSE_LABELS[self.cause]


# ---------------------------------------------------------------------------------------------
# Causes: each check reads the model and the recorded weeks, and returns a Finding or None
# ---------------------------------------------------------------------------------------------


def _window(history: dict[int, Week], week: int, window: int) -> list[Week]:
    return [history[w] for w in range(max(week - window, 0), week + 1) if w in history]


def _r(value: float, digits: int = 3) -> float:
    return round(float(value), digits)


def check_sponsor(model: PartnershipModel, weeks: list[Week]) -> Finding | None:
    changes = []
    for before, after in zip(weeks, weeks[1:], strict=False):
        if after.sponsor_changes <= before.sponsor_changes:
            continue
        momentum_drop = (
            (before.policy_momentum - after.policy_momentum) / before.policy_momentum
            if before.policy_momentum >= MIN_MOMENTUM
            else 0.0
        )
        engagement_drop = before.engagement - after.engagement
        if momentum_drop >= SPONSOR_MOMENTUM_DROP or engagement_drop >= SPONSOR_ENGAGEMENT_DROP:
            changes.append((after.week, before, after, momentum_drop, engagement_drop))
    if not changes:
        return None
    week, before, after, momentum_drop, engagement_drop = max(changes, key=lambda c: c[3] + c[4])
    evidence = {
        "sponsor_change_weeks": [c[0] for c in changes],
        "momentum_before": _r(before.policy_momentum),
        "momentum_after": _r(after.policy_momentum),
        "engagement_before": _r(before.engagement),
        "engagement_after": _r(after.engagement),
        "momentum_now": _r(weeks[-1].policy_momentum),
        "engagement_now": _r(weeks[-1].engagement),
        "leadership_backing": model.params.leadership_backing,
    }
    text = (
        f"A government sponsor changed in week {week} and the partnership lost its footing: "
        f"policy momentum fell from {before.policy_momentum:.3f} to "
        f"{after.policy_momentum:.3f} and engagement from {before.engagement:.2f} to "
        f"{after.engagement:.2f} that week; with leadership backing at "
        f"{model.params.leadership_backing:.1f} nobody else carried it."
    )
    return Finding("loss_of_sponsor", evidence, text)


def _pooled_by_asset(model: PartnershipModel) -> np.ndarray:
    """Assets members brought to joint action this week; their holdings if nobody acted."""
    orgs = model.orgs
    active = orgs.active()
    pooled = orgs.contribution[active] @ orgs.assets[active]
    if pooled.sum() <= 0:
        pooled = orgs.capacity[active] @ orgs.assets[active]
    return pooled


def missing_asset(model: PartnershipModel) -> dict[str, Any] | None:
    """The asset the weakest facet lacks, and the sector that would bring it, if one is missing."""
    problem = model.problem
    facet = int(np.argmin(problem.progress))
    needs = np.flatnonzero(problem.needs[facet])
    pooled = _pooled_by_asset(model)
    asset = int(needs[np.argmin(pooled[needs])])
    best = float(pooled[needs].max())
    if pooled[asset] > MISSING_ASSET_SHARE * best:
        return None
    orgs = model.orgs
    pool_counts = orgs.counts(np.flatnonzero(orgs.status == POOL))
    sector = recruitment.curated_sector(asset, pool_counts, sectors.asset_matrix())
    if sector is None:  # nobody of the right sector left to recruit: name who would bring it
        sector = int(np.argmax(sectors.asset_matrix()[:, asset]))
    return {
        "facet": problem.names[facet],
        "facet_progress": _r(problem.progress[facet]),
        "asset": sectors.ASSETS[asset],
        "asset_pooled": _r(pooled[asset], 4),
        "best_asset_pooled": _r(best, 4),
        "sector": sectors.SECTORS[sector],
        "sector_members": int(model.orgs.counts(model.orgs.active())[sector]),
        "sector_in_pool": int(pool_counts[sector]),
    }


def check_missing_asset(model: PartnershipModel, weeks: list[Week]) -> Finding | None:
    gap = missing_asset(model)
    if gap is None:
        return None
    text = (
        f"Nobody brings {_words(gap['asset'])}: the weakest facet, "
        f"'{_words(gap['facet'])}', is at {gap['facet_progress']:.0%} because members pool "
        f"{gap['asset_pooled']:.3f} of {_words(gap['asset'])} against "
        f"{gap['best_asset_pooled']:.3f} of what it also needs, and plenty of one asset "
        f"cannot make up for a missing one. {_words(gap['sector']).capitalize()} would bring "
        f"it ({gap['sector_members']} at the table)."
    )
    return Finding("missing_asset", gap, text, sector=gap["sector"])


def check_talking_shop(model: PartnershipModel, weeks: list[Week]) -> Finding | None:
    acting = [w.action_share for w in weeks[1:] if w.operating]
    if not acting:
        return None
    mean = float(np.mean(acting))
    if mean >= TALKING_SHOP_ACTION:
        return None
    least = least_reason_to_stay(weeks)
    evidence = {
        "action_share_mean": _r(mean),
        "threshold": TALKING_SHOP_ACTION,
        "talk_share_now": _r(model.talk),
        "members": weeks[-1].members,
        "orchestration": model.params.orchestration,
        "sprint_intensity": model.params.sprint_intensity,
        "least_reason_to_stay": least,
    }
    text = (
        f"Only {mean:.0%} of members' effort went into joint action over "
        f"the last {len(acting)} weeks (a working partnership puts 40-60% in); the rest went "
        f"on meetings and alignment among {weeks[-1].members} members, with orchestration "
        f"at {model.params.orchestration:.1f}."
    ) + _least_reason_words(least)
    return Finding("talking_shop", evidence, text)


def check_trust(model: PartnershipModel, weeks: list[Week]) -> Finding | None:
    start, now = weeks[0].trust, weeks[-1].trust
    if now >= TRUST_LOW and start - now <= TRUST_FALL:
        return None
    evidence = {
        "trust_now": _r(now),
        "trust_window_start": _r(start),
        "cross_sector_trust": _r(model.cross_sector_trust),
        "threshold": TRUST_LOW,
        "transparency": model.params.transparency,
        "curation": model.params.curation,
    }
    text = (
        f"Mean trust among members is {now:.2f} (it was {start:.2f} "
        f"{len(weeks) - 1} weeks ago), so members hold back the assets they would pool."
    )
    return Finding("trust_breakdown", evidence, text)


def check_legitimacy(model: PartnershipModel, weeks: list[Week]) -> Finding | None:
    start, now = weeks[0].legitimacy, weeks[-1].legitimacy
    gap = float(np.mean([w.claims_gap for w in weeks[1:]] or [0.0]))
    if now >= LEGITIMACY_LOW or (gap <= CLAIMS_GAP_HIGH and start - now < LEGITIMACY_FALL):
        return None
    evidence = {
        "legitimacy_now": _r(now),
        "legitimacy_window_start": _r(start),
        "claims_gap_mean": _r(gap),
        "threshold": LEGITIMACY_LOW,
        "communication": model.params.communication,
        "transparency": model.params.transparency,
    }
    why = (
        f"its claims ran {gap:.2f} ahead of the action it could see"
        if gap > CLAIMS_GAP_HIGH
        else "it sees little action and few voices from civil society and citizens"
    )
    text = (
        f"The public's judgement is down to {now:.2f} (from "
        f"{start:.2f} {len(weeks) - 1} weeks ago) because {why}; citizens stop joining and "
        f"members' reputations suffer."
    )
    return Finding("legitimacy_crisis", evidence, text)


def check_fatigue(model: PartnershipModel, weeks: list[Week]) -> Finding | None:
    first, last = weeks[0], weeks[-1]
    dropouts = last.dropouts - first.dropouts
    fall = first.engagement - last.engagement
    tiring = fall >= FATIGUE_ENGAGEMENT_FALL and last.engagement < FATIGUE_ENGAGEMENT_LOW
    if last.members >= MIN_MEMBERS and dropouts < FATIGUE_DROPOUTS and not tiring:
        return None
    least = least_reason_to_stay(weeks)
    evidence = {
        "dropouts_in_window": dropouts,
        "members_window_start": first.members,
        "members_now": last.members,
        "engagement_window_start": _r(first.engagement),
        "engagement_now": _r(last.engagement),
        "least_reason_to_stay": least,
    }
    state = (
        "the partnership has dissolved"
        if last.members < MIN_MEMBERS
        else f"{last.members} members remain"
    )
    text = (
        f"{dropouts} members left in the last {len(weeks) - 1} weeks and "
        f"engagement went from {first.engagement:.2f} to {last.engagement:.2f}; "
        f"{state}."
    ) + _least_reason_words(least)
    return Finding("partner_fatigue", evidence, text)


def check_treadmill(model: PartnershipModel, weeks: list[Week]) -> Finding | None:
    first, last = weeks[0], weeks[-1]
    gross = last.knowledge - first.knowledge
    net = last.progress - first.progress
    regenerated = gross - net
    if gross <= 0 or regenerated / gross < TREADMILL_REGENERATED:
        return None
    if last.systems_change >= TREADMILL_SYSTEMS_CHANGE:
        return None
    evidence = {
        "gross_gain": _r(gross, 4),
        "regenerated": _r(regenerated, 4),
        "regenerated_share": _r(regenerated / gross),
        "progress": _r(last.progress),
        "systems_change": _r(last.systems_change, 4),
        "policy_link": model.params.policy_link,
        "government_members": int(model.orgs.counts(model.orgs.active())[sectors.GOV]),
    }
    text = (
        f"The partnership made {gross:.3f} of progress in the last "
        f"{len(weeks) - 1} weeks but the problem grew back by {regenerated:.3f} "
        f"({regenerated / gross:.0%} of it), because systems change is only "
        f"{last.systems_change:.3f} and nothing locks the gains in (policy link "
        f"{model.params.policy_link:.1f})."
    )
    return Finding("treadmill", evidence, text)


CHECKS: dict[str, Callable[[PartnershipModel, list[Week]], Finding | None]] = {
    "missing_asset": check_missing_asset,
    "loss_of_sponsor": check_sponsor,
    "talking_shop": check_talking_shop,
    "trust_breakdown": check_trust,
    "legitimacy_crisis": check_legitimacy,
    "partner_fatigue": check_fatigue,
    "treadmill": check_treadmill,
}
assert list(CHECKS) == list(CAUSES)


def causes(
    model: PartnershipModel, history: dict[int, Week], window: int = STALL_WINDOW
) -> list[Finding]:
    """Every cause that holds now, in the order of CAUSES; the first is the one named.

    The order puts structural gaps and events before their symptoms: a missing asset caps what
    any effort can do, and a sponsor's departure explains low action, low trust and fatigue
    better than the other way round; the treadmill, last, is what is left when nothing else is.
    """
    weeks = _window(history, int(model.steps), window)
    found = [f for check in CHECKS.values() if (f := check(model, weeks)) is not None]
    if not found:
        first, last = weeks[0], weeks[-1]
        found = [
            Finding(
                NO_SINGLE_CAUSE,
                {
                    "progress_gain": _r(last.progress - first.progress, 4),
                    "progress": _r(last.progress),
                },
                f"Progress gained only {last.progress - first.progress:.3f} in the last "
                f"{len(weeks) - 1} weeks, with no single cause past its threshold.",
            )
        ]
    return found


# ---------------------------------------------------------------------------------------------
# Counterfactual remedies: fork, apply, run on, compare with the fork left alone
# ---------------------------------------------------------------------------------------------


def fork(model: PartnershipModel) -> PartnershipModel:
    """A copy of the model sharing nothing mutable with it, its random streams included, so the
    fork draws the same numbers the original would and stepping it leaves the original as is."""
    return copy.deepcopy(model)


def run_on(model: PartnershipModel, weeks: int) -> PartnershipModel:
    """Step a fork `weeks` more weeks, past the horizon if need be (the partnership goes on)."""
    end = int(model.steps) + weeks
    if end > model.params.steps:
        model.params = model.params.with_(steps=end)
    for _ in range(weeks):
        model.step()
    return model


@dataclass(frozen=True)
class Remedy:
    name: str
    label: str
    knob: str | None = None  # the design knob the remedy raises, if it is one


REMEDIES: tuple[Remedy, ...] = (
    Remedy("orchestration", "More orchestration", "orchestration"),
    Remedy("curated_recruit", "A curated recruit"),
    Remedy("leadership_backing", "Backing from system leaders", "leadership_backing"),
    Remedy("transparency", "A shared platform", "transparency"),
    Remedy("policy_link", "A formal policy link", "policy_link"),
    Remedy("sprint", "A sprint", "sprint_intensity"),
)
REMEDY_BY_NAME = {r.name: r for r in REMEDIES}
ONE_OF = {
    "government": "a government organisation",
    "business": "a business",
    "civil_society": "a civil-society organisation",
    "citizens": "a citizen group",
}


def recruit_sector(model: PartnershipModel) -> str | None:
    """The sector a curator would recruit from now: the one bringing the most binding asset."""
    gap = missing_asset(model)
    if gap is not None:
        return gap["sector"]
    orgs = model.orgs
    active = orgs.active()
    held = orgs.capacity[active] @ orgs.assets[active]
    asset = recruitment.binding_asset(held, model.problem.needs)
    sector = recruitment.curated_sector(
        asset, orgs.counts(np.flatnonzero(orgs.status == POOL)), sectors.asset_matrix()
    )
    return None if sector is None else sectors.SECTORS[sector]


def curated_recruit(model: PartnershipModel, sector: str) -> int | None:
    """One organisation of `sector` from the pool joins, onboarded as a full-time curator would.

    The candidate is the one holding most of the sector's defining asset, a choice that draws
    no random number, so the fork's random streams stay paired with the untreated fork's.
    """
    s = sectors.SECTORS.index(sector)
    orgs = model.orgs
    candidates = np.flatnonzero((orgs.status == POOL) & (orgs.sector == s))
    if candidates.size == 0:
        return None
    asset = int(np.argmax(sectors.asset_matrix()[s]))
    newcomer = int(candidates[np.argmax(orgs.assets[candidates, asset])])
    orgs.join(newcomer, int(model.steps), model.params)
    model._welcome(newcomer, onboarding=model.params.onboarding_trust)
    return newcomer


def apply_remedy(
    model: PartnershipModel, name: str, *, sector: str | None = None, level: float = REMEDY_LEVEL
) -> str | None:
    """Apply remedy `name` to `model` (a fork) in place; return what was done, or None if the
    remedy cannot change anything (the knob is already at `level`, nobody left to recruit)."""
    remedy = REMEDY_BY_NAME[name]
    if remedy.knob is not None:
        current = getattr(model.params, remedy.knob)
        if current >= level:
            return None
        model.params = model.params.with_(**{remedy.knob: level})
        return f"{remedy.knob} {current:.2f} -> {level:.2f}"
    sector = sector or recruit_sector(model)
    if sector is None or curated_recruit(model, sector) is None:
        return None
    return f"{ONE_OF[sector]} joins, onboarded by a curator"


@dataclass
class RemedyResult:
    name: str
    label: str
    change: str | None  # what was done; None when the remedy could not change anything
    progress: float  # progress at the end of the fork's window
    effect: float  # progress over the untreated fork at the end of the window
    window_gain: float  # progress gained over the window: restarts if >= STALL_GAIN
    restarts: bool
    long_effect: float | None = None  # progress over the untreated fork after `long_window`


def rank_remedies(
    model: PartnershipModel,
    *,
    sector: str | None = None,
    window: int = REMEDY_WINDOW,
    long_window: int | None = None,
    level: float = REMEDY_LEVEL,
) -> list[RemedyResult]:
    """Fork `model` once per remedy and once untreated, run each fork `window` weeks, and rank
    the remedies by the progress they add; `model` itself is only copied.

    With `long_window`, every fork runs on to that many weeks too, for the slow remedies (a
    policy link builds momentum over months and locks progress in over years).
    """
    start = model.progress
    more = max((long_window or window) - window, 0)
    untreated_fork = run_on(fork(model), window)
    untreated = untreated_fork.progress
    untreated_long = run_on(untreated_fork, more).progress if long_window else None
    results = []
    for remedy in REMEDIES:
        treated = fork(model)
        change = apply_remedy(treated, remedy.name, sector=sector, level=level)
        if change is None:
            progress, long_effect = untreated, 0.0 if long_window else None
        else:
            progress = run_on(treated, window).progress
            long_effect = (
                _r(run_on(treated, more).progress - untreated_long, 6) if long_window else None
            )
        results.append(
            RemedyResult(
                remedy.name,
                remedy.label,
                change,
                _r(progress, 6),
                _r(progress - untreated, 6),
                _r(progress - start, 6),
                progress - start >= STALL_GAIN,
                long_effect,
            )
        )
    return sorted(results, key=lambda r: -r.effect)  # stable: ties keep REMEDIES order


# ---------------------------------------------------------------------------------------------
# The observer
# ---------------------------------------------------------------------------------------------


class StallObserver:
    """Watches a run; at the first stall names the cause and ranks the remedies.

    Call `observe(model)` after every step, and once before the first (passing the model here
    does that). The observer keeps numbers only, never a reference to the model.
    """

    def __init__(
        self,
        model: PartnershipModel | None = None,
        *,
        window: int = STALL_WINDOW,
        remedy_window: int = REMEDY_WINDOW,
        long_window: int | None = None,
        counterfactuals: bool = True,
    ):
        self.window, self.remedy_window, self.long_window = window, remedy_window, long_window
        self.counterfactuals = counterfactuals
        self.history: dict[int, Week] = {}
        self.stall_week: int | None = None
        self.findings: list[Finding] = []
        self.remedies: list[RemedyResult] = []
        if model is not None:
            self.observe(model)

    @property
    def stalled(self) -> bool:
        return self.stall_week is not None

    @property
    def latest(self) -> Week | None:
        return self.history[max(self.history)] if self.history else None

    def observe(self, model: PartnershipModel) -> None:
        """Record this week; at the first stall, diagnose it and run the counterfactuals."""
        now = record(model)
        self.history[now.week] = now
        if self.stall_week is None and self.is_stalled(model, now):
            self.stall_week = now.week
            self.findings = causes(model, self.history, self.window)
            if self.counterfactuals:
                self.remedies = rank_remedies(
                    model,
                    sector=self.findings[0].sector,
                    window=self.remedy_window,
                    long_window=self.long_window,
                )

    def is_stalled(self, model: PartnershipModel, now: Week) -> bool:
        if now.week == 0 or now.week > model.params.end_week:
            return False  # nothing to judge yet; or the partnership ended as planned
        if now.members < MIN_MEMBERS:
            return True
        before = self.history.get(now.week - self.window)
        return (
            before is not None
            and now.progress < SOLVED_PROGRESS
            and now.progress - before.progress < STALL_GAIN
        )

    def window_gain(self) -> float | None:
        """Progress gained over the last `window` weeks, once that many have been seen."""
        now = self.latest
        before = self.history.get(now.week - self.window) if now else None
        return None if before is None else now.progress - before.progress

    @property
    def best_remedy(self) -> RemedyResult | None:
        """The top-ranked remedy, if it restarts progress: it adds more than
        MIN_REMEDY_EFFECT and the fork gains at least STALL_GAIN over the window."""
        top = self.remedies[0] if self.remedies else None
        if top is not None and top.effect > MIN_REMEDY_EFFECT and top.restarts:
            return top
        return None

    def report(self) -> dict[str, Any]:
        """JSON-ready: the fields a run's summary gains, and the detail behind them."""
        cause = self.findings[0] if self.findings else None
        best = self.best_remedy
        return {
            "stalled": self.stalled,
            "stall_week": self.stall_week,
            "stall_cause": cause.cause if cause else None,
            "stall_cause_label": cause.label if cause else None,
            "evidence": dict(cause.evidence) if cause else {},
            "explanation": cause.text if cause else None,
            "contributing": [f.cause for f in self.findings[1:]],
            "best_remedy": best.name if best else None,
            "remedies": [asdict(r) for r in self.remedies],
            "window": self.window,
            "remedy_window": self.remedy_window,
            "long_window": self.long_window,
        }


def run_with_diagnosis(
    params: Params, seed: int, *, design: str = "custom", **model_kwargs: Any
) -> tuple[PartnershipModel, StallObserver]:
    """Run a model to its horizon under a StallObserver; return both."""
    model = PartnershipModel(
        params=params, rng=seed, scenario=design, **{"collect_agents": False, **model_kwargs}
    )
    observer = StallObserver(model)
    while model.running:
        model.step()
        observer.observe(model)
    return model, observer


def diagnose_run(params: Params, seed: int) -> dict[str, Any]:
    """Stall, cause, evidence and ranked remedies of one run: same seed, same diagnosis."""
    return run_with_diagnosis(params, seed)[1].report()


def plain_words(report: dict[str, Any]) -> str:
    """The diagnosis as a facilitator would say it to a room."""
    if not report["stalled"]:
        return "Not stalled: the partnership kept making progress."
    lines = [
        f"Stalled in week {report['stall_week']}. "
        f"{report['stall_cause_label']}: {report['explanation']}"
    ]
    if report["contributing"]:
        lines.append(
            "Also true: " + ", ".join(CAUSE_LABELS[c].lower() for c in report["contributing"]) + "."
        )
    best = next((r for r in report["remedies"] if r["name"] == report["best_remedy"]), None)
    if best:
        lines.append(
            f"What would restart it: {best['label'].lower()} ({best['change']}) adds "
            f"{best['effect']:+.3f} progress in {report['remedy_window']} weeks over "
            "doing nothing."
        )
    elif report["remedies"]:
        lines.append(f"No single remedy restarts it within {report['remedy_window']} weeks.")
    return "\n".join(lines)


def _words(name: str) -> str:
    return name.replace("_", " ")
