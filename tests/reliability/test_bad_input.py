"""Bad input to ``arxiv-radar run``: broken configuration, an output folder that cannot be
written, an output path in the way, a disk that fills up while publishing.

Each stops with one paragraph that names the problem and the fix, the documented exit code
(2), no traceback unless ``--debug``, and nothing half-written: nothing at all when the
problem is known before the run starts, every file whole when it is not.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli_helpers import invoke_cli
from fault_server import DAY, FEED_PATH, good_feed
from radar_checks import (
    check_file,
    check_outputs,
    check_store,
    one_paragraph_error,
    snapshot,
    stray_temporaries,
)
from replay_server import ReplayServer, Reply

CONFIGS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # name: (file name, its text, what the message must say)
    "malformed TOML": (
        "arxiv-radar.toml",
        '[arxiv\ncategories = ["cs.AI"]\n',
        ("arxiv-radar.toml", "not valid TOML", "line 1"),
    ),
    "malformed config.json": (
        "config.json",
        '{"keywords": ["LLM"], "categories": ',
        ("config.json", "not valid JSON", "line 1"),
    ),
    "wrong type (TOML)": (
        "arxiv-radar.toml",
        '[summaries]\nmax_papers = "five"\n',
        ("key 'summaries.max_papers'", 'found "five"', "expected an integer"),
    ),
    "wrong type (config.json)": (
        "config.json",
        '{"keywords": "LLM", "categories": ["cs.AI"]}',
        ("config.json", "key 'keywords'", "expected a list"),
    ),
    "unknown category": (
        "arxiv-radar.toml",
        '[arxiv]\ncategories = ["cs.AI", "cs.XX"]\n',
        ("key 'arxiv.categories[1]'", "unknown arXiv category 'cs.XX'", "such as cs.AI"),
    ),
    "unknown key": (
        "arxiv-radar.toml",
        '[arxiv]\ncategorys = ["cs.AI"]\n',
        ("unknown key 'categorys'", "did you mean 'categories'"),
    ),
    "unknown provider": (
        "arxiv-radar.toml",
        '[summaries]\nprovider = "gpt"\n',
        ("key 'summaries.provider'", 'found "gpt"', "'openai-compatible'"),
    ),
    "missing API key": (
        "arxiv-radar.toml",
        '[summaries]\nprovider = "dashscope"\n',
        ("DASHSCOPE_API_KEY", "which is not set", 'provider = "extractive"'),
    ),
}


@pytest.mark.parametrize("case", list(CONFIGS))
def test_bad_configuration_stops_before_anything_happens(
    case: str, tmp_path: Path, replay: ReplayServer
) -> None:
    name, text, expected = CONFIGS[case]
    replay.add(FEED_PATH, Reply(body=good_feed()))
    (tmp_path / name).write_text(text, encoding="utf-8")
    result = invoke_cli(
        "run", "--no-catch-up", cwd=tmp_path, server=replay, env={"DASHSCOPE_API_KEY": ""}
    )
    assert result.returncode == 2, result.stdout + result.stderr
    message = one_paragraph_error(result.stderr)
    for part in expected:
        assert part in message, message
    assert replay.requests == []  # nothing fetched, nothing paid for
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no store, no output


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    (tmp_path / "arxiv-radar.toml").write_text("[arxiv\n", encoding="utf-8")
    result = invoke_cli("run", "--debug", cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" in result.stderr and "not valid TOML" in result.stderr


@pytest.mark.parametrize("output", ["notes.txt", "notes.txt/digest"])
def test_an_output_folder_that_cannot_exist_is_refused_before_fetching(
    output: str, tmp_path: Path, replay: ReplayServer
) -> None:
    """Tests run as root, so a read-only folder would not stop them: a regular file where
    the folder (or one of its parents) should be is the honest unwritable folder here."""
    replay.add(FEED_PATH, Reply(body=good_feed()))
    (tmp_path / "notes.txt").write_text("my notes\n", encoding="utf-8")
    result = invoke_cli("run", "--no-catch-up", "--output", output, cwd=tmp_path, server=replay)
    assert result.returncode == 2, result.stdout + result.stderr
    message = one_paragraph_error(result.stderr)
    assert (
        f"the output folder {output}" in message and "notes.txt is a file, not a folder" in message
    )
    assert "choose another --output (or publish.output)" in message
    assert replay.requests == []
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "my notes\n"
    assert check_store(str(tmp_path / "arxiv-radar.db")).runs == [("run", "failed")]


BLOCKED = {
    # an output file whose path is taken by a folder, or a folder whose path is a file
    "feeds/rss.xml is a folder": ("feeds/rss.xml", "dir", "a folder is in the way"),
    "site/archive is a file": ("site/archive", "file", "is a file where a folder should be"),
}


@pytest.mark.parametrize("case", list(BLOCKED))
def test_an_output_path_in_the_way_writes_nothing(
    case: str, good: Path, replay: ReplayServer
) -> None:
    relative, kind, expected = BLOCKED[case]
    replay.add(FEED_PATH, Reply(body=good_feed()))
    blocked = good / relative
    shutil.rmtree(blocked) if blocked.is_dir() else blocked.unlink()
    if kind == "dir":
        (blocked / "somebody's folder").mkdir(parents=True)
    else:
        blocked.write_text("not a folder\n", encoding="utf-8")
    before = snapshot(good)
    result = invoke_cli("run", "--no-catch-up", cwd=good, server=replay)
    assert result.returncode == 2, result.stdout + result.stderr
    message = one_paragraph_error(result.stderr)
    assert relative in message and expected in message and "nothing was written" in message
    assert snapshot(good) == before  # every other output is the last good one
    assert not stray_temporaries(good)
    assert check_store(str(good / "arxiv-radar.db")).runs[-1] == ("run", "failed")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs: a disk that really fills up (needs root and mount; skipped without).
    Room for one day's outputs with the site's assets (KaTeX and its fonts among them)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_a_disk_full_while_publishing_leaves_whole_files(
    small_disk: Path, tmp_path: Path, replay: ReplayServer
) -> None:
    replay.add(FEED_PATH, Reply(body=good_feed()))
    store = str(tmp_path / "arxiv-radar.db")  # the store elsewhere: only the outputs fill up
    first = invoke_cli(
        "run", "--no-catch-up", "--db", store, "-o", str(small_disk), cwd=tmp_path, server=replay
    )
    assert first.returncode == 0, first.stderr
    check_outputs(small_disk, DAY, papers=6)
    filler = small_disk / "filler"
    with filler.open("wb") as handle:  # 16 KiB left: the site's assets fit, its pages do not
        free = shutil.disk_usage(small_disk).free
        handle.write(b"\0" * max(0, free - 16 * 1024))

    result = invoke_cli(
        "run", "--no-catch-up", "--db", store, "-o", str(small_disk), cwd=tmp_path, server=replay
    )
    assert result.returncode == 2, result.stdout + result.stderr
    message = one_paragraph_error(result.stderr)
    assert "No space left on device" in message and "never half-written" in message, message
    assert not stray_temporaries(small_disk)
    for path in small_disk.rglob("*"):
        if path.is_file() and path != filler and path.parent.name != "assets":
            check_file(path)  # the previous version or the new one, whole either way

    filler.unlink()
    again = invoke_cli(
        "run", "--no-catch-up", "--db", store, "-o", str(small_disk), cwd=tmp_path, server=replay
    )
    assert again.returncode == 0, again.stderr
    check_outputs(small_disk, DAY, papers=6)
