"""The patterns again, on other seeds and with other statistics than the tests use.

    python -m experiments.calibration.crosscheck [--seeds N] [--jobs J] [--out DIR] [--quick] [--doc PATH | --no-doc]

The pattern tests (tests/patterns) decide with medians, rank tests and counts over seeds
20000-20019. This recomputes every pattern, the one not reproduced included, on fresh seeds (8000
and up, 60 by default, used by no test and no other study) with statistics of another family:
means instead of medians, Welch and paired t-tests instead of Mann-Whitney and sign tests, and
bootstrap intervals of differences of means for the advantage patterns. Each claim is one row:
the quantity, its value, the statistic and whether the claim holds at `LEVEL` (0.01; 0.05 for
pattern 2, as its test). A claim about "every other design" is one row per design, reported as
its weakest. Writes `crosscheck.csv` and `crosscheck.md` to the output folder and, unless
`--quick` (without `--doc`) or `--no-doc`, the 'crosscheck' section of docs/calibration.md.
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from experiments.calibration import doc as calibration
from experiments.calibration import patterns
from experiments.calibration.patterns import (
    CONVENER_ONLY,
    FULL,
    LOW_LEGITIMACY,
    MIN_DECAY,
    MIN_WINS,
    NO_BACKING,
    NO_GOVERNMENT,
    NO_LOCK_IN,
    ONE_SECTOR,
    OPEN_DESIGNS,
    PATTERN_2_DESIGNS,
    QUICK,
    REFERENCE,
    SIZE_FACTOR,
    Study,
    baselines,
    requests_for,
)
from experiments.kit.engine import RESULTS, RunStore, fingerprint, output_folder
from sim.scenarios import designs

FIRST_SEED = 8000
SEEDS = 60
LEVEL = 0.01
PATTERN_2_LEVEL = 0.05  # as its test
RESAMPLES = 4000
BOOTSTRAP_SEED = 8000  # fixed, so the same runs give the same intervals


@dataclass(frozen=True)
class Claim:
    pattern: str
    claim: str
    value: str  # the numbers behind it
    statistic: str  # what decides, with its value
    holds: bool


def _flat(x: np.ndarray) -> bool:
    """No spread worth a t-test (identical up to rounding)."""
    return bool(np.ptp(x) <= 1e-9 * max(1.0, float(np.abs(x).max())))


def _beyond(difference: float, greater: bool) -> float:
    """The p-value of a difference without spread: 0 if it points the claimed way, else 1."""
    return 0.0 if (difference > 0 if greater else difference < 0) else 1.0


def _t(test: Callable[..., Any], *args: Any, greater: bool) -> float:
    with warnings.catch_warnings():  # near-flat data: the _flat rule has already decided those
        warnings.filterwarnings("ignore", message="Precision loss", category=RuntimeWarning)
        return float(test(*args, alternative="greater" if greater else "less").pvalue)


def welch(a: np.ndarray, b: np.ndarray, greater: bool) -> float:
    """One-sided Welch t-test p-value that `a`'s mean is above (or below) `b`'s."""
    if _flat(a) and _flat(b):  # no spread: the means decide
        return _beyond(float(a.mean() - b.mean()), greater)
    return _t(
        lambda x, y, alternative: stats.ttest_ind(x, y, equal_var=False, alternative=alternative),
        a,
        b,
        greater=greater,
    )


def paired(a: np.ndarray, b: np.ndarray, greater: bool) -> float:
    """One-sided paired t-test p-value that `a` exceeds (or falls below) `b`, seed by seed."""
    if _flat(a - b):
        return _beyond(float(np.mean(a - b)), greater)
    return _t(stats.ttest_rel, a, b, greater=greater)


def one_sample(a: np.ndarray, value: float, greater: bool) -> float:
    """One-sided one-sample t-test p-value that `a`'s mean is above (or below) `value`."""
    if _flat(a):
        return _beyond(float(a.mean() - value), greater)
    return _t(stats.ttest_1samp, a, value, greater=greater)


def bootstrap(
    statistic: Callable[[Callable[[np.ndarray], np.ndarray]], float],
    resamples: int = RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[float, float]:
    """95% percentile interval of `statistic(resample)`, where `resample(x)` draws x's seeds
    with replacement (independently for every array it is called on)."""
    rng = np.random.default_rng(seed)
    values = [statistic(lambda x: x[rng.integers(0, x.size, x.size)]) for _ in range(resamples)]
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def _weakest(rows: list[tuple[str, float]], level: float) -> tuple[bool, str]:
    name, p = max(rows, key=lambda r: r[1])
    return p < level, f"largest p {p:.2g} (against {name})"


def _against_each(
    s: Study, design: str, metric: str, row: str, higher: bool, level: float, others: Sequence[str]
) -> tuple[bool, str, str]:
    read = s.final if row == "final" else s.over_run
    mine = read(design, metric)
    rows, values = [], []
    for other in others:
        theirs = read(other, metric)
        rows.append((other, welch(mine, theirs, higher)))
        values.append(theirs.mean())
    holds, text = _weakest(rows, level)
    closest = (max if higher else min)(zip(values, others, strict=True))
    return (
        holds,
        (f"mean {mine.mean():.3g}; closest {closest[1]} {closest[0]:.3g}"),
        f"Welch t, {text}",
    )


def check(s: Study) -> list[Claim]:
    """Every claim, from the runs of study `s` (a store-backed `patterns.Study`)."""
    out: list[Claim] = []
    every = designs()

    def add(pattern, claim, holds, value, statistic):
        out.append(Claim(pattern, claim, value, statistic, bool(holds)))

    for metric in ("progress", "systems_change"):
        add(
            "1",
            f"Impact Partnership's final {metric.replace('_', ' ')} above every baseline's",
            *_against_each(s, REFERENCE, metric, "final", True, LEVEL, baselines()),
        )
    for design in PATTERN_2_DESIGNS:
        others = [d for d in every if d not in PATTERN_2_DESIGNS]
        add(
            "2",
            f"{design}'s engaged business share below every other design's",
            *_against_each(
                s, design, "engaged_business_share", "over", False, PATTERN_2_LEVEL, others
            ),
        )
    add(
        "3",
        "advocacy coalition's action share below every other design's",
        *_against_each(
            s,
            "advocacy_coalition",
            "action_share",
            "over",
            False,
            LEVEL,
            [d for d in every if d != "advocacy_coalition"],
        ),
    )
    add(
        "4",
        "business-led claims gap above every other design's",
        *_against_each(
            s,
            "business_led",
            "claims_gap",
            "over",
            True,
            LEVEL,
            [d for d in every if d != "business_led"],
        ),
    )
    first, last = s.first("business_led", "legitimacy"), s.final("business_led", "legitimacy")
    p = paired(last, first, greater=False)
    add(
        "4",
        "business-led legitimacy ends below its start",
        p < LEVEL,
        f"mean {first.mean():.3g} -> {last.mean():.3g}",
        f"paired t, p {p:.2g}",
    )

    for design in NO_GOVERNMENT:
        change = s.final(design, "systems_change")
        high = float(
            stats.t.ppf(1 - LEVEL, change.size - 1) * change.std(ddof=1) / np.sqrt(change.size)
            + change.mean()
        )
        add(
            "5",
            f"{design}: systems change below {NO_LOCK_IN}",
            high < NO_LOCK_IN,
            f"mean {change.mean():.3g}",
            f"upper one-sided {1 - LEVEL:.0%} bound {high:.3g}",
        )
        after = dict(steps=s.horizon.extended, partnership_weeks=s.horizon.steps)
        at_end, later = s.end_progress(design, **after), s.final(design, "progress", **after)
        decay = float(np.mean((at_end - later) / np.where(at_end > 0, at_end, 1.0)))
        p = paired(later, at_end, greater=False)
        add(
            "5",
            f"{design}: progress decays after the end, by at least {MIN_DECAY:.0%}",
            p < LEVEL and decay >= MIN_DECAY,
            f"mean {at_end.mean():.3g} -> {later.mean():.3g}, mean relative decay {decay:.2f}",
            f"paired t, p {p:.2g}",
        )

    crime = s.final("crime_reduction_partnership", "legitimacy")
    p = one_sample(crime, LOW_LEGITIMACY, greater=False)
    add(
        "6",
        f"crime reduction's final legitimacy below {LOW_LEGITIMACY}",
        p < LEVEL,
        f"mean {crime.mean():.3g}",
        f"one-sample t, p {p:.2g}",
    )
    add(
        "6",
        "crime reduction's final legitimacy below every open design's",
        *_against_each(
            s, "crime_reduction_partnership", "legitimacy", "final", False, LEVEL, OPEN_DESIGNS
        ),
    )

    runs = s.breaches()
    recover = np.array([r["recover"] for r in runs])
    lose = runs[0]["lose"] if runs else 0.0
    capped = np.where(np.isfinite(recover), recover, float(s.horizon.steps))
    p = one_sample(capped, lose, greater=True)
    fell = float(np.mean([r["fell"] for r in runs]))
    scar = float(np.mean([r["scar"] for r in runs]))
    add(
        "7",
        "after a breach trust falls, takes longer to regain than to lose, and scars",
        p < LEVEL and fell >= 0.9 and scar >= 0.9,
        f"fell in {fell:.0%}, scar in {scar:.0%}; weeks to regain, mean {capped.mean():.3g} "
        f"(against {lose:.0f} lost)",
        f"one-sample t on the weeks, p {p:.2g}",
    )

    with np.errstate(divide="ignore", invalid="ignore"):
        without = np.nan_to_num(
            patterns._per_member(s, SIZE_FACTOR, 0.0) / patterns._per_member(s, 1, 0.0), nan=1.0
        )
        with_ = np.nan_to_num(
            patterns._per_member(s, SIZE_FACTOR, 0.9) / patterns._per_member(s, 1, 0.9), nan=1.0
        )
    p_falls, p_helps = one_sample(without, 1.0, greater=False), paired(with_, without, True)
    add(
        "8",
        f"progress per member at {SIZE_FACTOR}x the membership falls without "
        "orchestration, and falls less with it",
        p_falls < LEVEL and p_helps < LEVEL,
        f"ratio {SIZE_FACTOR}x/1x, mean: without {without.mean():.3g}, with {with_.mean():.3g}",
        f"one-sample t (ratio < 1) p {p_falls:.2g}; paired t (with > without) p {p_helps:.2g}",
    )

    for metric in ("sectors_represented", "cross_sector_ties"):
        curated = s.final(REFERENCE, metric, curation=0.9, **CONVENER_ONLY)
        selected = s.final(REFERENCE, metric, curation=0.0, **CONVENER_ONLY)
        p = paired(curated, selected, greater=True)
        add(
            "9",
            f"curation gives more {metric.replace('_', ' ')} than self-selection",
            p < LEVEL,
            f"mean {curated.mean():.3g} against {selected.mean():.3g}",
            f"paired t, p {p:.2g}",
        )

    wins = s.final("government_led", "wins", sprint_intensity=0.8)
    with_sprints = s.final("government_led", "dropouts", sprint_intensity=0.8)
    without_sprints = s.final("government_led", "dropouts")
    p = paired(with_sprints, without_sprints, greater=False)
    add(
        "10",
        "sprints bring wins and fewer dropouts (government-led)",
        wins.mean() >= MIN_WINS and p < LEVEL,
        f"wins, mean {wins.mean():.3g}; dropouts, mean {with_sprints.mean():.3g} with, "
        f"{without_sprints.mean():.3g} without",
        f"paired t, p {p:.2g}",
    )

    out.extend(_advantages(s))
    return out


def _advantages(s: Study) -> list[Claim]:
    """Pattern 11: the Impact Partnership's lead in means over the best baseline (named by its
    mean), with bootstrap intervals; every design's seeds resampled on their own."""

    def arrays(reference=None, **overrides):
        mine = s.final(REFERENCE, "progress", **overrides, **(reference or {}))
        others = {d: s.final(d, "progress", **overrides) for d in baselines()}
        best = max(others, key=lambda d: others[d].mean())
        return mine, others[best], best

    default = arrays()

    def lead(pair, draw=lambda x: x):
        return float(draw(pair[0]).mean() - draw(pair[1]).mean())

    conditions = {
        "11a": ("lead smaller on the one-sector problem", arrays(**ONE_SECTOR), 1.0),
        "11a-strong": ("lead less than half on the one-sector problem", arrays(**ONE_SECTOR), 0.5),
        "11b": ("lead less than half over 20 weeks", arrays(steps=s.horizon.short), 0.5),
        "11c": ("lead less than half without backing", arrays(reference=NO_BACKING), 0.5),
        "11d": (
            "lead below 0 on the one-sector problem within the set-up",
            arrays(**ONE_SECTOR, steps=s.horizon.setup),
            0.0,
        ),
    }
    unbacked = arrays(reference=NO_BACKING, **ONE_SECTOR, steps=s.horizon.short)
    out = []
    for key, (claim, pair, share) in conditions.items():
        low, high = bootstrap(
            lambda draw, pair=pair, share=share: lead(pair, draw) - share * lead(default, draw)
        )
        of = f"lead − {share:g} × default lead" if share else "the lead"
        out.append(
            Claim(
                key,
                claim,
                f"lead {lead(pair):+.3g} (best {pair[2]}) against "
                f"{lead(default):+.3g} (best {default[2]})",
                f"95% interval of {of}: [{low:+.3g}, {high:+.3g}]",
                high < 0,
            )
        )
    low, high = bootstrap(lambda draw: lead(unbacked, draw))
    out.append(
        Claim(
            "11d",
            "lead below 0 on the one-sector problem, unbacked, over 20 weeks",
            f"lead {lead(unbacked):+.3g} (best {unbacked[2]})",
            f"95% interval [{low:+.3g}, {high:+.3g}]",
            high < 0,
        )
    )
    return out


def markdown(
    claims: Sequence[Claim], seeds: Sequence[int], note: str, elapsed: float, made: int, quick: bool
) -> str:
    held = sum(c.holds for c in claims)
    lines = [
        "## The patterns on other seeds, with other statistics",
        "",
        note,
        "",
        f"`python -m experiments.calibration.crosscheck`: seeds {seeds[0]}–{seeds[-1]} ({len(seeds)} per "
        "design and setting), means with Welch, paired and one-sample t-tests and "
        "bootstrap intervals of differences of means (the tests use medians, "
        f"Mann-Whitney and sign tests); level {LEVEL} ({PATTERN_2_LEVEL} for pattern 2, as "
        f"its test). {held} of {len(claims)} claims hold.",
        "",
        "| pattern | claim | numbers | statistic | holds |",
        "|---|---|---|---|---|",
    ]
    for c in claims:
        lines.append(
            f"| {c.pattern} | {c.claim} | {c.value} | {c.statistic} | "
            f"{'yes' if c.holds else '**no**'} |"
        )
    lines += ["", f"{made} runs made in {elapsed / 60:.1f} minutes (the rest from the run cache)."]
    if quick:
        lines += ["", "(--quick: a smoke test, not a result.)"]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> Path:
    parser = calibration.study_parser(
        "crosscheck",
        __doc__.split("\n\n")[0],
        seeds=SEEDS,
        per="design and setting",
        quick="2 seeds, a 30-week horizon, one process, no document",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="run cache (default results/cache, shared with the OFAT)",
    )
    args = parser.parse_args(argv)
    seeds = calibration.study_seeds(parser, args, FIRST_SEED, SEEDS)
    started = time.perf_counter()
    horizon = QUICK if args.quick else FULL
    folder = output_folder("crosscheck", args.out)
    cache = args.cache or (folder / "cache" if args.quick else RESULTS / "cache")
    store = RunStore(cache, n_jobs=args.jobs or (1 if args.quick else 2))
    state, print_start = calibration.code_state(), store.fingerprint
    store.ensure(requests_for({}, seeds, horizon), "crosscheck")
    with np.errstate(all="ignore"):
        claims = check(Study({}, seeds, horizon, store))
    pd.DataFrame([c.__dict__ for c in claims]).to_csv(folder / "crosscheck.csv", index=False)
    note = calibration.state_note(state, print_start, fingerprint())
    text = markdown(claims, seeds, note, time.perf_counter() - started, store.made, args.quick)
    calibration.publish(
        "crosscheck", text, folder, calibration.target_doc(args.quick, args.doc, args.no_doc)
    )
    print(f"Wrote {folder} ({store.made} runs made)", file=sys.stderr)
    return folder


if __name__ == "__main__":
    main()
