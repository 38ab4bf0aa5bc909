"""Answering from the cache, and rendering what is missing from it.

:class:`Renderer` answers a request from the :class:`~arxiv_radar.server.caching.
ResponseCache` when it can (no query, no thread hop) and otherwise renders the resource in a
worker thread from the store, with the publishing code the daily run uses: the feeds of
:mod:`arxiv_radar.publish.feeds` and the site pages of :mod:`arxiv_radar.publish.site`.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from arxiv_radar.models import Digest
from arxiv_radar.publish import feeds, site
from arxiv_radar.server.caching import CachedBody, ResponseCache, respond
from arxiv_radar.server.data import DayView, StoreData, StoreState
from arxiv_radar.server.filters import FeedFilters, filter_digest

__all__ = [
    "ASSET_TYPES",
    "FEED_TYPES",
    "Renderer",
    "get_and_head",
    "no_digest",
    "plain_paths",
    "site_pages",
]

FEED_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
}
_MEDIA_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
    "": "text/plain; charset=utf-8",  # katex/LICENSE
}
ASSET_TYPES = {name: _MEDIA_TYPES[Path(name).suffix] for name in site.asset_names()}
"""The site's static files (:func:`arxiv_radar.publish.site.asset_names`: its stylesheet,
scripts, icon and KaTeX) and their media types."""
HTML = "text/html; charset=utf-8"
JSON = "application/json"
_RENDER = {
    "rss": feeds.render_rss,
    "atom": feeds.render_atom,
    "json": feeds.render_json_feed,
}


Endpoint = Callable[..., Any]


def get_and_head(router: APIRouter, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
    """Register an endpoint for GET (documented) and HEAD (the same answer, no body)."""

    def register(endpoint: Endpoint) -> Endpoint:
        router.api_route(path, methods=["GET"], **options)(endpoint)
        router.api_route(path, methods=["HEAD"], **{**options, "include_in_schema": False})(
            endpoint
        )
        return endpoint

    return register


def no_digest(day: dt.date | None = None) -> HTTPException:
    if day is not None:
        return HTTPException(404, f"no papers announced on {day.isoformat()} in the store")
    return HTTPException(
        404, "no digest yet: the store holds no announcement (run `arxiv-radar run`)"
    )


class Renderer:
    """Cached answers for one app: feeds, site pages and any JSON document of the store."""

    def __init__(
        self,
        data: StoreData,
        cache: ResponseCache,
        *,
        max_age: int,
        feedback_api: str | None = None,
        private: bool = False,
    ) -> None:
        self.data = data
        self.feedback_api = feedback_api
        self.cache = cache
        # A reader's feeds (at a secret URL) are theirs: no shared cache keeps a copy.
        self.cache_control = f"{'private' if private else 'public'}, max-age={max_age}"
        self.asset_cache_control = f"public, max-age={max(max_age, 86400)}"

    async def answer(
        self, request: Request, key: Hashable, make: Callable[[StoreState], CachedBody]
    ) -> Response:
        """``key``'s response from the cache, made by ``make`` in a thread when missing."""
        state = self.data.fresh_state()
        if state is None:
            state = await run_in_threadpool(self.data.state)
        current: StoreState = state
        cached = self.cache.get(current, key)
        if cached is None:
            cached = await run_in_threadpool(self.cache.build, current, key, lambda: make(current))
        return respond(request, cached)

    def view(self, state: StoreState, day: dt.date | None = None) -> DayView:
        """The day's view (default: the latest day), or 404."""
        view = self.data.day_view(state, day)
        if view is None:
            raise no_digest(day)
        return view

    # -- feeds --------------------------------------------------------------------------------

    async def feed(self, request: Request, kind: str, filters: FeedFilters) -> Response:
        """The latest digest as an RSS, Atom or JSON feed (``kind``), filtered."""

        def make(state: StoreState) -> CachedBody:
            view = self.view(state)
            digest = filter_digest(view.digest, filters)
            body = _RENDER[kind](digest, category=filters.category)
            return CachedBody.make(
                body,
                FEED_TYPES[kind],
                last_modified=view.last_modified,
                cache_control=self.cache_control,
            )

        return await self.answer(request, feed_key(kind, filters), make)

    # -- site ---------------------------------------------------------------------------------

    async def page(self, request: Request, name: str, day: dt.date | None = None) -> Response:
        """A page of the site (``index.html``, ``data.json``, ``archive/index.html`` or
        ``archive/<day>.html``), rendered by :func:`arxiv_radar.publish.site.write_site`;
        with ``feedback_api``, the day pages load ``feedback.js`` (👍/👎 for a token's holder)."""

        def make(state: StoreState) -> CachedBody:
            view = self.view(state, day)
            pages = site_pages(view.digest, self.data.days(), feedback_api=self.feedback_api)
            return CachedBody.make(
                pages[name],
                JSON if name.endswith(".json") else HTML,
                last_modified=view.last_modified,
                cache_control=self.cache_control,
            )

        return await self.answer(request, page_key(name, day), make)

    async def asset(self, request: Request, name: str) -> Response:
        """One of the site's static files (by its fixed name; anything else is 404)."""
        if name not in ASSET_TYPES:
            raise HTTPException(404, "no such asset")

        def make(_: StoreState) -> CachedBody:
            body = site.asset_bytes(name)
            return CachedBody.make(
                body,
                ASSET_TYPES[name],
                last_modified=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                cache_control=self.asset_cache_control,
            )

        return await self.answer(request, asset_key(name), make)


def feed_key(kind: str, filters: FeedFilters) -> Hashable:
    return ("feed", kind, filters.key)


def page_key(name: str, day: dt.date | None = None) -> Hashable:
    return ("site", name, day)


def asset_key(name: str) -> Hashable:
    return ("asset", name)


def plain_paths(categories: Sequence[str]) -> dict[str, Hashable]:
    """The cache key of every path that, without a query string, is one cached response:
    what :class:`~arxiv_radar.server.fastpath.CachedPaths` may answer before routing."""
    everything = FeedFilters()
    paths: dict[str, Hashable] = {
        "/": page_key("index.html"),
        "/index.html": page_key("index.html"),
        "/data.json": page_key("data.json"),
        "/archive/index.html": page_key("archive/index.html"),
        "/rss": feed_key("rss", everything),
        "/atom": feed_key("atom", everything),
        "/feed.json": feed_key("json", everything),
        "/feeds/rss.xml": feed_key("rss", everything),
        "/feeds/atom.xml": feed_key("atom", everything),
        "/feeds/feed.json": feed_key("json", everything),
    }
    for category in categories:
        key = feed_key("rss", FeedFilters(category=category))
        paths[f"/rss/{category}"] = paths[f"/feeds/{category}.xml"] = key
    for name in ASSET_TYPES:
        paths[f"/assets/{name}"] = asset_key(name)
    return paths


def site_pages(
    digest: Digest, days: list[dt.date], *, feedback_api: str | None = None
) -> dict[str, bytes]:
    """The site's pages for ``digest``, its archive listing ``days``, rendered by
    :func:`~arxiv_radar.publish.site.write_site` into a temporary folder (``feedback_api``:
    the feedback endpoint its day pages post to, see ``write_site``).

    ``write_site`` lists the days whose pages are in ``archive/``: the other days get an
    empty placeholder there, so the archive index links every day the server can show.
    """
    with tempfile.TemporaryDirectory(prefix="arxiv-radar-site-") as temporary:
        folder = Path(temporary)
        archive = folder / "archive"
        archive.mkdir()
        for day in days:
            if day < digest.announced_on:
                (archive / f"{day.isoformat()}.html").touch()
        written = site.write_site(digest, folder, feedback_api=feedback_api)
        day_page = f"archive/{digest.announced_on.isoformat()}.html"
        pages = {day_page: (folder / day_page).read_bytes()}
        pages["archive/index.html"] = (archive / "index.html").read_bytes()
        if written.front_page == digest.announced_on:
            pages["index.html"] = (folder / "index.html").read_bytes()
            pages["data.json"] = (folder / "data.json").read_bytes()
    return pages
