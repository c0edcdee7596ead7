"""Command-line checks that run before Hydra: bad input stops at once, in one line.

Hydra's own errors for an unknown key or a bad value arrive late (after a run folder exists)
and wordy (a traceback). `check_argv` reads the overrides as Hydra will, with Hydra's parser,
and refuses an unknown key (suggesting close names), a value out of range, an unknown
scenario or experiment, or a bad row of a points table. The same module generates the parameter block of
`configs/config.yaml` from `sim.params.Params`, so the two cannot drift apart:
`python -m sim.cli.checks --write-config` rewrites it, and a test checks it.
"""

from __future__ import annotations

import difflib
import itertools
import math
import os
import sys
import tempfile
from dataclasses import dataclass, fields
from dataclasses import field as dataclass_field
from decimal import Decimal
from pathlib import Path
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Glob, RangeSweep
from hydra.errors import HydraException
from omegaconf import OmegaConf

from sim import datafile, limits, resources, scenarios
from sim.cli import points
from sim.params import ParameterError, Params, check_seed, describe, shown
from sim.params import _check as check_field  # Params.build's own field check: the same messages
from sim.resources import CONFIG_DIR, CONFIG_FILE, DATA_ROOT
from sim.rng import STREAMS
from sim.sectors import SECTORS

ROOT = DATA_ROOT
# Keys of a run that are not parameters: the design, the seed, a row of a points table
# (sim.cli.points) and whether to draw the run's quicklook.png.
RUN_KEYS = ("scenario", "seed", "points", "point", "quicklook")
# Blocks of an experiment file that python -m experiments.<name> reads and python -m sim
# ignores: the analysis settings and what --quick changes.
EXPERIMENT_BLOCKS = ("analysis", "quick")
BEGIN = (
    "# --- parameters: generated from sim.params.Params by "
    "`python -m sim.cli.checks --write-config` ---"
)
END = "# --- end of generated parameters ---"


class UsageError(ValueError):
    """Bad command-line input; the message is one line naming the field, value and what is allowed."""


def allowed_keys() -> list[str]:
    return [*RUN_KEYS, *Params.names()]


def experiment_block(key: str) -> str | None:
    """The experiment block (`analysis`, `quick`) that `key` sets, as in analysis.band=0.8."""
    head = key.split(".", 1)[0]
    return head if head in EXPERIMENT_BLOCKS else None


def config_groups() -> dict[str, list[str]]:
    """The project's own config groups (e.g. experiment) and the options in each."""
    groups = {}
    for folder in sorted(p for p in CONFIG_DIR.iterdir() if p.is_dir() and p.name != "hydra"):
        groups[folder.name] = sorted(p.stem for p in folder.glob("*.yaml"))
    return groups


def check_argv(argv: list[str]) -> list[str]:
    """Refuse bad overrides in `argv` (without the program name) before Hydra starts; return
    notes on what is allowed but may surprise (a points row replacing a command-line value).

    Experiment files named by `+experiment=NAME` are checked too (`check_experiment_file`),
    and so is every combination of values a sweep will run (a convener with no members, a
    size that would not fit in memory) and every row of a points table it will run
    (`sim.cli.points`), before the first run starts. `analysis.*` and `quick.*` settings are the
    experiments' (python -m experiments.<name>) and are not checked here.

    Raises:
        UsageError: for an unknown key or config-group option, or a malformed command.
        ParameterError: for a value Params or the scenario list refuses.
    """
    parser = OverridesParser.create()
    groups = config_groups()
    multirun = any(a in ("-m", "--multirun") for a in argv)
    command_line: dict[str, Any] = {}  # key -> Override; a later one wins, as in Hydra
    experiments: list[Path] = []
    seen_groups: set[str] = set()
    notes: list[str] = []
    for arg in _override_args(argv):
        override = _parse(parser, arg)
        key = override.key_or_group
        if _is_hydra(key):
            _check_hydra_override(override, arg)
            continue
        if experiment_block(key):  # read by experiments.<name>, never by a run
            if override.is_sweep_override():
                raise UsageError(
                    f"{arg!r}: {experiment_block(key)} settings are read by "
                    "python -m experiments.<name> and cannot be swept"
                )
            continue
        if key in groups:
            if key in seen_groups:
                raise UsageError(
                    f"{arg!r}: {key} is given twice; give one {key} (or sweep "
                    f"over several with +{key}=a,b)"
                )
            seen_groups.add(key)
            _check_group(key, _values(override), groups[key], override.is_add())
            experiments += [CONFIG_DIR / key / f"{name}.yaml" for name in _values(override)]
            continue
        _check_key(key, arg, "the command line")
        if override.is_delete():
            raise UsageError(
                f"{shown(arg)}: parameters cannot be deleted; set them to null instead"
            )
        command_line[key] = (override, arg)
    for plan in [check_experiment_file(path) for path in experiments] or [ExperimentPlan()]:
        swept = {**plan.sweeps, **{k: o for k, (o, _) in command_line.items()}}
        where = {k: plan.where for k in plan.sweeps} | {k: "the command line" for k in command_line}
        fixed = {k: v for k, v in plan.fixed.items() if k not in swept}
        sweeping = [k for k, o in swept.items() if o.is_sweep_override()]
        if sweeping and not (multirun or plan.multirun):
            arg = next(a for k, (o, a) in command_line.items() if k in sweeping)
            raise UsageError(
                f"{arg!r} lists several values: add -m to sweep over them (python -m sim -m {arg})"
            )
        runs = _sweep_size(swept, where)
        values = {k: _values(o) for k, o in swept.items()}
        for key, listed in values.items():
            for value in listed:
                _check_value(key, value, where[key])
        rows = _point_rows(fixed, values, {**{k: plan.where for k in plan.fixed}, **where})
        _check_combinations(fixed, values, runs, rows)
        notes += _replaced_by_rows(command_line, rows)
    return list(dict.fromkeys(notes))


def _replaced_by_rows(
    command_line: dict[str, Any], rows: list[tuple[str, dict[str, Any]]]
) -> list[str]:
    """A note for each command-line setting that rows of a points table replace: the run
    folder is named by the command line's value, the run uses the row's (docs/experiments.md)."""
    notes = []
    for key, (override, arg) in command_line.items():
        replacing = [
            where
            for where, row in rows
            if key in row and (override.is_sweep_override() or row[key] != _values(override)[0])
        ]
        if replacing:
            file = replacing[0].split(", point=")[0]
            where_rows = [w.split(", ")[-1].split(" (line")[0] for w in replacing]
            named = ", ".join(where_rows[:5]) + (", ..." if len(where_rows) > 5 else "")
            notes.append(
                f"{arg} (from the command line) is replaced by the row's own value "
                f"in {len(replacing)} of the {len(rows)} rows run ({file}: {named}); "
                "a row's value wins, while the run folders are named by the command "
                "line's; leave those cells empty to use it"
            )
    return notes


def check_experiment_file(path: Path) -> ExperimentPlan:
    """Refuse unknown keys, bad values and code in an experiment file, fixed or swept.

    Returns what the file sets: fixed values, swept values and whether it is a sweep.
    """
    path = Path(path)
    where = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
    data = datafile.read(path, "experiment file")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise UsageError(
            f"experiment file {where} must be a mapping of key: value, not {type(data).__name__}"
        )
    datafile.refuse_code(data, f"experiment file {where}")
    parser = OverridesParser.create()
    plan = ExperimentPlan(where=where)
    for key, value in data.items():
        if key in ("hydra", "defaults"):
            continue
        if key in EXPERIMENT_BLOCKS:
            _mapping(value, str(key), where)
            continue
        _check_key(str(key), f"{key}: {shown(value)}", where)
        if not (isinstance(value, str) and "${" in value):  # interpolations resolve later
            _check_value(str(key), value, where)
            plan.fixed[str(key)] = value
    hydra = _mapping(data.get("hydra"), "hydra", where)
    plan.multirun = str(hydra.get("mode", "")).upper() in ("MULTIRUN", "RUNMODE.MULTIRUN")
    sweeper = _mapping(
        _mapping(hydra.get("sweeper"), "hydra.sweeper", where).get("params"),
        "hydra.sweeper.params",
        where,
    )
    for key, spec in sweeper.items():
        if isinstance(spec, (dict, list)):
            raise UsageError(
                f"{where}: hydra.sweeper.params.{key} must be written as on the "
                f"command line (e.g. 0,0.5,1 or range(0,3)), not {shown(spec)}"
            )
        text = f"{key}={spec}"
        override = _parse(parser, text)
        if not _is_hydra(override.key_or_group) and override.key_or_group not in config_groups():
            _check_parameter(override, text, where)
            plan.sweeps[override.key_or_group] = override
    return plan


@dataclass
class ExperimentPlan:
    """What an experiment file sets: fixed values, swept values, whether it is a sweep."""

    where: str = "the command line"
    fixed: dict[str, Any] = dataclass_field(default_factory=dict)
    sweeps: dict[str, Any] = dataclass_field(default_factory=dict)
    multirun: bool = False


def _mapping(value: Any, name: str, where: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise UsageError(f"{where}: {name} must be a mapping, not {shown(value)}")
    return value


def _override_args(argv: list[str]) -> list[str]:
    """The overrides in `argv`: not flags, nor the values of flags such as `--cfg job`."""
    found, skip = [], False
    for arg in argv:
        if skip:
            skip = False
            if "=" not in arg:
                continue
        if arg.startswith("-"):
            skip = arg in _FLAGS_WITH_VALUE
            continue
        if "=" not in arg and not arg.startswith("~"):
            raise UsageError(
                f"{shown(arg)} is not a setting: write key=value (e.g. steps=52); "
                "python -m sim --help lists the keys"
            )
        found.append(arg)
    return found


_FLAGS_WITH_VALUE = {
    "--cfg",
    "-c",
    "--package",
    "-p",
    "--config-path",
    "-cp",
    "--config-name",
    "-cn",
    "--config-dir",
    "-cd",
    "--experimental-rerun",
    "--info",
    "-i",
    "--shell-completion",
    "-sc",
}


def _check_hydra_override(override, text: str) -> None:
    """Hydra's own settings are the user's to choose; refuse only an output folder that
    cannot be made, before Hydra fails on it with a traceback."""
    if override.key_or_group not in ("hydra.run.dir", "hydra.sweep.dir"):
        return
    if override.is_sweep_override():
        raise UsageError(f"{text!r}: an output folder cannot be swept")
    value = override.value()
    if not isinstance(value, str) or not value or "${" in value:
        return
    folder = Path(value).absolute()
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    if not existing.is_dir():
        raise UsageError(f"{shown(text)}: the folder cannot be made, as {existing} is a file")
    try:  # try it (os.access says yes to root everywhere, even under /proc)
        os.rmdir(tempfile.mkdtemp(dir=existing, prefix=".sim-check-"))
    except OSError as err:
        raise UsageError(
            f"{shown(text)}: cannot write in {existing}: {err.strerror or err}"
        ) from None


def _sweep_size(swept: dict[str, Any], where: dict[str, str]) -> int:
    """Runs in the sweep: the product of every swept key's number of values, refused if 0
    or above MAX_RUNS before anything is expanded (range(0,100000000) is one short line)."""
    runs, counts = 1, {}
    for key, override in swept.items():
        n = _count(override, where[key])
        counts[key] = n
        runs *= n
    if runs == 0:
        empty = [k for k, n in counts.items() if n == 0]
        raise UsageError(
            f"the sweep has no runs: {', '.join(empty)} lists no values (from {where[empty[0]]})"
        )
    if runs > MAX_RUNS:
        listing = " x ".join(f"{k}: {n}" for k, n in counts.items() if n > 1)
        raise UsageError(
            f"the sweep has {runs} runs ({listing}), more than {MAX_RUNS}: split "
            "it into several sweeps"
        )
    return runs


def _count(override, where: str) -> int:
    if not override.is_sweep_override():
        return 1
    text = override.input_line or override.key_or_group
    if not override.is_discrete_sweep():
        raise UsageError(
            f"{text!r} (from {where}): interval() is for optimising sweepers; list "
            "the values (0,0.5,1) or use range(start,stop,step)"
        )
    value = override.value()
    if isinstance(value, RangeSweep):
        if value.step == 0:
            raise UsageError(f"{text!r} (from {where}): a range's step cannot be 0")
        span = (Decimal(str(value.stop)) - Decimal(str(value.start))) / Decimal(str(value.step))
        return max(0, math.ceil(span))
    if isinstance(value, Glob):
        raise UsageError(
            f"{text!r} (from {where}): glob() chooses config files; list the "
            "values of a parameter instead"
        )
    return len(list(override.sweep_iterator()))


def _point_rows(
    fixed: dict[str, Any], values: dict[str, list[Any]], where: dict[str, str]
) -> list[tuple[str, dict[str, Any]]]:
    """Every row of a points table the sweep will run, checked: (where it is, its values).

    `points` and `point` go together: a file and the rows of it to run. Each row's cells are
    checked like command-line values, and each row number must exist in every file given.
    """
    files = values.get("points", [fixed.get("points")])
    rows = values.get("point", [fixed.get("point")])
    tables = [points.read(f, where.get("points")) for f in files if f is not None]
    rows = [r for r in rows if r is not None]
    if tables and not rows:
        raise UsageError(
            f"points file {tables[0].where} (from {where.get('points')}) is set "
            f"but no point is: run its rows with -m 'point=range(0,"
            f"{len(tables[0])})'"
        )
    if rows and not tables:
        raise UsageError(
            f"point={shown(rows[0])} (from {where.get('point')}) needs a points "
            "file: points=<CSV file> (docs/experiments.md, points tables)"
        )
    found = []
    for table in tables:
        for row in rows:
            index = table.check_index(row, where.get("point", "the command line"))
            found.append((table.row_where(index), table.values(index)))
    return found


def _check_combinations(
    fixed: dict[str, Any],
    values: dict[str, list[Any]],
    runs: int,
    rows: list[tuple[str, dict[str, Any]]] | None = None,
) -> None:
    """Resolve the distinct combinations of the keys that must agree with each other (members
    and convener, sizes and memory), and every row of a points table with the other settings:
    a sweep stops before its first run, not at its tenth."""
    settings = {**{k: [v] for k, v in fixed.items()}, **values}
    for key in ("points", "point", "quicklook"):
        settings.pop(key, None)
    varying = [k for k in settings if k in _COMBINED and len(settings[k]) > 1]
    single = {k: v[0] for k, v in settings.items() if k not in varying}
    combos = list(
        itertools.islice(
            itertools.product(*(settings[k] for k in varying)), MAX_COMBINATIONS_CHECKED
        )
    )
    rows = rows or [("", {})]
    # every row with the first combination, every combination with the first row, then the
    # rest of the grid up to the limit
    pairs = [(combos[0], row) for row in rows] + [(combo, rows[0]) for combo in combos[1:]]
    rest = ((combo, row) for combo in combos[1:] for row in rows[1:])
    pairs += itertools.islice(rest, max(0, MAX_COMBINATIONS_CHECKED - len(pairs)))
    try:  # the host's memory, read once for every combination
        memory = limits.available_memory()
    except ValueError:
        memory = None  # a bad SIM_MEMORY_LIMIT: memory_problem says so, on the first combination
    for combo, (point, row) in pairs:
        chosen = {**single, **dict(zip(varying, combo, strict=True)), **row}
        chosen.pop(points.LABEL, None)
        scenario = chosen.pop("scenario", None) or scenarios.default_scenario()
        chosen.pop("seed", None)
        try:
            params = scenarios.resolve(
                scenario, **{k: v for k, v in chosen.items() if v is not None}
            )
            # the check PartnershipModel makes before any work, made here before the first run
            if problem := limits.memory_problem(params, available=memory):
                raise ParameterError(problem)
        except ParameterError as err:
            if runs == 1 and not point:
                raise
            run = ",".join(f"{k}={v}" for k, v in zip(varying, combo, strict=True))
            if point:  # the row of a points table, and the other settings it ran with
                run = f"{point}" + (f" with {run}" if run else "")
                raise ParameterError(f"{run}: {err}") from None
            raise ParameterError(
                f"the sweep's runs with {run or 'these settings'}: {err}"
            ) from None


# Keys whose values must agree with each other or set the run's size (Params' consistency
# check and sim.limits); the others are checked value by value.
_COMBINED = {
    "scenario",
    "convener",
    "target_members",
    "pool_per_sector",
    "public_size",
    "working_group_size",
    "steps",
    "network_intro_rate",
    "curated_intro_rate",
    "curation",
    "events",  # each event's week must be within the horizon (steps)
    *(f"members_{s}" for s in SECTORS),
}
MAX_RUNS = 100_000
MAX_COMBINATIONS_CHECKED = 2_000


def _parse(parser: OverridesParser, text: str):
    try:
        return parser.parse_overrides([text])[0]
    except HydraException as err:  # Hydra's message repeats the whole input: keep its start
        first = str(err).strip().splitlines()[0][:120]
        raise UsageError(f"cannot read the override {shown(text)}: {first}") from None
    except (ValueError, RecursionError) as err:  # a 5000-digit number, a list 1000 deep
        first = str(err).strip().splitlines()[0][:120]
        raise UsageError(f"cannot read the override {shown(text)}: {first}") from None


def _is_hydra(key: str) -> bool:
    return key == "hydra" or key.startswith(("hydra.", "hydra/"))


def _check_key(key: str, text: str, where: str) -> None:
    if key not in allowed_keys():
        close = difflib.get_close_matches(key, allowed_keys(), n=3)
        hint = f" Did you mean {' or '.join(close)}?" if close else ""
        raise UsageError(
            f"unknown parameter {shown(key)} in {shown(text)} (from {where}).{hint} Allowed keys: "
            f"{', '.join(allowed_keys())} (see configs/config.yaml)"
        )


def _check_parameter(override, text: str, where: str) -> None:
    _check_key(override.key_or_group, text, where)
    if override.is_delete():
        raise UsageError(f"{shown(text)}: parameters cannot be deleted; set them to null instead")
    if _count(override, where) > MAX_RUNS:
        raise UsageError(f"{shown(text)} (from {where}) lists more than {MAX_RUNS} values")
    for value in _values(override):
        _check_value(override.key_or_group, value, where)


def _values(override) -> list[Any]:
    if override.is_delete() and override.value() is None:
        return []
    if override.is_sweep_override():
        if override.is_discrete_sweep():
            return list(override.sweep_iterator())
        return []  # interval sweeps are for optimising sweepers; their bounds are not values
    return [override.value()]


def _check_value(key: str, value: Any, where: str) -> None:
    if key == "scenario":
        scenarios.path_of(value)
    elif key == "seed":
        try:
            check_seed(value)
        except ParameterError:
            hint = (
                f" written without leading zeros (seed={int(value)})"
                if isinstance(value, str) and value.isdigit()
                else ""
            )
            raise ParameterError(
                f"seed={shown(value)} (from {where}) is not allowed: seed "
                f"must be a whole number >= 0{hint}"
            ) from None
    elif key == "points":
        if value is not None:
            points.read(value, where)
    elif key == "point":
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 0
        ):
            raise ParameterError(
                f"point={shown(value)} (from {where}) is not allowed: point "
                "must be a whole number >= 0, a row of the points file"
            )
    elif key == "quicklook":
        if not isinstance(value, bool):
            raise ParameterError(
                f"quicklook={shown(value)} (from {where}) is not allowed: "
                "quicklook must be true or false"
            )
    elif value is not None:  # null means "the scenario's value"
        field = next(f for f in fields(Params) if f.name == key)
        if OmegaConf.is_config(value):
            value = OmegaConf.to_container(value)
        check_field(field, value, where)


def _check_group(group: str, values: list[Any], options: list[str], added: bool) -> None:
    for value in values:
        if value not in options:
            close = difflib.get_close_matches(str(value), options, n=3)
            hint = f" Did you mean {' or '.join(close)}?" if close else ""
            raise UsageError(
                f"{group}={value!r} does not exist.{hint} Allowed: {', '.join(options)} "
                f"(files in configs/{group}/)"
            )
    if not added:
        raise UsageError(
            f"{group}={values[0]!r}: add an {group} file with a plus sign: "
            f"+{group}={','.join(map(str, values))}"
        )


# --- the parameter block of configs/config.yaml -------------------------------------------


def parameter_block() -> str:
    """The YAML lines declaring every Params field as a flat key defaulting to null."""
    lines = [
        BEGIN,
        "# null = the scenario's value (scenarios/<name>.yaml), else the default in sim/params.py.",
    ]
    group = None
    for row in describe():
        if row["group"] != group:
            group = row["group"]
            lines.append(f"# {_GROUP_TITLES.get(group, group)}")
        lines.append(f"{row['name']}: null  # {_comment(row)}")
    lines.append(END)
    return "\n".join(lines) + "\n"


_GROUP_TITLES = {
    "knob": "design knobs (0 = the ingredient is absent)",
    "size": "the world",
    "problem": "the problem",
    "events": "scheduled events and shocks at rates (sim/events.py, sim/mechanisms/shocks.py; "
    "docs/odd.md, 3.1 and 7.17)",
    "stochasticity": "sources of spread held at one draw, for an analysis (sim/rng.py; "
    "docs/odd.md, 4.9)",
    "constant": "constants",
}


def _num(x: float | int) -> str:
    return f"{x:_}" if isinstance(x, int) else f"{x:g}"


def _comment(row: dict[str, Any]) -> str:
    if row["choices"]:
        allowed = " | ".join(row["choices"])
    elif row["name"] == "facets":
        allowed = "facet: [asset, ...] mapping, e.g. facets={rules:[authority,expertise]}"
    elif row["name"] == "events":
        allowed = "list of {week, kind, ...}, e.g. 'events=[{week:80,kind:funding_ends}]'"
    elif row["name"] == "held_streams":
        allowed = f"none | names from {', '.join(STREAMS)} joined by +, e.g. world+shocks"
    else:
        allowed = f"{_num(row['lo'])}..{_num(row['hi'])}"
        if row["unit"]:
            allowed += f" {row['unit']}"
    return f"{allowed}; {row['help']}"


def write_config(path: Path = CONFIG_FILE) -> bool:
    """Replace the generated block of config.yaml; return whether the file changed."""
    text = path.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END) + 1
    new = text[:start] + parameter_block() + text[end:]
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def generated_block_of(path: Path = CONFIG_FILE) -> str:
    text = path.read_text(encoding="utf-8")
    return text[text.index(BEGIN) : text.index(END) + len(END) + 1]


if __name__ == "__main__":
    if sys.argv[1:] != ["--write-config"]:
        sys.exit("usage: python -m sim.cli.checks --write-config")
    if resources.ROOT is None:  # not the installed package's copy
        print("error: --write-config rewrites a checkout's configs/config.yaml", file=sys.stderr)
        sys.exit(2)
    changed = write_config()
    print(f"{CONFIG_FILE}: {'updated' if changed else 'already up to date'}")
