"""sensitivity: global sensitivity of final progress and systems change to the knobs and key
constants (SALib): Morris screening over all of them, then Sobol on the most influential.

Settings: configs/experiment/sensitivity.yaml's `analysis` block. Each stage's sample is
written as a points table into the output folder (`points_morris.csv`, `points_sobol.csv`) and
run as a sweep of `python -m sim` (`point` x `seed`; experiments.kit.sweep). Writes `morris.csv` and
`sobol.csv` (indices with 95% confidence intervals), bar charts of both, the final values of
every run and `report.md`, whose path it prints. Each sample point is run with the same seeds
(common random numbers) and its output is the mean over those seeds, so the indices describe
the design's expected outcome rather than seed noise.

    python -m experiments.sensitivity [--out DIR] [--quick] [--jobs N] [--seeds N] [overrides...]
    python -m experiments.sensitivity --write-points   # configs/experiment/sensitivity_morris.csv
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from experiments.kit import plots, stats, sweep
from experiments.kit.report import MODEL_CAVEAT, Provenance, Report, md_table
from sim import resources
from sim.metrics import BY_NAME
from sim.resources import CONFIG_DIR

# The settings of configs/experiment/sensitivity.yaml's analysis block, and what each takes.
SETTINGS = {
    "metrics": sweep.METRICS,
    "factors": sweep.FACTORS,
    "morris_trajectories": sweep.whole(2, meaning="Morris trajectories, such as 20"),
    "morris_levels": sweep.whole(
        2, even=True, meaning="grid levels of the Morris design, such as 4"
    ),
    "sobol_top": sweep.whole(1, meaning="factors passed from Morris to Sobol, such as 4"),
    "sobol_samples": sweep.whole(
        2, power_of_2=True, meaning="Saltelli's base sample N, such as 128"
    ),
    "num_resamples": sweep.whole(2, meaning="bootstrap resamples, such as 1000"),
    "sampling_seed": sweep.SEED,
}
MORRIS_POINTS = CONFIG_DIR / "experiment" / "sensitivity_morris.csv"


def problem_of(factors: dict[str, Sequence[float]]) -> dict[str, Any]:
    return {
        "num_vars": len(factors),
        "names": list(factors),
        "bounds": [list(map(float, b)) for b in factors.values()],
    }


def morris_points(settings: dict[str, Any]) -> tuple[dict[str, Any], np.ndarray]:
    """The Morris design of every factor: (SALib problem, one row per point)."""
    problem = problem_of(settings["factors"])
    points = morris_sample.sample(
        problem,
        settings["morris_trajectories"],
        num_levels=settings["morris_levels"],
        seed=settings["sampling_seed"],
    )
    return problem, points


def sobol_points(
    settings: dict[str, Any], factors: Sequence[str]
) -> tuple[dict[str, Any], np.ndarray]:
    """Saltelli's sample of `factors` for first- and total-order Sobol indices."""
    problem = problem_of({f: settings["factors"][f] for f in factors})
    points = sobol_sample.sample(
        problem, settings["sobol_samples"], calc_second_order=False, seed=settings["sampling_seed"]
    )
    return problem, points


def write_points(path: Path, names: Sequence[str], points: np.ndarray) -> Path:
    """A sample as a points table (docs/experiments.md): one column per factor, one row per
    point, every value written exactly (repr round-trips a float)."""
    lines = [",".join(names)]
    lines += [",".join(repr(float(v)) for v in row) for row in points]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def evaluate(
    experiment: sweep.Experiment, folder: Path, stage: str, names: Sequence[str], points: np.ndarray
) -> tuple[sweep.Sweep, pd.DataFrame, pd.DataFrame]:
    """Run every point with every seed through python -m sim: (the sweep, final values per
    run, mean per point in point order)."""
    table = write_points(folder / f"points_{stage}.csv", names, points)
    runs = sweep.execute(
        experiment,
        folder / "runs" / stage,
        stage=stage,
        extra=[f"points={table}", f"point=range(0,{len(points)})"],
    )
    finals = stats.final_week(runs.tidy).assign(stage=stage)
    metrics = experiment.analysis["metrics"]
    means = finals.groupby("point")[metrics].mean().sort_index()
    missing = sorted(set(range(len(points))) - set(means.index))
    if missing:
        raise sweep.SweepError(
            f"sensitivity {stage}: {len(missing)} of {len(points)} points have no completed "
            f"run (point={', '.join(map(str, missing[:10]))}); the indices need every point. "
            "Run again with the same --out to retry the failed runs"
        )
    return runs, finals, means


def morris(
    experiment: sweep.Experiment, folder: Path
) -> tuple[pd.DataFrame, pd.DataFrame, sweep.Sweep]:
    settings = experiment.analysis
    problem, points = morris_points(settings)
    runs, finals, means = evaluate(experiment, folder, "morris", problem["names"], points)
    rows = []
    for metric in settings["metrics"]:
        result = morris_analyze.analyze(
            problem,
            points,
            means[metric].to_numpy(),
            num_resamples=settings["num_resamples"],
            num_levels=settings["morris_levels"],
            seed=settings["sampling_seed"],
        )
        frame = result.to_df().rename_axis("parameter").reset_index()
        rows.append(frame.assign(metric=metric))
    return pd.concat(rows, ignore_index=True), finals, runs


def most_influential(indices: pd.DataFrame, k: int) -> list[str]:
    """The k factors with the largest Morris mu* relative to the largest for each metric."""
    relative = indices.assign(
        rel=indices["mu_star"]
        / indices.groupby("metric")["mu_star"].transform("max").replace(0, np.nan)
    )
    ranking = relative.groupby("parameter")["rel"].max().fillna(0).sort_values(ascending=False)
    return list(ranking.index[:k])


def sobol(
    experiment: sweep.Experiment, folder: Path, factors: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame, sweep.Sweep]:
    settings = experiment.analysis
    problem, points = sobol_points(settings, factors)
    runs, finals, means = evaluate(experiment, folder, "sobol", problem["names"], points)
    rows = []
    for metric in settings["metrics"]:
        total, first = sobol_analyze.analyze(
            problem,
            means[metric].to_numpy(),
            calc_second_order=False,
            num_resamples=settings["num_resamples"],
            seed=settings["sampling_seed"],
        ).to_df()
        frame = total.join(first).rename_axis("parameter").reset_index()
        rows.append(frame.assign(metric=metric))
    return pd.concat(rows, ignore_index=True), finals, runs


def _first_order_sum(part: pd.DataFrame) -> str:
    """What the sum of one metric's first-order indices says: interactions matter when it is
    well below 1, unless every index's interval is wider than the index (a sample too small,
    as --quick's, to tell any of them from 0)."""
    if (part["S1_conf"] >= part["S1"].abs()).all():
        return (
            " (every first-order interval is wider than its index: this sample is too "
            "small to tell whether interactions matter; raise analysis.sobol_samples)"
        )
    return " (well below 1: interactions matter)" if part["S1"].sum() < 0.8 else ""


def _reading(
    morris_table: pd.DataFrame, sobol_table: pd.DataFrame, top: Sequence[str]
) -> list[str]:
    lines = []
    for metric, part in morris_table.groupby("metric", sort=False):
        ranked = part.sort_values("mu_star", ascending=False).head(5)
        lines.append(
            f"Morris, {BY_NAME[metric].label.lower()}: largest mean absolute effects "
            "(mu*) "
            + ", ".join(f"{r.parameter} {r.mu_star:.3f}" for r in ranked.itertuples())
            + "."
        )
    lines.append(f"Passed to Sobol: {', '.join(top)}.")
    for metric, part in sobol_table.groupby("metric", sort=False):
        ranked = part.sort_values("ST", ascending=False)
        interaction = (part["ST"] - part["S1"]).clip(lower=0)
        lines.append(
            f"Sobol, {BY_NAME[metric].label.lower()}: total-order indices "
            + ", ".join(f"{r.parameter} {r.ST:.2f} ± {r.ST_conf:.2f}" for r in ranked.itertuples())
            + f"; the sum of first-order indices is {part['S1'].sum():.2f}"
            + _first_order_sum(part)
            + f"; largest ST - S1 gap: {part.loc[interaction.idxmax(), 'parameter']}."
        )
    lines.append(
        "Indices depend on the ranges sampled (see the settings in provenance.json): "
        "a constant given a wide range can look more important than a knob given a "
        "narrow one. Sobol intervals that reach below 0 mean the index is not "
        "distinguishable from 0 with this sample size."
    )
    return lines


def write_report(
    folder: Path,
    morris_table: pd.DataFrame,
    sobol_table: pd.DataFrame,
    top: Sequence[str],
    settings: dict[str, Any],
    *,
    seconds: float,
    finals: pd.DataFrame,
    sweeps: Sequence[sweep.Sweep],
    changed: Sequence[str] = (),
    provenance: dict[str, Any] | None = None,
) -> Path:
    """report.md. `provenance`: the `Provenance` record (provenance.json's), for the notice
    under the title (a quick run) and "How to reproduce"."""
    notice = None
    if (provenance or {}).get("quick"):
        notice = (
            "**Quick run** (`--quick`, a small sample): for checking the pipeline, not "
            "for conclusions; indices from so few points say little."
        )
    report = Report(folder, "Global sensitivity: Morris screening, then Sobol", changed, notice)
    k = len(settings["factors"])
    designs = ", ".join(f"`{d}`" for d in sorted(finals["design"].unique()))
    seeds = int(finals.groupby(["stage", "point"]).size().max())
    report.text(
        f"Design {designs}; {k} factors screened with Morris "
        f"({settings['morris_trajectories']} trajectories, {settings['morris_levels']} levels, "
        f"{settings['morris_trajectories'] * (k + 1)} points), then the {len(top)} most "
        f"influential with Sobol (Saltelli N = {settings['sobol_samples']}, "
        f"{settings['sobol_samples'] * (len(top) + 2)} points, first and total order). "
        f"Each point: mean of {seeds} seed(s), the same seeds everywhere. "
        f"{len(finals)} runs, {int(finals['week'].max())} weeks, {seconds:.0f} s."
    )
    report.heading("Reading")
    report.bullets(_reading(morris_table, sobol_table, top))
    report.text(MODEL_CAVEAT)
    report.heading("Figures")
    fig = plots.sensitivity_bars(
        morris_table,
        [("mu_star", "mu_star_conf", "mu*")],
        title="Morris screening",
        xlabel="mu*, the mean absolute elementary effect (change in "
        "final value per factor's range, share 0-1)",
    )
    report.figure(fig, "morris", "Morris mu* with 95% bootstrap intervals")
    fig = plots.sensitivity_bars(
        sobol_table,
        [("ST", "ST_conf", "total order (ST)"), ("S1", "S1_conf", "first order (S1)")],
        title="Sobol indices",
        xlabel="share of output variance",
    )
    report.figure(fig, "sobol", "Sobol total- and first-order indices with 95% intervals")
    report.heading("Factors and ranges")
    report.table(
        pd.DataFrame(
            {
                "factor": list(settings["factors"]),
                "low": [b[0] for b in settings["factors"].values()],
                "high": [b[1] for b in settings["factors"].values()],
            }
        )
    )
    report.heading("Sobol indices")
    report.parts.append(
        md_table(sobol_table[["metric", "parameter", "ST", "ST_conf", "S1", "S1_conf"]]) + "\n"
    )
    report.heading("Files")
    report.bullets(
        [
            "`morris.csv`, `sobol.csv`: indices with confidence half-widths",
            "`runs.csv`: final values of every run (stage, point, seed, factors)",
            "`points_morris.csv`, `points_sobol.csv`: the samples, as points tables",
            "`provenance.json`, `figures/`",
            "`runs/morris/`, `runs/sobol/`: every run's own record",
        ]
    )
    for runs in sweeps:
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
    """Run both stages' sweeps into `out`/runs (default results/sensitivity-<time>),
    analyse them, write the folder; returns the path of report.md."""
    provenance = Provenance(experiment, argv=argv, module="experiments.sensitivity")
    settings = experiment.analysis
    folder = sweep.output_folder("sensitivity", out)
    morris_table, morris_runs, morris_sweep = morris(experiment, folder)
    top = most_influential(morris_table, settings["sobol_top"])
    sobol_table, sobol_runs, sobol_sweep = sobol(experiment, folder, top)
    morris_table.to_csv(folder / "morris.csv", index=False)
    sobol_table.to_csv(folder / "sobol.csv", index=False)
    finals = pd.concat([morris_runs, sobol_runs], ignore_index=True)
    finals.to_csv(folder / "runs.csv", index=False)
    sweeps = [morris_sweep, sobol_sweep]
    record = provenance.finish(sweeps, extra={"sobol_factors": list(top)})
    path = write_report(
        folder,
        morris_table,
        sobol_table,
        top,
        settings,
        seconds=record["seconds"],
        finals=finals,
        sweeps=sweeps,
        changed=experiment.changed(),
        provenance=record,
    )
    provenance.write(folder)
    return path


def write_default_points(args: Any) -> Path:
    """configs/experiment/sensitivity_morris.csv: the Morris sample of the experiment file's
    own analysis settings, which `python -m sim +experiment=sensitivity` runs."""
    if resources.ROOT is None:  # the installed package's copy is not to be edited
        raise sweep.UsageError(
            "--write-points rewrites configs/experiment/sensitivity_morris.csv of a checkout; "
            "this is an installed package (python -m sim +experiment=sensitivity runs its copy)"
        )
    experiment = sweep.prepare("sensitivity", args, required=SETTINGS, check=False)
    problem, points = morris_points(experiment.analysis)
    return write_points(MORRIS_POINTS, problem["names"], points)


def main(argv: Sequence[str] | None = None) -> Path:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = sweep.parse_args(
        "sensitivity",
        __doc__.splitlines()[0],
        argv,
        extra=(
            (
                "--write-points",
                "write configs/experiment/sensitivity_morris.csv (the Morris "
                "sample python -m sim +experiment=sensitivity runs) and stop",
            ),
        ),
    )
    try:
        if args.write_points:
            path = write_default_points(args)
            print(path)
            return path
        experiment = sweep.prepare("sensitivity", args, required=SETTINGS)
        report = run(experiment, args.out, argv=argv)
    except (sweep.UsageError, sweep.ParameterError, sweep.SweepError) as err:
        sweep.fail(err)
    print(report)
    return report


if __name__ == "__main__":
    main()
