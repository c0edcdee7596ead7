"""Scenario files: a partnership design as data (ODD 5, "Initialisation").

A scenario is a YAML mapping of parameter names to values, read as plain, bounded data
(`sim.datafile`: no tags, no code, no Hydra instantiation or resolvers). Names are files in `scenarios/` (a design's file name without `.yaml`, or
`workshop/<exercise>` for the workshop presets); a path to a YAML file works too.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from . import datafile
from .params import ParameterError, Params, shown
from .resources import CONFIG_FILE, SCENARIO_DIR


@cache
def default_scenario() -> str:
    """The default design is data too: the `scenario` key of configs/config.yaml (read on first
    use, not when `sim` is imported)."""
    return str(yaml.safe_load(CONFIG_FILE.read_text(encoding="utf-8"))["scenario"])


def __getattr__(name: str) -> Any:
    # `sim.scenarios.DEFAULT_SCENARIO` as it was, computed when first asked for
    if name == "DEFAULT_SCENARIO":
        return default_scenario()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def available() -> list[str]:
    """Every scenario name under `scenarios/`, workshop presets included."""
    return sorted(
        str(p.relative_to(SCENARIO_DIR).with_suffix("")) for p in SCENARIO_DIR.rglob("*.yaml")
    )


def designs() -> list[str]:
    """The partnership designs: scenario files at the top of `scenarios/`."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))


def path_of(name: str) -> Path:
    if not isinstance(name, str) or not name:
        raise ParameterError(
            f"scenario={shown(name)} is not a scenario name: choose one of {', '.join(available())}"
        )
    candidate = Path(name)
    if candidate.suffix in (".yaml", ".yml") and _is_file(candidate):
        return candidate
    try:
        path = (SCENARIO_DIR / name).with_suffix(".yaml")
    except ValueError:  # "." and the like: no file name to give a suffix
        path = SCENARIO_DIR
    if ".." in Path(name).parts or not _is_file(path):
        raise ParameterError(
            f"scenario={shown(name)} does not exist: choose one of {', '.join(available())}, "
            "or give the path of a .yaml file"
        )
    return path


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # a name too long for the file system, or with a NUL
        return False


def load(name: str) -> tuple[dict[str, Any], dict[str, str]]:
    """Read a scenario file: (values, where each value came from)."""
    path = path_of(name)
    values = datafile.read(path, "scenario file")
    if values is None:
        values = {}
    if not isinstance(values, dict):
        raise ParameterError(
            f"scenario file {path} must be a mapping of parameter: value, "
            f"not {type(values).__name__}"
        )
    datafile.refuse_code(values, f"scenario file {path}")
    try:
        shown = path.relative_to(SCENARIO_DIR.parent)
    except ValueError:
        shown = path
    return values, {str(k): f"{shown}: {k}" for k in values}


def resolve(scenario: str | None = None, **overrides: Any) -> Params:
    """Params of a scenario (None: `default_scenario()`) with keyword overrides on top,
    validated."""
    values, sources = load(default_scenario() if scenario is None else scenario)
    values = {**values, **overrides}
    sources.update({k: f"override {k}={shown(v)}" for k, v in overrides.items()})
    return Params.build(values, sources)
