"""Figures for reports and slides, from tidy tables (one row per run and week).

Every figure is built on a bare `matplotlib.figure.Figure` (no pyplot state, so the app can call
these functions from any thread) and saved as PNG and SVG by `save`. Each design has one colour,
the same in every figure, from the Okabe-Ito palette, which stays distinct under the common
colour-vision deficiencies, and one line style, so designs whose medians coincide on a shared
panel stay apart. Anything that is not a design (stall causes, variants) is drawn so it cannot
be mistaken for one. Sizes and fonts are set for a 16:9 slide.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerTuple
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.patheffects import withStroke
from matplotlib.ticker import MaxNLocator

from experiments.kit.look import (
    DESIGN_LINES,
    DESIGN_ORDER,
    FALLBACK_LINE,
    HIGHLIGHT,
    MARKS_PER_LINE,
    OKABE_ITO,
    REFERENCE_LINE,
    colour_of,
    label_of,
)
from experiments.kit.stats import MIN_RUNS, final_week
from sim.diagnosis import CAUSE_LABELS, NO_SINGLE_CAUSE
from sim.metrics import BY_NAME

SLIDE = (13.33, 7.5)  # inches: a 16:9 slide
DPI = 150
STYLE = {
    "font.size": 14,
    "axes.titlesize": 15,
    "axes.labelsize": 14,
    "figure.titlesize": 18,
    "legend.fontsize": 12,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "lines.linewidth": 2.2,
    "svg.hashsalt": "partnership-sim",  # stable SVG ids, so files diff cleanly
    "svg.fonttype": "none",
}
WEEKS = "weeks"


def axis_label(metric: str) -> str:
    """'Label (unit)' from the metric registry; the name itself for anything else."""
    m = BY_NAME.get(metric)
    return f"{m.label} ({m.unit})" if m else metric.replace("_", " ")


def is_share(metric: str) -> bool:
    """Whether the registry declares `metric` a share from 0 to 1 (its unit says "0-1")."""
    return metric in BY_NAME and "0-1" in BY_NAME[metric].unit


def line_style(design: str, k: int = 0, n_weeks: int = 0) -> dict[str, object]:
    """The fixed colour and line style of a design on a panel it shares with others: the
    reference solid and wide; each other design dashed, with its own marker. For a line of
    `n_weeks` weeks, MARKS_PER_LINE markers, shifted by the design's place `k` so coinciding
    lines do not stack their marks (without `n_weeks`, as for a legend, no spacing is set)."""
    if design == "impact_partnership":
        return {"color": colour_of(design), **REFERENCE_LINE}
    own = DESIGN_LINES.get(design, FALLBACK_LINE)
    style = {
        "color": colour_of(design),
        "ls": own["ls"],
        "lw": 2.2,
        "zorder": 3,
        "marker": own["marker"],
        "ms": 7,
        "mec": "white",
        "mew": 0.8,
    }
    if n_weeks:
        # at least one week per design between marks, so each design's marks have weeks of
        # their own
        every = max(len(DESIGN_ORDER), n_weeks // MARKS_PER_LINE)
        style["markevery"] = ((every // 2 + every * k // len(DESIGN_ORDER)) % every, every)
    return style


def ordered_designs(designs: Iterable[str]) -> list[str]:
    present = set(designs)
    known = [d for d in DESIGN_ORDER if d in present]
    return known + sorted(present - set(known))


def figure(nrows: int = 1, ncols: int = 1, *, size: tuple[float, float] = SLIDE, **kwargs):
    """A styled figure and its axes (squeezed like pyplot.subplots)."""
    with mpl.rc_context(STYLE):
        fig = Figure(figsize=size, dpi=DPI, layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=True, **kwargs)
    return fig, axes


def save(fig: Figure, folder: str | Path, name: str) -> dict[str, Path]:
    """Write `name`.png and `name`.svg into `folder`; returns both paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    with mpl.rc_context(STYLE):
        for ext in ("png", "svg"):
            paths[ext] = folder / f"{name}.{ext}"
            fig.savefig(paths[ext], dpi=DPI, metadata={"Date": None} if ext == "svg" else None)
    return paths


def _styled(build):
    """Build figures inside the style context, so every artist picks up the slide sizes."""

    def wrapper(*args, **kwargs):
        with mpl.rc_context(STYLE):
            return build(*args, **kwargs)

    wrapper.__name__, wrapper.__doc__ = build.__name__, build.__doc__
    return wrapper


def _quantiles(tidy: pd.DataFrame, metric: str, band: float) -> pd.DataFrame:
    low, high = (1 - band) / 2, 1 - (1 - band) / 2
    grouped = tidy.groupby("week")[metric]
    return pd.DataFrame(
        {"median": grouped.median(), "low": grouped.quantile(low), "high": grouped.quantile(high)}
    )


def _n_runs(tidy: pd.DataFrame) -> int:
    keys = ["run"] if "run" in tidy else ["design", "seed"]
    return int(tidy.groupby(keys).ngroups)


def time_panel(
    ax,
    tidy: pd.DataFrame,
    metric: str,
    *,
    band: float | None = 0.9,
    designs: Sequence[str] | None = None,
    styled: bool = True,
) -> None:
    """Median over runs of `metric` per week, one line per design, with an optional band;
    `styled`: each design in its own line style (`line_style`), for panels designs share."""
    n_weeks = int(tidy["week"].nunique())
    for design in designs or ordered_designs(tidy["design"].unique()):
        q = _quantiles(tidy[tidy["design"] == design], metric, band or 0.9)
        colour = colour_of(design)
        if band:
            ax.fill_between(q.index, q["low"], q["high"], color=colour, alpha=0.15, lw=0)
        style = (
            line_style(design, _place(design), n_weeks)
            if styled
            else {"color": colour, "lw": 3.2 if design == "impact_partnership" else 2.2}
        )
        ax.plot(q.index, q["median"], label=label_of(design), **style)
    ax.set_xlabel(WEEKS)
    ax.set_ylabel(axis_label(metric))
    ax.set_title(BY_NAME[metric].label if metric in BY_NAME else metric)
    ax.margins(x=0)


def _place(design: str) -> int:
    return DESIGN_ORDER.index(design) if design in DESIGN_ORDER else len(DESIGN_ORDER) - 1


def _design_legend(fig: Figure, designs: Sequence[str], **kwargs) -> None:
    """One entry per design, drawn as its lines are on shared panels (`line_style`)."""
    handles = [
        Line2D([], [], **{k: v for k, v in line_style(d).items() if k != "zorder"}) for d in designs
    ]
    fig.legend(handles, [label_of(d) for d in designs], handlelength=3.5, **kwargs)


@_styled
def progress_over_time(
    tidy: pd.DataFrame, *, metric: str = "progress", band: float = 0.9
) -> Figure:
    """Median `metric` per week per design, with the central `band` of runs shaded; one panel
    per design (the reference's median repeated in each for comparison) so the bands stay legible.
    """
    designs = ordered_designs(tidy["design"].unique())
    ncols = min(4, len(designs))
    nrows = int(np.ceil(len(designs) / ncols))
    fig, axes = figure(nrows, ncols, sharex=True, sharey=True)
    axes = np.atleast_1d(axes).ravel()
    reference = "impact_partnership" if "impact_partnership" in designs else None
    ref_q = _quantiles(tidy[tidy["design"] == reference], metric, band) if reference else None
    for k, (ax, design) in enumerate(zip(axes, designs, strict=False)):
        if ref_q is not None and design != reference:
            ax.plot(
                ref_q.index,
                ref_q["median"],
                color=colour_of(reference),
                lw=1.5,
                ls="--",
                label=f"{label_of(reference)} (median)",
            )
        # one design per panel: its title names it, so its line stays plain
        time_panel(ax, tidy, metric, band=band, designs=[design], styled=False)
        ax.set_title(label_of(design), color=colour_of(design))
        ax.set_ylim(0, 1 if is_share(metric) else None)
        ax.set_xlabel("")
        ax.set_ylabel("")
        # tick labels on the lowest panel of each column, even when the row below is short
        ax.tick_params(labelbottom=k + ncols >= len(designs), labelleft=k % ncols == 0)
    for ax in axes[len(designs) :]:
        ax.set_axis_off()
    fig.supxlabel(WEEKS)
    fig.supylabel(axis_label(metric))
    if reference and len(designs) > 1:
        spare = axes[len(designs)] if len(axes) > len(designs) else fig
        spare.legend(
            [
                Line2D([], [], color="black", lw=1.5, ls="--"),
                Line2D([], [], color="grey", lw=2.5),
                Patch(color="grey", alpha=0.3),
            ],
            [f"{label_of(reference)} median", "median of runs", f"middle {band:.0%} of runs"],
            frameon=False,
            **(
                {"loc": "center"}
                if spare is not fig
                else {"loc": "outside lower center", "ncols": 3}
            ),
        )
    fig.suptitle(
        f"{BY_NAME[metric].label if metric in BY_NAME else metric} over time "
        f"(median and {band:.0%} band of {_n_runs(tidy) // len(designs)} runs per design)"
    )
    return fig


@_styled
def final_distributions(
    tidy: pd.DataFrame, metrics: Sequence[str] = ("progress", "systems_change")
) -> Figure:
    """Each run's final value per design: a box (quartiles, whiskers to 1.5 IQR) and every run
    as a dot, so spread and outliers show, not only the centre."""
    finals = final_week(tidy)
    designs = ordered_designs(finals["design"].unique())
    fig, axes = figure(1, len(metrics), sharey=True)
    axes = np.atleast_1d(axes)
    rng = np.random.default_rng(0)  # jitter only; fixed so figures are reproducible
    positions = np.arange(len(designs))[::-1]
    for ax, metric in zip(axes, metrics, strict=True):
        values = [finals.loc[finals["design"] == d, metric].to_numpy() for d in designs]
        boxes = ax.boxplot(
            values,
            positions=positions,
            orientation="horizontal",
            widths=0.6,
            showfliers=False,
            patch_artist=True,
            zorder=2,
            medianprops={
                "color": "black",
                "lw": 2.5,
                "zorder": 4,
                "path_effects": [withStroke(linewidth=4.5, foreground="white")],
            },
        )
        for patch, design in zip(boxes["boxes"], designs, strict=True):
            patch.set_facecolor(mpl.colors.to_rgba(colour_of(design), 0.25))
            patch.set_edgecolor(colour_of(design))
        for pos, vals, design in zip(positions, values, designs, strict=True):
            ax.scatter(
                vals,
                pos + rng.uniform(-0.2, 0.2, vals.size),
                s=20,
                color=colour_of(design),
                alpha=0.6,
                zorder=3,
                lw=0,
            )
        ax.set_yticks(positions, [label_of(d) for d in designs])
        ax.set_xlabel(axis_label(metric))
        ax.set_title(f"Final {BY_NAME[metric].label.lower() if metric in BY_NAME else metric}")
        if is_share(metric):
            ax.set_xlim(-0.02, 1.02)
        ax.grid(axis="y", visible=False)
    week = int(tidy["week"].max())
    fig.suptitle(
        f"Where runs end after {week} weeks\n(box: quartiles and median; whiskers: "
        "furthest run within 1.5 × IQR beyond the box; dots: single runs)"
    )
    return fig


ENGAGEMENT_PANELS = (
    "engagement",
    "engaged_business",
    "dropouts",
    "members",
    "members_government",
    "members_business",
    "members_civil_society",
    "members_citizens",
)


@_styled
def engagement_by_sector(tidy: pd.DataFrame, metrics: Sequence[str] = ENGAGEMENT_PANELS) -> Figure:
    """Engagement, membership by sector and dropouts over time: median of runs per design."""
    metrics = [m for m in metrics if m in tidy]
    ncols = min(4, len(metrics))
    nrows = int(np.ceil(len(metrics) / ncols))
    fig, axes = figure(nrows, ncols, sharex=True, size=(SLIDE[0], SLIDE[1] * 1.1))
    axes = np.atleast_1d(axes).ravel()
    designs = ordered_designs(tidy["design"].unique())
    for ax, metric in zip(axes, metrics, strict=False):
        time_panel(ax, tidy, metric, band=None, designs=designs)
        m = BY_NAME.get(metric)
        ax.set_ylabel(m.unit if m else metric)
        if not ax.get_subplotspec().is_last_row():
            ax.set_xlabel("")
    for ax in axes[len(metrics) :]:
        ax.set_axis_off()
    _design_legend(
        fig, designs, loc="outside lower center", ncols=min(len(designs), 4), frameon=False
    )
    fig.suptitle("Engagement, members by sector and dropouts (median of runs)")
    return fig


@_styled
def legitimacy_and_claims(tidy: pd.DataFrame, *, band: float = 0.9) -> Figure:
    """The public's judgement and the gap between claims and visible action, over time."""
    fig, axes = figure(1, 2, sharex=True)
    designs = ordered_designs(tidy["design"].unique())
    for ax, metric in zip(axes, ("legitimacy", "claims_gap"), strict=True):
        time_panel(ax, tidy, metric, band=band, designs=designs)
    axes[1].axhline(0, color="grey", lw=1)
    _design_legend(fig, designs, loc="outside right center", frameon=False)
    fig.suptitle(f"Legitimacy and claims gap (median and {band:.0%} band of runs)")
    return fig


@_styled
def forest(
    effects: pd.DataFrame,
    *,
    label: str = "variant",
    metrics: Sequence[str] | None = None,
    estimate: str = "median_difference",
    low: str = "diff_ci_low",
    high: str = "diff_ci_high",
    title: str = "Effect of removing each ingredient",
    xlabel: str = "change in median vs the full design",
) -> Figure:
    """Forest plot: one row per `label`, a point and interval per metric panel, a line at 0.

    Intervals that exclude 0 are drawn in the highlight colour.
    """
    metrics = list(metrics or dict.fromkeys(effects["metric"]))
    rows = list(dict.fromkeys(effects[label]))
    fig, axes = figure(1, len(metrics), sharey=True)
    axes = np.atleast_1d(axes)
    y = np.arange(len(rows))[::-1]
    for ax, metric in zip(axes, metrics, strict=True):
        part = effects[effects["metric"] == metric].set_index(label).reindex(rows)
        excludes_zero = (part[low] > 0) | (part[high] < 0)
        for yk, est, lo, hi, hit in zip(
            y, part[estimate], part[low], part[high], excludes_zero, strict=True
        ):
            colour = HIGHLIGHT if hit else "black"
            ax.errorbar(
                est,
                yk,
                xerr=[[est - lo], [hi - est]],
                fmt="D",
                ms=8,
                color=colour,
                elinewidth=2.5,
                capsize=4,
            )
        ax.axvline(0, color="grey", lw=1.2, ls="--")
        ax.set_yticks(y, rows)
        ax.set_title(BY_NAME[metric].label if metric in BY_NAME else metric)
        unit = BY_NAME[metric].unit if metric in BY_NAME else ""
        ax.set_xlabel(f"{xlabel}\n({unit})" if unit else xlabel)
        ax.grid(axis="y", visible=False)
    fig.suptitle(f"{title} (95% bootstrap intervals; coloured: interval excludes 0)")
    return fig


def _outline(ax, mask: np.ndarray, x_edges: np.ndarray, y_edges: np.ndarray, **line) -> None:
    """Draw the boundary between True and False cells of `mask` (rows = y, columns = x)."""
    padded = np.pad(mask.astype(bool), 1)
    segments = []
    for i in range(padded.shape[0] - 1):  # horizontal edges between row i-1 and i
        for j in range(1, padded.shape[1] - 1):
            if padded[i, j] != padded[i + 1, j]:
                segments.append(((x_edges[j - 1], x_edges[j]), (y_edges[i], y_edges[i])))
    for i in range(1, padded.shape[0] - 1):  # vertical edges between column j-1 and j
        for j in range(padded.shape[1] - 1):
            if padded[i, j] != padded[i, j + 1]:
                segments.append(((x_edges[j], x_edges[j]), (y_edges[i - 1], y_edges[i])))
    for xs, ys in segments:
        ax.plot(xs, ys, solid_capstyle="projecting", **line)


def _edges(centres: np.ndarray) -> np.ndarray:
    centres = np.asarray(centres, dtype=float)
    if centres.size == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    mids = (centres[1:] + centres[:-1]) / 2
    return np.concatenate([[2 * centres[0] - mids[0]], mids, [2 * centres[-1] - mids[-1]]])


def grid_cell(
    xs: Sequence[float], ys: Sequence[float], point: tuple[float, float]
) -> tuple[int, int] | None:
    """(column, row) of the cell of the grid `xs` x `ys` (each sorted) whose values are `point`'s
    own, or None when the point is not on the grid (between cells or outside)."""
    j = np.flatnonzero(np.isclose(np.asarray(xs, dtype=float), point[0]))
    i = np.flatnonzero(np.isclose(np.asarray(ys, dtype=float), point[1]))
    return (int(j[0]), int(i[0])) if j.size and i.size else None


@_styled
def heatmap(
    cells: pd.DataFrame,
    x: str,
    y: str,
    value: str = "median_progress",
    outline: str | None = None,
    *,
    metric: str | None = None,
    outline_label: str = "outlined cells",
    title: str | None = None,
    colorbar_label: str | None = None,
    annotate: bool = True,
    mark: tuple[float, float, str] | None = None,
) -> Figure:
    """A grid of `value` over two knobs, with the cells where the column `outline` is True
    outlined (the legend calls them `outline_label`).

    `cells` has one row per grid cell: columns `x`, `y`, `value` and `outline` if given.
    `metric` (default: `value` without "median_") sets the colour scale: 0 to 1 for a share,
    else the range of the values. `mark` = (x, y, label) marks a point, such as a design's own
    settings: a frame round its cell when the point is on the grid, else a star at its true
    position, so no cell is ever passed off as the point.
    """
    metric = metric or value.removeprefix("median_")
    grid = cells.pivot(index=y, columns=x, values=value).sort_index().sort_index(axis=1)
    xs, ys = grid.columns.to_numpy(dtype=float), grid.index.to_numpy(dtype=float)
    x_edges, y_edges = _edges(xs), _edges(ys)
    fig, ax = figure(size=(SLIDE[1] * 1.35, SLIDE[1]))
    limits = (0, 1) if is_share(metric) else (None, None)  # None: the values' own range
    mesh = ax.pcolormesh(
        x_edges, y_edges, grid.to_numpy(), cmap="cividis", vmin=limits[0], vmax=limits[1]
    )
    bar = fig.colorbar(mesh, ax=ax)
    bar.set_label(colorbar_label or axis_label(metric))
    if annotate and grid.size <= 200:
        for (i, j), v in np.ndenumerate(grid.to_numpy()):
            if np.isfinite(v):
                ax.text(
                    xs[j],
                    ys[i],
                    f"{v:.2f}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if mesh.norm(v) < 0.55 else "black",
                )
    handles, labels = [], []
    if outline is not None:
        mask = cells.pivot(index=y, columns=x, values=outline).sort_index().sort_index(axis=1)
        _outline(
            ax, mask.fillna(False).to_numpy(dtype=bool), x_edges, y_edges, color=HIGHLIGHT, lw=3.5
        )
        handles.append(Line2D([], [], color=HIGHLIGHT, lw=3.5))
        labels.append(
            outline_label if cells[outline].any() else f"{outline_label} (no such cell here)"
        )
    if mark is not None:
        handles.append(_mark(ax, mark, xs, ys, x_edges, y_edges))
        labels.append(
            f"{mark[2]} (its own settings)"
            if grid_cell(xs, ys, mark[:2])
            else f"{mark[2]} (its own settings, between cells)"
        )
    if handles:
        ax.legend(
            handles,
            labels,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.12),
            ncols=1 if sum(map(len, labels)) > 60 else len(handles),
            frameon=False,
        )
    ax.set_xlabel(f"{x.replace('_', ' ')} (knob, 0-1)")
    ax.set_ylabel(f"{y.replace('_', ' ')} (knob, 0-1)")
    ax.set_xticks(xs[:: max(1, len(xs) // 6)])
    ax.set_yticks(ys[:: max(1, len(ys) // 6)])
    ax.grid(False)
    ax.set_aspect("auto")
    ax.set_title(title or f"{axis_label(value)} over {x} and {y}")
    return fig


def _mark(ax, mark: tuple[float, float, str], xs, ys, x_edges, y_edges):
    """A frame round the point's own cell (so the cell's number stays readable), or, off the
    grid, a star at the point itself, the axes widened to show it; returns the legend handle."""
    halo = [withStroke(linewidth=4.5, foreground="white")]
    cell = grid_cell(xs, ys, mark[:2])
    if cell is not None:
        j, i = cell
        frame = {"fill": False, "ec": "black", "lw": 3}
        ax.add_patch(
            Rectangle(
                (x_edges[j], y_edges[i]),
                x_edges[j + 1] - x_edges[j],
                y_edges[i + 1] - y_edges[i],
                zorder=5,
                path_effects=halo,
                **frame,
            )
        )
        return Patch(**frame, path_effects=halo)
    star = {"marker": "*", "ms": 20, "mfc": "white", "mec": "black", "mew": 1.8, "ls": "none"}
    ax.plot([mark[0]], [mark[1]], zorder=6, clip_on=False, **star)
    ax.set_xlim(min(x_edges[0], mark[0]), max(x_edges[-1], mark[0]))
    ax.set_ylim(min(y_edges[0], mark[1]), max(y_edges[-1], mark[1]))
    return Line2D([], [], **star)


@_styled
def sensitivity_bars(
    indices: pd.DataFrame, columns: Sequence[tuple[str, str, str]], *, title: str, xlabel: str
) -> Figure:
    """Horizontal bars of sensitivity indices with confidence intervals, one panel per metric.

    `indices` has columns metric, parameter and, for each (value, conf, label) in `columns`,
    the index and the half-width of its confidence interval. Parameters are sorted by the first
    index, largest at the top.
    """
    metrics = list(dict.fromkeys(indices["metric"]))
    fig, axes = figure(1, len(metrics))
    axes = np.atleast_1d(axes)
    colours = [OKABE_ITO["blue"], OKABE_ITO["orange"], OKABE_ITO["bluish_green"]]
    height = 0.8 / len(columns)
    for ax, metric in zip(axes, metrics, strict=True):
        part = indices[indices["metric"] == metric].sort_values(columns[0][0])
        y = np.arange(len(part))
        for k, ((value, conf, name), colour) in enumerate(zip(columns, colours, strict=False)):
            offset = (k - (len(columns) - 1) / 2) * height
            ax.barh(
                y - offset,
                part[value],
                height=height,
                color=colour,
                label=name,
                xerr=part[conf],
                error_kw={"ecolor": "black", "capsize": 3, "lw": 1.5},
            )
        ax.set_yticks(y, [p.replace("_", " ") for p in part["parameter"]])
        ax.set_title(BY_NAME[metric].label if metric in BY_NAME else metric)
        ax.axvline(0, color="grey", lw=1)
        ax.grid(axis="y", visible=False)
    fig.supxlabel(xlabel)
    if len(columns) > 1:
        axes[0].legend(loc="lower right")
    fig.suptitle(f"{title} (bars: index; whiskers: 95% confidence interval)")
    return fig


@_styled
def size_plot(
    finals: pd.DataFrame,
    *,
    x: str = "start_members",
    hue: str = "orchestration",
    panels: Sequence[tuple[str, str]] = (
        ("progress_per_member", "final progress per starting member (share per organisation)"),
        ("progress", "final progress (share solved, 0-1)"),
    ),
    band: float = 0.9,
) -> Figure:
    """Median and `band` of runs of each panel's column against partnership size, one line per
    value of `hue`."""
    fig, axes = figure(1, len(panels))
    axes = np.atleast_1d(axes)
    levels = sorted(finals[hue].unique())
    palette = [
        OKABE_ITO["vermillion"],
        OKABE_ITO["blue"],
        OKABE_ITO["bluish_green"],
        OKABE_ITO["orange"],
    ]
    styles = ["--", "-", "-.", ":"]
    lo, hi = (1 - band) / 2, 1 - (1 - band) / 2
    for ax, (column, ylabel) in zip(axes, panels, strict=True):
        for k, level in enumerate(levels):
            part = finals[finals[hue] == level].groupby(x)[column]
            q = pd.DataFrame(
                {"median": part.median(), "lo": part.quantile(lo), "hi": part.quantile(hi)}
            )
            colour = palette[k % len(palette)]
            ax.fill_between(q.index, q["lo"], q["hi"], color=colour, alpha=0.15, lw=0)
            ax.plot(
                q.index,
                q["median"],
                color=colour,
                ls=styles[k % len(styles)],
                marker="o",
                label=f"{hue.replace('_', ' ')} = {level:g}",
            )
        ax.set_xlabel("members at the start (organisations)")
        ax.set_ylabel(ylabel)
        ax.set_ylim(bottom=0)
        ax.set_title(ylabel.split(" (")[0].capitalize())
    axes[0].legend()
    fig.suptitle(f"Partnership size (median and {band:.0%} band of runs)")
    return fig


NO_STALL = "no stall"
# Stall causes are not designs, so they take none of the design colours: each is a grey with a
# hatch of its own (fill, hatch, hatch colour), darkest for the commonest causes, so the bars
# read in print too; runs that never stalled are the palest, plain.
DARK, LIGHT = "#3C3C3C", "#FFFFFF"
CAUSE_STYLES = {
    NO_STALL: ("#EBEBEB", "", DARK),
    "missing_asset": ("#3C3C3C", "", LIGHT),
    "money_ran_out": ("#505050", "oo", LIGHT),
    "loss_of_sponsor": ("#9A9A9A", "//", LIGHT),
    "talking_shop": ("#D2D2D2", "..", DARK),
    "trust_breakdown": ("#6E6E6E", "xx", LIGHT),
    "legitimacy_crisis": ("#B4B4B4", "\\\\", DARK),
    "partner_fatigue": ("#6E6E6E", "--", LIGHT),
    "treadmill": ("#9A9A9A", "||", LIGHT),
    NO_SINGLE_CAUSE: ("#FFFFFF", "++", DARK),
}
OTHER_CAUSE = ("#D2D2D2", "**", DARK)  # a cause the palette does not know
CAUSE_ORDER = tuple(CAUSE_STYLES)


def stall_cause_shares(tidy: pd.DataFrame) -> pd.DataFrame:
    """Share of runs (0-1) by stall cause: one row per design (in the fixed order), one column
    per cause present (`NO_STALL` for runs that never stalled), each row summing to 1."""
    keys = ["run"] if "run" in tidy else ["design", "seed"]
    runs = tidy.drop_duplicates(keys)
    cause = runs["stall_cause"].where(runs["stalled"].astype(bool), NO_STALL)
    cause = cause.fillna(NO_SINGLE_CAUSE)  # stalled with no cause named: none stood out
    shares = pd.crosstab(runs["design"], cause, normalize="index")
    columns = [c for c in CAUSE_ORDER if c in shares] + sorted(set(shares) - set(CAUSE_ORDER))
    return shares.reindex(index=ordered_designs(shares.index), columns=columns)


def cause_label(cause: str) -> str:
    return NO_STALL if cause == NO_STALL else CAUSE_LABELS.get(cause, cause.replace("_", " "))


@_styled
def stall_causes(tidy: pd.DataFrame, out: str | Path | None = None) -> Figure:
    """Per design, a horizontal bar of the share of runs by stall cause (sim.diagnosis), with
    "no stall" first. With `out`, also saved there as stall_causes.png and .svg."""
    shares = stall_cause_shares(tidy)
    designs = list(shares.index)
    fig, ax = figure(size=(SLIDE[0], max(3.5, 1.2 + 0.75 * len(designs))))
    positions = np.arange(len(designs))[::-1]  # the fixed order, top to bottom
    left = np.zeros(len(designs))
    for cause in shares.columns:
        values = shares[cause].to_numpy()
        fill, hatch, hatch_colour = CAUSE_STYLES.get(cause, OTHER_CAUSE)
        ax.barh(
            positions,
            values,
            left=left,
            height=0.7,
            label=cause_label(cause),
            color=fill,
            hatch=hatch,
            hatchcolor=hatch_colour,
            edgecolor=DARK,
            lw=0.8,
        )
        for y, x0, v in zip(positions, left, values, strict=True):
            if v >= 0.08:  # label the segments wide enough to hold their number
                ax.text(
                    x0 + v / 2,
                    y,
                    f"{v:.0%}",
                    ha="center",
                    va="center",
                    fontsize=11,
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.9},
                )
        left += values
    ax.set_yticks(positions, [label_of(d) for d in designs])
    for tick, design in zip(ax.get_yticklabels(), designs, strict=True):
        tick.set_color(colour_of(design))
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of runs, 0-1")
    ax.grid(axis="y", visible=False)
    fig.legend(
        *ax.get_legend_handles_labels(),
        loc="outside right center",
        frameon=False,
        title="stall cause",
    )
    fig.suptitle(
        f"Why runs stall: share of runs by first stall cause "
        f"({_n_runs(tidy) // len(designs)} runs per design)"
    )
    if out is not None:
        save(fig, out, "stall_causes")
    return fig


# Variants of one design (the ablation's removals) have no fixed colour of their own: they take
# these in order, each with its own line style too, so eight stay apart in print and in grey.
# Yellow is left out (faint on white); black is free because the reference is not drawn.
VARIANT_COLOURS = tuple(
    OKABE_ITO[c]
    for c in ("blue", "vermillion", "bluish_green", "orange", "reddish_purple", "sky_blue", "black")
)
VARIANT_STYLES = ("-", "--", "-.", ":")


def variant_style(k: int) -> dict[str, object]:
    """Colour and line style of the k-th variant: 7 colours and 4 styles, coprime, so no two
    of the first 28 share both."""
    return {
        "color": VARIANT_COLOURS[k % len(VARIANT_COLOURS)],
        "ls": VARIANT_STYLES[k % len(VARIANT_STYLES)],
    }


@_styled
def effect_timeline(
    timeline: pd.DataFrame,
    *,
    label: str = "variant",
    metrics: Sequence[str] | None = None,
    setup_weeks: int | None = None,
    reference: str = "the full design",
    paired: bool = False,
    band_alpha: float = 0.12,
    title: str = "When each ingredient matters",
) -> Figure:
    """The effect of each removal week by week: one panel per metric (sharing the weeks), one
    line per `label` with its bootstrap band, a line at 0 and the set-up weeks shaded.

    `timeline` is `stats.effects_over_time`'s table (columns `label`, metric, week, and
    median_difference, diff_ci_low, diff_ci_high). `paired`: draw its paired columns instead
    (`pair_by`: paired_difference, paired_ci_low, paired_ci_high), the median over seeds of
    each seed's run minus `reference`'s run of that seed, its band resampling seeds; the
    axis titles and the band's legend entry name whichever is drawn.
    """
    if paired:
        estimate, low, high = "paired_difference", "paired_ci_low", "paired_ci_high"
        ylabel = f"run minus {reference}'s,\nmedian over seeds"
        what = f"median over seeds of the variant's run minus {reference}'s run of the same seed"
        band_name = "95% bootstrap band (resampling seeds)"
    else:
        estimate, low, high = "median_difference", "diff_ci_low", "diff_ci_high"
        ylabel = "change in median"
        what = f"median without the ingredient minus median of {reference}"
        band_name = "95% bootstrap band"
    metrics = list(metrics or dict.fromkeys(timeline["metric"]))
    rows = list(dict.fromkeys(timeline[label]))
    fig, axes = figure(len(metrics), 1, sharex=True, size=(SLIDE[0], SLIDE[1] * 1.2))
    axes = np.atleast_1d(axes)
    for ax, metric in zip(axes, metrics, strict=True):
        part = timeline[timeline["metric"] == metric]
        if setup_weeks:
            # each week's value is drawn at its number (week 0: the start, before any week),
            # so the set-up weeks 1..setup_weeks are the points from 1 to setup_weeks
            ax.axvspan(0.5, setup_weeks + 0.5, color="grey", alpha=0.15, lw=0, zorder=0)
        ax.axhline(0, color="grey", lw=1.2, ls="--", zorder=1)
        for k, row in enumerate(rows):
            line = part[part[label] == row].sort_values("week")
            style = variant_style(k)
            ax.fill_between(
                line["week"], line[low], line[high], color=style["color"], alpha=band_alpha, lw=0
            )
            ax.plot(line["week"], line[estimate], **style)
        unit = BY_NAME[metric].unit if metric in BY_NAME else ""
        ax.set_ylabel(f"{ylabel}\n({unit})" if unit else ylabel)
        ax.set_title(f"{BY_NAME[metric].label if metric in BY_NAME else metric} ({what})")
        ax.margins(x=0)
    axes[-1].set_xlabel(WEEKS)
    handles: list = [Line2D([], [], lw=2.5, **variant_style(k)) for k in range(len(rows))]
    names = list(rows)
    # the band's swatch holds each variant's own band colour, as drawn
    handles.append(
        tuple(
            Patch(color=variant_style(k)["color"], alpha=band_alpha, lw=0) for k in range(len(rows))
        )
    )
    names.append(band_name)
    if setup_weeks:
        handles.append(Patch(color="grey", alpha=0.15))
        names.append(f"set-up (weeks 1-{setup_weeks})")
    fig.legend(
        handles,
        names,
        loc="outside lower center",
        ncols=min(len(names), 4),
        frameon=False,
        handlelength=max(2.0, 0.6 * len(rows)),
        handler_map={tuple: HandlerTuple(ndivide=None, pad=0)},
    )
    fig.suptitle(f"{title}: the effect of each removal, week by week")
    return fig


# The two parts of a gap (experiments.fair) are not designs: greys, spending hatched, so they
# read in print too; the held reading has a row of panels of its own.
SPLIT_STYLES = {
    "resources": ("#505050", "", "resources (week-0 budget and members' capacity)"),
    "spending": ("#C8C8C8", "//", "how they are spent"),
}


@_styled
def gap_split(split: pd.DataFrame, readings: Mapping[str, str]) -> Figure:
    """Per baseline, the gap to the reference split into resources and how they are spent
    (`experiments.fair.analyse`'s table): one panel per metric (columns) and reading (rows:
    `readings`, {reading: its name on the row}), a bar per part with its interval, the gap as
    a diamond, a line at 0."""
    metrics = list(dict.fromkeys(split["metric"]))
    designs = ordered_designs(split["design"].unique())
    reference = str(split["reference"].iloc[0])
    fig, axes = figure(
        len(readings),
        len(metrics),
        size=(SLIDE[0], max(4.0, 1.6 + 0.55 * len(designs) * len(readings))),
        sharex="col",
        sharey=True,
    )
    axes = np.atleast_2d(np.asarray(axes).reshape(len(readings), len(metrics)))
    y = np.arange(len(designs))[::-1]
    height = 0.36
    for row, reading in enumerate(readings):
        for col, metric in enumerate(metrics):
            ax = axes[row, col]
            part = split[(split["metric"] == metric) & (split["reading"] == reading)]
            table = part.set_index(["design", "part"])
            for k, (name, (fill, hatch, label)) in enumerate(SPLIT_STYLES.items()):
                rows = table.xs(name, level="part").reindex(designs)
                offset = (0.5 - k) * height
                ax.barh(
                    y + offset,
                    rows["estimate"],
                    height=height,
                    color=fill,
                    hatch=hatch,
                    edgecolor=DARK,
                    lw=0.8,
                    label=label,
                )
                shown = rows["ci_low"].notna() & rows["ci_high"].notna()
                ax.errorbar(
                    rows["estimate"][shown],
                    (y + offset)[shown.to_numpy()],
                    xerr=[
                        (rows["estimate"] - rows["ci_low"])[shown],
                        (rows["ci_high"] - rows["estimate"])[shown],
                    ],
                    fmt="none",
                    ecolor="black",
                    elinewidth=1.6,
                    capsize=4,
                )
            gaps = table.xs("gap", level="part").reindex(designs)["estimate"]
            ax.plot(
                gaps,
                y,
                "D",
                color="white",
                mec="black",
                mew=1.5,
                ms=9,
                ls="none",
                zorder=4,
                label="gap (= resources + spending)",
            )
            ax.axvline(0, color="black", lw=1.2)
            ax.set_yticks(y, [label_of(d) for d in designs])
            if col == 0:  # the others share its axis and show no labels
                for tick, design in zip(ax.get_yticklabels(), designs, strict=True):
                    tick.set_color(colour_of(design))
            ax.grid(axis="y", visible=False)
            if row == 0:
                ax.set_title(BY_NAME[metric].label if metric in BY_NAME else metric)
            if col == 0:
                ax.set_ylabel(textwrap.fill(readings[reading], 24))
            ax.xaxis.set_major_locator(MaxNLocator(nbins=6))
            if row == len(readings) - 1:
                unit = BY_NAME[metric].unit if metric in BY_NAME else ""
                ax.set_xlabel("part of the gap" + (f" ({unit})" if unit else ""))
    handles, labels = axes[0, 0].get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda i: labels[i].startswith("gap"))  # parts first
    fig.legend(
        [handles[i] for i in order],
        [labels[i] for i in order],
        loc="outside lower center",
        ncols=3,
        frameon=False,
    )
    seeds = int(split["seeds"].max()) if len(split) else 0
    whiskers = (
        "whiskers: 95% paired bootstrap interval"
        if split["ci_low"].notna().any()
        else f"no whiskers: fewer than {MIN_RUNS} seeds"
    )
    fig.suptitle(
        f"What the gap to the {label_of(reference)} is made of: resources and how they are "
        f"spent\n(Shapley split of the mean over {seeds} seeds; {whiskers})"
    )
    return fig
