"""The wheel installs and runs anywhere: built from the checkout, installed (not editable) into
a new virtual environment, and run from a folder outside the checkout.

The new environment sees the dependencies of this one without downloading them: a `.pth` file
names this environment's site-packages, which adds that folder to sys.path without processing
its own .pth files, so the checkout's editable finder stays inactive and `import sim` is the
wheel's (checked on `sim.__file__`).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

from sim.provenance import model_fingerprint

CHECKOUT = Path(__file__).resolve().parents[2]
# what a wheel is built from: the package sources, their data and the build files
SOURCES = ("sim", "experiments", "sim_app", "scenarios", "configs")
BUILD_FILES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md")
VERSION = tomllib.loads((CHECKOUT / "pyproject.toml").read_text())["project"]["version"]


def run(command: list[str], cwd: Path, env: dict[str, str], timeout: float = 300):
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def install(tmp: Path) -> tuple[str, Path, dict[str, str], Path]:
    """(python of a new venv with the wheel installed, its site-packages, a clean
    environment, the wheel)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME", "HYDRA_FULL_ERROR", "VIRTUAL_ENV")
        and not k.startswith("SIM_")
    }
    # a copy of the sources, so that the build leaves no build/ or .egg-info in the checkout
    tmp.mkdir(parents=True)
    source = tmp / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "_data")
    for name in SOURCES:
        shutil.copytree(CHECKOUT / name, source / name, ignore=ignore)
    for name in BUILD_FILES:
        shutil.copy2(CHECKOUT / name, source / name)
    # offline with this environment's setuptools (the dev extra); without it, pip fetches
    # setuptools from the package index into an isolated build environment
    offline = ["--no-build-isolation"] if importlib.util.find_spec("setuptools") else []
    dist = tmp / "dist"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    run([*pip, "wheel", "--no-deps", *offline, "-w", str(dist), str(source)], tmp, env)
    (wheel,) = dist.glob("partnership_sim-*.whl")

    base = getattr(sys, "_base_executable", None) or str(Path(sys.base_prefix) / "bin" / "python3")
    venv = tmp / "venv"
    run([base, "-m", "venv", str(venv)], tmp, env)
    python = str(venv / "bin" / "python")
    new_site = run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp, env
    ).stdout.strip()
    (Path(new_site) / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run([python, "-m", "pip", "--disable-pip-version-check", "-q", "install", "--no-deps",
         str(wheel)], tmp, env)  # fmt: skip
    return python, Path(new_site), env, wheel


@pytest.mark.slow
def test_the_wheel_installs_and_runs_outside_a_checkout(tmp_path):
    """One test, so that pytest-xdist builds the wheel once."""
    python, site, env, wheel = install(tmp_path / "build")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        "sim/_data/scenarios/impact_partnership.yaml",
        "sim/_data/scenarios/workshop/talking_shop.yaml",
        "sim/_data/configs/config.yaml",
        "sim/_data/configs/experiment/compare.yaml",
        "sim/_data/configs/experiment/ablation.csv",
        "sim/_data/configs/hydra/launcher/joblib_batched.yaml",
        "sim_app/app.py",
        "experiments/kit/report.py",
    ):
        assert name in names, name
    assert not any(n.startswith(("tests/", "benchmarks/", "scenarios/", "configs/")) for n in names)

    work = tmp_path / "elsewhere"
    work.mkdir()

    found = run(
        [python, "-c", "import sim, sim.resources as r; print(sim.__file__, r.ROOT, r.CONFIG_DIR)"],
        work,
        env,
    ).stdout.split()
    assert Path(found[0]).is_relative_to(site), found
    assert found[1] == "None" and Path(found[2]) == site / "sim" / "_data" / "configs", found

    fingerprint = model_fingerprint()  # the checkout's: the same code gives the same one
    shown = run([python, "-m", "sim", "--version"], work, env).stdout.strip()
    assert shown == f"partnership-sim {VERSION} (model fingerprint {fingerprint})"

    run([python, "-m", "sim", "scenario=business_led", "seed=1", "steps=20"], work, env)
    (summary,) = work.glob("outputs/runs/*/summary.json")
    provenance = json.loads(summary.read_text())["provenance"]
    assert provenance["version"] == VERSION and provenance["model_fingerprint"] == fingerprint
    assert provenance["git_commit"] is None

    out = work / "compare"
    run(
        [python, "-m", "experiments.compare", "--quick", "--out", str(out), "--jobs", "2"],
        work,
        env,
    )
    report = (out / "report.md").read_text()
    record = json.loads((out / "provenance.json").read_text())
    assert record["version"] == VERSION and record["model_fingerprint"] == fingerprint
    assert record["checkout"] is False and record["git_commit"] is None
    reproduce = report.split("## How to reproduce")[1]
    assert f"partnership-sim {VERSION}, model fingerprint `{fingerprint}`" in reproduce
    assert "commit: none (installed package)" in reproduce

    run([python, "-c", "import sim_app.app"], work, env)
    assert not (site / "sim" / "_data" / "outputs").exists()


def test_importing_sim_reads_no_file_of_its_own():
    """`import sim` opens no scenario, config or /proc file (an audit hook sees every open):
    the default scenario and the host's memory are read when first needed."""
    code = (
        "import sys\n"
        "opened = []\n"
        "sys.addaudithook(lambda event, args: opened.append(str(args[0])) "
        "if event == 'open' and isinstance(args[0], str) else None)\n"
        "import sim, sim.run, sim.scenarios\n"
        "print('\\n'.join(p for p in opened if not p.endswith(('.py', '.pyc', '.so'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=CHECKOUT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    # The environment may live inside the checkout (CI's .venv): its packages' metadata is
    # not the project's own files.
    environment = (sys.prefix, sys.base_prefix)
    read = [
        p
        for p in done.stdout.splitlines()
        if p.startswith(("/proc", str(CHECKOUT))) and not p.startswith(environment)
    ]
    assert read == [], read
