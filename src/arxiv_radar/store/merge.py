"""The upsert rules, as pure functions on row dictionaries (no database here).

Papers (keyed by arxiv_id):

- not stored: insert;
- stored at a lower version: the incoming record replaces the metadata (``published``, the
  submission date of v1, is kept when the incoming record lacks it);
- stored at the same version: fields the incoming record provides (not None, not empty)
  overwrite, the others keep their stored values; "updated" only if a value changed;
- stored at a higher version: kept as it is (older data never downgrades a paper).

Announcements (keyed by arxiv_id, announced_on, feed): the stronger announce type wins
(new > cross > replace > replace-cross) with the larger version; the position follows the
stronger type (a missing position is filled in). Nothing else changes.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

from ..models import Announcement, AnnounceType, Paper
from .tables import to_utc

Row = dict[str, Any]

PAPER_FIELDS = (
    "version",
    "title",
    "abstract",
    "authors",
    "categories",
    "primary_category",
    "published",
    "updated",
    "comment",
    "journal_ref",
    "doi",
    "license",
)
_MERGED_FIELDS = PAPER_FIELDS[1:]


class Outcome(Enum):
    INSERTED = "inserted"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


def clean(text: str) -> str:
    """``text`` without NUL characters, which PostgreSQL cannot store (arXiv has none)."""
    return text.replace("\x00", "")


def _clean_optional(text: str | None) -> str | None:
    return None if text is None else text.replace("\x00", "")


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else to_utc(value)


def paper_row(paper: Paper) -> Row:
    """The database values of ``paper`` (without the store's own timestamps)."""
    return {
        "arxiv_id": clean(paper.arxiv_id),
        "version": paper.version,
        "title": clean(paper.title),
        "abstract": clean(paper.abstract),
        "authors": [clean(name) for name in paper.authors],
        "categories": [clean(name) for name in paper.categories],
        "primary_category": _clean_optional(paper.primary_category),
        "published": _utc(paper.published),
        "updated": _utc(paper.updated),
        "comment": _clean_optional(paper.comment),
        "journal_ref": _clean_optional(paper.journal_ref),
        "doi": _clean_optional(paper.doi),
        "license": _clean_optional(paper.license),
    }


def row_paper(row: Any) -> Paper:
    """The Paper a ``papers`` row holds (``row`` is a Row mapping or a dict)."""
    return Paper(
        arxiv_id=row["arxiv_id"],
        version=row["version"],
        title=row["title"],
        abstract=row["abstract"],
        authors=tuple(row["authors"]),
        categories=tuple(row["categories"]),
        primary_category=row["primary_category"],
        published=row["published"],
        updated=row["updated"],
        comment=row["comment"],
        journal_ref=row["journal_ref"],
        doi=row["doi"],
        license=row["license"],
    )


def merge_paper(stored: Row | None, incoming: Row) -> tuple[Row, Outcome]:
    """The row to keep for a paper, and what happened to it."""
    if stored is None:
        return incoming, Outcome.INSERTED
    if incoming["version"] < stored["version"]:
        return stored, Outcome.UNCHANGED
    if incoming["version"] > stored["version"]:
        merged = dict(incoming)
        if merged["published"] is None:
            merged["published"] = stored["published"]
    else:
        merged = dict(stored)
        for field in _MERGED_FIELDS:
            value = incoming[field]
            if value is not None and value != "" and value != []:
                merged[field] = value
    if all(merged[field] == stored[field] for field in PAPER_FIELDS):
        return stored, Outcome.UNCHANGED
    return merged, Outcome.UPDATED


def announcement_row(announcement: Announcement, position: int | None) -> Row:
    return {
        "arxiv_id": clean(announcement.arxiv_id),
        "announced_on": announcement.announced_on,
        "feed": clean(announcement.feed),
        "announce_type": str(announcement.announce_type),
        "version": announcement.version,
        "position": position,
    }


def announcement_key(row: Any) -> tuple[str, dt.date, str]:
    return (row["arxiv_id"], row["announced_on"], row["feed"])


def merge_announcement(stored: Row | None, incoming: Row) -> tuple[Row, Outcome]:
    """The row to keep for one (paper, day, feed), and what happened to it."""
    if stored is None:
        return incoming, Outcome.INSERTED
    old_type = AnnounceType(stored["announce_type"])
    new_type = AnnounceType(incoming["announce_type"])
    merged = dict(stored)
    merged["version"] = max(stored["version"], incoming["version"])
    if new_type.priority < old_type.priority:
        merged["announce_type"] = new_type.value
        merged["position"] = incoming["position"]
    elif stored["position"] is None:
        merged["position"] = incoming["position"]
    if (
        merged["announce_type"] == stored["announce_type"]
        and merged["version"] == stored["version"]
        and merged["position"] == stored["position"]
    ):
        return stored, Outcome.UNCHANGED
    return merged, Outcome.UPDATED


def row_announcement(row: Any) -> Announcement:
    return Announcement(
        arxiv_id=row["arxiv_id"],
        version=row["version"],
        announced_on=row["announced_on"],
        announce_type=AnnounceType(row["announce_type"]),
        feed=row["feed"],
    )
