"""A machine that cannot reach arXiv fails at once and says why; arXiv's own trouble is retried.

Real sockets only: a refused connection is a port on 127.0.0.1 that is bound but not
listening; a failed name lookup is a host under ``.invalid``, a top-level domain reserved never
to resolve (RFC 2606). Attempts are counted (requests sent, retry waits, ``GET`` debug lines),
never timed.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from arxiv_radar.arxiv.http import ArxivClient, RateGate
from arxiv_radar.errors import ArxivHTTPError, ArxivUnreachableError
from arxiv_radar.net import RetryPolicy

from cli_helpers import run_cli
from replay_server import ReplayServer, Reply

_PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)
NO_PROXY_ENV = dict.fromkeys(_PROXY_VARIABLES, "")
"""Empty proxy variables: the requests below go direct, whatever the test machine sets."""

MAX_RETRIES = 4


@pytest.fixture
def refused_port() -> Iterator[int]:
    """A port on 127.0.0.1 that refuses connections (bound, never listening)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def direct_client(sleeps: list[float]) -> ArxivClient:
    """A client on a real network transport (no proxy), recording every wait it would make."""
    return ArxivClient(
        min_interval=0,
        retry=RetryPolicy(max_retries=MAX_RETRIES, base=30.0),
        transport=httpx.HTTPTransport(),
        gate=RateGate(sleep=sleeps.append),
        sleep=sleeps.append,
    )


def test_a_refused_connection_fails_at_the_first_attempt(refused_port: int) -> None:
    sleeps: list[float] = []
    with direct_client(sleeps) as client, pytest.raises(ArxivUnreachableError) as caught:
        client.get(f"http://127.0.0.1:{refused_port}/rss/cs.AI")
    error = caught.value
    assert client.requests_sent == 1 and client.retries == 0 and sleeps == []
    assert error.exit_code == 3 and error.attempts == 1 and error.host == "127.0.0.1"
    message = str(error)
    assert f"connection to 127.0.0.1:{refused_port} refused" in message
    assert "check your network or proxy" in message and "arxiv-radar demo" in message
    assert "busy or down" not in message


def test_a_name_that_does_not_resolve_fails_at_the_first_attempt() -> None:
    sleeps: list[float] = []
    with direct_client(sleeps) as client, pytest.raises(ArxivUnreachableError) as caught:
        client.get("http://rss.arxiv-radar-test.invalid/rss/cs.AI")
    assert client.requests_sent == 1 and client.retries == 0 and sleeps == []
    message = str(caught.value)
    assert message.startswith("cannot resolve rss.arxiv-radar-test.invalid: check your network")
    assert "arxiv-radar demo" in message


def test_arxiv_errors_still_get_their_polite_retries(replay: ReplayServer) -> None:
    """A 503 is arXiv's trouble, not the network's: retried with backoff, then blamed on arXiv."""
    replay.add("/rss/cs.AI", Reply(status=503))
    sleeps: list[float] = []
    client = ArxivClient(
        min_interval=0,
        retry=RetryPolicy(max_retries=2, base=0.01),
        gate=RateGate(),
        sleep=sleeps.append,
    )
    with client, pytest.raises(ArxivHTTPError) as caught:
        client.get(replay.url("/rss/cs.AI"))
    assert not isinstance(caught.value, ArxivUnreachableError)
    assert len(replay.requests) == 3 and len(sleeps) == 2
    assert "busy or down" in str(caught.value)


def write_config(folder: Path) -> None:
    (folder / "arxiv-radar.toml").write_text(
        f'[arxiv]\ncategories = ["cs.AI"]\nmax_retries = {MAX_RETRIES}\n', encoding="utf-8"
    )


def attempts(stderr: str, url_prefix: str) -> int:
    """Requests the client sent, from its ``GET <url>`` debug lines."""
    return len(re.findall(rf"GET {re.escape(url_prefix)}", stderr))


def test_run_with_a_refused_connection_exits_3_after_one_attempt(
    tmp_path: Path, refused_port: int
) -> None:
    write_config(tmp_path)
    base = f"http://127.0.0.1:{refused_port}"
    env = {
        **NO_PROXY_ENV,
        "ARXIV_RADAR_RSS_URL": f"{base}/rss",
        "ARXIV_RADAR_API_URL": f"{base}/api/query",
    }
    result = run_cli("run", "--debug", "--output", str(tmp_path / "out"), cwd=tmp_path, env=env)
    assert result.returncode == 3, result.stdout + result.stderr
    assert f"connection to 127.0.0.1:{refused_port} refused" in result.stderr
    assert "arxiv-radar demo" in result.stderr
    assert "busy or down" not in result.stderr and "retrying in" not in result.stderr
    assert attempts(result.stderr, base) == 1 < MAX_RETRIES + 1


def test_doctor_with_a_name_that_does_not_resolve_fails_after_one_attempt(
    tmp_path: Path,
) -> None:
    write_config(tmp_path)
    base = "http://rss.arxiv-radar-test.invalid"
    env = {**NO_PROXY_ENV, "ARXIV_RADAR_RSS_URL": f"{base}/rss"}
    result = run_cli("doctor", "--debug", cwd=tmp_path, env=env)
    assert result.returncode == 6, result.stdout + result.stderr  # a failed doctor check
    assert "FAIL  arXiv: cannot resolve rss.arxiv-radar-test.invalid" in result.stdout
    assert f"[{base}/rss/cs.AI]" in result.stdout  # the URL, not eaten as markup
    assert "arxiv-radar demo" in result.stdout
    assert "retrying in" not in result.stderr
    assert attempts(result.stderr, base) == 1
    assert not (tmp_path / "arxiv-radar.db").exists()  # doctor creates no store
