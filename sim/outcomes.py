"""What counts as a run that meets expectations (issue 20, item 8; ODD 1.2).

Fixed before v2's designs were measured against it, from two of the model's own outcomes, so
that each design's share of runs meeting it is a finding, not a target:

- the problem is at least half solved at the horizon (final `progress` of at least
  `EXPECTED_PROGRESS`, the level `time_to_half_progress` counts to), and
- the partnership never stalled (the stall diagnosis, `sim.diagnosis`, found no stall).

evidence.md's alliance figures (about half of alliances fail to meet expectations; structured
processes about 80% success, ad hoc about 20%) are a band to compare the shares with afterwards,
never a target the definition or a parameter was tuned to.
"""

from __future__ import annotations

EXPECTED_PROGRESS = 0.5  # half of the problem's facets' distance closed by the horizon


def meets_expectations(final_progress: float, stalled: bool) -> bool:
    """Whether a run meets expectations: progress at least `EXPECTED_PROGRESS` at the horizon,
    and never stalled."""
    return bool(final_progress >= EXPECTED_PROGRESS and not stalled)
