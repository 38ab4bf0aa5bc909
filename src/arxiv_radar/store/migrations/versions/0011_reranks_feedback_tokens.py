"""reranks and feedback_tokens: the LLM rerank's cache, and the tokens of feedback buttons

``reranks`` keeps one row per (paper, version, model, prompt hash): the relevance from 0 to 10
that the model gave the paper for a profile's interests, its one-line reason, the call's
status, error and token counts. A paper is judged once per model and profile prompt, whichever
run asks again. ``feedback_tokens`` keeps, per profile, the SHA-256 of the token that lets the
pages ``serve`` shows record feedback; the token itself is printed once and never stored.
Older stores start with neither.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-16
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reranks",
        sa.Column("arxiv_id", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("prompt_hash", sa.Text(), nullable=False),
        sa.Column("relevance", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("tokens_in", sa.Integer(), nullable=False),
        sa.Column("tokens_out", sa.Integer(), nullable=False),
        sa.Column("cost", sa.Float(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "relevance IS NULL OR (relevance >= 0 AND relevance <= 10)",
            name=op.f("ck_reranks_relevance"),
        ),
        sa.CheckConstraint("status IN ('ok', 'failed')", name=op.f("ck_reranks_status")),
        sa.ForeignKeyConstraint(
            ["arxiv_id"], ["papers.arxiv_id"], name=op.f("fk_reranks_arxiv_id_papers")
        ),
        sa.PrimaryKeyConstraint(
            "arxiv_id", "version", "model", "prompt_hash", name=op.f("pk_reranks")
        ),
    )
    op.create_table(
        "feedback_tokens",
        sa.Column("profile", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("profile", name=op.f("pk_feedback_tokens")),
    )


def downgrade() -> None:
    op.drop_table("feedback_tokens")
    op.drop_table("reranks")
