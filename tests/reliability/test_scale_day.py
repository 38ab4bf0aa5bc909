"""A replayed announcement day for 50 readers on PostgreSQL, two workers, one killed mid-way.

redis-server, PostgreSQL, two ``arxiv-radar worker`` processes and the local OpenAI-compatible
server; 50 readers, each owning a profile of their own; ``arxiv-radar run`` over the
recorded listing. While the first summaries are in flight, one worker is killed with
``kill -9``. At the end: the run succeeded, the workers ranked and published every reader's
profile, every reader's feed serves their ranking with its summaries, every summary is stored
once and paid for once (plus, at most, the calls that were in flight in the killed worker),
and no reader can read another's feed or feedback.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import feedparser
import pytest
from fastapi.testclient import TestClient

from arxiv_radar.config import load_config
from arxiv_radar.server import create_app
from arxiv_radar.store import Store

from fault_server import DAY, FEED_PATH, good_feed, hold_answers
from openai_server import OpenAIServer
from radar_checks import check_outputs, check_store, start_cli, wait_until
from replay_server import ReplayServer, Reply
from worker_helpers import config, redis_server, workers

pytestmark = pytest.mark.postgres

READERS = 50
KEYWORDS = ["agent", "testing", "generation", "language model", "learning", "reasoning"]


def test_fifty_readers_one_day_two_workers_one_killed(
    pg_url: str, tmp_path: Path, replay: ReplayServer
) -> None:
    replay.add(FEED_PATH, Reply(body=good_feed()))
    profiles = "".join(
        f'\n[profiles.r{n:02d}]\nkeywords = ["{KEYWORDS[n % len(KEYWORDS)]}"]\nmax_papers = 3\n'
        for n in range(READERS)
    )
    with redis_server() as redis, OpenAIServer(models=("m",)) as llm:
        held = hold_answers(llm)
        text = config(llm, redis.url, visibility=3, papers=2) + "\n[profiles.default]\n" + profiles
        (tmp_path / "arxiv-radar.toml").write_text(text, encoding="utf-8")
        settings = load_config(tmp_path / "arxiv-radar.toml", env={})
        with Store.open(pg_url) as store:
            tokens = {
                f"r{n:02d}": store.add_reader(f"reader{n:02d}", [f"r{n:02d}"])
                for n in range(READERS)
            }
        with workers(tmp_path, pg_url, 2) as (first, second):
            run = start_cli("run", "--no-catch-up", "--db", pg_url, cwd=tmp_path, server=replay)
            try:
                wait_until(lambda: len(llm.chat_requests) >= 2)  # one call in each worker
                in_flight = len(llm.chat_requests)
                os.killpg(first.pid, signal.SIGKILL)
                first.wait(timeout=10)
            finally:
                held.set()
                out, err = run.communicate(timeout=300)
            assert second.poll() is None
        assert run.returncode == 0, out + err
        calls = len(llm.chat_requests)
        assert len(replay.requests) == 1  # the day fetched once, for everyone

    state = check_store(pg_url)  # consistent, each summary key once
    papers = len(state.summaries_ok)
    assert calls <= papers + in_flight - 1  # paid once, but for the calls the kill lost
    check_outputs(tmp_path, DAY)  # the public digest, published as ever
    report = json.loads((tmp_path / "reports" / f"run-{DAY}.json").read_text(encoding="utf-8"))
    [readers] = [stage["counts"] for stage in report["stages"] if stage["name"] == "readers"]
    # every reader's profile ranked by a worker's task, and published in the store
    assert readers["rank_tasks"] == readers["published"] == READERS

    app = create_app(settings, pg_url, env={}, state_ttl=0.0)
    with TestClient(app) as client:
        seen: dict[str, list[str]] = {}
        for profile, secret in tokens.items():
            feed = client.get(f"/u/{secret.feed_token}/rss")
            assert feed.status_code == 200, profile
            entries = feedparser.parse(feed.content).entries
            assert entries, profile
            assert "The paper in one line." in feed.text  # their summaries are in it
            seen[profile] = [entry.id for entry in entries]
        # Readers with the same interests read the same papers, the others other papers.
        assert seen["r00"] == seen["r06"] and seen["r00"] != seen["r01"]
        # Nobody reads another's profile, feed or feedback.
        alice, bob = tokens["r00"], tokens["r01"]
        assert client.get(f"/u/{alice.feed_token}/rss?profile=r01").status_code == 404
        assert client.get(f"/u/{alice.api_token}/rss").status_code == 404
        denied = client.get(
            "/api/feedback",
            params={"profile": "r01"},
            headers={"Authorization": f"Bearer {alice.api_token}"},
        )
        assert denied.status_code == 403
        mine = client.get("/api/me", headers={"Authorization": f"Bearer {bob.api_token}"})
        assert mine.json() == {"name": "reader01", "profiles": ["r01"]}
