"""scores dropped: every score and explanation lives in ``rankings``

``scores`` held each paper version's score for a profile, written by every ranking and read by
nothing: the ``rankings`` read model (0006) keeps the same score and explanation for every
paper of a ranked day, dropped papers included, and is what later stages, the server and the
CLI read. Nothing is lost that the next ``rank`` does not recompute. A downgrade recreates
the table empty.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-13
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.drop_table("scores")


def downgrade() -> None:
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
