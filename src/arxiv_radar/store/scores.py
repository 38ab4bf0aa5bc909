"""Reading and writing ``scores``: a profile's score and explanation per paper version."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, delete, insert, select

from ..models import Explanation
from .papers import chunked
from .tables import scores


class StoredScore(BaseModel):
    """A score as stored: which profile, which paper version, when, and why."""

    model_config = ConfigDict(frozen=True)

    profile: str
    arxiv_id: str
    version: int
    explanation: Explanation
    computed_at: dt.datetime

    @property
    def score(self) -> float:
        return self.explanation.total


def save(
    conn: Connection,
    profile: str,
    items: Sequence[tuple[str, int, Explanation]],
    now: dt.datetime,
) -> int:
    """Replace the scores of these (arxiv_id, version) pairs for ``profile``."""
    for chunk in chunked(items):
        for arxiv_id, version, _ in chunk:
            conn.execute(
                delete(scores).where(
                    scores.c.profile == profile,
                    scores.c.arxiv_id == arxiv_id,
                    scores.c.version == version,
                )
            )
        conn.execute(
            insert(scores),
            [
                {
                    "profile": profile,
                    "arxiv_id": arxiv_id,
                    "version": version,
                    "mode": explanation.mode,
                    "score": explanation.total,
                    "kept": explanation.kept,
                    "explanation": explanation.model_dump(mode="json"),
                    "computed_at": now,
                }
                for arxiv_id, version, explanation in chunk
            ],
        )
    return len(items)


def load(conn: Connection, profile: str, arxiv_ids: Iterable[str]) -> dict[str, StoredScore]:
    """The newest stored score of each paper (its highest scored version)."""
    found: dict[str, StoredScore] = {}
    for chunk in chunked(list(dict.fromkeys(arxiv_ids))):
        rows = conn.execute(
            select(scores)
            .where(scores.c.profile == profile, scores.c.arxiv_id.in_(chunk))
            .order_by(scores.c.arxiv_id, scores.c.version)
        )
        for row in rows:
            found[row.arxiv_id] = StoredScore(
                profile=row.profile,
                arxiv_id=row.arxiv_id,
                version=row.version,
                explanation=Explanation.model_validate(row.explanation),
                computed_at=row.computed_at,
            )
    return found
