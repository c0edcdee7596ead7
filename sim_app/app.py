"""The workshop app: run a partnership design live, see it stall, hear why, and try remedies.

Start it with `make workshop` (http://127.0.0.1:8765), or
`solara run sim_app/app.py --host 127.0.0.1 --port 8765 --production`. Every asset is served
from this machine (solara-assets; matplotlib plots), so it works in a room with no internet.

Built on Solara directly rather than Mesa's SolaraViz: SolaraViz holds one model, rebuilds it
from its own widgets (and, in Mesa 3.5, passes a `Scenario` object as `scenario=`, which is our
scenario file's name), has no hook after each step for the stall observer and no way to run two
designs side by side. The weekly loop is the same as SolaraViz's: step, observe, redraw.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor

import markdown
import solara
import solara.lab

from sim.events import EXTRA, KINDS
from sim.params import ParameterError, describe
from sim.sectors import SECTORS
from sim_app.session import KNOBS, Workshop, scenario_label, scenario_names
from sim_app.views import (
    fast_png,
    ledger_figure,
    members_figure,
    metrics_figure,
    stall_details,
    stall_status,
)

PLAY_PAUSE = 0.15  # seconds between frames while playing
WEEKS_PER_FRAME = 6  # weeks stepped per frame while playing: four years in about 20 s
JUMP_WEEKS = 13  # the "+13 weeks" button: a quarter
KNOB_HELP = {row["name"]: row["help"] for row in describe() if row["name"] in KNOBS}
# solara.Markdown would fetch KaTeX, which solara-assets 1.58.2 does not ship (a 404 offline),
# so the panel's words are rendered to HTML here.
PANEL_CSS = """
.stall-text table { border-collapse: collapse; margin: 8px 0; font-size: 14px; }
.stall-text th, .stall-text td { border-bottom: 1px solid #ddd; padding: 4px 10px;
                                  text-align: left; }
.stall-text p { margin-bottom: 8px; }
.stall-text strong, .hint strong { font-weight: 700; }
"""
# Figures are drawn in one thread of their own: inside a Solara session every matplotlib setting
# is looked up through the session (Solara scopes rcParams per user), which makes drawing several
# times slower; drawing outside it keeps a frame under half a second. Figures are plain `Figure`s
# (no pyplot), so one drawing thread is safe.
DRAWING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="draw")
STATUS_COMPONENT = {
    "stalled": solara.Warning,
    "ok": solara.Success,
    "done": solara.Success,
    "early": solara.Info,
}


@solara.component
def StallPanel(run, tick: int, compare: bool):
    kind, headline = stall_status(run)
    title = (f"{run.name}: " if compare else "") + scenario_label(run.scenario)
    with solara.Card(
        title,
        subtitle=f"week {run.week} of {run.horizon}, seed {run.seed}",
        classes=["stall-panel", f"stall-panel-{run.name}"],
    ):
        STATUS_COMPONENT[kind](headline, classes=[f"stall-{kind}"])
        Words(stall_details(run), "stall-text")


@solara.component
def Words(text: str, css_class: str):
    solara.HTML(
        tag="div",
        unsafe_innerHTML=markdown.markdown(text, extensions=["tables"]),
        classes=[css_class],
    )


def png(make) -> bytes:
    """Build a figure with `make` and draw it as PNG, in the drawing thread (see DRAWING)."""

    def draw() -> bytes:
        return fast_png(make())

    return DRAWING.submit(draw).result()


# Drawn figures by what they show (`DesignRun.shown`), shared by every session: a room running
# the same exercise draws each week's pictures once. Bounded: at about 60 kB a picture, 400 are
# about 25 MB, whatever the number of sessions.
PICTURES: OrderedDict[tuple, bytes] = OrderedDict()
PICTURES_MAX = 400
PICTURES_LOCK = threading.Lock()


def picture(key: tuple, make) -> bytes:
    """The PNG for `key`, drawn with `make` only if no session has drawn it yet."""
    with PICTURES_LOCK:
        if key in PICTURES:
            PICTURES.move_to_end(key)
            return PICTURES[key]
    image = png(make)
    with PICTURES_LOCK:
        PICTURES[key] = image
        while len(PICTURES) > PICTURES_MAX:
            PICTURES.popitem(last=False)
    return image


@solara.component
def Plot(make, key: tuple, css_class: str):
    """A matplotlib figure as an image, drawn again only when what it shows (`key`) changes."""
    image = solara.use_memo(lambda: picture(key, make), [key])
    with solara.Div(classes=[css_class]):
        solara.Image(image, format="png")


def refused(change) -> str | None:
    """Make a change; if Params refuses it (a tampered or mistyped value), the reason, else None.

    The session is left as it was before the change (sim_app.session checks before it stores).
    """
    try:
        change()
    except ParameterError as err:
        return f"Not changed: {err}"
    return None


@solara.component
def DesignControls(workshop: Workshop, which: str, refresh, disabled: bool, tick: int):
    run = workshop.a if which == "A" or workshop.b is None else workshop.b
    names = scenario_names()
    labels = [scenario_label(n) for n in names]

    def pick(label: str):
        with workshop.lock:
            run.load(names[labels.index(label)])
        refresh()

    def knob_setter(knob: str):
        def set_value(value: float):
            with workshop.lock:
                workshop.notice = refused(lambda: run.set_knob(knob, value))
            refresh()

        return set_value

    solara.Select(
        label=f"Scenario of design {run.name}",
        values=labels,
        value=scenario_label(run.scenario),
        on_value=pick,
        disabled=disabled,
        classes=["scenario-select"],
    )
    for knob in KNOBS:
        with solara.Tooltip(KNOB_HELP[knob]):
            with solara.Div(classes=[f"knob-{knob}"]):
                solara.SliderFloat(
                    f"{knob.replace('_', ' ')}: {run.knobs[knob]:.2f}",
                    value=run.knobs[knob],
                    min=0.0,
                    max=1.0,
                    step=0.05,
                    on_value=knob_setter(knob),
                )


def event_label(event) -> str:
    """'week 26: set sprint_intensity 0.8' -> 'Week 26: set sprint intensity to 0.80'."""
    text = f"Week {event.week}: {event.kind.replace('_', ' ')}"
    if event.sector is not None:
        text += f" ({event.sector.replace('_', ' ')})"
    if event.knob is not None:
        text += f" {event.knob.replace('_', ' ')} to {event.value:.2f}"
    return text


@solara.component
def EventControls(workshop: Workshop, which: str, refresh, disabled: bool, tick: int):
    """The design's scheduled events (sim/events.py): the list, each with Remove, and a small
    form to add one. A change starts the run again from week 0 (sim_app.session)."""
    run = workshop.a if which == "A" or workshop.b is None else workshop.b
    kind = solara.use_reactive("funding_ends")
    week = solara.use_reactive(min(52, run.horizon))
    sector = solara.use_reactive("business")
    knob = solara.use_reactive("orchestration")
    value = solara.use_reactive(0.5)

    def change(action):
        with workshop.lock:
            workshop.notice = refused(lambda: workshop.change_events(run, action))
        refresh()

    def add():
        event = {"week": week.value, "kind": kind.value}
        if "sector" in EXTRA.get(kind.value, ()):
            event["sector"] = sector.value
        if kind.value == "set":
            event.update(knob=knob.value, value=round(float(value.value), 4))
        change(lambda: run.add_event(**event))

    for index, event in enumerate(run.events or ()):
        with solara.Row(style={"align-items": "center"}, classes=[f"event-row-{index}"]):
            solara.Text(event_label(event), classes=["event-label"])
            solara.Button(
                "Remove",
                on_click=lambda index=index: change(lambda: run.remove_event(index)),
                text=True,
                disabled=disabled,
                classes=[f"btn-remove-event-{index}"],
            )
    if not run.events:
        solara.Text("No events scheduled.", classes=["no-events"])
    with solara.Tooltip(KINDS[kind.value]):
        with solara.Div(classes=["event-kind"]):
            solara.Select(label="Event", values=list(KINDS), value=kind)
    solara.InputInt("In week", value=week, classes=["event-week"])
    if "sector" in EXTRA.get(kind.value, ()):
        solara.Select(label="Sector", values=list(SECTORS), value=sector, classes=["event-sector"])
    if kind.value == "set":
        solara.Select(label="Knob", values=list(KNOBS), value=knob, classes=["event-knob"])
        solara.SliderFloat(f"to: {value.value:.2f}", value=value, min=0.0, max=1.0, step=0.05)
    solara.Button(
        "Add event", on_click=add, color="primary", disabled=disabled, classes=["btn-add-event"]
    )


@solara.component
def Page():
    workshop = solara.use_memo(Workshop, [])
    tick = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    editing = solara.use_reactive("A")

    def refresh():
        tick.value += 1

    def play_loop():
        # Each start of the loop takes a new token, and Pause takes one too, so a loop that was
        # asleep when Pause (then perhaps Reset, or Play again) was pressed never steps again:
        # it checks, holding the lock, that it is still the current loop before each frame.
        with workshop.lock:
            workshop.play_token += 1
            token = workshop.play_token
        while True:
            time.sleep(PLAY_PAUSE)
            with workshop.lock:
                if not playing.value or workshop.play_token != token or workshop.finished:
                    break
                workshop.step(WEEKS_PER_FRAME)
            refresh()
        with workshop.lock:
            if workshop.play_token == token and workshop.finished:
                playing.value = False
                refresh()

    solara.lab.use_task(play_loop, dependencies=[playing.value], prefer_threaded=True)

    def act(action):
        def handler():
            with workshop.lock:
                action()
            refresh()

        return handler

    def stop_playing():
        with workshop.lock:  # no frame of the old loop runs after this
            workshop.play_token += 1
            playing.value = False

    def toggle_play():
        if playing.value:
            stop_playing()
        else:
            playing.value = True

    def set_compare(on: bool):
        stop_playing()
        with workshop.lock:
            workshop.compare(on)
        editing.value = "A"
        refresh()

    def set_seed(seed: int | None):
        if seed is not None:
            with workshop.lock:
                workshop.notice = refused(lambda: workshop.set_seed(seed))
            refresh()

    solara.Title("Why partnerships stall")
    solara.Style(PANEL_CSS)
    with solara.AppBar():
        solara.AppBarTitle("Why partnerships stall: a workshop model")

    with solara.Sidebar():
        with solara.Card("Run", margin=0):
            with solara.Row():
                solara.Button(
                    "Reset",
                    on_click=act(workshop.reset),
                    color="primary",
                    disabled=playing.value,
                    classes=["btn-reset"],
                )
                solara.Button(
                    "Pause" if playing.value else "Play",
                    on_click=toggle_play,
                    color="primary",
                    disabled=workshop.finished,
                    classes=["btn-play"],
                )
                solara.Button(
                    "Step",
                    on_click=act(lambda: workshop.step(1)),
                    color="primary",
                    disabled=playing.value or workshop.finished,
                    classes=["btn-step"],
                )
                solara.Button(
                    f"+{JUMP_WEEKS} weeks",
                    on_click=act(lambda: workshop.step(JUMP_WEEKS)),
                    disabled=playing.value or workshop.finished,
                    classes=["btn-jump"],
                )
            solara.Text(
                f"Week {workshop.week} of {max(r.horizon for r in workshop.runs)}",
                classes=["week-counter"],
            )
            solara.InputInt(
                "Seed (same for both designs)",
                value=workshop.seed,
                on_value=set_seed,
                disabled=playing.value,
            )
            if workshop.notice:
                solara.Warning(workshop.notice, classes=["refused-notice"])
        with solara.Card("Design", margin=0):
            solara.Switch(
                label="Compare two designs side by side",
                value=workshop.b is not None,
                on_value=set_compare,
                classes=["compare-switch"],
            )
            if workshop.b is not None:
                with solara.Row(style={"align-items": "center"}):
                    solara.Text("Edit design")
                    solara.ToggleButtonsSingle(
                        value=editing.value,
                        values=["A", "B"],
                        on_value=editing.set,
                        classes=["edit-toggle"],
                    )
            DesignControls(workshop, editing.value, refresh, playing.value, tick.value)
            Words(
                "Knob changes apply from the current week on; **Reset** starts again from "
                "week 0 with these settings. Hover over a knob for what it means.",
                "hint",
            )
        with solara.Card("Events", margin=0, classes=["events-card"]):
            EventControls(workshop, editing.value, refresh, playing.value, tick.value)
            Words(
                "Events happen at the start of their week: a grant that stops, a sponsor "
                "who leaves, an election, a member who joins or leaves, a knob that changes. "
                "Adding or removing one starts the run again from week 0 (both runs, side by "
                "side).",
                "hint",
            )

    compare = workshop.b is not None
    with workshop.lock:
        with solara.Columns([1] * len(workshop.runs)):
            for run in workshop.runs:
                StallPanel(run, tick.value, compare)
        with solara.Card("How it is going", classes=["metrics-card"]):
            Plot(
                lambda: metrics_figure(workshop.runs),
                ("metrics", *(run.shown() for run in workshop.runs)),
                "metrics-plot",
            )
        for run in workshop.runs:
            title = (f"{run.name}: who" if compare else "Who") + " is at the table"
            with solara.Card(title, classes=["members-card", f"members-card-{run.name}"]):
                Plot(
                    lambda run=run: members_figure(run),
                    ("members", compare, run.shown()),
                    f"members-plot-{run.name}",
                )
        for run in workshop.runs:
            title = (f"{run.name}: why" if compare else "Why") + " members stay or leave"
            with solara.Card(title, classes=["ledger-card", f"ledger-card-{run.name}"]):
                Plot(
                    lambda run=run: ledger_figure(run),
                    ("ledger", run.shown()),
                    f"ledger-plot-{run.name}",
                )
                Words(
                    "Each bar is what a sector's members got from the partnership a week "
                    "(right of 0) against what it cost them (left). Engagement follows the "
                    "net, over months; a sector whose net stays left of its dashed exit line "
                    "loses members.",
                    "hint",
                )
