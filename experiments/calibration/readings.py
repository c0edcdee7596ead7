"""Do the patterns hang on how each design was read? Every knob of every scenario redrawn.

    python -m experiments.calibration.readings [--readings N] [--widths W ...] [--seeds N] [--jobs J] [--out DIR] [--quick] [--doc PATH | --no-doc]

Each scenario file is one reading of a short description ("little orchestration" became 0.1,
"high communication" 0.9); another reader could have written 0.2 or 0.8. This draws `--readings`
alternative readings (default 20) for each `--widths` (default 0.1 and 0.2): in each, every one
of the eight knobs (`Params.knobs()`) of every design is moved from its scenario value by an
independent uniform draw in [-width, +width] and clipped into [0, 1] (memberships and constants
are left alone; a reading is drawn from a generator seeded with `DRAW_SEED` and the width, so the
same command draws the same readings). At each reading every pattern verdict of
`experiments.calibration.patterns` is computed over the seeds of the one-factor-at-a-time sweep (5000 and up,
10 by default, the same small-sample rules; overrides a pattern sets itself, such as pattern 10's
sprints, win over the reading). Runs are cached under the model's fingerprint with the sweep's
(results/cache), so the scenario readings' runs are made once.

Writes `readings.csv` (one row per width, reading and pattern: verdict, margin, detail),
`knobs.csv` (every drawn value) and `readings.md` to the output folder and, unless `--quick`
(without `--doc`) or `--no-doc`, the 'readings' section of docs/calibration.md. For each pattern
that fails in some readings the section names the knob whose drawn values differ most between
the readings where it holds and where it fails (difference of means over the width).
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.calibration import doc as calibration
from experiments.calibration.ofat import FIRST_SEED
from experiments.calibration.patterns import FULL, PATTERNS, QUICK, Horizon, Outcome, Study
from experiments.kit.engine import RESULTS, Request, RunStore, fingerprint, output_folder
from sim.params import Params
from sim.scenarios import designs, resolve

READINGS = 20
WIDTHS = (0.1, 0.2)
SEEDS = 10
DRAW_SEED = 20261129  # with the width, seeds the draws: the same command, the same readings
MIN_GROUP = 3  # readings needed on each side before a knob is named (a hint, not a test)

Reading = dict[str, dict[str, float]]  # design -> knob -> value


class ReadingStudy(Study):
    """A `Study` in which each design is read differently: `reading[design]` overrides its
    scenario's knobs; the overrides a pattern asks for itself come last and win."""

    def __init__(
        self,
        reading: Mapping[str, Mapping[str, float]],
        seeds: Sequence[int],
        horizon: Horizon = FULL,
        store: RunStore | None = None,
    ):
        super().__init__({}, seeds, horizon, store)
        self.reading = {d: dict(knobs) for d, knobs in reading.items()}

    @functools.cache  # noqa: B019 - a study lives for one evaluation
    def _params(self, design: str, frozen: tuple) -> Params:
        return resolve(
            design, **{**self.reading.get(design, {}), "steps": self.horizon.steps, **dict(frozen)}
        )


def draw(n: int, width: float, seed: int = DRAW_SEED) -> list[Reading]:
    """`n` readings: every knob of every design moved by U(-width, width), clipped to [0, 1]."""
    if not 0.0 <= width <= 1.0:
        raise ValueError(f"width={width!r}: give a value in [0, 1]")
    rng = np.random.default_rng([seed, round(width * 1000)])
    knobs = Params.knobs()
    scenario = {d: resolve(d) for d in designs()}
    readings = []
    for _ in range(n):
        readings.append(
            {
                d: {
                    k: float(
                        np.clip(getattr(scenario[d], k) + rng.uniform(-width, width), 0.0, 1.0)
                    )
                    for k in knobs
                }
                for d in designs()
            }
        )
    return readings


def requests(reading: Reading, seeds: Sequence[int], horizon: Horizon) -> list[Request]:
    """Every run the patterns need at this reading."""
    study = ReadingStudy(reading, seeds, horizon)
    with np.errstate(all="ignore"):
        for pattern in PATTERNS:
            pattern.check(study)
    return study.requests


def verdicts(
    store: RunStore, reading: Reading, seeds: Sequence[int], horizon: Horizon
) -> dict[str, Outcome]:
    study = ReadingStudy(reading, seeds, horizon, store)
    return {p.key: p.check(study) for p in PATTERNS}


def knob_table(readings: Mapping[float, Sequence[Reading]]) -> pd.DataFrame:
    """Every drawn value: width, reading, design, knob, value, and the scenario's value."""
    scenario = {d: resolve(d) for d in designs()}
    rows = []
    for width, drawn in readings.items():
        for index, reading in enumerate(drawn):
            for design, knobs in reading.items():
                rows.extend(
                    {
                        "width": width,
                        "reading": index,
                        "design": design,
                        "knob": k,
                        "value": v,
                        "scenario": getattr(scenario[design], k),
                    }
                    for k, v in knobs.items()
                )
    return pd.DataFrame(rows)


def telling_knob(
    results: pd.DataFrame, knobs: pd.DataFrame, width: float, pattern: str
) -> tuple[str, str, float] | None:
    """The design and knob whose values differ most between the readings at `width` where
    `pattern` holds and where it fails: (design, knob, difference of means / width), the sign
    saying whether failing readings had it higher (+) or lower (-). None unless at least
    `MIN_GROUP` readings fail and `MIN_GROUP` hold. The largest of 56 differences is a hint
    where to look, not a test."""
    mine = results[(results["width"] == width) & (results["pattern"] == pattern)]
    failing = set(mine.loc[~mine["holds"], "reading"])
    if min(len(failing), len(mine) - len(failing)) < MIN_GROUP:
        return None
    drawn = knobs[knobs["width"] == width].copy()
    drawn["fails"] = drawn["reading"].isin(failing)
    means = drawn.pivot_table(index=["design", "knob"], columns="fails", values="value")
    difference = (means[True] - means[False]) / width
    design, knob = difference.abs().idxmax()
    return design, knob, float(difference[(design, knob)])


def markdown(
    results: pd.DataFrame,
    knobs: pd.DataFrame,
    widths: Sequence[float],
    n: int,
    seeds: Sequence[int],
    note: str,
    elapsed: float,
    made: int,
    quick: bool,
) -> str:
    header = " | ".join(f"±{w:g}" for w in widths)
    lines = [
        "## How much the patterns hang on how each design was read",
        "",
        note,
        "",
        f"`python -m experiments.calibration.readings`: {n} readings per width; in each, every knob of "
        "every design moved from its scenario value by a uniform draw within the width and "
        f"clipped to [0, 1]; every pattern verdict of `experiments.calibration.patterns` over seeds "
        f"{seeds[0]}–{seeds[-1]} ({len(seeds)} per design and setting, the OFAT's seeds and "
        "small-sample rules). Cells: readings in which the pattern holds. The last column "
        f"names, where at least {MIN_GROUP} readings fail and {MIN_GROUP} hold, the design "
        "and knob whose drawn values differ most between the two (difference of means in "
        "widths): the largest of 56 differences, a hint where to look, not a test.",
        "",
        f"| pattern | scenario files | {header} | knob most different where it fails |",
        "|---|---|" + "---|" * len(widths) + "---|",
    ]
    for pattern in PATTERNS:
        mine = results[results["pattern"] == pattern.key]
        at_files = mine[mine["width"] == 0.0]["holds"]
        cells = []
        for width in widths:
            held = mine[mine["width"] == width]["holds"]
            cells.append(f"{int(held.sum())} of {held.size}")
        telling = []
        for width in widths:
            found = telling_knob(results, knobs, width, pattern.key)
            if found is not None:
                design, knob, diff = found
                telling.append(
                    f"±{width:g}: {design} `{knob}` {'higher' if diff > 0 else 'lower'}"
                    f" ({diff:+.2f} widths)"
                )
        files = ("holds" if at_files.all() else "fails") if at_files.size else "–"
        if not pattern.reproduced:
            files += " (a known expected failure in the tests)"
        lines.append(
            f"| {pattern.key} {pattern.title} | {files} | "
            + " | ".join(cells)
            + f" | {'; '.join(telling) or '–'} |"
        )
    lines += [
        "",
        f"{made} runs made in {elapsed / 60:.1f} minutes (the rest from the cache). "
        "Every verdict with its margin and detail: `readings.csv`; every drawn value: "
        "`knobs.csv`.",
    ]
    if quick:
        lines += ["", "(--quick: a smoke test, not a result.)"]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = calibration.study_parser(
        "readings",
        __doc__.split("\n\n")[0],
        seeds=SEEDS,
        per="design and setting",
        quick="2 readings at one width, 2 seeds, a 30-week horizon, one process, no document",
    )
    parser.add_argument(
        "--readings",
        type=int,
        default=None,
        help=f"readings per width (default {READINGS}; --quick: 2)",
    )
    parser.add_argument(
        "--widths",
        type=float,
        nargs="+",
        default=None,
        help=f"half-widths of the draws (default {' '.join(map(str, WIDTHS))})",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="run cache (default results/cache, shared with the OFAT)",
    )
    args = parser.parse_args(argv)
    args.seed_list = calibration.study_seeds(parser, args, FIRST_SEED, SEEDS)
    if args.readings is not None and args.readings < 1:
        parser.error(f"--readings {args.readings}: give at least 1")
    for width in args.widths or ():
        if not 0.0 < width <= 1.0:
            parser.error(f"--widths {width:g}: each width must be in (0, 1]")
    return args


def main(argv: Sequence[str] | None = None) -> Path:
    args = parse_args(argv)
    started = time.perf_counter()
    horizon = QUICK if args.quick else FULL
    seeds = args.seed_list
    n = args.readings or (2 if args.quick else READINGS)
    widths = tuple(args.widths or ((0.1,) if args.quick else WIDTHS))
    folder = output_folder("readings", args.out)
    cache = args.cache or (folder / "cache" if args.quick else RESULTS / "cache")
    store = RunStore(cache, n_jobs=args.jobs or (1 if args.quick else 2))
    state, print_start = calibration.code_state(), store.fingerprint

    files: Reading = {d: {} for d in designs()}  # width 0: the scenario files as written
    readings = {0.0: [files], **{w: draw(n, w) for w in widths}}
    everything = [
        r
        for width in readings.values()
        for reading in width
        for r in requests(reading, seeds, horizon)
    ]
    print(
        f"Readings: {n} per width at {', '.join(f'±{w:g}' for w in widths)}, {len(seeds)} "
        f"seeds; {len(store.missing(everything))} runs to make ({store.n_jobs} worker(s)).",
        file=sys.stderr,
    )
    store.ensure(everything, "readings")

    rows = []
    for width, drawn in readings.items():
        for index, reading in enumerate(drawn):
            for key, outcome in verdicts(store, reading, seeds, horizon).items():
                rows.append(
                    {
                        "width": width,
                        "reading": index,
                        "pattern": key,
                        "holds": outcome.holds,
                        "margin": outcome.margin,
                        "detail": outcome.detail,
                    }
                )
    results = pd.DataFrame(rows)
    knobs = knob_table({w: r for w, r in readings.items() if w > 0})
    results.to_csv(folder / "readings.csv", index=False)
    knobs.to_csv(folder / "knobs.csv", index=False)
    note = calibration.state_note(state, print_start, fingerprint())
    text = markdown(
        results,
        knobs,
        widths,
        n,
        seeds,
        note,
        time.perf_counter() - started,
        store.made,
        args.quick,
    )
    calibration.publish(
        "readings", text, folder, calibration.target_doc(args.quick, args.doc, args.no_doc)
    )
    print(f"Wrote {folder} ({store.made} runs made)", file=sys.stderr)
    return folder


if __name__ == "__main__":
    main()
