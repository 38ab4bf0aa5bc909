"""What the reliability tests check after every fault, kill or bad input.

* :func:`start_cli` runs ``arxiv-radar`` in a subprocess that a test can kill (``kill -9``);
* :func:`check_outputs` proves a published folder whole: the README non-empty with its
  sections, every feed parsed by feedparser, every JSON file loaded, no temporary file left;
* :func:`check_store` proves a store consistent with SQL: no duplicate announcement, no row
  pointing at a missing paper, no paper without a title, and (optionally) no run left
  ``running``; it returns the counts the tests compare.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import bibtexparser
import feedparser
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from cli_helpers import cli_environment
from replay_server import ReplayServer

CATEGORIES = ("cs.AI", "cs.CL", "cs.DC", "cs.LG")
README_SECTIONS = ("## 📊 Statistics", "## 📚 Recent Papers", "## 🔧 Configuration")
TEMPORARY = re.compile(r"^\..+\.tmp$")


def outputs_for(day: dt.date) -> list[str]:
    """Every file a run for ``day`` publishes, relative to the output folder."""
    return [
        "README.md",
        "feeds/rss.xml",
        "feeds/atom.xml",
        "feeds/feed.json",
        *(f"feeds/{category}.xml" for category in CATEGORIES),
        "site/index.html",
        f"site/archive/{day.isoformat()}.html",
        "site/archive/index.html",
        "site/data.json",
        "exports/digest.bib",
        "exports/digest.json",
        f"reports/run-{day.isoformat()}.json",
    ]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` except the store and its lock, by relative path."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.startswith("arxiv-radar.db")
    }


def stray_temporaries(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if TEMPORARY.match(path.name)]


def check_file(path: Path) -> None:
    """One published file is whole: it parses as what its name says."""
    data = path.read_bytes()
    assert data.strip(), f"{path} is empty"
    name = path.name
    if name == "README.md":
        text_ = data.decode("utf-8")
        for section in README_SECTIONS:
            assert section in text_, f"{path} lacks {section}"
        assert text_.rstrip().endswith("*"), f"{path} is cut short"
    elif name.endswith(".xml"):
        parsed = feedparser.parse(data)
        assert not parsed.bozo, f"{path}: {parsed.get('bozo_exception')}"
        assert parsed.feed.get("title"), f"{path} has no channel"  # a category may be empty
    elif name.endswith(".json"):
        json.loads(data)
    elif name.endswith(".html"):
        assert data.rstrip().endswith(b"</html>"), f"{path} is cut short"
    elif name.endswith(".bib"):
        library = bibtexparser.parse_string(data.decode("utf-8"))
        assert library.entries and not library.failed_blocks, f"{path} is not whole BibTeX"


def check_outputs(folder: Path, day: dt.date | None = None, *, papers: int | None = None) -> None:
    """Every published file under ``folder`` is whole; with ``day``, all of that day's
    outputs exist and the digest shows ``papers`` papers (when given)."""
    assert not stray_temporaries(folder), stray_temporaries(folder)
    names = outputs_for(day) if day else []
    for name in names:
        assert (folder / name).is_file(), f"{name} is missing"
    for sub in ("README.md", "feeds", "site", "exports", "reports"):
        target = folder / sub
        paths = [target] if target.is_file() else sorted(target.rglob("*"))
        for path in paths:
            if path.is_file() and path.parent.name != "assets":
                check_file(path)
    if day is not None:
        readme = (folder / "README.md").read_text(encoding="utf-8")
        assert f"**Announcement Date**: {day.isoformat()}" in readme
        report = json.loads((folder / f"reports/run-{day.isoformat()}.json").read_text())
        assert report["status"] == "ok" and report["announced_on"] == day.isoformat()
        if papers is not None:
            assert len(re.findall(r"^### \d+\. \[", readme, re.M)) == papers
            assert report["papers_shown"] == papers
            assert len(feedparser.parse((folder / "feeds/rss.xml").read_bytes()).entries) == papers


# -- the store -----------------------------------------------------------------------------


def engine_for(db: str) -> Engine:
    url = db if "://" in db else f"sqlite:///{db}"
    return create_engine(url, poolclass=NullPool)


def store_began_on(db: str, moment: str = "2026-04-17 12:00:00.000000") -> None:
    """Move the store's first recorded run back to ``moment`` (UTC): a store in use since
    then, so catch-up may fill the days missed since (by default Friday 2026-04-17, before
    the whole week that precedes the recorded Monday listing)."""
    engine = engine_for(db)
    try:
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE runs SET started_at = :moment WHERE id = (SELECT MIN(id) FROM runs)"),
                {"moment": moment},
            )
    finally:
        engine.dispose()


def sql(db: str, query: str) -> list[tuple[object, ...]]:
    """The rows of one query on the store at ``db`` (a SQLite path or a URL)."""
    engine = engine_for(db)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(query))]
    finally:
        engine.dispose()


@dataclass
class StoreState:
    papers: int
    announced: dict[str, int]  # announcement date -> announcements (all feeds)
    summaries_ok: set[str]  # arxiv ids with a usable stored summary
    runs: list[tuple[str, str]]  # (kind, status), oldest first
    published: list[str]  # the announcement date of each publication, oldest first


def check_store(db: str, *, settled: bool = True) -> StoreState:
    """Prove the store consistent (see the module docstring) and return its counts.

    ``settled``: no run may be left ``running`` (false right after a ``kill -9``, whose
    run row the next run closes).
    """
    engine = engine_for(db)
    try:
        with engine.connect() as conn:

            def scalar(sql: str) -> int:
                return int(conn.execute(text(sql)).scalar_one())

            duplicates = conn.execute(
                text(
                    "SELECT arxiv_id, announced_on, feed FROM announcements "
                    "GROUP BY arxiv_id, announced_on, feed HAVING COUNT(*) > 1"
                )
            ).all()
            assert duplicates == [], f"duplicate announcements: {duplicates}"
            for table in ("announcements", "summaries"):
                orphans = scalar(
                    f"SELECT COUNT(*) FROM {table} t "
                    "LEFT JOIN papers p ON p.arxiv_id = t.arxiv_id WHERE p.arxiv_id IS NULL"
                )
                assert orphans == 0, f"{orphans} {table} rows name no stored paper"
            stored = {row[0] for row in conn.execute(text("SELECT arxiv_id FROM papers"))}
            for profile, day, entries in conn.execute(
                text("SELECT profile, announced_on, entries FROM rankings")
            ):
                listed = json.loads(entries) if isinstance(entries, str) else entries
                unknown = {entry["arxiv_id"] for entry in listed} - stored
                assert not unknown, f"ranking {profile} {day} names no stored paper: {unknown}"
            partial = scalar(
                "SELECT COUNT(*) FROM papers WHERE title = '' OR abstract IS NULL OR version < 1"
            )
            assert partial == 0, f"{partial} half-stored papers"
            keys = conn.execute(
                text(
                    "SELECT arxiv_id, version, provider, prompt_hash, input_mode, language "
                    "FROM summaries GROUP BY arxiv_id, version, provider, prompt_hash, "
                    "input_mode, language HAVING COUNT(*) > 1"
                )
            ).all()
            assert keys == [], f"summaries stored twice: {keys}"
            announced = {
                str(day)[:10]: int(count)
                for day, count in conn.execute(
                    text("SELECT announced_on, COUNT(*) FROM announcements GROUP BY announced_on")
                )
            }
            summaries_ok = {
                row[0]
                for row in conn.execute(
                    text("SELECT arxiv_id FROM summaries WHERE status IN ('ok', 'incomplete')")
                )
            }
            runs = [
                (row[0], row[1])
                for row in conn.execute(text("SELECT kind, status FROM runs ORDER BY id"))
            ]
            published = [
                str(row[0])[:10]
                for row in conn.execute(text("SELECT announced_on FROM publications ORDER BY id"))
            ]
            papers = scalar("SELECT COUNT(*) FROM papers")
    finally:
        engine.dispose()
    if settled:
        assert all(status != "running" for _, status in runs), runs
    return StoreState(papers, announced, summaries_ok, runs, published)


# -- the command line in a subprocess ------------------------------------------------------


def start_cli(
    *args: str, cwd: Path, server: ReplayServer | None = None, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """``arxiv-radar ARGS`` started in the background (stdout and stderr captured)."""
    return subprocess.Popen(
        [sys.executable, "-m", "arxiv_radar", *args],
        cwd=cwd,
        env=cli_environment(server, env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_hard(process: subprocess.Popen[str]) -> None:
    """``kill -9``: no handler, no cleanup, no flush; then reap it."""
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL, process.returncode


def wait_until(
    condition: Callable[[], bool], *, timeout: float = 60.0, every: float = 0.002
) -> None:
    """Poll ``condition`` until it holds; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {condition}")
        time.sleep(every)


def one_paragraph_error(stderr: str) -> str:
    """The error message, checked to be one paragraph without a traceback."""
    assert "Traceback" not in stderr, stderr
    message = stderr.strip()
    assert message.startswith("error:"), stderr
    assert "\n\n" not in message, stderr
    return " ".join(message.split())
