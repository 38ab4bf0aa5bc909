"""A store opened read-only: nothing written, not even beside the SQLite file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from arxiv_radar.errors import StoreError
from arxiv_radar.store import Store

from store_helpers import make_entry


def test_a_read_only_sqlite_store_reads_and_creates_no_file(tmp_path: Path) -> None:
    folder = tmp_path / "repo"
    folder.mkdir()
    path = folder / "radar.db"
    with Store.open(str(path)) as store:
        store.ingest([make_entry("2405.00001")])
    for extra in folder.glob("radar.db-*"):
        extra.unlink()  # a committed store is a single file
    before = sorted(p.name for p in folder.iterdir())
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)  # as on a read-only file system (root ignores it)
    try:
        with Store.open(str(path), read_only=True) as store:
            assert store.count_papers() == 1
            assert store.get_paper("2405.00001") is not None
            with pytest.raises(StoreError, match="readonly|read-only"):
                store.ingest([make_entry("2405.00002")])
    finally:
        folder.chmod(0o755)
    assert sorted(p.name for p in folder.iterdir()) == before
    assert os.path.getsize(path) > 0


def test_read_only_needs_an_existing_current_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no such file"):
        Store.open(str(tmp_path / "missing.db"), read_only=True)
    empty = tmp_path / "empty.db"
    with Store.open(str(empty), migrate=False):
        pass
    with pytest.raises(StoreError, match="open it once with write access"):
        Store.open(str(empty), read_only=True)
