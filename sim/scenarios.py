"""Scenario files: a partnership design as data (ODD 5, "Initialisation").

A scenario is a YAML mapping of parameter names to values, read with a safe loader (no tags,
no code). Names are files in `scenarios/` (a design's file name without `.yaml`, or
`workshop/<exercise>` for the workshop presets); a path to a YAML file works too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .params import Params, ParameterError

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
CONFIG_FILE = SCENARIO_DIR.parent / "configs" / "config.yaml"


def _default_scenario() -> str:
    """The default design is data too: the `scenario` key of configs/config.yaml."""
    return str(yaml.safe_load(CONFIG_FILE.read_text(encoding="utf-8"))["scenario"])


DEFAULT_SCENARIO = _default_scenario()


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
        raise ParameterError(f"scenario={name!r} is not a scenario name: choose one of "
                             f"{', '.join(available())}")
    candidate = Path(name)
    if candidate.suffix in (".yaml", ".yml") and candidate.is_file():
        return candidate
    path = (SCENARIO_DIR / name).with_suffix(".yaml")
    if ".." in Path(name).parts or not path.is_file():
        raise ParameterError(
            f"scenario={name!r} does not exist: choose one of {', '.join(available())}, "
            "or give the path of a .yaml file"
        )
    return path


def load(name: str) -> tuple[dict[str, Any], dict[str, str]]:
    """Read a scenario file: (values, where each value came from)."""
    path = path_of(name)
    try:
        values = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ParameterError(f"scenario file {path} is not valid YAML: {err}") from None
    if values is None:
        values = {}
    if not isinstance(values, dict):
        raise ParameterError(f"scenario file {path} must be a mapping of parameter: value, "
                             f"not {type(values).__name__}")
    try:
        shown = path.relative_to(SCENARIO_DIR.parent)
    except ValueError:
        shown = path
    return values, {str(k): f"{shown}: {k}" for k in values}


def resolve(scenario: str = DEFAULT_SCENARIO, **overrides: Any) -> Params:
    """Params of a scenario with keyword overrides on top, validated."""
    values, sources = load(scenario)
    values = {**values, **overrides}
    sources.update({k: f"override {k}={v!r}" for k, v in overrides.items()})
    return Params.build(values, sources)
