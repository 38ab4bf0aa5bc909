"""scores: a profile's score and explanation for each paper version

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "scores",
        sa.Column("profile", sa.Text(), nullable=False),
        sa.Column("arxiv_id", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("mode", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("kept", sa.Boolean(), nullable=False),
        sa.Column("explanation", JSON, nullable=False),
        sa.Column("computed_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("mode IN ('keywords', 'legacy')", name=op.f("ck_scores_mode")),
        sa.ForeignKeyConstraint(
            ["arxiv_id"], ["papers.arxiv_id"], name=op.f("fk_scores_arxiv_id_papers")
        ),
        sa.PrimaryKeyConstraint("profile", "arxiv_id", "version", name=op.f("pk_scores")),
    )


def downgrade() -> None:
    op.drop_table("scores")
