"""The watching public as arrays, and the partnership's legitimacy (ODD 7.7).

Each person has a prior (trust in the sectors at the table), a scrutiny level and a current
judgement of the partnership. In a week a share of the public looks; those who look move their
judgement towards what they see: prior trust, visible action and whether civil society and
citizens have a voice, less a penalty for claims that run ahead of action, weighted by scrutiny.
A judgement falls faster than it rises.
"""

from __future__ import annotations

import numpy as np

from .params import Params

PRIOR_SPREAD = 0.1  # sd of people's priors around the composition's public trust
SCRUTINY_CONCENTRATION = 4.0  # beta(a, b) with a + b = 4 around the mean scrutiny


class Public:
    def __init__(self, params: Params, prior: float, rng: np.random.Generator):
        n = params.public_size
        self.offset = rng.normal(0.0, PRIOR_SPREAD, n)
        m = params.public_scrutiny
        if 0.0 < m < 1.0:
            self.scrutiny = rng.beta(
                SCRUTINY_CONCENTRATION * m, SCRUTINY_CONCENTRATION * (1 - m), n
            )
        else:
            self.scrutiny = np.full(n, m)
        self.legitimacy = np.clip(prior + self.offset, 0.0, 1.0)

    @property
    def mean(self) -> float:
        return float(self.legitimacy.mean())

    def observe(
        self,
        prior: float,
        claims: float,
        action: float,
        voice: float,
        watchdog: float,
        params: Params,
        rng: np.random.Generator,
        hidden: float = 0.0,
    ) -> None:
        """One week: the people who look update their judgement (`Public.observe`).

        `action` is the action they can see; of the `hidden` share they cannot see, they
        credit `benefit_of_doubt` at their own prior trust. So an open window (transparency)
        shows shortfalls as well as action: where the action seen falls short of what people
        would have assumed, seeing it lowers their judgement.
        """
        looking = np.flatnonzero(rng.random(self.legitimacy.size) < params.public_attention)
        if looking.size == 0:
            return
        w_prior = max(0.0, 1.0 - params.weight_action - params.weight_voice)
        gap = max(claims - action, 0.0)
        scrutiny = np.minimum(self.scrutiny[looking] * (1.0 + watchdog), 1.0)
        seen: float | np.ndarray = action
        if params.benefit_of_doubt > 0 and hidden > 0:
            assumed = np.clip(prior + self.offset[looking], 0.0, 1.0)
            seen = action + params.benefit_of_doubt * hidden * assumed
        target = (
            w_prior * (prior + self.offset[looking])
            + params.weight_action * seen
            + params.weight_voice * voice
            - params.greenwash_penalty * scrutiny * gap
        )
        current = self.legitimacy[looking]
        self.legitimacy[looking] = judge(current, np.clip(target, 0.0, 1.0), params)


def judge(current: np.ndarray, target: np.ndarray, params: Params) -> np.ndarray:
    """A person's new judgement: a step towards what they see, `legitimacy_loss_ratio` times
    longer when it falls than when it rises (Slovic 1993: public trust is quickly lost and
    slowly won)."""
    rate = params.legitimacy_rate * np.where(target < current, params.legitimacy_loss_ratio, 1.0)
    return np.clip(current + np.minimum(rate, 1.0) * (target - current), 0.0, 1.0)
