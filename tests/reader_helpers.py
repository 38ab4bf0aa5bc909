"""Real readers for the published outputs: the terminal feed reader newsboat and Debian's
Chromium (driven by Playwright), shared by the publishing and the server tests, and a local
HTTP server for a folder of published files.

Without Chromium or the ``playwright`` package the browser tests are skipped, except under
``CI=true``, where that is a failure: CI must not pass by skipping them. Playwright's own
browser download is never used (``executable_path`` points at Debian's build).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM_ENV = "ARXIV_RADAR_TEST_CHROMIUM"
"""Overrides where the Chromium executable is (default: ``chromium`` on PATH)."""

# Debian's Chromium on a closed network, as root: no sandbox, no background connections.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
]


def chromium_path() -> str:
    """Where the Chromium to drive is (it may not exist: callers check)."""
    return os.environ.get(CHROMIUM_ENV) or shutil.which("chromium") or "/usr/bin/chromium"


def chromium_or_skip() -> str:
    """The Chromium to drive, or skip (fail under ``CI=true``) when it or Playwright is missing."""
    path = chromium_path()
    missing = []
    if not Path(path).is_file():
        missing.append(f"Chromium ({path}; apt-get install chromium, or set {CHROMIUM_ENV})")
    if sync_playwright is None:
        missing.append("the playwright package (pip install playwright)")
    if not missing:
        return path
    message = "browser tests need " + " and ".join(missing)
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message}, but CI=true: the browser tests must run in CI")
    pytest.skip(message)


@contextmanager
def chromium_browser() -> Iterator[Browser]:
    """Headless Chromium launched by Playwright (see :func:`chromium_or_skip`), closed on exit."""
    executable = chromium_or_skip()
    assert sync_playwright is not None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        pass


@contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """Serve ``folder`` over HTTP on 127.0.0.1 (a free port) from a thread; yields the base
    URL, ``http://127.0.0.1:PORT`` without a trailing slash."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def newsboat_items(newsboat: str, url: str, home: Path) -> list[dict[str, Any]]:
    """Run ``newsboat -x reload`` on one feed with its own cache (newsboat keys items by
    guid, so feeds sharing guids need separate caches); return the items it stored."""
    home.mkdir()
    (home / "urls").write_text(url + "\n", encoding="utf-8")
    (home / "config").write_text("download-timeout 20\nreload-threads 1\n", encoding="utf-8")
    env = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "TERM": "dumb",
    }
    cache = home / "cache.db"
    result = subprocess.run(
        [newsboat, "-x", "reload", "-u", "urls", "-c", str(cache), "-C", "config"],
        cwd=home,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    with sqlite3.connect(cache) as db:
        db.row_factory = sqlite3.Row
        feeds = [dict(row) for row in db.execute("SELECT rssurl, url, title FROM rss_feed")]
        assert [feed["rssurl"] for feed in feeds] == [url]
        rows = db.execute(
            "SELECT guid, title, url, author, pubDate, content FROM rss_item WHERE feedurl = ?",
            (url,),
        )
        return [dict(row) for row in rows]
