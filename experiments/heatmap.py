"""heatmap: two knobs on a grid (default orchestration x leadership_backing, 11 x 11) x 10 seeds.

Writes a heatmap of median final progress with the region where most runs stall outlined,
`cells.csv` (one row per grid cell), the tidy table and `report.md`.

Until a stall-diagnosis module exists, a run "stalls" when its final progress is below 0.2
(`stall_below`), and a cell is outlined when more than half its runs stall (`stall_share`).

    python -m experiments.heatmap [--seeds 10] [--out DIR] [--jobs -1] [--quick]
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.scenarios import resolve

from . import plots, stats
from .report import MODEL_CAVEAT, Report, md_table, save_tables, write_provenance
from .runner import Job, output_folder, parse_args, run_many, scenario_overrides, settings_from

# The experiment's parameters; these move to configs/experiment/heatmap.yaml.
EXPERIMENT: dict[str, Any] = {
    "scenario": "impact_partnership",  # every other knob stays at this design's value
    "x": "orchestration",
    "y": "leadership_backing",
    "x_values": [round(v, 2) for v in np.linspace(0, 1, 11)],
    "y_values": [round(v, 2) for v in np.linspace(0, 1, 11)],
    "seeds": 10,
    "steps": None,
    "metric": "progress",
    "stall_below": 0.2,  # provisional stall criterion on final progress
    "stall_share": 0.5,  # a cell is marked when more than this share of its runs stall
}
QUICK: dict[str, Any] = {"seeds": 2, "steps": 30, "x_values": [0.0, 0.5, 1.0],
                         "y_values": [0.0, 1.0]}


def build_jobs(settings: dict[str, Any]) -> list[Job]:
    scenario, x, y = settings["scenario"], settings["x"], settings["y"]
    overrides = scenario_overrides(settings)
    return [Job(scenario, resolve(scenario, **overrides, **{x: xv, y: yv}), seed, {x: xv, y: yv})
            for xv in settings["x_values"] for yv in settings["y_values"]
            for seed in range(settings["seeds"])]


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
    lines.append("The stall criterion is provisional (final progress below "
                 f"{settings['stall_below']}), standing in until the stall-diagnosis module "
                 "exists; a run can also stall early and recover, which this does not see.")
    return lines


def write_report(folder: Path, table: pd.DataFrame, settings: dict[str, Any], *,
                 seconds: float, weeks: int) -> Path:
    x, y, metric = settings["x"], settings["y"], settings["metric"]
    ref = resolve(settings["scenario"])
    report = Report(folder, f"Heatmap: {x} x {y}")
    report.text(
        f"Design `{settings['scenario']}` with {x} and {y} varied on a "
        f"{len(settings['x_values'])} x {len(settings['y_values'])} grid, "
        f"{settings['seeds']} seeds per cell, {weeks} weeks ({int(table['runs'].sum())} runs, "
        f"{seconds:.0f} s). Every other knob keeps the design's value; the design itself sits "
        f"at {x}={getattr(ref, x):g}, {y}={getattr(ref, y):g}.")
    report.heading("Reading")
    report.bullets(_reading(table, settings))
    report.text(MODEL_CAVEAT)
    report.heading("Figure")
    fig = plots.heatmap(table, x, y, f"median_{metric}", "stalled",
                        title=f"Median final {metric} ({settings['seeds']} seeds per cell)",
                        colorbar_label=f"median final {metric} (share, 0-1)",
                        mark=(getattr(ref, x), getattr(ref, y),
                              plots.label_of(settings["scenario"])))
    report.figure(fig, "heatmap", f"Median final {metric}; outlined: cells where most runs "
                  f"stall (final {metric} < {settings['stall_below']})")
    report.heading(f"Median final {metric} per cell")
    grid = table.pivot(index=y, columns=x, values=f"median_{metric}").sort_index(ascending=False)
    grid.columns = [f"{x}={c:g}" for c in grid.columns]
    grid.insert(0, y, grid.index)
    report.parts.append(md_table(grid, digits=2) + "\n")
    report.heading("Files")
    report.bullets(["`cells.csv`: one row per cell (median, quartiles, share stalled)",
                    "`tidy.parquet`, `runs.csv`, `provenance.json`, `figures/`"])
    return report.write()


def run(settings: dict[str, Any] | None = None, *, out: Path | str | None = None,
        n_jobs: int = -1) -> Path:
    settings = {**EXPERIMENT, **(settings or {})}
    folder = output_folder("heatmap", out)
    started = time.perf_counter()
    jobs = build_jobs(settings)
    tidy = run_many(jobs, n_jobs, description=f"heatmap: {len(jobs)} runs")
    failed = tidy.attrs.get("failed", [])
    save_tables(folder, tidy)
    table = cells(tidy, settings)
    table.to_csv(folder / "cells.csv", index=False)
    path = write_report(folder, table, settings, seconds=time.perf_counter() - started,
                        weeks=int(tidy["week"].max()))
    write_provenance(folder, "heatmap", settings, seconds=time.perf_counter() - started,
                     runs=len(jobs), failed=failed)
    return path


def main(argv: Sequence[str] | None = None) -> Path:
    args = parse_args("heatmap", __doc__.splitlines()[0], argv, EXPERIMENT["seeds"])
    report = run(settings_from(args, EXPERIMENT, QUICK), out=args.out, n_jobs=args.jobs)
    print(report.parent)
    return report


if __name__ == "__main__":
    main()
