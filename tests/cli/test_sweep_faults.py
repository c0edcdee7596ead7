"""Sweeps that lose nothing: faults injected into real sweeps and writers.

- a writer killed part-way leaves the old file or none, and its temporary file is never read;
- a sweep killed with SIGKILL keeps every finished run whole, and a re-run does exactly the
  missing ones; a joblib worker killed mid-sweep loses only its own run;
- a full disk (OSError ENOSPC, injected) stops a write with a clear error and no corrupt file;
- two collectors at once write the same tables, and a reader never sees half of one;
- the same seeds give the same numbers through the CLI's basic launcher and experiments.kit.engine
  (joblib); basic vs Hydra's joblib and Ray launchers: tests/cli/test_sweeps.py;
- a failed run that leaves a design (or variant) one run against the reference's two still
  gets compare's and ablation's report and provenance, with n/a for the intervals it cannot
  have (this crashed in scipy's bootstrap before).
"""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments import collect as collect_command
from experiments.kit import gather as collect
from experiments.kit.engine import jobs_for, run_many
from sim.cli import records as output
from sim.run import ROOT, config_hash, run_one
from sim.scenarios import resolve

DESIGNS = ("impact_partnership", "business_led")
SWEEP = ["scenario=" + ",".join(DESIGNS), "seed=range(0,4)", "steps=40", "public_size=20000"]
RUNS = 8
WEEKS = 40


def clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SIM_INJECT_FAILURE", "HYDRA_FULL_ERROR", "SIM_MEMORY_LIMIT")
    }
    return {**env, **extra}


def sweep_cmd(folder: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "sim", "-m", *SWEEP, f"hydra.sweep.dir={folder}", *extra]


def completed_runs(folder: Path) -> dict[str, dict]:
    found = {}
    for path in folder.glob("*/summary.json"):
        record = output.read_summary(path.parent)
        if record and record.get("completed"):
            found[path.parent.name] = record
    return found


def assert_whole(run: Path, record: dict) -> None:
    """A finished run's three files are complete and agree with each other."""
    series = pd.read_csv(run / output.TIMESERIES, index_col="week")
    assert list(series.index) == list(range(WEEKS + 1))
    assert record["weeks"] == WEEKS
    for name, value in record["final"].items():
        assert series[name].iloc[-1] == pytest.approx(value, rel=1e-12, abs=1e-15)
    png = (run / output.QUICKLOOK).read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png.endswith(b"IEND\xaeB`\x82")


def wait_for(predicate, timeout: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the sweep ended before the fault: {proc.communicate()}")
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


# --- an interrupted write ---------------------------------------------------------------

WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from sim.cli.records import atomic_path
    with atomic_path(Path(sys.argv[1])) as tmp:
        with open(tmp, "w") as f:
            f.write('{"completed": true, "scenario": "half", "fin')
            f.flush()
            print("writing", flush=True)
            time.sleep(60)
""")


def test_a_writer_killed_mid_write_leaves_the_old_file_and_an_ignored_temp(tmp_path):
    params = resolve("business_led", steps=3, public_size=200)
    run = tmp_path / "sweep" / "seed=0"
    output.write_run(
        run,
        run_one(params, 0),
        scenario="business_led",
        overrides=["seed=0"],
        parameters={"seed": 0},
    )
    before = (run / output.SUMMARY).read_bytes()
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(run / output.SUMMARY)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env=clean_env(),
    )
    assert writer.stdout.readline().strip() == "writing"
    writer.send_signal(signal.SIGKILL)
    writer.communicate(timeout=30)
    leftovers = list(run.glob(".summary.json.*.tmp"))
    assert len(leftovers) == 1 and b'"fin' in leftovers[0].read_bytes()
    assert (run / output.SUMMARY).read_bytes() == before  # the reader sees the old, whole file
    # A temp file alone (a run killed writing its first summary) is not a run either.
    other = tmp_path / "sweep" / "seed=1"
    other.mkdir()
    (other / ".summary.json.x1y2.tmp").write_text('{"completed": true, "scenario": "bu')
    (other / output.TIMESERIES).write_text("week,progress\n0,0.1\n")
    # collect and resume both ignore them
    tidy, summary = collect.collect(tmp_path / "sweep")
    assert list(summary["run_id"]) == ["seed=0"]
    assert output.is_done(run, config_hash=config_hash(params), seed=0)
    assert not output.is_done(other, config_hash=config_hash(params), seed=1)
    # writing the run again tidies the leftover away
    output.write_run(
        run,
        run_one(params, 0),
        scenario="business_led",
        overrides=["seed=0"],
        parameters={"seed": 0},
    )
    assert not list(run.glob("*.tmp"))


# --- a sweep killed with SIGKILL, and resumed -----------------------------------------------


@pytest.mark.slow
def test_sigkill_mid_sweep_keeps_finished_runs_and_resume_does_the_rest(tmp_path):
    """A basic-launcher sweep of 8 runs is SIGKILLed once 3 have finished, then run again."""
    folder = tmp_path / "sweep"
    proc = subprocess.Popen(
        sweep_cmd(folder, "hydra/launcher=basic"),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=clean_env(),
        start_new_session=True,
    )
    try:
        wait_for(lambda: len(completed_runs(folder)) >= 3, timeout=240, proc=proc)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
    finished = completed_runs(folder)
    assert 3 <= len(finished) < RUNS, "the kill came after the sweep had finished"
    for name, record in finished.items():
        assert_whole(folder / name, record)
    stamps = {p: p.stat().st_mtime_ns for name in finished for p in (folder / name).iterdir()}

    rerun = subprocess.run(
        sweep_cmd(folder, "hydra/launcher=basic"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env=clean_env(),
    )
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    # exactly the missing runs ran; the finished ones were not touched
    skipped = re.findall(r"\] (\S+): already done, skipped", rerun.stdout)
    ran = re.findall(r"\] (\S+): completed in", rerun.stdout)
    assert sorted(skipped) == sorted(finished)
    assert len(ran) == RUNS - len(finished) and not set(ran) & set(finished)
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps
    # the tidy table has every run once
    tidy, summary = collect.collect(folder)
    assert len(summary) == RUNS and summary["run_id"].is_unique and summary["completed"].all()
    assert sorted(zip(summary["scenario"], summary["seed"], strict=True)) == sorted(
        (d, s) for d in DESIGNS for s in range(4)
    )
    assert len(tidy) == RUNS * (WEEKS + 1) and not tidy.duplicated(["run_id", "week"]).any()
    records = completed_runs(folder)
    for name, record in records.items():
        assert_whole(folder / name, record)

    # the same seeds give the same numbers through experiments.kit.engine (joblib, 2 processes)
    table = run_many(jobs_for(DESIGNS, 4, steps=WEEKS, public_size=20000), n_jobs=2, progress=False)
    for name, record in records.items():
        series = pd.read_csv(folder / name / output.TIMESERIES, index_col="week")
        mine = table[(table["design"] == record["scenario"]) & (table["seed"] == record["seed"])]
        pd.testing.assert_frame_equal(
            mine.set_index("week")[series.columns], series, check_dtype=False, check_names=False
        )


def _loky_workers(root: int) -> list[int]:
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == root and b"popen_loky_posix" in cmdline:  # not its resource tracker
                children.append(int(entry))
    return children


@pytest.mark.slow
def test_a_joblib_worker_killed_loses_only_its_own_run(tmp_path):
    folder = tmp_path / "sweep"
    proc = subprocess.Popen(
        sweep_cmd(folder, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2"),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=clean_env(),
        start_new_session=True,
    )
    try:
        wait_for(
            lambda: len(completed_runs(folder)) >= 2 and _loky_workers(proc.pid),
            timeout=240,
            proc=proc,
        )
        os.kill(_loky_workers(proc.pid)[0], signal.SIGKILL)
        log = proc.communicate(timeout=300)[0]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    # joblib stops the sweep (TerminatedWorkerError); every run that finished is whole
    assert proc.returncode != 0 and "TerminatedWorkerError" in log, log
    finished = completed_runs(folder)
    assert len(finished) < RUNS, log
    for name, record in finished.items():
        assert_whole(folder / name, record)
    rerun = subprocess.run(
        sweep_cmd(folder, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env=clean_env(),
    )
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert rerun.stdout.count("already done, skipped") == len(finished)
    assert len(completed_runs(folder)) == RUNS


# --- a full disk ----------------------------------------------------------------------------


def disk_full(monkeypatch, after: int = 10) -> None:
    """Every write of a table, figure or text writes `after` bytes, then fails with ENOSPC."""

    def failing(self, target, *args, **kwargs):
        Path(target).write_bytes(b"x" * after)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))

    def write_text(self, data, *args, **kwargs):
        with open(self, "w", encoding="utf-8") as f:
            f.write(data[:after])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))

    monkeypatch.setattr(pd.DataFrame, "to_csv", failing)
    monkeypatch.setattr(pd.DataFrame, "to_parquet", failing)
    monkeypatch.setattr("matplotlib.figure.Figure.savefig", failing)
    monkeypatch.setattr(Path, "write_text", write_text)


def test_disk_full_while_writing_a_run(tmp_path, monkeypatch):
    params = resolve("business_led", steps=3, public_size=200)
    result = run_one(params, 0)
    run = tmp_path / "run"
    output.write_run(run, result, scenario="business_led", overrides=[], parameters={})
    with monkeypatch.context() as patch:
        disk_full(patch)
        with pytest.raises(OSError) as info:
            output.write_run(
                run,
                run_one(params.with_(steps=4), 0),
                scenario="business_led",
                overrides=[],
                parameters={},
            )
    assert info.value.errno == errno.ENOSPC
    # no temporary file; no summary vouching for numbers it does not describe
    assert sorted(p.name for p in run.iterdir()) == [output.QUICKLOOK, output.TIMESERIES]
    assert not output.is_done(run, config_hash=config_hash(params), seed=0)
    # the old numbers are still whole (the failed write never replaced them)
    assert len(pd.read_csv(run / output.TIMESERIES)) == 4


def test_disk_full_only_for_the_summary(tmp_path, monkeypatch):
    result = run_one(resolve("business_led", steps=3, public_size=200), 0)
    with monkeypatch.context() as patch:

        def no_space(self, *args, **kwargs):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))

        patch.setattr(Path, "write_text", no_space)
        with pytest.raises(OSError):
            output.write_run(tmp_path, result, scenario="business_led", overrides=[], parameters={})
    assert not (tmp_path / output.SUMMARY).exists() and not list(tmp_path.glob("*.tmp"))
    assert collect.find_runs(tmp_path) == []


DISK_FULL_CLI = textwrap.dedent("""
    import errno, os, sys
    import pandas as pd
    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    pd.DataFrame.to_csv = full
    sys.argv = ["sim", *sys.argv[1:]]
    from sim.cli.main import cli
    cli()
""")


def test_disk_full_on_the_command_line(tmp_path):
    run, sweep = tmp_path / "run", tmp_path / "sweep"
    done = subprocess.run(
        [sys.executable, "-c", DISK_FULL_CLI, "steps=2", "public_size=100", f"hydra.run.dir={run}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(),
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        f"error: cannot write the run's results to {run}: No space left on device"
    )
    assert not (run / output.SUMMARY).exists() and not list(run.glob("*.tmp"))
    # in a sweep every run says so, and none is recorded as done
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            DISK_FULL_CLI,
            "-m",
            "seed=0,1",
            "steps=2",
            "public_size=100",
            "hydra/launcher=basic",
            f"hydra.sweep.dir={sweep}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("FAILED: cannot write the run's results") == 2
    assert not list(sweep.rglob(output.SUMMARY)) and not list(sweep.rglob("*.tmp"))


def test_disk_full_while_collecting(tmp_path, monkeypatch, capsys):
    sweep = small_sweep(tmp_path / "sweep")
    assert collect_command.main([str(sweep)]) == 0
    before = {name: (sweep / name).read_bytes() for name in collect.OUTPUTS}
    with monkeypatch.context() as patch:
        disk_full(patch)
        assert collect_command.main([str(sweep)]) == 1
    assert "error: cannot write the tables to" in capsys.readouterr().err
    assert {name: (sweep / name).read_bytes() for name in collect.OUTPUTS} == before
    assert not list(sweep.glob(".*.tmp"))


# --- two collectors at once -------------------------------------------------------------------


def small_sweep(folder: Path, seeds: int = 3) -> Path:
    """Run folders written as the CLI writes them, without starting Hydra."""
    for design in DESIGNS:
        for seed in range(seeds):
            name = f"scenario={design},seed={seed}"
            params = resolve(design, steps=6, public_size=300)
            output.write_run(
                folder / name,
                run_one(params, seed, design=design),
                scenario=design,
                overrides=name.split(","),
                parameters={"scenario": design, "seed": seed},
            )
    return folder


def test_two_collectors_at_once_write_the_same_tables(tmp_path):
    sweep = small_sweep(tmp_path / "sweep")
    expected_tidy, expected_summary = collect.collect(sweep)
    collect.save(sweep, expected_tidy, expected_summary)  # so a reader always has a table
    command = [sys.executable, "-m", "experiments.collect", str(sweep)]
    procs = [
        subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=clean_env(),
        )
        for _ in range(2)
    ]
    reads = 0
    while any(p.poll() is None for p in procs):  # a reader never sees half a table
        for name in collect.OUTPUTS:
            path = sweep / name
            table = pd.read_parquet(path) if name.endswith(".parquet") else pd.read_csv(path)
            assert len(table) == (len(expected_tidy) if "tidy" in name else len(expected_summary))
            reads += 1
    outputs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    assert reads > 0
    pd.testing.assert_frame_equal(pd.read_parquet(sweep / "tidy.parquet"), expected_tidy)
    pd.testing.assert_frame_equal(pd.read_parquet(sweep / "summary.parquet"), expected_summary)
    first = (sweep / "summary.csv").read_text()
    assert collect_command.main([str(sweep)]) == 0 and (sweep / "summary.csv").read_text() == first
    assert not list(sweep.glob(".*.tmp"))


def test_a_damaged_run_is_counted_not_fatal(tmp_path):
    sweep = small_sweep(tmp_path / "sweep", seeds=1)
    damaged = sweep / f"scenario={DESIGNS[0]},seed=0"
    (damaged / output.TIMESERIES).write_text("garbage\x00,\n")
    tidy, summary = collect.collect(sweep)
    row = summary.set_index("run_id").loc[damaged.name]
    assert not row["completed"] and "unreadable" in row["error"]
    assert summary["completed"].sum() == 1
    assert json.loads((damaged / output.SUMMARY).read_text())["completed"] is True  # untouched


# --- a failed run that leaves a group too small for an interval --------------------------------


@pytest.mark.parametrize(
    ("module", "sweep", "fault", "by", "group"),
    [
        (
            "compare",
            "scenario=impact_partnership,business_led",
            "scenario=business_led,seed=1",
            "design",
            "business_led",
        ),
        ("ablation", "point=range(0,2)", "point=1,seed=1", "variant", "no orchestration"),
    ],
)
def test_one_run_left_against_two_still_gets_its_report(tmp_path, module, sweep, fault, by, group):
    """The audit's commands: 2 seeds, one run of one group made to fail."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            f"experiments.{module}",
            "--quick",
            "--jobs",
            "1",
            "--seeds",
            "2",
            sweep,
            "--out",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env=clean_env(SIM_INJECT_FAILURE=fault),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "1 of 4 runs failed" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout.strip().splitlines()[-1] == str(tmp_path / "report.md")
    effects = pd.read_csv(tmp_path / "effects.csv")
    row = effects[(effects[by] == group) & (effects["metric"] == "progress")].iloc[0]
    assert (row["n"], row["n_reference"]) == (1, 2)
    assert np.isfinite(row["median_difference"]) and np.isnan(row["diff_ci_low"])
    assert row["note"] == "too few runs for an interval (1; 6 needed)"
    text = (tmp_path / "report.md").read_text()
    assert "## Failed runs" in text and "[n/a]" in text and "> **Quick run**" in text
    provenance = json.loads((tmp_path / "provenance.json").read_text())
    # compare's equal-resources sweep (experiments.fair) runs business_led at seed 1 too, at the
    # Impact Partnership's resources and, since every budget can move at v2's defaults, with
    # the budget held at its own and at the reference's: the injected failure strikes those
    # three as well, and all are listed
    failed = provenance["failed_runs"]
    assert len(failed) == (4 if module == "compare" else 1) and provenance["seeds"] == [0, 1]
    assert all(run["seed"] == 1 for run in failed)
    assert provenance["command"].startswith(f"python -m experiments.{module} --quick")
