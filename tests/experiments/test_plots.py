"""Figures: written as non-empty PNG and SVG, titled, labelled with units, one fixed colour per
design from the Okabe-Ito palette. Built from a synthetic tidy table, so no model runs."""

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex, to_rgba
from matplotlib.patches import Rectangle

from experiments.kit import look, plots
from sim.diagnosis import CAUSES, NO_SINGLE_CAUSE
from sim.scenarios import designs

WEEKS = 12


def tidy_table(design_names=("impact_partnership", "business_led", "advocacy_coalition"), seeds=4):
    rng = np.random.default_rng(0)
    rows = []
    for run, (design, seed) in enumerate((d, s) for d in design_names for s in range(seeds)):
        level = rng.uniform(0.2, 0.9)
        for week in range(WEEKS + 1):
            share = level * week / WEEKS
            rows.append(
                {
                    "run": run,
                    "design": design,
                    "seed": seed,
                    "week": week,
                    "progress": share,
                    "systems_change": share / 2,
                    "engagement": 0.8 - share / 4,
                    "engaged_business": 2,
                    "dropouts": week // 4,
                    "members": 10,
                    "members_government": 3,
                    "members_business": 3,
                    "members_civil_society": 2,
                    "members_citizens": 2,
                    "legitimacy": 0.5 + share / 4,
                    "claims_gap": 0.1 - share / 5,
                }
            )
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
    okabe_ito = {c.lower() for c in look.OKABE_ITO.values()}
    colours = [look.colour_of(d).lower() for d in designs()]
    assert set(colours) <= okabe_ito
    assert len(set(colours)) == len(colours) == len(designs())
    assert look.OKABE_ITO["yellow"] not in colours  # faint on white
    assert look.colour_of("something_new") == look.FALLBACK_COLOUR


def test_progress_over_time_uses_fixed_colours(tmp_path):
    tidy = tidy_table()
    fig = plots.progress_over_time(tidy)
    assert "over time" in fig.get_suptitle() and "90%" in fig.get_suptitle()
    assert fig.supxlabel and fig._supxlabel.get_text() == "weeks"
    assert "0-1" in fig._supylabel.get_text()
    panels = {ax.get_title(): ax for ax in fig.axes if ax.get_title()}
    for design in tidy["design"].unique():
        ax = panels[look.label_of(design)]
        assert to_hex(look.colour_of(design)) in line_colours(ax)
    svg = assert_written(plots.save(fig, tmp_path, "progress"))
    assert look.colour_of("business_led").lower() in svg.lower()


def test_same_design_same_colour_whatever_else_is_plotted():
    alone = plots.legitimacy_and_claims(tidy_table(("business_led",)))
    mixed = plots.legitimacy_and_claims(tidy_table(("advocacy_coalition", "business_led")))
    sky_blue = to_hex(look.colour_of("business_led"))
    assert sky_blue in line_colours(alone.axes[0]) and sky_blue in line_colours(mixed.axes[0])


@pytest.mark.parametrize(
    "build", [plots.final_distributions, plots.engagement_by_sector, plots.legitimacy_and_claims]
)
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
    effects = pd.DataFrame(
        {
            "variant": ["no a", "no b"] * 2,
            "metric": ["progress"] * 2 + ["systems_change"] * 2,
            "median_difference": [-0.2, 0.01, -0.3, 0.0],
            "diff_ci_low": [-0.3, -0.05, -0.4, -0.1],
            "diff_ci_high": [-0.1, 0.05, -0.2, 0.1],
        }
    )
    fig = plots.forest(effects, label="variant")
    colours = [
        to_hex(line.get_color()) for line in fig.axes[0].get_lines() if line.get_marker() == "D"
    ]
    assert colours == [to_hex(look.HIGHLIGHT), "#000000"]
    assert "share solved, 0-1" in fig.axes[0].get_xlabel()
    assert_written(plots.save(fig, tmp_path, "forest"))


def heatmap_cells(metric="progress", values=(0.0, 0.5, 1.0), level=lambda x, y: (x + y) / 2):
    return pd.DataFrame(
        [
            {
                "orchestration": x,
                "leadership_backing": y,
                f"median_{metric}": level(x, y),
                "low_progress": x == 0 and y == 0,
            }
            for x in values
            for y in values
        ]
    )


def stars(ax):
    return [ln for ln in ax.get_lines() if ln.get_marker() == "*"]


def frames(ax):
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def test_heatmap_outlines_the_cells_it_is_told_to(tmp_path):
    fig = plots.heatmap(
        heatmap_cells(),
        "orchestration",
        "leadership_backing",
        outline="low_progress",
        outline_label="most runs end below 0.2",
        mark=(1.0, 1.0, "design"),
    )
    ax = fig.axes[0]
    outline = [ln for ln in ax.get_lines() if to_hex(ln.get_color()) == to_hex(look.HIGHLIGHT)]
    assert len(outline) == 4  # one corner cell: four edges
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "most runs end below 0.2",
        "design (its own settings)",
    ]
    assert "(knob, 0-1)" in ax.get_xlabel()
    assert_written(plots.save(fig, tmp_path, "heatmap"))
    unmarked = plots.heatmap(heatmap_cells(), "orchestration", "leadership_backing")
    assert not [ln for ln in unmarked.axes[0].get_lines()]  # nothing outlined unless asked


def test_heatmap_frames_the_design_cell_only_when_the_design_is_on_the_grid():
    on = plots.heatmap(
        heatmap_cells(),
        "orchestration",
        "leadership_backing",
        mark=(0.5, 1.0, "Impact Partnership"),
    ).axes[0]
    (frame,) = frames(on)
    assert (frame.get_x(), frame.get_y(), frame.get_width()) == (0.25, 0.75, 0.5)
    assert not stars(on)
    # --quick's grid: the design (0.9, 0.8) is between cells; the nearest cell is not it
    off = plots.heatmap(
        heatmap_cells(),
        "orchestration",
        "leadership_backing",
        mark=(0.9, 0.8, "Impact Partnership"),
    ).axes[0]
    assert not frames(off)
    (star,) = stars(off)
    assert (star.get_xdata()[0], star.get_ydata()[0]) == (0.9, 0.8)  # its true position
    assert off.get_legend().get_texts()[-1].get_text() == (
        "Impact Partnership (its own settings, between cells)"
    )
    # outside the grid's cells: the axes widen to show it
    beyond = plots.heatmap(
        heatmap_cells(values=(0.0, 0.25)),
        "orchestration",
        "leadership_backing",
        mark=(0.9, 0.8, "design"),
    ).axes[0]
    assert beyond.get_xlim()[1] >= 0.9 and beyond.get_ylim()[1] >= 0.8
    assert plots.grid_cell([0.0, 0.5, 1.0], [0.0, 1.0], (0.9, 0.8)) is None
    assert plots.grid_cell([0.0, 0.5, 1.0], [0.0, 1.0], (1.0, 0.0)) == (2, 0)


def test_heatmap_colour_scale_follows_the_metric():
    share = plots.heatmap(heatmap_cells(), "orchestration", "leadership_backing")
    mesh = share.axes[0].collections[0]
    assert (mesh.norm.vmin, mesh.norm.vmax) == (0, 1)
    assert "share solved, 0-1" in share.axes[1].get_ylabel()
    # claims gap is no share: its own range, its own unit (values -0.35 to -0.53)
    gap = plots.heatmap(
        heatmap_cells("claims_gap", level=lambda x, y: -0.35 - 0.09 * (x + y)),
        "orchestration",
        "leadership_backing",
        "median_claims_gap",
    )
    mesh = gap.axes[0].collections[0]
    assert (mesh.norm.vmin, mesh.norm.vmax) == pytest.approx((-0.53, -0.35))
    assert gap.axes[1].get_ylabel() == plots.axis_label("claims_gap")
    assert "0-1" not in gap.axes[1].get_ylabel()
    colours = {tuple(c) for c in mesh.to_rgba(mesh.get_array().ravel())}
    assert len(colours) == 5  # five distinct values, five colours, not one bottom colour


def test_sensitivity_bars_and_size_plot(tmp_path):
    indices = pd.DataFrame(
        {
            "metric": ["progress"] * 3,
            "parameter": ["a", "b", "c"],
            "ST": [0.5, 0.2, 0.1],
            "ST_conf": [0.05] * 3,
            "S1": [0.4, 0.1, 0.0],
            "S1_conf": [0.05] * 3,
        }
    )
    fig = plots.sensitivity_bars(
        indices,
        [("ST", "ST_conf", "ST"), ("S1", "S1_conf", "S1")],
        title="Sobol",
        xlabel="share of variance",
    )
    assert len(fig.axes[0].patches) == 6
    assert_written(plots.save(fig, tmp_path, "sobol"))
    finals = pd.DataFrame(
        {
            "start_members": [13, 13, 26, 26] * 2,
            "orchestration": [0.0] * 4 + [0.9] * 4,
            "progress": np.linspace(0.1, 0.8, 8),
        }
    )
    finals["progress_per_member"] = finals["progress"] / finals["start_members"]
    fig = plots.size_plot(finals)
    assert fig.axes[0].get_xlabel() == "members at the start (organisations)"
    assert_written(plots.save(fig, tmp_path, "size"))


def design_lines(ax):
    """{design label: its median line} of a panel designs share."""
    return {ln.get_label(): ln for ln in ax.get_lines() if not ln.get_label().startswith("_")}


def test_designs_sharing_a_panel_keep_apart_where_their_medians_coincide():
    """All designs at the same value (2 engaged firms in every run): each line still shows."""
    names = tuple(look.DESIGN_ORDER)
    engagement = plots.engagement_by_sector(tidy_table(names, seeds=2))
    legitimacy = plots.legitimacy_and_claims(tidy_table(names, seeds=2))
    lines = design_lines(engagement.axes[1])  # engaged business: 2 in every design
    assert len(lines) == len(names)
    styles = {label: (str(ln.get_linestyle()), ln.get_marker()) for label, ln in lines.items()}
    assert len(set(styles.values())) == len(names)
    reference = lines[look.label_of("impact_partnership")]
    others = [ln for label, ln in lines.items() if ln is not reference]
    # the reference is wider and underneath; every other line is dashed, so it shows through
    assert all(ln.get_zorder() > reference.get_zorder() for ln in others)
    assert all(ln.get_linewidth() < reference.get_linewidth() for ln in others)
    assert all(ln.get_linestyle() not in ("-", "solid") for ln in others)
    # their markers are staggered: no two designs mark the same week
    marked = [
        set(np.asarray(ln.get_xdata())[ln.get_markevery()[0] :: ln.get_markevery()[1]])
        for ln in others
    ]
    assert all(marked)
    assert all(set(a).isdisjoint(b) for k, a in enumerate(marked) for b in marked[k + 1 :])
    # the same design is drawn the same way in every figure
    for label, ln in design_lines(legitimacy.axes[0]).items():
        assert (str(ln.get_linestyle()), ln.get_marker()) == styles[label]


def test_stall_causes_have_their_own_palette_apart_from_the_designs():
    design_colours = {
        to_hex(c)
        for c in (*look.DESIGN_COLOURS.values(), look.FALLBACK_COLOUR, *look.OKABE_ITO.values())
    }
    fills = {to_hex(fill) for fill, _, _ in plots.CAUSE_STYLES.values()}
    assert fills.isdisjoint(design_colours)
    assert set(plots.CAUSE_STYLES) == {plots.NO_STALL, *CAUSES, NO_SINGLE_CAUSE}
    looks = {(to_hex(fill), hatch) for fill, hatch, _ in plots.CAUSE_STYLES.values()}
    assert len(looks) == len(plots.CAUSE_STYLES)  # no two causes look alike
    tidy = tidy_table(seeds=4)
    tidy["stalled"] = tidy["seed"] > 0
    tidy["stall_cause"] = tidy["seed"].map(
        {1: "missing_asset", 2: "loss_of_sponsor", 3: "legitimacy_crisis"}
    )
    fig = plots.stall_causes(tidy)
    bars = [p for p in fig.axes[0].patches if isinstance(p, Rectangle)]
    assert {to_hex(b.get_facecolor()) for b in bars}.isdisjoint(design_colours)
    legend = fig.legends[0]
    assert legend.get_title().get_text() == "stall cause"
    assert [t.get_text() for t in legend.get_texts()] == [
        "no stall",
        "A missing asset",
        "Loss of a sponsor",
        "Legitimacy crisis",
    ]


def test_final_distributions_say_what_the_whiskers_are():
    assert (
        "whiskers: furthest run within 1.5 × IQR"
        in plots.final_distributions(tidy_table()).get_suptitle()
    )


def test_timeline_band_swatch_and_set_up_shading_match_what_is_drawn():
    timeline = pd.DataFrame(
        [
            {
                "variant": v,
                "metric": "progress",
                "week": w,
                "median_difference": -0.01 * w * k,
                "diff_ci_low": -0.02 * w * k - 0.01,
                "diff_ci_high": 0.01,
            }
            for k, v in enumerate(("no orchestration", "no curation"), 1)
            for w in range(13)
        ]
    )
    fig = plots.effect_timeline(timeline, metrics=["progress"], setup_weeks=8)
    ax = fig.axes[0]
    span = next(p for p in ax.patches if to_hex(p.get_facecolor()) == to_hex("grey"))
    # the points of weeks 1-8, not week 0's (the start)
    assert (span.get_x(), span.get_x() + span.get_width()) == (0.5, 8.5)
    bands = {tuple(np.round(c.get_facecolor()[0], 3)) for c in ax.collections}
    assert len(bands) == 2  # one band per variant, in its colour
    legend = fig.legends[0]
    assert [t.get_text() for t in legend.get_texts()][-2:] == [
        "95% bootstrap band",
        "set-up (weeks 1-8)",
    ]
    swatches = {tuple(np.round(r.get_facecolor(), 3)) for r in legend.findobj(Rectangle)}
    assert bands <= swatches  # the band's swatch shows the bands as drawn, not a grey
    assert tuple(np.round(to_rgba("grey", 0.4), 3)) not in swatches


def split_table(readings=("week0", "held"), intervals=True):
    """A split table as experiments.fair.analyse writes it, for two baselines."""
    rows = []
    for k, design in enumerate(("government_led", "advocacy_coalition")):
        for metric in ("progress", "systems_change"):
            for reading in readings:
                resources, spending = (0.05, 0.26) if k == 0 else (-0.04, 0.3)
                for part, value in (
                    ("gap", resources + spending),
                    ("resources", resources),
                    ("spending", spending),
                    ("resources_with_own_spending", resources - 0.01),
                    ("resources_with_reference_spending", resources + 0.01),
                ):
                    rows.append(
                        {
                            "design": design,
                            "reference": "impact_partnership",
                            "metric": metric,
                            "reading": reading,
                            "part": part,
                            "estimate": value,
                            "ci_low": value - 0.02 if intervals else np.nan,
                            "ci_high": value + 0.03 if intervals else np.nan,
                            "seeds": 30 if intervals else 3,
                            "note": "",
                            "same_as_week0": False,
                        }
                    )
    return pd.DataFrame(rows)


def test_the_gap_split_shows_both_parts_with_intervals_against_zero(tmp_path):
    readings = {"week0": "budget and capacity equal at week 0", "held": "budget held"}
    fig = plots.gap_split(split_table(), readings)
    axes = fig.axes
    assert len(axes) == 4  # two metrics x two readings
    design_colours = {to_hex(c) for c in (*look.DESIGN_COLOURS.values(), *look.OKABE_ITO.values())}
    for ax in axes:
        bars = [p for p in ax.patches if isinstance(p, Rectangle)]
        assert len(bars) == 4  # two designs x two parts
        assert {to_hex(b.get_facecolor()) for b in bars}.isdisjoint(design_colours)
        low, high = ax.get_xlim()
        assert low < -0.06 and high > 0.33  # zero, the negative part and every whisker shown
        assert any(tuple(line.get_xdata()) == (0, 0) for line in ax.get_lines())  # a zero line
    assert axes[0].get_title() == "Problem progress" and axes[1].get_title() == "Systems change"
    assert axes[2].get_xlabel() == "part of the gap (share solved, 0-1)"
    assert "budget held" in axes[2].get_ylabel()
    assert [t.get_text() for t in axes[0].get_yticklabels()] == [
        "Government-led",
        "Advocacy coalition",
    ]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "resources (week-0 budget and members' capacity)",
        "how they are spent",
        "gap (= resources + spending)",
    ]
    title = fig.get_suptitle()
    assert "gap to the Impact Partnership" in title and "95% paired bootstrap interval" in title
    assert_written(plots.save(fig, tmp_path, "gap_split"))
    few = plots.gap_split(split_table(("week0",), intervals=False), {"week0": "at week 0"})
    assert len(few.axes) == 2 and "no whiskers: fewer than 6 seeds" in few.get_suptitle()
