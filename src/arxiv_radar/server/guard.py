"""A small ASGI guard in front of every route: no path traversal, no oversized requests.

Routes never touch the file system with a path from the request (assets are served by a
fixed list of names), so traversal cannot reach a file anyway; this rejects it early and
plainly. Rejected with 400 and a JSON ``detail``:

- a path with a ``..`` or ``.`` segment, a backslash or a NUL, after percent-decoding
  (``/rss/..%2F..%2Fetc%2Fpasswd`` included);
- a path longer than ``max_path_bytes`` or a query string longer than ``max_query_bytes``.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["RequestGuard"]


class RequestGuard:
    """Reject traversal and oversized requests with 400 before any route runs."""

    def __init__(self, app: ASGIApp, *, max_path_bytes: int = 512, max_query_bytes: int = 2048):
        self.app = app
        self.max_path_bytes = max_path_bytes
        self.max_query_bytes = max_query_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            problem = self._problem(scope)
            if problem is not None:
                await _reject(send, problem)
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


async def _reject(send: Send, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 400,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
