"""The engagement ledger: `engagement.ledger` adds up to what members appraise, the model's
`sector_ledger` agrees with the appraisal it moved, and `experiments.calibration.ledger` summarises and
reports it."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from experiments.calibration import ledger as study
from experiments.calibration.ledger import COST_PARTS
from sim import sectors
from sim.mechanisms import engagement
from sim.mechanisms.engagement import BENEFITS, GAINS, LEDGER
from sim.model import PartnershipModel
from sim.partnership import MEMBER, expectation
from sim.scenarios import resolve


def test_the_ledger_adds_up_to_the_benefit_and_the_cost_the_model_appraises():
    rng = np.random.default_rng(3)
    params = resolve("impact_partnership")
    sector = rng.integers(0, 4, 40)
    signals = {b: rng.random(40) for b in BENEFITS} | {"voice": 0.4}
    fit, motivation, trust = rng.random(40), rng.lognormal(0, 0.2, 40), rng.random(40)
    weights = sectors.benefit_matrix()
    meeting = sectors.profile_array("meeting_cost")[sector]
    talk_cost, frustration = engagement.cost_parts(0.45, meeting, trust, params)
    stake = np.where(sector == sectors.BUS, 0.5, 0.0)  # business owns the problem
    relief = engagement.relief(signals["results"], stake)
    tired = np.linspace(0.0, 0.5, 40)  # fatigue's weight in the appraisal (7.13)
    rows = engagement.ledger(
        signals, sector, fit, weights, motivation, relief, talk_cost, frustration, tired
    )
    assert rows.shape == (40, len(LEDGER))
    gains = rows[:, : len(GAINS)].sum(axis=1)
    np.testing.assert_allclose(
        gains, motivation * (engagement.benefit(signals, sector, fit, weights) + relief)
    )
    # relief is the problem owners' alone, and not scaled by the agenda's fit
    business = sector == sectors.BUS
    np.testing.assert_allclose(
        rows[business, GAINS.index("relief")],
        motivation[business] * 0.5 * signals["results"][business],
    )
    assert np.all(rows[~business, GAINS.index("relief")] == 0)
    np.testing.assert_array_equal(rows[:, -1], tired)
    np.testing.assert_array_equal(
        rows[:, -3] + rows[:, -2], engagement.cost(0.45, meeting, trust, params)
    )
    # a sector gets nothing from a benefit it puts no weight on (business and policy)
    assert np.all(rows[business, BENEFITS.index("policy")] == 0)
    # frustration only where trust is below the frustration level
    assert np.all((rows[:, -2] > 0) == (trust < params.frustration_trust))


@pytest.mark.parametrize(
    ("design", "overrides", "turnover"),
    [
        ("government_led", {}, True),
        ("advocacy_coalition", {"signatories": "none"}, True),  # its firms meet, and leave
        ("advocacy_coalition", {}, False),  # its firms sign: a signatory's talk cost
        ("crime_reduction_partnership", {}, False),  # its firms own the problem: relief
    ],
)
def test_the_sector_ledger_is_what_moved_each_members_appraisal(design, overrides, turnover):
    """Week by week over a year (with joiners and leavers where `turnover`): appraise sets
    a' = a + (net - a) / W, so each member's net is a + W (a' - a), and the ledger's sector
    means must equal them."""
    model = PartnershipModel(scenario=design, rng=11, collect_agents=False, **overrides)
    orgs, weeks = model.orgs, model.params.appraisal_weeks
    joined = left = 0
    for _ in range(60):
        before = orgs.appraisal.copy()
        model.step()
        book = model.sector_ledger()
        assert book.shape == (len(sectors.SECTORS), len(LEDGER))
        # who was weighed: this week's members, and those who left in the update itself
        week = model.steps
        active = np.flatnonzero(
            (orgs.joined_week >= 0)
            & (orgs.joined_week <= week)
            & ((orgs.status == MEMBER) | (orgs.left_week == week))
        )
        newcomers = orgs.joined_week == week
        before[newcomers] = expectation(model.params)  # a newcomer's appraisal starts there
        joined += int(newcomers.sum())
        left += int((orgs.left_week == week).sum())
        net = before[active] + weeks * (orgs.appraisal[active] - before[active])
        sector = orgs.sector[active]
        for s in range(len(sectors.SECTORS)):
            mine = sector == s
            got = book[s, : len(GAINS)].sum() - book[s, len(GAINS) :].sum()
            if mine.any():
                assert got == pytest.approx(net[mine].mean(), abs=1e-9)
            else:
                assert np.isnan(book[s]).all()
    if turnover:
        assert joined + left > 0  # the year had newcomers or leavers, so both paths were checked


def test_the_sector_ledger_is_empty_where_nothing_was_weighed():
    model = PartnershipModel(scenario="advocacy_coalition", rng=2, steps=12, partnership_weeks=8)
    assert np.isnan(model.sector_ledger()).all()  # before the first week
    model.step()
    book = model.sector_ledger()
    assert np.isnan(book[sectors.GOV]).all()  # no government member
    assert np.isfinite(book[sectors.BUS]).all()
    while model.running:
        model.step()
    assert np.isnan(model.sector_ledger()).all()  # the partnership has ended


def synthetic_run(design: str, level: float, weeks: int = 10, business: bool = True):
    book = np.full((weeks, 4, len(LEDGER)), np.nan)
    book[:, sectors.CIV] = level
    if business:
        book[:5, sectors.BUS] = 1.0  # members only in the first five weeks
    members = np.zeros((weeks + 1, 4))
    members[:, sectors.CIV] = 2
    engagement_ = np.full((weeks + 1, 4), np.nan)
    engagement_[:, sectors.CIV] = 0.6
    return {
        "design": design,
        "seed": 0,
        "ledger": book,
        "members": members,
        "engagement": engagement_,
        "sponsor_changes": np.arange(weeks + 1.0),
        "exit_line": np.array([-0.25, -0.15, -0.3, -0.2]),
    }


def test_summary_averages_the_window_and_counts_only_weeks_with_members():
    runs = [synthetic_run("a", 0.1), synthetic_run("a", 0.3, business=False)]
    table = study.summarise(runs, (3, 8)).set_index("sector")
    assert set(table.index) == {"business", "civil_society"}
    civ = table.loc["civil_society"]
    assert civ["results"] == pytest.approx(0.2) and civ["runs"] == 2
    assert civ["benefit"] == pytest.approx(0.2 * len(GAINS))
    cost = 0.2 * len(COST_PARTS)  # each cost part 0.2 on average
    assert civ["cost"] == pytest.approx(cost) and civ["net"] == pytest.approx(civ["benefit"] - cost)
    assert civ["exit_line"] == -0.3 and civ["members_end"] == 2
    assert civ["sponsor_changes"] == 6  # weeks 3..8 of a counter rising one a week
    # the runs' own nets: 7 x 0.1 - 3 x 0.1 = 0.4 and 7 x 0.3 - 3 x 0.3 = 1.2 (seven gains,
    # three costs); their 5th and 95th percentiles (linear between the two) are 0.44 and 1.16
    assert civ["net_low"] == pytest.approx(0.44) and civ["net_high"] == pytest.approx(1.16)
    bus = table.loc["business"]
    assert bus["runs"] == 1 and bus["of_runs"] == 2  # only weeks 3-5 of the first run count
    assert bus["results"] == 1.0


def images_of(markdown_file):
    """The files a markdown file's image links point to, from its own folder."""
    links = re.findall(r"!\[[^]]*\]\(([^)]+)\)", markdown_file.read_text(encoding="utf-8"))
    assert links
    return [markdown_file.parent / link for link in links]


def test_a_quick_run_writes_its_table_figure_and_report_and_no_document(tmp_path, capsys):
    folder = study.main(["--quick", "--out", str(tmp_path)])
    table = pd.read_csv(folder / "ledger.csv")
    assert set(table["design"]) == set(study.designs())
    business = table[table["sector"] == "business"].set_index("design")
    assert len(business) == 7  # every design has firms
    assert (business["cost"] > 0).all()
    text = (folder / "ledger.md").read_text()
    assert "### business" in text and "lowest net in" in text
    assert (folder / study.FIGURE).stat().st_size > 10_000
    assert images_of(folder / "ledger.md") == [folder / study.FIGURE]  # the link finds it
    assert "Wrote the" not in capsys.readouterr().err


def test_a_window_outside_the_run_is_refused_with_its_values(capsys):
    with pytest.raises(SystemExit):
        study.main(["--quick", "--weeks", "10", "40"])
    assert "--weeks 10 40" in capsys.readouterr().err


def test_with_a_document_the_section_and_its_figure_land_beside_it(tmp_path):
    doc = tmp_path / "calibration.md"
    doc.write_text("# Calibration\n", encoding="utf-8")
    folder = study.main(["--quick", "--out", str(tmp_path / "out"), "--doc", str(doc)])
    assert (tmp_path / "figures" / study.FIGURE).is_file()
    assert "<!-- BEGIN ledger -->" in doc.read_text(encoding="utf-8")
    assert images_of(doc) == [tmp_path / "figures" / study.FIGURE]
    assert images_of(folder / "ledger.md") == [folder / study.FIGURE]


def test_other_designs_and_settings_are_run_stated_and_kept_out_of_the_document(tmp_path, capsys):
    folder = study.main(
        [
            "--quick",
            "--out",
            str(tmp_path),
            "--designs",
            "workshop/talking_shop",
            "impact_partnership",
            "transparency=0.9",
        ]
    )
    table = pd.read_csv(folder / "ledger.csv")
    assert set(table["design"]) == {"workshop/talking_shop", "impact_partnership"}
    text = (folder / "ledger.md").read_text()
    assert "Settings on top of each design: `transparency=0.9`" in text
    assert "each design with the settings above" in text and "at its defaults" not in text
    assert all(image.is_file() for image in images_of(folder / "ledger.md"))
    assert "Wrote the" not in capsys.readouterr().err
    # the setting reached the runs: a shared platform shows more action, so the ledger differs
    plain = pd.read_csv(
        study.main(["--quick", "--out", str(tmp_path / "plain"), "--designs", "impact_partnership"])
        / "ledger.csv"
    )
    mine = table[table["design"] == "impact_partnership"].set_index("sector")["voice"]
    assert (mine > plain.set_index("sector")["voice"].reindex(mine.index)).any()


def test_a_sector_only_one_design_has_is_read_once():
    row = {
        "benefit": 0.5,
        "cost": 0.13,
        "net": 0.37,
        "talk": 0.1,
        "frustration": 0.03,
        "fatigue": 0.0,
    }
    table = pd.DataFrame(
        [
            {"design": "mine", "sector": "citizens", **row},
            {"design": "mine", "sector": "business", **row, "net": 0.1},
            {"design": "other", "sector": "business", **row, "net": -0.2},
        ]
    )
    assert study._reading(table, "citizens") == (
        "- **citizens**: only mine has members of this sector: net +0.37 (benefit 0.50 "
        "against cost 0.13, mostly talk)."
    )
    both = study._reading(table, "business")
    assert "lowest net in other (-0.20" in both and "highest in mine (+0.10)" in both
    defaults = study.markdown(pd.DataFrame(columns=table.columns), (1, 5), [4000], "", 1.0)
    assert "each design at its defaults" in defaults and "Settings on top" not in defaults


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--designs", "no_such_design"], "scenario='no_such_design' does not exist"),
        (["transparency=1.5"], "transparency=1.5"),
        (["transparency"], "'transparency' is not a setting"),
    ],
)
def test_bad_designs_and_settings_are_refused_before_any_run(argv, named, capsys, tmp_path):
    with pytest.raises(SystemExit):
        study.main(["--quick", "--out", str(tmp_path), *argv])
    assert named in capsys.readouterr().err
    assert not any(tmp_path.iterdir())  # nothing was run or written


def test_a_failing_run_is_reported_and_the_others_kept(tmp_path, monkeypatch, capsys):
    real = study.run_ledger

    def flaky(design, seed, overrides=None):
        if design == "business_led" and seed == study.FIRST_SEED:
            raise RuntimeError("injected failure")
        return real(design, seed, overrides)

    monkeypatch.setattr(study, "run_ledger", flaky)
    folder = study.main(["--quick", "--out", str(tmp_path)])  # one process: the patch holds
    assert "1 of 14 runs failed" in capsys.readouterr().err
    table = pd.read_csv(folder / "ledger.csv")
    assert set(table["design"]) == set(study.designs())  # business-led's other seed is kept
    assert table.set_index(["design", "sector"]).loc[("business_led", "business"), "runs"] == 1
    text = (folder / "ledger.md").read_text()
    assert "13 runs in" in text and "business_led seed 4000" in text
