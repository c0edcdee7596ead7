"""Invariants that hold for every valid setting, and hostile input that never gets through.

Hypothesis draws knob settings, constants from their declared ranges, member counts, seeds
and short horizons: every recorded share stays in [0, 1], counts are whole, non-negative and
add up, cumulative counts never fall, nothing is NaN or infinite, and no organisation commits
more than it holds; a run either completes or stops with ParameterError. The YAML loader and
the command-line checks are fuzzed with malformed and hostile input: the outcome is a clear
error (ParameterError, UsageError) or valid parameters, never another exception.
"""

from __future__ import annotations

import math
from dataclasses import fields

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sim import ParameterError, Params, PartnershipModel
from sim.cli.checks import UsageError, check_argv, check_experiment_file
from sim.datafile import loads
from sim.mechanisms.backbone import INGREDIENTS
from sim.metrics import METRICS
from sim.rng import STREAMS
from sim.scenarios import resolve
from sim.sectors import SECTORS

SHARES = [
    "progress",
    "systems_change",
    "action_share",
    "trust",
    "cross_sector_trust",
    "engagement",
    "engaged_business_share",
    "legitimacy",
    "claims",
    "visible_action",
    "policy_momentum",
    "fatigue",
    "backing",
]
COUNTS = [
    "members",
    *(f"members_{s}" for s in SECTORS),
    "engaged_business",
    "dropouts",
    "sectors_represented",
    "cross_sector_ties",
    "wins",
    "sponsor_changes",
    "free_riders",
]
CUMULATIVE = ["dropouts", "wins", "sponsor_changes"]
LEVELS = [f"{kind}_{k}" for k in INGREDIENTS for kind in ("asked", "delivered")]
MONEY = ["budget", "budget_grant", "budget_contributions", "asked_cost"]
SIZES = {
    "members_government",
    "members_business",
    "members_civil_society",
    "members_citizens",
    "pool_per_sector",
    "target_members",
    "public_size",
    "steps",
    "partnership_weeks",
    "working_group_size",
    "convener",
    "signatories",
    "problem_owners",
    "facets",
    "events",  # drawn in tests/model/test_events.py
    "held_streams",  # drawn below, as a set of stream names
}
FAST = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def test_the_invariants_cover_every_metric():
    covered = set(SHARES) | set(COUNTS) | set(LEVELS) | set(MONEY) | {"claims_gap", "afforded"}
    assert covered == {m.name for m in METRICS}


def _in_range(f) -> st.SearchStrategy:
    lo, hi = f.metadata["lo"], f.metadata["hi"]
    if isinstance(f.default, float):
        return st.floats(lo, hi, allow_nan=False)
    if f.default is None and str(f.type).startswith("float"):  # budget_fixed: null or a number
        return st.none() | st.floats(lo, hi, allow_nan=False)
    return st.integers(lo, min(hi, 60))  # week counts: short enough for a quick run


@st.composite
def settings_(draw) -> dict:
    """A random valid setting: every knob and constant in its declared range, a small world."""
    values = {f.name: draw(_in_range(f)) for f in fields(Params) if f.name not in SIZES}
    convener = draw(st.sampled_from(SECTORS))
    for sector in SECTORS:
        values[f"members_{sector}"] = draw(st.integers(1 if sector == convener else 0, 12))
    values["signatories"] = draw(st.sampled_from(["none", *(s for s in SECTORS if s != convener)]))
    values["problem_owners"] = draw(st.sampled_from(["none", *SECTORS]))
    values.update(
        convener=convener,
        pool_per_sector=draw(st.integers(0, 6)),
        public_size=draw(st.integers(1, 300)),
        steps=draw(st.integers(1, 25)),
        public_scrutiny=draw(st.floats(0, 1)),
        working_group_size=draw(st.integers(2, 12)),
    )
    if draw(st.booleans()):
        values["target_members"] = draw(st.integers(1, 60))
    if draw(st.booleans()):
        values["partnership_weeks"] = draw(st.integers(1, 25))
    values["held_streams"] = sorted(draw(st.sets(st.sampled_from(STREAMS))))
    return values


@settings(FAST, max_examples=150)
@given(values=settings_(), seed=st.integers(0, 2**63), agents=st.booleans())
def test_a_run_keeps_its_invariants_or_refuses_clearly(values, seed, agents):
    try:
        params = resolve("impact_partnership", **values)
    except ParameterError:
        event("refused with ParameterError")
        return  # e.g. target_members beyond the members and the pool: refused, clearly
    model = PartnershipModel(params=params, rng=seed, collect_agents=agents)
    orgs = model.orgs
    while model.running:
        model.step()
        # No organisation commits more than it holds: the share of its assets it commits is
        # in [0, 1], and the assets it brings (contribution x assets) are at most those it
        # holds (capacity x assets), as its effort is at most its capacity
        assert np.all((orgs.commitment >= 0) & (orgs.commitment <= 1))
        # (a sprint's extra time, `sprint_hours`, is the one way beyond capacity: 7.13)
        ceiling = orgs.capacity * (1.0 + params.sprint_hours) + 1e-12
        assert np.all((orgs.contribution >= 0) & (orgs.contribution <= ceiling))
        assert np.all((orgs.fatigue >= 0) & (orgs.fatigue <= 1))
        assert np.isfinite(orgs.engagement).all() and np.isfinite(model.public.legitimacy).all()
    data = model.datacollector.get_model_vars_dataframe()
    assert len(data) == params.steps + 1
    assert np.isfinite(data.to_numpy(dtype=float)).all(), data[~np.isfinite(data).all(axis=1)]
    assert ((data[SHARES] >= 0) & (data[SHARES] <= 1)).all().all(), data[SHARES].describe()
    assert ((data["claims_gap"] >= -1) & (data["claims_gap"] <= 1)).all()
    counts = data[COUNTS]
    assert (counts >= 0).all().all() and (counts == counts.round()).all().all()
    assert (data["members"] == data[[f"members_{s}" for s in SECTORS]].sum(axis=1)).all()
    assert (data["engaged_business"] <= data["members_business"]).all()
    assert (data["sectors_represented"] <= len(SECTORS)).all()
    assert (data[CUMULATIVE].diff().dropna() >= 0).all().all()
    # the backbone delivers at most what is asked, and spends at most what it has
    assert ((data[LEVELS] >= 0) & (data[LEVELS] <= 1)).all().all()
    # a budget too small for its share of the asks to be a float (5e-324) affords 0
    assert ((data["afforded"] > 0) | (data["budget"] / data["asked_cost"] == 0)).all()
    assert (data["afforded"] <= 1).all() and (data[MONEY] >= 0).all().all()
    for k in INGREDIENTS:
        assert (data[f"delivered_{k}"] <= data[f"asked_{k}"] + 1e-12).all()
    budget = data["budget_grant"] + data["budget_contributions"]
    assert np.allclose(data["budget"], budget)
    spent = data["asked_cost"] * data["afforded"]
    assert (spent <= data["budget"] + 1e-9).all()
    founders = sum(params.initial_members.values())
    assert data["members"].iloc[0] == founders
    # everyone who ever joined is a member or a dropout; nobody comes from nowhere
    assert (data["members"] + data["dropouts"] <= founders + 4 * params.pool_per_sector).all()
    if agents:
        records = model.datacollector.get_agent_vars_dataframe()
        assert records["engagement"].between(0, 1).all()
        assert np.isfinite(records["contribution"].astype(float)).all()
        assert (records["contribution"] >= 0).all()


# --- hostile input -----------------------------------------------------------------------

NASTY_NUMBERS = st.sampled_from(
    [
        math.nan,
        math.inf,
        -math.inf,
        1e308,
        -1e308,
        5e-324,
        -0.0,
        10**400,
        -(10**400),
        2**63,
        -1,
        0,
        1,
        0.5,
        1.5,
        5200,
        5201,
    ]
)
SCALARS = st.one_of(
    NASTY_NUMBERS,
    st.integers(),
    st.floats(),
    st.booleans(),
    st.none(),
    st.text(max_size=30),
    st.sampled_from(
        [
            "${oc.env:HOME}",
            "${now:%Y}",
            "${steps}",
            "政府",
            "business",
            "x" * 5000,
            "\x00",
            "~",
            "null",
            "",
        ]
    ),
)
YAML_DATA = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
KEYS = st.one_of(
    st.sampled_from(Params.names() + ["scenario", "seed", "_target_", "_args_"]),
    st.text(max_size=12),
)


def _refused_clearly_or_valid(action) -> None:
    try:
        action()
    except (ParameterError, UsageError) as err:
        message = str(err)
        assert message and len(message) < 3000 and "Traceback" not in message


@settings(FAST, max_examples=150)
@given(data=st.dictionaries(KEYS, YAML_DATA, max_size=6))
def test_scenario_files_of_random_structure(tmp_path_factory, data):
    text = yaml.safe_dump(data, allow_unicode=True)
    path = tmp_path_factory.mktemp("fuzz") / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    _refused_clearly_or_valid(lambda: resolve(str(path)))
    _refused_clearly_or_valid(lambda: check_experiment_file(path))


YAML_PIECES = st.sampled_from(
    [
        "steps: 5\n",
        "members_business: 3\n",
        "convener: business\n",
        "facets:\n",
        "  - ",
        "  a: ",
        "[",
        "]",
        "{",
        "}",
        "&a ",
        "*a ",
        "*b ",
        "!!python/object:os.system ",
        "!!binary ",
        "<<: ",
        "? ",
        ": ",
        "- ",
        "'",
        '"',
        "#",
        "\t",
        "\n",
        "---\n",
        "...\n",
        "${oc.env:X}",
        "_target_: os.system\n",
        ".nan",
        ".inf",
        "-.0",
        "1e308",
        "9" * 400,
        "\x00",
        "\ufeff",
        "\u2028",
        "%YAML 1.1\n",
        "!tag ",
        "|\n",
        ">\n",
    ]
)


@settings(FAST, max_examples=300)
@given(text=st.one_of(st.lists(YAML_PIECES, max_size=25).map("".join), st.text(max_size=200)))
def test_yaml_text_fragments(text):
    _refused_clearly_or_valid(lambda: loads(text, "fuzzed file"))


@settings(FAST, max_examples=100)
@given(raw=st.binary(max_size=400))
def test_binary_junk(tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("junk") / "junk.yaml"
    path.write_bytes(raw)
    _refused_clearly_or_valid(lambda: resolve(str(path)))
    _refused_clearly_or_valid(lambda: check_experiment_file(path))


@pytest.mark.parametrize("depth", [33, 1_000, 100_000])
def test_deep_nesting_is_bounded(depth):
    with pytest.raises(ParameterError, match="nested more than 32 levels"):
        loads("steps: " + "[" * depth + "]" * depth, "deep.yaml")


@pytest.mark.parametrize("levels", [5, 9, 12])
def test_yaml_bombs_are_bounded(levels):
    """Billion laughs: each level is nine aliases of the one before; never expanded."""
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, levels)]
    lines.append(f"transparency: *l{levels - 1}")
    with pytest.raises(ParameterError, match="more than 100000 values once its aliases"):
        loads("\n".join(lines), "bomb.yaml")


# --- the command line, in-process (its subprocess cases are in test_validation.py) ---------

VALUE_TEXT = st.one_of(
    st.sampled_from(
        [
            "nan",
            "inf",
            "-inf",
            "1e308",
            "-0",
            "-0.0",
            "9" * 5000,
            "0x10",
            "1_000",
            "null",
            "[]",
            "{}",
            "[1,2]",
            "{a:1}",
            "'x'",
            "${oc.env:HOME}",
            "政府",
            "range(0,3)",
            "range(0,100000000)",
            "range(0,1,0)",
            "interval(0,1)",
            "choice()",
            "glob(*)",
            "0,1",
            "1,",
            ",",
            "a=b",
            "\x00",
            "'" * 3,
            "[" * 500 + "]" * 500,
            "business",
            "impact_partnership",
            "x" * 3000,
        ]
    ),
    st.integers().map(str),
    st.floats().map(repr),
    st.text(max_size=20),
)
ARG = st.one_of(
    st.builds(
        lambda k, v, prefix: f"{prefix}{k}={v}",
        KEYS,
        VALUE_TEXT,
        st.sampled_from(["", "", "+", "++", "~"]),
    ),
    st.sampled_from(
        [
            "-m",
            "--cfg",
            "job",
            "+experiment=smoke",
            "experiment=smoke",
            "+experiment=nope",
            "foo",
            "~steps",
            "--help",
        ]
    ),
    st.text(max_size=15),
)


@settings(FAST, max_examples=300)
@given(argv=st.lists(ARG, max_size=5))
def test_command_line_checks(argv):
    _refused_clearly_or_valid(lambda: check_argv(argv))


def test_accepted_settings_run(tmp_path):
    """What the checks accept, Params accepts too: a check that passes is not a blind spot."""
    check_argv(["steps=3", "transparency=-0.0", "seed=99999999999999999999", "facets=null"])
    params = resolve("impact_partnership", steps=3, transparency=-0.0)
    assert params.transparency == 0.0 and math.copysign(1, params.transparency) == 1
    frame = PartnershipModel(params=params, rng=99999999999999999999, collect_agents=False)
    while frame.running:
        frame.step()
    assert isinstance(frame.datacollector.get_model_vars_dataframe(), pd.DataFrame)
