"""Scheduled events on the command line, in a Hydra sweep and in a points table: they reach the
model, with shocks at random beside them, and a bad event (a week past the horizon, an unknown
kind) or a bad rate stops before any run, in one line (sim/events.py; README.md, "Scheduling
events")."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import points
from sim.cli.checks import check_argv
from sim.params import ParameterError
from sim.run import ROOT
from tests.cli.test_cli import run_cli

TINY = ("steps=10", "public_size=200", "quicklook=false")


def test_events_on_the_command_line_reach_the_model(tmp_path):
    """Scheduled events, and shocks at random (crisis_rate), in one run."""
    folder = tmp_path / "run"
    done = run_cli(
        "events=[{week:5,kind:funding_ends},{week:3,kind:member_joins,sector:business},"
        "{week:4,kind:scandal}]",
        "crisis_rate=26",
        *TINY,
        f"hydra.run.dir={folder}",
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads((folder / "summary.json").read_text())
    scheduled = [e for e in summary["events"] if not e["detail"].startswith("at random")]
    assert [(e["week"], e["kind"]) for e in scheduled] == [
        (3, "member_joins"),
        (4, "scandal"),
        (5, "funding_ends"),
    ]
    assert scheduled[0]["detail"].startswith("business organisation")
    assert scheduled[1]["detail"].startswith("a scandal at")
    at_random = [e for e in summary["events"] if e["detail"].startswith("at random (crisis_rate)")]
    assert at_random and {e["kind"] for e in at_random} == {"crisis"}
    assert summary["config"]["crisis_rate"] == 26.0
    assert summary["config"]["events"] == [
        {"week": 3, "kind": "member_joins", "sector": "business"},
        {"week": 4, "kind": "scandal"},
        {"week": 5, "kind": "funding_ends"},
    ]
    series = pd.read_csv(folder / "timeseries.csv", index_col="week")
    assert (series.loc[1:4, "budget_grant"] > 0).all() and (
        series.loc[5:, "budget_grant"] == 0
    ).all()
    assert series.loc[3, "members_business"] == series.loc[2, "members_business"] + 1


def test_a_bad_event_stops_before_any_run_in_one_line(tmp_path):
    folder = tmp_path / "run"
    late = run_cli("events=[{week:20,kind:funding_ends}]", *TINY, f"hydra.run.dir={folder}")
    assert late.returncode == 2 and not folder.exists()
    line = late.stderr.strip()
    assert line.startswith("error:") and "\n" not in line
    assert "week 20: funding_ends" in line and "past the horizon steps=10" in line
    unknown = run_cli("events=[{week:2,kind:elections}]", *TINY, f"hydra.run.dir={folder}")
    assert unknown.returncode == 2 and not folder.exists()
    assert (
        "events[0].kind='elections'" in unknown.stderr
        and "Did you mean election?" in unknown.stderr
    )


def test_a_sweep_over_two_event_weeks_runs_each(tmp_path):
    folder = tmp_path / "sweep"
    done = run_cli(
        "-m",
        "events=[{week:3,kind:funding_ends}],[{week:7,kind:funding_ends}]",
        *TINY,
        "hydra/launcher=basic",
        f"hydra.sweep.dir={folder}",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    found = {}
    for path in folder.glob("*/summary.json"):
        summary = json.loads(path.read_text())
        series = pd.read_csv(path.parent / "timeseries.csv", index_col="week")
        ended = int(series.index[series["budget_grant"] == 0][0])
        found[summary["config"]["events"][0]["week"]] = (summary["events"], ended)
    assert set(found) == {3, 7}
    for week, (applied, ended) in found.items():
        assert applied == [{"week": week, "kind": "funding_ends", "detail": applied[0]["detail"]}]
        assert ended == week


def test_a_sweep_with_one_bad_event_stops_before_its_first_run(tmp_path):
    folder = tmp_path / "sweep"
    done = run_cli(
        "-m",
        "events=[{week:3,kind:funding_ends}],[{week:30,kind:funding_ends}]",
        *TINY,
        "hydra/launcher=basic",
        f"hydra.sweep.dir={folder}",
    )
    assert done.returncode == 2 and not folder.exists()
    assert "week 30: funding_ends" in done.stderr and "past the horizon" in done.stderr


def test_the_command_line_checks_events_with_the_scenario_and_steps():
    with pytest.raises(ParameterError, match="past the horizon steps=8"):
        check_argv(["events=[{week:9,kind:election}]", "steps=8"])
    with pytest.raises(ParameterError, match=r"events\[1\]\.sector='firms'"):
        check_argv(["events=[{week:2,kind:election},{week:3,kind:member_joins,sector:firms}]"])
    with pytest.raises(ParameterError, match="a set event has no sector"):
        check_argv(["events=[{week:2,kind:set,knob:curation,value:0.5,sector:business}]"])
    assert check_argv(["events=[{week:2,kind:set,knob:curation,value:0.5}]", "steps=8"]) == []
    assert check_argv(["events=[]"]) == []


def test_a_scenario_file_with_events_runs_from_the_command_line(tmp_path):
    design = tmp_path / "plan.yaml"
    design.write_text(
        "members_government: 2\nmembers_business: 2\nconvener: government\n"
        "events:\n  - {week: 4, kind: election}\n"
    )
    folder = tmp_path / "run"
    done = run_cli(f"scenario={design}", *TINY, f"hydra.run.dir={folder}")
    assert done.returncode == 0, done.stderr
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["events"] == [
        {"week": 4, "kind": "election", "detail": "the sponsors of 2 government members change"}
    ]


def test_a_points_table_row_can_schedule_events(tmp_path):
    table = tmp_path / "points.csv"
    table.write_text('label,events\nlate,"[{week:4,kind:orchestration_withdrawn}]"\n')
    row = points.read(table, "the test").values(0)
    assert row["events"] == [{"week": 4, "kind": "orchestration_withdrawn"}]
    json.dumps(row)  # recorded as the run's parameters, so plain data
    bad = tmp_path / "bad.csv"
    bad.write_text('label,events\nx,"[{week:4,kind:withdrawn}]"\n')
    with pytest.raises(ParameterError, match=r"events\[0\]\.kind='withdrawn'.*bad.csv"):
        points.read(bad, "the test").values(0)


def test_help_still_works():
    done = run_cli("--help")
    assert done.returncode == 0 and "python -m sim" in done.stdout
    assert Path(ROOT / "configs" / "config.yaml").read_text().count("\nevents: null") == 1


def test_the_command_line_refuses_a_bad_rate_or_shock_in_one_line():
    for argv, words in [
        (["crisis_rate=60"], ["crisis_rate=60", "out of range", "from 0 to 52 (shocks/year)"]),
        (["election_rate=often"], ["election_rate='often'", "not a number"]),
        (["scandal_weeks=0"], ["scandal_weeks=0", "from 1 to 520"]),
        (["events=[{week:2,kind:crisis,sector:business}]"], ["a crisis event has no sector"]),
        (["events=[{week:2,kind:scandle}]"], ["Did you mean scandal?"]),
    ]:
        with pytest.raises(ParameterError) as info:
            check_argv(argv)
        message = str(info.value)
        assert "\n" not in message and all(w in message for w in words), message
