"""Gather a sweep's runs into tidy tables (`experiments.kit.gather`).

    python -m experiments.collect outputs/sweeps/my_sweep

Reads every run record (`summary.json` and `timeseries.csv`, written by `python -m sim`) under a
folder and writes, into that folder:

- `tidy.parquet` / `tidy.csv`: one row per run and week: `run_id`, `scenario`, `seed`, every
  swept parameter (named `param_<name>` where a metric has the same name, as the starting
  `members_<sector>`), `completed`, `week` and every metric. A run that failed has one row with
  `completed` False and no week or metrics, so it is counted, not silently lost.
- `summary.parquet` / `summary.csv`: one row per run: the same identifying columns, `completed`,
  `error`, `time_to_half_progress`, the stall diagnosis (`stalled`, `stall_week`, `stall_cause`,
  `best_remedy`; empty for a failed run) and each metric's final value.

    import pandas as pd; tidy = pd.read_parquet("outputs/sweeps/my_sweep/tidy.parquet")
"""

from __future__ import annotations

import argparse
import sys

from experiments.kit.gather import collect, save


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m experiments.collect", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("folder", help="a sweep folder (hydra.sweep.dir) or any folder of runs")
    parser.add_argument("--out", help="where to write the tables (default: the folder itself)")
    args = parser.parse_args(argv)
    try:
        tidy, summary = collect(args.folder)
    except FileNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    try:
        paths = save(args.folder, tidy, summary, args.out)
    except OSError as err:  # a full disk: each table is whole or absent, never half-written
        print(
            f"error: cannot write the tables to {args.out or args.folder}: {err.strerror or err}",
            file=sys.stderr,
        )
        return 1
    failed = int((~summary["completed"]).sum())
    print(f"{len(summary)} runs ({failed} failed), {len(tidy)} rows; written:")
    for path in paths:
        print(f"  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
