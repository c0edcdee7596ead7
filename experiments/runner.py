"""Run many (design, parameters, seed) jobs in parallel, in memory, and gather one tidy table.

The experiments (compare, ablation, heatmap, sensitivity, size) do not use this: their runs are
`python -m sim` sweeps of their config files (experiments.sweep), each run with its own record.
`run_many` stays for what needs many runs' numbers in memory and no record on disk: the
benchmarks' throughput measure and the tests that compare it with the command line. It uses
joblib on the cores of one machine and shows a tqdm progress bar.
"""

from __future__ import annotations

import dataclasses
import sys
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from joblib import Parallel, delayed
from tqdm import tqdm

from sim.metrics import BY_NAME
from sim.params import Params
from sim.run import ROOT, run_one
from sim.scenarios import resolve

RESULTS = ROOT / "results"
# From run_one's summary (sim.diagnosis.StallObserver): one value per run, repeated on each week.
STALL_FIELDS = ("stalled", "stall_week", "stall_cause", "best_remedy")


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
    """
    if errors not in ("raise", "skip"):
        raise ValueError(f"errors={errors!r}: use 'raise' or 'skip'")
    jobs = list(jobs)
    if not jobs:
        raise ValueError("no jobs to run")
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
    table["stall_week"] = pd.to_numeric(table["stall_week"]).astype("Int64")  # <NA>: no stall
    table.attrs["failed"] = [(i, jobs[i].design, jobs[i].seed) for i in sorted(failed)]
    return table


# --- output folders (the calibration studies: experiments.ofat, experiments.replications) -----


def output_folder(name: str, out: Path | str | None = None) -> Path:
    """`out`, or results/<name>-<timestamp>; created if missing."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = Path(out) if out is not None else RESULTS / f"{name}-{stamp}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
