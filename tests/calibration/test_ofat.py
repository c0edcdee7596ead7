"""The calibration experiments run end to end in their quick modes and write their tables.

`experiments.calibration.ofat --quick` (two constants, 2 seeds, 30 weeks) and `experiments.calibration.replications
--quick` (6 seeds, 30 weeks): fast smoke tests of the machinery, not of the model's patterns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments.calibration import doc as calibration
from experiments.calibration import ofat, patterns, replications
from experiments.kit.engine import Request, RunStore, series_summary
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
    made = store.ensure([Request(series_summary, params, 1), Request(series_summary, same, 1)])
    assert made == 1
    assert store.ensure([Request(series_summary, params, 1)]) == 0
    again = RunStore(tmp_path, n_jobs=1, progress=False)  # read back from disk
    assert Request(series_summary, same, 1) in again


def test_a_deadline_stops_a_sweep_and_keeps_what_was_made(tmp_path):
    store = RunStore(tmp_path, n_jobs=1, progress=False)
    requests = [
        Request(series_summary, resolve("impact_partnership", steps=3), s) for s in range(4)
    ]
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


def test_from_an_installed_package_a_study_writes_its_section_in_its_folder_only(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(calibration, "ROOT", None)  # an installed wheel: no checkout
    assert calibration.target_doc(False, None, False) is None
    assert "docs/calibration.md is not updated" in capsys.readouterr().err
    assert calibration.target_doc(False, tmp_path / "c.md", False) == tmp_path / "c.md"
    state = calibration.code_state()
    assert state["commit"] == "none (installed package)" and state["sim_status"] == ""
    note = calibration.state_note(state, "f" * 16, "f" * 16)
    assert f"with the installed package partnership-sim {state['version']}" in note
    calibration.publish("ofat", "## OFAT\nnumbers", tmp_path, None)
    assert (tmp_path / "ofat.md").read_text() == "## OFAT\nnumbers"


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
    """The model's fingerprint (`sim.provenance`) skips the command line's own modules
    (`NOT_MODEL`: sim/cli/ and sim/__main__.py); that is safe only while nothing a cached run
    executes imports them. Checked in a fresh interpreter: every study that fills the cache, the
    pattern statistics, the engine and the stall diagnosis are imported, and no module of the
    command line is loaded. Each skipped name exists (a renamed module would otherwise drop out
    silently)."""
    import subprocess
    import sys

    from sim import provenance

    code = (
        "import sys\n"
        "import experiments.kit.engine, experiments.calibration.patterns, "
        "experiments.calibration.ofat, experiments.calibration.replications, "
        "experiments.calibration.crosscheck, experiments.calibration.readings, "
        "experiments.calibration.timing, experiments.calibration.boundaries, "
        "experiments.calibration.business_bounds, experiments.calibration.ledger, "
        "sim.diagnosis, sim.run, sim.scenarios\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('sim'))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=provenance.PACKAGE.parent,
    ).stdout.split()
    assert "sim.model" in loaded
    command_line = [m for m in loaded if m == "sim.__main__" or m.startswith("sim.cli")]
    assert not command_line, command_line
    for name in provenance.NOT_MODEL:
        assert (provenance.PACKAGE / name).exists(), name


def test_fingerprint_follows_the_model_not_the_command_line(tmp_path, monkeypatch):
    import shutil

    from sim import provenance

    for folder in ("sim", "scenarios"):
        source = provenance.PACKAGE if folder == "sim" else provenance.SCENARIO_DIR
        shutil.copytree(source, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(provenance, "PACKAGE", tmp_path / "sim")
    monkeypatch.setattr(provenance, "SCENARIO_DIR", tmp_path / "scenarios")

    def fingerprint():
        provenance.model_fingerprint.cache_clear()
        return provenance.model_fingerprint()

    before = fingerprint()
    for edited in ("__main__.py", "cli/main.py", "cli/checks.py"):
        with open(tmp_path / "sim" / edited, "a") as f:
            f.write("\n# a change to the command line\n")
        assert fingerprint() == before, edited
    with open(tmp_path / "scenarios" / "business_led.yaml", "a") as f:
        f.write("\n# a change to a design\n")
    after_scenario = fingerprint()
    assert after_scenario != before
    with open(tmp_path / "sim" / "model.py", "a") as f:
        f.write("\n# a change to the model\n")
    assert fingerprint() not in (before, after_scenario)
    provenance.model_fingerprint.cache_clear()


def test_a_study_that_edits_its_run_function_finds_none_of_the_old_runs():
    """A request's key names its function, the function's keyword arguments and the hash of its
    module's source, so the breach runs of two horizons are different runs."""
    import functools

    from experiments.calibration import patterns
    from experiments.kit.engine import kind_of

    full, quick = patterns._breach_run(patterns.FULL), patterns._breach_run(patterns.QUICK)
    assert kind_of(full) != kind_of(quick)
    assert kind_of(full).startswith("experiments.calibration.patterns.breach_summary(")
    assert kind_of(series_summary).startswith("experiments.kit.engine.series_summary()@")
    with pytest.raises(ValueError, match="top level"):
        kind_of(lambda params, seed, design: {})
    with pytest.raises(ValueError, match="keyword"):
        kind_of(functools.partial(patterns.breach_summary, 1))
