"""ablation: the Impact Partnership with one ingredient removed at a time (each knob set to 0).

The variants are the rows of configs/experiment/ablation.csv, a points table run by
configs/experiment/ablation.yaml's sweep (`point` x `seed`); each row's `label` names its
variant. Writes a forest plot of each removal's effect on final progress and systems change
(difference of medians against the full design, with 95% bootstrap intervals), `effects.csv`
(with Vargha-Delaney A, Cliff's delta and Holm-corrected Mann-Whitney p), the tidy table and
`report.md`, whose path it prints. Every variant uses the same seeds as the full design, and
each mechanism draws from its own random stream, so a removal changes only what it must.

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
from sim.params import Params

from . import plots, stats, sweep
from .collect import column_name
from .report import MODEL_CAVEAT, Report, fmt_ci, fmt_p, save_tables, write_provenance

# The settings of configs/experiment/ablation.yaml's analysis block.
SETTINGS = ("reference", "metrics", "effect_metrics", "alpha", "bootstrap_seed")


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


def analyse(tidy: pd.DataFrame, settings: dict[str, Any]) -> dict[str, pd.DataFrame]:
    finals = stats.final_week(tidy)
    effects = stats.effects_against(finals, settings["reference"], settings["effect_metrics"],
                                    by="variant", seed=settings["bootstrap_seed"])
    summary = stats.summary_table(finals, settings["effect_metrics"], by="variant",
                                  seed=settings["bootstrap_seed"])
    return {"finals": finals, "effects": effects, "summary": summary}


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
    lines.append("A removal without a detectable effect on its own may still matter together "
                 "with another: this design removes one ingredient at a time, so it cannot see "
                 "interactions (the sensitivity experiment can).")
    return lines


def write_report(folder: Path, tidy: pd.DataFrame, tables: dict[str, pd.DataFrame],
                 settings: dict[str, Any], *, seconds: float, runs: sweep.Sweep) -> Path:
    effects, summary = tables["effects"], tables["summary"]
    finals = tables["finals"]
    n_seeds = int(finals.groupby("variant").size().min())
    designs = ", ".join(f"`{d}`" for d in sorted(finals["design"].unique()))
    report = Report(folder, "Ablation: the Impact Partnership with one ingredient removed")
    changed = changes(finals, settings["reference"])
    report.text(
        f"Design {designs}, against its variants (the rows of the points table): "
        + "; ".join(f"*{v}*: {c}" for v, c in changed.items() if v != settings["reference"])
        + f". {len(changed)} variants x {n_seeds} seeds, {int(tidy['week'].max())} weeks "
        f"({len(finals)} runs, {seconds:.0f} s). All variants share seeds.")
    report.heading("Reading")
    report.bullets(_reading(effects, summary, settings))
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
    report.heading("Files")
    report.bullets(["`effects.csv`, `summary.csv` (median and interval per variant)",
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
    path = write_report(folder, tidy, tables, settings, seconds=time.perf_counter() - started,
                        runs=runs)
    write_provenance(folder, experiment, runs, seconds=time.perf_counter() - started)
    return path


def main(argv: Sequence[str] | None = None) -> Path:
    return sweep.command("ablation", __doc__, SETTINGS, run, argv)


if __name__ == "__main__":
    main()
