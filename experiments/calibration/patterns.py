"""The eleven patterns of model.md as statistics for experiments, with small-sample rules.

The pattern tests (`tests/patterns/`) decide with p-values over 20 seeds. The calibration
experiments recompute the same statistics many times over few seeds (the one-factor-at-a-time
sweep of `experiments.calibration.ofat`: 10 seeds per value), where a p-value would say mostly "too few
seeds". So each pattern is decided here by a median or majority rule on the same quantities the
test computes (same designs, same metrics, same overrides; "over the run" = mean of weeks 1..end,
"final" = the last week). The rules:

- **1** Final `progress` and final `systems_change`: the Impact Partnership's median is above
  every baseline's median (both metrics, all six baselines).
- **2** `engaged_business_share` over the run: the government-led and the public-funder medians
  are each below the median of every other design (not each other).
- **3** `action_share` over the run: the advocacy coalition's median is below every other
  design's median.
- **4** `claims_gap` over the run: business-led's median is above every other design's median;
  and final `legitimacy` is below week 0's in at least 90% of seeds (the test's 18 of 20).
- **5** For ngo_business_pair and business_led: median final `systems_change` below 0.05; and with
  the horizon extended by a third after the partnership ends (`steps=208,
  partnership_weeks=156`), `progress` at the end is below its level when the partnership ended
  in at least 90% of seeds, by a median relative decay of at least 0.2.
- **6** crime_reduction_partnership: final `legitimacy` below 0.42 in at least 90% of seeds; its
  median below the median of each design with civil society or citizens at the table; and below
  week 0 in at least 90% of seeds.
- **7** Impact Partnership; at week 52 a random member (stream `test-breach`) withholds its
  contribution for 4 weeks (`PartnershipModel.suspend_contribution`), as in the test: partners'
  mean trust in it falls, takes longer than the 4 weeks to regain, and its cap is scarred
  (below 1 for every partner), each in every seed (the test, too, asks for every seed).
- **8** Final progress per member at 4x the Impact Partnership's membership (pool and
  `problem_scale` x4) over that at 1x: with `orchestration=0` the median ratio is below 0.2; and
  the ratio with `orchestration=0.9` is higher than without in more paired seeds than it is
  lower (ties dropped: the majority form of the test's sign test).
- **9** Four civil-society founders recruiting up to 13: final `sectors_represented` and final
  `cross_sector_ties` with `curation=0.9` exceed those with `curation=0` in more paired seeds
  than the reverse (ties dropped), for both metrics.
- **10** government_led with `sprint_intensity=0.8`: median final `wins` at least 2; and final
  `dropouts` lower than without sprints in more paired seeds than higher (ties dropped).
- **11a** Advantage = the Impact Partnership's median final progress less the best baseline's
  median. On the one-facet problem `market_solution: funding + reach` the advantage is smaller
  than on the default problem.
- **11a-strong** The one-facet advantage is below half the default advantage. *Known not
  reproduced.*
- **11b** The advantage over 20 weeks is below half the advantage over the full horizon.
- **11c** With `leadership_backing=0` in the Impact Partnership alone (the baselines at their
  defaults), its advantage is below half the default advantage.
- **11d** Where two boundaries meet, the Impact Partnership does not win: on the one-facet
  problem its advantage is below 0 over the set-up weeks (`steps=8`, the default
  `design_phase_weeks`), and below 0 over the short horizon with `leadership_backing=0` in the
  Impact Partnership alone.

"At least 90% of seeds" is rounded up (9 of 10, 2 of 2). Besides the verdict each pattern returns
a `margin`, the slack of its tightest clause on a unit-free scale (a relative difference of
medians, or a share of seeds less the required share), used only to rank constants by how much
they move the patterns when a sweep must be screened; positive margins do not replace the rules.

Pattern functions take a `Study` (one parameter setting over a list of seeds). A study first runs
in collecting mode, where every request for runs is recorded and answered with placeholders, so
the runs a set of patterns needs can be counted, shared and made in parallel before the patterns
are evaluated.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from experiments.kit.engine import (
    FINAL,
    FIRST,
    INDEX,
    OVER,
    Make,
    Request,
    RunStore,
    series_summary,
)
from sim import PartnershipModel
from sim.params import Params
from sim.scenarios import designs, resolve

REFERENCE = "impact_partnership"
PATTERN_2_DESIGNS = ("government_led", "public_funder_partnership")
NO_GOVERNMENT = ("ngo_business_pair", "business_led")
OPEN_DESIGNS = (
    "impact_partnership",
    "government_led",
    "public_funder_partnership",
    "ngo_business_pair",
    "advocacy_coalition",
)
ONE_SECTOR = {"facets": (("market_solution", ("funding", "reach")),)}
NO_BACKING = {"leadership_backing": 0.0}  # the Impact Partnership without system leaders
CONVENER_ONLY = dict(
    members_government=0,
    members_business=0,
    members_civil_society=4,
    members_citizens=0,
    target_members=13,
)
MOST_SEEDS = 0.9  # the tests' "at least 18 of 20 seeds"
LOW_LEGITIMACY = 0.42  # the public's lowest sector prior (government, Edelman 2019)
NO_LOCK_IN = 0.05
MIN_DECAY = 0.2
SIZE_FACTOR = 4
SIZE_RATIO_MAX = 0.2
MIN_WINS = 2


def baselines() -> list[str]:
    return [d for d in designs() if d != REFERENCE]


@dataclass(frozen=True)
class Horizon:
    """The weeks the patterns use: full runs, pattern 5's after-life, pattern 7's breach and
    pattern 11b's short horizon and 11d's set-up horizon. `QUICK` shrinks them all for smoke
    tests."""

    steps: int = 156
    extended: int = 208  # pattern 5: the partnership ends at `steps`, the world runs on
    breach_week: int = 52
    breach_weeks: int = 4
    short: int = 20
    setup: int = 8  # pattern 11d: the default `design_phase_weeks`


FULL = Horizon()
QUICK = Horizon(steps=30, extended=40, breach_week=10, breach_weeks=4, short=8, setup=4)


# --- pattern 7's special run -----------------------------------------------------------------


def breach_summary(
    params: Params, seed: int, design: str, *, week: int = 52, weeks: int = 4
) -> dict[str, Any]:
    """As `tests/patterns/test_patterns_mechanisms.py::breach_and_recovery`, on `params`: a
    random member withholds its contribution for `weeks` weeks from `week`; did partners' trust
    in it fall, was its cap scarred, and how many weeks did regaining the loss take (inf: not
    within the run)."""
    model = PartnershipModel(params=params, rng=seed, scenario=design, collect_agents=False)
    for _ in range(week - 1):
        model.step()
    active = model.orgs.active()
    culprit = int(model.streams["test-breach"].choice(active))
    others = active[active != culprit]
    before = model.trust_matrix.level[others, culprit].mean()
    agent = next(a for a in model.agents if a.row == culprit)
    model.suspend_contribution(agent, weeks)
    for _ in range(weeks):
        model.step()
    lowest = model.trust_matrix.level[others, culprit].mean()
    scar = bool((model.trust_matrix.cap[others, culprit] < 1.0).all())
    recover = math.inf
    for elapsed in range(1, model.params.steps - model.steps + 1):
        model.step()
        if model.trust_matrix.level[others, culprit].mean() >= before:
            recover = float(elapsed)
            break
    return {"fell": bool(lowest < before), "scar": scar, "lose": float(weeks), "recover": recover}


def _breach_run(horizon: Horizon) -> Make:
    return functools.partial(breach_summary, week=horizon.breach_week, weeks=horizon.breach_weeks)


# --- a parameter setting over seeds ------------------------------------------------------------


class Study:
    """One parameter setting (`base` overrides on every design) over `seeds`.

    In collecting mode (`store=None`) every question is recorded in `requests` and answered with
    placeholders (ones); with a store, answers come from finished runs.
    """

    def __init__(
        self,
        base: dict[str, Any],
        seeds: Sequence[int],
        horizon: Horizon = FULL,
        store: RunStore | None = None,
    ):
        self.base = dict(base)
        self.seeds = tuple(int(s) for s in seeds)
        self.horizon = horizon
        self.store = store
        self.requests: list[Request] = []

    @functools.cache  # noqa: B019 - a study lives for one evaluation
    def _params(self, design: str, frozen: tuple) -> Params:
        return resolve(design, **{**self.base, "steps": self.horizon.steps, **dict(frozen)})

    def params(self, design: str, **overrides: Any) -> Params:
        return self._params(design, tuple(sorted(overrides.items())))

    def _summaries(self, make: Make, design: str, overrides: dict[str, Any]) -> list:
        params = self.params(design, **overrides)
        requests = [Request(make, params, s, design) for s in self.seeds]
        if self.store is None:
            self.requests.extend(requests)
            return [None] * len(requests)
        return [self.store.get(r) for r in requests]

    def _column(self, row: int, design: str, metric: str, overrides: dict) -> np.ndarray:
        runs = self._summaries(series_summary, design, overrides)
        if self.store is None:
            return np.ones(len(runs))
        return np.array([run["table"][row, INDEX[metric]] for run in runs])

    def final(self, design: str, metric: str, **overrides: Any) -> np.ndarray:
        return self._column(FINAL, design, metric, overrides)

    def first(self, design: str, metric: str, **overrides: Any) -> np.ndarray:
        return self._column(FIRST, design, metric, overrides)

    def over_run(self, design: str, metric: str, **overrides: Any) -> np.ndarray:
        return self._column(OVER, design, metric, overrides)

    def end_progress(self, design: str, **overrides: Any) -> np.ndarray:
        runs = self._summaries(series_summary, design, overrides)
        if self.store is None:
            return np.full(len(runs), 2.0)
        return np.array([run["end_progress"] for run in runs])

    def breaches(self) -> list[dict[str, Any]]:
        runs = self._summaries(_breach_run(self.horizon), REFERENCE, {})
        if self.store is None:
            return [{"fell": True, "scar": True, "lose": 1.0, "recover": 2.0} for _ in runs]
        return runs


# --- small-sample rules ----------------------------------------------------------------------


@dataclass
class Outcome:
    holds: bool
    margin: float  # slack of the tightest clause, unit-free; see the module docstring
    detail: str = ""
    clauses: dict[str, bool] = field(default_factory=dict)


def _relative(a: float, b: float) -> float:
    """(a - b) relative to the larger magnitude: > 0 when a > b, in [-2, 2]."""
    scale = max(abs(a), abs(b), 1e-12)
    return float((a - b) / scale)


def _most(flags: Sequence[bool] | np.ndarray) -> tuple[bool, float]:
    flags = np.asarray(flags, dtype=bool)
    need = math.ceil(MOST_SEEDS * flags.size - 1e-9)
    return bool(flags.sum() >= need), float(flags.mean() - MOST_SEEDS)


def _majority(better: np.ndarray, worse: np.ndarray) -> tuple[bool, float]:
    """Paired seeds: `better` beats `worse` in more seeds than the reverse (ties dropped)."""
    up, down = int((better > worse).sum()), int((better < worse).sum())
    return up > down, (up - down) / max(len(better), 1)


def _verdict(clauses: dict[str, tuple[bool, float]], detail: str) -> Outcome:
    return Outcome(
        all(ok for ok, _ in clauses.values()),
        min(m for _, m in clauses.values()),
        detail,
        {name: ok for name, (ok, _) in clauses.items()},
    )


def _median(x: np.ndarray) -> float:
    return float(np.median(x))


def pattern_1(s: Study) -> Outcome:
    clauses, parts = {}, []
    for metric in ("progress", "systems_change"):
        mine = _median(s.final(REFERENCE, metric))
        best = max(baselines(), key=lambda d: _median(s.final(d, metric)))
        theirs = _median(s.final(best, metric))
        clauses[metric] = (mine > theirs, _relative(mine, theirs))
        parts.append(f"{metric}: IP {mine:.3g} vs best {best} {theirs:.3g}")
    return _verdict(clauses, "; ".join(parts))


def pattern_2(s: Study) -> Outcome:
    clauses, parts = {}, []
    others = [d for d in designs() if d not in PATTERN_2_DESIGNS]
    for design in PATTERN_2_DESIGNS:
        mine = _median(s.over_run(design, "engaged_business_share"))
        lowest = min(others, key=lambda d: _median(s.over_run(d, "engaged_business_share")))
        theirs = _median(s.over_run(lowest, "engaged_business_share"))
        clauses[design] = (mine < theirs, _relative(theirs, mine))
        parts.append(f"{design} {mine:.3g} vs lowest other {lowest} {theirs:.3g}")
    return _verdict(clauses, "; ".join(parts))


def pattern_3(s: Study) -> Outcome:
    mine = _median(s.over_run("advocacy_coalition", "action_share"))
    others = [d for d in designs() if d != "advocacy_coalition"]
    lowest = min(others, key=lambda d: _median(s.over_run(d, "action_share")))
    theirs = _median(s.over_run(lowest, "action_share"))
    return _verdict(
        {"lowest": (mine < theirs, _relative(theirs, mine))},
        f"advocacy {mine:.3g} vs next {lowest} {theirs:.3g}",
    )


def pattern_4(s: Study) -> Outcome:
    mine = _median(s.over_run("business_led", "claims_gap"))
    others = [d for d in designs() if d != "business_led"]
    highest = max(others, key=lambda d: _median(s.over_run(d, "claims_gap")))
    theirs = _median(s.over_run(highest, "claims_gap"))
    falls = s.final("business_led", "legitimacy") < s.first("business_led", "legitimacy")
    return _verdict(
        {"widest_gap": (mine > theirs, _relative(mine, theirs)), "legitimacy_falls": _most(falls)},
        f"gap {mine:.3g} vs next {highest} {theirs:.3g}; legitimacy falls in "
        f"{int(falls.sum())}/{falls.size}",
    )


def pattern_5(s: Study) -> Outcome:
    h = s.horizon
    clauses, parts = {}, []
    for design in NO_GOVERNMENT:
        change = _median(s.final(design, "systems_change"))
        clauses[f"{design}:no_lock_in"] = (change < NO_LOCK_IN, (NO_LOCK_IN - change) / NO_LOCK_IN)
        after = dict(steps=h.extended, partnership_weeks=h.steps)
        at_end = s.end_progress(design, **after)
        later = s.final(design, "progress", **after)
        with np.errstate(divide="ignore", invalid="ignore"):
            decay = np.where(at_end > 0, (at_end - later) / at_end, 0.0)
        clauses[f"{design}:decays"] = _most(later < at_end)
        decay_median = _median(decay)
        clauses[f"{design}:decay_size"] = (
            decay_median >= MIN_DECAY,
            (decay_median - MIN_DECAY) / MIN_DECAY,
        )
        parts.append(
            f"{design}: change {change:.3g}, decays in "
            f"{int((later < at_end).sum())}/{later.size} by {decay_median:.2f}"
        )
    return _verdict(clauses, "; ".join(parts))


def pattern_6(s: Study) -> Outcome:
    crime = "crime_reduction_partnership"
    mine = s.final(crime, "legitimacy")
    lowest = min(OPEN_DESIGNS, key=lambda d: _median(s.final(d, "legitimacy")))
    theirs = _median(s.final(lowest, "legitimacy"))
    falls = mine < s.first(crime, "legitimacy")
    return _verdict(
        {
            "low": _most(mine < LOW_LEGITIMACY),
            "below_open": (_median(mine) < theirs, _relative(theirs, _median(mine))),
            "falls": _most(falls),
        },
        f"crime {_median(mine):.3g} (<{LOW_LEGITIMACY} in "
        f"{int((mine < LOW_LEGITIMACY).sum())}/{mine.size}) vs lowest open "
        f"{lowest} {theirs:.3g}; falls in {int(falls.sum())}/{falls.size}",
    )


def pattern_7(s: Study) -> Outcome:
    runs = s.breaches()
    fell = np.array([r["fell"] for r in runs])
    scar = np.array([r["scar"] for r in runs])
    slower = np.array([r["recover"] > r["lose"] for r in runs])
    recover = np.array([r["recover"] for r in runs])

    def every(flags):
        return bool(flags.all()), float(flags.mean() - 1.0)

    return _verdict(
        {"falls": every(fell), "slower": every(slower), "scar": every(scar)},
        f"recovery slower in {int(slower.sum())}/{slower.size} (median "
        f"{_median(recover):.3g} weeks vs {runs[0]['lose']:.0f}); scar in "
        f"{int(scar.sum())}/{scar.size}",
    )


def _per_member(s: Study, scale: int, orchestration: float) -> np.ndarray:
    base = s.params(REFERENCE)
    sizes = {f"members_{k}": n * scale for k, n in base.initial_members.items()}
    overrides = dict(
        orchestration=orchestration,
        pool_per_sector=15 * scale,
        problem_scale=base.problem_scale * scale,
        **sizes,
    )
    return s.final(REFERENCE, "progress", **overrides) / sum(sizes.values())


def pattern_8(s: Study) -> Outcome:
    with np.errstate(divide="ignore", invalid="ignore"):
        without = _per_member(s, SIZE_FACTOR, 0.0) / _per_member(s, 1, 0.0)
        with_ = _per_member(s, SIZE_FACTOR, 0.9) / _per_member(s, 1, 0.9)
    without = np.nan_to_num(without, nan=1.0)
    with_ = np.nan_to_num(with_, nan=1.0)
    ratio = _median(without)
    return _verdict(
        {
            "falls": (ratio < SIZE_RATIO_MAX, (SIZE_RATIO_MAX - ratio) / SIZE_RATIO_MAX),
            "orchestration_helps": _majority(with_, without),
        },
        f"ratio 4x/1x without {ratio:.3g}, with {_median(with_):.3g}; higher with "
        f"in {int((with_ > without).sum())}/{with_.size}",
    )


def pattern_9(s: Study) -> Outcome:
    clauses, parts = {}, []
    for metric in ("sectors_represented", "cross_sector_ties"):
        curated = s.final(REFERENCE, metric, curation=0.9, **CONVENER_ONLY)
        selected = s.final(REFERENCE, metric, curation=0.0, **CONVENER_ONLY)
        clauses[metric] = _majority(curated, selected)
        parts.append(
            f"{metric} {_median(curated):.3g} vs {_median(selected):.3g} "
            f"(more in {int((curated > selected).sum())}, fewer in "
            f"{int((curated < selected).sum())})"
        )
    return _verdict(clauses, "; ".join(parts))


def pattern_10(s: Study) -> Outcome:
    wins = _median(s.final("government_led", "wins", sprint_intensity=0.8))
    with_ = s.final("government_led", "dropouts", sprint_intensity=0.8)
    without = s.final("government_led", "dropouts")
    return _verdict(
        {
            "wins": (wins >= MIN_WINS, (wins - MIN_WINS) / MIN_WINS),
            "fewer_dropouts": _majority(without, with_),
        },
        f"wins {wins:.3g}; dropouts {_median(with_):.3g} with vs "
        f"{_median(without):.3g} without (fewer in "
        f"{int((with_ < without).sum())}, more in {int((with_ > without).sum())})",
    )


def advantage(s: Study, reference: dict[str, Any] | None = None, **overrides: Any) -> float:
    """Median final progress of the Impact Partnership less that of the best baseline
    (`overrides` for every design, `reference` for the Impact Partnership alone)."""

    def median(design, **extra):
        return _median(s.final(design, "progress", **overrides, **extra))

    return float(median(REFERENCE, **(reference or {})) - max(median(d) for d in baselines()))


def pattern_11a(s: Study) -> Outcome:
    default, one = advantage(s), advantage(s, **ONE_SECTOR)
    return _verdict(
        {"shrinks": (one < default, _relative(default, one))},
        f"advantage {default:.3g} -> {one:.3g} on the one-sector problem",
    )


def pattern_11a_strong(s: Study) -> Outcome:
    default, one = advantage(s), advantage(s, **ONE_SECTOR)
    return _verdict(
        {"halves": (one < 0.5 * default, _relative(0.5 * default, one))},
        f"advantage {default:.3g} -> {one:.3g} (half: {0.5 * default:.3g})",
    )


def pattern_11b(s: Study) -> Outcome:
    default, short = advantage(s), advantage(s, steps=s.horizon.short)
    return _verdict(
        {"halves": (short < 0.5 * default, _relative(0.5 * default, short))},
        f"advantage {default:.3g} -> {short:.3g} over {s.horizon.short} weeks",
    )


def pattern_11c(s: Study) -> Outcome:
    default, unbacked = advantage(s), advantage(s, reference=NO_BACKING)
    return _verdict(
        {"halves": (unbacked < 0.5 * default, _relative(0.5 * default, unbacked))},
        f"advantage {default:.3g} -> {unbacked:.3g} without leadership backing",
    )


def pattern_11d(s: Study) -> Outcome:
    default = advantage(s)
    setup = advantage(s, **ONE_SECTOR, steps=s.horizon.setup)
    unbacked = advantage(s, reference=NO_BACKING, **ONE_SECTOR, steps=s.horizon.short)
    scale = max(abs(default), 1e-12)
    return _verdict(
        {
            "within_setup": (setup < 0, -setup / scale),
            "unbacked": (unbacked < 0, -unbacked / scale),
        },
        f"advantage on the one-sector problem over {s.horizon.setup} weeks "
        f"{setup:.3g}; without backing over {s.horizon.short} weeks {unbacked:.3g}",
    )


@dataclass(frozen=True)
class Pattern:
    key: str
    title: str
    check: Callable[[Study], Outcome]
    reproduced: bool = True  # False: a strict expected failure in tests/patterns


PATTERNS: tuple[Pattern, ...] = (
    Pattern("1", "Impact Partnership beats every baseline", pattern_1),
    Pattern("2", "government designs keep fewest business engaged", pattern_2),
    Pattern("3", "advocacy coalition is a talking shop", pattern_3),
    Pattern("4", "business-led: widest claims gap, legitimacy falls", pattern_4),
    Pattern("5", "no government: no lock-in, decay after the end", pattern_5),
    Pattern("6", "crime reduction ends with low legitimacy", pattern_6),
    Pattern("7", "trust falls faster than it rises", pattern_7),
    Pattern("8", "orchestration carries the cost of size", pattern_8),
    Pattern("9", "curation brings sectors and ties", pattern_9),
    Pattern("10", "early wins lower dropout", pattern_10),
    Pattern("11a", "advantage shrinks when one sector suffices", pattern_11a),
    Pattern("11a-strong", "advantage halves when one sector suffices", pattern_11a_strong, False),
    Pattern("11b", "advantage halves over a short horizon", pattern_11b),
    Pattern("11c", "advantage halves without leadership backing", pattern_11c),
    Pattern("11d", "where two boundaries meet, it does not win", pattern_11d),
)
BY_KEY = {p.key: p for p in PATTERNS}


def requests_for(
    base: dict[str, Any],
    seeds: Sequence[int],
    horizon: Horizon = FULL,
    patterns: Sequence[Pattern] = PATTERNS,
) -> list[Request]:
    """Every run the patterns need at this setting (with repeats; the store drops them)."""
    study = Study(base, seeds, horizon)
    with np.errstate(all="ignore"):
        for pattern in patterns:
            pattern.check(study)
    return study.requests


def evaluate(
    store: RunStore,
    base: dict[str, Any],
    seeds: Sequence[int],
    horizon: Horizon = FULL,
    patterns: Sequence[Pattern] = PATTERNS,
) -> dict[str, Outcome]:
    """Each pattern's verdict at this setting, from runs already in `store`."""
    study = Study(base, seeds, horizon, store)
    return {p.key: p.check(study) for p in patterns}
