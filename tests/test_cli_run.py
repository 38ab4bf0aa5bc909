"""`arxiv-radar run` and `arxiv-radar demo` end to end, from the command a user types.

Each ``run`` test runs on SQLite and on PostgreSQL (``store_url``, passed as ``--db``); the
demo keeps its own SQLite store in its folder, by design.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import feedparser
import pytest

from arxiv_radar.store import Store

from cli_helpers import invoke_cli
from openai_server import OpenAIServer
from openai_server import Reply as LLMReply
from replay_server import ReplayServer, Reply, fixture_bytes

ROOT = Path(__file__).resolve().parents[1]

MIXED = "synthetic_rss_cs.AI+cs.CL+cs.DC+cs.LG_mixed.xml"
FEED_PATH = "/rss/cs.AI+cs.CL+cs.DC+cs.LG"
ANSWER = """TL;DR: The paper in one line.

## 1. Main contributions and innovations
A contribution.

## 2. Method and experimental setup
A method.

## 3. Key results
A 12% gain.

## 4. Conclusions, limitations and future work
Limits.
"""
OUTPUTS = [
    "README.md",
    "feeds/rss.xml",
    "feeds/atom.xml",
    "feeds/feed.json",
    "feeds/cs.AI.xml",
    "feeds/cs.CL.xml",
    "feeds/cs.DC.xml",
    "feeds/cs.LG.xml",
    "site/index.html",
    "site/archive/2026-04-27.html",
    "site/data.json",
    "exports/digest.bib",
    "exports/digest.json",
    "reports/run-2026-04-27.json",
]


@pytest.fixture
def folder(tmp_path: Path, replay: ReplayServer) -> Path:
    replay.add(FEED_PATH, Reply(body=fixture_bytes(MIXED)))
    return tmp_path


def run(folder: Path, replay: ReplayServer, db: str, *args: str) -> Any:
    """``arxiv-radar run --no-catch-up`` in ``folder`` on the store ``db``."""
    where = () if "--output" in args else ("--output", ".")  # the folder itself, not the default
    return invoke_cli("run", "--no-catch-up", "--db", db, *where, *args, cwd=folder, server=replay)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in OUTPUTS}


def test_run_publishes_every_output(folder: Path, replay: ReplayServer, store_url: str) -> None:
    result = run(folder, replay, store_url)
    assert result.returncode == 0, result.stderr
    for name in OUTPUTS:
        assert (folder / name).is_file(), name
    assert "Published to" in result.stdout and "12 papers announced" in result.stdout
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert (
        len(re.findall(r"^### \d+\. \[", readme, re.M)) == 6
        and "**Announcement Date**: 2026-04-27" in readme
    )
    assert "Extractive summary" in readme  # no API key: extractive summaries, labelled
    report = json.loads((folder / "reports/run-2026-04-27.json").read_text())
    assert report["status"] == "ok" and report["papers_shown"] == 6
    assert [s["name"] for s in report["stages"]] == [
        "fetch",
        "rank",
        "summarize",
        "publish",
        "notify",
    ]
    assert report["summaries_made"] == 5 and report["summary_calls"] == 0
    parsed = feedparser.parse((folder / "feeds/rss.xml").read_bytes())
    assert not parsed.bozo and len(parsed.entries) == 6
    assert not list(folder.rglob("*.tmp"))


def test_a_second_run_is_idempotent(folder: Path, replay: ReplayServer, store_url: str) -> None:
    with OpenAIServer(models=("m",)) as llm:
        llm.respond(lambda request: LLMReply(text=ANSWER))
        (folder / "arxiv-radar.toml").write_text(
            f'[summaries]\nprovider = "openai-compatible"\nbase_url = "{llm.base_url}"\n'
            'model = "m"\nmax_papers = 3\n',
            encoding="utf-8",
        )
        first = run(folder, replay, store_url)
        assert first.returncode == 0, first.stderr
        assert len(llm.chat_requests) == 3
        before = snapshot(folder)
        second = run(folder, replay, store_url)
        assert second.returncode == 0, second.stderr
        assert len(llm.chat_requests) == 3  # every summary came from the cache
    after = snapshot(folder)
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert readme.count("AI Summary (by m)") == 3
    assert before["exports/digest.bib"] == after["exports/digest.bib"]
    for name in ("feeds/rss.xml", "feeds/cs.AI.xml"):  # the same items; only the build time moves
        items = [feedparser.parse(version[name]).entries for version in (before, after)]
        assert [(e.id, e.title, e.summary) for e in items[0]] == [
            (e.id, e.title, e.summary) for e in items[1]
        ]
    with Store.open(store_url) as store:
        assert store.count_papers() == 12
        runs = [r for r in store.recent_runs() if r.kind == "run"]
    assert [r.status for r in runs] == ["ok", "ok"]
    assert "3 cached" in second.stdout


def test_a_failed_run_leaves_the_last_good_outputs(
    folder: Path, replay: ReplayServer, store_url: str
) -> None:
    assert run(folder, replay, store_url).returncode == 0
    good = snapshot(folder)
    (folder / "broken.md.j2").write_text("{% for x in %}", encoding="utf-8")
    (folder / "arxiv-radar.toml").write_text(
        '[publish]\ntemplate = "broken.md.j2"\n', encoding="utf-8"
    )
    result = run(folder, replay, store_url)
    assert result.returncode == 2
    assert "broken.md.j2" in result.stderr and "syntax error" in result.stderr
    assert snapshot(folder) == good
    assert not list(folder.rglob("*.tmp"))
    with Store.open(store_url) as store:
        latest = store.recent_runs(1)[0]
    assert latest.status == "failed" and "broken.md.j2" in latest.errors[0]


def test_arxiv_down_exits_3_and_keeps_outputs(
    tmp_path: Path, replay: ReplayServer, store_url: str
) -> None:
    replay.add(FEED_PATH, Reply(body=fixture_bytes(MIXED)))
    # One retry, not the default four: arXiv stays down all the same, in seconds, not half a minute.
    (tmp_path / "arxiv-radar.toml").write_text("[arxiv]\nmax_retries = 1\n", encoding="utf-8")
    assert run(tmp_path, replay, store_url).returncode == 0
    good = snapshot(tmp_path)
    replay.add(FEED_PATH, Reply(status=503))
    result = run(tmp_path, replay, store_url)
    assert result.returncode == 3, result.stderr
    assert snapshot(tmp_path) == good


def test_an_empty_day_publishes_nothing_and_exits_0(
    tmp_path: Path, replay: ReplayServer, store_url: str
) -> None:
    replay.add(FEED_PATH, Reply(body=fixture_bytes("synthetic_rss_empty_weekend.xml")))
    result = run(tmp_path, replay, store_url)
    assert result.returncode == 0, result.stderr
    assert "Nothing new to publish" in result.stdout
    assert "no announcement today" in result.stderr
    assert not (tmp_path / "README.md").exists() and not (tmp_path / "site").exists()


def test_dry_run_writes_nothing_and_calls_no_model(
    folder: Path, replay: ReplayServer, store_url: str
) -> None:
    with OpenAIServer(models=("m",)) as llm:
        (folder / "arxiv-radar.toml").write_text(
            f'[summaries]\nprovider = "openai-compatible"\nbase_url = "{llm.base_url}"\n'
            'model = "m"\n',
            encoding="utf-8",
        )
        result = run(folder, replay, store_url, "--dry-run")
        assert result.returncode == 0, result.stderr
        assert llm.chat_requests == []
    assert "these files would be written" in result.stdout and "README.md" in result.stdout
    assert not (folder / "README.md").exists()


def test_no_summaries_and_json_report(folder: Path, replay: ReplayServer, store_url: str) -> None:
    result = run(folder, replay, store_url, "--no-summaries", "--json", "--output", "out")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    stages = {stage["name"]: stage for stage in report["stages"]}
    assert stages["summarize"]["status"] == "skipped"
    assert "Summary" not in (folder / "out" / "README.md").read_text(encoding="utf-8")


def test_a_second_run_on_a_busy_store_stops_at_once(
    folder: Path, replay: ReplayServer, store_url: str
) -> None:
    with Store.open(store_url) as store, store.run_lock():
        result = run(folder, replay, store_url)
    assert result.returncode == 4
    assert "another arxiv-radar run is working on" in result.stderr
    assert not (folder / "README.md").exists()


class _Hooks:
    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        hooks = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                hooks.posts.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        return Handler

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])


@pytest.fixture
def hooks() -> Iterator[_Hooks]:
    receiver = _Hooks()
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def test_notifications_are_sent_once_and_never_fail_the_run(
    folder: Path, replay: ReplayServer, store_url: str, hooks: _Hooks
) -> None:
    pytest.importorskip("apprise")
    (folder / "arxiv-radar.toml").write_text(
        "[publish]\nnotify = [\n"
        f'  "json://127.0.0.1:{hooks.port}/digest",\n'
        '  "json://127.0.0.1:9/unreachable",\n'
        "]\n",
        encoding="utf-8",
    )
    result = run(folder, replay, store_url)
    assert result.returncode == 0, result.stderr
    assert len(hooks.posts) == 1
    assert "2026-04-27" in hooks.posts[0]["title"]
    assert "notification to" in result.stderr and "failed" in result.stderr
    again = run(folder, replay, store_url)
    assert again.returncode == 0 and len(hooks.posts) == 1  # the day was already announced


def test_demo_runs_offline_and_says_what_to_open(tmp_path: Path) -> None:
    result = invoke_cli("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    demo = tmp_path / "arxiv-radar-demo"
    assert "34 papers announced" in result.stdout and "Open these" in result.stdout
    assert "cost 0 (extractive, free)" in result.stdout and "cost unknown" not in result.stdout
    for name in OUTPUTS:
        assert (demo / name).is_file(), name
    readme = (demo / "README.md").read_text(encoding="utf-8")
    assert "Extractive summary" in readme and len(re.findall(r"^### \d+\. \[", readme, re.M)) >= 15
    data = json.loads((demo / "exports/digest.json").read_text(encoding="utf-8"))
    assert {p["announce_type"] for p in data["papers"]} >= {"new", "cross"}
    # hybrid ranking, shown in the digest, the site and explanations
    assert "mode hybrid" in result.stdout
    assert all(p["explanation"]["mode"] == "hybrid" for p in data["papers"])
    assert readme.count("**Why**: ") == len(data["papers"]) and 'to interest "' in readme
    site = (demo / "site/index.html").read_text(encoding="utf-8")
    assert site.count('<p class="why">') == len(data["papers"])
    # the commands the demo prints see its ranking: the same order, and the doc's explanation
    printed = " ".join(result.stdout.split())
    explain = re.search(r"arxiv-radar (rank --config \S+ --db \S+ --explain 2107\.07364)", printed)
    assert explain is not None, printed
    why = invoke_cli(*explain.group(1).split(), cwd=tmp_path)
    assert why.returncode == 0, why.stderr
    doc = " ".join((ROOT / "docs/relevance.md").read_text(encoding="utf-8").split())
    text = " ".join(why.stdout.split())
    shown = text[text.index("keywords 3 + title bonus") : text.index("(hybrid mode)")]
    assert shown in doc, shown
    listed = invoke_cli(*explain.group(1).split()[:-2], "--json", cwd=tmp_path)
    assert [p["arxiv_id"] for p in json.loads(listed.stdout)] == [
        p["arxiv_id"] for p in data["papers"]
    ]
    again = invoke_cli("demo", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
