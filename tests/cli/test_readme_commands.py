"""Every command README.md shows still works as written.

Each fenced block of README.md is read: a `bash` block is one command a line (its `# ...` comment
dropped), a `python` block one program, and a plain block whose lines start with `$ ` shows
commands beside what they print. Each command that takes under a minute is run from a fresh
folder and must succeed (or, in a block that shows its output, print that output); each other
one is listed in `SKIPPED` with the reason and the test that covers it instead. A command that is
neither run nor listed fails the test, so a new line in README.md is never left unchecked.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"

# command as written -> why it is not run here (and what runs it instead)
SKIPPED = {
    "make demo": "sets up .venv and runs 570 runs (210, and 360 at equal resources: minutes); "
    "CI's clean clone "
    "runs the same experiments.compare code through tests/experiments/test_experiments.py",
    "make test": "the test suite itself",
    "make test-all": "the test suite itself",
    "make lint": "CI runs it (.ci/run) before the tests",
    "make workshop": "a server that runs until stopped; tests/app/test_workshop_browser.py "
    "starts the same app and drives it in Chromium",
    "python -m sim -m scenario=impact_partnership,business_led 'seed=range(0,30)' "
    "orchestration=0,0.5,1": "180 runs of 156 weeks (minutes on 2 cores); "
    "tests/cli/test_sweeps.py runs the same sweep machinery at tiny size",
    "python -m experiments.collect outputs/sweeps/<folder>": "names a folder the reader "
    "chooses; tests/cli/test_collect.py runs it on a sweep it makes",
    "python -m experiments.compare": "570 runs of 156 weeks (210, and 360 at equal "
    "resources); its --quick form is run by "
    "tests/experiments/test_experiments.py",
    "python -m experiments.ablation": "hundreds of runs; --quick is run by "
    "tests/experiments/test_experiments.py",
    "python -m experiments.heatmap": "hundreds of runs; --quick is run by "
    "tests/experiments/test_experiments.py",
    "python -m experiments.sensitivity": "thousands of runs (Morris, then Sobol); --quick is "
    "run by tests/experiments/test_experiments.py",
    "python -m experiments.size": "large partnerships, minutes; --quick is run by "
    "tests/experiments/test_experiments.py",
}
TIMEOUT = 60  # seconds: a command README.md shows for trying at once should answer in a minute


@dataclass(frozen=True)
class Command:
    text: str  # as written in README.md
    kind: str  # "shell" or "python"
    shows: tuple[str, ...] = ()  # what README.md says it prints ("..." ends a shown prefix)
    line: int = 0


def readme_commands(text: str) -> list[Command]:
    found: list[Command] = []
    blocks = re.finditer(r"^```(\w*)\n(.*?)^```", text, flags=re.M | re.S)
    for block in blocks:
        language, body = block.group(1), block.group(2)
        line = text[: block.start()].count("\n") + 2
        if language == "python":
            found.append(Command(body, "python", line=line))
        elif language in ("bash", "sh", "shell"):
            for offset, raw in enumerate(body.splitlines()):
                command = _without_comment(raw).strip()
                if command:
                    found.append(Command(command, "shell", line=line + offset))
        elif any(row.startswith("$ ") for row in body.splitlines()):
            rows = body.splitlines()
            for offset, row in enumerate(rows):
                if row.startswith("$ "):
                    shown = []
                    for after in rows[offset + 1 :]:
                        if after.startswith("$ "):
                            break
                        shown.append(after)
                    found.append(Command(row[2:], "shell", tuple(shown), line + offset))
    return found


def _without_comment(line: str) -> str:
    """A shell line without its trailing `# comment` (a `#` inside quotes is kept)."""
    quote = None
    for i, char in enumerate(line):
        if char in "'\"" and quote in (None, char):
            quote = None if quote else char
        elif char == "#" and quote is None and (i == 0 or line[i - 1].isspace()):
            return line[:i]
    return line


COMMANDS = readme_commands(README.read_text(encoding="utf-8"))


def test_readme_shows_commands_and_every_skip_is_still_in_it():
    texts = {c.text for c in COMMANDS}
    assert any(t.startswith("python -m sim") for t in texts)
    stale = set(SKIPPED) - texts
    assert not stale, f"SKIPPED lists commands README.md no longer shows: {sorted(stale)}"


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: f"line{c.line}")
def test_readme_command_works_as_written(command: Command, tmp_path: Path):
    if command.text in SKIPPED:
        pytest.skip(SKIPPED[command.text])
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    if command.kind == "python":
        argv = [sys.executable, "-c", command.text]
    else:
        argv = shlex.split(command.text)
        assert argv[:2] == ["python", "-m"], (
            f"README.md line {command.line}: {command.text!r} is neither run here nor listed "
            "in SKIPPED with a reason"
        )
        argv[0] = sys.executable
    result = subprocess.run(
        argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=TIMEOUT
    )
    output = result.stdout + result.stderr
    if not command.shows:
        assert result.returncode == 0, f"README.md line {command.line}: {command.text}\n{output}"
        return
    for shown in command.shows:
        prefix = shown.split("...")[0].rstrip() if "..." in shown else shown
        assert prefix in output, (
            f"README.md line {command.line} says `{command.text}` prints\n  {shown}\n"
            f"but it printed\n{output}"
        )
