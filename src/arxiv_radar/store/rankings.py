"""Reading and writing ``rankings``: a profile's ranking of one announcement day, computed
once per ranking configuration and read back by ``summarize``, publishing and the server.

A ranking is keyed by (profile, day, :func:`config_hash`): the hash covers every ranking
setting of the profile and the mode used, so a changed profile is a different key and is
ranked again. :func:`papers_hash` fingerprints the day's papers as they were ranked (ids,
versions, metadata, announce types, order): a stored ranking whose fingerprint differs from
the day's papers now is stale. Each row holds every considered paper (shown ones first, by
rank; then the others in announcement order) with its score and explanation, serialized
through :class:`RankingEntry`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, delete, insert, select

from ..config import ProfileConfig
from ..models import AnnounceType, Explanation, Paper, RankedPaper
from .papers import chunked
from .tables import rankings

RANKING_REVISION = 1
"""Part of every configuration hash: raise it when the scoring code changes what it computes,
so that stored rankings are computed again."""


def config_hash(profile: ProfileConfig, mode: str | None = None, *, extra: str = "") -> str:
    """A hash of ``profile``'s ranking settings ranked in ``mode`` (default: its own);
    ``extra``: what else the ranking depends on (semantic modes: the embedding model and the
    profile's anchors as embedded)."""
    settings = profile.model_dump(mode="json")
    settings["mode"] = mode or profile.mode
    if not settings.get("rerank"):  # off: the keys of rankings made before it existed
        settings.pop("rerank", None)
    document: dict[str, object] = {"revision": RANKING_REVISION, "profile": settings}
    if extra:
        document["extra"] = extra
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def papers_hash(papers: Iterable[tuple[Paper, AnnounceType]]) -> str:
    """A fingerprint of a day's papers, in order, with how each was announced."""
    digest = hashlib.sha256()
    for paper, announce_type in papers:
        digest.update(announce_type.value.encode())
        digest.update(paper.model_dump_json().encode())
        digest.update(b"\n")
    return digest.hexdigest()[:32]


class RankingEntry(BaseModel):
    """One considered paper of a stored ranking: its place (None: not shown, because the
    profile dropped it or ``max_papers`` cut it), score and explanation."""

    model_config = ConfigDict(frozen=True)

    arxiv_id: str
    version: int = Field(ge=1)
    announce_type: AnnounceType
    rank: int | None = Field(default=None, ge=1)
    score: float
    explanation: Explanation


class StoredRanking(BaseModel):
    """A profile's ranking of one announcement day, as stored."""

    model_config = ConfigDict(frozen=True)

    profile: str
    day: dt.date
    config_hash: str
    mode: Literal["keywords", "legacy", "semantic", "hybrid"]
    papers_hash: str
    considered: int = Field(ge=0)
    kept: int = Field(ge=0)
    entries: tuple[RankingEntry, ...]
    computed_at: dt.datetime

    @property
    def shown(self) -> int:
        return sum(1 for entry in self.entries if entry.rank is not None)

    @property
    def explanations(self) -> dict[str, Explanation]:
        """Every considered paper's explanation, shown papers first (in rank order)."""
        return {entry.arxiv_id: entry.explanation for entry in self.entries}

    def ranked(self, papers: Mapping[str, Paper]) -> list[RankedPaper]:
        """The shown papers, best first, with their ``papers`` (a paper missing there is
        left out)."""
        shown = sorted(
            (entry for entry in self.entries if entry.rank is not None),
            key=lambda entry: entry.rank or 0,
        )
        return [
            RankedPaper(
                rank=entry.rank,
                paper=papers[entry.arxiv_id],
                announce_type=entry.announce_type,
                score=entry.score,
                explanation=entry.explanation,
            )
            for entry in shown
            if entry.rank is not None and entry.arxiv_id in papers
        ]


def save(conn: Connection, ranking: StoredRanking) -> None:
    """Store ``ranking``, replacing the one of the same key."""
    key = (
        (rankings.c.profile == ranking.profile)
        & (rankings.c.announced_on == ranking.day)
        & (rankings.c.config_hash == ranking.config_hash)
    )
    conn.execute(delete(rankings).where(key))
    conn.execute(
        insert(rankings).values(
            profile=ranking.profile,
            announced_on=ranking.day,
            config_hash=ranking.config_hash,
            mode=ranking.mode,
            papers_hash=ranking.papers_hash,
            considered=ranking.considered,
            kept=ranking.kept,
            shown=ranking.shown,
            entries=[entry.model_dump(mode="json") for entry in ranking.entries],
            computed_at=ranking.computed_at,
        )
    )


def load(conn: Connection, profile: str, day: dt.date, key: str) -> StoredRanking | None:
    """The stored ranking of ``profile``'s ``day`` under configuration hash ``key``."""
    row = conn.execute(
        select(rankings).where(
            rankings.c.profile == profile,
            rankings.c.announced_on == day,
            rankings.c.config_hash == key,
        )
    ).first()
    if row is None:
        return None
    return StoredRanking(
        profile=row.profile,
        day=row.announced_on,
        config_hash=row.config_hash,
        mode=row.mode,
        papers_hash=row.papers_hash,
        considered=row.considered,
        kept=row.kept,
        entries=tuple(RankingEntry.model_validate(entry) for entry in row.entries),
        computed_at=row.computed_at,
    )


def days(conn: Connection, profile: str, key: str) -> set[dt.date]:
    """The days with a stored ranking of ``profile`` under configuration hash ``key``."""
    query = select(rankings.c.announced_on).where(
        rankings.c.profile == profile, rankings.c.config_hash == key
    )
    return set(conn.scalars(query))


def hashes(
    conn: Connection, day: dt.date, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    """The papers hash of each stored ranking of ``day`` among ``keys`` ((profile,
    configuration hash) pairs), without reading its entries."""
    wanted = set(keys)
    found: dict[tuple[str, str], str] = {}
    for chunk in chunked(sorted({profile for profile, _ in wanted})):
        query = select(rankings.c.profile, rankings.c.config_hash, rankings.c.papers_hash).where(
            rankings.c.announced_on == day, rankings.c.profile.in_(chunk)
        )
        for row in conn.execute(query):
            if (row.profile, row.config_hash) in wanted:
                found[(row.profile, row.config_hash)] = row.papers_hash
    return found


def latest_key(conn: Connection, profile: str) -> str | None:
    """The configuration hash of ``profile``'s most recent ranking (of any day)."""
    query = (
        select(rankings.c.config_hash)
        .where(rankings.c.profile == profile)
        .order_by(rankings.c.computed_at.desc(), rankings.c.config_hash)
        .limit(1)
    )
    return conn.scalars(query).first()
