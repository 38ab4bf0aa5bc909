"""Schema migrations: Alembic, shipped in the package and run in code.

Users never see Alembic: ``Store.open`` upgrades the database to the newest revision in one
transaction, and refuses a database whose revision this version does not know (it was written
by a newer arxiv-radar).

For a schema change, edit ``tables.py`` and add a revision; this drafts one by comparing the
tables with a database at the current head::

    python -m arxiv_radar.store.migrations revision -m "add embeddings"
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

from ..errors import StoreError

if TYPE_CHECKING:  # Alembic is imported only to migrate: an up-to-date store never needs it
    from alembic.config import Config
    from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).with_name("migrations")
_REVISION_FILE = re.compile(r"^(\d{4})_\w+\.py$")

# Any constant: PostgreSQL sessions migrating at once queue on this lock.
_PG_MIGRATION_LOCK = 0x61727876  # "arxv"
SCHEMA_KEY = "hashtext(coalesce(current_schema(), ''))"
"""The second key of arxiv-radar's PostgreSQL advisory locks: the store's schema (the first
of its ``search_path`` that exists), so that stores in two schemas of one database never wait
for each other."""


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for the packaged migrations (no ini file)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def _script() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def _create_at_head(connection: Connection, head: str) -> None:
    """Create every table of ``tables.py`` and record ``head`` as Alembic would."""
    from .tables import metadata

    metadata.create_all(connection)
    connection.execute(
        text(
            "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
            "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
        )
    )
    connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": head})


@cache
def head_revision() -> str:
    """The newest schema revision this version of arxiv-radar knows.

    Revisions are numbered ``0001``, ``0002``, ... in one line, each in a file named after
    it, so the head is the highest number among the files: found without loading Alembic
    (a test checks that Alembic agrees)."""
    numbers = revisions()
    if not numbers:  # pragma: no cover - the package always ships revisions
        raise StoreError("no schema migrations found in the installed package")
    return max(numbers)


def known_revisions() -> frozenset[str]:
    return frozenset(script.revision for script in _script().walk_revisions())


def current_revision(connection: Connection) -> str | None:
    """The schema revision of the database behind ``connection`` (None: not created yet),
    read from Alembic's ``alembic_version`` table."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(rows) > 1:
        raise StoreError(f"the database has several schema revisions ({', '.join(rows)})")
    return rows[0] if rows else None


def check_known(revision: str | None, display: str) -> None:
    """Refuse a database written by a newer arxiv-radar."""
    if revision is not None and revision not in known_revisions():
        raise StoreError(
            f"the database {display} has schema revision {revision!r}, which this version of "
            f"arxiv-radar does not know (newest known: {head_revision()!r}); it was written by "
            "a newer arxiv-radar: upgrade arxiv-radar to use it"
        )


def revisions() -> list[str]:
    """Every revision this version knows, oldest first (named like :func:`head_revision`)."""
    return sorted(
        found.group(1)
        for path in (MIGRATIONS / "versions").iterdir()
        if (found := _REVISION_FILE.match(path.name))
    )


def upgrade(connection: Connection, display: str, *, from_scratch: bool = True) -> list[str]:
    """Bring the schema to the head revision; returns the revisions that were applied.

    An empty database (no table at all) is built from ``tables.py`` at once and stamped with
    the head revision, as Alembic's cookbook advises for a new database: the same schema
    as every migration in turn (a test compares both), without loading Alembic. With
    ``from_scratch=False`` it runs every migration instead. ``connection`` must be in a
    transaction; the caller commits it.
    """
    if connection.dialect.name == "postgresql":
        # one lock per schema: stores in other schemas of the database migrate at once
        connection.execute(
            text(f"SELECT pg_advisory_xact_lock(:key, {SCHEMA_KEY})"), {"key": _PG_MIGRATION_LOCK}
        )
    before = current_revision(connection)
    head = head_revision()
    if before == head:
        return []
    if before is None and from_scratch and not inspect(connection).get_table_names():
        _create_at_head(connection, head)
        return revisions()
    check_known(before, display)
    from alembic import command
    from alembic.util import CommandError

    try:
        command.upgrade(alembic_config(connection), "head")
    except CommandError as exc:
        raise StoreError(f"migrating the schema of {display} failed: {exc}") from exc
    script = _script()
    applied = [
        rev.revision for rev in script.iterate_revisions(head, before) if rev.revision != before
    ]
    return list(reversed(applied))
