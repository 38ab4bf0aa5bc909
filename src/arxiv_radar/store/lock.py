"""One run at a time per store: a file lock beside a SQLite file, an advisory lock in PostgreSQL.

The PostgreSQL lock is keyed by the lock's name and the store's schema: two stores in two
schemas of one database (``?options=-csearch_path%3Dradar``) run at the same time.

Two ``arxiv-radar run`` processes on one store would fetch twice, pay for summaries twice and
race to write the outputs. :func:`run_lock` makes the second one stop at once with a clear
message instead. The lock is released when the block ends, and by the operating system (file
lock) or the database (advisory lock: the session holding it ends) when the process dies, so a
crashed run never leaves a stale lock behind.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from filelock import FileLock, Timeout
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from arxiv_radar.errors import StoreError
from arxiv_radar.store.connect import Target
from arxiv_radar.store.migrate import SCHEMA_KEY

__all__ = ["RunLockedError", "run_lock"]


class RunLockedError(StoreError):
    """Another run holds the store's run lock."""


def _busy(target: Target, name: str) -> RunLockedError:
    return RunLockedError(
        f"another arxiv-radar {name} is working on {target.display}; wait for it to finish "
        "(a run that crashed releases its lock by itself)"
    )


@contextmanager
def run_lock(engine: Engine, target: Target, name: str = "run") -> Iterator[None]:
    """Hold the store's ``name`` lock for the block; raise :class:`RunLockedError` at once
    when another process holds it."""
    if target.is_memory:
        yield  # a private in-memory database: nobody else can see it
        return
    if target.is_sqlite:
        path = f"{target.url.database}.{name}.lock"
        lock = FileLock(path, timeout=0)
        try:
            lock.acquire()
        except Timeout:
            raise _busy(target, name) from None
        try:
            yield
        finally:
            lock.release()
        return
    key = zlib.crc32(f"arxiv-radar:{name}".encode()) & 0x7FFFFFFF
    try:
        connection = engine.connect()
        taken = connection.execute(
            text(f"SELECT pg_try_advisory_lock(:key, {SCHEMA_KEY})"), {"key": key}
        )
        got = bool(taken.scalar())
        connection.commit()
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot take the run lock on {target.display}: {exc}") from exc
    try:
        if not got:
            raise _busy(target, name)
        yield
    finally:
        try:
            if got:
                connection.execute(
                    text(f"SELECT pg_advisory_unlock(:key, {SCHEMA_KEY})"), {"key": key}
                )
                connection.commit()
        finally:
            connection.close()
