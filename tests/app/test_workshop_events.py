"""Scheduled events in the workshop app's session (sim_app.session) and its words: a
facilitator adds and removes events; they reach the model as the command line's do, a refused
one changes nothing, and the stall panel says what happened."""

from __future__ import annotations

import pandas as pd
import pytest

from sim import ParameterError
from sim.events import Event
from sim.run import run_one
from sim.scenarios import resolve
from sim_app.app import event_label
from sim_app.session import DesignRun, Workshop
from sim_app.views import stall_details


def test_an_added_event_starts_again_and_happens_in_its_week():
    run = DesignRun("A", "workshop/talking_shop", seed=2)
    run.step(5)
    run.add_event(week=3, kind="funding_ends")
    assert run.week == 0 and run.events == (Event(3, "funding_ends"),)
    assert run.model.params.events == run.events
    run.step(3)
    assert run.model.grant_ended_week == 3
    assert "Events so far: week 3: funding ends (the backbone's outside grant stops)." in (
        stall_details(run)
    )


def test_the_app_runs_what_the_command_line_runs_with_the_same_events():
    run = DesignRun("A", "workshop/sponsor_leaves", seed=1)
    run.add_event(week=10, kind="election")
    run.add_event(week=4, kind="set", knob="transparency", value=0.9)
    run.step(run.horizon)
    params = resolve(
        "workshop/sponsor_leaves",
        events=[
            {"week": 10, "kind": "election"},
            {"week": 4, "kind": "set", "knob": "transparency", "value": 0.9},
        ],
    )
    expected = run_one(params, 1).timeseries
    got = run.records()[expected.columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected.reset_index(drop=True), check_names=False)


def test_removing_an_event_unschedules_it():
    run = DesignRun("A", "workshop/talking_shop")
    run.add_event(week=8, kind="member_joins", sector="business")
    run.add_event(week=2, kind="orchestration_withdrawn")
    assert [e.week for e in run.events] == [2, 8]  # in week order, as they are listed
    run.remove_event(0)
    assert run.events == (Event(8, "member_joins", sector="business"),)
    run.remove_event(5)  # no such event: nothing changes
    assert len(run.events) == 1


@pytest.mark.parametrize(
    ("event", "words"),
    [
        ({"week": 9999, "kind": "funding_ends"}, "out of range"),
        ({"week": 600, "kind": "funding_ends"}, "past the horizon"),
        ({"week": 3, "kind": "set", "knob": "curation", "value": 3.0}, "out of range"),
        ({"week": 3, "kind": "member_joins"}, "has no sector"),
    ],
)
def test_a_refused_event_leaves_the_session_as_it_was(event, words):
    run = DesignRun("A", "workshop/talking_shop")
    run.add_event(week=5, kind="election")
    run.step(2)
    before = (run.events, run.week, run.model)
    with pytest.raises(ParameterError, match=words):
        run.add_event(**event)
    assert (run.events, run.week, run.model) == before


def test_a_scenarios_own_events_are_loaded_with_it(tmp_path):
    design = tmp_path / "plan.yaml"
    design.write_text(
        "members_government: 2\nmembers_business: 2\nconvener: government\nsteps: 20\n"
        "events:\n  - {week: 6, kind: sponsor_leaves}\n"
    )
    run = DesignRun("A", str(design))
    assert run.events == (Event(6, "sponsor_leaves"),)
    run.load("workshop/talking_shop")
    assert run.events == ()
    run.load(str(design))
    assert run.model.params.events == (Event(6, "sponsor_leaves"),)


def test_design_b_starts_with_design_as_events_and_keeps_its_own():
    workshop = Workshop()
    workshop.a.add_event(week=4, kind="funding_ends")
    workshop.compare(True)
    assert workshop.b.events == workshop.a.events
    workshop.b.remove_event(0)
    assert workshop.b.events == () and workshop.a.events == (Event(4, "funding_ends"),)


def test_an_event_change_side_by_side_starts_both_designs_again():
    workshop = Workshop()
    workshop.compare(True)
    workshop.step(10)
    workshop.change_events(workshop.b, lambda: workshop.b.add_event(week=3, kind="election"))
    assert workshop.a.week == workshop.b.week == 0
    assert workshop.a.events == () and len(workshop.b.events) == 1
    workshop.step(4)
    with pytest.raises(ParameterError):
        workshop.change_events(workshop.b, lambda: workshop.b.add_event(week=0, kind="election"))
    assert workshop.a.week == workshop.b.week == 4  # a refused change restarts nothing


def test_the_pictures_key_changes_with_the_events():
    run = DesignRun("A", "workshop/talking_shop")
    before = run.shown()
    run.add_event(week=4, kind="funding_ends")
    assert run.shown() != before


def test_event_labels_read_as_words():
    assert event_label(Event(26, "set", knob="sprint_intensity", value=0.8)) == (
        "Week 26: set sprint intensity to 0.80"
    )
    assert event_label(Event(40, "member_joins", sector="civil_society")) == (
        "Week 40: member joins (civil society)"
    )
    assert event_label(Event(30, "scandal")) == "Week 30: scandal"


def test_a_crisis_and_a_scandal_from_the_events_card_happen_and_are_told():
    run = DesignRun("A", "workshop/talking_shop", seed=2)
    run.add_event(week=2, kind="crisis")
    run.add_event(week=3, kind="scandal")
    run.step(3)
    assert run.model.crisis_until == 2 + run.model.params.crisis_weeks - 1
    assert run.model.scandal_until == 3 + run.model.params.scandal_weeks - 1
    told = stall_details(run)
    assert "week 2: crisis (members give 50% less of their time to the partnership" in told
    assert "week 3: scandal (a scandal at " in told and "_" not in told.split("Events so far")[1]
