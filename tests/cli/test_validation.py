"""Gaps that let a bad value through, or answered it with a traceback, each pinned as closed.

Every entry point: keywords (`resolve`, `PartnershipModel(**kw)`, `Params(...)`,
`dataclasses.replace`, `Params.with_`), scenario and experiment files, the command line (in
process, and ~20 hostile commands run for real), and the memory check of `sim.limits`.
"""

from __future__ import annotations

import dataclasses
import math
import os
import subprocess
import sys
import tracemalloc
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from sim import ParameterError, Params, PartnershipModel, limits
from sim.cli.checks import UsageError, check_argv, check_experiment_file
from sim.datafile import MAX_BYTES, loads, refuse_code
from sim.params import shown
from sim.run import ROOT, config_hash, run_one
from sim.scenarios import resolve
from sim_app.session import DesignRun, Workshop

SMALL = {"steps": 3, "public_size": 200}


def refused(**overrides) -> str:
    with pytest.raises(ParameterError) as info:
        resolve("impact_partnership", **overrides)
    return str(info.value)


def refused_model(**overrides) -> str:
    """The message of a model refused before any work (the memory check is made there)."""
    with pytest.raises(ParameterError) as info:
        PartnershipModel(scenario="impact_partnership", rng=0, collect_agents=False, **overrides)
    return str(info.value)


# --- keyword values ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        # a whole number too big for a float raised OverflowError
        ({"steps": 10**400}, ["steps=", "...", "out of range"]),
        ({"transparency": 10**400}, ["transparency=", "out of range"]),
        ({"transparency": Fraction(10**400, 3)}, ["out of range"]),
        # the message showed int(1e308): 309 digits
        ({"steps": 1e308}, ["steps=1e+308", "out of range"]),
        ({"convener": np.array(["business"])}, ["convener=", "not allowed"]),
        ({"facets": {"a": [np.array(["authority"])]}}, ["names asset", "does not exist"]),
        ({"facets": {"x" * 10_000: ["authority"]}}, ["malformed", "1 to 80 characters"]),
        ({"facets": {"": ["authority"]}}, ["malformed"]),
        ({"facets": {"tab\there": ["authority"]}}, ["malformed"]),
        ({"facets": {f"f{i}": ["authority"] for i in range(101)}}, ["101 facets", "too many"]),
        ({"facets": [("a", ["authority"]), ("a", ["reach"])]}, ["facets['a']", "given twice"]),
    ],
)
def test_values_that_used_to_crash_or_pass(overrides, words):
    message = refused(**overrides)
    for word in words:
        assert word in message, message
    assert len(message) < 600, "a message shows a value cut short, not all of it"


def test_negative_zero_is_zero():
    """-0.0 gave a different config hash from 0.0 for the same run (resume missed it)."""
    params = resolve("impact_partnership", transparency=-0.0)
    assert math.copysign(1.0, params.transparency) == 1.0
    assert config_hash(params) == config_hash(resolve("impact_partnership", transparency=0.0))


def test_numpy_numbers_are_accepted_as_plain_ones():
    params = resolve("impact_partnership", steps=np.int64(5), transparency=np.float32(0.5))
    assert type(params.steps) is int and type(params.transparency) is float


def test_params_built_directly_or_replaced_are_checked_too():
    """Params(...) and dataclasses.replace skipped every check."""
    with pytest.raises(ParameterError, match="transparency=5 is out of range"):
        Params(transparency=5, members_business=1, convener="business")
    with pytest.raises(ParameterError, match="no members"):
        Params()
    base = resolve("impact_partnership")
    with pytest.raises(ParameterError, match="steps=0 is out of range"):
        dataclasses.replace(base, steps=0)
    assert dataclasses.replace(base, steps=4) == base.with_(steps=4)
    built = Params(members_business=2, convener="business", facets={"f": ["funding"]})
    assert built.facets == (("f", ("funding",)),)  # converted as build converts it


def test_build_wants_a_mapping():
    with pytest.raises(ParameterError, match="must be a mapping"):
        Params.build(None)
    with pytest.raises(ParameterError, match="must be a mapping"):
        Params.build([("steps", 3)])


def test_run_one_checks_its_arguments():
    params = resolve("impact_partnership", **SMALL)
    for seed in (-1, 1.5, "3", True, None):
        with pytest.raises(ParameterError, match="seed"):
            run_one(params, seed)
    with pytest.raises(ParameterError, match="must be a Params"):
        run_one({"steps": 3}, 0)
    assert run_one(params, np.int64(2)).seed == 2


@pytest.mark.parametrize("name", ["a" * 5000, ".", "a\x00b", "/", "..", "../configs/config"])
def test_odd_scenario_names(name):
    """A 5000-character name raised OSError (file name too long)."""
    with pytest.raises(ParameterError, match="scenario="):
        PartnershipModel(scenario=name, rng=0)


# --- the memory a run needs ---------------------------------------------------------------


def test_a_size_that_would_not_fit_is_refused_with_the_estimate(monkeypatch):
    monkeypatch.setenv(limits.LIMIT_ENV, "50M")
    message = refused_model(public_size=5_000_000)
    for word in (
        "would need about 19",
        "50.0 MiB",
        "SIM_MEMORY_LIMIT=50M",
        "public 19",
        "(public_size)",
        "public_size=5000000",
    ):
        assert word in message, message
    PartnershipModel(rng=0, public_size=100_000, steps=1, collect_agents=False)  # 4 MiB: fits
    with pytest.raises(ParameterError, match="would need"):
        PartnershipModel(rng=0, public_size=5_000_000)
    with pytest.raises(ParameterError, match="would need"):
        run_one(resolve("impact_partnership", public_size=5_000_000), 0)


def test_building_params_never_reads_the_hosts_memory(monkeypatch):
    """The OFAT builds thousands of Params: the memory check is the model's, once a run."""

    def unread() -> None:
        raise AssertionError("Params.build read the host's memory")

    monkeypatch.setattr(limits, "available_memory", unread)
    params = resolve("impact_partnership", public_size=5_000_000)
    params.with_(steps=10)
    dataclasses.replace(params, public_size=6_000_000)


def test_trust_store_estimate_names_the_working_groups():
    """Groups as big as the partnership: n x n trust. This one used to fail inside numpy
    ("Unable to allocate 14.6 TiB") after the run had started."""
    message = refused_model(
        members_business=1_000_000, pool_per_sector=1_000_000, working_group_size=1_000_000
    )
    assert "TiB" in message and "trust" in message and "working_group_size" in message


def test_agent_records_count_when_collected(monkeypatch):
    params = resolve("impact_partnership", steps=5200, public_size=100)
    monkeypatch.setenv(limits.LIMIT_ENV, "200M")
    assert limits.memory_problem(params) is None
    problem = limits.memory_problem(params, agent_records=True)
    assert problem and "collect no agent records" in problem
    with pytest.raises(ParameterError, match="collect no agent records"):
        run_one(params, 0, collect_agents=True)


@pytest.mark.parametrize("text", ["512M", "8G", "1.5GiB", "1073741824", "2 g"])
def test_memory_limit_setting(text):
    assert limits.parse_size(text) > 0


def test_a_bad_memory_limit_setting_is_refused(monkeypatch):
    monkeypatch.setenv(limits.LIMIT_ENV, "lots")
    assert "is not a size" in refused_model()


def test_available_memory_is_read():
    room, source = limits.available_memory()
    assert room is None or room > 0
    assert source


@pytest.mark.parametrize(
    "sizes",
    [
        {"public_size": 400_000},
        {"members_business": 3_000, "working_group_size": 30},
        {"members_business": 300, "working_group_size": 300},
        {"pool_per_sector": 100_000},
    ],
    ids=["public", "members", "big-groups", "pool"],
)
def test_the_estimate_covers_the_measured_peak(sizes):
    """The estimate is at least the peak tracemalloc sees, and not wildly above it."""
    params = resolve("impact_partnership", steps=4, **{"public_size": 1000, **sizes})
    tracemalloc.start()
    try:
        model = PartnershipModel(params=params, rng=0, collect_agents=False)
        while model.running:
            model.step()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    estimate = sum(limits.estimate(params).values())
    assert peak <= estimate <= 6 * peak + 2**20, (peak, limits.estimate(params))


# --- files are data -----------------------------------------------------------------------


def _file(tmp_path: Path, text: str | bytes, name: str = "x.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


HOSTILE_FILES = {
    "python-tag": (
        "steps: !!python/object/apply:os.system ['touch PWNED']\n",
        "could not determine a constructor",
    ),
    "python-name": ("steps: !!python/name:os.system\n", "could not determine a constructor"),
    "target": ("_target_: os.system\n_args_: ['touch PWNED']\n", "'_target_' would make Hydra"),
    "target-nested": ("facets:\n  a: {_target_: os.system}\n", "'facets.a._target_'"),
    "partial": (
        "hydra:\n  callbacks:\n    x: {_partial_: true}\n",
        "'hydra.callbacks.x._partial_'",
    ),
    "resolver": ("transparency: ${oc.env:HOME}\n", "calls the resolver 'oc.env'"),
    "resolver-nested": ("transparency: '${oc.select:${oc.env:HOME}}'\n", "calls the resolver"),
    "binary": (bytes(range(256)), "is not UTF-8 text"),
    "latin-1": ("convener: caf\xe9\n".encode("latin-1"), "is not UTF-8 text"),
    "nul": ("steps: 3\x00\n", "unacceptable character"),
    "unclosed": ("steps: [1, 2\n", "is not valid YAML"),
    "tab-indent": ("facets:\n\t- a\n", "is not valid YAML"),
    "unhashable-key": ("? [a, b]\n: 2\n", "unhashable key"),
    "duplicate-key": ("steps: 3\nsteps: 4\n", "gives the key 'steps' twice (line 2)"),
    "list": ("- steps\n- 3\n", "must be a mapping"),
    "scalar": ("42\n", "must be a mapping"),
    "digits": ("steps: " + "9" * 5000 + "\n", "cannot be read"),
    "deep": ("steps: " + "[" * 50 + "]" * 50 + "\n", "nested more than 32 levels"),
    "too-big": ("# " + "x" * MAX_BYTES + "\n", "larger than 1 MiB"),
}


@pytest.mark.parametrize("case", HOSTILE_FILES, ids=list(HOSTILE_FILES))
def test_hostile_files_are_refused_as_data(tmp_path, monkeypatch, case):
    text, words = HOSTILE_FILES[case]
    monkeypatch.chdir(tmp_path)
    path = _file(tmp_path, text)
    for load in (lambda: resolve(str(path)), lambda: check_experiment_file(path)):
        with pytest.raises((ParameterError, UsageError)) as info:
            load()
        assert words in str(info.value), str(info.value)
        assert "\n" not in str(info.value)
    assert not (tmp_path / "PWNED").exists()


def test_safe_resolvers_and_references_are_allowed():
    refuse_code(
        {
            "hydra": {"sweep": {"dir": "outputs/${now:%Y-%m-%d}"}},
            "x": "${steps}",
            "y": "${hydra:job.name}",
            "z": "plain $text {braces}",
        },
        "file",
    )


def test_anchors_and_merge_keys_still_work():
    assert loads("base: &b {steps: 3}\nrun:\n  <<: *b\n  steps: 4\n", "f") == {
        "base": {"steps": 3},
        "run": {"steps": 4},
    }


def test_empty_files(tmp_path):
    path = _file(tmp_path, "")
    assert check_experiment_file(path).fixed == {}
    with pytest.raises(ParameterError, match="no members"):
        resolve(str(path))


def test_experiment_file_structure_is_checked(tmp_path):
    for text, words in [
        ("hydra: 3\n", "hydra must be a mapping"),
        ("hydra:\n  sweeper:\n    params: [a]\n", "params must be a mapping"),
        ("hydra:\n  sweeper:\n    params:\n      seed: [1, 2]\n", "written as on the command line"),
        (
            "hydra:\n  sweeper:\n    params:\n      seed: range(0,100000000)\n",
            "more than 100000 values",
        ),
        (
            "hydra:\n  sweeper:\n    params:\n      steps: interval(1,5)\n",
            "interval() is for optimising sweepers",
        ),
    ]:
        with pytest.raises(
            (UsageError, ParameterError), match=words.replace("(", r"\(").replace(")", r"\)")
        ):
            check_experiment_file(_file(tmp_path, text))


# --- the command line, in process -----------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["steps=" + "9" * 5000], ["cannot read the override", "4300 digits"]),
        (["facets=" + "[" * 2000 + "]" * 2000], ["cannot read the override", "recursion"]),
        (["-m", "seed=range(0,100000000)"], ["100000000 runs", "more than 100000"]),
        (["-m", "seed=range(0,3,-1)"], ["the sweep has no runs"]),
        (["-m", "seed=range(0,3,0)"], ["step cannot be 0"]),
        (["-m", "transparency=interval(0,1)"], ["interval() is for optimising sweepers"]),
        (["-m", "transparency=glob(*)"], ["glob() chooses config files"]),
        (["-m", "seed=0,1", "convener=citizens", "members_citizens=0"], ["has no members"]),
        (
            ["-m", "members_citizens=0,1", "convener=citizens"],
            ["the sweep's runs with members_citizens=0", "has no members"],
        ),
        (["+experiment=smoke", "+experiment=smoke"], ["experiment is given twice"]),
        (["+experiment=smoke", "convener=citizens", "members_citizens=0"], ["has no members"]),
        (["foo"], ["'foo' is not a setting"]),
        (["hydra.run.dir=/proc/nope"], ["cannot write in /proc"]),
        (["hydra.sweep.dir=/etc/hostname/x"], ["is a file"]),
        (["-m", "hydra.sweep.dir=a,b"], ["cannot be swept"]),
    ],
)
def test_command_lines_that_used_to_get_through(argv, words):
    with pytest.raises((UsageError, ParameterError)) as info:
        check_argv(argv)
    for word in words:
        assert word in str(info.value), str(info.value)


def test_an_experiment_sweep_needs_no_dash_m():
    check_argv(["+experiment=smoke", "orchestration=0,0.5"])  # the file makes it a sweep
    with pytest.raises(UsageError, match="add -m"):
        check_argv(["orchestration=0,0.5"])


def test_shown_cuts_long_values():
    assert len(shown("x" * 10_000)) < 80
    assert len(shown([[[[[[1]]]]]] * 1000)) < 80


# --- the workshop app: a value no slider can send (a tampered request) ------------------


def test_a_tampered_value_is_refused_by_the_model():
    """What the slider handler calls: an out-of-range value never reaches the model."""
    run = DesignRun("A", "ngo_business_pair", 0)
    run.step(2)
    for value in (5.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError):  # ParameterError
            run.set_knob("communication", value)
        assert run.model.params.communication == 0.5


def test_a_refused_value_leaves_the_session_as_it_was():
    """A value no slider can send (a tampered request) is refused, at week 0 (a redesign) and
    mid-run, and the session, its sliders and every later Reset stay as they were."""
    run = DesignRun("A", "ngo_business_pair", 0)
    with pytest.raises(ParameterError, match="communication"):
        run.set_knob("communication", 5.0)  # at week 0: a redesign
    assert run.knobs["communication"] == 0.5
    run.reset()
    run.step(3)
    with pytest.raises(ParameterError, match="communication"):
        run.set_knob("communication", float("nan"))
    assert run.knobs["communication"] == 0.5 and run.model.params.communication == 0.5
    assert run.changes == []
    run.reset()


@pytest.mark.parametrize("seed", [-1, 1.5, "abc"])
def test_a_bad_seed_in_the_app_is_refused_and_changes_nothing(seed):
    workshop = Workshop()
    with pytest.raises(ParameterError, match="seed"):
        workshop.set_seed(seed)
    assert workshop.seed == 0 and workshop.a.seed == 0


def test_the_app_shows_why_a_change_was_refused():
    from sim_app.app import refused

    run = DesignRun("A", "ngo_business_pair", 0)
    assert refused(lambda: run.set_knob("transparency", 0.6)) is None
    notice = refused(lambda: run.set_knob("transparency", 7.0))
    assert notice.startswith("Not changed:") and "transparency" in notice and "7" in notice


# --- the command line, for real: one line on stderr, exit 2, no run folder ------------------

BOMB = "\n".join(
    ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
)

CLI_CASES = {
    "nan": (["steps=nan"], "not a whole number"),
    "huge-float": (["steps=1e308"], "out of range"),
    "minus-inf": (["transparency=-inf"], "not a finite number"),
    "5000-digits": (["steps=" + "9" * 5000], "4300 digits"),
    "negative-seed": (["seed=-1"], "seed=-1"),
    "long-name": (["scenario=" + "a" * 300], "does not exist"),
    "not-a-scenario": (["scenario=/etc/passwd"], "does not exist"),
    "unicode": (["convener=政府"], "cannot read the override"),
    "deep": (["facets=" + "[" * 300 + "]" * 300], "is malformed"),
    "resolver": (["transparency=${oc.env:HOME}"], "not a number"),
    "hex": (["steps=0x10"], "not a number"),
    "unknown-stream": (["held_streams=world+wrold"], "names 'wrold', which is not a stream"),
    "bare-word": (["foo"], "is not a setting"),
    "huge-sweep": (["-m", "seed=range(0,100000000)"], "more than 100000"),
    "bad-combination": (
        ["-m", "seed=0,1", "convener=citizens", "members_citizens=0"],
        "has no members",
    ),
    "interval": (["-m", "transparency=interval(0,1)"], "interval()"),
    "unwritable": (["hydra.run.dir=/proc/nope"], "cannot write in /proc"),
    "too-big": (["public_size=5000000"], "would need about"),
    "too-big-sweep": (
        ["-m", "public_size=100,5000000"],
        "the sweep's runs with public_size=5000000: this run would need about",
    ),
    "bomb-file": (["scenario={dir}/bomb.yaml"], "once its aliases"),
    "binary-file": (["scenario={dir}/junk.yaml"], "not UTF-8"),
    "python-tag-file": (["scenario={dir}/tag.yaml"], "could not determine a constructor"),
    "target-file": (["scenario={dir}/target.yaml"], "'_target_' would make Hydra"),
    "empty-file": (["scenario={dir}/empty.yaml"], "no members"),
}


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "bomb.yaml").write_text(BOMB + "\nmembers_business: *a8\n")
    (folder / "junk.yaml").write_bytes(os.urandom(2048) + b"\xff")
    (folder / "tag.yaml").write_text(
        f"steps: !!python/object/apply:os.system ['touch {folder}/PWNED']\n"
    )
    (folder / "target.yaml").write_text(f"_target_: os.system\n_args_: ['touch {folder}/PWNED']\n")
    (folder / "empty.yaml").write_text("")
    return folder


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SIM_INJECT_FAILURE", "HYDRA_FULL_ERROR", limits.LIMIT_ENV)
    }
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**clean, **env},
    )


@pytest.mark.parametrize("case", CLI_CASES, ids=list(CLI_CASES))
def test_hostile_command_lines(tmp_path, hostile_dir, case):
    args, words = CLI_CASES[case]
    args = [a.replace("{dir}", str(hostile_dir)) for a in args]
    folder = tmp_path / "never"
    env = {limits.LIMIT_ENV: "100M"} if case.startswith("too-big") else {}
    done = run_cli(*args, f"hydra.run.dir={folder}", f"hydra.sweep.dir={folder}", **env)
    message = done.stderr.strip()
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert message.startswith("error: ") and "\n" not in message, message
    assert words in message, message
    assert not folder.exists()
    assert not (hostile_dir / "PWNED").exists()


def test_hostile_looking_but_valid_command_line_runs(tmp_path):
    folder = tmp_path / "run"
    done = run_cli(
        "steps=2",
        "public_size=1",
        "transparency=-0.0",
        "seed=99999999999999999999",
        f"hydra.run.dir={folder}",
    )
    assert done.returncode == 0, done.stderr
    assert (folder / "summary.json").is_file()


@pytest.mark.parametrize(
    "bad",
    [
        {"params": {"transparency": 0.5}},
        {"params": "impact"},
        {"rng": -1},
        {"rng": 1.5},
        {"rng": "abc"},
    ],
)
def test_the_constructor_refuses_a_bad_params_or_seed(bad):
    """PartnershipModel(params=<not a Params>) and a seed that is not a whole number >= 0 are
    ParameterErrors naming the field, before any work (were AttributeError / numpy errors)."""
    field = next(iter(bad))
    with pytest.raises(ParameterError, match=field if field == "params" else "seed"):
        PartnershipModel(**bad)
