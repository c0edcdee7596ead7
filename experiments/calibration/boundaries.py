"""Where the Impact Partnership does not win: its lead over the best other design, week by week.

    python -m experiments.calibration.boundaries [--seeds N] [--jobs J] [--out DIR] [--quick] [--doc PATH | --no-doc]

The design brief names conditions where the Impact Partnership should not win: a problem one
sector can solve alone, a horizon too short to repay its set-up, no leadership backing. This runs
the Impact Partnership (`experiments.calibration.patterns.REFERENCE`) as designed and without backing
(`patterns.NO_BACKING`), and every other design at its defaults, on the default problem and on
the one-sector problem (`patterns.ONE_SECTOR`), over fresh seeds (6000 and up, used by no test
and no other study). Its *lead* at week h is its median `progress` at week h less the largest
median of the other designs, with a 95% bootstrap band (seeds resampled independently per
design); the horizon is read off one full run per seed, because the first h weeks of a run equal
a run of h weeks (horizon invariance, checked in tests/calibration/test_boundaries.py). Writes
`boundaries.csv` (one row per condition and week), `boundaries.md` and `boundaries.png` to the
output folder and, unless `--quick` (without `--doc`) or `--no-doc`, the figure to
docs/figures/boundaries.png and the 'boundaries' section of docs/calibration.md.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd

from experiments.calibration import doc as calibration
from experiments.calibration.patterns import NO_BACKING, ONE_SECTOR, REFERENCE
from experiments.kit import look, plots
from experiments.kit.engine import Job, fingerprint, jobs_for, output_folder, run_many
from sim.scenarios import designs, resolve

FIRST_SEED = 6000
SEEDS = 30
RESAMPLES = 2000
BOOTSTRAP_SEED = 6000  # fixed, so a rerun on the same runs gives the same bands
BAND = (2.5, 97.5)  # percentiles of the resampled lead: a 95% band
PROBLEMS: dict[str, dict[str, Any]] = {"default": {}, "one-sector": ONE_SECTOR}
VARIANTS: dict[str, dict[str, Any]] = {"as designed": {}, "no backing": NO_BACKING}
TABLE_WEEKS = (4, 8, 12, 20, 52, 104, 156)
LOSES, WINS, UNCLEAR = "loses", "wins", "no clear winner"
FIGURE = "boundaries.png"


def reference_weeks() -> tuple[int, int]:
    """The Impact Partnership's set-up weeks and the week its first sprint ends."""
    params = resolve(REFERENCE)
    return params.design_phase_weeks, params.design_phase_weeks + params.sprint_weeks


def baselines() -> list[str]:
    return [d for d in designs() if d != REFERENCE]


def short_name(design: str) -> str:
    """Initials of a design's name: business_led -> BL."""
    return "".join(word[0] for word in design.split("_")).upper()


def jobs(seeds: Sequence[int], **overrides: Any) -> list[Job]:
    """Each baseline at its defaults on each problem; the reference on each problem in each
    variant. Baselines carry the variant label "as designed"."""
    out = []
    for problem, problem_overrides in PROBLEMS.items():
        out += jobs_for(
            baselines(),
            seeds,
            labels={"problem": problem, "variant": "as designed"},
            **problem_overrides,
            **overrides,
        )
        for variant, variant_overrides in VARIANTS.items():
            out += jobs_for(
                [REFERENCE],
                seeds,
                labels={"problem": problem, "variant": variant},
                **problem_overrides,
                **variant_overrides,
                **overrides,
            )
    return out


def progress_array(table: pd.DataFrame, problem: str, variant: str) -> np.ndarray:
    """`progress` as designs x seeds x weeks (0..steps), the reference first, then
    `baselines()`, from `run_many`'s tidy table."""
    here = table[table["problem"] == problem]
    parts = [here[(here["design"] == REFERENCE) & (here["variant"] == variant)]]
    parts += [here[here["design"] == b] for b in baselines()]
    return np.stack(
        [p.pivot(index="seed", columns="week", values="progress").to_numpy() for p in parts]
    )


def lead(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The reference's median over seeds less the best baseline's, per week, and the index of
    that baseline (in `values[1:]`). `values`: designs x seeds x weeks, the reference first."""
    medians = np.median(values, axis=1)
    return medians[0] - medians[1:].max(axis=0), medians[1:].argmax(axis=0)


def band(
    values: np.ndarray, resamples: int = RESAMPLES, seed: int = BOOTSTRAP_SEED
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile-bootstrap band (`BAND`) of `lead` per week, each design's seeds resampled on
    their own (runs of different designs are not paired)."""
    rng = np.random.default_rng(seed)
    n_designs, n_seeds, _ = values.shape
    picks = rng.integers(0, n_seeds, size=(n_designs, resamples, n_seeds))
    # one design at a time: all designs at once would hold designs x resamples x seeds x weeks
    medians = np.stack([np.median(values[d][picks[d]], axis=1) for d in range(n_designs)])
    leads = medians[0] - medians[1:].max(axis=0)  # resamples x weeks
    low, high = np.percentile(leads, BAND, axis=0)
    return low, high


def verdicts(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """ "loses" where the whole band is below 0, "wins" where it is above, else no clear winner."""
    return np.where(np.asarray(high) < 0, LOSES, np.where(np.asarray(low) > 0, WINS, UNCLEAR))


def week_ranges(weeks: Sequence[int]) -> str:
    """Contiguous runs of weeks: [1, 2, 3, 7] -> "1–3, 7"; no weeks -> "none"."""
    weeks = sorted(int(w) for w in weeks)
    if not weeks:
        return "none"
    spans, start = [], weeks[0]
    for before, after in zip(weeks, [*weeks[1:], None], strict=True):
        if after != before + 1:
            spans.append(f"{start}" if start == before else f"{start}–{before}")
            start = after
    return ", ".join(spans)


def leads(table: pd.DataFrame, resamples: int = RESAMPLES) -> pd.DataFrame:
    """One row per condition (problem, variant) and week 1..steps: lead, band, best baseline
    and verdict."""
    names = baselines()
    rows = []
    for problem in PROBLEMS:
        for variant in VARIANTS:
            values = progress_array(table, problem, variant)[:, :, 1:]  # week 0: all start at 0
            point, best = lead(values)
            low, high = band(values, resamples)
            rows.append(
                pd.DataFrame(
                    {
                        "problem": problem,
                        "variant": variant,
                        "week": np.arange(1, values.shape[2] + 1),
                        "lead": point,
                        "low": low,
                        "high": high,
                        "best_baseline": [names[i] for i in best],
                        "verdict": verdicts(low, high),
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


def _signed(x: float) -> str:
    return f"{x if round(x, 3) != 0 else 0.0:+.3f}".replace("-", "−")


def _overrides(values: Mapping[str, Any]) -> str:
    return ", ".join(f"`{k}={v!r}`" for k, v in values.items())


def _problem_text() -> str:
    facets = ONE_SECTOR.get("facets", ())
    if not facets or set(ONE_SECTOR) != {"facets"}:
        return _overrides(ONE_SECTOR)
    return "; ".join(f"`{name}`, needing {' + '.join(assets)}" for name, assets in facets)


def markdown(
    table: pd.DataFrame,
    seeds: Sequence[int],
    note: str,
    elapsed: float,
    n_runs: int,
    quick: bool = False,
) -> str:
    steps = int(table["week"].max())
    weeks = [w for w in TABLE_WEEKS if w <= steps]
    setup, _ = reference_weeks()
    key = ", ".join(f"{short_name(b)} = {b}" for b in baselines())
    lines = ["## Where the Impact Partnership does not win", "", note, ""]
    if quick:
        lines += [
            f"*Smoke test (`--quick`): {len(seeds)} seeds, {steps} weeks; says nothing "
            "about the model.*",
            "",
        ]
    lines += [
        f"`python -m experiments.calibration.boundaries`: the Impact Partnership as designed and with no "
        f"leadership backing ({_overrides(NO_BACKING)}), and each of the {len(baselines())} "
        f"other designs at its defaults, on the default problem and on a problem one sector can "
        f"solve alone (one facet: {_problem_text()}), seeds {seeds[0]}–{seeds[-1]} "
        f"({len(seeds)} per design and condition), {steps} weeks. The *lead* at week h is the "
        f"Impact Partnership's median `progress` at week h less the largest median of the other "
        f"designs at week h (the best of them is named: {key}); the band in brackets is the "
        f"{BAND[0]:g}th–{BAND[1]:g}th percentile of that lead over {RESAMPLES} bootstrap "
        f"resamples, each design's seeds resampled on their own. At a week the Impact "
        f"Partnership *loses* if the whole band is below 0 and *wins* if it is above 0; "
        f"otherwise there is no clear winner. Its set-up takes weeks 1–{setup}. Reading week h "
        f"of a {steps}-week run as the outcome of an h-week partnership rests on horizon "
        f"invariance: the first h weeks of a run equal a run of `steps=h` (checked in "
        f"`tests/calibration/test_boundaries.py`).",
        "",
        f"![The Impact Partnership's lead over the best other design, by week](figures/{FIGURE})",
        "",
        "| problem | Impact Partnership | "
        + " | ".join(f"week {w}" for w in weeks)
        + " | weeks it loses |",
        "|---|---|" + "---|" * len(weeks) + "---|",
    ]
    for (problem, variant), rows in table.groupby(["problem", "variant"], sort=False):
        by_week = rows.set_index("week")
        cells = [
            f"{_signed(r.lead)} ({_signed(r.low)}, {_signed(r.high)}) {short_name(r.best_baseline)}"
            for r in by_week.loc[weeks].itertuples()
        ]
        losing = week_ranges(rows.loc[rows["verdict"] == LOSES, "week"])
        lines.append(f"| {problem} | {variant} | " + " | ".join(cells) + f" | {losing} |")
    lines += ["", f"{n_runs} runs in {elapsed / 60:.1f} minutes."]
    return "\n".join(lines) + "\n"


PROBLEM_TITLES = {
    "default": "Default problem",
    "one-sector": "A problem one sector can solve alone",
}
VARIANT_COLOURS = {"as designed": look.colour_of(REFERENCE), "no backing": look.HIGHLIGHT}


def plot(table: pd.DataFrame, path: Path, n_seeds: int) -> Path:
    """Two panels (default | one-sector problem): the lead by week per variant, with its band,
    the set-up weeks shaded and the end of the first sprint marked."""
    setup, sprint_end = reference_weeks()
    steps = int(table["week"].max())
    with mpl.rc_context(plots.STYLE):
        fig, axes = plots.figure(1, len(PROBLEMS), sharey=True)
        for ax, problem in zip(np.atleast_1d(axes), PROBLEMS, strict=True):
            if setup:
                ax.axvspan(
                    0.5,
                    setup + 0.5,
                    color="grey",
                    alpha=0.15,
                    lw=0,
                    label=f"set-up (weeks 1–{setup})",
                )
            if sprint_end <= steps:
                ax.axvline(
                    sprint_end,
                    color="black",
                    ls=":",
                    lw=1.5,
                    label=f"end of the first sprint (week {sprint_end})",
                )
            ax.axhline(0, color="grey", lw=1.2)
            for variant in VARIANTS:
                rows = table[(table["problem"] == problem) & (table["variant"] == variant)]
                colour = VARIANT_COLOURS.get(variant, look.FALLBACK_COLOUR)
                ax.fill_between(
                    rows["week"], rows["low"], rows["high"], color=colour, alpha=0.2, lw=0
                )
                ax.plot(
                    rows["week"],
                    rows["lead"],
                    color=colour,
                    label=f"Impact Partnership, {variant} (95% band shaded)",
                )
            ax.set_title(PROBLEM_TITLES.get(problem, problem))
            ax.set_xlabel("weeks the partnership runs")
            ax.set_xlim(0.5, steps)
        axes[0].set_ylabel("lead in progress\n(Impact Partnership − best other design)")
        axes[0].legend(loc="best", frameon=False)
        fig.suptitle(
            f"Does the Impact Partnership win? Its lead over the best other design, "
            f"median of {n_seeds} seeds"
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120)
    return path


def main(argv: Sequence[str] | None = None) -> Path:
    parser = calibration.study_parser(
        "boundaries",
        __doc__.split("\n\n")[0],
        seeds=SEEDS,
        per="design and condition",
        quick="2 seeds, 30 weeks, one process, no document",
    )
    args = parser.parse_args(argv)
    seeds = calibration.study_seeds(parser, args, FIRST_SEED, SEEDS)
    n_seeds = len(seeds)
    started = time.perf_counter()
    folder = output_folder("boundaries", args.out)
    state, print_start = calibration.code_state(), fingerprint()
    overrides = {"steps": 30} if args.quick else {}
    runs = run_many(
        jobs(seeds, **overrides),
        n_jobs=args.jobs or (1 if args.quick else 2),
        description="boundaries",
    )
    table = leads(runs)
    table.to_csv(folder / "boundaries.csv", index=False)
    figure = plot(table, folder / FIGURE, n_seeds)
    doc = calibration.target_doc(args.quick, args.doc, args.no_doc)
    calibration.place_figure(figure, doc)
    note = calibration.state_note(state, print_start, fingerprint())
    text = markdown(
        table, seeds, note, time.perf_counter() - started, int(runs["run"].nunique()), args.quick
    )
    calibration.publish("boundaries", text, folder, doc, {FIGURE: figure.name})
    print(f"Wrote {folder}", file=sys.stderr)
    return folder


if __name__ == "__main__":
    main()
