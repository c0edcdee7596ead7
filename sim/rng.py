"""Named random streams (ODD 4, "Stochasticity").

Each mechanism draws from its own stream, derived from the run seed and the mechanism's name,
so switching one ingredient off, or forking a run, changes only the draws that must change.
"""

from __future__ import annotations

import zlib

import numpy as np


class Streams:
    """A `numpy.random.Generator` per mechanism name, all derived from one integer seed."""

    def __init__(self, seed: int):
        self.seed = int(seed)
        self._streams: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        stream = self._streams.get(name)
        if stream is None:
            entropy = [self.seed & 0xFFFFFFFF, self.seed >> 32, zlib.crc32(name.encode())]
            stream = np.random.default_rng(np.random.SeedSequence(entropy))
            self._streams[name] = stream
        return stream
