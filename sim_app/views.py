"""What the workshop app draws: live metric plots, the members' network and the stall panel's
words. Plain matplotlib `Figure`s (no pyplot state, safe from the app's threads) and plain text,
so they can be tested without a browser.
"""

from __future__ import annotations

import io
import math
from collections import OrderedDict

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator
from PIL import Image

from experiments.kit.look import LEDGER_COLOURS, OKABE_ITO
from sim.diagnosis import CAUSE_LABELS, STALL_GAIN, STALL_WINDOW, StallObserver
from sim.mechanisms.engagement import GAINS, LEDGER
from sim.metrics import BY_NAME
from sim.partnership import MEMBER
from sim.sectors import PROFILES, SECTORS

from .session import LEDGER_WEEKS, DesignRun, scenario_label

SECTOR_COLOURS = {
    "government": OKABE_ITO["blue"],
    "business": OKABE_ITO["orange"],
    "civil_society": OKABE_ITO["bluish_green"],
    "citizens": OKABE_ITO["reddish_purple"],
}
RUN_COLOURS = {"A": OKABE_ITO["black"], "B": OKABE_ITO["vermillion"]}
LEFT_COLOUR = "#9A9A9A"
EDGE_MIN_TRUST = 0.2  # mutual trust below this is not drawn (sector priors start at 0.25-0.55,
#                      so at first every working pair shows; pairs that fall out of trust fade)
STYLE = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "lines.linewidth": 2.0,
    "legend.fontsize": 9,
}
METRIC_PANELS = {  # metric -> panel title (the registry's labels, shortened to fit)
    "progress": "Problem progress (0-1)",
    "systems_change": "Systems change (0-1)",
    "trust": "Trust among members (0-1)",
    "legitimacy": "Legitimacy with the public (0-1)",
    "claims_gap": "Claims gap (above 0: claims ahead of action)",
    "members": "Members (organisations)",
}


def _figure(width: float, height: float, ncols: int = 1, nrows: int = 1, **kwargs):
    """A figure with fixed margins: a constrained layout would double the time each frame
    takes to draw while the app plays."""
    with mpl.rc_context(STYLE):
        fig = Figure(figsize=(width, height), dpi=100)
        axes = fig.subplots(nrows, ncols, squeeze=False, **kwargs)
    return fig, axes.ravel()


# ---------------------------------------------------------------------------------------------
# Drawing fast: the frame once, the data each time
# ---------------------------------------------------------------------------------------------

# Most of a frame's drawing time is its frame: axes, ticks, tick labels, titles, legends
# (about 0.16 of 0.2 s for the metrics figure). A live plot keeps its frame while the data
# moves, so the frame is drawn once and kept, keyed by everything that shapes it (figure size,
# each axes' place, limits, title and labels, the figure's legends); each picture then draws
# only its data (lines, collections, texts and the axes' own legends) over a copy of it.
# Kept per process and bounded; every drawing happens in the app's one drawing thread.
FRAMES: OrderedDict[tuple, object] = OrderedDict()
FRAMES_MAX = 64


def frame_key(fig: Figure) -> tuple:
    """Everything about a figure that is drawn in its frame rather than with its data."""
    axes = tuple(
        (
            ax.get_position().bounds,
            ax.get_xlim(),
            ax.get_ylim(),
            ax.get_title(),
            ax.get_xlabel(),
            ax.get_ylabel(),
            ax.axison,
        )
        for ax in fig.axes
    )
    legends = tuple(tuple(t.get_text() for t in legend.get_texts()) for legend in fig.legends)
    return (tuple(fig.get_size_inches()), fig.dpi, axes, legends)


def data_artists(fig: Figure) -> list:
    """The artists that change with the data, in drawing order (by axes, then z-order)."""
    out = []
    for ax in fig.axes:
        artists = [*ax.lines, *ax.collections, *ax.texts]
        if ax.get_legend() is not None:
            artists.append(ax.get_legend())
        out.extend(sorted(artists, key=lambda a: a.get_zorder()))
    return out


def fast_png(fig: Figure) -> bytes:
    """`fig` as PNG, its frame drawn from the kept copy when one matches (see FRAMES)."""
    canvas = FigureCanvasAgg(fig)
    data = data_artists(fig)
    for artist in data:
        artist.set_animated(True)  # left out of the frame; drawn one by one below
    key = frame_key(fig)
    frame = FRAMES.get(key)
    if frame is None:
        canvas.draw()
        frame = FRAMES[key] = canvas.copy_from_bbox(fig.bbox)
        while len(FRAMES) > FRAMES_MAX:
            FRAMES.popitem(last=False)
    else:
        FRAMES.move_to_end(key)
        canvas.restore_region(frame)
    renderer = canvas.get_renderer()
    for artist in data:
        artist.draw(renderer)
    width, height = canvas.get_width_height()
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buffer = io.BytesIO()
    image.save(buffer, format="png", compress_level=1)  # fast; ~1.3x larger
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Metrics over time
# ---------------------------------------------------------------------------------------------


def metrics_figure(runs: list[DesignRun]) -> Figure:
    """Progress, systems change, trust, legitimacy, claims gap and members, week by week; one
    line per design, and a dotted line where a design stalled."""
    horizon = max(run.horizon for run in runs)
    with mpl.rc_context(STYLE):
        fig, axes = _figure(11, 5.2, ncols=3, nrows=2, sharex=True)
        for run in runs:
            records = run.records()
            colour = RUN_COLOURS[run.name]
            for ax, metric in zip(axes, METRIC_PANELS, strict=True):
                ax.plot(records.index, records[metric], color=colour)
                if run.observer.stalled:
                    ax.axvline(run.observer.stall_week, color=colour, ls=":", lw=1.5)
        for ax, (metric, title) in zip(axes, METRIC_PANELS.items(), strict=True):
            ax.set_title(title)
            ax.set_xlim(0, horizon)
            if "0-1" in BY_NAME[metric].unit:
                ax.set_ylim(0, 1)
            elif metric == "members":
                ax.set_ylim(0, 5 * math.ceil(max(ax.get_ylim()[1], 5) / 5))  # in steps of 5
                ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes[4].axhline(0, color="grey", lw=1)
        low, high = axes[4].get_ylim()  # in steps of 0.2, so the frame rarely changes
        axes[4].set_ylim(min(-0.4, math.floor(low * 5) / 5), max(0.4, math.ceil(high * 5) / 5))
        for ax in axes[3:]:
            ax.set_xlabel("week")
        handles = [Line2D([], [], color=RUN_COLOURS[r.name], lw=2.5) for r in runs]
        labels = [
            (f"{r.name}: " if len(runs) > 1 else "") + scenario_label(r.scenario) for r in runs
        ]
        handles.append(Line2D([], [], color="grey", ls=":", lw=1.5))
        labels.append("week the design stalled")
        fig.legend(handles, labels, loc="lower center", ncols=len(handles), frameon=False)
        fig.subplots_adjust(left=0.05, right=0.99, top=0.94, bottom=0.17, wspace=0.22, hspace=0.32)
    return fig


def engagement_panel(ax, run: DesignRun) -> None:
    records = run.records()
    for sector in SECTORS:
        ax.plot(
            records.index,
            records[f"engagement_{sector}"],
            color=SECTOR_COLOURS[sector],
            label=sector.replace("_", " "),
        )
    if run.observer.stalled:
        ax.axvline(run.observer.stall_week, color="grey", ls=":", lw=1.5)
    ax.set_xlim(0, run.horizon)
    ax.set_ylim(0, 1)
    ax.set_xlabel("week")
    ax.set_title("Engagement by sector (mean of members, 0-1)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)


# ---------------------------------------------------------------------------------------------
# The members' network
# ---------------------------------------------------------------------------------------------


def trust_edges(model, min_trust: float = EDGE_MIN_TRUST) -> list[tuple[int, int, float]]:
    """(i, j, trust) with i < j for pairs of current members who work together and whose mutual
    trust (the mean of i's trust in j and j's in i) is at least `min_trust`; i and j are rows
    of `model.orgs`.

    Reads the trust store's `edges(active)` (arrays i, j, trust of i in j, one per working
    relationship and direction); a store without it is read as a dense matrix, `level`.
    """
    active = model.orgs.active()
    matrix = model.trust_matrix
    if hasattr(matrix, "edges"):
        rows, cols, trust = (np.asarray(x) for x in matrix.edges(active))
    else:
        block = matrix.level[np.ix_(active, active)]
        a, b = np.nonzero(~np.eye(active.size, dtype=bool))
        rows, cols, trust = active[a], active[b], block[a, b]
    member = np.isin(rows, active) & np.isin(cols, active) & (rows != cols)
    both: dict[tuple[int, int], list[float]] = {}
    for i, j, t in zip(rows[member], cols[member], trust[member], strict=True):
        both.setdefault((int(min(i, j)), int(max(i, j))), []).append(float(t))
    return [
        (i, j, sum(ts) / len(ts))
        for (i, j), ts in sorted(both.items())
        if sum(ts) / len(ts) >= min_trust
    ]


def sector_layout(model) -> dict[int, tuple[float, float]]:
    """Positions of every organisation that ever joined: one cluster per sector around a circle,
    members on a ring inside their cluster in the order they joined. Needs no random numbers."""
    orgs = model.orgs
    joined = np.flatnonzero(orgs.joined_week >= 0)
    positions = {}
    for s in range(len(SECTORS)):
        rows = joined[orgs.sector[joined] == s]
        rows = rows[np.lexsort((rows, orgs.joined_week[rows]))]
        centre = _centre(s)
        radius = _radius(rows.size)
        for k, row in enumerate(rows):
            angle = 2 * math.pi * k / max(rows.size, 1)
            positions[int(row)] = (
                centre[0] + radius * math.cos(angle),
                centre[1] + radius * math.sin(angle),
            )
    return positions


def _radius(members: int) -> float:
    """Radius of a sector's ring of members: wider for more, capped to stay in its corner."""
    return 0.0 if members <= 1 else min(0.12 + 0.025 * members, 0.65)


def _centre(sector: int) -> tuple[float, float]:
    """Where a sector's cluster sits: one corner each, government top right, then
    anticlockwise."""
    angle = math.pi / 4 + sector * math.pi / 2
    return math.cos(angle), math.sin(angle)


def network_panel(ax, model) -> None:
    """Members coloured by sector (size by engagement), lines for trust between current members,
    members who left as hollow grey circles."""
    orgs = model.orgs
    positions = sector_layout(model)
    edges = trust_edges(model)
    if edges:
        strength = np.array([(t - EDGE_MIN_TRUST) / (1 - EDGE_MIN_TRUST) for _, _, t in edges])
        colours = np.zeros((len(edges), 4))
        colours[:, :3] = 0.33
        colours[:, 3] = 0.2 + 0.6 * strength
        ax.add_collection(
            LineCollection(
                [(positions[i], positions[j]) for i, j, _ in edges],
                linewidths=0.4 + 3.5 * strength,
                colors=colours,
                zorder=1,
            )
        )
    rows = np.array(sorted(positions), dtype=int)
    for s, sector in enumerate(SECTORS):  # name each sector's corner, so an empty one shows
        x, y = _centre(s)
        offset = _radius(int((orgs.sector[rows] == s).sum())) + 0.3
        ax.text(
            x,
            y + (offset if y > 0 else -offset),
            sector.replace("_", " "),
            ha="center",
            va="center",
            color=SECTOR_COLOURS[sector],
            fontsize=10,
        )
    if rows.size:
        xy = np.array([positions[r] for r in rows])
        member = orgs.status[rows] == MEMBER
        colours = [SECTOR_COLOURS[SECTORS[s]] for s in orgs.sector[rows]]
        sizes = 60 + 240 * orgs.engagement[rows]
        ax.scatter(
            xy[member, 0],
            xy[member, 1],
            s=sizes[member],
            c=[c for c, m in zip(colours, member, strict=True) if m],
            edgecolors="white",
            linewidths=1.2,
            zorder=3,
        )
        ax.scatter(
            xy[~member, 0],
            xy[~member, 1],
            s=70,
            facecolors="none",
            edgecolors=LEFT_COLOUR,
            linewidths=1.5,
            linestyle="--",
            zorder=2,
        )
    counts = []
    for s, sector in enumerate(SECTORS):
        here = orgs.sector[rows] == s if rows.size else np.zeros(0, bool)
        active = int((orgs.status[rows][here] == MEMBER).sum()) if rows.size else 0
        left = int(here.sum()) - active
        counts.append((sector, active, left))
    handles = [
        Line2D([], [], ls="", marker="o", ms=9, color=SECTOR_COLOURS[s]) for s, _, _ in counts
    ]
    labels = [
        f"{s.replace('_', ' ')}: {a}" + (f" ({left} left)" if left else "") for s, a, left in counts
    ]
    handles += [
        Line2D([], [], ls="", marker="o", ms=9, mfc="none", mec=LEFT_COLOUR),
        Line2D([], [], color="#555555", lw=2.5),
    ]
    labels += ["left the partnership", "trust between two members"]
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    ax.set_xlim(-1.8, 1.8)
    ax.set_ylim(-2.0, 2.0)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title("Members (dot size: engagement)")


def members_figure(run: DesignRun) -> Figure:
    """The network view beside engagement by sector, for one design."""
    with mpl.rc_context(STYLE):
        fig = Figure(figsize=(11, 3.8), dpi=100)
        # each panel's legend sits to its right
        network_panel(fig.add_axes((0.0, 0.02, 0.32, 0.9)), run.model)
        engagement_panel(fig.add_axes((0.6, 0.13, 0.27, 0.79)), run)
    return fig


# ---------------------------------------------------------------------------------------------
# What members weigh: why they stay or leave
# ---------------------------------------------------------------------------------------------

LEDGER_LIMIT = 0.6  # the axis spans at least this far each side of zero (a week's benefit or
#                     cost rarely passes it; a wider one widens the axis)
BAR = 0.6  # height of a sector's bar


def ledger_panel(ax, run: DesignRun) -> None:
    """For each sector, what its members got a week from each benefit (right of zero) against
    what talk and frustration cost them (left), over the last `LEDGER_WEEKS`: the net as a
    black diamond, and a dashed tick at the sector's exit line (the net below which a member of
    average exit threshold drifts out). Bars are collections (`broken_barh`), so the app's fast
    drawing redraws them with the data."""
    ledger = run.recent_ledger()
    baseline = run.model.params.engagement_baseline
    n_benefits = len(GAINS)
    widest = LEDGER_LIMIT
    for row in range(len(SECTORS)):
        y = len(SECTORS) - 1 - row  # government on top
        parts = ledger[row]
        if np.isnan(parts).all():
            ax.text(0.02, y, "no members", va="center", ha="left", color=LEFT_COLOUR)
            continue
        right = 0.0
        for name, value in zip(GAINS, parts[:n_benefits], strict=True):
            if value > 0:
                ax.broken_barh(
                    [(right, value)], (y - BAR / 2, BAR), facecolors=LEDGER_COLOURS[name]
                )
                right += value
        left = 0.0
        for name, value in zip(LEDGER[n_benefits:], parts[n_benefits:], strict=True):
            if value > 0:
                ax.broken_barh(
                    [(left - value, value)], (y - BAR / 2, BAR), facecolors=LEDGER_COLOURS[name]
                )
                left -= value
        exit_line = PROFILES[row].exit_threshold - baseline
        ax.plot([exit_line, exit_line], [y - 0.45, y + 0.45], color="black", ls="--", lw=1.2)
        ax.scatter([right + left], [y], marker="D", color="black", s=36, zorder=4)
        widest = max(widest, right, -left)
    limit = math.ceil(widest / 0.2) * 0.2
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlim(-limit, limit)
    ax.set_ylim(-0.6, len(SECTORS) - 0.4)
    ax.set_yticks(range(len(SECTORS)), [s.replace("_", " ") for s in reversed(SECTORS)])
    ax.set_xlabel("per week: costs (left of 0), benefits (right); ◆ net; -- exit line")
    ended = "" if run.model.operating or run.week == 0 else ", before the partnership ended"
    ax.set_title(f"What members weigh (mean of the last {LEDGER_WEEKS} weeks{ended})")
    handles = [
        Line2D([], [], ls="", marker="s", ms=10, color=LEDGER_COLOURS[name]) for name in LEDGER
    ]
    ax.legend(handles, list(LEDGER), loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)


def ledger_figure(run: DesignRun) -> Figure:
    """The ledger panel alone, for the app's "why members stay or leave" card."""
    with mpl.rc_context(STYLE):
        fig = Figure(figsize=(11, 3.2), dpi=100)
        ledger_panel(fig.add_axes((0.12, 0.17, 0.7, 0.72)), run)
    return fig


# ---------------------------------------------------------------------------------------------
# The stall panel, in plain words
# ---------------------------------------------------------------------------------------------


def stall_status(run: DesignRun) -> tuple[str, str]:
    """(kind, headline): kind is 'early', 'ok', 'done' or 'stalled', for the panel's colour."""
    observer: StallObserver = run.observer
    if observer.stalled:
        cause = observer.findings[0]
        detail = (
            f" ({cause.evidence['asset'].replace('_', ' ')})"
            if cause.cause == "missing_asset"
            else ""
        )
        return "stalled", f"Stalled in week {observer.stall_week}: {cause.label.lower()}{detail}"
    gain = observer.window_gain()
    if gain is None:
        return "early", (
            f"Too early to judge (week {run.week}): a stall is judged over {STALL_WINDOW} weeks"
        )
    if run.finished:
        return "done", (
            f"Never stalled in {run.week} weeks: progress ended at {run.model.progress:.2f}"
        )
    return "ok", (
        f"Not stalled (week {run.week}): progress {gain:+.3f} over the last {STALL_WINDOW} weeks"
    )


def stall_details(run: DesignRun) -> str:
    """Markdown: why the design stalled, the evidence, and which remedy would restart it."""
    observer = run.observer
    lines = ["Press **Play** or **Step** to start the partnership."] if run.week == 0 else []
    if not observer.stalled:
        lines.append(
            f"A design stalls when it gains less than {STALL_GAIN} progress in "
            f"{STALL_WINDOW} weeks with the problem unsolved, or when fewer than two "
            "members remain. The panel then says why, and tries each remedy on a copy "
            "of the model."
        )
    else:
        report = observer.report()
        lines.append(f"**Why: {report['stall_cause_label'].lower()}.** {report['explanation']}")
        if report["contributing"]:
            lines.append(
                "Also true at the stall: "
                + ", ".join(CAUSE_LABELS[c].lower() for c in report["contributing"])
                + "."
            )
        best = observer.best_remedy
        if best is not None:
            lines.append(
                f"**What would restart it: {best.label.lower()}** "
                f"({pretty_change(best.change)}): {best.effect:+.3f} progress in "
                f"{observer.remedy_window} weeks over doing nothing."
            )
        elif observer.remedies:
            top = observer.remedies[0]
            lines.append(
                f"**No single remedy restarts it** within {observer.remedy_window} "
                f"weeks; {top.label.lower()} helps most ({top.effect:+.3f})."
            )
        if observer.long_window and observer.remedies:
            slow = max(observer.remedies, key=lambda r: r.long_effect or 0.0)
            if slow is not best and (slow.long_effect or 0.0) > 0.02:
                lines.append(
                    f"**Over {_years(observer.long_window)}, {slow.label.lower()} "
                    f"does most:** {slow.long_effect:+.3f}."
                )
        lines.append(remedy_table(observer))
        if run.week > observer.stall_week:
            since = run.model.progress - observer.history[observer.stall_week].progress
            lines.append(
                f"Since the stall: progress {since:+.3f} (week {observer.stall_week} "
                f"to {run.week})."
            )
    if run.changes:
        lines.append(
            "Changes made during the run: "
            + "; ".join(
                f"week {w}: {k.replace('_', ' ')} {old:.2f} to {new:.2f}"
                for w, k, old, new in run.changes
            )
            + "."
        )
    if run.model.event_log:
        lines.append(
            "Events so far: "
            + "; ".join(
                f"week {w}: {kind.replace('_', ' ')} ({pretty_change(detail)})"
                for w, kind, detail in run.model.event_log
            )
            + "."
        )
    return "\n\n".join(lines)


def pretty_change(change: str | None) -> str:
    """'sprint_intensity 0.00 -> 0.90' -> 'sprint intensity 0.00 to 0.90'."""
    if change is None:
        return "already in place"
    return change.replace("_", " ").replace(" -> ", " to ")


def _years(weeks: int) -> str:
    return f"{weeks / 52:g} years" if weeks % 52 == 0 and weeks > 52 else f"{weeks} weeks"


def remedy_table(observer: StallObserver) -> str:
    """Each remedy tried on a copy of the model forked at the stall, best first, beside the copy
    left alone: progress over the next weeks, what the remedy added, and (when judged) what it
    added over the longer run."""
    weeks, long = observer.remedy_window, observer.long_window
    head = (
        f"| Tried at the stall, on a copy of the model | Progress in the next {weeks} weeks "
        f"| Added in {weeks} weeks |"
    )
    rule = "| --- | --- | --- |"
    if long:
        head += f" Added in {_years(long)} |"
        rule += " --- |"
    rows = [head, rule]
    if observer.remedies:
        first = observer.remedies[0]
        rows.append(
            f"| Doing nothing | {first.window_gain - first.effect:+.3f} | |"
            + (" |" if long else "")
        )
    for r in observer.remedies:
        row = f"| {r.label} ({pretty_change(r.change)}) | {r.window_gain:+.3f} | {r.effect:+.3f} |"
        if long:
            row += f" {r.long_effect:+.3f} |"
        rows.append(row)
    return "\n".join(rows)
