"""Every experiment runs in --quick mode and writes its report; the report's numbers match a
recomputation from the tidy table; the runner keeps failures apart and is deterministic."""

import re

import numpy as np
import pandas as pd
import pytest

from experiments import ablation, compare, demo, heatmap, sensitivity, size, stats
from experiments.report import fmt_ci
from experiments.runner import STALL_FIELDS, Job, jobs_for, parse_args, run_many, swept_columns
from sim.metrics import METRICS
from sim.scenarios import designs, resolve


def figures_of(folder):
    pngs = sorted(p.stem for p in (folder / "figures").glob("*.png"))
    svgs = sorted(p.stem for p in (folder / "figures").glob("*.svg"))
    assert pngs and pngs == svgs
    return pngs


def embedded(report_text):
    return set(re.findall(r"\]\(figures/([\w-]+)\.png\)", report_text))


def test_demo_writes_the_compare_report_and_its_statistics_match_the_tidy_table(tmp_path,
                                                                                capsys):
    path = demo.main(["--quick", "--out", str(tmp_path), "--jobs", "1"])
    assert capsys.readouterr().out.strip() == str(path) == str(tmp_path / "report.md")
    text = path.read_text()
    assert embedded(text) == set(figures_of(tmp_path)) == {
        "progress_over_time", "final_distributions", "engagement_by_sector",
        "legitimacy_and_claims", "stall_causes"}
    assert "Stalls (the first week progress stopped" in text

    tidy = pd.read_parquet(tmp_path / "tidy.parquet")
    assert set(tidy["design"]) == set(designs())
    assert tidy.groupby("run")["week"].max().eq(compare.QUICK["steps"]).all()
    assert len(tidy) == len(designs()) * compare.QUICK["seeds"] * (compare.QUICK["steps"] + 1)
    assert {"week", "seed", "orchestration"} | {m.name for m in METRICS} <= set(tidy.columns)
    assert set(STALL_FIELDS) <= set(tidy.columns)
    per_run = tidy.groupby("run")[list(STALL_FIELDS)].nunique(dropna=False)
    assert per_run.le(1).all().all()  # constant within a run
    assert (tidy["stall_week"].isna() == ~tidy["stalled"]).all()
    assert tidy.loc[tidy["stalled"], "stall_cause"].notna().all()

    # recompute from the tidy table: the last week of each run, median per design
    last = tidy[tidy["week"] == tidy["week"].max()]
    table = pd.read_csv(tmp_path / "table.csv")
    for design, runs in last.groupby("design"):
        for metric in ("progress", "systems_change", "dropouts"):
            row = table[(table["design"] == design) & (table["metric"] == metric)].iloc[0]
            assert row["median"] == pytest.approx(np.median(runs[metric]), abs=1e-12)
            assert row["ci_low"] <= row["median"] <= row["ci_high"]
            assert row["n"] == compare.QUICK["seeds"]
    ref = table[(table["design"] == "impact_partnership") & (table["metric"] == "progress")]
    assert fmt_ci(*ref[["median", "ci_low", "ci_high"]].iloc[0]) in text

    effects = pd.read_csv(tmp_path / "effects.csv")
    reference = last[last["design"] == "impact_partnership"]
    for row in effects[effects["metric"].isin(["progress", "dropouts"])].itertuples():
        runs = last[last["design"] == row.design]
        better = stats.better_of(row.metric)
        assert row.A == pytest.approx(stats.vargha_delaney_a(runs[row.metric],
                                                             reference[row.metric],
                                                             better=better))
        assert row.cliffs_delta == pytest.approx(2 * row.A - 1)
        assert row.p == pytest.approx(stats.mann_whitney(runs[row.metric],
                                                         reference[row.metric]))
    np.testing.assert_allclose(effects["p_holm"], stats.holm(effects["p"]))
    assert "impact_partnership" not in set(effects["design"])
    assert (tmp_path / "provenance.json").exists() and (tmp_path / "replications.csv").exists()


def test_ablation_quick(tmp_path, capsys):
    path = ablation.main(["--quick", "--out", str(tmp_path), "--jobs", "1"])
    assert capsys.readouterr().out.strip() == str(tmp_path)
    assert embedded(path.read_text()) == set(figures_of(tmp_path)) == {"forest"}
    effects = pd.read_csv(tmp_path / "effects.csv")
    assert set(effects["variant"]) == {"no orchestration", "no curation"}
    finals = pd.read_csv(tmp_path / "runs.csv")
    full = finals[finals["variant"] == ablation.FULL]
    no_orch = finals[finals["variant"] == "no orchestration"]
    assert (no_orch["orchestration"] == 0).all() and (full["orchestration"] > 0).all()
    row = effects[(effects["variant"] == "no orchestration")
                  & (effects["metric"] == "progress")].iloc[0]
    assert row["median_difference"] == pytest.approx(
        no_orch["progress"].median() - full["progress"].median())


def test_heatmap_quick(tmp_path, capsys):
    path = heatmap.main(["--quick", "--out", str(tmp_path), "--jobs", "1"])
    assert capsys.readouterr().out.strip() == str(tmp_path)
    assert embedded(path.read_text()) == set(figures_of(tmp_path)) == {"heatmap"}
    text = path.read_text()
    assert "below 0.2" in text and "provisional" in text
    cells = pd.read_csv(tmp_path / "cells.csv")
    assert len(cells) == len(heatmap.QUICK["x_values"]) * len(heatmap.QUICK["y_values"])
    finals = pd.read_csv(tmp_path / "runs.csv")
    for cell in cells.itertuples():
        runs = finals[(finals["orchestration"] == cell.orchestration)
                      & (finals["leadership_backing"] == cell.leadership_backing)]
        assert cell.median_progress == pytest.approx(runs["progress"].median())
        assert cell.stalled == ((runs["progress"] < 0.2).mean() > 0.5)


def test_sensitivity_quick(tmp_path, capsys):
    path = sensitivity.main(["--quick", "--out", str(tmp_path), "--jobs", "1"])
    assert capsys.readouterr().out.strip() == str(tmp_path)
    assert embedded(path.read_text()) == set(figures_of(tmp_path)) == {"morris", "sobol"}
    morris = pd.read_csv(tmp_path / "morris.csv")
    sobol = pd.read_csv(tmp_path / "sobol.csv")
    assert set(morris["parameter"]) == set(sensitivity.QUICK["factors"])
    assert set(morris["metric"]) == set(sobol["metric"]) == {"progress", "systems_change"}
    assert sobol["parameter"].nunique() == sensitivity.QUICK["sobol_top"]
    assert (morris["mu_star"] >= 0).all() and np.isfinite(sobol[["ST", "S1"]]).all().all()


def test_size_quick(tmp_path, capsys):
    path = size.main(["--quick", "--out", str(tmp_path), "--jobs", "1"])
    assert capsys.readouterr().out.strip() == str(tmp_path)
    assert embedded(path.read_text()) == set(figures_of(tmp_path)) == {"size"}
    finals = pd.read_csv(tmp_path / "runs.csv")
    base = resolve("impact_partnership")
    start = sum(getattr(base, n) for n in size.SECTOR_COUNTS)
    assert sorted(finals["start_members"].unique()) == [start * s for s in size.QUICK["scales"]]
    table = pd.read_csv(tmp_path / "sizes.csv")
    small = finals[(finals["start_members"] == start) & (finals["orchestration"] == 0)]
    assert table.loc[0, "progress_per_member_o0"] == pytest.approx(
        (small["progress"] / start).median())


def test_run_many_parallel_equals_sequential_and_marks_swept_parameters():
    jobs = jobs_for(["impact_partnership"], [0, 1], steps=5)
    jobs += jobs_for(["business_led"], [0], steps=5)
    one = run_many(jobs, 1, progress=False)
    two = run_many(jobs, 2, progress=False)
    pd.testing.assert_frame_equal(one, two)
    assert len(one) == 3 * 6 and list(one["run"].unique()) == [0, 1, 2]
    assert "orchestration" in one and "param_members_business" in one  # differ by design
    assert "trust_gain" not in one  # the same in every job
    assert one.columns.get_loc("week") > one.columns.get_loc("orchestration")
    assert set(STALL_FIELDS) <= set(one.columns)
    assert one["stall_week"].dtype == "Int64" and one["stalled"].dtype == bool


def test_run_many_records_a_failing_run_and_keeps_the_others(capsys):
    good = jobs_for(["impact_partnership"], [0], steps=3)[0]
    jobs = [good, Job("broken", None, 0), good]
    kept = run_many(jobs, 1, progress=False, errors="skip")
    assert sorted(kept["run"].unique()) == [0, 2]
    assert kept.attrs["failed"] == [(1, "broken", 0)]
    assert "1 of 3 runs failed" in capsys.readouterr().err
    with pytest.raises(RuntimeError, match="1 of 3 runs failed"):
        run_many(jobs, 1, progress=False)


def test_swept_columns_only_lists_what_varies():
    jobs = [Job("impact_partnership", resolve("impact_partnership", orchestration=v), 0)
            for v in (0.0, 0.5)]
    assert list(swept_columns(jobs).columns) == ["orchestration"]


def test_command_line_refuses_zero_seeds():
    with pytest.raises(SystemExit):
        parse_args("compare", "", ["--seeds", "0"], 30)
    args = parse_args("compare", "", ["--quick", "--seeds", "4", "--jobs", "2"], 30)
    assert (args.quick, args.seeds, args.jobs, args.out) == (True, 4, 2, None)
