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


# --- the split of a gap into resources and how they are spent (experiments.fair) ----------


def quartet(y, resources=(2.0, 1.0), spending=(3.0, 1.0), noise=None):
    """The four cells from Y(R, S) (reference's R and S first, the design's second), with a
    seed's `noise` added to all four of its values."""
    (r_ref, r_d), (s_ref, s_d) = resources, spending
    noise = np.zeros(1) if noise is None else np.asarray(noise)
    return [y(r, s) + noise for r, s in ((r_ref, s_ref), (r_d, s_d), (r_ref, s_d), (r_d, s_ref))]


def draws_of(*cells, **kwargs):
    return stats.two_factor_draws(*cells, n_resamples=300, **kwargs)


def test_the_split_adds_up_to_the_gap_in_the_estimate_and_every_draw():
    rng = np.random.default_rng(3)
    cells = [rng.normal(mu, 0.1, 25) for mu in (0.6, 0.3, 0.4, 0.45)]
    draws = draws_of(*cells)
    np.testing.assert_allclose(draws["resources"] + draws["spending"], draws["gap"], atol=1e-12)
    np.testing.assert_allclose(
        draws["resources"],
        (draws["resources_with_own_spending"] + draws["resources_with_reference_spending"]) / 2,
    )
    assert draws["gap"][0] == pytest.approx(cells[0].mean() - cells[1].mean())
    assert len(draws["gap"]) == 301  # the estimate, then one value per resample


def test_an_outcome_of_resources_alone_has_no_spending_part_and_the_reverse():
    noise = np.random.default_rng(0).normal(0, 0.05, 12)  # a seed's luck, shared by its runs
    only_resources = draws_of(*quartet(lambda r, s: 0.1 * r, noise=noise))
    assert np.all(np.abs(only_resources["spending"]) < 1e-12)
    np.testing.assert_allclose(only_resources["resources"], 0.1)  # 0.1 x (2 - 1), every draw
    only_spending = draws_of(*quartet(lambda r, s: 0.1 * s, noise=noise))
    assert np.all(np.abs(only_spending["resources"]) < 1e-12)
    np.testing.assert_allclose(only_spending["spending"], 0.2)  # 0.1 x (3 - 1)


def test_an_additive_outcome_gives_the_same_split_in_both_orderings():
    draws = draws_of(*quartet(lambda r, s: 0.3 * r + 0.05 * s))
    np.testing.assert_allclose(draws["resources_with_own_spending"], 0.3)
    np.testing.assert_allclose(draws["resources_with_reference_spending"], 0.3)
    np.testing.assert_allclose(draws["spending"], 0.1)


def test_an_interaction_is_shared_half_and_half_by_hand():
    # Y = R x S: Y(ref) = 2 x 3 = 6, Y(d) = 1, Y(R_ref, S_d) = 2, Y(R_d, S_ref) = 3
    split = stats.two_factor_split(*quartet(lambda r, s: r * s)).set_index("part")["estimate"]
    assert split["gap"] == pytest.approx(5)
    assert split["resources_with_own_spending"] == pytest.approx(2 - 1)
    assert split["resources_with_reference_spending"] == pytest.approx(6 - 3)
    assert split["resources"] == pytest.approx(2) and split["spending"] == pytest.approx(3)


def test_the_bootstrap_keeps_a_seeds_four_runs_together():
    """Runs of one design at two resources that differ by the same amount on every seed give
    that difference with no spread, however much the seeds differ: the draws are paired."""
    luck = np.random.default_rng(5).normal(0, 1, 20)
    reference, design = 1.0 + luck, luck
    split = stats.two_factor_split(reference, design, design + 0.25, reference - 0.25, min_runs=6)
    row = split.set_index("part").loc["resources"]
    assert row["estimate"] == pytest.approx(0.25)
    assert row["ci_low"] == pytest.approx(0.25) and row["ci_high"] == pytest.approx(0.25)
    gap = split.set_index("part").loc["gap"]  # the gap itself is a constant 1 too
    assert gap["ci_high"] - gap["ci_low"] == pytest.approx(0, abs=1e-12)


def test_the_interval_covers_the_true_resources_part_about_95_percent_of_the_time():
    """Statistic: the share of 400 simulated comparisons of 30 seeds (a true resources part of
    0.1, seeds' noise sd 0.2 on each run, independent across the four runs) whose 95% interval
    holds 0.1. A percentile bootstrap of a mean from 30 units covers a little below its
    nominal 95% (92.5% here, 370 of 400); below 90% or above 98% would be out of line."""
    rng = np.random.default_rng(11)
    truth = 0.1 * (2 - 1)
    hits = 0
    for k in range(400):
        noise = rng.normal(0, 0.2, (4, 30))
        cells = [c + e for c, e in zip(quartet(lambda r, s: 0.1 * r + 0.2 * s), noise, strict=True)]
        row = stats.two_factor_split(*cells, n_resamples=400, seed=k).set_index("part")
        hits += row.loc["resources", "ci_low"] <= truth <= row.loc["resources", "ci_high"]
    assert 0.90 <= hits / 400 <= 0.98


def test_seeds_missing_a_run_are_left_out_and_too_few_give_no_interval():
    cells = [np.array([0.5, 0.6, np.nan, 0.7]), np.zeros(4), np.full(4, 0.1), np.full(4, 0.4)]
    split = stats.two_factor_split(*cells, min_runs=stats.MIN_RUNS)
    assert (split["seeds"] == 3).all()
    assert split["estimate"].iloc[0] == pytest.approx(0.6)
    assert split["ci_low"].isna().all() and split["ci_high"].isna().all()
    assert (split["note"] == "too few seeds with all four runs for an interval (3; 6 needed)").all()
    none = stats.two_factor_split([np.nan], [1.0], [1.0], [1.0])
    assert none["estimate"].isna().all() and (none["note"] == "no seed has all four runs").all()
    again = stats.two_factor_split(*cells, seed=4), stats.two_factor_split(*cells, seed=4)
    pd.testing.assert_frame_equal(*again)


@pytest.mark.parametrize(
    "cells, kwargs, words",
    [
        (([1, 2], [1, 2], [1], [1, 2]), {}, "design_at_reference has 1 values and reference 2"),
        (([[1, 2]], [1], [1], [1]), {}, "reference has shape (1, 2): give one value per seed"),
        (([1], [1], [1], [1]), {"n_resamples": 0}, "n_resamples=0 must be a whole number"),
        (([1], [1], [1], [1]), {"n_resamples": 2.5}, "n_resamples=2.5 must be a whole number"),
        (([1], [1], [1], [1]), {"confidence": 95}, "confidence=95 must be strictly between 0"),
    ],
)
def test_bad_input_to_the_split_is_refused_in_one_line(cells, kwargs, words):
    with pytest.raises(ValueError) as info:
        stats.two_factor_split(*cells, **kwargs)
    assert words in str(info.value) and "\n" not in str(info.value)
