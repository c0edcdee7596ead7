"""The statistics against inputs whose answers are known by hand or by definition."""

import numpy as np
import pandas as pd
import pytest

from experiments.kit import stats


def test_vargha_delaney_a_by_hand():
    # pairs (x, y): 3>1, 3<4, 4>1, 4=4, 5>1, 5>4 -> (1 + 0 + 1 + 0.5 + 1 + 1) / 6
    assert stats.vargha_delaney_a([3, 4, 5], [1, 4]) == pytest.approx(4.5 / 6)
    assert stats.vargha_delaney_a([3, 4, 5], [1, 4], better="lower") == pytest.approx(1.5 / 6)
    assert stats.cliffs_delta([3, 4, 5], [1, 4]) == pytest.approx(0.5)


def test_a_equals_brute_force_pair_count():
    rng = np.random.default_rng(1)
    x, y = rng.integers(0, 5, 13), rng.integers(0, 5, 9)  # many ties
    wins = (x[:, None] > y[None, :]).mean() + 0.5 * (x[:, None] == y[None, :]).mean()
    assert stats.vargha_delaney_a(x, y) == pytest.approx(wins)


def test_identical_samples_show_no_effect():
    x = [0.2, 0.5, 0.5, 0.9]
    assert stats.vargha_delaney_a(x, x) == 0.5
    assert stats.cliffs_delta(x, x) == 0.0
    assert stats.magnitude(0.5) == "negligible"
    assert stats.mann_whitney([1, 1, 1], [1, 1, 1]) == 1.0


def test_complete_separation():
    assert stats.vargha_delaney_a([5, 6, 7], [1, 2]) == 1.0
    assert stats.cliffs_delta([1, 2], [5, 6, 7]) == -1.0
    assert stats.magnitude(0.0) == "large"
    assert stats.magnitude(0.6) == "small" and stats.magnitude(0.67) == "medium"


def test_mann_whitney_one_sided_follows_direction():
    better, worse = np.arange(10, 20), np.arange(0, 10)
    assert stats.mann_whitney(better, worse, alternative="better", better="higher") < 0.001
    assert stats.mann_whitney(better, worse, alternative="better", better="lower") > 0.99
    two = stats.mann_whitney(better, worse)
    one = stats.mann_whitney(better, worse, alternative="greater")
    assert two == pytest.approx(2 * one)
    with pytest.raises(ValueError):
        stats.mann_whitney(better, worse, alternative="better")


def test_holm_on_known_list():
    # sorted: 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, 0.04*1=0.04 -> monotone 0.06
    adjusted = stats.holm([0.01, 0.04, 0.03, 0.005])
    np.testing.assert_allclose(adjusted, [0.03, 0.06, 0.06, 0.02])
    np.testing.assert_allclose(stats.holm([0.5, 0.9]), [1.0, 1.0])
    with_nan = stats.holm([0.01, np.nan, 0.02])
    np.testing.assert_allclose(with_nan, [0.02, np.nan, 0.02])


def test_median_ci_brackets_median_and_is_seeded():
    x = np.random.default_rng(0).normal(0.5, 0.1, 30)
    median, low, high = stats.median_ci(x, seed=3)
    assert median == np.median(x)
    assert low <= median <= high and high - low < 0.2
    assert stats.median_ci(x, seed=3) == (median, low, high)
    assert stats.median_ci([0.2, 0.2, 0.2]) == (0.2, 0.2, 0.2)
    assert stats.median_ci([0.1, 0.2, np.nan, 0.3])[0] == pytest.approx(0.2)


def test_median_difference_ci():
    diff, low, high = stats.median_difference_ci([1, 2, 3, 4, 5], [0, 0, 0, 0, 0])
    assert diff == 3 and low <= 3 <= high and low >= 1
    assert stats.median_difference_ci([1, 1], [1, 1]) == (0.0, 0.0, 0.0)


def test_cv_curve_matches_definition():
    x = np.array([1.0, 3.0, 2.0, 5.0, 4.0])
    curve = stats.cv_curve(x)
    assert list(curve.index) == [2, 3, 4, 5]
    for n in curve.index:
        assert curve[n] == pytest.approx(np.std(x[:n], ddof=1) / np.mean(x[:n]))
    assert curve[2] == pytest.approx(np.sqrt(2) / 2)


def test_replications_needed():
    assert stats.replications_needed([2.0] * 10) == 2
    x = [1.0, 3.0, 2.0] + [2.0, 2.1, 1.9] * 20
    n = stats.replications_needed(x, tolerance=0.01)
    change = np.abs(np.diff(stats.cv_curve(x).to_numpy()))
    # from n on, every further replication moves the CV by less than the tolerance
    assert (change[n - 2 :] < 0.01).all() and change[n - 3] >= 0.01
    assert stats.replications_needed([0.0, 0.0, 0.0]) is None  # CV undefined
    assert stats.replications_needed([1.0, 1.0, 5.0]) is None  # still moving


def test_effects_against_reference_orients_by_metric():
    finals = pd.DataFrame(
        {
            "design": ["ref"] * 5 + ["base"] * 5,
            "progress": [0.8, 0.9, 0.85, 0.95, 0.9, 0.1, 0.2, 0.15, 0.3, 0.2],
            "dropouts": [0, 1, 0, 1, 0, 5, 6, 4, 7, 5],
        }
    )
    table = stats.effects_against(finals, "ref", ["progress", "dropouts"]).set_index("metric")
    assert table.loc["progress", "A"] == 0.0  # the baseline never does better
    assert table.loc["dropouts", "A"] == 0.0  # more dropouts is worse
    assert table.loc["progress", "median_difference"] == pytest.approx(0.2 - 0.9)
    np.testing.assert_allclose(table["p_holm"], stats.holm(table["p"]))
    summary = stats.summary_table(finals, ["progress"]).set_index("design")
    assert summary.loc["ref", "median"] == 0.9 and summary.loc["base", "n"] == 5


# --- too few runs: NaN, never an error ------------------------------------------------------


def test_min_runs_is_where_the_range_of_the_runs_can_hold_the_median_95_percent():
    # every run on one side of the median has chance 2 * 0.5**n: 0.0625 at 5 runs, 0.03 at 6
    assert stats.min_runs_for(0.95) == stats.MIN_RUNS == 6
    assert stats.min_runs_for(0.9) == 5 and stats.min_runs_for(0.99) == 8


def test_one_run_against_a_spread_gives_the_difference_without_an_interval():
    """scipy's bootstrap refuses a sample of one; this crashed compare and ablation when a
    failed run left a group with a single run."""
    diff, low, high = stats.median_difference_ci([0.5], [0.1, 0.3])
    assert diff == pytest.approx(0.3) and np.isnan(low) and np.isnan(high)
    assert np.isnan(stats.median_difference_ci([0.2, 0.4, 0.9], [0.1])[1])
    assert stats.median_difference_ci([], [0.1, 0.3]) == pytest.approx((np.nan,) * 3, nan_ok=True)
    # what did not crash before is unchanged
    assert stats.median_difference_ci([1], [1]) == (0.0, 0.0, 0.0)
    assert stats.median_difference_ci([2], [1, 1, 1]) == (1.0, 1.0, 1.0)


def test_min_runs_leaves_the_estimate_and_drops_the_interval():
    x = np.random.default_rng(0).normal(0.5, 0.1, 5)
    assert stats.median_ci(x, min_runs=5) == stats.median_ci(x)  # the default: any count
    median, low, high = stats.median_ci(x, min_runs=6)
    assert median == np.median(x) and np.isnan(low) and np.isnan(high)
    diff, low, high = stats.median_difference_ci(x, x[:3] + 1, min_runs=4)
    assert diff == pytest.approx(np.median(x) - np.median(x[:3] + 1)) and np.isnan(low)


def finals_with(groups: dict[str, list[float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"design": g, "seed": k, "progress": v}
            for g, values in groups.items()
            for k, v in enumerate(values)
        ]
    )


def test_effects_and_summary_give_nan_with_the_reason_for_small_and_empty_groups():
    finals = finals_with({"ref": [0.8, 0.9, 0.7], "one": [0.2]})
    effects = stats.effects_against(
        finals, "ref", ["progress"], min_runs=6, groups=["ref", "one", "none"]
    ).set_index("design")
    assert list(effects.index) == ["one", "none"]
    one, none = effects.loc["one"], effects.loc["none"]
    assert one["median_difference"] == pytest.approx(0.2 - 0.8)
    assert np.isnan(one["diff_ci_low"]) and "too few runs" in one["note"]
    assert one["A"] == 0.0 and np.isfinite(one["p"])  # a test needs only a run on each side
    assert none["n"] == 0 and np.isnan(none[["median_difference", "A", "p"]].astype(float)).all()
    assert none["note"] == "no runs" and none["magnitude"] == "n/a"
    np.testing.assert_allclose(effects["p_holm"], stats.holm(effects["p"]))
    summary = stats.summary_table(
        finals, ["progress"], min_runs=6, groups=["ref", "one", "none"]
    ).set_index("design")
    assert summary.loc["none", "n"] == 0 and np.isnan(summary.loc["none", "median"])
    assert summary.loc["ref", "median"] == pytest.approx(0.8)
    assert summary["ci_low"].isna().all() and (summary["note"] != "").all()


# --- the paired analysis ------------------------------------------------------------------------


def test_wilcoxon_by_hand():
    # six pairs, all lower: the exact two-sided p is 2 / 2**6
    assert stats.wilcoxon([-0.1, -0.2, -0.3, -0.4, -0.5, -0.6]) == pytest.approx(2 / 64)
    assert stats.wilcoxon([0.0, 0.0, 0.0]) == 1.0  # no seed changed
    assert np.isnan(stats.wilcoxon([]))
    # zeros are dropped: the same as the six without them
    assert stats.wilcoxon([0, -0.1, -0.2, 0, -0.3, -0.4, -0.5, -0.6]) == pytest.approx(2 / 64)


def test_paired_differences_match_seeds_both_ran():
    runs = pd.DataFrame({"seed": [0, 1, 2, 5], "progress": [0.5, 0.6, 0.7, 0.9]})
    ref = pd.DataFrame({"seed": [2, 1, 0, 3], "progress": [0.4, 0.4, 0.4, 0.1]})
    d = stats.paired_differences(runs, ref, "progress")
    assert list(d.index) == [0, 1, 2] and d.to_numpy() == pytest.approx([0.1, 0.2, 0.3])
    twice = pd.concat([runs, runs])  # another setting swept too: two runs per seed
    assert stats.paired_differences(twice, ref, "progress") is None


def test_paired_effects_see_a_shift_the_unpaired_cannot():
    """Each seed of the variant is its reference run minus 0.01: the seeds' spread (0.1 to
    0.9) hides it from the unpaired statistics; pairs by seed show it exactly."""
    base = np.linspace(0.1, 0.9, 10)
    finals = pd.DataFrame(
        {
            "design": ["ref"] * 10 + ["variant"] * 10,
            "seed": [*range(10), *range(10)],
            "progress": [*base, *(base - 0.01)],
        }
    )
    row = stats.effects_against(finals, "ref", ["progress"], min_runs=6, pair_by="seed").iloc[0]
    assert row["pairs"] == 10 and row["paired_note"] == ""
    assert row["paired_difference"] == pytest.approx(-0.01)
    assert row["paired_ci_low"] == pytest.approx(-0.01) == row["paired_ci_high"]
    assert row["p_wilcoxon"] == pytest.approx(2 / 2**10) == row["p_wilcoxon_holm"]
    assert row["p"] > 0.5 and row["diff_ci_low"] < -0.1  # unpaired: nothing to see
    # a seed that failed on one side: fewer pairs, still an answer
    gone = finals.drop(index=[0, 15])
    row = stats.effects_against(gone, "ref", ["progress"], min_runs=6, pair_by="seed").iloc[0]
    assert row["pairs"] == 8 and row["paired_difference"] == pytest.approx(-0.01)
    few = stats.effects_against(
        gone[gone["seed"] < 4], "ref", ["progress"], min_runs=6, pair_by="seed"
    ).iloc[0]
    assert few["pairs"] == 3 and np.isnan(few["paired_ci_low"])  # seeds 1-3
    assert "too few seed pairs" in few["paired_note"]
