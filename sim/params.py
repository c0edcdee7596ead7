"""Typed, validated parameters: the design knobs, the world's sizes and the model's constants.

One frozen dataclass holds every parameter. Each field carries its default, unit, allowed range,
meaning and source (an evidence.md figure or "assumption"); docs/odd.md repeats them with the
reason for each value. A scenario file sets only design knobs and sizes; any field may be
overridden by keyword or on the command line. Bad input is refused before any work starts with
a message naming the field, the value, what is allowed and where the value came from.
"""

from __future__ import annotations

import contextvars
import difflib
import math
import numbers
import reprlib
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from .rng import STREAMS
from .sectors import ASSETS, SECTORS

if TYPE_CHECKING:
    from .events import Event

# Mesa's spawn-based batch_run and Hydra's launchers pickle parameters, so everything here is
# plain data: numbers, strings and tuples.

DEFAULT_FACETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("change_the_rules", ("authority", "expertise")),
    ("reach_people", ("reach", "lived_experience")),
    ("scale_solutions", ("funding", "reach")),
)

MAX_MEMBERS = 1_000_000
MAX_PUBLIC = 50_000_000
MAX_STEPS = 5_200
MAX_FACETS = 100
MAX_NAME = 80  # characters in a facet name
_BUILDING = contextvars.ContextVar("building", default=False)  # inside Params.build


class ParameterError(ValueError):
    """A parameter value that the model cannot accept; the message says which and why."""


def _p(
    default,
    lo=None,
    hi=None,
    *,
    help: str,
    unit: str = "",
    source: str = "assumption",
    group: str = "constant",
    choices: tuple[str, ...] | None = None,
    optional: bool = False,
):
    meta = {
        "lo": lo,
        "hi": hi,
        "help": help,
        "unit": unit,
        "source": source,
        "group": group,
        "choices": choices,
        "optional": optional,
    }
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Params:
    """Every parameter of one run. Build with `Params.build`, which validates."""

    # --- design knobs (0 = the ingredient is absent) -------------------------------------
    orchestration: float = _p(
        0.0,
        0,
        1,
        group="knob",
        unit="share",
        help="backbone team and formal process carrying the cost of coordination",
    )
    curation: float = _p(
        0.0,
        0,
        1,
        group="knob",
        unit="share",
        help="active curator: introduces members who fill asset gaps, onboards, mediates",
    )
    leadership_backing: float = _p(
        0.0,
        0,
        1,
        group="knob",
        unit="share",
        help="backing from system leaders: permission to pool assets, protection from churn",
    )
    goal_clarity: float = _p(
        0.0,
        0,
        1,
        group="knob",
        unit="share",
        help="clear shared goals; effort on unclear goals is partly wasted",
    )
    sprint_intensity: float = _p(
        0.0,
        0,
        1,
        group="knob",
        unit="share",
        help="intensive periods of joint work at a regular cadence, after a design phase",
    )
    transparency: float = _p(
        0.0,
        0,
        1,
        group="knob",
        unit="share",
        help="collaboration platform: how observable contributions and action are",
    )
    policy_link: float = _p(
        0.0, 0, 1, group="knob", unit="share", help="formal connection to policymaking"
    )
    communication: float = _p(
        0.0,
        0,
        1,
        group="knob",
        unit="share",
        help="how loudly the partnership claims its results to the public",
    )

    # --- the world ------------------------------------------------------------------------
    convener: str = _p(
        "civil_society",
        group="size",
        choices=SECTORS,
        help="sector of the organisation that convenes the partnership",
    )
    signatories: str = _p(
        "none",
        group="size",
        choices=("none", *SECTORS),
        help="sector whose members join as signatories: they sign the partnership's asks and "
        "give it only signatory_time of a working member's time (none: everyone works)",
    )
    problem_owners: str = _p(
        "none",
        group="size",
        choices=("none", *SECTORS),
        help="sector whose members the problem harms directly (town-centre firms and the crime "
        "on their street): relief from it is a benefit of their own, stake_weight times the "
        "results, whoever writes the agenda (none: nobody has more at stake than its sector)",
    )
    members_government: int = _p(
        0,
        0,
        MAX_MEMBERS,
        group="size",
        unit="organisations",
        help="government members at the start",
    )
    members_business: int = _p(
        0, 0, MAX_MEMBERS, group="size", unit="organisations", help="business members at the start"
    )
    members_civil_society: int = _p(
        0,
        0,
        MAX_MEMBERS,
        group="size",
        unit="organisations",
        help="civil-society members at the start",
    )
    members_citizens: int = _p(
        0,
        0,
        MAX_MEMBERS,
        group="size",
        unit="organisations",
        help="citizen groups and social innovators at the start",
    )
    pool_per_sector: int = _p(
        15,
        0,
        MAX_MEMBERS,
        group="size",
        unit="organisations",
        help="organisations of each sector outside the partnership that it may recruit",
    )
    target_members: int | None = _p(
        None,
        1,
        MAX_MEMBERS,
        group="size",
        optional=True,
        unit="organisations",
        help="size the partnership recruits up to; default: its starting size",
    )
    public_size: int = _p(
        10_000, 1, MAX_PUBLIC, group="size", unit="people", help="people in the watching public"
    )
    public_scrutiny: float = _p(
        0.5,
        0,
        1,
        group="size",
        unit="share",
        help="how closely the public compares claims with action",
    )
    steps: int = _p(156, 1, MAX_STEPS, group="size", unit="weeks", help="weeks simulated")
    partnership_weeks: int | None = _p(
        None,
        1,
        MAX_STEPS,
        group="size",
        optional=True,
        unit="weeks",
        help="week the partnership ends; default: it runs the whole horizon",
    )
    facets: tuple[tuple[str, tuple[str, ...]], ...] = _p(
        DEFAULT_FACETS,
        group="problem",
        help="the problem's facets, each with the asset types it needs together",
    )
    problem_scale: float = _p(
        2.0,
        1e-6,
        1e6,
        group="problem",
        unit="joint work",
        help="joint work at which a facet moves at half its top speed",
    )
    events: tuple[Event, ...] = _p(
        (),
        group="events",
        source="the design's plan: what a scenario file, a command or a facilitator schedules",
        help="events in given weeks (none by default): funding_ends, sponsor_leaves, election, "
        "orchestration_withdrawn, crisis, scandal, member_joins or member_leaves (with a "
        "sector), set (with a knob and a value)",
    )
    # shocks at rates (ODD 7.17): each week one happens with chance rate / 52, carried out as
    # the scheduled event of its kind
    funding_cut_rate: float = _p(
        0.2,
        0,
        52,
        group="events",
        unit="shocks/year",
        source="EAZ histories (a government initiative's money lasted one five-year term, "
        "not renewed): one cut in five years; a rate, so the term varies",
        help="funding cuts a year, at random: the backbone's outside grant stops, as a "
        "funding_ends event",
    )
    election_rate: float = _p(
        0.2,
        0,
        52,
        group="events",
        unit="shocks/year",
        source="a UK parliament lasts at most five years: one election in five years; "
        "ministers between elections change by political churn (sponsor_term_weeks)",
        help="elections a year, at random: every government member's sponsor changes, as an "
        "election event",
    )
    crisis_rate: float = _p(
        0.2,
        0,
        52,
        group="events",
        unit="shocks/year",
        source="assumption: no figure in the evidence for how often an outside crisis pulls "
        "members away; taken as often as an election, one in five years",
        help="outside crises a year, at random, each as a crisis event",
    )
    scandal_rate: float = _p(
        0.1,
        0,
        52,
        group="events",
        unit="shocks/year",
        source="assumption: no figure in the evidence for how often a member is in a scandal; "
        "taken as half as often as a crisis, one in ten years",
        help="scandals at a member a year, at random, each as a scandal event",
    )
    # an analysis of where the spread of outcomes comes from (ODD 4.9)
    held_streams: str = _p(
        "none",
        group="stochasticity",
        source="the analysis's choice: a source of spread held at one draw (ODD 4.9)",
        help="random streams held at one draw: each is derived from a fixed seed in every run "
        "instead of the run's seed, so that source of spread no longer varies between runs "
        "while its mechanism still runs; a list or names joined by +, kept as the names "
        "sorted and joined by + (none: every stream follows the run's seed)",
    )

    # --- constants: trust (ODD 7.5) -------------------------------------------------------
    working_group_size: int = _p(
        50,
        2,
        MAX_MEMBERS,
        unit="organisations",
        source="assumption: large partnerships work in task groups and sprint teams",
        help="most members that work together closely, observing and trusting each other; "
        "a bigger partnership splits into working groups of at most this size (at or below "
        "it, every member works with every other)",
    )
    trust_gain: float = _p(
        0.01,
        0,
        1,
        unit="1/week",
        source="Kania & Kramer 2011: years of regular meetings",
        help="weekly share of the gap to the trust cap closed by a partner seen to deliver",
    )
    trust_loss_ratio: float = _p(
        3.0,
        0,
        20,
        unit="ratio",
        source="Slovic 1993: losses about 3x",
        help="how much more a shortfall weighs than delivery",
    )
    expected_action: float = _p(
        0.2,
        1e-3,
        1,
        unit="share of capacity",
        help="share of its capacity a member is expected to put into joint action",
    )
    breach_shortfall: float = _p(
        0.75,
        0,
        1,
        unit="share",
        help="shortfall behind the group's norm that counts as a breach and scars trust",
    )
    scar_depth: float = _p(
        0.05,
        0,
        1,
        unit="trust/week",
        source="Schweitzer et al. 2006 (qualitative: trust never fully recovers); size assumed",
        help="lowering of the trust cap per observed week of breach",
    )
    trust_cap_floor: float = _p(0.4, 0, 1, unit="trust", help="lowest the trust cap can fall")
    mediation: float = _p(
        0.5,
        0,
        1,
        unit="share",
        help="share of trust losses a full-time curator's mediation prevents",
    )
    onboarding_trust: float = _p(
        0.15, 0, 1, unit="trust", help="starting trust a curator's onboarding adds for a new member"
    )
    base_visibility: float = _p(
        0.2,
        0,
        1,
        unit="share",
        help="share of contributions and action seen with no platform at all",
    )

    # --- constants: coordination and pooling (ODD 7.2, 7.3) -------------------------------
    talk_base: float = _p(
        0.15, 0, 1, unit="share of effort", help="talk any member needs (meetings, reporting)"
    )
    talk_per_member: float = _p(
        0.03, 0, 1, unit="per member", help="alignment load added by each other member"
    )
    diversity_talk: float = _p(
        1.0, 0, 10, unit="ratio", help="extra alignment load of a fully diverse membership"
    )
    orchestration_relief: float = _p(
        0.8,
        0,
        1,
        unit="share",
        source="Provan & Kenis 2008 (qualitative: an administrative organisation carries coordination); share assumed",
        help="share of the alignment load a full backbone carries centrally",
    )
    signatory_time: float = _p(
        0.25,
        0.01,
        1,
        unit="share of a member's time",
        source="assumption: a signatory signs and attends the plenary, not the working "
        "meetings (the IEP's small core and wider membership)",
        help="time a signatory gives the partnership, and its share of the alignment talk, "
        "against a working member's",
    )
    communication_talk: float = _p(
        0.1,
        0,
        1,
        unit="share of effort",
        help="effort loud external communication takes from each member",
    )
    misalignment_waste: float = _p(
        0.4, 0, 1, unit="share", help="share of action wasted when goals are wholly unclear"
    )
    permission_base: float = _p(
        0.4,
        0,
        1,
        unit="share",
        help="permission to pool assets that members have with no leadership backing",
    )

    # --- constants: sprints and wins (ODD 7.4) -------------------------------------------
    design_phase_weeks: int = _p(
        8,
        0,
        520,
        unit="weeks",
        source="Nesta 100 Day Challenge: ~2-month design phase",
        help="set-up before the first sprint",
    )
    setup_talk: float = _p(
        0.5,
        0,
        1,
        unit="share",
        help="share of action given to design work during set-up, at full sprint intensity",
    )
    sprint_weeks: int = _p(
        14, 1, 520, unit="weeks", source="Nesta 100 Day Challenge", help="length of a sprint"
    )
    sprint_cadence_weeks: int = _p(
        26, 1, 520, unit="weeks", help="weeks from the start of one sprint to the next"
    )
    sprint_talk_cut: float = _p(
        0.5, 0, 1, unit="share", help="share of talk a full-intensity sprint cuts"
    )
    sprint_focus: float = _p(
        0.5,
        0,
        5,
        unit="ratio",
        help="extra productivity of focused work in a full-intensity sprint",
    )
    win_threshold: float = _p(
        0.03,
        0,
        1,
        unit="progress",
        source="assumption, read from the 100 Day Challenge (19-35% change in one indicator): a win is a visible step on one facet",
        help="progress on one facet during a sprint that counts as a visible win",
    )
    win_memory_weeks: float = _p(
        13.0, 0.1, 520, unit="weeks", help="half-life of a win in members' minds"
    )

    # --- constants: the problem, learning, systems change (ODD 7.8, 7.9) -------------------
    progress_rate: float = _p(
        0.03,
        0,
        1,
        unit="1/week",
        help="top weekly share of a facet's remaining gap that joint work closes",
    )
    regeneration: float = _p(
        0.01, 0, 1, unit="1/week", help="weekly share of progress lost as the problem regenerates"
    )
    lock_in: float = _p(
        0.9, 0, 1, unit="share", help="share of regeneration stopped by complete systems change"
    )
    learning_gain: float = _p(
        0.5,
        0,
        5,
        unit="ratio",
        help="extra productivity from reusing all the solutions that worked",
    )
    learning_scale: float = _p(
        0.2,
        1e-6,
        10,
        unit="progress",
        help="progress made on a facet by which reuse gives most of its gain",
    )
    policy_momentum_weeks: float = _p(
        26.0, 1, 520, unit="weeks", help="time for pressure towards policy change to build"
    )
    adoption_rate: float = _p(
        0.04,
        0,
        1,
        unit="1/week",
        source="collective impact evaluations: 3+ years to systems change",
        help="weekly rate at which full policy momentum becomes systems change",
    )
    advocacy_weight: float = _p(
        0.2,
        0,
        1,
        unit="ratio",
        help="strength of advocacy from outside relative to a formal policy link",
    )
    authority_scale: float = _p(
        0.3,
        1e-6,
        100,
        unit="joint work",
        help="committed authority at which policy momentum reaches half its top",
    )

    # --- constants: engagement, churn, recruitment (ODD 7.1, 7.6, 7.10) ------------------
    initial_engagement: float = _p(
        0.8,
        0,
        1,
        unit="share",
        source="Chinman et al.: members differ only 8-10 months in",
        help="engagement of a member when it joins",
    )
    stake_weight: float = _p(
        0.5,
        0,
        5,
        unit="ratio",
        source="assumption: a member the problem harms values relief from it as a citizen "
        "group does (citizens' results weight, 0.5); a stake in the problem is what brings "
        "stakeholders to the table and keeps them there (Ansell & Gash 2008)",
        help="weight a member of the problem_owners sector puts on relief from the problem "
        "(the results signal), on top of its sector's benefits and not scaled by the agenda",
    )
    convener_say: float = _p(
        0.4,
        0,
        1,
        unit="share",
        help="share of the agenda the convener's sector writes; members share the rest",
    )
    common_agenda: float = _p(
        0.3,
        0,
        1,
        unit="share",
        help="share of the gap between members' aims and the agenda a full backbone closes",
    )
    engagement_baseline: float = _p(
        0.5, 0, 1, unit="share", help="engagement of a member whose benefit and cost balance"
    )
    appraisal_weeks: float = _p(
        26.0,
        1,
        520,
        unit="weeks",
        source="Chinman et al.: costs and benefits separate active from inactive members only 8-10 months in",
        help="time over which a member forms its judgement of benefit against cost",
    )
    results_memory_weeks: float = _p(
        8.0,
        0.1,
        520,
        unit="weeks",
        help="time over which members judge the partnership's recent results",
    )
    results_reference: float = _p(
        0.004,
        1e-6,
        1,
        unit="progress/week",
        help="weekly progress at which members find results half as good as they could be",
    )
    frustration_trust: float = _p(
        0.3, 0, 1, unit="trust", help="trust in the group below which members grow frustrated"
    )
    sponsor_term_weeks: float = _p(
        104.0,
        1,
        5200,
        unit="weeks",
        source="Institute for Government 2020: secretaries of state ~2 years",
        help="mean time between changes of a government member's sponsor",
    )
    churn_shock: float = _p(
        0.3,
        0,
        1,
        unit="engagement",
        help="loss of engagement and momentum when an unbacked sponsor leaves",
    )
    network_intro_rate: float = _p(
        0.05,
        0,
        100,
        unit="introductions/week",
        help="introductions through the convener's own network",
    )
    curated_intro_rate: float = _p(
        0.4,
        0,
        100,
        unit="introductions/week",
        source="assumption, scaled from the IEP accelerator (230 introductions in six months across a whole cohort, ~9/week) to one partnership's curator",
        help="introductions a full-time curator makes",
    )
    curated_conversion: float = _p(
        0.43,
        0,
        1,
        unit="share",
        source="Nesta IEP accelerator: 230 introductions -> 100 partnerships",
        help="share of curated introductions that join",
    )
    network_conversion: float = _p(
        0.25, 0, 1, unit="share", help="share of network introductions that join"
    )
    homophily: float = _p(
        4.0,
        1,
        100,
        unit="ratio",
        help="how much more likely a network introduction is of the convener's sector",
    )

    # --- constants: the public and legitimacy (ODD 7.7) ----------------------------------
    public_attention: float = _p(
        0.1,
        0,
        1,
        unit="share/week",
        help="share of the public that looks at the partnership in a week",
    )
    legitimacy_rate: float = _p(
        0.2,
        0,
        1,
        unit="share",
        help="share of the gap to its new judgement a person closes when looking",
    )
    legitimacy_loss_ratio: float = _p(
        3.0,
        1,
        20,
        unit="ratio",
        source="Slovic 1993: public trust is lost about 3x faster than it is gained",
        help="how much faster a person's judgement falls than it rises",
    )
    weight_action: float = _p(
        0.35, 0, 1, unit="weight", help="weight of visible action in the public's judgement"
    )
    weight_voice: float = _p(
        0.25,
        0,
        1,
        unit="weight",
        help="weight of civil society and citizens having a voice in the judgement",
    )
    greenwash_penalty: float = _p(
        1.0,
        0,
        10,
        unit="ratio",
        source="Berrone et al. 2017 (qualitative: greenwash backfires under scrutiny); size assumed",
        help="legitimacy lost per unit of claims ahead of action, at full scrutiny",
    )
    watchdog: float = _p(
        0.5, 0, 5, unit="ratio", help="extra scrutiny when civil society members watch from inside"
    )

    # the backbone's budget (ODD 7.12): one unit is a full backbone team's week
    backbone_grant: float = _p(
        1.0,
        0,
        100,
        group="size",
        unit="budget units/week",
        source="FSG backbone budget tool 2015 (a backbone's budget is mostly its own staff): "
        "a funder pays for one full backbone team; a curator, the platform, sprints and "
        "communication beyond it come from the members; size assumed",
        help="the backbone's outside grant a week (a funder's money; funding_ends stops it)",
    )
    member_dues: float = _p(
        0.06,
        0,
        10,
        group="size",
        unit="budget units per unit of funding",
        source="Education Action Zones (£250k a year asked of business against £750k of public "
        "money): members asked for a third of the grant, 0.30 of 1.0 from the default "
        "design's founders at week 0",
        help="what each member pays the backbone a week, per unit of its funding asset, "
        "scaled by its capacity and engagement",
    )
    # a fair comparison (model.md v2, item 5; sim/endowment.py): designs at equal resources
    capacity_scale: float = _p(
        1.0,
        0.01,
        100,
        group="size",
        unit="ratio",
        source="the comparison's choice: designs compared at equal members' capacity",
        help="every organisation's capacity, founders and later joiners alike, multiplied by "
        "this (1: as its sector and draw give it); head-counts are kept",
    )
    budget_fixed: float | None = _p(
        None,
        0,
        100,
        group="size",
        optional=True,
        unit="budget units/week",
        source="the comparison's choice: designs compared at a budget held equal throughout",
        help="the backbone's budget every week, whatever the grant, the dues and events do; "
        "default: the grant and the dues",
    )
    # members who differ in reliability (ODD 7.15)
    reliability_spread: float = _p(
        0.3,
        0,
        1,
        unit="share",
        source="assumption: the least reliable organisation shirks in up to three weeks in ten "
        "that nobody sees (no figure in the evidence)",
        help="how far organisations' reliability spreads below 1 (0: every member delivers)",
    )
    shirk_share: float = _p(
        0.2,
        0,
        1,
        unit="share",
        help="share of its contribution a member still brings in a week it shirks",
    )
    # backing from system leaders, earned and lost (ODD 7.14)
    backing_rate: float = _p(
        0.05,
        0,
        1,
        unit="share/week",
        source="assumption: leaders review what they back each quarter; 0.05 a week closes "
        "half the gap in 13 weeks",
        help="share of the gap to the backing its results deserve that a partnership closes "
        "in a week",
    )
    backing_floor: float = _p(
        0.3,
        0,
        1,
        unit="share of the ask",
        help="share of the asked backing leaders keep giving a partnership that shows no results",
    )
    backer_loss: float = _p(
        0.5,
        0,
        1,
        unit="share",
        source="Institute for Government 2020 (ministers change every 1-2 years); size assumed",
        help="share of the backing secured that goes when a sponsor changes",
    )
    # members' time and fatigue (ODD 7.13)
    sprint_hours: float = _p(
        0.5,
        0,
        2,
        unit="share of capacity",
        source="Nesta, People Powered Results (100-day sprints ask intensive time of front-line "
        "staff); size assumed",
        help="extra time a member gives in a sprint week at full intensity, beyond its usual",
    )
    fatigue_build: float = _p(
        0.5,
        0,
        10,
        unit="fatigue per unit of overload",
        help="fatigue built per unit of time given beyond capacity in a week",
    )
    fatigue_recovery: float = _p(
        0.1,
        0,
        1,
        unit="share/week",
        source="Nesta, People Powered Results (results came from a few intensive periods, not "
        "continuous intensity); size assumed",
        help="share of fatigue that wears off in a week between sprints",
    )
    fatigue_cost: float = _p(
        1.0, 0, 10, unit="weight", help="weight of fatigue against benefit in a member's appraisal"
    )
    price_orchestration: float = _p(
        1.0,
        0,
        10,
        unit="budget units/week",
        source="FSG backbone budget tool 2015 (staff are most of a backbone's cost); the unit",
        help="weekly cost of orchestration at 1",
    )
    price_curation: float = _p(
        0.4, 0, 10, unit="budget units/week", help="weekly cost of curation at 1 (a curator)"
    )
    price_platform: float = _p(
        0.2,
        0,
        10,
        unit="budget units/week",
        help="weekly cost of the collaboration platform (transparency) at 1",
    )
    price_sprints: float = _p(
        0.4,
        0,
        10,
        unit="budget units/week",
        help="weekly cost of sprint design and facilitation (sprint_intensity) at 1",
    )
    price_communication: float = _p(
        0.2,
        0,
        10,
        unit="budget units/week",
        help="weekly cost of communication at 1",
    )
    # each knob's downside through the shared mechanisms (ODD 7.2, 7.6, 7.7, 7.10, 7.14)
    goal_fit_cost: float = _p(
        0.5,
        0,
        1,
        unit="share",
        source="Nesta, Impact Partnerships (goals set jointly, not by one sector); "
        "Kania & Kramer 2011 (a common agenda); size assumed",
        help="share of the gap between a member's aims and the agenda's that clear goals "
        "make binding (fixed goals fit other sectors' aims less)",
    )
    goal_setting_talk: float = _p(
        0.5,
        0,
        1,
        unit="share of effort",
        source="model.md v2 (goals set jointly cost talk up front); Nesta 100 Day Challenge "
        "(a ~2-month design phase); size assumed",
        help="share of the effort left after alignment talk that agreeing clear goals jointly "
        "takes in the first goal_setting_weeks weeks, at goal clarity 1 with no convener say",
    )
    goal_setting_weeks: int = _p(
        8,
        0,
        520,
        unit="weeks",
        source="Nesta 100 Day Challenge: ~2-month design phase",
        help="weeks over which members agree the partnership's goals",
    )
    benefit_of_doubt: float = _p(
        0.5,
        0,
        1,
        unit="share",
        source="assumption (firms resist open platforms that show shortfalls); size assumed",
        help="share of the action it cannot see that the public credits at its prior trust "
        "(0: what is hidden counts as nothing)",
    )
    policy_exposure: float = _p(
        0.5,
        0,
        2,
        unit="ratio",
        source="Institute for Government 2020 (new ministers drop predecessors' programmes); "
        "size assumed",
        help="extra share of a sponsor's departure every member and the policy momentum feel, "
        "per unit of policy link",
    )
    backing_time: float = _p(
        0.1,
        0,
        1,
        unit="share of capacity",
        source="model.md v2 (system leaders sit on many boards: courting them takes the "
        "convener's time); size assumed",
        help="share of the convener's members' contribution that securing backing at 1 takes",
    )
    # what a crisis and a scandal do (ODD 7.17), scheduled or at random
    crisis_weeks: int = _p(
        13,
        1,
        520,
        unit="weeks",
        help="weeks a crisis pulls members' attention away, from the week it starts",
    )
    crisis_pull: float = _p(
        0.5,
        0,
        1,
        unit="share of capacity",
        help="share of its time a member gives the crisis instead of the partnership, in a "
        "crisis week",
    )
    scandal_trust_loss: float = _p(
        0.3,
        0,
        1,
        unit="share",
        source="Slovic 1993 (qualitative: a negative event weighs more than a positive one, "
        "at once); size assumed",
        help="share of its working partners' trust in a member that a scandal at it takes",
    )
    scandal_legitimacy_loss: float = _p(
        0.2,
        0,
        1,
        unit="trust",
        source="Slovic 1993 (qualitative: public trust is quickly lost); size assumed",
        help="fall in the public's prior trust in the partnership while a scandal at a member "
        "is fresh",
    )
    scandal_weeks: int = _p(
        13,
        1,
        520,
        unit="weeks",
        help="weeks a scandal stays fresh in the public's eyes, from the week it breaks",
    )

    # ------------------------------------------------------------------------------------
    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @classmethod
    def knobs(cls) -> list[str]:
        return [f.name for f in fields(cls) if f.metadata["group"] == "knob"]

    @classmethod
    def build(cls, values: dict[str, Any], sources: dict[str, str] | None = None) -> Params:
        """Validate `values` (field -> value) and return Params; defaults fill the rest.

        `sources` maps a field to where its value came from, for error messages.
        """
        sources = sources or {}
        if not isinstance(values, Mapping):
            raise ParameterError(
                f"parameters must be a mapping of name: value, not {shown(values)}"
            )
        known = {f.name: f for f in fields(cls)}
        for key in values:
            if key not in known:
                close = difflib.get_close_matches(str(key), known, n=3)
                hint = f" Did you mean {', '.join(close)}?" if close else ""
                raise ParameterError(
                    f"unknown parameter {shown(key)}{_where(sources.get(key))}.{hint} "
                    f"Valid parameters: {', '.join(known)}."
                )
        clean = {k: _check(known[k], v, sources.get(k)) for k, v in values.items()}
        token = _BUILDING.set(True)
        try:
            params = cls(**clean)
        finally:
            _BUILDING.reset(token)
        params._check_consistency(sources)
        return params

    def __post_init__(self) -> None:
        # Params(...) and dataclasses.replace(...) are checked as Params.build checks them
        if not _BUILDING.get():
            checked = Params.build({f.name: getattr(self, f.name) for f in fields(self)})
            for f in fields(self):
                object.__setattr__(self, f.name, getattr(checked, f.name))

    def delivered(self, **levels: float) -> Params:
        """A copy with some knobs at what the backbone delivers this week.

        Built every week, so not validated again: each level is an ask times a share in
        [0, 1], inside the knob's range (the backbone's `delivered` is the only caller)."""
        copy = object.__new__(Params)
        copy.__dict__.update(self.__dict__)
        copy.__dict__.update(levels)
        return copy

    def with_(self, **changes: Any) -> Params:
        """A validated copy with some fields changed."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return Params.build(values)

    @property
    def held(self) -> tuple[str, ...]:
        """The names of the streams `held_streams` holds at one draw (ODD 4.9); () for none."""
        return () if self.held_streams == "none" else tuple(self.held_streams.split("+"))

    @property
    def initial_members(self) -> dict[str, int]:
        return {s: getattr(self, f"members_{s}") for s in SECTORS}

    @property
    def end_week(self) -> int:
        """Week after which the partnership no longer works on the problem."""
        return self.steps if self.partnership_weeks is None else self.partnership_weeks

    def _check_consistency(self, sources: dict[str, str]) -> None:
        members = self.initial_members
        if sum(members.values()) == 0:
            raise ParameterError(
                "the partnership has no members: set at least one of "
                + ", ".join(f"members_{s}" for s in SECTORS)
                + " above 0"
            )
        if members[self.convener] == 0:
            raise ParameterError(
                f"convener={self.convener!r}{_where(sources.get('convener'))} has no members: "
                f"members_{self.convener} is 0; convene from a sector with members "
                f"({', '.join(s for s, n in members.items() if n)}) or add members of it"
            )
        if self.signatories == self.convener:
            raise ParameterError(
                f"signatories={self.signatories!r}{_where(sources.get('signatories'))} is the "
                f"convener's sector: the convener works in the partnership, it cannot only sign; "
                f"choose another sector or none"
            )
        from .events import late  # as in _check

        if event := late(self.events, self.steps):
            raise ParameterError(
                f"events{_where(sources.get('events'))}: the event '{event}' is past the "
                f"horizon steps={self.steps}"
                f"{_where(sources.get('steps'))}: schedule events from week 1 to week "
                f"{self.steps}, or run more weeks"
            )
        if self.target_members is not None and self.target_members > sum(members.values()) + (
            self.pool_per_sector * len(SECTORS)
        ):
            raise ParameterError(
                f"target_members={self.target_members} exceeds the starting members plus the "
                f"pool ({sum(members.values())} + {self.pool_per_sector * len(SECTORS)}); "
                "raise pool_per_sector or lower target_members"
            )


# The world settings that give the numbers of 0.1 (CHANGELOG 0.2.0, "Migrating from 0.1"):
# every v2 mechanism switched off. `resolve(design, **AS_IN_0_1)`, or the same keys in a
# scenario file or on the command line, runs a design as 0.1 ran it (the regression baseline
# pins it), and a test of one mechanism starts from it so that the other mechanisms stay still.
AS_IN_0_1: dict[str, float] = {
    "backbone_grant": 2.2,  # the sum of the prices: every ask at 1 is afforded
    "member_dues": 0.0,
    "reliability_spread": 0.0,
    "backing_rate": 0.0,
    "backer_loss": 0.0,
    "sprint_hours": 0.0,
    "goal_fit_cost": 0.0,
    "goal_setting_talk": 0.0,
    "benefit_of_doubt": 0.0,
    "policy_exposure": 0.0,
    "backing_time": 0.0,
    "funding_cut_rate": 0.0,
    "election_rate": 0.0,
    "crisis_rate": 0.0,
    "scandal_rate": 0.0,
}


def _where(source: str | None) -> str:
    return f" (from {source})" if source else ""


def _check(f, value: Any, source: str | None) -> Any:
    """Validate one field's value; return it converted to the field's type."""
    meta = f.metadata
    name, where = f.name, _where(source)
    if f.name == "facets":
        return _check_facets(value, where)
    if f.name == "events":
        # sim.events reads the knobs' own fields from this module, so it is imported here
        from .events import parse

        return parse(value, where)
    if f.name == "held_streams":
        return _check_held_streams(value, where)
    if value is None:
        if meta["optional"]:
            return None
        raise ParameterError(f"{name}=None{where}: a value is required ({_allowed(f)})")
    if meta["choices"]:
        if not isinstance(value, str) or value not in meta["choices"]:
            raise ParameterError(f"{name}={shown(value)}{where} is not allowed: {_allowed(f)}")
        return value
    kind = _kind(f)
    given = f"{name}={shown(value)}{where}"
    # numbers.Real admits numpy's numbers too (what np.arange and numpy sweeps yield)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ParameterError(f"{given} is not a number: {_allowed(f)}")
    try:
        if isinstance(value, numbers.Integral):
            value = int(value)  # exact: a huge whole number is out of range, not a float overflow
        elif kind is int:
            if not math.isfinite(value) or not float(value).is_integer():
                raise ParameterError(f"{given} is not a whole number: {_allowed(f)}")
            value = math.floor(value)  # whole already; floor is exact for numpy's numbers too
        elif not math.isfinite(value):
            raise ParameterError(f"{given} is not a finite number: {_allowed(f)}")
        if kind is not int:
            value = float(value) + 0.0  # + 0.0: -0.0 is 0.0, so both give one config hash
    except OverflowError:
        raise ParameterError(f"{given} is out of range: {_allowed(f)}") from None
    lo, hi = meta["lo"], meta["hi"]
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ParameterError(f"{given} is out of range: {_allowed(f)}")
    return value


def _kind(f) -> type:
    """A numeric field's type: its default's, or for an optional field (default None) the
    type its annotation names (`int | None`, `float | None`)."""
    if f.default is not None:
        return type(f.default)
    return float if str(f.type).startswith("float") else int


def shown(value: Any) -> str:
    """`value` as a message shows it: its repr, cut short (a hand-edited file can hold a
    megabyte-long string or a structure nested a thousand deep)."""
    return _SHOWN.repr(value)


_SHOWN = reprlib.Repr(maxlevel=3, maxstring=60, maxother=60, maxlong=40)


def _allowed(f) -> str:
    meta = f.metadata
    if meta["choices"]:
        return f"allowed values are {', '.join(meta['choices'])}"
    kind = "a whole number" if _kind(f) is int else "a number"
    text = f"{f.name} must be {kind} from {meta['lo']} to {meta['hi']}"
    if meta["unit"]:
        text += f" ({meta['unit']})"
    return text + (", or null for the default" if meta["optional"] else "")


def _check_facets(value: Any, where: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    allowed = (
        f"facets must map up to {MAX_FACETS} facet names (text of 1 to {MAX_NAME} "
        f"characters) to lists of asset types from {', '.join(ASSETS)}"
    )
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, (list, tuple)):
        try:
            items = [(k, v) for k, v in value]
        except (TypeError, ValueError):
            raise ParameterError(f"facets={shown(value)}{where} is malformed: {allowed}") from None
    else:
        raise ParameterError(f"facets={shown(value)}{where} is malformed: {allowed}")
    if not items:
        raise ParameterError(f"facets={shown(value)}{where} is empty: {allowed}")
    if len(items) > MAX_FACETS:
        raise ParameterError(f"facets{where} has {len(items)} facets, too many: {allowed}")
    out: dict[str, tuple[str, ...]] = {}
    for name, needs in items:
        if isinstance(needs, str):
            needs = [needs]
        if (
            not isinstance(name, str)
            or not 0 < len(name.strip()) <= MAX_NAME
            or not name.isprintable()
            or not isinstance(needs, (list, tuple))
            or not needs
        ):
            raise ParameterError(
                f"facets[{shown(name)}]={shown(needs)}{where} is malformed: {allowed}"
            )
        if name in out:
            raise ParameterError(f"facets[{shown(name)}]{where} is given twice: {allowed}")
        for asset in needs:
            if not isinstance(asset, str) or asset not in ASSETS:
                raise ParameterError(
                    f"facets[{shown(name)}] names asset {shown(asset)}{where}, which does not "
                    f"exist: asset types are {', '.join(ASSETS)}"
                )
        out[name] = tuple(dict.fromkeys(needs))
    return tuple(out.items())


def _check_held_streams(value: Any, where: str) -> str:
    """The streams held at one draw, as "none" or their names sorted and joined by "+", the
    one form that reads the same in YAML, on the command line and in a run's summary."""
    allowed = f"held_streams must be none, or names from {', '.join(STREAMS)} joined by +"
    given = f"held_streams={shown(value)}{where}"
    if isinstance(value, str):
        names = [name.strip() for name in value.split("+")]
    elif isinstance(value, (list, tuple)):
        names = list(value)
    else:
        raise ParameterError(f"{given} is not allowed: {allowed}")
    if names == ["none"] or not names:
        return "none"
    for name in names:
        if not isinstance(name, str) or name not in STREAMS:
            close = difflib.get_close_matches(name, STREAMS, n=1) if isinstance(name, str) else []
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise ParameterError(
                f"{given} names {shown(name)}, which is not a stream{hint}: {allowed}"
            )
    return "+".join(sorted(set(names)))


def check_seed(value: Any) -> int:
    """A run's seed: a whole number >= 0 (numpy's integers too); every stream derives from it."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 0:
        raise ParameterError(
            f"seed={shown(value)} is not allowed: seed must be a whole number >= 0"
        )
    return int(value)


def describe() -> list[dict[str, Any]]:
    """Every parameter with its metadata: the table docs/odd.md and the app are built from."""
    rows = []
    for f in fields(Params):
        default = f.default if f.default is not MISSING else None
        rows.append({"name": f.name, "default": default, **f.metadata})
    return rows


__all__ = [
    "Params",
    "ParameterError",
    "check_seed",
    "describe",
    "replace",
    "shown",
    "DEFAULT_FACETS",
]
