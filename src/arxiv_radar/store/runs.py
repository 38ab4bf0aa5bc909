"""Reading and writing ``runs``: each pipeline command's start, end, status, counts and errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, func, insert, select, update

from .tables import runs


class RunRecord(BaseModel):
    """One recorded run of a pipeline command."""

    model_config = ConfigDict(frozen=True)

    id: int
    kind: str
    status: str  # "running", "ok" or "failed"
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    announced_on: dt.date | None = None
    counts: dict[str, int] = {}
    errors: tuple[str, ...] = ()


def start(conn: Connection, kind: str, announced_on: dt.date | None, now: dt.datetime) -> int:
    """Insert a running run and return its id."""
    result = conn.execute(
        insert(runs).values(
            kind=kind,
            started_at=now,
            status="running",
            counts={},
            errors=[],
            announced_on=announced_on,
        )
    )
    key = result.inserted_primary_key
    return int(key[0]) if key is not None else 0


def finish(
    conn: Connection,
    run_id: int,
    status: str,
    counts: Mapping[str, int] | None,
    errors: Sequence[str],
    now: dt.datetime,
) -> bool:
    """Record the end of run ``run_id`` (``status`` checked by the caller); False when there
    is no such run."""
    result = conn.execute(
        update(runs)
        .where(runs.c.id == run_id)
        .values(
            finished_at=now,
            status=status,
            counts={str(name): int(value) for name, value in (counts or {}).items()},
            errors=[str(error) for error in errors],
        )
    )
    return bool(result.rowcount)


def dates(conn: Connection, kind: str, status: str) -> set[dt.date]:
    """Announcement dates of the runs of ``kind`` that ended with ``status``."""
    rows = conn.execute(
        select(runs.c.announced_on)
        .where(runs.c.kind == kind, runs.c.status == status)
        .where(runs.c.announced_on.is_not(None))
        .distinct()
    )
    return {row.announced_on for row in rows}


def first_started(conn: Connection, kinds: Iterable[str]) -> dt.datetime | None:
    """When the first run of one of ``kinds`` started (whatever its status)."""
    first: dt.datetime | None = conn.scalar(
        select(func.min(runs.c.started_at)).where(runs.c.kind.in_(list(kinds)))
    )
    return first


def recent(conn: Connection, limit: int) -> list[RunRecord]:
    """The latest ``limit`` runs, newest first."""
    rows = conn.execute(
        select(runs).order_by(runs.c.started_at.desc(), runs.c.id.desc()).limit(limit)
    )
    return [
        RunRecord(
            id=row.id,
            kind=row.kind,
            status=row.status,
            started_at=row.started_at,
            finished_at=row.finished_at,
            announced_on=row.announced_on,
            counts=row.counts,
            errors=tuple(row.errors),
        )
        for row in rows
    ]
