"""Running the real command line in a subprocess, against a replay server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
