"""How much memory a run needs, against how much the machine has: a size too big is refused
before any work starts. `PartnershipModel(...)` calls `memory_problem` once per model (so do
`sim.run.run_one`, for agent records, and the command line's check of a sweep's combinations,
`sim.cli.checks`, before its first run); `Params.build` does not, so building many Params never
reads the host's memory.

The estimate is the peak the run's own arrays and records reach, measured with tracemalloc on
this code (November 2026) and rounded up; it leaves out the interpreter and its libraries,
which are loaded already. Per unit:

- the public: `PUBLIC_BYTES` a person (three arrays of people, and a week's temporaries);
- organisations: `ORG_BYTES` each, members and recruitment pool alike (`Organisations`);
- members: `MEMBER_BYTES` each (the Mesa agent, metrics over members) plus trust: every
  working group of k = min(working_group_size, organisations) slots holds k x k levels and
  caps, and a week's update makes temporaries of the same shape (`TRUST_PAIR_BYTES` a slot
  pair, `sim.trust.TrustMatrix`); members are counted at the most recruitment can bring in;
- records: `STEP_BYTES` a week for the model's metrics, and `AGENT_RECORD_BYTES` a member and
  week when agent records are collected (`PartnershipModel(collect_agents=True)`).

The memory available is MemAvailable in /proc/meminfo, or less if the process's cgroup caps
it, or the environment variable SIM_MEMORY_LIMIT (bytes, or with a unit: 512M, 8G) if set.
A sweep running several runs at once needs this much for each of them.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any

from .sectors import SECTORS

PUBLIC_BYTES = 40
ORG_BYTES = 260  # 0.2: fatigue, reliability and a week's temporaries of each
MEMBER_BYTES = 2_600
TRUST_PAIR_BYTES = 70
STEP_BYTES = 2_000  # 0.2: 42 metrics a week, from 23
AGENT_RECORD_BYTES = 700
LIMIT_ENV = "SIM_MEMORY_LIMIT"
_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def most_members(params: Any) -> int:
    """The most members the partnership can have: its founders, and as many of the pool as
    its recruitment rate could bring in over the horizon (a Poisson rate's far tail)."""
    founders = sum(getattr(params, f"members_{s}") for s in SECTORS)
    rate = params.network_intro_rate + params.curated_intro_rate * params.curation
    weekly = rate + 6 * math.sqrt(rate) + 6
    recruits = math.ceil(weekly * params.steps)
    return founders + min(params.pool_per_sector * len(SECTORS), recruits)


def estimate(params: Any, *, agent_records: bool = False) -> dict[str, int]:
    """Peak bytes of one run, by part: public, organisations, members, trust, records."""
    organisations = sum(getattr(params, f"members_{s}") for s in SECTORS) + (
        params.pool_per_sector * len(SECTORS)
    )
    members = most_members(params)
    k = max(1, min(params.working_group_size, organisations))
    slot_pairs = math.ceil(members / k) * k * k
    records = STEP_BYTES * (params.steps + 1)
    if agent_records:
        records += AGENT_RECORD_BYTES * members * (params.steps + 1)
    return {
        "public": PUBLIC_BYTES * params.public_size,
        "organisations": ORG_BYTES * organisations,
        "members": MEMBER_BYTES * members,
        "trust": TRUST_PAIR_BYTES * slot_pairs,
        "records": records,
    }


# the fields that set each part's size, for the message
_FIELDS = {
    "public": "public_size",
    "organisations": "members_<sector>, pool_per_sector",
    "members": "members_<sector>, pool_per_sector, steps",
    "trust": "working_group_size, members_<sector>, pool_per_sector",
    "records": "steps",
}


def available_memory() -> tuple[int | None, str]:
    """(bytes a new run may use, where that figure comes from); None if unknown."""
    setting = os.environ.get(LIMIT_ENV, "").strip()
    if setting:
        return parse_size(setting), f"{LIMIT_ENV}={setting}"
    found: list[tuple[int, str]] = []
    try:
        meminfo = Path("/proc/meminfo").read_text()
        kib = re.search(r"^MemAvailable:\s+(\d+)\s*kB", meminfo, re.MULTILINE)
        if kib:
            found.append((int(kib.group(1)) * 1024, "MemAvailable in /proc/meminfo"))
    except OSError:
        pass
    if not found:
        try:
            pages = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
            found.append((pages, "the free physical memory (sysconf)"))
        except (OSError, ValueError, AttributeError):
            pass
    cgroup = _cgroup_room()
    if cgroup is not None:
        found.append((cgroup, "this process's cgroup memory limit"))
    return min(found) if found else (None, "unknown")


def _cgroup_room() -> int | None:
    """Memory left under the cgroup's limit (v2, else v1), or None if there is no limit."""
    for limit_file, usage_file in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        (
            "/sys/fs/cgroup/memory/memory.limit_in_bytes",
            "/sys/fs/cgroup/memory/memory.usage_in_bytes",
        ),
    ):
        try:
            limit = Path(limit_file).read_text().strip()
            usage = int(Path(usage_file).read_text().strip())
        except (OSError, ValueError):
            continue
        if limit.isdigit() and int(limit) < 2**60:  # v1 writes a huge number for "no limit"
            return max(int(limit) - usage, 0)
    return None


def parse_size(text: str) -> int:
    """Bytes of `text` such as 1073741824, 512M, 8G or 1.5GiB."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([KMGT]?)(?:i?B)?\s*", text, re.IGNORECASE)
    if not match:
        raise ValueError(f"{LIMIT_ENV}={text!r} is not a size: give bytes, or e.g. 512M or 8G")
    return int(float(match.group(1)) * _UNITS[match.group(2).upper()])


def human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError  # unreachable


def memory_problem(
    params: Any, *, agent_records: bool = False, available: tuple[int | None, str] | None = None
) -> str | None:
    """Why this run would not fit in memory, or None if it would (or memory is unknown).

    `available`: `available_memory()` read once for many checks; read now if not given."""
    try:
        room, source = available_memory() if available is None else available
    except ValueError as err:
        return str(err)
    if room is None:
        return None
    parts = estimate(params, agent_records=agent_records)
    need = sum(parts.values())
    if need <= room:
        return None
    biggest = sorted(parts, key=lambda part: parts[part], reverse=True)
    detail = "; ".join(
        f"{part} {human(parts[part])} ({_FIELDS[part]})"
        for part in biggest
        if parts[part] >= need / 100
    )
    sizes = ", ".join(
        f"{name}={getattr(params, name)}"
        for name in (
            "public_size",
            *(f"members_{s}" for s in SECTORS),
            "pool_per_sector",
            "working_group_size",
            "steps",
        )
    )
    return (
        f"this run would need about {human(need)} of memory, more than the {human(room)} "
        f"available ({source}): {detail}. Sizes: {sizes}. Lower the fields named for the "
        f"largest part{', or collect no agent records' if agent_records else ''}"
    )
