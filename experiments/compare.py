"""compare: the seven partnership designs x 30 seeds, against the Impact Partnership.

The runs are configs/experiment/compare.yaml's sweep, run by `python -m sim` (experiments.kit.sweep);
its `analysis` block holds the settings below. Writes figures (progress over time, final
distributions, engagement by sector and dropouts, legitimacy and claims gap), `table.csv`
(median and 95% bootstrap interval per design and metric), `effects.csv` (each baseline against
the reference: difference of medians, Vargha-Delaney A, Cliff's delta, Mann-Whitney p with
Holm's correction), `replications.csv` (Lorscheid's CV stability), the tidy table and
`report.md`, whose path it prints. It also runs the designs at equal resources (experiments.fair:
each baseline at the reference's week-0 budget and members' capacity, the reference at each
baseline's) and splits each gap to the reference into resources and how they are spent
(`fair.csv`, `fair_resources.csv`, the gap_split figure and its section of the report);
--no-fair leaves that out. A design with fewer than `stats.MIN_RUNS` completed runs
(failures, --quick) has no interval, n/a in the report; one with none still has its rows.
The designs are compared unpaired: they share seeds, but a seed drives different draws in
different designs, so pairing runs by seed would pair nothing in particular (the ablation,
which changes one knob of one design, pairs them; so does the split at equal resources, whose
bootstrap keeps a seed's four runs together, a design at its own and at another's resources).

    python -m experiments.compare [--out DIR] [--quick] [--jobs N] [--seeds N] [--no-fair]
        [overrides...]
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from experiments import fair
from experiments.kit import look, plots, stats, sweep
from experiments.kit.report import (
    MODEL_CAVEAT,
    Provenance,
    Report,
    fmt_ci,
    fmt_na,
    fmt_p,
    is_count,
    metric_title,
    sample_notice,
    save_tables,
)
from sim.metrics import BY_NAME, METRICS
from sim.outcomes import EXPECTED_PROGRESS

# The settings of configs/experiment/compare.yaml's analysis block, and what each takes.
SETTINGS = {
    "reference": sweep.TEXT,  # and a design the sweep runs (checked in run)
    "headline_metrics": sweep.METRICS,
    "band": sweep.number(
        0, 1, low_open=True, meaning="the share of runs shaded around the median, such as 0.9"
    ),
    "cv_tolerance": sweep.number(
        0,
        low_open=True,
        meaning="the change in the coefficient of variation per added run, such as 0.01",
    ),
    "alpha": sweep.ALPHA,
    "bootstrap_seed": sweep.SEED,
    "fair_metrics": sweep.METRICS,
}
FLAGS = (
    (
        "--no-fair",
        "leave out the comparison at equal resources (the designs run again at the "
        "reference's resources and the reference at theirs)",
    ),
)


def analyse(
    tidy: pd.DataFrame, settings: dict[str, Any], designs: Sequence[str] | None = None
) -> dict[str, pd.DataFrame]:
    """The comparison's tables from a tidy table (one row per run and week). `designs`: those
    the sweep ran, so one whose every run failed still has its rows (n 0)."""
    finals = stats.final_week(tidy)
    metrics = [m.name for m in METRICS if m.name in finals]
    seed = settings["bootstrap_seed"]
    table = stats.summary_table(finals, metrics, seed=seed, min_runs=stats.MIN_RUNS, groups=designs)
    table.insert(2, "label", table["metric"].map(lambda m: BY_NAME[m].label))
    table.insert(3, "unit", table["metric"].map(lambda m: BY_NAME[m].unit))
    directional = [m for m in settings["headline_metrics"] if BY_NAME[m].better]
    effects = stats.effects_against(
        finals,
        settings["reference"],
        directional,
        seed=seed,
        min_runs=stats.MIN_RUNS,
        groups=designs,
    )
    replications = pd.DataFrame(
        [
            {
                "design": design,
                "metric": metric,
                "replications_needed": stats.replications_needed(
                    runs.sort_values("seed")[metric], tolerance=settings["cv_tolerance"]
                ),
                "cv_at_all_runs": stats.cv_curve(runs.sort_values("seed")[metric]).iloc[-1]
                if len(runs) > 1
                else float("nan"),
            }
            for design, runs in finals.groupby("design", sort=False)
            for metric in ("progress", "systems_change")
        ]
    )
    return {
        "finals": finals,
        "table": table,
        "effects": effects,
        "replications": replications,
        "stall_causes": plots.stall_cause_shares(tidy),
    }


def closest_baseline(effects: pd.DataFrame) -> pd.Series:
    """Of baselines that end worse than the reference, the closest: the highest A, and of
    equal A (all 0 when no run of any beats a run of the reference) the smallest absolute
    difference of medians; then the first listed."""
    ranked = effects.assign(gap=effects["median_difference"].abs())
    return ranked.sort_values(["A", "gap"], ascending=[False, True], kind="stable").iloc[0]


def _stall_reading(shares: pd.DataFrame) -> str:
    """The most common stall cause per design, from the shares of runs by cause."""
    parts = []
    for design, row in shares.iterrows():
        causes = row.drop(plots.NO_STALL, errors="ignore")
        stalled = float(causes.sum())
        if stalled == 0:
            parts.append(f"{look.label_of(design)} never stalled")
        else:
            parts.append(
                f"{look.label_of(design)} {stalled:.0%} stalled, most often "
                f"{plots.cause_label(causes.idxmax()).lower()} ({causes.max():.0%})"
            )
    return (
        "Stalls (the first week progress stopped, diagnosed by sim.diagnosis): "
        + "; ".join(parts)
        + "."
    )


def _expectations_reading(finals: pd.DataFrame | None) -> str:
    """Each design's share of runs that meet expectations (`sim.outcomes`: final progress at
    least EXPECTED_PROGRESS and no stall), as counts out of its completed runs."""
    if finals is None or "meets_expectations" not in finals:
        return ""
    met = finals.groupby("design", sort=False)["meets_expectations"].agg(["sum", "count"])
    parts = [
        f"{look.label_of(d)} {int(r['sum'])} of {int(r['count'])}"
        for d, r in met.sort_values("sum", ascending=False, kind="stable").iterrows()
    ]
    return (
        f"Runs that meet expectations (final progress at least {EXPECTED_PROGRESS} and no "
        "stall, sim.outcomes): " + "; ".join(parts) + "."
    )


def _conditions(reference: str, weeks: int, changed: Sequence[str] = ()) -> str:
    """What a ranking holds for, and where to look next."""
    setting = (
        "with the settings given above on top of their scenario files"
        if changed
        else "as their scenario files set them, on the default problem"
    )
    text = (
        f"This compares the designs {setting}, over {weeks} weeks; a ranking holds for "
        f"those conditions only. Each "
        f"scenario file is one reading of a short description: "
        f"`python -m experiments.calibration.readings` recomputes the patterns with every knob of every "
        f"design read differently, and `python -m experiments.calibration.ledger` shows what members "
        f"of each sector weigh in each design (why the engagement figure looks as it does)."
    )
    if reference == BOUNDARIES_OF:
        text += (
            " The Impact Partnership's lead shrinks on a problem one sector can solve "
            "alone, over a short horizon and without leadership backing, and where two "
            "of these meet it loses (`python -m experiments.calibration.boundaries`, "
            "docs/calibration.md); `python -m experiments.ablation` shows which of its "
            "ingredients matters, and from which week."
        )
    return text


BOUNDARIES_OF = "impact_partnership"  # the design experiments.calibration.boundaries measures
SPLIT = (0.2, 0.8)  # a design whose share of stalled runs is within this splits its runs


def _split_runs(finals: pd.DataFrame | None) -> str:
    """The designs whose runs split between stalling and not (a share of stalled runs within
    SPLIT), for the reading: a median hides such a split, the distribution figure shows it."""
    if finals is None or "stalled" not in finals:
        return ""
    share = finals.groupby("design", sort=False)["stalled"].mean()
    split = share[(share >= SPLIT[0]) & (share <= SPLIT[1])]
    if split.empty:
        return (
            f"; no design's runs split between stalling and not (each stalls in under "
            f"{SPLIT[0]:.0%} or over {SPLIT[1]:.0%} of its runs)"
        )
    return (
        "; runs split between stalling and not in "
        + ", ".join(f"{look.label_of(d)} ({v:.0%} stalled)" for d, v in split.items())
        + ", where a median hides the split: the distribution figure shows where each run ends"
    )


def _reading(
    tables: dict[str, pd.DataFrame], settings: dict[str, Any], n_seeds: int | str
) -> list[str]:
    """A short reading generated from the numbers, so it stays true when the model changes."""
    table, effects = tables["table"], tables["effects"]
    reference, alpha = settings["reference"], settings["alpha"]
    lines = []
    for metric in ("progress", "systems_change"):
        part = table[table["metric"] == metric].sort_values("median", ascending=False)
        ranked = part[part["n"] > 0]
        ranking = ", ".join(
            f"{look.label_of(r.design)} {r.median:.2f}" for r in ranked.itertuples()
        )
        missing = part[part["n"] == 0]
        if len(missing):
            ranking += "; no completed runs: " + ", ".join(map(look.label_of, missing.design))
        lines.append(f"Median final {BY_NAME[metric].label.lower()}, highest first: {ranking}.")
        eff = effects[effects["metric"] == metric]
        worse = eff[(eff["p_holm"] < alpha) & (eff["A"] < 0.5)]
        better = eff[(eff["p_holm"] < alpha) & (eff["A"] > 0.5)]
        unclear = eff[~(eff["p_holm"] < alpha) & (eff["n"] > 0)]
        text = (
            f"{len(worse)} of {len(eff)} baselines end lower than the "
            f"{look.label_of(reference)} on {BY_NAME[metric].label.lower()} "
            f"(Holm-adjusted p < {alpha})"
        )
        if len(worse):
            closest = closest_baseline(worse)
            text += (
                f"; the closest (highest A; of equal A, the smallest difference of "
                f"medians), {look.label_of(closest.design)}, has A = "
                f"{closest.A:.2f} ({closest.magnitude})"
            )
            if closest.A == 0:
                text += ": not one run of any of them beat a run of the reference"
        if len(better):
            text += "; higher: " + ", ".join(look.label_of(d) for d in better.design)
        if len(unclear):
            text += "; not distinguishable at this number of runs: " + ", ".join(
                look.label_of(d) for d in unclear.design
            )
        lines.append(text + ".")
    spread = table[table["metric"] == "progress"].assign(width=lambda t: t.ci_high - t.ci_low)
    spread = spread[spread["width"].notna()]
    if len(spread):
        widest = spread.sort_values("width", kind="stable").iloc[-1]
        lines.append(
            f"The widest 95% interval of median final progress is "
            f"{look.label_of(widest.design)}'s ({widest.ci_low:.2f} to {widest.ci_high:.2f})"
            + _split_runs(tables.get("finals"))
            + "."
        )
    else:
        lines.append(
            f"No design has the {stats.MIN_RUNS} runs a 95% interval of its median "
            "needs; see the distribution figure for every run."
        )
    rep = tables["replications"]
    runs_of = table.groupby("design")["n"].max()
    few = runs_of[runs_of < 2]
    rep = rep[~rep["design"].isin(few.index)]  # one run has no CV
    criterion = (
        f"Lorscheid's criterion (the coefficient of variation changing by less than "
        f"{settings['cv_tolerance']} per added run)"
    )
    unsettled = rep[rep["replications_needed"].isna()]
    if len(rep) and unsettled.empty:
        lines.append(
            f"By {criterion}, at most {int(rep['replications_needed'].max())} runs per "
            f"design were needed for final progress and systems change; {n_seeds} "
            "were made."
        )
    elif len(rep):
        settled = rep["replications_needed"].dropna()
        lines.append(
            f"By {criterion}, {n_seeds} runs were not enough to settle: "
            + ", ".join(
                f"{look.label_of(r.design)} ({BY_NAME[r.metric].label.lower()})"
                for r in unsettled.itertuples()
            )
            + "; more runs would firm up their estimates"
            + (f". The others settled within {int(settled.max())} runs." if len(settled) else ".")
        )
    if len(few):
        lines.append(
            "Too few runs for a coefficient of variation: "
            + ", ".join(f"{look.label_of(d)} ({n})" for d, n in few.items())
            + "."
        )
    fair_line = fair.reading_line(tables.get("fair"), "progress")
    if fair_line:
        lines.append(fair_line)
    lines.append(_stall_reading(tables["stall_causes"]))
    if expectations := _expectations_reading(tables.get("finals")):
        lines.append(expectations)
    lines.append(
        "With a simulation, p-values shrink as seeds are added, so they say the difference is "
        "not seed noise; the effect sizes (A) say how often one design's run beats the other's."
    )
    return lines


def _wide(
    table: pd.DataFrame,
    metrics: Sequence[str],
    designs: Sequence[str],
    finals: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The report's table: a design per row, `median [95% CI]` per metric; a metric that
    counts (whole numbers in every run of `finals`) without decimals."""
    counts = {m: finals is not None and m in finals and is_count(finals[m]) for m in metrics}
    cells = {m: {} for m in metrics}
    for r in table.itertuples():
        if r.metric in cells:
            cells[r.metric][r.design] = fmt_ci(
                r.median, r.ci_low, r.ci_high, count=counts[r.metric]
            )
    wide = pd.DataFrame({BY_NAME[m].label: pd.Series(cells[m]) for m in metrics})
    wide = wide.reindex(designs)
    runs = table.groupby("design")["n"].max()
    wide.insert(0, "runs", [int(runs.get(d, 0)) for d in designs])
    wide.insert(0, "design", [look.label_of(d) for d in designs])
    return wide


def _sizes(tidy: pd.DataFrame, designs: Sequence[str]) -> str:
    """Each design's members at the start (week 0, the median over its runs), e.g.
    'Impact Partnership 13, NGO-business pair 2'."""
    start = tidy[tidy["week"] == 0].groupby("design")["members"].median()
    return ", ".join(f"{look.label_of(d)} {start[d]:g}" for d in designs if d in start.index)


def write_report(
    folder: Path,
    tidy: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    settings: dict[str, Any],
    *,
    seconds: float,
    title: str,
    runs: sweep.Sweep | Sequence[sweep.Sweep] | None = None,
    changed: Sequence[str] = (),
    provenance: dict[str, Any] | None = None,
) -> Path:
    """report.md. `provenance`: the `Provenance` record (provenance.json's), for the notice
    under the title (a quick run, fewer runs than the file's) and "How to reproduce";
    `seconds` is its `seconds` when given."""
    finals = tables["finals"]
    runs_per_design = tables["table"].groupby("design", sort=False)["n"].max()
    designs = plots.ordered_designs(runs_per_design.index)
    n_seeds = int(runs_per_design.min())
    most = int(runs_per_design.max())
    weeks = int(tidy["week"].max())
    record = provenance or {}
    seconds = record.get("seconds", seconds)
    notice = sample_notice(
        runs_per_design, quick=bool(record.get("quick")), recommended=record.get("seeds_in_file")
    )
    report = Report(folder, title, changed, notice)
    seeds = f"{n_seeds}" if n_seeds == most else f"{n_seeds} to {most}"
    sweeps = [runs] if isinstance(runs, sweep.Sweep) else list(runs or [])
    more = sum(s.tidy["run"].nunique() for s in sweeps[1:])  # the runs at equal resources
    report.text(
        f"{len(designs)} designs x {seeds} seeds, {weeks} weeks each ({len(finals)} runs"
        + (f" and {more} at equal resources" if more else "")
        + f", {seconds:.0f} s). Reference design: {look.label_of(settings['reference'])}. "
        "Each design has the same colour in every figure."
    )
    report.heading("Reading")
    report.bullets(_reading(tables, settings, seeds))
    report.text(MODEL_CAVEAT)
    report.text(_conditions(settings["reference"], weeks, changed))
    report.heading("Figures")
    report.figure(
        plots.progress_over_time(tidy, band=settings["band"]),
        "progress_over_time",
        f"Problem progress over time: median line and {settings['band']:.0%} band of "
        "runs per design",
    )
    report.figure(
        plots.final_distributions(tidy),
        "final_distributions",
        "Final progress and systems change: every run, with quartile boxes",
    )
    report.figure(
        plots.engagement_by_sector(tidy),
        "engagement_by_sector",
        "Engagement, members by sector and dropouts over time (median of runs)",
    )
    report.figure(
        plots.legitimacy_and_claims(tidy, band=settings["band"]),
        "legitimacy_and_claims",
        "Legitimacy and claims gap over time: median line and "
        f"{settings['band']:.0%} band of runs per design",
    )
    report.figure(
        plots.stall_causes(tidy),
        "stall_causes",
        "Share of runs by the cause of their first stall (sim.diagnosis), per design",
    )
    report.heading("Median and 95% bootstrap interval of final values")
    report.table(_wide(tables["table"], settings["headline_metrics"], designs, finals))
    report.text(
        f"runs: completed runs of the design. [n/a]: fewer than {stats.MIN_RUNS} runs, too few "
        f"for a 95% interval (at best the range of {stats.MIN_RUNS - 1} runs holds the median "
        f"{1 - 2 * 0.5 ** (stats.MIN_RUNS - 1):.0%} of the time); n/a alone: no runs. Counts "
        "(such as dropouts) are shown without decimals, as the bare number when every run gave "
        "it; a count is not scaled by the design's size (its members at the start: "
        + _sizes(tidy, designs)
        + "), so compare it within a design, or read a share. "
        "Every metric, with units, is in `table.csv`. Units: "
        + "; ".join(metric_title(m) for m in settings["headline_metrics"])
        + "."
    )
    report.heading(f"Each baseline against the {look.label_of(settings['reference'])}")
    eff = tables["effects"]
    shown = eff[eff["metric"].isin(["progress", "systems_change"])]
    report.table(
        pd.DataFrame(
            {
                "design": shown["design"].map(look.label_of),
                "metric": shown["metric"].map(lambda m: BY_NAME[m].label),
                "runs": [f"{r.n} vs {r.n_reference}" for r in shown.itertuples()],
                "difference of medians [95% CI]": [
                    fmt_ci(
                        r.median_difference,
                        r.diff_ci_low,
                        r.diff_ci_high,
                        count=is_count(finals[r.metric]),
                    )
                    for r in shown.itertuples()
                ],
                "A": shown["A"].map(fmt_na),
                "Cliff's delta": shown["cliffs_delta"].map(fmt_na),
                "size": shown["magnitude"],
                "p": shown["p"].map(lambda p: fmt_p(p, "n/a")),
                "p (Holm)": shown["p_holm"].map(lambda p: fmt_p(p, "n/a")),
            }
        ),
        digits=2,
    )
    report.text(
        "runs: the baseline's completed runs vs the reference's. Difference of medians: the "
        "baseline's median minus the reference's (baseline - reference), in the metric's "
        "units: negative means the baseline's median is lower, whichever direction is better; "
        f"[n/a]: fewer than {stats.MIN_RUNS} runs on one side, too few for a 95% interval. "
        "A is the chance that a run of the baseline ends better than a run of the reference "
        "(ties count half; 'better' follows each metric's direction, so for dropouts and the "
        "claims gap lower is better): 0.5 is no difference, below 0.5 the reference does better. "
        "Cliff's delta = 2A - 1. Sizes follow Vargha and Delaney (|A - 0.5| < 0.06 negligible, "
        "< 0.14 small, < 0.21 medium, else large). p: two-sided Mann-Whitney U test; Holm's "
        f"correction is over all {len(eff)} tests in `effects.csv` "
        f"({len(eff['metric'].unique())} metrics x {len(eff['design'].unique())} baselines). "
        "Intervals: percentile bootstrap, "
        f"{stats.N_RESAMPLES} resamples, seeded."
    )
    if tables.get("fair") is not None:
        fair.write_section(report, tables["fair"], tables["fair_resources"])
    report.heading("Number of runs")
    rep = tables["replications"]
    report.table(
        pd.DataFrame(
            {
                "design": rep["design"].map(look.label_of),
                "metric": rep["metric"],
                f"runs needed (CV change < {settings['cv_tolerance']})": rep[
                    "replications_needed"
                ].astype("Int64"),
                "CV at all runs": rep["cv_at_all_runs"],
            }
        )
    )
    report.text(
        "Coefficient-of-variation stability (Lorscheid, Heine and Meyer 2012): the CV "
        "of each metric over the first n runs, in seed order; the number of runs after "
        "which adding one more changes it by less than the tolerance. '-' means it had "
        "not settled, or the mean is 0."
    )
    report.heading("Files")
    report.bullets(
        [
            "`table.csv`: median and 95% interval per design and metric (`note`: why "
            "an interval is missing)",
            "`effects.csv`: every baseline against the reference, every headline metric",
            "`replications.csv`: CV stability per design",
            *(
                [
                    "`fair.csv`: each baseline's gap to the reference split into resources and "
                    "spending, per metric, reading and part (both orderings), with intervals; "
                    "`fair_resources.csv`: each design's week-0 budget and capacity; "
                    "`fair_points.csv`: the settings of the runs at another's resources",
                ]
                if tables.get("fair") is not None
                else []
            ),
            "`tidy.parquet`: one row per run and week; `runs.csv`: final week per run",
            "`provenance.json`: command, seeds, settings, code version (and whether "
            "it had uncommitted changes), packages, time taken",
            "`figures/`: each figure as PNG and SVG",
            "`runs/`: every run's own record (`python -m sim`'s sweep folder; "
            "`runs/fair/`, the runs at another's resources)",
        ]
    )
    if provenance is not None:
        report.reproduce(provenance)
    if runs is not None:
        sweep.report_failures(report, runs)
    return report.write()


def run(
    experiment: sweep.Experiment,
    out: Path | str | None = None,
    *,
    name: str = "compare",
    title: str = "Comparing partnership designs",
    argv: Sequence[str] | None = None,
    no_fair: bool = False,
) -> Path:
    """Run the comparison's sweep into `out`/runs (default results/<name>-<time>), and unless
    `no_fair` the runs at equal resources into `out`/runs/fair (experiments.fair), analyse
    them, write the folder; returns the path of report.md. `argv`: the command line's
    arguments, stated in the report and provenance.json."""
    provenance = Provenance(experiment, argv=argv, module=f"experiments.{name}")
    settings = experiment.analysis
    designs = experiment.varied().get("scenario", [])
    if len(designs) < 2 or settings["reference"] not in designs:
        raise sweep.UsageError(
            f"analysis.reference={settings['reference']!r} ({experiment.where} or the command "
            f"line) must be one of two or more designs the sweep runs; it runs "
            f"{', '.join(designs) or 'one design'}"
        )
    # every run at another's resources is built and checked before the first run starts
    plan = None if no_fair else fair.plan(experiment, settings["reference"], designs)
    folder = sweep.output_folder(name, out)
    if plan is not None:
        fair.check(experiment, plan, fair.write_points(plan, folder / fair.POINTS))
    runs = sweep.execute(experiment, folder / "runs")
    tidy = runs.tidy
    if settings["reference"] not in set(tidy["design"]):
        raise sweep.UsageError(
            f"analysis.reference={settings['reference']!r} "
            f"({experiment.where}) has no completed runs: the designs run "
            f"are {', '.join(sorted(set(tidy['design'])))}"
        )
    save_tables(folder, tidy)
    ran = [*tidy["design"], *runs.failed["design"].dropna()]  # a design whose runs all failed too
    tables = analyse(tidy, settings, list(dict.fromkeys(ran)))
    tables["table"].to_csv(folder / "table.csv", index=False)
    tables["effects"].to_csv(folder / "effects.csv", index=False)
    tables["replications"].to_csv(folder / "replications.csv", index=False)
    sweeps = [runs]
    if plan is not None:
        fair_runs = fair.execute(experiment, folder, plan)
        sweeps += [fair_runs] if fair_runs is not None else []
        metrics = settings["fair_metrics"]
        values = fair.outcomes(plan, tidy, fair_runs.tidy if fair_runs else None, metrics)
        seeds = sorted(set(tidy["seed"]) | set(runs.failed["seed"].dropna()))
        tables["fair"] = fair.analyse(plan, values, metrics, seeds, seed=settings["bootstrap_seed"])
        tables["fair_resources"] = fair.resources_table(plan)
        tables["fair"].to_csv(folder / fair.TABLE, index=False)
        tables["fair_resources"].to_csv(folder / fair.RESOURCES, index=False)
    record = provenance.finish(sweeps)
    path = write_report(
        folder,
        tidy,
        tables,
        settings,
        seconds=record["seconds"],
        title=title,
        runs=sweeps,
        changed=experiment.changed(),
        provenance=record,
    )
    provenance.write(folder)
    return path


def main(
    argv: Sequence[str] | None = None,
    *,
    name: str = "compare",
    title: str = "Comparing partnership designs",
) -> Path:
    argv = sys.argv[1:] if argv is None else list(argv)
    return sweep.command(
        name,
        __doc__,
        SETTINGS,
        run,
        argv,
        experiment="compare",
        flags=FLAGS,
        name=name,
        title=title,
        argv=argv,
    )


if __name__ == "__main__":
    main()
