"""The hot path: a plain ``GET /rss`` answered from the cache before any routing.

Feed readers poll the same few URLs without a query string: the public ones, and each
reader's ``/u/{feed token}/rss`` (``/atom``, ``/feed.json``: their first profile), which is
answered here once its token index and rendering are current, after counting the request
against the token's rate limit. When such a request's response
is already rendered for the current store state, :class:`CachedPaths` sends it (or its 304)
straight away: no routing, no dependency injection, no thread. Anything else (a query
string, another path, a cold cache, a stale state) goes on to the app unchanged, which
renders and caches it with exactly the same key (:func:`~arxiv_radar.server.render.
plain_paths`), so both paths give the same bytes and validators.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

from starlette.types import ASGIApp, Receive, Scope, Send

from arxiv_radar.server.caching import CachedBody
from arxiv_radar.server.filters import FeedFilters
from arxiv_radar.server.readers import ReaderDirectory, TokenLimiter
from arxiv_radar.server.render import Renderer, feed_key
from arxiv_radar.store.feedback import token_hash

__all__ = ["CachedPaths"]

_READER_FEEDS = {
    name: feed_key(kind, FeedFilters())
    for name, kind in (("rss", "rss"), ("atom", "atom"), ("feed.json", "json"))
}


class CachedPaths:
    """ASGI middleware answering cached plain ``GET``/``HEAD`` requests of ``paths``."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        renderer: Renderer,
        paths: Mapping[str, Hashable],
        readers: ReaderDirectory | None = None,
        limiter: TokenLimiter | None = None,
    ):
        self.app = app
        self.renderer = renderer
        self.paths = dict(paths)
        self.readers = readers
        self.limiter = limiter

    def _cached(self, path: str) -> CachedBody | None:
        key = self.paths.get(path)
        if key is not None:
            state = self.renderer.data.fresh_state()
            return self.renderer.cache.get(state, key) if state is not None else None
        if self.readers is None or not path.startswith("/u/"):
            return None
        _, _, token, kind = path.split("/", 3) if path.count("/") == 3 else ("", "", "", "")
        key = _READER_FEEDS.get(kind)
        renderer = self.readers.cached_renderer(token) if key is not None and token else None
        if renderer is None:
            return None
        state = renderer.data.fresh_state()
        cached = renderer.cache.get(state, key) if state is not None else None
        if cached is None:
            return None
        # Counted here (the route counts what it answers); past the limit the route says 429.
        if self.limiter is not None and not self.limiter.allows("feed:" + token_hash(token)):
            return None
        return cached

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and not scope.get("query_string")
            and scope["method"] in ("GET", "HEAD")
        ):
            cached = self._cached(scope["path"])
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
