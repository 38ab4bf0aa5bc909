"""Routes of the feeds and the site: ``/``, ``/rss``, ``/atom``, ``/feed.json``, ...

Every route answers from the response cache with ETag, Last-Modified, Cache-Control and
gzip, and accepts ``HEAD``. The feeds are also served under the paths the published site
uses (``/feeds/rss.xml``, ``/feeds/cs.AI.xml``, ...), so ``publish.base_url`` may point at
the server and the feeds' self links resolve.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path
from starlette.requests import Request
from starlette.responses import Response

from arxiv_radar.server.filters import FeedFilters, feed_filters
from arxiv_radar.server.render import ASSET_TYPES, FEED_TYPES, HTML, Renderer, get_and_head
from arxiv_radar.server.schemas import Problem

__all__ = ["feed_routes"]

Filters = Annotated[FeedFilters, Depends(feed_filters)]


def _content(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    kind = "object" if media_type.split(";")[0].endswith("json") else "string"
    return {
        200: {
            "description": description,
            "content": {media_type.split(";")[0]: {"schema": {"type": kind}}},
        },
        304: {"description": "Not modified (the client's ETag or date is current)."},
        404: {"model": Problem, "description": "No digest in the store yet."},
    }


_RSS = _content(FEED_TYPES["rss"], "RSS 2.0 of the latest digest.")
_ATOM = _content(FEED_TYPES["atom"], "Atom 1.0 of the latest digest.")
_JSON_FEED = _content(FEED_TYPES["json"], "JSON Feed 1.1 of the latest digest.")
_PAGE = _content(HTML, "The latest digest as a web page.")


def feed_routes(renderer: Renderer, categories: Sequence[str]) -> APIRouter:
    """The feed and site routes; ``/rss/{category}`` serves the configured ``categories``."""
    router = APIRouter()
    known = {category.lower(): category for category in categories}

    def configured(category: str) -> str:
        found = known.get(category.lower())
        if found is None:
            raise HTTPException(
                404, f"not a category this server follows (it follows {', '.join(categories)})"
            )
        return found

    @get_and_head(router, "/", tags=["site"], responses=_PAGE, response_class=Response)
    async def latest_page(request: Request) -> Response:
        """The latest digest as a web page (the published site's ``index.html``)."""
        return await renderer.page(request, "index.html")

    @get_and_head(router, "/index.html", tags=["site"], responses=_PAGE, response_class=Response)
    async def index_html(request: Request) -> Response:
        """The same page as ``/`` (the site's own links point here)."""
        return await renderer.page(request, "index.html")

    @get_and_head(
        router,
        "/data.json",
        tags=["site"],
        responses=_content("application/json", "The site's data.json."),
        response_class=Response,
    )
    async def site_data(request: Request) -> Response:
        """The latest day's papers as the site's ``data.json``."""
        return await renderer.page(request, "data.json")

    @get_and_head(
        router,
        "/archive/index.html",
        tags=["site"],
        responses=_content(HTML, "Every day in the store."),
        response_class=Response,
    )
    async def archive_index(request: Request) -> Response:
        """Every announcement day in the store, newest first."""
        return await renderer.page(request, "archive/index.html")

    @get_and_head(
        router,
        "/archive/{day}.html",
        tags=["site"],
        responses=_content(HTML, "One day's digest page."),
        response_class=Response,
    )
    async def archive_day(request: Request, day: dt.date) -> Response:
        """One announcement day's digest page."""
        return await renderer.page(request, f"archive/{day.isoformat()}.html", day)

    @get_and_head(
        router,
        "/assets/{name:path}",
        tags=["site"],
        responses={200: {"description": "A static file of the site."}, 404: {"model": Problem}},
        response_class=Response,
    )
    async def asset(
        request: Request,
        name: Annotated[str, Path(max_length=64, description=", ".join(ASSET_TYPES))],
    ) -> Response:
        """The site's stylesheet, scripts, icon and KaTeX (its script, stylesheet and fonts)."""
        return await renderer.asset(request, name)

    @get_and_head(router, "/rss", tags=["feeds"], responses=_RSS, response_class=Response)
    async def rss(request: Request, filters: Filters) -> Response:
        """RSS 2.0 of the latest digest, best ranked first."""
        return await renderer.feed(request, "rss", filters)

    @get_and_head(router, "/atom", tags=["feeds"], responses=_ATOM, response_class=Response)
    async def atom(request: Request, filters: Filters) -> Response:
        """Atom 1.0 of the latest digest."""
        return await renderer.feed(request, "atom", filters)

    @get_and_head(
        router, "/feed.json", tags=["feeds"], responses=_JSON_FEED, response_class=Response
    )
    async def json_feed(request: Request, filters: Filters) -> Response:
        """JSON Feed 1.1 of the latest digest."""
        return await renderer.feed(request, "json", filters)

    @get_and_head(
        router, "/rss/{category}", tags=["feeds"], responses=_RSS, response_class=Response
    )
    async def category_rss(
        request: Request,
        category: Annotated[str, Path(max_length=32, examples=["cs.AI"])],
        filters: Filters,
    ) -> Response:
        """RSS 2.0 of the latest digest's papers in one configured category (others: 404)."""
        chosen = replace(filters, category=configured(category))
        return await renderer.feed(request, "rss", chosen)

    # The published site's paths, so feeds' self links work against the server.
    @get_and_head(router, "/feeds/rss.xml", include_in_schema=False)
    async def rss_file(request: Request, filters: Filters) -> Response:
        return await renderer.feed(request, "rss", filters)

    @get_and_head(router, "/feeds/atom.xml", include_in_schema=False)
    async def atom_file(request: Request, filters: Filters) -> Response:
        return await renderer.feed(request, "atom", filters)

    @get_and_head(router, "/feeds/feed.json", include_in_schema=False)
    async def json_feed_file(request: Request, filters: Filters) -> Response:
        return await renderer.feed(request, "json", filters)

    @get_and_head(router, "/feeds/{category}.xml", include_in_schema=False)
    async def category_file(request: Request, category: str, filters: Filters) -> Response:
        chosen = replace(filters, category=configured(category))
        return await renderer.feed(request, "rss", chosen)

    return router
