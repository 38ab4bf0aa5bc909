"""Fixtures of the reliability tests: a published good day to start from, PostgreSQL."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

import pg_helpers
from cli_helpers import invoke_cli
from fault_server import DAY, DAY_PAPERS, FEED_PATH, fast_config, good_feed
from radar_checks import check_outputs
from replay_server import ReplayServer, Reply

PG_SCHEMA = "reliability"


@pytest.fixture(scope="session")
def published_day(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder where ``arxiv-radar run --no-catch-up`` published :data:`DAY` (store included)."""
    folder = tmp_path_factory.mktemp("published-day")
    (folder / "arxiv-radar.toml").write_text(fast_config(), encoding="utf-8")
    with ReplayServer() as server:
        server.add(FEED_PATH, Reply(body=good_feed()))
        result = invoke_cli("run", "--no-catch-up", cwd=folder, server=server)
    assert result.returncode == 0, result.stderr
    check_outputs(folder, DAY, papers=6)
    assert f"{DAY_PAPERS} papers announced" in result.stdout
    return folder


@pytest.fixture
def good(published_day: Path, tmp_path: Path) -> Path:
    """A private copy of :func:`published_day`: the last good outputs and their store."""
    folder = tmp_path / "radar"
    shutil.copytree(published_day, folder, ignore=shutil.ignore_patterns("*.lock"))
    return folder


def pg_url_or_skip() -> str:
    """The test database, in a schema of its own (other suites reset ``public``)."""
    url = pg_helpers.pg_url_or_skip()
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{PG_SCHEMA}"


def _reset_schema(url: str) -> None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
    finally:
        engine.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """An empty PostgreSQL store (the ``reliability`` schema, dropped afterwards)."""
    url = pg_url_or_skip()
    _reset_schema(url)
    yield url
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
    finally:
        engine.dispose()
