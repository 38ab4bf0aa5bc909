"""Many readers on one server: their secret feed URLs, ``/api/me``, and per-token rate limits.

A reader (``arxiv-radar users add NAME --profile P``, or ``POST /admin/users``) owns
profiles and holds two tokens (:mod:`arxiv_radar.store.readers`):

- the **feed token** is the secret part of their feed URLs, ``/u/{feed token}/rss``,
  ``/atom`` and ``/feed.json`` (``?profile=P`` for another of their profiles than the first;
  the feeds' filters work too), because feed readers cannot send headers;
- the **API token** goes in ``Authorization: Bearer``: ``GET /api/me``, ``/api/feedback``
  for their own profiles, and ``GET``/``PATCH /api/me/profiles/{profile}``: the settings of
  their profiles they may change (:data:`~arxiv_radar.config.sections.READER_EDITABLE`),
  kept in the store and laid over the configuration's by every ranking.

What one reader owns is never shown to another: a token that is no reader's, or a profile
that is not the token holder's, is the same 404 (feeds) or 403 (API), and a profile a reader
owns disappears from the public routes (``/``, ``/rss``, ``/api/papers``: 404). Tokens are
looked up by their SHA-256 in an index read again whenever the readers change
(:class:`~arxiv_radar.server.data.StoreState`), so a removed reader or a replaced token
stops working within ``state_ttl`` seconds.

Every request with a reader's token counts against that token's limit (``--rate-limit``,
default ``120/minute``, a sliding window counted by the ``limits`` package in this process):
beyond it, 429 with ``Retry-After``.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Awaitable, Callable, Container
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import SlidingWindowCounterRateLimiter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from arxiv_radar.errors import UsageError
from arxiv_radar.server.caching import ResponseCache
from arxiv_radar.server.data import StoreData, StoreState
from arxiv_radar.server.filters import FeedFilters, feed_filters
from arxiv_radar.server.render import FEED_TYPES, Renderer, get_and_head
from arxiv_radar.server.schemas import Problem
from arxiv_radar.store import Reader
from arxiv_radar.store.feedback import token_hash

__all__ = [
    "DEFAULT_RATE_LIMIT",
    "ReaderDirectory",
    "TokenLimiter",
    "reader_routes",
    "rate_limit",
]

DEFAULT_RATE_LIMIT = "120/minute"
_NO_STORE = {"Cache-Control": "no-store"}
_NO_FEED = "no such feed (arxiv-radar users token NAME gives a reader new feed URLs)"


def rate_limit(text: str) -> RateLimitItem:
    """A rate limit from its text (``120/minute``, ``10/second``, ``1000 per hour``), or a
    :class:`~arxiv_radar.errors.UsageError` saying how to write one."""
    try:
        return parse(text)
    except ValueError:
        raise UsageError(
            f"'{text}' is not a rate limit: write requests per period, as 120/minute, "
            "10/second or 5000/hour"
        ) from None


class TokenLimiter:
    """At most ``limit`` requests per token hash, in a sliding window (this process's)."""

    def __init__(self, limit: str = DEFAULT_RATE_LIMIT) -> None:
        self.limit = rate_limit(limit)
        self._limiter = SlidingWindowCounterRateLimiter(MemoryStorage())

    def allows(self, key: str) -> bool:
        """Count a request of ``key``: False past the limit (nothing raised)."""
        return bool(self._limiter.hit(self.limit, key))

    def check(self, key: str) -> None:
        """Count a request of ``key``; 429 with ``Retry-After`` past the limit."""
        if self.allows(key):
            return
        reset = self._limiter.get_window_stats(self.limit, key).reset_time
        wait = max(1, math.ceil(reset - time.time()))
        raise HTTPException(
            429,
            f"too many requests with this token (at most {self.limit}): try again in {wait} s",
            {"Retry-After": str(wait), **_NO_STORE},
        )


@dataclass(frozen=True)
class _Index:
    state: StoreState
    by_api: dict[str, str]
    by_feed: dict[str, str]
    readers: dict[str, Reader]


class ReaderDirectory:
    """Readers by token, and a renderer of each owned profile (over the public data's store)."""

    def __init__(self, data: StoreData, *, max_age: int) -> None:
        self.data = data
        self._max_age = max_age
        self._index: _Index | None = None
        self._lock = threading.Lock()
        self._renderers: dict[str, Renderer] = {}

    def _current(self) -> _Index:
        state = self.data.state()
        index = self._index
        if index is not None and index.state == state:
            return index
        with self._lock:
            if self._index is None or self._index.state != state:
                store = self.data.store
                by_api, by_feed = store.reader_token_index()
                readers = {reader.name: reader for reader in store.readers()}
                self._index = _Index(state, by_api, by_feed, readers)
            return self._index

    def by_feed_token(self, token: str) -> Reader | None:
        index = self._current()
        name = index.by_feed.get(token_hash(token))
        return index.readers.get(name) if name is not None else None

    def by_api_token(self, token: str) -> Reader | None:
        index = self._current()
        name = index.by_api.get(token_hash(token))
        return index.readers.get(name) if name is not None else None

    def cached_renderer(self, feed_token: str) -> Renderer | None:
        """The renderer of the first profile of the reader holding ``feed_token``, when the
        token index is current and the renderer made already; else None (no query made).
        What :class:`~arxiv_radar.server.fastpath.CachedPaths` answers plain feeds with."""
        state = self.data.fresh_state()
        index = self._index
        if state is None or index is None or index.state != state:
            return None
        name = index.by_feed.get(token_hash(feed_token))
        reader = index.readers.get(name) if name is not None else None
        if reader is None or not reader.profiles:
            return None
        return self._renderers.get(reader.profiles[0])

    def renderer(self, profile: str) -> Renderer:
        """The renderer of an owned ``profile`` (made on first use, cached per store state)."""
        with self._lock:
            found = self._renderers.get(profile)
            if found is None:
                data = StoreData(
                    self.data.config,
                    lambda: self.data.store,
                    profile=profile,
                    state_ttl=self.data.state_ttl,
                    cache_ttl=self.data.cache_ttl,
                    owns_store=False,
                    private=True,
                    state_of=self.data,  # one state for every profile: read once per ttl
                )
                found = Renderer(data, ResponseCache(64), max_age=self._max_age, private=True)
                self._renderers[profile] = found
            return found


def chosen_profile(
    reader: Reader, profile: str | None, config_profiles: Container[str]
) -> str | None:
    """The reader's profile asked for (default: their first), or None when it is not theirs
    or not in the configuration."""
    name = profile if profile is not None else (reader.profiles[0] if reader.profiles else None)
    if name is None or name not in reader.profiles or name not in config_profiles:
        return None
    return name


FeedToken = Annotated[str, Path(min_length=16, max_length=128, description="A feed token.")]
ProfileQuery = Annotated[
    str | None,
    Query(max_length=64, description="One of the reader's profiles (default: their first)."),
]
Filters = Annotated[FeedFilters, Depends(feed_filters)]
_FEED_ERRORS: dict[int | str, dict[str, object]] = {
    404: {"model": Problem, "description": "No such feed."},
    429: {"model": Problem, "description": "Too many requests with this token."},
}


def reader_routes(directory: ReaderDirectory, limiter: TokenLimiter) -> APIRouter:
    """``/u/{feed token}/rss``, ``/atom`` and ``/feed.json``."""
    router = APIRouter()
    profiles = directory.data.config.profiles

    async def reader_feed(
        request: Request, token: str, kind: str, profile: str | None, filters: FeedFilters
    ) -> Response:
        limiter.check("feed:" + token_hash(token))
        reader = await run_in_threadpool(directory.by_feed_token, token)
        name = chosen_profile(reader, profile, profiles) if reader is not None else None
        if name is None:
            raise HTTPException(404, _NO_FEED)
        return await directory.renderer(name).feed(request, kind, filters)

    def feed_route(kind: str, what: str) -> Callable[..., Awaitable[Response]]:
        async def route(
            request: Request, token: FeedToken, filters: Filters, profile: ProfileQuery = None
        ) -> Response:
            return await reader_feed(request, token, kind, profile, filters)

        route.__doc__ = (
            f"{what} of the latest digest of one of a reader's profiles, at the reader's "
            "secret URL (for feed readers, which cannot send headers)."
        )
        route.__name__ = f"reader_{kind}"
        return route

    for path, kind, what in (
        ("rss", "rss", "RSS 2.0"),
        ("atom", "atom", "Atom 1.0"),
        ("feed.json", "json", "JSON Feed 1.1"),
    ):
        get_and_head(
            router,
            f"/u/{{token}}/{path}",
            tags=["readers"],
            responses={
                200: {
                    "description": f"{what} feed.",
                    "content": {FEED_TYPES[kind].split(";")[0]: {"schema": {"type": "string"}}},
                },
                **_FEED_ERRORS,
            },
            response_class=Response,
        )(feed_route(kind, what))

    return router
