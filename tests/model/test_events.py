"""Scheduled events (sim/events.py, ODD 3): the schema is parsed and every bad event refused in
one line naming it, the field, the value and what is allowed; events reach the model from a
scenario file and a keyword; each kind changes the state it should, in its week and not before;
a run with events is reproducible, and one without draws and changes nothing."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import ParameterError, Params, PartnershipModel
from sim.events import EXTRA, KINDS, KNOBS, MAX_EVENTS, Event, parse
from sim.mechanisms import churn
from sim.partnership import LEFT, MEMBER, POOL
from sim.run import config_dict, config_hash, run_one
from sim.scenarios import resolve
from sim.sectors import GOV, SECTORS

SMALL = {"public_size": 200, "steps": 30}
# no shock at random: what happens is what the schedule says
NO_SHOCKS = dict.fromkeys(("funding_cut_rate", "election_rate", "crisis_rate", "scandal_rate"), 0.0)
# no introductions, sponsors that last a century, no shocks: membership and sponsors move only
# by events (or by a member's own exit), so a week's change can be put down to the week's event
STILL = {
    **SMALL,
    "network_intro_rate": 0.0,
    "curated_intro_rate": 0.0,
    "sponsor_term_weeks": 5200,
    **NO_SHOCKS,
}
DOCUMENTED = [
    {"week": 80, "kind": "funding_ends"},
    {"week": 52, "kind": "sponsor_leaves"},
    {"week": 60, "kind": "election"},
    {"week": 20, "kind": "crisis"},
    {"week": 70, "kind": "scandal"},
    {"week": 30, "kind": "orchestration_withdrawn"},
    {"week": 40, "kind": "member_joins", "sector": "business"},
    {"week": 90, "kind": "member_leaves", "sector": "civil_society"},
    {"week": 26, "kind": "set", "knob": "sprint_intensity", "value": 0.8},
]


def refused(events, **overrides) -> str:
    with pytest.raises(ParameterError) as info:
        resolve("impact_partnership", events=events, **overrides)
    message = str(info.value)
    assert "\n" not in message and len(message) < 700, message
    return message


def model(events=(), scenario="impact_partnership", **overrides) -> PartnershipModel:
    return PartnershipModel(
        scenario=scenario,
        rng=1,
        collect_agents=False,
        events=list(events),
        **{**STILL, **overrides},
    )


def step_to(m: PartnershipModel, week: int) -> PartnershipModel:
    while m.steps < week:
        m.step()
    return m


def records(m: PartnershipModel) -> pd.DataFrame:
    while m.running:
        m.step()
    return m.datacollector.get_model_vars_dataframe()


# --- the schema ------------------------------------------------------------------------------


def test_the_documented_schema_parses_sorted_by_week():
    events = parse(DOCUMENTED)
    assert [e.week for e in events] == [20, 26, 30, 40, 52, 60, 70, 80, 90]
    assert events[1] == Event(26, "set", knob="sprint_intensity", value=0.8)
    assert events[3] == Event(40, "member_joins", sector="business")
    assert events[0] == Event(20, "crisis") and events[6] == Event(70, "scandal")
    assert [e.as_dict() for e in events] == sorted(DOCUMENTED, key=lambda e: e["week"])
    assert set(KINDS) == {e["kind"] for e in DOCUMENTED}
    assert all(KINDS[k] and "\n" not in KINDS[k] for k in KINDS)
    assert resolve("impact_partnership", events=DOCUMENTED).events == events


def test_events_of_one_week_keep_the_order_written():
    written = [
        {"week": 5, "kind": "set", "knob": "curation", "value": 0.2},
        {"week": 3, "kind": "election"},
        {"week": 5, "kind": "orchestration_withdrawn"},
        {"week": 5, "kind": "set", "knob": "curation", "value": 0.7},
    ]
    events = parse(written)
    assert [(e.week, e.kind, e.value) for e in events] == [
        (3, "election", None),
        (5, "set", 0.2),
        (5, "orchestration_withdrawn", None),
        (5, "set", 0.7),
    ]
    # ... and are carried out in that order: the later set wins
    m = step_to(model(written, steps=6), 5)
    assert m.params.curation == 0.7 and m.params.orchestration == 0.0


def test_no_events_is_the_default_and_an_empty_list():
    assert Params.build({"members_business": 1, "convener": "business"}).events == ()
    plain, empty = resolve("impact_partnership"), resolve("impact_partnership", events=[])
    assert plain.events == () and plain == empty
    assert config_hash(plain) == config_hash(empty)
    assert config_dict(plain)["events"] == []


def test_events_are_plain_hashable_data_and_round_trip():
    params = resolve("impact_partnership", events=DOCUMENTED)
    assert hash(params) == hash(resolve("impact_partnership", events=DOCUMENTED))
    assert pickle.loads(pickle.dumps(params)) == params
    again = Params.build(config_dict(params))  # a run record's config builds the same Params
    assert again == params and config_hash(again) == config_hash(params)
    assert parse(params.events) == params.events  # Events are accepted as they are
    other = resolve("impact_partnership", events=[{**DOCUMENTED[0], "week": 81}])
    assert config_hash(other) != config_hash(params)
    assert params.with_(transparency=0.1).events == params.events
    assert dataclasses.replace(params, steps=90).events == params.events


@pytest.mark.parametrize(
    ("events", "words"),
    [
        ({"week": 3, "kind": "election"}, ["events={", "is not a list"]),
        ("funding_ends", ["events='funding_ends'", "is not a list"]),
        (None, ["events=None", "is not a list"]),
        ([3], ["events[0]=3", "is not a mapping", "{week"]),
        ([{"week": 3, "kind": "election"}, ["x"]], ["events[1]=['x']", "is not a mapping"]),
        ([{"week": 3}], ["events[0]=", "has no kind", "funding_ends", "set"]),
        (
            [{"week": 3, "kind": "election"}, {"week": 4, "kind": "fundng_ends"}],
            ["events[1].kind='fundng_ends'", "Did you mean funding_ends?", "Kinds: funding_ends"],
        ),
        ([{"week": 3, "kind": 7}], ["events[0].kind=7", "not a kind of event"]),
        ([{"kind": "election"}], ["events[0] (election)", "has no week", "takes week, kind"]),
        (
            [{"week": 3, "kind": "member_joins"}],
            ["events[0] (member_joins)", "has no sector", "takes week, kind, sector"],
        ),
        (
            [{"week": 3, "kind": "member_leaves", "knob": "curation"}],
            [
                "events[0].knob='curation'",
                "a member_leaves event has no knob",
                "week, kind, sector",
            ],
        ),
        (
            [{"week": 3, "kind": "election", "sector": "business"}],
            ["events[0].sector='business'", "an election event has no sector", "takes week, kind"],
        ),
        (
            [{"week": 3, "kind": "funding_ends", "value": 1.0}],
            ["events[0].value=1.0", "a funding_ends event has no value"],
        ),
        (
            [{"week": 3, "kind": "crisis", "sector": "business"}],
            ["events[0].sector='business'", "a crisis event has no sector", "takes week, kind"],
        ),
        (
            [{"week": 3, "kind": "scandal", "knob": "curation", "value": 0.5}],
            ["events[0].knob='curation'", "a scandal event has no knob", "takes week, kind"],
        ),
        (
            [{"week": 3, "kind": "scandle"}],
            ["events[0].kind='scandle'", "Did you mean scandal?", "crisis, scandal"],
        ),
        (
            [{"week": 3, "kind": "crises"}],
            ["events[0].kind='crises'", "Did you mean crisis?"],
        ),
        ([{"kind": "crisis"}], ["events[0] (crisis)", "has no week", "takes week, kind"]),
        ([{"week": 0, "kind": "scandal"}], ["events[0].week=0", "out of range", "from 1"]),
        (
            [{"week": 3, "kind": "sponsor_leaves", "wek": 4}],
            ["events[0].wek=4", "Did you mean week?"],
        ),
        (
            [{"week": 3, "kind": "set", "knob": "curation"}],
            ["events[0] (set)", "has no value", "takes week, kind, knob, value"],
        ),
        (
            [{"week": 3, "kind": "set", "value": 0.5}],
            ["events[0] (set)", "has no knob"],
        ),
        ([{"week": 0, "kind": "election"}], ["events[0].week=0", "out of range", "from 1"]),
        ([{"week": -2, "kind": "election"}], ["events[0].week=-2", "out of range"]),
        ([{"week": 2.5, "kind": "election"}], ["events[0].week=2.5", "not a whole number"]),
        ([{"week": "3", "kind": "election"}], ["events[0].week='3'", "not a whole number"]),
        ([{"week": True, "kind": "election"}], ["events[0].week=True", "not a whole number"]),
        ([{"week": float("nan"), "kind": "election"}], ["events[0].week=nan", "whole number"]),
        ([{"week": 10**400, "kind": "election"}], ["events[0].week=", "out of range"]),
        ([{"week": 6000, "kind": "election"}], ["events[0].week=6000", "at most 5200"]),
        (
            [{"week": 3, "kind": "member_joins", "sector": "bussiness"}],
            ["events[0].sector='bussiness'", "Did you mean business?", "Sectors: government"],
        ),
        (
            [{"week": 3, "kind": "member_leaves", "sector": None}],
            ["events[0].sector=None", "is not a sector"],
        ),
        (
            [{"week": 3, "kind": "set", "knob": "trust_gain", "value": 0.5}],
            ["events[0].knob='trust_gain'", "not a design knob", "Knobs: orchestration"],
        ),
        (
            [{"week": 3, "kind": "set", "knob": "sprint_intensty", "value": 0.5}],
            ["Did you mean sprint_intensity?"],
        ),
        # the knob's own range and message (sim.params._check)
        (
            [{"week": 3, "kind": "set", "knob": "curation", "value": 1.5}],
            ["events[0].value=1.5", "out of range", "curation must be a number from 0 to 1"],
        ),
        (
            [{"week": 3, "kind": "set", "knob": "policy_link", "value": "high"}],
            ["events[0].value='high'", "not a number", "policy_link must be a number from 0 to 1"],
        ),
        (
            [{"week": 3, "kind": "set", "knob": "curation", "value": float("inf")}],
            ["events[0].value=inf", "not a finite number"],
        ),
        (
            [{"week": 3, "kind": "set", "knob": "curation", "value": None}],
            ["events[0].value=None", "a value is required"],
        ),
        ([{3: "x", "week": 3, "kind": "election"}], ["events[0] has the key 3"]),
        (
            [{"week": 1, "kind": "election"}] * (MAX_EVENTS + 1),
            [f"{MAX_EVENTS + 1} events", f"more than {MAX_EVENTS}"],
        ),
    ],
)
def test_each_bad_event_is_refused_naming_it_the_field_the_value_and_what_is_allowed(events, words):
    message = refused(events)
    for word in words:
        assert word in message, message


def test_the_source_of_the_events_is_named():
    assert "(from override events=" in refused([{"week": 3, "kind": "x"}])


def test_a_week_past_the_horizon_is_refused_before_any_run():
    message = refused([{"week": 20, "kind": "funding_ends"}], steps=10)
    for word in ("week 20: funding_ends", "past the horizon steps=10", "week 1 to week 10"):
        assert word in message, message
    with pytest.raises(ParameterError, match="past the horizon"):
        PartnershipModel(events=[{"week": 157, "kind": "election"}], rng=0)
    params = resolve("impact_partnership", events=[{"week": 100, "kind": "election"}])
    with pytest.raises(ParameterError, match="past the horizon steps=50"):
        params.with_(steps=50)  # a shorter horizon is checked against the events too
    assert resolve("impact_partnership", steps=10, events=[{"week": 10, "kind": "election"}])


# --- where events come from -----------------------------------------------------------------


def test_events_from_a_scenario_file_reach_the_model(tmp_path):
    design = tmp_path / "with_events.yaml"
    design.write_text(
        "members_business: 2\nconvener: business\npublic_size: 200\nsteps: 12\n"
        "events:\n"
        "  - {week: 8, kind: set, knob: transparency, value: 0.6}\n"
        "  - {week: 4, kind: funding_ends}\n"
    )
    m = PartnershipModel(scenario=str(design), rng=0, collect_agents=False)
    assert m.params.events == (Event(4, "funding_ends"), Event(8, "set", None, "transparency", 0.6))
    records(m)
    assert [(w, k) for w, k, _ in m.event_log] == [(4, "funding_ends"), (8, "set")]
    assert m.grant_ended_week == 4 and m.params.transparency == 0.6


def test_a_scenario_files_bad_event_names_the_file(tmp_path):
    design = tmp_path / "bad.yaml"
    design.write_text("events:\n  - {week: 3, kind: elections}\n")
    with pytest.raises(ParameterError) as info:
        resolve(str(design))
    assert "events[0].kind='elections'" in str(info.value)
    assert "bad.yaml: events" in str(info.value) and "Did you mean election?" in str(info.value)


def test_the_keyword_reaches_the_model_and_the_run_summary():
    params = resolve("impact_partnership", events=DOCUMENTED, steps=100, public_size=200)
    m = PartnershipModel(rng=0, collect_agents=False, events=DOCUMENTED, steps=100, public_size=200)
    assert m.params == params and m.params.events == parse(DOCUMENTED)
    records(m)
    assert [w for w, _, _ in m.event_log] == [20, 26, 30, 40, 52, 60, 70, 80, 90]
    result = run_one(params, 0, design="impact_partnership")
    assert result.summary["events"] == [
        {"week": w, "kind": k, "detail": d} for w, k, d in m.event_log
    ]
    assert result.summary["config"]["events"] == [e.as_dict() for e in parse(DOCUMENTED)]
    assert run_one(resolve("impact_partnership", **SMALL), 0).summary["events"] == []


# --- what each kind does ---------------------------------------------------------------------


def counts(m: PartnershipModel) -> np.ndarray:
    return m.orgs.counts(m.orgs.active())


@pytest.mark.parametrize("sector", SECTORS)
def test_member_joins_adds_one_member_of_its_sector_in_its_week(sector):
    week = 6
    m = step_to(model([{"week": week, "kind": "member_joins", "sector": sector}]), week - 1)
    before, dropouts = counts(m).copy(), m.dropouts
    pool = set(np.flatnonzero((m.orgs.status == POOL) & (m.orgs.sector == SECTORS.index(sector))))
    m.step()
    assert m.dropouts == dropouts  # nobody left this week: the count moved by the event alone
    expected = before.copy()
    expected[SECTORS.index(sector)] += 1
    assert list(counts(m)) == list(expected)
    newcomer = int(np.flatnonzero(m.orgs.joined_week == week)[0])
    assert newcomer in pool and m.orgs.status[newcomer] == MEMBER
    assert m.event_log == [(week, "member_joins", f"{sector} organisation {newcomer} joins")]
    assert any(agent.row == newcomer for agent in m.agents)  # its agent handle, as recruits get
    assert m.trust_matrix.group_of[newcomer] >= 0  # a place in a working group


def test_member_joins_with_an_empty_pool_changes_nothing():
    event = [{"week": 4, "kind": "member_joins", "sector": "business"}]
    with_event = model(event, pool_per_sector=0, steps=10)
    pd.testing.assert_frame_equal(records(with_event), records(model(pool_per_sector=0, steps=10)))
    assert with_event.event_log == [
        (4, "member_joins", "nothing happens: no business organisation is left in the pool")
    ]


def test_member_leaves_takes_the_least_engaged_member_of_its_sector():
    week = 10
    m = step_to(
        model([{"week": week, "kind": "member_leaves", "sector": "civil_society"}]), week - 1
    )
    active = m.orgs.active()
    civil = active[m.orgs.sector[active] == SECTORS.index("civil_society")]
    least = int(civil[np.argmin(m.orgs.engagement[civil])])
    before, dropouts = counts(m).copy(), m.dropouts
    m.step()
    assert m.orgs.status[least] == LEFT and m.orgs.left_week[least] == week
    assert m.dropouts == dropouts + 1
    expected = before.copy()
    expected[SECTORS.index("civil_society")] -= 1
    assert list(counts(m)) == list(expected)
    assert m.event_log[0][:2] == (week, "member_leaves") and str(least) in m.event_log[0][2]


def test_member_leaves_of_a_sector_with_no_member_changes_nothing():
    event = [{"week": 3, "kind": "member_leaves", "sector": "government"}]
    with_event = model(event, scenario="business_led", steps=8)
    pd.testing.assert_frame_equal(
        records(with_event), records(model(scenario="business_led", steps=8))
    )
    assert with_event.event_log == [(3, "member_leaves", "nothing happens: no government member")]


def test_set_changes_the_knob_from_its_week_and_not_before():
    week = 7
    m = model([{"week": week, "kind": "set", "knob": "sprint_intensity", "value": 0.2}], steps=12)
    original = m.params.sprint_intensity
    assert original != 0.2
    step_to(m, week - 1)
    assert m.params.sprint_intensity == original
    m.step()
    assert m.params.sprint_intensity == 0.2
    assert m.event_log == [(week, "set", f"sprint_intensity {original:.2f} -> 0.20")]


def test_every_knob_can_be_set():
    events = [{"week": 2, "kind": "set", "knob": k, "value": 0.35} for k in KNOBS]
    m = step_to(model(events, steps=3), 2)
    assert all(getattr(m.params, k) == 0.35 for k in KNOBS)
    assert set(KNOBS) == set(Params.knobs()) and len(KNOBS) == 8


def test_orchestration_withdrawn_zeroes_the_ask_from_its_week():
    m = model([{"week": 5, "kind": "orchestration_withdrawn"}], steps=10)
    asked = records(m)["asked_orchestration"]
    assert (asked.loc[1:4] == resolve("impact_partnership").orchestration).all()
    assert (asked.loc[5:] == 0.0).all()
    assert m.params.orchestration == 0.0


def test_funding_ends_stops_the_grant_in_its_week():
    m = model([{"week": 6, "kind": "funding_ends"}], steps=10)
    grant = records(m)["budget_grant"]
    assert m.grant_ended_week == 6
    assert (grant.loc[1:5] > 0).all() and (grant.loc[6:] == 0).all()


def test_funding_ends_twice_ends_it_once():
    m = model([{"week": 3, "kind": "funding_ends"}, {"week": 5, "kind": "funding_ends"}], steps=6)
    records(m)
    assert m.grant_ended_week == 3
    assert m.event_log[1] == (5, "funding_ends", "nothing happens: the grant ended in week 3")


def government(m: PartnershipModel) -> np.ndarray:
    active = m.orgs.active()
    return active[m.orgs.sector[active] == GOV]


def test_election_changes_every_government_sponsor_at_once():
    week = 8
    with_event = step_to(model([{"week": week, "kind": "election"}]), week - 1)
    without = step_to(model(), week - 1)
    gov = government(with_event)
    assert gov.size == 3 and list(gov) == list(government(without))
    with_event.step()
    without.step()
    assert with_event.sponsor_changes - without.sponsor_changes == gov.size
    # each government member's engagement took the sponsor's shock that week (churn's own)
    hit = churn.shock(without.levels)
    assert hit > 0
    assert (with_event.orgs.engagement[gov] < without.orgs.engagement[gov]).all()
    assert with_event.policy_momentum < without.policy_momentum
    assert with_event.event_log == [
        (week, "election", "the sponsors of 3 government members change")
    ]


def test_sponsor_leaves_changes_one_sponsor_the_lowest_row():
    week = 8
    with_event = step_to(model([{"week": week, "kind": "sponsor_leaves"}]), week - 1)
    without = step_to(model(), week - 1)
    first = int(government(with_event)[0])
    with_event.step()
    without.step()
    assert with_event.sponsor_changes - without.sponsor_changes == 1
    assert with_event.event_log == [
        (week, "sponsor_leaves", f"the sponsor of government member {first} changes")
    ]
    # the shock fell on that member: the others lost only what the week's lower momentum cost
    gov = government(without)
    lost = without.orgs.engagement[gov] - with_event.orgs.engagement[gov]
    assert lost[0] > 0.5 * churn.shock(without.levels) > lost[1:].max()


def test_a_sponsor_change_is_political_churns_own():
    """The event's effect is `_sponsors_change`, the method political churn calls: applied to
    the same member by hand, it gives the same model as the event."""
    week = 5
    by_event = step_to(model([{"week": week, "kind": "sponsor_leaves"}], steps=week), week)
    by_hand = step_to(model(steps=week), week - 1)
    by_hand._sponsors_change(government(by_hand)[:1])
    by_hand.step()
    a, b = (
        by_event.datacollector.get_model_vars_dataframe(),
        by_hand.datacollector.get_model_vars_dataframe(),
    )
    pd.testing.assert_frame_equal(a, b)


def test_sponsor_events_without_government_change_nothing_and_say_so():
    events = [{"week": 3, "kind": "sponsor_leaves"}, {"week": 4, "kind": "election"}]
    with_event = model(events, scenario="business_led", steps=8)
    pd.testing.assert_frame_equal(
        records(with_event), records(model(scenario="business_led", steps=8))
    )
    assert [d for _, _, d in with_event.event_log] == ["nothing happens: no government member"] * 2


def test_events_after_the_partnership_ended_change_nothing():
    events = [
        {"week": 6, "kind": "member_joins", "sector": "business"},
        {"week": 7, "kind": "election"},
    ]
    with_event = model(events, steps=8, partnership_weeks=5)
    pd.testing.assert_frame_equal(records(with_event), records(model(steps=8, partnership_weeks=5)))
    assert [d for _, _, d in with_event.event_log] == [
        "nothing happens: the partnership is over"
    ] * 2


# --- reproducibility -------------------------------------------------------------------------


def test_the_same_config_and_seed_with_events_give_the_same_numbers_twice():
    params = resolve("impact_partnership", **{**SMALL, "steps": 100}, events=DOCUMENTED[1:])
    first, second = run_one(params, 4), run_one(params, 4)
    pd.testing.assert_frame_equal(first.timeseries, second.timeseries)
    assert first.summary["events"] == second.summary["events"]
    assert first.summary["provenance"]["config_hash"] == second.summary["provenance"]["config_hash"]


def test_a_run_with_no_events_draws_no_events_number():
    m = model(steps=10)
    records(m)
    assert m.event_log == [] and "events" not in m.streams._streams


@pytest.mark.parametrize(
    "event",
    [{"week": 3, "kind": "member_joins", "sector": "citizens"}, {"week": 3, "kind": "scandal"}],
)
def test_an_event_that_draws_leaves_the_other_streams_paired(event):
    """member_joins draws its candidate, and scandal its member, from the events' own stream:
    recruitment's, churn's and the public's draws are the run's without the event."""
    with_event = step_to(model([event], steps=6, **{"network_intro_rate": 0.05}), 6)
    without = step_to(model(steps=6, **{"network_intro_rate": 0.05}), 6)
    for name in ("recruitment", "churn", "public", "world", "network"):
        assert (
            with_event.streams[name].bit_generator.state
            == without.streams[name].bit_generator.state
        ), name


# --- any valid schedule keeps the run's invariants -------------------------------------------


@st.composite
def schedules(draw, steps: int) -> list[dict]:
    found = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(list(KINDS)))
        event = {"week": draw(st.integers(1, steps)), "kind": kind}
        if "sector" in EXTRA.get(kind, ()):
            event["sector"] = draw(st.sampled_from(SECTORS))
        if kind == "set":
            event["knob"] = draw(st.sampled_from(KNOBS))
            event["value"] = draw(st.floats(0, 1))
        found.append(event)
    return found


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    events=schedules(20),
    seed=st.integers(0, 2**32),
    scenario=st.sampled_from(["impact_partnership", "government_led", "ngo_business_pair"]),
)
def test_any_schedule_runs_to_the_horizon_with_whole_consistent_counts(events, seed, scenario):
    params = resolve(
        scenario, public_size=100, steps=20, pool_per_sector=2, events=events, **NO_SHOCKS
    )
    m = PartnershipModel(params=params, rng=seed, collect_agents=False)
    data = records(m)
    assert len(data) == 21 and len(m.event_log) == len(events)
    assert np.isfinite(data.select_dtypes("number").to_numpy()).all()
    by_sector = data[[f"members_{s}" for s in SECTORS]].sum(axis=1)
    assert (data["members"] == by_sector).all() and (data["members"] >= 0).all()
    assert (data["dropouts"].diff().dropna() >= 0).all()
    assert (data["sponsor_changes"].diff().dropna() >= 0).all()
