"""The command line starts without the heavy stacks: `--version` and `--help` (of the app and
of each command) import no web server, model SDK, PDF reader, scheduler, XML parser, database
toolkit or HTTP client. The commands import them when they run. The time this saves is
measured by `python bench/cli_start.py`, not here."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = (
    "fastapi",
    "starlette",
    "uvicorn",
    "openai",
    "pypdf",
    "apscheduler",
    "lxml",
    "feedparser",
    "sqlalchemy",
    "alembic",
    "httpx",
    "jinja2",
)
COMMANDS = (
    "run",
    "demo",
    "fetch",
    "backfill",
    "papers",
    "rank",
    "eval",
    "feedback",
    "feedback-token",
    "summarize",
    "doctor",
    "init",
    "serve",
)
PROBE = """
import json, sys
sys.argv = ["arxiv-radar", *sys.argv[1:]]
from arxiv_radar.cli import main
try:
    main()
except SystemExit as done:
    code = done.code
sys.stdout.flush()
sys.stderr.write(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def invoke(*args: str) -> tuple[int, str, set[str]]:
    """Run the console entry point with ``args`` in a new interpreter: its exit code, its
    output and the top-level packages it imported."""
    env = {**os.environ, "COLUMNS": "120"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    report = json.loads(done.stderr[done.stderr.index('{"code"') :])
    return report["code"], done.stdout, {name.split(".")[0] for name in report["modules"]}


def test_version_imports_nothing_heavy_and_no_pydantic() -> None:
    code, output, modules = invoke("--version")
    assert code == 0 and output.startswith("arxiv-radar ")
    assert modules.isdisjoint({*HEAVY, "pydantic"}), sorted(modules & {*HEAVY, "pydantic"})


def test_help_lists_every_command_without_importing_them() -> None:
    code, output, modules = invoke("--help")
    assert code == 0
    for command in COMMANDS:
        assert f" {command} " in output, command
    assert modules.isdisjoint(HEAVY), sorted(modules & set(HEAVY))


@pytest.mark.parametrize("command", COMMANDS)
def test_a_commands_help_imports_nothing_heavy(command: str) -> None:
    code, output, modules = invoke(command, "--help")
    assert code == 0 and "Usage:" in output
    assert modules.isdisjoint(HEAVY), sorted(modules & set(HEAVY))
