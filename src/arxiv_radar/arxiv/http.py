"""The one polite HTTP client every request to arXiv goes through.

arXiv's terms: no more than one request every three seconds, one connection at a
time, for all of a user's machines together. This module enforces that for the whole
process: a process-wide gate lets one request run at a time and starts the next one
no sooner than ``min_interval`` seconds after the previous one *ended* (retries and
streamed bodies included); and, given a shared gate (the store's, see
:mod:`arxiv_radar.arxiv.gates`), among every process that uses the same store, on one
machine or many. Requests to an ``arxiv.org`` host never go faster than one every 3
seconds, whatever the configuration says.

Transient failures (429, 5xx, timeouts, dropped connections) are retried as the client's
:class:`~arxiv_radar.net.RetryPolicy` says (:data:`ARXIV_RETRY` by default: exponential
backoff from 2 s with jitter, at most 120 s, 4 retries); a ``Retry-After`` header is honoured
up to the policy's ``max_wait`` (600 s), and a longer one fails at once. A host name that does
not resolve, a refused connection or an unreachable network is this machine's network, not
arXiv: it fails at once with :class:`ArxivUnreachableError`, naming what failed. Conditional
requests (``If-None-Match``/``If-Modified-Since``) use validators remembered in an
:class:`HttpCache` (the store), and are remembered only once the caller says the
response was processed, so a run that fails half-way never turns into a 304 that
hides data it did not keep.

The transport is injected: tests pass an ``httpx`` transport or a base URL of a
local server, and the same code runs.
"""

from __future__ import annotations

import errno
import logging
import socket
import time
import urllib.request
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from typing import Protocol
from urllib.parse import urlsplit

import httpx
import tenacity

from arxiv_radar import __version__
from arxiv_radar.arxiv.gates import NO_SHARED_GATE, PROCESS_GATE, RateGate, SharedGate
from arxiv_radar.errors import ArxivHTTPError, ArxivUnreachableError
from arxiv_radar.net import (
    Retryable,
    RetryPolicy,
    WaitTooLong,
    parse_retry_after,
    retrying,
)

logger = logging.getLogger(__name__)

ARXIV_MIN_INTERVAL = 3.0
"""arXiv's terms of use: one request every three seconds."""

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
ARXIV_RETRY = RetryPolicy(max_retries=4, base=2.0, cap=120.0, max_wait=600.0)
"""How arXiv requests are retried unless the client is given another policy."""
PROJECT_URL = "https://github.com/arxiv-radar/arxiv-radar"
OFFLINE_HINT = "to see arxiv-radar work without the network, run: arxiv-radar demo"
_UNREACHABLE_ERRNOS = frozenset({errno.ENETUNREACH, errno.EHOSTUNREACH})

Params = Mapping[str, str | int | float]


class HttpCache(Protocol):
    """Where ETag/Last-Modified validators are remembered between runs (the store)."""

    def get_validators(self, url: str) -> tuple[str | None, str | None] | None: ...

    def put_validators(self, url: str, etag: str | None, last_modified: str | None) -> None: ...


def is_arxiv_host(url: str) -> bool:
    """True for arxiv.org and its subdomains (rss., export., oaipmh. ...)."""
    host = (urlsplit(url).hostname or "").lower()
    return host == "arxiv.org" or host.endswith(".arxiv.org")


def default_user_agent(contact: str | None = None) -> str:
    contact_part = f"; mailto:{contact}" if contact else ""
    return f"arxiv-radar/{__version__} (+{PROJECT_URL}{contact_part})"


def _env_proxy_for(url: httpx.URL) -> tuple[str, str] | None:
    """The proxy the environment (``HTTPS_PROXY``, ``ALL_PROXY``, ``NO_PROXY``) routes ``url``
    through, as ``(host, host:port)`` without credentials; None when it goes direct."""
    proxies = urllib.request.getproxies()
    proxy = proxies.get(url.scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass(url.host):
        return None
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    if not parts.hostname:
        return None
    address = f"{parts.hostname}:{parts.port}" if parts.port else parts.hostname
    return parts.hostname, address


def network_failure(
    error: httpx.TransportError, url: httpx.URL, *, proxy: tuple[str, str] | None = None
) -> ArxivUnreachableError | None:
    """The error to raise at once when ``error`` says this machine cannot reach the host
    (the name did not resolve, the connection was refused, no route): None for anything
    worth a retry (timeouts, resets, a transfer cut short). ``proxy``: the ``(host,
    address)`` of the proxy the request went through, which is then what failed."""
    cause: BaseException | None = error
    seen = 0
    while cause is not None and seen < 10:
        if isinstance(cause, socket.gaierror):
            kind = "resolve"
            break
        if isinstance(cause, ConnectionRefusedError):
            kind = "refused"
            break
        if isinstance(cause, OSError) and cause.errno in _UNREACHABLE_ERRNOS:
            kind = "unreachable"
            break
        cause = cause.__cause__ or cause.__context__
        seen += 1
    else:
        return None
    if proxy:
        name, address = proxy
        via, fix = f" (the proxy for {url.host})", "check your proxy settings"
    else:
        name = url.host
        address = f"{url.host}:{url.port}" if url.port else url.host
        via, fix = "", "check your network or proxy"
    if kind == "resolve":
        what = f"cannot resolve {name}{via}"
    elif kind == "refused":
        what = f"connection to {address}{via} refused"
    else:
        reason = getattr(cause, "strerror", None) or cause
        what = f"cannot reach {address}{via} ({reason})"
    return ArxivUnreachableError(f"{what}: {fix}; {OFFLINE_HINT}", url=str(url), host=name)


class ArxivClient:
    """A rate-limited, retrying, caching HTTP client for arXiv's interfaces.

    ``min_interval``: seconds between requests (raised to 3 for arxiv.org hosts).
    ``retry``: how transient failures are retried (:data:`ARXIV_RETRY` by default).
    ``transport``: an ``httpx`` transport (tests); default: the network.
    ``cache``: where conditional-request validators live (the store), optional.
    ``shared``: the gate shared with other processes (the store's), passed before each
    request after this process's own.

    A name that does not resolve, a refused connection or an unreachable network raises
    :class:`ArxivUnreachableError` after the first attempt; other failures raise
    :class:`ArxivHTTPError` once the retries are spent.
    """

    def __init__(
        self,
        *,
        min_interval: float = ARXIV_MIN_INTERVAL,
        timeout: float = 30.0,
        retry: RetryPolicy = ARXIV_RETRY,
        contact: str | None = None,
        user_agent: str | None = None,
        transport: httpx.BaseTransport | None = None,
        cache: HttpCache | None = None,
        gate: RateGate | None = None,
        shared: SharedGate = NO_SHARED_GATE,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if min_interval < 0:
            raise ValueError("min_interval must be >= 0")
        self.min_interval = min_interval
        self.retry = retry
        self.cache = cache
        self._gate = gate or PROCESS_GATE
        self._shared = shared
        self._shared_held = False
        self._sleep = sleep
        self.requests_sent = 0
        self.retries = 0
        # httpx routes through the environment's proxies only when it builds the transport.
        self._env_proxies = transport is None
        self._http = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            headers={"User-Agent": user_agent or default_user_agent(contact)},
            follow_redirects=True,
        )

    @property
    def user_agent(self) -> str:
        return self._http.headers["User-Agent"]

    def interval_for(self, url: str) -> float:
        if is_arxiv_host(url):
            return max(self.min_interval, ARXIV_MIN_INTERVAL)
        return self.min_interval

    # -- public API -------------------------------------------------------------------

    def get(
        self,
        url: str,
        *,
        params: Params | None = None,
        conditional: bool = False,
        allow_status: Collection[int] = (),
    ) -> httpx.Response:
        """GET ``url`` politely and return the whole response.

        With ``conditional=True`` the remembered validators are sent and a 304 is
        returned as is (``response.status_code == 304``). Statuses in
        ``allow_status`` (e.g. 400 for the export API's error feeds) are returned
        instead of raised. Anything else that is not 2xx raises :class:`ArxivHTTPError`.
        """
        request = self._build(url, params, conditional)
        with self._gate.hold():
            return self._send_with_retries(request, stream=False, allow_status=allow_status)

    @contextmanager
    def stream(
        self,
        url: str,
        *,
        params: Params | None = None,
        allow_status: Collection[int] = (),
    ) -> Iterator[httpx.Response]:
        """GET ``url`` and yield the response unread, for parsing as a stream.

        The connection stays reserved (no other request starts) until the block ends.
        """
        request = self._build(url, params, conditional=False)
        with self._gate.hold():
            response = self._send_with_retries(request, stream=True, allow_status=allow_status)
            try:
                yield response
            finally:
                response.close()
                self._done()

    def remember(self, response: httpx.Response) -> None:
        """Keep a processed response's validators for the next conditional request."""
        if self.cache is None or response.status_code != 200:
            return
        etag = response.headers.get("ETag")
        last_modified = response.headers.get("Last-Modified")
        if etag or last_modified:
            # Keyed by the URL that was asked for (before redirects), as _build looks it up.
            request = response.history[0].request if response.history else response.request
            self.cache.put_validators(str(request.url), etag, last_modified)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ArxivClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- internals --------------------------------------------------------------------

    def _begin(self, url: str) -> None:
        """Wait for this request's turn: in this process, then among all (``shared``)."""
        interval = self.interval_for(url)
        self._gate.wait_turn(interval)
        self._shared.acquire(interval)
        self._shared_held = True

    def _done(self) -> None:
        """The request ended (its body read, or it failed): the next one's interval starts."""
        self._gate.mark_done()
        if self._shared_held:
            self._shared_held = False
            self._shared.release()

    def _build(self, url: str, params: Params | None, conditional: bool) -> httpx.Request:
        request = self._http.build_request("GET", url, params=params)
        if conditional and self.cache is not None:
            validators = self.cache.get_validators(str(request.url))
            if validators:
                etag, last_modified = validators
                if etag:
                    request.headers["If-None-Match"] = etag
                if last_modified:
                    request.headers["If-Modified-Since"] = last_modified
        return request

    def _send_with_retries(
        self, request: httpx.Request, *, stream: bool, allow_status: Collection[int]
    ) -> httpx.Response:
        url = str(request.url)
        loop = retrying(
            self.retry, sleep=self._sleep, before_sleep=lambda state: self._log_retry(state, url)
        )
        attempts = 0
        try:
            for attempt in loop:
                with attempt:
                    attempts += 1
                    return self._send_once(request, stream=stream, allow_status=allow_status)
        except Retryable as error:
            raise ArxivHTTPError(
                f"arXiv did not answer successfully ({error.reason}) after {attempts} attempts; "
                "arXiv may be busy or down (see https://status.arxiv.org), try again later",
                url=url,
                status=error.status,
                attempts=attempts,
            ) from error
        except WaitTooLong as error:
            raise ArxivHTTPError(
                f"arXiv asked to wait {error.seconds:.0f} s before the next request "
                f"(more than the {self.retry.max_wait:.0f} s this run waits); try again later",
                url=url,
                status=error.status,
                attempts=attempts,
            ) from error
        raise AssertionError("unreachable")  # pragma: no cover

    def _log_retry(self, state: tenacity.RetryCallState, url: str) -> None:
        self.retries += 1
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        logger.warning(
            "arXiv request failed (%s), retrying in %.1f s (attempt %d of %d): %s",
            getattr(error, "reason", error),
            wait,
            state.attempt_number + 1,
            self.retry.attempts,
            url,
        )

    def _send_once(
        self, request: httpx.Request, *, stream: bool, allow_status: Collection[int]
    ) -> httpx.Response:
        url = str(request.url)
        self._begin(url)
        self.requests_sent += 1
        logger.debug("GET %s", url)
        try:
            response = self._http.send(request, stream=stream)
        except httpx.TimeoutException as error:
            self._done()
            raise Retryable(f"timed out: {type(error).__name__}") from error
        except httpx.TransportError as error:
            self._done()
            proxy = _env_proxy_for(request.url) if self._env_proxies else None
            unreachable = network_failure(error, request.url, proxy=proxy)
            if unreachable is not None:
                # This machine's network, not arXiv: no backoff, say what failed.
                logger.debug("no retry, this machine cannot reach the host: %s", error)
                raise unreachable from error
            raise Retryable(f"connection failed: {type(error).__name__}: {error}") from error
        if not stream:
            self._done()
        status = response.status_code
        logger.info("GET %s -> %d", url, status)
        if status in RETRY_STATUSES:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            response.close()
            if stream:
                self._done()
            raise Retryable(f"HTTP {status}", status=status, retry_after=retry_after)
        if response.is_success or status == 304 or status in allow_status:
            return response
        response.close()
        if stream:
            self._done()
        raise ArxivHTTPError(
            f"arXiv answered HTTP {status} {response.reason_phrase}",
            url=url,
            status=status,
            attempts=1,
        )
