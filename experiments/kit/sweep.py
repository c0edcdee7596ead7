"""From an experiment file to a tidy table: the one path every experiment's runs take.

    python -m experiments.<name> [--out DIR] [--quick] [--jobs N] [--seeds N] [overrides ...]

`prepare` composes `configs/experiment/<name>.yaml` with Hydra's compose API, reads its
`analysis` block (the experiment's own settings) and `quick` block (what `--quick` changes),
and checks the command `python -m sim` will be given (`sim.cli.checks`), so bad input stops
before anything runs. `execute` runs that command as a subprocess:

    python -m sim +experiment=<name> hydra.sweep.dir=<out>/runs [quick's] [--seeds] [yours]

with a progress bar fed by the `[done/total]` line each run prints, then gathers the runs of
this sweep with `experiments.collect` into one tidy table. Parallelism, launchers (joblib by
default, on every core; `hydra/launcher=ray`, `submitit_local`, `slurm`), per-run records,
failures and resuming are all `python -m sim`'s: nothing here runs a model. Run again with the
same `--out` and the runs already done are skipped.

The tidy table handed to the analysis (and saved as the experiment's `tidy.parquet`) is
`experiments.collect`'s, completed runs only, with two columns named as the analysis and plot
code name them: `run` (collect's `run_id`, the run's folder) and `design` (collect's
`scenario`); each run's stall diagnosis (`stalled`, `stall_week`, `stall_cause`,
`best_remedy`) is repeated on its weeks. Failed runs are left out of the analysis and listed
on stderr, in the report and in provenance.json.
"""

from __future__ import annotations

import argparse
import difflib
import math
import numbers
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from hydra import compose, initialize_config_dir
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf

from experiments.kit import engine
from experiments.kit.engine import STALL_FIELDS
from experiments.kit.gather import collect
from sim.cli.checks import CONFIG_DIR, UsageError, check_argv, experiment_block
from sim.cli.points import read as read_points
from sim.cli.records import sweep_jobs
from sim.metrics import BY_NAME
from sim.params import ParameterError, Params, describe, shown

# configs/hydra/launcher/ray.yaml replaces the plugin's own config (see sim/cli/main.py)
warnings.filterwarnings(
    "ignore",
    message=r"\s*'hydra/launcher/ray' is validated against "
    "ConfigStore schema with the same name",
    category=UserWarning,
)


SweepError = engine.SweepError


# --- the command line ---------------------------------------------------------------------


def parse_args(
    name: str,
    description: str,
    argv: Sequence[str] | None,
    *,
    extra: Sequence[tuple[str, str]] = (),
    experiment: str | None = None,
) -> argparse.Namespace:
    """`--out DIR --quick --jobs N --seeds N [overrides ...]`, the same for every experiment;
    `extra`: (flag, help) of an experiment's own on/off switches; `experiment`: the experiment
    file the command runs, when not `name`'s own (demo runs compare.yaml)."""
    parser = argparse.ArgumentParser(
        prog=f"python -m experiments.{name}",
        description=description,
        epilog=f"Settings: configs/experiment/{experiment or name}.yaml. Overrides are Hydra's, "
        "as for python -m sim: a parameter (steps=52), a sweep ('seed=range(0,60)'), an "
        "analysis setting (analysis.band=0.8) or a launcher (hydra/launcher=ray). "
        "docs/experiments.md has examples.",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"output folder (default results/{name}-<time>); run again with "
        "the same folder to resume: finished runs are skipped",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="the experiment file's quick version: few seeds, few weeks",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="parallel runs: the joblib launcher's n_jobs (default: every core)",
    )
    parser.add_argument(
        "--seeds", type=int, default=None, help="seeds per configuration: seed=range(0,N)"
    )
    for flag, text in extra:
        parser.add_argument(flag, action="store_true", help=text)
    parser.add_argument("overrides", nargs="*", help="Hydra overrides, as for python -m sim")
    args = parser.parse_args(argv)
    if args.seeds is not None and args.seeds < 1:
        parser.error("--seeds must be at least 1")
    if args.jobs is not None and args.jobs == 0:
        parser.error("--jobs must not be 0 (-1: every core, 2: two processes)")
    return args


def output_folder(name: str, out: Path | str | None = None) -> Path:
    """`out`, or results/<name>-<time>; created if missing; as an absolute path."""
    return engine.output_folder(name, out).resolve()


# --- composing the experiment -------------------------------------------------------------


@dataclass
class Experiment:
    """An experiment file composed with the command line: what to run and how to analyse it."""

    name: str
    analysis: dict[str, Any]  # the analysis block, --quick's changes and overrides applied
    overrides: list[str]  # given to python -m sim after +experiment=<name>
    sweeper_params: dict[str, Any]  # the file's hydra.sweeper.params
    launcher: str  # the launcher's class name, e.g. JoblibLauncher
    exclude_keys: list[str] = field(default_factory=list)  # not part of a run's folder name
    points: str | None = None  # the points table the runs read rows of, if any
    quick: bool = False  # --quick: the file's quick version (its quick block applied)

    def labels(self) -> dict[int, str]:
        """{row: label} of the points-table rows the sweep runs ({} without a table)."""
        if not self.points:
            return {}
        table = read_points(self.points)
        rows = {
            int(o.split("=", 1)[1]) for job in self.jobs() for o in job if o.startswith("point=")
        }
        return {
            row: table.values(row).get("label", "") for row in sorted(rows) if 0 <= row < len(table)
        }

    @property
    def where(self) -> str:
        return f"configs/experiment/{self.name}.yaml"

    def varied(self) -> dict[str, list[str]]:
        """The keys the sweep varies and their values, as written: {key: [value, ...]}."""
        values: dict[str, dict[str, None]] = {}
        for job in self.jobs():
            for override in job:
                key, _, value = override.partition("=")
                values.setdefault(key.lstrip("+~"), {})[value] = None
        return {k: list(v) for k, v in values.items() if len(v) > 1}

    def changed(self) -> list[str]:
        """The overrides that change what every run does, as given (the command line's and
        --quick's), leaving out the sweep's axes (`seed`, `point`) and Hydra's own settings;
        of two for the same key only the later, the one that takes effect."""
        kept: dict[str, str] = {}
        for arg in self.overrides:
            key = _key(_parse([arg])[0]).lstrip("+~")
            if not _is_hydra(key) and key not in ("seed", "point"):
                kept.pop(key, None)
                kept[key] = arg
        return list(kept.values())

    def jobs(self, extra: Sequence[str] = ()) -> list[list[str]]:
        """Each run's overrides, as Hydra will expand the sweep (with `extra` at the end)."""
        task = [
            a
            for a in [f"+experiment={self.name}", *self.overrides, *extra]
            if not _is_hydra(_key(_parse([a])[0]))
        ]
        return sweep_jobs(self.sweeper_params, task)


def prepare(
    name: str, args: argparse.Namespace, *, required: Iterable[str] = (), check: bool = True
) -> Experiment:
    """Compose configs/experiment/<name>.yaml with the command line and check it all.

    `required`: the analysis settings the experiment reads; a missing or unknown one stops
    here with one line naming the file. `check=False` leaves out `sim.cli.checks` (for writing
    a file the experiment file names).

    Raises:
        UsageError, ParameterError: for bad input, before anything runs.
    """
    user = list(args.overrides)
    parsed = _parse(user)
    settings = [(a, o) for a, o in zip(user, parsed, strict=True) if experiment_block(_key(o))]
    launch = [(a, o) for a, o in zip(user, parsed, strict=True) if not experiment_block(_key(o))]
    # one config: the file with the command line's single values (a sweep composes as many)
    try:
        cfg = _compose(name, [a for a, o in launch if _composable(o)])
    except UsageError:
        check_argv([f"+experiment={name}", *(a for a, _ in launch)])  # names what is wrong
        raise
    quick = _block(cfg, "quick", name)
    extra: list[str] = []
    if args.quick:
        listed = quick.get("overrides") or []
        if not isinstance(listed, list) or not all(isinstance(a, str) for a in listed):
            raise UsageError(
                f"configs/experiment/{name}.yaml: quick.overrides must be a list "
                f"of overrides such as steps=30, not {shown(listed)}"
            )
        extra += listed
    if args.seeds is not None:
        extra.append(f"seed=range(0,{args.seeds})")
    launcher = str(cfg.hydra.launcher._target_).rsplit(".", 1)[-1]
    if args.jobs is not None:
        if launcher != "JoblibLauncher":
            raise UsageError(
                f"--jobs sets the joblib launcher's n_jobs; with {launcher} set "
                "its own options instead (docs/experiments.md, Launchers)"
            )
        extra.append(f"hydra.launcher.n_jobs={args.jobs}")
    overrides = extra + [a for a, _ in launch]
    if check:
        check_argv([f"+experiment={name}", *overrides])
    analysis = _block(cfg, "analysis", name)
    if args.quick:
        analysis = {**analysis, **(quick.get("analysis") or {})}
    for arg, override in settings:
        _set(analysis, arg, override, required, name)
    _check_analysis(analysis, required, name)
    params = OmegaConf.to_container(cfg.hydra.sweeper.get("params") or {})
    exclude = list(cfg.hydra.job.config.override_dirname.exclude_keys)
    return Experiment(
        name,
        analysis,
        overrides,
        params,
        launcher,
        exclude,
        cfg.get("points"),
        quick=bool(args.quick),
    )


def _set(
    analysis: dict[str, Any], arg: str, override: Any, required: Iterable[str], name: str
) -> None:
    """Apply `analysis.<key>[.<key>...]=value` from the command line."""
    path = _key(override).split(".")
    if path[0] != "analysis" or len(path) < 2 or override.is_delete():
        raise UsageError(
            f"{shown(arg)}: set one analysis setting, as analysis.<name>=value "
            f"(settings of {name}: {', '.join(required)})"
        )
    _check_analysis({path[1]: None}, list(required), name, missing_ok=True)  # the name only
    node = analysis
    for key in path[1:-1]:
        if not isinstance(node.get(key), dict):
            raise UsageError(f"{shown(arg)}: analysis.{key} is not a mapping")
        node = node[key]
    value = override.value()
    node[path[-1]] = OmegaConf.to_container(value) if OmegaConf.is_config(value) else value


def _compose(name: str, overrides: list[str]) -> DictConfig:
    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3", job_name="sim"):
            return compose(
                "config", overrides=[f"+experiment={name}", *overrides], return_hydra_config=True
            )
    except HydraException as err:
        first = str(err).strip().splitlines()[0][:200]
        raise UsageError(
            f"cannot compose configs/experiment/{name}.yaml with "
            f"{' '.join(overrides) or 'no overrides'}: {first}"
        ) from None


def _parse(args: list[str]) -> list[Any]:
    parser = OverridesParser.create()
    parsed = []
    for arg in args:
        try:
            parsed.append(parser.parse_overrides([arg])[0])
        except HydraException as err:
            first = str(err).strip().splitlines()[0][:120]
            raise UsageError(f"cannot read the override {shown(arg)}: {first}") from None
    return parsed


def _key(override: Any) -> str:
    return override.key_or_group


def _is_hydra(key: str) -> bool:
    return key == "hydra" or key.startswith(("hydra.", "hydra/"))


def _composable(override: Any) -> bool:
    """Whether the compose API takes it: not a sweep (compose makes one config)."""
    return not override.is_sweep_override()


def _block(cfg: DictConfig, key: str, name: str) -> dict[str, Any]:
    value = cfg.get(key)
    if value is None:
        return {}
    value = OmegaConf.to_container(value, resolve=True)
    if not isinstance(value, dict):
        raise UsageError(
            f"configs/experiment/{name}.yaml: {key} must be a mapping, not {shown(value)}"
        )
    return value


def _check_analysis(
    analysis: Mapping[str, Any], required: Iterable[str], name: str, *, missing_ok: bool = False
) -> None:
    """Every setting named, none unknown, and each value one its Rule allows (when `required`
    maps the names to Rules, as each experiment's SETTINGS does)."""
    rules = dict(required) if isinstance(required, Mapping) else {}
    required = list(required)
    for key in analysis:
        if key not in required:
            close = difflib.get_close_matches(str(key), required, n=2)
            hint = f" Did you mean {' or '.join(close)}?" if close else ""
            raise UsageError(
                f"analysis.{key} (configs/experiment/{name}.yaml or the command "
                f"line) is not a setting of {name}.{hint} Its settings: "
                f"{', '.join(required)}"
            )
    missing = [k for k in required if k not in analysis]
    if missing and not missing_ok:
        raise UsageError(
            f"configs/experiment/{name}.yaml: analysis.{missing[0]} is missing "
            f"(settings of {name}: {', '.join(required)})"
        )
    for key, rule in rules.items():
        if key in analysis and not rule.ok(analysis[key]):
            part, value, note = (
                rule.locate(analysis[key]) if rule.locate else ("", analysis[key], "")
            )
            raise UsageError(
                f"analysis.{key}{part}={shown(value)} (configs/experiment/"
                f"{name}.yaml or the command line) is not allowed: analysis.{key} "
                f"must be {rule.allowed}{note}"
            )


# --- what each analysis setting takes -------------------------------------------------------
# An experiment module lists its settings as SETTINGS = {name: Rule}; prepare checks every
# value against its rule before anything runs (the analysis block has no schema to type it).


@dataclass(frozen=True)
class Rule:
    """The values an analysis setting takes: `ok(value)`, and `allowed` for the message."""

    allowed: str
    ok: Callable[[Any], bool]
    # for a mapping: (".<key>", its value, a note) of the first bad entry, so the message
    # names it and says what that entry allows
    locate: Callable[[Any], tuple[str, Any, str]] | None = None


def is_number(value: Any) -> bool:
    """A finite real number (not a bool)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def _whole(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def number(
    low: float,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
    meaning: str = "",
) -> Rule:
    """A number from `low` to `high` (None: no upper end), each end included unless open."""

    def ok(v: Any) -> bool:
        return (
            is_number(v)
            and (v > low if low_open else v >= low)
            and (high is None or (v < high if high_open else v <= high))
        )

    if high is None:
        ends = f"above {low:g}" if low_open else f"of at least {low:g}"
    elif low_open and high_open:
        ends = f"strictly between {low:g} and {high:g}"
    else:
        ends = (f"above {low:g}," if low_open else f"from {low:g}") + (
            f" up to (not including) {high:g}"
            if high_open
            else f" up to {high:g}"
            if low_open
            else f" to {high:g}"
        )
    return Rule(f"a number {ends}" + (f": {meaning}" if meaning else ""), ok)


def whole(low: int, *, even: bool = False, power_of_2: bool = False, meaning: str = "") -> Rule:
    """A whole number of at least `low` (even, or a power of 2, if asked)."""

    def ok(v: Any) -> bool:
        return (
            _whole(v)
            and v >= low
            and (not even or v % 2 == 0)
            and (not power_of_2 or v & (v - 1) == 0)
        )

    kind = (
        "an even whole number"
        if even
        else ("a power of 2 (2, 4, 8, ...)" if power_of_2 else "a whole number")
    )
    return Rule(f"{kind} of at least {low}" + (f": {meaning}" if meaning else ""), ok)


SEED = Rule("a whole number >= 0 (a seed)", lambda v: _whole(v) and v >= 0)
ALPHA = number(0, 1, low_open=True, high_open=True, meaning="a significance level, such as 0.05")
TEXT = Rule("a name (text)", lambda v: isinstance(v, str) and v.strip() != "")
METRIC = Rule(
    f"a metric of sim/metrics.py: {', '.join(BY_NAME)}",
    lambda v: isinstance(v, str) and v in BY_NAME,
)


def _bad_metric(value: Any) -> tuple[str, Any, str]:
    """What is wrong with a list of metrics, for the message."""
    listed = value if isinstance(value, list) else []
    unknown = [m for m in listed if not isinstance(m, str) or m not in BY_NAME]
    note = f" ({shown(unknown[0])} is not one)" if unknown else ""
    return "", value, note


METRICS = Rule(
    f"a list of distinct metrics of sim/metrics.py, such as [progress, trust]; the "
    f"metrics are {', '.join(BY_NAME)}",
    lambda v: (
        isinstance(v, list)
        and len(v) > 0
        and len(set(map(str, v))) == len(v)
        and all(isinstance(m, str) and m in BY_NAME for m in v)
    ),
    _bad_metric,
)
KNOB = Rule(
    f"a design knob: {', '.join(Params.knobs())}",
    lambda v: isinstance(v, str) and v in Params.knobs(),
)


def _ranges() -> dict[str, tuple[float, float]]:
    """{parameter: (lowest, highest)} of the parameters a sample can vary: those that take
    any number in a range (not a whole number, not a choice)."""
    return {
        r["name"]: (r["lo"], r["hi"])
        for r in describe()
        if isinstance(r["default"], float) and r["lo"] is not None and r["hi"] is not None
    }


def _bad_factor(value: Any) -> tuple[str, Any, str] | None:
    """The first entry of a factors mapping that is not `parameter: [low, high]` within the
    parameter's range: (".<parameter>", its bounds, what it allows); ("", value, "") if it
    is no mapping at all; None if every entry is good."""
    ranges = _ranges()
    if not isinstance(value, dict) or not value:
        return "", value, ""
    for name, bounds in value.items():
        if name not in ranges:
            close = difflib.get_close_matches(str(name), list(ranges), n=2)
            hint = f" Did you mean {' or '.join(close)}?" if close else ""
            return (
                f".{name}",
                bounds,
                f". {shown(name)} is not a parameter that takes a "
                f"number in a range.{hint} They are {', '.join(ranges)}",
            )
        lo, hi = ranges[name]
        if (
            not isinstance(bounds, list)
            or len(bounds) != 2
            or not all(is_number(b) for b in bounds)
            or not lo <= bounds[0] < bounds[1] <= hi
        ):
            return f".{name}", bounds, f"; {name}'s range is {lo:g} to {hi:g}"
    return None


FACTORS = Rule(
    "a mapping of parameters to [low, high], low below high and both within the "
    "parameter's range (configs/config.yaml), such as {orchestration: [0.0, 1.0], "
    "progress_rate: [0.015, 0.05]}",
    lambda v: _bad_factor(v) is None,
    _bad_factor,
)


# --- running and gathering ----------------------------------------------------------------


@dataclass
class Sweep:
    """The runs of one sweep: a tidy table of the completed ones and the failures."""

    tidy: pd.DataFrame  # completed runs, one row per run and week (analysis column names)
    summary: pd.DataFrame  # experiments.collect's summary: one row per run, failed ones too
    failed: pd.DataFrame  # run, design, seed, error
    folder: Path  # the sweep folder (hydra.sweep.dir)
    runs: int  # runs in the sweep
    seconds: float

    def failures(self) -> list[str]:
        return [f"{r.run}: {r.error}" for r in self.failed.itertuples()]


def execute(
    experiment: Experiment,
    folder: Path,
    *,
    extra: Sequence[str] = (),
    stage: str | None = None,
    progress: bool = True,
) -> Sweep:
    """Run the experiment's sweep into `folder` (resuming what is there) and gather it.

    `extra` overrides go after the experiment's own (e.g. a points file written at run time);
    `stage` names a sub-folder and the progress bar (sensitivity's morris and sobol).

    Raises:
        SweepError: if `python -m sim` stops with an error; finished runs are kept.
    """
    started = time.perf_counter()
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    overrides = [*experiment.overrides, *extra]
    jobs = experiment.jobs(extra)
    command = [
        sys.executable,
        "-m",
        "sim",
        f"+experiment={experiment.name}",
        f"hydra.sweep.dir={folder}",
        *overrides,
    ]
    label = f"{experiment.name} {stage}" if stage else experiment.name
    engine.run_sim(command, folder / "sweep.log", len(jobs), label, progress)
    wanted = {_run_key(job, experiment.exclude_keys) for job in jobs}

    def ours(record: dict[str, Any]) -> bool:
        return _run_key(record.get("overrides") or [], experiment.exclude_keys) in wanted

    tidy, summary = collect(folder, keep=ours)
    done, failed = _analysis_tables(tidy, summary)
    if len(failed):
        listing = "\n".join(f"  {r.run}: {r.error}" for r in failed.itertuples())
        print(
            f"{label}: {len(failed)} of {len(summary)} runs failed and are left out of the "
            f"analysis:\n{listing}",
            file=sys.stderr,
        )
    if done.empty:
        raise SweepError(f"{label}: every run failed; see {folder}/*/summary.json")
    return Sweep(done, summary, failed, folder, len(jobs), time.perf_counter() - started)


def _run_key(overrides: Sequence[str], exclude: Sequence[str]) -> tuple[str, ...]:
    """A run's overrides without those left out of its folder name: the same run of the same
    sweep has the same key, whatever else changed (quicklook, the points file's path)."""
    kept = []
    for override in overrides:
        key = override.split("=", 1)[0].lstrip("+~")
        if key not in exclude:
            kept.append(override)
    return tuple(sorted(kept))


def _analysis_tables(
    tidy: pd.DataFrame, summary: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """collect's tables -> (completed runs with analysis names and stall fields, failures)."""
    stall = summary[["run_id", *[c for c in STALL_FIELDS if c in summary]]]
    done = tidy[tidy["completed"]].merge(stall, on="run_id", how="left")
    done = done.rename(columns={"run_id": "run", "scenario": "design"})
    done["seed"] = done["seed"].astype("int64")
    if "stalled" in done:
        done["stalled"] = done["stalled"].fillna(False).astype(bool)
    failed = summary.loc[~summary["completed"], ["run_id", "scenario", "seed", "error"]]
    failed = failed.rename(columns={"run_id": "run", "scenario": "design"})
    return done.reset_index(drop=True), failed.reset_index(drop=True)


def report_failures(report: Any, sweeps: Sweep | Sequence[Sweep]) -> None:
    """A section listing the failed runs of one sweep or several, if any (their errors are in
    their summary.json)."""
    sweeps = [sweeps] if isinstance(sweeps, Sweep) else list(sweeps)
    failed = [s for s in sweeps if not s.failed.empty]
    if not failed:
        return
    report.heading("Failed runs")
    for sweep in failed:
        report.text(
            f"{len(sweep.failed)} of {sweep.runs} runs failed and are left out of every "
            f"number above; each failed run's summary.json in `{sweep.folder}` holds its "
            "error and traceback, and running the experiment again with the same `--out` "
            "retries only them."
        )
        report.bullets([f"`{r.run}`: {r.error}" for r in sweep.failed.itertuples()])


def command(
    name: str,
    doc: str,
    settings: Iterable[str],
    run: Callable[..., Path],
    argv: Sequence[str] | None,
    /,
    *,
    experiment: str | None = None,
    flags: Sequence[tuple[str, str]] = (),
    **options: Any,
) -> Path:
    """The body of `python -m experiments.<name>`: read the command line, check the experiment
    file (`experiment`, default `name`) before anything runs, run it with `run(experiment,
    out, **options)`, print the report's path. Bad input or a failed sweep stops with one line.
    `flags`: (flag, help) of the experiment's own on/off switches, each given to `run` by its
    name (`--no-fair` as `no_fair=True`).
    """
    args = parse_args(name, doc.splitlines()[0], argv, extra=flags, experiment=experiment)
    switches = {
        flag.lstrip("-").replace("-", "_"): getattr(args, flag.lstrip("-").replace("-", "_"))
        for flag, _ in flags
    }
    try:
        composed = prepare(experiment or name, args, required=settings)
        report = run(composed, args.out, **switches, **options)
    except (UsageError, ParameterError, SweepError) as err:
        fail(err)
    print(report)
    return report


def fail(err: BaseException) -> None:
    """Stop the command with one line (exit status 2 for bad input, 1 for a failed sweep)."""
    print(f"error: {err}", file=sys.stderr)
    sys.exit(2 if isinstance(err, (UsageError, ParameterError)) else 1)
