"""experiments.collect: one row per run and week, swept parameters as columns, failures kept."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from experiments.collect import main
from experiments.kit.gather import collect
from sim.cli.records import write_run
from sim.metrics import METRICS
from sim.run import ROOT, run_one
from sim.scenarios import resolve

STEPS = 5
FAILED = "scenario=business_led,seed=1,orchestration=0.5"


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory) -> Path:
    """2 designs x 2 seeds x 2 orchestration levels, one run made to fail."""
    folder = tmp_path_factory.mktemp("collect") / "sweep"
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "-m",
            "scenario=impact_partnership,business_led",
            "seed=0,1",
            "orchestration=0,0.5",
            f"steps={STEPS}",
            "hydra/launcher=basic",
            f"hydra.sweep.dir={folder}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**env, "SIM_INJECT_FAILURE": FAILED},
    )
    assert done.returncode == 0, done.stderr
    return folder


def test_one_row_per_run_and_week_with_swept_parameters(sweep_folder):
    tidy, summary = collect(sweep_folder)
    metrics = [m.name for m in METRICS]
    assert list(tidy.columns[:6]) == [
        "run_id",
        "scenario",
        "seed",
        "orchestration",
        "steps",
        "completed",
    ]
    assert {"week", *metrics} <= set(tidy.columns)
    done = tidy[tidy["completed"]]
    assert done.groupby("run_id").size().eq(STEPS + 1).all()  # week 0 and every week after
    assert done.groupby("run_id")["week"].apply(list).map(lambda w: w == list(range(6))).all()
    assert done["run_id"].nunique() == 7
    assert not done.duplicated(["scenario", "seed", "orchestration", "week"]).any()
    assert set(tidy["orchestration"]) == {0.0, 0.5}
    assert set(tidy["seed"]) == {0, 1} and set(tidy["steps"]) == {STEPS}
    # The failed run is one row, flagged, with no week and no numbers.
    failed = tidy[~tidy["completed"]]
    assert len(failed) == 1 and failed["week"].isna().all()
    assert failed[metrics].isna().all().all()
    assert failed.iloc[0][["scenario", "seed", "orchestration"]].tolist() == [
        "business_led",
        1,
        0.5,
    ]
    # Each run's rows are that run's own timeseries.csv.
    run = done["run_id"].iloc[0]
    own = pd.read_csv(sweep_folder / run / "timeseries.csv")
    rows = done[done["run_id"] == run].reset_index(drop=True)
    pd.testing.assert_frame_equal(rows[own.columns], own, check_dtype=False)


def test_summary_has_one_row_per_run_with_final_values_and_errors(sweep_folder):
    tidy, summary = collect(sweep_folder)
    assert len(summary) == 8 and summary["run_id"].is_unique
    assert summary["completed"].sum() == 7
    error = summary.loc[~summary["completed"], "error"].item()
    assert error.startswith("RuntimeError") and "injected" in error
    assert summary.loc[summary["completed"], "error"].isna().all()
    assert "time_to_half_progress" in summary
    # The stall diagnosis of each run, as in its summary.json; empty for the failed run.
    for run_id, row in summary.set_index("run_id").iterrows():
        record = json.loads((sweep_folder / run_id / "summary.json").read_text())
        if row["completed"]:
            assert row["stalled"] == record["stalled"]
            assert (
                pd.isna(row["stall_week"])
                if record["stall_week"] is None
                else row["stall_week"] == record["stall_week"]
            )
            assert row["stall_cause"] == record["stall_cause"] or (
                record["stall_cause"] is None and pd.isna(row["stall_cause"])
            )
            assert row["best_remedy"] == record["best_remedy"] or (
                record["best_remedy"] is None and pd.isna(row["best_remedy"])
            )
        else:
            assert row[["stalled", "stall_week", "stall_cause", "best_remedy"]].isna().all()
    last = tidy[tidy["week"] == STEPS].set_index("run_id")
    for metric in ("progress", "systems_change", "legitimacy", "members"):
        ok = summary[summary["completed"]].set_index("run_id")[metric]
        assert ok.to_numpy() == pytest.approx(last.loc[ok.index, metric].to_numpy(), rel=1e-12)


def test_command_line_writes_parquet_and_csv_readable_in_one_line(sweep_folder, capsys):
    assert main([str(sweep_folder)]) == 0
    out = capsys.readouterr().out
    assert "8 runs (1 failed)" in out
    tidy, summary = collect(sweep_folder)
    pd.testing.assert_frame_equal(pd.read_parquet(sweep_folder / "tidy.parquet"), tidy)
    pd.testing.assert_frame_equal(pd.read_parquet(sweep_folder / "summary.parquet"), summary)
    assert len(pd.read_csv(sweep_folder / "tidy.csv")) == len(tidy)
    assert len(pd.read_csv(sweep_folder / "summary.csv")) == len(summary)
    # Collecting again reads the runs, not the tables it wrote.
    again, _ = collect(sweep_folder)
    pd.testing.assert_frame_equal(again, tidy)


def test_module_runs_as_a_script(sweep_folder, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "experiments.collect", str(sweep_folder), "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert str(tmp_path / "tidy.parquet") in done.stdout
    assert len(pd.read_parquet(tmp_path / "tidy.parquet")) == 7 * (STEPS + 1) + 1


def test_refuses_a_folder_without_runs(tmp_path, capsys):
    assert main([str(tmp_path)]) == 2
    assert "no run records" in capsys.readouterr().err
    assert main([str(tmp_path / "missing")]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_parameter_named_like_a_metric_gets_its_own_column(tmp_path):
    """members_business is a starting size and a weekly count: both survive."""
    for start in (3, 6):
        params = resolve("business_led", steps=2, members_business=start)
        write_run(
            tmp_path / f"members_business={start}",
            run_one(params, 0),
            scenario="business_led",
            overrides=[f"members_business={start}"],
            parameters={"members_business": start},
        )
    tidy, summary = collect(tmp_path)
    assert set(tidy["param_members_business"]) == {3, 6}
    week0 = tidy[tidy["week"] == 0].set_index("param_members_business")["members_business"]
    assert week0.loc[3] == 3 and week0.loc[6] == 6
    assert set(summary["param_members_business"]) == {3, 6}


def test_keep_chooses_the_runs_gathered(sweep_folder):
    """An experiment keeps only its own sweep's runs when the folder holds others too."""
    tidy, summary = collect(sweep_folder, keep=lambda r: r["parameters"]["orchestration"] == 0)
    assert len(summary) == 4 and set(summary["orchestration"]) == {0}
    assert set(tidy["run_id"]) == set(summary["run_id"])
    with pytest.raises(FileNotFoundError, match="no run records"):
        collect(sweep_folder, keep=lambda record: False)
