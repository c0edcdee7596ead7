"""Command-line checks that run before Hydra: bad input stops at once, in one line.

Hydra's own errors for an unknown key or a bad value arrive late (after a run folder exists)
and wordy (a traceback). `check_argv` reads the overrides as Hydra will, with Hydra's parser,
and refuses an unknown key (suggesting close names), a value out of range or an unknown
scenario or experiment. The same module generates the parameter block of
`configs/config.yaml` from `sim.params.Params`, so the two cannot drift apart:
`python -m sim.cli_checks --write-config` rewrites it, and a test checks it.
"""

from __future__ import annotations

import difflib
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

import yaml
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from omegaconf import OmegaConf

from . import scenarios
from .params import ParameterError, Params, describe
from .params import _check as check_field  # Params.build's own field check: the same messages

ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = ROOT / "configs"
CONFIG_FILE = CONFIG_DIR / "config.yaml"
RUN_KEYS = ("scenario", "seed")  # keys of a run that are not parameters
BEGIN = "# --- parameters: generated from sim.params.Params by " \
        "`python -m sim.cli_checks --write-config` ---"
END = "# --- end of generated parameters ---"


class UsageError(ValueError):
    """Bad command-line input; the message is one line naming the field, value and what is allowed."""


def allowed_keys() -> list[str]:
    return [*RUN_KEYS, *Params.names()]


def config_groups() -> dict[str, list[str]]:
    """The project's own config groups (e.g. experiment) and the options in each."""
    groups = {}
    for folder in sorted(p for p in CONFIG_DIR.iterdir() if p.is_dir() and p.name != "hydra"):
        groups[folder.name] = sorted(p.stem for p in folder.glob("*.yaml"))
    return groups


def check_seed(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ParameterError(f"seed={value!r} is not allowed: seed must be a whole number >= 0")
    return value


def check_argv(argv: list[str]) -> None:
    """Refuse bad overrides in `argv` (without the program name) before Hydra starts.

    Experiment files named by `+experiment=NAME` are checked too (`check_experiment_file`).

    Raises:
        UsageError: for an unknown key or config-group option.
        ParameterError: for a value Params or the scenario list refuses.
    """
    parser = OverridesParser.create()
    groups = config_groups()
    multirun = any(a in ("-m", "--multirun") for a in argv)
    single: dict[str, Any] = {}
    uses_group = False
    for arg in argv:
        if arg.startswith("-") or ("=" not in arg and not arg.startswith("~")):
            continue  # a flag, or the value of a flag such as `--cfg job`
        override = _parse(parser, arg)
        key = override.key_or_group
        if _is_hydra(key):
            continue
        if key in groups:
            _check_group(key, _values(override), groups[key], override.is_add())
            for name in _values(override):
                check_experiment_file(CONFIG_DIR / key / f"{name}.yaml")
            uses_group = True
            continue
        _check_parameter(override, arg, "the command line")
        if override.is_sweep_override() and not multirun:
            raise UsageError(f"{arg!r} lists several values: add -m to sweep over them "
                             f"(python -m sim -m {arg})")
        if not override.is_sweep_override():
            single[key] = override.value()
    if not multirun and not uses_group:
        # A single run with nothing from an experiment file: check the whole combination now,
        # before Hydra makes a run folder (e.g. a convener from a sector with no members).
        scenario = single.pop("scenario", None) or scenarios.DEFAULT_SCENARIO
        single.pop("seed", None)
        scenarios.resolve(scenario, **{k: v for k, v in single.items() if v is not None})


def check_experiment_file(path: Path) -> None:
    """Refuse unknown keys and bad values in an experiment file, fixed or swept."""
    where = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    parser = OverridesParser.create()
    for key, value in data.items():
        if key in ("hydra", "defaults"):
            continue
        _check_key(str(key), f"{key}: {value}", where)
        if not (isinstance(value, str) and "${" in value):  # interpolations resolve later
            _check_value(str(key), value, where)
    sweeper = ((data.get("hydra") or {}).get("sweeper") or {}).get("params") or {}
    for key, spec in sweeper.items():
        text = f"{key}={spec}"
        override = _parse(parser, text)
        if not _is_hydra(override.key_or_group) and override.key_or_group not in config_groups():
            _check_parameter(override, text, where)


def _parse(parser: OverridesParser, text: str):
    try:
        return parser.parse_overrides([text])[0]
    except HydraException as err:
        first = str(err).strip().splitlines()[0]
        raise UsageError(f"cannot read the override {text!r}: {first}") from None


def _is_hydra(key: str) -> bool:
    return key == "hydra" or key.startswith(("hydra.", "hydra/"))


def _check_key(key: str, text: str, where: str) -> None:
    if key not in allowed_keys():
        close = difflib.get_close_matches(key, allowed_keys(), n=3)
        hint = f" Did you mean {' or '.join(close)}?" if close else ""
        raise UsageError(
            f"unknown parameter {key!r} in {text!r} (from {where}).{hint} Allowed keys: "
            f"{', '.join(allowed_keys())} (see configs/config.yaml)"
        )


def _check_parameter(override, text: str, where: str) -> None:
    _check_key(override.key_or_group, text, where)
    if override.is_delete():
        raise UsageError(f"{text!r}: parameters cannot be deleted; set them to null instead")
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
        check_seed(value)
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
    lines = [BEGIN, "# null = the scenario's value (scenarios/<name>.yaml), else the default in "
             "sim/params.py."]
    group = None
    for row in describe():
        if row["group"] != group:
            group = row["group"]
            lines.append(f"# {_GROUP_TITLES.get(group, group)}")
        lines.append(f"{row['name']}: null  # {_comment(row)}")
    lines.append(END)
    return "\n".join(lines) + "\n"


_GROUP_TITLES = {"knob": "design knobs (0 = the ingredient is absent)", "size": "the world",
                 "problem": "the problem", "constant": "constants"}


def _num(x: float | int) -> str:
    return f"{x:_}" if isinstance(x, int) else f"{x:g}"


def _comment(row: dict[str, Any]) -> str:
    if row["choices"]:
        allowed = " | ".join(row["choices"])
    elif row["name"] == "facets":
        allowed = "facet: [asset, ...] mapping, e.g. facets={rules:[authority,expertise]}"
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
    return text[text.index(BEGIN): text.index(END) + len(END) + 1]


if __name__ == "__main__":
    if sys.argv[1:] != ["--write-config"]:
        sys.exit("usage: python -m sim.cli_checks --write-config")
    changed = write_config()
    print(f"{CONFIG_FILE}: {'updated' if changed else 'already up to date'}")
