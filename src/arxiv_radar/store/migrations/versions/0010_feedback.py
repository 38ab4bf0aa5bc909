"""feedback: a reader's judgement of a paper for a profile

One row per (profile, paper): ``judgement`` 1 (up) or -1 (down), the latest one kept, and when
it was recorded. ``arxiv-radar feedback ID up|down`` writes it; semantic and hybrid ranking read
a profile's judgements as its positives and negatives. Older stores start with none.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-15
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("profile", sa.Text(), nullable=False),
        sa.Column("arxiv_id", sa.Text(), nullable=False),
        sa.Column("judgement", sa.Integer(), nullable=False),
        sa.Column("recorded_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("judgement IN (1, -1)", name=op.f("ck_feedback_judgement")),
        sa.ForeignKeyConstraint(
            ["arxiv_id"], ["papers.arxiv_id"], name=op.f("fk_feedback_arxiv_id_papers")
        ),
        sa.PrimaryKeyConstraint("profile", "arxiv_id", name=op.f("pk_feedback")),
    )


def downgrade() -> None:
    op.drop_table("feedback")
