"""Reading and writing papers and announcements on an open connection, in batches.

Writes never run one query per record: each chunk of records loads the rows it touches with
one ``IN (...)`` query, the upsert rules (``merge.py``) run in Python, and the inserts and
updates go out as two executemany statements.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import Connection, bindparam, func, insert, select, update

from ..errors import StoreError
from ..models import (
    Announcement,
    AnnounceType,
    IngestCounts,
    ListingEntry,
    Paper,
    StoredPaper,
)
from .merge import (
    PAPER_FIELDS,
    Outcome,
    Row,
    announcement_key,
    announcement_row,
    merge_announcement,
    merge_paper,
    paper_row,
    row_announcement,
    row_paper,
)
from .tables import announcements, papers

CHUNK = 500  # rows per IN (...) query and per executemany

T = TypeVar("T")


def chunked(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


_UPDATE_PAPER = (
    update(papers)
    .where(papers.c.arxiv_id == bindparam("key_arxiv_id"))
    .values({field: bindparam(f"new_{field}") for field in (*PAPER_FIELDS, "updated_at")})
)
_UPDATE_ANNOUNCEMENT = (
    update(announcements)
    .where(announcements.c.id == bindparam("key_id"))
    .values(
        announce_type=bindparam("new_announce_type"),
        version=bindparam("new_version"),
        position=bindparam("new_position"),
    )
)


def upsert_papers(conn: Connection, items: Sequence[Paper], now: dt.datetime) -> IngestCounts:
    """Apply the paper upsert rules to one chunk of papers."""
    rows = [paper_row(paper) for paper in items]
    ids = {row["arxiv_id"] for row in rows}
    stored: dict[str, Row] = {
        row.arxiv_id: dict(row._mapping)
        for row in conn.execute(select(papers).where(papers.c.arxiv_id.in_(ids)))
    }
    to_insert: dict[str, Row] = {}
    to_update: dict[str, Row] = {}
    tally = dict.fromkeys(Outcome, 0)
    for row in rows:
        arxiv_id = row["arxiv_id"]
        current = to_insert.get(arxiv_id) or to_update.get(arxiv_id) or stored.get(arxiv_id)
        merged, outcome = merge_paper(current, row)
        tally[outcome] += 1
        if outcome is Outcome.INSERTED:
            to_insert[arxiv_id] = merged
        elif outcome is Outcome.UPDATED:
            (to_insert if arxiv_id in to_insert else to_update)[arxiv_id] = merged
    if to_insert:
        conn.execute(
            insert(papers),
            [{**row, "first_seen_at": now, "updated_at": now} for row in to_insert.values()],
        )
    if to_update:
        conn.execute(
            _UPDATE_PAPER,
            [
                {
                    "key_arxiv_id": arxiv_id,
                    "new_updated_at": now,
                    **{f"new_{field}": row[field] for field in PAPER_FIELDS},
                }
                for arxiv_id, row in to_update.items()
            ],
        )
    return IngestCounts(
        papers_inserted=tally[Outcome.INSERTED],
        papers_updated=tally[Outcome.UPDATED],
        papers_unchanged=tally[Outcome.UNCHANGED],
    )


def upsert_announcements(
    conn: Connection,
    items: Sequence[tuple[Announcement, int | None]],
    *,
    check_papers: bool = True,
) -> IngestCounts:
    """Apply the announcement rules to one chunk of (announcement, position) pairs."""
    rows = [announcement_row(announcement, position) for announcement, position in items]
    ids = {row["arxiv_id"] for row in rows}
    if check_papers:
        _require_papers(conn, ids)
    # All announcements of these papers (a handful each), found through the unique index;
    # filtering by day in SQL can lead a planner to scan a whole day instead.
    days = {row["announced_on"] for row in rows}
    stored: dict[tuple[str, dt.date, str], Row] = {
        announcement_key(row._mapping): dict(row._mapping)
        for row in conn.execute(select(announcements).where(announcements.c.arxiv_id.in_(ids)))
        if row.announced_on in days
    }
    to_insert: dict[tuple[str, dt.date, str], Row] = {}
    to_update: dict[tuple[str, dt.date, str], Row] = {}
    tally = dict.fromkeys(Outcome, 0)
    for row in rows:
        key = announcement_key(row)
        current = to_insert.get(key) or to_update.get(key) or stored.get(key)
        merged, outcome = merge_announcement(current, row)
        tally[outcome] += 1
        if outcome is Outcome.INSERTED:
            to_insert[key] = merged
        elif outcome is Outcome.UPDATED:
            (to_insert if key in to_insert else to_update)[key] = merged
    if to_insert:
        conn.execute(insert(announcements), list(to_insert.values()))
    if to_update:
        conn.execute(
            _UPDATE_ANNOUNCEMENT,
            [
                {
                    "key_id": row["id"],
                    "new_announce_type": row["announce_type"],
                    "new_version": row["version"],
                    "new_position": row["position"],
                }
                for row in to_update.values()
            ],
        )
    return IngestCounts(
        announcements_inserted=tally[Outcome.INSERTED],
        announcements_updated=tally[Outcome.UPDATED],
        announcements_unchanged=tally[Outcome.UNCHANGED],
    )


def _require_papers(conn: Connection, ids: set[str]) -> None:
    found = set(conn.scalars(select(papers.c.arxiv_id).where(papers.c.arxiv_id.in_(ids))))
    missing = sorted(ids - found)
    if missing:
        shown = ", ".join(missing[:5]) + (
            f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        )
        raise StoreError(
            f"announcements refer to papers that are not stored: {shown} (store the papers first)"
        )


def load_papers(conn: Connection, arxiv_ids: Iterable[str]) -> dict[str, StoredPaper]:
    """The stored papers among ``arxiv_ids``, each with every announcement of it."""
    found: dict[str, StoredPaper] = {}
    for chunk in chunked(dict.fromkeys(arxiv_ids)):
        found.update(_load_chunk(conn, select(papers).where(papers.c.arxiv_id.in_(chunk))))
    return found


def load_page(conn: Connection, after: str | None, size: int) -> list[StoredPaper]:
    """Up to ``size`` stored papers in arxiv_id order, starting after ``after``."""
    query = select(papers).order_by(papers.c.arxiv_id).limit(size)
    if after is not None:
        query = query.where(papers.c.arxiv_id > after)
    return list(_load_chunk(conn, query).values())


def _load_chunk(conn: Connection, query: Any) -> dict[str, StoredPaper]:
    rows = {row.arxiv_id: row._mapping for row in conn.execute(query)}
    if not rows:
        return {}
    listed: dict[str, list[Announcement]] = {arxiv_id: [] for arxiv_id in rows}
    for row in conn.execute(
        select(announcements)
        .where(announcements.c.arxiv_id.in_(rows))
        .order_by(announcements.c.announced_on, announcements.c.feed)
    ):
        listed[row.arxiv_id].append(row_announcement(row._mapping))
    return {
        arxiv_id: StoredPaper(
            paper=row_paper(row),
            announcements=tuple(listed[arxiv_id]),
            first_seen_at=row["first_seen_at"],
        )
        for arxiv_id, row in rows.items()
    }


def announced_order(conn: Connection, day: dt.date) -> list[str]:
    """The papers announced on ``day``, strongest announce type first, then by position."""
    best: dict[str, tuple[int, bool, int]] = {}
    for arxiv_id, announce_type, position in conn.execute(
        select(
            announcements.c.arxiv_id, announcements.c.announce_type, announcements.c.position
        ).where(announcements.c.announced_on == day)
    ):
        key = (AnnounceType(announce_type).priority, position is None, position or 0)
        if arxiv_id not in best or key < best[arxiv_id]:
            best[arxiv_id] = key
    return sorted(best, key=lambda arxiv_id: (best[arxiv_id], arxiv_id))


def ingest(conn: Connection, entries: Iterable[ListingEntry], now: dt.datetime) -> IngestCounts:
    """Store a listing's papers and announcements, each announcement at its entry's index."""
    counts = IngestCounts()
    offset = 0
    for chunk in chunked(entries):
        for index, entry in enumerate(chunk, start=offset):
            if entry.announcement.arxiv_id != entry.paper.arxiv_id:
                raise StoreError(
                    f"listing entry {index}: the announcement is for "
                    f"{entry.announcement.arxiv_id} but the paper is "
                    f"{entry.paper.arxiv_id}; nothing was stored"
                )
        counts += upsert_papers(conn, [entry.paper for entry in chunk], now)
        counts += upsert_announcements(
            conn,
            [(entry.announcement, offset + i) for i, entry in enumerate(chunk)],
            check_papers=False,
        )
        offset += len(chunk)
    return counts


def upsert_all(conn: Connection, items: Iterable[Paper], now: dt.datetime) -> IngestCounts:
    """Insert or update every paper of ``items``, chunk by chunk."""
    counts = IngestCounts()
    for chunk in chunked(items):
        counts += upsert_papers(conn, chunk, now)
    return counts


def add_announcements(
    conn: Connection, items: Iterable[Announcement], *, positions: bool
) -> IngestCounts:
    """Record announcements of stored papers, at their index in ``items`` with ``positions``."""
    counts = IngestCounts()
    offset = 0
    for chunk in chunked(items):
        counts += upsert_announcements(
            conn,
            [
                (announcement, offset + i if positions else None)
                for i, announcement in enumerate(chunk)
            ],
        )
        offset += len(chunk)
    return counts


def announcement_dates(conn: Connection) -> list[dt.date]:
    """Every day with at least one announcement, oldest first."""
    query = select(announcements.c.announced_on).distinct().order_by(announcements.c.announced_on)
    return list(conn.scalars(query))


def announcement_bound(
    conn: Connection, *, latest: bool, feed: str | None = None
) -> dt.date | None:
    """The latest (or earliest) day with an announcement, seen through ``feed`` when given."""
    column = announcements.c.announced_on
    query = select(func.max(column) if latest else func.min(column))
    if feed is not None:
        query = query.where(announcements.c.feed == feed)
    day: dt.date | None = conn.scalar(query)
    return day


def count(conn: Connection) -> int:
    """How many papers are stored."""
    return int(conn.scalar(select(func.count()).select_from(papers)) or 0)
