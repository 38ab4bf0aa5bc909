"""The hot path: a plain ``GET /rss`` answered from the cache before any routing.

Feed readers poll the same few URLs without a query string. When such a request's response
is already rendered for the current store state, :class:`CachedPaths` sends it (or its 304)
straight away: no routing, no dependency injection, no thread. Anything else (a query
string, another path, a cold cache, a stale state) goes on to the app unchanged, which
renders and caches it with exactly the same key (:func:`~arxiv_radar.server.render.
plain_paths`), so both paths give the same bytes and validators.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

from starlette.types import ASGIApp, Receive, Scope, Send

from arxiv_radar.server.render import Renderer

__all__ = ["CachedPaths"]


class CachedPaths:
    """ASGI middleware answering cached plain ``GET``/``HEAD`` requests of ``paths``."""

    def __init__(self, app: ASGIApp, *, renderer: Renderer, paths: Mapping[str, Hashable]):
        self.app = app
        self.renderer = renderer
        self.paths = dict(paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and not scope.get("query_string")
            and scope["method"] in ("GET", "HEAD")
        ):
            key = self.paths.get(scope["path"])
            state = self.renderer.data.fresh_state() if key is not None else None
            cached = self.renderer.cache.get(state, key) if state is not None else None
            if cached is not None:
                wanted: dict[bytes, str] = {}
                for name, value in scope["headers"]:
                    if name in (b"if-none-match", b"if-modified-since", b"accept-encoding"):
                        wanted[name] = value.decode("latin-1")
                status, body, headers = cached.answer(
                    scope["method"],
                    wanted.get(b"if-none-match"),
                    wanted.get(b"if-modified-since"),
                    wanted.get(b"accept-encoding"),
                )
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
