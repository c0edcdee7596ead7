"""`StallObserver` watches a run week by week, only reading the model; at the stall week it
names the cause and ranks the remedies (ODD 7.11). `plain_words` is its one-line summary."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sim.diagnosis.causes import CAUSE_LABELS, Finding, causes
from sim.diagnosis.remedies import MIN_REMEDY_EFFECT, REMEDY_WINDOW, RemedyResult, rank_remedies
from sim.diagnosis.weeks import MIN_MEMBERS, SOLVED_PROGRESS, STALL_GAIN, STALL_WINDOW, Week, record
from sim.model import PartnershipModel
from sim.params import Params


class StallObserver:
    """Watches a run; at the first stall names the cause and ranks the remedies.

    Call `observe(model)` after every step, and once before the first (passing the model here
    does that). The observer keeps numbers only, never a reference to the model.
    """

    def __init__(
        self,
        model: PartnershipModel | None = None,
        *,
        window: int = STALL_WINDOW,
        remedy_window: int = REMEDY_WINDOW,
        long_window: int | None = None,
        counterfactuals: bool = True,
    ):
        self.window, self.remedy_window, self.long_window = window, remedy_window, long_window
        self.counterfactuals = counterfactuals
        self.history: dict[int, Week] = {}
        self.stall_week: int | None = None
        self.findings: list[Finding] = []
        self.remedies: list[RemedyResult] = []
        if model is not None:
            self.observe(model)

    @property
    def stalled(self) -> bool:
        return self.stall_week is not None

    @property
    def latest(self) -> Week | None:
        return self.history[max(self.history)] if self.history else None

    def observe(self, model: PartnershipModel) -> None:
        """Record this week; at the first stall, diagnose it and run the counterfactuals."""
        now = record(model)
        self.history[now.week] = now
        if self.stall_week is None and self.is_stalled(model, now):
            self.stall_week = now.week
            self.findings = causes(model, self.history, self.window)
            if self.counterfactuals:
                self.remedies = rank_remedies(
                    model,
                    sector=self.findings[0].sector,
                    window=self.remedy_window,
                    long_window=self.long_window,
                )

    def is_stalled(self, model: PartnershipModel, now: Week) -> bool:
        if now.week == 0 or now.week > model.params.end_week:
            return False  # nothing to judge yet; or the partnership ended as planned
        if now.members < MIN_MEMBERS:
            return True
        before = self.history.get(now.week - self.window)
        return (
            before is not None
            and now.progress < SOLVED_PROGRESS
            and now.progress - before.progress < STALL_GAIN
        )

    def window_gain(self) -> float | None:
        """Progress gained over the last `window` weeks, once that many have been seen."""
        now = self.latest
        if now is None:
            return None
        before = self.history.get(now.week - self.window)
        return None if before is None else now.progress - before.progress

    @property
    def best_remedy(self) -> RemedyResult | None:
        """The top-ranked remedy, if it restarts progress: it adds more than
        MIN_REMEDY_EFFECT and the fork gains at least STALL_GAIN over the window."""
        top = self.remedies[0] if self.remedies else None
        if top is not None and top.effect > MIN_REMEDY_EFFECT and top.restarts:
            return top
        return None

    def report(self) -> dict[str, Any]:
        """JSON-ready: the fields a run's summary gains, and the detail behind them."""
        cause = self.findings[0] if self.findings else None
        best = self.best_remedy
        return {
            "stalled": self.stalled,
            "stall_week": self.stall_week,
            "stall_cause": cause.cause if cause else None,
            "stall_cause_label": cause.label if cause else None,
            "evidence": dict(cause.evidence) if cause else {},
            "explanation": cause.text if cause else None,
            "contributing": [f.cause for f in self.findings[1:]],
            "best_remedy": best.name if best else None,
            "remedies": [asdict(r) for r in self.remedies],
            "window": self.window,
            "remedy_window": self.remedy_window,
            "long_window": self.long_window,
        }


def run_with_diagnosis(
    params: Params, seed: int, *, design: str = "custom", **model_kwargs: Any
) -> tuple[PartnershipModel, StallObserver]:
    """Run a model to its horizon under a StallObserver; return both."""
    model = PartnershipModel(
        params=params, rng=seed, scenario=design, **{"collect_agents": False, **model_kwargs}
    )
    observer = StallObserver(model)
    while model.running:
        model.step()
        observer.observe(model)
    return model, observer


def diagnose_run(params: Params, seed: int) -> dict[str, Any]:
    """Stall, cause, evidence and ranked remedies of one run: same seed, same diagnosis."""
    return run_with_diagnosis(params, seed)[1].report()


def plain_words(report: dict[str, Any]) -> str:
    """The diagnosis as a facilitator would say it to a room."""
    if not report["stalled"]:
        return "Not stalled: the partnership kept making progress."
    lines = [
        f"Stalled in week {report['stall_week']}. "
        f"{report['stall_cause_label']}: {report['explanation']}"
    ]
    if report["contributing"]:
        lines.append(
            "Also true: " + ", ".join(CAUSE_LABELS[c].lower() for c in report["contributing"]) + "."
        )
    best = next((r for r in report["remedies"] if r["name"] == report["best_remedy"]), None)
    if best:
        lines.append(
            f"What would restart it: {best['label'].lower()} ({best['change']}) adds "
            f"{best['effect']:+.3f} progress in {report['remedy_window']} weeks over "
            "doing nothing."
        )
    elif report["remedies"]:
        lines.append(f"No single remedy restarts it within {report['remedy_window']} weeks.")
    return "\n".join(lines)
