"""`experiments.calibration.spread`: the share of the variance each held stream removes, and the
table, reading and section it writes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments.calibration import spread
from sim.rng import STREAMS
from sim.scenarios import designs

FREE = [0.1, 0.2, 0.3, 0.4]


def runs(design: str, held: str, progress, members=(5, 5, 5, 5), legitimacy=None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "design": design,
            "seed": [10, 11, 12, 13],
            "held": held,
            "progress": progress,
            "legitimacy": legitimacy if legitimacy is not None else progress,
            "members": members,
        }
    )


def synthetic(all_held=(0.3, 0.3, 0.3, 0.3)) -> pd.DataFrame:
    """One design: holding world removes all of progress's spread, recruitment doubles it in
    places (a negative share), every other stream leaves the runs as they were."""
    parts = [runs("d", "none", FREE), runs("d", "all", list(all_held))]
    for stream in STREAMS:
        progress = {"world": [0.25] * 4, "recruitment": [0.1, 0.4, 0.1, 0.4]}.get(stream, FREE)
        parts.append(runs("d", stream, progress))
    table = pd.concat(parts, ignore_index=True)
    return table.sample(frac=1, random_state=0)  # the order of the runs does not matter


def test_the_share_removed_is_one_less_the_ratio_of_variances():
    summary = spread.summarise(synthetic()).set_index(["outcome", "held"])
    assert set(summary.index.get_level_values("held")) == {*STREAMS, "all"}
    world = summary.loc[("progress", "world")]
    assert world["share_removed"] == pytest.approx(1.0)
    assert world["sd_free"] == pytest.approx(np.std(FREE, ddof=1))
    assert world["sd_held"] == 0 and not world["same_as_free"]
    recruitment = summary.loc[("progress", "recruitment")]
    expected = 1 - np.var([0.1, 0.4, 0.1, 0.4], ddof=1) / np.var(FREE, ddof=1)
    assert recruitment["share_removed"] == pytest.approx(expected) and expected < 0
    assert recruitment["share_low"] <= expected <= recruitment["share_high"]
    public = summary.loc[("progress", "public")]
    assert public["same_as_free"] and public["share_removed"] == 0
    assert summary.loc[("progress", "all"), "sd_held"] == 0
    # members do not vary: no share to give
    assert np.isnan(summary.loc[("members", "world"), "share_removed"])
    assert (summary["runs"] == 4).all()


def test_identical_runs_have_no_spread_to_the_last_bit():
    """numpy's sd of 30 copies of 0.3 is 5.6e-17 (their mean is not 0.3 to the last bit): the
    study read that as spread left with every stream held."""
    same = np.full(30, 0.3)
    assert np.std(same, ddof=1) > 0 and spread._var(same) == 0
    assert spread._var(np.array([[0.3] * 30, [0.1, 0.2] * 15]))[0] == 0


def test_the_table_and_reading_say_what_each_cell_is():
    summary = spread.summarise(synthetic())
    text = spread.markdown(summary, [10, 11, 12, 13], "note", 60.0, 40)
    assert "| D | 0.129 | +100% (+100, +100) | 0 (same runs) |" in text
    assert "| D | 0.0 | – |" in text  # members
    assert "every seed ends with the same values" in text
    assert "network, public, churn, reliability, shocks, events" in text  # draw nothing
    left = spread.markdown(spread.summarise(synthetic([0.1, 0.1, 0.1, 0.2])), [10], "", 1, 1)
    assert "some spread is left" in left and "every seed ends with the same values" not in left


def test_every_design_runs_free_with_each_stream_held_and_with_all():
    jobs = spread.jobs([9000])
    assert len(jobs) == len(designs()) * (len(STREAMS) + 2)
    held = {job.labels["held"]: job.params.held_streams for job in jobs}
    assert held["none"] == "none" and held["world"] == "world"
    assert held["all"] == "+".join(sorted(STREAMS))


def test_quick_run_finds_no_spread_but_the_streams_and_writes_its_section(tmp_path):
    doc = tmp_path / "calibration.md"
    doc.write_text("# Calibration\n", encoding="utf-8")
    folder = spread.main(["--quick", "--out", str(tmp_path / "out"), "--doc", str(doc)])
    table = pd.read_csv(folder / "spread.csv")
    assert set(table["design"]) == set(designs())
    assert len(table) == len(designs()) * len(spread.OUTCOMES) * (len(STREAMS) + 1)
    # with every stream held nothing varies; streams idle at the defaults (one working group at
    # these sizes, no scheduled event) change no run
    assert (table.loc[table["held"] == "all", "sd_held"] == 0).all()
    for idle in ("network", "events"):
        assert table.loc[table["held"] == idle, "same_as_free"].all(), idle
    assert (folder / "spread.png").is_file() and (tmp_path / "figures" / "spread.png").is_file()
    text = doc.read_text(encoding="utf-8")
    assert "<!-- BEGIN spread -->" in text and "| design | sd | world |" in text
    assert "](figures/spread.png)" in text
