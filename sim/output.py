"""A run's record on disk: `timeseries.csv`, `quicklook.png` and `summary.json` in its folder.

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
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .metrics import BY_NAME
from .run import RunResult, git_commit

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


def write_run(folder: Path, result: RunResult, *, scenario: str, overrides: list[str],
              parameters: dict[str, Any]) -> dict[str, Path]:
    """Write a finished run's three files into `folder`; return their paths by name."""
    folder = Path(folder)
    paths = {"timeseries": folder / TIMESERIES, "quicklook": folder / QUICKLOOK,
             "summary": folder / SUMMARY}
    with contextlib.suppress(FileNotFoundError):
        paths["summary"].unlink()  # from an earlier attempt: it must not vouch for this one
    for leftover in folder.glob(".*.tmp"):  # from a writer killed part-way
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
    with atomic_path(paths["timeseries"]) as tmp:
        result.timeseries.to_csv(tmp)
    fig = quicklook_figure(result.timeseries,
                           f"{scenario}, seed {result.seed}: progress and public standing")
    with atomic_path(paths["quicklook"]) as tmp:
        fig.savefig(tmp, format="png")
    summary = {"scenario": scenario, "overrides": list(overrides), "parameters": parameters,
               "completed": True, "error": None, **result.summary}
    write_json(paths["summary"], summary)
    return paths


def write_failure(folder: Path, *, scenario: Any, seed: Any, overrides: list[str],
                  parameters: dict[str, Any], error: BaseException, trace: str,
                  config: dict[str, Any] | None = None, config_hash: str | None = None) -> Path:
    """Record a run that raised: `summary.json` with `"completed": false` and the error."""
    folder = Path(folder)
    for stale in (TIMESERIES, QUICKLOOK):  # from an earlier attempt: not this run's results
        with contextlib.suppress(FileNotFoundError):
            (folder / stale).unlink()
    summary = {
        "scenario": scenario, "overrides": list(overrides), "parameters": parameters,
        "completed": False, "error": f"{type(error).__name__}: {error}", "traceback": trace,
        "design": scenario, "seed": seed, "config": config,
        "provenance": {"config_hash": config_hash, "git_commit": git_commit(),
                       "started": datetime.now(UTC).isoformat(timespec="seconds"),
                       "completed": False},
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
        record and record.get("completed") is True and record.get("seed") == seed
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
