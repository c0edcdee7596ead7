"""heatmap: two knobs on a grid (default orchestration x leadership_backing, 11 x 11) x 10 seeds.

The grid is configs/experiment/heatmap.yaml's sweep; its `analysis` block names the two axes
(`x`, `y`: two swept knobs) and the metric shown. Writes a heatmap of the metric's median final
value, `cells.csv` (one row per grid cell), the tidy table and `report.md`, whose path it prints.

For progress, a run "ends low" when its final progress is below 0.2 (`stall_below`), and a cell
is outlined (`low_progress` in cells.csv) when more than half its runs end low (`stall_share`).
That is where runs end, not the model's own stall diagnosis (runs.csv's `stalled`). The
threshold is one on progress, so with another metric no cell is outlined.

    python -m experiments.heatmap [--out DIR] [--quick] [--jobs N] [--seeds N] [overrides...]
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.kit import look, plots, stats, sweep
from experiments.kit.report import (
    MODEL_CAVEAT,
    Provenance,
    Report,
    md_table,
    sample_notice,
    save_tables,
)
from sim.metrics import BY_NAME
from sim.params import Params
from sim.scenarios import resolve

# The settings of configs/experiment/heatmap.yaml's analysis block, and what each takes.
SETTINGS = {
    "x": sweep.KNOB,  # and swept (check_axes)
    "y": sweep.KNOB,
    "metric": sweep.METRIC,
    "stall_below": sweep.Rule(
        "a number, such as 0.2: a run whose final progress is below it "
        "ends low (used only when analysis.metric is progress)",
        sweep.is_number,
    ),
    "stall_share": sweep.number(
        0,
        1,
        meaning="the share of a cell's runs that must end low "
        "(more than it) for the cell to be outlined, such as 0.5",
    ),
}
# The metric stall_below is a threshold of (configs/experiment/heatmap.yaml: "final progress
# below this"); for any other metric the cells are shown without it.
LOW_END_METRIC = "progress"


def check_axes(experiment: sweep.Experiment) -> None:
    """The axes must be two different knobs the sweep varies."""
    settings, varied = experiment.analysis, experiment.varied()
    for axis in ("x", "y"):
        knob = settings[axis]
        if knob not in Params.knobs() or knob not in varied:
            swept = [k for k in varied if k in Params.knobs()]
            raise sweep.UsageError(
                f"analysis.{axis}={knob!r} ({experiment.where} or the command line) is not a "
                f"knob the sweep varies; it varies {', '.join(swept) or 'no knob'}. Sweep it "
                f"(e.g. '{knob}=0,0.5,1') or name another"
            )
    if settings["x"] == settings["y"]:
        raise sweep.UsageError(
            f"analysis.x and analysis.y are both {settings['x']!r}: name two knobs"
        )


def cells(tidy: pd.DataFrame, settings: dict[str, Any]) -> pd.DataFrame:
    """One row per grid cell: median and quartiles of the final metric; for progress, also the
    share of runs that end low (`low_progress_share`) and whether most do (`low_progress`)."""
    finals = stats.final_week(tidy)
    x, y, metric = settings["x"], settings["y"], settings["metric"]
    grouped = finals.groupby([x, y])
    table = pd.DataFrame(
        {
            f"median_{metric}": grouped[metric].median(),
            f"q25_{metric}": grouped[metric].quantile(0.25),
            f"q75_{metric}": grouped[metric].quantile(0.75),
            "runs": grouped.size(),
        }
    )
    if metric == LOW_END_METRIC:
        ends_low = (finals[metric] < settings["stall_below"]).groupby([finals[x], finals[y]])
        table["low_progress_share"] = ends_low.mean()
        table["low_progress"] = table["low_progress_share"] > settings["stall_share"]
    return table.reset_index()


def _low_end(settings: dict[str, Any]) -> str:
    return f"{settings['metric']} below {settings['stall_below']:g}"


def _reading(table: pd.DataFrame, settings: dict[str, Any]) -> list[str]:
    x, y, metric = settings["x"], settings["y"], settings["metric"]
    value = f"median_{metric}"
    lines = []
    if "low_progress" in table:
        low = table[table["low_progress"]]
        lines.append(
            f"{len(low)} of {len(table)} cells end low: in each, more than "
            f"{settings['stall_share']:.0%} of runs end with {_low_end(settings)}."
        )
        if len(low) and len(low) < len(table):
            edge = low.groupby(y)[x].max()
            lines.append(
                f"For each {y}, the largest {x} whose runs mostly end with "
                f"{_low_end(settings)}: "
                + ", ".join(f"{y}={yv:g}: {xv:g}" for yv, xv in edge.items())
                + "."
            )
    best, worst = table.loc[table[value].idxmax()], table.loc[table[value].idxmin()]
    better = BY_NAME[metric].better if metric in BY_NAME else None
    lines.append(
        f"Median final {metric} ranges from {worst[value]:.2f} ({x}={worst[x]:g}, "
        f"{y}={worst[y]:g}) to {best[value]:.2f} ({x}={best[x]:g}, {y}={best[y]:g})"
        + (f"; {better} is better." if better else ".")
    )
    if "low_progress" in table:
        lines.append(
            f"Ending low ({_low_end(settings)}) is where a run ends, not the model's "
            "stall diagnosis: a run can stall early and recover, which this does not "
            "see. Each run's own diagnosis (sim.diagnosis: the first week progress "
            "stopped, and why) is in runs.csv's and the tidy table's stalled, "
            "stall_week and stall_cause columns."
        )
    else:
        lines.append(
            f"No cell is outlined: analysis.stall_below ({settings['stall_below']:g}) "
            f"is a threshold on final {LOW_END_METRIC}, so it says nothing about "
            f"{metric}. Each run's own stall diagnosis is in runs.csv's stalled, "
            "stall_week and stall_cause columns."
        )
    return lines


def _where_the_design_sits(table: pd.DataFrame, settings: dict[str, Any], design: str) -> str:
    """Whether the design's own settings are a cell of the grid, as the figure marks them."""
    x, y = settings["x"], settings["y"]
    ref = resolve(design)
    at = f"{x}={getattr(ref, x):g}, {y}={getattr(ref, y):g}"
    xs, ys = sorted(table[x].unique()), sorted(table[y].unique())
    if plots.grid_cell(xs, ys, (getattr(ref, x), getattr(ref, y))) is not None:
        return f"the design itself sits at {at}, a cell of the grid (framed in the figure)."
    return (
        f"the design itself sits at {at}, which is not on this grid, so no cell is the "
        "design: the star in the figure marks its settings between the cells."
    )


def write_report(
    folder: Path,
    table: pd.DataFrame,
    settings: dict[str, Any],
    *,
    seconds: float,
    weeks: int,
    design: str,
    runs: sweep.Sweep,
    changed: Sequence[str] = (),
    provenance: dict[str, Any] | None = None,
) -> Path:
    """report.md. `provenance`: the `Provenance` record (provenance.json's), for the notice
    under the title (a quick run, fewer runs than the file's) and "How to reproduce"."""
    x, y, metric = settings["x"], settings["y"], settings["metric"]
    ref = resolve(design)
    seeds = int(table["runs"].min())
    record = provenance or {}
    notice = sample_notice(
        table["runs"],
        quick=bool(record.get("quick")),
        recommended=record.get("seeds_in_file"),
        unit="cell",
        intervals=False,
    )
    report = Report(folder, f"Heatmap: {x} x {y}", changed, notice)
    report.text(
        f"Design `{design}` with {x} and {y} varied on a "
        f"{table[x].nunique()} x {table[y].nunique()} grid, "
        f"{seeds} seeds per cell, {weeks} weeks ({int(table['runs'].sum())} runs, "
        f"{seconds:.0f} s). Every other knob keeps the design's value; "
        + _where_the_design_sits(table, settings, design)
    )
    report.heading("Reading")
    report.bullets(_reading(table, settings))
    report.text(MODEL_CAVEAT)
    report.heading("Figure")
    low = "low_progress" in table
    label = plots.axis_label(metric)
    fig = plots.heatmap(
        table,
        x,
        y,
        f"median_{metric}",
        "low_progress" if low else None,
        metric=metric,
        outline_label=f"most runs end with {_low_end(settings)}",
        title=f"Median final {metric} ({seeds} seeds per cell)",
        colorbar_label=f"median final {label[0].lower()}{label[1:]}",
        mark=(getattr(ref, x), getattr(ref, y), look.label_of(design)),
    )
    caption = f"Median final {metric}"
    if low:
        caption += (
            f"; outlined: cells where most runs end with {_low_end(settings)} (not the "
            "model's stall diagnosis)"
        )
    report.figure(fig, "heatmap", caption)
    report.heading(f"Median final {metric} per cell")
    grid = table.pivot(index=y, columns=x, values=f"median_{metric}").sort_index(ascending=False)
    grid.columns = [f"{x}={c:g}" for c in grid.columns]
    grid.insert(0, y, grid.index)
    report.parts.append(md_table(grid, digits=2) + "\n")
    report.heading("Files")
    report.bullets(
        [
            (
                "`cells.csv`: one row per cell (median, quartiles"
                + (
                    f"; `low_progress_share`: share of runs ending with "
                    f"{_low_end(settings)}; `low_progress`: more than "
                    f"{settings['stall_share']:.0%} do)"
                    if low
                    else ")"
                )
            ),
            "`tidy.parquet`, `runs.csv`, `provenance.json`, `figures/`",
            "`runs/`: every run's own record (`python -m sim`'s sweep folder)",
        ]
    )
    sweep.report_failures(report, runs)
    if provenance is not None:
        report.reproduce(provenance)
    return report.write()


def run(
    experiment: sweep.Experiment,
    out: Path | str | None = None,
    *,
    argv: Sequence[str] | None = None,
) -> Path:
    """Run the grid's sweep into `out`/runs (default results/heatmap-<time>),
    analyse it, write the folder; returns the path of report.md."""
    provenance = Provenance(experiment, argv=argv, module="experiments.heatmap")
    settings = experiment.analysis
    check_axes(experiment)
    folder = sweep.output_folder("heatmap", out)
    runs = sweep.execute(experiment, folder / "runs")
    tidy = runs.tidy
    designs = sorted(tidy["design"].unique())
    if len(designs) != 1:
        raise sweep.UsageError(f"a heatmap varies one design; this sweep ran {designs}")
    save_tables(folder, tidy)
    table = cells(tidy, settings)
    table.to_csv(folder / "cells.csv", index=False)
    record = provenance.finish(runs)
    path = write_report(
        folder,
        table,
        settings,
        seconds=record["seconds"],
        weeks=int(tidy["week"].max()),
        design=designs[0],
        runs=runs,
        changed=experiment.changed(),
        provenance=record,
    )
    provenance.write(folder)
    return path


def main(argv: Sequence[str] | None = None) -> Path:
    argv = sys.argv[1:] if argv is None else list(argv)
    return sweep.command("heatmap", __doc__, SETTINGS, run, argv, argv=argv)


if __name__ == "__main__":
    main()
