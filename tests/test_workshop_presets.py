"""The workshop's six exercises (docs/workshop.md) do what the guide promises, over ten seeds.

Each preset is a scenario file under scenarios/workshop/; the guide's numbers come from seeds
0-9, and each promise here is "in most seeds" (at least 7 of 10), not one lucky run.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from sim import PartnershipModel
from sim.diagnosis import StallObserver
from sim.params import Params
from sim.scenarios import SCENARIO_DIR, load, resolve
from sim_app.session import EXERCISES

SEEDS = range(10)
MOST = 7  # of 10 seeds
GUIDE = Path(__file__).resolve().parent.parent / "docs" / "workshop.md"


@cache
def _diagnose(exercise: str, seed: int, overrides: tuple) -> dict:
    """One seed's diagnosis, with two-year remedy effects as the app shows them."""
    model = PartnershipModel(params=resolve(f"workshop/{exercise}", **dict(overrides)),
                             rng=seed, collect_agents=False)
    observer = StallObserver(model, long_window=104)
    while model.running:
        model.step()
        observer.observe(model)
    return {**observer.report(), "final_progress": model.progress,
            "final_systems_change": model.systems_change, "business": model.members_business}


def runs(exercise: str, **overrides) -> list[dict]:
    return [_diagnose(exercise, seed, tuple(sorted(overrides.items()))) for seed in SEEDS]


def count(reports, predicate) -> int:
    return sum(bool(predicate(r)) for r in reports)


def long_best(report: dict) -> str:
    return max(report["remedies"], key=lambda r: r["long_effect"])["name"]


# ---------------------------------------------------------------------------------------------
# The files
# ---------------------------------------------------------------------------------------------


def test_every_exercise_has_a_preset_and_a_section_in_the_guide():
    presets = sorted(p.stem for p in (SCENARIO_DIR / "workshop").glob("*.yaml"))
    assert presets == sorted(EXERCISES)
    guide = GUIDE.read_text(encoding="utf-8")
    for exercise in EXERCISES:
        assert f"scenarios/workshop/{exercise}.yaml" in guide


@pytest.mark.parametrize("exercise", EXERCISES)
def test_presets_are_parameters_only_with_a_header(exercise):
    path = SCENARIO_DIR / "workshop" / f"{exercise}.yaml"
    text = path.read_text(encoding="utf-8")
    header = [line for line in text.splitlines()[:4] if line.startswith("#")]
    assert len(header) >= 3 and "docs/workshop.md" in text
    values, _ = load(f"workshop/{exercise}")
    assert set(values) <= set(Params.names())
    assert isinstance(resolve(f"workshop/{exercise}"), Params)


# ---------------------------------------------------------------------------------------------
# What each exercise promises
# ---------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_talking_shop():
    reports = runs("talking_shop")
    assert count(reports, lambda r: r["stall_cause"] == "talking_shop") >= MOST
    assert count(reports, lambda r: r["evidence"].get("action_share_mean", 1) < 0.25) >= MOST
    assert count(reports, lambda r: r["best_remedy"] in ("sprint", "orchestration")) >= MOST
    assert count(reports, lambda r: r["business"] <= 1) >= MOST  # business walks out
    # things to try: a backbone and sprints from the start get much further before stalling
    better = runs("talking_shop", orchestration=0.8, sprint_intensity=0.8)
    assert count(better, lambda r: r["stall_cause"] != "talking_shop") == len(SEEDS)
    assert sorted(r["final_progress"] for r in better)[5] > sorted(
        r["final_progress"] for r in reports)[5] + 0.15


@pytest.mark.slow
def test_missing_sector():
    reports = runs("missing_sector")
    missing = [r for r in reports if r["stall_cause"] == "missing_asset"]
    assert len(missing) >= MOST
    assert all(r["evidence"]["asset"] == "authority" and r["evidence"]["sector"] == "government"
               for r in missing)
    assert count(reports, lambda r: r["best_remedy"] == "curated_recruit") >= MOST
    with_government = runs("missing_sector", members_government=2)
    assert count(with_government, lambda r: not r["stalled"]) >= MOST


@pytest.mark.slow
def test_greenwashing():
    reports = runs("greenwashing")
    crisis = [r for r in reports if r["stall_cause"] == "legitimacy_crisis"]
    assert len(crisis) >= MOST
    assert all(r["evidence"]["claims_gap_mean"] > 0.1 and r["evidence"]["legitimacy_now"] < 0.35
               for r in crisis)
    # things to try: a shared platform lets the public see the action, and the crisis passes
    open_books = runs("greenwashing", transparency=0.8)
    assert count(open_books, lambda r: r["stall_cause"] != "legitimacy_crisis") >= MOST


@pytest.mark.slow
def test_sponsor_leaves():
    reports = runs("sponsor_leaves")
    assert count(reports, lambda r: r["stall_cause"] == "loss_of_sponsor") >= MOST
    assert count(reports, lambda r: r["best_remedy"] == "leadership_backing") >= MOST
    backed = runs("sponsor_leaves", leadership_backing=0.8)
    assert count(backed, lambda r: not r["stalled"]) >= MOST


@pytest.mark.slow
def test_treadmill():
    reports = runs("treadmill")
    assert count(reports, lambda r: r["stall_cause"] == "treadmill") >= MOST
    assert count(reports, lambda r: r["evidence"].get("regenerated_share", 0) > 0.8) >= MOST
    # nothing restarts it within 26 weeks; over two years a policy link does most
    assert count(reports, lambda r: r["best_remedy"] is None) >= MOST
    assert count(reports, lambda r: long_best(r) == "policy_link") >= MOST
    linked = runs("treadmill", policy_link=0.8)
    assert count(linked, lambda r: not r["stalled"]) >= MOST
    assert min(r["final_systems_change"] for r in linked) > 0.5


ANSWER = dict(orchestration=0.8, sprint_intensity=0.8, leadership_backing=0.8)


@pytest.mark.slow
def test_design_challenge():
    reports = runs("design_challenge")
    assert count(reports, lambda r: r["stalled"]) >= MOST
    assert Counter(r["best_remedy"] for r in reports).most_common(1)[0][0] == "leadership_backing"
    assert count(runs("design_challenge", orchestration=0.8), lambda r: r["stalled"]) >= MOST
    assert count(runs("design_challenge", **ANSWER), lambda r: not r["stalled"]) >= MOST
    assert count(runs("design_challenge", leadership_backing=0.8, policy_link=0.8),
                 lambda r: not r["stalled"]) >= MOST
