"""Every experiment is a config file run through `python -m sim`: each file composes, runs in
--quick mode and writes its figures and report; the report's numbers match a recomputation
from the tidy table it saved; a failing run is recorded and the rest analysed; re-running
into the same folder reruns nothing. run_many (still used by the calibration studies and the
benchmarks) keeps failures apart and is deterministic."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from experiments import ablation, compare, demo, heatmap, sensitivity, size
from experiments.kit import look, stats, sweep
from experiments.kit.engine import STALL_FIELDS, Job, jobs_for, run_many, swept_columns
from experiments.kit.gather import collect, column_name
from experiments.kit.report import fmt_ci
from sim.cli import points
from sim.cli.checks import CONFIG_DIR, UsageError, check_argv
from sim.metrics import BY_NAME, METRICS
from sim.provenance import model_fingerprint, version
from sim.scenarios import designs, resolve

MODULES = {
    "compare": compare,
    "ablation": ablation,
    "heatmap": heatmap,
    "sensitivity": sensitivity,
    "size": size,
}
QUICK_STEPS = 30  # every experiment file's quick.overrides


def figures_of(folder):
    pngs = sorted(p.stem for p in (folder / "figures").glob("*.png"))
    svgs = sorted(p.stem for p in (folder / "figures").glob("*.svg"))
    assert pngs and pngs == svgs
    return pngs


def embedded(report_text):
    return set(re.findall(r"\]\(figures/([\w-]+)\.png\)", report_text))


def composed(name: str):
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return compose("config", overrides=[f"+experiment={name}"], return_hydra_config=True)


def run_quick(module, folder, capsys, *extra):
    """The experiment's --quick run with one process (the tests share the machine). Every
    experiment's report says it is a quick run and how to reproduce it, from the same record
    as provenance.json."""
    path = module.main(["--quick", "--out", str(folder), "--jobs", "1", *extra])
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(path)
    assert path == folder / "report.md"
    text = path.read_text()
    assert text.splitlines()[2].startswith("> **Quick run** (`--quick`")
    record = json.loads((folder / "provenance.json").read_text())
    assert record["quick"] is True and record["file"].startswith("configs/experiment/")
    reproduce = text.split("## How to reproduce")[1]
    assert f"Time taken: {record['seconds']} s" in reproduce
    assert f"Experiment file: `{record['file']}`" in reproduce
    assert f"Seeds: {record['seed_list']} ({len(record['seeds'])} seed" in reproduce
    return path


# --- the experiment files ------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(MODULES))
def test_each_experiment_file_is_a_sweep_with_its_analysis_settings(name):
    cfg = composed(name)
    assert str(cfg.hydra.mode) == "RunMode.MULTIRUN"
    assert cfg.hydra.sweep.dir == f"outputs/experiments/{name}"
    assert cfg.quicklook is False and cfg.hydra.output_subdir is None
    assert set(cfg.analysis) == set(MODULES[name].SETTINGS)  # each setting read, none missing
    assert all(isinstance(o, str) for o in cfg.quick.overrides)
    assert f"steps={QUICK_STEPS}" in cfg.quick.overrides
    # python -m sim checks the file and what --quick adds, as it will before running them
    check_argv([f"+experiment={name}"])
    check_argv([f"+experiment={name}", *cfg.quick.overrides])
    if cfg.get("points"):  # the sweep runs every row of its points table, no more
        table = points.read(cfg.points)
        listed = OmegaConf.to_container(cfg.hydra.sweeper.params)["point"]
        assert listed == f"range(0,{len(table)})"


def test_the_sensitivity_sample_in_the_repository_is_the_one_its_settings_make():
    """configs/experiment/sensitivity_morris.csv is what --write-points writes."""
    cfg = composed("sensitivity")
    problem, expected = sensitivity.morris_points(OmegaConf.to_container(cfg.analysis))
    table = points.read(sensitivity.MORRIS_POINTS)
    assert list(table.columns) == problem["names"]
    found = np.array([[float(c) for c in row] for row in table.rows])
    np.testing.assert_array_equal(found, expected)  # exact: written with repr


def test_prepare_reads_the_file_quick_seeds_jobs_and_overrides():
    args = sweep.parse_args(
        "compare",
        "",
        [
            "--quick",
            "--seeds",
            "4",
            "--jobs",
            "2",
            "analysis.band=0.8",
            "scenario=business_led,impact_partnership",
        ],
    )
    experiment = sweep.prepare("compare", args, required=compare.SETTINGS)
    assert experiment.analysis["band"] == 0.8  # an analysis override: read here only
    assert experiment.overrides == [
        "steps=30",
        "seed=range(0,3)",
        "seed=range(0,4)",
        "hydra.launcher.n_jobs=2",
        "scenario=business_led,impact_partnership",
    ]
    jobs = experiment.jobs()
    assert len(jobs) == 2 * 4  # the command line's scenarios and --seeds win over the file's
    assert ["scenario=business_led", "seed=3", "+experiment=compare", "steps=30"] in jobs
    # what a report states: not the seeds or the launcher, everything that changes the runs
    assert experiment.changed() == ["steps=30", "scenario=business_led,impact_partnership"]


def test_a_report_states_only_the_settings_that_took_effect():
    """--quick sweeps orchestration=0,0.5,1; a later orchestration=null replaces it."""
    args = sweep.parse_args("heatmap", "", ["--quick", "orchestration=null", "steps=20"])
    experiment = sweep.prepare("heatmap", args, required=heatmap.SETTINGS)
    assert experiment.changed() == ["leadership_backing=0,1", "orchestration=null", "steps=20"]
    assert "orchestration" not in experiment.varied()  # what the runs will do agrees


def test_a_report_states_the_settings_given_on_top_of_its_file(tmp_path):
    from experiments.kit.report import Report

    args = sweep.parse_args("compare", "", ["--seeds", "3", "facets={market:[funding,reach]}"])
    changed = sweep.prepare("compare", args, required=compare.SETTINGS).changed()
    assert changed == ["facets={market:[funding,reach]}"]
    stated = Report(tmp_path, "t", changed).write().read_text()
    assert "`facets={market:[funding,reach]}`" in stated
    assert "Settings given" not in Report(tmp_path, "t").write().read_text()
    # the comparison no longer claims its scenario files and the default problem
    assert "default problem" in compare._conditions("impact_partnership", 156)
    told = compare._conditions("impact_partnership", 156, changed)
    assert "default problem" not in told and "settings given above" in told


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["analysis.refrence=x"], ["analysis.refrence", "Did you mean reference"]),
        (["hydra/launcher=basic", "--jobs", "2"], ["--jobs", "BasicLauncher"]),
        (["transparancy=0.5"], ["unknown parameter 'transparancy'"]),
        (["orchestration=2"], ["orchestration=2", "out of range"]),
    ],
    ids=["analysis-key", "jobs-without-joblib", "unknown-key", "bad-value"],
)
def test_bad_experiment_input_stops_before_anything_runs(argv, words):
    args = sweep.parse_args("compare", "", argv)
    with pytest.raises((UsageError, sweep.ParameterError)) as caught:
        sweep.prepare("compare", args, required=compare.SETTINGS)
    message = str(caught.value)
    assert "\n" not in message
    for word in words:
        assert word in message


@pytest.mark.parametrize(
    ("name", "setting", "value", "allowed"),
    [
        ("compare", "band", "1.5", "a number above 0, up to 1"),
        ("compare", "band", "abc", "a number above 0, up to 1"),
        ("compare", "headline_metrics", "[progress,nosuch]", "('nosuch' is not one)"),
        ("compare", "bootstrap_seed", "-1", "a whole number >= 0"),
        ("compare", "alpha", "2", "strictly between 0 and 1"),
        ("compare", "cv_tolerance", "-1", "a number above 0"),
        ("compare", "fair_metrics", "[progress,nosuch]", "('nosuch' is not one)"),
        ("ablation", "effect_metrics", "[]", "a list of distinct metrics"),
        ("heatmap", "metric", "nosuch", "a metric of sim/metrics.py"),
        ("heatmap", "stall_share", "1.5", "a number from 0 to 1"),
        ("sensitivity", "morris_levels", "3", "an even whole number"),
        ("sensitivity", "sobol_samples", "100", "a power of 2"),
        ("sensitivity", "factors.orchestration", "[0,2]", "orchestration's range is 0 to 1"),
        ("sensitivity", "factors", "{orchestraton:[0,1]}", "Did you mean orchestration"),
        ("size", "knob", "trust", "a design knob"),
        ("size", "alpha", "0", "strictly between 0 and 1"),
    ],
)
def test_a_bad_analysis_value_stops_before_anything_runs(name, setting, value, allowed):
    args = sweep.parse_args(name, "", ["--quick", f"analysis.{setting}={value}"])
    with pytest.raises(UsageError) as caught:
        sweep.prepare(name, args, required=MODULES[name].SETTINGS)
    message = str(caught.value)
    assert "\n" not in message
    assert f"configs/experiment/{name}.yaml" in message and allowed in message
    assert re.match(rf"analysis\.{setting.split('.')[0]}[.\w]*=", message)  # names the setting
    assert f"analysis.{setting.split('.')[0]} must be" in message


def test_compare_with_a_bad_band_exits_before_any_run(tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        compare.main(["--quick", "--out", str(tmp_path), "--jobs", "1", "analysis.band=1.5"])
    assert stopped.value.code == 2
    message = capsys.readouterr().err.strip().splitlines()[-1]
    assert message.startswith("error: analysis.band=1.5 (configs/experiment/compare.yaml")
    assert not (tmp_path / "runs").exists()


def test_ablation_plots_only_metrics_whose_effects_it_measures():
    args = sweep.parse_args("ablation", "", ["--quick", "analysis.metrics=[progress,trust]"])
    experiment = sweep.prepare("ablation", args, required=ablation.SETTINGS)
    with pytest.raises(
        UsageError,
        match=r"analysis.metrics=.*names trust, which "
        r"analysis.effect_metrics",
    ):
        ablation.check_settings(experiment)


def test_command_line_refuses_zero_seeds():
    with pytest.raises(SystemExit):
        sweep.parse_args("compare", "", ["--seeds", "0"])
    args = sweep.parse_args(
        "compare", "", ["--quick", "--seeds", "4", "--jobs", "2", "seed=range(0,9)"]
    )
    assert (args.quick, args.seeds, args.jobs, args.out, args.overrides) == (
        True,
        4,
        2,
        None,
        ["seed=range(0,9)"],
    )


# --- compare (make demo): statistics, failures, resume --------------------------------------


def test_compare_report_captions_give_the_band_it_was_drawn_with(tmp_path):
    tidy = run_many(
        jobs_for(["impact_partnership", "business_led"], [0, 1, 2], steps=5), 1, progress=False
    )
    settings = {
        "reference": "impact_partnership",
        "headline_metrics": ["progress"],
        "band": 0.5,
        "cv_tolerance": 0.01,
        "alpha": 0.05,
        "bootstrap_seed": 0,
    }
    text = compare.write_report(
        tmp_path, tidy, compare.analyse(tidy, settings), settings, seconds=1, title="t"
    ).read_text()
    captions = re.findall(r"^\*(.*band of runs.*)\* \(\[SVG\]", text, flags=re.MULTILINE)
    assert len(captions) == 2 and all("50% band of runs" in c for c in captions), captions
    assert "90%" not in text


def test_compare_report_with_enough_runs_gives_intervals_counts_and_the_direction(tmp_path):
    tidy = run_many(
        jobs_for(["impact_partnership", "business_led"], list(range(6)), steps=5), 1, progress=False
    )
    settings = {
        "reference": "impact_partnership",
        "headline_metrics": ["progress", "dropouts", "engaged_business"],
        "band": 0.9,
        "cv_tolerance": 0.01,
        "alpha": 0.05,
        "bootstrap_seed": 0,
    }
    tables = compare.analyse(tidy, settings)
    record = {
        "quick": False,
        "seeds_in_file": 30,
        "seconds": 12.34,
        "command": "python -m x",
        "seeds": list(range(6)),
        "seed_list": "0-5",
        "file": "f.yaml",
        "git_commit": "abc",
        "git_dirty": False,
    }
    text = compare.write_report(
        tmp_path, tidy, tables, settings, seconds=99, title="t", provenance=record
    ).read_text()
    head = text.split("## Reading")[0]
    assert (
        "> **Fewer runs than recommended** (6 runs per design; the experiment file runs 30)" in head
        and "Intervals need" not in head
    )
    assert "(12 runs, 12 s)" in head  # the record's time, not the argument
    assert tables["table"]["ci_low"].notna().all()
    row = next(line for line in text.splitlines() if line.startswith("| Impact Partnership |"))
    cells = row.strip("| ").split(" | ")
    assert re.fullmatch(r"6 \| [\d.]+ \[[\d.]+, [\d.]+\]", " | ".join(cells[1:3]))
    assert all("." not in c for c in cells[3:])  # dropouts, engaged business: counts
    assert "the baseline's median minus the reference's (baseline - reference)" in text
    assert "Code: commit `abc`, no uncommitted changes" in text


def test_the_closest_baseline_breaks_ties_of_a_by_the_difference_of_medians():
    effects = pd.DataFrame(
        {
            "design": ["advocacy_coalition", "business_led", "government_led"],
            "A": [0.0, 0.0, 0.0],
            "median_difference": [-0.5, -0.2, -0.3],
            "magnitude": "large",
        }
    )
    assert compare.closest_baseline(effects)["design"] == "business_led"
    assert (
        compare.closest_baseline(effects.assign(A=[0.0, 0.0, 0.1]))["design"] == "government_led"
    )  # A first


def test_the_reading_names_the_closest_by_that_rule():
    effects = pd.DataFrame(
        {
            "design": ["advocacy_coalition", "business_led"] * 2,
            "metric": ["progress"] * 2 + ["systems_change"] * 2,
            "A": 0.0,
            "median_difference": [-0.5, -0.2, -0.1, -0.4],
            "magnitude": "large",
            "p_holm": 0.001,
            "n": 30,
        }
    )
    table = pd.DataFrame(
        {
            "design": ["impact_partnership", "advocacy_coalition", "business_led"] * 2,
            "metric": ["progress"] * 3 + ["systems_change"] * 3,
            "median": 0.5,
            "ci_low": 0.4,
            "ci_high": 0.6,
            "n": 30,
        }
    )
    tables = {
        "table": table,
        "effects": effects,
        "replications": pd.DataFrame(
            {"design": ["business_led"], "metric": ["progress"], "replications_needed": [10]}
        ),
        "stall_causes": pd.DataFrame(),
    }
    settings = {"reference": "impact_partnership", "alpha": 0.05, "cv_tolerance": 0.01}
    lines = compare._reading(tables, settings, 30)
    assert (
        "the closest (highest A; of equal A, the smallest difference of medians), "
        "Business-led, has A = 0.00" in lines[1]
    )
    assert "Advocacy coalition, has A" in lines[3]


def test_sample_notice():
    from experiments.kit.report import sample_notice

    assert sample_notice([30, 30], quick=False, recommended=30) is None
    assert sample_notice([30, 29], recommended=30).startswith(
        "**Fewer runs than recommended** (29 to 30 runs per design"
    )
    quick = sample_notice([3, 3], quick=True, recommended=30, unit="variant")
    assert quick.startswith("**Quick run** (`--quick`, 3 runs per variant): for checking")
    assert "at least 6 runs per variant" in quick
    assert "Intervals need" not in sample_notice([8], quick=True)


def test_provenance_says_whether_the_working_tree_had_changes(tmp_path, monkeypatch):
    import subprocess

    from experiments.kit import report

    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    (tmp_path / "a.txt").write_text("a")
    subprocess.run([*git, "add", "a.txt"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "a"], check=True)
    monkeypatch.setattr(report, "ROOT", tmp_path)
    assert report.git_state()["git_dirty"] is False
    (tmp_path / "a.txt").write_text("b")
    (tmp_path / "new.txt").write_text("c")
    state = report.git_state()
    assert state["git_dirty"] is True
    assert sorted(state["git_changes"]) == [" M a.txt", "?? new.txt"]
    assert report.seed_list([0, 1, 2, 5, 7, 8]) == "0-2, 5, 7-8"


def test_provenance_from_an_installed_package_names_its_version_not_a_commit(tmp_path, monkeypatch):
    from experiments.kit import report

    monkeypatch.setattr(report, "ROOT", None)  # an installed wheel: no checkout
    state = report.git_state()
    assert state == {"checkout": False, "git_commit": None, "git_dirty": None, "git_changes": []}
    record = {"command": "python -m x", "version": "9.9", "model_fingerprint": "f" * 16, **state}
    page = report.Report(tmp_path, "t")
    page.reproduce(record)
    text = page.write().read_text()
    assert (
        f"Code: partnership-sim 9.9, model fingerprint `{'f' * 16}`; commit: none (installed "
        "package)" in text
    )
    assert "Command, from any folder, with this version installed: `python -m x`" in text


FAILED_RUN = "scenario=business_led,seed=1,steps=30"
# the runs at equal resources (experiments.fair): each of the six baselines at the Impact
# Partnership's resources and the Impact Partnership at each baseline's (12), and, since
# every budget can move at v2's defaults (dues, funding cuts), the held reading's own 19:
# three a baseline and the reference's own. business_led spends in rows 27, 29 and 30 of
# fair_points.csv (at the reference's resources, then held at its own and the reference's),
# so those fail on seed 1 too.
FAIR_POINTS = 31
FAILED_FAIR_RUNS = [f"point={i},seed=1,steps=30" for i in (26, 28, 29)]
FAILED_FAIR_RUN = FAILED_FAIR_RUNS[0]


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory):
    """make demo's command at --quick size with one run made to fail, then the same command
    again into the same folder without the fault; a copy of the first report is kept."""
    folder = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SIM_INJECT_FAILURE", "scenario=business_led,seed=1")
        report = demo.main(["--quick", "--out", str(folder), "--jobs", "1"])
    assert report == folder / "report.md"
    first = folder / "first"
    first.mkdir()
    for name in (
        "report.md",
        "provenance.json",
        "tidy.parquet",
        "table.csv",
        "effects.csv",
        "fair.csv",
    ):
        (first / name).write_bytes((folder / name).read_bytes())
    summaries = folder / "runs"
    (first / "mtimes.json").write_text(
        json.dumps({p.parent.name: p.stat().st_mtime_ns for p in summaries.glob("*/summary.json")})
    )
    (first / "failed.json").write_text((summaries / FAILED_RUN / "summary.json").read_text())
    assert compare.main(["--quick", "--out", str(folder), "--jobs", "1"]) == report
    return folder


def test_demo_writes_the_compare_report_and_its_statistics_match_the_tidy_table(demo_folder):
    first = demo_folder / "first"
    text = (first / "report.md").read_text()
    assert (
        embedded(text)
        == set(figures_of(demo_folder))
        == {
            "progress_over_time",
            "final_distributions",
            "engagement_by_sector",
            "legitimacy_and_claims",
            "stall_causes",
            "gap_split",
        }
    )
    assert "Stalls (the first week progress stopped" in text
    assert "Runs that meet expectations (final progress at least 0.5 and no stall" in text
    assert "## At equal resources: resources, or how they are spent" in text
    assert "the part of each baseline's gap to it in mean final problem progress" in text

    tidy = pd.read_parquet(first / "tidy.parquet")
    assert set(tidy["design"]) == set(designs())
    assert tidy.groupby("run")["week"].max().eq(QUICK_STEPS).all()
    runs = len(designs()) * 3 - 1  # 3 seeds per design; business_led's seed 1 failed
    assert tidy["run"].nunique() == runs and len(tidy) == runs * (QUICK_STEPS + 1)
    assert {"week", "seed", "steps"} | {m.name for m in METRICS} <= set(tidy.columns)
    assert set(STALL_FIELDS) <= set(tidy.columns)
    per_run = tidy.groupby("run")[list(STALL_FIELDS)].nunique(dropna=False)
    assert per_run.le(1).all().all()  # constant within a run
    assert (tidy["stall_week"].isna() == ~tidy["stalled"]).all()
    assert tidy.loc[tidy["stalled"], "stall_cause"].notna().all()

    # recompute from the tidy table: the last week of each run, median per design
    last = tidy[tidy["week"] == tidy["week"].max()]
    table = pd.read_csv(first / "table.csv")
    for design, runs_of in last.groupby("design"):
        for metric in ("progress", "systems_change", "dropouts"):
            row = table[(table["design"] == design) & (table["metric"] == metric)].iloc[0]
            assert row["median"] == pytest.approx(np.median(runs_of[metric]), abs=1e-12)
            assert row["n"] == len(runs_of)
            # 2 or 3 runs: too few for a 95% interval, so none is given
            assert np.isnan(row["ci_low"]) and np.isnan(row["ci_high"])
            assert "too few runs" in row["note"]
            ci = stats.median_ci(runs_of[metric], seed=0, min_runs=stats.MIN_RUNS)
            assert (row["median"], row["ci_low"], row["ci_high"]) == pytest.approx(ci, nan_ok=True)
    ref = table[(table["design"] == "impact_partnership") & (table["metric"] == "progress")]
    assert fmt_ci(*ref[["median", "ci_low", "ci_high"]].iloc[0]) in text
    assert f"| Impact Partnership | 3 | {ref['median'].iloc[0]:.3f} [n/a] |" in text
    # the quick run says so under its title, and that intervals are left out
    head = text.split("## Reading")[0]
    assert (
        "> **Quick run** (`--quick`, 2 to 3 runs per design): for checking the pipeline, "
        "not for conclusions. Intervals need at least 6 runs" in head
    )

    effects = pd.read_csv(first / "effects.csv")
    reference = last[last["design"] == "impact_partnership"]
    for row in effects[effects["metric"].isin(["progress", "dropouts"])].itertuples():
        runs_of = last[last["design"] == row.design]
        better = stats.better_of(row.metric)
        assert row.A == pytest.approx(
            stats.vargha_delaney_a(runs_of[row.metric], reference[row.metric], better=better)
        )
        assert row.cliffs_delta == pytest.approx(2 * row.A - 1)
        assert row.p == pytest.approx(
            stats.mann_whitney(runs_of[row.metric], reference[row.metric])
        )
    np.testing.assert_allclose(effects["p_holm"], stats.holm(effects["p"]))
    assert "impact_partnership" not in set(effects["design"])
    assert (demo_folder / "replications.csv").exists()


def test_a_failed_run_is_recorded_and_listed_and_a_rerun_resumes(demo_folder):
    first = demo_folder / "first"
    # the failed run: its own record, listed in the report and provenance, left out
    record = json.loads((first / "failed.json").read_text())
    assert record["completed"] is False and "injected" in record["error"]
    text = (first / "report.md").read_text()
    assert "## Failed runs" in text and FAILED_RUN in text
    # business engagement as a share, counts read with each design's size beside them
    assert (
        "| Business members still engaged |" in text and "| Engaged business members |" not in text
    )
    assert "its members at the start: Impact Partnership 13, " in text
    provenance = json.loads((first / "provenance.json").read_text())
    # the runs of business_led at the reference's resources and held on seed 1 failed too
    assert [r["run"] for r in provenance["failed_runs"]] == [FAILED_RUN, *FAILED_FAIR_RUNS]
    assert provenance["runs"] == (len(designs()) + FAIR_POINTS) * 3
    assert provenance["sweep_folders"] == [
        str(demo_folder / "runs"),
        str(demo_folder / "runs/fair"),
    ]
    # how to reproduce it: the same record in the report and provenance.json
    assert provenance["command"] == (
        f"python -m experiments.demo --quick --out {demo_folder} --jobs 1"
    )
    assert provenance["argv"] == ["--quick", "--out", str(demo_folder), "--jobs", "1"]
    assert provenance["quick"] is True and provenance["seeds_in_file"] == 30
    assert provenance["seeds"] == [0, 1, 2] and provenance["seed_list"] == "0-2"
    assert provenance["file"] == "configs/experiment/compare.yaml"
    assert isinstance(provenance["git_dirty"], bool)
    assert provenance["git_dirty"] == bool(provenance["git_changes"])
    reproduce = text.split("## How to reproduce")[1].split("## ")[0]
    assert f"`{provenance['command']}`" in reproduce and "Seeds: 0-2 (3 seeds)" in reproduce
    assert f"commit `{provenance['git_commit']}`" in reproduce
    assert provenance["checkout"] is True and provenance["version"] == version()
    assert provenance["model_fingerprint"] == model_fingerprint()
    assert f"partnership-sim {version()}, model fingerprint `{model_fingerprint()}`" in reproduce
    assert ("with uncommitted changes" in reproduce) == provenance["git_dirty"]
    assert f"Time taken: {provenance['seconds']} s" in reproduce
    done = FAIR_POINTS * 3 - len(FAILED_FAIR_RUNS)
    stated = f"runs and {done} at equal resources, {provenance['seconds']:.0f} s)"
    assert stated in text.split("## Reading")[0]
    tidy = pd.read_parquet(first / "tidy.parquet")
    assert sorted(tidy.loc[tidy["design"] == "business_led", "seed"].unique()) == [0, 2]

    # the same command again: every finished run skipped, only the failed one run again
    runs = demo_folder / "runs"
    log = (runs / "sweep.log").read_text().split("\n$ ")[-1]  # the second command's part
    assert log.count("already done, skipped") == len(designs()) * 3 - 1
    before = json.loads((first / "mtimes.json").read_text())
    after = {p.parent.name: p.stat().st_mtime_ns for p in runs.glob("*/summary.json")}
    assert {k: v for k, v in after.items() if k != FAILED_RUN} == {
        k: v for k, v in before.items() if k != FAILED_RUN
    }
    assert json.loads((runs / FAILED_RUN / "summary.json").read_text())["completed"] is True
    fair_log = (runs / "fair" / "sweep.log").read_text().split("\n$ ")[-1]
    assert fair_log.count("already done, skipped") == FAIR_POINTS * 3 - len(FAILED_FAIR_RUNS)
    for run in FAILED_FAIR_RUNS:
        record = json.loads((runs / "fair" / run / "summary.json").read_text())
        assert record["completed"] is True and record["scenario"] == "business_led"
    assert "## Failed runs" not in (demo_folder / "report.md").read_text()
    assert pd.read_parquet(demo_folder / "tidy.parquet")["run"].nunique() == len(after)


def test_the_split_at_equal_resources_matches_its_runs_records_and_adds_up(demo_folder):
    """fair.csv recomputed from the run records of both sweeps; the parts add up; a seed whose
    run failed is left out of its design's split, then back once the rerun made it."""
    split = pd.read_csv(demo_folder / "fair.csv")
    wide = split.pivot_table(
        index=["design", "metric", "reading"], columns="part", values="estimate"
    )
    np.testing.assert_allclose(wide["resources"] + wide["spending"], wide["gap"], atol=1e-12)
    assert not split["same_as_week0"].any()  # every budget can move at v2's defaults

    own = stats.final_week(pd.read_parquet(demo_folder / "tidy.parquet"))
    fair_tidy, _ = collect(demo_folder / "runs" / "fair")
    fair_finals = fair_tidy[
        fair_tidy["week"] == fair_tidy.groupby("run_id")["week"].transform("max")
    ]
    labels = pd.read_csv(demo_folder / "fair_points.csv")["label"]
    assert len(labels) == FAIR_POINTS and fair_finals["run_id"].nunique() == FAIR_POINTS * 3

    def runs_of(design=None, label=None):
        if design:
            rows = own[own["design"] == design]
        else:
            rows = fair_finals[fair_finals["label"] == label]
        return rows.set_index("seed")["progress"].sort_index().to_numpy()

    text = (demo_folder / "report.md").read_text()
    for design in ("government_led", "ngo_business_pair"):
        expected = stats.two_factor_split(
            runs_of("impact_partnership"),
            runs_of(design),
            runs_of(label=f"{design} at impact_partnership's resources"),
            runs_of(label=f"impact_partnership at {design}'s resources"),
            min_runs=stats.MIN_RUNS,
        ).set_index("part")
        found = split[
            (split["design"] == design)
            & (split["metric"] == "progress")
            & (split["reading"] == "week0")
        ].set_index("part")
        np.testing.assert_allclose(found["estimate"], expected["estimate"], atol=1e-12)
        assert (found["seeds"] == 3).all() and found["ci_low"].isna().all()  # 3 seeds: no interval
        gap = found.loc["gap", "estimate"]
        assert f"{look.label_of(design)}: of its gap of {gap:.2f}, " in text
    first = pd.read_csv(demo_folder / "first" / "fair.csv")
    seeds = first.groupby("design")["seeds"].max()
    assert seeds["business_led"] == 2 and (seeds.drop("business_led") == 3).all()


def test_runs_of_another_sweep_in_the_folder_are_not_analysed(tmp_path, capsys):
    run_quick(
        compare,
        tmp_path,
        capsys,
        "scenario=business_led,ngo_business_pair",
        "seed=0",
        "steps=4",
        "analysis.reference=business_led",
    )
    run_quick(
        compare,
        tmp_path,
        capsys,
        "scenario=business_led,ngo_business_pair",
        "seed=0,1",
        "analysis.reference=business_led",
    )
    tidy = pd.read_parquet(tmp_path / "tidy.parquet")
    assert set(tidy["design"]) == {"business_led", "ngo_business_pair"}
    assert set(tidy["seed"]) == {0, 1} and tidy["week"].max() == QUICK_STEPS
    assert len(list((tmp_path / "runs").glob("*/summary.json"))) == 2 + 4
    # the runs at equal resources too: both sweeps' records are there, only this one's counted;
    # six points a seed (two at week-0 resources, four held: every budget can move at v2's
    # defaults)
    assert len(list((tmp_path / "runs" / "fair").glob("*/summary.json"))) == 6 + 12
    assert set(pd.read_csv(tmp_path / "fair.csv")["seeds"]) == {2}


# --- the other experiments --------------------------------------------------------------


def test_ablation_quick_runs_rows_of_its_points_table(tmp_path, capsys, monkeypatch):
    """Three rows of ablation.csv x 3 seeds; one point's run made to fail is listed and left
    out, the rest analysed."""
    monkeypatch.setenv("SIM_INJECT_FAILURE", "label=no curation,seed=1")
    path = ablation.main(["--quick", "--out", str(tmp_path), "--jobs", "1"])
    err = capsys.readouterr().err
    failed = "point=2,seed=1,steps=30"
    assert "1 of 9 runs failed" in err and failed in err
    text = path.read_text()
    assert "## Failed runs" in text and failed in text
    assert embedded(text) == set(figures_of(tmp_path)) == {"forest", "timeline"}
    assert "*no orchestration*: orchestration 0.9 -> 0" in text
    effects = pd.read_csv(tmp_path / "effects.csv")
    assert set(effects["variant"]) == {"no orchestration", "no curation"}
    tidy = pd.read_parquet(tmp_path / "tidy.parquet")
    finals = stats.final_week(tidy)
    full = finals[finals["variant"] == "full design"]
    no_orch = finals[finals["variant"] == "no orchestration"]
    assert (no_orch["orchestration"] == 0).all() and (full["orchestration"] == 0.9).all()
    assert set(finals["point"]) == {0, 1, 2} and len(finals) == 3 * 3 - 1
    assert sorted(finals.loc[finals["variant"] == "no curation", "seed"]) == [0, 2]
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert summary.loc[summary["variant"] == "no curation", "n"].eq(2).all()
    row = effects[
        (effects["variant"] == "no orchestration") & (effects["metric"] == "progress")
    ].iloc[0]
    assert row["median_difference"] == pytest.approx(
        no_orch["progress"].median() - full["progress"].median()
    )
    assert row["A"] == pytest.approx(stats.vargha_delaney_a(no_orch["progress"], full["progress"]))


def test_heatmap_quick(tmp_path, capsys):
    path = run_quick(heatmap, tmp_path, capsys)
    text = path.read_text()
    assert embedded(text) == set(figures_of(tmp_path)) == {"heatmap"}
    assert "below 0.2" in text and "3 x 2 grid" in text
    # --quick's grid misses the design's own settings (0.9, 0.8): the report says so
    assert "orchestration=0.9, leadership_backing=0.8, which is not on this grid" in text
    assert "mostly stall" not in text  # cells end low; stalling is the runs' own diagnosis
    cells = pd.read_csv(tmp_path / "cells.csv")
    assert len(cells) == 3 * 2
    assert "stalled" not in cells and {"low_progress", "low_progress_share"} <= set(cells)
    finals = stats.final_week(pd.read_parquet(tmp_path / "tidy.parquet"))
    for cell in cells.itertuples():
        runs = finals[
            (finals["orchestration"] == cell.orchestration)
            & (finals["leadership_backing"] == cell.leadership_backing)
        ]
        assert len(runs) == 2
        assert cell.median_progress == pytest.approx(runs["progress"].median())
        assert cell.low_progress == ((runs["progress"] < 0.2).mean() > 0.5)


def heatmap_finals(metric, values):
    """A synthetic tidy table: one run per cell of a 2 x 2 grid, at weeks 0 and 1."""
    rows = [
        {"run": k, "week": w, "orchestration": x, "leadership_backing": y, metric: v if w else 0.0}
        for k, ((x, y), v) in enumerate(
            zip([(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)], values, strict=True)
        )
        for w in (0, 1)
    ]
    return pd.DataFrame(rows)


def test_heatmap_cells_end_low_only_by_progress():
    settings = {
        "x": "orchestration",
        "y": "leadership_backing",
        "metric": "progress",
        "stall_below": 0.2,
        "stall_share": 0.5,
    }
    table = heatmap.cells(heatmap_finals("progress", [0.1, 0.5, 0.3, 0.9]), settings)
    assert list(table["low_progress"]) == [True, False, False, False]
    lines = heatmap._reading(table, settings)
    assert lines[0] == (
        "1 of 4 cells end low: in each, more than 50% of runs end with progress below 0.2."
    )
    assert "not the model's stall diagnosis" in " ".join(lines)
    # claims gap (-0.35 to -0.53): no threshold, no outline, no "stall" reading of the cells
    gap = {**settings, "metric": "claims_gap"}
    table = heatmap.cells(heatmap_finals("claims_gap", [-0.35, -0.41, -0.47, -0.53]), gap)
    assert not {"low_progress", "low_progress_share"} & set(table)
    lines = heatmap._reading(table, gap)
    assert not any("end low" in line or "mostly" in line for line in lines)
    assert lines[0].startswith("Median final claims_gap ranges from -0.53")
    assert lines[0].endswith("; lower is better.")
    assert lines[-1].startswith("No cell is outlined")


def test_the_heatmap_report_says_whether_the_design_is_a_cell():
    settings = {"x": "orchestration", "y": "leadership_backing"}
    on = pd.DataFrame({"orchestration": [0.0, 0.9], "leadership_backing": [0.8, 0.8]})
    assert "a cell of the grid (framed" in heatmap._where_the_design_sits(
        on, settings, "impact_partnership"
    )
    off = pd.DataFrame({"orchestration": [0.0, 1.0], "leadership_backing": [0.0, 1.0]})
    assert "not on this grid, so no cell is the design" in heatmap._where_the_design_sits(
        off, settings, "impact_partnership"
    )


def test_the_reading_names_designs_whose_runs_split_between_stalling_and_not():
    finals = pd.DataFrame(
        {
            "design": ["a"] * 10 + ["b"] * 10 + ["c"] * 10,
            "stalled": [True] * 5 + [False] * 5 + [True] * 10 + [True] * 1 + [False] * 9,
        }
    )
    text = compare._split_runs(finals)
    assert "in A (50% stalled)" in text
    assert "(100% stalled)" not in text and "(10% stalled)" not in text
    none = compare._split_runs(finals[finals["design"] != "a"])
    assert none.startswith("; no design's runs split between stalling and not")


def test_the_reading_counts_each_designs_runs_that_meet_expectations():
    finals = pd.DataFrame(
        {
            "design": ["a"] * 4 + ["b"] * 3,
            "meets_expectations": [True, True, False, True, False, False, False],
        }
    )
    text = compare._expectations_reading(finals)
    assert "A 3 of 4; B 0 of 3." in text
    assert compare._expectations_reading(finals.drop(columns="meets_expectations")) == ""


def test_demo_help_names_the_file_it_runs(capsys):
    with pytest.raises(SystemExit):
        demo.main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "Settings: configs/experiment/compare.yaml" in text and "demo.yaml" not in text
    assert (CONFIG_DIR / "experiment" / "compare.yaml").exists()


def test_heatmap_axes_must_be_swept(tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        heatmap.main(["--quick", "--out", str(tmp_path), "--jobs", "1", "analysis.x=curation"])
    assert stopped.value.code == 2
    message = capsys.readouterr().err.strip().splitlines()[-1]
    assert "analysis.x='curation'" in message and "orchestration" in message


def test_sensitivity_quick(tmp_path, capsys):
    path = run_quick(sensitivity, tmp_path, capsys)
    assert embedded(path.read_text()) == set(figures_of(tmp_path)) == {"morris", "sobol"}
    morris = pd.read_csv(tmp_path / "morris.csv")
    sobol = pd.read_csv(tmp_path / "sobol.csv")
    factors = ["orchestration", "curation", "progress_rate"]  # the file's quick.analysis
    assert set(morris["parameter"]) == set(factors)
    assert set(morris["metric"]) == set(sobol["metric"]) == {"progress", "systems_change"}
    assert sobol["parameter"].nunique() == 2
    assert (morris["mu_star"] >= 0).all() and np.isfinite(sobol[["ST", "S1"]]).all().all()
    # the reading claims interactions only where the intervals let it tell
    text = path.read_text()
    for metric, part in sobol.groupby("metric"):
        line = next(
            t
            for t in text.splitlines()
            if t.startswith(f"- Sobol, {BY_NAME[metric].label.lower()}:")
        )
        wide = (part["S1_conf"] >= part["S1"].abs()).all()
        assert ("too small to tell" in line) == wide
        assert wide or "too small" not in line
    # every run is one row of the stage's sample, with that row's values
    runs = pd.read_csv(tmp_path / "runs.csv")
    sample = pd.read_csv(tmp_path / "points_morris.csv")
    morris_runs = runs[runs["stage"] == "morris"].sort_values("point")
    assert list(morris_runs["point"]) == list(range(len(sample)))
    np.testing.assert_allclose(morris_runs[factors].to_numpy(), sample[factors].to_numpy())
    # Morris mu* recomputed from the runs and the sample
    from SALib.analyze import morris as morris_analyze

    problem = sensitivity.problem_of(
        {f: b for f, b in zip(factors, [[0.0, 1.0], [0.0, 1.0], [0.015, 0.05]], strict=True)}
    )
    result = morris_analyze.analyze(
        problem,
        sample[factors].to_numpy(),
        morris_runs["progress"].to_numpy(),
        num_resamples=100,
        num_levels=4,
        seed=0,
    )
    expected = dict(zip(problem["names"], result["mu_star"], strict=True))
    found = morris[morris["metric"] == "progress"].set_index("parameter")["mu_star"]
    assert found.to_dict() == pytest.approx(expected)


def test_sensitivity_reading_claims_interactions_only_when_the_intervals_allow():
    morris = pd.DataFrame({"metric": "progress", "parameter": ["a", "b"], "mu_star": [0.2, 0.1]})

    def reading(s1, s1_conf):
        sobol = pd.DataFrame(
            {
                "metric": "progress",
                "parameter": ["a", "b"],
                "ST": [0.6, 0.4],
                "ST_conf": [0.1, 0.1],
                "S1": s1,
                "S1_conf": s1_conf,
            }
        )
        return next(
            line
            for line in sensitivity._reading(morris, sobol, ["a", "b"])
            if line.startswith("Sobol")
        )

    narrow = reading([0.3, 0.18], [0.05, 0.04])
    assert "sum of first-order indices is 0.48 (well below 1: interactions matter)" in narrow
    wide = reading([0.3, 0.18], [0.5, 0.2])  # --quick's: every interval wider than its index
    assert "interactions matter" not in wide.replace("whether interactions matter", "")
    assert "too small to tell whether interactions matter" in wide
    assert "interactions" not in reading([0.55, 0.4], [0.05, 0.04])  # sum near 1


def test_size_quick(tmp_path, capsys):
    path = run_quick(size, tmp_path, capsys)
    assert embedded(path.read_text()) == set(figures_of(tmp_path)) == {"size"}
    finals = stats.final_week(pd.read_parquet(tmp_path / "tidy.parquet"))
    base = resolve("impact_partnership")
    start = sum(getattr(base, n) for n in size.SECTOR_COUNTS)
    assert sorted(finals["start_members"].unique()) == [start, 2 * start]
    assert finals[column_name("members_business")].isin([4, 8]).all()  # the points rows
    table = pd.read_csv(tmp_path / "sizes.csv")
    # --quick's few runs per size and level give no interval, as its notice says
    assert "[n/a]" in path.read_text() and table.filter(like="_low").isna().all().all()
    small = finals[(finals["start_members"] == start) & (finals["orchestration"] == 0)]
    assert table.loc[0, "progress_per_member_at0"] == pytest.approx(
        (small["progress"] / start).median()
    )


# --- run_many (the calibration studies and benchmarks) --------------------------------------


def test_run_many_parallel_equals_sequential_and_marks_swept_parameters():
    jobs = jobs_for(["impact_partnership"], [0, 1], steps=5)
    jobs += jobs_for(["business_led"], [0], steps=5)
    one = run_many(jobs, 1, progress=False)
    two = run_many(jobs, 2, progress=False)
    pd.testing.assert_frame_equal(one, two)
    assert len(one) == 3 * 6 and list(one["run"].unique()) == [0, 1, 2]
    assert "orchestration" in one and "param_members_business" in one  # differ by design
    assert "trust_gain" not in one  # the same in every job
    assert one.columns.get_loc("week") > one.columns.get_loc("orchestration")
    assert set(STALL_FIELDS) <= set(one.columns)
    assert one["stall_week"].dtype == "Int64" and one["stalled"].dtype == bool


def test_run_many_records_a_failing_run_and_keeps_the_others(capsys):
    good = jobs_for(["impact_partnership"], [0], steps=3)[0]
    jobs = [good, Job("broken", None, 0), good]
    kept = run_many(jobs, 1, progress=False, errors="skip")
    assert sorted(kept["run"].unique()) == [0, 2]
    assert kept.attrs["failed"] == [(1, "broken", 0)]
    assert "1 of 3 runs failed" in capsys.readouterr().err
    with pytest.raises(RuntimeError, match="1 of 3 runs failed"):
        run_many(jobs, 1, progress=False)


def test_swept_columns_only_lists_what_varies():
    jobs = [
        Job("impact_partnership", resolve("impact_partnership", orchestration=v), 0)
        for v in (0.0, 0.5)
    ]
    assert list(swept_columns(jobs).columns) == ["orchestration"]
