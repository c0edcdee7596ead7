"""Why members stay or leave: what each sector weighs, week by week, in each design.

    python -m experiments.calibration.ledger [--seeds N] [--jobs J] [--out DIR] [--quick] [--weeks A B] [--designs SCENARIO ...] [--doc PATH | --no-doc] [key=value ...]

A member's engagement follows its appraisal of benefit against cost (docs/odd.md 7.6): results,
early wins, policy, legitimacy, reputation and voice, each weighted by what its sector wants and
by how much of the agenda is its own, against the weight of talk-heavy weeks and frustration with
low trust. This runs every design at its defaults over fresh seeds (4000 and up, used by no test
and no other study), records each sector's mean ledger (`PartnershipModel.sector_ledger`) every
week, and tabulates its mean over weeks A to B (default 1-52, the year in which members' appraisals
form and the talking shop's members leave): each benefit and cost, the net, and the *exit line*
(the net at which a member of average exit threshold would drift out: exit threshold less the
engagement baseline). Sponsor changes knock engagement down directly (7.10) and are counted
beside the ledger, not in it. Writes `ledger.csv` (one row per design and sector), `ledger.md`
and `ledger.png` (one panel per sector: benefits right of zero, costs left, the net as a diamond)
to the output folder and, unless `--quick` (without `--doc`) or `--no-doc`, the figure to
docs/figures/ and the 'ledger' section of docs/calibration.md. `--designs` compares other
scenarios (names under scenarios/, workshop presets included, or .yaml paths) and `key=value`
sets a parameter for every design (`transparency=0.9`); either keeps the run out of the
document unless `--doc` is given.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
import yaml
from joblib import Parallel, delayed
from matplotlib.patches import Patch
from tqdm import tqdm

from experiments.calibration import doc as calibration
from experiments.kit import look, plots
from experiments.kit.engine import fingerprint, output_folder
from sim import sectors
from sim.diagnosis import mean_ledger
from sim.mechanisms.engagement import GAINS, LEDGER
from sim.model import PartnershipModel
from sim.params import ParameterError, Params
from sim.scenarios import designs, resolve

FIRST_SEED = 4000
SEEDS = 20
WINDOW = (1, 52)  # weeks: the first year, while appraisals form (Chinman et al.: 8-10 months)
SPREAD = (5, 95)  # percentiles of the runs' own nets shown beside the mean
FIGURE = "ledger.png"
BENEFIT_PARTS = GAINS
COST_PARTS = LEDGER[len(GAINS) :]


def run_ledger(
    design: str, seed: int, overrides: dict[str, object] | None = None
) -> dict[str, object]:
    """One run of `design` (with `overrides` on top): every week's sector ledger (weeks x
    sectors x LEDGER, NaN where a sector has no member or nothing was weighed), members and
    mean engagement of each sector (weeks 0..end x sectors) and sponsor changes so far."""
    params: Params = resolve(design, **(overrides or {}))
    model = PartnershipModel(params=params, scenario=design, rng=seed, collect_agents=False)
    n_sectors = len(sectors.SECTORS)
    book = np.full((params.steps, n_sectors, len(LEDGER)), np.nan)
    members = np.zeros((params.steps + 1, n_sectors))
    engagement = np.full((params.steps + 1, n_sectors), np.nan)
    sponsor_changes = np.zeros(params.steps + 1)

    def observe(week: int) -> None:
        active = model.orgs.active()
        sector = model.orgs.sector[active]
        members[week] = np.bincount(sector, minlength=n_sectors)
        for s in np.unique(sector):
            engagement[week, s] = model.orgs.engagement[active][sector == s].mean()
        sponsor_changes[week] = model.sponsor_changes

    observe(0)
    while model.running:
        model.step()
        week = model.steps
        book[week - 1] = model.sector_ledger()
        observe(week)
    return {
        "design": design,
        "seed": seed,
        "ledger": book,
        "members": members,
        "engagement": engagement,
        "sponsor_changes": sponsor_changes,
        "exit_line": np.array([p.exit_threshold for p in sectors.PROFILES])
        - params.engagement_baseline,
    }


def run_safely(
    design: str, seed: int, overrides: dict[str, object] | None = None
) -> dict[str, object]:
    """`run_ledger`, or the run's design, seed and error if it fails (the others go on)."""
    try:
        return run_ledger(design, seed, overrides)
    except Exception:  # noqa: BLE001 - any failure is reported with its run, not raised
        return {"design": design, "seed": seed, "error": traceback.format_exc()}


def summarise(runs: Sequence[dict[str, object]], window: tuple[int, int]) -> pd.DataFrame:
    """One row per design and sector with members in the window: the mean over runs of each
    part's mean over weeks `window` (inclusive; a run counts only the weeks the sector had
    members), benefit, cost and net, the exit line, members at the start and at the window's
    end, mean engagement then, and sponsor changes in the window."""
    first, last = window
    rows = []
    by_design: dict[str, list[dict[str, object]]] = {}
    for run in runs:
        by_design.setdefault(str(run["design"]), []).append(run)
    for design, group in by_design.items():
        books = [mean_ledger(list(run["ledger"][first - 1 : last])) for run in group]
        for s, sector in enumerate(sectors.SECTORS):
            means = [book[s] for book in books if not np.isnan(book[s]).any()]
            if not means:
                continue
            parts = np.mean(means, axis=0)
            row: dict[str, object] = {
                "design": design,
                "sector": sector,
                "runs": len(means),
                "of_runs": len(group),
            }
            row.update(dict(zip(LEDGER, parts, strict=True)))
            row["benefit"] = float(parts[: len(BENEFIT_PARTS)].sum())
            row["cost"] = float(parts[len(BENEFIT_PARTS) :].sum())
            row["net"] = row["benefit"] - row["cost"]
            n = len(BENEFIT_PARTS)
            nets = [m[:n].sum() - m[n:].sum() for m in means]  # each run's own net
            row["net_low"], row["net_high"] = (float(q) for q in np.percentile(nets, SPREAD))
            row["exit_line"] = float(group[0]["exit_line"][s])
            end = min(last, len(group[0]["members"]) - 1)
            row["members_start"] = float(np.mean([r["members"][0, s] for r in group]))
            row["members_end"] = float(np.mean([r["members"][end, s] for r in group]))
            row["engagement_end"] = (
                float(np.nanmean([r["engagement"][end, s] for r in group]))
                if any(np.isfinite(r["engagement"][end, s]) for r in group)
                else np.nan
            )
            row["sponsor_changes"] = float(
                np.mean(
                    [r["sponsor_changes"][end] - r["sponsor_changes"][first - 1] for r in group]
                )
            )
            rows.append(row)
    return pd.DataFrame(rows)


def wanted(sector: str, rows: pd.DataFrame | None = None) -> list[str]:
    """The gains a sector's members weigh: the benefits its sector puts weight on (the others
    are 0 for all its members), and relief where a design in `rows` names it problem owner."""
    weights = sectors.PROFILES[sectors.SECTORS.index(sector)].benefit_weights
    owned = rows is not None and bool((rows["relief"].fillna(0.0) > 0).any())
    return [b for b in BENEFIT_PARTS if weights.get(b, 0.0) > 0 or (b == "relief" and owned)]


def plot(table: pd.DataFrame, path: Path, window: tuple[int, int], n_seeds: int) -> Path:
    """One panel per sector: for each design, its benefits stacked right of zero and its costs
    left of it, the net as a black diamond and the exit line dashed."""
    with mpl.rc_context(plots.STYLE):
        fig, axes = plots.figure(2, 2, sharex=True)
        for ax, sector in zip(axes.flat, sectors.SECTORS, strict=True):
            rows = table[table["sector"] == sector]
            order = [d for d in plots.ordered_designs(rows["design"])][::-1]
            rows = rows.set_index("design").loc[order]
            y = np.arange(len(order))
            left = np.zeros(len(order))
            for part in wanted(sector, rows):
                ax.barh(y, rows[part], left=left, color=look.LEDGER_COLOURS[part], height=0.7)
                left += rows[part].to_numpy()
            left = np.zeros(len(order))
            for part in COST_PARTS:
                ax.barh(y, -rows[part], left=left, color=look.LEDGER_COLOURS[part], height=0.7)
                left -= rows[part].to_numpy()
            ax.scatter(rows["net"], y, marker="D", color="black", zorder=3, s=30)
            ax.axvline(0, color="black", lw=0.8)
            if len(rows):
                ax.axvline(rows["exit_line"].iloc[0], color="black", lw=1, ls="--")
            ax.set_yticks(y, [look.label_of(d) for d in order])
            ax.set_title(sector.replace("_", " "))
        low = min(-table["cost"].max(), table["exit_line"].min())
        axes.flat[0].set_xlim(low - 0.05, table["benefit"].max() + 0.05)
        handles = [Patch(color=look.LEDGER_COLOURS[p], label=p) for p in LEDGER]
        fig.legend(handles=handles, loc="outside lower center", ncol=len(LEDGER), frameon=False)
        fig.suptitle(
            f"What members weigh per week, weeks {window[0]}–{window[1]} (means over "
            f"{n_seeds} seeds)\ncosts left of zero, benefits right of it; ◆ net; "
            f"dashed: the exit line"
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120)
    return path


def _reading(table: pd.DataFrame, sector: str) -> str:
    """One sentence per sector: where its members weigh least, and why (or, if only one
    design has members of the sector, what they weigh there)."""
    rows = table[table["sector"] == sector]
    if rows.empty:
        return ""
    worst = rows.loc[rows["net"].idxmin()]
    best = rows.loc[rows["net"].idxmax()]
    main_cost = max(COST_PARTS, key=lambda c: worst[c])
    if len(rows) == 1:
        return (
            f"- **{sector.replace('_', ' ')}**: only {worst['design']} has members of this "
            f"sector: net {worst['net']:+.2f} (benefit {worst['benefit']:.2f} against cost "
            f"{worst['cost']:.2f}, mostly {main_cost})."
        )
    spread = rows["benefit"].max() - rows["benefit"].min()
    cost_spread = rows["cost"].max() - rows["cost"].min()
    return (
        f"- **{sector.replace('_', ' ')}**: lowest net in {worst['design']} "
        f"({worst['net']:+.2f}: benefit {worst['benefit']:.2f} against cost "
        f"{worst['cost']:.2f}, mostly {main_cost}), highest in {best['design']} "
        f"({best['net']:+.2f}); across designs its benefit spans {spread:.2f} and its cost "
        f"{cost_spread:.2f}."
    )


def markdown(
    table: pd.DataFrame,
    window: tuple[int, int],
    seeds: Sequence[int],
    note: str,
    seconds: float,
    overrides: dict[str, object] | None = None,
    failed: Sequence[tuple[str, int]] = (),
    n_runs: int | None = None,
) -> str:
    first, last = window
    settings = " ".join(f"`{k}={v}`" for k, v in (overrides or {}).items())
    lines = [
        "## What members weigh: the engagement ledger by design",
        "",
        note,
        "",
        *([f"Settings on top of each design: {settings}.", ""] if settings else []),
        f"`python -m experiments.calibration.ledger`: each design "
        f"{'with the settings above' if settings else 'at its defaults'}, seeds {seeds[0]}–"
        f"{seeds[-1]}; each sector's weekly ledger (docs/odd.md 7.6: what each benefit brings, "
        f"weighted by what the sector wants, the agenda's fit and the member's motivation, and "
        f"what talk and frustration cost), averaged over its members, then over weeks "
        f"{first}–{last}, then over runs (a run counts the weeks the sector had members). "
        f"*Net* = benefit − cost; members' appraisal moves towards it, and a member of average "
        f"exit threshold drifts out once its appraisal stays below the *exit line* (exit "
        f"threshold − engagement baseline). *Members* are at week 0 and week {last}, "
        f"*engagement* the sector's mean at week {last}; sponsor changes (7.10) knock "
        f"engagement down directly and are counted, not weighed.",
        "",
        f"![What members weigh, by design](figures/{FIGURE})",
        "",
        "Where each sector weighs least:",
        "",
        *[line for s in sectors.SECTORS if (line := _reading(table, s))],
    ]
    for sector in sectors.SECTORS:
        rows = table[table["sector"] == sector]
        if rows.empty:
            continue
        parts = wanted(sector, rows)
        lines += [
            "",
            f"### {sector.replace('_', ' ')}",
            "",
            "| design | "
            + " | ".join(parts)
            + " | benefit | "
            + " | ".join(COST_PARTS)
            + " | net | "
            f"net, runs {SPREAD[0]}–{SPREAD[1]}% | exit line | members 0 → {last} | "
            "engagement | sponsor changes |",
            "|---|" + "---|" * (len(parts) + 7 + len(COST_PARTS)),
        ]
        for r in rows.to_dict("records"):
            cells = " | ".join(f"{r[p]:.3f}" for p in parts)
            costs = " | ".join(f"{r[c]:.3f}" for c in COST_PARTS)
            lines.append(
                f"| {r['design']} | {cells} | {r['benefit']:.3f} | {costs} | "
                f"**{r['net']:+.3f}** | "
                f"{r['net_low']:+.2f} to {r['net_high']:+.2f} | {r['exit_line']:+.2f} | "
                f"{r['members_start']:.1f} → {r['members_end']:.1f} | "
                f"{r['engagement_end']:.2f} | {r['sponsor_changes']:.1f} |"
            )
    runs = n_runs if n_runs is not None else len(seeds) * table["design"].nunique()
    lines += ["", f"{runs} runs in {seconds / 60:.1f} minutes."]
    if failed:
        listing = ", ".join(f"{d} seed {s}" for d, s in failed)
        lines.append(
            f"**{len(failed)} runs failed and are left out** ({listing}); their errors "
            "were printed when the study ran."
        )
    return "\n".join(lines) + "\n"


def _overrides(parser, pairs: Sequence[str]) -> dict[str, object]:
    """`key=value` words as parameters (values read as YAML scalars, as Hydra reads them)."""
    out: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            parser.error(f"{pair!r} is not a setting: write key=value (e.g. transparency=0.9)")
        try:
            out[key] = yaml.safe_load(value)
        except yaml.YAMLError:
            out[key] = value
    return out


def _checked(parser, names: Sequence[str], overrides: dict[str, object]) -> list[Params]:
    """Every design resolved with the overrides before any run, or a message naming what is
    wrong."""
    try:
        return [resolve(name, **overrides) for name in names]
    except ParameterError as error:
        parser.error(str(error))


def _window(parser, values: Sequence[int] | None, steps: int) -> tuple[int, int]:
    if values is None:
        return (WINDOW[0], min(WINDOW[1], steps))
    first, last = values
    if not 1 <= first <= last <= steps:
        parser.error(f"--weeks {first} {last}: give 1 <= A <= B <= {steps} (the run's weeks)")
    return first, last


def main(argv: Sequence[str] | None = None) -> Path:
    parser = calibration.study_parser(
        "ledger",
        __doc__.split("\n\n")[0],
        seeds=SEEDS,
        per="design",
        quick="2 seeds, 30 weeks, one process, no document",
    )
    parser.add_argument(
        "--weeks",
        type=int,
        nargs=2,
        metavar=("A", "B"),
        default=None,
        help=f"weeks to average over (default {WINDOW[0]} {WINDOW[1]})",
    )
    parser.add_argument(
        "--designs",
        nargs="+",
        metavar="SCENARIO",
        default=None,
        help="scenarios to compare (default the seven designs)",
    )
    parser.add_argument(
        "overrides",
        nargs="*",
        metavar="key=value",
        help="a parameter set for every design, e.g. transparency=0.9",
    )
    args = parser.parse_args(argv)
    seeds = calibration.study_seeds(parser, args, FIRST_SEED, SEEDS)
    # `--designs a b key=value`: argparse gives the settings to --designs; take them back
    named = [d for d in args.designs or [] if "=" not in d]
    names = named or designs()
    overrides = _overrides(parser, [*(d for d in args.designs or [] if "=" in d), *args.overrides])
    run_overrides = {**overrides, **({"steps": 30} if args.quick else {})}
    checked = _checked(parser, names, run_overrides)
    window = _window(parser, args.weeks, min(p.steps for p in checked))
    started = time.perf_counter()
    folder = output_folder("ledger", args.out)
    state, print_start = calibration.code_state(), fingerprint()
    tasks = [(d, s) for d in names for s in seeds]
    pool = Parallel(n_jobs=args.jobs or (1 if args.quick else 2), return_as="generator_unordered")
    made = list(
        tqdm(
            pool(delayed(run_safely)(d, s, run_overrides) for d, s in tasks),
            total=len(tasks),
            desc="ledger",
            mininterval=0.5,
            file=sys.stderr,
        )
    )
    runs = [r for r in made if "error" not in r]
    failed = [r for r in made if "error" in r]
    if failed:
        listing = "\n".join(f"{r['design']}, seed {r['seed']}:\n{r['error']}" for r in failed)
        print(
            f"{len(failed)} of {len(made)} runs failed and are left out:\n{listing}",
            file=sys.stderr,
        )
    if not runs:
        raise SystemExit(f"every one of the {len(made)} runs failed; see the errors above")
    runs.sort(
        key=lambda r: (
            look.DESIGN_ORDER.index(r["design"]) if r["design"] in look.DESIGN_ORDER else 99,
            r["seed"],
        )
    )
    table = summarise(runs, window)
    table.to_csv(folder / "ledger.csv", index=False)
    figure = plot(table, folder / FIGURE, window, len(seeds))
    custom = bool(named) or bool(overrides)  # not the document's study
    doc = calibration.target_doc(args.quick or custom, args.doc, args.no_doc)
    calibration.place_figure(figure, doc)
    note = calibration.state_note(state, print_start, fingerprint())
    text = markdown(
        table,
        window,
        seeds,
        note,
        time.perf_counter() - started,
        overrides,
        [(str(r["design"]), int(r["seed"])) for r in failed],
        len(runs),
    )
    calibration.publish("ledger", text, folder, doc, {FIGURE: figure.name})
    print(f"Wrote {folder}", file=sys.stderr)
    return folder


if __name__ == "__main__":
    main()
