"""publications: what was published for which day and profile, where and when

Before this revision a publication was remembered as a zero-length run of kind ``publish``
(its ``counts`` holding ``{"papers": N}``). Each such run that ended ``ok`` becomes a
publication row (its profile and output folder were never recorded, so they stay unknown),
and every ``publish`` run is removed from ``runs``. The downgrade turns the rows back into
such runs.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)

# The JSON of the two backends, spelled out: the number of papers a publish run counted, and
# the counts and errors of a publish run rebuilt from a publication.
_PAPERS_OF_RUN = {
    "sqlite": "CAST(json_extract(counts, '$.papers') AS INTEGER)",
    "postgresql": "CAST(counts ->> 'papers' AS INTEGER)",
}
_RUN_OF_PUBLICATION = {
    "sqlite": ("json_object('papers', papers)", "json('[]')"),
    "postgresql": ("jsonb_build_object('papers', papers)", "CAST('[]' AS jsonb)"),
}


def _dialect() -> str:
    name = op.get_bind().dialect.name
    if name not in _PAPERS_OF_RUN:  # pragma: no cover - the two tested backends
        raise NotImplementedError(f"converting publish runs is not written for {name}")
    return name


def upgrade() -> None:
    op.create_table(
        "publications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("announced_on", sa.Date(), nullable=False),
        sa.Column("profile", sa.Text(), nullable=True),
        sa.Column("output", sa.Text(), nullable=True),
        sa.Column("output_resolved", sa.Text(), nullable=True),
        sa.Column("papers", sa.Integer(), nullable=False),
        sa.Column("files", JSON, nullable=True),
        sa.Column("published_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("papers >= 0", name=op.f("ck_publications_papers_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publications")),
    )
    op.create_index(
        op.f("ix_publications_announced_on"), "publications", ["announced_on"], unique=False
    )
    papers = _PAPERS_OF_RUN[_dialect()]
    op.execute(
        "INSERT INTO publications (announced_on, papers, published_at) "
        f"SELECT announced_on, "
        f"CASE WHEN {papers} >= 0 THEN {papers} ELSE 0 END, "
        "COALESCE(finished_at, started_at) FROM runs "
        "WHERE kind = 'publish' AND status = 'ok' AND announced_on IS NOT NULL ORDER BY id"
    )
    op.execute("DELETE FROM runs WHERE kind = 'publish'")


def downgrade() -> None:
    counts, errors = _RUN_OF_PUBLICATION[_dialect()]
    op.execute(
        "INSERT INTO runs (kind, started_at, finished_at, status, counts, errors, announced_on) "
        f"SELECT 'publish', published_at, published_at, 'ok', {counts}, {errors}, announced_on "
        "FROM publications ORDER BY id"
    )
    op.drop_index(op.f("ix_publications_announced_on"), table_name="publications")
    op.drop_table("publications")
