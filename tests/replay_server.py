"""A real HTTP server on 127.0.0.1 that replays recorded arXiv responses.

Tests register replies per path (optionally per query parameters); the server
records every request it receives (arrival and finish time, path, query, headers, client
port) so tests can assert request spacing, conditional headers and connection reuse.
Replies can inject faults: delays, slow drips, dropped connections, transfers cut short,
any status.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_bytes(name: str) -> bytes:
    """A recorded response from tests/fixtures/arxiv/ (bytes exactly as recorded)."""
    return (FIXTURES / "arxiv" / name).read_bytes()


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/xml; charset=utf-8"
    delay: float = 0.0  # seconds before the status line is sent
    drip: float | None = None  # seconds between 64-byte chunks of the body
    reset: bool = False  # close the connection without answering
    etag: str | None = None  # answer 304 when If-None-Match equals it
    last_modified: str | None = None
    cut_after: int | None = None  # close the connection after this many body bytes


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    started: float  # time.monotonic() when the request line arrived
    client_port: int
    raw_query: str = ""
    finished: float | None = None  # time.monotonic() once the reply was sent (or given up)

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


Responder = Reply | Callable[[RecordedRequest], Reply]


@dataclass
class _Route:
    path: str
    when: Mapping[str, str]
    replies: list[Responder]
    served: int = 0

    def matches(self, request: RecordedRequest) -> bool:
        return request.path == self.path and all(
            request.query.get(key) == value for key, value in self.when.items()
        )

    def next_reply(self, request: RecordedRequest) -> Reply:
        responder = self.replies[min(self.served, len(self.replies) - 1)]
        self.served += 1
        return responder(request) if callable(responder) else responder


class ReplayServer:
    """``with ReplayServer() as server: server.add('/rss/cs.AI', Reply(body=...))``."""

    def __init__(self) -> None:
        self._routes: list[_Route] = []
        self._lock = threading.Lock()
        self.requests: list[RecordedRequest] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

            def do_GET(self) -> None:  # noqa: N802
                server._handle(self)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    # -- configuration ---------------------------------------------------------------

    def add(self, path: str, *replies: Responder, when: Mapping[str, str] | None = None) -> None:
        """Serve ``replies`` in order for ``path`` (the last one repeats)."""
        if not replies:
            raise ValueError("at least one reply")
        with self._lock:
            self._routes.insert(0, _Route(path, dict(when or {}), list(replies)))

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str = "") -> str:
        return self.base_url + path

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path]

    def gaps(self) -> list[float]:
        """Seconds between the arrival of consecutive requests."""
        times = [r.started for r in self.requests]
        return [b - a for a, b in zip(times, times[1:], strict=False)]

    # -- lifecycle -------------------------------------------------------------------

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    # -- serving ---------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        request = RecordedRequest(
            method=handler.command,
            path=parts.path,
            query=query,
            headers=dict(handler.headers.items()),
            started=time.monotonic(),
            client_port=handler.client_address[1],
            raw_query=parts.query,
        )
        with self._lock:
            self.requests.append(request)
            route = next((r for r in self._routes if r.matches(request)), None)
            reply = route.next_reply(request) if route else Reply(404, b"no such route")
        if reply.delay:
            time.sleep(reply.delay)
        try:
            self._reply(handler, request, reply)
        finally:
            request.finished = time.monotonic()

    def _reply(
        self, handler: BaseHTTPRequestHandler, request: RecordedRequest, reply: Reply
    ) -> None:
        if reply.reset:
            handler.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
            handler.close_connection = True
            handler.connection.close()
            return
        if reply.etag and request.header("If-None-Match") == reply.etag:
            handler.send_response(304)
            handler.send_header("ETag", reply.etag)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        handler.send_response(reply.status)
        handler.send_header("Content-Type", reply.content_type)
        handler.send_header("Content-Length", str(len(reply.body)))
        if reply.etag:
            handler.send_header("ETag", reply.etag)
        if reply.last_modified:
            handler.send_header("Last-Modified", reply.last_modified)
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        try:
            if reply.cut_after is not None:  # a transfer cut short: fewer bytes than announced
                handler.wfile.write(reply.body[: reply.cut_after])
                handler.wfile.flush()
                handler.close_connection = True
                handler.connection.shutdown(socket.SHUT_RDWR)
            elif reply.drip is None:
                handler.wfile.write(reply.body)
            else:
                for start in range(0, len(reply.body), 64):
                    handler.wfile.write(reply.body[start : start + 64])
                    handler.wfile.flush()
                    time.sleep(reply.drip)
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True


class DictCache:
    """An in-memory stand-in for the store's conditional-GET memory (``HttpCache``)."""

    def __init__(self) -> None:
        self.data: dict[str, tuple[str | None, str | None]] = {}

    def get_validators(self, url: str) -> tuple[str | None, str | None] | None:
        return self.data.get(url)

    def put_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        self.data[url] = (etag, last_modified)
