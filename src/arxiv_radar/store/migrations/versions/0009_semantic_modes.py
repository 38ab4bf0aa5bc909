"""rankings: the semantic and hybrid modes

A stored ranking's ``mode`` may now be ``semantic`` or ``hybrid`` (papers ranked by the
similarity of their embeddings to a profile's interests, seed papers and library, alone or
added to the keyword score). Only the check on the column changes; no row does. A downgrade
first removes the rankings made in those modes (the next command ranks those days again).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-14
"""

from __future__ import annotations

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None

MODES = "mode IN ('keywords', 'legacy', 'semantic', 'hybrid')"
OLD_MODES = "mode IN ('keywords', 'legacy')"


def _replace_check(condition: str) -> None:
    # On SQLite the batch copies the table with the new check instead of the old one.
    with op.batch_alter_table("rankings", recreate="always") as batch:
        batch.drop_constraint(op.f("ck_rankings_mode"), type_="check")
        batch.create_check_constraint(op.f("ck_rankings_mode"), condition)


def upgrade() -> None:
    _replace_check(MODES)


def downgrade() -> None:
    op.execute("DELETE FROM rankings WHERE mode IN ('semantic', 'hybrid')")
    _replace_check(OLD_MODES)
