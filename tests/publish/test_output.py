"""The output folder as publishing owns it: paths, rendering, checks, atomic writes with
arxiv-radar's own temporary names, and the clean-up of what a killed writer left."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from arxiv_radar.config import PublishConfig
from arxiv_radar.errors import UsageError
from arxiv_radar.models import Digest
from arxiv_radar.publish.files import TEMPORARY_PREFIX, is_temporary, write_atomic
from arxiv_radar.publish.output import (
    Published,
    output_paths,
    preflight,
    publish,
    remove_stale_temporaries,
    write_report,
)
from arxiv_radar.publish.outputs import MANIFEST, OwnedFiles

from digest_helpers import sample_digest


@pytest.fixture(scope="module")
def digest() -> Digest:
    return sample_digest()


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_temporary_names_are_arxiv_radars_own() -> None:
    assert is_temporary(f"{TEMPORARY_PREFIX}README.md-0a1b2c3d.tmp")
    assert not is_temporary(".README.md.k1ll3d_9.tmp")  # what tempfile.mkstemp would name
    assert not is_temporary("notes.tmp")
    assert not is_temporary(f"{TEMPORARY_PREFIX}README.md")  # not ending as ours do


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "feeds" / "rss.xml"
    write_atomic(target, "old\n")
    in_the_way = tmp_path / "feeds" / "folder.xml"
    in_the_way.mkdir()
    with pytest.raises(OSError):
        write_atomic(in_the_way, "new\n")  # os.replace cannot put a file over a folder
    assert target.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in (tmp_path / "feeds").iterdir()) == ["folder.xml", "rss.xml"]
    assert oct(target.stat().st_mode & 0o777) == oct(0o644)


def test_stale_temporaries_are_removed_by_their_prefix_only(tmp_path: Path) -> None:
    ours = [
        tmp_path / f"{TEMPORARY_PREFIX}README.md-k1ll3d09.tmp",
        tmp_path / f"{TEMPORARY_PREFIX}{MANIFEST}-00000000.tmp",
        tmp_path / "feeds" / f"{TEMPORARY_PREFIX}rss.xml-7a0f2c4e.tmp",
        tmp_path / "site" / "archive" / f"{TEMPORARY_PREFIX}2026-04-27.html-abcdef12.tmp",
        tmp_path / "reports" / f"{TEMPORARY_PREFIX}run-2026-04-27.json-12345678.tmp",
    ]
    theirs = [
        tmp_path / ".README.md.abcdefgh.tmp",  # another program's temporary file
        tmp_path / "notes.tmp",
        tmp_path / "site" / "arxiv-radar-tmp-notes.tmp",
        tmp_path / "elsewhere" / f"{TEMPORARY_PREFIX}x-00000000.tmp",  # not an output folder
    ]
    for path in [*ours, *theirs]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("<half a fi", encoding="utf-8")
    folder = tmp_path / "exports" / f"{TEMPORARY_PREFIX}folder-00000000.tmp"
    folder.mkdir(parents=True)
    link = tmp_path / "feeds" / f"{TEMPORARY_PREFIX}link-00000000.tmp"
    link.symlink_to(tmp_path / "notes.tmp")

    removed = remove_stale_temporaries(tmp_path)

    assert sorted(removed) == sorted(ours)
    assert not any(path.exists() for path in ours)
    assert all(path.is_file() for path in theirs) and folder.is_dir() and link.is_symlink()
    assert remove_stale_temporaries(tmp_path) == []


def test_publish_writes_every_output_and_returns_a_frozen_result(
    tmp_path: Path, digest: Digest
) -> None:
    output = tmp_path / "out"
    published = publish(PublishConfig(), digest, output, force=False)

    paths = output_paths(output, digest.announced_on, digest.categories)
    assert published.report == paths["report"] and not published.report.exists()
    assert not published.dry_run and published.warnings == ()
    assert len(set(published.files)) == len(published.files)
    expected = {p for name, p in paths.items() if name != "report"}
    assert expected <= set(published.files)
    on_disk = files_under(output) - {MANIFEST}
    assert on_disk == {p.relative_to(output).as_posix() for p in published.files}
    assert not any(is_temporary(name.rpartition("/")[2]) for name in on_disk)
    assert OwnedFiles(output).foreign(published.files) == []
    with pytest.raises(dataclasses.FrozenInstanceError):
        published.warnings = ("changed",)  # type: ignore[misc]

    stale = output / "feeds" / f"{TEMPORARY_PREFIX}rss.xml-deadbeef.tmp"
    stale.write_text("<half", encoding="utf-8")
    again = publish(PublishConfig(), digest, output, force=False)
    assert again.warnings == ("removed 1 temporary file(s) an interrupted run left behind",)
    assert not stale.exists()


def test_the_report_is_written_as_an_owned_output(tmp_path: Path, digest: Digest) -> None:
    output = tmp_path / "out"
    published = publish(PublishConfig(), digest, output, force=False)
    write_report(output, published.report, json.dumps({"status": "ok"}) + "\n")
    assert json.loads(published.report.read_text(encoding="utf-8")) == {"status": "ok"}
    assert OwnedFiles(output).foreign([published.report]) == []


def test_a_dry_run_renders_and_writes_nothing(tmp_path: Path, digest: Digest) -> None:
    output = tmp_path / "out"
    output.mkdir()
    (output / "README.md").write_text("# mine\n", encoding="utf-8")
    published = publish(PublishConfig(), digest, output, force=False, dry_run=True)
    assert isinstance(published, Published) and published.dry_run
    assert files_under(output) == {"README.md"}
    assert output / "README.md" in published.files
    assert len(published.warnings) == 1
    assert published.warnings[0].startswith("a real run would stop: 1 file(s)")
    forced = publish(PublishConfig(), digest, output, force=True, dry_run=True)
    assert forced.warnings == ()


def test_a_folder_in_the_way_stops_publishing_before_any_write(
    tmp_path: Path, digest: Digest
) -> None:
    output = tmp_path / "out"
    (output / "exports" / "digest.bib").mkdir(parents=True)
    with pytest.raises(UsageError, match="a folder is in the way"):
        publish(PublishConfig(), digest, output, force=False)
    assert files_under(output) == set()


def test_preflight_refuses_a_file_it_did_not_write_unless_forced(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# mine\n", encoding="utf-8")
    with pytest.raises(UsageError, match="README.md"):
        preflight(tmp_path, force=False)
    preflight(tmp_path, force=True)
    preflight(tmp_path, force=False, dry_run=True)  # a dry run only warns, later
    with pytest.raises(UsageError, match="is a file, not a folder"):
        preflight(tmp_path / "README.md", force=True)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_preflight_refuses_a_read_only_folder(tmp_path: Path) -> None:
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(UsageError, match="not writable"):
            preflight(tmp_path / "out", force=False)
    finally:
        tmp_path.chmod(0o755)
