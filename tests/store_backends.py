"""Stores on both backends for the tests above the store: SQLite files and PostgreSQL databases.

A test that takes :func:`store_url` (registered for the whole suite in ``tests/conftest.py``)
runs twice: on a SQLite file under its ``tmp_path`` and, marked ``postgres``, on the xdist
worker's PostgreSQL test database, emptied before and after (as the store tests'
``db_url``). Without ``ARXIV_RADAR_TEST_PG_URL`` the PostgreSQL half is skipped, and fails
under ``CI=true`` (:func:`pg_helpers.pg_url_or_skip`).

A store filled once and read by many tests (the server's demo day) lives in a PostgreSQL
database of its own, :func:`pg_database`, beside the one tests empty; each test gets a copy
(:func:`copy_store`: ``CREATE DATABASE ... TEMPLATE``, about as fast as copying the file).
"""

from __future__ import annotations

import functools
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, make_url, text
from sqlalchemy.pool import NullPool

from pg_helpers import pg_url_or_skip, reset_postgres

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
"""``params`` of a fixture that runs its tests on each backend."""

STORE_ENV = "ARXIV_RADAR_STORE__URL"


def sqlite_only(fixture: str) -> pytest.MarkDecorator:
    """Run a test on the SQLite half only of the parametrized ``fixture`` (a test about a
    SQLite file: its folder, its permissions, its path in a message)."""
    return pytest.mark.parametrize(fixture, ["sqlite"], indirect=True)


def is_postgresql(url: str) -> bool:
    return url.startswith(("postgresql", "postgres:"))


def store_env(url: str) -> dict[str, str]:
    """The environment that points ``arxiv-radar`` at the store ``url``."""
    return {STORE_ENV: url}


def store_section(url: str) -> str:
    """The ``[store]`` section of ``arxiv-radar.toml`` that points at the store ``url``."""
    return f"\n[store]\nurl = {json.dumps(url)}\n"


@contextmanager
def empty_store(backend: str, folder: Path, name: str = "arxiv-radar.db") -> Iterator[str]:
    """An empty store: ``folder / name`` on SQLite; on PostgreSQL the worker's test database,
    emptied before and after."""
    if backend == "sqlite":
        yield str(folder / name)
        return
    url = pg_url_or_skip()
    reset_postgres(url)
    try:
        yield url
    finally:
        reset_postgres(url)


def missing_store(backend: str, folder: Path) -> str:
    """A store that is not there: a SQLite file in a folder that does not exist, or a database
    the PostgreSQL server does not have."""
    if backend == "sqlite":
        return str(folder / "missing-folder" / "radar.db")
    missing = make_url(pg_url_or_skip()).set(database="arxiv_radar_no_such_database")
    return missing.render_as_string(hide_password=False)


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Where this test's empty store is: ``tmp_path / "arxiv-radar.db"`` (the default store
    of a command run in ``tmp_path``), or a cleaned PostgreSQL database."""
    with empty_store(request.param, tmp_path) as url:
        yield url


def pg_database(name: str) -> str:
    """The URL of an empty PostgreSQL database of this worker's own, ``<test database>_<name>``
    (created if missing), for a store that outlives one test."""
    url = _created(_sibling(name))
    reset_postgres(url)
    return url


def copy_store(source: str, folder: Path, name: str) -> str:
    """A copy of the store at ``source`` (closed: nothing may be connected to it): its SQLite
    file (and WAL) copied into ``folder``, or on PostgreSQL the database
    ``<test database>_<name>`` made anew from it."""
    if not is_postgresql(source):
        path = Path(source)
        for file in path.parent.glob(path.name + "*"):
            if not file.name.endswith(".lock"):
                shutil.copy(file, folder / file.name)
        return str(folder / path.name)
    target = make_url(_sibling(name)).database
    _admin(
        f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)',
        f'CREATE DATABASE "{target}" TEMPLATE "{make_url(source).database}"',
    )
    return _sibling(name)


def drop_store(url: str) -> None:
    """Drop a PostgreSQL copy made by :func:`copy_store` (a SQLite copy goes with its folder)."""
    if is_postgresql(url):
        _admin(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def _sibling(name: str) -> str:
    """The URL of the database ``<the worker's test database>_<name>`` (maybe not there)."""
    parsed = make_url(pg_url_or_skip())
    sibling = parsed.set(database=f"{parsed.database}_{name}")
    return sibling.render_as_string(hide_password=False)


@functools.cache
def _created(url: str) -> str:
    """``url``, its database created if missing."""
    database = make_url(url).database
    with _admin_connection() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": database}
        ).first()
        if exists is None:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
    return url


def _admin(*statements: str) -> None:
    with _admin_connection() as conn:
        for statement in statements:
            conn.execute(text(statement))


@contextmanager
def _admin_connection() -> Iterator[Connection]:
    """A connection outside any transaction (where ``CREATE DATABASE`` and ``DROP DATABASE``
    may run) to the worker's test database."""
    engine = create_engine(pg_url_or_skip(), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()
