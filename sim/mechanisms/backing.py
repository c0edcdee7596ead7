"""Mechanism 13: backing from system leaders, earned and lost (ODD 7.14).

System leaders back what shows results and drift from what stalls; they sit on many boards,
so their attention is scarce. The `leadership_backing` knob is what the design invests in
securing backing; the backing it holds is that ask times the share secured, a state that moves
towards what the partnership's visible results deserve and drops when a backer leaves.
"""

from __future__ import annotations

from ..params import Params


def deserved(results: float, params: Params) -> float:
    """The share of the asked backing that recent results earn (`backing.deserved`):
    `backing_floor` for a partnership showing nothing, 1 for one whose results look as good as
    they can (the results signal of 7.6, in [0, 1])."""
    return params.backing_floor + (1.0 - params.backing_floor) * results


def update(secured: float, results: float, params: Params) -> float:
    """The share secured moves `backing_rate` of the way to what results deserve each week."""
    return secured + params.backing_rate * (deserved(results, params) - secured)


def departure(secured: float, params: Params, share: float = 1.0) -> float:
    """Backers leave (sponsors change): with them goes `backer_loss` of the share secured, in
    proportion to the `share` of the government members whose sponsor changed (1: the only
    sponsor, or all of them at an election). A partnership resting on one backer loses most
    when it goes; one backed through many sponsors loses a part with each."""
    return secured * (1.0 - params.backer_loss * share)


def courting(params: Params) -> float:
    """Share of the convener's members' contribution spent securing backing (`backing.courting`):
    `backing_time` at a full ask. Leaders sit on many boards; their attention is bought with the
    convener's time, whatever it brings in."""
    return params.backing_time * params.leadership_backing
