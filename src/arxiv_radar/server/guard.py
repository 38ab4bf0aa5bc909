"""A small ASGI guard in front of every route: no path traversal, no oversized requests.

Routes never touch the file system with a path from the request (assets are served by a
fixed list of names), so traversal cannot reach a file anyway; this rejects it early and
plainly. Rejected with 400 and a JSON ``detail``:

- a path with a ``..`` or ``.`` segment, a backslash or a NUL, after percent-decoding
  (``/rss/..%2F..%2Fetc%2Fpasswd`` included);
- a path longer than ``max_path_bytes`` or a query string longer than ``max_query_bytes``.

A request body (``POST /api/feedback`` is the only route that reads one) longer than
``max_body_bytes`` is refused with 413 before a route reads it: by its ``Content-Length``,
and a body sent without one (chunked) is read here, and refused as soon as it grows past
the limit.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["RequestGuard"]


class RequestGuard:
    """Reject traversal and oversized requests (400, a body: 413) before any route runs."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_path_bytes: int = 512,
        max_query_bytes: int = 2048,
        max_body_bytes: int = 16384,
    ):
        self.app = app
        self.max_path_bytes = max_path_bytes
        self.max_query_bytes = max_query_bytes
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = self._problem(scope)
        if problem is not None:
            await _reject(send, problem)
            return
        limit = self.max_body_bytes
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _reject(send, f"the request body is longer than {limit} bytes", status=413)
            return
        if declared is None and scope.get("method") in ("POST", "PUT", "PATCH"):
            body = await _read_at_most(receive, limit)  # chunked: read here, up to the limit
            if body is None:
                await _reject(send, f"the request body is longer than {limit} bytes", status=413)
                return
            await self.app(scope, _replay(body, receive), send)
            return
        await self.app(scope, receive, send)

    def _problem(self, scope: Scope) -> str | None:
        path: str = scope.get("path", "")
        raw_path: bytes = scope.get("raw_path") or path.encode("utf-8", "surrogateescape")
        if len(raw_path) > self.max_path_bytes:
            return f"the path is longer than {self.max_path_bytes} bytes"
        if len(scope.get("query_string", b"")) > self.max_query_bytes:
            return f"the query string is longer than {self.max_query_bytes} bytes"
        if "\\" in path or "\x00" in path:
            return "the path holds a backslash or a NUL character"
        if any(segment in (".", "..") for segment in path.split("/")):
            return "the path holds a '.' or '..' segment"
        return None


async def _read_at_most(receive: Receive, limit: int) -> bytes | None:
    """The request's whole body, or None once it is longer than ``limit`` bytes."""
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(parts)  # the client went away: the route sees an empty body
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        parts.append(chunk)
        if not message.get("more_body", False):
            return b"".join(parts)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives ``body`` in one message, then defers to ``receive``."""
    given = False

    async def replay() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _reject(send: Send, detail: str, *, status: int = 400) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
