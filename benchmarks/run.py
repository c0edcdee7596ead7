"""`make bench`: the model's speed and scale (issue 6), printed as a table and written to
benchmarks/results.json.

Everything is measured in this one process, each figure the median of repeats after a warm-up,
except what must be measured alone: peak memory and the city-scale run run in a fresh
subprocess each (so the peak is theirs), and the `compare` experiment runs as its own command.

- the default `impact_partnership` run: weeks per second, whole runs (`run_one`) per second;
- agent-weeks per second at 100, 1,000 and 10,000 members (the Impact Partnership scaled up,
  `benchmarks.sizes.scaled`) next to the agent-steps per second of Mesa's own Boltzmann wealth
  example at as many agents, measured here too: the ratio is the figure that counts;
- the cost of one week against members (100 -> 10,000) and against the public (10^3 -> 10^6),
  with the fitted log-log slope (1 is linear);
- peak memory at the largest sizes, and the city-scale run (10,000 members, 1,000,000 people,
  156 weeks): wall time and peak memory;
- the `compare` experiment's wall time with 1 and 2 workers, and the throughput of the same 210
  runs through `experiments.kit.engine.run_many` with 1 and 2 workers.

An agent-week is one member simulated for one week; members who leave stop counting.

    python -m benchmarks.run [--quick] [--repeats N] [--only SECTION ...] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from sim.model import PartnershipModel
from sim.run import ROOT, git_commit, run_one
from sim.scenarios import resolve

from .sizes import DESIGN, scaled

RESULTS = Path(__file__).resolve().parent / "results.json"
MEMBERS = (100, 300, 1_000, 3_000, 10_000)  # the slope is fitted over all of these
COMPARED = (100, 1_000, 10_000)  # agent counts compared with Boltzmann
PUBLIC = (1_000, 10_000, 100_000, 1_000_000)
CITY = {"members": 10_000, "public_size": 1_000_000, "steps": 156}
TIMED_WEEKS = 26  # weeks timed per repeat of a scaled model, after one warm-up week
TARGETS = {
    "boltzmann_ratio_at_10000": ">= 5",
    "slope_members": "<= 1.1",
    "slope_public": "<= 1.1",
    "city_seconds": "< 120",
    "city_peak_mib": "< 2048",
    "default_run_seconds": "< 0.2",
    "two_worker_speedup": ">= 1.7",
}


def medians(measure: Callable[[int], dict[str, float]], repeats: int) -> dict[str, float]:
    """Medians of the figures of `repeats` calls of measure(seed), after one warm-up call."""
    measure(repeats)  # warm-up, on a seed the timed repeats do not use
    runs = [measure(seed) for seed in range(repeats)]
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


# --- the default run ---------------------------------------------------------------------


def default_run(repeats: int) -> dict[str, float]:
    params = resolve(DESIGN)

    def measure(seed: int) -> dict[str, float]:
        model = PartnershipModel(params=params, rng=seed, collect_agents=False)
        started = time.perf_counter()
        while model.running:
            model.step()
        stepping = time.perf_counter() - started
        started = time.perf_counter()
        run_one(params, seed, design=DESIGN)
        return {
            "weeks_per_second": params.steps / stepping,
            "run_seconds": time.perf_counter() - started,
        }

    result = medians(measure, repeats)
    return {"weeks": params.steps, **result, "runs_per_second": 1.0 / result["run_seconds"]}


# --- weekly cost at scale, and Mesa's Boltzmann example beside it -----------------------


def our_weeks(members: int, public_size: int) -> Callable[[int], dict[str, float]]:
    """A measurement of the scaled Impact Partnership: a model built (untimed), one week of
    warm-up, then TIMED_WEEKS weeks timed."""
    params = scaled(members, public_size)

    def measure(seed: int) -> dict[str, float]:
        model = PartnershipModel(params=params, rng=seed, collect_agents=False)
        model.step()
        counted = 0
        started = time.perf_counter()
        for _ in range(TIMED_WEEKS):
            model.step()
            counted += model.members
        seconds = time.perf_counter() - started
        return {
            "mean_members": counted / TIMED_WEEKS,
            "seconds_per_week": seconds / TIMED_WEEKS,
            "agent_weeks_per_second": counted / seconds,
        }

    return measure


def boltzmann_steps(agents: int) -> Callable[[int], dict[str, float]]:
    """A measurement of Mesa's Boltzmann wealth example as shipped (one agent per cell, as in
    its default of 100 agents on 10 x 10, with its own data collection every step)."""
    from mesa.examples import BoltzmannWealth
    from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario

    side = math.ceil(math.sqrt(agents))
    steps = max(5, 20_000 // agents)

    def measure(seed: int) -> dict[str, float]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the example uses Mesa's experimental recorder
            model = BoltzmannWealth(BoltzmannScenario(n=agents, width=side, height=side, rng=seed))
            model.step()
            started = time.perf_counter()
            for _ in range(steps):
                model.step()
            return {"agent_steps_per_second": agents * steps / (time.perf_counter() - started)}

    return measure


def week_cost(members: int, public_size: int, repeats: int) -> dict[str, float]:
    """Seconds per week and agent-weeks per second of the scaled Impact Partnership."""
    return {
        "members": members,
        "public_size": public_size,
        **medians(our_weeks(members, public_size), repeats),
    }


def against_boltzmann(members: int, repeats: int) -> dict[str, float]:
    """Our model and Boltzmann's at the same agent count, measured in turns (ours, theirs,
    ours, ...) so that a busy machine slows both alike; the ratio is the median of the pairs."""
    ours, theirs = our_weeks(members, 10_000), boltzmann_steps(members)

    def pair(seed: int) -> dict[str, float]:
        result = {**ours(seed), **theirs(seed)}
        result["ratio"] = result["agent_weeks_per_second"] / result["agent_steps_per_second"]
        return result

    return {"members": members, "public_size": 10_000, **medians(pair, repeats)}


def slope(sizes: list[float], seconds: list[float]) -> float | None:
    """Fitted slope of log(cost) against log(size): 1 is linear, 2 all-pairs."""
    if len(sizes) < 2:
        return None
    return float(np.polyfit(np.log(sizes), np.log(seconds), 1)[0])


# --- subprocesses: peak memory, the city-scale run, the compare experiment ---------------

# Peak memory is the child's VmHWM (peak resident set of its own address space): its
# ru_maxrss would include the parent's, inherited across fork and exec.
CHILD = """
import json, re, sys, time
started = time.perf_counter()
from benchmarks.sizes import scaled
from sim.model import PartnershipModel
members, public_size, steps = (int(a) for a in sys.argv[1:4])
model = PartnershipModel(params=scaled(members, public_size, steps=steps), rng=0,
                         collect_agents=False)
built = time.perf_counter()
while model.running:
    model.step()
json.dump({"build_seconds": built - started, "run_seconds": time.perf_counter() - built,
           "members_end": model.members,
           "peak_mib": int(re.search(r"VmHWM:\\s+(\\d+) kB",
                                     open("/proc/self/status").read()).group(1)) / 1024},
          sys.stdout)
"""


def in_subprocess(members: int, public_size: int, steps: int) -> dict[str, float]:
    """A run in a fresh Python: wall time from launch to exit, and its peak memory (RSS)."""
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(members), str(public_size), str(steps)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout)
    result["wall_seconds"] = time.perf_counter() - started
    return result


def compare_experiment() -> dict[str, Any]:
    """Wall time of `python -m experiments.compare --no-fair` (210 runs, tables, plots, report;
    without the runs at equal resources, so the figure stays comparable with earlier ones) with
    1 and 2 workers, and the throughput of its 210 runs alone through `run_many`."""
    if not (ROOT / "experiments" / "compare.py").is_file():
        return {"skipped": "experiments/compare.py does not exist"}
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for jobs in (1, 2):
            started = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "experiments.compare",
                    "--no-fair",
                    "--jobs",
                    str(jobs),
                    "--out",
                    str(Path(tmp) / f"jobs{jobs}"),
                ],
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
            )
            result[f"wall_seconds_{jobs}"] = time.perf_counter() - started
    result["wall_speedup"] = result["wall_seconds_1"] / result["wall_seconds_2"]

    from experiments.kit.engine import jobs_for, run_many
    from sim.scenarios import designs

    jobs = jobs_for(designs(), 30)
    run_many(jobs[:4], 2, progress=False, final_only=True)  # start the workers first

    def throughput(workers: int) -> float:
        started = time.perf_counter()
        run_many(jobs, workers, progress=False, final_only=True)
        return len(jobs) / (time.perf_counter() - started)

    # in turns, three times, so that a busy machine slows both alike
    pairs = [(throughput(1), throughput(2)) for _ in range(3)]
    result["runs"] = len(jobs)
    result["runs_per_second_1"] = statistics.median(one for one, _ in pairs)
    result["runs_per_second_2"] = statistics.median(two for _, two in pairs)
    result["sweep_speedup"] = statistics.median(two / one for one, two in pairs)
    return result


# --- the table ---------------------------------------------------------------------------

SECTIONS = ("default", "members", "public", "memory", "city", "compare")


def measure_all(repeats: int, quick: bool, only: set[str]) -> dict[str, Any]:
    """Every section in `only`; `quick` keeps to small sizes and skips the subprocesses."""
    if quick:
        only = only - {"memory", "city", "compare"}
    results: dict[str, Any] = {"environment": environment()}
    base = sum(resolve(DESIGN).initial_members.values())
    if "default" in only:
        print("default run ...", file=sys.stderr)
        results["default_run"] = default_run(repeats)
    if "members" in only:
        print("weekly cost against members, and Boltzmann ...", file=sys.stderr)
        rows = [
            against_boltzmann(m, repeats) if m in COMPARED else week_cost(m, 10_000, repeats)
            for m in MEMBERS
            if not quick or m <= 1_000
        ]
        upper = [r for r in rows if r["members"] >= 1_000]
        results["members"] = rows
        results["slope_members"] = slope(
            [r["mean_members"] for r in rows], [r["seconds_per_week"] for r in rows]
        )
        results["slope_members_upper_decade"] = slope(
            [r["mean_members"] for r in upper], [r["seconds_per_week"] for r in upper]
        )
    if "public" in only:
        print("weekly cost against the public ...", file=sys.stderr)
        rows = [week_cost(base, n, repeats) for n in PUBLIC if not quick or n <= 100_000]
        upper = [r for r in rows if r["public_size"] >= 100_000]
        results["public"] = rows
        results["slope_public"] = slope(
            [r["public_size"] for r in rows], [r["seconds_per_week"] for r in rows]
        )
        results["slope_public_upper_decade"] = slope(
            [r["public_size"] for r in upper], [r["seconds_per_week"] for r in upper]
        )
    if "memory" in only:
        print("peak memory at the largest sizes ...", file=sys.stderr)
        results["peak_largest_members"] = in_subprocess(MEMBERS[-1], 10_000, TIMED_WEEKS)
        results["peak_largest_public"] = in_subprocess(base, PUBLIC[-1], TIMED_WEEKS)
    if "city" in only:
        print("city-scale run ...", file=sys.stderr)
        runs = [
            in_subprocess(CITY["members"], CITY["public_size"], CITY["steps"]) for _ in range(3)
        ]
        results["city"] = {**CITY, **{k: statistics.median(r[k] for r in runs) for k in runs[0]}}
    if "compare" in only:
        print("compare experiment and sweep with 1 and 2 workers ...", file=sys.stderr)
        results["compare"] = compare_experiment()
    results["environment"]["load_average_after"] = os.getloadavg()
    results["targets"] = check_targets(results)
    return results


def check_targets(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    ratios = {r["members"]: r["ratio"] for r in results.get("members", []) if "ratio" in r}
    values = {
        "boltzmann_ratio_at_10000": ratios.get(10_000),
        "slope_members": results.get("slope_members"),
        "slope_public": results.get("slope_public"),
        "city_seconds": results.get("city", {}).get("wall_seconds"),
        "city_peak_mib": results.get("city", {}).get("peak_mib"),
        "default_run_seconds": results.get("default_run", {}).get("run_seconds"),
        "two_worker_speedup": results.get("compare", {}).get("sweep_speedup"),
    }
    out = {}
    for name, rule in TARGETS.items():
        value = values[name]
        op, bound = rule.split()
        met = (
            None
            if value is None
            else {
                ">=": value >= float(bound),
                "<=": value <= float(bound),
                "<": value < float(bound),
            }[op]
        )
        out[name] = {"value": value, "target": rule, "met": met}
    return out


def environment() -> dict[str, Any]:
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "mesa": mesa.__version__,
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "git_commit": git_commit(),
        "load_average_before": os.getloadavg(),
    }


def table(results: dict[str, Any]) -> str:
    """The results as a Markdown table (what the README's performance section shows)."""
    lines = ["| measure | value |", "|---|---|"]
    if "default_run" in results:
        d = results["default_run"]
        lines.append(
            f"| default run ({DESIGN}, {d['weeks']} weeks) | "
            f"{d['weeks_per_second']:,.0f} weeks/s; {d['run_seconds']:.3f} s per run "
            f"({d['runs_per_second']:.1f} runs/s) |"
        )
    for r in results.get("members", []):
        line = (
            f"| {r['members']:,} members (public 10,000) | {r['seconds_per_week'] * 1e3:.2f}"
            f" ms/week; {r['agent_weeks_per_second']:,.0f} agent-weeks/s"
        )
        if "ratio" in r:
            line += (
                f"; Boltzmann at {r['members']:,} agents "
                f"{r['agent_steps_per_second']:,.0f} agent-steps/s; ratio {r['ratio']:.1f}x"
            )
        lines.append(line + " |")
    for r in results.get("public", []):
        lines.append(
            f"| public {r['public_size']:,} ({r['members']} members) | "
            f"{r['seconds_per_week'] * 1e3:.2f} ms/week |"
        )
    if "members" in results:
        lines.append(
            f"| log-log slope, week cost vs members (100 -> 10,000) | "
            f"{_num(results['slope_members'])} (1,000 -> 10,000: "
            f"{_num(results['slope_members_upper_decade'])}) |"
        )
    if "public" in results:
        lines.append(
            f"| log-log slope, week cost vs public (10^3 -> 10^6) | "
            f"{_num(results['slope_public'])} (10^5 -> 10^6: "
            f"{_num(results['slope_public_upper_decade'])}) |"
        )
    for key, label in (
        ("peak_largest_members", f"{MEMBERS[-1]:,} members, public 10,000"),
        ("peak_largest_public", f"public {PUBLIC[-1]:,}"),
    ):
        if key in results:
            lines.append(f"| peak memory, {label} | {results[key]['peak_mib']:.0f} MiB |")
    if "city" in results:
        c = results["city"]
        lines.append(
            f"| city scale ({c['members']:,} members, {c['public_size']:,} public, "
            f"{c['steps']} weeks) | {c['wall_seconds']:.1f} s wall (model "
            f"{c['build_seconds'] + c['run_seconds']:.1f} s), peak "
            f"{c['peak_mib']:.0f} MiB |"
        )
    c = results.get("compare")
    if c and "skipped" in c:
        lines.append(f"| compare experiment | skipped: {c['skipped']} |")
    elif c:
        lines.append(
            f"| compare experiment ({c['runs']} runs + analysis), wall | 1 worker "
            f"{c['wall_seconds_1']:.1f} s; 2 workers {c['wall_seconds_2']:.1f} s; "
            f"{c['wall_speedup']:.2f}x |"
        )
        lines.append(
            f"| the same {c['runs']} runs through run_many | 1 worker "
            f"{c['runs_per_second_1']:.1f} runs/s; 2 workers "
            f"{c['runs_per_second_2']:.1f} runs/s; {c['sweep_speedup']:.2f}x |"
        )
    lines += ["", "| target (issue 6) | measured | met |", "|---|---|---|"]
    for name, t in results["targets"].items():
        value = "not measured" if t["value"] is None else f"{t['value']:.3g}"
        met = {True: "yes", False: "NO", None: "-"}[t["met"]]
        lines.append(f"| {name} {t['target']} | {value} | {met} |")
    env = results["environment"]
    lines += [
        "",
        f"Python {env['python']}, numpy {env['numpy']}, Mesa {env['mesa']}, "
        f"{env['cpus']} CPUs; load average before {env['load_average_before'][0]:.1f}, "
        f"after {env['load_average_after'][0]:.1f}; {env['date']}.",
    ]
    return "\n".join(lines)


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats per figure")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small sizes only, no subprocesses: a check that it runs",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=SECTIONS,
        default=list(SECTIONS),
        help="measure only these sections (default: all)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    results = measure_all(args.repeats, args.quick, set(args.only))
    print(table(results))
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"\nwrote {args.out}", file=sys.stderr)
    return results


if __name__ == "__main__":
    main()
