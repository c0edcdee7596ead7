"""sensitivity: global sensitivity of final progress and systems change to the knobs and key
constants (SALib): Morris screening over all of them, then Sobol on the most influential.

Writes `morris.csv` and `sobol.csv` (indices with 95% confidence intervals), bar charts of both,
the final values of every run and `report.md`. Each sample point is run with the same seeds
(common random numbers) and its output is the mean over those seeds, so the indices describe
the design's expected outcome rather than seed noise.

    python -m experiments.sensitivity [--seeds 2] [--out DIR] [--jobs -1] [--quick]
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from sim.metrics import BY_NAME
from sim.params import Params
from sim.scenarios import resolve

from . import plots
from .report import MODEL_CAVEAT, Report, md_table, write_provenance
from .runner import Job, output_folder, parse_args, run_many, scenario_overrides, settings_from

# The experiment's parameters; these move to configs/experiment/sensitivity.yaml.
EXPERIMENT: dict[str, Any] = {
    "scenario": "impact_partnership",  # factors not sampled keep this design's values
    "metrics": ["progress", "systems_change"],
    # factor: [low, high]. Knobs over their whole range; constants from about half to about
    # 1.7 times their default (an assumption: none has a measured range yet).
    "factors": {
        **{knob: [0.0, 1.0] for knob in Params.knobs()},
        "trust_gain": [0.01, 0.04],
        "trust_loss_ratio": [1.5, 5.0],
        "regeneration": [0.005, 0.02],
        "talk_per_member": [0.015, 0.05],
        "progress_rate": [0.015, 0.05],
    },
    "seeds": 2,  # replications per sample point, averaged
    "steps": None,
    "morris_trajectories": 20,
    "morris_levels": 4,
    "sobol_top": 4,  # factors passed from Morris to Sobol
    "sobol_samples": 128,  # Saltelli base sample N (a power of 2); N * (k + 2) points
    "num_resamples": 1000,  # bootstrap resamples for the confidence intervals
    "sampling_seed": 0,
}
QUICK: dict[str, Any] = {"seeds": 1, "steps": 30, "morris_trajectories": 2, "sobol_top": 2,
                         "sobol_samples": 4, "num_resamples": 100,
                         "factors": {"orchestration": [0.0, 1.0], "curation": [0.0, 1.0],
                                     "progress_rate": [0.015, 0.05]}}


def problem_of(factors: dict[str, Sequence[float]]) -> dict[str, Any]:
    return {"num_vars": len(factors), "names": list(factors),
            "bounds": [list(map(float, b)) for b in factors.values()]}


def evaluate(points: np.ndarray, names: Sequence[str], stage: str, settings: dict[str, Any],
             n_jobs: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run every sample point with every seed: (final values per run, mean per point)."""
    scenario, overrides = settings["scenario"], scenario_overrides(settings)
    jobs = [Job(scenario, resolve(scenario, **overrides,
                                  **{n: float(v) for n, v in zip(names, row, strict=True)}),
                seed, {"stage": stage, "point": i})
            for i, row in enumerate(points) for seed in range(settings["seeds"])]
    finals = run_many(jobs, n_jobs, final_only=True,
                      description=f"sensitivity {stage}: {len(jobs)} runs")
    means = finals.groupby("point")[settings["metrics"]].mean().sort_index()
    return finals, means


def morris(settings: dict[str, Any], n_jobs: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    problem = problem_of(settings["factors"])
    points = morris_sample.sample(problem, settings["morris_trajectories"],
                                  num_levels=settings["morris_levels"],
                                  seed=settings["sampling_seed"])
    finals, means = evaluate(points, problem["names"], "morris", settings, n_jobs)
    rows = []
    for metric in settings["metrics"]:
        result = morris_analyze.analyze(problem, points, means[metric].to_numpy(),
                                        num_resamples=settings["num_resamples"],
                                        num_levels=settings["morris_levels"],
                                        seed=settings["sampling_seed"])
        frame = result.to_df().rename_axis("parameter").reset_index()
        rows.append(frame.assign(metric=metric))
    return pd.concat(rows, ignore_index=True), finals


def most_influential(indices: pd.DataFrame, k: int) -> list[str]:
    """The k factors with the largest Morris mu* relative to the largest for each metric."""
    relative = indices.assign(
        rel=indices["mu_star"] / indices.groupby("metric")["mu_star"].transform("max")
        .replace(0, np.nan))
    ranking = relative.groupby("parameter")["rel"].max().fillna(0).sort_values(ascending=False)
    return list(ranking.index[:k])


def sobol(settings: dict[str, Any], factors: Sequence[str],
          n_jobs: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    problem = problem_of({f: settings["factors"][f] for f in factors})
    points = sobol_sample.sample(problem, settings["sobol_samples"], calc_second_order=False,
                                 seed=settings["sampling_seed"])
    finals, means = evaluate(points, problem["names"], "sobol", settings, n_jobs)
    rows = []
    for metric in settings["metrics"]:
        total, first = sobol_analyze.analyze(problem, means[metric].to_numpy(),
                                             calc_second_order=False,
                                             num_resamples=settings["num_resamples"],
                                             seed=settings["sampling_seed"]).to_df()
        frame = total.join(first).rename_axis("parameter").reset_index()
        rows.append(frame.assign(metric=metric))
    return pd.concat(rows, ignore_index=True), finals


def _reading(morris_table: pd.DataFrame, sobol_table: pd.DataFrame,
             top: Sequence[str]) -> list[str]:
    lines = []
    for metric, part in morris_table.groupby("metric", sort=False):
        ranked = part.sort_values("mu_star", ascending=False).head(5)
        lines.append(f"Morris, {BY_NAME[metric].label.lower()}: largest mean absolute effects "
                     "(mu*) " + ", ".join(f"{r.parameter} {r.mu_star:.3f}"
                                          for r in ranked.itertuples()) + ".")
    lines.append(f"Passed to Sobol: {', '.join(top)}.")
    for metric, part in sobol_table.groupby("metric", sort=False):
        ranked = part.sort_values("ST", ascending=False)
        interaction = (part["ST"] - part["S1"]).clip(lower=0)
        lines.append(
            f"Sobol, {BY_NAME[metric].label.lower()}: total-order indices "
            + ", ".join(f"{r.parameter} {r.ST:.2f} ± {r.ST_conf:.2f}"
                        for r in ranked.itertuples())
            + f"; the sum of first-order indices is {part['S1'].sum():.2f}"
            + (" (well below 1: interactions matter)" if part["S1"].sum() < 0.8 else "")
            + f"; largest ST - S1 gap: {part.loc[interaction.idxmax(), 'parameter']}.")
    lines.append("Indices depend on the ranges sampled (see the settings in provenance.json): "
                 "a constant given a wide range can look more important than a knob given a "
                 "narrow one. Sobol intervals that reach below 0 mean the index is not "
                 "distinguishable from 0 with this sample size.")
    return lines


def write_report(folder: Path, morris_table: pd.DataFrame, sobol_table: pd.DataFrame,
                 top: Sequence[str], settings: dict[str, Any], *, seconds: float,
                 runs: int) -> Path:
    report = Report(folder, "Global sensitivity: Morris screening, then Sobol")
    k = len(settings["factors"])
    report.text(
        f"Design `{settings['scenario']}`; {k} factors screened with Morris "
        f"({settings['morris_trajectories']} trajectories, {settings['morris_levels']} levels, "
        f"{settings['morris_trajectories'] * (k + 1)} points), then the {len(top)} most "
        f"influential with Sobol (Saltelli N = {settings['sobol_samples']}, "
        f"{settings['sobol_samples'] * (len(top) + 2)} points, first and total order). "
        f"Each point: mean of {settings['seeds']} seed(s), the same seeds everywhere. "
        f"{runs} runs, {seconds:.0f} s.")
    report.heading("Reading")
    report.bullets(_reading(morris_table, sobol_table, top))
    report.text(MODEL_CAVEAT)
    report.heading("Figures")
    fig = plots.sensitivity_bars(morris_table, [("mu_star", "mu_star_conf", "mu*")],
                                 title="Morris screening",
                                 xlabel="mu*, the mean absolute elementary effect (change in "
                                 "final value per factor's range, share 0-1)")
    report.figure(fig, "morris", "Morris mu* with 95% bootstrap intervals")
    fig = plots.sensitivity_bars(sobol_table, [("ST", "ST_conf", "total order (ST)"),
                                               ("S1", "S1_conf", "first order (S1)")],
                                 title="Sobol indices", xlabel="share of output variance")
    report.figure(fig, "sobol", "Sobol total- and first-order indices with 95% intervals")
    report.heading("Factors and ranges")
    report.table(pd.DataFrame({"factor": list(settings["factors"]),
                               "low": [b[0] for b in settings["factors"].values()],
                               "high": [b[1] for b in settings["factors"].values()]}))
    report.heading("Sobol indices")
    report.parts.append(md_table(sobol_table[["metric", "parameter", "ST", "ST_conf", "S1",
                                              "S1_conf"]]) + "\n")
    report.heading("Files")
    report.bullets(["`morris.csv`, `sobol.csv`: indices with confidence half-widths",
                    "`runs.csv`: final values of every run (stage, point, seed, factors)",
                    "`provenance.json`, `figures/`"])
    return report.write()


def run(settings: dict[str, Any] | None = None, *, out: Path | str | None = None,
        n_jobs: int = -1) -> Path:
    settings = {**EXPERIMENT, **(settings or {})}
    folder = output_folder("sensitivity", out)
    started = time.perf_counter()
    morris_table, morris_runs = morris(settings, n_jobs)
    top = most_influential(morris_table, settings["sobol_top"])
    sobol_table, sobol_runs = sobol(settings, top, n_jobs)
    morris_table.to_csv(folder / "morris.csv", index=False)
    sobol_table.to_csv(folder / "sobol.csv", index=False)
    runs = pd.concat([morris_runs, sobol_runs], ignore_index=True)
    runs.to_csv(folder / "runs.csv", index=False)
    path = write_report(folder, morris_table, sobol_table, top, settings,
                        seconds=time.perf_counter() - started, runs=len(runs))
    write_provenance(folder, "sensitivity", settings, seconds=time.perf_counter() - started,
                     runs=len(runs))
    return path


def main(argv: Sequence[str] | None = None) -> Path:
    args = parse_args("sensitivity", __doc__.splitlines()[0], argv, EXPERIMENT["seeds"])
    report = run(settings_from(args, EXPERIMENT, QUICK), out=args.out, n_jobs=args.jobs)
    print(report.parent)
    return report


if __name__ == "__main__":
    main()
