"""Every metric declared once: name, label, unit, which direction is better (ODD 4, "Observation").

The DataCollector's columns, plot labels, tables and the sign of effect sizes all come from here.
Each metric is a property of `PartnershipModel` with the same name.
"""

from __future__ import annotations

from dataclasses import dataclass

from .mechanisms.backbone import INGREDIENTS


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    unit: str
    better: str | None  # "higher", "lower" or None when neither is better


METRICS: tuple[Metric, ...] = (
    Metric("progress", "Problem progress", "share solved, 0-1", "higher"),
    Metric("systems_change", "Systems change", "share, 0-1", "higher"),
    Metric("action_share", "Effort in joint action", "share of effort, 0-1", "higher"),
    Metric("trust", "Trust among members", "mean pairwise, 0-1", "higher"),
    Metric("cross_sector_trust", "Cross-sector trust", "mean pairwise, 0-1", "higher"),
    Metric("engagement", "Engagement", "mean of members, 0-1", "higher"),
    Metric("members", "Members", "organisations", None),
    Metric("members_government", "Government members", "organisations", None),
    Metric("members_business", "Business members", "organisations", None),
    Metric("members_civil_society", "Civil-society members", "organisations", None),
    Metric("members_citizens", "Citizen members", "organisations", None),
    Metric("engaged_business", "Engaged business members", "organisations", "higher"),
    Metric(
        "engaged_business_share",
        "Business members still engaged",
        "share of business members ever joined, 0-1",
        "higher",
    ),
    Metric("dropouts", "Dropouts", "organisations, cumulative", "lower"),
    Metric("legitimacy", "Legitimacy", "public's judgement, 0-1", "higher"),
    Metric("claims_gap", "Claims gap", "claims minus visible action", "lower"),
    Metric("claims", "Claims", "as the public sees them, 0-1", None),
    Metric("visible_action", "Visible action", "as the public sees it, 0-1", "higher"),
    Metric("sectors_represented", "Sectors represented", "sectors, 0-4", "higher"),
    Metric("cross_sector_ties", "Cross-sector ties", "pairs with mutual trust >= 0.5", "higher"),
    Metric("wins", "Early wins", "sprints that moved a facet, cumulative", "higher"),
    Metric("sponsor_changes", "Sponsor changes", "events, cumulative", None),
    Metric("policy_momentum", "Policy momentum", "0-1", "higher"),
    Metric("fatigue", "Members' fatigue", "mean of members, 0-1", "lower"),
    Metric("free_riders", "Free-riders", "members who shirked this week", "lower"),
    Metric("backing", "Leadership backing held", "the ask x the share secured, 0-1", "higher"),
    # the backbone's budget (ODD 7.12)
    Metric("budget", "Backbone budget", "budget units a week", "higher"),
    Metric("budget_grant", "Outside grant", "budget units a week", None),
    Metric("budget_contributions", "Members' contributions", "budget units a week", None),
    Metric("asked_cost", "Cost of the asks", "budget units a week", None),
    Metric("afforded", "Asks afforded", "share of the asks delivered, 0-1", "higher"),
    *(
        Metric(f"{kind}_{knob}", f"{knob.replace('_', ' ').capitalize()} {kind}", "0-1", None)
        for knob in INGREDIENTS
        for kind in ("asked", "delivered")
    ),
)

BY_NAME = {m.name: m for m in METRICS}
AGENT_COLUMNS = ("sector", "active", "engagement", "contribution")
TIE_THRESHOLD = 0.5  # mutual trust that counts as a working relationship
