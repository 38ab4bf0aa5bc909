"""listings: which announcement days were read whole, from which source, for which categories

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "listings",
        sa.Column("announced_on", sa.Date(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("categories", JSON, nullable=False),
        sa.Column("papers", sa.Integer(), nullable=False),
        sa.Column("fetched_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("source IN ('rss', 'api')", name=op.f("ck_listings_source")),
        sa.PrimaryKeyConstraint("announced_on", "source", name=op.f("pk_listings")),
    )


def downgrade() -> None:
    op.drop_table("listings")
