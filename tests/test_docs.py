"""Every constant in the model's code is documented with its reason (issue 3: "each constant in
the code appears in the ODD with a reason").

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

ROOT = Path(__file__).resolve().parent.parent
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
            numeric = any(isinstance(n, ast.Constant) and type(n.value) in (int, float)
                          for n in ast.walk(value))
            for target in targets:
                if (isinstance(target, ast.Name) and target.id.isupper() and numeric
                        and not target.id.startswith("_")):
                    found.append((str(path.relative_to(ROOT)), target.id))
    return found


def table_rows(text: str, name: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("|") and f"`{name}`" in line]


def defining_paragraph(text: str, path: str, name: str) -> bool:
    """A paragraph that opens with the name ("`NAME` (what it is...") or with its file and name,
    says what it is in at least a sentence and is followed by its table of values."""
    blocks = text.split("\n\n")
    for i, block in enumerate(blocks[:-1]):
        if (block.startswith((f"`{name}` ", f"`{path}`, `{name}` ")) and len(block.split()) >= 15
                and any(b.lstrip().startswith("|") for b in blocks[i + 1:i + 3])):
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
