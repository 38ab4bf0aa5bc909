"""Query filters shared by the feeds and the API: ``?min_score= ?type= ?q= ?limit=``.

Each is validated by FastAPI (a value out of range or too long is a 422, never a 500) and
applied to a digest's entries, keeping their ranks: a filtered feed shows rank 3 as rank 3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Query

from arxiv_radar.models import AnnounceType, Digest, DigestEntry

__all__ = ["FeedFilters", "MAX_QUERY_CHARS", "feed_filters", "filter_digest"]

MAX_QUERY_CHARS = 200
MAX_LIMIT = 1000
MAX_SCORE = 1_000_000.0


@dataclass(frozen=True)
class FeedFilters:
    """Which of a digest's papers to show. The default shows every one."""

    min_score: float | None = None
    types: tuple[AnnounceType, ...] = ()
    query: str = ""
    limit: int | None = None
    category: str | None = None

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(self.query.casefold().split())

    @property
    def key(self) -> tuple[object, ...]:
        """A hashable key: filters that show the same papers have the same key."""
        return (
            self.min_score,
            tuple(sorted(set(self.types))),
            self.words,
            self.limit,
            self.category,
        )

    def keeps(self, entry: DigestEntry) -> bool:
        ranked = entry.ranked
        if self.min_score is not None and ranked.score < self.min_score:
            return False
        if self.types and ranked.announce_type not in self.types:
            return False
        paper = ranked.paper
        if self.category is not None and not (
            self.category in paper.categories or paper.primary_category == self.category
        ):
            return False
        words = self.words
        if words:
            text = _searchable(entry)
            return all(word in text for word in words)
        return True


def _searchable(entry: DigestEntry) -> str:
    paper = entry.ranked.paper
    parts = [paper.arxiv_id, paper.versioned_id, paper.title, paper.abstract, *paper.authors]
    parts += paper.categories
    if entry.summary is not None:
        parts += [entry.summary.tldr or "", entry.summary.markdown]
    return "\n".join(parts).casefold()


def filter_digest(digest: Digest, filters: FeedFilters) -> Digest:
    """``digest`` with only the entries ``filters`` keep (at most ``limit`` of them)."""
    if filters == FeedFilters():
        return digest
    entries = [entry for entry in digest.entries if filters.keeps(entry)]
    if filters.limit is not None:
        entries = entries[: filters.limit]
    return digest.model_copy(update={"entries": tuple(entries)})


MinScore = Annotated[
    float | None,
    Query(
        ge=0,
        le=MAX_SCORE,
        allow_inf_nan=False,
        description="Only papers scoring at least this much.",
        examples=[1.5],
    ),
]
Types = Annotated[
    list[AnnounceType] | None,
    Query(
        alias="type",
        max_length=4,
        description="Only papers of these announce types (repeat the parameter for several).",
    ),
]
Search = Annotated[
    str | None,
    Query(
        max_length=MAX_QUERY_CHARS,
        description="Only papers whose title, authors, abstract, id or summary contain every "
        "word (case-insensitive).",
        examples=["kv cache"],
    ),
]
Limit = Annotated[
    int | None,
    Query(ge=1, le=MAX_LIMIT, description="At most this many papers (the best ranked)."),
]


async def feed_filters(
    min_score: MinScore = None,
    types: Types = None,
    q: Search = None,
    limit: Limit = None,
) -> FeedFilters:
    """The feed filters of a request (a FastAPI dependency; async: no thread hop)."""
    return FeedFilters(
        min_score=min_score,
        types=tuple(types or ()),
        query=q or "",
        limit=limit,
    )
