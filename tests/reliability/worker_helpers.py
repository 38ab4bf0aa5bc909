"""Real Redis and real workers for the tests: a redis-server of the test's own, and
``arxiv-radar worker`` processes, each the leader of its process group (``kill -9`` of the
group kills it with its child processes, as a machine that dies would).

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
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from cli_helpers import cli_environment
from openai_server import OpenAIServer

PAPERS = 4


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class RedisServer:
    """A redis-server of the test's own on 127.0.0.1 (nothing saved): :attr:`url`,
    :meth:`restart` (everything it held is gone, as after a crash), :meth:`stop`."""

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.port = free_port()
        self.folder = tempfile.mkdtemp(prefix="arxiv-radar-redis-")
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", self.folder],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as link:
                    link.sendall(b"PING\r\n")
                    if link.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()


@contextmanager
def redis_server() -> Iterator[RedisServer]:
    """A new redis-server on 127.0.0.1, stopped afterwards."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("redis-server is missing but CI=true: these tests must run in CI")
        pytest.skip("needs redis-server (apt-get install -y redis-server)")
    server = RedisServer(binary)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.folder, ignore_errors=True)


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
