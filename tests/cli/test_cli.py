"""The command line: config keys match Params, one run writes its record, bad input stops cleanly."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hydra import compose, initialize_config_dir
from omegaconf import open_dict

import sim
from sim.cli.checks import (
    CONFIG_DIR,
    CONFIG_FILE,
    RUN_KEYS,
    UsageError,
    check_argv,
    check_experiment_file,
    config_groups,
    generated_block_of,
    parameter_block,
)
from sim.cli.main import params_of, run_folder, verdict
from sim.cli.records import atomic_path
from sim.diagnosis import CAUSE_LABELS, REMEDY_BY_NAME
from sim.params import ParameterError, Params
from sim.provenance import model_fingerprint, version
from sim.run import ROOT, run_one
from sim.scenarios import resolve

RAY_SCHEMA_WARNING = (
    "ignore:\\s*'hydra/launcher/ray' is validated against ConfigStore schema"
    ":UserWarning"
)  # configs/hydra/launcher/ray.yaml replaces the plugin's


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in ("SIM_INJECT_FAILURE", "HYDRA_FULL_ERROR")
    }
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**clean, **(env or {})},
    )


def test_config_keys_are_the_params_fields():
    config = yaml.safe_load(CONFIG_FILE.read_text(encoding="utf-8"))
    keys = set(config) - {"defaults", "hydra"}
    assert keys == {*RUN_KEYS, *Params.names()}
    assert (config["points"], config["point"], config["quicklook"]) == (None, None, True)
    assert all(config[name] is None for name in Params.names())  # null = the scenario's value
    # The comments (range, unit, help) are regenerated too: stale text fails here.
    assert generated_block_of() == parameter_block(), (
        "configs/config.yaml is stale: run python -m sim.cli.checks --write-config"
    )


def test_composed_config_resolves_to_the_scenario_with_overrides():
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("config", overrides=["scenario=business_led", "seed=3", "transparency=0.9"])
    params, seed = params_of(cfg)
    assert seed == 3
    assert params == resolve("business_led", transparency=0.9)
    assert params != resolve("business_led")


@pytest.mark.parametrize("experiment", config_groups()["experiment"])
def test_every_experiment_file_composes_and_resolves(experiment):
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("config", overrides=[f"+experiment={experiment}"], return_hydra_config=True)
    assert str(cfg.hydra.mode) == "RunMode.MULTIRUN"  # a sweep without -m
    assert cfg.hydra.sweep.dir == f"outputs/experiments/{experiment}"  # fixed: re-running resumes
    with open_dict(cfg):
        del cfg["hydra"]
        if cfg.get("points"):  # a points table: its first row
            cfg.point = 0
    params, _ = params_of(cfg)  # the analysis block is ignored
    assert isinstance(params, Params)


@pytest.mark.filterwarnings(RAY_SCHEMA_WARNING)
@pytest.mark.parametrize(
    "launcher", ["default", "joblib", "basic", "ray", "submitit_local", "slurm"]
)
def test_every_launcher_choice_composes(launcher):
    if launcher == "ray":
        pytest.importorskip("hydra_plugins.hydra_ray_launcher")
    if launcher in ("submitit_local", "slurm"):
        pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        overrides = [] if launcher == "default" else [f"hydra/launcher={launcher}"]
        cfg = compose("config", overrides=overrides, return_hydra_config=True)
    target = cfg.hydra.launcher._target_
    expected = {
        "default": "JoblibLauncher",
        "joblib": "JoblibLauncher",
        "basic": "BasicLauncher",
        "ray": "RayLauncher",
        "submitit_local": "LocalLauncher",
        "slurm": "SlurmLauncher",
    }[launcher]
    assert target.endswith(expected)
    if launcher == "default":  # joblib on every core, runs sent four at a time
        assert cfg.hydra.launcher.n_jobs == -1 and cfg.hydra.launcher.batch_size == "4"
    if launcher == "ray":  # a local instance, on the loopback address, without a dashboard
        init = cfg.hydra.launcher.ray.init
        assert init.address is None
        assert init._node_ip_address == "127.0.0.1"
        assert init.include_dashboard is False


def test_version_names_the_package_and_the_model_and_runs_nothing(tmp_path):
    done = run_cli("--version", f"hydra.run.dir={tmp_path / 'run'}")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"partnership-sim {version()} (model fingerprint {model_fingerprint()})\n"
    assert version() == tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert sim.__version__ == version()
    assert not (tmp_path / "run").exists()


def test_without_quicklook_a_run_writes_no_plot(tmp_path):
    folder = tmp_path / "run"
    done = run_cli("scenario=business_led", "steps=3", "quicklook=false", f"hydra.run.dir={folder}")
    assert done.returncode == 0, done.stderr
    assert {p.name for p in folder.iterdir()} >= {"timeseries.csv", "summary.json"}
    assert not (folder / "quicklook.png").exists() and "quicklook.png" not in done.stdout


def test_one_run_writes_timeseries_summary_and_plot(tmp_path):
    folder = tmp_path / "run"
    done = run_cli(
        "scenario=business_led", "seed=3", "transparency=0.9", "steps=12", f"hydra.run.dir={folder}"
    )
    assert done.returncode == 0, done.stderr
    timeseries = pd.read_csv(folder / "timeseries.csv", index_col="week")
    summary = json.loads((folder / "summary.json").read_text())
    png = (folder / "quicklook.png").read_bytes()
    for name in ("timeseries.csv", "summary.json", "quicklook.png"):
        assert str(folder / name) in done.stdout  # it says where they are
    assert list(timeseries.index) == list(range(13))
    assert summary["final"]["progress"] == pytest.approx(timeseries["progress"].iloc[-1], rel=1e-12)
    assert summary["completed"] is True and summary["error"] is None
    assert summary["scenario"] == "business_led" and summary["seed"] == 3
    assert "transparency=0.9" in summary["overrides"]
    assert summary["parameters"]["transparency"] == 0.9
    assert summary["config"]["transparency"] == 0.9
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    provenance = summary["provenance"]  # what made it: the version and the model's fingerprint
    assert provenance["version"] == version() and provenance["model_fingerprint"] == (
        model_fingerprint()
    )
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    assert "MESA" not in (folder / "sim.log").read_text()  # Mesa's per-step INFO is off
    # The CLI is a thin wrapper: the same numbers as run_one with the same parameters and seed.
    direct = run_one(resolve("business_led", transparency=0.9, steps=12), 3).timeseries
    pd.testing.assert_frame_equal(timeseries, direct, check_dtype=False, check_names=False)


def test_one_run_ends_with_the_stall_panels_verdict(tmp_path):
    """A single run's last line says how it went, from its summary.json, in the app's words:
    the talking-shop preset on seed 0 stalls (the workshop guide's exercise 1)."""
    folder = tmp_path / "run"
    done = run_cli(
        "scenario=workshop/talking_shop", "seed=0", "quicklook=false", f"hydra.run.dir={folder}"
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["stalled"] is True
    last = done.stdout.strip().splitlines()[-1]
    assert last == verdict(summary)
    assert last.startswith(f"Final progress {summary['final']['progress']:.2f}, systems change ")
    assert f"Stalled in week {summary['stall_week']}: " in last
    assert CAUSE_LABELS[summary["stall_cause"]].lower() in last
    assert REMEDY_BY_NAME[summary["best_remedy"]].label.lower() in last
    calm = {"final": {"progress": 0.5, "systems_change": 0.25}, "weeks": 156, "stalled": False}
    assert verdict(calm) == (
        "Final progress 0.50, systems change 0.25 after 156 weeks. Never stalled in 156 weeks."
    )
    assert "Too short to judge a stall" in verdict({**calm, "weeks": 20})


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["transparancy=0.9"], ["unknown parameter 'transparancy'", "Did you mean transparency"]),
        (["transparency=1.5"], ["transparency=1.5", "out of range", "from 0 to 1"]),
        (["scenario=nope"], ["scenario='nope' does not exist", "impact_partnership"]),
        (["-m", "orchestration=0,2"], ["orchestration=2", "out of range", "from 0 to 1"]),
        (["convener=citizens", "members_citizens=0"], ["convener='citizens'", "has no members"]),
    ],
    ids=["unknown-key", "out-of-range", "unknown-scenario", "sweep-value", "combination"],
)
def test_bad_input_stops_with_one_clear_line(tmp_path, args, words):
    folder = tmp_path / "never"
    done = run_cli(*args, f"hydra.run.dir={folder}", f"hydra.sweep.dir={folder}")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    message = done.stderr.strip()
    assert message.startswith("error: ") and "\n" not in message
    for word in words:
        assert word in message
    assert not folder.exists()  # stopped before Hydra made a run folder


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["seed=-1"], ["seed=-1 (from the command line)", ">= 0"]),
        (["seed=abc"], ["seed='abc' (from the command line)", "whole number"]),
        (["seed=007"], ["seed='007'", "without leading zeros (seed=7)"]),
        (["steps=2.5"], ["steps=2.5", "whole number from 1"]),
        (["+experiment=nope"], ["experiment='nope' does not exist", "smoke"]),
        (["experiment=smoke"], ["+experiment=smoke"]),
        (["+transparancy=1"], ["unknown parameter 'transparancy'"]),
        (["~orchestration"], ["cannot be deleted"]),
        (["orchestration=0,1"], ["add -m"]),
        (["facets={rules:[money]}"], ["'money'", "asset types are"]),
        (["convener=nobody"], ["convener='nobody'", "allowed values are"]),
        (["quicklook=maybe"], ["quicklook='maybe'", "true or false"]),
        (["-m", "+experiment=compare", "analysis.band=0.8,0.9"], ["cannot be swept"]),
    ],
)
def test_check_argv_refuses(argv, words):
    with pytest.raises((UsageError, ParameterError)) as caught:
        check_argv(argv)
    for word in words:
        assert word in str(caught.value)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            "transparancy: 0.5\n",
            ["unknown parameter 'transparancy'", "bad.yaml", "Did you mean transparency"],
        ),
        ("steps: 0\n", ["steps=0", "bad.yaml", "out of range"]),
        (
            "hydra:\n  sweeper:\n    params:\n      orchestration: 0,3\n",
            ["orchestration=3", "bad.yaml", "out of range"],
        ),
        (
            "hydra:\n  sweeper:\n    params:\n      scenario: business_led,nope\n",
            ["scenario='nope' does not exist"],
        ),
    ],
)
def test_experiment_files_are_checked_before_any_run(tmp_path, text, words):
    path = tmp_path / "bad.yaml"
    path.write_text("# @package _global_\n" + text)
    with pytest.raises((UsageError, ParameterError)) as caught:
        check_experiment_file(path)
    for word in words:
        assert word in str(caught.value)


def test_check_argv_accepts_valid_commands():
    check_argv(["scenario=business_led", "seed=3", "transparency=0.9", "quicklook=false"])
    check_argv(["+experiment=compare", "analysis.band=0.8"])  # read by experiments.compare
    check_argv(
        [
            "-m",
            "scenario=impact_partnership,business_led",
            "seed=range(0,3)",
            "orchestration=0,0.5",
            "hydra/launcher=joblib",
            "hydra.launcher.n_jobs=2",
            "hydra.sweep.dir=outputs/x",
            "+experiment=smoke",
        ]
    )
    check_argv(["--cfg", "job", "facets={rules:[authority,expertise]}", "target_members=null"])


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "summary.json"
    path.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(path) as tmp:
        tmp.write_text("half")
        raise RuntimeError("disk full")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]
    with atomic_path(path) as tmp:
        tmp.write_text("new")
    assert path.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


# --- points tables ---------------------------------------------------------------------

POINTS = (
    "label,scenario,orchestration,steps,facets\n"
    'a,,0.5,4,\nb,business_led,,3,\nc,,1,3,"{rules:[authority,expertise]}"\n'
)


def points_file(folder, text=POINTS, name="points.csv"):
    path = folder / name
    path.write_text(text)
    return str(path)


def test_a_points_row_is_applied_before_validation(tmp_path):
    path = points_file(tmp_path)
    check_argv(["-m", f"points={path}", "point=range(0,3)", "seed=0,1"])
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(
            "config", overrides=[f"points={path}", "point=1", "steps=50", "orchestration=0.2"]
        )
    params, seed = params_of(cfg)
    # the row's scenario and steps win; its empty orchestration cell keeps the run's value
    assert params == resolve("business_led", steps=3, orchestration=0.2) and seed == 0
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("config", overrides=[f"points={path}", "point=2"])
    assert params_of(cfg)[0] == resolve(
        "impact_partnership", orchestration=1, steps=3, facets={"rules": ["authority", "expertise"]}
    )


@pytest.mark.parametrize(
    ("text", "argv", "words"),
    [
        (
            "label,orchestraton\nx,0.5\n",
            ["point=0"],
            [
                "unknown column 'orchestraton' (column 2)",
                "Did you mean orchestration",
                "Allowed columns: label, scenario, seed, orchestration",
            ],
        ),
        (
            "orchestration\n0.5\n1.5\n",
            ["-m", "point=0,1"],
            [
                "orchestration=1.5",
                "points file",
                "point=1 (line 3), column orchestration",
                "out of range",
                "from 0 to 1",
            ],
        ),
        ("steps\nmany\n", ["point=0"], ["steps='many'", "column steps", "not a number"]),
        (
            "orchestration\n0.5\n",
            ["-m", "point=range(0,3)"],
            ["point=1", "has 1 rows", "from 0 to 0"],
        ),
        ("orchestration\n0.5\n", [], ["is set but no point is", "point=range(0,1)"]),
        (
            "orchestration,curation\n0.5\n",
            ["point=0"],
            ["point=0 (line 2) has 1 cells", "header names 2 columns"],
        ),
        ("orchestration,orchestration\n0.5,1\n", ["point=0"], ["'orchestration' is given twice"]),
        ('orchestration\n"0,1"\n', ["point=0"], ["lists several values"]),
        (
            "convener,members_citizens\ncitizens,0\n",
            ["point=0"],
            ["convener='citizens'", "has no members"],
        ),
        ("", ["point=0"], ["is empty"]),
        ("orchestration\n", ["point=0"], ["has a header but no rows"]),
    ],
    ids=[
        "unknown-column",
        "bad-value",
        "not-a-number",
        "row-out-of-range",
        "no-point",
        "short-row",
        "column-twice",
        "several-values",
        "combination",
        "empty",
        "no-rows",
    ],
)
def test_a_bad_points_table_is_refused_in_one_line(tmp_path, text, argv, words):
    path = points_file(tmp_path, text)
    with pytest.raises((UsageError, ParameterError)) as caught:
        check_argv([*argv, f"points={path}"])
    message = str(caught.value)
    assert "\n" not in message and path in message  # names the file
    for word in words:
        assert word in message, message


def test_points_and_point_go_together_and_the_file_must_exist(tmp_path):
    with pytest.raises(UsageError, match="point=2 .* needs a points file"):
        check_argv(["point=2"])
    with pytest.raises(ParameterError, match="points='nope.csv' .*no such file"):
        check_argv(["points=nope.csv", "point=0"])
    with pytest.raises(ParameterError, match="point=-1 .*whole number >= 0"):
        check_argv([f"points={points_file(tmp_path)}", "point=-1"])


def test_a_bad_points_table_stops_the_command_before_any_run(tmp_path):
    path = points_file(tmp_path, "orchestration\n0.5\n7\n")
    folder = tmp_path / "never"
    done = run_cli("-m", f"points={path}", "point=range(0,2)", f"hydra.sweep.dir={folder}")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    message = done.stderr.strip()
    assert message.startswith("error: orchestration=7 (from points file ") and "\n" not in message
    assert "point=1 (line 3), column orchestration" in message
    assert not folder.exists()


def test_a_single_run_claims_a_flat_folder_of_its_own(tmp_path, monkeypatch):
    """A single run's folder is made before Hydra starts: `scenario=workshop/<name>` (or a
    .yaml path) gets a flat name, and a second run of the same scenario and seed in the same
    second gets `-2` rather than overwriting the first; sweeps, experiment files, a chosen
    folder and flags are left alone."""
    monkeypatch.chdir(tmp_path)
    pattern = re.compile(
        r"hydra\.run\.dir=outputs/runs/\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d"
        r"_workshop-talking_shop_seed2"
    )
    added = run_folder(["scenario=workshop/talking_shop", "seed=2"])[-1]
    assert pattern.fullmatch(added), added
    assert (tmp_path / added.split("=", 1)[1]).is_dir()
    assert run_folder(["scenario=/x y/my design.yaml"])[-1].endswith("_my-design_seed0")
    first = run_folder(["transparency=0.1"])[-1].split("=", 1)[1]
    second = run_folder(["transparency=0.9"])[-1].split("=", 1)[1]
    assert first.endswith("_impact_partnership_seed0")
    if Path(second).name.startswith(Path(first).name):  # the same second
        assert second == f"{first}-2"
    for argv in (
        ["-m", "scenario=workshop/talking_shop"],
        ["+experiment=smoke", "scenario=workshop/talking_shop"],
        ["scenario=workshop/talking_shop", "hydra.run.dir=here"],
        ["--cfg", "job"],
    ):
        assert run_folder(argv) == argv
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("SIM_INJECT_FAILURE", None)
    (tmp_path / "started").mkdir()
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sim",
                "scenario=workshop/talking_shop",
                "steps=2",
                "quicklook=false",
                f"transparency={t}",
            ],
            cwd=tmp_path / "started",
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for t in (0.1, 0.9)
    ]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
    folders = sorted((tmp_path / "started" / "outputs" / "runs").iterdir())
    assert len(folders) == 2  # never one folder for both, even when they start together
    assert all("_workshop-talking_shop_seed0" in f.name for f in folders)
    summaries = [json.loads((f / "summary.json").read_text()) for f in folders]
    assert {s["parameters"]["transparency"] for s in summaries} == {0.1, 0.9}
    assert all(s["scenario"] == "workshop/talking_shop" and s["completed"] for s in summaries)
    assert not any("hydra.run.dir" in o for s in summaries for o in s["overrides"])
