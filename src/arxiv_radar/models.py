"""Typed values shared by every stage of the pipeline.

These are plain immutable values: stages receive them and return new ones.
Store rows and API schemas are separate from them (see ``store/``).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class AnnounceType(StrEnum):
    """How a paper appears in a day's listing (rss.arxiv.org's ``announce_type``)."""

    NEW = "new"
    CROSS = "cross"
    REPLACE = "replace"
    REPLACE_CROSS = "replace-cross"

    @property
    def priority(self) -> int:
        """Lower is stronger: arXiv lists a paper once a day, new > cross > replace."""
        return _PRIORITY[self]

    def stronger(self, other: AnnounceType) -> AnnounceType:
        """The more significant of two announce types of one paper on one day."""
        return self if self.priority <= other.priority else other


_PRIORITY = {
    AnnounceType.NEW: 0,
    AnnounceType.CROSS: 1,
    AnnounceType.REPLACE: 2,
    AnnounceType.REPLACE_CROSS: 3,
}


class Paper(BaseModel):
    """One arXiv paper at one version, as read from any arXiv interface.

    ``arxiv_id`` is normalised and carries no version (``2401.01234``,
    ``hep-th/9901001``); ``version`` is the version this record describes.
    Fields an interface does not provide are ``None`` or empty.
    """

    model_config = ConfigDict(frozen=True)

    arxiv_id: str
    version: int = Field(ge=1)
    title: str
    abstract: str = ""
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    primary_category: str | None = None
    published: dt.datetime | None = None  # submission of v1
    updated: dt.datetime | None = None  # submission of this version
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    license: str | None = None

    @property
    def versioned_id(self) -> str:
        return f"{self.arxiv_id}v{self.version}"

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"


class Announcement(BaseModel):
    """A paper listed on one announcement day by one source.

    ``feed`` names the source that saw it: ``rss`` (the daily listing feed),
    ``api`` (derived from an export API look-up) or ``oai`` (an OAI-PMH harvest).
    """

    model_config = ConfigDict(frozen=True)

    arxiv_id: str
    version: int = Field(ge=1)
    announced_on: dt.date
    announce_type: AnnounceType
    feed: str = "rss"


class ListingEntry(BaseModel):
    """A paper and its announcement, as one item of a listing."""

    model_config = ConfigDict(frozen=True)

    paper: Paper
    announcement: Announcement


class SkippedItem(BaseModel):
    """An item a parser could not use, and why (reported, never silently dropped)."""

    model_config = ConfigDict(frozen=True)

    reason: str
    identifier: str | None = None


class Listing(BaseModel):
    """What one read of a listing feed produced.

    ``announced_on`` is ``None`` for an empty feed that names no date.
    ``not_modified`` is true when arXiv answered 304 to a conditional request.
    """

    model_config = ConfigDict(frozen=True)

    announced_on: dt.date | None
    entries: tuple[ListingEntry, ...] = ()
    skipped: tuple[SkippedItem, ...] = ()
    not_modified: bool = False

    @property
    def is_empty(self) -> bool:
        return not self.entries


class StoredPaper(BaseModel):
    """A paper as the store knows it: its latest version and every announcement."""

    model_config = ConfigDict(frozen=True)

    paper: Paper
    announcements: tuple[Announcement, ...] = ()
    first_seen_at: dt.datetime | None = None


class IngestCounts(BaseModel):
    """What writing papers and announcements into the store changed."""

    papers_inserted: int = 0
    papers_updated: int = 0
    papers_unchanged: int = 0
    announcements_inserted: int = 0
    announcements_updated: int = 0
    announcements_unchanged: int = 0

    def __add__(self, other: IngestCounts) -> IngestCounts:
        return IngestCounts(
            **{name: getattr(self, name) + getattr(other, name) for name in type(self).model_fields}
        )
