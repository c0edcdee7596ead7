"""How sure we are: medians with bootstrap intervals, effect sizes, tests and replication counts.

Everything here takes plain arrays or a table with one row per run, so the experiments, the app
and the tests share the same arithmetic. Effect sizes take the metric's direction from
`sim.metrics.METRICS` (`better`), so "A above 0.5" always means "this design does better".

A group with too few runs gets NaN, never an error: an interval needs `min_runs` runs in each
group (`MIN_RUNS` in the experiments' reports), a test at least one run in each group, so a run
that failed never costs the others their numbers.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from sim.metrics import BY_NAME

N_RESAMPLES = 2000
CONFIDENCE = 0.95
# Vargha & Delaney (2000), thresholds on |A - 0.5|, as used in simulation studies.
A_MAGNITUDES = ((0.06, "negligible"), (0.14, "small"), (0.21, "medium"), (np.inf, "large"))


def min_runs_for(confidence: float = CONFIDENCE) -> int:
    """The fewest runs from which an interval for a median can reach `confidence`.

    The widest interval n runs give, from the smallest to the largest, misses the true median
    only when every run falls on one side of it, which happens with chance 2 * 0.5**n; so it
    covers with chance 1 - 2 * 0.5**n at best: 0.94 at 5 runs, 0.97 at 6. A percentile
    bootstrap from fewer runs is narrower still, so it is no `confidence` interval at all.
    """
    n = 1
    while 1 - 2 * 0.5**n < confidence:
        n += 1
    return n


MIN_RUNS = min_runs_for()  # 6 at 95%: the reports show no interval from fewer runs per group


def final_week(tidy: pd.DataFrame, keys: Sequence[str] | None = None) -> pd.DataFrame:
    """The last recorded week of each run: one row per run.

    Runs are told apart by `keys`; by default a `run` column when there is one, else design
    and seed (pass the swept parameters too for a table that has no `run` column).
    """
    keys = list(keys) if keys else (["run"] if "run" in tidy else ["design", "seed"])
    last = tidy.groupby(keys, sort=False)["week"].transform("max")
    return tidy[tidy["week"] == last].reset_index(drop=True)


def _clean(values: Iterable[float]) -> np.ndarray:
    array = np.asarray(list(values) if not hasattr(values, "__array__") else values, dtype=float)
    return array[np.isfinite(array)]


def median_ci(
    values: Iterable[float],
    *,
    confidence: float = CONFIDENCE,
    n_resamples: int = N_RESAMPLES,
    seed: int = 0,
    min_runs: int = 1,
) -> tuple[float, float, float]:
    """Median and its percentile-bootstrap interval: (median, low, high).

    The percentile method is used rather than BCa because final values often tie (a design that
    always stalls at 0), where BCa's jackknife degenerates. Seeded, so tables are reproducible.
    Fewer than `min_runs` values: the median with a NaN interval (`MIN_RUNS`, for a report).
    """
    x = _clean(values)
    if x.size == 0:
        return (np.nan, np.nan, np.nan)
    median = float(np.median(x))
    if x.size < min_runs:
        return (median, np.nan, np.nan)
    if x.size == 1 or np.ptp(x) == 0:
        return (median, median, median)
    result = stats.bootstrap(
        (x,),
        np.median,
        n_resamples=n_resamples,
        vectorized=True,
        confidence_level=confidence,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    low, high = result.confidence_interval
    return (median, float(low), float(high))


def median_difference_ci(
    x: Iterable[float],
    y: Iterable[float],
    *,
    confidence: float = CONFIDENCE,
    n_resamples: int = N_RESAMPLES,
    seed: int = 0,
    min_runs: int = 1,
) -> tuple[float, float, float]:
    """median(x) - median(y) with a two-sample percentile-bootstrap interval.

    Each sample is resampled on its own (runs of two designs are not paired by the bootstrap,
    though they share seeds), which gives a wider, conservative interval. A sample with fewer
    than `min_runs` values, or a single value against a spread of several (which the bootstrap
    cannot resample), gives the difference with a NaN interval.
    """
    a, b = _clean(x), _clean(y)
    if a.size == 0 or b.size == 0:
        return (np.nan, np.nan, np.nan)
    diff = float(np.median(a) - np.median(b))
    if min(a.size, b.size) < min_runs:
        return (diff, np.nan, np.nan)
    if (a.size == 1 and b.size == 1) or (np.ptp(a) == 0 and np.ptp(b) == 0):
        return (diff, diff, diff)
    if min(a.size, b.size) < 2:
        return (diff, np.nan, np.nan)

    def statistic(s1, s2, axis=-1):
        return np.median(s1, axis=axis) - np.median(s2, axis=axis)

    result = stats.bootstrap(
        (a, b),
        statistic,
        n_resamples=n_resamples,
        vectorized=True,
        confidence_level=confidence,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    low, high = result.confidence_interval
    return (diff, float(low), float(high))


def _orientation(better: str | None) -> int:
    if better not in ("higher", "lower", None):
        raise ValueError(f"better={better!r}: use 'higher', 'lower' or None")
    return -1 if better == "lower" else 1


def better_of(metric: str) -> str | None:
    """The direction in which `metric` is better, from the metric registry."""
    if metric not in BY_NAME:
        raise KeyError(f"unknown metric {metric!r}: choose one of {', '.join(BY_NAME)}")
    return BY_NAME[metric].better


def vargha_delaney_a(
    x: Iterable[float], y: Iterable[float], *, better: str | None = "higher"
) -> float:
    """Vargha-Delaney A: the chance that a run from `x` does better than one from `y`, ties half.

    With `better="lower"` (dropouts, claims gap) a smaller value counts as doing better; with
    None the raw "x larger" orientation is used. 0.5 means no difference.
    """
    a, b = _clean(x) * _orientation(better), _clean(y) * _orientation(better)
    if a.size == 0 or b.size == 0:
        return np.nan
    ranks = stats.rankdata(np.concatenate([a, b]))
    rank_sum = ranks[: a.size].sum()
    return float((rank_sum / a.size - (a.size + 1) / 2) / b.size)


def cliffs_delta(x: Iterable[float], y: Iterable[float], *, better: str | None = "higher") -> float:
    """Cliff's delta, P(x better) - P(y better), in [-1, 1]; equals 2A - 1."""
    return 2 * vargha_delaney_a(x, y, better=better) - 1


def magnitude(a: float) -> str:
    """Vargha & Delaney's verbal label for an A value."""
    if not np.isfinite(a):
        return "n/a"
    distance = abs(a - 0.5)
    return next(label for limit, label in A_MAGNITUDES if distance < limit)


def mann_whitney(
    x: Iterable[float],
    y: Iterable[float],
    *,
    alternative: str = "two-sided",
    better: str | None = None,
) -> float:
    """Mann-Whitney U test p-value.

    `alternative` is scipy's ("two-sided", "greater", "less") or "better": one-sided that `x`
    does better than `y`, in the direction given by `better`. Identical constant samples give 1.
    """
    a, b = _clean(x), _clean(y)
    if a.size == 0 or b.size == 0:
        return np.nan
    if alternative == "better":
        if better is None:
            raise ValueError("alternative='better' needs better='higher' or 'lower'")
        alternative = "greater" if better == "higher" else "less"
    if np.ptp(np.concatenate([a, b])) == 0:
        return 1.0
    return float(stats.mannwhitneyu(a, b, alternative=alternative).pvalue)


def holm(pvalues: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjustment of a family of p-values (NaN entries are left out)."""
    p = np.asarray(pvalues, dtype=float)
    adjusted = np.full(p.shape, np.nan)
    valid = np.flatnonzero(np.isfinite(p))
    m = valid.size
    if m == 0:
        return adjusted
    order = valid[np.argsort(p[valid], kind="stable")]
    scaled = p[order] * (m - np.arange(m))
    adjusted[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    return adjusted


def cv_curve(values: Iterable[float]) -> pd.Series:
    """Coefficient of variation of the first n replications, for n = 2 .. N (Lorscheid et al.

    2012). Values are taken in the order given (seed order), so the curve is reproducible.
    """
    x = _clean(values)
    n = np.arange(1, x.size + 1)
    mean = np.cumsum(x) / n
    var = (np.cumsum(x**2) - n * mean**2) / np.maximum(n - 1, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = np.sqrt(np.maximum(var, 0)) / np.abs(mean)
    return pd.Series(cv[1:], index=pd.Index(n[1:], name="replications"), name="cv")


def replications_needed(values: Iterable[float], *, tolerance: float = 0.01) -> int | None:
    """Lorscheid et al. (2012): the number of replications after which the coefficient of
    variation changes by less than `tolerance` (absolute) with every further replication.

    None when the CV is undefined (mean 0) or still moving at the last replication.
    """
    curve = cv_curve(values)
    if curve.size < 2 or not np.isfinite(curve.to_numpy()).all():
        return None
    change = np.abs(np.diff(curve.to_numpy()))
    moving = np.flatnonzero(change >= tolerance)
    if moving.size == 0:
        return int(curve.index[0])
    last = moving[-1]
    if last == change.size - 1:
        return None
    return int(curve.index[last + 1])


def wilcoxon(differences: Iterable[float]) -> float:
    """Two-sided Wilcoxon signed-rank p-value of paired differences (one per seed).

    Pairs with no difference are dropped (Wilcoxon's own convention, scipy's default); when
    every pair is equal the answer is 1, as `mann_whitney` gives for identical samples; NaN
    when there is no pair.
    """
    d = _clean(differences)
    if d.size == 0:
        return np.nan
    if not np.any(d != 0):
        return 1.0
    return float(stats.wilcoxon(d, alternative="two-sided").pvalue)


def paired_differences(
    runs: pd.DataFrame, reference: pd.DataFrame, metric: str, *, pair_by: str = "seed"
) -> pd.Series | None:
    """`metric` of each run minus the reference's run with the same `pair_by` (the seed), for
    the seeds both have a value for, indexed by seed in order; None when a group has two runs
    with one seed (other settings swept too), which cannot be paired."""
    if not (runs[pair_by].is_unique and reference[pair_by].is_unique):
        return None
    mine = runs.set_index(pair_by)[metric].astype(float)
    theirs = reference.set_index(pair_by)[metric].astype(float)
    both = mine.index.intersection(theirs.index).sort_values()
    differences = mine.loc[both] - theirs.loc[both]
    return differences[np.isfinite(differences)]


def _groups(
    finals: pd.DataFrame, by: str, groups: Sequence[str] | None
) -> list[tuple[str, pd.DataFrame]]:
    """(group, its runs) in the order of `groups` (those without runs get an empty table),
    then any other group of `finals` in its order."""
    present = dict(tuple(finals.groupby(by, sort=False)))
    order = list(dict.fromkeys([*(groups or []), *present]))
    return [(g, present.get(g, finals.iloc[0:0])) for g in order]


def _interval_note(n: int, n_reference: int | None, min_runs: int, *, pairs: bool = False) -> str:
    """Why an interval was not computed, or ''."""
    if n == 0:
        return "no runs"
    if n_reference == 0:
        return "no runs of the reference"
    smallest = n if n_reference is None else min(n, n_reference)
    if smallest >= min_runs:
        return ""
    what = "seed pairs" if pairs else "runs"
    return f"too few {what} for an interval ({smallest}; {min_runs} needed)"


def summary_table(
    finals: pd.DataFrame,
    metrics: Sequence[str],
    *,
    by: str = "design",
    seed: int = 0,
    min_runs: int = 1,
    groups: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Median and bootstrap interval of each metric per group: one row per group and metric.

    `finals` has one row per run (for example the last week of each run of a tidy table).
    A group with fewer than `min_runs` runs has a NaN interval; `groups` lists the groups
    expected, so one whose every run failed still has its rows (n 0, NaN). `note` says why
    an interval is missing.
    """
    rows = []
    for group, runs in _groups(finals, by, groups):
        for metric in metrics:
            median, low, high = median_ci(runs[metric], seed=seed, min_runs=min_runs)
            n = int(runs[metric].notna().sum())
            rows.append(
                {
                    by: group,
                    "metric": metric,
                    "median": median,
                    "ci_low": low,
                    "ci_high": high,
                    "n": n,
                    "note": _interval_note(n, None, min_runs) if np.isnan(low) else "",
                }
            )
    return pd.DataFrame(rows)


def effects_against(
    finals: pd.DataFrame,
    reference: str,
    metrics: Sequence[str],
    *,
    by: str = "design",
    seed: int = 0,
    min_runs: int = 1,
    groups: Sequence[str] | None = None,
    pair_by: str | None = None,
) -> pd.DataFrame:
    """Each group against `reference`, per metric: A, Cliff's delta, difference of medians with
    its bootstrap interval, two-sided Mann-Whitney p, and Holm's adjustment over the whole table.

    A and delta are oriented by the metric's `better`: A < 0.5 means the reference does better.
    The difference of medians is group - reference. A group with fewer than `min_runs` runs
    (or a reference with fewer) has a NaN interval, a group with none NaN everywhere; `groups`
    lists the groups expected, so one whose every run failed still has its rows. `note` says
    why a number is missing.

    With `pair_by` (the seed, when every group ran the same seeds) each run is also paired
    with the reference's run of the same seed: `pairs` (seeds both have), the median of the
    paired differences (group - reference) with a percentile-bootstrap interval that resamples
    seeds (NaN below `min_runs` pairs), their mean (`paired_mean`), and the two-sided Wilcoxon signed-rank p with Holm's
    adjustment over the whole table (`p_wilcoxon`, `p_wilcoxon_holm`).
    """
    ref_runs = finals[finals[by] == reference]
    if ref_runs.empty:
        raise ValueError(f"no runs of the reference {reference!r} in column {by!r}")
    rows = []
    for group, runs in _groups(finals, by, groups):
        if group == reference:
            continue
        for metric in metrics:
            better = better_of(metric)
            a = vargha_delaney_a(runs[metric], ref_runs[metric], better=better)
            diff, low, high = median_difference_ci(
                runs[metric], ref_runs[metric], seed=seed, min_runs=min_runs
            )
            note = _interval_note(len(runs), len(ref_runs), min_runs) if np.isnan(low) else ""
            if not note and np.isnan(low):
                note = "a single run cannot be resampled"
            row = {
                by: group,
                "metric": metric,
                "better": better or "",
                "median_difference": diff,
                "diff_ci_low": low,
                "diff_ci_high": high,
                "A": a,
                "cliffs_delta": 2 * a - 1,
                "magnitude": magnitude(a),
                "p": mann_whitney(runs[metric], ref_runs[metric]),
                "n": len(runs),
                "n_reference": len(ref_runs),
                "note": note,
            }
            if pair_by:
                row |= _paired(runs, ref_runs, metric, pair_by, seed=seed, min_runs=min_runs)
            rows.append(row)
    table = pd.DataFrame(rows)
    table["p_holm"] = holm(table["p"]) if len(table) else []
    if pair_by:
        table["p_wilcoxon_holm"] = holm(table["p_wilcoxon"]) if len(table) else []
    return table


def _paired(
    runs: pd.DataFrame,
    ref_runs: pd.DataFrame,
    metric: str,
    pair_by: str,
    *,
    seed: int,
    min_runs: int,
) -> dict[str, object]:
    """The paired columns of `effects_against` for one group and metric."""
    differences = paired_differences(runs, ref_runs, metric, pair_by=pair_by)
    if differences is None:
        return {
            "pairs": 0,
            "paired_difference": np.nan,
            "paired_ci_low": np.nan,
            "paired_ci_high": np.nan,
            "paired_mean": np.nan,
            "p_wilcoxon": np.nan,
            "paired_note": f"several runs per {pair_by}: not paired",
        }
    median, low, high = median_ci(differences, seed=seed, min_runs=min_runs)
    note = ""
    if np.isnan(low):
        note = (
            "no runs"
            if runs.empty
            else "no seed both ran"
            if differences.empty
            else _interval_note(len(differences), None, min_runs, pairs=True)
        )
    return {
        "pairs": len(differences),
        "paired_difference": median,
        "paired_ci_low": low,
        "paired_ci_high": high,
        "paired_mean": float(differences.mean()) if len(differences) else np.nan,
        "p_wilcoxon": wilcoxon(differences),
        "paired_note": note,
    }


def effects_over_time(
    tidy: pd.DataFrame,
    reference: str,
    metric: str,
    *,
    by: str = "design",
    keys: Sequence[str] | None = None,
    confidence: float = CONFIDENCE,
    n_resamples: int = N_RESAMPLES,
    seed: int = 0,
    min_runs: int = 1,
    pair_by: str | None = None,
) -> pd.DataFrame:
    """Each group against `reference`, week by week: the difference of medians of `metric`
    (group - reference, as `effects_against` takes at the last week) with a percentile-bootstrap
    band; one row per group and week of the reference's runs.

    As in `median_difference_ci`, each group's runs and the reference's are resampled on their
    own, whole runs at a time, so a resample keeps each run's weeks together. All weeks and
    resamples are drawn at once (one seeded generator per group, so a group's band does not
    depend on which other groups are in the table). Runs are told apart by `keys`: by default a
    `run` column when there is one, else `by` and seed. A week with fewer than `min_runs` runs
    in the group or the reference has no band (NaN).

    With `pair_by` (the seed) the paired statistic is added, as `effects_against` gives it at
    the last week: `pairs`, `paired_difference` (median over seeds of group - reference) and
    its band from resampling seeds (`paired_ci_low`, `paired_ci_high`; NaN below `min_runs`
    pairs, and throughout when a group has several runs of one seed). Its resamples are drawn
    after the unpaired ones, which are the same with or without it.
    """
    keys = list(keys) if keys else (["run"] if "run" in tidy else [by, "seed"])
    ref_runs = tidy[tidy[by] == reference]
    if ref_runs.empty:
        raise ValueError(f"no runs of the reference {reference!r} in column {by!r}")
    weeks = np.sort(ref_runs["week"].dropna().astype(int).unique())

    def runs_by_week(part: pd.DataFrame) -> np.ndarray:
        table = part.pivot_table(index=keys, columns="week", values=metric, aggfunc="first")
        table.columns = table.columns.astype(int)
        return table.reindex(columns=weeks).to_numpy(dtype=float)  # runs x weeks, NaN: no record

    reference_values = runs_by_week(ref_runs)
    tail = (1 - confidence) / 2 * 100
    parts = []
    for group, runs in tidy.groupby(by, sort=False):
        if group == reference:
            continue
        values = runs_by_week(runs)
        rng = np.random.default_rng(seed)
        resampled = [
            _median_of_runs(v[rng.integers(0, len(v), (n_resamples, len(v)))])
            for v in (values, reference_values)
        ]  # resamples x weeks each
        differences = resampled[0] - resampled[1]
        low, high = _percentiles(differences, tail)
        n = np.isfinite(values).sum(axis=0)
        n_reference = np.isfinite(reference_values).sum(axis=0)
        few = np.minimum(n, n_reference) < min_runs
        part = pd.DataFrame(
            {
                by: group,
                "metric": metric,
                "week": weeks,
                "median_difference": _median_of_runs(values) - _median_of_runs(reference_values),
                "diff_ci_low": np.where(few, np.nan, low),
                "diff_ci_high": np.where(few, np.nan, high),
                "n": n,
                "n_reference": n_reference,
            }
        )
        if pair_by:
            part = part.assign(
                **_paired_over_time(
                    runs, ref_runs, metric, pair_by, weeks, rng, n_resamples, tail, min_runs
                )
            )
        parts.append(part)
    columns = [
        by,
        "metric",
        "week",
        "median_difference",
        "diff_ci_low",
        "diff_ci_high",
        "n",
        "n_reference",
    ]
    if pair_by:
        columns += ["pairs", "paired_difference", "paired_ci_low", "paired_ci_high"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def _percentiles(resampled: np.ndarray, tail: float) -> tuple[np.ndarray, np.ndarray]:
    """The percentile band of resamples x weeks, NaN for a week with no value."""
    with warnings.catch_warnings():  # a week no run reached: NaN, as it should be
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanpercentile(resampled, [tail, 100 - tail], axis=0)
    return low, high


def _paired_over_time(
    runs: pd.DataFrame,
    ref_runs: pd.DataFrame,
    metric: str,
    pair_by: str,
    weeks: np.ndarray,
    rng: np.random.Generator,
    n_resamples: int,
    tail: float,
    min_runs: int,
) -> dict[str, np.ndarray]:
    """`effects_over_time`'s paired columns for one group: seeds x weeks of differences."""

    def by_seed(part: pd.DataFrame) -> pd.DataFrame | None:
        if not part.duplicated([pair_by, "week"]).any():
            table = part.pivot_table(index=pair_by, columns="week", values=metric, aggfunc="first")
            table.columns = table.columns.astype(int)
            return table.reindex(columns=weeks)
        return None  # several runs of one seed: no pairs

    mine, theirs = by_seed(runs), by_seed(ref_runs)
    if mine is None or theirs is None:
        nothing = np.full(len(weeks), np.nan)
        return {
            "pairs": np.zeros(len(weeks), dtype=int),
            "paired_difference": nothing,
            "paired_ci_low": nothing,
            "paired_ci_high": nothing,
        }
    both = mine.index.intersection(theirs.index)
    differences = (mine.loc[both] - theirs.loc[both]).to_numpy(dtype=float)  # seeds x weeks
    pairs = np.isfinite(differences).sum(axis=0)
    if len(both):
        drawn = differences[rng.integers(0, len(both), (n_resamples, len(both)))]
        low, high = _percentiles(_median_of_runs(drawn), tail)
        median = _median_of_runs(differences)
    else:
        low = high = median = np.full(len(weeks), np.nan)
    few = pairs < min_runs
    return {
        "pairs": pairs,
        "paired_difference": median,
        "paired_ci_low": np.where(few, np.nan, low),
        "paired_ci_high": np.where(few, np.nan, high),
    }


def _median_of_runs(values: np.ndarray) -> np.ndarray:
    """Median over the runs axis (the one before weeks), ignoring weeks a run did not record."""
    if not np.isnan(values).any():
        return np.median(values, axis=-2)
    with warnings.catch_warnings():  # no run recorded that week: NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(values, axis=-2)


def holds_from(weeks: Sequence[int], holds: Sequence[bool]) -> int | None:
    """The first week from which `holds` is true at every later week to the last, or None.

    A condition that holds for a while, stops, and holds again counts only from its last
    start: "from week w on" means to the end of the run.
    """
    order = np.argsort(np.asarray(weeks))
    weeks, holds = np.asarray(weeks)[order], np.asarray(holds, dtype=bool)[order]
    if holds.size == 0 or not holds[-1]:
        return None
    broken = np.flatnonzero(~holds)
    return int(weeks[broken[-1] + 1] if broken.size else weeks[0])


# --- a gap split into two factors (compare at equal resources) --------------------------------

# The parts of `two_factor_split`, in its rows' order: the gap, its two Shapley parts (which add
# up to it) and the resources part under each ordering (the spending part under an ordering is
# the gap less it).
SPLIT_PARTS = (
    "gap",
    "resources",
    "spending",
    "resources_with_own_spending",
    "resources_with_reference_spending",
)
CELLS = ("reference", "design", "design_at_reference", "reference_at_design")


def _cells(values: Sequence[Iterable[float]]) -> np.ndarray:
    """The four cells as rows of one array (cells x seeds), or a ValueError in one line naming
    the cell that is not one value per seed of the same seeds as the first."""
    rows = []
    for name, cell in zip(CELLS, values, strict=True):
        row = np.asarray(list(cell) if not hasattr(cell, "__array__") else cell, dtype=float)
        if row.ndim != 1:
            raise ValueError(
                f"{name} has shape {row.shape}: give one value per seed (a 1-D sequence)"
            )
        if rows and row.size != rows[0].size:
            raise ValueError(
                f"{name} has {row.size} values and reference {rows[0].size}: give one value "
                "per seed, the same seeds in the same order in all four cells"
            )
        rows.append(row)
    return np.vstack(rows)


def _check_resampling(n_resamples: int, confidence: float = CONFIDENCE) -> None:
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, (int, np.integer)):
        raise ValueError(f"n_resamples={n_resamples!r} must be a whole number of at least 1")
    if n_resamples < 1:
        raise ValueError(f"n_resamples={n_resamples} must be a whole number of at least 1")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence!r} must be strictly between 0 and 1, e.g. 0.95")


def two_factor_draws(
    reference: Iterable[float],
    design: Iterable[float],
    design_at_reference: Iterable[float],
    reference_at_design: Iterable[float],
    *,
    n_resamples: int = N_RESAMPLES,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """The Shapley split of a gap over two factors, R (resources) and S (how they are spent),
    and a paired bootstrap of it: {part: [estimate, draw 1, ..., draw n_resamples]}.

    The four arrays are one value per seed, the same seeds in the same order: Y(R_ref, S_ref),
    Y(R_d, S_d), Y(R_ref, S_d) and Y(R_d, S_ref). With means over seeds,
    gap = Y(ref) - Y(d); resources = 1/2 [(Y(R_ref,S_d) - Y(d)) + (Y(ref) - Y(R_d,S_ref))],
    the mean of the two orderings (`resources_with_own_spending`, resources moved first;
    `resources_with_reference_spending`, moved second); spending the same with the factors
    swapped, so resources + spending = gap in the estimate and in every draw (means are
    linear, so the split of the means is the mean of the seeds' splits). A draw resamples
    seeds with replacement, keeping each seed's four values together: the runs of one design
    at two resources share their seed's draws, and the bootstrap keeps that pairing. A NaN
    anywhere gives NaN parts (`two_factor_split` leaves such seeds out).

    Raises:
        ValueError: in one line, when a cell is not one value per seed of the same length as
            `reference`, or `n_resamples` is below 1.
    """
    _check_resampling(n_resamples)
    cells = _cells((reference, design, design_at_reference, reference_at_design))
    n = cells.shape[1]
    rng = np.random.default_rng(seed)
    drawn = rng.integers(0, n, (n_resamples, n)) if n else np.zeros((n_resamples, 0), int)
    with warnings.catch_warnings():  # no seeds: every part NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        means = np.concatenate([cells.mean(axis=1)[:, None], cells[:, drawn].mean(axis=2)], axis=1)
    ref, own, own_at_ref, ref_at_own = means
    first, second = own_at_ref - own, ref - ref_at_own  # resources moved first, then second
    return {
        "gap": ref - own,
        "resources": 0.5 * (first + second),
        "spending": 0.5 * ((ref_at_own - own) + (ref - own_at_ref)),
        "resources_with_own_spending": first,
        "resources_with_reference_spending": second,
    }


def two_factor_split(
    reference: Iterable[float],
    design: Iterable[float],
    design_at_reference: Iterable[float],
    reference_at_design: Iterable[float],
    *,
    confidence: float = CONFIDENCE,
    n_resamples: int = N_RESAMPLES,
    seed: int = 0,
    min_runs: int = 1,
) -> pd.DataFrame:
    """`two_factor_draws` as a table: one row per part (`SPLIT_PARTS`) with its estimate (of
    the means over seeds), its percentile interval at `confidence`, `seeds` (those with all
    four values) and `note` (why there is no interval). Seeds where any of the four values is
    missing (NaN: a failed run) are left out; fewer than `min_runs` seeds give no interval.

    Raises:
        ValueError: in one line, for cells of different lengths, `n_resamples` below 1 or
            `confidence` outside (0, 1).
    """
    _check_resampling(n_resamples, confidence)
    cells = _cells((reference, design, design_at_reference, reference_at_design))
    cells = cells[:, np.isfinite(cells).all(axis=0)]
    draws = two_factor_draws(*cells, n_resamples=n_resamples, seed=seed)
    n = cells.shape[1]
    few = n < max(min_runs, 1)
    note = ""
    if n == 0:
        note = "no seed has all four runs"
    elif few:
        note = f"too few seeds with all four runs for an interval ({n}; {min_runs} needed)"
    tail = 100 * (1 - confidence) / 2
    rows = []
    for part in SPLIT_PARTS:
        values = draws[part]
        low, high = (np.nan, np.nan) if few else np.percentile(values[1:], [tail, 100 - tail])
        rows.append(
            {
                "part": part,
                "estimate": float(values[0]),
                "ci_low": float(low),
                "ci_high": float(high),
                "seeds": n,
                "note": note,
            }
        )
    return pd.DataFrame(rows)
