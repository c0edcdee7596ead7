"""How sure we are: medians with bootstrap intervals, effect sizes, tests and replication counts.

Everything here takes plain arrays or a table with one row per run, so the experiments, the app
and the tests share the same arithmetic. Effect sizes take the metric's direction from
`sim.metrics.METRICS` (`better`), so "A above 0.5" always means "this design does better".
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


def median_ci(values: Iterable[float], *, confidence: float = CONFIDENCE,
              n_resamples: int = N_RESAMPLES, seed: int = 0) -> tuple[float, float, float]:
    """Median and its percentile-bootstrap interval: (median, low, high).

    The percentile method is used rather than BCa because final values often tie (a design that
    always stalls at 0), where BCa's jackknife degenerates. Seeded, so tables are reproducible.
    """
    x = _clean(values)
    if x.size == 0:
        return (np.nan, np.nan, np.nan)
    median = float(np.median(x))
    if x.size == 1 or np.ptp(x) == 0:
        return (median, median, median)
    result = stats.bootstrap((x,), np.median, n_resamples=n_resamples, vectorized=True,
                             confidence_level=confidence, method="percentile",
                             rng=np.random.default_rng(seed))
    low, high = result.confidence_interval
    return (median, float(low), float(high))


def median_difference_ci(x: Iterable[float], y: Iterable[float], *,
                         confidence: float = CONFIDENCE, n_resamples: int = N_RESAMPLES,
                         seed: int = 0) -> tuple[float, float, float]:
    """median(x) - median(y) with a two-sample percentile-bootstrap interval.

    Each sample is resampled on its own (runs of two designs are not paired by the bootstrap,
    though they share seeds), which gives a wider, conservative interval.
    """
    a, b = _clean(x), _clean(y)
    if a.size == 0 or b.size == 0:
        return (np.nan, np.nan, np.nan)
    diff = float(np.median(a) - np.median(b))
    if (a.size == 1 and b.size == 1) or (np.ptp(a) == 0 and np.ptp(b) == 0):
        return (diff, diff, diff)

    def statistic(s1, s2, axis=-1):
        return np.median(s1, axis=axis) - np.median(s2, axis=axis)

    result = stats.bootstrap((a, b), statistic, n_resamples=n_resamples, vectorized=True,
                             confidence_level=confidence, method="percentile",
                             rng=np.random.default_rng(seed))
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


def vargha_delaney_a(x: Iterable[float], y: Iterable[float], *,
                     better: str | None = "higher") -> float:
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


def cliffs_delta(x: Iterable[float], y: Iterable[float], *,
                 better: str | None = "higher") -> float:
    """Cliff's delta, P(x better) - P(y better), in [-1, 1]; equals 2A - 1."""
    return 2 * vargha_delaney_a(x, y, better=better) - 1


def magnitude(a: float) -> str:
    """Vargha & Delaney's verbal label for an A value."""
    if not np.isfinite(a):
        return "n/a"
    distance = abs(a - 0.5)
    return next(label for limit, label in A_MAGNITUDES if distance < limit)


def mann_whitney(x: Iterable[float], y: Iterable[float], *, alternative: str = "two-sided",
                 better: str | None = None) -> float:
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


def summary_table(finals: pd.DataFrame, metrics: Sequence[str], *, by: str = "design",
                  seed: int = 0) -> pd.DataFrame:
    """Median and bootstrap interval of each metric per group: one row per group and metric.

    `finals` has one row per run (for example the last week of each run of a tidy table).
    """
    rows = []
    for group, runs in finals.groupby(by, sort=False):
        for metric in metrics:
            median, low, high = median_ci(runs[metric], seed=seed)
            rows.append({by: group, "metric": metric, "median": median, "ci_low": low,
                         "ci_high": high, "n": int(runs[metric].notna().sum())})
    return pd.DataFrame(rows)


def effects_against(finals: pd.DataFrame, reference: str, metrics: Sequence[str], *,
                    by: str = "design", seed: int = 0) -> pd.DataFrame:
    """Each group against `reference`, per metric: A, Cliff's delta, difference of medians with
    its bootstrap interval, two-sided Mann-Whitney p, and Holm's adjustment over the whole table.

    A and delta are oriented by the metric's `better`: A < 0.5 means the reference does better.
    """
    ref_runs = finals[finals[by] == reference]
    if ref_runs.empty:
        raise ValueError(f"no runs of the reference {reference!r} in column {by!r}")
    rows = []
    for group, runs in finals.groupby(by, sort=False):
        if group == reference:
            continue
        for metric in metrics:
            better = better_of(metric)
            a = vargha_delaney_a(runs[metric], ref_runs[metric], better=better)
            diff, low, high = median_difference_ci(runs[metric], ref_runs[metric], seed=seed)
            rows.append({by: group, "metric": metric, "better": better or "",
                         "median_difference": diff, "diff_ci_low": low, "diff_ci_high": high,
                         "A": a, "cliffs_delta": 2 * a - 1, "magnitude": magnitude(a),
                         "p": mann_whitney(runs[metric], ref_runs[metric]),
                         "n": len(runs), "n_reference": len(ref_runs)})
    table = pd.DataFrame(rows)
    table["p_holm"] = holm(table["p"]) if len(table) else []
    return table


def effects_over_time(tidy: pd.DataFrame, reference: str, metric: str, *, by: str = "design",
                      keys: Sequence[str] | None = None, confidence: float = CONFIDENCE,
                      n_resamples: int = N_RESAMPLES, seed: int = 0) -> pd.DataFrame:
    """Each group against `reference`, week by week: the difference of medians of `metric`
    (group - reference, as `effects_against` takes at the last week) with a percentile-bootstrap
    band; one row per group and week of the reference's runs.

    As in `median_difference_ci`, each group's runs and the reference's are resampled on their
    own, whole runs at a time, so a resample keeps each run's weeks together. All weeks and
    resamples are drawn at once (one seeded generator per group, so a group's band does not
    depend on which other groups are in the table). Runs are told apart by `keys`: by default a
    `run` column when there is one, else `by` and seed.
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
        resampled = [_median_of_runs(v[rng.integers(0, len(v), (n_resamples, len(v)))])
                     for v in (values, reference_values)]  # resamples x weeks each
        differences = resampled[0] - resampled[1]
        with warnings.catch_warnings():  # a week no run reached: NaN, as it should be
            warnings.simplefilter("ignore", RuntimeWarning)
            low, high = np.nanpercentile(differences, [tail, 100 - tail], axis=0)
        parts.append(pd.DataFrame({
            by: group, "metric": metric, "week": weeks,
            "median_difference": _median_of_runs(values) - _median_of_runs(reference_values),
            "diff_ci_low": low, "diff_ci_high": high,
            "n": np.isfinite(values).sum(axis=0),
            "n_reference": np.isfinite(reference_values).sum(axis=0)}))
    columns = [by, "metric", "week", "median_difference", "diff_ci_low", "diff_ci_high", "n",
               "n_reference"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


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
