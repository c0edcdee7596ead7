"""size: progress per member against partnership size, with and without orchestration.

The Impact Partnership's four starting member counts are multiplied by 1..6 (13 to 78
organisations), each size run with orchestration 0 and 0.9. Writes a size plot (final progress
per starting member, and final progress), `sizes.csv`, the tidy table and `report.md`.

    python -m experiments.size [--seeds 30] [--out DIR] [--jobs -1] [--quick]
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.scenarios import resolve

from . import plots, stats
from .report import MODEL_CAVEAT, Report, fmt_ci, fmt_p, save_tables, write_provenance
from .runner import Job, output_folder, parse_args, run_many, scenario_overrides, settings_from

SECTOR_COUNTS = ("members_government", "members_business", "members_civil_society",
                 "members_citizens")

# The experiment's parameters; these move to configs/experiment/size.yaml.
EXPERIMENT: dict[str, Any] = {
    "scenario": "impact_partnership",
    "scales": [1, 2, 3, 4, 5, 6],  # multipliers of the design's four starting member counts
    "orchestration": [0.0, 0.9],
    "seeds": 30,
    "steps": None,
    "bootstrap_seed": 0,
    "alpha": 0.05,
}
QUICK: dict[str, Any] = {"seeds": 2, "steps": 30, "scales": [1, 2]}


def build_jobs(settings: dict[str, Any]) -> list[Job]:
    scenario, overrides = settings["scenario"], scenario_overrides(settings)
    base = resolve(scenario)
    jobs = []
    for scale in settings["scales"]:
        counts = {name: getattr(base, name) * scale for name in SECTOR_COUNTS}
        for level in settings["orchestration"]:
            params = resolve(scenario, **overrides, **counts, orchestration=level)
            jobs.extend(Job(scenario, params, seed, {"scale": scale,
                                                     "start_members": sum(counts.values()),
                                                     "orchestration": level})
                        for seed in range(settings["seeds"]))
    return jobs


def finals_of(tidy: pd.DataFrame) -> pd.DataFrame:
    finals = stats.final_week(tidy)
    return finals.assign(progress_per_member=finals["progress"] / finals["start_members"])


def size_table(finals: pd.DataFrame, settings: dict[str, Any]) -> pd.DataFrame:
    """Per size and orchestration level: medians with intervals; per size: the effect of
    orchestration (highest level against lowest) on progress."""
    rows = []
    low, high = min(settings["orchestration"]), max(settings["orchestration"])
    for members, runs in finals.groupby("start_members"):
        row: dict[str, Any] = {"start_members": members}
        for level, part in runs.groupby("orchestration"):
            for column in ("progress", "progress_per_member"):
                m, lo, hi = stats.median_ci(part[column], seed=settings["bootstrap_seed"])
                row.update({f"{column}_o{level:g}": m, f"{column}_o{level:g}_low": lo,
                            f"{column}_o{level:g}_high": hi})
        with_o = runs.loc[runs["orchestration"] == high, "progress"]
        without = runs.loc[runs["orchestration"] == low, "progress"]
        row["A_orchestration"] = stats.vargha_delaney_a(with_o, without)
        row["p"] = stats.mann_whitney(with_o, without)
        rows.append(row)
    table = pd.DataFrame(rows)
    table["p_holm"] = stats.holm(table["p"])
    return table


def _reading(table: pd.DataFrame, settings: dict[str, Any]) -> list[str]:
    low, high = min(settings["orchestration"]), max(settings["orchestration"])
    first, last = table.iloc[0], table.iloc[-1]
    lines = []
    for level in (low, high):
        col = f"progress_o{level:g}"
        lines.append(
            f"Orchestration {level:g}: median final progress {first[col]:.2f} with "
            f"{int(first['start_members'])} members, {last[col]:.2f} with "
            f"{int(last['start_members'])}; per member "
            f"{first[f'progress_per_member_o{level:g}']:.4f} -> "
            f"{last[f'progress_per_member_o{level:g}']:.4f}.")
    gap = table[f"progress_o{high:g}"] - table[f"progress_o{low:g}"]
    lines.append(
        f"The gap in median final progress that orchestration {high:g} makes goes from "
        f"{gap.iloc[0]:+.2f} at the smallest size to {gap.iloc[-1]:+.2f} at the largest "
        f"(A from {table['A_orchestration'].iloc[0]:.2f} to "
        f"{table['A_orchestration'].iloc[-1]:.2f}; "
        f"{int((table['p_holm'] < settings['alpha']).sum())} of {len(table)} sizes differ at "
        f"Holm-adjusted p < {settings['alpha']}).")
    lines.append("Progress is a share of the problem solved by the whole partnership, so "
                 "progress per member falls with size even when more members help; compare "
                 "the two lines at each size rather than the slope alone.")
    return lines


def write_report(folder: Path, finals: pd.DataFrame, table: pd.DataFrame,
                 settings: dict[str, Any], *, seconds: float, weeks: int) -> Path:
    report = Report(folder, "Partnership size, with and without orchestration")
    report.text(
        f"Design `{settings['scenario']}` with its four starting member counts multiplied by "
        f"{', '.join(map(str, settings['scales']))}; orchestration "
        f"{' and '.join(f'{v:g}' for v in settings['orchestration'])}; {settings['seeds']} seeds, "
        f"{weeks} weeks ({len(finals)} runs, {seconds:.0f} s). The partnership recruits up to "
        "its starting size.")
    report.heading("Reading")
    report.bullets(_reading(table, settings))
    report.text(MODEL_CAVEAT)
    report.heading("Figure")
    report.figure(plots.size_plot(finals), "size",
                  "Final progress per starting member and final progress against size "
                  "(median and 90% band of runs)")
    report.heading("Table")
    low, high = min(settings["orchestration"]), max(settings["orchestration"])
    shown = {"members": table["start_members"]}
    for level in (low, high):
        shown[f"progress, orchestration {level:g} [95% CI]"] = [
            fmt_ci(r[f"progress_o{level:g}"], r[f"progress_o{level:g}_low"],
                   r[f"progress_o{level:g}_high"], 2) for _, r in table.iterrows()]
        shown[f"per member, orchestration {level:g}"] = table[f"progress_per_member_o{level:g}"]
    shown[f"A ({high:g} vs {low:g})"] = table["A_orchestration"]
    shown["p (Holm)"] = table["p_holm"].map(fmt_p)
    report.table(pd.DataFrame(shown), digits=4)
    report.text("A: the chance that a run with orchestration ends with more progress than one "
                f"without, at the same size. p: two-sided Mann-Whitney, Holm over the "
                f"{len(table)} sizes.")
    report.heading("Files")
    report.bullets(["`sizes.csv`: the table above with every interval",
                    "`tidy.parquet`, `runs.csv`, `provenance.json`, `figures/`"])
    return report.write()


def run(settings: dict[str, Any] | None = None, *, out: Path | str | None = None,
        n_jobs: int = -1) -> Path:
    settings = {**EXPERIMENT, **(settings or {})}
    folder = output_folder("size", out)
    started = time.perf_counter()
    jobs = build_jobs(settings)
    tidy = run_many(jobs, n_jobs, description=f"size: {len(jobs)} runs")
    failed = tidy.attrs.get("failed", [])
    save_tables(folder, tidy)
    finals = finals_of(tidy)
    table = size_table(finals, settings)
    table.to_csv(folder / "sizes.csv", index=False)
    path = write_report(folder, finals, table, settings, seconds=time.perf_counter() - started,
                        weeks=int(tidy["week"].max()))
    write_provenance(folder, "size", settings, seconds=time.perf_counter() - started,
                     runs=len(jobs), failed=failed)
    return path


def main(argv: Sequence[str] | None = None) -> Path:
    args = parse_args("size", __doc__.splitlines()[0], argv, EXPERIMENT["seeds"])
    report = run(settings_from(args, EXPERIMENT, QUICK), out=args.out, n_jobs=args.jobs)
    print(report.parent)
    return report


if __name__ == "__main__":
    main()
