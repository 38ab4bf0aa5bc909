"""Fixtures for the store tests: a fresh database per test, on SQLite and on PostgreSQL.

PostgreSQL tests run against ``ARXIV_RADAR_TEST_PG_URL`` (``scripts/start-postgres.sh`` starts
a local server and prints it). Without it they are skipped, except under ``CI=true``, where a
missing server is a failure: CI must not pass by skipping them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from arxiv_radar.store import Store

from pg_helpers import pg_url_or_skip, reset_postgres


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The location of an empty database: a SQLite file, or a cleaned PostgreSQL schema."""
    if request.param == "sqlite":
        yield str(tmp_path / "radar.db")
        return
    url = pg_url_or_skip()
    reset_postgres(url)
    yield url
    reset_postgres(url)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store.open(db_url) as opened:
        yield opened
