"""Mechanism 15: shocks from outside the partnership (ODD 7.17).

A crisis pulls members' attention away: while it lasts (`crisis_weeks` from the week it
starts) each member gives the partnership `crisis_pull` less of its time (`attention`, read
where members' time is spent, 7.3). A scandal at one member stains the partnership: while it
is fresh (`scandal_weeks`) the public's prior trust in who is at the table is lower by
`scandal_legitimacy_loss` (`stain`, read where the public judges, 7.7); its partners' trust in
it falls at once (`TrustMatrix.lose_trust_in`, 7.5).

Funding cuts, elections, crises and scandals also happen at random, each at its rate a year
(`funding_cut_rate`, `election_rate`, `crisis_rate`, `scandal_rate`): in a week one happens
with chance rate / 52, as a sponsor changes with chance 1 / `sponsor_term_weeks` (7.10).
`PartnershipModel.draw_shocks` carries each one out as the scheduled event of its kind.
"""

from __future__ import annotations

import numpy as np

from ..params import Params

WEEKS_PER_YEAR = 52  # a rate a year is a week's chance of rate / 52
# each shock at a rate, with the event kind that carries it out (sim/events.py)
RATES: tuple[tuple[str, str], ...] = (
    ("funding_cut_rate", "funding_ends"),
    ("election_rate", "election"),
    ("crisis_rate", "crisis"),
    ("scandal_rate", "scandal"),
)


def any_rate(params: Params) -> bool:
    """Whether any shock happens at random (`shocks.any_rate`): if none, nothing is drawn."""
    return any(getattr(params, rate) > 0 for rate, _ in RATES)


def draw(params: Params, rng: np.random.Generator) -> tuple[list[tuple[str, str]], float]:
    """This week's shocks at random (`shocks.draw`): the (rate, kind) of each that happens, in
    the order of `RATES`, and a number in [0, 1) that picks a scandal's member.

    Always len(RATES) + 1 numbers a week, whatever happens, so one rate changed leaves the
    other shocks' weeks as they were."""
    u = rng.random(len(RATES) + 1)
    chance = np.array([getattr(params, rate) for rate, _ in RATES]) / WEEKS_PER_YEAR
    hits = [pair for pair, hit in zip(RATES, u[:-1] < chance, strict=True) if hit]
    return hits, float(u[-1])


def attention(week: int, crisis_until: int, params: Params) -> float:
    """Share of its usual time a member gives the partnership this week (`shocks.attention`):
    1 - `crisis_pull` while a crisis lasts (to week `crisis_until`), else 1."""
    return 1.0 - params.crisis_pull if week <= crisis_until else 1.0


def stain(week: int, scandal_until: int, params: Params) -> float:
    """How much lower the public's prior trust in the partnership is this week
    (`shocks.stain`): `scandal_legitimacy_loss` while a scandal is fresh (to week
    `scandal_until`), else 0."""
    return params.scandal_legitimacy_loss if week <= scandal_until else 0.0
