"""Summaries made by ``arxiv-radar worker`` processes through a real Redis, for real.

redis-server on a free port of 127.0.0.1 (its own folder, nothing saved), two workers
(``arxiv-radar worker``, each its own process group), the local OpenAI-compatible server,
and ``arxiv-radar run`` against the replayed listing, on SQLite and on PostgreSQL:

- the run fans the summaries out and ends as an in-process run does: every summary stored
  once, each paid for once, whichever worker made it;
- a worker killed with ``kill -9`` (its whole process group) in the middle of a summary: the
  broker gives the paper to the other worker once the visibility timeout passes, every
  summary is stored once, and the model is called no more than once per paper plus the calls
  that were in flight in the killed worker;
- the broker restarted (its memory lost) in the middle: the run ends with the papers the
  broker lost named as failed, and the next run completes the day, each summary paid once;
- without a worker listening, or with the broker down, the run stops with one clear message
  (exit 8) before any summary is sent.

Without redis-server the tests are skipped, except under ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

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


def test_a_worker_killed_mid_summary_leaves_it_to_the_other(
    tmp_path: Path, replay: ReplayServer
) -> None:
    replay.add(FEED_PATH, Reply(body=good_feed()))
    store_url = str(tmp_path / "arxiv-radar.db")
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
    tmp_path: Path, replay: ReplayServer
) -> None:
    replay.add(FEED_PATH, Reply(body=good_feed()))
    store_url = str(tmp_path / "arxiv-radar.db")
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
        down = config(llm, f"redis://127.0.0.1:{free_port()}/0")
        (tmp_path / "arxiv-radar.toml").write_text(down, encoding="utf-8")
        unreachable = run_cli("run", "--no-catch-up", cwd=tmp_path, server=replay)
        assert llm.chat_requests == []
    assert nobody.returncode == 8, nobody.stdout + nobody.stderr
    assert "no arxiv-radar worker answers on redis://127.0.0.1" in one_paragraph_error(
        nobody.stderr
    )
    assert unreachable.returncode == 8, unreachable.stdout + unreachable.stderr
    assert "cannot reach the broker" in one_paragraph_error(unreachable.stderr)
    assert not (tmp_path / "README.md").exists()
