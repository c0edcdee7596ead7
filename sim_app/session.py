"""What the workshop app runs: one design (or two, side by side, on the same seed), stepped week by
week under a stall observer. No Solara here, so it can be tested without a browser.

Knob changes apply from the current week on (the model's parameters are replaced by a validated
copy, exactly as the diagnosis's remedies do); Reset starts again from week 0 with the current
settings. Picking a scenario loads its knobs and its scheduled events and resets. Events are the
run's plan (sim/events.py): adding or removing one starts the run (and a design beside it) again
from week 0, so every event listed happens in its week.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from experiments.kit.look import label_of
from sim import Params, PartnershipModel
from sim.diagnosis import StallObserver, mean_ledger
from sim.events import Event
from sim.params import check_seed
from sim.scenarios import available, designs, resolve
from sim.sectors import SECTORS

KNOBS: tuple[str, ...] = tuple(Params.knobs())
DEFAULT_SCENARIO = "workshop/talking_shop"
LONG_WINDOW = 104  # weeks: remedies are also judged over two years, where slow ones pay off
LEDGER_WEEKS = 13  # weeks: the "what members weigh" view averages the last quarter


# The exercises of docs/workshop.md, in the order of the session plan.
EXERCISES: tuple[str, ...] = (
    "talking_shop",
    "missing_sector",
    "greenwashing",
    "sponsor_leaves",
    "treadmill",
    "design_challenge",
)


def scenario_label(name: str) -> str:
    """'workshop/talking_shop' -> 'Exercise 1: talking shop';
    'business_led' -> 'Design: Business-led'."""
    if name.startswith("workshop/"):
        short = name.split("/", 1)[1]
        number = f" {EXERCISES.index(short) + 1}" if short in EXERCISES else ""
        return f"Exercise{number}: {short.replace('_', ' ')}"
    return f"Design: {label_of(name)}"


def scenario_names() -> list[str]:
    """Workshop exercises first, in the guide's order, then the seven designs."""
    workshop = [n for n in available() if n.startswith("workshop/")]
    order = {f"workshop/{e}": k for k, e in enumerate(EXERCISES)}
    return sorted(workshop, key=lambda n: (order.get(n, len(order)), n)) + designs()


def knob_values(scenario: str) -> dict[str, float]:
    params = resolve(scenario)
    return {k: float(getattr(params, k)) for k in KNOBS}


@dataclass
class DesignRun:
    """One design, its model and the stall observer watching it."""

    name: str  # "A" or "B"
    scenario: str
    seed: int = 0
    knobs: dict[str, float] = field(default_factory=dict)
    events: tuple[Event, ...] | None = None  # None: the scenario's own
    model: PartnershipModel | None = field(default=None, repr=False)
    observer: StallObserver | None = field(default=None, repr=False)
    sector_engagement: list[list[float]] = field(default_factory=list, repr=False)
    changes: list[tuple[int, str, float, float]] = field(default_factory=list)

    def __post_init__(self):
        if not self.knobs:
            self.knobs = knob_values(self.scenario)
        if self.events is None:
            self.events = resolve(self.scenario).events
        self.reset()

    # ------------------------------------------------------------------ controls
    def reset(self) -> None:
        """Week 0 of the current scenario with the current knobs and seed."""
        # the scenario exactly as the command line runs it, so the room sees the guide's numbers
        params = resolve(self.scenario, **self.knobs, events=list(self.events or ()))
        self.start_knobs = tuple(sorted(self.knobs.items()))
        self.model = PartnershipModel(
            params=params, rng=self.seed, scenario=self.scenario, collect_agents=False
        )
        self.observer = StallObserver(self.model, long_window=LONG_WINDOW)
        self.sector_engagement = [engagement_by_sector(self.model)]
        self.changes = []

    def load(self, scenario: str) -> None:
        self.scenario = scenario
        self.knobs = knob_values(scenario)
        self.events = resolve(scenario).events
        self.reset()

    def add_event(self, **event: object) -> None:
        """Schedule one more event, `{week, kind, ...}` as a scenario file writes it, and start
        again from week 0 (ParameterError, and nothing changed, if it is not a valid event)."""
        self.set_events([*(e.as_dict() for e in self.events or ()), event])

    def remove_event(self, index: int) -> None:
        """Unschedule the `index`-th event (in week order) and start again from week 0."""
        events = list(self.events or ())
        if 0 <= index < len(events):
            del events[index]
            self.set_events([e.as_dict() for e in events])

    def set_events(self, events: list) -> None:
        # checked with the whole design first (a week past the horizon is refused), so a
        # refused event leaves the session as it was
        params = resolve(self.scenario, **self.knobs, events=events)
        self.events = params.events
        self.reset()

    def set_knob(self, knob: str, value: float) -> None:
        """Change a knob from this week on (before the first step it is the starting design)."""
        value = round(float(value), 4)
        old = self.knobs[knob]
        if value == old:
            return
        # checked first (Params raises ParameterError naming the knob), so a refused value
        # leaves the session, its sliders and every later Reset as they were
        params = self.model.params.with_(**{knob: value})
        if self.model.steps == 0:
            resolve(self.scenario, **{**self.knobs, knob: value})
        self.knobs[knob] = value
        if self.model.steps == 0:
            self.reset()
            return
        self.model.params = params
        self.changes.append((int(self.model.steps), knob, old, value))

    def step(self, weeks: int = 1) -> None:
        for _ in range(weeks):
            if self.finished:
                return
            self.model.step()
            self.observer.observe(self.model)
            self.sector_engagement.append(engagement_by_sector(self.model))

    # ------------------------------------------------------------------ what the views read
    @property
    def week(self) -> int:
        return int(self.model.steps)

    @property
    def horizon(self) -> int:
        return int(self.model.params.steps)

    @property
    def finished(self) -> bool:
        return self.week >= self.horizon

    def shown(self) -> tuple:
        """What this run's figures show, as a key: the same key, the same pictures.

        The run is deterministic, so its design at week 0 (its scheduled events too), its seed,
        the knob changes made before the current week and the week fix every record drawn. A
        knob moved this week changes nothing drawn until the next step, so it redraws nothing.
        """
        past = tuple(c for c in self.changes if c[0] < self.week)
        return (self.name, self.scenario, self.seed, self.start_knobs, self.events, past, self.week)

    def recent_ledger(self, weeks: int = LEDGER_WEEKS) -> np.ndarray:
        """What each sector's members weighed a week over the last `weeks` weeks
        (`PartnershipModel.sector_ledger`, sectors x `engagement.LEDGER`): the mean over the
        weeks in which the sector had members; NaN for a sector with none in any of them (all
        NaN before the first week, and once the partnership has been over for `weeks`)."""
        return mean_ledger(self.ledgers()[-weeks:])

    def ledgers(self) -> list[np.ndarray]:
        """Each stepped week's sector ledger, as the stall observer recorded it (weeks 1..now)."""
        return [self.observer.history[w].ledger for w in range(1, self.week + 1)]

    def records(self) -> pd.DataFrame:
        """Weekly metrics (the model's own records) and engagement by sector."""
        frame = self.model.datacollector.get_model_vars_dataframe().copy()
        frame.index = pd.RangeIndex(len(frame), name="week")
        by_sector = pd.DataFrame(
            self.sector_engagement, columns=[f"engagement_{s}" for s in SECTORS]
        )
        return pd.concat([frame, by_sector.set_axis(frame.index[: len(by_sector)])], axis=1)


def engagement_by_sector(model: PartnershipModel) -> list[float]:
    """Mean engagement of each sector's current members (NaN where the sector has none)."""
    orgs = model.orgs
    active = orgs.active()
    out = []
    for s in range(len(SECTORS)):
        members = active[orgs.sector[active] == s]
        out.append(float(orgs.engagement[members].mean()) if members.size else math.nan)
    return out


@dataclass
class Workshop:
    """The app's state: design A, and design B when comparing (same seed)."""

    seed: int = 0
    a: DesignRun = None  # type: ignore[assignment]
    b: DesignRun | None = None
    # the app steps in a thread while people click: every change and every drawing holds this
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    # why the last change was refused (a value no control should send), shown on the page
    notice: str | None = None
    # which play loop is the current one (the app's Play takes a new token, Pause too)
    play_token: int = 0

    def __post_init__(self):
        if self.a is None:
            self.a = DesignRun("A", DEFAULT_SCENARIO, self.seed)

    @property
    def runs(self) -> list[DesignRun]:
        return [self.a] + ([self.b] if self.b is not None else [])

    def compare(self, on: bool) -> None:
        if on and self.b is None:
            self.b = DesignRun(
                "B", self.a.scenario, self.seed, knobs=dict(self.a.knobs), events=self.a.events
            )
            self.a.reset()  # both start together at week 0, so they stay in step
        elif not on:
            self.b = None

    def set_seed(self, seed: int) -> None:
        self.seed = check_seed(seed)  # a whole number >= 0, or ParameterError naming it
        for run in self.runs:
            run.seed = self.seed
            run.reset()

    def reset(self) -> None:
        for run in self.runs:
            run.reset()

    def change_events(self, run: DesignRun, change: Callable[[], None]) -> None:
        """Change `run`'s events with `change` (its add_event or remove_event), then start every
        design again from week 0, so designs side by side stay in step. A refused change
        (ParameterError) leaves everything as it was."""
        change()
        self.reset()

    def step(self, weeks: int = 1) -> None:
        for run in self.runs:
            run.step(weeks)

    @property
    def finished(self) -> bool:
        return all(run.finished for run in self.runs)

    @property
    def week(self) -> int:
        return max(run.week for run in self.runs)
