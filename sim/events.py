"""Scheduled events: things that happen to a partnership in a given week (ODD 3, "Scheduled
events").

A design may schedule events (the `events` parameter: a scenario file, a keyword, the command
line, a sweep or the workshop app), in one documented schema:

    events:
      - {week: 80, kind: funding_ends}
      - {week: 40, kind: member_joins, sector: business}
      - {week: 26, kind: set, knob: sprint_intensity, value: 0.8}

`parse` validates them once, where a run is admitted (`Params.build`); `apply` carries out one
week's events at the start of `PartnershipModel.step`, before any mechanism. Each event acts
through the model's own state and mechanisms (a sponsor change is political churn's, a joining
member takes the recruitment path, a crisis takes members' time, a scandal their partners'
trust and the public's); none scripts an outcome. A run without events draws no random number
and changes nothing here, so it gives the numbers it gave before events existed.

Shocks at random (`funding_cut_rate` and the other rates, sim/mechanisms/shocks.py) are
carried out by `strike` with the same code as the scheduled event of their kind.
"""

from __future__ import annotations

import difflib
import numbers
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np

from . import sectors
from .params import MAX_STEPS, ParameterError, Params, _check, shown
from .partnership import POOL

if TYPE_CHECKING:
    from .model import PartnershipModel

MAX_EVENTS = 10_000  # events in one design: two a week over a hundred years

KINDS: dict[str, str] = {
    "funding_ends": "the backbone's outside grant stops; members' contributions go on",
    "sponsor_leaves": "one government member's sponsor changes now, as in political churn",
    "election": "every government member's sponsor changes at once",
    "crisis": "an outside crisis: for crisis_weeks members give crisis_pull less of their time",
    "scandal": "a scandal at one member, drawn at random: its partners' trust in it and the "
    "public's trust in the partnership fall",
    "orchestration_withdrawn": "the design's orchestration ask becomes 0 from that week",
    "member_joins": "an organisation of `sector` joins from the pool, as a recruit does",
    "member_leaves": "the member of `sector` with the lowest engagement leaves",
    "set": "the design knob `knob` is set to `value` from that week",
}
# the fields each kind takes besides week and kind: all required, none allowed elsewhere
EXTRA: dict[str, tuple[str, ...]] = {
    "member_joins": ("sector",),
    "member_leaves": ("sector",),
    "set": ("knob", "value"),
}
KNOBS: tuple[str, ...] = tuple(Params.knobs())
_KNOB_FIELDS = {f.name: f for f in fields(Params) if f.name in KNOBS}
ALLOWED = (
    "events must be a list of mappings {week, kind, ...}: week a whole number from 1 to the "
    f"horizon (steps), kind one of {', '.join(KINDS)}; member_joins and member_leaves take a "
    "sector, set takes a knob and a value"
)


@dataclass(frozen=True)
class Event:
    """One scheduled event: in week `week` (1 = the first week), `kind` happens; `sector` for
    member_joins and member_leaves, `knob` and `value` for set, None elsewhere."""

    week: int
    kind: str
    sector: str | None = None
    knob: str | None = None
    value: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """The event as its schema writes it: week, kind and only the fields its kind takes."""
        return {
            "week": self.week,
            "kind": self.kind,
            **{name: getattr(self, name) for name in EXTRA.get(self.kind, ())},
        }

    def __str__(self) -> str:
        extra = " ".join(str(getattr(self, name)) for name in EXTRA.get(self.kind, ()))
        return f"week {self.week}: {self.kind}" + (f" {extra}" if extra else "")


def parse(value: Any, where: str = "") -> tuple[Event, ...]:
    """Validate `value`, a list of event mappings (or `Event`s), and return its events sorted
    by week, events of one week in the order written.

    `where` (e.g. " (from scenarios/x.yaml: events)") is added to messages. Weeks are checked
    against the horizon where the whole design is known (`Params._check_consistency`).

    Raises:
        ParameterError: one line naming the event by its position (`events[2]`), the field, the
            value and what is allowed.
    """
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
        raise ParameterError(f"events={shown(value)}{where} is not a list: {ALLOWED}")
    if len(value) > MAX_EVENTS:
        raise ParameterError(
            f"events{where} lists {len(value)} events, more than {MAX_EVENTS}: {ALLOWED}"
        )
    found = [_event(i, item, where) for i, item in enumerate(value)]
    return tuple(sorted(found, key=lambda e: e.week))  # sorted() is stable


def _event(i: int, item: Any, where: str) -> Event:
    name = f"events[{i}]"
    if isinstance(item, Event):
        item = {"week": item.week, "kind": item.kind, **_given(item)}
    if not isinstance(item, Mapping):
        raise ParameterError(
            f"{name}={shown(item)}{where} is not a mapping: each event is "
            "{week: <week>, kind: <kind>, ...}; " + ALLOWED
        )
    for key in item:
        if not isinstance(key, str):
            raise ParameterError(f"{name} has the key {shown(key)}{where}: {ALLOWED}")
    if "kind" not in item:
        raise ParameterError(
            f"{name}={shown(dict(item))}{where} has no kind: kinds are {', '.join(KINDS)}"
        )
    kind = _one_of(name, "kind", item["kind"], KINDS, "a kind of event", "Kinds", where)
    takes = ("week", "kind", *EXTRA.get(kind, ()))
    for key in item:
        if key not in takes:
            close = difflib.get_close_matches(key, takes, n=1)
            hint = f" Did you mean {close[0]}?" if close else ""
            raise ParameterError(
                f"{name}.{key}={shown(item[key])}{where}: {_a(kind)} event has no {key}.{hint} "
                f"It takes {', '.join(takes)}"
            )
    for key in takes:
        if key not in item:
            raise ParameterError(
                f"{name} ({kind}){where} has no {key}: {_a(kind)} event takes {', '.join(takes)}"
            )
    week = _week(name, item["week"], where)
    sector = knob = level = None
    if "sector" in takes:
        sector = _one_of(
            name, "sector", item["sector"], sectors.SECTORS, "a sector", "Sectors", where, n=1
        )
    if kind == "set":
        knob = _one_of(name, "knob", item["knob"], KNOBS, "a design knob", "Knobs", where)
        level = _level(name, knob, item["value"], where)
    return Event(week=week, kind=kind, sector=sector, knob=knob, value=level)


def _a(kind: str) -> str:
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def _given(event: Event) -> dict[str, Any]:
    """An Event's optional fields that are set (a hand-made Event may set one its kind lacks)."""
    return {
        n: getattr(event, n) for n in ("sector", "knob", "value") if getattr(event, n) is not None
    }


def _one_of(
    name: str,
    field: str,
    value: Any,
    allowed: Collection[str],
    what: str,
    plural: str,
    where: str,
    n: int = 3,
) -> str:
    """`value` if it is one of `allowed`, else a ParameterError naming the event's field, the
    value, the nearest names and every allowed one."""
    if isinstance(value, str) and value in allowed:
        return value
    close = difflib.get_close_matches(str(value), allowed, n=n)
    hint = f" Did you mean {' or '.join(close)}?" if close else ""
    raise ParameterError(
        f"{name}.{field}={shown(value)}{where} is not {what}.{hint} {plural}: {', '.join(allowed)}"
    )


def _week(name: str, week: Any, where: str) -> int:
    allowed = f"week must be a whole number from 1 to the horizon (steps, at most {MAX_STEPS})"
    given = f"{name}.week={shown(week)}{where}"
    if isinstance(week, (bool, np.bool_)) or not isinstance(week, numbers.Real):
        raise ParameterError(f"{given} is not a whole number: {allowed}")
    try:
        if not isinstance(week, numbers.Integral) and not float(week).is_integer():
            raise ParameterError(f"{given} is not a whole number: {allowed}")
        # a whole number exactly, however large (a float's integer value otherwise)
        whole = week.__index__() if isinstance(week, numbers.Integral) else int(float(week))
    except (OverflowError, ValueError):  # infinity, NaN, a fraction too big for a float
        raise ParameterError(f"{given} is not a whole number: {allowed}") from None
    if not 1 <= whole <= MAX_STEPS:
        raise ParameterError(f"{given} is out of range: {allowed}")
    return whole


def _level(name: str, knob: str, value: Any, where: str) -> float:
    """`value` checked as the knob itself is (its range and message, `params._check`)."""
    try:
        return float(_check(_KNOB_FIELDS[knob], value, None))
    except ParameterError as err:
        reason = str(err).removeprefix(f"{knob}={shown(value)}")
        raise ParameterError(f"{name}.value={shown(value)}{where}{reason}") from None


def late(events: Iterable[Event], steps: int) -> Event | None:
    """The first event scheduled after the horizon `steps`, or None."""
    return next((e for e in events if e.week > steps), None)


# --- carrying them out -----------------------------------------------------------------------


def apply(model: PartnershipModel, due: Iterable[Event]) -> None:
    """Carry out this week's events on `model`, in order, each logged in `model.event_log`
    as (week, kind, what happened). Called by `PartnershipModel.apply_events` at the start
    of the week, before any mechanism: a member who joins is a member all week, a knob set
    is the ask the budget prices this week.

    Once the partnership is over (past `partnership_weeks`, or every member gone) an event
    changes nothing: nobody is left for it to happen to, and a dissolved partnership stays
    dissolved (ODD 3)."""
    week = int(model.steps)
    for event in due:
        if _over(model):
            detail = "nothing happens: the partnership is over"
        else:
            detail = _ACTIONS[event.kind](model, event)
        model.event_log.append((week, event.kind, detail))


def strike(model: PartnershipModel, shocks: Iterable[tuple[str, str]], pick: float) -> None:
    """Carry out this week's shocks at random (`sim.mechanisms.shocks.draw`: the rate and the
    event kind of each) on `model`, each with the code of the scheduled event of its kind,
    logged in `model.event_log` as (week, kind, "at random (<rate>): what happened"). `pick`,
    in [0, 1), chooses a scandal's member. Once the partnership is over a shock has nobody to
    hit: nothing is done or logged (ODD 7.17)."""
    if _over(model):
        return
    week = int(model.steps)
    for rate, kind in shocks:
        if kind == "scandal":
            detail = _scandal_at(model, pick)
        else:
            detail = _ACTIONS[kind](model, Event(week, kind))
        model.event_log.append((week, kind, f"at random ({rate}): {detail}"))


def _over(model: PartnershipModel) -> bool:
    """Past `partnership_weeks`, or every member gone: the partnership is over for good."""
    return int(model.steps) > model.params.end_week or model.orgs.active().size == 0


def _funding_ends(model: PartnershipModel, event: Event) -> str:
    if model.grant_ended_week is not None:
        return f"nothing happens: the grant ended in week {model.grant_ended_week}"
    model.end_grant()
    return "the backbone's outside grant stops"


def _government(model: PartnershipModel) -> np.ndarray:
    active = model.orgs.active()
    return active[model.orgs.sector[active] == sectors.GOV]


def _sponsor_leaves(model: PartnershipModel, event: Event) -> str:
    # The member is the government member of the lowest row (the longest-standing founder
    # while one remains), chosen without a random number: every stream then draws as in the
    # same run without the event, so the two runs differ by the event alone.
    government = _government(model)
    if government.size == 0:
        return "nothing happens: no government member"
    model._sponsors_change(government[:1])
    return f"the sponsor of government member {int(government[0])} changes"


def _election(model: PartnershipModel, event: Event) -> str:
    government = _government(model)
    if government.size == 0:
        return "nothing happens: no government member"
    model._sponsors_change(government)
    return f"the sponsors of {government.size} government members change"


def _crisis(model: PartnershipModel, event: Event) -> str:
    # A crisis that breaks while one is on makes it last crisis_weeks from now; the two do
    # not add up (members cannot give the same hours to two crises).
    week, p = int(model.steps), model.params
    until = week + p.crisis_weeks - 1
    if model.crisis_until >= week:
        model.crisis_until = max(model.crisis_until, until)
        return f"the crisis already on lasts to week {model.crisis_until}"
    model.crisis_until = until
    return f"members give {p.crisis_pull:.0%} less of their time to the partnership to week {until}"


def _scandal(model: PartnershipModel, event: Event) -> str:
    # The member is drawn from the events' own stream (as member_joins' candidate), so every
    # other stream draws as in the run without the event.
    return _scandal_at(model, float(model.streams["events"].random()))


def _scandal_at(model: PartnershipModel, pick: float) -> str:
    """A scandal at the active member picked by `pick` in [0, 1), uniformly in row order: its
    working partners' trust in it falls by `scandal_trust_loss` of its level (the trust
    matrix, 7.5), and the public's prior trust in the partnership is lower by
    `scandal_legitimacy_loss` for `scandal_weeks` (`shocks.stain`, 7.7). A second scandal while
    one is fresh keeps the stain fresh for `scandal_weeks` from now; the stains do not add up."""
    active = model.orgs.active()
    member = int(active[min(int(pick * active.size), active.size - 1)])
    p, week = model.params, int(model.steps)
    partners = model.trust_matrix.lose_trust_in(member, p.scandal_trust_loss)
    model.scandal_until = max(model.scandal_until, week + p.scandal_weeks - 1)
    sector = sectors.SECTORS[int(model.orgs.sector[member])]
    return (
        f"a scandal at {sector} member {member}: its {partners.size} partners trust it "
        f"{p.scandal_trust_loss:.0%} less, the public's trust falls to week {model.scandal_until}"
    )


def _set(model: PartnershipModel, knob: str, value: float) -> str:
    old = float(getattr(model.params, knob))
    model.params = model.params.with_(**{knob: value})
    return f"{knob} {old:.2f} -> {value:.2f}"


def _orchestration_withdrawn(model: PartnershipModel, event: Event) -> str:
    return _set(model, "orchestration", 0.0)


def _set_knob(model: PartnershipModel, event: Event) -> str:
    assert event.knob is not None and event.value is not None  # parse requires both
    return _set(model, event.knob, event.value)


def _member_joins(model: PartnershipModel, event: Event) -> str:
    # As a recruit of the convener's network joins (PartnershipModel.recruit): a candidate of
    # the sector drawn at random from the pool, no curator's onboarding. The draw is from the
    # events' own stream, so recruitment's draws stay those of the run without the event.
    orgs = model.orgs
    s = sectors.SECTORS.index(str(event.sector))
    candidates = np.flatnonzero((orgs.status == POOL) & (orgs.sector == s))
    if candidates.size == 0:
        return f"nothing happens: no {event.sector} organisation is left in the pool"
    newcomer = int(model.streams["events"].choice(candidates))
    orgs.join(newcomer, int(model.steps), model.params)
    model._welcome(newcomer, onboarding=0.0)
    return f"{event.sector} organisation {newcomer} joins"


def _member_leaves(model: PartnershipModel, event: Event) -> str:
    # As a member below its exit threshold leaves (PartnershipModel.update_engagement); the
    # least engaged goes, the lowest row of equals (np.argmin's first).
    orgs = model.orgs
    active = orgs.active()
    members = active[orgs.sector[active] == sectors.SECTORS.index(str(event.sector))]
    if members.size == 0:
        return f"nothing happens: no {event.sector} member"
    leaver = members[np.argmin(orgs.engagement[members])]
    engagement = float(orgs.engagement[leaver])
    leavers = np.array([leaver])
    orgs.leave(leavers, int(model.steps))
    model.trust_matrix.leave(leavers)
    model.dropouts += 1
    return f"{event.sector} member {int(leaver)} (engagement {engagement:.2f}) leaves"


_ACTIONS = {
    "funding_ends": _funding_ends,
    "sponsor_leaves": _sponsor_leaves,
    "election": _election,
    "crisis": _crisis,
    "scandal": _scandal,
    "orchestration_withdrawn": _orchestration_withdrawn,
    "member_joins": _member_joins,
    "member_leaves": _member_leaves,
    "set": _set_knob,
}
