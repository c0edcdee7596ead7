"""Where the spread of outcomes comes from: each random stream held at one draw in turn.

    python -m experiments.calibration.spread [--seeds N] [--jobs J] [--out DIR] [--quick] [--doc PATH | --no-doc]

The spread of outcomes between runs must come from the mechanisms and their inputs, not from
noise added to outcomes (issue 20). Every random mechanism draws from its own stream (ODD 4.9),
and `held_streams` holds a stream at one draw (the one `sim.rng.HELD_SEED` gives) while its
mechanism still runs. This runs every design at its defaults over fresh seeds (9000 and up, used
by no test and no other study): with every stream free; with each stream of `sim.rng.STREAMS`
held in turn; and with every stream held. For final progress, final legitimacy and the members
at the end it tabulates, per design, the standard deviation across seeds with every stream free,
the *share of that variance removed* by holding each stream, 1 - var_held / var_free (with a
paired bootstrap interval over the seeds), and the standard deviation left with every stream
held, 0 when the streams are the only source of spread. Writes `spread.csv`, `spread.md` and
`spread.png` (the shares as one heatmap per outcome) to the output folder and, unless
`--quick` (without `--doc`) or `--no-doc`, the figure to docs/figures/ and the 'spread' section
of docs/calibration.md.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd

from experiments.calibration import doc as calibration
from experiments.kit import look, plots
from experiments.kit.engine import Job, fingerprint, jobs_for, output_folder, run_many
from experiments.kit.stats import CONFIDENCE, N_RESAMPLES
from sim.metrics import BY_NAME
from sim.rng import HELD_SEED, STREAMS
from sim.scenarios import designs

FIRST_SEED = 9000
SEEDS = 30
OUTCOMES = ("progress", "legitimacy", "members")  # each run's final week
FREE, ALL = "none", "all"  # the conditions besides each stream held alone
CONDITIONS = (FREE, *STREAMS, ALL)
BOOTSTRAP_SEED = 0  # the resamples: the same table gives the same intervals
FIGURE = "spread.png"
# when a stream that may be idle at the defaults draws at all (ODD 4.9's table)
DRAWS_WHEN = {
    "network": "the founders fill more than one working group (`working_group_size`)",
    "reliability": "`reliability_spread` is above 0",
    "shocks": "a shock rate is above 0",
    "events": "a scheduled event draws (`member_joins`, `scandal`)",
    "churn": "the partnership has government members",
}


def held_streams(condition: str) -> str:
    """The `held_streams` value of a condition."""
    return "+".join(STREAMS) if condition == ALL else condition


def jobs(seeds: Sequence[int], **overrides: object) -> list[Job]:
    """Every design at its defaults, every seed, in every condition (the `held` label)."""
    return [
        job
        for condition in CONDITIONS
        for job in jobs_for(
            designs(),
            seeds,
            labels={"held": condition},
            held_streams=held_streams(condition),
            **overrides,
        )
    ]


def _var(values: np.ndarray) -> np.ndarray:
    """The variance along the last axis, exactly 0 where every value is the same (numpy's is
    not always: the mean of 30 copies of 0.3 is not 0.3 to the last bit)."""
    return np.where(np.ptp(values, axis=-1) == 0, 0.0, values.var(axis=-1, ddof=1))


def _share_removed(free: np.ndarray, held: np.ndarray) -> np.ndarray:
    """1 - var(held) / var(free) along the last axis; NaN where the free runs do not vary."""
    var_free, var_held = _var(free), _var(held)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(var_free > 0, 1 - var_held / np.where(var_free > 0, var_free, 1), np.nan)


def _interval(free: np.ndarray, held: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
    """A percentile interval for the share removed: the seeds resampled together, so each
    resample keeps every held run beside the free run of its seed."""
    picks = rng.integers(0, free.size, (N_RESAMPLES, free.size))
    shares = _share_removed(free[picks], held[picks])
    if np.isnan(shares).all():
        return np.nan, np.nan
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.nanpercentile(shares, [tail, 100 - tail])
    return float(low), float(high)


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    """One row per design, outcome and held condition (each stream, then `all`) from
    `run_many`'s table of final weeks, with a `held` label: runs, sd_free, sd_held,
    share_removed (1 - var_held / var_free, NaN when the free runs do not vary; negative when the
    held draw makes outcomes vary more), its interval and same_as_free (every held run ended
    exactly as the free run of its seed: at these settings the stream draws nothing that
    matters)."""
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    rows = []
    for design, runs in table.groupby("design", sort=False):
        by_seed = {c: part.set_index("seed").sort_index() for c, part in runs.groupby("held")}
        free = by_seed[FREE]
        for outcome in OUTCOMES:
            x = free[outcome].to_numpy(dtype=float)
            for condition in CONDITIONS[1:]:
                if condition not in by_seed:
                    continue
                y = by_seed[condition][outcome].reindex(free.index).to_numpy(dtype=float)
                low, high = _interval(x, y, rng)
                rows.append(
                    {
                        "design": design,
                        "outcome": outcome,
                        "held": condition,
                        "runs": x.size,
                        "sd_free": float(np.sqrt(_var(x))),
                        "sd_held": float(np.sqrt(_var(y))),
                        "share_removed": float(_share_removed(x, y)),
                        "share_low": low,
                        "share_high": high,
                        "same_as_free": bool(np.array_equal(x, y)),
                    }
                )
    return pd.DataFrame(rows)


def _pct(x: float) -> str:
    return "–" if not np.isfinite(x) else f"{int(round(x * 100)):+d}"  # int: no "-0"


def _cell(r) -> str:
    if not np.isfinite(r.share_removed):
        return "–"
    if r.same_as_free:
        return "0 (same runs)"
    return f"{_pct(r.share_removed)}% ({_pct(r.share_low)}, {_pct(r.share_high)})"


def _sd(x: float, outcome: str) -> str:
    return f"{x:.1f}" if outcome == "members" else f"{x:.3f}"


def _designs(n: int) -> str:
    return f"{n} design" if n == 1 else f"{n} designs"


def reading(summary: pd.DataFrame) -> list[str]:
    """The plain-language reading of the table: what holding each source does, what draws
    nothing at these settings, and whether anything but the streams varies."""
    streams = summary[summary["held"] != ALL]
    left = summary[summary["held"] == ALL]
    idle = [s for s in STREAMS if streams.loc[streams["held"] == s, "same_as_free"].all()]
    lines = []
    for outcome in OUTCOMES:
        rows = streams[(streams["outcome"] == outcome) & ~streams["held"].isin(idle)]
        label = BY_NAME[outcome].label
        varies = rows.dropna(subset=["share_removed"])
        if varies.empty:
            lines.append(f"- **{label}**: it varies in no design.")
            continue
        medians = varies.groupby("held", sort=False)["share_removed"].median()
        named = ", ".join(f"{s} {v:+.0%}" for s, v in medians.sort_values()[::-1].items())
        largest = varies.loc[varies.groupby("design", sort=False)["share_removed"].idxmax()]
        none = largest.loc[largest["share_removed"] <= 0, "design"]
        largest = largest[largest["share_removed"] > 0]
        first = ", ".join(
            f"{s}'s in {_designs(len(ds))} ({', '.join(look.label_of(d) for d in ds)})"
            for s, ds in largest.groupby("held", sort=False)["design"]
        )
        text = (
            f"- **{label}**: over the {_designs(varies['design'].nunique())} where it varies, "
            f"holding one stream removes a median share of its variance of {named}"
            + (f"; the largest share is {first}" if first else "")
            + "."
        )
        if len(none):
            text += (
                f" In {', '.join(look.label_of(d) for d in none)} no stream held alone removes "
                "any of it (every share is 0 or below): what spread there is comes from "
                "streams acting together, or the one draw held is an unusual one."
            )
        still = sorted(set(rows["design"]) - set(varies["design"]))
        if still:
            text += (
                f" It does not vary at all in {', '.join(look.label_of(d) for d in still)}: "
                "every run ends alike, so there is no share to give."
            )
        lines.append(text)
    if idle:
        lines.append(
            f"- **Draws nothing that matters at these settings**: {', '.join(idle)}. With any "
            "of them held every run ends exactly as its free run, so its share is 0 by "
            "construction. They draw only in some settings (ODD 4.9): "
            + "; ".join(f"{s} only when {DRAWS_WHEN[s]}" for s in idle if s in DRAWS_WHEN)
            + ". These rows change when the defaults switch those sources on."
        )
    worst = left["sd_held"].max() if len(left) else np.nan
    if len(left) and worst == 0:
        lines.append(
            "- **With every stream held** every seed ends with the same values (standard deviation 0 "
            "for every design and outcome): nothing but the streams varies between runs, so "
            "the spread comes from the mechanisms and their random inputs, and no noise is "
            "added to outcomes."
        )
    elif len(left):
        at = left.loc[left["sd_held"].idxmax()]
        lines.append(
            f"- **With every stream held** some spread is left (largest standard deviation "
            f"{worst:.3g}, {look.label_of(at['design'])}'s {BY_NAME[at['outcome']].label.lower()}): "
            "something other than the named streams varies between runs; this needs finding."
        )
    return lines


def markdown(
    summary: pd.DataFrame, seeds: Sequence[int], note: str, elapsed: float, n_runs: int
) -> str:
    shown = [s for s in STREAMS if s in set(summary["held"])]
    lines = [
        "## Where the spread of outcomes comes from",
        "",
        note,
        "",
        f"`python -m experiments.calibration.spread`: each design at its defaults, seeds "
        f"{seeds[0]}–{seeds[-1]} ({len(seeds)} per design and condition), with every random "
        f"stream free, with each stream held at one draw in turn (`held_streams`, ODD 4.9: the "
        f"stream draws what it draws at seed {HELD_SEED} in every run, while its mechanism "
        f"still runs), and with every stream held. *sd* is the standard deviation across seeds "
        f"of the final value with every stream free. Each stream's cell is the share of that "
        f"variance removed by holding it, 1 − var(held) / var(free), in percent, with a "
        f"{CONFIDENCE:.0%} paired bootstrap interval over the seeds ({N_RESAMPLES} resamples); "
        f"it can be negative, when the one draw held makes outcomes vary more than its draws "
        f"do on average. *0 (same runs)*: every held run ended exactly as its free run, so the "
        f"stream draws nothing that matters at these settings. *–*: the outcome does not vary "
        f"with every stream free. *held: all* is the standard deviation left with every stream "
        f"held. A share estimates from one held draw how much of the variance that source "
        f"causes on its own; the shares need not add up to 100%, as sources also act together.",
        "",
        f"![Share of the variance removed by holding each stream](figures/{FIGURE})",
    ]
    for outcome in OUTCOMES:
        rows = summary[summary["outcome"] == outcome]
        lines += [
            "",
            f"**{BY_NAME[outcome].label}** at the end ({BY_NAME[outcome].unit})",
            "",
            "| design | sd | " + " | ".join(shown) + " | held: all, sd |",
            "|---|---|" + "---|" * len(shown) + "---|",
        ]
        for design, part in rows.groupby("design", sort=False):
            by = part.set_index("held")
            cells = [_cell(r) for r in by.loc[shown].itertuples()]
            left = by.loc[ALL, "sd_held"] if ALL in by.index else np.nan
            lines.append(
                f"| {look.label_of(design)} | {_sd(part['sd_free'].iloc[0], outcome)} | "
                + " | ".join(cells)
                + f" | {_sd(left, outcome)} |"
            )
    lines += ["", "Reading:", "", *reading(summary)]
    lines += ["", f"{n_runs} runs in {elapsed / 60:.1f} minutes."]
    return "\n".join(lines) + "\n"


def plot(summary: pd.DataFrame, path: Path, n_seeds: int) -> Path:
    """One heatmap per outcome: designs down, streams across, the share of the variance that
    holding the stream removes (blank where the outcome does not vary)."""
    order = plots.ordered_designs(summary["design"])
    with mpl.rc_context(plots.STYLE):
        fig, axes = plots.figure(1, len(OUTCOMES), sharey=True)
        for ax, outcome in zip(np.atleast_1d(axes), OUTCOMES, strict=True):
            rows = summary[(summary["outcome"] == outcome) & (summary["held"] != ALL)]
            grid = rows.pivot(index="design", columns="held", values="share_removed")
            grid = grid.reindex(index=order, columns=list(STREAMS)).to_numpy(dtype=float)
            image = ax.imshow(grid * 100, cmap="PuOr_r", vmin=-100, vmax=100, aspect="auto")
            for (i, j), v in np.ndenumerate(grid):
                if np.isfinite(v):
                    # beyond the colour scale, shown as beyond it (the table has the number)
                    text = "<−100" if v < -1 else f"{int(round(v * 100))}"
                    ax.text(j, i, text, ha="center", va="center", fontsize=10)
            ax.set_xticks(range(len(STREAMS)), STREAMS, rotation=45, ha="right")
            ax.set_yticks(range(len(order)), [look.label_of(d) for d in order])
            ax.set_title(BY_NAME[outcome].label)
            ax.grid(False)
        fig.colorbar(image, ax=axes, label="share of the variance removed (%)", shrink=0.8)
        fig.suptitle(
            f"Where the spread comes from: the share of the variance across {n_seeds} seeds\n"
            "removed by holding each random stream at one draw (blank: the outcome does not vary)"
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120)
    return path


def main(argv: Sequence[str] | None = None) -> Path:
    parser = calibration.study_parser(
        "spread",
        __doc__.split("\n\n")[0],
        seeds=SEEDS,
        per="design and condition",
        quick="2 seeds, 40 weeks, one process, no document",
    )
    args = parser.parse_args(argv)
    seeds = calibration.study_seeds(parser, args, FIRST_SEED, SEEDS)
    started = time.perf_counter()
    folder = output_folder("spread", args.out)
    state, print_start = calibration.code_state(), fingerprint()
    overrides = {"steps": 40} if args.quick else {}
    table = run_many(
        jobs(seeds, **overrides),
        n_jobs=args.jobs or (1 if args.quick else 2),
        final_only=True,
        description="spread",
    )
    summary = summarise(table)
    summary.to_csv(folder / "spread.csv", index=False)
    figure = plot(summary, folder / FIGURE, len(seeds))
    doc = calibration.target_doc(args.quick, args.doc, args.no_doc)
    calibration.place_figure(figure, doc)
    note = calibration.state_note(state, print_start, fingerprint())
    text = markdown(summary, seeds, note, time.perf_counter() - started, len(table))
    calibration.publish("spread", text, folder, doc, {FIGURE: figure.name})
    print(f"Wrote {folder}", file=sys.stderr)
    return folder


if __name__ == "__main__":
    main()
