"""The Impact Partnership scaled up: the sizes the benchmarks and the profile run at."""

from __future__ import annotations

import numpy as np

from sim.params import Params
from sim.scenarios import resolve
from sim.sectors import SECTORS

DESIGN = "impact_partnership"


def scaled(members: int, public_size: int | None = None, **overrides) -> Params:
    """The Impact Partnership with `members` starting members, split between the sectors as in
    the design (largest remainders), and its recruitment pool scaled by the same factor."""
    base = resolve(DESIGN)
    counts = np.array([getattr(base, f"members_{s}") for s in SECTORS], dtype=float)
    share = counts / counts.sum() * members
    whole = np.floor(share).astype(int)
    whole[np.argsort(whole - share)[: members - whole.sum()]] += 1
    factor = members / counts.sum()
    sizes = {f"members_{s}": int(n) for s, n in zip(SECTORS, whole, strict=True)}
    if public_size is not None:
        overrides["public_size"] = public_size
    return base.with_(
        pool_per_sector=max(1, round(base.pool_per_sector * factor)), **sizes, **overrides
    )
