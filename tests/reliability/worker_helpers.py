"""Real Redis and real workers for the tests: a redis-server of the test's own, and
``arxiv-radar worker`` processes, each the leader of its process group (``kill -9`` of the
group kills it with its child processes, as a machine that dies would).

Without redis-server the tests are skipped, except under ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cli_helpers import cli_environment
from openai_server import OpenAIServer
from redis_helpers import RedisServer as RedisServer  # moved there; names kept here
from redis_helpers import free_port as free_port
from redis_helpers import redis_server as redis_server

PAPERS = 4


def config(
    llm: OpenAIServer,
    broker: str,
    *,
    visibility: float = 60.0,
    papers: int = PAPERS,
    task_timeout: float = 900.0,
) -> str:
    """An ``arxiv-radar.toml``: summaries by ``llm`` through the workers of ``broker``."""
    return (
        f'[summaries]\nprovider = "openai-compatible"\nbase_url = "{llm.base_url}"\n'
        f'model = "m"\nmax_papers = {papers}\nconcurrency = 4\nlanguage = "en"\n\n'
        f'[workers]\nbroker = "{broker}"\nvisibility_timeout = {visibility}\n'
        f"task_timeout = {task_timeout}\n\n"
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
