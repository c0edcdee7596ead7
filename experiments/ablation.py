"""ablation: the Impact Partnership with one ingredient removed at a time (each knob set to 0).

The variants are the rows of configs/experiment/ablation.csv, a points table run by
configs/experiment/ablation.yaml's sweep (`point` x `seed`); each row's `label` names its
variant. Writes a forest plot of each removal's effect on final progress and systems change
(difference of medians against the full design, with 95% bootstrap intervals), `effects.csv`
(with Vargha-Delaney A, Cliff's delta and Holm-corrected Mann-Whitney p), the tidy table and
`report.md`, whose path it prints. It also says *when* each ingredient matters: the same
difference of medians week by week (`timeline.csv`, a figure, and per variant the first week
from which the removal costs progress, or systems change, to the end of the run). Every variant uses the same
seeds as the full design, and each mechanism draws from its own random stream, so a removal
changes only what it must.

    python -m experiments.ablation [--out DIR] [--quick] [--jobs N] [--seeds N] [overrides...]
"""

from __future__ import annotations

import numbers
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.metrics import BY_NAME
from sim.params import Params, shown
from sim.scenarios import resolve

from . import plots, stats, sweep
from .collect import column_name
from .report import MODEL_CAVEAT, Report, fmt_ci, fmt_p, save_tables, write_provenance

# The settings of configs/experiment/ablation.yaml's analysis block, and what each takes.
SETTINGS = {
    "reference": sweep.TEXT,  # and the label of a row the sweep runs (checked in run)
    "metrics": sweep.METRICS,  # and each one of effect_metrics (check_settings)
    "effect_metrics": sweep.METRICS,
    "alpha": sweep.ALPHA,
    "bootstrap_seed": sweep.SEED,
    "timeline_weeks": sweep.Rule(
        "a list of whole weeks, each at least 1, such as [13, 26, 52, 104] (the last week is "
        "always added)", lambda v: isinstance(v, list) and all(
            sweep.whole(1).ok(w) for w in v)),
    "timeline_min_effect": sweep.number(
        0, 1, high_open=True, meaning="the smallest difference of medians, in the metric's "
        "units, that counts as a cost, such as 0.01"),
}
INTERACTIONS = ("A removal without a detectable effect on its own may still matter together "
                "with another: this design removes one ingredient at a time, so it cannot see "
                "interactions (the sensitivity experiment can).")


def check_settings(experiment: sweep.Experiment) -> None:
    """Stop before anything runs on settings that do not go together (each value on its own
    is checked against SETTINGS by sweep.prepare)."""
    plotted, measured = experiment.analysis["metrics"], experiment.analysis["effect_metrics"]
    extra = [m for m in plotted if m not in measured]
    if extra:
        raise sweep.UsageError(
            f"analysis.metrics={shown(plotted)} ({experiment.where} or the command line) names "
            f"{', '.join(extra)}, which analysis.effect_metrics={shown(measured)} does not: "
            "each metric plotted must be one whose effects are measured")


def variants(tidy: pd.DataFrame) -> pd.DataFrame:
    """The tidy table with each run's variant: its points row's label (`variant`)."""
    if "label" not in tidy:
        raise sweep.UsageError("the ablation's runs carry no label: its points table "
                               "(configs/experiment/ablation.csv) needs a label column")
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
        diff = [f"{c.removeprefix('param_')} {ref[c]:g} -> {row[c]:g}" for c in columns
                if _number(row[c]) and _number(ref[c]) and row[c] != ref[c]]
        found[variant] = ", ".join(diff) or "nothing"
    return found


def _number(value: Any) -> bool:
    return (isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
            and not pd.isna(value))


def setup_weeks(tidy: pd.DataFrame, reference: str) -> int:
    """The reference runs' set-up weeks (`design_phase_weeks`): their parameter column when the
    runs set it (a points table or the command line), else their design's scenario value."""
    runs = tidy[tidy["variant"] == reference]
    column = column_name("design_phase_weeks")
    if column in runs and runs[column].notna().any():
        return int(runs[column].dropna().iloc[0])
    return resolve(runs["design"].iloc[0]).design_phase_weeks


def analyse(tidy: pd.DataFrame, settings: dict[str, Any]) -> dict[str, pd.DataFrame]:
    finals = stats.final_week(tidy)
    effects = stats.effects_against(finals, settings["reference"], settings["effect_metrics"],
                                    by="variant", seed=settings["bootstrap_seed"])
    summary = stats.summary_table(finals, settings["effect_metrics"], by="variant",
                                  seed=settings["bootstrap_seed"])
    timeline = pd.concat([stats.effects_over_time(tidy, settings["reference"], metric,
                                                  by="variant", seed=settings["bootstrap_seed"])
                          for metric in settings["metrics"]], ignore_index=True)
    return {"finals": finals, "effects": effects, "summary": summary, "timeline": timeline}


def lasting(timeline: pd.DataFrame, metric: str, min_effect: float = 0.0) -> pd.DataFrame:
    """Per variant, when its removal costs or helps `metric`: the first week from which the 95%
    band stays on the worse (`costs_from`) or better (`helps_from`) side of 0, with the
    difference of medians at least `min_effect` in size, to the end of the run, and the first
    and last week that held at all (`costs_first`, `costs_last`), which shows a cost that
    passes. NaN: never. "Worse" follows the metric's direction (`better` in sim.metrics)."""
    rows = []
    for variant, line in timeline[timeline["metric"] == metric].groupby("variant", sort=False):
        size = line["median_difference"].abs() >= min_effect
        below, above = (line["diff_ci_high"] < 0) & size, (line["diff_ci_low"] > 0) & size
        costs, helps = (above, below) if stats.better_of(metric) == "lower" else (below, above)
        hit = line.loc[costs, "week"]
        rows.append({"variant": variant, "metric": metric,
                     "costs_from": stats.holds_from(line["week"], costs),
                     "helps_from": stats.holds_from(line["week"], helps),
                     "costs_first": hit.min() if len(hit) else None,
                     "costs_last": hit.max() if len(hit) else None})
    return pd.DataFrame(rows).astype({c: "Float64" for c in ("costs_from", "helps_from",
                                                             "costs_first", "costs_last")})


def timeline_table(timeline: pd.DataFrame, metric: str, weeks: Sequence[int],
                   min_effect: float = 0.0) -> pd.DataFrame:
    """The report's table: per variant, the effect on `metric` at `weeks` (those the runs
    reached) and the last week, and the first week from which it costs or helps to the end."""
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
            row[f"week {week}"] = fmt_ci(r["median_difference"], r["diff_ci_low"],
                                         r["diff_ci_high"])
        for column, key in ((f"first week it costs {label}", "costs_from"),
                            (f"first week it helps {label}", "helps_from")):
            week = onsets.loc[variant, key]
            row[column] = "never" if pd.isna(week) else str(int(week))
        rows.append(row)
    return pd.DataFrame(rows)


def _reading(effects: pd.DataFrame, summary: pd.DataFrame, settings: dict[str, Any]) -> list[str]:
    alpha, lines = settings["alpha"], []
    for metric in settings["metrics"]:
        label = BY_NAME[metric].label.lower()
        full = summary[(summary["variant"] == settings["reference"])
                       & (summary["metric"] == metric)].iloc[0]
        eff = effects[effects["metric"] == metric].sort_values("median_difference")
        hurts = eff[(eff["p_holm"] < alpha) & (eff["A"] < 0.5)]
        helps = eff[(eff["p_holm"] < alpha) & (eff["A"] > 0.5)]
        text = (f"Full design: median final {label} {full['median']:.2f} "
                f"[{full['ci_low']:.2f}, {full['ci_high']:.2f}]. ")
        if len(hurts):
            drops = ", ".join(f"{r.variant} ({r.median_difference:+.2f})"
                              for r in hurts.itertuples())
            text += f"Removing these lowers it (Holm-adjusted p < {alpha}), largest drop first: "
            text += drops + "."
        else:
            text += "No single removal lowers it detectably."
        if len(helps):
            text += " Removing these raises it: " + ", ".join(
                f"{r.variant} ({r.median_difference:+.2f})" for r in helps.itertuples()) + "."
        rest = eff[~(eff["p_holm"] < alpha)]
        if len(rest):
            text += " No detectable effect: " + ", ".join(rest["variant"]) + "."
        lines.append(text)
    return lines


def _timeline_reading(timeline: pd.DataFrame, settings: dict[str, Any],
                      setup: int) -> list[str]:
    """When each removal starts to cost, from the week-by-week bands: in the set-up, after it,
    only in the second half of the run, for a while only, or never."""
    lines = []
    last = int(timeline["week"].max())
    for metric in settings["metrics"]:
        label = BY_NAME[metric].label.lower()
        onsets = lasting(timeline, metric, settings["timeline_min_effect"]).sort_values(
            "costs_from", kind="stable")
        start = onsets["costs_from"]
        rule = (f"95% band on the worse side of 0, difference at least "
                f"{settings['timeline_min_effect']:g}")
        if start.notna().any():
            text = (f"When it matters for {label}: removing the ingredient costs it from the "
                    f"week given to the end of the run ({rule}).")
        else:
            text = (f"When it matters for {label}: no removal costs it to the end of the run "
                    f"({rule}).")
        for name, chosen in ((f"Already in the set-up (weeks 1-{setup})", start <= setup),
                             ("After the set-up", (start > setup) & (start <= last / 2)),
                             (f"Only late, in the second half of the {last} weeks",
                              start > last / 2)):
            chosen = chosen.fillna(False).astype(bool)
            if chosen.any():
                text += f" {name}: " + ", ".join(
                    f"{r.variant} (week {int(r.costs_from)})"
                    for r in onsets[chosen].itertuples()) + "."
        passing = onsets[onsets["costs_first"].notna() & start.isna()]
        if len(passing):
            text += " For a while only: " + ", ".join(
                f"{r.variant} (at times in weeks {int(r.costs_first)}-{int(r.costs_last)})"
                for r in passing.itertuples()) + "."
        never = onsets[onsets["costs_first"].isna()]
        if len(never) and start.notna().any():
            text += " Never: " + ", ".join(never["variant"]) + "."
        helps = onsets.dropna(subset=["helps_from"]).sort_values("helps_from", kind="stable")
        if len(helps):
            text += " Removing these raises it from the week given to the end: " + ", ".join(
                f"{r.variant} (week {int(r.helps_from)})" for r in helps.itertuples()) + "."
        lines.append(text)
    return lines


def write_report(folder: Path, tidy: pd.DataFrame, tables: dict[str, pd.DataFrame],
                 settings: dict[str, Any], *, seconds: float, runs: sweep.Sweep,
                 changed: Sequence[str] = ()) -> Path:
    effects, summary = tables["effects"], tables["summary"]
    finals = tables["finals"]
    n_seeds = int(finals.groupby("variant").size().min())
    designs = ", ".join(f"`{d}`" for d in sorted(finals["design"].unique()))
    report = Report(folder, "Ablation: the Impact Partnership with one ingredient removed",
                    changed)
    changed = changes(finals, settings["reference"])
    report.text(
        f"Design {designs}, against its variants (the rows of the points table): "
        + "; ".join(f"*{v}*: {c}" for v, c in changed.items() if v != settings["reference"])
        + f". {len(changed)} variants x {n_seeds} seeds, {int(tidy['week'].max())} weeks "
        f"({len(finals)} runs, {seconds:.0f} s). All variants share seeds.")
    timeline = tables["timeline"]
    setup = setup_weeks(tidy, settings["reference"])
    report.heading("Reading")
    report.bullets([*_reading(effects, summary, settings),
                    *_timeline_reading(timeline, settings, setup), INTERACTIONS])
    report.text(MODEL_CAVEAT)
    report.heading("Forest plot")
    forest = effects[effects["metric"].isin(settings["metrics"])]
    report.figure(plots.forest(forest, label="variant", metrics=settings["metrics"]),
                  "forest", "Effect of each removal on final values: difference of medians "
                  "against the full design, 95% bootstrap interval")
    report.heading("Effects")
    report.table(pd.DataFrame({
        "variant": effects["variant"],
        "metric": effects["metric"].map(lambda m: BY_NAME[m].label),
        "difference of medians [95% CI]": [fmt_ci(r.median_difference, r.diff_ci_low,
                                                  r.diff_ci_high) for r in effects.itertuples()],
        "A": effects["A"], "size": effects["magnitude"],
        "p (Holm)": effects["p_holm"].map(fmt_p)}), digits=2)
    report.text(
        "A: the chance that a run without the ingredient ends better than a run of the full "
        "design (0.5: no difference; 'better' follows each metric's direction). p: two-sided "
        f"Mann-Whitney, Holm-corrected over all {len(effects)} tests. Intervals: percentile "
        f"bootstrap, {stats.N_RESAMPLES} resamples, each group resampled on its own.")
    report.heading("When each ingredient matters")
    report.figure(plots.effect_timeline(timeline, label="variant", metrics=settings["metrics"],
                                        setup_weeks=setup),
                  "timeline", "Effect of each removal week by week: difference of medians "
                  "against the full design, 95% bootstrap band; shaded: the full design's "
                  f"set-up weeks (1-{setup})")
    report.text(
        "The same difference of medians as the forest plot, at every week: where a line leaves "
        "0 is when the missing ingredient starts to show. 'First week it costs': the first "
        "week from which the 95% band stays entirely on the worse side of 0 and the difference "
        f"is at least {settings['timeline_min_effect']:g} (`analysis.timeline_min_effect`, in "
        "the metric's units) to the end of the run (a cost that passes and returns counts only "
        "from its return); 'never': it does not stay there. 'Helps': the same on the better "
        "side. Bands are pointwise: each week on its own, not corrected for the many weeks.")
    for metric in settings["metrics"]:
        report.table(timeline_table(timeline, metric, settings["timeline_weeks"],
                                    settings["timeline_min_effect"]),
                     caption=f"{BY_NAME[metric].label}: difference of medians against the full "
                             "design [95% CI] at the week given")
    report.heading("Files")
    report.bullets(["`effects.csv`, `summary.csv` (median and interval per variant)",
                    "`timeline.csv` (difference of medians and 95% band per variant, metric "
                    "and week)",
                    "`tidy.parquet`, `runs.csv`, `provenance.json`, `figures/`",
                    "`runs/`: every run's own record (`python -m sim`'s sweep folder)"])
    sweep.report_failures(report, runs)
    return report.write()


def run(experiment: sweep.Experiment, out: Path | str | None = None) -> Path:
    """Run the ablation's sweep into `out`/runs (default results/ablation-<time>),
    analyse it, write the folder; returns the path of report.md."""
    started = time.perf_counter()
    settings = experiment.analysis
    labels = experiment.labels()
    if settings["reference"] not in labels.values():
        raise sweep.UsageError(
            f"analysis.reference={settings['reference']!r} ({experiment.where} or the command "
            f"line) is not the label of a row the sweep runs; they are "
            f"{', '.join(map(repr, labels.values())) or 'none (no points table)'}")
    check_settings(experiment)
    folder = sweep.output_folder("ablation", out)
    runs = sweep.execute(experiment, folder / "runs")
    tidy = variants(runs.tidy)
    if settings["reference"] not in set(tidy["variant"]):
        raise sweep.UsageError(
            f"analysis.reference={settings['reference']!r} ({experiment.where}) is not the "
            f"label of a completed variant; the variants run are "
            f"{', '.join(map(repr, tidy['variant'].unique()))}")
    save_tables(folder, tidy)
    tables = analyse(tidy, settings)
    tables["effects"].to_csv(folder / "effects.csv", index=False)
    tables["summary"].to_csv(folder / "summary.csv", index=False)
    tables["timeline"].to_csv(folder / "timeline.csv", index=False)
    path = write_report(folder, tidy, tables, settings, seconds=time.perf_counter() - started,
                        runs=runs, changed=experiment.changed())
    write_provenance(folder, experiment, runs, seconds=time.perf_counter() - started)
    return path


def main(argv: Sequence[str] | None = None) -> Path:
    return sweep.command("ablation", __doc__, SETTINGS, run, argv)


if __name__ == "__main__":
    main()
