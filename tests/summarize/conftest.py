"""Fixtures shared by the summarize tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_helpers import invoke_cli
from replay_server import ReplayServer, Reply, fixture_bytes

MIXED = "synthetic_rss_cs.AI+cs.CL+cs.DC+cs.LG_mixed.xml"


@pytest.fixture
def folder(tmp_path: Path, replay: ReplayServer) -> Path:
    """A folder whose store holds the recorded 2026-04-27 listing of the four default
    categories, fetched by ``arxiv-radar fetch``."""
    replay.add("/rss/cs.AI+cs.CL+cs.DC+cs.LG", Reply(body=fixture_bytes(MIXED)))
    result = invoke_cli("fetch", "--no-catch-up", cwd=tmp_path, server=replay)
    assert result.returncode == 0, result.stderr
    return tmp_path
