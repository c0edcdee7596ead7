"""The ablation's timeline: when each removal starts to matter. The per-week difference of
medians has the right sign and the right weeks, its band holds the point and repeats with its
seed; the paired statistic (runs matched by seed) sees a shift the seeds' spread hides, and it
is the one the report reads: "from week w on", the table and the figure follow the paired band,
not the unpaired one; no band from too few runs or pairs; "from week w on" counts only the last
stretch; the figure draws and says what it draws; the quick run writes timeline.csv (both
statistics) and the report's section, whose numbers recompute from tidy.parquet."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from experiments import ablation
from experiments.kit import plots, stats
from experiments.kit.report import fmt_ci
from sim.scenarios import resolve

WEEKS = np.arange(0, 6)
OFFSETS = np.array([-0.02, -0.01, 0.0, 0.01, 0.02])  # five runs around each median


def synthetic(effect=lambda week: -0.03 * week**2) -> pd.DataFrame:
    """Five runs of the reference (median progress 0.1 x week) and of one variant (the
    reference's median plus `effect(week)`), rows shuffled so nothing relies on their order."""
    rows = []
    for variant, shift in (("full design", lambda w: 0.0), ("no orchestration", effect)):
        for k, offset in enumerate(OFFSETS):
            for week in WEEKS:
                value = 0.1 * week + shift(week) + offset * (week > 0)
                rows.append(
                    {
                        "run": f"{variant}-{k}",
                        "design": "impact_partnership",
                        "seed": k,
                        "variant": variant,
                        "week": week,
                        "progress": value,
                        "systems_change": value / 2,
                    }
                )
    table = pd.DataFrame(rows)
    return table.sample(frac=1, random_state=0).reset_index(drop=True)


def band(weeks, low, high, metric="progress", variant="no orchestration") -> pd.DataFrame:
    """A timeline of one variant with the paired band given (its point midway); no unpaired
    columns, so nothing that reads the timeline can fall back on them."""
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    return pd.DataFrame(
        {
            "variant": variant,
            "metric": metric,
            "week": weeks,
            "paired_difference": (low + high) / 2,
            "paired_ci_low": low,
            "paired_ci_high": high,
        }
    )


SPREAD = np.linspace(-0.3, 0.3, 8)  # eight seeds, far apart
SHIFT = np.array([-0.01] * 5 + [-0.3] * 3)  # what removing the ingredient costs each seed


def spread_out() -> pd.DataFrame:
    """Eight seeds of the reference (progress (0.1 + SPREAD[seed]) x week) and of one variant,
    each seed's run the reference's plus SHIFT[seed] x week: five seeds lose a little, three
    much. The paired median is the small, sure loss (-0.01 x week, band below 0 from week 1);
    the difference of medians is larger (about -0.11 x week) and its band crosses 0, as the
    seeds' spread is wider than the loss."""
    rows = []
    for k in range(len(SPREAD)):
        for week in WEEKS:
            value = (0.1 + SPREAD[k]) * week
            for variant, shift in (("full design", 0.0), ("no orchestration", SHIFT[k])):
                rows.append(
                    {
                        "run": f"{variant}-{k}",
                        "seed": k,
                        "variant": variant,
                        "week": week,
                        "progress": value + shift * week,
                    }
                )
    return pd.DataFrame(rows)


# --- the statistic ------------------------------------------------------------------------


def test_difference_of_medians_per_week_has_the_variants_sign_and_weeks():
    timeline = stats.effects_over_time(
        synthetic(), "full design", "progress", by="variant", n_resamples=500
    )
    assert list(timeline["variant"].unique()) == ["no orchestration"]
    assert list(timeline["week"]) == list(WEEKS)
    # variant - reference, week by week: -0.03 w^2 (different at every week, so a shift shows)
    assert timeline["median_difference"].to_numpy() == pytest.approx(-0.03 * WEEKS**2)
    assert (timeline["n"] == 5).all() and (timeline["n_reference"] == 5).all()


def test_the_band_holds_the_point_and_repeats_with_its_seed():
    tidy = synthetic()

    def timeline(seed):  # few resamples, so the band's ends depend on which were drawn
        return stats.effects_over_time(
            tidy, "full design", "progress", by="variant", seed=seed, n_resamples=40
        )

    first, again, other = timeline(3), timeline(3), timeline(4)
    pd.testing.assert_frame_equal(first, again)
    assert not np.allclose(first["diff_ci_low"], other["diff_ci_low"])
    assert (first["diff_ci_low"] <= first["median_difference"] + 1e-12).all()
    assert (first["median_difference"] <= first["diff_ci_high"] + 1e-12).all()
    # every run starts at 0.1 x 0 with no spread: the band is the point itself
    assert first.iloc[0][["diff_ci_low", "diff_ci_high"]].tolist() == [0, 0]
    later = first[first["week"] > 0]
    assert (later["diff_ci_high"] > later["diff_ci_low"]).all()


def test_the_last_week_is_the_forest_plots_statistic():
    tidy = synthetic()
    timeline = stats.effects_over_time(tidy, "full design", "progress", by="variant")
    forest = stats.effects_against(
        stats.final_week(tidy), "full design", ["progress"], by="variant"
    )
    last = timeline[timeline["week"] == WEEKS[-1]].iloc[0]
    assert last["median_difference"] == pytest.approx(forest.iloc[0]["median_difference"])
    # the same statistic by a different draw: intervals close, not identical
    assert last["diff_ci_low"] == pytest.approx(forest.iloc[0]["diff_ci_low"], abs=0.02)
    assert last["diff_ci_high"] == pytest.approx(forest.iloc[0]["diff_ci_high"], abs=0.02)


def test_a_week_a_run_did_not_record_counts_the_runs_that_did():
    tidy = synthetic()
    gone = (tidy["run"] == "no orchestration-0") & (tidy["week"] == 3)
    timeline = stats.effects_over_time(
        tidy[~gone], "full design", "progress", by="variant", n_resamples=200
    )
    row = timeline.set_index("week").loc[3]
    assert row["n"] == 4 and row["n_reference"] == 5
    kept = 0.1 * 3 - 0.03 * 9 + OFFSETS[1:]
    assert row["median_difference"] == pytest.approx(np.median(kept) - 0.3)


def test_paired_by_seed_the_band_is_the_shift_itself():
    """Each run of the variant is the reference's run of the same seed plus -0.03 w^2, so every
    seed's difference is exactly that: the paired median is it and its band has no width,
    while the unpaired band spans the runs' spread. Adding the paired columns changes none of
    the unpaired ones."""
    tidy = synthetic()
    unpaired = stats.effects_over_time(
        tidy, "full design", "progress", by="variant", n_resamples=300
    )
    paired = stats.effects_over_time(
        tidy, "full design", "progress", by="variant", n_resamples=300, pair_by="seed"
    )
    pd.testing.assert_frame_equal(paired[unpaired.columns], unpaired)
    assert (paired["pairs"] == 5).all()
    assert paired["paired_difference"].to_numpy() == pytest.approx(-0.03 * WEEKS**2)
    assert paired["paired_ci_low"].to_numpy() == pytest.approx(-0.03 * WEEKS**2)
    assert paired["paired_ci_high"].to_numpy() == pytest.approx(-0.03 * WEEKS**2)
    later = paired[paired["week"] > 0]
    assert (later["diff_ci_high"] - later["diff_ci_low"] > 0.01).all()
    # a seed the variant lost: one pair fewer
    gone = (tidy["variant"] == "no orchestration") & (tidy["seed"] == 0)
    fewer = stats.effects_over_time(
        tidy[~gone], "full design", "progress", by="variant", n_resamples=100, pair_by="seed"
    )
    assert (fewer["pairs"] == 4).all()
    # the last week is effects_against's paired statistic
    last = stats.effects_against(
        stats.final_week(tidy), "full design", ["progress"], by="variant", pair_by="seed"
    ).iloc[0]
    assert last["paired_difference"] == pytest.approx(paired.iloc[-1]["paired_difference"])


def test_no_band_from_fewer_runs_than_a_95_percent_interval_needs():
    tidy = synthetic()  # five runs each: one short of stats.MIN_RUNS
    timeline = stats.effects_over_time(
        tidy,
        "full design",
        "progress",
        by="variant",
        n_resamples=100,
        min_runs=stats.MIN_RUNS,
        pair_by="seed",
    )
    assert (
        timeline[["diff_ci_low", "diff_ci_high", "paired_ci_low", "paired_ci_high"]]
        .isna()
        .all()
        .all()
    )
    assert timeline["median_difference"].notna().all()
    assert timeline["paired_difference"].notna().all()
    assert (ablation.lasting(timeline, "progress")["costs_first"].isna()).all()
    table = ablation.timeline_table(timeline, "progress", [2])
    assert table.iloc[0]["week 2"] == f"{-0.12:.3f} [n/a]"


def test_the_reading_orients_removals_by_the_paired_test_and_the_metrics_direction():
    effects = pd.DataFrame(
        {
            "variant": ["a", "b", "c", "d"],
            "metric": ["dropouts"] * 4,
            "better": ["lower"] * 4,
            "paired_difference": [2.0, -1.0, 0.0, 3.0],
            "paired_mean": [2.0, -1.0, 0.4, 3.0],
            "p_wilcoxon_holm": [0.01, 0.01, 0.01, 0.2],
        }
    )
    worse, better = ablation.detectable(effects, 0.05)
    assert list(worse["variant"]) == ["a", "c"]  # more dropouts; c by its mean
    assert list(better["variant"]) == ["b"]


def test_too_few_seed_pairs_for_any_wilcoxon_test_to_pass_is_said():
    """With n pairs the exact two-sided Wilcoxon p is at least 2 / 2**n (every pair on one
    side), which Holm's correction multiplies by the number of tests: below some n nothing can
    be detected, however large, and the reading says so rather than "no detectable effect"."""
    for n in (6, 30):
        shift = -np.arange(1.0, n + 1)  # every pair on the same side: the smallest p there is
        assert stats.wilcoxon(shift) == pytest.approx(2 / 2**n)
    effects = pd.DataFrame(
        {
            "variant": ["a", "b"] * 5,
            "metric": ["progress"] * 10,
            "better": ["higher"] * 10,
            "pairs": 6,
            "paired_difference": -0.1,
            "paired_mean": -0.1,
            "p_wilcoxon": 2 / 2**6,
            "p_wilcoxon_holm": 0.3125,
        }
    )
    assert ablation.wilcoxon_floor(effects) == (6, 2 / 2**6, pytest.approx(10 * 2 / 2**6))
    summary = pd.DataFrame(
        {
            "variant": ["full"],
            "metric": ["progress"],
            "median": [0.5],
            "ci_low": [0.4],
            "ci_high": [0.6],
        }
    )
    settings = {"alpha": 0.05, "metrics": ["progress"], "reference": "full"}
    lines = ablation._reading(effects, summary, settings)
    assert (
        lines[-1].startswith("With 6 seed pairs the smallest two-sided Wilcoxon p there is, 0.0312")
        and "no removal can pass p < 0.05" in lines[-1]
    )
    many = effects.assign(pairs=30, p_wilcoxon=2 / 2**30, p_wilcoxon_holm=2e-8)
    assert not any(
        "seed pairs the smallest" in line for line in ablation._reading(many, summary, settings)
    )


def test_the_reference_must_have_runs():
    with pytest.raises(ValueError, match="no runs of the reference 'nobody'"):
        stats.effects_over_time(synthetic(), "nobody", "progress", by="variant")


# --- from week w on -----------------------------------------------------------------------


def test_holds_from_counts_only_the_final_stretch():
    weeks = range(10)
    assert stats.holds_from(weeks, [0, 1, 1, 0, 0, 1, 1, 1, 1, 1]) == 5  # dips, recovers, dips
    assert stats.holds_from(weeks, [1] * 10) == 0
    assert stats.holds_from(weeks, [0, 1, 1, 1, 1, 1, 1, 1, 1, 0]) is None  # recovers at the end
    assert stats.holds_from(weeks, [0] * 10) is None
    assert stats.holds_from([], []) is None
    assert stats.holds_from([9, 8, 7, 6], [1, 1, 0, 1]) == 8  # taken in week order


def test_when_a_removal_costs_or_helps_follows_the_band_and_the_metrics_direction():
    weeks = np.arange(8)
    # below 0 in weeks 2-3, back across 0 in 4-5, below again from 6 to the end
    high = [0.1, 0.1, -0.1, -0.1, 0.1, 0.1, -0.1, -0.1]
    low = [h - 0.3 for h in high]
    onsets = ablation.lasting(band(weeks, low, high), "progress").iloc[0]
    assert (onsets["costs_from"], onsets["costs_first"], onsets["costs_last"]) == (6, 2, 7)
    assert pd.isna(onsets["helps_from"])
    # the same band for dropouts, where lower is better, is a removal that helps from week 6;
    # a band above 0 from week 3 on costs
    dropouts = ablation.lasting(band(weeks, low, high, metric="dropouts"), "dropouts").iloc[0]
    assert dropouts["helps_from"] == 6 and pd.isna(dropouts["costs_from"])
    above = ablation.lasting(
        band(weeks, [-1, -1, -1, 1, 1, 1, 1, 1], [2] * 8, "dropouts"), "dropouts"
    ).iloc[0]
    assert above["costs_from"] == 3


def test_a_cost_too_small_to_matter_does_not_count():
    weeks = np.arange(6)
    # the band is below 0 throughout, but the difference reaches 0.01 only from week 3
    high = [-0.001, -0.002, -0.004, -0.008, -0.012, -0.02]
    low = [h - 0.02 for h in high]
    line = band(weeks, low, high)
    line["paired_difference"] = [-0.002, -0.004, -0.006, -0.012, -0.015, -0.03]
    assert ablation.lasting(line, "progress").iloc[0]["costs_from"] == 0
    assert ablation.lasting(line, "progress", min_effect=0.01).iloc[0]["costs_from"] == 3
    assert pd.isna(ablation.lasting(line, "progress", min_effect=0.05).iloc[0]["costs_from"])


def test_the_report_table_shows_weeks_within_the_run_and_never():
    weeks = np.arange(0, 31)
    timeline = pd.concat(
        [
            band(weeks, np.where(weeks >= 12, -0.2, -0.1), np.where(weeks >= 12, -0.05, 0.1)),
            band(weeks, np.full(31, -0.1), np.full(31, 0.1), variant="no curation"),
        ]
    )
    table = ablation.timeline_table(timeline, "progress", [13, 26, 52, 104])
    assert list(table.columns) == [
        "variant",
        "week 13",
        "week 26",
        "week 30",
        "first week it costs problem progress",
        "first week it helps problem progress",
    ]
    orchestration, curation = table.iloc[0], table.iloc[1]
    assert orchestration["week 13"] == "-0.125 [-0.200, -0.050]"
    assert orchestration["first week it costs problem progress"] == "12"
    assert curation["first week it costs problem progress"] == "never"
    assert curation["first week it helps problem progress"] == "never"


def test_when_table_and_figure_follow_the_paired_statistic_not_the_unpaired_one():
    timeline = stats.effects_over_time(
        spread_out(),
        "full design",
        "progress",
        by="variant",
        n_resamples=500,
        min_runs=stats.MIN_RUNS,
        pair_by="seed",
    )
    later = timeline[timeline["week"] > 0]
    # the premise: paired, a sure loss of 0.01 a week; unpaired, a larger one, not told from 0
    assert later["paired_difference"].to_numpy() == pytest.approx(-0.01 * later["week"])
    assert (later["paired_ci_high"] < 0).all()
    assert (later["median_difference"] < later["paired_difference"] - 0.05).all()
    assert ((later["diff_ci_low"] < 0) & (later["diff_ci_high"] > 0)).all()

    onsets = ablation.lasting(timeline, "progress", min_effect=0.01).iloc[0]
    assert (onsets["costs_from"], onsets["costs_first"], onsets["costs_last"]) == (1, 1, 5)
    table = ablation.timeline_table(timeline, "progress", [2], min_effect=0.01).iloc[0]
    week2 = timeline.set_index("week").loc[2]
    assert table["week 2"] == fmt_ci(
        week2["paired_difference"], week2["paired_ci_low"], week2["paired_ci_high"]
    )
    assert table["week 2"].startswith("-0.020 [")
    assert table["first week it costs problem progress"] == "1"

    fig = plots.effect_timeline(timeline, metrics=["progress"], paired=True)
    ax = fig.axes[0]
    drawn = ax.get_lines()[-1]  # after the zero line
    assert np.asarray(drawn.get_ydata()) == pytest.approx(timeline["paired_difference"])
    shaded = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert (shaded.min(), shaded.max()) == pytest.approx(
        (timeline["paired_ci_low"].min(), timeline["paired_ci_high"].max())
    )
    assert "median over seeds" in ax.get_ylabel()
    assert (
        "median over seeds of the variant's run minus the full design's run of the same seed"
    ) in ax.get_title()
    assert [t.get_text() for t in fig.legends[0].get_texts()][
        -1
    ] == "95% bootstrap band (resampling seeds)"
    # the same function still draws the unpaired statistic when asked, and says so
    unpaired = plots.effect_timeline(timeline, metrics=["progress"]).axes[0]
    assert np.asarray(unpaired.get_lines()[-1].get_ydata()) == pytest.approx(
        timeline["median_difference"]
    )
    assert unpaired.get_ylabel().startswith("change in median\n(")
    assert "median without the ingredient minus median of" in unpaired.get_title()


def test_the_set_up_weeks_come_from_the_runs_or_else_their_scenario():
    tidy = synthetic()
    assert (
        ablation.setup_weeks(tidy, "full design")
        == resolve("impact_partnership").design_phase_weeks
    )
    assert ablation.setup_weeks(tidy.assign(design_phase_weeks=12), "full design") == 12


# --- the figure ---------------------------------------------------------------------------


def test_the_figure_has_a_panel_per_metric_and_a_line_per_variant(tmp_path):
    tidy = synthetic()
    tidy = pd.concat(
        [
            tidy,
            tidy[tidy["variant"] == "no orchestration"].assign(
                variant="no curation", run=lambda t: t["run"] + "-c"
            ),
        ]
    )
    timeline = pd.concat(
        [
            stats.effects_over_time(
                tidy, "full design", m, by="variant", n_resamples=200, pair_by="seed"
            )
            for m in ("progress", "systems_change")
        ]
    )
    fig = plots.effect_timeline(
        timeline, metrics=["progress", "systems_change"], setup_weeks=2, paired=True
    )
    assert isinstance(fig, Figure)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title().split(" (")[0] for ax in panels] == [
        "Problem progress",
        "Systems change",
    ]
    assert len(panels[0].get_lines()) == 1 + 2  # the zero line and two variants
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == [
        "no orchestration",
        "no curation",
        "95% bootstrap band (resampling seeds)",
        "set-up (weeks 1-2)",
    ]
    paths = plots.save(fig, tmp_path, "timeline")
    assert paths["png"].stat().st_size > 0 and paths["svg"].stat().st_size > 0


def test_eight_variants_are_told_apart_by_colour_or_line_style():
    styles = {tuple(plots.variant_style(k).values()) for k in range(28)}
    assert len(styles) == 28


# --- the experiment -----------------------------------------------------------------------


def test_ablation_quick_writes_the_timeline_and_its_section(tmp_path, capsys):
    path = ablation.main(["--quick", "--out", str(tmp_path), "--jobs", "1"])
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(path)
    text = path.read_text()
    assert "## When each ingredient matters" in text
    assert "](figures/timeline.png)" in text and (tmp_path / "figures" / "timeline.svg").exists()
    assert "`timeline.csv`" in text.split("## Files")[1]
    assert "When it matters for problem progress" in text.split("## Reading")[1]
    assert "| variant | week 13 | week 26 | week 30 | first week it costs problem progress" in text

    timeline = pd.read_csv(tmp_path / "timeline.csv")
    assert set(timeline["variant"]) == {"no orchestration", "no curation"}
    assert set(timeline["metric"]) == {"progress", "systems_change"}
    assert sorted(timeline["week"].unique()) == list(range(0, 31))
    # three seeds: no 95% band (stats.MIN_RUNS), said so under the title and in the reading
    assert (
        timeline[["diff_ci_low", "diff_ci_high", "paired_ci_low", "paired_ci_high"]]
        .isna()
        .all()
        .all()
    )
    assert (timeline["pairs"] == 3).all()
    assert "> **Quick run** (`--quick`, 3 runs per variant)" in text.split("## Reading")[0]
    assert "not told; no variant has the 6 seed pairs a 95% band needs" in text

    # every point recomputes from the tidy table, paired (median over seeds of the
    # differences) and unpaired (difference of medians); the last week is the forest plot's
    tidy = pd.read_parquet(tmp_path / "tidy.parquet")
    medians = tidy.groupby(["variant", "week"])["progress"].median()
    by_seed = tidy.set_index(["variant", "seed", "week"])["progress"]
    for variant in ("no orchestration", "no curation"):
        line = timeline[
            (timeline["variant"] == variant) & (timeline["metric"] == "progress")
        ].sort_values("week")
        expected = (medians[variant] - medians["full design"]).to_numpy()
        assert line["median_difference"].to_numpy() == pytest.approx(expected)
        differences = (by_seed[variant] - by_seed["full design"]).unstack("seed")
        assert line["paired_difference"].to_numpy() == pytest.approx(
            differences.median(axis=1).to_numpy()
        )
    effects = pd.read_csv(tmp_path / "effects.csv").set_index(["variant", "metric"])
    last = timeline[timeline["week"] == 30].set_index(["variant", "metric"])
    for key, row in last.iterrows():
        assert row["median_difference"] == pytest.approx(effects.loc[key, "median_difference"])
        assert row["paired_difference"] == pytest.approx(effects.loc[key, "paired_difference"])
    # the paired statistic recomputes from the runs matched by seed
    finals = tidy[tidy["week"] == 30].set_index(["variant", "seed"])["progress"]
    paired = (finals["no orchestration"] - finals["full design"]).median()
    assert effects.loc[("no orchestration", "progress"), "paired_difference"] == pytest.approx(
        paired
    )
    # the table's cell is timeline.csv's paired week 13, formatted as the effects table's
    week13 = timeline[
        (timeline["week"] == 13)
        & (timeline["variant"] == "no orchestration")
        & (timeline["metric"] == "progress")
    ].iloc[0]
    assert f"| no orchestration | {week13['paired_difference']:.3f} [n/a] |" in text
    section = text.split("## When each ingredient matters")[1].split("## Files")[0]
    assert "median over seeds of the variant's run minus the full design's run" in section
    assert "for now" not in section and "`median_difference`" in section


@pytest.mark.parametrize(
    "setting, value, allowed",
    [
        *[("timeline_min_effect", v, "from 0 up to") for v in ["-0.1", "1", "x", "[0.01]"]],
        *[
            ("timeline_weeks", v, "whole weeks, each at least 1")
            for v in ["[0,13]", "13", "[13,x]"]
        ],
    ],
)
def test_a_bad_timeline_setting_stops_before_anything_runs(
    tmp_path, capsys, setting, value, allowed
):
    with pytest.raises(SystemExit) as stopped:
        ablation.main(
            ["--quick", "--out", str(tmp_path), "--jobs", "1", f"analysis.{setting}={value}"]
        )
    assert stopped.value.code == 2
    message = capsys.readouterr().err.strip().splitlines()[-1]
    assert f"analysis.{setting}=" in message and "configs/experiment/ablation.yaml" in message
    assert allowed in message
    assert not (tmp_path / "runs").exists()
