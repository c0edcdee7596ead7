"""One run function for the CLI, the experiments, the app and the tests.

`run_one(params, seed)` runs a model to its horizon and returns its weekly records and a summary
with provenance (resolved config and its hash, seed, versions, git commit, time).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import platform
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd

from . import limits, resources
from .diagnosis import StallObserver
from .metrics import METRICS
from .model import PartnershipModel
from .outcomes import meets_expectations
from .params import ParameterError, Params, check_seed
from .provenance import git_commit, model_fingerprint, version

# The checkout, where experiments write results/; from an installed wheel, the working folder.
ROOT = resources.ROOT if resources.ROOT is not None else Path.cwd()


# The stall diagnosis in a run's summary (sim.diagnosis.StallObserver's report): one value a run.
# With it, whether the run meets expectations (sim.outcomes), which needs the diagnosis.
STALL_FIELDS = ("stalled", "stall_week", "stall_cause", "best_remedy", "meets_expectations")


@dataclass
class RunResult:
    design: str
    seed: int
    params: Params
    timeseries: pd.DataFrame  # one row per week (0 = the start), one column per metric
    summary: dict[str, Any]
    agents: pd.DataFrame | None = None
    model: PartnershipModel | None = None


def config_dict(params: Params) -> dict[str, Any]:
    """The resolved parameters as plain JSON-ready data."""
    values = dataclasses.asdict(params)
    values["facets"] = {name: list(needs) for name, needs in params.facets}
    values["events"] = [event.as_dict() for event in params.events]  # as the schema writes them
    return values


def config_hash(params: Params) -> str:
    text = json.dumps(config_dict(params), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def time_to_reach(series: pd.Series, level: float) -> int | None:
    """First week at which `series` reaches `level`, or None if it never does."""
    hits = np.flatnonzero(series.to_numpy() >= level)
    return int(series.index[hits[0]]) if hits.size else None


def run_one(
    params: Params,
    seed: int,
    *,
    design: str = "custom",
    collect_agents: bool = False,
    keep_model: bool = False,
    diagnose: bool = True,
) -> RunResult:
    """Run one model from `params` and `seed` to its horizon.

    With `diagnose`, a `sim.diagnosis.StallObserver` watches the run (it never changes it) and
    the summary gains `stalled`, `stall_week`, `stall_cause` and `best_remedy`.
    """
    if not isinstance(params, Params):
        raise ParameterError(
            f"params must be a Params (sim.scenarios.resolve or Params.build "
            f"make one), not {type(params).__name__}"
        )
    seed = check_seed(seed)
    if collect_agents and (problem := limits.memory_problem(params, agent_records=True)):
        raise ParameterError(problem)
    started = time.perf_counter()
    model = PartnershipModel(
        params=params, rng=seed, scenario=design, collect_agents=collect_agents
    )
    observer = StallObserver(model) if diagnose else None
    while model.running:
        model.step()
        if observer is not None:
            observer.observe(model)
    timeseries = model.datacollector.get_model_vars_dataframe()
    timeseries.index.name = "week"
    agents = model.datacollector.get_agent_vars_dataframe() if collect_agents else None
    final = timeseries.iloc[-1]
    summary = {
        "design": design,
        "seed": int(seed),
        "weeks": int(model.steps),
        "final": {m.name: _plain(final[m.name]) for m in METRICS},
        "time_to_half_progress": time_to_reach(timeseries["progress"], 0.5),
        **_diagnosis(observer, float(final["progress"])),
        # the scheduled events as they were carried out (sim.events.apply), in order
        "events": [
            {"week": week, "kind": kind, "detail": detail} for week, kind, detail in model.event_log
        ],
        "config": config_dict(params),
        "provenance": {
            "config_hash": config_hash(params),
            "version": version(),
            "model_fingerprint": model_fingerprint(),
            "git_commit": git_commit(),
            "python": platform.python_version(),
            "mesa": mesa.__version__,
            "numpy": np.__version__,
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds": round(time.perf_counter() - started, 4),
            "completed": True,
        },
    }
    return RunResult(
        design, int(seed), params, timeseries, summary, agents, model if keep_model else None
    )


def _diagnosis(observer: StallObserver | None, final_progress: float) -> dict[str, Any]:
    if observer is None:
        return {}
    report = observer.report()
    report["meets_expectations"] = meets_expectations(final_progress, report["stalled"])
    return {key: report[key] for key in STALL_FIELDS}


def _plain(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return float(value)
    return value
