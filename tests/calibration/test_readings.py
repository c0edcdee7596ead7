"""`experiments.calibration.readings`: other readings of the designs, drawn reproducibly, applied per design,
and the knob that tells failing readings apart."""

from __future__ import annotations

import pandas as pd
import pytest

from experiments.calibration import readings
from sim.params import Params
from sim.scenarios import designs, resolve


def test_draws_are_reproducible_bounded_and_move_only_the_knobs():
    first, again = readings.draw(3, 0.2), readings.draw(3, 0.2)
    assert first == again
    assert readings.draw(3, 0.1) != first
    knobs = set(Params.knobs())
    moved = 0
    for reading in first:
        assert set(reading) == set(designs())
        for design, values in reading.items():
            assert set(values) == knobs
            scenario = resolve(design)
            for knob, value in values.items():
                assert 0.0 <= value <= 1.0
                assert abs(value - getattr(scenario, knob)) <= 0.2 + 1e-12
                moved += value != getattr(scenario, knob)
    assert moved > 0.9 * 3 * len(designs()) * len(knobs)  # only clipping at 0 or 1 leaves one


@pytest.mark.parametrize("width", [-0.1, 1.5])
def test_a_width_outside_zero_to_one_is_refused(width):
    with pytest.raises(ValueError, match=f"width={width!r}"):
        readings.draw(1, width)


def test_a_reading_changes_its_design_only_and_a_patterns_own_override_wins():
    reading = {"government_led": {"orchestration": 0.77, "sprint_intensity": 0.33}}
    study = readings.ReadingStudy(reading, [1])
    assert study.params("government_led").orchestration == 0.77
    assert study.params("government_led").sprint_intensity == 0.33
    assert study.params("government_led", sprint_intensity=0.8).sprint_intensity == 0.8
    assert study.params("business_led") == resolve("business_led", steps=156)
    assert study.params("government_led").steps == study.horizon.steps


def synthetic(fails_when_high: bool):
    """Ten readings of one design and two knobs; pattern 'p' fails where knob a is high."""
    knob_rows, result_rows = [], []
    for reading in range(10):
        a, b = reading / 10, 0.5 + (reading % 2) / 100
        for knob, value in (("a", a), ("b", b)):
            knob_rows.append(
                {
                    "width": 0.2,
                    "reading": reading,
                    "design": "d",
                    "knob": knob,
                    "value": value,
                    "scenario": 0.5,
                }
            )
        high = a >= 0.5
        result_rows.append(
            {
                "width": 0.2,
                "reading": reading,
                "pattern": "p",
                "holds": not high if fails_when_high else high,
            }
        )
    return pd.DataFrame(result_rows), pd.DataFrame(knob_rows)


@pytest.mark.parametrize("fails_when_high", [True, False])
def test_the_telling_knob_is_the_one_that_separates_failing_readings(fails_when_high):
    results, knobs = synthetic(fails_when_high)
    design, knob, difference = readings.telling_knob(results, knobs, 0.2, "p")
    assert (design, knob) == ("d", "a")
    assert difference == pytest.approx((0.7 - 0.2) / 0.2 * (1 if fails_when_high else -1))


def test_no_knob_is_named_on_too_few_failures():
    results, knobs = synthetic(True)
    results["holds"] = True
    results.loc[results["reading"] < readings.MIN_GROUP - 1, "holds"] = False
    assert readings.telling_knob(results, knobs, 0.2, "p") is None


def test_quick_run_writes_its_tables_and_no_document(tmp_path, capsys):
    folder = readings.main(["--quick", "--out", str(tmp_path)])
    results = pd.read_csv(folder / "readings.csv")
    knobs = pd.read_csv(folder / "knobs.csv")
    # the scenario files (width 0) and two readings at one width, every pattern each
    assert sorted(results["width"].unique()) == [0.0, 0.1]
    assert len(results) == 3 * len(readings.PATTERNS)
    assert len(knobs) == 2 * len(designs()) * len(Params.knobs())
    assert "readings in which the pattern holds" in (folder / "readings.md").read_text()
    assert "Wrote the" not in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--readings", "0"], "--readings 0"),
        (["--widths", "0"], "--widths 0"),
        (["--seeds", "0"], "--seeds 0"),
    ],
)
def test_bad_settings_are_refused_before_any_run(argv, message, capsys, tmp_path):
    with pytest.raises(SystemExit):
        readings.main([*argv, "--quick", "--out", str(tmp_path / "never")])
    assert message in capsys.readouterr().err
    assert not (tmp_path / "never").exists()


def test_the_comparison_report_points_here_whatever_the_reference():
    from experiments import compare

    for reference in ("impact_partnership", "business_led"):
        assert "experiments.calibration.readings" in compare._conditions(reference, 156)
