"""Where the project's files are: the scenario files and the Hydra configs.

In a checkout (an editable install, or the tests) they are the top-level `scenarios/` and
`configs/` folders beside `sim/`; in an installed wheel they ship inside the package as
`sim/_data/scenarios` and `sim/_data/configs` (package data, copied there when the wheel is built).
`ROOT` is the checkout, or None when the package runs from an installed wheel.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = PACKAGE.parent
ROOT: Path | None = _CHECKOUT if (_CHECKOUT / "pyproject.toml").is_file() else None


def _data(name: str) -> Path:
    if ROOT is not None and (ROOT / name).is_dir():
        return ROOT / name
    return PACKAGE / "_data" / name


SCENARIO_DIR = _data("scenarios")
CONFIG_DIR = _data("configs")
CONFIG_FILE = CONFIG_DIR / "config.yaml"
# The folder that holds both: the checkout, or sim/_data. Paths are shown relative to it
# ("configs/experiment/compare.yaml"), whichever install they come from.
DATA_ROOT = CONFIG_DIR.parent
