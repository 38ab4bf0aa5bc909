"""A real HTTP server on 127.0.0.1 that speaks the OpenAI chat completions API.

It answers ``POST /v1/chat/completions`` in the OpenAI format, ``GET /v1/models``, and the
file endpoints DashScope's qwen-long reads uploads from (``POST /v1/files``,
``DELETE /v1/files/<id>``). Every request is recorded (body, headers, arrival and finish
times) and the largest number of chat requests in flight at once is tracked.

Replies are programmable: a queue of :class:`Reply` values served first, then a responder
function of the request (default: a short answer naming the paper). A reply can be a fixed
text, any status with any headers (429 with ``Retry-After``, 500), a delay (a slow answer,
or a timeout for a client with a short one), a malformed body, an answer without usage or
without choices. ``latency`` delays every chat answer (benchmarks).
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CHAT_PATH = "/v1/chat/completions"


@dataclass
class Reply:
    """One answer to a chat request (or, with ``status`` != 200, an error)."""

    text: str = "**TL;DR** A fine paper."
    status: int = 200
    delay: float = 0.0  # seconds before answering, on top of the server's latency
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None  # sent as is instead of a completion (malformed answers)
    content_type: str = "application/json"
    usage: bool = True
    tokens_in: int | None = None  # default: words in the request's messages
    tokens_out: int | None = None  # default: words in text
    finish_reason: str = "stop"
    choices: bool = True
    model: str | None = None  # default: the model the request named

    @classmethod
    def rate_limited(
        cls, retry_after: str | None = "1", *, retry_after_ms: str | None = None
    ) -> Reply:
        headers = {}
        if retry_after is not None:
            headers["Retry-After"] = retry_after
        if retry_after_ms is not None:
            headers["retry-after-ms"] = retry_after_ms
        return cls.error(429, "Rate limit reached", headers=headers)

    @classmethod
    def error(
        cls,
        status: int = 500,
        message: str = "internal error",
        *,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        body = {"error": {"message": message, "type": "server_error", "code": str(status)}}
        return cls(status=status, body=json.dumps(body).encode(), headers=dict(headers or {}))

    @classmethod
    def malformed(cls) -> Reply:
        return cls(body=b'{"id": "chatcmpl-x", "choices": [{"index": 0, "message": {"rol')

    @classmethod
    def slow(cls, delay: float, text: str = "**TL;DR** Slow but fine.") -> Reply:
        return cls(text=text, delay=delay)


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    raw: bytes
    body: Any  # the JSON body, or None
    arrived: float  # time.monotonic() once the request was read
    finished: float | None = None  # time.monotonic() once the answer was written
    status: int | None = None

    @property
    def messages(self) -> list[dict[str, str]]:
        return list(self.body.get("messages", [])) if isinstance(self.body, dict) else []

    @property
    def last_user_message(self) -> str:
        users = [m.get("content", "") for m in self.messages if m.get("role") == "user"]
        return users[-1] if users else ""


Responder = Callable[[RecordedRequest], Reply]


def default_responder(request: RecordedRequest) -> Reply:
    return Reply(text=f"**TL;DR** Summary of: {request.last_user_message[:60]}")


def count_words(text: str) -> int:
    return len(text.split())


class _Server(ThreadingHTTPServer):
    """A thread per request, and room for many connections at once: with the standard
    library's listen backlog of 5, a burst of calls (16 summaries at once) loses connection
    attempts, which the client's TCP stack retries a second later, as no real endpoint does."""

    daemon_threads = True
    request_queue_size = 128


class OpenAIServer:
    """``with OpenAIServer() as server: ChatClient(base_url=server.base_url, ...)``."""

    def __init__(self, *, latency: float = 0.0, models: tuple[str, ...] = ("qwen-long",)) -> None:
        self.latency = latency
        self.models = models
        self.requests: list[RecordedRequest] = []
        self.files: dict[str, bytes] = {}
        self._uploads = 0  # file ids are never reused, even after a deletion
        self.max_in_flight = 0
        self._in_flight = 0
        self._queue: deque[Reply | Responder] = deque()
        self._responder: Responder = default_responder
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # Answers go out at once (no Nagle delay between headers and body).
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

            def do_GET(self) -> None:  # noqa: N802
                server._handle(self)

            def do_POST(self) -> None:  # noqa: N802
                server._handle(self)

            def do_DELETE(self) -> None:  # noqa: N802
                server._handle(self)

        self._httpd = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # -- configuration ---------------------------------------------------------------

    def queue(self, *replies: Reply | Responder) -> None:
        """Answer the next chat requests with these, in order, then with the responder."""
        with self._lock:
            self._queue.extend(replies)

    def respond(self, responder: Responder) -> None:
        """Answer chat requests (once the queue is empty) with ``responder(request)``."""
        with self._lock:
            self._responder = responder

    def reset(self) -> None:
        """Forget the requests seen so far and the in-flight high-water mark."""
        with self._lock:
            self.requests.clear()
            self.max_in_flight = self._in_flight

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == CHAT_PATH]

    def gaps(self) -> list[float]:
        """Seconds between the arrivals of consecutive chat requests."""
        times = [r.arrived for r in self.chat_requests]
        return [b - a for a, b in zip(times, times[1:], strict=False)]

    # -- lifecycle -------------------------------------------------------------------

    def __enter__(self) -> OpenAIServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()  # wakes answers that are still waiting out a delay
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    # -- serving ---------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        request = RecordedRequest(
            method=handler.command,
            path=handler.path.split("?", 1)[0],
            headers={k.lower(): v for k, v in handler.headers.items()},
            raw=raw,
            body=body,
            arrived=time.monotonic(),
        )
        with self._lock:
            self.requests.append(request)
        if request.method == "POST" and request.path == CHAT_PATH:
            self._chat(handler, request)
        elif request.method == "GET" and request.path == "/v1/models":
            data = [
                {"id": m, "object": "model", "created": 0, "owned_by": "test"} for m in self.models
            ]
            self._send(handler, request, 200, {"object": "list", "data": data})
        elif request.method == "POST" and request.path == "/v1/files":
            self._upload(handler, request)
        elif request.method == "DELETE" and request.path.startswith("/v1/files/"):
            file_id = request.path.rsplit("/", 1)[1]
            with self._lock:
                known = self.files.pop(file_id, None) is not None
            if known:
                self._send(
                    handler, request, 200, {"id": file_id, "object": "file", "deleted": True}
                )
            else:
                self._send(handler, request, 404, {"error": {"message": "no such file"}})
        else:
            self._send(handler, request, 404, {"error": {"message": f"no route {request.path}"}})

    def _chat(self, handler: BaseHTTPRequestHandler, request: RecordedRequest) -> None:
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            responder = self._queue.popleft() if self._queue else self._responder
        try:
            reply = responder if isinstance(responder, Reply) else responder(request)
            wait = self.latency + reply.delay
            if wait and self._stopping.wait(wait):
                return
            if reply.body is not None:
                self._send_bytes(handler, request, reply.status, reply.body, reply)
                return
            self._send(handler, request, reply.status, self._completion(request, reply), reply)
        finally:
            with self._lock:
                self._in_flight -= 1

    def _completion(self, request: RecordedRequest, reply: Reply) -> dict[str, Any]:
        body = request.body if isinstance(request.body, dict) else {}
        completion: dict[str, Any] = {
            "id": f"chatcmpl-{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": reply.model or body.get("model", "unknown"),
            "choices": [],
        }
        if reply.choices:
            message = {"role": "assistant", "content": reply.text}
            completion["choices"] = [
                {"index": 0, "message": message, "finish_reason": reply.finish_reason}
            ]
        if reply.usage:
            words_in = sum(count_words(str(m.get("content", ""))) for m in request.messages)
            tokens_in = reply.tokens_in if reply.tokens_in is not None else words_in
            tokens_out = (
                reply.tokens_out if reply.tokens_out is not None else count_words(reply.text)
            )
            completion["usage"] = {
                "prompt_tokens": tokens_in,
                "completion_tokens": tokens_out,
                "total_tokens": tokens_in + tokens_out,
            }
        return completion

    def _upload(self, handler: BaseHTTPRequestHandler, request: RecordedRequest) -> None:
        match = re.search(rb'filename="([^"]*)"', request.raw)
        filename = match.group(1).decode() if match else "upload"
        with self._lock:
            self._uploads += 1
            file_id = f"file-fe-{self._uploads}"
            self.files[file_id] = request.raw
        file_object = {
            "id": file_id,
            "object": "file",
            "bytes": len(request.raw),
            "created_at": int(time.time()),
            "filename": filename,
            "purpose": "file-extract",
            "status": "processed",
        }
        self._send(handler, request, 200, file_object)

    def _send(
        self,
        handler: BaseHTTPRequestHandler,
        request: RecordedRequest,
        status: int,
        payload: Any,
        reply: Reply | None = None,
    ) -> None:
        self._send_bytes(handler, request, status, json.dumps(payload).encode(), reply)

    def _send_bytes(
        self,
        handler: BaseHTTPRequestHandler,
        request: RecordedRequest,
        status: int,
        data: bytes,
        reply: Reply | None,
    ) -> None:
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", reply.content_type if reply else "application/json")
            handler.send_header("Content-Length", str(len(data)))
            for name, value in (reply.headers if reply else {}).items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(data)
            handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout)
            handler.close_connection = True
        request.status = status
        request.finished = time.monotonic()
