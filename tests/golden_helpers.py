"""Golden files: rendered output compared byte for byte with a reviewed copy.

Every golden test goes through :func:`check_golden`. A golden changes only by a reviewed diff:
with ``ARXIV_RADAR_UPDATE_GOLDEN=1`` an output that differs from its golden is written beside
it as ``<name>.new`` and the test fails, saying how to review and accept it
(``python scripts/accept_goldens.py`` shows each diff and moves the ``.new`` files into place,
or ``mv`` them by hand). The golden itself is never rewritten by a test, and update mode
refuses to run at all under ``CI=true``.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from pathlib import Path

import pytest

UPDATE_VARIABLE = "ARXIV_RADAR_UPDATE_GOLDEN"
NEW_SUFFIX = ".new"
ACCEPT = "python scripts/accept_goldens.py"
DIFF_LINES = 40  # the most diff lines a failure message shows


def pending_path(golden: Path) -> Path:
    """Where update mode writes the new output of ``golden``: ``<name>.new`` beside it."""
    return golden.with_name(golden.name + NEW_SUFFIX)


def update_mode(environ: Mapping[str, str] | None = None) -> bool:
    """True when ``ARXIV_RADAR_UPDATE_GOLDEN=1``; fails the test at once under ``CI=true``."""
    env = os.environ if environ is None else environ
    if env.get(UPDATE_VARIABLE) != "1":
        return False
    if env.get("CI", "").lower() == "true":
        pytest.fail(
            f"{UPDATE_VARIABLE}=1 is refused under CI=true: golden files change only by a "
            "diff reviewed on a developer's machine",
            pytrace=False,
        )
    return True


def short_diff(expected: bytes, actual: bytes, name: str) -> str:
    """A unified diff of two renderings (text), or their sizes (binary), for a message."""
    try:
        before = expected.decode("utf-8").splitlines(keepends=True)
        after = actual.decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return f"(binary: {len(expected)} bytes in the golden, {len(actual)} rendered)"
    lines = list(difflib.unified_diff(before, after, f"{name} (golden)", f"{name} (rendered)"))
    shown = "".join(line if line.endswith("\n") else line + "\n" for line in lines[:DIFF_LINES])
    if len(lines) > DIFF_LINES:
        shown += f"... {len(lines) - DIFF_LINES} more diff lines\n"
    return shown


def check_golden(
    path: Path, content: str | bytes, *, environ: Mapping[str, str] | None = None
) -> None:
    """Assert that ``content`` equals the golden file ``path`` byte for byte.

    In update mode (``ARXIV_RADAR_UPDATE_GOLDEN=1``, never under ``CI=true``) a differing or
    missing golden gets ``<name>.new`` written beside it and the test fails with the commands
    that review and accept it; a matching one passes and loses any stale ``.new``.
    ``environ`` replaces ``os.environ`` (for testing this helper).
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    update = update_mode(environ)
    pending = pending_path(path)
    golden = path.read_bytes() if path.is_file() else None
    if golden == data:
        if update:
            pending.unlink(missing_ok=True)
        return
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        pending.write_bytes(data)
        review = f"diff -u {path} {pending}" if golden is not None else f"cat {pending}"
        pytest.fail(
            f"{path.name} {'differs from its golden' if golden is not None else 'has no golden'}"
            f"; the new output is in {pending}.\nReview it: {review}\n"
            f"Accept it: {ACCEPT} (shows every diff, then moves each .new into place), "
            f"or: mv {pending} {path}",
            pytrace=False,
        )
    if golden is None:
        pytest.fail(
            f"no golden {path}: run the test with {UPDATE_VARIABLE}=1, review the {pending.name} "
            f"it writes, then accept it with {ACCEPT}",
            pytrace=False,
        )
    pytest.fail(
        f"{path.name} differs from its golden {path}:\n{short_diff(golden, data, path.name)}"
        f"If the change is intended: run the test with {UPDATE_VARIABLE}=1, review the "
        f"{pending.name} it writes, then accept it with {ACCEPT}",
        pytrace=False,
    )
