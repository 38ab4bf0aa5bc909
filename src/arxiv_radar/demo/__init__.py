"""A real-looking announcement day shipped in the package, for ``arxiv-radar demo``.

``day.xml`` is the combined listing feed ``https://rss.arxiv.org/rss/cs.AI+cs.CL+cs.DC+cs.LG``
of Monday 27 April 2026 in rss.arxiv.org's exact RSS 2.0 format: 207 papers (97 ``new``,
66 ``cross``, 23 ``replace``, 21 ``replace-cross``) whose ids, versions, titles, abstracts,
authors and categories are real arXiv metadata. ``scripts/build_demo_day.py`` builds it from
recorded arXiv responses and says what in it is assigned rather than recorded (the date;
``v2`` for OAI records that name no version).

:func:`demo_transport` is an ``httpx`` transport that answers the feed's URL with those bytes
as rss.arxiv.org would, so the ordinary fetch code runs unchanged and offline::

    client = ArxivClient(transport=demo_transport())
    report = fetch_latest(config.arxiv, client, store, now=DEMO_NOW, catch_up=False)

Only the listing feed is served (any host, path ``/rss/<the four categories>`` in any
order); everything else is 404, so catching up earlier days through the export API fails:
pass ``catch_up=False`` (or ``days_back = 0``).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
from functools import cache
from importlib import resources

import httpx

__all__ = [
    "DEMO_BUILT_AT",
    "DEMO_CATEGORIES",
    "DEMO_DAY",
    "DEMO_NOW",
    "demo_feed_bytes",
    "demo_transport",
]

DEMO_DAY: dt.date = dt.date(2026, 4, 27)
"""The announcement date of the demo day (a Monday)."""

DEMO_CATEGORIES: tuple[str, ...] = ("cs.AI", "cs.CL", "cs.DC", "cs.LG")
"""The categories the demo feed combines (the default configuration's)."""

DEMO_BUILT_AT: dt.datetime = dt.datetime(2026, 4, 27, 4, 0, 2, tzinfo=dt.UTC)
"""When arXiv built the feed (its ``lastBuildDate``; served as ``Last-Modified``)."""

DEMO_NOW: dt.datetime = dt.datetime(2026, 4, 27, 6, 30, tzinfo=dt.UTC)
"""A moment at which the demo day is the live listing (the default schedule's 06:30 UTC)."""

_RESOURCE = "day.xml"
_FEED_PATH_PREFIX = "/rss/"
# rss.arxiv.org caches a feed until the next midnight in New York (04:00 UTC in April).
_MAX_AGE = int((dt.datetime(2026, 4, 28, 4, 0, tzinfo=dt.UTC) - DEMO_BUILT_AT).total_seconds())


@cache
def demo_feed_bytes() -> bytes:
    """The demo day's RSS document, exactly as shipped in the package."""
    return resources.files(__name__).joinpath(_RESOURCE).read_bytes()


def _etag(content: bytes) -> str:
    # arxiv-feed's ETag is the SHA-256 hex digest of the body (feed/utils.py), unquoted.
    return hashlib.sha256(content).hexdigest()


def _is_demo_feed(path: str) -> bool:
    if not path.startswith(_FEED_PATH_PREFIX):
        return False
    wanted = {category.lower() for category in DEMO_CATEGORIES}
    asked = path[len(_FEED_PATH_PREFIX) :].rstrip("/").split("+")
    return len(asked) == len(wanted) and {category.lower() for category in asked} == wanted


def _not_modified(request: httpx.Request, etag: str) -> bool:
    """True when the request's validators match the feed (``If-None-Match`` wins)."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/").strip('"') for tag in if_none_match.split(",")}
        return "*" in tags or etag in tags
    if_modified_since = request.headers.get("If-Modified-Since")
    if if_modified_since:
        try:
            since = email.utils.parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=dt.UTC)
        return since >= DEMO_BUILT_AT
    return False


def _handle(request: httpx.Request) -> httpx.Response:
    if request.method != "GET" or not _is_demo_feed(request.url.path):
        return httpx.Response(
            404,
            headers={"Content-Type": "text/plain; charset=utf-8"},
            content=b"Not Found: the demo serves only the listing feed "
            + ("/rss/" + "+".join(DEMO_CATEGORIES)).encode(),
            request=request,
        )
    content = demo_feed_bytes()
    etag = _etag(content)
    headers = {
        "ETag": etag,
        "Last-Modified": email.utils.format_datetime(DEMO_BUILT_AT, usegmt=True),
        "Cache-Control": f"max-age={_MAX_AGE}",
    }
    if _not_modified(request, etag):
        return httpx.Response(304, headers=headers, request=request)
    headers["Content-Type"] = "application/rss+xml"
    return httpx.Response(200, headers=headers, content=content, request=request)


def demo_transport() -> httpx.BaseTransport:
    """An ``httpx`` transport serving the demo day as rss.arxiv.org would.

    ``GET /rss/cs.AI+cs.CL+cs.DC+cs.LG`` (any host; the categories in any order and case)
    answers 200 with the feed, ``Content-Type: application/rss+xml``, an ``ETag``,
    ``Last-Modified`` and ``Cache-Control``; a conditional request whose validators match
    answers 304. Any other request answers 404.
    """
    return httpx.MockTransport(_handle)
