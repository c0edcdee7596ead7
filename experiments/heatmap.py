"""heatmap: two knobs on a grid (default orchestration x leadership_backing, 11 x 11) x 10 seeds.

The grid is configs/experiment/heatmap.yaml's sweep; its `analysis` block names the two axes
(`x`, `y`: two swept knobs). Writes a heatmap of median final progress with the region where
most runs stall outlined, `cells.csv` (one row per grid cell), the tidy table and `report.md`,
whose path it prints.

Here a run "stalls" when its final progress is below 0.2 (`stall_below`), and a cell is
outlined when more than half its runs stall (`stall_share`).

    python -m experiments.heatmap [--out DIR] [--quick] [--jobs N] [--seeds N] [overrides...]
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.params import Params
from sim.scenarios import resolve

from . import plots, stats, sweep
from .report import MODEL_CAVEAT, Report, md_table, save_tables, write_provenance

# The settings of configs/experiment/heatmap.yaml's analysis block, and what each takes.
SETTINGS = {
    "x": sweep.KNOB,  # and swept (check_axes)
    "y": sweep.KNOB,
    "metric": sweep.METRIC,
    "stall_below": sweep.Rule("a number, in the metric's units, such as 0.2",
                              sweep.is_number),
    "stall_share": sweep.number(0, 1, meaning="the share of a cell's runs that must stall "
                                "(more than it) for the cell to be outlined, such as 0.5"),
}


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
                f"(e.g. '{knob}=0,0.5,1') or name another")
    if settings["x"] == settings["y"]:
        raise sweep.UsageError(f"analysis.x and analysis.y are both {settings['x']!r}: name "
                               "two knobs")


def cells(tidy: pd.DataFrame, settings: dict[str, Any]) -> pd.DataFrame:
    """One row per grid cell: median and quartiles of the final metric, share of runs stalled."""
    finals = stats.final_week(tidy)
    x, y, metric = settings["x"], settings["y"], settings["metric"]
    finals = finals.assign(stalled_run=finals[metric] < settings["stall_below"])
    grouped = finals.groupby([x, y])
    table = pd.DataFrame({
        f"median_{metric}": grouped[metric].median(),
        f"q25_{metric}": grouped[metric].quantile(0.25),
        f"q75_{metric}": grouped[metric].quantile(0.75),
        "stalled_share": grouped["stalled_run"].mean(),
        "runs": grouped.size(),
    }).reset_index()
    table["stalled"] = table["stalled_share"] > settings["stall_share"]
    return table


def _reading(table: pd.DataFrame, settings: dict[str, Any]) -> list[str]:
    x, y, metric = settings["x"], settings["y"], settings["metric"]
    value = f"median_{metric}"
    stalled = table[table["stalled"]]
    lines = [f"{len(stalled)} of {len(table)} cells mostly stall (more than "
             f"{settings['stall_share']:.0%} of runs end with {metric} below "
             f"{settings['stall_below']})."]
    if len(stalled) and len(stalled) < len(table):
        edge = stalled.groupby(y)[x].max()
        lines.append(f"For each {y}, the largest {x} that still mostly stalls: " + ", ".join(
            f"{y}={yv:g}: {xv:g}" for yv, xv in edge.items()) + ".")
    best, worst = table.loc[table[value].idxmax()], table.loc[table[value].idxmin()]
    lines.append(f"Median final {metric} ranges from {worst[value]:.2f} ({x}={worst[x]:g}, "
                 f"{y}={worst[y]:g}) to {best[value]:.2f} ({x}={best[x]:g}, {y}={best[y]:g}).")
    lines.append(f"Here a run counts as stalled by where it ends ({metric} below "
                 f"{settings['stall_below']}); a run can also stall early and recover, which "
                 "this does not see. Each run's own diagnosis (sim.diagnosis: the first week "
                 "progress stopped, and why) is in the tidy table's stalled, stall_week and "
                 "stall_cause columns.")
    return lines


def write_report(folder: Path, table: pd.DataFrame, settings: dict[str, Any], *,
                 seconds: float, weeks: int, design: str, runs: sweep.Sweep,
                 changed: Sequence[str] = ()) -> Path:
    x, y, metric = settings["x"], settings["y"], settings["metric"]
    ref = resolve(design)
    seeds = int(table["runs"].min())
    report = Report(folder, f"Heatmap: {x} x {y}", changed)
    report.text(
        f"Design `{design}` with {x} and {y} varied on a "
        f"{table[x].nunique()} x {table[y].nunique()} grid, "
        f"{seeds} seeds per cell, {weeks} weeks ({int(table['runs'].sum())} runs, "
        f"{seconds:.0f} s). Every other knob keeps the design's value; the design itself sits "
        f"at {x}={getattr(ref, x):g}, {y}={getattr(ref, y):g}.")
    report.heading("Reading")
    report.bullets(_reading(table, settings))
    report.text(MODEL_CAVEAT)
    report.heading("Figure")
    fig = plots.heatmap(table, x, y, f"median_{metric}", "stalled",
                        title=f"Median final {metric} ({seeds} seeds per cell)",
                        colorbar_label=f"median final {metric} (share, 0-1)",
                        mark=(getattr(ref, x), getattr(ref, y), plots.label_of(design)))
    report.figure(fig, "heatmap", f"Median final {metric}; outlined: cells where most runs "
                  f"stall (final {metric} < {settings['stall_below']})")
    report.heading(f"Median final {metric} per cell")
    grid = table.pivot(index=y, columns=x, values=f"median_{metric}").sort_index(ascending=False)
    grid.columns = [f"{x}={c:g}" for c in grid.columns]
    grid.insert(0, y, grid.index)
    report.parts.append(md_table(grid, digits=2) + "\n")
    report.heading("Files")
    report.bullets(["`cells.csv`: one row per cell (median, quartiles, share stalled)",
                    "`tidy.parquet`, `runs.csv`, `provenance.json`, `figures/`",
                    "`runs/`: every run's own record (`python -m sim`'s sweep folder)"])
    sweep.report_failures(report, runs)
    return report.write()


def run(experiment: sweep.Experiment, out: Path | str | None = None) -> Path:
    """Run the grid's sweep into `out`/runs (default results/heatmap-<time>),
    analyse it, write the folder; returns the path of report.md."""
    started = time.perf_counter()
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
    path = write_report(folder, table, settings, seconds=time.perf_counter() - started,
                        weeks=int(tidy["week"].max()), design=designs[0], runs=runs,
                        changed=experiment.changed())
    write_provenance(folder, experiment, runs, seconds=time.perf_counter() - started)
    return path


def main(argv: Sequence[str] | None = None) -> Path:
    return sweep.command("heatmap", __doc__, SETTINGS, run, argv)


if __name__ == "__main__":
    main()
