"""rankings: a profile's ranking of one announcement day, computed once and read back

One row per (profile, announcement day, ranking configuration hash): the ranking mode, a
hash of the day's papers as ranked (a later version or new paper makes it stale), the counts
(papers considered, kept by the filters, shown) and every considered paper in order (the
shown ones by rank, then the others in announcement order), each with its score and
explanation. Nothing is converted: older stores have no rankings, and the next ``rank``,
``summarize`` or ``run`` computes them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-12
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "rankings",
        sa.Column("profile", sa.Text(), nullable=False),
        sa.Column("announced_on", sa.Date(), nullable=False),
        sa.Column("config_hash", sa.Text(), nullable=False),
        sa.Column("mode", sa.Text(), nullable=False),
        sa.Column("papers_hash", sa.Text(), nullable=False),
        sa.Column("considered", sa.Integer(), nullable=False),
        sa.Column("kept", sa.Integer(), nullable=False),
        sa.Column("shown", sa.Integer(), nullable=False),
        sa.Column("entries", JSON, nullable=False),
        sa.Column("computed_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("mode IN ('keywords', 'legacy')", name=op.f("ck_rankings_mode")),
        sa.CheckConstraint(
            "considered >= kept AND kept >= shown AND shown >= 0",
            name=op.f("ck_rankings_counts"),
        ),
        sa.PrimaryKeyConstraint("profile", "announced_on", "config_hash", name=op.f("pk_rankings")),
    )


def downgrade() -> None:
    op.drop_table("rankings")
