"""Sweeps: every launcher gives the same numbers; failures are recorded; re-runs resume."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.cli.records import is_done, write_run
from sim.run import ROOT, config_hash, run_one
from sim.scenarios import resolve

SMOKE_RUNS = {
    f"scenario={s},seed={n}" for s in ("impact_partnership", "business_led") for n in (0, 1)
}


def sweep_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "sim", "-m", *args]


def env_with(**extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("SIM_INJECT_FAILURE", "HYDRA_FULL_ERROR")
    }
    return {**env, **extra}


def sweep(*args: str, **extra_env: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        sweep_cmd(*args),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env_with(**extra_env),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def records(folder: Path) -> dict[str, dict]:
    """Run folder name -> its summary.json."""
    return {p.parent.name: json.loads(p.read_text()) for p in folder.glob("*/summary.json")}


def timeseries(folder: Path) -> dict[str, str]:
    return {p.parent.name: p.read_text() for p in folder.glob("*/timeseries.csv")}


def mtimes(folder: Path) -> dict[str, int]:
    return {
        str(p.relative_to(folder)): p.stat().st_mtime_ns
        for name in ("summary.json", "timeseries.csv", "quicklook.png")
        for p in folder.glob(f"*/{name}")
    }


@pytest.fixture(scope="module")
def basic_smoke(tmp_path_factory) -> Path:
    """The smoke experiment run one job at a time: the reference numbers."""
    folder = tmp_path_factory.mktemp("basic") / "sweep"
    sweep("+experiment=smoke", "hydra/launcher=basic", f"hydra.sweep.dir={folder}")
    return folder


def test_smoke_experiment_writes_one_record_per_run(basic_smoke):
    found = records(basic_smoke)
    assert set(found) == SMOKE_RUNS
    assert all(r["completed"] and r["weeks"] == 8 for r in found.values())
    assert {(r["scenario"], r["seed"]) for r in found.values()} == {
        (s, n) for s in ("impact_partnership", "business_led") for n in (0, 1)
    }
    # Different seeds differ: the sweep really varies what it says it varies.
    series = timeseries(basic_smoke)
    assert series["scenario=business_led,seed=0"] != series["scenario=business_led,seed=1"]


def test_joblib_same_numbers_failure_recorded_and_rerun_resumes(basic_smoke, tmp_path):
    folder = tmp_path / "joblib"
    args = ["+experiment=smoke", f"hydra.sweep.dir={folder}"]
    failed_run = "scenario=business_led,seed=1"
    done = sweep(
        *args,
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        SIM_INJECT_FAILURE="scenario=business_led,seed=1",
    )
    # The injected failure is recorded with its error; the other runs complete, with the
    # same numbers as one at a time.
    found = records(folder)
    assert set(found) == SMOKE_RUNS
    assert [k for k, r in found.items() if not r["completed"]] == [failed_run]
    assert "injected" in found[failed_run]["error"]
    assert not (folder / failed_run / "timeseries.csv").exists()
    reference = timeseries(basic_smoke)
    assert timeseries(folder) == {k: v for k, v in reference.items() if k != failed_run}
    assert "FAILED: RuntimeError" in done.stdout
    # a progress line per finished run, counting up to the sweep's size (two runs finishing
    # at the same moment may both count each other)
    counts = re.findall(r"^\[(\d+)/(\d+)\] ", done.stdout, flags=re.MULTILINE)
    assert len(counts) == 4 and {total for _, total in counts} == {"4"}
    assert max(int(n) for n, _ in counts) == 4

    # Re-run with the fault gone: the three finished runs are skipped, the failed one is redone.
    before = {k: v for k, v in mtimes(folder).items() if not k.startswith(failed_run)}
    done = sweep(*args, "hydra/launcher=basic")
    after = mtimes(folder)
    assert done.stdout.count("already done, skipped") == 3
    # a skipped run says so instead of repeating the count as if it had just finished; the
    # redone run counts the sweep complete
    assert (
        len(
            re.findall(
                r"^\[skipped\] .*: already done, skipped \([34]/4 runs of the "
                r"sweep recorded\)$",
                done.stdout,
                flags=re.MULTILINE,
            )
        )
        == 3
    )
    assert re.findall(r"^\[(\d+)/4\] .*completed", done.stdout, flags=re.MULTILINE) == ["4"]
    assert len(before) == 9  # three finished runs, three files each
    assert {k: after[k] for k in before} == before
    assert records(folder)[failed_run]["completed"] is True
    assert timeseries(folder) == reference

    # Once everything is done, a re-run touches nothing.
    done = sweep(*args, "hydra/launcher=basic")
    assert done.stdout.count("already done, skipped") == 4
    assert mtimes(folder) == after


def test_the_command_line_sweep_of_the_docs(tmp_path):
    """Designs x seeds x a knob from the command line: one folder per run, named by overrides."""
    folder = tmp_path / "sweep"
    sweep(
        "scenario=impact_partnership,business_led",
        "seed=range(0,2)",
        "orchestration=0,0.5",
        "steps=3",
        "hydra/launcher=basic",
        f"hydra.sweep.dir={folder}",
    )
    found = records(folder)
    assert len(found) == 8
    assert {(r["scenario"], r["seed"], r["config"]["orchestration"]) for r in found.values()} == {
        (s, n, o)
        for s in ("impact_partnership", "business_led")
        for n in (0, 1)
        for o in (0.0, 0.5)
    }
    assert "orchestration=0.5,scenario=business_led,seed=1,steps=3" in found


def test_a_points_table_sweep_records_each_rows_values_and_resumes(tmp_path):
    """point=range(0,N) runs a CSV file's rows; a failing row is recorded, the rest go on;
    the row's values are the run's parameters, so collect gives them as columns."""
    table = tmp_path / "points.csv"
    table.write_text("label,scenario,orchestration\nlow,,0.1\nbusiness,business_led,\nhigh,,0.9\n")
    folder = tmp_path / "sweep"
    args = [
        f"points={table}",
        "point=range(0,3)",
        "seed=0,1",
        "steps=4",
        "quicklook=false",
        "hydra/launcher=basic",
        f"hydra.sweep.dir={folder}",
    ]
    done = sweep(*args, SIM_INJECT_FAILURE="label=high,seed=1")
    found = records(folder)
    assert set(found) == {f"point={p},seed={n},steps=4" for p in range(3) for n in (0, 1)}
    failed = [k for k, r in found.items() if not r["completed"]]
    assert failed == ["point=2,seed=1,steps=4"] and "FAILED" in done.stdout
    low = found["point=0,seed=0,steps=4"]
    assert low["parameters"]["label"] == "low" and low["parameters"]["orchestration"] == 0.1
    assert low["config"]["orchestration"] == 0.1 and low["scenario"] == "impact_partnership"
    business = found["point=1,seed=1,steps=4"]
    assert (
        business["scenario"] == "business_led"
        and business["parameters"]["scenario"] == "business_led"
    )
    assert not list(folder.glob("*/quicklook.png"))

    from experiments.kit.gather import collect

    tidy, summary = collect(folder)
    assert {"label", "point", "orchestration", "scenario", "seed"} <= set(summary.columns)
    by_label = summary.groupby("label")
    assert by_label["completed"].sum().to_dict() == {"business": 2, "high": 1, "low": 2}
    assert set(summary.loc[summary["label"] == "business", "scenario"]) == {"business_led"}
    resolved = summary.set_index("run_id")["orchestration"]  # the row's, or the design's
    assert resolved["point=0,seed=0,steps=4"] == 0.1
    assert resolved["point=1,seed=0,steps=4"] == resolve("business_led").orchestration

    again = sweep(*args)  # the fault gone: only the failed row runs again
    assert again.stdout.count("already done, skipped") == 5
    assert all(r["completed"] for r in records(folder).values())


def test_scenario_paths_give_flat_run_folders_and_progress_counts_this_sweep(tmp_path):
    """A scenario named by a path gets one flat run folder per run (no folders of folders),
    and the progress lines count this sweep's own runs: a value given twice is one run, and
    a smaller sweep into a folder of a larger one counts only its own."""
    design = tmp_path / "my_design.yaml"
    design.write_text((ROOT / "scenarios" / "business_led.yaml").read_text())
    folder = tmp_path / "sweep"
    args = ["steps=3", "quicklook=false", "hydra/launcher=basic", f"hydra.sweep.dir={folder}"]
    done = sweep(f"scenario={design},workshop/talking_shop", "seed=0,0,1", *args)
    flat = str(design).replace("/", "-")
    expected = {
        f"scenario={name},seed={n},steps=3"
        for name in (flat, "workshop-talking_shop")
        for n in (0, 1)
    }
    assert {p.parent.name for p in folder.rglob("summary.json")} == expected
    assert set(records(folder)) == expected  # all one level down
    assert re.findall(r"^\[(\d+)/(\d+)\] ", done.stdout, flags=re.MULTILINE) == [
        ("1", "4"),
        ("2", "4"),
        ("3", "4"),
        ("4", "4"),
    ]
    assert done.stdout.count("already done, skipped (3/4 runs of the sweep recorded)") == 1
    again = sweep("scenario=workshop/talking_shop", "seed=1", *args)
    assert "already done, skipped (1/1 runs of the sweep recorded)" in again.stdout
    # the records are found by the tools that read a sweep
    from experiments.kit.gather import collect

    assert len(collect(folder)[1]) == 4


def test_a_points_row_replacing_a_command_line_value_is_noted(tmp_path):
    """The row wins (docs/experiments.md), but the run folder carries the command line's
    value, so the command says which rows replace it before anything runs."""
    table = tmp_path / "points.csv"
    table.write_text("label,steps,orchestration\na,5,\nb,,0.5\nc,5,0.2\n")
    folder = tmp_path / "sweep"
    done = sweep(
        f"points={table}",
        "point=range(0,3)",
        "steps=3",
        "orchestration=0.2",
        "quicklook=false",
        "hydra/launcher=basic",
        f"hydra.sweep.dir={folder}",
    )
    notes = [line for line in done.stderr.splitlines() if line.startswith("note: ")]
    assert len(notes) == 2, done.stderr
    assert (
        notes[0].startswith(
            "note: steps=3 (from the command line) is replaced by the "
            "row's own value in 2 of the 3 rows run"
        )
        and "point=0, point=2)" in notes[0]
    )
    assert (
        "orchestration=0.2" in notes[1]
        and "1 of the 3 rows run" in notes[1]
        and "point=1)" in notes[1]
    )
    weeks = {k: r["weeks"] for k, r in records(folder).items()}
    assert weeks == {
        "orchestration=0.2,point=0,steps=3": 5,
        "orchestration=0.2,point=1,steps=3": 3,
        "orchestration=0.2,point=2,steps=3": 5,
    }
    quiet = sweep(
        f"points={table}",
        "point=1",
        "steps=3",
        "quicklook=false",
        "hydra/launcher=basic",
        f"hydra.sweep.dir={folder}",
    )
    assert "note:" not in quiet.stderr


def test_resume_skips_only_the_same_configuration(tmp_path):
    """A record counts as done only for the same resolved configuration and seed."""
    params = resolve("business_led", steps=3)
    write_run(
        tmp_path,
        run_one(params, 2, design="business_led"),
        scenario="business_led",
        overrides=["seed=2"],
        parameters={"seed": 2},
    )
    assert is_done(tmp_path, config_hash=config_hash(params), seed=2)
    assert not is_done(tmp_path, config_hash=config_hash(params), seed=3)
    assert not is_done(tmp_path, config_hash=config_hash(params.with_(steps=4)), seed=2)
    (tmp_path / "timeseries.csv").unlink()
    assert not is_done(tmp_path, config_hash=config_hash(params), seed=2)


# --- cluster launchers, run locally ----------------------------------------------------------


def _descendants(root: int) -> set[int]:
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        children = [p for p, parent in parents.items() if parent == pid and p not in found]
        found.update(children)
        frontier.extend(children)
    return found


def _listening_addresses(pids: set[int]) -> set[str]:
    """Local addresses of TCP sockets in LISTEN state held by `pids` (from /proc)."""
    inodes = set()
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:["):
                    inodes.add(link[8:-1])
        except OSError:
            continue
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            cols = line.split()
            if cols[3] == "0A" and cols[9] in inodes:  # 0A: LISTEN
                raw = bytes.fromhex(cols[1].split(":")[0])
                # /proc prints each 32-bit word of the address in host (little-endian) order
                raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
                found.add(str(ipaddress.ip_address(raw)))
    return found


def _is_loopback(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or bool(mapped and mapped.is_loopback)


@pytest.mark.slow
def test_ray_launcher_same_numbers_and_loopback_only(basic_smoke, tmp_path):
    pytest.importorskip("hydra_plugins.hydra_ray_launcher")
    folder = tmp_path / "ray"
    proc = subprocess.Popen(
        sweep_cmd("+experiment=smoke", "hydra/launcher=ray", f"hydra.sweep.dir={folder}"),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env_with(RAY_DEDUP_LOGS="0"),
    )
    listening: set[str] = set()
    while proc.poll() is None:  # watch every socket Ray's processes open while it runs
        listening |= _listening_addresses(_descendants(proc.pid))
        time.sleep(0.2)
    output = proc.communicate(timeout=60)[0]
    assert proc.returncode == 0, output
    assert listening, "saw no listening socket: the check itself is broken"
    assert all(_is_loopback(a) for a in listening), f"Ray listened beyond loopback: {listening}"
    assert timeseries(folder) == timeseries(basic_smoke)


@pytest.mark.slow
def test_submitit_local_launcher_same_numbers(basic_smoke, tmp_path):
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    folder = tmp_path / "submitit"
    sweep("+experiment=smoke", "hydra/launcher=submitit_local", f"hydra.sweep.dir={folder}")
    assert timeseries(folder) == timeseries(basic_smoke)
    assert all(r["completed"] for r in records(folder).values())
