"""docs/calibration.md: shared by the one-factor-at-a-time sweep and the replication study.

Each experiment owns one section of the document, between `<!-- BEGIN name -->` and
`<!-- END name -->` markers, and rewrites only that section, so either can be rerun alone. The
state of the code the numbers belong to (commit, uncommitted changes under `sim/`) is recorded in
each section, because the numbers are valid for that state only.

The document is the checkout's. From an installed package (no checkout) a study writes its
section into its output folder only (`<out>/<name>.md`, as always), unless `--doc` names a
document; the section then names the package's version instead of a commit.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from sim import resources
from sim.provenance import NO_COMMIT, version

ROOT = resources.ROOT  # the checkout; None from an installed package
DOC = (ROOT or Path.cwd()) / "docs" / "calibration.md"  # written only in a checkout, or by --doc
FIGURES = DOC.parent / "figures"
SECTIONS = (
    "replications",
    "crosscheck",
    "ofat",
    "readings",
    "timing",
    "boundaries",
    "business_bounds",
    "ledger",
)  # their order in the document

HEADER = """# Calibration: how many seeds, and do the patterns hinge on assumed constants?

The calibration and validation studies of issue 3, recorded with the state of the code they were
computed on (each section names its commit; after a change to `sim/` the numbers must be
recomputed):

- **How many seeds** (Lorscheid et al. 2012): `python -m experiments.calibration.replications`.
- **The patterns on other seeds, with other statistics** (means, t-tests, bootstrap intervals):
  `python -m experiments.calibration.crosscheck`.
- **One-factor-at-a-time sweep** of every constant whose source is an assumption:
  `python -m experiments.calibration.ofat`.
- **Other readings of the designs** (every knob of every scenario redrawn within ±0.1 and ±0.2):
  `python -m experiments.calibration.readings`.
- **Timing** against the evidence table's timings (dropouts, stalls, systems change):
  `python -m experiments.calibration.timing`.
- **Where the Impact Partnership does not win** (a one-sector problem, a short horizon, no
  leadership backing): `python -m experiments.calibration.boundaries`.
- **How far business's sector data can move pattern 2** (and what that costs pattern 4):
  `python -m experiments.calibration.business_bounds`.

`make calibrate` runs them all, one after another (about 50 minutes on 2 cores).

The pattern statistics are recomputed on seeds 5000 and up, which neither the pattern tests
(20000–20019) nor calibration (0–29) used, with the small-sample rules stated in
`experiments/calibration/patterns.py`. Sections below are generated; rerunning a command replaces its section.
"""


def _git(*args: str) -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=10, check=True
        )
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def code_state() -> dict[str, str]:
    """Commit, uncommitted changes under sim/ and scenarios/, and the time (from an installed
    package: no commit, no changes, and the package's version)."""
    if ROOT is None:
        return {
            "commit": NO_COMMIT,
            "sim_status": "",
            "time": datetime.now().isoformat(timespec="minutes"),
            "version": version(),
        }
    return {
        "commit": _git("rev-parse", "--short", "HEAD"),
        "sim_status": _git("status", "--short", "sim", "scenarios"),
        "time": datetime.now().isoformat(timespec="minutes"),
    }


def state_note(state: dict[str, str], fingerprint_start: str, fingerprint_end: str) -> str:
    """A paragraph naming the code state the numbers belong to."""
    changes = state["sim_status"]
    if changes and changes != "unknown":
        listing = ", ".join(f"`{line.strip()}`" for line in changes.splitlines())
        dirty = (
            f"**the working tree had uncommitted changes** under `sim/` or `scenarios/` "
            f"(`git status --short sim scenarios`: {listing})"
        )
    else:
        dirty = "no uncommitted changes under `sim/` or `scenarios/`"
    if "version" in state:  # an installed package: no commit to name
        text = (
            f"Computed {state['time']} with the installed package partnership-sim "
            f"{state['version']} (commit: {state['commit']}); the numbers are valid for that "
            f"code (model source fingerprint `{fingerprint_start}`)."
        )
    else:
        text = (
            f"Computed {state['time']} at commit `{state['commit']}` with {dirty}; the numbers "
            f"are valid for that state (model source fingerprint `{fingerprint_start}`)."
        )
    if fingerprint_end != fingerprint_start:
        text += (
            f" **Warning: the model source changed while the runs were made** (fingerprint "
            f"`{fingerprint_end}` at the end); rerun before relying on these numbers."
        )
    return text


def write_section(name: str, body: str, path: Path | str = DOC) -> Path:
    """Replace (or add) section `name` of the calibration document with `body`."""
    path = Path(path)
    text = path.read_text(encoding="utf-8") if path.is_file() else HEADER
    begin, end = f"<!-- BEGIN {name} -->", f"<!-- END {name} -->"
    block = f"{begin}\n{body.strip()}\n{end}"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        tail = rest.split(end, 1)[1]
        text = head + block + tail
    else:
        # keep SECTIONS' order: insert before the first later section that exists
        later = [s for s in SECTIONS[SECTIONS.index(name) + 1 :] if f"<!-- BEGIN {s} -->" in text]
        if name in SECTIONS and later:
            marker = f"<!-- BEGIN {later[0]} -->"
            head, tail = text.split(marker, 1)
            text = head + block + "\n\n" + marker + tail
        else:
            text = text.rstrip() + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def target_doc(quick: bool, doc: Path | None, no_doc: bool) -> Path | None:
    """The document a study writes its section into: the calibration document, except in a
    `--quick` smoke test (unless `--doc` names one) or with `--no-doc`; from an installed
    package, none unless `--doc` names one (the section is in the output folder)."""
    if no_doc or (quick and doc is None):
        return None
    if doc is None and ROOT is None:
        print(
            "note: no checkout (an installed package), so docs/calibration.md is not updated: "
            "the section is written to the output folder only (--doc names a document)",
            file=sys.stderr,
        )
        return None
    return Path(doc) if doc is not None else DOC


def place_figure(figure: Path, doc: Path | None) -> None:
    """Copy a study's figure next to the document, as its section's link expects
    (docs/figures by default); nothing without a document."""
    if doc is None:
        return
    beside = doc.parent / FIGURES.name / figure.name
    beside.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(figure, beside)


def publish(
    name: str, text: str, folder: Path, doc: Path | None, figures: dict[str, str] | None = None
) -> None:
    """Write a study's section to `folder/<name>.md` and, if `doc` is given, into `doc`.

    The section links its figures as the document sees them, `figures/<name>`; `figures`
    maps each such name to the figure's file in `folder`, where the folder's copy links it.
    """
    local = text
    for linked, beside in (figures or {}).items():
        local = local.replace(f"](figures/{linked})", f"]({beside})")
    (folder / f"{name}.md").write_text(local, encoding="utf-8")
    if doc is not None:
        path = write_section(name, text, doc)
        print(f"Wrote the '{name}' section of {path}", file=sys.stderr)


QUICK_SEEDS = 2  # a study's --quick smoke test


def study_parser(
    name: str, description: str, *, seeds: int, per: str, quick: str
) -> argparse.ArgumentParser:
    """The command line every study that writes a section shares: `--seeds` (`seeds` per
    `per`), `--jobs`, `--out`, `--quick` (what `quick` says it does), `--doc`, `--no-doc`."""
    parser = argparse.ArgumentParser(
        prog=f"python -m experiments.calibration.{name}", description=description
    )
    parser.add_argument(
        "--seeds",
        type=int,
        default=None,
        help=f"seeds per {per} (default {seeds}; --quick: {QUICK_SEEDS})",
    )
    parser.add_argument("--jobs", type=int, default=None, help="workers (default 2)")
    parser.add_argument(
        "--out", type=Path, default=None, help=f"output folder (default results/{name}-<time>)"
    )
    parser.add_argument("--quick", action="store_true", help=f"smoke test: {quick}")
    parser.add_argument(
        "--doc",
        type=Path,
        default=None,
        help="document to write the section into (default docs/calibration.md)",
    )
    parser.add_argument("--no-doc", action="store_true")
    return parser


def study_seeds(
    parser: argparse.ArgumentParser, args: argparse.Namespace, first: int, default: int
) -> list[int]:
    """The seeds a study runs: `--seeds` of them from `first` (`default`; a few with --quick).
    Fewer than one is refused with a message naming the value."""
    if args.seeds is not None and args.seeds < 1:
        parser.error(f"--seeds {args.seeds}: give at least 1")
    count = args.seeds or (QUICK_SEEDS if args.quick else default)
    return list(range(first, first + count))
