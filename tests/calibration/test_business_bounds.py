"""`experiments.calibration.business_bounds`: business's sector data changed for a run and restored, the
pattern verdicts it applies, and the command."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments.calibration import business_bounds as bb
from sim import sectors
from sim.model import PartnershipModel


def snapshot():
    return sectors.PROFILES, sectors.AGENDA_FIT.copy()


def test_the_data_are_changed_inside_the_block_and_restored_after_it_even_on_error():
    profiles, fit = snapshot()
    with pytest.raises(RuntimeError), bb.business_data(0.2, 0.6, 0.5, 0.1):
        business = sectors.PROFILES[sectors.BUS]
        assert business.meeting_cost == 0.2 and business.exit_threshold == 0.5
        assert business.benefit_weights["reputation"] == 0.6
        assert sum(business.benefit_weights.values()) == pytest.approx(1.0)
        # the other weights keep their proportions
        assert business.benefit_weights["results"] / business.benefit_weights["wins"] == (
            pytest.approx(
                profiles[sectors.BUS].benefit_weights["results"]
                / profiles[sectors.BUS].benefit_weights["wins"]
            )
        )
        assert sectors.AGENDA_FIT[sectors.GOV, sectors.BUS] == 0.1
        assert sectors.AGENDA_FIT[sectors.BUS, sectors.GOV] == 0.1
        assert sectors.PROFILES[sectors.GOV] is profiles[sectors.GOV]
        model = PartnershipModel(scenario="government_led", rng=1, steps=2)
        assert model._meeting_cost[sectors.BUS] == 0.2  # the model reads the changed data
        raise RuntimeError("a failing run")
    assert sectors.PROFILES is profiles
    assert np.array_equal(sectors.AGENDA_FIT, fit)


def test_the_model_point_gives_the_unchanged_model():
    plain = bb.run_point(bb.model_point(), "advocacy_coalition", 3, steps=40)
    model = PartnershipModel(scenario="advocacy_coalition", rng=3, steps=40, collect_agents=False)
    shares = []
    while model.running:
        model.step()
        shares.append(model.engaged_business_share)
    assert plain["engaged_business_share"] == pytest.approx(np.mean(shares), abs=0)
    assert plain["progress"] == model.progress


def test_a_lower_meeting_cost_keeps_more_firms_where_they_meet():
    seeds = range(
        4
    )  # government-led: its firms sit in its meetings (the advocacy coalition's sign)
    share = {
        cost: np.mean(
            [
                bb.run_point(
                    {**bb.model_point(), "meeting_cost": cost}, "government_led", s, steps=80
                )["engaged_business_share"]
                for s in seeds
            ]
        )
        for cost in (0.2, 0.8)
    }
    assert share[0.2] > share[0.8] + 0.1


def fake_runs(shares: dict[str, list[float]], gap_led: float = 0.3) -> pd.DataFrame:
    """Runs of one point: `shares` per design; the Impact Partnership best, advocacy least active."""
    rows = []
    for design, values in shares.items():
        for seed, value in enumerate(values):
            rows.append(
                {
                    "design": design,
                    "seed": seed,
                    "engaged_business_share": value,
                    "action_share": 0.1 if design == "advocacy_coalition" else 0.5 + seed / 100,
                    "claims_gap": gap_led + seed / 100 if design == "business_led" else seed / 100,
                    "first_legitimacy": 0.5,
                    "legitimacy": 0.3 if design == "business_led" else 0.6,
                    "progress": 0.9 + seed / 100 if design == bb.REFERENCE else seed / 100,
                    "systems_change": 0.9 if design == bb.REFERENCE else seed / 100,
                }
            )
    return pd.DataFrame(rows)


DESIGNS = [
    "impact_partnership",
    "government_led",
    "public_funder_partnership",
    "ngo_business_pair",
    "advocacy_coalition",
    "crime_reduction_partnership",
    "business_led",
]


def test_verdicts_apply_the_pattern_tests_statistics():
    low, high = [0.1 + i / 100 for i in range(8)], [0.6 + i / 100 for i in range(8)]
    holds = bb.verdicts(fake_runs({d: low if d in bb.PATTERN_2_DESIGNS else high for d in DESIGNS}))
    assert holds["pattern_2"] and holds["pattern_3"] and holds["pattern_4"] and holds["pattern_1"]
    assert holds["margin_government_led"] == pytest.approx(0.5)
    # the public funder's firms engaged as often as another design's: the clause fails
    fails = bb.verdicts(
        fake_runs(
            {
                d: low
                if d in ("government_led", "public_funder_partnership", "advocacy_coalition")
                else high
                for d in DESIGNS
            },
            gap_led=-0.2,
        )
    )
    assert not fails["p2_public_funder_partnership"] and not fails["pattern_2"]
    assert fails["lowest_other_government_led"] == "advocacy_coalition"
    assert fails["margin_government_led"] == pytest.approx(0.0)
    assert not fails["pattern_4"]  # business-led's gap no longer the widest


def test_quick_run_writes_its_tables_and_no_document(tmp_path, capsys):
    folder = bb.main(["--quick", "--out", str(tmp_path)])
    runs = pd.read_csv(folder / "business_bounds.csv")
    table = pd.read_csv(folder / "points.csv")
    assert len(runs) == 2 * 7 * 2 and len(table) == 2
    assert set(table["meeting_cost"]) == {0.3, 0.8}
    text = (folder / "business_bounds.md").read_text()
    assert "patterns 2 and 4 together" in text and "--quick" in text
    assert (folder / bb.FIGURE).stat().st_size > 10_000
    assert f"]({bb.FIGURE})" in text and "](figures/" not in text  # the figure beside it
    assert "Wrote the" not in capsys.readouterr().err  # no document section


def test_bad_seed_count_is_refused(capsys):
    with pytest.raises(SystemExit):
        bb.main(["--seeds", "0", "--quick"])
    assert "--seeds 0" in capsys.readouterr().err


def test_with_a_document_the_section_and_its_figure_land_beside_it(tmp_path):
    doc = tmp_path / "calibration.md"
    doc.write_text("# Calibration\n", encoding="utf-8")
    bb.main(["--quick", "--out", str(tmp_path / "out"), "--doc", str(doc)])
    assert (tmp_path / "figures" / bb.FIGURE).is_file()
    text = doc.read_text(encoding="utf-8")
    assert "<!-- BEGIN business_bounds -->" in text and f"figures/{bb.FIGURE}" in text
