"""Named random streams (ODD 4, "Stochasticity").

Each mechanism draws from its own stream, derived from the run seed and the mechanism's name,
so switching one ingredient off, or forking a run, changes only the draws that must change.
A stream named in `held` is derived from `HELD_SEED` instead of the run seed: it draws the same
numbers in every run, so that source's variation between runs is gone while its mechanism still
runs (ODD 4.9, "Where the spread comes from").
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

import numpy as np

# Every stream the model draws from, one per random mechanism (ODD 4.9's table); a test checks
# that every stream named in sim/ is one of them (tests/model/test_held_streams.py).
STREAMS = ("world", "network", "public", "recruitment", "churn", "reliability", "shocks", "events")
# The seed a held stream is derived from, whatever the run's seed: its draws are those of the
# same stream in a run with seed 0, the seed configs/config.yaml and the examples use.
HELD_SEED = 0


class Streams:
    """A `numpy.random.Generator` per mechanism name, all derived from one integer seed, except
    the streams named in `held`, which are derived from `HELD_SEED`."""

    def __init__(self, seed: int, held: Iterable[str] = ()):
        self.seed = int(seed)
        self.held = frozenset(held)
        self._streams: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        stream = self._streams.get(name)
        if stream is None:
            seed = HELD_SEED if name in self.held else self.seed
            entropy = [seed & 0xFFFFFFFF, seed >> 32, zlib.crc32(name.encode())]
            stream = np.random.default_rng(np.random.SeedSequence(entropy))
            self._streams[name] = stream
        return stream
