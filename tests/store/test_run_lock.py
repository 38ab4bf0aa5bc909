"""The run lock: a second run on the same store stops at once, in another process too."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from arxiv_radar.store import Store
from arxiv_radar.store.lock import RunLockedError

from store_helpers import make_entry

HOLD_AND_TRY = textwrap.dedent(
    """
    import sys
    from arxiv_radar.store import Store
    from arxiv_radar.store.lock import RunLockedError
    with Store.open(sys.argv[1]) as store:
        try:
            with store.run_lock():
                print("took it")
        except RunLockedError as error:
            print("refused:", error)
    """
)


def other_process_tries(url: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", HOLD_AND_TRY, url],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def check_lock(url: str) -> None:
    with Store.open(url) as store:
        with store.run_lock():
            refused = other_process_tries(url)
            assert refused.startswith("refused: another arxiv-radar run is working on")
            with pytest.raises(RunLockedError) as info:
                with Store.open(url) as second, second.run_lock():
                    pass
            assert info.value.exit_code == 4
            with store.run_lock("publish"):  # another name is another lock
                pass
        assert other_process_tries(url) == "took it"  # released when the block ends


def test_runs_exclude_each_other(db_url: str) -> None:
    check_lock(db_url)


def test_a_dead_process_leaves_no_lock(tmp_path: Path) -> None:
    url = str(tmp_path / "radar.db")
    script = HOLD_AND_TRY.replace('print("took it")', "import os; os._exit(0)")
    subprocess.run([sys.executable, "-c", script, url], check=True, timeout=60)
    assert other_process_tries(url) == "took it"


def test_memory_stores_need_no_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A private in-memory database takes no lock: nested and concurrent blocks all run, the
    store works inside them, and no lock file appears anywhere (not in the working folder)."""
    monkeypatch.chdir(tmp_path)
    entered: list[str] = []
    with Store.open(":memory:") as store, store.run_lock():
        entered.append("outer")
        with store.run_lock():  # a file lock would refuse this second holder
            entered.append("nested")
            with Store.open(":memory:") as other, other.run_lock():
                entered.append("another store")
            store.ingest([make_entry()])
            assert store.count_papers() == 1
    assert entered == ["outer", "nested", "another store"]
    assert list(tmp_path.iterdir()) == []


def test_stores_in_two_schemas_of_one_database_run_at_once() -> None:
    """PostgreSQL: the run lock is the store's schema's, not the whole database's; so is the
    lock that migrations take (both stores are created while the other holds its run lock)."""
    from sqlalchemy import create_engine, text

    from pg_helpers import pg_url_or_skip

    url = pg_url_or_skip()
    schemas = ("radar_lock_a", "radar_lock_b")
    admin = create_engine(url)
    try:
        with admin.begin() as connection:
            for schema in schemas:
                connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
                connection.execute(text(f"CREATE SCHEMA {schema}"))
        joiner = "&" if "?" in url else "?"
        first, second = (f"{url}{joiner}options=-csearch_path%3D{schema}" for schema in schemas)
        with Store.open(first) as one, one.run_lock():
            assert other_process_tries(second) == "took it"  # another schema: not blocked
            with Store.open(second) as two, two.run_lock():
                two.ingest([make_entry("2405.00001")])  # its own tables, in its schema
                assert one.count_papers() == 0
            assert other_process_tries(first).startswith("refused: another arxiv-radar run")
        assert other_process_tries(first) == "took it"
    finally:
        with admin.begin() as connection:
            for schema in schemas:
                connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()
