"""embeddings: each paper version's sentence vector, computed once per model

One row per (paper, version, model id): the vector's length and the vector itself, as
little-endian float32 bytes (L2-normalized by the model that made it), and when it was made.
Embedding a paper costs tens of milliseconds of CPU; keeping the vector means a paper version
is embedded once, whichever command or process needs it later. Nothing is converted: older
stores have no vectors, and they are computed when first needed.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-14
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "embeddings",
        sa.Column("arxiv_id", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Text(), nullable=False),
        sa.Column("dim", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("version >= 1", name=op.f("ck_embeddings_version_positive")),
        sa.CheckConstraint("dim >= 1", name=op.f("ck_embeddings_dim_positive")),
        sa.ForeignKeyConstraint(
            ["arxiv_id"], ["papers.arxiv_id"], name=op.f("fk_embeddings_arxiv_id_papers")
        ),
        sa.PrimaryKeyConstraint("arxiv_id", "version", "model_id", name=op.f("pk_embeddings")),
    )


def downgrade() -> None:
    op.drop_table("embeddings")
