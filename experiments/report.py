"""Write an experiment's report.md: headings, prose, embedded figures and Markdown tables.

Also the provenance every output folder carries (`provenance.json`) and the tables every
experiment saves (tidy Parquet, one row per run and week; per-run CSV).
"""

from __future__ import annotations

import json
import platform
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.metrics import BY_NAME
from sim.run import git_commit

from . import plots
from .stats import final_week

MODEL_CAVEAT = (
    "These numbers describe the model under its assumptions (docs/odd.md), not measured "
    "partnerships: each design is a stylised reading of one example, and the model's constants "
    "are still being tuned, so a later version may move them."
)


def fmt(value: Any, digits: int = 3) -> str:
    """A table cell: numbers rounded, p-values below 0.001 as '<0.001', NaN as '-'."""
    if value is None or value is pd.NA or (isinstance(value, float) and not np.isfinite(value)):
        return "-"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{value:.{digits}f}"
    return str(value)


def fmt_p(p: float) -> str:
    return "-" if not np.isfinite(p) else ("<0.001" if p < 0.001 else f"{p:.3f}")


def fmt_ci(median: float, low: float, high: float, digits: int = 3) -> str:
    return f"{median:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


def md_table(table: pd.DataFrame, *, digits: int = 3) -> str:
    """A pandas table as GitHub Markdown (pandas' to_markdown needs an extra package)."""
    header = "| " + " | ".join(str(c) for c in table.columns) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    body = ["| " + " | ".join(fmt(v, digits) for v in row) + " |"
            for row in table.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def metric_title(metric: str) -> str:
    m = BY_NAME.get(metric)
    return f"{m.label} ({m.unit})" if m else metric


class Report:
    """A Markdown report assembled in order and written next to its figures."""

    def __init__(self, folder: Path, title: str, changed: Sequence[str] = ()) -> None:
        """`changed`: the settings given on top of the experiment file (`Experiment.changed`),
        stated under the title, since every number in the report is for them."""
        self.folder = Path(folder)
        self.parts: list[str] = [f"# {title}\n"]
        if changed:
            self.parts.append("Settings given on top of the experiment file: "
                              + ", ".join(f"`{c}`" for c in changed)
                              + ". Every number below is for these settings.\n")

    def heading(self, text: str, level: int = 2) -> None:
        self.parts.append(f"{'#' * level} {text}\n")

    def text(self, *paragraphs: str) -> None:
        self.parts.extend(f"{p.strip()}\n" for p in paragraphs)

    def bullets(self, items: Sequence[str]) -> None:
        self.parts.append("\n".join(f"- {item}" for item in items) + "\n")

    def figure(self, fig, name: str, caption: str) -> dict[str, Path]:
        """Save `fig` as PNG and SVG under figures/ and embed the PNG."""
        paths = plots.save(fig, self.folder / "figures", name)
        png = paths["png"].relative_to(self.folder).as_posix()
        svg = paths["svg"].relative_to(self.folder).as_posix()
        self.parts.append(f"![{caption}]({png})\n\n*{caption}* ([SVG]({svg}))\n")
        return paths

    def table(self, table: pd.DataFrame, *, digits: int = 3, caption: str | None = None) -> None:
        if caption:
            self.parts.append(f"*{caption}*\n")
        self.parts.append(md_table(table, digits=digits) + "\n")

    def write(self) -> Path:
        path = self.folder / "report.md"
        path.write_text("\n".join(self.parts), encoding="utf-8")
        return path


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def write_provenance(folder: Path, experiment: Any, sweeps: Any, *, seconds: float,
                     extra: Mapping[str, Any] | None = None) -> Path:
    """provenance.json: what was run, with which code and packages, when, and how long.

    `experiment` is an `experiments.sweep.Experiment`, `sweeps` one `experiments.sweep.Sweep`
    or several (every run has its own record, with its provenance, in its sweep folder).
    """
    sweeps = list(sweeps) if isinstance(sweeps, Sequence) else [sweeps]
    record = {
        "experiment": experiment.name,
        "file": experiment.where,
        "settings": dict(experiment.analysis),
        "overrides": list(experiment.overrides),
        "launcher": experiment.launcher,
        "sweep_folders": [str(s.folder) for s in sweeps],
        "runs": sum(s.runs for s in sweeps),
        "failed_runs": [{"run": r.run, "design": r.design, "seed": None if pd.isna(r.seed)
                         else int(r.seed), "error": r.error}
                        for s in sweeps for r in s.failed.itertuples()],
        **dict(extra or {}),
        "seconds": round(seconds, 2),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "python": platform.python_version(),
        "packages": {p: _version(p) for p in ("partnership-sim", "mesa", "numpy", "scipy",
                                               "pandas", "matplotlib", "joblib", "SALib",
                                               "hydra-core", "hydra-joblib-launcher")},
    }
    path = folder / "provenance.json"
    path.write_text(json.dumps(record, indent=2, default=str), encoding="utf-8")
    return path


def save_tables(folder: Path, tidy: pd.DataFrame) -> pd.DataFrame:
    """tidy.parquet (one row per run and week) and runs.csv (final week of each run)."""
    tidy.attrs = {}
    tidy.to_parquet(folder / "tidy.parquet", index=False)
    finals = final_week(tidy)
    finals.to_csv(folder / "runs.csv", index=False)
    return finals
