"""The comparison at equal resources: part of `python -m experiments.compare` and `make demo`
(left out with --no-fair); ODD 7.12 defines it, docs/experiments.md says how to read it.

A design's resources are its backbone's week-0 budget and its founders' expected total capacity
(`sim.endowment.endowment`); the rest of the design (sizes and sector mix, knobs, convener,
signatories, events) is how it spends them. For each baseline d and the reference r, over the
compare sweep's own seeds:

    Y(r), Y(d)                 the compare sweep's runs
    Y(d at r's resources)      `at_resources_of(d, endowment(r))`: every member's capacity
                               scaled, head-counts kept, the grant set to r's week-0 budget
    Y(r at d's resources)      `at_resources_of(r, endowment(d))`

then each design's own dynamics. The gap Y(r) - Y(d), as a difference of means over seeds, is
split into resources and spending by Shapley's two-factor rule (`stats.two_factor_split`, both
orderings reported). The stricter reading holds the budget at the week-0 amount every week
(`held=True`) in all four cells, the two designs' own runs included, so the budgets are equal
throughout; a cell whose budget nothing could move (`sim.mechanisms.backbone.can_move`) takes
the week-0 reading's runs, which it equals.

The runs not in the compare sweep are one more `python -m sim` sweep: a points table written
into the output folder (`fair_points.csv`, one row per cell: label, scenario and the parameters
it changes) x the same seeds, into runs/fair. Every cell's parameters are built, and the table
checked, before the first run of either sweep starts.
"""

from __future__ import annotations

import csv
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from hydra import compose, initialize_config_dir
from hydra.errors import HydraException

from experiments.kit import look, plots, stats, sweep
from experiments.kit.report import fmt_ci
from sim.cli.checks import CONFIG_DIR, UsageError, check_argv
from sim.cli.main import params_of
from sim.endowment import Endowment, at_resources_of, endowment
from sim.mechanisms.backbone import can_move
from sim.metrics import BY_NAME
from sim.params import ParameterError, Params
from sim.run import config_dict

READINGS = {
    "week0": "budget and capacity equal at week 0",
    "held": "budget held equal every week",
}
STAGE = "fair"  # the sweep's folder under runs/ and its name on the progress bar
POINTS = "fair_points.csv"
TABLE = "fair.csv"
RESOURCES = "fair_resources.csv"


@dataclass(frozen=True)
class Cell:
    """One way of running a design: `spending` is the design run, `resources` the design whose
    week-0 budget and capacity it is given, `held` whether the budget is held at that amount
    every week."""

    spending: str
    resources: str
    held: bool = False

    @property
    def own(self) -> bool:
        return self.spending == self.resources

    @property
    def label(self) -> str:
        whose = "its own resources" if self.own else f"{self.resources}'s resources"
        return f"{self.spending} at {whose}" + (", budget held" if self.held else "")


@dataclass
class Plan:
    """The comparison's runs, worked out before any run starts."""

    reference: str
    baselines: list[str]
    endowments: dict[str, Endowment]  # each design's own, from its parameters
    params: dict[str, Params]  # each design's parameters, as the compare sweep runs it
    cells: dict[Cell, Params] = field(default_factory=dict)  # every cell's parameters
    stand_in: dict[Cell, Cell] = field(default_factory=dict)  # the cell whose runs it takes
    points: list[Cell] = field(default_factory=list)  # the fair sweep's rows, in order
    exclude_keys: list[str] = field(default_factory=list)  # the experiment's, for run folders

    def quartet(self, design: str, reading: str) -> tuple[Cell, Cell, Cell, Cell]:
        """The four cells of `stats.two_factor_split`, in its order: the reference, the
        design, the design at the reference's resources, the reference at the design's."""
        held, r = reading == "held", self.reference
        return (
            Cell(r, r, held),
            Cell(design, design, held),
            Cell(design, r, held),
            Cell(r, design, held),
        )

    def same_as_week0(self, design: str) -> bool:
        """Whether the held reading of `design` runs nothing the week-0 reading does not: no
        budget in its four cells can move, so holding it changes no number."""
        return all(
            self.stand_in[c] == self.stand_in[w]
            for c, w in zip(
                self.quartet(design, "held"), self.quartet(design, "week0"), strict=True
            )
        )

    def extra(self, table: Path) -> list[str]:
        """The fair sweep's overrides after the experiment's own."""
        # the run folders are named without `scenario`: the command line's is the reference's
        # for every run (it only collapses the compare sweep's scenario axis), while each row
        # runs its own
        excluded = ",".join(dict.fromkeys([*self.exclude_keys, "scenario"]))
        return [
            f"points={table}",
            f"point=range(0,{len(self.points)})",
            f"scenario={self.reference}",
            f"hydra.job.config.override_dirname.exclude_keys=[{excluded}]",
        ]


def design_params(experiment: sweep.Experiment, designs: Sequence[str]) -> dict[str, Params]:
    """Each design's parameters as the compare sweep runs it: its first run's config, composed
    as `python -m sim` composes it (`sim.cli.main.params_of`).

    Raises:
        UsageError: when the sweep runs a design with more than one setting (it varies more
            than scenario and seed), for which there is no one endowment.
    """
    jobs: dict[str, dict[tuple[str, ...], list[str]]] = {}
    for job in experiment.jobs():
        values = dict(o.partition("=")[::2] for o in job)
        settings = tuple(sorted(o for o in job if o.partition("=")[0].lstrip("+~") != "seed"))
        jobs.setdefault(values.get("scenario", ""), {}).setdefault(settings, job)
    swept = [k for k in experiment.varied() if k not in ("scenario", "seed")]
    params = {}
    for design in designs:
        settings = jobs.get(design, {})
        if len(settings) != 1:
            raise UsageError(
                f"the comparison at equal resources needs one setting per design, and the sweep "
                f"runs {design} with {len(settings)} (it varies {', '.join(swept) or 'more'} "
                "too): sweep only scenario and seed, or add --no-fair to leave it out"
            )
        job = next(iter(settings.values()))
        try:
            with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
                cfg = compose("config", overrides=job)
        except HydraException as err:
            first = str(err).strip().splitlines()[0][:200]
            raise UsageError(f"cannot compose {' '.join(job)}: {first}") from None
        params[design] = params_of(cfg)[0]
    return params


def plan(experiment: sweep.Experiment, reference: str, designs: Sequence[str]) -> Plan:
    """Every cell of the comparison and where its runs come from.

    Raises:
        UsageError: see `design_params`.
        ParameterError: in one line, when a design cannot be given another's resources (the
            capacity scale or grant it needs is outside its parameter's range).
    """
    params = design_params(experiment, designs)
    found = Plan(
        reference,
        [d for d in designs if d != reference],
        {d: endowment(p) for d, p in params.items()},
        params,
        exclude_keys=list(experiment.exclude_keys),
    )
    for design in found.baselines:
        for reading in READINGS:
            for cell in found.quartet(design, reading):
                _add(found, cell)
    return found


def _add(plan: Plan, cell: Cell) -> None:
    """Add `cell` (and, for a held one, its week-0 cell) to the plan: its parameters, and the
    cell whose runs stand for it."""
    if cell in plan.stand_in:
        return
    week0 = Cell(cell.spending, cell.resources)
    if cell.held:
        _add(plan, week0)
        if not can_move(plan.cells[week0]):  # holding the budget changes no number
            plan.stand_in[cell] = plan.stand_in[week0]
            return
    plan.cells[cell] = _params(plan, cell)
    plan.stand_in[cell] = cell
    if cell.held or not cell.own:  # a design at its own resources is the compare sweep's
        plan.points.append(cell)


def _params(plan: Plan, cell: Cell) -> Params:
    own = plan.params[cell.spending]
    if cell.own and not cell.held:
        return own
    try:
        return at_resources_of(own, plan.endowments[cell.resources], held=cell.held)
    except ParameterError as err:
        raise ParameterError(
            f"the comparison at equal resources cannot run {cell.label}: {err}; "
            "add --no-fair to leave it out"
        ) from None


def write_points(plan: Plan, path: Path) -> Path:
    """The fair sweep's points table: per row its label, its scenario (the design run) and
    every parameter in which the cell differs from the design as the compare sweep runs it
    (empty where it does not)."""
    rows, columns = [], []
    for cell in plan.points:
        own, mine = config_dict(plan.params[cell.spending]), config_dict(plan.cells[cell])
        changed = {k: v for k, v in mine.items() if v != own.get(k)}
        columns += [k for k in changed if k not in columns]
        rows.append({"label": cell.label, "scenario": cell.spending, **changed})
    header = ["label", "scenario", *columns]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow(
                [
                    row["label"],
                    row["scenario"],
                    *(_cell(row[c]) if c in row else "" for c in columns),
                ]
            )
    return path


def _cell(value: Any) -> str:
    """A changed parameter as a points-table cell, exactly (repr round-trips a float); only
    numbers change (`at_resources_of` sets a scale, a grant, dues or a held budget)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"a cell at another's resources changes only numbers, not {value!r}")
    return repr(float(value)) if isinstance(value, float) else str(value)


def check(experiment: sweep.Experiment, plan: Plan, table: Path) -> None:
    """Check the fair sweep's command and every row of its table, as `python -m sim` would,
    before the first run of either sweep starts."""
    if plan.points:
        check_argv([f"+experiment={experiment.name}", *experiment.overrides, *plan.extra(table)])


def execute(experiment: sweep.Experiment, folder: Path, plan: Plan) -> sweep.Sweep | None:
    """Run the fair sweep into `folder`/runs/fair (resuming what is there); None if every cell
    takes the compare sweep's runs."""
    if not plan.points:
        return None
    return sweep.execute(
        experiment, folder / "runs" / STAGE, extra=plan.extra(folder / POINTS), stage=STAGE
    )


def outcomes(
    plan: Plan, own: pd.DataFrame, fair: pd.DataFrame | None, metrics: Sequence[str]
) -> dict[Cell, pd.DataFrame]:
    """The final values of `metrics` of every cell's runs, one row per seed (indexed by seed),
    from the compare sweep's tidy table `own` and the fair sweep's `fair`."""
    found: dict[Cell, pd.DataFrame] = {}
    for design, runs in stats.final_week(own).groupby("design", sort=False):
        found[Cell(str(design), str(design))] = runs.set_index("seed")[list(metrics)]
    if fair is not None:
        finals = stats.final_week(fair)
        for point, runs in finals.groupby(finals["point"].astype(int), sort=False):
            found[plan.points[int(point)]] = runs.set_index("seed")[list(metrics)]
    return {
        cell: found.get(source, pd.DataFrame(columns=list(metrics)))
        for cell, source in plan.stand_in.items()
    }


def analyse(
    plan: Plan,
    values: dict[Cell, pd.DataFrame],
    metrics: Sequence[str],
    seeds: Sequence[int],
    *,
    seed: int = 0,
) -> pd.DataFrame:
    """The split of every baseline's gap, tidy: one row per design, metric, reading (`READINGS`)
    and part (`stats.SPLIT_PARTS`), with its estimate, interval, seeds (those where all four
    cells ran), note, and `same_as_week0` (the held reading runs nothing new)."""
    order = sorted(int(s) for s in seeds)
    parts = []
    for design in plan.baselines:
        for metric in metrics:
            for reading in READINGS:
                cells = [
                    values[c][metric].reindex(order).to_numpy(dtype=float)
                    if metric in values[c]
                    else np.full(len(order), np.nan)
                    for c in plan.quartet(design, reading)
                ]
                split = stats.two_factor_split(*cells, seed=seed, min_runs=stats.MIN_RUNS)
                split.insert(0, "reading", reading)
                split.insert(0, "metric", metric)
                split.insert(0, "reference", plan.reference)
                split.insert(0, "design", design)
                split["same_as_week0"] = plan.same_as_week0(design)
                parts.append(split)
    return pd.concat(parts, ignore_index=True)


def resources_table(plan: Plan) -> pd.DataFrame:
    """Each design's resources and what the comparison gives it: members, week-0 budget (grant
    and dues), expected total capacity, the capacity scale at the reference's resources and
    the reference's at its."""
    rows = []
    ref = plan.reference
    for design in [ref, *plan.baselines]:
        own = plan.endowments[design]
        at_ref = plan.cells.get(Cell(design, ref)) if design != ref else plan.params[design]
        ref_at = plan.cells.get(Cell(ref, design)) if design != ref else plan.params[ref]
        rows.append(
            {
                "design": design,
                "members": own.members,
                "budget": own.budget,
                "grant": own.grant,
                "dues": own.dues,
                "capacity": own.capacity,
                "capacity_scale_at_reference": at_ref.capacity_scale if at_ref else np.nan,
                "reference_capacity_scale_here": ref_at.capacity_scale if ref_at else np.nan,
                "budget_can_move": can_move(plan.params[design]),
            }
        )
    return pd.DataFrame(rows)


def part(split: pd.DataFrame, design: str, metric: str, reading: str, name: str) -> pd.Series:
    """One row of the split table."""
    rows = split[
        (split["design"] == design)
        & (split["metric"] == metric)
        & (split["reading"] == reading)
        & (split["part"] == name)
    ]
    return rows.iloc[0]


def digits_for(split: pd.DataFrame, metric: str) -> int:
    """Decimals that show `metric`'s parts: 2, or 3 where every gap is below 0.1."""
    gaps = split[(split["metric"] == metric) & (split["part"] == "gap")]["estimate"].abs()
    return 3 if gaps.notna().any() and gaps.max() < 0.1 else 2


def reading_line(split: pd.DataFrame | None, metric: str) -> str | None:
    """The Reading section's line: each baseline's resources part of its gap in `metric`."""
    if split is None or split.empty or metric not in set(split["metric"]):
        return None
    n = digits_for(split, metric)
    bits = []
    for design in dict.fromkeys(split["design"]):
        gap = part(split, design, metric, "week0", "gap")["estimate"]
        resources = part(split, design, metric, "week0", "resources")["estimate"]
        if np.isfinite(gap):
            bits.append(f"{look.label_of(design)} {resources:.{n}f} of {gap:.{n}f}")
    if not bits:
        return None
    reference = look.label_of(str(split["reference"].iloc[0]))
    return (
        f"At equal resources (the {reference}'s week-0 budget and members' capacity), the part "
        f"of each baseline's gap to it in mean final {BY_NAME[metric].label.lower()} that is "
        f"resources: {', '.join(bits)}; the rest is how the designs spend them (section "
        "'At equal resources')."
    )


# --- the report's section ------------------------------------------------------------------


def _estimate(
    split: pd.DataFrame, design: str, metric: str, reading: str, name: str, digits: int
) -> str:
    row = part(split, design, metric, reading, name)
    return fmt_ci(row["estimate"], row["ci_low"], row["ci_high"], digits=digits)


def words(split: pd.DataFrame, design: str, metric: str) -> str:
    """The split of one design's gap in words: the week-0 reading, its two orderings, and the
    held reading where it runs anything the week-0 reading does not."""
    ref = look.label_of(str(split["reference"].iloc[0]))
    n = digits_for(split, metric)
    gap = part(split, design, metric, "week0", "gap")
    if not np.isfinite(gap["estimate"]):
        return f"{look.label_of(design)}: no seed has all four runs, so no split"
    first = part(split, design, metric, "week0", "resources_with_own_spending")["estimate"]
    second = part(split, design, metric, "week0", "resources_with_reference_spending")["estimate"]
    text = (
        f"{look.label_of(design)}: of its gap of {gap['estimate']:.{n}f}, "
        f"{_estimate(split, design, metric, 'week0', 'resources', n)} is resources and "
        f"{_estimate(split, design, metric, 'week0', 'spending', n)} how they are spent "
        f"(the resources part is {first:.{n}f} with its own spending, {second:.{n}f} with the "
        f"{ref}'s)"
    )
    if bool(gap["same_as_week0"]):
        return text
    held = part(split, design, metric, "held", "gap")["estimate"]
    return text + (
        f"; with the budget held equal every week, of a gap of {held:.{n}f}, "
        f"{_estimate(split, design, metric, 'held', 'resources', n)} is resources and "
        f"{_estimate(split, design, metric, 'held', 'spending', n)} how they are spent"
    )


def _resources_shown(resources: pd.DataFrame, reference: str) -> pd.DataFrame:
    ref = look.label_of(reference)
    return pd.DataFrame(
        {
            "design": resources["design"].map(look.label_of),
            "members at the start": resources["members"],
            "week-0 budget (budget units/week)": resources["budget"],
            "expected capacity at week 0": resources["capacity"],
            f"its capacity scale at the {ref}'s resources": resources[
                "capacity_scale_at_reference"
            ],
            f"the {ref}'s capacity scale at its resources": resources[
                "reference_capacity_scale_here"
            ],
            "budget can move": resources["budget_can_move"],
        }
    )


def _split_shown(split: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (design, metric, reading), _ in split.groupby(["design", "metric", "reading"], sort=False):
        n = digits_for(split, metric)
        first = part(split, design, metric, reading, "resources_with_own_spending")
        second = part(split, design, metric, reading, "resources_with_reference_spending")
        rows.append(
            {
                "design": look.label_of(design),
                "metric": BY_NAME[metric].label if metric in BY_NAME else metric,
                "reading": READINGS[reading],
                "gap [95% CI]": _estimate(split, design, metric, reading, "gap", n),
                "resources [95% CI]": _estimate(split, design, metric, reading, "resources", n),
                "spending [95% CI]": _estimate(split, design, metric, reading, "spending", n),
                "resources, moved first": f"{first['estimate']:.{n}f}",
                "resources, moved second": f"{second['estimate']:.{n}f}",
                "seeds": int(first["seeds"]),
            }
        )
    return pd.DataFrame(rows)


def write_section(report: Any, split: pd.DataFrame, resources: pd.DataFrame) -> None:
    """The report's section on the comparison at equal resources, from `analyse`'s and
    `resources_table`'s tables."""
    reference = str(split["reference"].iloc[0])
    ref = look.label_of(reference)
    metrics = list(dict.fromkeys(split["metric"]))
    same = bool(split["same_as_week0"].all())
    report.heading("At equal resources: resources, or how they are spent")
    report.text(
        f"Each design's resources are its backbone's week-0 budget and its founding members' "
        f"total capacity (expected over the organisations' draws, ODD 7.12); the rest of the "
        f"design (its head-counts and sector mix, its knobs, who convenes and who signs) is how "
        f"it spends them. Every baseline was run again at the {ref}'s resources (every "
        f"member's capacity scaled, head-counts kept, the grant set so the week-0 budget is "
        f"the {ref}'s), and the {ref} at each baseline's, on the same seeds, then each with "
        "its own dynamics.",
        f"The gap is the {ref}'s mean final value minus the baseline's (a difference of means "
        "over seeds, not of medians, so that the parts add up). It is split by Shapley's rule "
        "for two factors: the resources part is the mean of the gap's change when resources "
        "are moved first (with the baseline's own spending) and when moved second (with the "
        f"{ref}'s); the spending part likewise, so resources + spending = gap. A negative "
        f"resources part means the baseline has more resources than the {ref}: equal "
        "resources would widen its gap. The stricter reading holds the budget at the week-0 "
        "amount every week in all four runs, the two designs' own included"
        + (
            ": here it changes no number, as nothing (dues, a grant that ends, a funding cut "
            "at random) moves any of these budgets from its week-0 amount."
            if same
            else "; it is given where it runs anything the week-0 reading does not."
        ),
    )
    report.table(_resources_shown(resources, reference), digits=2)
    for metric in metrics:
        label = BY_NAME[metric].label.lower() if metric in BY_NAME else metric
        report.text(f"Mean final {label}:")
        report.bullets([words(split, d, metric) for d in dict.fromkeys(split["design"])])
    drawn = {k: v for k, v in READINGS.items() if k == "week0" or not same}
    caption = (
        f"The gap to the {ref} split into resources and how they are spent (Shapley split of "
        "the mean; whiskers: 95% paired bootstrap interval)"
    )
    if same:
        caption += "; the held reading gives the same numbers and is not drawn"
    report.figure(plots.gap_split(split, drawn), "gap_split", caption)
    report.table(_split_shown(split if not same else split[split["reading"] == "week0"]))
    report.text(
        f"Resources, moved first: Y(baseline at the {ref}'s resources) - Y(baseline); moved "
        f"second: Y({ref}) - Y({ref} at the baseline's resources); the resources part is their "
        "mean, the spending part the gap less it. Intervals: percentile bootstrap over seeds, "
        "the four runs of a seed drawn "
        "together (so a design at two resources is compared on the same draws), "
        f"{stats.N_RESAMPLES} resamples, seeded; [n/a]: fewer than {stats.MIN_RUNS} seeds with "
        "all four runs. Every part, both orderings and both readings are in `fair.csv`; each "
        "design's resources in `fair_resources.csv`; the runs' settings in `fair_points.csv`."
    )
