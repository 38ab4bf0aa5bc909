"""Reading and writing ``summaries``: the cache that keeps a paper from being paid for twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, or_, select

from ..models import Summary, SummaryKey, SummarySection, SummaryStatus
from .papers import chunked
from .tables import summaries

_KEY_COLUMNS = ("arxiv_id", "version", "provider", "prompt_hash", "input_mode", "language")


def _key_clause(key: SummaryKey) -> Any:
    return and_(*(summaries.c[name] == getattr(key, name) for name in _KEY_COLUMNS))


def _row_to_summary(row: Any) -> Summary:
    return Summary(
        key=SummaryKey(**{name: getattr(row, name) for name in _KEY_COLUMNS}),
        model=row.model,
        markdown=row.markdown,
        tldr=row.tldr,
        sections=tuple(SummarySection.model_validate(item) for item in row.sections),
        missing_sections=tuple(row.missing_sections),
        extractive=row.extractive,
        status=SummaryStatus(row.status),
        error=row.error,
        tokens_in=row.tokens_in,
        tokens_out=row.tokens_out,
        cost=row.cost,
        created_at=row.created_at,
    )


def save(conn: Connection, summary: Summary, now: dt.datetime) -> None:
    """Store ``summary`` under its key, replacing what was there (e.g. an earlier failure)."""
    conn.execute(delete(summaries).where(_key_clause(summary.key)))
    conn.execute(
        insert(summaries).values(
            **summary.key.model_dump(),
            model=summary.model,
            markdown=summary.markdown,
            tldr=summary.tldr,
            sections=[section.model_dump() for section in summary.sections],
            missing_sections=list(summary.missing_sections),
            extractive=summary.extractive,
            status=summary.status.value,
            error=summary.error,
            tokens_in=summary.tokens_in,
            tokens_out=summary.tokens_out,
            cost=summary.cost,
            created_at=summary.created_at or now,
        )
    )


def load(conn: Connection, keys: Iterable[SummaryKey]) -> dict[SummaryKey, Summary]:
    """The stored summaries of these keys (missing keys are absent from the result)."""
    found: dict[SummaryKey, Summary] = {}
    for chunk in chunked(list(dict.fromkeys(keys)), 200):
        rows = conn.execute(select(summaries).where(or_(*(_key_clause(key) for key in chunk))))
        for row in rows:
            summary = _row_to_summary(row)
            found[summary.key] = summary
    return found


def latest_for(conn: Connection, arxiv_ids: Iterable[str]) -> dict[str, Summary]:
    """Each paper's newest usable summary (ok or incomplete) of its highest version."""
    best: dict[str, Summary] = {}
    for chunk in chunked(list(dict.fromkeys(arxiv_ids))):
        rows = conn.execute(
            select(summaries)
            .where(summaries.c.arxiv_id.in_(chunk), summaries.c.status != SummaryStatus.FAILED)
            .order_by(summaries.c.arxiv_id, summaries.c.version, summaries.c.created_at)
        )
        for row in rows:
            best[row.arxiv_id] = _row_to_summary(row)
    return best
