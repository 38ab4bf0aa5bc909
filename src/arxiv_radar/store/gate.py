"""One gate to arXiv for every process that uses a store, on one machine or many.

arXiv's terms allow one request every 3 seconds over one connection *for all of a user's
machines together*. Each process already keeps that among its own requests
(:class:`arxiv_radar.arxiv.http.RateGate`); :class:`StoreGate` keeps it among processes: a
process takes the store's arXiv lock before each request (a file lock beside a SQLite file,
a PostgreSQL advisory lock keyed by the store's schema), waits until ``interval`` seconds have
passed since the end of the last request any of them made (kept in ``arxiv_gate``; on
PostgreSQL measured by the database server's clock, so the machines' clocks do not matter),
sends its request, writes when it ended, and lets the lock go. A process that dies holding the
lock releases it with its session or file descriptor.
"""

from __future__ import annotations

import datetime as dt
import time
import zlib

from filelock import FileLock, Timeout
from sqlalchemy import Connection, func, insert, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from arxiv_radar.errors import StoreError
from arxiv_radar.store.connect import Target
from arxiv_radar.store.migrate import SCHEMA_KEY
from arxiv_radar.store.tables import arxiv_gate

__all__ = ["StoreGate"]

GATE = "arxiv"
WAIT_LIMIT_S = 900.0
"""How long a process waits for the gate before giving up (a request holds it for one
attempt: its timeout, 30 s by default, or a streamed listing's read)."""


class StoreGate:
    """The store's arXiv gate (see the module docstring): ``acquire`` before a request,
    ``release`` after it, always paired."""

    def __init__(self, engine: Engine, target: Target, *, wait_limit: float = WAIT_LIMIT_S):
        self._engine = engine
        self._target = target
        self._wait_limit = wait_limit
        self._file: FileLock | None = None
        self._session: Connection | None = None
        self.waited = 0.0  # seconds slept for other processes' requests, in all

    def acquire(self, interval: float) -> None:
        """Take the gate, then sleep until ``interval`` seconds after the last request of any
        process ended."""
        try:
            if self._target.is_sqlite:
                self._acquire_file()
                wait = self._wait_sqlite(interval)
            else:
                wait = self._acquire_postgresql(interval)
        except SQLAlchemyError as exc:
            self._let_go()
            raise StoreError(
                f"cannot take the arXiv gate of {self._target.display}: {exc}"
            ) from exc
        if wait > 0:
            self.waited += wait
            time.sleep(wait)

    def release(self) -> None:
        """Write when this request ended and let the gate go."""
        try:
            if self._session is not None:
                self._mark(self._session, func.clock_timestamp())
                # Committed before the lock goes: the next holder must read this end.
                self._session.commit()
                self._session.execute(
                    text(f"SELECT pg_advisory_unlock(:key, {SCHEMA_KEY})"), {"key": _KEY}
                )
                self._session.commit()
            elif self._file is not None:
                with self._engine.begin() as conn:
                    self._mark(conn, dt.datetime.now(dt.UTC))
        except SQLAlchemyError:
            pass  # the session is gone, and its lock with it; the next request waits anyway
        finally:
            self._let_go()

    # -- internals ------------------------------------------------------------------------

    def _acquire_file(self) -> None:
        lock = FileLock(f"{self._target.url.database}.arxiv.lock", timeout=self._wait_limit)
        try:
            lock.acquire()
        except Timeout:
            raise StoreError(
                f"another process has used arXiv through {self._target.display} for "
                f"{self._wait_limit:.0f} s without letting go; try again later"
            ) from None
        self._file = lock

    def _wait_sqlite(self, interval: float) -> float:
        with self._engine.connect() as conn:
            last = conn.execute(
                select(arxiv_gate.c.last_end).where(arxiv_gate.c.name == GATE)
            ).scalar_one_or_none()
        if not isinstance(last, dt.datetime):
            return 0.0
        return interval - (dt.datetime.now(dt.UTC) - last).total_seconds()

    def _acquire_postgresql(self, interval: float) -> float:
        session = self._engine.connect()
        self._session = session
        session.execute(text(f"SET lock_timeout = '{int(self._wait_limit * 1000)}ms'"))
        session.execute(text(f"SELECT pg_advisory_lock(:key, {SCHEMA_KEY})"), {"key": _KEY})
        session.execute(text("SET lock_timeout = 0"))
        wait = session.execute(
            select(
                func.extract(
                    "epoch",
                    arxiv_gate.c.last_end
                    + func.make_interval(0, 0, 0, 0, 0, 0, interval)
                    - func.clock_timestamp(),
                )
            ).where(arxiv_gate.c.name == GATE)
        ).scalar_one_or_none()
        session.commit()
        return float(wait) if wait is not None else 0.0

    @staticmethod
    def _mark(conn: Connection, moment: object) -> None:
        done = conn.execute(
            update(arxiv_gate).where(arxiv_gate.c.name == GATE).values(last_end=moment)
        )
        if not done.rowcount:
            conn.execute(insert(arxiv_gate).values(name=GATE, last_end=moment))

    def _let_go(self) -> None:
        if self._session is not None:
            try:
                self._session.close()
            finally:
                self._session = None
        if self._file is not None:
            self._file.release()
            self._file = None


_KEY = zlib.crc32(b"arxiv-radar:arxiv-gate") & 0x7FFFFFFF
