"""The workshop app in a real browser: headless Chromium (Debian's `chromium`) driven by
Playwright for Python. The app runs as it does in a workshop (`python -m sim_app`, the command
behind `make workshop`) on a free loopback port. Every request the page makes is recorded and
must stay on 127.0.0.1; a screenshot of each state is saved to test-artifacts/.

Playwright's own browser download needs internet and is not used: `executable_path` points at
the system's chromium, which .ci/run installs when it is absent.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from sim_app.app import PLAY_PAUSE
from sim_app.session import DesignRun
from tests.app.appserver import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, NO_CHROMIUM, served_app

TIMEOUT_MS = 60_000  # a render takes about a second; CI machines can be slow
expect.set_options(timeout=TIMEOUT_MS)

pytestmark = NO_CHROMIUM


@pytest.fixture(scope="module")
def app_url():
    """The app served by `python -m sim_app` on a free loopback port."""
    with served_app("workshop-server") as (_, url):
        yield url


class Recorder:
    """Every request, websocket, failed response and script error of a page."""

    def __init__(self, page: Page):
        self.urls: list[str] = []
        self.failures: list[str] = []
        page.on("request", lambda r: self.urls.append(r.url))
        page.on("websocket", lambda w: self.urls.append(w.url))
        page.on(
            "response",
            lambda r: r.status >= 400 and self.failures.append(f"HTTP {r.status} {r.url}"),
        )
        page.on("requestfailed", lambda r: self.failures.append(f"failed {r.url}"))
        page.on("pageerror", lambda e: self.failures.append(f"script error: {e}"))

    def left_the_machine(self) -> list[str]:
        return [u for u in self.urls if not is_local(u)]


def is_local(url: str) -> bool:
    if url.startswith("data:"):
        return True
    if url.startswith("blob:"):  # an object URL made by the page itself, named by its origin
        url = url[len("blob:") :]
    parsed = urlparse(url)
    return parsed.scheme in ("http", "ws") and parsed.hostname == "127.0.0.1"


@pytest.fixture
def page(app_url):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 2300})
            page.set_default_timeout(TIMEOUT_MS)
            page.recorder = Recorder(page)
            page.goto(app_url, wait_until="networkidle")
            expect(page.locator(".stall-panel")).to_have_count(1)
            expect(page.locator(".metrics-plot img")).to_be_visible()
            page.wait_for_timeout(1500)  # the page fades in once loaded
            yield page
        finally:
            browser.close()


def shot(page: Page, name: str) -> None:
    """The app scrolls inside its own panel, not the document: the viewport is tall enough to
    show it all."""
    page.screenshot(path=ARTIFACTS / f"workshop-{name}.png")


def week_is(page: Page, week: int) -> None:
    expect(page.locator(".week-counter")).to_contain_text(f"Week {week} of ")


def pick_scenario(page: Page, label: str, panel: str = ".stall-panel-A") -> None:
    page.locator(".scenario-select").click()
    page.locator(".menuable__content__active .v-list-item", has_text=label).click()
    expect(page.locator(panel)).to_contain_text(label.split(": ", 1)[1])


def image(page: Page, selector: str) -> bytes:
    return page.locator(selector).screenshot()


def test_load_pick_move_step_and_stall_offline(page):
    recorder = page.recorder
    shot(page, "1-loaded")
    panel = page.locator(".stall-panel-A")
    expect(panel).to_contain_text("Too early to judge")
    # the browser bundle came from this machine
    assert any("/_solara/cdn/" in u and is_local(u) for u in recorder.urls)

    pick_scenario(page, "Design: NGO-business pair")
    expect(page.locator(".knob-communication")).to_contain_text("communication: 0.50")
    shot(page, "2-scenario-picked")

    # move a slider: a click at a fifth of the track sets communication to about 0.2
    track = page.locator(".knob-communication .v-slider")
    box = track.bounding_box()
    page.mouse.click(box["x"] + 0.2 * box["width"], box["y"] + box["height"] / 2)
    expect(page.locator(".knob-communication")).not_to_contain_text("communication: 0.50")
    communication = float(
        page.locator(".knob-communication [role=slider]").get_attribute("aria-valuenow")
    )
    assert 0.1 <= communication <= 0.3
    expect(page.locator(".knob-communication")).to_contain_text(
        f"communication: {communication:.2f}"
    )
    week_is(page, 0)  # at week 0 a knob change restarts the design with it
    shot(page, "3-slider-moved")

    plots_before, network_before = image(page, ".metrics-plot"), image(page, ".members-plot-A")
    ledger_before = image(page, ".ledger-plot-A")
    page.locator(".btn-step").click()
    week_is(page, 1)
    expect(panel).to_contain_text("Too early to judge (week 1)")
    assert image(page, ".metrics-plot") != plots_before
    assert image(page, ".members-plot-A") != network_before
    assert image(page, ".ledger-plot-A") != ledger_before  # week 1's ledger over "no members"
    shot(page, "4-stepped")

    # what the model itself says for this design, seed and slider setting
    expected = DesignRun("A", "ngo_business_pair", 0)
    expected.set_knob("communication", communication)
    expected.step(53)
    report = expected.observer.report()
    assert report["stalled"] and report["stall_week"] <= 53

    panel_before = panel.inner_text()
    for week in (14, 27, 40, 53):
        page.locator(".btn-jump").click()
        week_is(page, week)
    expect(panel).to_contain_text(
        f"Stalled in week {report['stall_week']}: a missing asset (authority)"
    )
    expect(panel).to_contain_text(f"Why: {report['stall_cause_label'].lower()}")
    expect(panel).to_contain_text("What would restart it: a curated recruit")
    expect(panel).to_contain_text("Doing nothing")
    assert panel.inner_text() != panel_before
    shot(page, "5-stalled")

    # play, pause and reset, three times: Reset pressed straight after Pause once let a play
    # frame that was already waiting step the design on from week 0 (CI, 2026-11-29), so each
    # round also checks that the design is still at week 0 after several frames' time
    for start in (53, 0, 0):
        page.locator(".btn-play").click()
        expect(page.locator(".btn-play")).to_have_text("Pause", ignore_case=True)
        expect(page.locator(".week-counter")).not_to_contain_text(f"Week {start} of")
        page.locator(".btn-play").click()
        expect(page.locator(".btn-play")).to_have_text("Play", ignore_case=True)
        page.locator(".btn-reset").click()
        week_is(page, 0)
        expect(panel).to_contain_text("Too early to judge (week 0)")
        page.wait_for_timeout(1000 * 5 * PLAY_PAUSE)
        week_is(page, 0)
        expect(panel).to_contain_text("Too early to judge (week 0)")

    assert recorder.left_the_machine() == []
    assert recorder.failures == []


def test_side_by_side_on_the_same_seed(page):
    recorder = page.recorder
    pick_scenario(page, "Design: NGO-business pair")
    page.locator(".compare-switch input").check(force=True)
    expect(page.locator(".stall-panel")).to_have_count(2)
    page.locator(".edit-toggle button", has_text="B").click()
    expect(page.locator(".scenario-select")).to_contain_text("Scenario of design B")
    pick_scenario(page, "Design: Impact Partnership", ".stall-panel-B")
    for week in (13, 26, 39):
        page.locator(".btn-jump").click()
        week_is(page, week)
    a, b = page.locator(".stall-panel-A"), page.locator(".stall-panel-B")
    expect(a).to_contain_text("A: Design: NGO-business pair")
    expect(b).to_contain_text("B: Design: Impact Partnership")
    expect(a).to_contain_text("Stalled in week")
    expect(b).to_contain_text("Not stalled (week 39)")
    expect(page.locator(".members-plot-B img")).to_be_visible()
    expect(page.locator(".ledger-plot-B img")).to_be_visible()
    expect(page.locator(".ledger-card-B")).to_contain_text("B: why members stay or leave")
    shot(page, "6-side-by-side")
    assert recorder.left_the_machine() == []
    assert recorder.failures == []


def test_schedule_an_event_and_see_it_happen(page):
    """The Events card: schedule funding_ends for week 5, step past it, read it in the stall
    panel; then remove it."""
    recorder = page.recorder
    card = page.locator(".events-card")
    expect(card).to_contain_text("No events scheduled.")
    week = page.locator(".event-week input")
    week.fill("5")
    week.press("Enter")
    page.locator(".btn-add-event").click()
    expect(card).to_contain_text("Week 5: funding ends")
    week_is(page, 0)
    page.locator(".btn-jump").click()
    week_is(page, 13)
    expect(page.locator(".stall-panel-A")).to_contain_text(
        "Events so far: week 5: funding ends (the backbone's outside grant stops)."
    )
    shot(page, "7-event-scheduled")
    page.locator(".btn-remove-event-0").click()
    expect(card).to_contain_text("No events scheduled.")
    week_is(page, 0)
    assert recorder.left_the_machine() == []
    assert recorder.failures == []
