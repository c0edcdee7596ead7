"""The calibration experiments run end to end in their quick modes and write their tables.

`experiments.ofat --quick` (two constants, 2 seeds, 30 weeks) and `experiments.replications
--quick` (6 seeds, 30 weeks): fast smoke tests of the machinery, not of the model's patterns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments import calibration, ofat, patterns, replications
from experiments.runstore import Request, RunStore
from sim.params import describe
from sim.scenarios import resolve


def row(name):
    return next(r for r in describe() if r["name"] == name)


def test_only_assumed_constants_are_swept():
    names = {r["name"] for r in ofat.assumed_constants()}
    assert "talk_base" in names and "curated_intro_rate" in names  # "assumption, scaled ..."
    assert "curated_conversion" not in names  # a cited figure
    assert "trust_gain" not in names
    assert not names & {r["name"] for r in describe() if r["group"] != "constant"}


def test_levels_are_clipped_and_rounded():
    assert ofat.levels(row("talk_base"), 0.5) == (0.075, 0.225)
    assert ofat.levels(row("lock_in"), 0.5) == (0.45, 1.0)  # x1.5 beyond 1: the range edge
    low, high = ofat.levels(row("sprint_cadence_weeks"), 0.5)
    assert (low, high) == (13, 39) and isinstance(low, int)
    assert ofat.levels(row("homophily"), 0.9)[0] == 1  # not below the allowed minimum


def test_small_sample_rules():
    assert patterns._most(np.array([True] * 9 + [False]))[0]  # 9 of 10: at least 90%
    assert not patterns._most(np.array([True] * 8 + [False] * 2))[0]
    assert patterns._most(np.array([True, True]))[0]
    assert not patterns._most(np.array([True, False]))[0]
    better, worse = np.array([2, 2, 1, 0]), np.array([1, 1, 1, 1])  # 2 up, 1 tie, 1 down
    assert patterns._majority(better, worse)[0]
    assert not patterns._majority(worse, better)[0]


def test_runs_are_made_once(tmp_path):
    store = RunStore(tmp_path, n_jobs=1, progress=False)
    params = resolve("impact_partnership", steps=5)
    same = resolve("impact_partnership", steps=5)  # another route to the same parameters
    made = store.ensure([Request("series", params, 1), Request("series", same, 1)])
    assert made == 1
    assert store.ensure([Request("series", params, 1)]) == 0
    again = RunStore(tmp_path, n_jobs=1, progress=False)  # read back from disk
    assert Request("series", same, 1) in again


def test_a_deadline_stops_a_sweep_and_keeps_what_was_made(tmp_path):
    store = RunStore(tmp_path, n_jobs=1, progress=False)
    requests = [Request("series", resolve("impact_partnership", steps=3), s) for s in range(4)]
    made = store.ensure(requests, deadline=0.0)  # already passed: stop after the first result
    assert made == 1 and len(store.missing(requests)) == 3
    assert RunStore(tmp_path, n_jobs=1, progress=False).missing(requests) == requests[1:]


def test_sections_are_replaced_not_appended(tmp_path):
    doc = tmp_path / "calibration.md"
    calibration.write_section("ofat", "## OFAT\nfirst", doc)
    calibration.write_section("replications", "## Seeds\nsecond", doc)
    calibration.write_section("ofat", "## OFAT\nthird", doc)
    text = doc.read_text()
    assert "first" not in text and "third" in text and "second" in text
    assert text.index("## Seeds") < text.index("## OFAT")  # the document's order
    assert text.count("<!-- BEGIN ofat -->") == 1


def test_ofat_quick_writes_its_table(tmp_path):
    folder = ofat.main(["--quick", "--out", str(tmp_path / "ofat")])
    wide = pd.read_csv(folder / "ofat.csv")
    assert list(wide["constant"]) == list(ofat.QUICK_CONSTANTS)
    for pattern in patterns.PATTERNS:
        for level in ("low", "default", "high"):
            assert set(wide[f"p{pattern.key}_{level}"]) <= {ofat.YES, ofat.NO}
    long = pd.read_csv(folder / "ofat_long.csv")
    assert len(long) == len(ofat.QUICK_CONSTANTS) * 3 * len(patterns.PATTERNS)
    text = (folder / "ofat.md").read_text()
    assert "| constant | default | low | high |" in text and "### Reading" in text
    assert "commit" in text


def test_replications_quick_writes_its_table(tmp_path):
    folder = replications.main(["--quick", "--out", str(tmp_path / "rep")])
    table = pd.read_csv(folder / "replications.csv")
    assert len(table) == 7 * len(replications.OUTPUTS)
    assert (folder / "cv.png").stat().st_size > 0
    assert "Seeds needed" in (folder / "replications.md").read_text()


@pytest.mark.parametrize("argv", [["--factor", "1.5"], ["--only", "trust_gain"]])
def test_ofat_refuses_bad_arguments(argv):
    with pytest.raises(SystemExit):
        ofat.parse_args(argv)


def test_fingerprint_leaves_out_only_modules_runs_never_import():
    """The run cache's fingerprint skips the command line's own modules
    (`runstore.NOT_FINGERPRINTED`); that is safe only while nothing a cached run executes
    imports them. Checked in a fresh interpreter: every experiment that fills the cache, the
    pattern statistics and the stall diagnosis are imported, and none of the skipped modules
    is loaded. Each skipped file exists (a renamed module would otherwise drop silently), and
    editing one leaves the fingerprint as it was, while editing a model module changes it."""
    import subprocess
    import sys

    from experiments import runstore

    skipped = {p.removesuffix(".py").replace("/", ".") for p in runstore.NOT_FINGERPRINTED}
    code = (
        "import sys\n"
        "import experiments.runstore, experiments.patterns, experiments.ofat, "
        "experiments.replications, experiments.crosscheck, experiments.readings, "
        "experiments.timing, experiments.boundaries, experiments.business_bounds, "
        "experiments.ledger, sim.diagnosis, sim.run, sim.scenarios\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('sim'))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=runstore.ROOT
    ).stdout.split()
    assert "sim.model" in loaded
    assert not skipped & set(loaded), skipped & set(loaded)
    for path in runstore.NOT_FINGERPRINTED:
        assert (runstore.ROOT / path).is_file(), path


def test_fingerprint_follows_the_model_not_the_command_line(tmp_path, monkeypatch):
    import shutil

    from experiments import runstore

    for folder in ("sim", "scenarios", "experiments"):
        shutil.copytree(
            runstore.ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    monkeypatch.setattr(runstore, "ROOT", tmp_path)
    before = runstore.fingerprint()
    with open(tmp_path / "sim" / "__main__.py", "a") as f:
        f.write("\n# a change to the command line\n")
    assert runstore.fingerprint() == before
    with open(tmp_path / "sim" / "model.py", "a") as f:
        f.write("\n# a change to the model\n")
    assert runstore.fingerprint() != before
