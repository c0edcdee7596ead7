"""`experiments.calibration.timing`: dropout weeks, first weeks and the per-design table it writes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments.calibration import timing
from sim.scenarios import designs


def run(dropouts, systems_change=None, run_id=0, design="d", stalled=False, stall_week=None):
    weeks = np.arange(len(dropouts))
    return pd.DataFrame(
        {
            "run": run_id,
            "design": design,
            "week": weeks,
            "dropouts": dropouts,
            "systems_change": systems_change
            if systems_change is not None
            else np.zeros(len(weeks)),
            "stalled": stalled,
            "stall_week": pd.array([stall_week] * len(weeks), dtype="Int64"),
        }
    )


def test_dropout_weeks_repeat_a_week_for_each_leaver():
    assert timing.dropout_weeks(run([0, 0, 1, 1, 3])).tolist() == [2, 4, 4]
    assert timing.dropout_weeks(run([0, 0, 0])).size == 0


def test_first_week_at_least():
    r = run([0, 0, 0, 0], systems_change=np.array([0.0, 0.05, 0.1, 0.3]))
    assert timing.first_week_at_least(r, "systems_change", 0.1) == 2
    assert np.isnan(timing.first_week_at_least(r, "systems_change", 0.5))


def test_summary_counts_and_shares():
    table = pd.concat(
        [
            run([0] * 36 + [1] * 10 + [2], run_id=0, stalled=True, stall_week=40),  # weeks 36, 46
            run(
                [0] * 10 + [1] * 37,
                run_id=1,  # week 10
                systems_change=np.r_[np.zeros(30), np.full(17, 0.2)],
            ),
        ],
        ignore_index=True,
    )
    row = timing.summarise(table).iloc[0]
    assert row["runs"] == 2 and row["dropouts"] == 3
    assert row["dropout_week_median"] == 36
    assert row["dropouts_in_window"] == pytest.approx(1 / 3)  # week 36 only; 46 is past 45
    assert row["dropouts_before_early"] == pytest.approx(1 / 3)  # week 10
    assert row["stalled_runs"] == 1 and row["stall_week_median"] == 40
    assert row["runs_reaching_systems_change"] == 1 and row["systems_change_week_median"] == 30


def paired(progress, counterfactual_progress, seed=0, design="d", run_id=0):
    """A run and its counterfactual pair (same seed), as `run_many` labels them."""
    parts = []
    for offset, (values, flag) in enumerate([(progress, False), (counterfactual_progress, True)]):
        part = run([0] * len(values), run_id=2 * run_id + offset, design=design)
        part["seed"], part["progress"], part["counterfactual"] = seed, values, flag
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def test_lock_in_effect_is_progress_less_the_pair_of_the_same_seed_and_week():
    table = pd.concat(
        [
            paired([0.1, 0.3, 0.5], [0.1, 0.2, 0.3], seed=4),
            paired([0.2, 0.2, 0.2], [0.2, 0.25, 0.1], seed=5, run_id=1),
        ],
        ignore_index=True,
    )
    effects = timing.lock_in_effect(table).sort_values(["seed", "week"])
    assert effects["lock_in_effect"].tolist() == pytest.approx([0, 0.1, 0.2, 0, -0.05, 0.1])
    assert effects["seed"].tolist() == [4, 4, 4, 5, 5, 5]


def test_summary_leaves_the_pairs_out_and_dates_the_lock_in_effect():
    steady = np.linspace(0.0, 0.3, 10)
    table = pd.concat(
        [
            paired(steady + np.r_[np.zeros(6), np.full(4, 0.06)], steady, seed=1),  # week 6
            paired(steady + np.r_[np.zeros(8), np.full(2, 0.08)], steady, seed=2, run_id=1),  # 8
            paired(steady, steady, seed=3, run_id=2),  # never
        ],
        ignore_index=True,
    )
    row = timing.summarise(table).iloc[0]
    assert row["runs"] == 3  # the counterfactual runs are not counted as runs
    assert row["lock_in_effect_final"] == pytest.approx(0.06)
    assert row["runs_reaching_lock_in_effect"] == 2
    assert row["lock_in_effect_week_median"] == 7


def test_quick_run_writes_a_table_for_every_design_and_its_section(tmp_path):
    doc = tmp_path / "calibration.md"
    doc.write_text("# Calibration\n", encoding="utf-8")
    folder = timing.main(["--quick", "--out", str(tmp_path / "out"), "--doc", str(doc)])
    table = pd.read_csv(folder / "timing.csv")
    assert sorted(table["design"]) == sorted(designs())
    assert (table["runs"] == 2).all()
    assert table["lock_in_effect_final"].notna().all()
    # 40 weeks: too early for systems change to move the problem, so the pairs barely differ
    assert (table["lock_in_effect_final"].abs() < timing.LOCK_IN_EVIDENCE).all()
    text = doc.read_text(encoding="utf-8")
    assert "<!-- BEGIN timing -->" in text and "| design | dropouts |" in text
    # rerunning replaces the section instead of adding a second one
    timing.main(["--quick", "--out", str(tmp_path / "out2"), "--doc", str(doc)])
    assert doc.read_text(encoding="utf-8").count("<!-- BEGIN timing -->") == 1


def test_a_seed_count_below_one_is_refused(capsys):
    with pytest.raises(SystemExit):
        timing.main(["--seeds", "0", "--no-doc"])
    assert "--seeds 0: give at least 1" in capsys.readouterr().err
