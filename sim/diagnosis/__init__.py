"""Why partnerships stall: stall detection, the cause with its evidence, and counterfactual
remedies (design brief, "Why partnerships stall").

`StallObserver` watches a run week by week and only reads the model. A run *stalls* in the first
week in which the partnership has dissolved (fewer than two members) or the problem is unsolved
and progress gained over the last `STALL_WINDOW` weeks is below `STALL_GAIN`. At that week the
observer names the cause from the model's state, with the numbers behind it, then forks the
model (a deep copy that shares nothing mutable with the original, random streams included),
applies each remedy to its own fork, runs every fork on for `REMEDY_WINDOW` weeks and ranks the
remedies by the progress they add over the fork left alone. The original run is never touched:
the forks run on copies, so a run with the observer has the same trajectory as one without.

Usage, in any loop that steps a model::

    observer = StallObserver(model)      # records week 0
    while model.running:
        model.step()
        observer.observe(model)
    observer.report()                    # JSON-ready dict: stalled, stall_week, stall_cause, ...
"""

from sim.diagnosis.causes import (
    CAUSE_LABELS,
    CAUSES,
    CHECKS,
    CLAIMS_GAP_HIGH,
    FATIGUE_DROPOUTS,
    FATIGUE_ENGAGEMENT_FALL,
    FATIGUE_ENGAGEMENT_LOW,
    LEGITIMACY_FALL,
    LEGITIMACY_LOW,
    MIN_MOMENTUM,
    MISSING_ASSET_SHARE,
    NO_SINGLE_CAUSE,
    SPONSOR_ENGAGEMENT_DROP,
    SPONSOR_MOMENTUM_DROP,
    TALKING_SHOP_ACTION,
    TREADMILL_REGENERATED,
    TREADMILL_SYSTEMS_CHANGE,
    TRUST_FALL,
    TRUST_LOW,
    Finding,
    causes,
    check_fatigue,
    check_legitimacy,
    check_missing_asset,
    check_sponsor,
    check_talking_shop,
    check_treadmill,
    check_trust,
    missing_asset,
)
from sim.diagnosis.observer import (
    StallObserver,
    diagnose_run,
    plain_words,
    run_with_diagnosis,
)
from sim.diagnosis.remedies import (
    MIN_REMEDY_EFFECT,
    ONE_OF,
    REMEDIES,
    REMEDY_BY_NAME,
    REMEDY_LEVEL,
    REMEDY_WINDOW,
    Remedy,
    RemedyResult,
    apply_remedy,
    curated_recruit,
    fork,
    rank_remedies,
    recruit_sector,
    run_on,
)
from sim.diagnosis.weeks import (
    MIN_MEMBERS,
    SOLVED_PROGRESS,
    STALL_GAIN,
    STALL_WINDOW,
    Week,
    least_reason_to_stay,
    mean_ledger,
    record,
)

__all__ = [
    "apply_remedy",
    "CAUSE_LABELS",
    "CAUSES",
    "causes",
    "check_fatigue",
    "check_legitimacy",
    "check_missing_asset",
    "check_sponsor",
    "check_talking_shop",
    "check_treadmill",
    "check_trust",
    "CHECKS",
    "CLAIMS_GAP_HIGH",
    "curated_recruit",
    "diagnose_run",
    "FATIGUE_DROPOUTS",
    "FATIGUE_ENGAGEMENT_FALL",
    "FATIGUE_ENGAGEMENT_LOW",
    "Finding",
    "fork",
    "least_reason_to_stay",
    "LEGITIMACY_FALL",
    "LEGITIMACY_LOW",
    "mean_ledger",
    "MIN_MEMBERS",
    "MIN_MOMENTUM",
    "MIN_REMEDY_EFFECT",
    "missing_asset",
    "MISSING_ASSET_SHARE",
    "NO_SINGLE_CAUSE",
    "ONE_OF",
    "plain_words",
    "rank_remedies",
    "record",
    "recruit_sector",
    "REMEDIES",
    "Remedy",
    "REMEDY_BY_NAME",
    "REMEDY_LEVEL",
    "REMEDY_WINDOW",
    "RemedyResult",
    "run_on",
    "run_with_diagnosis",
    "SOLVED_PROGRESS",
    "SPONSOR_ENGAGEMENT_DROP",
    "SPONSOR_MOMENTUM_DROP",
    "STALL_GAIN",
    "STALL_WINDOW",
    "StallObserver",
    "TALKING_SHOP_ACTION",
    "TREADMILL_REGENERATED",
    "TREADMILL_SYSTEMS_CHANGE",
    "TRUST_FALL",
    "TRUST_LOW",
    "Week",
]
