"""The workshop app's pieces without a browser: the session it steps, the trust edges it draws,
the words of its stall panel and its figures. The browser tests drive the whole."""

from __future__ import annotations

import dataclasses
import io
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sim import PartnershipModel
from sim.diagnosis import StallObserver, diagnose_run, run_with_diagnosis
from sim.scenarios import resolve
from sim_app.__main__ import APP, command
from sim_app.session import EXERCISES, KNOBS, DesignRun, Workshop, scenario_label, scenario_names
from sim_app.views import (
    EDGE_MIN_TRUST,
    ledger_figure,
    members_figure,
    metrics_figure,
    sector_layout,
    stall_details,
    stall_status,
    trust_edges,
)


def test_every_knob_has_a_slider_and_every_scenario_a_label():
    assert set(KNOBS) == {
        "orchestration",
        "curation",
        "leadership_backing",
        "goal_clarity",
        "sprint_intensity",
        "transparency",
        "policy_link",
        "communication",
    }
    names = scenario_names()
    assert names[: len(EXERCISES)] == [f"workshop/{e}" for e in EXERCISES]
    assert "impact_partnership" in names
    labels = [scenario_label(n) for n in names]
    assert len(set(labels)) == len(labels)
    assert scenario_label("workshop/talking_shop") == "Exercise 1: talking shop"


def test_a_design_run_is_the_command_line_run():
    """The app shows exactly what `python -m sim scenario=... seed=...` computes."""
    run = DesignRun("A", "workshop/greenwashing", seed=3)
    run.step(run.horizon)
    model, observer = run_with_diagnosis(resolve("workshop/greenwashing"), 3)
    pd.testing.assert_frame_equal(
        run.records()[model.datacollector.get_model_vars_dataframe().columns].reset_index(
            drop=True
        ),
        model.datacollector.get_model_vars_dataframe().reset_index(drop=True),
    )
    assert run.observer.stall_week == observer.stall_week
    assert run.finished
    run.step(5)  # no further than the horizon
    assert run.week == run.horizon


def test_a_knob_at_week_zero_redesigns_and_later_applies_from_then_on():
    run = DesignRun("A", "workshop/treadmill", seed=0)
    run.set_knob("policy_link", 0.8)
    assert run.week == 0 and run.model.params.policy_link == 0.8 and run.changes == []
    run.step(10)
    run.set_knob("orchestration", 0.2)
    assert run.model.params.orchestration == 0.2 and run.changes == [
        (10, "orchestration", 0.8, 0.2)
    ]
    run.reset()
    assert run.week == 0 and run.model.params.orchestration == 0.2 and run.changes == []
    run.load("workshop/talking_shop")
    assert run.knobs["orchestration"] == 0.0 and run.model.params.members_business == 8


def test_side_by_side_runs_share_the_seed_and_step_together():
    workshop = Workshop(seed=4)
    workshop.step(3)
    workshop.compare(True)
    assert [r.week for r in workshop.runs] == [0, 0]
    workshop.b.load("impact_partnership")
    workshop.step(30)
    assert [r.week for r in workshop.runs] == [30, 30] and workshop.week == 30
    assert {r.seed for r in workshop.runs} == {4}
    workshop.set_seed(7)
    assert [r.week for r in workshop.runs] == [0, 0] and {r.seed for r in workshop.runs} == {7}
    workshop.compare(False)
    assert workshop.runs == [workshop.a]


def test_trust_edges_are_the_mutual_trust_of_current_members():
    model = PartnershipModel(scenario="impact_partnership", rng=2, public_size=500)
    for _ in range(20):
        model.step()
    edges = trust_edges(model, min_trust=0.0)
    active = model.orgs.active()
    n = active.size
    assert len(edges) == n * (n - 1) // 2  # one working group: every pair works together
    level = model.trust_matrix.level
    for i, j, trust in edges:
        assert i < j and i in active and j in active
        assert trust == pytest.approx((level[i, j] + level[j, i]) / 2)
    assert all(t >= EDGE_MIN_TRUST for _, _, t in trust_edges(model))
    positions = sector_layout(model)
    assert set(positions) == set(np.flatnonzero(model.orgs.joined_week >= 0).tolist())


def _never_stalls(design: str, seeds=range(10)) -> int | None:
    """The first of `seeds` on which `design` never stalls (no remedies tried), if any."""
    for seed in seeds:
        model = PartnershipModel(params=resolve(design), rng=seed, collect_agents=False)
        observer = StallObserver(model, counterfactuals=False)
        while model.running:
            model.step()
            observer.observe(model)
        if not observer.stalled:
            return seed
    return None


def test_the_stall_panel_in_words():
    """Each state of the panel's headline: too early, stalled (the week and the cause the
    diagnosis gives, an asset named), not stalled, and never stalled at the horizon."""
    run = DesignRun("A", "ngo_business_pair", seed=0)
    kind, headline = stall_status(run)
    assert kind == "early" and "Too early" in headline
    assert "Press **Play**" in stall_details(run)
    run.step(30)  # the pair, with no government, stalls within its first months
    diagnosis = diagnose_run(resolve("ngo_business_pair"), 0)
    assert diagnosis["stall_cause"] == "missing_asset" and diagnosis["stall_week"] <= 30
    kind, headline = stall_status(run)
    assert kind == "stalled"
    assert headline == f"Stalled in week {diagnosis['stall_week']}: a missing asset (authority)"
    words = stall_details(run)
    assert "**Why: a missing asset.**" in words and "What would restart it" in words
    assert "| Doing nothing |" in words and "Added in 2 years" in words
    assert "Since the stall" in words
    # in v2's world the Impact Partnership stalls on some seeds (shocks at random): the one
    # that never stalls is found, not assumed
    seed = _never_stalls("impact_partnership")
    assert seed is not None, "the Impact Partnership stalls on every seed 0-9"
    ok = DesignRun("A", "impact_partnership", seed=seed)
    ok.step(40)
    kind, headline = stall_status(ok)
    assert kind == "ok" and headline.startswith("Not stalled (week 40): progress +")
    ok.step(ok.horizon)
    kind, headline = stall_status(ok)
    assert kind == "done" and headline.startswith(f"Never stalled in {ok.horizon} weeks")


def test_figures_draw_one_and_two_designs():
    workshop = Workshop()
    workshop.step(30)
    assert len(metrics_figure(workshop.runs).axes) == 6
    workshop.compare(True)
    workshop.step(5)
    assert len(metrics_figure(workshop.runs).legends[0].get_texts()) == 3
    figure = members_figure(workshop.b)
    assert len(figure.axes) == 2
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")  # the whole figure renders
    assert buffer.getvalue().startswith(b"\x89PNG")


def test_the_launcher_serves_on_loopback_and_does_not_call_home():
    cmd = command("127.0.0.1", 8765)
    assert cmd[:2] == ["run", str(APP)]
    assert {"--production", "--no-check-version", "--no-open"} <= set(cmd)
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"
    # Solara reads its settings from the environment when it is imported: telemetry is off
    code = (
        "import os, sys; from sim_app.__main__ import SERVER_ENV; os.environ.update(SERVER_ENV);"
        "import solara.server.settings as s; sys.exit(s.telemetry.mixpanel_enable)"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


def test_abandoned_sessions_are_culled_within_half_an_hour(monkeypatch):
    """A tab that vanished without closing (a laptop lid shut) keeps its model only until
    Solara culls its kernel: 30 minutes here, not Solara's default of 24 hours, unless the
    facilitator sets SOLARA_KERNEL_CULL_TIMEOUT."""
    import solara.__main__

    from sim_app import __main__ as launcher

    seen = {}
    monkeypatch.setattr(solara.__main__, "main", lambda: seen.update(argv=list(sys.argv)))
    for key in [*launcher.SERVER_ENV, "SOLARA_KERNEL_CULL_TIMEOUT"]:  # restored afterwards
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    launcher.main(["--port", "8799"])
    assert os.environ["SOLARA_KERNEL_CULL_TIMEOUT"] == "30m"
    assert seen["argv"][seen["argv"].index("--host") + 1] == "127.0.0.1"
    monkeypatch.setenv("SOLARA_KERNEL_CULL_TIMEOUT", "2h")
    launcher.main(["--port", "8799"])
    assert os.environ["SOLARA_KERNEL_CULL_TIMEOUT"] == "2h"


def test_figures_are_drawn_again_only_when_what_they_show_changes():
    """A knob moved mid-run changes nothing drawn until the next step; two sessions showing
    the same run share one drawing; the cache of drawings stays bounded."""
    from sim_app import app

    one, two = DesignRun("A", "impact_partnership", 4), DesignRun("A", "impact_partnership", 4)
    one.step(2)
    two.step(2)
    before = one.shown()
    assert two.shown() == before
    one.set_knob("transparency", 0.2)
    assert one.shown() == before  # moved this week: drawn from next week on
    one.step(1)
    assert one.shown() != before
    two.step(1)
    assert two.shown() != one.shown()  # same week, different past: a different picture
    drawn = []

    def make():
        drawn.append(1)
        return metrics_figure([two])

    key = ("metrics", two.shown())
    first = app.picture(key, make)
    assert app.picture(key, make) == first and len(drawn) == 1
    for k in range(app.PICTURES_MAX + 5):
        app.PICTURES[("filler", k)] = b""
    app.picture(("metrics", "new"), make)
    assert len(app.PICTURES) <= app.PICTURES_MAX


def test_fast_drawing_matches_a_full_drawing():
    """The app draws a figure's frame once and then only its data (sim_app.views.fast_png):
    a picture drawn over the kept frame is pixel for pixel the picture drawn from scratch, and
    within 1% (mean absolute difference per channel, 0-255) of matplotlib's own savefig."""
    from PIL import Image

    from sim_app.views import FRAMES, fast_png

    def pixels(data: bytes) -> np.ndarray:
        return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)

    run = DesignRun("A", "government_led", 2)
    run.step(30)
    for make in (
        lambda: metrics_figure([run]),
        lambda: members_figure(run),
        lambda: ledger_figure(run),
    ):
        FRAMES.clear()
        fresh, kept = pixels(fast_png(make())), pixels(fast_png(make()))
        assert (fresh == kept).all()
        reference = io.BytesIO()
        make().savefig(reference, format="png")
        assert np.abs(fresh - pixels(reference.getvalue())).mean() < 2.55
    run.step(8)  # later weeks: the same frame, other data (the ledger is a 13-week mean)
    assert not (pixels(fast_png(ledger_figure(run))) == kept).all()
    FRAMES.clear()
    before = pixels(fast_png(members_figure(run)))
    run.step(1)
    assert not (pixels(fast_png(members_figure(run))) == before).all()


def test_the_ledger_view_is_the_mean_of_what_members_weighed_in_the_last_quarter():
    from sim.mechanisms.engagement import LEDGER
    from sim.sectors import GOV
    from sim_app.session import LEDGER_WEEKS

    run = DesignRun("A", "ngo_business_pair", 3)
    assert np.isnan(run.recent_ledger()).all()  # nothing weighed before the first week
    run.step(30)
    assert len(run.ledgers()) == 30
    recent = run.recent_ledger()
    assert recent.shape == (4, len(LEDGER))
    present = ~np.isnan(np.array(run.sector_engagement[-LEDGER_WEEKS:])).all(axis=0)
    assert not present[GOV]  # an NGO and a firm, nobody curating government in
    assert (np.isnan(recent).all(axis=1) == ~present).all()
    expected = np.mean(run.ledgers()[-LEDGER_WEEKS:], axis=0)
    np.testing.assert_allclose(recent[present], expected[present])
    # a sector counts only the weeks it had members
    last = run.observer.history[run.week]
    run.observer.history[run.week] = dataclasses.replace(
        last, ledger=np.full_like(last.ledger, np.nan)
    )
    np.testing.assert_allclose(
        run.recent_ledger()[present], np.mean(run.ledgers()[-LEDGER_WEEKS:-1], axis=0)[present]
    )
    figure = ledger_figure(run)
    ax = figure.axes[0]
    assert "no members" in [t.get_text() for t in ax.texts]  # government's row
    bars = [c for c in ax.collections if type(c).__name__ == "PolyCollection"]
    assert len(bars) >= 2 * 3  # business and civil society: benefits and talk
    run.reset()
    assert run.ledgers() == []
