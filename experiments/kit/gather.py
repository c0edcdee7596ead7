"""Gathering run records into tidy tables: what `python -m experiments.collect` writes, and how
the engine's Hydra back end and the experiments' sweeps read their runs back.

A run record is a folder with `summary.json` and `timeseries.csv` (written by `python -m sim`,
`sim.cli.records`). `collect(folder)` reads every record under a folder into

- a tidy table, one row per run and week: `run_id`, `scenario`, `seed`, every swept parameter
  (named `param_<name>` where a metric has the same name, as the starting `members_<sector>`),
  `completed`, `week` and every metric. A run that failed has one row with `completed` False and
  no week or metrics, so it is counted, not silently lost;
- a summary table, one row per run: the same identifying columns, `completed`, `error`,
  `time_to_half_progress`, the stall diagnosis (`STALL_FIELDS`; empty for a failed run) and each
  metric's final value.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from sim.cli.records import SUMMARY, TIMESERIES, atomic_path
from sim.metrics import BY_NAME, METRICS
from sim.run import STALL_FIELDS

ID_COLUMNS = ("run_id", "scenario", "seed")
OUTPUTS = ("tidy.parquet", "tidy.csv", "summary.parquet", "summary.csv")


def find_runs(folder: Path) -> list[tuple[str, dict[str, Any]]]:
    """(run id, record) for every run record under `folder`, in a stable order."""
    runs = []
    for path in sorted(Path(folder).rglob(SUMMARY)):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # being written by a run still going, or not ours
        if not isinstance(record, dict) or "completed" not in record or "scenario" not in record:
            continue
        runs.append((path.parent.relative_to(folder).as_posix(), record))
    return runs


def swept_parameters(records: list[dict[str, Any]]) -> list[str]:
    """Every key set by a run's overrides, in first-seen order, besides scenario and seed."""
    keys: dict[str, None] = {}
    for record in records:
        keys.update(dict.fromkeys(record.get("parameters") or {}))
    return [k for k in keys if k not in ID_COLUMNS]


def column_name(parameter: str) -> str:
    """A parameter's column; `param_<name>` where a metric has the same name (members_<sector>
    is both a starting size and a weekly count), as in experiments.kit.engine."""
    return f"param_{parameter}" if parameter in BY_NAME else parameter


def collect(
    folder: str | Path, *, keep: Callable[[dict[str, Any]], bool] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tidy table (one row per run and week) and summary table (one row per run) of a sweep.

    `keep(record)` chooses which run records to gather (default: all under `folder`), as an
    experiment keeps only the runs of its own sweep when the folder holds others too.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder")
    runs = [
        (run_id, record) for run_id, record in find_runs(folder) if keep is None or keep(record)
    ]
    if not runs:
        raise FileNotFoundError(f"no run records ({SUMMARY}) under {folder}")
    swept = swept_parameters([record for _, record in runs])
    metric_names = [m.name for m in METRICS]
    tidy_parts, summary_rows = [], []
    for run_id, record in runs:
        ids = _identity(run_id, record, swept)
        completed = bool(record["completed"])
        series = _timeseries(folder / run_id) if completed else None
        if completed and series is None:  # deleted or damaged by hand since the run
            completed = False
            record = {**record, "error": f"{TIMESERIES} is missing or unreadable"}
        if completed:
            part = pd.concat(
                [pd.DataFrame({**ids, "completed": completed}, index=series.index), series], axis=1
            )
        else:
            part = pd.DataFrame([{**ids, "completed": completed, "week": pd.NA}])
        tidy_parts.append(part)
        final = record.get("final") or {}
        provenance = record.get("provenance") or {}
        summary_rows.append(
            {
                **ids,
                "completed": completed,
                "error": record.get("error"),
                "time_to_half_progress": record.get("time_to_half_progress"),
                **{name: record.get(name) for name in STALL_FIELDS if name in record},
                **{name: final.get(name) for name in metric_names},
                **{k: v for k, v in final.items() if k not in metric_names},
                "weeks": record.get("weeks"),
                "config_hash": provenance.get("config_hash"),
                "seconds": provenance.get("seconds"),
            }
        )
    tidy = pd.concat(tidy_parts, ignore_index=True)
    tidy["week"] = tidy["week"].astype("Int64")
    summary = pd.DataFrame(summary_rows)
    for table in (tidy, summary):
        table["completed"] = table["completed"].astype(bool)
        table["seed"] = pd.to_numeric(table["seed"], errors="coerce").astype("Int64")
    summary["time_to_half_progress"] = summary["time_to_half_progress"].astype("Float64")
    if "stalled" in summary:  # records from before the stall diagnosis have none of these
        summary["stalled"] = summary["stalled"].astype("boolean")
        summary["stall_week"] = pd.to_numeric(summary["stall_week"]).astype("Int64")
    if "meets_expectations" in summary:  # records from before 0.2 have none
        summary["meets_expectations"] = summary["meets_expectations"].astype("boolean")
    return tidy, summary


def _timeseries(run: Path) -> pd.DataFrame | None:
    try:
        series = pd.read_csv(run / TIMESERIES, index_col="week").reset_index()
    except Exception:  # damaged in any way (pandas raises several kinds): not readable
        return None
    return series if "week" in series and not series.empty else None


def _identity(run_id: str, record: dict[str, Any], swept: list[str]) -> dict[str, Any]:
    """run_id, scenario, seed and each swept parameter's value in this run.

    A parameter this run did not override takes its resolved value from the run's config, so a
    column is only empty where a failed run never resolved one.
    """
    overridden = record.get("parameters") or {}
    config = record.get("config") or {}
    ids = {"run_id": run_id, "scenario": record.get("scenario"), "seed": record.get("seed")}
    for key in swept:
        value = overridden[key] if key in overridden else config.get(key)
        ids[column_name(key)] = json.dumps(value) if isinstance(value, (dict, list)) else value
    return ids


def save(
    folder: str | Path, tidy: pd.DataFrame, summary: pd.DataFrame, out: str | Path | None = None
) -> list[Path]:
    """Write the tables as Parquet and CSV (atomically) into `out` (default: `folder`)."""
    out = Path(out or folder)
    paths = [out / name for name in OUTPUTS]
    for path, table in zip(paths, (tidy, tidy, summary, summary), strict=True):
        with atomic_path(path) as tmp:
            if path.suffix == ".parquet":
                table.to_parquet(tmp, index=False)
            else:
                table.to_csv(tmp, index=False)
    return paths
