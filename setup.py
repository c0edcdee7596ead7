"""The wheel ships the scenario files and the Hydra configs inside the package.

pyproject.toml holds the project's metadata; this file only adds a build step. In a checkout
`sim.resources` finds the top-level `scenarios/` and `configs/` (the copies users edit); an
installed wheel has no checkout, so `build_py` copies them into `sim/_data/scenarios` and
`sim/_data/configs`, where `sim.resources` looks when there is none. An editable install needs
no copy: it runs from the checkout.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
# (folder, the files of it the package needs)
DATA = {"scenarios": ("*.yaml",), "configs": ("*.yaml", "*.csv")}


def data_files() -> list[tuple[Path, str]]:
    """(source file, its path in the package) for every data file, sorted."""
    files = []
    for folder, patterns in DATA.items():
        for pattern in patterns:
            for path in (HERE / folder).rglob(pattern):
                name = path.relative_to(HERE).as_posix()
                files.append((path, f"sim/_data/{name}"))
    return sorted(files)


class build_py_with_data(build_py):
    """build_py, and the copy of scenarios/ and configs/ into <build_lib>/sim/_data."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        shutil.rmtree(Path(self.build_lib) / "sim" / "_data", ignore_errors=True)  # none stale
        for source, target in data_files():
            destination = Path(self.build_lib) / target
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = super().get_outputs(include_bytecode)
        if getattr(self, "editable_mode", False):
            return outputs
        return [*outputs, *(str(Path(self.build_lib) / t) for _, t in data_files())]


setup(cmdclass={"build_py": build_py_with_data})
