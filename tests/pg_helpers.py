"""The PostgreSQL server the store tests use: its URL, or a skip that says how to get one."""

from __future__ import annotations

import os

import pytest

PG_URL_ENV = "ARXIV_RADAR_TEST_PG_URL"
PG_INSTALL = (
    "apt-get install -y postgresql, then "
    f'export {PG_URL_ENV}="$(bash scripts/start-postgres.sh | tail -n 1)"'
)


def pg_url_or_skip() -> str:
    """``$ARXIV_RADAR_TEST_PG_URL``; without it the test is skipped (failed under ``CI=true``,
    where PostgreSQL must run) with the commands that start a server."""
    url = os.environ.get(PG_URL_ENV, "").strip()
    if url:
        return url
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{PG_URL_ENV} is not set but CI=true: PostgreSQL tests must run in CI")
    pytest.skip(f"needs PostgreSQL: {PG_INSTALL}")
