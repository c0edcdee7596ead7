"""Write an experiment's report.md: headings, prose, embedded figures and Markdown tables.

Also the provenance every output folder carries (`provenance.json`, and the report's "How to
reproduce" section, both from one `Provenance` record), the notice under a report's title when
its runs are too few for conclusions, and the tables every experiment saves (tidy Parquet, one
row per run and week; per-run CSV).
"""

from __future__ import annotations

import json
import platform
import shlex
import subprocess
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.kit import plots
from experiments.kit.stats import MIN_RUNS, final_week
from sim import resources
from sim.cli.records import sweep_jobs
from sim.metrics import BY_NAME
from sim.provenance import NO_COMMIT, git_commit, model_fingerprint, version

ROOT = resources.ROOT  # the checkout whose git state a report records; None from a wheel

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


def fmt_p(p: float, na: str = "-") -> str:
    return na if not np.isfinite(p) else ("<0.001" if p < 0.001 else f"{p:.3f}")


def fmt_na(value: float, digits: int = 2) -> str:
    """A number rounded, 'n/a' when there is none (a group with no runs)."""
    return "n/a" if not np.isfinite(value) else f"{value:.{digits}f}"


def fmt_ci(median: float, low: float, high: float, digits: int = 3, *, count: bool = False) -> str:
    """`median [low, high]`; 'n/a' for no value and `median [n/a]` for a value with no interval
    (too few runs). `count`: a metric that counts (whole numbers), shown without decimals
    (one for a median halfway between two counts) and as the bare number when every run
    gave it (low = high = median)."""
    if not np.isfinite(median):
        return "n/a"
    if count:

        def number(v: float) -> str:
            return f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"

        if np.isfinite(low) and low == high == median:
            return number(median)
    else:

        def number(v: float) -> str:
            return f"{v:.{digits}f}"

    if not (np.isfinite(low) and np.isfinite(high)):
        return f"{number(median)} [n/a]"
    return f"{number(median)} [{number(low)}, {number(high)}]"


def is_count(values: Iterable[float]) -> bool:
    """Whether every value is a whole number (a metric that counts, such as dropouts)."""
    x = np.asarray(list(values), dtype=float)
    x = x[np.isfinite(x)]
    return x.size > 0 and bool(np.all(x == np.round(x)))


def md_table(table: pd.DataFrame, *, digits: int = 3) -> str:
    """A pandas table as GitHub Markdown (pandas' to_markdown needs an extra package)."""
    header = "| " + " | ".join(str(c) for c in table.columns) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    body = [
        "| " + " | ".join(fmt(v, digits) for v in row) + " |"
        for row in table.itertuples(index=False)
    ]
    return "\n".join([header, rule, *body])


def metric_title(metric: str) -> str:
    m = BY_NAME.get(metric)
    return f"{m.label} ({m.unit})" if m else metric


class Report:
    """A Markdown report assembled in order and written next to its figures."""

    def __init__(
        self, folder: Path, title: str, changed: Sequence[str] = (), notice: str | None = None
    ) -> None:
        """`changed`: the settings given on top of the experiment file (`Experiment.changed`),
        stated under the title, since every number in the report is for them. `notice`: a
        warning shown first under the title (`sample_notice`: a quick run, too few runs)."""
        self.folder = Path(folder)
        self.parts: list[str] = [f"# {title}\n"]
        if notice:
            self.parts.append(f"> {notice}\n")
        if changed:
            self.parts.append(
                "Settings given on top of the experiment file: "
                + ", ".join(f"`{c}`" for c in changed)
                + ". Every number below is for these settings.\n"
            )

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

    def reproduce(self, record: Mapping[str, Any]) -> None:
        """The section "How to reproduce", from a `Provenance` record (the same record is
        provenance.json, so the two agree)."""
        self.heading("How to reproduce")
        command = record.get("command")
        points = record.get("points_file")
        installed = record.get("checkout") is False
        commit = record.get("git_commit") or "unknown (not a git checkout)"
        dirty = record.get("git_dirty")
        if installed:
            code = f"commit: {NO_COMMIT}"
        elif dirty:
            code = (
                f"commit `{commit}` with uncommitted changes (`git status --porcelain` "
                f"listed {len(record.get('git_changes') or [])} paths, listed in "
                "provenance.json's `git_changes`): the commit alone may not give these "
                "numbers"
            )
        elif dirty is None:
            code = f"commit `{commit}`; whether the working tree had changes is unknown"
        else:
            code = f"commit `{commit}`, no uncommitted changes"
        if record.get("version") or record.get("model_fingerprint"):
            code = (
                f"partnership-sim {record.get('version') or 'unknown'}, model fingerprint "
                f"`{record.get('model_fingerprint') or 'unknown'}`; {code}"
            )
        where = (
            "from any folder, with this version installed"
            if installed
            else "from the repository's root"
        )
        self.bullets(
            [
                f"Command, {where}: `{command}`"
                if command
                else "Command: not recorded (the experiment was called from Python, not the command "
                "line)",
                f"Seeds: {record.get('seed_list') or 'none recorded'} "
                f"({_count(len(record.get('seeds') or []), 'seed')})",
                f"Experiment file: `{record.get('file')}`"
                + (f", points table `{points}`" if points else ""),
                f"Code: {code}",
                f"Time taken: {record.get('seconds')} s, from the start to the analysis's numbers "
                "(figures and this report not included); provenance.json's `seconds`",
                "Settings, overrides, package versions and failed runs: `provenance.json`",
            ]
        )
        self.text(
            "With the same `--out` the finished runs are skipped and only missing or "
            "failed ones run; give a new folder to run them all again."
        )

    def write(self) -> Path:
        path = self.folder / "report.md"
        path.write_text("\n".join(self.parts), encoding="utf-8")
        return path


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def sample_notice(
    runs_per_group: Iterable[int],
    *,
    quick: bool = False,
    recommended: int | None = None,
    unit: str = "design",
    intervals: bool = True,
) -> str | None:
    """The warning under a report's title when its numbers are not for conclusions: a
    `--quick` run, or fewer runs per `unit` than `recommended` (the experiment file's seed
    count). Says too that intervals are left out below `stats.MIN_RUNS` runs, for a report
    that shows `intervals` and tests. None if neither.
    """
    counts = [int(n) for n in runs_per_group]
    if not counts:
        return None
    low, high = min(counts), max(counts)
    many = f"{low}" if low == high else f"{low} to {high}"
    if quick:
        text = (
            f"**Quick run** (`--quick`, {many} runs per {unit}): for checking the pipeline, "
            "not for conclusions."
        )
    elif recommended and low < recommended:
        text = (
            f"**Fewer runs than recommended** ({many} runs per {unit}; the experiment "
            f"file runs {recommended}): treat every number below as provisional."
        )
    else:
        return None
    if intervals and low < MIN_RUNS:
        text += (
            f" Intervals need at least {MIN_RUNS} runs per {unit} to be 95% intervals and "
            "are shown as n/a below that; effect sizes and p-values from so few runs "
            "say little."
        )
    return text


def seed_list(seeds: Iterable[int]) -> str:
    """Seeds as ranges: [0, 1, 2, 5] -> '0-2, 5'."""
    ordered = sorted({int(s) for s in seeds})
    parts: list[str] = []
    start = prev = None
    for seed in [*ordered, None]:
        if seed is not None and prev is not None and seed == prev + 1:
            prev = seed
            continue
        if start is not None:
            parts.append(str(start) if start == prev else f"{start}-{prev}")
        start = prev = seed
    return ", ".join(parts)


def git_state() -> dict[str, Any]:
    """The code a result comes from: the commit, and whether the working tree had changes not
    in it (`git status --porcelain` not empty: modified, added or untracked files; ignored
    ones such as results/ do not count). None where git cannot tell. An installed package has
    no checkout (`checkout: false`, no commit): its version and model fingerprint say what
    made the result (`provenance` records them always)."""
    if ROOT is None:
        return {"checkout": False, "git_commit": None, "git_dirty": None, "git_changes": []}
    try:
        out = subprocess.run(
            ["git", "status", "--porcelain"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {"checkout": True, "git_commit": git_commit(), "git_dirty": None, "git_changes": []}
    changes = out.splitlines()
    return {
        "checkout": True,
        "git_commit": git_commit(),
        "git_dirty": bool(changes),
        "git_changes": changes,
    }


def _file_seeds(experiment: Any) -> int | None:
    """How many seeds the experiment file itself sweeps (its `hydra.sweeper.params.seed`):
    the count the project recommends for it."""
    value = (getattr(experiment, "sweeper_params", None) or {}).get("seed")
    if value is None:
        return None
    try:
        return len(sweep_jobs({"seed": value}, []))
    except Exception:  # a value Hydra's sweeper cannot expand: no recommendation to give
        return None


class Provenance:
    """What a reader needs to make an output folder again, measured once.

    Started when the experiment starts (the clock, and the code as it is before any output is
    written), finished when the analysis's numbers are in (`finish`). The report's "How to
    reproduce" section and provenance.json are both written from `record`, so the time and
    everything else agree. `argv`: the experiment's command-line arguments (sys.argv[1:] for
    `python -m experiments.<name>`); `module`: the module run, such as experiments.demo.
    """

    def __init__(
        self, experiment: Any, *, argv: Sequence[str] | None = None, module: str | None = None
    ) -> None:
        self.started = time.perf_counter()
        self.experiment = experiment
        self.module = module or f"experiments.{experiment.name}"
        self.argv = None if argv is None else list(argv)
        self.git = git_state()
        self.record: dict[str, Any] | None = None

    def finish(self, sweeps: Any, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The record, with the time taken so far; the same record on every later call."""
        if self.record is None:
            self.record = provenance(
                self.experiment,
                sweeps,
                seconds=time.perf_counter() - self.started,
                argv=self.argv,
                module=self.module,
                git=self.git,
                extra=extra,
            )
        return self.record

    def write(self, folder: Path) -> Path:
        if self.record is None:
            raise RuntimeError("Provenance.write before finish: no record yet")
        return save_provenance(folder, self.record)


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def save_provenance(folder: Path, record: Mapping[str, Any]) -> Path:
    path = Path(folder) / "provenance.json"
    path.write_text(json.dumps(record, indent=2, default=str), encoding="utf-8")
    return path


def provenance(
    experiment: Any,
    sweeps: Any,
    *,
    seconds: float,
    argv: Sequence[str] | None = None,
    module: str | None = None,
    git: Mapping[str, Any] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """What was run, with which code and packages, when, and how long: the command line (from
    `argv`; None when called from Python), whether it was --quick (`experiment.quick`), the
    seeds run, the experiment file, the package's version and the model's fingerprint, the
    git commit and whether the working tree had uncommitted changes (`git`: `git_state()`,
    taken now unless given; no commit from an installed package).

    `experiment` is an `experiments.kit.sweep.Experiment`, `sweeps` one `experiments.kit.sweep.Sweep`
    or several (every run has its own record, with its provenance, in its sweep folder).
    """
    sweeps = list(sweeps) if isinstance(sweeps, Sequence) else [sweeps]
    module = module or f"experiments.{experiment.name}"
    argv = None if argv is None else list(argv)
    seeds = sorted(
        {int(s) for sw in sweeps for s in sw.summary.get("seed", pd.Series()) if pd.notna(s)}
    )
    record = {
        "experiment": experiment.name,
        "command": None if argv is None else shlex.join(["python", "-m", module, *argv]),
        "argv": argv,
        "quick": bool(getattr(experiment, "quick", False)),
        "file": experiment.where,
        "points_file": getattr(experiment, "points", None),
        "seeds": seeds,
        "seed_list": seed_list(seeds),
        "seeds_in_file": _file_seeds(experiment),
        "settings": dict(experiment.analysis),
        "overrides": list(experiment.overrides),
        "launcher": experiment.launcher,
        "sweep_folders": [str(s.folder) for s in sweeps],
        "runs": sum(s.runs for s in sweeps),
        "failed_runs": [
            {
                "run": r.run,
                "design": r.design,
                "seed": None if pd.isna(r.seed) else int(r.seed),
                "error": r.error,
            }
            for s in sweeps
            for r in s.failed.itertuples()
        ],
        **dict(extra or {}),
        "seconds": round(seconds, 2),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "version": version(),
        "model_fingerprint": model_fingerprint(),
        **dict(git or git_state()),
        "python": platform.python_version(),
        "packages": {
            p: _version(p)
            for p in (
                "partnership-sim",
                "mesa",
                "numpy",
                "scipy",
                "pandas",
                "matplotlib",
                "joblib",
                "SALib",
                "hydra-core",
                "hydra-joblib-launcher",
            )
        },
    }
    return record


def save_tables(folder: Path, tidy: pd.DataFrame) -> pd.DataFrame:
    """tidy.parquet (one row per run and week) and runs.csv (final week of each run)."""
    tidy.attrs = {}
    tidy.to_parquet(folder / "tidy.parquet", index=False)
    finals = final_week(tidy)
    finals.to_csv(folder / "runs.csv", index=False)
    return finals
