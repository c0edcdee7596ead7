"""What a run record says of the code that made it: the package version, the model's
fingerprint and, in a checkout, the git commit.

The fingerprint is a hash of the model's own source (every module of `sim` but the command line,
`sim/cli/` and `sim/__main__.py`, which never change what a run returns) and of the scenario
files, each under its name relative to the package, so a checkout and an installed wheel of the
same code give the same fingerprint. A wheel has no git commit; the version and the fingerprint
say what made a run wherever it ran.
"""

from __future__ import annotations

import hashlib
import subprocess
import tomllib
from functools import cache
from importlib import metadata

from .resources import PACKAGE, ROOT, SCENARIO_DIR

DISTRIBUTION = "partnership-sim"
# The command line's own modules: how `python -m sim` parses, reports and writes its runs does not
# change what a run returns (tests/calibration/test_ofat.py checks that no run imports them).
NOT_MODEL = ("cli", "__main__.py")


NO_COMMIT = "none (installed package)"  # what a record says of the commit outside a checkout


@cache
def version() -> str:
    """The package's version: in a checkout, its pyproject.toml's (an editable install's
    metadata keeps the version it was installed with); else the installed distribution's
    ("unknown" if neither says)."""
    if ROOT is not None:
        try:
            with (ROOT / "pyproject.toml").open("rb") as handle:
                return str(tomllib.load(handle)["project"]["version"])
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            pass
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown"


def describe() -> str:
    """One line naming the code: `partnership-sim 0.2.0 (model fingerprint 1234abcd5678ef90)`."""
    return f"{DISTRIBUTION} {version()} (model fingerprint {model_fingerprint()})"


def model_files() -> list[tuple[str, bytes]]:
    """(name, content) of every file whose content decides what a run returns, sorted by name."""
    files = [
        (f"sim/{path.relative_to(PACKAGE).as_posix()}", path)
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).parts[0] not in NOT_MODEL and "_data" not in path.parts
    ]
    files += [
        (f"scenarios/{path.relative_to(SCENARIO_DIR).as_posix()}", path)
        for path in SCENARIO_DIR.rglob("*.yaml")
    ]
    return [(name, path.read_bytes()) for name, path in sorted(files)]


@cache
def model_fingerprint() -> str:
    """Hash of the model's source and scenario files (16 hex digits)."""
    digest = hashlib.sha256()
    for name, content in model_files():
        digest.update(name.encode())
        digest.update(content)
    return digest.hexdigest()[:16]


@cache
def git_commit() -> str | None:
    """The checkout's commit, or None (an installed wheel, or no git)."""
    if ROOT is None:
        return None
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
