"""A run's record on disk: `timeseries.csv`, `quicklook.png` (unless the run's `quicklook` is
false) and `summary.json` in its folder.

Every file is written atomically (a temporary file in the same folder, then `os.replace`), and
`summary.json` is written last: a folder whose summary says `"completed": true` holds a whole
run, which is what lets a re-run sweep skip it. A run that failed leaves a summary with
`"completed": false` and the error, and nothing else. Writing a run first removes the folder's
old summary, so a write stopped part-way (a kill, a full disk) leaves a folder without a
summary, which a resumed sweep redoes and `experiments.collect` ignores, never an old summary
beside new numbers. A temporary file left by a killed writer (`.<name>.*.tmp`) is never read.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from omegaconf import OmegaConf

from sim.cli import points
from sim.metrics import BY_NAME
from sim.provenance import git_commit, model_fingerprint, version
from sim.run import RunResult

TIMESERIES = "timeseries.csv"
SUMMARY = "summary.json"
QUICKLOOK = "quicklook.png"
QUICKLOOK_METRICS = ("progress", "systems_change", "legitimacy", "engagement")
_UMASK = os.umask(0o022)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it replaces `path` in one step."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes files private; give them the usual mode
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def write_text(path: Path, text: str) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_json(path: Path, data: Any) -> Path:
    return write_text(path, json.dumps(_jsonable(data), indent=2, allow_nan=False) + "\n")


def quicklook_figure(timeseries: pd.DataFrame, title: str) -> Figure:
    """Progress, systems change, legitimacy and engagement over the weeks of one run."""
    fig = Figure(figsize=(8, 4.5), dpi=120, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for name in QUICKLOOK_METRICS:
        ax.plot(timeseries.index, timeseries[name], label=BY_NAME[name].label, linewidth=2)
    ax.set(title=title, xlabel="Time (weeks)", ylabel="Share (0-1)", ylim=(-0.02, 1.02))
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    return fig


def write_run(
    folder: Path,
    result: RunResult,
    *,
    scenario: str,
    overrides: list[str],
    parameters: dict[str, Any],
    quicklook: bool = True,
) -> dict[str, Path]:
    """Write a finished run's files into `folder`; return their paths by name.

    `quicklook=False` leaves out quicklook.png (drawing it costs about as much as a short run;
    experiments draw their own figures from all the runs).
    """
    folder = Path(folder)
    paths = {"timeseries": folder / TIMESERIES}
    if quicklook:
        paths["quicklook"] = folder / QUICKLOOK
    paths["summary"] = folder / SUMMARY
    with contextlib.suppress(FileNotFoundError):
        paths["summary"].unlink()  # from an earlier attempt: it must not vouch for this one
    for leftover in folder.glob(".*.tmp"):  # from a writer killed part-way
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
    with atomic_path(paths["timeseries"]) as tmp:
        result.timeseries.to_csv(tmp)
    if quicklook:
        fig = quicklook_figure(
            result.timeseries, f"{scenario}, seed {result.seed}: progress and public standing"
        )
        with atomic_path(paths["quicklook"]) as tmp:
            fig.savefig(tmp, format="png")
    else:  # from an earlier run of this folder with a quicklook: not this run's picture
        with contextlib.suppress(FileNotFoundError):
            (folder / QUICKLOOK).unlink()
    summary = {
        "scenario": scenario,
        "overrides": list(overrides),
        "parameters": parameters,
        "completed": True,
        "error": None,
        **result.summary,
    }
    write_json(paths["summary"], summary)
    return paths


def write_failure(
    folder: Path,
    *,
    scenario: Any,
    seed: Any,
    overrides: list[str],
    parameters: dict[str, Any],
    error: BaseException,
    trace: str,
    config: dict[str, Any] | None = None,
    config_hash: str | None = None,
) -> Path:
    """Record a run that raised: `summary.json` with `"completed": false` and the error."""
    folder = Path(folder)
    for stale in (TIMESERIES, QUICKLOOK):  # from an earlier attempt: not this run's results
        with contextlib.suppress(FileNotFoundError):
            (folder / stale).unlink()
    summary = {
        "scenario": scenario,
        "overrides": list(overrides),
        "parameters": parameters,
        "completed": False,
        "error": f"{type(error).__name__}: {error}",
        "traceback": trace,
        "design": scenario,
        "seed": seed,
        "config": config,
        "provenance": {
            "config_hash": config_hash,
            "version": version(),
            "model_fingerprint": model_fingerprint(),
            "git_commit": git_commit(),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "completed": False,
        },
    }
    return write_json(folder / SUMMARY, summary)


def read_summary(folder: Path) -> dict[str, Any] | None:
    """The run record in `folder`, or None if there is none or it cannot be read."""
    try:
        return json.loads((Path(folder) / SUMMARY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_done(folder: Path, *, config_hash: str, seed: int) -> bool:
    """Whether `folder` holds a completed run of exactly this configuration and seed."""
    record = read_summary(folder)
    return bool(
        record
        and record.get("completed") is True
        and record.get("seed") == seed
        and record.get("provenance", {}).get("config_hash") == config_hash
        and (Path(folder) / TIMESERIES).is_file()
    )


def _jsonable(value: Any) -> Any:
    """Plain JSON data: numpy scalars to Python, NaN and infinity to null."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# --- a sweep's progress over its records ----------------------------------------------------


def sweep_jobs(params: Any, overrides: list[str]) -> list[list[str]]:
    """Every run of a sweep, as its list of overrides: Hydra's own expansion
    (`BasicSweeper.split_arguments`) of the sweeper's `params` and the command line's
    overrides, a later value of a key replacing an earlier one."""
    args = [f"{k}={v}" for k, v in (params or {}).items()] + list(overrides)
    return BasicSweeper.split_arguments(OverridesParser.create().parse_overrides(args), None)[0]


def flat_dirname(name: str) -> str:
    """A run folder's name with no `/`: a scenario named by a path (`scenario=workshop/<name>`,
    `scenario=/some/where/design.yaml`) would otherwise nest a sweep's runs in folders of
    folders. The OmegaConf resolver `flat_dirname` in configs/config.yaml's `hydra.sweep.subdir`."""
    return name.replace("/", "-")


if not OmegaConf.has_resolver("flat_dirname"):
    OmegaConf.register_new_resolver("flat_dirname", flat_dirname)

# the sweep folder patterns whose run folders sweep_progress can name (else it counts records)
_DIRNAME_PATTERNS = {
    "${hydra.job.override_dirname}": False,
    "${flat_dirname:${hydra.job.override_dirname}}": True,
}


def sweep_progress(sweep_dir: Path) -> tuple[int, int | None]:
    """(runs of the sweep with a record, distinct runs in the sweep or None if unknown).

    The sweep's own run folders are named from multirun.yaml, which Hydra saves first, so a
    folder that also holds other sweeps' runs (an earlier, larger one) does not inflate the
    count and a value given twice (`seed=0,0`) is one run; with a run folder pattern of one's
    own (`hydra.sweep.subdir`) the records under the folder are counted instead."""
    sweep_dir = Path(sweep_dir)
    folders, total = None, None
    with contextlib.suppress(Exception):  # progress is a courtesy: never fail a run over it
        path = sweep_dir / "multirun.yaml"
        key = (path, path.stat().st_mtime_ns)
        if key not in _PLANS:
            _PLANS.clear()
            _PLANS[key] = _sweep_plan(path)
        folders, total = _PLANS[key]
    if folders is None:
        return _records_under(str(sweep_dir)), total
    return sum((sweep_dir / f / SUMMARY).exists() for f in folders), total


# a worker reports many runs of one sweep: (run folder names or None, number of runs or None)
_PLANS: dict[tuple[Path, int], tuple[list[str] | None, int | None]] = {}


def _sweep_plan(path: Path) -> tuple[list[str] | None, int | None]:
    """The run folders of a basic-sweeper sweep (Hydra's override_dirname of each job) and
    how many distinct runs it has, from its multirun.yaml; (None, None) for other sweepers."""
    conf = OmegaConf.load(path).hydra
    if not str(conf.sweeper._target_).endswith("BasicSweeper"):
        return None, None
    jobs = sweep_jobs(conf.sweeper.get("params"), list(conf.overrides.task))
    subdir = points.as_dict(conf.sweep, resolve=False).get("subdir")
    if subdir not in _DIRNAME_PATTERNS:
        return None, len(jobs)
    naming = conf.job.config.override_dirname
    parser = OverridesParser.create()
    names: dict[str, None] = {}
    for job in jobs:
        lines = sorted(
            o.input_line or ""
            for o in parser.parse_overrides(job)
            if o.key_or_group not in naming.exclude_keys
        )
        name = str(naming.item_sep).join(lines).replace("=", str(naming.kv_sep))
        names[flat_dirname(name) if _DIRNAME_PATTERNS[subdir] else name] = None
    return list(names), len(names)


def _records_under(folder: str, depth: int = 4) -> int:
    """Run folders (holding a summary.json) under `folder`, looking into a run folder no
    deeper: one stat per run, as every finished run counts them (a sweep of 2,000 runs walked
    whole each time, .hydra folders and all, spends minutes on it). A folder name holding a
    `/` (scenario=workshop/<name>) nests runs a level or two down."""
    count = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        if entry.name.startswith(".") or not entry.is_dir(follow_symlinks=False):
            continue
        if os.path.exists(os.path.join(entry.path, SUMMARY)):
            count += 1
        elif depth > 1:
            count += _records_under(entry.path, depth - 1)
    return count
