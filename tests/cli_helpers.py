"""Running the real command line in a subprocess, against a replay server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from replay_server import ReplayServer


def run_cli(
    *args: str, cwd: Path, server: ReplayServer | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("ARXIV_RADAR_")
    }
    environment["COLUMNS"] = "200"
    if server is not None:
        environment.update(
            ARXIV_RADAR_RSS_URL=server.url("/rss"),
            ARXIV_RADAR_API_URL=server.url("/api/query"),
            ARXIV_RADAR_OAI_URL=server.url("/oai"),
            ARXIV_RADAR_MIN_INTERVAL="0.05",
        )
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "arxiv_radar", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
