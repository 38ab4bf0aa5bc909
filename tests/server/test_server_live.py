"""``arxiv-radar serve`` for real: a uvicorn process on 127.0.0.1, read by real clients.

The command is started as a subprocess on a free port over a copy of the demo store (on
SQLite and on PostgreSQL), with
arXiv's endpoints pointed at a local server that records every request (none may arrive).
newsboat (Debian's feed reader) reads the feeds into its cache; headless Chromium (Debian's,
driven by Playwright) loads the page with its stylesheet and script under the page's
Content-Security-Policy; httpx checks gzip and 304 over the wire; ``--workers 2`` serves the
same bytes as one worker.

Without newsboat, Chromium or Playwright their tests are skipped, except under ``CI=true``,
where that is a failure: CI must not pass by skipping them.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import feedparser
import httpx
import pytest

from demo_expectations import MAX_PAPERS, SHOWN, SHOWN_CATEGORY, DemoStore, in_category
from reader_helpers import chromium_browser, newsboat_items
from replay_server import ReplayServer
from store_backends import copy_store, drop_store


def _missing(what: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{what} is missing but CI=true: these tests must run in CI")
    pytest.skip(f"needs {what}")


CONFIG = f"""\
[profiles.default]
max_papers = {MAX_PAPERS}

[summaries]
provider = "extractive"
"""
"""The ``demo_config`` fixture's settings: the server ranks the day with its own profile."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def running_server(
    db: str, folder: Path, replay: ReplayServer, *args: str, config_text: str = CONFIG
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``arxiv-radar serve`` in a subprocess, with the in-process tests' configuration
    (``CONFIG``, which ranks the day as ``demo_store`` did, or ``config_text``); yields its
    base URL once it answers."""
    config = folder / "arxiv-radar.toml"
    config.write_text(config_text, encoding="utf-8")
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("ARXIV_RADAR_")}
    env.update(
        ARXIV_RADAR_RSS_URL=replay.url("/rss"),
        ARXIV_RADAR_API_URL=replay.url("/api/query"),
        ARXIV_RADAR_OAI_URL=replay.url("/oai"),
        ARXIV_RADAR_HTML_URL=replay.url("/html"),
        ARXIV_RADAR_PDF_URL=replay.url("/pdf"),
        ARXIV_RADAR_MIN_INTERVAL="0",
        COLUMNS="200",
    )
    log = (folder / f"serve-{port}.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "arxiv_radar", "serve", "--port", str(port), "--db", db]
        + ["--config", str(config), *args],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise AssertionError((folder / f"serve-{port}.log").read_text())
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not answer within 30 s"
            time.sleep(0.1)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:  # pragma: no cover - a hung server
            process.kill()
            process.wait(timeout=5)
        log.close()


class Live(NamedTuple):
    url: str  # the server's
    replay: ReplayServer  # arXiv, which must see no request
    db: str  # the store it serves


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, demo_store: DemoStore) -> Iterator[Live]:
    """One server for the module (and backend), scheduling the daily run as the configuration
    says."""
    folder = tmp_path_factory.mktemp("live")
    db = copy_store(demo_store.url, folder, "live")
    try:
        with ReplayServer() as replay:
            with running_server(db, folder, replay, "--schedule", "config") as (url, _):
                yield Live(url, replay, db)
            assert replay.requests == [], "the server called arXiv"
    finally:
        drop_store(db)


def test_the_server_answers_over_http(live: Live) -> None:
    url = live.url
    health = httpx.get(f"{url}/health").json()
    assert health["status"] == "ok" and health["latest_announcement"] == "2026-04-27"
    assert health["scheduler"] == "30 6 * * 1-5 (UTC)"  # --schedule config: publish.schedule
    plain = httpx.get(f"{url}/rss", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "server" not in plain.headers
    with httpx.stream("GET", f"{url}/rss", headers={"Accept-Encoding": "gzip"}) as zipped:
        raw = b"".join(zipped.iter_raw())
        assert zipped.headers["content-encoding"] == "gzip" and len(raw) < len(plain.content)
    again = httpx.get(f"{url}/rss", headers={"If-None-Match": plain.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    since = httpx.get(f"{url}/rss", headers={"If-Modified-Since": plain.headers["last-modified"]})
    assert since.status_code == 304
    assert httpx.head(f"{url}/rss").headers["etag"] == plain.headers["etag"]
    assert httpx.get(f"{url}/rss/..%2F..%2Fetc%2Fpasswd").status_code == 400
    assert httpx.post(f"{url}/admin/refresh").status_code == 404  # no token: no admin


@pytest.mark.parametrize(
    ("path", "count"),
    [
        ("/rss", len(SHOWN)),
        ("/atom", len(SHOWN)),
        (f"/rss/{SHOWN_CATEGORY}", len(in_category(SHOWN, SHOWN_CATEGORY))),
        ("/rss?type=cross", sum(r.announce_type == "cross" for r in SHOWN)),
    ],
)
def test_newsboat_reads_the_served_feeds(live: Live, tmp_path: Path, path: str, count: int) -> None:
    newsboat = shutil.which("newsboat")
    if newsboat is None:
        _missing("newsboat (apt-get install -y newsboat)")
    url = live.url
    served = feedparser.parse(httpx.get(url + path).content)
    items = newsboat_items(newsboat, url + path, tmp_path / "newsboat")
    assert len(items) == count == len(served.entries)
    assert {item["guid"] for item in items} == {entry.id for entry in served.entries}
    titles = {entry.id: entry.title for entry in served.entries}
    assert all(item["title"] == titles[item["guid"]] for item in items)
    assert all(item["url"].startswith("https://arxiv.org/abs/") for item in items)


def test_chromium_loads_the_page(live: Live) -> None:
    url = live.url
    papers = httpx.get(f"{url}/api/papers", params={"limit": 200}).json()["papers"]
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(10_000)
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        failed: list[str] = []
        page.on("requestfailed", lambda r: failed.append(r.url))
        response = page.goto(url + "/")
        assert response is not None and response.status == 200
        page.wait_for_selector("section[data-filters]:not([hidden])")  # site.js ran
        cards = page.eval_on_selector_all(
            "article.paper",
            "cards => cards.filter(c => c.checkVisibility()).map(c => c.dataset.arxivId)",
        )
        assert cards == [paper["arxiv_id"] for paper in papers]
        assert cards == [r.arxiv_id for r in SHOWN]
        assert page.locator("#count").inner_text() == f"{len(SHOWN)} of {len(SHOWN)} papers"
        page.get_by_label("Search", exact=True).fill("distributed")
        expected = [p for p in papers if "distributed" in f"{p['title']} {p['abstract']}".lower()]
        assert 0 < len(expected) < len(SHOWN)
        assert page.locator("#count").inner_text() == f"{len(expected)} of {len(SHOWN)} papers"
        styled = page.eval_on_selector("body", "b => getComputedStyle(b).fontFamily")
        assert styled and "Times" not in styled  # site.css was served and applied
        page.click("text=Archive")
        page.wait_for_url(url + "/archive/index.html")
        assert "2026-04-27" in page.content()
        assert not errors and not failed, (errors, failed)


def test_two_workers_serve_the_same_bytes(live: Live, tmp_path: Path) -> None:
    url = live.url
    with running_server(live.db, tmp_path, live.replay, "--workers", "2") as (two, _):
        for path in ("/rss", "/api/papers", "/"):
            one_worker, two_workers = httpx.get(url + path), httpx.get(two + path)
            assert one_worker.headers["etag"] == two_workers.headers["etag"], path
            assert one_worker.content == two_workers.content
        assert httpx.get(f"{two}/health").json()["scheduler"] is None


def test_newsboat_reads_a_readers_secret_feed(db: str, tmp_path: Path) -> None:
    """A reader made by ``arxiv-radar users add`` reads their profile at their secret URL."""
    newsboat = shutil.which("newsboat")
    if newsboat is None:
        _missing("newsboat (apt-get install -y newsboat)")
    config_text = CONFIG + '\n[profiles.alice]\nkeywords = ["metamorphic"]\n'
    (tmp_path / "arxiv-radar.toml").write_text(config_text, encoding="utf-8")

    def cli(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "arxiv_radar", *args, "--db", db],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    cli("rank", "--profile", "alice", "--date", "2026-04-27")
    alice = json.loads(cli("users", "add", "alice", "--profile", "alice", "--json"))
    with (
        ReplayServer() as replay,
        running_server(db, tmp_path, replay, config_text=config_text) as (url, _),
    ):
        served = feedparser.parse(httpx.get(url + alice["feeds"]["rss"]).content)
        items = newsboat_items(newsboat, url + alice["feeds"]["rss"], tmp_path / "newsboat")
        assert httpx.get(url + "/u/" + "x" * 43 + "/rss").status_code == 404
    assert served.entries and all("etamorphic" in entry.title for entry in served.entries[:3])
    assert len(items) == len(served.entries)
    assert {item["guid"] for item in items} == {entry.id for entry in served.entries}
    assert replay.requests == []
