"""Real readers for the published outputs: the terminal feed reader newsboat and Debian's
Chromium (driven by Playwright), shared by the publishing and the server tests."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

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
