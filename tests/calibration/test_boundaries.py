"""`experiments.calibration.boundaries`: the lead over the best baseline, its band, verdicts, and the run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments.calibration import boundaries
from experiments.calibration.patterns import REFERENCE
from sim.run import run_one
from sim.scenarios import resolve


def test_lead_is_the_reference_median_less_the_best_baseline_median():
    # designs x seeds x weeks: reference, then two baselines; medians known by construction
    values = np.array(
        [
            [[0.0, 0.5], [0.2, 0.6], [0.9, 0.9]],  # reference: medians 0.2, 0.6
            [[0.1, 0.7], [0.1, 0.7], [0.4, 0.0]],  # baseline 0: medians 0.1, 0.7
            [[0.3, 0.1], [0.0, 0.2], [0.3, 0.3]],  # baseline 1: medians 0.3, 0.2
        ]
    )
    point, best = boundaries.lead(values)
    assert point == pytest.approx([0.2 - 0.3, 0.6 - 0.7])
    assert best.tolist() == [1, 0]


def noisy(n_seeds: int, gap: float, rng: np.random.Generator, weeks: int = 3) -> np.ndarray:
    """A reference `gap` above two baselines at every week, with noise of sd 0.1."""
    centres = np.array([gap, 0.0, 0.0])[:, None, None]
    return centres + rng.normal(0, 0.1, size=(3, n_seeds, weeks))


def test_the_band_holds_the_lead_and_narrows_with_more_seeds():
    rng = np.random.default_rng(1)
    few, many = noisy(6, 0.05, rng), noisy(60, 0.05, rng)
    widths = []
    for values in (few, many):
        point, _ = boundaries.lead(values)
        low, high = boundaries.band(values, resamples=500)
        assert (low < point).all() and (point < high).all()
        widths.append(np.mean(high - low))
    assert widths[0] > 1.5 * widths[1]
    # fixed bootstrap seed: the same runs give the same band
    assert np.array_equal(
        boundaries.band(few, resamples=200)[0], boundaries.band(few, resamples=200)[0]
    )


def test_verdict_needs_the_whole_band_on_one_side_of_zero():
    low = np.array([-0.3, -0.1, 0.01, 0.0])
    high = np.array([-0.01, 0.2, 0.3, 0.0])
    assert boundaries.verdicts(low, high).tolist() == [
        boundaries.LOSES,
        boundaries.UNCLEAR,
        boundaries.WINS,
        boundaries.UNCLEAR,
    ]


@pytest.mark.parametrize(
    "weeks, text",
    [
        ([1, 2, 3, 7], "1–3, 7"),
        ([7, 1, 3, 2], "1–3, 7"),
        ([5], "5"),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 18], "1–9, 15–18"),
        ([2, 4], "2, 4"),
        ([], "none"),
    ],
)
def test_week_ranges(weeks, text):
    assert boundaries.week_ranges(weeks) == text


@pytest.mark.parametrize("design", [REFERENCE, "business_led"])
def test_the_first_weeks_of_a_long_run_equal_a_short_run(design):
    """Horizon invariance: the study reads week h of a 156-week run as an h-week partnership."""
    seed = boundaries.FIRST_SEED
    full = run_one(resolve(design), seed, design=design, diagnose=False).timeseries
    assert len(full) == 157
    numeric = full.select_dtypes("number").columns
    for h in (8, 20):
        short = run_one(resolve(design, steps=h), seed, design=design, diagnose=False).timeseries
        assert len(short) == h + 1
        pd.testing.assert_frame_equal(short[numeric], full[numeric].iloc[: h + 1])


def test_quick_run_writes_every_condition_the_figure_and_its_section(tmp_path):
    doc = tmp_path / "calibration.md"
    doc.write_text("# Calibration\n", encoding="utf-8")
    folder = boundaries.main(["--quick", "--out", str(tmp_path / "out"), "--doc", str(doc)])
    table = pd.read_csv(folder / "boundaries.csv")
    conditions = set(zip(table["problem"], table["variant"], strict=True))
    assert conditions == {(p, v) for p in boundaries.PROBLEMS for v in boundaries.VARIANTS}
    assert (
        table.groupby(["problem", "variant"])["week"]
        .agg(list)
        .map(lambda w: w == list(range(1, 31)))
        .all()
    )
    assert (table["low"] <= table["high"]).all()
    assert set(table["best_baseline"]) <= set(boundaries.baselines())
    assert (folder / "boundaries.png").stat().st_size > 0
    assert "](boundaries.png)" in (folder / "boundaries.md").read_text()  # beside it
    assert (tmp_path / "figures" / "boundaries.png").is_file()  # beside the document
    text = doc.read_text(encoding="utf-8")
    assert "<!-- BEGIN boundaries -->" in text
    assert "## Where the Impact Partnership does not win" in text
    assert "| one-sector | no backing |" in text and "week 20" in text and "week 52" not in text
    assert "figures/boundaries.png" in text
    # rerunning replaces the section instead of adding a second one
    boundaries.main(["--quick", "--out", str(tmp_path / "out2"), "--doc", str(doc)])
    assert doc.read_text(encoding="utf-8").count("<!-- BEGIN boundaries -->") == 1


def test_a_seed_count_below_one_is_refused(capsys):
    with pytest.raises(SystemExit):
        boundaries.main(["--seeds", "0", "--no-doc"])
    assert "--seeds 0: give at least 1" in capsys.readouterr().err


def test_the_comparison_report_points_here_only_for_the_impact_partnership():
    from experiments import compare

    assert "experiments.calibration.boundaries" in compare._conditions(REFERENCE, 156)
    other = compare._conditions("business_led", 52)
    assert "experiments.calibration.boundaries" not in other and "52 weeks" in other
