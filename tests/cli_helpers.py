"""Running the real command line against a replay server: in this process through Typer's
``CliRunner`` (:func:`invoke_cli`, most tests), or in a subprocess (:func:`run_cli`) where a
test needs a real process (exit by signal, a kill, two runs at once, start-up imports)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import traceback
import warnings
from pathlib import Path

from typer.testing import CliRunner

from replay_server import ReplayServer


def cli_environment(
    server: ReplayServer | None = None,
    env: dict[str, str] | None = None,
    *,
    columns: int | None = 200,
) -> dict[str, str]:
    """The environment for ``arxiv-radar`` in a subprocess: this process's, without any
    ``ARXIV_RADAR_`` setting or ``FORCE_COLOR``; ``$COLUMNS`` set to ``columns`` (``None``:
    unset, as in a CI log); arXiv's endpoints pointed at ``server``; then ``env`` on top."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("ARXIV_RADAR_") and key not in ("COLUMNS", "FORCE_COLOR")
    }
    if columns is not None:
        environment["COLUMNS"] = str(columns)
    if server is not None:
        environment.update(
            ARXIV_RADAR_RSS_URL=server.url("/rss"),
            ARXIV_RADAR_API_URL=server.url("/api/query"),
            ARXIV_RADAR_OAI_URL=server.url("/oai"),
            ARXIV_RADAR_MIN_INTERVAL="0.05",
        )
    environment.update(env or {})
    return environment


def run_cli(
    *args: str,
    cwd: Path,
    server: ReplayServer | None = None,
    env: dict[str, str] | None = None,
    columns: int | None = 200,
) -> subprocess.CompletedProcess[str]:
    """``arxiv-radar ARGS`` in a subprocess, its output captured, in the environment
    :func:`cli_environment` makes."""
    return subprocess.run(
        [sys.executable, "-m", "arxiv_radar", *args],
        cwd=cwd,
        env=cli_environment(server, env, columns=columns),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


class _Snapshot:
    """What one in-process run may change outside itself and must give back: the working
    directory, the whole environment, the logging set-up (``setup_logging`` replaces the root
    handlers; ``serve`` sets the levels of named loggers)."""

    def __init__(self) -> None:
        self.cwd = os.getcwd()
        self.environ = dict(os.environ)
        root = logging.getLogger()
        self.handlers = root.handlers[:]
        self.level = root.level
        self.levels = {
            name: logger.level
            for name, logger in logging.Logger.manager.loggerDict.items()
            if isinstance(logger, logging.Logger)
        }

    def restore(self) -> None:
        os.chdir(self.cwd)
        os.environ.clear()
        os.environ.update(self.environ)
        root = logging.getLogger()
        for handler in root.handlers:
            if handler not in self.handlers:
                root.removeHandler(handler)
                handler.close()
        for handler in self.handlers:
            if handler not in root.handlers:
                root.addHandler(handler)
        root.setLevel(self.level)
        for name, level in self.levels.items():  # a logger made meanwhile keeps its level,
            logging.getLogger(name).setLevel(level)  # as a library set it on import


def invoke_cli(
    *args: str,
    cwd: Path,
    server: ReplayServer | None = None,
    env: dict[str, str] | None = None,
    columns: int | None = 200,
) -> subprocess.CompletedProcess[str]:
    """``arxiv-radar ARGS`` in this process, through Typer's :class:`CliRunner` and the
    function :func:`arxiv_radar.cli.main` calls (so the messages and exit codes are the
    same), in ``cwd`` and exactly the environment :func:`cli_environment` makes; what it
    changed (directory, environment, logging) is given back afterwards.

    The answer has the shape of :func:`run_cli`'s. An exception that escapes (an unexpected
    error under ``--debug``) leaves a traceback on stderr and code 1, as the interpreter
    would; a ``SystemExit`` its code."""
    from arxiv_radar.cli import run

    environment = cli_environment(server, env, columns=columns)
    snapshot = _Snapshot()
    runner = CliRunner()
    try:
        os.environ.clear()
        os.environ.update(environment)
        os.chdir(cwd)
        with runner.isolation() as (stdout, stderr, _mixed), warnings.catch_warnings():
            _process_warning_filters()
            try:
                code = run(args)
            except SystemExit as done:
                code = _exit_code(done.code)
            except Exception:
                traceback.print_exc()
                code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
            return subprocess.CompletedProcess(
                ["arxiv-radar", *args],
                code,
                stdout.getvalue().decode(runner.charset, "replace"),
                stderr.getvalue().decode(runner.charset, "replace"),
            )
    finally:
        snapshot.restore()


def _process_warning_filters() -> None:
    """The warning filters of a fresh interpreter (the test run turns every warning into an
    error; the command, a process of its own, would print it, as a library's deprecation
    notice on import, and go on)."""
    warnings.resetwarnings()
    warnings.filterwarnings("ignore", category=ResourceWarning)
    warnings.filterwarnings("ignore", category=ImportWarning)
    warnings.filterwarnings("ignore", category=PendingDeprecationWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("default", category=DeprecationWarning, module="__main__")


def _exit_code(code: object) -> int:
    """The process exit code ``sys.exit(code)`` gives."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write(f"{code}\n")
    return 1
