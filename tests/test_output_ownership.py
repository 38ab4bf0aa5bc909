"""Nothing of the user's is overwritten: `run` and `demo` replace only files they wrote."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from arxiv_radar.errors import UsageError
from arxiv_radar.publish.outputs import MANIFEST, OwnedFiles, digest_of

from cli_helpers import invoke_cli
from replay_server import ReplayServer, Reply, fixture_bytes

MIXED = "synthetic_rss_cs.AI+cs.CL+cs.DC+cs.LG_mixed.xml"
FEED_PATH = "/rss/cs.AI+cs.CL+cs.DC+cs.LG"
REPOSITORY = Path(__file__).resolve().parents[1]
MINE = "# My project\n\nNotes I wrote myself.\n"


# -- the manifest ----------------------------------------------------------------------------


def test_files_written_through_the_manifest_are_known_and_others_are_not(tmp_path: Path) -> None:
    owned = OwnedFiles(tmp_path)
    ours, theirs = tmp_path / "README.md", tmp_path / "notes.md"
    theirs.write_text(MINE, encoding="utf-8")
    owned.begin({ours: "digest"})
    ours.write_text("digest", encoding="utf-8")
    owned.commit({ours: "digest"})

    again = OwnedFiles(tmp_path)  # read back from disk
    assert again.foreign([ours, theirs, tmp_path / "absent.md"]) == [theirs]
    recorded = json.loads((tmp_path / MANIFEST).read_text(encoding="utf-8"))
    assert recorded["files"] == {"README.md": [digest_of("digest")]}


def test_a_file_changed_by_hand_is_no_longer_ours(tmp_path: Path) -> None:
    owned = OwnedFiles(tmp_path)
    path = tmp_path / "README.md"
    owned.begin({path: "digest"})
    path.write_text("digest", encoding="utf-8")
    owned.commit({path: "digest"})
    path.write_text("digest, edited by hand", encoding="utf-8")
    with pytest.raises(UsageError, match=r"README\.md.*--force"):
        OwnedFiles(tmp_path).check([path], force=False)
    OwnedFiles(tmp_path).check([path], force=True)  # forced: no error


def test_a_write_interrupted_between_begin_and_commit_keeps_both_versions_ours(
    tmp_path: Path,
) -> None:
    path = tmp_path / "README.md"
    first = OwnedFiles(tmp_path)
    first.begin({path: "day 1"})
    path.write_text("day 1", encoding="utf-8")
    first.commit({path: "day 1"})
    second = OwnedFiles(tmp_path)
    second.begin({path: "day 2"})  # killed here: the file still holds day 1
    assert OwnedFiles(tmp_path).foreign([path]) == []
    path.write_text("day 2", encoding="utf-8")  # or killed here: it holds day 2
    assert OwnedFiles(tmp_path).foreign([path]) == []


def test_a_damaged_manifest_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / MANIFEST).write_text("{not json", encoding="utf-8")
    with pytest.raises(UsageError, match="cannot be read.*--force"):
        OwnedFiles(tmp_path)


# -- run and demo, from the command line -----------------------------------------------------


@pytest.fixture
def day(replay: ReplayServer) -> ReplayServer:
    replay.add(FEED_PATH, Reply(body=fixture_bytes(MIXED)))
    return replay


def test_run_publishes_into_its_own_folder_by_default(tmp_path: Path, day: ReplayServer) -> None:
    result = invoke_cli("run", "--no-catch-up", cwd=tmp_path, server=day)
    assert result.returncode == 0, result.stderr
    digest = tmp_path / "arxiv-radar-digest"
    assert (digest / "README.md").is_file() and (digest / MANIFEST).is_file()
    assert not (tmp_path / "README.md").exists()
    assert str(digest.resolve()) in " ".join(result.stdout.split())


def test_run_refuses_a_readme_it_did_not_write_before_fetching(
    tmp_path: Path, day: ReplayServer
) -> None:
    (tmp_path / "README.md").write_text(MINE, encoding="utf-8")
    result = invoke_cli("run", "--no-catch-up", "--output", ".", cwd=tmp_path, server=day)
    assert result.returncode == 2
    message = " ".join(result.stderr.split())
    assert "README.md" in message and "--force" in message and "Nothing was written" in message
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == MINE
    written = {p.name for p in tmp_path.iterdir()} & {
        "feeds",
        "site",
        "exports",
        "reports",
        MANIFEST,
    }
    assert written == set()
    assert day.requests == []  # refused before anything was fetched


def test_force_replaces_it_once_and_later_runs_need_no_force(
    tmp_path: Path, day: ReplayServer
) -> None:
    (tmp_path / "README.md").write_text(MINE, encoding="utf-8")
    forced = invoke_cli("run", "--no-catch-up", "-o", ".", "--force", cwd=tmp_path, server=day)
    assert forced.returncode == 0, forced.stderr
    assert "Announcement Date" in (tmp_path / "README.md").read_text(encoding="utf-8")
    again = invoke_cli("run", "--no-catch-up", "-o", ".", cwd=tmp_path, server=day)
    assert again.returncode == 0, again.stderr


def test_a_foreign_file_deep_in_the_outputs_is_refused_too(
    tmp_path: Path, day: ReplayServer
) -> None:
    first = invoke_cli("run", "--no-catch-up", cwd=tmp_path, server=day)
    assert first.returncode == 0, first.stderr
    page = tmp_path / "arxiv-radar-digest" / "site" / "archive" / "2026-04-27.html"
    page.write_text("<p>my annotations</p>", encoding="utf-8")
    second = invoke_cli("run", "--no-catch-up", cwd=tmp_path, server=day)
    assert second.returncode == 2
    assert "site/archive/2026-04-27.html" in " ".join(second.stderr.split())
    assert page.read_text(encoding="utf-8") == "<p>my annotations</p>"


def test_demo_refuses_a_folder_of_someone_elses_files(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "README.md").write_text(MINE, encoding="utf-8")
    refused = invoke_cli("demo", "--output", str(folder), cwd=tmp_path)
    assert refused.returncode == 2
    assert (folder / "README.md").read_text(encoding="utf-8") == MINE
    assert not (folder / "feeds").exists() and not (folder / "site").exists()
    forced = invoke_cli("demo", "--output", str(folder), "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    again = invoke_cli("demo", "--output", str(folder), cwd=tmp_path)
    assert again.returncode == 0, again.stderr


# -- inside a git clone of this repository ---------------------------------------------------


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    if shutil.which("git") is None or not (REPOSITORY / ".git").exists():
        pytest.skip("needs git and a git checkout of arxiv-radar (apt-get install git)")
    target = tmp_path / "arxiv-radar"
    subprocess.run(
        ["git", "clone", "--quiet", "--no-hardlinks", str(REPOSITORY), str(target)],
        check=True,
        capture_output=True,
    )
    return target


def _changed(clone: Path) -> str:
    return subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=clone,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def test_run_inside_a_clone_of_this_repository_changes_no_tracked_file(
    clone: Path, day: ReplayServer
) -> None:
    readme = (clone / "README.md").read_bytes()
    result = invoke_cli("run", "--no-catch-up", cwd=clone, server=day)
    assert result.returncode == 0, result.stderr
    assert _changed(clone) == ""
    assert (clone / "README.md").read_bytes() == readme
    assert (clone / "arxiv-radar-digest" / "README.md").is_file()
    refused = invoke_cli("run", "--no-catch-up", "--output", ".", cwd=clone, server=day)
    assert refused.returncode == 2 and _changed(clone) == ""


def test_a_dry_run_warns_of_files_a_real_run_would_refuse(
    tmp_path: Path, day: ReplayServer
) -> None:
    (tmp_path / "README.md").write_text(MINE, encoding="utf-8")
    result = invoke_cli("run", "--no-catch-up", "--dry-run", "-o", ".", cwd=tmp_path, server=day)
    assert result.returncode == 0, result.stderr
    warning = " ".join(result.stderr.split())
    assert "a real run would stop" in warning and "README.md" in warning
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == MINE
