"""When things happen: dropouts, stalls and systems change against the evidence table's timings.

    python -m experiments.calibration.timing [--seeds N] [--jobs J] [--out DIR] [--quick] [--doc PATH | --no-doc]

Three rows of the evidence table (../shared/design/evidence.md) give timings: members' costs and
benefits separate active from inactive members only 8-10 months in, and practitioners report
stalls around months 7-9 (Chinman et al.); three years or more pass before evidence of
population or systems change (collective impact evaluations); about half of alliances fail.
This runs every design at its defaults over fresh seeds (7000 and up, used by no test and no
other calibration study) and tabulates, per design: the week of each dropout, the share of
dropouts in weeks 35-45 ("8-10 months") and before week 26, how many runs stall and when (the
stall diagnosis of `sim.diagnosis`), the first week systems change reaches
`SYSTEMS_EVIDENCE`, and when that change first shows in the problem itself: each run is paired
with the same seed and `lock_in=0` (systems change made, but locking nothing in), and the *lock-in
effect* is the run's progress less its pair's, week by week; the table gives its median at the
end and the first week it reaches `LOCK_IN_EVIDENCE`. Writes `timing.csv` and `timing.md` to the
output folder and the 'timing' section of docs/calibration.md (not with `--quick`, unless
`--doc` is given).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.calibration import doc as calibration
from experiments.kit.engine import fingerprint, jobs_for, output_folder, run_many
from sim.scenarios import designs

FIRST_SEED = 7000
SEEDS = 30
WINDOW = (35, 45)  # weeks: "8-10 months in" (Chinman et al.)
EARLY = 26  # weeks: dropouts before half a year
SYSTEMS_EVIDENCE = 0.1  # systems change read as "evidence of systems change": a choice
# "evidence of population change": the problem this much further on than without lock-in (a
# choice: a twentieth of the problem, 2.5 times the stall rule's half-year gain, sim.diagnosis)
LOCK_IN_EVIDENCE = 0.05
COUNTERFACTUAL = {"lock_in": 0.0}  # the pair of each run: the same seed, nothing locked in


def dropout_weeks(run: pd.DataFrame) -> np.ndarray:
    """Weeks in which members left, one entry per leaver, from a run's cumulative `dropouts`."""
    counts = run["dropouts"].to_numpy()
    rises = np.diff(counts, prepend=counts[0]).astype(int)
    return np.repeat(run["week"].to_numpy(), np.maximum(rises, 0))


def first_week_at_least(run: pd.DataFrame, column: str, level: float) -> float:
    """First week `column` reaches `level` (NaN if never)."""
    hits = np.flatnonzero(run[column].to_numpy() >= level)
    return float(run["week"].iloc[hits[0]]) if hits.size else np.nan


def lock_in_effect(table: pd.DataFrame) -> pd.DataFrame:
    """Progress of each run less its counterfactual pair's (same design, seed and week), from
    a `run_many` table with a boolean `counterfactual` label: columns design, seed, week,
    lock_in_effect."""
    keys = ["design", "seed", "week"]
    actual = table.loc[~table["counterfactual"], [*keys, "progress"]]
    paired = table.loc[table["counterfactual"], [*keys, "progress"]]
    both = actual.merge(paired, on=keys, suffixes=("", "_counterfactual"), validate="1:1")
    both["lock_in_effect"] = both["progress"] - both["progress_counterfactual"]
    return both[[*keys, "lock_in_effect"]]


def _median(values: Sequence[float]) -> float:
    values = [v for v in values if np.isfinite(v)]
    return float(np.median(values)) if values else np.nan


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    """One row per design from `run_many`'s tidy table (every week of every run). With a
    `counterfactual` label (runs paired with `COUNTERFACTUAL`), the counterfactual runs give the
    lock-in effect and are left out of everything else."""
    effects = None
    if "counterfactual" in table:
        effects = lock_in_effect(table)
        table = table.loc[~table["counterfactual"]]
    rows = []
    for design, runs in table.groupby("design", sort=False):
        weeks, stalls, reached, n_runs = [], [], [], 0
        for _, run in runs.groupby("run", sort=False):
            n_runs += 1
            weeks.extend(dropout_weeks(run))
            if run["stalled"].iloc[0]:
                stalls.append(float(run["stall_week"].iloc[0]))
            reached.append(first_week_at_least(run, "systems_change", SYSTEMS_EVIDENCE))
        w = np.asarray(weeks, dtype=float)
        q1, q2, q3 = np.percentile(w, [25, 50, 75]) if w.size else (np.nan,) * 3
        rows.append(
            {
                "design": design,
                "runs": n_runs,
                "dropouts": int(w.size),
                "dropout_week_median": q2,
                "dropout_week_q1": q1,
                "dropout_week_q3": q3,
                "dropouts_in_window": float(((w >= WINDOW[0]) & (w <= WINDOW[1])).mean())
                if w.size
                else np.nan,
                "dropouts_before_early": float((w < EARLY).mean()) if w.size else np.nan,
                "stalled_runs": len(stalls),
                "stall_week_median": _median(stalls),
                "runs_reaching_systems_change": int(np.isfinite(reached).sum()),
                "systems_change_week_median": _median(reached),
                **_lock_in_columns(effects, design),
            }
        )
    return pd.DataFrame(rows)


def _lock_in_columns(effects: pd.DataFrame | None, design: str) -> dict[str, float]:
    if effects is None:
        return {}
    finals, firsts = [], []
    for _, run in effects[effects["design"] == design].groupby("seed", sort=False):
        run = run.sort_values("week")
        finals.append(float(run["lock_in_effect"].iloc[-1]))
        firsts.append(first_week_at_least(run, "lock_in_effect", LOCK_IN_EVIDENCE))
    return {
        "lock_in_effect_final": _median(finals),
        "runs_reaching_lock_in_effect": int(np.isfinite(firsts).sum()),
        "lock_in_effect_week_median": _median(firsts),
    }


def _week(x: float) -> str:
    return "–" if not np.isfinite(x) else f"{x:.0f}"


def _share(x: float) -> str:
    return "–" if not np.isfinite(x) else f"{x:.0%}"


def markdown(summary: pd.DataFrame, seeds: Sequence[int], note: str, elapsed: float) -> str:
    lines = [
        "## Timing against the evidence table",
        "",
        note,
        "",
        f"`python -m experiments.calibration.timing`: each design at its defaults, seeds {seeds[0]}–"
        f"{seeds[-1]} ({len(seeds)} per design). Dropout weeks are read from each run's "
        f"cumulative `dropouts`; *in weeks {WINDOW[0]}–{WINDOW[1]}* is the share of dropouts "
        f"8–10 months in, *before {EARLY}* the share in the first half year; stalls are the "
        f"diagnosis of `sim.diagnosis`; systems change is counted from the first week it "
        f'reaches {SYSTEMS_EVIDENCE} (what "evidence of systems change" is on the model\'s '
        f"0–1 scale is a choice). The *lock-in effect* is what that change does to the problem: "
        f"each run's progress less that of the same seed with `lock_in=0` (systems change made "
        f"but locking nothing in); its median at the last week, and the first week it reaches "
        f'{LOCK_IN_EVIDENCE} ("evidence of population change", also a choice).',
        "",
        "| design | dropouts | dropout week, median (quartiles) | in weeks "
        f"{WINDOW[0]}–{WINDOW[1]} | before {EARLY} | runs stalled | stall week, median | "
        f"runs reaching systems change {SYSTEMS_EVIDENCE} | its week, median | lock-in effect "
        f"at the end, median | runs where it reaches {LOCK_IN_EVIDENCE} | its week, median |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in summary.itertuples():
        weeks = (
            f"{_week(r.dropout_week_median)} ({_week(r.dropout_week_q1)}–"
            f"{_week(r.dropout_week_q3)})"
            if r.dropouts
            else "–"
        )
        lines.append(
            f"| {r.design} | {r.dropouts} | {weeks} | "
            f"{_share(r.dropouts_in_window)} | {_share(r.dropouts_before_early)} | "
            f"{r.stalled_runs} of {r.runs} | {_week(r.stall_week_median)} | "
            f"{r.runs_reaching_systems_change} of {r.runs} | "
            f"{_week(r.systems_change_week_median)} | {r.lock_in_effect_final:+.3f} | "
            f"{r.runs_reaching_lock_in_effect} of {r.runs} | "
            f"{_week(r.lock_in_effect_week_median)} |"
        )
    runs = int(summary["runs"].sum())
    lines += [
        "",
        f"{runs} runs, each with its pair ({2 * runs} in all), in {elapsed / 60:.1f} minutes.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> Path:
    parser = calibration.study_parser(
        "timing",
        __doc__.split("\n\n")[0],
        seeds=SEEDS,
        per="design",
        quick="2 seeds, 40 weeks, one process, no document",
    )
    args = parser.parse_args(argv)
    seeds = calibration.study_seeds(parser, args, FIRST_SEED, SEEDS)
    started = time.perf_counter()
    folder = output_folder("timing", args.out)
    state, print_start = calibration.code_state(), fingerprint()
    overrides = {"steps": 40} if args.quick else {}
    jobs = [
        *jobs_for(designs(), seeds, labels={"counterfactual": False}, **overrides),
        *jobs_for(designs(), seeds, labels={"counterfactual": True}, **overrides, **COUNTERFACTUAL),
    ]
    table = run_many(jobs, n_jobs=args.jobs or (1 if args.quick else 2), description="timing")
    summary = summarise(table)
    summary.to_csv(folder / "timing.csv", index=False)
    note = calibration.state_note(state, print_start, fingerprint())
    text = markdown(summary, seeds, note, time.perf_counter() - started)
    calibration.publish(
        "timing", text, folder, calibration.target_doc(args.quick, args.doc, args.no_doc)
    )
    print(f"Wrote {folder}", file=sys.stderr)
    return folder


if __name__ == "__main__":
    main()
