"""Summaries made by ``arxiv-radar worker`` processes through a real Redis, for real.

redis-server on a free port of 127.0.0.1 (its own folder, nothing saved), two workers
(``arxiv-radar worker``, each its own process group), the local OpenAI-compatible server,
and ``arxiv-radar run`` against the replayed listing, on SQLite and on PostgreSQL:

- the run fans the summaries out and ends as an in-process run does: every summary stored
  once, each paid for once, whichever worker made it;
- the run fans the rest out too: the workers embed the day's papers (for a profile ranked by
  meaning), rank each reader's profile and publish it in the store, and the run waits for
  them in the store; the same day again sends nothing;
- the run's budget is one count in Redis that every worker charges and checks: once it is
  reached no worker starts a call (calls in flight finish, as in process), and the papers
  left are reported skipped at once;
- a worker killed with ``kill -9`` (its whole process group) in the middle of a summary: the
  broker gives the paper to the other worker once the visibility timeout passes, every
  summary is stored once, and the model is called no more than once per paper plus the calls
  that were in flight in the killed worker;
- the broker restarted (its memory lost) in the middle: the run ends with the papers the
  broker lost named as failed, and the next run completes the day, each summary paid once;
- without a worker listening, or with the broker down, the run stops with one clear message
  (exit 8): no worker, before any summary is sent; no broker, before arXiv is asked (with
  or without summaries to make).

Without redis-server the tests are skipped, except under ``CI=true``, where that is a failure.
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
from arxiv_radar.embed.model import model_spec
from arxiv_radar.server import create_app
from arxiv_radar.store import Store

from cli_helpers import run_cli
from fault_server import DAY, FEED_PATH, LLM_ANSWER, good_feed, hold_answers
from openai_server import OpenAIServer
from openai_server import Reply as LLMReply
from radar_checks import check_outputs, check_store, one_paragraph_error, start_cli, wait_until
from replay_server import ReplayServer, Reply
from worker_helpers import PAPERS, config, free_port, redis_server, workers


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "arxiv-radar.db")
    return str(request.getfixturevalue("pg_url"))


def test_a_run_fans_summaries_out_to_two_workers(
    store_url: str, tmp_path: Path, replay: ReplayServer
) -> None:
    replay.add(FEED_PATH, Reply(body=good_feed()))
    with redis_server() as redis, OpenAIServer(latency=0.3, models=("m",)) as llm:
        llm.respond(lambda request: LLMReply(text=LLM_ANSWER))
        (tmp_path / "arxiv-radar.toml").write_text(config(llm, redis.url), encoding="utf-8")
        with workers(tmp_path, store_url, 2):
            result = run_cli("run", "--no-catch-up", "--db", store_url, cwd=tmp_path, server=replay)
            assert result.returncode == 0, result.stdout + result.stderr
            assert len(llm.chat_requests) == PAPERS  # each paid for once
            again = run_cli("run", "--no-catch-up", "--db", store_url, cwd=tmp_path, server=replay)
            assert again.returncode == 0, again.stdout + again.stderr
            assert len(llm.chat_requests) == PAPERS  # the same day again: nothing sent
    logs = [path.read_text() for path in sorted(tmp_path.glob("worker-*.log"))]
    assert sum(log.count(": ok") for log in logs) == PAPERS
    check_outputs(tmp_path, DAY, papers=6)
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert readme.count("AI Summary (by m)") == PAPERS
    state = check_store(store_url)
    assert len(state.summaries_ok) == PAPERS


READERS = ("ada", "lin", "sam")


def _stages(folder: Path) -> dict[str, dict[str, object]]:
    report = json.loads((folder / "reports" / f"run-{DAY}.json").read_text(encoding="utf-8"))
    return {stage["name"]: stage["counts"] for stage in report["stages"]}


def test_a_run_fans_embedding_ranking_and_publishing_out(
    store_url: str, tmp_path: Path, replay: ReplayServer
) -> None:
    replay.add(FEED_PATH, Reply(body=good_feed()))
    profiles = (
        '\n[profiles.default]\nmode = "hybrid"\ninterests = ["testing software with agents"]\n'
        '\n[profiles.ada]\nmode = "semantic"\ninterests = ["language model reasoning"]\n'
        '\n[profiles.lin]\nkeywords = ["learning"]\n'
        '\n[profiles.sam]\nmode = "hybrid"\ninterests = ["code generation"]\n'
        'keywords = ["generation"]\n'
    )
    with redis_server() as redis, OpenAIServer(models=("m",)) as llm:
        llm.respond(lambda request: LLMReply(text=LLM_ANSWER))
        text = config(llm, redis.url, papers=2) + profiles
        (tmp_path / "arxiv-radar.toml").write_text(text, encoding="utf-8")
        with Store.open(store_url) as store:
            tokens = {name: store.add_reader(name, [name]) for name in READERS}
        with workers(tmp_path, store_url, 2):
            result = run_cli("run", "--no-catch-up", "--db", store_url, cwd=tmp_path, server=replay)
            assert result.returncode == 0, result.stdout + result.stderr
            first = _stages(tmp_path)
            calls = len(llm.chat_requests)
            again = run_cli("run", "--no-catch-up", "--db", store_url, cwd=tmp_path, server=replay)
            assert again.returncode == 0, again.stdout + again.stderr
            second = _stages(tmp_path)
            assert len(llm.chat_requests) == calls  # nothing paid twice
    # The first run sent the work out: the day's 12 papers in one embed task, a rank and a publish
    # task per reader's profile; the second found it all in the store and sent nothing.
    assert first["embed"] == {"papers": 12, "tasks": 1, "missing": 0}
    assert first["readers"]["rank_tasks"] == len(READERS)
    assert first["readers"]["published"] == len(READERS)
    assert second["embed"] == {"papers": 12, "tasks": 0, "missing": 0}
    assert second["readers"]["rank_tasks"] == 0
    assert second["readers"]["published"] == len(READERS)
    logs = "".join(path.read_text() for path in sorted(tmp_path.glob("worker-*.log")))
    assert logs.count("embedded 12 of 12 paper versions") == 1  # by a worker, once
    for name in READERS:
        assert logs.count(f"ranked {DAY} for {name}:") == 1
        assert logs.count(f"published {DAY} for {name}: ok") == 1
    with Store.open(store_url) as store:
        day = {s.paper.arxiv_id: s.paper.version for s in store.papers_announced_on(DAY)}
        model = model_spec().model_id
        assert store.embedded(model, day.items()) == set(day.items())
        published = store.publications(None, limit=None, day=DAY)
        assert sorted(p.profile for p in published if p.output is None) == sorted(READERS)
    check_outputs(tmp_path, DAY)
    app = create_app(load_config(tmp_path / "arxiv-radar.toml", env={}), store_url, env={})
    with TestClient(app) as client:
        for name, secret in tokens.items():
            feed = client.get(f"/u/{secret.feed_token}/rss")
            assert feed.status_code == 200, name
            assert feedparser.parse(feed.content).entries, name
            assert "The paper in one line." in feed.text  # the summaries the workers made


def test_the_workers_share_the_runs_budget_through_redis(
    store_url: str, tmp_path: Path, replay: ReplayServer
) -> None:
    replay.add(FEED_PATH, Reply(body=good_feed()))
    with redis_server() as redis, OpenAIServer(models=("m",)) as llm:
        # 150 tokens a call: two calls (one in each worker) reach a budget of 250
        llm.respond(lambda request: LLMReply(text=LLM_ANSWER, tokens_in=100, tokens_out=50))
        text = config(llm, redis.url, task_timeout=120)
        text = text.replace("[workers]", "[summaries.budget]\nmax_tokens = 250\n\n[workers]")
        (tmp_path / "arxiv-radar.toml").write_text(text, encoding="utf-8")
        with workers(tmp_path, store_url, 2):
            result = run_cli("run", "--no-catch-up", "--db", store_url, cwd=tmp_path, server=replay)
        assert result.returncode == 0, result.stdout + result.stderr
        # The workers' calls stopped at the shared budget: two calls reach it; a worker done
        # first may start a third while the other's call, not yet counted, is in flight.
        calls = len(llm.chat_requests)
        assert 2 <= calls <= 3
    said = " ".join((result.stdout + result.stderr).split())
    assert "summary budget reached (max_tokens = 250)" in said
    assert "no worker finished it" not in said  # known skipped, not waited for
    report = json.loads((tmp_path / "reports" / f"run-{DAY}.json").read_text(encoding="utf-8"))
    [stage] = [stage for stage in report["stages"] if stage["name"] == "summarize"]
    assert stage["counts"]["calls"] == calls and stage["counts"]["skipped"] == PAPERS - calls
    assert report["tokens_in"] + report["tokens_out"] == 150 * calls
    assert len(check_store(store_url).summaries_ok) == calls


def test_a_worker_killed_mid_summary_leaves_it_to_the_other(
    store_url: str, tmp_path: Path, replay: ReplayServer
) -> None:
    replay.add(FEED_PATH, Reply(body=good_feed()))
    with redis_server() as redis, OpenAIServer(models=("m",)) as llm:
        held = hold_answers(llm)
        text = config(llm, redis.url, visibility=3)
        (tmp_path / "arxiv-radar.toml").write_text(text, encoding="utf-8")
        with workers(tmp_path, store_url, 2) as (first, second):
            run = start_cli("run", "--no-catch-up", "--db", store_url, cwd=tmp_path, server=replay)
            try:
                wait_until(lambda: len(llm.chat_requests) >= 2)  # one call in each worker
                in_flight = len(llm.chat_requests)
                os.killpg(first.pid, signal.SIGKILL)
                first.wait(timeout=10)
            finally:
                held.set()
                out, err = run.communicate(timeout=120)
            assert second.poll() is None
        assert run.returncode == 0, out + err
        assert PAPERS <= len(llm.chat_requests) <= PAPERS + in_flight - 1
    state = check_store(store_url)
    assert len(state.summaries_ok) == PAPERS  # each stored once
    check_outputs(tmp_path, DAY, papers=6)


def test_a_broker_restarted_mid_run_loses_work_the_next_run_completes(
    store_url: str, tmp_path: Path, replay: ReplayServer
) -> None:
    replay.add(FEED_PATH, Reply(body=good_feed()))
    with redis_server() as redis, OpenAIServer(models=("m",)) as llm:
        held = hold_answers(llm)
        text = config(llm, redis.url, visibility=3, task_timeout=6)
        (tmp_path / "arxiv-radar.toml").write_text(text, encoding="utf-8")
        with workers(tmp_path, store_url, 2):
            run = start_cli("run", "--no-catch-up", "--db", store_url, cwd=tmp_path, server=replay)
            try:
                wait_until(lambda: len(llm.chat_requests) >= 2)  # two in flight, two queued
                redis.restart()  # the queued papers are gone with the broker's memory
            finally:
                held.set()
                out, err = run.communicate(timeout=120)
            # The run finishes: what the workers had is stored, what the broker lost is a
            # failure of this run, named, and tried again by the next.
            assert run.returncode == 0, out + err
            said = " ".join((out + err).split())
            assert said.count("no worker finished it within 6 s") == PAPERS - 2
            assert len(check_store(store_url).summaries_ok) == 2
            again = run_cli("run", "--no-catch-up", "--db", store_url, cwd=tmp_path, server=replay)
            assert again.returncode == 0, again.stdout + again.stderr
        assert len(llm.chat_requests) == PAPERS  # each paid for once, over both runs
    assert len(check_store(store_url).summaries_ok) == PAPERS
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert readme.count("AI Summary (by m)") == PAPERS


def test_without_workers_or_broker_the_run_stops_clearly(
    tmp_path: Path, replay: ReplayServer
) -> None:
    replay.add(FEED_PATH, Reply(body=good_feed()))
    with redis_server() as redis, OpenAIServer(models=("m",)) as llm:
        (tmp_path / "arxiv-radar.toml").write_text(config(llm, redis.url), encoding="utf-8")
        nobody = run_cli("run", "--no-catch-up", cwd=tmp_path, server=replay)
        fetched = len(replay.requests)
        down = config(llm, f"redis://127.0.0.1:{free_port()}/0")
        (tmp_path / "arxiv-radar.toml").write_text(down, encoding="utf-8")
        unreachable = run_cli("run", "--no-catch-up", "--refresh", cwd=tmp_path, server=replay)
        bare = run_cli(
            "run", "--no-catch-up", "--refresh", "--no-summaries", cwd=tmp_path, server=replay
        )  # nothing to summarize, but papers to embed and profiles to rank through the broker
        assert llm.chat_requests == []
        assert len(replay.requests) == fetched  # stopped before asking arXiv anything
    assert nobody.returncode == 8, nobody.stdout + nobody.stderr
    assert "no arxiv-radar worker answers on redis://127.0.0.1" in one_paragraph_error(
        nobody.stderr
    )
    assert unreachable.returncode == 8, unreachable.stdout + unreachable.stderr
    for stopped in (unreachable, bare):
        assert stopped.returncode == 8, stopped.stdout + stopped.stderr
        said = one_paragraph_error(stopped.stderr)
        assert "cannot reach the Redis of [workers] broker at redis://127.0.0.1" in said
    assert not (tmp_path / "README.md").exists()
