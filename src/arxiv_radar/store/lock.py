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
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from filelock import FileLock, Timeout
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from arxiv_radar.errors import StoreError
from arxiv_radar.store.connect import Target
from arxiv_radar.store.migrate import SCHEMA_KEY

__all__ = ["Confirm", "RunLockedError", "run_lock"]


class RunLockedError(StoreError):
    """Another run holds the store's run lock."""


def _busy(target: Target, name: str) -> RunLockedError:
    return RunLockedError(
        f"another arxiv-radar {name} is working on {target.display}; wait for it to finish "
        "(a run that crashed releases its lock by itself)"
    )


Confirm = Callable[[], None]
"""Called between a run's stages: makes sure the run still holds its lock (see below)."""


def _no_check() -> None:
    """A file lock cannot be lost while the process lives."""


@contextmanager
def run_lock(engine: Engine, target: Target, name: str = "run") -> Iterator[Confirm]:
    """Hold the store's ``name`` lock for the block; raise :class:`RunLockedError` at once
    when another process holds it.

    The block gets a function to call between stages. On PostgreSQL the advisory lock lives
    as long as the session that took it: when the database restarted meanwhile, the function
    takes the lock again on a new session, or raises :class:`RunLockedError` when another
    process took it in between (so two runs never go on at once), or a :class:`StoreError`
    when the database does not answer."""
    if target.is_memory:
        yield _no_check  # a private in-memory database: nobody else can see it
        return
    if target.is_sqlite:
        path = f"{target.url.database}.{name}.lock"
        lock = FileLock(path, timeout=0)
        try:
            lock.acquire()
        except Timeout:
            raise _busy(target, name) from None
        try:
            yield _no_check
        finally:
            lock.release()
        return
    key = zlib.crc32(f"arxiv-radar:{name}".encode()) & 0x7FFFFFFF
    held = _take(engine, target, name, key)

    def confirm() -> None:
        nonlocal held
        try:
            held.execute(text("SELECT 1"))
            held.commit()
            return
        except SQLAlchemyError:  # the session ended (the database restarted): so did the lock
            held.invalidate()
            held.close()
        try:
            held = _take(engine, target, name, key)
        except RunLockedError:
            raise RunLockedError(
                f"this {name} lost its lock on {target.display} when the database restarted, "
                f"and another arxiv-radar {name} holds it now; this one stops"
            ) from None

    try:
        yield confirm
    finally:
        try:
            held.execute(text(f"SELECT pg_advisory_unlock(:key, {SCHEMA_KEY})"), {"key": key})
            held.commit()
        except SQLAlchemyError:
            pass  # the session is gone, and its lock with it
        finally:
            held.close()


def _take(engine: Engine, target: Target, name: str, key: int) -> Connection:
    """A session holding the advisory lock ``key`` of this schema, or an error."""
    try:
        connection = engine.connect()
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot take the {name} lock on {target.display}: {exc}") from exc
    try:
        got = connection.execute(
            text(f"SELECT pg_try_advisory_lock(:key, {SCHEMA_KEY})"), {"key": key}
        ).scalar()
        connection.commit()
    except SQLAlchemyError as exc:
        connection.close()
        raise StoreError(f"cannot take the {name} lock on {target.display}: {exc}") from exc
    if not got:
        connection.close()
        raise _busy(target, name)
    return connection
