"""size: progress per member against partnership size, with and without orchestration.

The sizes are the rows of configs/experiment/size.csv, a points table of starting member
counts (the Impact Partnership's four counts multiplied by 1..6, 13 to 78 organisations), run
by configs/experiment/size.yaml's sweep with orchestration 0 and 0.9 (`analysis.knob`: the
knob compared, lowest swept value against highest). Writes a size plot (final progress per
starting member, and final progress), `sizes.csv`, the tidy table and `report.md`, whose path
it prints.

    python -m experiments.size [--out DIR] [--quick] [--jobs N] [--seeds N] [overrides...]
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.kit import plots, stats, sweep
from experiments.kit.gather import column_name
from experiments.kit.report import (
    MODEL_CAVEAT,
    Provenance,
    Report,
    fmt_ci,
    fmt_p,
    sample_notice,
    save_tables,
)
from sim.sectors import SECTORS

SECTOR_COUNTS = tuple(f"members_{sector}" for sector in SECTORS)

# The settings of configs/experiment/size.yaml's analysis block, and what each takes.
SETTINGS = {
    "knob": sweep.KNOB,  # and swept (checked in run)
    "bootstrap_seed": sweep.SEED,
    "alpha": sweep.ALPHA,
}


def with_sizes(tidy: pd.DataFrame) -> pd.DataFrame:
    """The tidy table with `start_members`: each run's starting members, summed over sectors
    (the runs' member-count columns, `param_members_<sector>`: set by the points table)."""
    columns = [column_name(c) for c in SECTOR_COUNTS]
    missing = [c for c in columns if c not in tidy]
    if missing:
        raise sweep.UsageError(
            f"the size runs do not vary {', '.join(missing)}: their points "
            "table (configs/experiment/size.csv) sets the member counts"
        )
    return tidy.assign(start_members=tidy[columns].sum(axis=1).astype(int))


def finals_of(tidy: pd.DataFrame) -> pd.DataFrame:
    finals = stats.final_week(tidy)
    return finals.assign(progress_per_member=finals["progress"] / finals["start_members"])


def levels_of(finals: pd.DataFrame, knob: str) -> tuple[float, float]:
    """The lowest and highest value of the compared knob in the runs."""
    return float(finals[knob].min()), float(finals[knob].max())


def size_table(finals: pd.DataFrame, settings: dict[str, Any]) -> pd.DataFrame:
    """Per size and level of the knob: medians with intervals (columns `progress_at<level>`,
    `progress_per_member_at<level>`, each with `_low` and `_high`); per size: the effect of the
    knob (highest level against lowest) on progress (`A`, `p`, `p_holm`)."""
    knob = settings["knob"]
    rows = []
    low, high = levels_of(finals, knob)
    for members, runs in finals.groupby("start_members"):
        row: dict[str, Any] = {"start_members": members}
        for level, part in runs.groupby(knob):
            for column in ("progress", "progress_per_member"):
                m, lo, hi = stats.median_ci(
                    part[column], seed=settings["bootstrap_seed"], min_runs=stats.MIN_RUNS
                )
                row.update(
                    {
                        f"{column}_at{level:g}": m,
                        f"{column}_at{level:g}_low": lo,
                        f"{column}_at{level:g}_high": hi,
                    }
                )
        with_knob = runs.loc[runs[knob] == high, "progress"]
        without = runs.loc[runs[knob] == low, "progress"]
        row["A"] = stats.vargha_delaney_a(with_knob, without)
        row["p"] = stats.mann_whitney(with_knob, without)
        rows.append(row)
    table = pd.DataFrame(rows)
    table["p_holm"] = stats.holm(table["p"])
    return table


def _reading(table: pd.DataFrame, finals: pd.DataFrame, settings: dict[str, Any]) -> list[str]:
    knob = settings["knob"]
    name = knob.replace("_", " ")
    low, high = levels_of(finals, knob)
    first, last = table.iloc[0], table.iloc[-1]
    lines = []
    for level in (low, high):
        col = f"progress_at{level:g}"
        lines.append(
            f"{name.capitalize()} {level:g}: median final progress {first[col]:.2f} with "
            f"{int(first['start_members'])} members, {last[col]:.2f} with "
            f"{int(last['start_members'])}; per member "
            f"{first[f'progress_per_member_at{level:g}']:.4f} -> "
            f"{last[f'progress_per_member_at{level:g}']:.4f}."
        )
    gap = table[f"progress_at{high:g}"] - table[f"progress_at{low:g}"]
    lines.append(
        f"The gap in median final progress that {name} {high:g} makes goes from "
        f"{gap.iloc[0]:+.2f} at the smallest size to {gap.iloc[-1]:+.2f} at the largest "
        f"(A from {table['A'].iloc[0]:.2f} to {table['A'].iloc[-1]:.2f}; "
        f"{int((table['p_holm'] < settings['alpha']).sum())} of {len(table)} sizes differ at "
        f"Holm-adjusted p < {settings['alpha']})."
    )
    lines.append(
        "Progress is a share of the problem solved by the whole partnership, so "
        "progress per member falls with size even when more members help; compare "
        "the two lines at each size rather than the slope alone."
    )
    return lines


def write_report(
    folder: Path,
    finals: pd.DataFrame,
    table: pd.DataFrame,
    settings: dict[str, Any],
    *,
    seconds: float,
    weeks: int,
    runs: sweep.Sweep,
    changed: Sequence[str] = (),
    provenance: dict[str, Any] | None = None,
) -> Path:
    """report.md. `provenance`: the `Provenance` record (provenance.json's), for the notice
    under the title (a quick run, fewer runs than the file's) and "How to reproduce"."""
    knob = settings["knob"]
    name = knob.replace("_", " ")
    low, high = levels_of(finals, knob)
    designs = ", ".join(f"`{d}`" for d in sorted(finals["design"].unique()))
    per_group = finals.groupby(["start_members", knob]).size()
    seeds = int(per_group.min())
    record = provenance or {}
    notice = sample_notice(
        per_group,
        quick=bool(record.get("quick")),
        recommended=record.get("seeds_in_file"),
        unit=f"size and {name}",
    )
    report = Report(folder, f"Partnership size, with and without {name}", changed, notice)
    report.text(
        f"Design {designs} starting with "
        f"{', '.join(str(int(m)) for m in sorted(finals['start_members'].unique()))} members "
        f"(the rows of the points table); {name} "
        f"{' and '.join(f'{v:g}' for v in sorted(finals[knob].unique()))}; {seeds} seeds, "
        f"{weeks} weeks ({len(finals)} runs, {seconds:.0f} s). The partnership recruits up to "
        "its starting size."
    )
    report.heading("Reading")
    report.bullets(_reading(table, finals, settings))
    report.text(MODEL_CAVEAT)
    report.heading("Figure")
    report.figure(
        plots.size_plot(finals, hue=knob),
        "size",
        "Final progress per starting member and final progress against size "
        "(median and 90% band of runs)",
    )
    report.heading("Table")
    shown = {"members": table["start_members"]}
    for level in (low, high):
        shown[f"progress, {name} {level:g} [95% CI]"] = [
            fmt_ci(
                r[f"progress_at{level:g}"],
                r[f"progress_at{level:g}_low"],
                r[f"progress_at{level:g}_high"],
                2,
            )
            for _, r in table.iterrows()
        ]
        shown[f"per member, {name} {level:g}"] = table[f"progress_per_member_at{level:g}"]
    shown[f"A ({high:g} vs {low:g})"] = table["A"]
    shown["p (Holm)"] = table["p_holm"].map(fmt_p)
    report.table(pd.DataFrame(shown), digits=4)
    report.text(
        f"A: the chance that a run with {name} {high:g} ends with more progress than "
        f"one with {low:g}, at the same size. p: two-sided Mann-Whitney, Holm over the "
        f"{len(table)} sizes."
    )
    report.heading("Files")
    report.bullets(
        [
            "`sizes.csv`: the table above with every interval",
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
    """Run the sizes' sweep into `out`/runs (default results/size-<time>),
    analyse it, write the folder; returns the path of report.md."""
    provenance = Provenance(experiment, argv=argv, module="experiments.size")
    settings = experiment.analysis
    knob = settings["knob"]
    if knob not in experiment.varied():
        raise sweep.UsageError(
            f"analysis.knob={knob!r} ({experiment.where} or the command "
            f"line) is not a knob the sweep varies: sweep it, e.g. "
            f"'{knob}=0,0.9'"
        )
    folder = sweep.output_folder("size", out)
    runs = sweep.execute(experiment, folder / "runs")
    tidy = with_sizes(runs.tidy)
    save_tables(folder, tidy)
    finals = finals_of(tidy)
    table = size_table(finals, settings)
    table.to_csv(folder / "sizes.csv", index=False)
    record = provenance.finish(runs)
    path = write_report(
        folder,
        finals,
        table,
        settings,
        seconds=record["seconds"],
        weeks=int(tidy["week"].max()),
        runs=runs,
        changed=experiment.changed(),
        provenance=record,
    )
    provenance.write(folder)
    return path


def main(argv: Sequence[str] | None = None) -> Path:
    argv = sys.argv[1:] if argv is None else list(argv)
    return sweep.command("size", __doc__, SETTINGS, run, argv, argv=argv)


if __name__ == "__main__":
    main()
