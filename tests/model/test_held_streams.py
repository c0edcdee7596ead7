"""Random streams held at one draw (ODD 4.9, "Where the spread comes from"): `held_streams`
derives the named streams from `HELD_SEED` instead of the run seed, so that source no longer
varies between runs while its mechanism still runs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import ParameterError, PartnershipModel
from sim.cli import points
from sim.cli.checks import check_argv
from sim.diagnosis.remedies import fork, run_on
from sim.rng import HELD_SEED, STREAMS, Streams
from sim.run import config_dict, config_hash, run_one
from sim.scenarios import resolve

ROOT = Path(__file__).resolve().parents[2]
SMALL = {"steps": 30, "public_size": 200}
EVERY_STREAM = "+".join(STREAMS)


def timeseries(seed: int, design: str = "impact_partnership", **overrides) -> pd.DataFrame:
    return run_one(resolve(design, **SMALL, **overrides), seed, diagnose=False).timeseries


def test_every_stream_the_model_draws_from_is_listed():
    used = set()
    for path in (ROOT / "sim").rglob("*.py"):
        used |= set(re.findall(r"streams\[\"([^\"]+)\"\]", path.read_text()))
    assert used and used <= set(STREAMS), used - set(STREAMS)
    # and ODD 4.9's table names each stream the code lists
    odd = (ROOT / "docs" / "odd.md").read_text().split("### 4.9", 1)[1].split("### 4.10", 1)[0]
    assert set(re.findall(r"^\| `([a-z]+)` \|", odd, re.M)) == set(STREAMS)


def test_by_default_nothing_is_held_and_streams_follow_the_seed():
    params = resolve("impact_partnership")
    assert params.held_streams == "none" and params.held == ()
    model = PartnershipModel(params=params, rng=3, collect_agents=False)
    assert model.streams.held == frozenset()
    plain = Streams(3)["public"].bit_generator.state
    assert Streams(3, held=["world"])["public"].bit_generator.state == plain


@pytest.mark.parametrize(
    "given", ["world+shocks", "shocks+world", " shocks + world ", ["world", "shocks", "world"]]
)
def test_held_streams_are_kept_in_one_form(given):
    params = resolve("impact_partnership", held_streams=given)
    assert params.held_streams == "shocks+world" and params.held == ("shocks", "world")
    assert config_hash(params) == config_hash(
        resolve("impact_partnership", held_streams="world+shocks")
    )
    # the form reads back the same from a run's summary (JSON) and on the command line
    again = json.loads(json.dumps(config_dict(params)))["held_streams"]
    assert resolve("impact_partnership", held_streams=again) == params
    check_argv([f"held_streams={params.held_streams}"])


@pytest.mark.parametrize("given", ["none", [], ()])
def test_none_held(given):
    assert resolve("impact_partnership", held_streams=given).held_streams == "none"


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ("wrold", ["held_streams='wrold'", "'wrold', which is not a stream", "did you mean world"]),
        ("world+", ["names '', which is not a stream"]),
        (["world", 3], ["names 3, which is not a stream"]),
        (["none", "world"], ["names 'none'"]),
        (3, ["held_streams=3", "is not allowed"]),
        (True, ["held_streams=True", "is not allowed"]),
    ],
)
def test_unknown_streams_are_refused_in_one_line_naming_the_allowed_ones(given, words):
    with pytest.raises(ParameterError) as info:
        resolve("impact_partnership", held_streams=given)
    message = str(info.value)
    assert "\n" not in message
    for word in [*words, "held_streams must be none, or names from " + ", ".join(STREAMS)]:
        assert word in message, message


def test_the_command_line_refuses_an_unknown_stream_before_any_run():
    with pytest.raises(ParameterError, match=r"held_streams='wrold' \(from the command line\)"):
        check_argv(["held_streams=wrold"])
    with pytest.raises(ParameterError, match="'nope', which is not a stream"):
        check_argv(["-m", "held_streams=world,nope"])


def test_a_points_table_row_can_hold_streams(tmp_path):
    table = tmp_path / "points.csv"
    table.write_text("label,held_streams\nheld,world+shocks\nfree,none\n")
    read = points.read(table, "the test")
    assert [read.values(i)["held_streams"] for i in (0, 1)] == ["shocks+world", "none"]
    bad = tmp_path / "bad.csv"
    bad.write_text("label,held_streams\nx,world+sky\n")
    with pytest.raises(ParameterError, match=r"held_streams='world\+sky'.*bad.csv.*'sky'"):
        points.read(bad, "the test").values(0)


def test_holding_the_world_gives_every_seed_the_same_organisations():
    def world(seed: int, held: str) -> tuple[np.ndarray, np.ndarray]:
        model = PartnershipModel(
            scenario="impact_partnership", rng=seed, collect_agents=False, held_streams=held
        )
        return model.orgs.assets, model.orgs.capacity

    free = [world(seed, "none") for seed in (1, 2)]
    assert not np.array_equal(free[0][0], free[1][0])
    assert not np.array_equal(free[0][1], free[1][1])
    held = [world(seed, "world") for seed in (1, 2)]
    np.testing.assert_array_equal(held[0][0], held[1][0])
    np.testing.assert_array_equal(held[0][1], held[1][1])
    # the held world is the world of a run with HELD_SEED; the public still follows the seed
    np.testing.assert_array_equal(held[0][0], world(HELD_SEED, "none")[0])
    publics = [
        PartnershipModel(
            scenario="impact_partnership", rng=seed, held_streams="world"
        ).public.offset.copy()
        for seed in (1, 2)
    ]
    assert not np.array_equal(*publics)


def test_a_held_stream_reproduces():
    first = timeseries(4, held_streams="world+public")
    pd.testing.assert_frame_equal(first, timeseries(4, held_streams="world+public"))


def test_holding_a_stream_changes_the_run_and_holding_every_stream_removes_the_seed():
    assert not timeseries(1).equals(timeseries(1, held_streams="public"))
    every = [timeseries(seed, held_streams=EVERY_STREAM) for seed in (1, 2)]
    pd.testing.assert_frame_equal(every[0], every[1])
    # with every stream held, any seed gives the run of HELD_SEED with nothing held
    pd.testing.assert_frame_equal(every[0], timeseries(HELD_SEED))
    assert not timeseries(1).equals(timeseries(2))


def test_a_fork_keeps_the_held_streams():
    """The stall diagnosis's forks (deep copies) draw what the original would, held streams
    included, and a stream first drawn after the fork is derived as the original's would be."""
    model = PartnershipModel(
        scenario="government_led",
        rng=5,
        public_size=200,
        held_streams="churn+events",
        collect_agents=False,
    )
    for _ in range(10):
        model.step()
    copy = fork(model)
    assert copy.streams.held == {"churn", "events"} and copy.streams.seed == 5
    run_on(copy, 10)
    for _ in range(10):
        model.step()
    pd.testing.assert_frame_equal(
        model.datacollector.get_model_vars_dataframe(),
        copy.datacollector.get_model_vars_dataframe(),
    )
    fresh = Streams(HELD_SEED)["events"].bit_generator.state
    assert fork(model).streams["events"].bit_generator.state == fresh
