"""How many seeds? The coefficient-of-variation method of Lorscheid et al. (2012).

    python -m experiments.calibration.replications [--seeds N] [--tolerance T] [--out DIR] [--quick]

Runs the seven designs at their defaults over N seeds (default 60; seeds 5000 and up, as the
OFAT sweep, whose default runs it reuses from the cache) and takes six key outputs: final
`progress`, final `systems_change`, final `legitimacy`, final `engagement`, final `dropouts`, and
`action_share` over the run (the statistic of pattern 3). For each design and output the
coefficient of variation (standard deviation / mean) of the first n runs is traced for
n = 2..N (`experiments.kit.stats.cv_curve`), and the number of replications needed is the n after
which every further replication changes the CV by less than the tolerance (absolute, default
0.01; `experiments.kit.stats.replications_needed`). That number depends on the order in which seeds
are added, so it is also computed over 200 random orders of the same N runs; the 90th percentile
over orders is reported next to the seed-order value. An output whose mean is 0 has no CV (n/a).

Writes `replications.csv` (one row per design and output), `cv_curves.csv` and `cv.png` to
`--out`, and (unless `--quick` or `--no-doc`) the figure to docs/figures/replications_cv.png and
the "replications" section of docs/calibration.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from experiments.calibration import doc as calibration  # noqa: E402
from experiments.kit.engine import (  # noqa: E402
    FINAL,
    INDEX,
    OVER,
    RESULTS,
    Request,
    RunStore,
    fingerprint,
    output_folder,
    series_summary,
)
from experiments.kit.stats import cv_curve, replications_needed  # noqa: E402
from sim.scenarios import designs, resolve  # noqa: E402

FIRST_SEED = 5000
OUTPUTS = (
    ("progress", FINAL),
    ("systems_change", FINAL),
    ("legitimacy", FINAL),
    ("engagement", FINAL),
    ("dropouts", FINAL),
    ("action_share", OVER),
)
ORDERS = 200
TESTS_SEEDS, COMPARE_SEEDS = 20, 30  # tests/patterns/conftest.py; experiments.compare
GRID = (10, 20, 30, 40)  # CV at these counts is compared with the CV at all N runs
WINDOW = 10  # a count of replications must be confirmed by this many further runs
TOLERANCES = (0.005, 0.01, 0.02, 0.05)
RARE = 0.1  # a count that is non-zero in fewer than this share of runs is a rare event


def label(metric: str, row: int) -> str:
    return f"{metric} ({'over the run' if row == OVER else 'final'})"


def values(
    store: RunStore,
    design: str,
    seeds: Sequence[int],
    metric: str,
    row: int,
    steps: int | None = None,
) -> np.ndarray:
    params = resolve(design, **({"steps": steps} if steps else {}))
    return np.array(
        [
            store.get(Request(series_summary, params, s, design))["table"][row, INDEX[metric]]
            for s in seeds
        ]
    )


def confirmed(x: np.ndarray, tolerance: float) -> int | None:
    """`replications_needed`, accepted only if at least WINDOW further runs confirm it: a CV
    that happens to hold still over the last run or two of N has not been shown to settle."""
    n = replications_needed(x, tolerance=tolerance)
    return n if n is not None and n <= x.size - WINDOW else None


def needed_over_orders(x: np.ndarray, tolerance: float, orders: int, seed: int = 0) -> float:
    """90th percentile over random orders of the replications needed (N + 1 if unsettled)."""
    rng = np.random.default_rng(seed)
    counts = []
    for _ in range(orders):
        n = confirmed(rng.permutation(x), tolerance)
        counts.append(x.size + 1 if n is None else n)
    return float(np.percentile(counts, 90, method="higher"))


def analyse(
    store: RunStore,
    seeds: Sequence[int],
    tolerance: float,
    orders: int = ORDERS,
    steps: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows, curves = [], []
    for design in designs():
        for metric, row in OUTPUTS:
            x = values(store, design, seeds, metric, row, steps)
            mean = float(x.mean())
            defined = abs(mean) > 1e-12
            curve = cv_curve(x) if defined else pd.Series(dtype=float)
            n = confirmed(x, tolerance) if defined else None
            rows.append(
                {
                    "design": design,
                    "output": label(metric, row),
                    "metric": metric,
                    "mean": mean,
                    "nonzero_share": float((x != 0).mean()),
                    "rare": bool((x != 0).mean() < RARE),
                    "sd": float(x.std(ddof=1)) if x.size > 1 else np.nan,
                    "cv_at_all": float(curve.iloc[-1]) if defined and curve.size else np.nan,
                    "needed_seed_order": n,
                    "settled": bool(defined and n is not None),
                    "needed_p90_orders": (
                        needed_over_orders(x, tolerance, orders) if defined else np.nan
                    ),
                    "cv_defined": defined,
                    **{
                        f"cv_{n}": (float(curve.loc[n]) if defined and n in curve.index else np.nan)
                        for n in GRID
                    },
                }
            )
            if defined:
                curves.append(
                    pd.DataFrame(
                        {
                            "design": design,
                            "output": label(metric, row),
                            "replications": curve.index,
                            "cv": curve.values,
                        }
                    )
                )
    table = pd.DataFrame(rows)
    table["needed_seed_order"] = table["needed_seed_order"].astype("Int64")
    return table, (pd.concat(curves, ignore_index=True) if curves else pd.DataFrame())


def tolerance_sensitivity(
    store: RunStore,
    seeds: Sequence[int],
    tolerances: Sequence[float],
    steps: int | None = None,
    orders: int = ORDERS // 2,
) -> pd.DataFrame:
    """Seeds needed and pairs settled by 20 / 30 / 60 seeds, at each tolerance."""
    rows = []
    for tolerance in tolerances:
        table, _ = analyse(store, seeds, tolerance, orders=orders, steps=steps)
        part = table[table["cv_defined"] & ~table["rare"]]
        p90 = part["needed_p90_orders"]
        rows.append(
            {
                "tolerance": tolerance,
                "needed": float(p90.max()),
                "pairs": len(part),
                "by_20": int((p90 <= 20).sum()),
                "by_30": int((p90 <= 30).sum()),
                "by_60": int((p90 <= 60).sum()),
            }
        )
    return pd.DataFrame(rows)


def plot(
    curves: pd.DataFrame, tolerance: float, path: Path, rare: set[tuple[str, str]] = frozenset()
) -> Path:
    """CV against replications, a panel per output and a line per design (rare counts left
    out: their CV is a statement about rarity and would swamp the panel's scale)."""
    outputs = list(dict.fromkeys(curves["output"]))
    columns = 3
    rows = int(np.ceil(len(outputs) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.2 * rows), squeeze=False)
    colours = dict(zip(designs(), plt.get_cmap("tab10").colors, strict=False))
    for ax, output in zip(axes.flat, outputs, strict=False):
        part = curves[curves["output"] == output]
        for design, lines in part.groupby("design", sort=True):
            if (design, output) in rare:
                continue
            ax.plot(
                lines["replications"],
                lines["cv"],
                lw=1.2,
                color=colours.get(design),
                label=design.replace("_", " "),
            )
        ax.set_title(output, fontsize=10)
        ax.set_xlabel("replications (seeds, in order)")
        ax.set_ylabel("coefficient of variation")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(outputs) :]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=8, frameon=False)
    fig.suptitle(
        f"CV of the first n runs (Lorscheid et al. 2012); tolerance {tolerance:g} "
        "per added run" + ("; rare counts not drawn" if rare else ""),
        fontsize=11,
    )
    fig.tight_layout(rect=(0, 0.07, 1, 0.96))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _shown(n: float, n_seeds: int) -> str:
    """A count of replications, or ">limit" when not shown to settle within `n_seeds`."""
    limit = n_seeds - WINDOW
    return f">{limit}" if pd.isna(n) or n > limit else f"{n:.0f}"


def per_output(table: pd.DataFrame, n_seeds: int) -> pd.DataFrame:
    """For each output, the design that needs most seeds (p90 over orders), rare counts apart."""
    rows = []
    for output, part in table[table["cv_defined"]].groupby("output", sort=False):
        for scope, sub in (("all", part), ("not rare", part[~part["rare"]])):
            if sub.empty:
                continue
            worst = sub.sort_values("needed_p90_orders", ascending=False).iloc[0]
            rows.append(
                {
                    "output": output,
                    "scope": scope,
                    "needed_p90": float(worst["needed_p90_orders"]),
                    "needed_seed_order_max": (
                        sub["needed_seed_order"].max() if sub["settled"].all() else pd.NA
                    ),
                    "worst_design": worst["design"],
                    **{
                        f"max_cv_shift_{n}": float((sub[f"cv_{n}"] - sub["cv_at_all"]).abs().max())
                        for n in GRID
                    },
                }
            )
    return pd.DataFrame(rows)


def seeds_needed(table: pd.DataFrame, *, rare: bool) -> float:
    """The conservative count: the largest p90 over orders (N + 1 = not settled)."""
    part = table[table["cv_defined"] & (True if rare else ~table["rare"])]
    return float(part["needed_p90_orders"].max()) if len(part) else float("nan")


def markdown(
    table: pd.DataFrame,
    n_seeds: int,
    tolerance: float,
    figure: str,
    state: str,
    elapsed: float,
    made: int,
    quick: bool,
    first: int | None = None,
    curves: pd.DataFrame | None = None,
    sensitivity: pd.DataFrame | None = None,
    orders: int = ORDERS,
) -> str:
    summary = per_output(table, n_seeds)
    defined = table[table["cv_defined"]]
    lines = ["## How many seeds: coefficient of variation (Lorscheid et al. 2012)", "", state, ""]
    if quick:
        lines += [
            "*Smoke test (`--quick`): few seeds and weeks; says nothing about the model.*",
            "",
        ]
    lines += [
        f"The seven designs at their defaults, seeds {FIRST_SEED}–{FIRST_SEED + n_seeds - 1}"
        + (
            f" (started at {first}; extended in blocks of {first} because some output had not "
            f"settled)"
            if first and first < n_seeds
            else ""
        )
        + ". "
        "For each design and output, the coefficient of variation (CV = sd / mean) of the first "
        f"n runs, n = 2…{n_seeds} in seed order; *needed* is the n after which every further "
        f"run changes the CV by less than {tolerance:g} (absolute; Lorscheid et al. leave the "
        f"tolerance to the modeller), accepted only when at least {WINDOW} further runs "
        f"confirm it (so with {n_seeds} runs, counts up to {n_seeds - WINDOW} can be shown). "
        "Because that count depends on the order in which seeds "
        f"are added, it is also computed over {orders} random orders of the same runs: *p90* "
        f"is the 90th percentile over orders (>{n_seeds - WINDOW}: not shown to settle within "
        f"{n_seeds} runs in at least a tenth of the orders). Outputs with mean 0 have no CV (n/a). A count that is non-zero "
        f"in fewer than {RARE:.0%} of runs (dropouts in designs that almost never lose a "
        "member) is marked *rare*: its CV measures how rare the event is, not run-to-run noise, "
        "and it does not settle however many seeds are run.",
        "",
        f"![CV against replications](figures/{figure})",
        "",
        "| output | " + " | ".join(d.replace("_", " ") for d in designs()) + " |",
        "|---|" + "---|" * len(designs()),
    ]
    for output in dict.fromkeys(table["output"]):
        cells = []
        for design in designs():
            r = table[(table["design"] == design) & (table["output"] == output)].iloc[0]
            if not r["cv_defined"]:
                cells.append("n/a (mean 0)")
                continue
            rare = " *rare*" if r["rare"] else ""
            cells.append(
                f"{_shown(r['needed_seed_order'], n_seeds)} "
                f"({_shown(r['needed_p90_orders'], n_seeds)}); "
                f"CV {r['cv_at_all']:.2f}{rare}"
            )
        lines.append(f"| {output} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Cells: replications needed in seed order (p90 over random orders); the CV "
        f"at {n_seeds} runs.",
        "",
        "How far the CV of the first n runs is from the CV of all "
        f"{n_seeds} (largest over designs, rare counts left out), and the seeds each "
        "output needs (largest p90 over designs):",
        "",
        "| output | needs (p90) | design | " + " | ".join(f"CV shift at {n}" for n in GRID) + " |",
        "|---|---|---|" + "---|" * len(GRID),
    ]
    for r in summary[summary["scope"] == "not rare"].itertuples():
        lines.append(
            f"| {r.output} | {_shown(r.needed_p90, n_seeds)} | {r.worst_design} | "
            + " | ".join(f"{getattr(r, f'max_cv_shift_{n}'):.3f}" for n in GRID)
            + " |"
        )
    lines += ["", "### Result", ""]
    settled = defined[defined["settled"]]
    p90 = defined["needed_p90_orders"]
    lines.append(
        f"- Design–output pairs whose CV settles (p90 over orders): {int((p90 <= 10).sum())} of "
        f"{len(defined)} by 10 seeds, {int((p90 <= TESTS_SEEDS).sum())} by {TESTS_SEEDS}, "
        f"{int((p90 <= COMPARE_SEEDS).sum())} by {COMPARE_SEEDS}, {int((p90 <= 60).sum())} by "
        f"60, {int((p90 <= n_seeds).sum())} "
        f"by {n_seeds} (in seed order: {int((settled['needed_seed_order'] <= TESTS_SEEDS).sum())}"
        f", {int((settled['needed_seed_order'] <= COMPARE_SEEDS).sum())}, {len(settled)})."
    )
    rare = defined[defined["rare"]]
    if len(rare):
        lines.append(
            "- Rare counts, left out of the count below: "
            + ", ".join(
                f"{r.design} {r.output} (non-zero in {r.nonzero_share:.0%} of runs)"
                for r in rare.itertuples()
            )
            + "."
        )
    unsettled = defined[~defined["rare"] & (defined["needed_p90_orders"] > n_seeds)]
    if len(unsettled):
        lines.append(
            f"- Not shown to settle within {n_seeds} seeds (p90): "
            + ", ".join(
                f"{r.design} {r.output} (mean {r.mean:.3g}, CV {r.cv_at_all:.2f})"
                for r in unsettled.itertuples()
            )
            + "."
        )
    if curves is not None and len(curves) and n_seeds >= 60:
        lines += _late_jumps(table, curves, tolerance, n_seeds)
    if sensitivity is not None and len(sensitivity):
        lines += [
            "",
            f"The count depends on the tolerance ({max(1, orders // 2)} orders; largest p90 over designs and outputs, "
            "rare counts left out; pairs settled by 20 / 30 / 60 seeds):",
            "",
            "| tolerance | seeds needed | settled by 20 | by 30 | by 60 |",
            "|---|---|---|---|---|",
        ]
        for r in sensitivity.itertuples():
            lines.append(
                f"| {r.tolerance:g} | {_shown(r.needed, n_seeds)} | {r.by_20} of "
                f"{r.pairs} | {r.by_30} | {r.by_60} |"
            )
        lines.append("")
    lines += [
        _conclusion(table, n_seeds),
        "",
        f"Runs behind this table: {len(designs()) * n_seeds} ({made} made by this "
        f"invocation in {elapsed / 60:.1f} minutes, the rest read from the run cache of the same model "
        "source).",
        "",
    ]
    return "\n".join(lines)


def _late_jumps(
    table: pd.DataFrame, curves: pd.DataFrame, tolerance: float, n_seeds: int, top: int = 4
) -> list[str]:
    """What keeps the counts high: the late runs after which the CV still jumped."""
    defined = table[table["cv_defined"] & ~table["rare"]]
    worst = defined.sort_values("needed_p90_orders", ascending=False).head(top)
    items = []
    for r in worst.itertuples():
        curve = curves[(curves["design"] == r.design) & (curves["output"] == r.output)]
        curve = curve.set_index("replications")["cv"]
        jumps = curve.diff().abs()
        late = [int(n) for n in jumps[(jumps >= tolerance) & (jumps.index > 40)].index]
        if not late:
            continue
        shown = ", ".join(str(n) for n in late[-6:])
        items.append(
            f"{r.design} {r.output}: CV {curve.loc[20]:.3f} at 20 runs, "
            f"{curve.loc[min(60, n_seeds)]:.3f} at {min(60, n_seeds)}, "
            f"{curve.iloc[-1]:.3f} at {n_seeds}; jumps at run {shown} "
            f"(seeds {', '.join(str(FIRST_SEED + n - 1) for n in late[-6:])})"
        )
    if not items:
        return []
    return [
        "- What keeps the largest counts high: single runs far from the rest, after which "
        f"the CV jumps by {tolerance:g} or more even late in the sequence — "
        + "; ".join(items)
        + "."
    ]


def _conclusion(table: pd.DataFrame, n_seeds: int) -> str:
    needed = seeds_needed(table, rare=False)
    with_rare = seeds_needed(table, rare=True)
    count = (
        f"more than {n_seeds - WINDOW} (not shown to settle within {n_seeds} runs)"
        if needed > n_seeds
        else f"{int(np.ceil(needed))}"
    )
    text = (
        f"- **Seeds needed: {count}** for every output to have a stable CV in every design "
        "(the largest p90 over random orders, rare counts left out"
    )
    if with_rare > needed:
        text += f"; with them, {_shown(with_rare, n_seeds)}"
    text += "). "
    compare = []
    for name, used in (
        ("The pattern tests use", TESTS_SEEDS),
        ("the compare experiment uses", COMPARE_SEEDS),
    ):
        enough = needed <= used
        compare.append(f"{name} {used}: " + ("enough" if enough else "**not enough**"))
    return text + "; ".join(compare) + "."


def main(argv: Sequence[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(
        prog="python -m experiments.calibration.replications", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--seeds", type=int, default=None, help="replications (default 60)")
    parser.add_argument(
        "--max-seeds",
        type=int,
        default=None,
        help="extend in blocks of --seeds up to this many while an output "
        "(rare counts apart) has not settled (default 4 x --seeds)",
    )
    parser.add_argument(
        "--tolerance",
        type=float,
        default=0.01,
        help="largest change of the CV per added run (default 0.01)",
    )
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--jobs", type=int, default=None, help="workers (default 2)")
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke test: 6 seeds, 30 weeks, no extension, one process, no document",
    )
    parser.add_argument("--doc", type=Path, default=None)
    parser.add_argument("--no-doc", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    n_seeds = args.seeds or (6 if args.quick else 60)
    steps = 30 if args.quick else None
    orders = 10 if args.quick else ORDERS
    max_seeds = args.max_seeds or (n_seeds if args.quick else 4 * n_seeds)
    folder = output_folder("replications", args.out)
    store = RunStore(
        args.cache or (folder / "cache" if args.quick else RESULTS / "cache"),
        n_jobs=args.jobs or (1 if args.quick else 2),
    )
    state, print_start = calibration.code_state(), store.fingerprint
    first = n_seeds
    while True:
        seeds = list(range(FIRST_SEED, FIRST_SEED + n_seeds))
        requests = [
            Request(series_summary, resolve(d, **({"steps": steps} if steps else {})), s, d)
            for d in designs()
            for s in seeds
        ]
        print(
            f"Replications: {len(designs())} designs x {n_seeds} seeds; "
            f"{len(store.missing(requests))} runs to make.",
            file=sys.stderr,
        )
        store.ensure(requests, f"replications ({n_seeds} seeds)")
        table, curves = analyse(store, seeds, args.tolerance, orders=orders, steps=steps)
        if seeds_needed(table, rare=False) <= n_seeds or n_seeds >= max_seeds:
            break
        n_seeds = min(max_seeds, n_seeds + first)
        print(f"Not settled; extending to {n_seeds} seeds.", file=sys.stderr)
    sensitivity = tolerance_sensitivity(
        store, seeds, TOLERANCES, steps=steps, orders=max(1, orders // 2)
    )
    sensitivity.to_csv(folder / "tolerance.csv", index=False)
    table.to_csv(folder / "replications.csv", index=False)
    curves.to_csv(folder / "cv_curves.csv", index=False)
    rare = {(r.design, r.output) for r in table[table["rare"]].itertuples()}
    plot(curves, args.tolerance, folder / "cv.png", rare)
    doc = calibration.target_doc(args.quick, args.doc, args.no_doc)
    figure = "replications_cv.png"
    if doc is not None:
        plot(curves, args.tolerance, doc.parent / calibration.FIGURES.name / figure, rare)
    elapsed = time.perf_counter() - started
    note = calibration.state_note(state, print_start, fingerprint())
    text = markdown(
        table,
        n_seeds,
        args.tolerance,
        figure,
        note,
        elapsed,
        store.made,
        args.quick,
        first,
        curves,
        sensitivity,
        orders,
    )
    calibration.publish("replications", text, folder, doc, {figure: "cv.png"})
    print(f"Wrote {folder} ({store.made} runs made, {elapsed / 60:.1f} min)", file=sys.stderr)
    return folder


if __name__ == "__main__":
    main()
