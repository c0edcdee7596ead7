"""Mechanism 6: engagement rises with benefit, falls with cost and frustration; exit (ODD 7.6)."""

from __future__ import annotations

import numpy as np

from ..params import Params
from ..sectors import AGENDA_FIT, BENEFITS


def agenda_weights(sector_counts: np.ndarray, convener: int, params: Params) -> np.ndarray:
    """Who writes the agenda: the convener's sector holds `convener_say`, members share the rest
    (a signatory as its `involvement`: it signs an agenda others write)."""
    total = sector_counts.sum()
    shares = sector_counts / total if total else np.zeros(sector_counts.size)
    weights = (1.0 - params.convener_say) * shares
    weights[convener] += params.convener_say
    return weights


def agenda_fit(
    sector: np.ndarray, weights: np.ndarray, orchestration: float, params: Params
) -> np.ndarray:
    """How much of its own aims each member sees in the agenda (`engagement.agenda_fit`).

    The overlap of its sector's aims with the aims of the agenda's authors. Clear goals make
    the agenda binding: at full clarity they put `goal_fit_cost` of the rest out of reach, so
    goals fixed by one sector fit the others less. A backbone builds a common agenda (Kania &
    Kramer 2011) and closes part of what remains.
    """
    fit = weights @ AGENDA_FIT[:, sector]
    if params.goal_fit_cost > 0:
        fit = fit * (1.0 - params.goal_fit_cost * params.goal_clarity * (1.0 - fit))
    return fit + params.common_agenda * orchestration * (1.0 - fit)


def results_signal(recent_progress: float, params: Params) -> float:
    """How good members find recent results: saturating in the weekly progress they see."""
    r = max(recent_progress, 0.0)
    return r / (r + params.results_reference)


def reputation(
    legitimacy: float, claims_gap: float, claim_propensity: np.ndarray, params: Params
) -> np.ndarray:
    """What being seen in the partnership does for a member's name.

    Being publicly associated pays in proportion to how loudly the partnership communicates
    and how legitimate it looks; claims ahead of action cost most those who claimed most.
    """
    standing = np.clip(legitimacy - max(claims_gap, 0.0) * claim_propensity, 0.0, 1.0)
    return params.communication * standing


def _signal_columns(signals: dict[str, np.ndarray | float], sector: np.ndarray) -> np.ndarray:
    """Each benefit's signal for each member: members x BENEFITS."""
    return np.column_stack([np.broadcast_to(signals[b], sector.shape) for b in BENEFITS])


def benefit(
    signals: dict[str, np.ndarray | float], sector: np.ndarray, fit: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """What each member gets from the partnership, weighted by what its sector wants (0-1)."""
    return fit * np.sum(weights[sector] * _signal_columns(signals, sector), axis=1)


def relief(results: np.ndarray | float, stake: np.ndarray) -> np.ndarray:
    """What a member the problem harms gets from the partnership's results on it
    (`engagement.relief`): its stake (`stake_weight` for the design's `problem_owners`, else 0)
    times the results signal. Not scaled by the agenda's fit: crime falling on a firm's own
    street relieves it whoever wrote the partnership's goals."""
    return stake * results


def cost_parts(
    talk: float,
    meeting_cost: np.ndarray,
    group_trust: np.ndarray,
    params: Params,
    involvement: np.ndarray | float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """What staying costs, by cause: the weight of talk-heavy weeks, and frustration with low
    trust. A signatory sits in its `involvement` share of the meetings a working member sits in."""
    frustration = 2.0 * np.maximum(params.frustration_trust - group_trust, 0.0)
    return meeting_cost * talk * involvement, frustration


def cost(
    talk: float,
    meeting_cost: np.ndarray,
    group_trust: np.ndarray,
    params: Params,
    involvement: np.ndarray | float = 1.0,
) -> np.ndarray:
    """What staying costs: the sum of `cost_parts`."""
    talk_cost, frustration = cost_parts(talk, meeting_cost, group_trust, params, involvement)
    return talk_cost + frustration


# What a member gains: its sector's benefits, then relief from the problem (a problem owner's).
GAINS: tuple[str, ...] = (*BENEFITS, "relief")
# Columns of `ledger`: what each gain brings a member, then what each cost takes.
LEDGER: tuple[str, ...] = (*GAINS, "talk", "frustration", "fatigue")


def ledger(
    signals: dict[str, np.ndarray | float],
    sector: np.ndarray,
    fit: np.ndarray,
    weights: np.ndarray,
    motivation: np.ndarray,
    relief_value: np.ndarray,
    talk_cost: np.ndarray,
    frustration: np.ndarray,
    fatigue_cost: np.ndarray,
) -> np.ndarray:
    """Each member's engagement ledger, members x LEDGER (`engagement.ledger`): the GAINS
    columns sum to the `motivation x (benefit + relief)` the member appraises, the cost columns
    to its `cost`. An observer's breakdown: the model sums them directly."""
    gains = (motivation * fit)[:, None] * weights[sector] * _signal_columns(signals, sector)
    return np.column_stack([gains, motivation * relief_value, talk_cost, frustration, fatigue_cost])


def appraise(
    appraisal: np.ndarray, benefit_value: np.ndarray, cost_value: np.ndarray, params: Params
) -> np.ndarray:
    """A member's judgement of benefit against cost, formed over `appraisal_weeks` of experience
    from what it expected when it joined (`engagement.appraise`): a few bad weeks do not undo
    what brought it in, months of them do (Chinman et al.: costs and benefits separate active
    from inactive members only 8-10 months in)."""
    return appraisal + (benefit_value - cost_value - appraisal) / params.appraisal_weeks


def target(appraisal: np.ndarray, params: Params) -> np.ndarray:
    """Engagement a member drifts towards: indifference plus the benefit less cost it judges."""
    return np.clip(params.engagement_baseline + appraisal, 0.0, 1.0)


def update(engagement: np.ndarray, target_value: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Close a sector-specific share of the gap to the target each week."""
    return np.clip(engagement + rate * (target_value - engagement), 0.0, 1.0)


def leaving(engagement: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """Members whose engagement fell below their exit threshold."""
    return engagement < threshold
