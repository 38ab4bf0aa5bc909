"""Reading and writing ``reranks``: the LLM rerank's judgements, so that a paper version is
judged once per model and profile prompt (docs/relevance.md, "LLM rerank").

A row is keyed by (arxiv_id, version, model, prompt_hash): ``model`` is the judge as
``provider:model`` and ``prompt_hash`` the rerank prompt with the profile's interests and
keywords. ``relevance`` (0 to 10) and ``reason`` (one sanitized line) are set when the
status is ``ok``; a ``failed`` row keeps the error, and is judged again on the next run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, and_, delete, insert, or_, select

from .papers import chunked
from .tables import reranks

RerankStatus = Literal["ok", "failed"]


class RerankRecord(BaseModel):
    """One judgement (or failure) of one paper version, as the store keeps it."""

    model_config = ConfigDict(frozen=True)

    arxiv_id: str
    version: int = Field(ge=1)
    model: str
    prompt_hash: str
    status: RerankStatus
    relevance: int | None = Field(default=None, ge=0, le=10)
    reason: str | None = None
    error: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    created_at: dt.datetime | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok" and self.relevance is not None


def _key_clause(arxiv_id: str, version: int, model: str, prompt_hash: str) -> Any:
    return and_(
        reranks.c.arxiv_id == arxiv_id,
        reranks.c.version == version,
        reranks.c.model == model,
        reranks.c.prompt_hash == prompt_hash,
    )


def save(conn: Connection, record: RerankRecord, now: dt.datetime) -> None:
    """Store ``record`` under its key, replacing what was there (e.g. an earlier failure)."""
    conn.execute(
        delete(reranks).where(
            _key_clause(record.arxiv_id, record.version, record.model, record.prompt_hash)
        )
    )
    conn.execute(
        insert(reranks).values(
            arxiv_id=record.arxiv_id,
            version=record.version,
            model=record.model,
            prompt_hash=record.prompt_hash,
            relevance=record.relevance,
            reason=record.reason,
            status=record.status,
            error=record.error,
            tokens_in=record.tokens_in,
            tokens_out=record.tokens_out,
            cost=record.cost,
            created_at=record.created_at or now,
        )
    )


def load(
    conn: Connection, model: str, prompt_hash: str, keys: Iterable[tuple[str, int]]
) -> dict[tuple[str, int], RerankRecord]:
    """The stored judgements by ``model`` under ``prompt_hash`` of these (arxiv_id, version)
    keys; keys never judged are absent."""
    found: dict[tuple[str, int], RerankRecord] = {}
    for chunk in chunked(list(dict.fromkeys(keys)), 200):
        wanted = or_(
            *(
                and_(reranks.c.arxiv_id == arxiv_id, reranks.c.version == version)
                for arxiv_id, version in chunk
            )
        )
        rows = conn.execute(
            select(reranks).where(
                reranks.c.model == model, reranks.c.prompt_hash == prompt_hash, wanted
            )
        )
        for row in rows:
            found[(row.arxiv_id, row.version)] = RerankRecord(
                arxiv_id=row.arxiv_id,
                version=row.version,
                model=row.model,
                prompt_hash=row.prompt_hash,
                status=row.status,
                relevance=row.relevance,
                reason=row.reason,
                error=row.error,
                tokens_in=row.tokens_in,
                tokens_out=row.tokens_out,
                cost=row.cost,
                created_at=row.created_at,
            )
    return found
