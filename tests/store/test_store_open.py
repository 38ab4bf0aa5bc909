"""Opening stores: locations, migrations, and the errors users see."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from arxiv_radar.errors import StoreError
from arxiv_radar.store import Store
from arxiv_radar.store.connect import build_engine, mask_url_text, resolve
from arxiv_radar.store.tables import metadata

from pg_helpers import reset_postgres
from store_helpers import make_entry

TABLES = {"papers", "announcements", "http_cache", "runs", "publications", "alembic_version"}


REVISIONS = (
    "0001",
    "0002",
    "0003",
    "0004",
    "0005",
    "0006",
    "0007",
    "0008",
    "0009",
    "0010",
    "0011",
    "0012",
)


def table_names(store: Store) -> set[str]:
    assert store._engine is not None
    with store._engine.connect() as conn:
        return set(inspect(conn).get_table_names())


def test_open_empty_database_runs_every_migration(db_url: str) -> None:
    with Store.open(db_url) as store:
        assert store.applied_migrations == REVISIONS
        assert store.schema_revision() == Store.head_revision() == "0012"
        assert table_names(store) >= TABLES
        assert store.count_papers() == 0


def test_reopening_applies_nothing_and_keeps_data(db_url: str) -> None:
    with Store.open(db_url) as store:
        store.ingest([make_entry()])
    with Store.open(db_url) as store:
        assert store.applied_migrations == ()
        assert store.schema_revision() == Store.head_revision()
        assert store.count_papers() == 1


def schema_of(conn: Connection) -> dict[str, object]:
    """Every table's columns (name, type, nullability), keys, indexes and constraints, named."""
    inspector = inspect(conn)
    schema: dict[str, object] = {}
    for table in sorted(inspector.get_table_names()):
        schema[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)
            ],
            "pk": inspector.get_pk_constraint(table),
            "fks": sorted(str(fk) for fk in inspector.get_foreign_keys(table)),
            "indexes": sorted(str(ix) for ix in inspector.get_indexes(table)),
            "unique": sorted(str(uq) for uq in inspector.get_unique_constraints(table)),
            "checks": sorted(str(ck) for ck in inspector.get_check_constraints(table)),
        }
    return schema


def migrate_from_empty(url: str) -> list[str]:
    """Run every migration in turn on an empty database, as an old store went through them."""
    from arxiv_radar.store import migrate

    engine = build_engine(resolve(url))
    try:
        with engine.begin() as conn:
            return migrate.upgrade(conn, url, from_scratch=False)
    finally:
        engine.dispose()


def test_migrations_build_exactly_the_declared_tables(db_url: str) -> None:
    assert migrate_from_empty(db_url) == list(REVISIONS)
    with Store.open(db_url) as store:
        assert store.applied_migrations == ()
        assert store._engine is not None
        with store._engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []


def test_a_new_store_is_built_as_every_migration_builds_it(db_url: str, tmp_path: Path) -> None:
    """A new store is created from tables.py at once; an old one went through each migration:
    both have the same tables, columns, keys, indexes and constraint names."""
    with Store.open(db_url) as store:
        assert store._engine is not None
        with store._engine.connect() as conn:
            created = schema_of(conn)
    if db_url.startswith("postgresql"):
        reset_postgres(db_url)
        migrated_url = db_url
    else:
        migrated_url = str(tmp_path / "migrated.db")
    migrate_from_empty(migrated_url)
    engine = build_engine(resolve(migrated_url))
    try:
        with engine.connect() as conn:
            migrated = schema_of(conn)
    finally:
        engine.dispose()
    assert created == migrated


def test_database_from_a_newer_version_is_refused(db_url: str) -> None:
    with Store.open(db_url) as store:
        assert store._engine is not None
        with store._engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StoreError, match="newer arxiv-radar") as caught:
        Store.open(db_url)
    assert "'9999'" in str(caught.value)
    assert "upgrade arxiv-radar" in str(caught.value)


def test_open_without_migrate_leaves_schema_alone(db_url: str) -> None:
    with Store.open(db_url, migrate=False) as store:
        assert store.schema_revision() is None
        assert store.applied_migrations == ()
        assert "papers" not in table_names(store)


def test_memory_store_shares_one_database() -> None:
    with Store.open(":memory:") as store:
        assert store.url_for_display == ":memory:"
        assert store.dialect == "sqlite"
        store.ingest([make_entry()])
        assert store.count_papers() == 1
        assert store.get_paper("2405.00001") is not None


def test_sqlite_path_display_and_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "radar.db"
    with Store.open(str(path)) as store:
        assert store.url_for_display == str(path)
        assert repr(store) == f"Store({str(path)!r})"
        assert store._engine is not None
        with store._engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    assert path.exists()


def test_sqlite_url_works_like_a_path(tmp_path: Path) -> None:
    path = tmp_path / "radar.db"
    with Store.open(f"sqlite:///{path}") as store:
        store.ingest([make_entry()])
    with Store.open(str(path)) as store:
        assert store.count_papers() == 1


def test_missing_parent_folder_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "does" / "not" / "exist"
    with pytest.raises(StoreError, match="does not exist") as caught:
        Store.open(str(missing / "x.db"))
    assert str(missing) in str(caught.value)
    assert not missing.exists()


def test_folder_as_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a folder"):
        Store.open(str(tmp_path))


def test_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are not the tables you are looking for" * 100)
    with pytest.raises(StoreError, match="cannot open the SQLite database"):
        Store.open(str(path))


def unused_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_postgresql_names_url_and_hides_password() -> None:
    port = unused_port()
    url = f"postgresql+psycopg://radar:s3cret-pw@127.0.0.1:{port}/radar"
    with pytest.raises(StoreError) as caught:
        Store.open(url)
    message = str(caught.value)
    assert "s3cret-pw" not in message
    assert f"postgresql+psycopg://radar:***@127.0.0.1:{port}/radar" in message
    assert "server is running" in message
    assert caught.value.exit_code == 4


def test_plain_postgresql_scheme_uses_psycopg() -> None:
    for scheme in ("postgresql", "postgres"):
        target = resolve(f"{scheme}://u:pw@db.example/radar")
        assert target.url.drivername == "postgresql+psycopg"
        assert target.display == "postgresql+psycopg://u:***@db.example/radar"


def test_bad_urls_are_store_errors_without_secrets() -> None:
    with pytest.raises(StoreError, match="no driver") as caught:
        Store.open("nosuchdb://u:topsecret@host/db")
    assert "topsecret" not in str(caught.value)
    with pytest.raises(StoreError, match="no database given"):
        Store.open("  ")


def test_mask_url_text() -> None:
    assert mask_url_text("postgresql://u:pw@h/db") == "postgresql://u:***@h/db"
    assert mask_url_text("postgresql://u@h/db") == "postgresql://u@h/db"
    assert mask_url_text("postgresql://u:p@w@h/db") == "postgresql://u:***@h/db"
    assert mask_url_text("radar.db") == "radar.db"


def test_closed_store_refuses_work(tmp_path: Path) -> None:
    store = Store.open(str(tmp_path / "radar.db"))
    store.close()
    store.close()  # closing twice is fine
    with pytest.raises(StoreError, match="closed"):
        store.count_papers()
    with pytest.raises(StoreError, match="closed"):
        store.ping()


def test_ping(tmp_path: Path) -> None:
    """ping answers while the database does, and raises StoreError (exit 4) once it cannot."""
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "radar.db"
    store = Store.open(str(path))
    try:
        store.ping()
        assert store._engine is not None
        store._engine.dispose()  # no pooled connection left: the next ping connects anew
        shutil.rmtree(folder)
        with pytest.raises(StoreError, match="cannot open the SQLite database") as caught:
            store.ping()
        assert str(path) in str(caught.value)
        assert caught.value.exit_code == 4
    finally:
        store.close()


def test_ping_reaches_the_server(db_url: str) -> None:
    """A ping goes to the database server itself: one at a port where none listens fails."""
    with Store.open(db_url) as store:
        store.ping()
    target = resolve(f"postgresql://radar:pw@127.0.0.1:{unused_port()}/radar")
    nowhere = Store(build_engine(target), target)
    try:
        with pytest.raises(StoreError, match="server is running") as caught:
            nowhere.ping()
        assert caught.value.exit_code == 4
    finally:
        nowhere.close()


@pytest.mark.parametrize("revision", REVISIONS[:-1])
def test_a_store_at_any_earlier_revision_is_upgraded_with_its_data(
    db_url: str, revision: str
) -> None:
    """A database left at any earlier revision gains the later migrations, in order, and keeps
    its papers, announcements and runs."""
    from alembic import command

    from arxiv_radar.store import migrate

    with Store.open(db_url) as store:
        store.ingest([make_entry()])
        store.finish_run(store.start_run("fetch", make_entry().announcement.announced_on), "ok")
        assert store._engine is not None
        with store._engine.begin() as conn:
            command.downgrade(migrate.alembic_config(conn), revision)
    with Store.open(db_url, migrate=False) as old:
        assert old.schema_revision() == revision
        assert ("scores" in table_names(old)) is ("0002" <= revision < "0007")
        assert ("rankings" in table_names(old)) is (revision >= "0006")
    with Store.open(db_url) as store:
        later = REVISIONS[REVISIONS.index(revision) + 1 :]
        assert store.applied_migrations == later
        assert store.schema_revision() == Store.head_revision()
        assert "scores" not in table_names(store)
        assert {"rankings", "publications", "listings"} <= table_names(store)
        assert store.count_papers() == 1
        assert len(store.papers_announced_on(make_entry().announcement.announced_on)) == 1
        assert len(store.recent_runs(limit=5)) == 1


def test_the_head_revision_is_found_without_alembic_and_alembic_agrees() -> None:
    from arxiv_radar.store import migrate

    script = migrate._script()
    assert migrate.head_revision() == script.get_current_head() == REVISIONS[-1]
    assert migrate.known_revisions() == set(REVISIONS)


def test_new_and_up_to_date_stores_open_without_loading_alembic(tmp_path: Path) -> None:
    """Alembic (and Mako, which it loads) costs every command time: only a migration of an
    older store loads it."""
    program = (
        "import sys\n"
        "from arxiv_radar.store import Store\n"
        "with Store.open(sys.argv[1]) as store:\n"
        "    print(store.applied_migrations, 'alembic' in sys.modules)\n"
    )
    database = str(tmp_path / "radar.db")
    first = subprocess.run(
        [sys.executable, "-c", program, database], capture_output=True, text=True, check=True
    )
    assert first.stdout.strip() == f"{REVISIONS} False"  # created at the head revision
    again = subprocess.run(
        [sys.executable, "-c", program, database], capture_output=True, text=True, check=True
    )
    assert again.stdout.strip() == "() False"
