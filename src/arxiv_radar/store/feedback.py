"""Reading and writing ``feedback``: a reader's judgement of a paper for a profile (up or
down), the latest one kept. Semantic ranking turns them into the profile's positives and
negatives (docs/relevance.md).

And ``feedback_tokens``: the token that lets a reader record feedback through the server
(``arxiv-radar feedback-token``), one per profile, kept only as its SHA-256."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy import Connection, delete, insert, select

from .tables import feedback, feedback_tokens

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


# -- tokens: who may record feedback through the server --------------------------------------


def new_token() -> str:
    """A new random token: 32 bytes from :mod:`secrets`, URL-safe base64 (43 characters)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """The SHA-256 of ``token`` (hex), the only form of it the store keeps."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def save_token(conn: Connection, profile: str, token: str, now: dt.datetime) -> None:
    """Keep the hash of ``token`` as ``profile``'s feedback token, replacing the one before."""
    conn.execute(delete(feedback_tokens).where(feedback_tokens.c.profile == profile))
    conn.execute(
        insert(feedback_tokens).values(
            profile=profile, token_hash=token_hash(token), created_at=now
        )
    )


def delete_token(conn: Connection, profile: str) -> bool:
    """Forget ``profile``'s feedback token; False when it had none."""
    done = conn.execute(delete(feedback_tokens).where(feedback_tokens.c.profile == profile))
    return bool(done.rowcount)


def token_matches(conn: Connection, profile: str, token: str) -> bool:
    """Whether ``token`` is ``profile``'s feedback token (hashes compared in constant time)."""
    stored = conn.execute(
        select(feedback_tokens.c.token_hash).where(feedback_tokens.c.profile == profile)
    ).scalar_one_or_none()
    presented = token_hash(token)
    if stored is None:
        hmac.compare_digest(presented, presented)  # the same work whether or not one exists
        return False
    return hmac.compare_digest(presented, str(stored))
