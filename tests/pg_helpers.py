"""The PostgreSQL server the store tests use: its URL, or a skip that says how to get one."""

from __future__ import annotations

import functools
import os

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

PG_URL_ENV = "ARXIV_RADAR_TEST_PG_URL"
PG_INSTALL = (
    "apt-get install -y postgresql, then "
    f'export {PG_URL_ENV}="$(bash scripts/start-postgres.sh | tail -n 1)"'
)


def pg_url_or_skip() -> str:
    """``$ARXIV_RADAR_TEST_PG_URL``; without it the test is skipped (failed under ``CI=true``,
    where PostgreSQL must run) with the commands that start a server.

    Under pytest-xdist each worker gets a database of its own (the URL's database name with
    the worker's id appended, created on first use), since the tests reset whole schemas."""
    url = os.environ.get(PG_URL_ENV, "").strip()
    if url:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "")
        return _worker_database(url, worker) if worker else url
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{PG_URL_ENV} is not set but CI=true: PostgreSQL tests must run in CI")
    pytest.skip(f"needs PostgreSQL: {PG_INSTALL}")


@functools.cache
def _worker_database(url: str, worker: str) -> str:
    """The URL of ``url``'s database with ``_<worker>`` appended, created if missing."""
    parsed = make_url(url)
    name = f"{parsed.database}_{worker}"
    engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).first()
            if exists is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def reset_postgres(url: str) -> None:
    """Drop everything in the public schema (tables, alembic_version, sequences)."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
