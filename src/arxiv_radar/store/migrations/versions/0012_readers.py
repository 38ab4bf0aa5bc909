"""readers, reader_profiles and arxiv_gate: readers of a shared server; one gate to arXiv

``readers`` keeps one row per reader: a name, the SHA-256 of their API token and of their feed
token (each printed once by ``arxiv-radar users add`` and never stored), and when they were
made or last given new tokens. ``reader_profiles`` says which reader owns a profile (and its
place among theirs: the first is their default, and the settings they changed through the API,
laid over the configuration's): a profile has at most one owner, and a reader's profiles go
with them. ``arxiv_gate`` keeps when the last request to arXiv by any process using this store
ended, so that processes on several machines keep arXiv's interval between them all. Older
stores start with none of these.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None

TIMESTAMP = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "readers",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("feed_token_hash", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_readers")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_readers_token_hash")),
        sa.UniqueConstraint("feed_token_hash", name=op.f("uq_readers_feed_token_hash")),
    )
    op.create_table(
        "reader_profiles",
        sa.Column("profile", sa.Text(), nullable=False),
        sa.Column("reader", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("settings", JSON, nullable=True),
        sa.Column("added_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["reader"],
            ["readers.name"],
            name=op.f("fk_reader_profiles_reader_readers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("profile", name=op.f("pk_reader_profiles")),
    )
    op.create_index(op.f("ix_reader_profiles_reader"), "reader_profiles", ["reader"], unique=False)

    op.create_table(
        "arxiv_gate",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("last_end", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_arxiv_gate")),
    )


def downgrade() -> None:
    op.drop_table("arxiv_gate")
    op.drop_index(op.f("ix_reader_profiles_reader"), table_name="reader_profiles")
    op.drop_table("reader_profiles")
    op.drop_table("readers")
