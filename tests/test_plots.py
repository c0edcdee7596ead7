"""Figures: written as non-empty PNG and SVG, titled, labelled with units, one fixed colour per
design from the Okabe-Ito palette. Built from a synthetic tidy table, so no model runs."""

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from experiments import plots
from sim.scenarios import designs

WEEKS = 12


def tidy_table(design_names=("impact_partnership", "business_led", "advocacy_coalition"),
               seeds=4):
    rng = np.random.default_rng(0)
    rows = []
    for run, (design, seed) in enumerate((d, s) for d in design_names for s in range(seeds)):
        level = rng.uniform(0.2, 0.9)
        for week in range(WEEKS + 1):
            share = level * week / WEEKS
            rows.append({"run": run, "design": design, "seed": seed, "week": week,
                         "progress": share, "systems_change": share / 2,
                         "engagement": 0.8 - share / 4, "engaged_business": 2,
                         "dropouts": week // 4, "members": 10, "members_government": 3,
                         "members_business": 3, "members_civil_society": 2,
                         "members_citizens": 2, "legitimacy": 0.5 + share / 4,
                         "claims_gap": 0.1 - share / 5})
    return pd.DataFrame(rows)


def assert_written(paths):
    assert set(paths) == {"png", "svg"}
    png, svg = paths["png"].read_bytes(), paths["svg"].read_text()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    return svg


def line_colours(ax):
    return {to_hex(line.get_color()) for line in ax.get_lines()}


def test_palette_is_okabe_ito_one_colour_per_design():
    okabe_ito = {c.lower() for c in plots.OKABE_ITO.values()}
    colours = [plots.colour_of(d).lower() for d in designs()]
    assert set(colours) <= okabe_ito
    assert len(set(colours)) == len(colours) == len(designs())
    assert plots.OKABE_ITO["yellow"] not in colours  # faint on white
    assert plots.colour_of("something_new") == plots.FALLBACK_COLOUR


def test_progress_over_time_uses_fixed_colours(tmp_path):
    tidy = tidy_table()
    fig = plots.progress_over_time(tidy)
    assert "over time" in fig.get_suptitle() and "90%" in fig.get_suptitle()
    assert fig.supxlabel and fig._supxlabel.get_text() == "weeks"
    assert "0-1" in fig._supylabel.get_text()
    panels = {ax.get_title(): ax for ax in fig.axes if ax.get_title()}
    for design in tidy["design"].unique():
        ax = panels[plots.label_of(design)]
        assert to_hex(plots.colour_of(design)) in line_colours(ax)
    svg = assert_written(plots.save(fig, tmp_path, "progress"))
    assert plots.colour_of("business_led").lower() in svg.lower()


def test_same_design_same_colour_whatever_else_is_plotted():
    alone = plots.legitimacy_and_claims(tidy_table(("business_led",)))
    mixed = plots.legitimacy_and_claims(tidy_table(("advocacy_coalition", "business_led")))
    sky_blue = to_hex(plots.colour_of("business_led"))
    assert sky_blue in line_colours(alone.axes[0]) and sky_blue in line_colours(mixed.axes[0])


@pytest.mark.parametrize("build", [plots.final_distributions, plots.engagement_by_sector,
                                   plots.legitimacy_and_claims])
def test_design_figures_are_titled_labelled_and_saved(build, tmp_path):
    fig = build(tidy_table())
    assert fig.get_suptitle()
    for ax in fig.axes:
        if ax.has_data():
            assert ax.get_title() and (ax.get_xlabel() or ax.get_ylabel())
    assert_written(plots.save(fig, tmp_path, build.__name__))


def test_final_distributions_show_every_run():
    tidy = tidy_table(seeds=5)
    fig = plots.final_distributions(tidy)
    dots = sum(len(c.get_offsets()) for c in fig.axes[0].collections)
    assert dots == 3 * 5


def test_forest_marks_intervals_that_exclude_zero(tmp_path):
    effects = pd.DataFrame({
        "variant": ["no a", "no b"] * 2, "metric": ["progress"] * 2 + ["systems_change"] * 2,
        "median_difference": [-0.2, 0.01, -0.3, 0.0],
        "diff_ci_low": [-0.3, -0.05, -0.4, -0.1], "diff_ci_high": [-0.1, 0.05, -0.2, 0.1]})
    fig = plots.forest(effects, label="variant")
    colours = [to_hex(line.get_color()) for line in fig.axes[0].get_lines()
               if line.get_marker() == "D"]
    assert colours == [to_hex(plots.HIGHLIGHT), "#000000"]
    assert "share solved, 0-1" in fig.axes[0].get_xlabel()
    assert_written(plots.save(fig, tmp_path, "forest"))


def test_heatmap_outlines_the_stall_region(tmp_path):
    values = [0.0, 0.5, 1.0]
    cells = pd.DataFrame([{"orchestration": x, "leadership_backing": y,
                           "median_progress": (x + y) / 2, "stalled": x == 0 and y == 0}
                          for x in values for y in values])
    fig = plots.heatmap(cells, "orchestration", "leadership_backing", mark=(1.0, 1.0, "design"))
    ax = fig.axes[0]
    outline = [ln for ln in ax.get_lines() if to_hex(ln.get_color()) == to_hex(plots.HIGHLIGHT)]
    assert len(outline) == 4  # one corner cell: four edges
    assert "(knob, 0-1)" in ax.get_xlabel()
    assert_written(plots.save(fig, tmp_path, "heatmap"))


def test_sensitivity_bars_and_size_plot(tmp_path):
    indices = pd.DataFrame({"metric": ["progress"] * 3, "parameter": ["a", "b", "c"],
                            "ST": [0.5, 0.2, 0.1], "ST_conf": [0.05] * 3,
                            "S1": [0.4, 0.1, 0.0], "S1_conf": [0.05] * 3})
    fig = plots.sensitivity_bars(indices, [("ST", "ST_conf", "ST"), ("S1", "S1_conf", "S1")],
                                 title="Sobol", xlabel="share of variance")
    assert len(fig.axes[0].patches) == 6
    assert_written(plots.save(fig, tmp_path, "sobol"))
    finals = pd.DataFrame({"start_members": [13, 13, 26, 26] * 2,
                           "orchestration": [0.0] * 4 + [0.9] * 4,
                           "progress": np.linspace(0.1, 0.8, 8)})
    finals["progress_per_member"] = finals["progress"] / finals["start_members"]
    fig = plots.size_plot(finals)
    assert fig.axes[0].get_xlabel() == "members at the start (organisations)"
    assert_written(plots.save(fig, tmp_path, "size"))
