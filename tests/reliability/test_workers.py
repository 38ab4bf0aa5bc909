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
- without a worker listening, or with the broker down, the run stops with one clear message
  (exit 8) before any summary is sent.

Without redis-server the tests are skipped, except under ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from cli_helpers import cli_environment, run_cli
from fault_server import DAY, FEED_PATH, LLM_ANSWER, good_feed
from openai_server import OpenAIServer
from openai_server import RecordedRequest as LLMRequest
from openai_server import Reply as LLMReply
from radar_checks import check_outputs, check_store, one_paragraph_error, start_cli, wait_until
from replay_server import ReplayServer, Reply

PAPERS = 4


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def redis_server() -> Iterator[str]:
    """A new redis-server on 127.0.0.1; yields its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("redis-server is missing but CI=true: these tests must run in CI")
        pytest.skip("needs redis-server (apt-get install -y redis-server)")
    port = free_port()
    folder = tempfile.mkdtemp(prefix="arxiv-radar-redis-")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        + ["--dir", folder],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as connection:
                    connection.sendall(b"PING\r\n")
                    if connection.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def config(llm: OpenAIServer, broker: str, *, visibility: float = 60.0) -> str:
    return (
        f'[summaries]\nprovider = "openai-compatible"\nbase_url = "{llm.base_url}"\n'
        f'model = "m"\nmax_papers = {PAPERS}\nconcurrency = 4\nlanguage = "en"\n\n'
        f'[workers]\nbroker = "{broker}"\nvisibility_timeout = {visibility}\n\n'
        '[publish]\noutput = "."\n'
    )


@contextmanager
def workers(folder: Path, db: str, count: int) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``count`` ``arxiv-radar worker`` processes, each the leader of its process group."""
    started = []
    logs = []
    try:
        for n in range(count):
            log = (folder / f"worker-{n}.log").open("wb")
            logs.append(log)
            started.append(
                subprocess.Popen(
                    [sys.executable, "-m", "arxiv_radar", "worker", "--db", db]
                    + ["--concurrency", "1"],
                    cwd=folder,
                    env=cli_environment(None),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        deadline = time.monotonic() + 60
        while sum("ready" in path.read_text() for path in folder.glob("worker-*.log")) < count:
            for process in started:
                assert process.poll() is None, (folder / "worker-0.log").read_text()
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.1)
        yield started
    finally:
        for process in started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:  # pragma: no cover - a hung worker
                os.killpg(process.pid, signal.SIGKILL)
        for log in logs:
            log.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "arxiv-radar.db")
    return str(request.getfixturevalue("pg_url"))


def test_a_run_fans_summaries_out_to_two_workers(
    store_url: str, tmp_path: Path, replay: ReplayServer
) -> None:
    replay.add(FEED_PATH, Reply(body=good_feed()))
    with redis_server() as broker, OpenAIServer(latency=0.3, models=("m",)) as llm:
        llm.respond(lambda request: LLMReply(text=LLM_ANSWER))
        (tmp_path / "arxiv-radar.toml").write_text(config(llm, broker), encoding="utf-8")
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
    held = threading.Event()

    def answer(request: LLMRequest) -> LLMReply:
        held.wait(timeout=60)
        return LLMReply(text=LLM_ANSWER)

    with redis_server() as broker, OpenAIServer(models=("m",)) as llm:
        llm.respond(answer)
        text = config(llm, broker, visibility=3)
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


def test_without_workers_or_broker_the_run_stops_clearly(
    tmp_path: Path, replay: ReplayServer
) -> None:
    replay.add(FEED_PATH, Reply(body=good_feed()))
    with redis_server() as broker, OpenAIServer(models=("m",)) as llm:
        (tmp_path / "arxiv-radar.toml").write_text(config(llm, broker), encoding="utf-8")
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
