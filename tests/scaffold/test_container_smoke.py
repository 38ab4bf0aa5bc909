"""The container image built and run for real with podman (scripts/container-smoke.sh).

The script builds the Dockerfile on a base image made locally (no image registry needed),
runs ``arxiv-radar demo`` in it, then the server, and asks it for /health and the demo's
papers. It runs only where podman and that base image exist, so that a machine without them
(CI among them) spends no time here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "container-smoke.sh"
BASE_IMAGE = os.environ.get("BASE_IMAGE", "localhost/arxiv-radar-base:bookworm")


def _base_image_exists() -> bool:
    if shutil.which("podman") is None:
        return False
    probe = subprocess.run(
        ["podman", "image", "exists", BASE_IMAGE], capture_output=True, timeout=60, check=False
    )
    return probe.returncode == 0


def test_the_script_is_valid_bash() -> None:
    result = subprocess.run(["bash", "-n", str(SCRIPT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(
    not _base_image_exists(),
    reason=f"no podman with the base image {BASE_IMAGE}: apt-get install -y podman runc "
    "debootstrap && scripts/container-smoke.sh base",
)
def test_the_image_builds_and_serves_the_demo() -> None:
    result = subprocess.run(
        ["bash", str(SCRIPT)],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
        env={**os.environ, "BASE_IMAGE": BASE_IMAGE},
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert "container-smoke: ok (arxiv-radar " in result.stdout
    assert '/health: {"status":"ok"' in result.stderr
