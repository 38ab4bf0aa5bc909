"""Reading and writing ``listings`` (which day's listing of which categories was read whole,
from which source) and ``http_cache`` (the validators of conditional GET)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Connection, delete, insert, select, update

from .tables import http_cache, listings


def record(
    conn: Connection,
    day: dt.date,
    source: str,
    categories: Iterable[str],
    papers: int,
    now: dt.datetime,
) -> None:
    """Add ``categories`` to those of ``day``'s listing read whole from ``source``."""
    wanted = set(categories)
    where = (listings.c.announced_on == day) & (listings.c.source == source)
    before = conn.execute(select(listings.c.categories).where(where)).first()
    if before is None:
        conn.execute(
            insert(listings).values(
                announced_on=day,
                source=source,
                categories=sorted(wanted),
                papers=papers,
                fetched_at=now,
            )
        )
        return
    merged = sorted(wanted | set(before.categories))
    conn.execute(
        update(listings).where(where).values(categories=merged, papers=papers, fetched_at=now)
    )


def categories(conn: Connection, day: dt.date) -> frozenset[str]:
    """The categories whose listing of ``day`` was read whole, from any source."""
    rows = conn.scalars(select(listings.c.categories).where(listings.c.announced_on == day))
    return frozenset(category for row in rows for category in row)


def days(conn: Connection) -> set[dt.date]:
    """Every day whose listing (of some categories) was read whole."""
    return set(conn.scalars(select(listings.c.announced_on).distinct()))


def get_validators(conn: Connection, url: str) -> tuple[str | None, str | None] | None:
    """The (ETag, Last-Modified) last seen for ``url``, or None."""
    row = conn.execute(
        select(http_cache.c.etag, http_cache.c.last_modified).where(http_cache.c.url == url)
    ).first()
    return None if row is None else (row.etag, row.last_modified)


def put_validators(
    conn: Connection, url: str, etag: str | None, last_modified: str | None, now: dt.datetime
) -> None:
    """Remember the validators of ``url``; with neither, forget the URL."""
    if etag is None and last_modified is None:
        conn.execute(delete(http_cache).where(http_cache.c.url == url))
        return
    values = {"etag": etag, "last_modified": last_modified, "updated_at": now}
    result = conn.execute(update(http_cache).where(http_cache.c.url == url).values(values))
    if result.rowcount == 0:
        conn.execute(insert(http_cache).values(url=url, **values))
