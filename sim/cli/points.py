"""A table of points: runs that are not a grid (one knob removed at a time, a Latin hypercube,
SALib's Morris or Sobol samples), as a CSV file that `python -m sim` reads row by row.

    python -m sim -m points=my_points.csv 'point=range(0,20)' 'seed=range(0,3)'

The first line names the columns: fields of `sim.params.Params`, `scenario`, `seed` (the run's
seed, in place of the command line's) and `label` (a name recorded with the run, such as an
ablation's variant, and not passed to the model). Each
later line is one point; `point=<row>` (0 = the first line after the header) selects it, and
its values are applied on top of the run's other settings before they are validated. An empty
cell leaves that setting as it is; any other cell is read as the value of `key=value` on the
command line (`0.5`, `12`, `business`, `null`, `{rules:[authority]}`).

The file is data, read within bounds (`MAX_BYTES`, `MAX_ROWS`); a bad column, cell or row
number stops the command with one line naming the file, the row, the column, the value and
what is allowed (`sim.cli.checks` checks every row before the first run starts).
"""

from __future__ import annotations

import csv
import difflib
import io
import numbers
import os
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from omegaconf import OmegaConf

from sim import datafile
from sim.params import ParameterError, Params, check_seed, shown
from sim.params import _check as check_field
from sim.resources import DATA_ROOT

ROOT = DATA_ROOT
LABEL = "label"  # recorded with the run, not passed to the model
MAX_BYTES = 16 << 20
MAX_ROWS = 100_000
_FIELDS = {f.name: f for f in fields(Params)}
_PARSER = OverridesParser.create()


def as_dict(config: Any, *, resolve: bool) -> dict[str, Any]:
    """A config node (a mapping) as a plain dict."""
    values = OmegaConf.to_container(config, resolve=resolve)
    assert isinstance(values, dict), f"expected a mapping, got {type(values).__name__}"
    return {str(k): v for k, v in values.items()}


def columns_allowed() -> list[str]:
    return [LABEL, "scenario", "seed", *_FIELDS]


def locate(path: Any, source: str | None = None) -> Path:
    """The file a `points` value names: an absolute path, or a path relative to the current
    folder or, failing that, to the project folder (so experiment files work from anywhere)."""
    where = f" (from {source})" if source else ""
    if isinstance(path, os.PathLike):
        path = os.fspath(path)
    if not isinstance(path, str) or not path.strip():
        raise ParameterError(
            f"points={shown(path)}{where} is not a file name: give the path "
            "of a CSV file with one row per point (or null for none)"
        )
    given = Path(path)
    candidates = [given] if given.is_absolute() else [Path.cwd() / given, ROOT / given]
    for candidate in candidates:
        try:
            if candidate.is_file():
                return candidate.resolve()
        except (OSError, ValueError):  # a name too long, or with a NUL
            continue
    looked = " or ".join(str(c) for c in dict.fromkeys(candidates))
    raise ParameterError(f"points={shown(path)}{where}: no such file (looked for {looked})")


@dataclass(frozen=True)
class Points:
    """A points file: its column names and its rows of raw cells."""

    path: Path
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    lines: tuple[int, ...]  # each row's line in the file (1 = the header), for messages

    @property
    def where(self) -> str:
        try:
            return str(self.path.relative_to(ROOT))
        except ValueError:
            return str(self.path)

    def __len__(self) -> int:
        return len(self.rows)

    def row_where(self, index: int, column: str | None = None) -> str:
        where = f"points file {self.where}, point={index} (line {self.lines[index]})"
        return f"{where}, column {column}" if column else where

    def check_index(self, point: Any, source: str = "the command line") -> int:
        """`point` as a row number of this file, or a ParameterError saying what is allowed."""
        if (
            isinstance(point, bool)
            or not isinstance(point, numbers.Integral)
            or not 0 <= int(point) < len(self.rows)
        ):
            raise ParameterError(
                f"point={shown(point)} (from {source}) is not a row of points file "
                f"{self.where}: it has {len(self.rows)} rows, so point must be a whole number "
                f"from 0 to {len(self.rows) - 1}"
            )
        return int(point)

    def values(self, index: int) -> dict[str, Any]:
        """Row `index` as {column: value}, every value checked; empty cells left out."""
        found = {}
        for column, cell in zip(self.columns, self.rows[index], strict=True):
            where = self.row_where(index, column)
            if cell.strip() == "":
                continue
            if column == LABEL:  # a name, kept as written
                found[column] = cell.strip()
                continue
            value = _cell_value(column, cell, where)
            if column == "scenario":
                if not isinstance(value, str):
                    raise ParameterError(
                        f"scenario={shown(value)} (from {where}) is not a scenario name"
                    )
            elif column == "seed":
                try:
                    value = check_seed(value)
                except ParameterError as err:
                    raise ParameterError(f"{err} (from {where})") from None
            elif value is not None:
                value = check_field(_FIELDS[column], value, where)
                if column == "facets":  # as the command line gives it: a mapping of lists
                    value = {name: list(needs) for name, needs in value}
                elif column == "events":  # a list of mappings, as the command line gives it
                    value = [event.as_dict() for event in value]
            found[column] = value
        return found


def _cell_value(column: str, cell: str, where: str) -> Any:
    """A cell read as the value of `column=cell` on the command line."""
    text = f"{column}={cell.strip()}"
    try:
        override = _PARSER.parse_overrides([text])[0]
    except (HydraException, ValueError, RecursionError) as err:
        first = str(err).strip().splitlines()[0][:120] if str(err).strip() else type(err).__name__
        raise ParameterError(f"cannot read {shown(text)} (from {where}): {first}") from None
    if override.is_sweep_override():
        raise ParameterError(
            f"{shown(text)} (from {where}) lists several values: a cell holds "
            "one value (quote a cell with commas in it, and make each value "
            "its own row)"
        )
    value = override.value()
    return OmegaConf.to_container(value) if OmegaConf.is_config(value) else value


def read(path: Any, source: str | None = None) -> Points:
    """Read and check the shape of a points file: known, distinct columns; full rows."""
    located = locate(path, source)
    return _read(located, located.stat().st_mtime_ns)


@lru_cache(maxsize=8)  # a worker runs many points of the same file
def _read(path: Path, _mtime: int) -> Points:
    shown_path = _shown_path(path)
    text = datafile.read_text(path, f"points file {shown_path}", MAX_BYTES)
    reader = csv.reader(io.StringIO(text, newline=""))
    lines, numbers_ = [], []
    try:
        for line in reader:
            if any(cell.strip() for cell in line):  # blank lines are not points
                lines.append(line)
                numbers_.append(reader.line_num)
    except csv.Error as err:
        raise ParameterError(
            f"points file {shown_path} is not a CSV file: {err} (line {reader.line_num})"
        ) from None
    if not lines:
        raise ParameterError(
            f"points file {shown_path} is empty: its first line names the "
            f"columns, e.g. {LABEL},orchestration,curation"
        )
    header = tuple(cell.strip() for cell in lines[0])
    _check_header(header, shown_path)
    rows = tuple(tuple(line) for line in lines[1:])
    if not rows:
        raise ParameterError(f"points file {shown_path} has a header but no rows")
    if len(rows) > MAX_ROWS:
        raise ParameterError(
            f"points file {shown_path} has {len(rows)} rows, more than {MAX_ROWS}: split it"
        )
    for index, row in enumerate(rows):
        if len(row) != len(header):
            raise ParameterError(
                f"points file {shown_path}, point={index} (line {numbers_[index + 1]}) has "
                f"{len(row)} cells but the header names {len(header)} columns "
                f"({','.join(header)})"
            )
    return Points(path, header, rows, tuple(numbers_[1:]))


def _check_header(header: tuple[str, ...], where: str) -> None:
    allowed = columns_allowed()
    for number, column in enumerate(header):
        if column not in allowed:
            close = difflib.get_close_matches(column, allowed, n=3)
            hint = f" Did you mean {' or '.join(close)}?" if close else ""
            raise ParameterError(
                f"points file {where}: unknown column {shown(column)} (column {number + 1})."
                f"{hint} Allowed columns: {', '.join(allowed)}"
            )
        if column in header[:number]:
            raise ParameterError(f"points file {where}: column {shown(column)} is given twice")


def _shown_path(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)
