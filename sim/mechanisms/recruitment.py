"""Mechanism 1: recruitment through the convener's network, or curated to fill gaps (ODD 7.1)."""

from __future__ import annotations

import numpy as np

from ..params import Params


def introductions(params: Params, rng: np.random.Generator) -> tuple[int, int]:
    """This week's introductions: (through the convener's network, by the curator)."""
    network = rng.poisson(params.network_intro_rate)
    curated = rng.poisson(params.curated_intro_rate * params.curation)
    return int(network), int(curated)


def network_sector(
    pool_counts: np.ndarray, convener: int, params: Params, rng: np.random.Generator
) -> int | None:
    """Sector of a network introduction: the convener's own network favours its sector."""
    weights = pool_counts.astype(float)
    weights[convener] *= params.homophily
    if weights.sum() == 0:
        return None
    return int(rng.choice(weights.size, p=weights / weights.sum()))


def binding_asset(held: np.ndarray, needs: np.ndarray) -> int:
    """The most binding gap: the scarcest asset of the facet the members are weakest on.

    `held` is the members' holding of each asset type, `needs` the facets x assets matrix.
    """
    with np.errstate(divide="ignore"):
        logs = np.log(np.maximum(held, 0.0))
    facet_work = np.where(needs, logs[None, :], 0.0).sum(axis=1) / needs.sum(axis=1)
    weakest = int(np.argmin(facet_work))
    return int(np.argmin(np.where(needs[weakest], held, np.inf)))


def curated_sector(asset: int, pool_counts: np.ndarray, sector_assets: np.ndarray) -> int | None:
    """The sector with candidates left that brings most of the binding asset."""
    supply = np.where(pool_counts > 0, sector_assets[:, asset], -1.0)
    if supply.max() <= 0:
        return None
    return int(np.argmax(supply))


def accepts(
    curated: bool, legitimacy: float, is_citizen: bool, params: Params, rng: np.random.Generator
) -> bool:
    """Whether an introduced organisation joins. Citizens weigh the partnership's legitimacy."""
    rate = params.curated_conversion if curated else params.network_conversion
    if is_citizen:
        rate *= min(1.0, 2.0 * legitimacy)
    return bool(rng.random() < rate)
