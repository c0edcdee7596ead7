"""The command line: one run, or a sweep of runs with Hydra's multirun.

    python -m sim scenario=<design> seed=3 transparency=0.9
    python -m sim -m scenario=<design>,<design> 'seed=range(0,3)' orchestration=0,0.5
    python -m sim -m points=my_points.csv 'point=range(0,20)'   # rows of a CSV (sim.cli.points)
    python -m sim --version   # the package's version and the model's fingerprint

(designs: the files in scenarios/; README.md and docs/experiments.md have worked examples)

A thin wrapper around `sim.run.run_one`: it resolves the parameters (configs/config.yaml, whose
keys are the fields of `sim.params.Params`), runs, and writes the run's record with
`sim.cli.records`. In a sweep, a run that raises is recorded (`"completed": false` and the error)
and the others go on; a run whose folder already holds a completed record of the same
configuration is skipped, so re-running a sweep into the same `hydra.sweep.dir` resumes it.

For tests, `SIM_INJECT_FAILURE` makes chosen runs raise: `key=value` conditions joined by `,`
(all must hold; a points row's values count, `label` too), alternatives joined by `;`, or a
config-hash prefix; e.g. `seed=1` or `scenario=<design>,seed=0`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import time
import traceback
import warnings
from datetime import datetime
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.plugins.sweeper import Sweeper
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from sim import provenance
from sim.cli import points, records
from sim.cli.checks import CONFIG_DIR, CONFIG_FILE, EXPERIMENT_BLOCKS, UsageError, check_argv
from sim.diagnosis import CAUSE_LABELS, REMEDY_BY_NAME, STALL_WINDOW
from sim.params import ParameterError, Params, check_seed
from sim.run import config_dict, config_hash, run_one
from sim.scenarios import resolve

INJECT_ENV = "SIM_INJECT_FAILURE"

# configs/hydra/launcher/ray.yaml deliberately takes the place of the plugin's own `ray` config
# (so that `hydra/launcher=ray` can only start a loopback-only Ray); Hydra merges the two and
# warns that this automatic schema matching is deprecated. It works in Hydra 1.3, pinned here.
warnings.filterwarnings(
    "ignore",
    message=r"\s*'hydra/launcher/ray' is validated against "
    "ConfigStore schema with the same name",
    category=UserWarning,
)


@hydra.main(config_path=str(CONFIG_DIR), config_name="config", version_base="1.3")
def main(cfg: DictConfig) -> None:
    """Run the configured job and record it in Hydra's output folder."""
    logging.getLogger("MESA").setLevel(logging.WARNING)
    hc = HydraConfig.get()
    folder = Path(hc.runtime.output_dir)
    sweep = hc.mode == RunMode.MULTIRUN
    overrides = list(hc.overrides.task)
    parameters = parsed_overrides(overrides)
    label = hc.job.override_dirname or "defaults"
    started = time.perf_counter()
    params: Params | None = None
    scenario = cfg.get("scenario")
    row: dict[str, Any] = {}
    try:
        row = point_row(cfg)
        # a point's values are this run's swept parameters; its seed is the run's seed
        parameters.update({k: v for k, v in row.items() if k != "seed"})
        scenario = row.get("scenario", scenario)
        params, seed = params_of(cfg)
        if sweep and records.is_done(folder, config_hash=config_hash(params), seed=seed):
            _progress(hc, label, "already done, skipped", skipped=True)
            return
        if os.environ.get(INJECT_ENV):
            inject_failure({**points.as_dict(cfg, resolve=True), **row}, config_hash(params))
        result = run_one(params, seed, design=scenario)
    except Exception as err:
        with contextlib.suppress(OSError):  # a full disk: the error below still says what failed
            records.write_failure(
                folder,
                scenario=scenario,
                seed=row.get("seed", cfg.get("seed")),
                overrides=overrides,
                parameters=parameters,
                error=err,
                trace=traceback.format_exc(),
                config=config_dict(params) if params else None,
                config_hash=config_hash(params) if params else None,
            )
        if sweep:
            _progress(hc, label, f"FAILED: {type(err).__name__}: {err}")
            return
        if isinstance(err, ParameterError):
            print(f"error: {err}", file=sys.stderr)
            sys.exit(2)
        if isinstance(err, MemoryError):
            print(f"error: the run ran out of memory ({err}); lower its sizes", file=sys.stderr)
            sys.exit(1)
        raise
    try:
        paths = records.write_run(
            folder,
            result,
            scenario=scenario,
            overrides=overrides,
            parameters=parameters,
            quicklook=cfg.get("quicklook", True),
        )
    except OSError as err:  # a full disk, a folder taken away: nothing half-written is left
        message = f"cannot write the run's results to {folder}: {err.strerror or err}"
        if sweep:
            _progress(hc, label, f"FAILED: {message}")
            return
        print(f"error: {message}", file=sys.stderr)
        sys.exit(1)
    if sweep:
        _progress(hc, label, f"completed in {_duration(time.perf_counter() - started)}")
    else:
        print(f"Run written to {folder}:")
        for path in paths.values():
            print(f"  {path}")
        print(verdict(result.summary))


def verdict(summary: dict[str, Any]) -> str:
    """One line on how the run went, from its summary: final progress and systems change, and
    the stall panel's finding (sim.diagnosis) as the workshop app words it; summary.json has
    the rest, `python -m sim_app` the evidence and every remedy's effect."""
    final = summary.get("final", {})
    line = (
        f"Final progress {final.get('progress', float('nan')):.2f}, systems change "
        f"{final.get('systems_change', float('nan')):.2f} after {summary.get('weeks')} weeks."
    )
    if "stalled" not in summary:
        return line
    if not summary["stalled"]:
        weeks = summary.get("weeks") or 0
        if weeks < STALL_WINDOW:
            return f"{line} Too short to judge a stall (that takes {STALL_WINDOW} weeks)."
        return f"{line} Never stalled in {weeks} weeks."
    cause = CAUSE_LABELS.get(str(summary.get("stall_cause")), str(summary.get("stall_cause")))
    line += f" Stalled in week {summary.get('stall_week')}: {cause.lower()}"
    remedy = REMEDY_BY_NAME.get(str(summary.get("best_remedy")))
    return line + (f"; what would restart it: {remedy.label.lower()}." if remedy else ".")


def params_of(cfg: DictConfig) -> tuple[Params, int]:
    """The validated parameters and seed of a composed config (null = the scenario's value).

    A row of a points table (`points`, `point`) is applied on top; the experiment blocks
    (`analysis`, `quick`) are for python -m experiments.<name> and are ignored here.
    """
    values = points.as_dict(cfg, resolve=True)
    for key in (*EXPERIMENT_BLOCKS, "points", "point", "quicklook"):
        values.pop(key, None)
    row = point_row(cfg)
    row.pop(points.LABEL, None)
    scenario = row.pop("scenario", values.pop("scenario"))
    seed = check_seed(values.pop("seed"))
    seed = row.pop("seed", seed)  # a points row's seed (checked when the table was read)
    values.update(row)
    return resolve(scenario, **{k: v for k, v in values.items() if v is not None}), seed


def point_row(cfg: DictConfig) -> dict[str, Any]:
    """The values of the run's row of its points table ({} without one); `label` included."""
    path, point = cfg.get("points"), cfg.get("point")
    if path is None and point is None:
        return {}
    if path is None or point is None:
        raise ParameterError(
            f"points={path!r} and point={point!r}: give both, a CSV file and the row of it to run"
        )
    table = points.read(path, "the run's config")
    return table.values(table.check_index(point, "the run's config"))


def parsed_overrides(overrides: list[str]) -> dict[str, Any]:
    """This run's overrides as {key: typed value}: the swept parameters of a sweep."""
    parsed = OverridesParser.create().parse_overrides(overrides)
    return {o.key_or_group: o.value() for o in parsed if not o.is_delete()}


def inject_failure(cfg: dict[str, Any], chash: str) -> None:
    """Raise if SIM_INJECT_FAILURE selects this run (a test hook; see the module docstring).

    `cfg` is the run's settings, a points row's values included."""
    spec = os.environ.get(INJECT_ENV, "").strip()
    for alternative in filter(None, (a.strip() for a in spec.split(";"))):
        conditions = [c.strip() for c in alternative.split(",") if c.strip()]
        if all(_holds(c, cfg, chash) for c in conditions):
            raise RuntimeError(f"failure injected by {INJECT_ENV}={spec!r}")


def _holds(condition: str, cfg: dict[str, Any], chash: str) -> bool:
    if "=" not in condition:
        return len(condition) >= 6 and chash.startswith(condition)
    key, value = condition.split("=", 1)
    return key in cfg and str(cfg[key]) == value


def _progress(hc: Any, label: str, status: str, skipped: bool = False) -> None:
    """One line per run of a sweep: how many of the sweep's runs have a record. A run skipped
    on a resume adds no record, so its line says so rather than repeat the same count."""
    done, total = records.sweep_progress(Path(hc.sweep.dir))
    count = f"{done}/{total or '?'}"
    if skipped:
        print(f"[skipped] {label}: {status} ({count} runs of the sweep recorded)", flush=True)
    else:
        print(f"[{count}] {label}: {status}", flush=True)


def _duration(seconds: float) -> str:
    """`0.04 s` reads as nothing at all as `0.0 s`: milliseconds below a tenth of a second."""
    return f"{seconds * 1000:.0f} ms" if seconds < 0.1 else f"{seconds:.1f} s"


def local_ray_on_loopback(argv: list[str]) -> None:
    """Keep a local Ray instance on the loopback address.

    Ray 2.60 turns a node IP of 127.0.0.1 into the machine's network address
    (`ray._private.services.resolve_ip_for_localhost`), so `_node_ip_address: 127.0.0.1` alone
    still leaves its servers listening on every interface. With Ray's "no cluster" switch it
    takes 127.0.0.1 as the node's address and binds every server there. Set only when this
    command starts a local instance (no `...ray.init.address=`), and never over a user's value.
    """
    if "hydra/launcher=ray" in argv and not any(
        a.startswith("hydra.launcher.ray.init.address=") and a.split("=", 1)[1] != "null"
        for a in argv
    ):
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")


def compose_first_job_only() -> None:
    """Let Hydra's sweeper compose only the first job of each batch before launching it.

    BasicSweeper composes the config of every job of a batch in this process before handing
    the batch to the launcher (`Sweeper.validate_batch_is_legal`), and the launcher composes
    each again where the job runs. That check takes about 0.1 s a job, one job after another
    while every core waits: 20 s before the first run of a 210-run sweep starts, two minutes
    for a Sobol sample. `check_argv` has already checked every key and value of every job; the
    first job's composition still catches what it cannot see (a bad hydra.* setting). Hydra's
    own comment there says the check "can potentially allow disabling from the config"; it
    does not in 1.3, hence this wrapper. It is set on the base class, `Sweeper`: Hydra's
    plugin scan executes the module defining BasicSweeper again, making a new class.
    """
    if getattr(Sweeper.validate_batch_is_legal, "first_job_only", False):
        return
    check_all = Sweeper.validate_batch_is_legal

    def check_first(self: Sweeper, batch: Any) -> None:
        check_all(self, batch[:1])

    check_first.first_job_only = True  # type: ignore[attr-defined]
    Sweeper.validate_batch_is_legal = check_first  # type: ignore[method-assign]


def run_folder(argv: list[str]) -> list[str]:
    """`argv` with its single run's folder chosen and claimed now: a flat name, and one of its
    own even when another run of the same scenario and seed starts in the same second.

    A single run's folder is named by configs/config.yaml's `hydra.run.dir` pattern: the time
    to the second, the scenario and the seed. Two runs of one scenario and seed started in the
    same second (different knobs, from a script) would share it, the second overwriting the
    first's files; so the folder is made here (`os.mkdir` is atomic) and, when the name is
    taken, `-2`, `-3` ... is added. A scenario named by a path gets a flat name
    (`scenario=workshop/<preset>` gives `workshop-<preset>`, a .yaml path its file name) rather
    than folders of folders. Left as it is: a sweep (its runs are named by their overrides), an
    experiment file, a command that chooses its own folder, one with a flag (`--cfg`,
    `--help`: nothing runs), and a pattern with other interpolations.
    """
    if any(a.startswith("-") or "experiment=" in a or a.startswith("hydra.run.dir=") for a in argv):
        return argv
    config = OmegaConf.load(CONFIG_FILE)
    pattern = points.as_dict(config.hydra.run, resolve=False)["dir"]
    given = parsed_overrides([a for a in argv if a.startswith(("scenario=", "seed="))])
    name = str(given.get("scenario", config.scenario))
    if "/" in name or name.endswith((".yaml", ".yml")):
        name = Path(name).stem if name.endswith((".yaml", ".yml")) else name.replace("/", "-")
        name = re.sub(r"[^\w.-]+", "-", name).strip(".-") or "scenario"
    now = datetime.now()
    folder = re.sub(r"\$\{now:([^}]*)\}", lambda m: now.strftime(m.group(1)), pattern)
    folder = folder.replace("${scenario}", name).replace(
        "${seed}", str(given.get("seed", config.seed))
    )
    if "${" in folder:
        return argv
    claimed, k = Path(folder), 1
    while True:
        try:
            claimed.mkdir(parents=True)
            break
        except FileExistsError:
            k += 1
            claimed = Path(f"{folder}-{k}")
    return [*argv, f"hydra.run.dir={claimed}"]


def cli() -> None:
    """Check the command line, then hand it to Hydra (`--version`: say which code this is,
    and stop before Hydra starts)."""
    if "--version" in sys.argv[1:]:
        print(provenance.describe())
        sys.exit(0)
    try:
        for note in check_argv(sys.argv[1:]):
            print(f"note: {note}", file=sys.stderr)
    except (UsageError, ParameterError) as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    sys.argv[1:] = run_folder(sys.argv[1:])
    local_ray_on_loopback(sys.argv[1:])
    compose_first_job_only()
    main()


if __name__ == "__main__":
    cli()
