"""Run many (design, parameters, seed) jobs in parallel, in memory, and gather one tidy table.

The experiments (compare, ablation, heatmap, sensitivity, size) do not use this: their runs are
`python -m sim` sweeps of their config files (experiments.kit.sweep), each run with its own record.
`run_many` stays for what needs many runs' numbers in memory and no record on disk: the
benchmarks' throughput measure and the tests that compare it with the command line. It uses
joblib on the cores of one machine and shows a tqdm progress bar.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import hashlib
import inspect
import os
import pickle
import re
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from tqdm import tqdm

from sim.metrics import BY_NAME, METRICS
from sim.params import Params
from sim.provenance import model_fingerprint
from sim.run import ROOT, STALL_FIELDS, config_hash, run_one
from sim.scenarios import resolve

RESULTS = ROOT / "results"


@dataclass(frozen=True)
class Job:
    """One run to make: a design's name (for tables and colours), its parameters and a seed.

    `labels` are extra columns for the tidy table, such as an ablation's variant name.
    """

    design: str
    params: Params
    seed: int
    labels: Mapping[str, Any] = field(default_factory=dict)


def jobs_for(
    designs: Sequence[str],
    seeds: Sequence[int] | int,
    *,
    labels: Mapping[str, Any] | None = None,
    **overrides: Any,
) -> list[Job]:
    """One job per design and seed, each design's scenario resolved with `overrides` on top."""
    seeds = range(seeds) if isinstance(seeds, int) else seeds
    jobs = []
    for design in designs:
        params = resolve(design, **overrides)
        jobs.extend(Job(design, params, int(seed), dict(labels or {})) for seed in seeds)
    return jobs


def _run_job(index: int, job: Job, final_only: bool) -> tuple[int, pd.DataFrame | None, str | None]:
    try:
        result = run_one(job.params, job.seed, design=job.design)
    except Exception:  # a failing run is reported with its traceback; the others go on
        return index, None, traceback.format_exc()
    weeks = result.timeseries.iloc[-1:] if final_only else result.timeseries
    weeks = weeks.reset_index()
    for position, name in enumerate(STALL_FIELDS):  # before week, after the run's identity
        weeks.insert(position, name, result.summary.get(name))
    return index, weeks, None


def swept_columns(jobs: Sequence[Job]) -> pd.DataFrame:
    """The parameters that differ between jobs, one row per job.

    A parameter whose name is also a metric (the starting `members_<sector>`) is renamed
    `param_<name>` so that the metric keeps its name.
    """
    rows = []
    for job in jobs:
        values = dataclasses.asdict(job.params)
        rows.append(
            {k: v for k, v in values.items() if isinstance(v, (int, float, str)) or v is None}
        )
    table = pd.DataFrame(rows)
    varying = [c for c in table if table[c].astype(str).nunique() > 1]
    return table[varying].rename(columns={c: f"param_{c}" for c in varying if c in BY_NAME})


def run_many(
    jobs: Sequence[Job],
    n_jobs: int = -1,
    *,
    progress: bool = True,
    errors: str = "raise",
    final_only: bool = False,
    description: str = "runs",
    backend: str = "pool",
    out: Path | str | None = None,
    hydra_overrides: Sequence[str] = (),
) -> pd.DataFrame:
    """Run every job and return a tidy table: one row per run and week.

    Columns: run (the job's index), design, seed, each job's labels, every parameter that
    differs between jobs, the run's stall diagnosis (`STALL_FIELDS`: stalled, stall_week (<NA>
    when it did not stall), stall_cause and best_remedy, from `run_one`'s summary), week, and
    one column per metric. `n_jobs=-1` uses every core.
    `final_only` keeps only each run's last week (for sweeps that need nothing else).

    A failing run does not stop the others. With `errors="raise"` a RuntimeError listing the
    failures is raised once all runs are done; with `errors="skip"` the failed runs are left
    out, listed on stderr and kept in `table.attrs["failed"]`.

    `backend="pool"` runs the jobs in `n_jobs` worker processes here (`n_jobs=-1`: every core).
    `backend="hydra"` runs them as one `python -m sim` sweep into `out` (required): the jobs
    become a points table (`out/jobs.csv`, one row per job: its scenario, seed and the parameters
    that differ from the scenario's), each run writes its record under `out/runs`, a run already
    recorded there is skipped (so calling again resumes), and `hydra_overrides` choose the
    launcher (`hydra/launcher=ray`, `hydra.launcher.n_jobs=2`, ...). Both give the same table.
    """
    if errors not in ("raise", "skip"):
        raise ValueError(f"errors={errors!r}: use 'raise' or 'skip'")
    if backend not in ("pool", "hydra"):
        raise ValueError(f"backend={backend!r}: use 'pool' (worker processes) or 'hydra'")
    jobs = list(jobs)
    if not jobs:
        raise ValueError("no jobs to run")
    if backend == "hydra":
        if out is None:
            raise ValueError("backend='hydra' writes a record per run: give out=<folder>")
        frames, failed = _run_with_hydra(
            jobs, Path(out), final_only, n_jobs, hydra_overrides, progress, description
        )
    else:
        frames, failed = _run_in_pool(jobs, n_jobs, final_only, progress, description)
    if failed:
        listing = "\n".join(
            f"run {i} ({jobs[i].design}, seed {jobs[i].seed}):\n{failed[i]}" for i in sorted(failed)
        )
        if errors == "raise" or not frames:
            raise RuntimeError(f"{len(failed)} of {len(jobs)} runs failed:\n{listing}")
        print(
            f"{len(failed)} of {len(jobs)} runs failed and are left out:\n{listing}",
            file=sys.stderr,
        )
    done = sorted(frames)
    swept = swept_columns([jobs[i] for i in done])
    parts = []
    for position, index in enumerate(done):
        job = jobs[index]
        head = {
            "run": index,
            "design": job.design,
            "seed": job.seed,
            **job.labels,
            **swept.iloc[position].to_dict(),
        }
        frame = frames[index]
        parts.append(pd.concat([pd.DataFrame(head, index=frame.index), frame], axis=1))
    table = pd.concat(parts, ignore_index=True)
    table["stalled"] = table["stalled"].astype(bool)
    table["meets_expectations"] = table["meets_expectations"].astype(bool)
    table["stall_week"] = pd.to_numeric(table["stall_week"]).astype("Int64")  # <NA>: no stall
    table.attrs["failed"] = [(i, jobs[i].design, jobs[i].seed) for i in sorted(failed)]
    return table


def _run_in_pool(
    jobs: list[Job], n_jobs: int, final_only: bool, progress: bool, description: str
) -> tuple[dict[int, pd.DataFrame], dict[int, str]]:
    pool = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
    outputs = pool(delayed(_run_job)(i, job, final_only) for i, job in enumerate(jobs))
    frames: dict[int, pd.DataFrame] = {}
    failed: dict[int, str] = {}
    for index, frame, error in tqdm(
        outputs,
        total=len(jobs),
        desc=description,
        disable=not progress,
        mininterval=0.5,
        file=sys.stderr,
    ):
        if error is None:
            frames[index] = frame
        else:
            failed[index] = error
    return frames, failed


# --- the Hydra back end: the jobs as one `python -m sim` sweep of a points table -------------

JOB_LABEL = "job"  # a job's points-table label: job<index>, how its record is matched back


def _cell(value: Any) -> str:
    """A value as a points-table cell, read back as `key=value` on the command line."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_cell(v)}" for k, v in value.items()) + "}"
    return "[" + ", ".join(_cell(v) for v in value) + "]"


def write_points(jobs: Sequence[Job], path: Path) -> Path:
    """The jobs as a points table: label, scenario, seed, and every parameter in which a job
    differs from its scenario's own value (empty where it does not)."""
    from sim.run import config_dict
    from sim.scenarios import available

    known = set(available())
    rows, columns = [], []
    for index, job in enumerate(jobs):
        if job.design not in known:
            raise ValueError(
                f"job {index}: backend='hydra' runs scenarios by name; {job.design!r} is not one "
                f"(the scenarios are {', '.join(sorted(known))})"
            )
        mine, theirs = config_dict(job.params), config_dict(resolve(job.design))
        changed = {k: v for k, v in mine.items() if v != theirs.get(k)}
        columns += [k for k in changed if k not in columns]
        rows.append(
            {"label": f"{JOB_LABEL}{index}", "scenario": job.design, "seed": job.seed, **changed}
        )
    header = ["label", "scenario", "seed", *columns]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([_cell(row[c]) if c in row else "" for c in header])
    return path


def _run_with_hydra(
    jobs: list[Job],
    out: Path,
    final_only: bool,
    n_jobs: int,
    hydra_overrides: Sequence[str],
    progress: bool,
    description: str,
) -> tuple[dict[int, pd.DataFrame], dict[int, str]]:
    from experiments.kit.gather import collect  # reads run records: the pool never needs it

    out = out.resolve()
    table = write_points(jobs, out / "jobs.csv")
    launcher = (
        [] if any("launcher" in o for o in hydra_overrides) else [f"hydra.launcher.n_jobs={n_jobs}"]
    )
    command = [
        sys.executable,
        "-m",
        "sim",
        "-m",
        f"points={table}",
        f"point=range(0,{len(jobs)})",
        f"hydra.sweep.dir={out / 'runs'}",
        "quicklook=false",
        *launcher,
        *hydra_overrides,
    ]
    run_sim(command, out / "sweep.log", len(jobs), description, progress)
    tidy, summary = collect(out / "runs", keep=lambda r: _job_of(r, len(jobs)) is not None)
    frames: dict[int, pd.DataFrame] = {}
    failed: dict[int, str] = {}
    for run_id, frame in tidy.groupby("run_id", sort=False):
        record = summary.loc[summary["run_id"] == run_id].iloc[0]
        index = int(str(frame["label"].iloc[0]).removeprefix(JOB_LABEL))
        if not bool(record["completed"]):
            failed[index] = str(record["error"])
            continue
        weeks = frame.loc[:, ["week", *(m.name for m in METRICS)]].copy()
        weeks["week"] = weeks["week"].astype(int)
        weeks = weeks.iloc[-1:] if final_only else weeks
        weeks = weeks.reset_index(drop=True)
        for position, name in enumerate(STALL_FIELDS):
            value = record.get(name)
            weeks.insert(position, name, None if pd.isna(value) else value)
        frames[index] = weeks
    for index in set(range(len(jobs))) - frames.keys() - failed.keys():
        failed[index] = f"no record of job {index} under {out / 'runs'}"
    return frames, failed


def _job_of(record: dict[str, Any], count: int) -> int | None:
    label = str((record.get("parameters") or {}).get("label", ""))
    number = label.removeprefix(JOB_LABEL)
    return (
        int(number)
        if label.startswith(JOB_LABEL) and number.isdigit() and int(number) < count
        else None
    )


# a run's line, `[done/total] run: status`; Ray prefixes the lines of its workers with their pid
PROGRESS = re.compile(r"\[(\d+)/(\d+|\?)\] (.*)$")


class SweepError(RuntimeError):
    """`python -m sim` stopped before the sweep was done; the message says how."""


def run_sim(command: list[str], log: Path, total: int, label: str, progress: bool) -> None:
    """Run `python -m sim`, logging its output and moving a progress bar on its run lines
    (`[done/total] run: status`, one per run, whichever process ran it).

    Raises:
        SweepError: if `python -m sim` stops with an error; finished runs are kept.
    """
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    env.setdefault("RAY_DEDUP_LOGS", "0")  # Ray would fold the run lines into one
    failures = 0
    bar = tqdm(
        total=total,
        desc=f"{label}: {total} runs",
        unit="run",
        disable=not progress,
        file=sys.stderr,
        mininterval=0.5,
        dynamic_ncols=True,
    )
    tail: list[str] = []
    with open(log, "a", encoding="utf-8") as handle:
        handle.write(f"$ {' '.join(command)}\n")
        handle.flush()
        with subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            env=env,
        ) as proc:
            assert proc.stdout is not None
            for line in proc.stdout:
                handle.write(line)
                tail = (tail + [line.rstrip()])[-20:]
                found = PROGRESS.search(line.strip())
                if not found:
                    continue
                if "FAILED" in found.group(3):
                    failures += 1
                    bar.set_postfix(failed=failures, refresh=False)
                bar.update()  # one line per run of this sweep, finished or already done
            code = proc.wait()
    if code == 0:  # submitit's runs write their lines into their own logs instead
        bar.update(total - bar.n)
    bar.close()
    if code != 0:
        message = next((t for t in reversed(tail) if t.startswith("error: ")), None)
        if message:
            raise SweepError(message.removeprefix("error: "))
        raise SweepError(
            f"python -m sim stopped with exit status {code}; its output is in "
            f"{log}. Last lines:\n" + "\n".join(tail[-8:])
        )


# --- runs made once: the calibration studies' cache of summaries ---------------------------

NAMES = tuple(m.name for m in METRICS)
INDEX = {name: i for i, name in enumerate(NAMES)}
FINAL, FIRST, OVER = 0, 1, 2  # rows of a series summary

SUMMARY_VERSION = 1  # raise when `series_summary` changes what it keeps


def fingerprint() -> str:
    """The model's fingerprint (`sim.provenance.model_fingerprint`): runs cached under another
    are not reused. What a summary holds is versioned apart (`SUMMARY_VERSION`, in the file name),
    and each request's own function by the hash of its module's source (`Request.key`)."""
    return model_fingerprint()


Make = Callable[[Params, int, str], dict[str, Any]]


@dataclass(frozen=True)
class Request:
    """One run to make: `make(params, seed, design)` returns its summary. `make` is a module-level
    function or a `functools.partial` of one (worker processes import it by name)."""

    make: Make
    params: Params
    seed: int
    design: str = "custom"

    @property
    def key(self) -> tuple[str, str, int]:
        return (kind_of(self.make), _hash(self.params), int(self.seed))

    @property
    def cost(self) -> float:
        """Relative cost, in runs of 156 weeks of a 13-member partnership (for estimates)."""
        members = sum(self.params.initial_members.values())
        return self.params.steps / 156 * max(1.0, members / 13) ** 0.5


_HASHES: dict[int, str] = {}


def _hash(params: Params) -> str:
    key = id(params)
    cached = _HASHES.get(key)
    if cached is None or cached[0] is not params:
        cached = (params, config_hash(params))
        _HASHES[key] = cached
    return cached[1]


@functools.cache
def _source_hash(module: str) -> str:
    return hashlib.sha256(inspect.getsource(sys.modules[module]).encode()).hexdigest()[:12]


def kind_of(make: Make) -> str:
    """A summary function's name, its arguments and the hash of its module's source: a study that
    edits its own run function finds none of the runs the old one made."""
    func, keywords = make, {}
    if isinstance(make, functools.partial):
        func, keywords = make.func, dict(make.keywords)
        if make.args:
            raise ValueError(f"{kind_of(func)}: give a partial's arguments by keyword")
    name = f"{func.__module__}.{func.__qualname__}"
    if "<" in name:  # a lambda or a local function: workers could not import it
        raise ValueError(f"{name}: a run's function must be defined at a module's top level")
    arguments = ",".join(f"{k}={v!r}" for k, v in sorted(keywords.items()))
    return f"{name}({arguments})@{_source_hash(func.__module__)}"


def series_summary(params: Params, seed: int, design: str) -> dict[str, Any]:
    """A plain run: final, week-0 and over-the-run (weeks 1..end mean) value of every metric,
    and progress in the week the partnership ends (= final unless `partnership_weeks` is set)."""
    # without the stall diagnosis, which only watches a run and nearly doubles its time
    ts = run_one(params, seed, design=design, diagnose=False).timeseries
    values = ts[list(NAMES)].to_numpy(dtype=float)
    table = np.vstack([values[-1], values[0], values[1:].mean(axis=0)])
    return {"table": table, "end_progress": float(ts["progress"].loc[params.end_week])}


def _work(request: Request) -> tuple[tuple, dict[str, Any], float]:
    started = time.perf_counter()
    summary = request.make(request.params, request.seed, request.design)
    return request.key, summary, time.perf_counter() - started


class RunStore:
    """Summaries of finished runs, on disk under `cache_dir` (None: in memory only)."""

    def __init__(
        self, cache_dir: Path | str | None = None, *, n_jobs: int = 2, progress: bool = True
    ):
        self.n_jobs = n_jobs
        self.progress = progress
        self.fingerprint = fingerprint()
        name = f"runs-{self.fingerprint}-v{SUMMARY_VERSION}.pkl"
        self.path = Path(cache_dir) / name if cache_dir else None
        self.runs: dict[Hashable, dict[str, Any]] = {}
        self.seconds: list[float] = []  # time each run took in its worker
        self.made = 0
        if self.path and self.path.is_file():
            with self.path.open("rb") as handle:
                saved = pickle.load(handle)
            self.runs = saved.get("runs", {})
            self.seconds = saved.get("seconds", [])

    def __contains__(self, request: Request) -> bool:
        return request.key in self.runs

    def get(self, request: Request) -> dict[str, Any]:
        return self.runs[request.key]

    def missing(self, requests: Sequence[Request]) -> list[Request]:
        """Requests not yet run, each once (in the order first asked)."""
        seen, out = set(), []
        for request in requests:
            key = request.key
            if key not in self.runs and key not in seen:
                seen.add(key)
                out.append(request)
        return out

    def seconds_per_run(self, default: float = 0.25) -> float:
        """Median seconds one run of cost 1 took in a worker (for estimates)."""
        return float(np.median(self.seconds[-2000:])) if self.seconds else default

    def estimate(self, requests: Sequence[Request]) -> float:
        """Estimated wall-clock seconds to make the missing ones on `n_jobs` workers."""
        cost = sum(r.cost for r in self.missing(requests))
        return cost * self.seconds_per_run() / max(1, self.n_jobs)

    def ensure(
        self,
        requests: Sequence[Request],
        description: str = "runs",
        *,
        deadline: float | None = None,
    ) -> int:
        """Make every missing run, in the order asked; return how many were made.

        With `deadline` (a `time.monotonic()` value) it stops taking results once the deadline
        has passed and cancels the runs not yet started; what was made is kept. Saves every few
        hundred runs, so an interrupted sweep loses little.
        """
        todo = self.missing(requests)
        if not todo:
            return 0
        pool = Parallel(n_jobs=self.n_jobs, return_as="generator_unordered")
        outputs = pool(delayed(_work)(r) for r in todo)
        costs = {r.key: r.cost for r in todo}
        since_save, made = 0, 0
        bar = tqdm(
            total=len(todo),
            desc=description,
            disable=not self.progress,
            mininterval=1.0,
            file=sys.stderr,
        )
        try:
            for key, summary, seconds in outputs:
                self.runs[key] = summary
                self.seconds.append(seconds / max(costs[key], 1e-3))
                self.made += 1
                made += 1
                since_save += 1
                bar.update()
                if since_save >= 500:
                    self.save()
                    since_save = 0
                if deadline is not None and time.monotonic() > deadline:
                    print(
                        f"\n{description}: out of time after {made} of {len(todo)} runs; "
                        "the rest are cancelled",
                        file=sys.stderr,
                    )
                    break
        finally:
            bar.close()
            if hasattr(outputs, "close"):
                outputs.close()  # cancels the runs not yet started
            self.save()
        return made

    def save(self) -> None:
        if not self.path:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        with temporary.open("wb") as handle:
            pickle.dump(
                {
                    "fingerprint": self.fingerprint,
                    "runs": self.runs,
                    "seconds": self.seconds[-5000:],
                },
                handle,
                protocol=pickle.HIGHEST_PROTOCOL,
            )
        temporary.replace(self.path)


# --- output folders (the calibration studies: experiments.calibration.ofat, experiments.calibration.replications) -----


def output_folder(name: str, out: Path | str | None = None) -> Path:
    """`out`, or results/<name>-<timestamp>; created if missing."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = Path(out) if out is not None else RESULTS / f"{name}-{stamp}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
