"""Runs made once: a cache of compact run summaries, filled in parallel (joblib, tqdm).

The calibration experiments (`experiments.ofat`, `experiments.replications`) ask for many runs that
overlap: every constant's sweep needs the same pattern runs, a pattern's baseline is often another
pattern's run, and the replication study reuses the OFAT's default runs. A run is identified by
its kind ("series", or a pattern's special run such as the breach of pattern 7), the hash of its
resolved parameters (`sim.run.config_hash`, so two routes to the same parameters share a run) and
its seed; each is made once and kept as a small summary, not its weekly table.

The cache on disk is keyed by a fingerprint of the model's source (`sim/` but the command line's
own modules, the scenario files and `experiments/patterns.py`, which defines the special runs)
and of `SUMMARY_VERSION` (what a summary holds): after any change to the model the old runs are
simply not found, so stale numbers are never reused.
"""

from __future__ import annotations

import hashlib
import inspect
import pickle
import sys
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from joblib import Parallel, delayed
from tqdm import tqdm

from sim.metrics import METRICS
from sim.params import Params
from sim.run import ROOT, config_hash, run_one

NAMES = tuple(m.name for m in METRICS)
INDEX = {name: i for i, name in enumerate(NAMES)}
FINAL, FIRST, OVER = 0, 1, 2  # rows of a series summary

# Files whose content decides what a run returns.
FINGERPRINTED = ("sim/**/*.py", "scenarios/*.yaml", "experiments/patterns.py")
# ...less the command line's own modules, which a run made here never imports (checked by
# tests/test_ofat.py::test_fingerprint_leaves_out_only_modules_runs_never_import): how
# `python -m sim` parses, reports and writes its runs does not change what a run returns.
NOT_FINGERPRINTED = ("sim/__main__.py", "sim/cli_checks.py", "sim/output.py", "sim/points.py")
SUMMARY_VERSION = 1  # raise when `series_summary` changes what it keeps


def fingerprint() -> str:
    """Hash of the model's source: runs cached under another fingerprint are not reused."""
    digest = hashlib.sha256(f"summary {SUMMARY_VERSION}".encode())
    for pattern in FINGERPRINTED:
        for path in sorted(ROOT.glob(pattern)):
            if (
                "__pycache__" in path.parts
                or path.relative_to(ROOT).as_posix() in NOT_FINGERPRINTED
            ):
                continue
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Request:
    """One run to make. `kind` names the function that makes it (see `KINDS`)."""

    kind: str
    params: Params
    seed: int
    design: str = "custom"

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.kind, _hash(self.params), int(self.seed))

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


# run_one's stall diagnosis only watches a run (it never changes it) and nearly doubles its time
_QUIET = {"diagnose": False} if "diagnose" in inspect.signature(run_one).parameters else {}


def series_summary(params: Params, seed: int, design: str) -> dict[str, Any]:
    """A plain run: final, week-0 and over-the-run (weeks 1..end mean) value of every metric,
    and progress in the week the partnership ends (= final unless `partnership_weeks` is set)."""
    ts = run_one(params, seed, design=design, **_QUIET).timeseries
    values = ts[list(NAMES)].to_numpy(dtype=float)
    table = np.vstack([values[-1], values[0], values[1:].mean(axis=0)])
    return {"table": table, "end_progress": float(ts["progress"].loc[params.end_week])}


# kind -> function(params, seed, design) -> summary; experiments.patterns adds the breach run.
KINDS: dict[str, Callable[[Params, int, str], dict[str, Any]]] = {"series": series_summary}


def _work(request: Request) -> tuple[tuple, dict[str, Any], float]:
    if request.kind not in KINDS:  # a special kind registers itself on import
        import experiments.patterns  # noqa: F401
    started = time.perf_counter()
    summary = KINDS[request.kind](request.params, request.seed, request.design)
    return request.key, summary, time.perf_counter() - started


class RunStore:
    """Summaries of finished runs, on disk under `cache_dir` (None: in memory only)."""

    def __init__(
        self, cache_dir: Path | str | None = None, *, n_jobs: int = 2, progress: bool = True
    ):
        self.n_jobs = n_jobs
        self.progress = progress
        self.fingerprint = fingerprint()
        self.path = (Path(cache_dir) / f"runs-{self.fingerprint}.pkl") if cache_dir else None
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
