"""`experiments.timing`: dropout weeks, first weeks and the per-design table it writes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments import timing
from sim.scenarios import designs


def run(dropouts, systems_change=None, run_id=0, design="d", stalled=False, stall_week=None):
    weeks = np.arange(len(dropouts))
    return pd.DataFrame({
        "run": run_id, "design": design, "week": weeks, "dropouts": dropouts,
        "systems_change": systems_change if systems_change is not None else np.zeros(len(weeks)),
        "stalled": stalled, "stall_week": pd.array([stall_week] * len(weeks), dtype="Int64"),
    })


def test_dropout_weeks_repeat_a_week_for_each_leaver():
    assert timing.dropout_weeks(run([0, 0, 1, 1, 3])).tolist() == [2, 4, 4]
    assert timing.dropout_weeks(run([0, 0, 0])).size == 0


def test_first_week_at_least():
    r = run([0, 0, 0, 0], systems_change=np.array([0.0, 0.05, 0.1, 0.3]))
    assert timing.first_week_at_least(r, "systems_change", 0.1) == 2
    assert np.isnan(timing.first_week_at_least(r, "systems_change", 0.5))


def test_summary_counts_and_shares():
    table = pd.concat([
        run([0] * 36 + [1] * 10 + [2], run_id=0, stalled=True, stall_week=40),  # weeks 36, 46
        run([0] * 10 + [1] * 37, run_id=1,                                       # week 10
            systems_change=np.r_[np.zeros(30), np.full(17, 0.2)]),
    ], ignore_index=True)
    row = timing.summarise(table).iloc[0]
    assert row["runs"] == 2 and row["dropouts"] == 3
    assert row["dropout_week_median"] == 36
    assert row["dropouts_in_window"] == pytest.approx(1 / 3)  # week 36 only; 46 is past 45
    assert row["dropouts_before_early"] == pytest.approx(1 / 3)  # week 10
    assert row["stalled_runs"] == 1 and row["stall_week_median"] == 40
    assert row["runs_reaching_systems_change"] == 1 and row["systems_change_week_median"] == 30


def test_quick_run_writes_a_table_for_every_design_and_its_section(tmp_path):
    doc = tmp_path / "calibration.md"
    doc.write_text("# Calibration\n", encoding="utf-8")
    folder = timing.main(["--quick", "--out", str(tmp_path / "out"), "--doc", str(doc)])
    table = pd.read_csv(folder / "timing.csv")
    assert sorted(table["design"]) == sorted(designs())
    assert (table["runs"] == 2).all()
    text = doc.read_text(encoding="utf-8")
    assert "<!-- BEGIN timing -->" in text and "| design | dropouts |" in text
    # rerunning replaces the section instead of adding a second one
    timing.main(["--quick", "--out", str(tmp_path / "out2"), "--doc", str(doc)])
    assert doc.read_text(encoding="utf-8").count("<!-- BEGIN timing -->") == 1


def test_a_seed_count_below_one_is_refused(capsys):
    with pytest.raises(SystemExit):
        timing.main(["--seeds", "0", "--no-doc"])
    assert "--seeds 0: give at least 1" in capsys.readouterr().err
