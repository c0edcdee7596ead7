"""The comparison at equal resources (experiments.fair, part of experiments.compare): which runs
it plans and with what parameters, that bad input stops it before any run, that --no-fair
leaves it out, and that where budgets can move the held reading runs and is reported beside
the week-0 one. The demo's run of it (numbers recomputed from the run records) is in
test_experiments.py."""

from __future__ import annotations

import pandas as pd
import pytest

from experiments import compare, fair
from experiments.kit import sweep
from sim import AS_IN_0_1
from sim.endowment import endowment
from sim.mechanisms.backbone import can_move
from sim.scenarios import designs, resolve

REFERENCE = "impact_partnership"


def planned(*argv: str) -> fair.Plan:
    args = sweep.parse_args("compare", "", ["--quick", *argv])
    experiment = sweep.prepare("compare", args, required=compare.SETTINGS)
    return fair.plan(experiment, REFERENCE, experiment.varied()["scenario"])


AS_0_1 = [f"{k}={v}" for k, v in AS_IN_0_1.items()]  # 0.1's world, on the command line


def test_each_baseline_is_given_the_references_resources_and_the_reference_each_baselines():
    plan = planned()
    baselines = [d for d in designs() if d != REFERENCE]
    assert sorted(plan.baselines) == sorted(baselines)
    # at v2's defaults every budget can move (members' dues, funding cuts at random), so every
    # held quartet has runs of its own: three a baseline, and the reference's own once
    assert not any(plan.same_as_week0(d) for d in baselines)
    held = {c for c in plan.points if c.held}
    assert held == set().union(*(plan.quartet(d, "held") for d in baselines))
    assert len(plan.points) == 2 * len(baselines) + 3 * len(baselines) + 1
    for design in baselines:
        assert plan.params[design] == resolve(design, steps=30)  # as the quick sweep runs it
        moved, reference_moved = (
            plan.cells[fair.Cell(design, REFERENCE)],
            plan.cells[fair.Cell(REFERENCE, design)],
        )
        for given, owner, spender in (
            (moved, REFERENCE, design),
            (reference_moved, design, REFERENCE),
        ):
            target, now = endowment(resolve(owner, steps=30)), endowment(given)
            assert now.budget == pytest.approx(target.budget)
            assert now.capacity == pytest.approx(target.capacity)
            assert given.initial_members == resolve(spender).initial_members  # head-counts kept


def test_where_no_budget_can_move_the_held_reading_runs_nothing_new():
    """In 0.1's world (no dues, no funding cuts) the held cells take the week-0 cells' runs."""
    plan = planned(*AS_0_1)
    baselines = [d for d in designs() if d != REFERENCE]
    assert len(plan.points) == 2 * len(baselines) and all(not c.held for c in plan.points)
    assert all(plan.same_as_week0(d) for d in baselines)
    for design in baselines:
        for cell in plan.quartet(design, "held"):
            assert plan.stand_in[cell] == fair.Cell(cell.spending, cell.resources)


def test_where_budgets_can_move_the_held_reading_has_runs_of_its_own():
    plan = planned("member_dues=0.1", "scenario=impact_partnership,ngo_business_pair")
    assert plan.baselines == ["ngo_business_pair"] and not plan.same_as_week0("ngo_business_pair")
    held = [c for c in plan.points if c.held]
    assert set(held) == set(plan.quartet("ngo_business_pair", "held"))  # own ones included
    for cell in held:
        params = plan.cells[cell]
        assert params.budget_fixed == pytest.approx(plan.endowments[cell.resources].budget)
        assert not can_move(params)
    assert can_move(plan.params["ngo_business_pair"])


def test_the_points_table_holds_each_cells_changes_exactly(tmp_path):
    plan = planned("member_dues=0.1", "scenario=impact_partnership,ngo_business_pair")
    table = pd.read_csv(fair.write_points(plan, tmp_path / fair.POINTS))
    assert list(table["label"]) == [c.label for c in plan.points]
    assert list(table["scenario"]) == [c.spending for c in plan.points]
    for row, cell in zip(table.itertuples(), plan.points, strict=True):
        assert row.capacity_scale == plan.cells[cell].capacity_scale or pd.isna(row.capacity_scale)
        if cell.held:
            assert row.budget_fixed == plan.cells[cell].budget_fixed  # repr round-trips
    fair.check(
        sweep.prepare(
            "compare", sweep.parse_args("compare", "", ["--quick"]), required=compare.SETTINGS
        ),
        plan,
        tmp_path / fair.POINTS,
    )


def run_compare(tmp_path, capsys, *argv):
    path = compare.main(["--quick", "--out", str(tmp_path), "--jobs", "1", *argv])
    capsys.readouterr()
    return path.read_text()


TWO = ("scenario=impact_partnership,ngo_business_pair", "steps=8")


def test_no_fair_leaves_the_comparison_out(tmp_path, capsys):
    text = run_compare(tmp_path, capsys, "--no-fair", *TWO, "seed=0")
    assert "At equal resources" not in text and "fair.csv" not in text
    assert not (tmp_path / "fair.csv").exists() and not (tmp_path / "runs" / "fair").exists()
    assert not (tmp_path / "figures" / "gap_split.png").exists()


def test_where_budgets_move_the_report_gives_the_held_reading_beside(tmp_path, capsys):
    text = run_compare(tmp_path, capsys, *TWO, "seed=0,1", "member_dues=0.1")
    split = pd.read_csv(tmp_path / fair.TABLE)
    assert not split["same_as_week0"].any() and set(split["reading"]) == {"week0", "held"}
    assert set(split["seeds"]) == {2}
    wide = split.pivot_table(index=["metric", "reading"], columns="part", values="estimate")
    assert ((wide["resources"] + wide["spending"] - wide["gap"]).abs() < 1e-12).all()
    section = text.split("## At equal resources")[1].split("\n## ")[0]
    assert "with the budget held equal every week, of a gap of" in section
    assert "| budget held equal every week |" in section
    assert "](figures/gap_split.png)" in section and (tmp_path / "figures/gap_split.svg").exists()
    assert len(pd.read_csv(tmp_path / fair.POINTS)) == 6  # 2 moved, 4 held
    resources = pd.read_csv(tmp_path / fair.RESOURCES).set_index("design")
    assert resources.loc["ngo_business_pair", "budget_can_move"]


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (
            ["orchestration=0,0.5"],
            [
                "the comparison at equal resources needs one setting per design",
                "(it varies orchestration too)",
                "--no-fair",
            ],
        ),
        (
            ["capacity_scale=50", "scenario=impact_partnership,ngo_business_pair"],
            [
                "the comparison at equal resources cannot run ngo_business_pair at "
                "impact_partnership's resources",
                "capacity_scale=302.",
                "from 0.01 to 100",
                "--no-fair",
            ],
        ),
    ],
    ids=["a-swept-knob", "a-scale-out-of-range"],
)
def test_bad_input_stops_the_comparison_before_any_run(tmp_path, capsys, argv, words):
    with pytest.raises(SystemExit) as stopped:
        compare.main(["--quick", "--out", str(tmp_path), "--jobs", "1", *argv])
    assert stopped.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    message = lines[-1]
    assert message.startswith("error: ")
    for word in words:
        assert word in message
    assert not (tmp_path / "runs").exists()
