"""The one engine for many runs (`experiments.kit.engine`): its two back ends give the same
table, the Hydra back end resumes and isolates a failing run, and bad calls are refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments.kit.engine import jobs_for, run_many, write_points
from sim.cli.points import read
from sim.metrics import METRICS

NAMES = [m.name for m in METRICS]


def small_jobs():
    jobs = jobs_for(
        ["business_led", "impact_partnership"], [0, 3], steps=12, labels={"variant": "a"}
    )
    return jobs + jobs_for(
        ["business_led"], [1], steps=12, orchestration=0.7, labels={"variant": "b"}
    )


def test_pool_and_hydra_give_the_same_table(tmp_path):
    jobs = small_jobs()
    pool = run_many(jobs, 2, progress=False)
    hydra = run_many(jobs, 2, progress=False, backend="hydra", out=tmp_path)
    assert list(pool.columns) == list(hydra.columns)
    assert np.array_equal(pool[NAMES].to_numpy(float), hydra[NAMES].to_numpy(float))
    # every value equal, the stall diagnosis and the labels too (dtypes may differ: the Hydra
    # back end reads its records back from disk)
    pd.testing.assert_frame_equal(pool, hydra, check_dtype=False, check_exact=True)
    assert len(list((tmp_path / "runs").rglob("summary.json"))) == len(jobs)


def test_the_points_table_holds_each_jobs_seed_and_what_it_changes(tmp_path):
    jobs = small_jobs()
    table = read(write_points(jobs, tmp_path / "jobs.csv"))
    assert table.columns[:3] == ("label", "scenario", "seed")
    assert "orchestration" in table.columns and "steps" in table.columns
    last = table.values(len(jobs) - 1)
    assert last["seed"] == 1 and last["orchestration"] == 0.7 and last["label"] == "job4"
    assert "orchestration" not in table.values(0)  # the scenario's own value: left empty


def test_hydra_resumes_and_keeps_the_others_when_a_run_fails(tmp_path, monkeypatch):
    jobs = jobs_for(["business_led"], [0, 1, 2], steps=6)
    monkeypatch.setenv("SIM_INJECT_FAILURE", "seed=1")
    table = run_many(jobs, 2, progress=False, backend="hydra", out=tmp_path, errors="skip")
    assert sorted(table["seed"].unique()) == [0, 2]
    assert [f[2] for f in table.attrs["failed"]] == [1]
    monkeypatch.delenv("SIM_INJECT_FAILURE")
    log = tmp_path / "sweep.log"
    again = run_many(jobs, 2, progress=False, backend="hydra", out=tmp_path)
    assert sorted(again["seed"].unique()) == [0, 1, 2]
    assert log.read_text().count("already done, skipped") == 2


def test_bad_calls_are_refused():
    jobs = small_jobs()
    with pytest.raises(ValueError, match="backend='bogus'"):
        run_many(jobs, backend="bogus")
    with pytest.raises(ValueError, match="out=<folder>"):
        run_many(jobs, backend="hydra")
    with pytest.raises(ValueError, match="no jobs"):
        run_many([])
