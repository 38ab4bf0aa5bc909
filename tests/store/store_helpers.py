"""Builders of papers and listing entries for the store tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Table, select

from arxiv_radar.models import Announcement, AnnounceType, ListingEntry, Paper
from arxiv_radar.store import Store

DAY = dt.date(2024, 5, 6)


def make_paper(arxiv_id: str = "2405.00001", version: int = 1, **fields: Any) -> Paper:
    values: dict[str, Any] = {
        "title": f"Paper {arxiv_id}",
        "abstract": f"Abstract of {arxiv_id}.",
        "authors": ("Ada Lovelace", "Alan Turing"),
        "categories": ("cs.LG", "cs.AI"),
        "primary_category": "cs.LG",
    }
    values.update(fields)
    return Paper(arxiv_id=arxiv_id, version=version, **values)


def make_entry(
    arxiv_id: str = "2405.00001",
    announce_type: AnnounceType | str = AnnounceType.NEW,
    *,
    day: dt.date = DAY,
    version: int = 1,
    feed: str = "rss",
    **fields: Any,
) -> ListingEntry:
    return ListingEntry(
        paper=make_paper(arxiv_id, version, **fields),
        announcement=Announcement(
            arxiv_id=arxiv_id,
            version=version,
            announced_on=day,
            announce_type=AnnounceType(announce_type),
            feed=feed,
        ),
    )


def table_rows(store: Store, table: Table) -> list[dict[str, Any]]:
    """Every row of ``table``, for checks on what the store wrote (ordered by primary key)."""
    engine = store._engine
    assert engine is not None
    with engine.connect() as conn:
        query = select(table).order_by(*table.primary_key.columns)
        return [dict(row._mapping) for row in conn.execute(query)]
