"""What the stall observer records of each week, and the stall rule's constants (ODD 7.11).

A `Week` holds numbers only, never a reference into the model; `least_reason_to_stay` reads
the sector ledgers the weeks carry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim import sectors
from sim.mechanisms.engagement import GAINS, LEDGER
from sim.model import PartnershipModel

# --- stall detection -------------------------------------------------------------------------
STALL_WINDOW = 26  # weeks: half a year, one sprint cadence; long enough to smooth weekly noise
STALL_GAIN = 0.02  # progress (share of the problem) per window: at this pace half the problem
#                    would take more than twelve years, which no partnership's funders wait for
SOLVED_PROGRESS = 0.8  # progress at which the problem counts as solved: the last gaps close
#                        slowly by construction (each week closes a share of what remains)
MIN_MEMBERS = 2  # a partnership needs two members; below that it has dissolved


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
    afforded: float = 1.0  # share of the asks the backbone's budget afforded (7.12)
    budget: float = 0.0
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
        afforded=float(model.afforded),
        budget=float(model.budget),
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


def _window(history: dict[int, Week], week: int, window: int) -> list[Week]:
    return [history[w] for w in range(max(week - window, 0), week + 1) if w in history]


def _r(value: float, digits: int = 3) -> float:
    return round(float(value), digits)


def _words(name: str) -> str:
    return name.replace("_", " ")
