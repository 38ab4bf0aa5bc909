"""Turning a ``--db`` value into an engine, and connection failures into clear errors.

A value containing ``://`` is a SQLAlchemy URL; anything else is a SQLite file path, with
``:memory:`` for a private in-memory database. ``postgresql://`` and ``postgres://`` URLs use
the psycopg (version 3) driver.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from ..errors import StoreError
from ..masking import mask_secrets, mask_url_passwords

log = logging.getLogger(__name__)

MEMORY = ":memory:"
SQLITE_BUSY_TIMEOUT_MS = 10_000
PG_CONNECT_TIMEOUT_S = 10

# An execution option: the transaction will write, so SQLite takes the write lock at BEGIN
# (BEGIN IMMEDIATE) and waits for other writers instead of failing half-way through.
WRITE_OPTION = "arxiv_radar_write"


@dataclass(frozen=True)
class Target:
    """Where the store lives."""

    url: URL
    display: str  # what users see in messages: a path, or the URL with its password masked

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def is_memory(self) -> bool:
        return self.is_sqlite and self.url.database in (None, "", MEMORY)


def resolve(value: str) -> Target:
    """The database a ``--db`` value names (a SQLite path or a SQLAlchemy URL)."""
    text = value.strip()
    if not text:
        raise StoreError("no database given: pass a SQLite file path or a database URL")
    if "://" not in text:
        if text == MEMORY:
            return Target(URL.create("sqlite", database=MEMORY), MEMORY)
        path = Path(text).expanduser().absolute()
        return Target(URL.create("sqlite", database=str(path)), str(path))
    try:
        url = make_url(text)
    except ArgumentError as exc:
        raise StoreError(f"not a valid database URL: {mask_url_text(text)}") from exc
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return Target(url, url.render_as_string(hide_password=True))


def mask_url_text(text: str) -> str:
    """``text`` with the password of a ``scheme://user:password@host`` URL masked."""
    scheme, sep, rest = text.partition("://")
    if not sep or "@" not in rest:
        return text
    credentials, at, host = rest.rpartition("@")
    user, colon, _password = credentials.partition(":")
    return f"{scheme}://{user}{':***' if colon else ''}{at}{host}"


def build_engine(
    target: Target,
    *,
    read_only: bool = False,
    pool_size: int | None = None,
    statement_timeout: float | None = None,
) -> Engine:
    """An engine for ``target`` (nothing is connected yet).

    ``read_only``: no write can happen. A SQLite file is opened ``mode=ro&immutable=1``, so
    that nothing, not even a WAL or journal file, is created beside it (a read-only file
    system such as Vercel's); PostgreSQL sessions are ``default_transaction_read_only``.
    ``pool_size``: the connections the pool keeps (not for ``:memory:``, one shared
    connection). ``statement_timeout`` (seconds): PostgreSQL sessions cancel a statement that
    runs longer (``statement_timeout``); SQLite has no such limit and ignores it.
    """
    if target.is_sqlite:
        _check_sqlite_path(target)
        if read_only and not target.is_memory and not Path(str(target.url.database)).is_file():
            raise StoreError(
                f"cannot open the SQLite database {target.display} read-only: no such file"
            )
    kwargs: dict[str, Any] = {}
    connect_args: dict[str, Any] = {}
    if target.is_memory:
        # One connection shared by every use, or each would see its own empty database.
        kwargs["poolclass"] = StaticPool
        connect_args["check_same_thread"] = False
    is_postgresql = target.url.get_backend_name() == "postgresql"
    if target.is_sqlite:
        connect_args["timeout"] = SQLITE_BUSY_TIMEOUT_MS / 1000
    elif is_postgresql and "connect_timeout" not in target.url.query:
        connect_args["connect_timeout"] = PG_CONNECT_TIMEOUT_S
    if is_postgresql:
        settings = ["-c default_transaction_read_only=on"] if read_only else []
        if statement_timeout is not None:
            settings.append(f"-c statement_timeout={max(1, round(statement_timeout * 1000))}")
        if settings:  # after the URL's own options (a search_path), which they would replace
            given = target.url.query.get("options", ())
            given = (given,) if isinstance(given, str) else tuple(given)
            connect_args["options"] = " ".join([*given, *settings])
    if is_postgresql:
        # A pooled session may have ended (the server restarted): check it out with a ping,
        # so the next statement gets a new session instead of an error.
        kwargs["pool_pre_ping"] = True
    if pool_size is not None and not target.is_memory:
        kwargs["pool_size"] = pool_size
    if read_only and target.is_sqlite and not target.is_memory:
        uri = f"file:{quote(str(target.url.database))}?mode=ro&immutable=1"
        kwargs["creator"] = lambda: sqlite3.connect(uri, uri=True, check_same_thread=False)
    try:
        engine = create_engine(target.url, connect_args=connect_args, **kwargs)
    except (NoSuchModuleError, ImportError) as exc:
        raise StoreError(
            f"cannot use the database {target.display}: no driver for "
            f"'{target.url.drivername}' ({exc}). For PostgreSQL install "
            "'arxiv-radar[postgres]' and use a postgresql+psycopg:// URL"
        ) from exc
    except (ArgumentError, TypeError) as exc:
        raise StoreError(f"cannot use the database {target.display}: {exc}") from exc
    if target.is_sqlite:
        _configure_sqlite(engine, memory=target.is_memory, read_only=read_only)
    return engine


def _check_sqlite_path(target: Target) -> None:
    if target.is_memory:
        return
    path = Path(str(target.url.database))
    if path.is_dir():
        raise StoreError(f"cannot open the SQLite database {path}: it is a folder, not a file")
    if not path.parent.is_dir():
        raise StoreError(
            f"cannot open the SQLite database {path}: the folder {path.parent} does not exist "
            "(create it first, or choose another database path)"
        )


def _configure_sqlite(engine: Engine, *, memory: bool, read_only: bool = False) -> None:
    """WAL, foreign keys and a busy timeout on every connection; real transactions."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin, so that a
        # transaction covers reads, writes and schema changes alike (see the "begin" hook).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            if not memory and not read_only:
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def connect_error(target: Target, exc: SQLAlchemyError) -> StoreError:
    """A StoreError telling the user what failed and what to check (no secrets)."""
    reason = describe(exc, target)
    if target.is_sqlite:
        return StoreError(f"cannot open the SQLite database {target.display}: {reason}")
    return StoreError(
        f"cannot connect to the database {target.display}: {reason}. Check that the server is "
        "running and reachable at that host and port, and that the user, password and "
        "database name are right"
    )


def describe(exc: BaseException, target: Target) -> str:
    """The driver's own message for ``exc``, one line, with any password removed."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    text = " ".join(line.strip() for line in text.splitlines() if line.strip())
    password = target.url.password
    # Whole secrets only: a one-letter password must not turn "connection" into "c***nn...".
    text = mask_secrets(mask_url_passwords(text), [str(password) if password else None])
    return text or type(exc).__name__
