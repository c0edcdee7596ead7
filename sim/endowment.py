"""What a design starts with, and a design given another's (model.md v2, item 5; ODD 7.12).

A design's resources are two numbers at week 0: its backbone's weekly budget and its members'
total capacity. Everything else of the design (its head-counts and sector mix, its knobs, who
convenes, who signs, its events) is how it spends them. `endowment` reads both from the
parameters without running a model, as expectations over the organisations' draws (ODD 5): a
member of sector s brings capacity_s x w_s x capacity_scale x z, z ~ LogNormal(0, sigma), whose
mean is exp(sigma^2 / 2); its dues are member_dues x initial_engagement x its funding x its
capacity, the funding clip(mean funding_s x z', 0, 2) drawn apart from z. A seed's own draws
move a design's realised total around that mean (by about 8% for the Impact Partnership's 13
members); they are the design's luck, not its resources.

`at_resources_of(params, target)` is the design at another's resources: every capacity scaled
(`capacity_scale`) so the expected total is the target's, head-counts kept, and the grant set
so the week-0 budget is the target's (the dues, scaled with capacity, kept, unless they alone
exceed it: then no grant and the dues scaled down). `held=True` also holds the budget at the
target's week-0 amount every week (`budget_fixed`), the stricter reading.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import sectors
from .params import ParameterError, Params
from .partnership import ASSET_CAP, INDIVIDUAL_SPREAD


@dataclass(frozen=True)
class Endowment:
    """A design's resources at week 0 (expected over the organisations' draws)."""

    budget: float  # the backbone's week-0 budget, budget units a week: grant + dues
    capacity: float  # the founding members' total capacity (1 = a full team's time a week)
    grant: float  # the outside grant's part of the budget
    dues: float  # the members' dues' part
    members: int  # founding members (head-count, signatories included)


def _phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def _expected_holding(mean: float, spread: float = INDIVIDUAL_SPREAD) -> float:
    """E[clip(mean x z, 0, ASSET_CAP)] for z ~ LogNormal(0, spread): an asset's mean holding,
    clipped as Organisations.create clips it."""
    if mean <= 0:
        return 0.0
    cut = math.log(ASSET_CAP / mean)
    below = mean * math.exp(spread**2 / 2) * _phi((cut - spread**2) / spread)
    return below + ASSET_CAP * (1.0 - _phi(cut / spread))


def endowment(params: Params) -> Endowment:
    """The design's week-0 budget and its founders' total capacity, from its parameters alone
    (expected over the organisations' draws; no model is built)."""
    mean_z = math.exp(INDIVIDUAL_SPREAD**2 / 2)
    funding = sectors.asset_matrix()[:, sectors.FUNDING]
    capacity = dues_base = 0.0
    for s, name in enumerate(sectors.SECTORS):
        n = params.initial_members[name]
        involvement = params.signatory_time if params.signatories == name else 1.0
        each = sectors.PROFILES[s].capacity * involvement * params.capacity_scale * mean_z
        capacity += n * each
        dues_base += n * each * _expected_holding(float(funding[s]))
    dues = params.member_dues * params.initial_engagement * dues_base
    if params.budget_fixed is not None:
        grant, dues = params.budget_fixed, 0.0
    else:
        grant = params.backbone_grant
    return Endowment(grant + dues, capacity, grant, dues, sum(params.initial_members.values()))


def at_resources_of(params: Params, target: Endowment, *, held: bool = False) -> Params:
    """The design `params` with the week-0 budget and total capacity of `target` (see the
    module's docstring); with `held`, the budget also held at that amount every week.

    Raises:
        ParameterError: when the scale or the grant it needs is outside its parameter's range,
            naming both designs' numbers.
    """
    own = endowment(params)
    ratio = target.capacity / own.capacity
    scale = params.capacity_scale * ratio
    dues = own.dues * ratio  # dues are paid in proportion to capacity
    changes: dict[str, float] = {"capacity_scale": scale}
    if params.budget_fixed is not None:
        changes["budget_fixed"] = target.budget
    elif dues <= target.budget:
        changes["backbone_grant"] = max(0.0, target.budget - dues)
    else:
        changes["backbone_grant"] = 0.0
        changes["member_dues"] = params.member_dues * target.budget / dues
    if held:
        changes["budget_fixed"] = target.budget
    try:
        return params.with_(**changes)
    except ParameterError as err:
        raise ParameterError(
            f"a design with a week-0 budget of {own.budget:.3g} and capacity {own.capacity:.3g} "
            f"cannot be given a budget of {target.budget:.3g} and capacity "
            f"{target.capacity:.3g}: {err}"
        ) from None
