"""ablation: the Impact Partnership with one ingredient removed at a time (each knob set to 0).

Writes a forest plot of each removal's effect on final progress and systems change (difference
of medians against the full design, with 95% bootstrap intervals), `effects.csv` (with
Vargha-Delaney A, Cliff's delta and Holm-corrected Mann-Whitney p), the tidy table and
`report.md`. Every variant uses the same seeds as the full design, and each mechanism draws
from its own random stream, so a removal changes only what it must.

    python -m experiments.ablation [--seeds 30] [--out DIR] [--jobs -1] [--quick]
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.metrics import BY_NAME
from sim.params import Params
from sim.scenarios import resolve

from . import plots, stats
from .report import MODEL_CAVEAT, Report, fmt_ci, fmt_p, save_tables, write_provenance
from .runner import Job, output_folder, parse_args, run_many, scenario_overrides, settings_from

# The experiment's parameters; these move to configs/experiment/ablation.yaml.
EXPERIMENT: dict[str, Any] = {
    "scenario": "impact_partnership",
    "knobs": Params.knobs(),  # each set to `removed_value` in turn
    "removed_value": 0.0,
    "seeds": 30,
    "steps": None,
    "metrics": ["progress", "systems_change"],  # forest plot panels
    "effect_metrics": ["progress", "systems_change", "engagement", "legitimacy", "dropouts"],
    "alpha": 0.05,
    "bootstrap_seed": 0,
}
QUICK: dict[str, Any] = {"seeds": 3, "steps": 30, "knobs": ["orchestration", "curation"]}
FULL = "full design"


def variant_name(knob: str) -> str:
    return f"no {knob.replace('_', ' ')}"


def build_jobs(settings: dict[str, Any]) -> list[Job]:
    scenario, overrides = settings["scenario"], scenario_overrides(settings)
    variants = {FULL: ("", {})}
    variants.update({variant_name(k): (k, {k: settings["removed_value"]})
                     for k in settings["knobs"]})
    return [Job(scenario, resolve(scenario, **overrides, **change), seed,
                {"variant": name, "knob": knob})
            for name, (knob, change) in variants.items() for seed in range(settings["seeds"])]


def analyse(tidy: pd.DataFrame, settings: dict[str, Any]) -> dict[str, pd.DataFrame]:
    finals = stats.final_week(tidy)
    effects = stats.effects_against(finals, FULL, settings["effect_metrics"], by="variant",
                                    seed=settings["bootstrap_seed"])
    summary = stats.summary_table(finals, settings["effect_metrics"], by="variant",
                                  seed=settings["bootstrap_seed"])
    return {"finals": finals, "effects": effects, "summary": summary}


def _reading(effects: pd.DataFrame, summary: pd.DataFrame, settings: dict[str, Any]) -> list[str]:
    alpha, lines = settings["alpha"], []
    for metric in settings["metrics"]:
        label = BY_NAME[metric].label.lower()
        full = summary[(summary["variant"] == FULL) & (summary["metric"] == metric)].iloc[0]
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
                 settings: dict[str, Any], *, seconds: float) -> Path:
    effects, summary = tables["effects"], tables["summary"]
    n_seeds = int(tables["finals"].groupby("variant").size().min())
    report = Report(folder, "Ablation: the Impact Partnership with one ingredient removed")
    report.text(
        f"Design `{settings['scenario']}`; each knob set to {settings['removed_value']:g} in turn; "
        f"{len(settings['knobs']) + 1} variants x {n_seeds} seeds, {int(tidy['week'].max())} "
        f"weeks ({len(tables['finals'])} runs, {seconds:.0f} s). All variants share seeds.")
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
                    "`tidy.parquet`, `runs.csv`, `provenance.json`, `figures/`"])
    return report.write()


def run(settings: dict[str, Any] | None = None, *, out: Path | str | None = None,
        n_jobs: int = -1) -> Path:
    settings = {**EXPERIMENT, **(settings or {})}
    folder = output_folder("ablation", out)
    started = time.perf_counter()
    jobs = build_jobs(settings)
    tidy = run_many(jobs, n_jobs, description=f"ablation: {len(jobs)} runs")
    failed = tidy.attrs.get("failed", [])
    save_tables(folder, tidy)
    tables = analyse(tidy, settings)
    tables["effects"].to_csv(folder / "effects.csv", index=False)
    tables["summary"].to_csv(folder / "summary.csv", index=False)
    path = write_report(folder, tidy, tables, settings, seconds=time.perf_counter() - started)
    write_provenance(folder, "ablation", settings, seconds=time.perf_counter() - started,
                     runs=len(jobs), failed=failed)
    return path


def main(argv: Sequence[str] | None = None) -> Path:
    args = parse_args("ablation", __doc__.splitlines()[0], argv, EXPERIMENT["seeds"])
    report = run(settings_from(args, EXPERIMENT, QUICK), out=args.out, n_jobs=args.jobs)
    print(report.parent)
    return report


if __name__ == "__main__":
    main()
