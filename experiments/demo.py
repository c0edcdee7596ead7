"""`make demo`: the compare experiment (seven designs x 30 seeds, every core), then the path of
its report.

    python -m experiments.demo [--seeds 30] [--out DIR] [--jobs -1] [--quick]
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from . import compare
from .runner import parse_args, settings_from


def main(argv: Sequence[str] | None = None) -> Path:
    args = parse_args("demo", __doc__.splitlines()[0], argv, compare.EXPERIMENT["seeds"])
    report = compare.run(settings_from(args, compare.EXPERIMENT, compare.QUICK), out=args.out,
                         n_jobs=args.jobs, name="demo")
    print(report)
    return report


if __name__ == "__main__":
    main()
