"""The polite client, against a real local HTTP server: spacing, retries, errors, headers.

Spacing and retry waits are checked on a :class:`FakeTime` given to the client and its
:class:`RateGate` as their clock and sleep: the tests assert the waits the client asks for,
never how long the machine took.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from arxiv_radar import __version__
from arxiv_radar.arxiv.http import (
    ArxivClient,
    RateGate,
    default_user_agent,
    is_arxiv_host,
)
from arxiv_radar.errors import ArxivHTTPError
from arxiv_radar.net import parse_retry_after

from replay_server import DictCache, RecordedRequest, ReplayServer, Reply

ClientFactory = Callable[..., ArxivClient]

OK = Reply(body=b"ok", content_type="text/plain")


def arrivals(server: ReplayServer) -> list[float]:
    return sorted(request.started for request in server.requests)


def gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in zip(times, times[1:], strict=False)]


class FakeTime:
    """A clock that moves only when slept on or advanced: every wait is recorded, none is
    waited. Thread-safe, so that clients in several threads can share it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds

    def advance(self, seconds: float) -> None:
        """Time spent between requests (the caller's own work)."""
        with self._lock:
            self.now += seconds

    def gate(self) -> RateGate:
        return RateGate(clock=self.clock, sleep=self.sleep)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


class CountingTransport(httpx.HTTPTransport):
    """The real network transport, counting the requests in flight through it at once."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            response = super().handle_request(request)
            response.read()
            return response
        finally:
            with self._lock:
                self.in_flight -= 1


# -- (a, b, c) spacing ---


def test_requests_are_spaced_by_the_interval(
    replay: ReplayServer, client_factory: ClientFactory, fake_time: FakeTime
) -> None:
    replay.add("/ok", OK)
    client = client_factory(min_interval=3.0, gate=fake_time.gate(), sleep=fake_time.sleep)
    for _ in range(5):
        assert client.get(replay.url("/ok")).text == "ok"
    assert len(replay.requests) == 5
    assert client.requests_sent == 5
    assert fake_time.sleeps == [3.0] * 4  # none before the first request
    # The interval runs from the end of the previous request: time spent since counts.
    fake_time.advance(1.0)
    client.get(replay.url("/ok"))
    fake_time.advance(5.0)
    client.get(replay.url("/ok"))
    assert fake_time.sleeps == [3.0] * 4 + [2.0]


def test_arxiv_hosts_are_asked_3_seconds_apart_whatever_the_interval(
    fake_time: FakeTime,
) -> None:
    # arxiv.org cannot be asked offline: httpx's MockTransport answers in its place.
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        return httpx.Response(200, text="ok")

    with ArxivClient(
        min_interval=1.0,
        transport=httpx.MockTransport(answer),
        gate=fake_time.gate(),
        sleep=fake_time.sleep,
    ) as client:
        client.get("https://export.arxiv.org/api/query")
        client.get("https://rss.arxiv.org/rss/cs.AI")
        client.get("https://example.org/not-arxiv")
    assert len(asked) == 3
    assert fake_time.sleeps == [3.0, 1.0]  # another host: the client's own interval


def test_clients_sharing_a_gate_share_the_spacing(
    replay: ReplayServer, client_factory: ClientFactory, fake_time: FakeTime
) -> None:
    replay.add("/ok", OK)
    gate = fake_time.gate()
    first = client_factory(min_interval=3.0, gate=gate, sleep=fake_time.sleep)
    second = client_factory(min_interval=3.0, gate=gate, sleep=fake_time.sleep)
    for _ in range(2):
        first.get(replay.url("/ok"))
        second.get(replay.url("/ok"))
    assert len(replay.requests) == 4
    assert fake_time.sleeps == [3.0] * 3


def test_clients_with_their_own_gates_do_not_wait_for_each_other(
    replay: ReplayServer, client_factory: ClientFactory, fake_time: FakeTime
) -> None:
    # The control for the test above: the spacing really comes from the shared gate.
    replay.add("/ok", OK)
    first = client_factory(min_interval=3.0, gate=fake_time.gate(), sleep=fake_time.sleep)
    second = client_factory(min_interval=3.0, gate=fake_time.gate(), sleep=fake_time.sleep)
    first.get(replay.url("/ok"))
    second.get(replay.url("/ok"))
    assert fake_time.sleeps == []
    first.get(replay.url("/ok"))  # its own gate still spaces its own requests
    assert fake_time.sleeps == [3.0]
    assert len(replay.requests) == 3


def test_threads_on_two_clients_never_overlap_or_crowd(
    replay: ReplayServer, client_factory: ClientFactory, fake_time: FakeTime
) -> None:
    # Each reply takes 0.05 s of real time: without the gate's lock the threads would overlap.
    replay.add("/ok", Reply(body=b"ok", delay=0.05))
    gate = fake_time.gate()
    transport = CountingTransport()
    clients = [
        client_factory(min_interval=2.0, gate=gate, sleep=fake_time.sleep, transport=transport)
        for _ in range(2)
    ]
    errors: list[BaseException] = []

    def work(client: ArxivClient) -> None:
        try:
            for _ in range(3):
                client.get(replay.url("/ok"))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert len(replay.requests) == 6
    assert transport.most_in_flight == 1
    assert fake_time.sleeps == [2.0] * 5  # every request but the first waited its turn


def test_default_clients_share_the_process_gate(replay: ReplayServer) -> None:
    replay.add("/ok", OK)
    with (
        ArxivClient(min_interval=0.3, timeout=5) as first,
        ArxivClient(min_interval=0.3, timeout=5) as second,
    ):
        first.get(replay.url("/ok"))
        second.get(replay.url("/ok"))
        first.get(replay.url("/ok"))
    assert min(gaps(arrivals(replay))) >= 0.3


def test_arxiv_hosts_are_never_asked_faster_than_every_3_seconds(
    client_factory: ClientFactory,
) -> None:
    client = client_factory(min_interval=0.05)
    for url in (
        "https://rss.arxiv.org/rss/cs.AI",
        "https://export.arxiv.org/api/query",
        "https://oaipmh.arxiv.org/oai",
        "https://arxiv.org/abs/2401.01234",
        "HTTPS://ArXiv.Org/pdf/2401.01234",
    ):
        assert client.interval_for(url) == 3.0, url
    assert client.interval_for("http://127.0.0.1:8000/rss/cs.AI") == 0.05
    assert client.interval_for("https://arxiv.org.example.com/rss") == 0.05
    assert client.interval_for("https://notarxiv.org/rss") == 0.05
    assert client_factory(min_interval=5.0).interval_for("https://arxiv.org/") == 5.0


def test_is_arxiv_host() -> None:
    assert is_arxiv_host("https://rss.arxiv.org/rss/cs.AI")
    assert is_arxiv_host("http://arxiv.org")
    assert not is_arxiv_host("https://fakearxiv.org/")
    assert not is_arxiv_host("not a url")


def test_negative_interval_is_refused() -> None:
    with pytest.raises(ValueError):
        ArxivClient(min_interval=-1)


# -- (d, e, f) retries and Retry-After ---


def test_429_with_retry_after_is_retried_after_waiting(
    replay: ReplayServer, client_factory: ClientFactory, fake_time: FakeTime
) -> None:
    replay.add("/busy", Reply(429, b"slow down", headers={"Retry-After": "7"}), OK)
    client = client_factory(gate=fake_time.gate(), sleep=fake_time.sleep)
    response = client.get(replay.url("/busy"))
    assert response.status_code == 200 and response.text == "ok"
    assert len(replay.requests) == 2
    # Retry-After is waited exactly; it covers the interval, so the gate adds nothing.
    assert fake_time.sleeps == [7.0]
    assert client.retries == 1


def test_503_with_retry_after_twice_then_success(
    replay: ReplayServer, client_factory: ClientFactory, fake_time: FakeTime
) -> None:
    busy = Reply(503, b"Retry after 1 second", headers={"Retry-After": "1"})
    replay.add("/oai", busy, busy, OK)
    client = client_factory(min_interval=3.0, gate=fake_time.gate(), sleep=fake_time.sleep)
    assert client.get(replay.url("/oai")).text == "ok"
    assert len(replay.requests) == 3
    # Each retry waits the 1 s asked for, then the rest of the 3 s interval.
    assert fake_time.sleeps == [1.0, 2.0, 1.0, 2.0]
    assert client.retries == 2


def test_backoff_doubles_up_to_its_cap_between_attempts(
    replay: ReplayServer, client_factory: ClientFactory, fake_time: FakeTime
) -> None:
    replay.add("/broken", Reply(500, b"Internal Server Error"))
    client = client_factory(
        max_retries=4, base=1.0, cap=5.0, jitter=0.0, gate=fake_time.gate(), sleep=fake_time.sleep
    )
    with pytest.raises(ArxivHTTPError):
        client.get(replay.url("/broken"))
    assert len(replay.requests) == 5
    assert fake_time.sleeps == [1.0, 2.0, 4.0, 5.0]


def test_server_error_forever_gives_up_with_the_status(
    replay: ReplayServer, client_factory: ClientFactory
) -> None:
    replay.add("/broken", Reply(500, b"Internal Server Error"))
    client = client_factory(max_retries=2)
    with pytest.raises(ArxivHTTPError) as caught:
        client.get(replay.url("/broken"))
    error = caught.value
    assert error.status == 500
    assert error.attempts == 3 == client.retry.attempts
    assert error.url == replay.url("/broken")
    assert "HTTP 500" in str(error) and "3 attempts" in str(error)
    assert len(replay.requests) == 3


def test_too_long_retry_after_fails_at_once(
    replay: ReplayServer, client_factory: ClientFactory, fake_time: FakeTime
) -> None:
    replay.add("/busy", Reply(429, b"", headers={"Retry-After": "3600"}))
    client = client_factory(max_wait=5, gate=fake_time.gate(), sleep=fake_time.sleep)
    with pytest.raises(ArxivHTTPError, match="3600 s") as caught:
        client.get(replay.url("/busy"))
    assert fake_time.sleeps == []  # no wait at all, not even the 5 s it would accept
    assert caught.value.status == 429
    assert caught.value.attempts == 1
    assert len(replay.requests) == 1


def test_too_long_retry_after_reports_the_real_status(
    replay: ReplayServer, client_factory: ClientFactory
) -> None:
    later = datetime.now(UTC).timestamp() + 7200
    http_date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(later))
    replay.add("/oai", Reply(503, b"", headers={"Retry-After": http_date}))
    with pytest.raises(ArxivHTTPError) as caught:
        client_factory(max_wait=60).get(replay.url("/oai"))
    assert caught.value.status == 503
    assert len(replay.requests) == 1


# -- (g) timeouts and dropped connections ---


def test_timeouts_are_retried_then_reported(
    replay: ReplayServer, client_factory: ClientFactory
) -> None:
    replay.add("/slow", Reply(body=b"late", delay=1.0))
    client = client_factory(timeout=0.3, max_retries=2)
    with pytest.raises(ArxivHTTPError, match="timed out") as caught:
        client.get(replay.url("/slow"))
    assert caught.value.status is None
    assert caught.value.attempts == 3
    assert len(replay.requests) == 3


def test_a_timeout_then_an_answer_succeeds(
    replay: ReplayServer, client_factory: ClientFactory
) -> None:
    replay.add("/slow", Reply(body=b"late", delay=1.0), OK)
    client = client_factory(timeout=0.3)
    assert client.get(replay.url("/slow")).text == "ok"
    assert len(replay.requests) == 2


def test_a_reset_connection_is_retried(replay: ReplayServer, client_factory: ClientFactory) -> None:
    replay.add("/flaky", Reply(reset=True), OK)
    client = client_factory()
    assert client.get(replay.url("/flaky")).text == "ok"
    assert len(replay.requests) == 2
    assert client.retries == 1


# -- (h) errors that are not retried ---


def test_404_fails_at_once(replay: ReplayServer, client_factory: ClientFactory) -> None:
    replay.add("/missing", Reply(404, b"Not Found"))
    with pytest.raises(ArxivHTTPError, match="HTTP 404") as caught:
        client_factory().get(replay.url("/missing"))
    assert (caught.value.status, caught.value.attempts) == (404, 1)
    assert len(replay.requests) == 1


def test_allowed_status_is_returned(replay: ReplayServer, client_factory: ClientFactory) -> None:
    replay.add("/api/query", Reply(400, b"<feed>error</feed>"))
    client = client_factory()
    response = client.get(replay.url("/api/query"), allow_status=(400,))
    assert response.status_code == 400
    assert response.content == b"<feed>error</feed>"
    with pytest.raises(ArxivHTTPError):
        client.get(replay.url("/api/query"))
    assert len(replay.requests) == 2


def test_query_parameters_are_sent(replay: ReplayServer, client_factory: ClientFactory) -> None:
    replay.add("/api/query", OK, when={"id_list": "2401.01234"})
    client = client_factory()
    assert client.get(replay.url("/api/query"), params={"id_list": "2401.01234"}).text == "ok"
    assert replay.requests[0].query == {"id_list": "2401.01234"}


# -- (i, j) headers and the single connection ---


def test_user_agent_names_the_project_version_and_contact(
    replay: ReplayServer, client_factory: ClientFactory
) -> None:
    replay.add("/ok", OK)
    client_factory(contact="radar@example.org").get(replay.url("/ok"))
    client_factory().get(replay.url("/ok"))
    with_contact, without = (request.header("User-Agent") or "" for request in replay.requests)
    assert with_contact.startswith(f"arxiv-radar/{__version__} ")
    assert "mailto:radar@example.org" in with_contact
    assert without.startswith(f"arxiv-radar/{__version__} ")
    assert "mailto:" not in without
    assert default_user_agent("radar@example.org") == with_contact


def test_custom_user_agent(replay: ReplayServer, client_factory: ClientFactory) -> None:
    replay.add("/ok", OK)
    client = client_factory(user_agent="my-lab-bot/1.0 (+mailto:lab@example.org)")
    client.get(replay.url("/ok"))
    assert replay.requests[0].header("User-Agent") == client.user_agent
    assert client.user_agent == "my-lab-bot/1.0 (+mailto:lab@example.org)"


def test_sequential_requests_reuse_one_connection(
    replay: ReplayServer, client_factory: ClientFactory
) -> None:
    replay.add("/ok", OK)
    client = client_factory()
    for _ in range(3):
        client.get(replay.url("/ok"))
    ports = {request.client_port for request in replay.requests}
    assert len(replay.requests) == 3
    assert len(ports) == 1


# -- conditional requests ---


LAST_MODIFIED = "Mon, 27 Apr 2026 04:00:02 GMT"


def test_conditional_get_sends_both_validators(
    replay: ReplayServer, client_factory: ClientFactory
) -> None:
    replay.add("/feed", Reply(body=b"feed", etag='"v1"', last_modified=LAST_MODIFIED))
    client = client_factory(cache=DictCache())
    first = client.get(replay.url("/feed"), conditional=True)
    client.remember(first)
    second = client.get(replay.url("/feed"), conditional=True)
    assert second.status_code == 304
    request = replay.requests[1]
    assert request.header("If-None-Match") == '"v1"'
    assert request.header("If-Modified-Since") == LAST_MODIFIED


def test_only_successful_responses_are_remembered(
    replay: ReplayServer, client_factory: ClientFactory
) -> None:
    replay.add("/feed", Reply(body=b"feed", etag='"v1"'))
    cache = DictCache()
    client = client_factory(cache=cache)
    client.remember(client.get(replay.url("/feed"), conditional=True))
    not_modified = client.get(replay.url("/feed"), conditional=True)
    assert not_modified.status_code == 304
    cache.data.clear()
    client.remember(not_modified)
    assert cache.data == {}


def test_validators_after_a_redirect_belong_to_the_url_asked_for(
    replay: ReplayServer, client_factory: ClientFactory
) -> None:
    # arxiv.org/rss/<cat> is the legacy address of rss.arxiv.org/rss/<cat>.
    replay.add("/old/cs.AI", Reply(301, b"", headers={"Location": replay.url("/rss/cs.AI")}))
    replay.add("/rss/cs.AI", Reply(body=b"feed", etag='"v1"'))
    cache = DictCache()
    client = client_factory(cache=cache)
    first = client.get(replay.url("/old/cs.AI"), conditional=True)
    assert first.status_code == 200 and first.text == "feed"
    client.remember(first)
    assert list(cache.data) == [replay.url("/old/cs.AI")]
    second = client.get(replay.url("/old/cs.AI"), conditional=True)
    assert second.status_code == 304
    assert [r.path for r in replay.requests] == ["/old/cs.AI", "/rss/cs.AI"] * 2


# -- streaming ---


def test_stream_holds_the_connection_until_the_block_ends(
    replay: ReplayServer, client_factory: ClientFactory, fake_time: FakeTime
) -> None:
    body = b"x" * 640
    replay.add("/big", Reply(body=body, drip=0.02))
    replay.add("/ok", OK)
    client = client_factory(min_interval=3.0, gate=fake_time.gate(), sleep=fake_time.sleep)
    with client.stream(replay.url("/big")) as response:
        assert response.read() == body
        fake_time.advance(10.0)  # reading and parsing the stream
    client.get(replay.url("/ok"))
    second: RecordedRequest = replay.requests[1]
    assert second.path == "/ok"
    # The interval counts from the end of the block, not from the end of the download.
    assert fake_time.sleeps == [3.0]


# -- (k) Retry-After values ---

NOW = datetime(2015, 10, 21, 7, 27, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 5 ", 5.0),
        ("0", 0.0),
        ("-3", 0.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 30.0),
        ("Wednesday, 21-Oct-15 07:28:00 GMT", 30.0),
        ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),  # already past
        ("Wed, 21 Oct 2015 09:28:00 +0200", 30.0),
        (None, None),
        ("", None),
        ("soon", None),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == seconds


def test_a_retry_is_logged_with_the_url_and_the_wait(
    replay: ReplayServer, client_factory: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    replay.add("/flaky", Reply(status=503, headers={"Retry-After": "0"}), Reply(body=b"ok"))
    client = client_factory()
    with caplog.at_level(logging.WARNING, logger="arxiv_radar.arxiv.http"):
        assert client.get(replay.url("/flaky")).status_code == 200
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "HTTP 503" in warnings[0] and replay.url("/flaky") in warnings[0]
    assert client.retries == 1
