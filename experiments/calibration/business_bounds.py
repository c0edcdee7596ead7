"""How far business's sector data can move pattern 2, and what that costs pattern 4.

    python -m experiments.calibration.business_bounds [--seeds N] [--jobs J] [--out DIR] [--quick] [--doc PATH | --no-doc]

Pattern 2 (government-led and public-funder designs keep the fewest business members engaged)
rests on the crime reduction partnership's firms being the problem's owners and the advocacy
coalition's firms signatories (docs/odd.md 1.3). Business's sector data (`sim.sectors.PROFILES`) are
assumptions, so this asks how far the values of the four that decide
whether a firm stays would do: its `meeting_cost`, the weight it puts on `reputation` (the other
benefit weights scaled so they still sum to 1), its `exit_threshold`, and how far its aims
overlap government's (`AGENDA_FIT`, the government-led designs' agenda). Every combination of
`GRID` runs the seven designs at their defaults over fresh seeds (9500 and up, used by no test
and no other study), with the data changed in the worker for that run only (`business_data`).
At each point the statistics of the pattern tests are applied (tests/patterns; counted
thresholds as shares): pattern 2, each of its two designs below every other design's median
`engaged_business_share` over the run and one-sided Mann-Whitney p < 0.05; pattern 3 (advocacy
action share lowest, p < 0.01); pattern 4 (business-led claims gap widest, p < 0.01, its
legitimacy falling in 9 of 10 runs); pattern 1 (the Impact Partnership's final progress and
systems change above every baseline's, p < 0.01). Writes `business_bounds.csv` (one row per
run), `points.csv` (one row per point), `business_bounds.md` and `business_bounds.png` (the
trade-off between patterns 2 and 4, one dot per point) to the output folder and, unless
`--quick` (without `--doc`) or `--no-doc`, the figure to docs/figures/ and the
'business_bounds' section of docs/calibration.md.
"""

from __future__ import annotations

import dataclasses
import itertools
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from matplotlib.patches import Rectangle
from tqdm import tqdm

from experiments.calibration import doc as calibration
from experiments.kit import plots
from experiments.kit.engine import fingerprint, output_folder
from experiments.kit.stats import mann_whitney
from sim import sectors
from sim.model import PartnershipModel
from sim.scenarios import designs

FIRST_SEED = 9500
SEEDS = 10
# The values tried for each of business's four data; the middle or named value is the model's.
GRID: dict[str, tuple[float, ...]] = {
    "meeting_cost": (0.2, 0.4, 0.6, 0.8),  # model 0.8; government and civil society 0.3
    "reputation": (0.2, 0.4, 0.6),  # weight on reputation; model 0.4
    "exit_threshold": (0.2, 0.35, 0.5),  # model 0.35
    "government_fit": (0.1, 0.25, 0.4),  # AGENDA_FIT government-business; model 0.25
}
QUICK_GRID: dict[str, tuple[float, ...]] = {
    "meeting_cost": (0.3, 0.8),
    "reputation": (0.4,),
    "exit_threshold": (0.35,),
    "government_fit": (0.25,),
}
PATTERN_2_DESIGNS = ("government_led", "public_funder_partnership")
REFERENCE = "impact_partnership"
P2_LEVEL, LEVEL, MOST = 0.05, 0.01, 0.9  # the pattern tests' levels and "9 in 10"
OUTPUTS = ("engaged_business_share", "action_share", "claims_gap")  # averaged over the run


def model_point() -> dict[str, float]:
    """Business's four data as the model has them."""
    business = sectors.PROFILES[sectors.BUS]
    return {
        "meeting_cost": business.meeting_cost,
        "reputation": business.benefit_weights["reputation"],
        "exit_threshold": business.exit_threshold,
        "government_fit": float(sectors.AGENDA_FIT[sectors.GOV, sectors.BUS]),
    }


@contextmanager
def business_data(
    meeting_cost: float, reputation: float, exit_threshold: float, government_fit: float
) -> Iterator[None]:
    """Business's sector data changed while the block runs, restored after it, even on error.

    The reputation weight replaces business's; its other benefit weights are scaled so the
    weights still sum to 1, in their proportions.
    """
    profiles, fit = sectors.PROFILES, sectors.AGENDA_FIT.copy()
    business = profiles[sectors.BUS]
    others = {k: v for k, v in business.benefit_weights.items() if k != "reputation"}
    scale = (1.0 - reputation) / sum(others.values())
    weights = {k: v * scale for k, v in others.items()} | {"reputation": reputation}
    changed = dataclasses.replace(
        business, meeting_cost=meeting_cost, exit_threshold=exit_threshold, benefit_weights=weights
    )
    try:
        sectors.PROFILES = profiles[: sectors.BUS] + (changed,) + profiles[sectors.BUS + 1 :]
        sectors.AGENDA_FIT[sectors.GOV, sectors.BUS] = government_fit
        sectors.AGENDA_FIT[sectors.BUS, sectors.GOV] = government_fit
        yield
    finally:
        sectors.PROFILES = profiles
        sectors.AGENDA_FIT[:] = fit


def run_point(
    point: Mapping[str, float], design: str, seed: int, steps: int | None = None
) -> dict[str, float | str | int]:
    """One run of `design` with business's data at `point`: the outputs the patterns read."""
    with business_data(**point):
        model = PartnershipModel(
            scenario=design, rng=seed, collect_agents=False, **({"steps": steps} if steps else {})
        )
        first_legitimacy = model.legitimacy
        series: dict[str, list[float]] = {name: [] for name in OUTPUTS}
        while model.running:
            model.step()
            for name in OUTPUTS:
                series[name].append(float(getattr(model, name)))
    return {
        **point,
        "design": design,
        "seed": seed,
        **{name: float(np.mean(values)) for name, values in series.items()},
        "first_legitimacy": first_legitimacy,
        "legitimacy": model.legitimacy,
        "progress": model.progress,
        "systems_change": model.systems_change,
    }


def points(grid: Mapping[str, Sequence[float]]) -> list[dict[str, float]]:
    return [dict(zip(grid, values, strict=True)) for values in itertools.product(*grid.values())]


def _greater_p(a: np.ndarray, b: np.ndarray) -> float:
    """One-sided Mann-Whitney p-value that `a` tends to exceed `b` (`stats.mann_whitney`)."""
    return mann_whitney(a, b, alternative="greater")


def verdicts(runs: pd.DataFrame) -> dict[str, float | bool | str]:
    """The pattern tests' statistics on the runs of one point (every design, the same seeds)."""
    by = {d: group for d, group in runs.groupby("design")}
    others = [d for d in by if d not in PATTERN_2_DESIGNS]
    share = {d: by[d]["engaged_business_share"].to_numpy() for d in by}
    out: dict[str, float | bool | str] = {}
    for design in PATTERN_2_DESIGNS:
        mine = share[design]
        lowest = min(others, key=lambda d: np.median(share[d]))
        out[f"p2_{design}"] = all(
            np.median(mine) < np.median(share[o]) and _greater_p(share[o], mine) < P2_LEVEL
            for o in others
        )
        out[f"margin_{design}"] = float(np.median(share[lowest]) - np.median(mine))
        out[f"lowest_other_{design}"] = lowest
    out["pattern_2"] = all(out[f"p2_{d}"] for d in PATTERN_2_DESIGNS)
    action = by["advocacy_coalition"]["action_share"].to_numpy()
    out["pattern_3"] = all(
        _greater_p(by[d]["action_share"].to_numpy(), action) < LEVEL
        for d in by
        if d != "advocacy_coalition"
    )
    led = by["business_led"]
    gap = led["claims_gap"].to_numpy()
    falls = float(np.mean(led["legitimacy"].to_numpy() < led["first_legitimacy"].to_numpy()))
    out["gap_business_led"] = float(np.median(gap))
    out["gap_advocacy_coalition"] = float(np.median(by["advocacy_coalition"]["claims_gap"]))
    out["pattern_4"] = bool(
        falls >= MOST
        and all(
            _greater_p(gap, by[d]["claims_gap"].to_numpy()) < LEVEL
            for d in by
            if d != "business_led"
        )
    )
    out["pattern_1"] = all(
        _greater_p(by[REFERENCE][m].to_numpy(), by[d][m].to_numpy()) < LEVEL
        for m in ("progress", "systems_change")
        for d in by
        if d != REFERENCE
    )
    for design in by:
        out[f"share_{design}"] = float(np.median(share[design]))
    return out


def summarise(runs: pd.DataFrame, grid: Mapping[str, Sequence[float]]) -> pd.DataFrame:
    """One row per point: its four values and `verdicts`."""
    keys = list(grid)
    rows = [
        {**dict(zip(keys, values, strict=True)), **verdicts(group)}
        for values, group in runs.groupby(keys, sort=True)
    ]
    return pd.DataFrame(rows)


FIGURE = "business_bounds.png"


def plot(table: pd.DataFrame, path: Path, n_seeds: int) -> Path:
    """The trade-off, one dot per point: how far each pattern-2 design is from the lowest share
    (x; right of 0 it is the lowest) against how far business-led's claims gap is above the
    advocacy coalition's (y; above 0 business-led's is the wider), coloured by meeting cost.
    Pattern 2's clause and pattern 4's rival together need the top-right quarter."""
    costs = sorted(table["meeting_cost"].unique())
    colours = mpl.colormaps["viridis"](np.linspace(0.0, 0.9, len(costs)))
    gap = table["gap_business_led"] - table["gap_advocacy_coalition"]
    with mpl.rc_context(plots.STYLE):
        fig, axes = plots.figure(1, len(PATTERN_2_DESIGNS), sharey=True)
        for ax, design in zip(np.atleast_1d(axes), PATTERN_2_DESIGNS, strict=True):
            margin = table[f"margin_{design}"]
            low_x, high_x = min(margin.min(), -0.05), max(margin.max(), 0.05)
            high_y = max(gap.max(), 0.05)
            ax.add_patch(
                Rectangle((0, 0), high_x * 1.1, high_y * 1.1, color="green", alpha=0.08, lw=0)
            )
            ax.axvline(0, color="grey", lw=1.2)
            ax.axhline(0, color="grey", lw=1.2)
            for cost, colour in zip(costs, colours, strict=True):
                rows = table["meeting_cost"] == cost
                ax.scatter(
                    margin[rows],
                    gap[rows],
                    color=colour,
                    s=28,
                    alpha=0.85,
                    label=f"business meeting cost {cost:g}",
                )
            ax.set_xlim(low_x * 1.1, high_x * 1.1)
            ax.set_title(design.replace("_", " "))
            ax.set_xlabel(
                "lowest other design's share − this design's\n"
                "(> 0: this design keeps the fewest firms engaged)"
            )
        axes[0].set_ylabel(
            "business-led claims gap − advocacy coalition's\n(> 0: business-led's is the wider)"
        )
        axes[0].legend(loc="best", frameon=False)
        inside = [(table[f"margin_{d}"] > 0) & (gap > 0) for d in PATTERN_2_DESIGNS]
        both = int(sum(i.sum() for i in inside))
        passing = int(
            sum(
                (i & table[f"p2_{d}"] & table["pattern_4"]).sum()
                for i, d in zip(inside, PATTERN_2_DESIGNS, strict=True)
            )
        )
        fig.suptitle(
            f"Patterns 2 and 4 over {len(table)} values of business's data (medians of "
            f"{n_seeds} seeds each)\nboth would need the shaded quarter: {both} of "
            f"{2 * len(table)} dots ({len(table)} per panel) there, {passing} passing "
            "both tests"
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120)
    return path


def markdown(
    table: pd.DataFrame,
    grid: Mapping[str, Sequence[float]],
    seeds: Sequence[int],
    note: str,
    seconds: float,
    n_runs: int,
    quick: bool,
) -> str:
    model = model_point()
    n = len(table)
    both = table["pattern_2"] & table["pattern_4"]
    names = {"government_led": "government-led", "public_funder_partnership": "public funder"}
    lines = [
        "## How far business's sector data can move pattern 2",
        "",
        note,
        "",
        f"`python -m experiments.calibration.business_bounds`: {n} combinations of business's sector data "
        f"(every value of each: "
        + "; ".join(f"`{k}` " + ", ".join(f"{v:g}" for v in vs) for k, vs in grid.items())
        + "; the model's: "
        + ", ".join(f"{v:g}" for v in model.values())
        + f"), the seven designs at their defaults, seeds {seeds[0]}–{seeds[-1]} "
        f"({len(seeds)} per design and point), with the pattern tests' statistics "
        "(module docstring).",
        "",
        f"![Patterns 2 and 4 over business's data](figures/{FIGURE})",
        "",
        "| verdict | points where it holds |",
        "|---|---|",
    ]
    for column, label in [
        ("p2_government_led", "pattern 2, government-led clause"),
        ("p2_public_funder_partnership", "pattern 2, public-funder clause"),
        ("pattern_2", "pattern 2"),
        ("pattern_3", "pattern 3"),
        ("pattern_4", "pattern 4"),
        ("pattern_1", "pattern 1"),
    ]:
        lines.append(f"| {label} | {int(table[column].sum())} of {n} |")
    lines.append(f"| patterns 2 and 4 together | {int(both.sum())} of {n} |")
    lines.append("")
    for design in PATTERN_2_DESIGNS:
        margin = table[f"margin_{design}"]
        for label, at in (("widest", margin.idxmax()), ("narrowest", margin.idxmin())):
            row = table.loc[at]
            point = ", ".join(f"`{k}` {row[k]:g}" for k in grid)
            lines.append(
                f"- The {names[design]} design's margin at its {label}: at {point} its median "
                f"share is {row[f'share_{design}']:.2f} against "
                f"{row[f'lowest_other_{design}'].replace('_', ' ')}'s "
                f"{row[f'share_{design}'] + row[f'margin_{design}']:.2f} (margin "
                f"{row[f'margin_{design}']:+.2f}; positive means lowest; its clause "
                f"{'holds' if row[f'p2_{design}'] else 'fails'}); pattern 4 "
                f"{'holds' if row['pattern_4'] else 'fails'} there (business-led claims gap "
                f"{row['gap_business_led']:.3f}, advocacy coalition's "
                f"{row['gap_advocacy_coalition']:.3f})."
            )
    lines += [
        "",
        f"{n_runs} runs in {seconds / 60:.1f} minutes. Every point: `points.csv` in "
        "the output folder.",
    ]
    if quick:
        lines += ["", "(--quick: a smoke test, not a result.)"]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> Path:
    parser = calibration.study_parser(
        "business_bounds",
        __doc__.split("\n\n")[0],
        seeds=SEEDS,
        per="design and point",
        quick="2 points, 2 seeds, 30 weeks, one process, no document",
    )
    args = parser.parse_args(argv)
    seeds = calibration.study_seeds(parser, args, FIRST_SEED, SEEDS)
    grid = QUICK_GRID if args.quick else GRID
    started = time.perf_counter()
    folder = output_folder("business_bounds", args.out)
    state, print_start = calibration.code_state(), fingerprint()
    steps = 30 if args.quick else None
    tasks = [(p, d, s) for p in points(grid) for d in designs() for s in seeds]
    pool = Parallel(n_jobs=args.jobs or (1 if args.quick else 2), return_as="generator_unordered")
    rows = list(
        tqdm(
            pool(delayed(run_point)(p, d, s, steps) for p, d, s in tasks),
            total=len(tasks),
            desc="business bounds",
            mininterval=0.5,
            file=sys.stderr,
        )
    )
    runs = pd.DataFrame(rows).sort_values([*grid, "design", "seed"]).reset_index(drop=True)
    runs.to_csv(folder / "business_bounds.csv", index=False)
    table = summarise(runs, grid)
    table.to_csv(folder / "points.csv", index=False)
    figure = plot(table, folder / FIGURE, len(seeds))
    doc = calibration.target_doc(args.quick, args.doc, args.no_doc)
    calibration.place_figure(figure, doc)
    note = calibration.state_note(state, print_start, fingerprint())
    text = markdown(table, grid, seeds, note, time.perf_counter() - started, len(runs), args.quick)
    calibration.publish("business_bounds", text, folder, doc, {FIGURE: figure.name})
    print(f"Wrote {folder}", file=sys.stderr)
    return folder


if __name__ == "__main__":
    main()
