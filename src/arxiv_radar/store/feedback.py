"""Reading and writing ``feedback``: a reader's judgement of a paper for a profile (up or
down), the latest one kept. Semantic ranking turns them into the profile's positives and
negatives (docs/relevance.md)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, delete, insert, select

from .tables import feedback

UP, DOWN = 1, -1


def save(
    conn: Connection, profile: str, arxiv_id: str, judgement: int | None, now: dt.datetime
) -> None:
    """Record ``judgement`` (``UP`` or ``DOWN``) of ``arxiv_id`` for ``profile``, replacing an
    earlier one; None forgets it."""
    if judgement not in (UP, DOWN, None):
        raise ValueError(f"a judgement is {UP} (up) or {DOWN} (down), not {judgement!r}")
    conn.execute(
        delete(feedback).where(feedback.c.profile == profile, feedback.c.arxiv_id == arxiv_id)
    )
    if judgement is not None:
        conn.execute(
            insert(feedback).values(
                profile=profile, arxiv_id=arxiv_id, judgement=judgement, recorded_at=now
            )
        )


def load(conn: Connection, profile: str) -> dict[str, int]:
    """Every judgement recorded for ``profile``: arXiv id -> ``UP`` or ``DOWN``, oldest first."""
    rows = conn.execute(
        select(feedback.c.arxiv_id, feedback.c.judgement)
        .where(feedback.c.profile == profile)
        .order_by(feedback.c.recorded_at, feedback.c.arxiv_id)
    )
    return {row.arxiv_id: int(row.judgement) for row in rows}
