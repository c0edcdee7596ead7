"""ablation: the Impact Partnership with one ingredient removed at a time (each knob set to 0).

The variants are the rows of configs/experiment/ablation.csv, a points table run by
configs/experiment/ablation.yaml's sweep (`point` x `seed`); each row's `label` names its
variant. Writes a forest plot of each removal's effect on final progress and systems change
(against the full design, with 95% bootstrap intervals), `effects.csv`
(with Vargha-Delaney A, Cliff's delta and Holm-corrected Mann-Whitney p), the tidy table and
`report.md`, whose path it prints. It also says *when* each ingredient matters: the paired
difference week by week (`timeline.csv`, a figure, and per variant the first week from which
the removal costs progress, or systems change, to the end of the run). Every variant uses the
same seeds as the full design, and each mechanism draws from its own random stream, so a
removal changes only what it must: the runs are paired by seed, and the forest plot, the
reading, the first columns of the effects table and the week-by-week figure and table are the
paired analysis (median of the per-seed differences, an interval that resamples seeds,
Wilcoxon's signed-rank test), with the unpaired statistics beside it in the CSV files and the
effects table. A variant with fewer than `stats.MIN_RUNS` runs (or pairs) has
no interval, n/a in the report.

    python -m experiments.ablation [--out DIR] [--quick] [--jobs N] [--seeds N] [overrides...]
"""

from __future__ import annotations

import numbers
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.kit import plots, stats, sweep
from experiments.kit.gather import column_name
from experiments.kit.report import (
    MODEL_CAVEAT,
    Provenance,
    Report,
    fmt_ci,
    fmt_na,
    fmt_p,
    is_count,
    sample_notice,
    save_tables,
)
from sim.metrics import BY_NAME
from sim.params import Params, shown
from sim.scenarios import resolve

# The settings of configs/experiment/ablation.yaml's analysis block, and what each takes.
SETTINGS = {
    "reference": sweep.TEXT,  # and the label of a row the sweep runs (checked in run)
    "metrics": sweep.METRICS,  # and each one of effect_metrics (check_settings)
    "effect_metrics": sweep.METRICS,
    "alpha": sweep.ALPHA,
    "bootstrap_seed": sweep.SEED,
    "timeline_weeks": sweep.Rule(
        "a list of whole weeks, each at least 1, such as [13, 26, 52, 104] (the last week is "
        "always added)",
        lambda v: isinstance(v, list) and all(sweep.whole(1).ok(w) for w in v),
    ),
    "timeline_min_effect": sweep.number(
        0,
        1,
        high_open=True,
        meaning="the smallest paired difference (median over seeds of "
        "variant - full design), in the metric's units, that counts as a cost, such as 0.01",
    ),
}
# The paired statistic of stats.effects_over_time(..., pair_by="seed"), which the week-by-week
# part reads: median over seeds of (variant - full design) and its band resampling seeds.
PAIRED = ("paired_difference", "paired_ci_low", "paired_ci_high")
INTERACTIONS = (
    "A removal without a detectable effect on its own may still matter together "
    "with another: this design removes one ingredient at a time, so it cannot see "
    "interactions (the sensitivity experiment can)."
)


def check_settings(experiment: sweep.Experiment) -> None:
    """Stop before anything runs on settings that do not go together (each value on its own
    is checked against SETTINGS by sweep.prepare)."""
    plotted, measured = experiment.analysis["metrics"], experiment.analysis["effect_metrics"]
    extra = [m for m in plotted if m not in measured]
    if extra:
        raise sweep.UsageError(
            f"analysis.metrics={shown(plotted)} ({experiment.where} or the command line) names "
            f"{', '.join(extra)}, which analysis.effect_metrics={shown(measured)} does not: "
            "each metric plotted must be one whose effects are measured"
        )


def variants(tidy: pd.DataFrame) -> pd.DataFrame:
    """The tidy table with each run's variant: its points row's label (`variant`)."""
    if "label" not in tidy:
        raise sweep.UsageError(
            "the ablation's runs carry no label: its points table "
            "(configs/experiment/ablation.csv) needs a label column"
        )
    return tidy.rename(columns={"label": "variant"})


def changes(finals: pd.DataFrame, reference: str) -> dict[str, str]:
    """What each variant changes against the reference, from the runs' parameter columns:
    {variant: "orchestration 0.9 -> 0"}."""
    names = {column_name(name) for name in Params.names()}  # members_<sector>: a metric too
    columns = [c for c in finals if c in names]
    ref = finals[finals["variant"] == reference].iloc[0]
    found = {}
    for variant, runs in finals.groupby("variant", sort=False):
        row = runs.iloc[0]
        diff = [
            f"{c.removeprefix('param_')} {ref[c]:g} -> {row[c]:g}"
            for c in columns
            if _number(row[c]) and _number(ref[c]) and row[c] != ref[c]
        ]
        found[variant] = ", ".join(diff) or "nothing"
    return found


def _number(value: Any) -> bool:
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, (bool, np.bool_))
        and not pd.isna(value)
    )


def setup_weeks(tidy: pd.DataFrame, reference: str) -> int:
    """The reference runs' set-up weeks (`design_phase_weeks`): their parameter column when the
    runs set it (a points table or the command line), else their design's scenario value."""
    runs = tidy[tidy["variant"] == reference]
    column = column_name("design_phase_weeks")
    if column in runs and runs[column].notna().any():
        return int(runs[column].dropna().iloc[0])
    return resolve(runs["design"].iloc[0]).design_phase_weeks


def analyse(
    tidy: pd.DataFrame, settings: dict[str, Any], variants: Sequence[str] | None = None
) -> dict[str, pd.DataFrame]:
    """The ablation's tables: each variant against the reference, paired by seed and unpaired,
    at the last week (`effects`) and week by week (`timeline`). `variants`: those the sweep
    ran, so one whose every run failed still has its rows (n 0)."""
    finals = stats.final_week(tidy)
    seed, few = settings["bootstrap_seed"], stats.MIN_RUNS
    effects = stats.effects_against(
        finals,
        settings["reference"],
        settings["effect_metrics"],
        by="variant",
        seed=seed,
        min_runs=few,
        groups=variants,
        pair_by="seed",
    )
    summary = stats.summary_table(
        finals, settings["effect_metrics"], by="variant", seed=seed, min_runs=few, groups=variants
    )
    timeline = pd.concat(
        [
            stats.effects_over_time(
                tidy,
                settings["reference"],
                metric,
                by="variant",
                seed=seed,
                min_runs=few,
                pair_by="seed",
            )
            for metric in settings["metrics"]
        ],
        ignore_index=True,
    )
    return {"finals": finals, "effects": effects, "summary": summary, "timeline": timeline}


def detectable(effects: pd.DataFrame, alpha: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(removals that make the metric worse, removals that make it better) by the paired
    analysis: Wilcoxon's Holm-adjusted p below `alpha`, the side from the median of the
    per-seed differences (oriented by the metric's direction; its mean where the median is 0,
    as it can be when most seeds are unchanged)."""
    found = effects[effects["p_wilcoxon_holm"] < alpha]
    shift = found["paired_difference"].where(found["paired_difference"] != 0, found["paired_mean"])
    shift = shift * np.where(found["better"] == "lower", -1.0, 1.0)
    return found[shift < 0], found[shift > 0]


def lasting(timeline: pd.DataFrame, metric: str, min_effect: float = 0.0) -> pd.DataFrame:
    """Per variant, when its removal costs or helps `metric`, by the paired statistic
    (`PAIRED`): the first week from which the 95% band stays on the worse (`costs_from`) or
    better (`helps_from`) side of 0, with the median over seeds of (variant - full design) at
    least `min_effect` in size, to the end of the run, and the first and last week that held at
    all (`costs_first`, `costs_last`), which shows a cost that passes. NaN: never. "Worse"
    follows the metric's direction (`better` in sim.metrics)."""
    estimate, low, high = PAIRED
    rows = []
    for variant, line in timeline[timeline["metric"] == metric].groupby("variant", sort=False):
        size = line[estimate].abs() >= min_effect
        below, above = (line[high] < 0) & size, (line[low] > 0) & size
        costs, helps = (above, below) if stats.better_of(metric) == "lower" else (below, above)
        hit = line.loc[costs, "week"]
        rows.append(
            {
                "variant": variant,
                "metric": metric,
                "costs_from": stats.holds_from(line["week"], costs),
                "helps_from": stats.holds_from(line["week"], helps),
                "costs_first": hit.min() if len(hit) else None,
                "costs_last": hit.max() if len(hit) else None,
            }
        )
    return pd.DataFrame(rows).astype(
        {c: "Float64" for c in ("costs_from", "helps_from", "costs_first", "costs_last")}
    )


def timeline_table(
    timeline: pd.DataFrame, metric: str, weeks: Sequence[int], min_effect: float = 0.0
) -> pd.DataFrame:
    """The report's table: per variant, the paired effect on `metric` (`PAIRED`) at `weeks`
    (those the runs reached) and the last week, and the first week from which it costs or helps
    to the end."""
    part = timeline[timeline["metric"] == metric]
    recorded = set(part["week"].astype(int))
    last = max(recorded)
    columns = sorted({w for w in weeks if w in recorded} | {last})
    label = BY_NAME[metric].label.lower()
    onsets = lasting(timeline, metric, min_effect).set_index("variant")
    rows = []
    for variant, line in part.groupby("variant", sort=False):
        line = line.set_index(line["week"].astype(int))
        row = {"variant": variant}
        for week in columns:
            r = line.loc[week]
            row[f"week {week}"] = fmt_ci(*(r[c] for c in PAIRED))
        for column, key in (
            (f"first week it costs {label}", "costs_from"),
            (f"first week it helps {label}", "helps_from"),
        ):
            week = onsets.loc[variant, key]
            row[column] = "never" if pd.isna(week) else str(int(week))
        rows.append(row)
    return pd.DataFrame(rows)


def _reading(effects: pd.DataFrame, summary: pd.DataFrame, settings: dict[str, Any]) -> list[str]:
    """Per plotted metric: the full design's median, and which removals change it, by the
    paired analysis (`detectable`), largest change first."""
    alpha, lines = settings["alpha"], []
    for metric in settings["metrics"]:
        label = BY_NAME[metric].label.lower()
        full = summary[
            (summary["variant"] == settings["reference"]) & (summary["metric"] == metric)
        ].iloc[0]
        eff = effects[effects["metric"] == metric].sort_values("paired_difference")
        worse, better = detectable(eff, alpha)
        lower = worse if stats.better_of(metric) != "lower" else better
        higher = better if stats.better_of(metric) != "lower" else worse
        text = (
            f"Full design: median final {label} "
            f"{fmt_ci(full['median'], full['ci_low'], full['ci_high'], 2)}. "
        )
        test = f"Wilcoxon signed-rank on seed pairs, Holm-adjusted p < {alpha}"
        if len(lower):
            drops = ", ".join(
                f"{r.variant} ({r.paired_difference:+.2f})" for r in lower.itertuples()
            )
            text += f"Removing these lowers it ({test}), largest drop first: {drops}."
        else:
            text += f"No single removal lowers it detectably ({test})."
        if len(higher):
            text += (
                " Removing these raises it: "
                + ", ".join(
                    f"{r.variant} ({r.paired_difference:+.2f})" for r in higher[::-1].itertuples()
                )
                + "."
            )
        rest = eff[~(eff["p_wilcoxon_holm"] < alpha)]
        if len(rest):
            text += (
                " No detectable effect: "
                + ", ".join(
                    r.variant + ("" if r.pairs else " (no seed pairs)") for r in rest.itertuples()
                )
                + "."
            )
        lines.append(text)
    floor = wilcoxon_floor(effects)
    if floor is not None and floor[2] >= alpha:
        pairs, smallest, adjusted = floor
        lines.append(
            f"With {pairs} seed pairs the smallest two-sided Wilcoxon p there is, "
            f"{smallest:.3g} (every pair on one side), becomes {adjusted:.2g} after "
            f"Holm's correction over the {len(effects)} tests: no removal can pass "
            f"p < {alpha} with so few seeds, whatever its size; run more seeds."
        )
    return lines


def wilcoxon_floor(effects: pd.DataFrame) -> tuple[int, float, float] | None:
    """(most seed pairs of any row, the smallest two-sided exact Wilcoxon p they allow,
    2 / 2**pairs, and that p after Holm's correction over the table's tests); None without
    pairs. Below some number of seeds no effect can be detected at all: the report says so."""
    most = int(effects["pairs"].max()) if len(effects) else 0
    if most == 0:
        return None
    smallest = 2 / 2**most
    return most, smallest, min(1.0, smallest * effects["p_wilcoxon"].notna().sum())


def _timeline_reading(timeline: pd.DataFrame, settings: dict[str, Any], setup: int) -> list[str]:
    """When each removal starts to cost, from the week-by-week paired bands (`lasting`): in the
    set-up, after it, only in the second half of the run, for a while only, or never."""
    lines = []
    last = int(timeline["week"].max())
    for metric in settings["metrics"]:
        label = BY_NAME[metric].label.lower()
        onsets = lasting(timeline, metric, settings["timeline_min_effect"]).sort_values(
            "costs_from", kind="stable"
        )
        start = onsets["costs_from"]
        rule = (
            f"paired 95% band on the worse side of 0, median over seeds of the difference "
            f"at least {settings['timeline_min_effect']:g}"
        )
        part = timeline[timeline["metric"] == metric]
        if part["paired_ci_low"].isna().all():
            lines.append(
                f"When it matters for {label}: not told; no variant has the "
                f"{stats.MIN_RUNS} seed pairs a 95% band needs."
            )
            continue
        if start.notna().any():
            text = (
                f"When it matters for {label}: removing the ingredient costs it from the "
                f"week given to the end of the run ({rule})."
            )
        else:
            text = (
                f"When it matters for {label}: no removal costs it to the end of the run ({rule})."
            )
        for name, chosen in (
            (f"Already in the set-up (weeks 1-{setup})", start <= setup),
            ("After the set-up", (start > setup) & (start <= last / 2)),
            (f"Only late, in the second half of the {last} weeks", start > last / 2),
        ):
            chosen = chosen.fillna(False).astype(bool)
            if chosen.any():
                text += (
                    f" {name}: "
                    + ", ".join(
                        f"{r.variant} (week {int(r.costs_from)})"
                        for r in onsets[chosen].itertuples()
                    )
                    + "."
                )
        passing = onsets[onsets["costs_first"].notna() & start.isna()]
        if len(passing):
            text += (
                " For a while only: "
                + ", ".join(
                    f"{r.variant} (at times in weeks {int(r.costs_first)}-{int(r.costs_last)})"
                    for r in passing.itertuples()
                )
                + "."
            )
        never = onsets[onsets["costs_first"].isna()]
        if len(never) and start.notna().any():
            text += " Never: " + ", ".join(never["variant"]) + "."
        helps = onsets.dropna(subset=["helps_from"]).sort_values("helps_from", kind="stable")
        if len(helps):
            text += (
                " Removing these raises it from the week given to the end: "
                + ", ".join(f"{r.variant} (week {int(r.helps_from)})" for r in helps.itertuples())
                + "."
            )
        lines.append(text)
    return lines


def write_report(
    folder: Path,
    tidy: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    settings: dict[str, Any],
    *,
    seconds: float,
    runs: sweep.Sweep,
    changed: Sequence[str] = (),
    provenance: dict[str, Any] | None = None,
) -> Path:
    """report.md. `provenance`: the `Provenance` record (provenance.json's), for the notice
    under the title and "How to reproduce"; `seconds` is its `seconds` when given."""
    effects, summary = tables["effects"], tables["summary"]
    finals = tables["finals"]
    runs_per_variant = summary.groupby("variant", sort=False)["n"].max()
    n_seeds, most = int(runs_per_variant.min()), int(runs_per_variant.max())
    designs = ", ".join(f"`{d}`" for d in sorted(finals["design"].unique()))
    record = provenance or {}
    seconds = record.get("seconds", seconds)
    notice = sample_notice(
        runs_per_variant,
        quick=bool(record.get("quick")),
        recommended=record.get("seeds_in_file"),
        unit="variant",
    )
    report = Report(
        folder, "Ablation: the Impact Partnership with one ingredient removed", changed, notice
    )
    changed = changes(finals, settings["reference"])
    pairs = effects.groupby("variant", sort=False)["pairs"].max().agg(["min", "max"])
    seeds = f"{n_seeds}" if n_seeds == most else f"{n_seeds} to {most}"
    paired = (
        f"{pairs['min']:.0f}"
        if pairs["min"] == pairs["max"]
        else f"{pairs['min']:.0f} to {pairs['max']:.0f}"
    )
    report.text(
        f"Design {designs}, against its variants (the rows of the points table): "
        + "; ".join(f"*{v}*: {c}" for v, c in changed.items() if v != settings["reference"])
        + f". {len(runs_per_variant)} variants x {seeds} seeds, {int(tidy['week'].max())} "
        f"weeks ({len(finals)} runs, {seconds:.0f} s). All variants run the same seeds, so "
        f"each run of a variant is paired with the full design's run of its seed: {paired} "
        "pairs per variant (a seed that failed on either side has no pair)."
    )
    timeline = tables["timeline"]
    setup = setup_weeks(tidy, settings["reference"])
    report.heading("Reading")
    report.bullets(
        [
            *_reading(effects, summary, settings),
            *_timeline_reading(timeline, settings, setup),
            INTERACTIONS,
        ]
    )
    report.text(MODEL_CAVEAT)
    report.heading("Forest plot")
    forest = effects[effects["metric"].isin(settings["metrics"])]
    report.figure(
        plots.forest(
            forest,
            label="variant",
            metrics=settings["metrics"],
            estimate="paired_difference",
            low="paired_ci_low",
            high="paired_ci_high",
            xlabel="median over seeds of (variant - full design)",
        ),
        "forest",
        "Effect of each removal on final values: median over seeds of the "
        "variant's run minus the full design's run of the same seed, 95% bootstrap "
        "interval resampling seeds (none from fewer than "
        f"{stats.MIN_RUNS} pairs)",
    )
    report.heading("Effects")
    count = {m: is_count(finals[m]) for m in effects["metric"].unique()}

    def cell(estimate: float, low: float, high: float, metric: str) -> str:
        return fmt_ci(estimate, low, high, count=count[metric])

    report.table(
        pd.DataFrame(
            {
                "variant": effects["variant"],
                "metric": effects["metric"].map(lambda m: BY_NAME[m].label),
                "pairs": effects["pairs"],
                "paired difference [95% CI]": [
                    cell(r.paired_difference, r.paired_ci_low, r.paired_ci_high, r.metric)
                    for r in effects.itertuples()
                ],
                "p Wilcoxon (Holm)": effects["p_wilcoxon_holm"].map(lambda p: fmt_p(p, "n/a")),
                "difference of medians [95% CI]": [
                    cell(r.median_difference, r.diff_ci_low, r.diff_ci_high, r.metric)
                    for r in effects.itertuples()
                ],
                "A": effects["A"].map(fmt_na),
                "size": effects["magnitude"],
                "p Mann-Whitney (Holm)": effects["p_holm"].map(lambda p: fmt_p(p, "n/a")),
            }
        ),
        digits=2,
    )
    report.text(
        "Paired (the design's analysis: the variants share seeds). pairs: seeds run by both the "
        "variant and the full design. Paired difference: the median over those seeds of the "
        "variant's final value minus the full design's (variant - full design, in the metric's "
        "units: negative means lower without the ingredient, whichever direction is better), "
        "with a percentile-bootstrap interval that resamples seeds. p Wilcoxon: two-sided "
        "Wilcoxon signed-rank test of the per-seed differences (seeds with no difference left "
        f"out), Holm-corrected over all {len(effects)} tests. "
        "Unpaired, beside it: difference of medians, the variant's median minus the full "
        "design's, each group resampled on its own; A, "
        "the chance that a run without the ingredient ends better than a run of the full design "
        "(0.5: no difference; 'better' follows each metric's direction; size by Vargha and "
        "Delaney); p Mann-Whitney, two-sided, Holm-corrected over the same tests. Intervals: "
        f"{stats.N_RESAMPLES} resamples, seeded; [n/a]: fewer than {stats.MIN_RUNS} runs "
        "(or pairs), too few for a 95% interval; n/a alone: no runs. `effects.csv` has every "
        "column, with `note` and `paired_note` saying why a number is missing."
    )
    report.heading("When each ingredient matters")
    report.figure(
        plots.effect_timeline(
            timeline, label="variant", metrics=settings["metrics"], setup_weeks=setup, paired=True
        ),
        "timeline",
        "Effect of each removal week by week: median over seeds of the "
        "variant's run minus the full design's run of the same seed, 95% bootstrap "
        f"band resampling seeds (none from fewer than {stats.MIN_RUNS} pairs); "
        f"shaded: the full design's set-up weeks (1-{setup})",
    )
    report.text(
        "The paired difference of the effects table, at every week: the median over seeds of "
        "the variant's value minus the full design's value for the same seed, with a "
        "percentile-bootstrap band that resamples seeds; where a line leaves 0 is when the "
        f"missing ingredient starts to show. No band from fewer than {stats.MIN_RUNS} pairs. "
        "'First week it costs': the first week from which the 95% band stays entirely on the "
        "worse side of 0 and the paired difference is at least "
        f"{settings['timeline_min_effect']:g} (`analysis.timeline_min_effect`, in the metric's "
        "units) to the end of the run (a cost that passes and returns counts only from its "
        "return); 'never': it does not stay there. 'Helps': the same on the better side. Bands "
        "are pointwise: each week on its own, not corrected for the many weeks. `timeline.csv` "
        "has both statistics per variant, metric and week: the paired one drawn here "
        "(`pairs`, `paired_difference`, `paired_ci_low`, `paired_ci_high`) and the unpaired "
        "difference of medians (`n`, `n_reference`, `median_difference`, `diff_ci_low`, "
        "`diff_ci_high`)."
    )
    for metric in settings["metrics"]:
        report.table(
            timeline_table(
                timeline, metric, settings["timeline_weeks"], settings["timeline_min_effect"]
            ),
            caption=f"{BY_NAME[metric].label}: paired difference against the full "
            "design (median over seeds of variant - full design) [95% CI] at "
            "the week given",
        )
    report.heading("Files")
    report.bullets(
        [
            "`effects.csv`, `summary.csv` (median and interval per variant)",
            "`timeline.csv` (per variant, metric and week: the paired difference and "
            "its 95% band, and the unpaired difference of medians and its band)",
            "`tidy.parquet`, `runs.csv`, `provenance.json`, `figures/`",
            "`runs/`: every run's own record (`python -m sim`'s sweep folder)",
        ]
    )
    if provenance is not None:
        report.reproduce(provenance)
    sweep.report_failures(report, runs)
    return report.write()


def run(
    experiment: sweep.Experiment,
    out: Path | str | None = None,
    *,
    argv: Sequence[str] | None = None,
) -> Path:
    """Run the ablation's sweep into `out`/runs (default results/ablation-<time>),
    analyse it, write the folder; returns the path of report.md. `argv`: the command line's
    arguments, stated in the report and provenance.json."""
    provenance = Provenance(experiment, argv=argv, module="experiments.ablation")
    settings = experiment.analysis
    labels = experiment.labels()
    if settings["reference"] not in labels.values():
        raise sweep.UsageError(
            f"analysis.reference={settings['reference']!r} ({experiment.where} or the command "
            f"line) is not the label of a row the sweep runs; they are "
            f"{', '.join(map(repr, labels.values())) or 'none (no points table)'}"
        )
    check_settings(experiment)
    folder = sweep.output_folder("ablation", out)
    runs = sweep.execute(experiment, folder / "runs")
    tidy = variants(runs.tidy)
    if settings["reference"] not in set(tidy["variant"]):
        raise sweep.UsageError(
            f"analysis.reference={settings['reference']!r} ({experiment.where}) is not the "
            f"label of a completed variant; the variants run are "
            f"{', '.join(map(repr, tidy['variant'].unique()))}"
        )
    save_tables(folder, tidy)
    tables = analyse(tidy, settings, list(dict.fromkeys(labels.values())))
    tables["effects"].to_csv(folder / "effects.csv", index=False)
    tables["summary"].to_csv(folder / "summary.csv", index=False)
    tables["timeline"].to_csv(folder / "timeline.csv", index=False)
    record = provenance.finish(runs)
    path = write_report(
        folder,
        tidy,
        tables,
        settings,
        seconds=record["seconds"],
        runs=runs,
        changed=experiment.changed(),
        provenance=record,
    )
    provenance.write(folder)
    return path


def main(argv: Sequence[str] | None = None) -> Path:
    argv = sys.argv[1:] if argv is None else list(argv)
    return sweep.command("ablation", __doc__, SETTINGS, run, argv, argv=argv)


if __name__ == "__main__":
    main()
