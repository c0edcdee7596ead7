"""`make demo`: the compare experiment (seven designs x 30 seeds, every core, and the designs at
equal resources: how much of each gap to the Impact Partnership is resources and how much how
they are spent), then the path of its report.

    python -m experiments.demo [--out DIR] [--quick] [--jobs N] [--seeds N] [--no-fair]
        [overrides...]
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from experiments import compare


def main(argv: Sequence[str] | None = None) -> Path:
    return compare.main(argv, name="demo")


if __name__ == "__main__":
    main()
