"""Bad input is refused before any work starts, with a message that names the field, the bad
value and what is allowed; good but unusual input (a problem one sector can meet) is accepted."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from sim import ParameterError, Params, PartnershipModel
from sim.scenarios import resolve
from sim.sectors import ASSETS, SECTORS

NO_MEMBERS = {f"members_{s}": 0 for s in SECTORS}
UNIT_RANGE = re.compile(r"0(\.0)?\s*(to|-|–|and|,)\s*1(\.0)?\b")


def refused(**overrides) -> str:
    """The message of the ParameterError that `overrides` on the default design raise."""
    with pytest.raises(ParameterError) as info:
        resolve("impact_partnership", **overrides)
    return str(info.value)


def assert_says(message: str, *parts: str) -> None:
    for part in parts:
        assert part in message, f"{part!r} not in: {message}"


# ---------------------------------------------------------------------------------------------
# Unknown names
# ---------------------------------------------------------------------------------------------


def test_unknown_parameter_is_named_with_a_suggestion():
    message = refused(orchestraton=0.5)
    assert_says(message, "orchestraton", "orchestration")
    assert re.search(r"did you mean[^.]*orchestration", message, re.IGNORECASE), message


def test_unknown_parameter_lists_the_valid_ones():
    message = refused(wibble=1)
    assert_says(message, "wibble", *Params.knobs(), "members_business", "facets")


def test_unknown_parameter_through_the_model():
    with pytest.raises(ParameterError, match="transparancy"):
        PartnershipModel(rng=0, transparancy=0.5)


def test_unknown_scenario_lists_the_designs():
    with pytest.raises(ParameterError) as info:
        PartnershipModel(scenario="talking_shop_deluxe", rng=0)
    assert_says(
        str(info.value),
        "scenario",
        "talking_shop_deluxe",
        "impact_partnership",
        "business_led",
        "advocacy_coalition",
    )


def test_unknown_convener_lists_the_sectors():
    message = refused(convener="charity")
    assert_says(message, "convener", "charity", *SECTORS)


def test_unknown_signatory_sector_lists_the_choices():
    message = refused(signatories="firms")
    assert_says(message, "signatories", "firms", "none", *SECTORS)


def test_the_conveners_sector_cannot_only_sign():
    message = refused(
        convener="civil_society", members_civil_society=3, signatories="civil_society"
    )
    assert_says(message, "signatories", "civil_society", "convener")


def test_facet_with_an_unknown_asset_lists_the_asset_types():
    message = refused(facets={"change_the_rules": ["authority", "money"]})
    assert_says(message, "facets", "money", *ASSETS)


@pytest.mark.parametrize("facets", [{}, "authority", {"empty": []}, [("a",)], 3])
def test_malformed_facets(facets):
    message = refused(facets=facets)
    assert_says(message, "facets", *ASSETS)


# ---------------------------------------------------------------------------------------------
# Values out of range or of the wrong type
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("knob", Params.knobs())
@pytest.mark.parametrize("value", [-0.1, 1.5])
def test_knob_out_of_range(knob, value):
    message = refused(**{knob: value})
    assert_says(message, knob, str(value))
    assert UNIT_RANGE.search(message), message


@pytest.mark.parametrize(
    "value, shown",
    [
        ("0.5", "'0.5'"),
        (True, "True"),
        (None, "None"),
        ([0.5], "[0.5]"),
        (float("nan"), "nan"),
        (float("inf"), "inf"),
        (-math.inf, "-inf"),
    ],
)
def test_knob_of_the_wrong_type(value, shown):
    message = refused(transparency=value)
    assert_says(message, "transparency", shown)
    assert UNIT_RANGE.search(message), message


@pytest.mark.parametrize(
    "field, value, shown",
    [
        ("steps", 0, "0"),
        ("steps", -3, "-3"),
        ("steps", 2.5, "2.5"),
        ("steps", float("nan"), "nan"),
        ("steps", "ten", "'ten'"),
        ("members_business", -1, "-1"),
        ("members_business", 1.5, "1.5"),
        ("public_size", 0, "0"),
        ("public_scrutiny", 2.0, "2.0"),
    ],
)
def test_sizes_out_of_range_or_not_whole(field, value, shown):
    message = refused(**{field: value})
    assert_says(message, field, shown)
    assert re.search(r"from -?\d", message), message  # states the allowed range


def test_steps_zero_states_the_allowed_range():
    message = refused(steps=0)
    assert_says(message, "steps", "0", "1", str(5200))


def test_whole_floats_are_accepted_as_counts():
    params = resolve("impact_partnership", members_business=3.0, steps=10.0)
    assert params.members_business == 3 and isinstance(params.members_business, int)
    assert params.steps == 10 and isinstance(params.steps, int)


def test_numpy_numbers_are_numbers():
    params = resolve(
        "impact_partnership", members_business=np.int64(3), transparency=np.float32(0.5)
    )
    assert params.members_business == 3 and params.transparency == 0.5


# ---------------------------------------------------------------------------------------------
# Inconsistent worlds
# ---------------------------------------------------------------------------------------------


def test_convener_sector_without_members():
    message = refused(convener="government", members_government=0)
    assert_says(message, "convener", "government", "members_government", "0")
    # it names the sectors that could convene
    assert_says(message, "business", "civil_society", "citizens")


def test_zero_members():
    message = refused(**NO_MEMBERS)
    assert_says(message, *NO_MEMBERS, "0")


def test_zero_members_through_the_model():
    with pytest.raises(ParameterError, match="members"):
        PartnershipModel(rng=0, **NO_MEMBERS)


def test_steps_zero_through_the_model():
    with pytest.raises(ParameterError, match="steps"):
        PartnershipModel(rng=0, steps=0)


def test_with_validates_too(impact):
    with pytest.raises(ParameterError, match="orchestration"):
        impact.with_(orchestration=2.0)
    with pytest.raises(ParameterError, match="unknown"):
        impact.with_(nonsense=1)


# ---------------------------------------------------------------------------------------------
# Scenario files: their values report the file as their source
# ---------------------------------------------------------------------------------------------


def write(tmp_path, text):
    path = tmp_path / "my_design.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_scenario_file_value_out_of_range_names_the_file(tmp_path):
    path = write(tmp_path, "convener: business\nmembers_business: 3\norchestration: 1.7\n")
    with pytest.raises(ParameterError) as info:
        resolve(str(path))
    assert_says(str(info.value), "orchestration", "1.7", str(path))
    assert UNIT_RANGE.search(str(info.value))


def test_scenario_file_unknown_key_names_the_file(tmp_path):
    path = write(tmp_path, "convener: business\nmembers_business: 3\ncuraton: 0.5\n")
    with pytest.raises(ParameterError) as info:
        PartnershipModel(scenario=str(path), rng=0)
    assert_says(str(info.value), "curaton", "curation", str(path))


def test_scenario_file_convener_without_members_names_the_file(tmp_path):
    path = write(tmp_path, "convener: government\nmembers_business: 3\n")
    with pytest.raises(ParameterError) as info:
        resolve(str(path))
    assert_says(str(info.value), "convener", "government", str(path))


def test_an_override_is_reported_as_an_override(tmp_path):
    path = write(tmp_path, "convener: business\nmembers_business: 3\n")
    with pytest.raises(ParameterError) as info:
        resolve(str(path), transparency=-1)
    message = str(info.value)
    assert_says(message, "transparency", "-1", "override")
    assert str(path) not in message


def test_a_scenario_file_that_is_not_a_mapping(tmp_path):
    path = write(tmp_path, "- orchestration\n- curation\n")
    with pytest.raises(ParameterError, match=re.escape(str(path))):
        resolve(str(path))


def test_shipped_scenarios_are_valid():
    from sim.scenarios import designs

    for name in designs():
        params = resolve(name)
        assert sum(params.initial_members.values()) > 0
        assert params.initial_members[params.convener] > 0


# ---------------------------------------------------------------------------------------------
# A problem one sector can meet alone is accepted, and that sector makes progress on it
# ---------------------------------------------------------------------------------------------

ONE_SECTOR = {
    "facets": {"one": ["funding", "reach"]},
    "convener": "business",
    "members_government": 0,
    "members_business": 4,
    "members_civil_society": 0,
    "members_citizens": 0,
}


def test_a_problem_one_sector_can_meet_is_accepted():
    params = resolve("impact_partnership", **ONE_SECTOR)
    assert params.facets == (("one", ("funding", "reach")),)


def test_a_business_only_partnership_makes_progress_on_it():
    model = PartnershipModel(rng=0, steps=52, public_size=300, **ONE_SECTOR)
    while model.running:
        model.step()
    data = model.datacollector.get_model_vars_dataframe()
    assert data["progress"].iloc[-1] > 0.05
    assert data["members_business"].iloc[-1] > 0
    # the same business-only partnership cannot move the default problem's facet that
    # needs authority and expertise (complementarity)
    default = PartnershipModel(
        rng=0,
        steps=52,
        public_size=300,
        **{
            **ONE_SECTOR,
            "facets": {"rules": ["authority", "expertise"]},
            "curation": 0.0,
            "pool_per_sector": 0,
        },
    )
    while default.running:
        default.step()
    assert default.progress == 0.0
