"""Every constant in the model's code is documented with its reason (issue 3: "each constant in
the code appears in the ODD with a reason"), and with the value the code has: the parameters'
defaults, units and ranges (ODD 8.1) and the sector data (8.2) are compared with the code.

Parameters (`sim.params`) carry their source in the code and must be named in docs/odd.md.
Module-level numeric constants in `sim/` (public UPPER_CASE names assigned a number or an array
of numbers) must be defined in docs/odd.md (model constants, sections 7-8) or docs/robustness.md
(input limits, "The limits, one by one"): in a table row that gives a reason, or, for a table of
values (the sector data), in the paragraph that opens with the name above its table.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from sim.params import describe

ROOT = Path(__file__).resolve().parents[2]
ODD = (ROOT / "docs" / "odd.md").read_text()
ROBUSTNESS = (ROOT / "docs" / "robustness.md").read_text()


def numeric_constants() -> list[tuple[str, str]]:
    """(file, name) of each module-level UPPER_CASE name in sim/ assigned something numeric."""
    found = []
    for path in sorted((ROOT / "sim").rglob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                targets, value = [node.target], node.value
            else:
                continue
            numeric = any(
                isinstance(n, ast.Constant) and type(n.value) in (int, float)
                for n in ast.walk(value)
            )
            for target in targets:
                if (
                    isinstance(target, ast.Name)
                    and target.id.isupper()
                    and numeric
                    and not target.id.startswith("_")
                ):
                    found.append((str(path.relative_to(ROOT)), target.id))
    return found


def table_rows(text: str, name: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("|") and f"`{name}`" in line]


def defining_paragraph(text: str, path: str, name: str) -> bool:
    """A paragraph that opens with the name ("`NAME` (what it is...") or with its file and name,
    says what it is in at least a sentence and is followed by its table of values."""
    blocks = text.split("\n\n")
    for i, block in enumerate(blocks[:-1]):
        if (
            block.startswith((f"`{name}` ", f"`{path}`, `{name}` "))
            and len(block.split()) >= 15
            and any(b.lstrip().startswith("|") for b in blocks[i + 1 : i + 3])
        ):
            return True
    return False


def test_the_scan_finds_the_constants():
    names = {name for _, name in numeric_constants()}
    assert {"INDIVIDUAL_SPREAD", "STALL_WINDOW", "TRUST_PRIOR", "MAX_STEPS"} <= names


@pytest.mark.parametrize("path,name", numeric_constants())
def test_each_constant_in_the_code_has_a_documented_reason(path, name):
    if defining_paragraph(ODD, path, name):
        return
    rows = table_rows(ODD, name) + table_rows(ROBUSTNESS, name)
    assert rows, f"{name} ({path}) is not in a table of docs/odd.md or docs/robustness.md"
    # a row says more than the name and the value: its last cell is the reason
    assert any(len(row.rstrip(" |").rsplit("|", 1)[-1].split()) >= 4 for row in rows), rows


@pytest.mark.parametrize("row", describe(), ids=lambda row: row["name"])
def test_each_parameter_has_a_source_and_is_in_the_odd(row):
    assert row["source"].strip(), f"{row['name']} has no source in sim/params.py"
    assert f"`{row['name']}`" in ODD, f"{row['name']} is not named in docs/odd.md"


def odd_table(heading: str) -> list[list[str]]:
    """The cells of the first table under `heading` in docs/odd.md, header row left out."""
    section = ODD.split(heading, 1)[1]
    rows = []
    for line in ("|" + section.split("\n\n|", 1)[1]).splitlines():
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return [r for r in rows[1:] if not set("".join(r)) <= set("-: ")]


def same_value(cell: str, value) -> bool:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return abs(float(cell.replace(",", "").replace("_", "")) - value) < 1e-9
        except ValueError:
            return False
    return cell.strip("`") == str(value)


ODD_PARAMETERS = {r[0].strip("`"): r for r in odd_table("### 8.1 Parameters")}


@pytest.mark.parametrize("row", describe(), ids=lambda row: row["name"])
def test_the_odd_gives_each_parameter_its_value_in_the_code(row):
    """ODD 8.1's default, unit and range of each parameter are the code's (sim.params), so a
    value changed in the code without the ODD (or the other way round) fails here."""
    cells = ODD_PARAMETERS.get(row["name"])
    assert cells, f"{row['name']} has no row in ODD 8.1"
    name, default, unit, allowed = cells[:4]
    if isinstance(row["default"], (int, float)) and not isinstance(row["default"], bool):
        assert same_value(default, row["default"]), (name, default, row["default"])
        lo, hi = (s.strip() for s in allowed.split("–" if "–" in allowed else "-", 1))
        assert same_value(lo, row["lo"]) and same_value(hi, row["hi"]), (name, allowed)
        assert unit == row["unit"], (name, unit, row["unit"])
    elif row["default"] is None:
        assert default.strip("`") in ("None", "null", "none", "—", "–", "-") or "default" in default
    elif isinstance(row["default"], str):
        assert default.strip("`") == row["default"], (name, default, row["default"])


def test_the_odd_gives_the_sector_data_of_the_code():
    """ODD 8.2's tables are the values of sim/sectors.py: every asset mean, profile number,
    benefit weight, and the TRUST_PRIOR and AGENDA_FIT matrices."""
    from sim import sectors

    names = [p.name for p in sectors.PROFILES]
    table = {r[0]: r[1 : 1 + len(names)] for r in odd_table("### 8.2 Sector data")}
    checked = 0
    for j, profile in enumerate(sectors.PROFILES):
        for a, asset in enumerate(sectors.ASSETS):
            assert same_value(table[f"asset: {asset}"][j], profile.assets[a]), (asset, profile.name)
            checked += 1
        for field in (
            "capacity",
            "meeting_cost",
            "exit_threshold",
            "engagement_rate",
            "claim_propensity",
            "public_trust",
        ):
            assert same_value(table[f"`{field}`"][j], getattr(profile, field)), (
                field,
                profile.name,
            )
            checked += 1
        for benefit in sectors.BENEFITS:
            weight = profile.benefit_weights.get(benefit, 0)
            assert same_value(table[f"benefit: {benefit}"][j], weight), (benefit, profile.name)
            checked += 1
    for matrix in ("TRUST_PRIOR", "AGENDA_FIT"):
        rows = odd_table(f"`{matrix}` (")
        values = getattr(sectors, matrix)
        assert [r[0] for r in rows] == names
        for i, r in enumerate(rows):
            for j in range(len(names)):
                assert same_value(r[1 + j], values[i, j]), (matrix, names[i], names[j])
                checked += 1
    assert checked == len(names) * (len(sectors.ASSETS) + 6 + len(sectors.BENEFITS)) + 2 * 16


def _one_rule_table() -> tuple[list[str], dict[str, list[str]]]:
    """ODD 6.1: the designs named in its header, and each setting's cells (one per design)."""
    section = ODD.split("### 6.1 World settings read by one rule", 1)[1]
    header = next(line for line in section.splitlines() if line.startswith("| setting |"))
    names = [c.strip() for c in header.strip().strip("|").split("|")][2:]
    rows = {}
    for cells in odd_table("### 6.1 World settings read by one rule"):
        for setting in cells[0].split(","):
            rows[setting.strip().strip("`")] = cells[2:]
    return names, rows


def test_every_world_setting_a_design_sets_is_read_by_one_rule():
    """Issue 20, item 6: every setting other than a knob that a design's scenario file sets has
    a row in ODD 6.1 with a cell for each of the seven designs, and each cell opens with the
    value the file gives it (a default in parentheses where the file leaves it)."""
    import yaml

    from sim.params import Params
    from sim.scenarios import SCENARIO_DIR, designs

    names, rows = _one_rule_table()
    assert sorted(names) == sorted(designs()), names
    files = {d: yaml.safe_load((SCENARIO_DIR / f"{d}.yaml").read_text()) for d in designs()}
    settings = {k for values in files.values() for k in values} - set(Params.knobs())
    for setting in sorted(settings):
        assert setting in rows, f"{setting} is set by a design but has no row in ODD 6.1"
        for design, cell in zip(names, rows[setting], strict=True):
            value = files[design].get(setting)
            shown = cell.split(":", 1)[0].strip()
            if value is None:
                assert shown.startswith("("), (setting, design, cell[:60])
            else:
                assert same_value(shown, value), (setting, design, shown, value)
