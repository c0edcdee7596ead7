"""The causes of a stall: each check reads the model and the recorded weeks, and returns a
`Finding` with the numbers behind it, or None (ODD 7.11). `causes` names the first that holds,
in the order of `CAUSES`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim import sectors
from sim.diagnosis.weeks import (
    MIN_MEMBERS,
    STALL_WINDOW,
    Week,
    _least_reason_words,
    _r,
    _window,
    _words,
    least_reason_to_stay,
)
from sim.mechanisms import recruitment
from sim.model import PartnershipModel
from sim.partnership import POOL

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
MONEY_SHORT = 0.6  # mean share of the asks the budget afforded over the window: below it the
#                    backbone delivers less than three fifths of what the design needs of it

CAUSES: dict[str, str] = {
    "missing_asset": "A missing asset",
    "money_ran_out": "The money ran out",
    "loss_of_sponsor": "Loss of a sponsor",
    "talking_shop": "Talking shop",
    "trust_breakdown": "Trust breakdown",
    "legitimacy_crisis": "Legitimacy crisis",
    "partner_fatigue": "Partner fatigue",
    "treadmill": "Treadmill (no lock-in)",
}
NO_SINGLE_CAUSE = "no_single_cause"
CAUSE_LABELS = {**CAUSES, NO_SINGLE_CAUSE: "No single cause"}


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


def check_money(model: PartnershipModel, weeks: list[Week]) -> Finding | None:
    """The backbone's budget afforded too little of the asks over the window (7.12)."""
    funded = [w for w in weeks[1:] if w.operating]
    if not funded or model.asked_cost <= 0:
        return None
    mean = float(np.mean([w.afforded for w in funded]))
    if mean >= MONEY_SHORT:
        return None
    evidence = {
        "afforded_mean": _r(mean),
        "threshold": MONEY_SHORT,
        "budget_now": _r(weeks[-1].budget),
        "asked_cost": _r(model.asked_cost),
        "grant_ended_week": model.grant_ended_week,
        "delivered_orchestration": _r(model.delivered_orchestration),
        "orchestration": model.params.orchestration,
    }
    if model.params.budget_fixed is not None:
        why = f"the budget, held at {model.params.budget_fixed:.2f} a week, falls short"
    elif model.grant_ended_week is not None:
        why = f"the outside grant ended in week {model.grant_ended_week}"
    else:
        why = "the grant and the members' dues fall short of what the design asks"
    text = (
        f"The money ran out: {why}, so the backbone afforded only {mean:.0%} of what the "
        f"design asks of it over the last {len(funded)} weeks (a budget of "
        f"{weeks[-1].budget:.2f} against {model.asked_cost:.2f} a week); orchestration "
        f"delivered is {model.delivered_orchestration:.2f} of the {model.params.orchestration:.1f} "
        "asked, and the talk it carried falls back on the members."
    )
    return Finding("money_ran_out", evidence, text)


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
    "money_ran_out": check_money,
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
