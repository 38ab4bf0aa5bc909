"""The store's tables, as SQLAlchemy Core metadata.

This module describes the schema the code expects at the migration head. The database is built
and changed only by the Alembic revisions in ``migrations/versions``; a test checks that those
revisions produce exactly these tables. A schema change is therefore two edits: the table here
and a new revision.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator, TypeEngine, UserDefinedType

# Stable constraint names, so later migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

ANNOUNCE_TYPES = ("new", "cross", "replace", "replace-cross")
RUN_STATUSES = ("running", "ok", "failed")


class _SQLiteTimestamp(UserDefinedType[str]):
    """A SQLite DATETIME column whose values UTCDateTime formats and parses itself."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "DATETIME"


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A point in time, stored in UTC and always read back timezone-aware (UTC).

    PostgreSQL keeps it as ``timestamptz``. SQLite has no timezone support: the value is
    converted to UTC and stored as ``YYYY-MM-DD HH:MM:SS.ffffff`` text (the format SQLAlchemy
    itself uses), and UTC is attached again when reading. A naive datetime given to the store
    is taken to be UTC already.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            # Formatting here instead of in SQLAlchemy's SQLite DATETIME is several times
            # faster, which matters when a listing writes thousands of rows.
            return dialect.type_descriptor(_SQLiteTimestamp())
        return dialect.type_descriptor(self.impl)

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is not dt.UTC:
            value = to_utc(value)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None).isoformat(" ", "microseconds")
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
        moment = cast(dt.datetime, moment)
        if moment.tzinfo is None:
            return moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC)


def to_utc(value: dt.datetime) -> dt.datetime:
    """``value`` as an aware UTC datetime (naive values are taken to be UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def json_type() -> TypeEngine[Any]:
    """JSON everywhere, stored as ``jsonb`` on PostgreSQL."""
    return JSON().with_variant(JSONB(), "postgresql")


papers = Table(
    "papers",
    metadata,
    Column("arxiv_id", Text(), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("abstract", Text, nullable=False),
    Column("authors", json_type(), nullable=False),
    Column("categories", json_type(), nullable=False),
    Column("primary_category", Text()),
    Column("published", UTCDateTime),
    Column("updated", UTCDateTime),
    Column("comment", Text),
    Column("journal_ref", Text),
    Column("doi", Text),
    Column("license", Text),
    Column("first_seen_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("version >= 1", name="version_positive"),
)

announcements = Table(
    "announcements",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("arxiv_id", Text(), ForeignKey("papers.arxiv_id"), nullable=False),
    Column("announced_on", Date, nullable=False),
    Column("feed", Text(), nullable=False),
    Column("announce_type", Text(), nullable=False),
    Column("version", Integer, nullable=False),
    Column("position", Integer),
    UniqueConstraint("arxiv_id", "announced_on", "feed"),
    CheckConstraint("version >= 1", name="version_positive"),
    CheckConstraint(
        "announce_type IN ('new', 'cross', 'replace', 'replace-cross')", name="announce_type"
    ),
    Index(None, "announced_on"),
)

http_cache = Table(
    "http_cache",
    metadata,
    Column("url", Text(), primary_key=True),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("updated_at", UTCDateTime, nullable=False),
)

listings = Table(
    "listings",
    metadata,
    Column("announced_on", Date, nullable=False),
    Column("source", Text(), nullable=False),
    Column("categories", json_type(), nullable=False),
    Column("papers", Integer, nullable=False),
    Column("fetched_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("announced_on", "source"),
    CheckConstraint("source IN ('rss', 'api')", name="source"),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", Text(), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("status", Text(), nullable=False),
    Column("counts", json_type(), nullable=False),
    Column("errors", json_type(), nullable=False),
    Column("announced_on", Date),
)

publications = Table(
    "publications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("announced_on", Date, nullable=False),
    Column("profile", Text()),
    Column("output", Text()),
    Column("output_resolved", Text()),
    Column("papers", Integer, nullable=False),
    Column("files", json_type()),
    Column("published_at", UTCDateTime, nullable=False),
    CheckConstraint("papers >= 0", name="papers_not_negative"),
    Index(None, "announced_on"),
)

rankings = Table(
    "rankings",
    metadata,
    Column("profile", Text(), nullable=False),
    Column("announced_on", Date, nullable=False),
    Column("config_hash", Text(), nullable=False),
    Column("mode", Text(), nullable=False),
    Column("papers_hash", Text(), nullable=False),
    Column("considered", Integer, nullable=False),
    Column("kept", Integer, nullable=False),
    Column("shown", Integer, nullable=False),
    Column("entries", json_type(), nullable=False),
    Column("computed_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("profile", "announced_on", "config_hash"),
    CheckConstraint("mode IN ('keywords', 'legacy', 'semantic', 'hybrid')", name="mode"),
    CheckConstraint("considered >= kept AND kept >= shown AND shown >= 0", name="counts"),
)

summaries = Table(
    "summaries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("arxiv_id", Text(), ForeignKey("papers.arxiv_id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("provider", Text(), nullable=False),
    Column("prompt_hash", Text(), nullable=False),
    Column("input_mode", Text(), nullable=False),
    Column("language", Text(), nullable=False),
    Column("model", Text(), nullable=False),
    Column("markdown", Text(), nullable=False),
    Column("tldr", Text()),
    Column("sections", json_type(), nullable=False),
    Column("missing_sections", json_type(), nullable=False),
    Column("extractive", Boolean, nullable=False),
    Column("status", Text(), nullable=False),
    Column("error", Text()),
    Column("tokens_in", Integer, nullable=False),
    Column("tokens_out", Integer, nullable=False),
    Column("cost", Float, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("arxiv_id", "version", "provider", "prompt_hash", "input_mode", "language"),
    CheckConstraint("status IN ('ok', 'incomplete', 'failed')", name="status"),
    Index(None, "arxiv_id"),
)

embeddings = Table(
    "embeddings",
    metadata,
    Column("arxiv_id", Text(), ForeignKey("papers.arxiv_id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("model_id", Text(), nullable=False),
    Column("dim", Integer, nullable=False),
    Column("vector", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("arxiv_id", "version", "model_id"),
    CheckConstraint("version >= 1", name="version_positive"),
    CheckConstraint("dim >= 1", name="dim_positive"),
)

feedback = Table(
    "feedback",
    metadata,
    Column("profile", Text(), nullable=False),
    Column("arxiv_id", Text(), ForeignKey("papers.arxiv_id"), nullable=False),
    Column("judgement", Integer, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("profile", "arxiv_id"),
    CheckConstraint("judgement IN (1, -1)", name="judgement"),
)

reranks = Table(
    "reranks",
    metadata,
    Column("arxiv_id", Text(), ForeignKey("papers.arxiv_id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("model", Text(), nullable=False),
    Column("prompt_hash", Text(), nullable=False),
    Column("relevance", Integer),
    Column("reason", Text()),
    Column("status", Text(), nullable=False),
    Column("error", Text()),
    Column("tokens_in", Integer, nullable=False),
    Column("tokens_out", Integer, nullable=False),
    Column("cost", Float, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("arxiv_id", "version", "model", "prompt_hash"),
    CheckConstraint("relevance IS NULL OR (relevance >= 0 AND relevance <= 10)", name="relevance"),
    CheckConstraint("status IN ('ok', 'failed')", name="status"),
)

feedback_tokens = Table(
    "feedback_tokens",
    metadata,
    Column("profile", Text(), primary_key=True),
    Column("token_hash", Text(), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

readers = Table(
    "readers",
    metadata,
    Column("name", Text(), primary_key=True),
    Column("token_hash", Text(), nullable=False, unique=True),
    Column("feed_token_hash", Text(), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

reader_profiles = Table(
    "reader_profiles",
    metadata,
    Column("profile", Text(), primary_key=True),
    Column(
        "reader", Text(), ForeignKey("readers.name", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("position", Integer, nullable=False),
    Column("settings", json_type()),
    Column("added_at", UTCDateTime, nullable=False),
)

arxiv_gate = Table(
    "arxiv_gate",
    metadata,
    Column("name", Text(), primary_key=True),
    Column("last_end", UTCDateTime, nullable=False),
)
