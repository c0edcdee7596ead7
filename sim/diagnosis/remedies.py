"""Counterfactual remedies: fork the model, apply each remedy to its own fork, run every fork
on and rank the remedies by the progress they add over the fork left alone (ODD 7.11). The
original run is never touched: the forks run on deep copies."""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from sim import sectors
from sim.diagnosis.causes import missing_asset
from sim.diagnosis.weeks import STALL_GAIN, _r
from sim.mechanisms import recruitment
from sim.model import PartnershipModel
from sim.partnership import POOL

# --- remedies --------------------------------------------------------------------------------
REMEDY_WINDOW = 26  # weeks each fork runs on: one sprint cadence, as long as the stall window
REMEDY_LEVEL = 0.9  # a knob remedy raises the knob to at least this: a full dose, so the
#                     ranking compares ingredients, not amounts
MIN_REMEDY_EFFECT = 0.005  # progress over the untreated fork below which a remedy does nothing;
#                            the best remedy must also restart progress (gain >= STALL_GAIN)


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
    Remedy("funding", "Funding for the backbone"),
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


def fund_the_backbone(model: PartnershipModel) -> str | None:
    """A funder steps in: the outside grant is restored and raised to what the asks cost (a
    budget held at one amount, `budget_fixed`, is raised to it), so the backbone affords every
    ask from next week; None if it already does."""
    if model.afforded >= 1.0 and model.grant_ended_week is None:
        return None
    held = model.params.budget_fixed
    if held is not None:  # a budget held at one amount: the funder raises that amount
        if held >= model.asked_cost:
            return None
        model.params = model.params.with_(budget_fixed=model.asked_cost)
        return f"budget_fixed {held:.2f} -> {model.asked_cost:.2f} (what the asks cost a week)"
    before = model.params.backbone_grant if model.grant_ended_week is None else 0.0
    grant = max(model.params.backbone_grant, model.asked_cost)
    model.grant_ended_week = None
    model.params = model.params.with_(backbone_grant=grant)
    return f"backbone_grant {before:.2f} -> {grant:.2f} (what the asks cost a week)"


def apply_remedy(
    model: PartnershipModel, name: str, *, sector: str | None = None, level: float = REMEDY_LEVEL
) -> str | None:
    """Apply remedy `name` to `model` (a fork) in place; return what was done, or None if the
    remedy cannot change anything (the knob is already at `level`, nobody left to recruit)."""
    remedy = REMEDY_BY_NAME[name]
    if name == "funding":
        return fund_the_backbone(model)
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
                _r(run_on(treated, more).progress - untreated_long, 6)
                if untreated_long is not None
                else None
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
