"""Shocks (sim/mechanisms/shocks.py, ODD 7.17): a crisis takes members' time in its weeks and
gives it back after; a scandal lowers its partners' trust in one member and the public's
judgement while it is fresh; funding cuts, elections, crises and scandals at random happen at
their rates, from their own stream, carried out by the scheduled kind's own code; a run with
shocks is reproducible in any order and process, and one without draws nothing."""

from __future__ import annotations

import concurrent.futures
import multiprocessing

import numpy as np
import pandas as pd
import pytest

from sim import ParameterError, PartnershipModel
from sim.mechanisms import shocks
from sim.rng import Streams
from sim.run import run_one
from sim.scenarios import resolve
from sim.trust import TrustMatrix

RATES = ("funding_cut_rate", "election_rate", "crisis_rate", "scandal_rate")
# no introductions, sponsors that last a century, no shock at random unless a test sets its
# rate: a week's change is the week's shock
STILL = {
    "public_size": 500,
    "steps": 52,
    "network_intro_rate": 0.0,
    "curated_intro_rate": 0.0,
    "sponsor_term_weeks": 5200,
    **dict.fromkeys(RATES, 0.0),
}
NO_SHOCKS = dict.fromkeys(RATES, 0.0)
SEED = 1


def model(events=(), **overrides) -> PartnershipModel:
    return PartnershipModel(
        scenario="impact_partnership",
        rng=SEED,
        collect_agents=False,
        events=list(events),
        **{**STILL, **overrides},
    )


def weekly(m: PartnershipModel, read) -> dict[int, float]:
    """`read(m)` after each week to the horizon."""
    out = {}
    while m.running:
        m.step()
        out[int(m.steps)] = read(m)
    return out


def records(m: PartnershipModel) -> pd.DataFrame:
    while m.running:
        m.step()
    return m.datacollector.get_model_vars_dataframe()


# --- a crisis --------------------------------------------------------------------------------


def test_a_crisis_takes_members_time_in_its_weeks_and_gives_it_back_after():
    start, weeks, pull = 10, 8, 0.5
    crisis = [{"week": start, "kind": "crisis"}]
    read = {
        "contribution": lambda m: float(m.orgs.contribution.sum()),
        "action_share": lambda m: m.action_share,
        "visible_action": lambda m: m.visible_action,
    }
    with_crisis = model(crisis, crisis_weeks=weeks, crisis_pull=pull)
    without = model(crisis_weeks=weeks, crisis_pull=pull)
    a = pd.DataFrame(weekly(with_crisis, lambda m: {k: f(m) for k, f in read.items()})).T
    b = pd.DataFrame(weekly(without, lambda m: {k: f(m) for k, f in read.items()})).T
    ratio = a["contribution"] / b["contribution"]
    assert (ratio.loc[: start - 1] == 1.0).all()  # nothing changes before its week
    # its first week: everything else as without it, so exactly 1 - crisis_pull of the time
    assert ratio.loc[start] == pytest.approx(1 - pull, rel=1e-12)
    # talk and action alike: the share of action in what members give is unchanged
    assert a.loc[start, "action_share"] == pytest.approx(b.loc[start, "action_share"])
    during = range(start, start + weeks)
    assert (ratio.loc[during] <= 1 - pull + 1e-12).all()
    assert (a.loc[during, "visible_action"] < b.loc[during, "visible_action"]).all()
    # after it members give their time again; what they built more slowly in the crisis
    # (trust, progress) leaves them a little behind
    after = ratio.loc[start + weeks :]
    assert (after > 0.9).all() and (after < 1.0).all()
    assert with_crisis.event_log == [
        (start, "crisis", "members give 50% less of their time to the partnership to week 17")
    ]


def test_a_crisis_during_a_crisis_lasts_longer_but_does_not_add_up():
    events = [{"week": 5, "kind": "crisis"}, {"week": 8, "kind": "crisis"}]
    m = model(events, crisis_weeks=6, crisis_pull=0.4, steps=20)
    attention = weekly(m, lambda m: shocks.attention(int(m.steps), m.crisis_until, m.params))
    assert m.crisis_until == 13
    assert [w for w, a in attention.items() if a < 1] == list(range(5, 14))
    assert {a for a in attention.values() if a < 1} == {1 - 0.4}  # one pull, not two
    assert m.event_log[1] == (8, "crisis", "the crisis already on lasts to week 13")


# --- a scandal -------------------------------------------------------------------------------


def test_lose_trust_in_takes_a_share_of_the_partners_trust_in_one_member():
    trust = TrustMatrix(4)
    trust.form_groups(np.arange(4), np.random.default_rng(0))
    i, j, _ = trust.edges()
    trust.seed(i, j, np.full(i.size, 0.5))
    trust.group_cap[:] = 0.9
    before = trust.level
    partners = trust.lose_trust_in(2, 0.3)
    after = trust.level
    assert sorted(partners) == [0, 1, 3]
    assert np.allclose(after[[0, 1, 3], 2], 0.35)  # their trust in member 2: 0.5 x 0.7
    rest = np.ones((4, 4), bool)
    rest[:, 2] = False
    assert (after[rest] == before[rest]).all()  # its trust in them, and the others', stay
    assert (trust.group_cap == 0.9).all()  # and no scar: trust can grow back
    assert trust.lose_trust_in(2, 0.3).size == 3
    outsider = TrustMatrix(5)
    assert outsider.lose_trust_in(4, 0.3).size == 0  # not in a group: nobody to lose trust


def scandal_member(seed: int, active: np.ndarray, stream: str = "events") -> int:
    """The member the documented rule picks: active[floor(u x members)], u the stream's next."""
    u = Streams(seed)[stream].random()
    return int(active[int(u * active.size)])


def test_a_scandal_lowers_its_partners_trust_in_the_member_and_legitimacy_while_fresh():
    week, fresh = 10, 13
    with_scandal = model([{"week": week, "kind": "scandal"}], scandal_weeks=fresh)
    without = model(scandal_weeks=fresh)
    while with_scandal.steps < week - 1:
        with_scandal.step()
        without.step()
    member = scandal_member(SEED, with_scandal.orgs.active())
    with_scandal.step()
    without.step()
    partners = with_scandal.trust_matrix.partners(member)
    assert partners.size == with_scandal.members - 1
    kept = (
        with_scandal.trust_matrix.level[partners, member]
        / without.trust_matrix.level[partners, member]
    )
    # 1 - scandal_trust_loss (0.3) at once, then a week of trust's own update on top
    assert np.all((kept > 0.68) & (kept < 0.73)), kept
    own = (
        with_scandal.trust_matrix.level[member, partners]
        / without.trust_matrix.level[member, partners]
    )
    assert np.allclose(own, 1.0, atol=1e-3)  # its own trust in them barely moves
    assert with_scandal.event_log[0][:2] == (week, "scandal")
    assert (
        f"member {member}: its {partners.size} partners trust it 30% less"
        in (with_scandal.event_log[0][2])
    )
    gap = {}
    while with_scandal.running:
        gap[int(with_scandal.steps)] = without.legitimacy - with_scandal.legitimacy
        with_scandal.step()
        without.step()
    gap[int(with_scandal.steps)] = without.legitimacy - with_scandal.legitimacy
    last = week + fresh - 1
    assert all(gap[w] > 0 for w in range(week, 53))
    # the public's judgement falls while the scandal is fresh and slowly recovers after it
    assert max(gap, key=gap.get) in (last, last + 1)
    assert gap[52] < 0.7 * gap[last]


def test_a_scandal_at_a_member_with_no_partners_only_stains_the_partnership():
    m = PartnershipModel(
        params=resolve(
            "impact_partnership",
            **{**STILL, "steps": 6},
            members_government=0,
            members_business=0,
            members_citizens=0,
            members_civil_society=1,
            events=[{"week": 3, "kind": "scandal"}],
        ),
        rng=0,
        collect_agents=False,
    )
    records(m)
    assert "its 0 partners" in m.event_log[0][2] and m.scandal_until == 3 + 13 - 1


# --- shocks at rates -------------------------------------------------------------------------


def test_shocks_come_at_their_rates_a_year():
    """Over 1000 years of weeks each rate's count is within 4 standard deviations of
    weeks x rate / 52 (binomial), a band a fresh seed misses about once in 16,000 times."""
    params = resolve("impact_partnership", **dict(zip(RATES, (0.5, 1.0, 2.0, 4.0), strict=True)))
    rng = Streams(7)["shocks"]
    weeks = 52_000
    found = {rate: 0 for rate in RATES}
    for _ in range(weeks):
        for rate, _kind in shocks.draw(params, rng)[0]:
            found[rate] += 1
    for rate in RATES:
        p = getattr(params, rate) / 52
        mean, sd = weeks * p, np.sqrt(weeks * p * (1 - p))
        assert abs(found[rate] - mean) < 4 * sd, (rate, found[rate], mean)


def test_crises_at_two_a_year_come_about_twice_a_year_in_a_run():
    """crisis_rate 2 over 50 years of one run: the crises in its event log are within 4
    standard deviations (9.8) of the 100 expected. crisis_pull 0 keeps the partnership as it
    is, so it runs the whole horizon and every crisis is logged."""
    m = PartnershipModel(
        scenario="impact_partnership",
        rng=SEED,
        collect_agents=False,
        public_size=50,
        steps=2600,
        **{**NO_SHOCKS, "crisis_rate": 2.0},
        crisis_pull=0.0,
    )
    records(m)
    crises = [w for w, kind, _ in m.event_log if kind == "crisis"]
    p = 2.0 / 52
    assert abs(len(crises) - 2600 * p) < 4 * np.sqrt(2600 * p * (1 - p)), len(crises)
    assert all(d.startswith("at random (crisis_rate): ") for _, _, d in m.event_log)


def test_a_rate_of_52_a_year_is_a_shock_every_week_while_the_partnership_lasts():
    m = model(crisis_rate=52.0, steps=30, partnership_weeks=10)
    records(m)
    assert [w for w, _, _ in m.event_log] == list(range(1, 11))  # none once it is over


def test_one_rate_leaves_the_other_shocks_weeks_as_they_were():
    def weeks(**rates):
        params = resolve("impact_partnership", **rates)
        rng = Streams(3)["shocks"]
        found = []
        for week in range(1, 521):
            found += [(week, kind) for _, kind in shocks.draw(params, rng)[0]]
        return found

    alone = weeks(**{**NO_SHOCKS, "crisis_rate": 3.0})
    with_others = weeks(
        **{**NO_SHOCKS, "crisis_rate": 3.0, "scandal_rate": 5.0, "election_rate": 1.0}
    )
    assert alone and alone == [(w, k) for w, k in with_others if k == "crisis"]


@pytest.mark.parametrize(
    ("rate", "kind"), [("funding_cut_rate", "funding_ends"), ("election_rate", "election")]
)
def test_a_shock_at_random_is_the_scheduled_event_of_its_kind(rate, kind):
    """The first random funding cut (election) gives the run the scheduled funding_ends
    (election) event in its week gives: the same code, and nothing else drawn differently."""
    at_random = model(**{rate: 3.0})
    shocked = records(at_random)
    week = next(w for w, k, _ in at_random.event_log if k == kind)
    scheduled = model([{"week": week, "kind": kind}], steps=week)
    first = records(scheduled)
    pd.testing.assert_frame_equal(shocked.loc[:week], first)
    assert at_random.event_log[0] == (
        week,
        kind,
        f"at random ({rate}): {scheduled.event_log[0][2]}",
    )


def test_a_scandal_at_random_picks_its_member_by_the_documented_rule():
    at_random = model(scandal_rate=4.0)
    records(at_random)
    week, kind, detail = at_random.event_log[0]
    assert kind == "scandal" and detail.startswith("at random (scandal_rate): a scandal at")
    before = model(steps=week - 1)
    records(before)  # the same run to the week before: no shock has changed it yet
    rng = Streams(SEED)["shocks"]
    for _ in range(week):
        u = rng.random(len(shocks.RATES) + 1)
    active = before.orgs.active()
    member = int(active[int(u[-1] * active.size)])
    assert f"member {member}:" in detail


def test_a_crisis_of_no_pull_draws_only_from_the_shocks_stream():
    """A crisis that takes nothing (crisis_pull 0) at a rate of 5 a year: every record and
    every other stream is the run's without shocks, so the shocks' draws are their own."""
    shocked, plain = model(crisis_rate=5.0, crisis_pull=0.0), model()
    pd.testing.assert_frame_equal(records(shocked), records(plain))
    assert len(shocked.event_log) > 0 and plain.event_log == []
    for name in set(plain.streams._streams):
        state = shocked.streams[name].bit_generator.state
        assert state == plain.streams[name].bit_generator.state, name
    assert "shocks" in shocked.streams._streams and "shocks" not in plain.streams._streams


def test_scandals_leave_the_streams_of_fixed_draws_in_step():
    """Scandals change trust and legitimacy, not how many numbers the public, political churn
    or the world draw: those streams stay where the run without shocks has them."""
    shocked, plain = model(scandal_rate=6.0, steps=30), model(steps=30)
    records(shocked), records(plain)
    assert any(k == "scandal" for _, k, _ in shocked.event_log)
    for name in ("public", "churn", "world"):
        state = shocked.streams[name].bit_generator.state
        assert state == plain.streams[name].bit_generator.state, name


# --- reproducibility, and nothing drawn without shocks ---------------------------------------

SHOCKED = {**STILL, "funding_cut_rate": 0.5, "election_rate": 1.0, "crisis_rate": 2.0}
SHOCKED["scandal_rate"] = 2.0


def shocked_run(seed: int) -> tuple[list, list]:
    result = run_one(resolve("impact_partnership", **SHOCKED), seed, diagnose=False)
    return result.timeseries.to_numpy().tolist(), result.summary["events"]


def test_the_same_seed_with_shocks_gives_the_same_numbers_in_any_order_and_process():
    first = shocked_run(2)
    assert first[1]  # shocks happened
    other = shocked_run(5)
    assert other[1] != first[1]  # another seed, other shocks
    assert shocked_run(2) == first  # again, after another run in this process
    context = multiprocessing.get_context("spawn")  # a fresh interpreter
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        assert pool.submit(shocked_run, 2).result() == first


def test_without_shocks_nothing_is_drawn_and_their_sizes_change_nothing():
    plain = model(steps=30)
    data = records(plain)
    assert "shocks" not in plain.streams._streams and plain.event_log == []
    assert plain.crisis_until == 0 and plain.scandal_until == 0
    sizes = {
        "crisis_weeks": 40,
        "crisis_pull": 1.0,
        "scandal_trust_loss": 1.0,
        "scandal_legitimacy_loss": 1.0,
        "scandal_weeks": 40,
    }
    pd.testing.assert_frame_equal(records(model(steps=30, **sizes)), data)
    explicit = model(steps=30, **dict.fromkeys(RATES, 0.0))
    pd.testing.assert_frame_equal(records(explicit), data)
    assert "shocks" not in explicit.streams._streams


def test_the_run_summary_lists_the_shocks():
    result = run_one(resolve("impact_partnership", **{**STILL, "crisis_rate": 6.0}), 0)
    found = result.summary["events"]
    assert found and all(e["kind"] == "crisis" for e in found)
    assert all(e["detail"].startswith("at random (crisis_rate): ") for e in found)
    assert result.summary["config"]["crisis_rate"] == 6.0


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize(
    ("value", "words"),
    [
        (-1, ["=-1", "out of range", "must be a number from 0 to 52 (shocks/year)"]),
        (53, ["=53", "out of range", "from 0 to 52"]),
        ("often", ["='often'", "not a number", "from 0 to 52"]),
        (float("nan"), ["=nan", "not a finite number"]),
        (True, ["=True", "not a number"]),
    ],
)
def test_a_bad_rate_is_refused_in_one_line_naming_it_the_value_and_what_is_allowed(
    rate, value, words
):
    with pytest.raises(ParameterError) as info:
        resolve("impact_partnership", **{rate: value})
    message = str(info.value)
    assert "\n" not in message and message.startswith(rate), message
    assert "(from override" in message
    for word in words:
        assert word in message, message


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("crisis_weeks", 0, "from 1 to 520 (weeks)"),
        ("crisis_weeks", 2.5, "not a whole number"),
        ("crisis_pull", 1.5, "from 0 to 1 (share of capacity)"),
        ("scandal_trust_loss", -0.1, "from 0 to 1 (share)"),
        ("scandal_legitimacy_loss", "high", "not a number"),
        ("scandal_weeks", 600, "from 1 to 520 (weeks)"),
    ],
)
def test_a_bad_size_of_a_shock_is_refused_in_one_line(name, value, allowed):
    with pytest.raises(ParameterError) as info:
        resolve("impact_partnership", **{name: value})
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"{name}=") and allowed in message
