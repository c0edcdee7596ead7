"""The YAML files people write (scenarios, experiments) read as plain data, within bounds.

Such a file is data: nothing in it may make the program import or call code. YAML's Python
tags (`!!python/object`) are refused by the safe loader; Hydra's instantiation keys
(`_target_` and its companions) and interpolation resolvers (`${oc.env:...}`) are refused here,
wherever they appear. Reading is bounded, so a hostile or broken file stops with one clear
line instead of a hang or a traceback: at most `MAX_BYTES` of UTF-8 text, `MAX_DEPTH` levels
of nesting and `MAX_VALUES` values once YAML aliases are expanded (a "billion laughs" file
defines nine aliases and expands to a billion strings), and no key given twice.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from .params import ParameterError, shown

MAX_BYTES = 1 << 20
MAX_DEPTH = 32
MAX_VALUES = 100_000
CODE_KEYS = ("_target_", "_partial_", "_args_", "_recursive_", "_convert_")
# ${now:...} formats the time and ${hydra:...} reads Hydra's own settings: neither runs code
SAFE_RESOLVERS = ("now", "hydra")
_RESOLVER = re.compile(r"\$\{\s*([^\s:}]*)\s*:")


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, counting nesting and values (aliases expanded) as it composes."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.depth = 0
        self.values = 0
        self.expanded: dict[int, int] = {}  # id(node) -> values in it, aliases expanded

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            node = super().compose_node(parent, index)
            self._count(self.expanded.get(id(node), 1), node)
            return node
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _TooBig(f"is nested more than {MAX_DEPTH} levels deep", self.peek_event())
        before = self.values
        node = super().compose_node(parent, index)
        self.depth -= 1
        self._count(1, node)
        self.expanded[id(node)] = self.values - before
        return node

    def _count(self, n: int, node) -> None:
        self.values += n
        if self.values > MAX_VALUES:
            raise _TooBig(
                f"holds more than {MAX_VALUES} values once its aliases (*name) are expanded", node
            )

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<: *defaults`: keys given after it override the merged ones
            key = self.construct_object(key_node, deep=True)
            try:
                twice = key in seen
                seen.add(key)
            except TypeError:
                continue  # an unhashable key: the safe loader refuses it below
            if twice:
                raise _TooBig(f"gives the key {shown(key)} twice", key_node)
        return super().construct_mapping(node, deep=deep)


class _TooBig(yaml.YAMLError):
    def __init__(self, problem: str, where: Any):
        mark = getattr(where, "start_mark", None)
        super().__init__(problem + (f" (line {mark.line + 1})" if mark else ""))


def read_text(path: Path, what: str, limit: int, hint: str = "") -> str:
    """The text of a small file, read with a bound: `what` names the file in messages (e.g.
    "scenario file x.yaml"), `limit` is its largest size in bytes, `hint` says why."""
    try:
        with Path(path).open("rb") as stream:
            raw = stream.read(limit + 1)
    except OSError as err:
        raise ParameterError(f"{what} cannot be read: {err.strerror or err}") from None
    if len(raw) > limit:
        size = f"{limit >> 20} MiB" if limit >= 1 << 20 else f"{limit >> 10} KiB"
        raise ParameterError(f"{what} is larger than {size}{hint}")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ParameterError(
            f"{what} is not UTF-8 text (byte {raw[err.start]:#04x} at position {err.start})"
        ) from None


def read(path: Path, kind: str) -> Any:
    """The data in the YAML file `path` (a `kind` such as "scenario file", for messages)."""
    where = f"{kind} {path}"
    text = read_text(path, where, MAX_BYTES, ": a scenario or experiment file lists a few settings")
    return loads(text, where)


def loads(text: str, where: str) -> Any:
    """The data in YAML `text`, bounded as the module says; refused with ParameterError."""
    loader = None
    try:
        loader = _BoundedLoader(text)  # reading starts here: it refuses control characters
        return loader.get_single_data()
    except _TooBig as err:
        raise ParameterError(f"{where} {err}") from None
    except yaml.YAMLError as err:
        raise ParameterError(f"{where} is not valid YAML: {_one_line(err)}") from None
    except (ValueError, RecursionError, MemoryError) as err:
        # e.g. a whole number of more than 4300 digits (Python's limit on reading them)
        raise ParameterError(
            f"{where} holds a value that cannot be read: {str(err).splitlines()[0][:200]}"
        ) from None
    finally:
        if loader is not None:
            loader.dispose()


def _one_line(err: yaml.YAMLError) -> str:
    if isinstance(err, yaml.MarkedYAMLError):
        mark = err.problem_mark or err.context_mark
        problem = err.problem or err.context or "unreadable"
        if mark is not None:
            return f"{problem} (line {mark.line + 1}, column {mark.column + 1})"
        return problem
    return " ".join(str(err).split())[:300]


def refuse_code(data: Any, where: str, path: str = "") -> None:
    """Refuse Hydra instantiation keys and interpolation resolvers anywhere in `data`."""
    if isinstance(data, dict):
        for key, value in data.items():
            here = f"{path}.{key}" if path else str(key)
            if key in CODE_KEYS:
                raise ParameterError(
                    f"{where}: the key {here!r} would make Hydra import and call code; "
                    "scenario and experiment files are data (parameters and sweeps) only"
                )
            refuse_code(value, where, here)
    elif isinstance(data, (list, tuple)):
        for i, value in enumerate(data):
            refuse_code(value, where, f"{path}[{i}]")
    elif isinstance(data, str) and "${" in data:
        for name in _RESOLVER.findall(data):
            if name not in SAFE_RESOLVERS:
                raise ParameterError(
                    f"{where}: {path or 'a value'}={shown(data)} calls the resolver {name!r}; "
                    "scenario and experiment files are data, so only plain references "
                    f"(${{key}}) and the {', '.join(SAFE_RESOLVERS)} resolvers are allowed"
                )
