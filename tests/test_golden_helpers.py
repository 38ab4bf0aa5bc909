"""The golden-file check every golden test uses, and the script that accepts new goldens."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from golden_helpers import UPDATE_VARIABLE, check_golden, pending_path

ACCEPT_SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "accept_goldens.py"
GOLDEN_TEXT = "line one\nline two\n"

Failed = pytest.fail.Exception


@pytest.fixture
def golden(tmp_path: Path) -> Path:
    path = tmp_path / "goldens" / "digest.md"
    path.parent.mkdir()
    path.write_text(GOLDEN_TEXT, encoding="utf-8")
    return path


def test_matching_output_passes_and_writes_nothing(golden: Path) -> None:
    check_golden(golden, GOLDEN_TEXT, environ={})
    check_golden(golden, GOLDEN_TEXT.encode(), environ={})
    assert sorted(p.name for p in golden.parent.iterdir()) == ["digest.md"]


def test_a_difference_fails_with_its_diff_and_writes_nothing(golden: Path) -> None:
    with pytest.raises(Failed) as caught:
        check_golden(golden, "line one\nline 2\n", environ={})
    message = str(caught.value)
    assert "-line two" in message and "+line 2" in message
    assert UPDATE_VARIABLE in message
    assert golden.read_text(encoding="utf-8") == GOLDEN_TEXT
    assert not pending_path(golden).exists()


def test_a_missing_golden_fails(tmp_path: Path) -> None:
    missing = tmp_path / "feed.xml"
    with pytest.raises(Failed, match="no golden"):
        check_golden(missing, "<rss/>", environ={})
    assert list(tmp_path.iterdir()) == []


def test_update_mode_writes_new_beside_the_golden_and_still_fails(golden: Path) -> None:
    update = {UPDATE_VARIABLE: "1"}
    with pytest.raises(Failed) as caught:
        check_golden(golden, "line one\nline 2\n", environ=update)
    new = pending_path(golden)
    assert new.name == "digest.md.new"
    assert new.read_text(encoding="utf-8") == "line one\nline 2\n"
    assert golden.read_text(encoding="utf-8") == GOLDEN_TEXT  # the golden is untouched
    message = str(caught.value)
    assert f"diff -u {golden} {new}" in message
    assert "scripts/accept_goldens.py" in message and f"mv {new} {golden}" in message
    # Run again: the golden still differs, so the test still fails (nothing was accepted).
    with pytest.raises(Failed):
        check_golden(golden, "line one\nline 2\n", environ=update)
    # Once the output matches again, the stale .new goes away and the test passes.
    check_golden(golden, GOLDEN_TEXT, environ=update)
    assert not new.exists()


def test_update_mode_writes_a_missing_golden_as_new_only(tmp_path: Path) -> None:
    missing = tmp_path / "site" / "index.html"
    with pytest.raises(Failed, match="has no golden"):
        check_golden(missing, b"<html></html>", environ={UPDATE_VARIABLE: "1"})
    assert pending_path(missing).read_bytes() == b"<html></html>"
    assert not missing.exists()


@pytest.mark.parametrize("ci", ["true", "TRUE", "True"])
def test_update_mode_is_refused_under_ci(golden: Path, ci: str) -> None:
    for content in (GOLDEN_TEXT, "changed\n"):  # refused whether or not the output matches
        with pytest.raises(Failed, match="refused under CI=true"):
            check_golden(golden, content, environ={UPDATE_VARIABLE: "1", "CI": ci})
    assert not pending_path(golden).exists()
    assert golden.read_text(encoding="utf-8") == GOLDEN_TEXT


def test_ci_without_update_mode_just_compares(golden: Path) -> None:
    check_golden(golden, GOLDEN_TEXT, environ={"CI": "true"})
    with pytest.raises(Failed, match="differs"):
        check_golden(golden, "changed\n", environ={"CI": "true"})


def test_the_environment_is_read_by_default(golden: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(UPDATE_VARIABLE, "1")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(Failed, match="refused under CI=true"):
        check_golden(golden, GOLDEN_TEXT)
    monkeypatch.delenv("CI")
    with pytest.raises(Failed, match="differs from its golden"):
        check_golden(golden, "changed\n")
    assert pending_path(golden).exists()


def accept(
    root: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ACCEPT_SCRIPT), "--root", str(root), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        input="",
        check=False,
    )


def test_accept_script_shows_the_diff_then_moves_every_new_into_place(golden: Path) -> None:
    with pytest.raises(Failed):
        check_golden(golden, "line one\nline 2\n", environ={UPDATE_VARIABLE: "1"})
    other = golden.parent / "sub" / "feed.xml"
    with pytest.raises(Failed):
        check_golden(other, "<rss/>\n", environ={UPDATE_VARIABLE: "1"})
    root = golden.parent
    env = {key: value for key, value in os.environ.items() if key != "CI"}

    declined = accept(root, env=env)  # no answer given: nothing is accepted
    assert declined.returncode == 1
    assert "-line two" in declined.stdout and "+line 2" in declined.stdout
    assert "+<rss/>" in declined.stdout
    assert golden.read_text(encoding="utf-8") == GOLDEN_TEXT

    accepted = accept(root, "--yes", env=env)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert golden.read_text(encoding="utf-8") == "line one\nline 2\n"
    assert other.read_text(encoding="utf-8") == "<rss/>\n"
    assert sorted(p.name for p in root.rglob("*.new")) == []
    check_golden(golden, "line one\nline 2\n", environ={})


def test_accept_script_refuses_under_ci(golden: Path) -> None:
    pending_path(golden).write_text("changed\n", encoding="utf-8")
    env = {**os.environ, "CI": "true"}
    refused = accept(golden.parent, "--yes", env=env)
    assert refused.returncode == 2
    assert golden.read_text(encoding="utf-8") == GOLDEN_TEXT
