"""write_all: many files atomically, unchanged ones left alone, nothing half-done on failure."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from arxiv_radar.publish.files import is_temporary, write_all


def _temporaries(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if is_temporary(path.name)]


def test_it_writes_every_file_and_creates_folders(tmp_path: Path) -> None:
    files = [(tmp_path / "a.txt", "one"), (tmp_path / "sub" / "deep" / "b.bin", b"\x00two")]
    assert write_all(files) == [tmp_path / "a.txt", tmp_path / "sub" / "deep" / "b.bin"]
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "one"
    assert (tmp_path / "sub" / "deep" / "b.bin").read_bytes() == b"\x00two"
    assert oct((tmp_path / "a.txt").stat().st_mode & 0o777) == "0o644"
    assert not _temporaries(tmp_path)


def test_a_file_that_already_holds_its_content_is_left_alone(tmp_path: Path) -> None:
    same, changed = tmp_path / "same.txt", tmp_path / "changed.txt"
    same.write_text("kept", encoding="utf-8")
    changed.write_text("old", encoding="utf-8")
    before = same.stat()
    os.utime(same, (before.st_atime - 100, before.st_mtime - 100))
    stamped = same.stat()
    assert write_all([(same, "kept"), (changed, "new")]) == [changed]
    assert same.stat().st_ino == stamped.st_ino and same.stat().st_mtime == stamped.st_mtime
    assert changed.read_text(encoding="utf-8") == "new"


def test_a_failure_before_the_moves_changes_nothing(tmp_path: Path) -> None:
    first = tmp_path / "first.txt"
    first.write_text("old", encoding="utf-8")
    (tmp_path / "blocker").write_text("a file where a folder should be", encoding="utf-8")
    with pytest.raises(OSError):
        write_all([(first, "new"), (tmp_path / "blocker" / "second.txt", "x")])
    assert first.read_text(encoding="utf-8") == "old"  # nothing was moved into place
    assert not _temporaries(tmp_path)


def test_a_failure_while_moving_keeps_what_moved_and_removes_the_rest(tmp_path: Path) -> None:
    moved, blocked = tmp_path / "moved.txt", tmp_path / "blocked"
    blocked.mkdir()
    (blocked / "inside").write_text("a folder cannot be replaced by a file", encoding="utf-8")
    with pytest.raises(OSError):
        write_all([(moved, "new"), (blocked, "file content"), (tmp_path / "last.txt", "z")])
    assert moved.read_text(encoding="utf-8") == "new"
    assert blocked.is_dir() and not (tmp_path / "last.txt").exists()
    assert not _temporaries(tmp_path)
