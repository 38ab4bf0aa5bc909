"""summaries: the summary cache, keyed by paper version, provider+model, prompt, mode, language

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "summaries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("arxiv_id", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("prompt_hash", sa.Text(), nullable=False),
        sa.Column("input_mode", sa.Text(), nullable=False),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("markdown", sa.Text(), nullable=False),
        sa.Column("tldr", sa.Text(), nullable=True),
        sa.Column("sections", JSON, nullable=False),
        sa.Column("missing_sections", JSON, nullable=False),
        sa.Column("extractive", sa.Boolean(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("tokens_in", sa.Integer(), nullable=False),
        sa.Column("tokens_out", sa.Integer(), nullable=False),
        sa.Column("cost", sa.Float(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "status IN ('ok', 'incomplete', 'failed')", name=op.f("ck_summaries_status")
        ),
        sa.ForeignKeyConstraint(
            ["arxiv_id"], ["papers.arxiv_id"], name=op.f("fk_summaries_arxiv_id_papers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_summaries")),
        sa.UniqueConstraint(
            "arxiv_id",
            "version",
            "provider",
            "prompt_hash",
            "input_mode",
            "language",
            name=op.f("uq_summaries_arxiv_id_version_provider_prompt_hash_input_mode_language"),
        ),
    )
    op.create_index(op.f("ix_summaries_arxiv_id"), "summaries", ["arxiv_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_summaries_arxiv_id"), table_name="summaries")
    op.drop_table("summaries")
