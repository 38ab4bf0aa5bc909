"""The demo day shipped in the package, for ``arxiv-radar demo``: real arXiv records shown as
if announced on one day.

``day.xml`` is a listing feed in rss.arxiv.org's exact RSS 2.0 format (the combined feed
``https://rss.arxiv.org/rss/cs.AI+cs.CL+cs.DC+cs.LG``) **assembled** by
``scripts/build_demo_day.py`` from recorded arXiv responses: 34 real records of cs.AI, cs.CL,
cs.DC and cs.LG (7 ``new``, 17 ``cross``, 4 ``replace``, 6 ``replace-cross``), first
submitted between 2017 and 2026, each with its true id, version, title, abstract, authors and
categories, and listed on Monday 27 April 2026. Only three of them (2604.21935, 2604.21936,
2604.21937) were really announced that day; for the others the date is the demo's
presentation, said in every page the demo writes (:data:`DEMO_NOTICE`). Each record's
announce type is the one arXiv's listing gives its version in those categories.

``records.json`` keeps what a listing feed cannot carry: each record's source, submission
times (``published``: v1; ``updated``: this version) and comment. :func:`seed_store` stores
them before the demo reads the feed (the store merges the two, docs/store.md), so BibTeX and
the JSON exports give each paper its true dates.

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
import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from arxiv_radar.config import Config
    from arxiv_radar.models import IngestCounts, Paper
    from arxiv_radar.store import Store

__all__ = [
    "DEMO_BUILT_AT",
    "DEMO_CATEGORIES",
    "DEMO_DAY",
    "DEMO_DESCRIPTION",
    "DEMO_NOTICE",
    "DEMO_NOW",
    "DEMO_PAPERS",
    "demo_config",
    "demo_feed_bytes",
    "demo_papers",
    "demo_records",
    "demo_transport",
    "seed_store",
]

DEMO_DAY: dt.date = dt.date(2026, 4, 27)
"""The date the demo day is shown as announced on (a Monday; the real date of three items)."""

DEMO_CATEGORIES: tuple[str, ...] = ("cs.AI", "cs.CL", "cs.DC", "cs.LG")
"""The categories the demo follows (the default configuration's): each has papers in the
demo's digest and in its category feed."""

DEMO_PAPERS = 34
"""How many records the demo day lists."""

DEMO_NOTICE = (
    "Demo day: 34 real arXiv records of cs.AI, cs.CL, cs.DC and cs.LG, first submitted "
    "2017–2026, shown as if announced on Monday 27 April 2026; only 3 of them were announced "
    "that day. Ids, versions, titles, authors, abstracts and categories are arXiv's; each "
    "record's announce type is the one arXiv's listing gives its version."
)
"""What the demo day is, in one paragraph: the notice of the demo's digest, site and README."""

DEMO_DESCRIPTION = (
    "arxiv-radar's demo: real arXiv records shown as if announced on 27 April 2026, ranked "
    "by the default keywords and by meaning (hybrid), with extractive summaries."
)
"""The demo digest's description (its feeds' description too)."""

DEMO_BUILT_AT: dt.datetime = dt.datetime(2026, 4, 27, 4, 0, 2, tzinfo=dt.UTC)
"""The feed's ``lastBuildDate`` (served as ``Last-Modified``)."""

DEMO_NOW: dt.datetime = dt.datetime(2026, 4, 27, 6, 30, tzinfo=dt.UTC)
"""A moment at which the demo day is the live listing (the default schedule's 06:30 UTC)."""

_RESOURCE = "day.xml"
_RECORDS = "records.json"
_FEED_PATH_PREFIX = "/rss/"
# rss.arxiv.org caches a feed until the next midnight in New York (04:00 UTC in April).
_MAX_AGE = int((dt.datetime(2026, 4, 28, 4, 0, tzinfo=dt.UTC) - DEMO_BUILT_AT).total_seconds())


@cache
def demo_feed_bytes() -> bytes:
    """The demo day's RSS document, exactly as shipped in the package."""
    return resources.files(__name__).joinpath(_RESOURCE).read_bytes()


@cache
def demo_records() -> dict[str, dict[str, Any]]:
    """``records.json``'s records by arXiv id: ``version``, ``source`` (the recorded file),
    ``published``, ``updated``, ``comment`` and ``announced_on_shown_date``."""
    document = json.loads(resources.files(__name__).joinpath(_RECORDS).read_bytes())
    records: dict[str, dict[str, Any]] = document["records"]
    return records


def _time(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


def demo_papers() -> tuple[Paper, ...]:
    """The demo day's papers as their sources record them: the feed's items with the
    submission times and comment of ``records.json`` (None where the source gives none)."""
    from arxiv_radar.arxiv.rss import parse_listing

    records = demo_records()
    papers = []
    for entry in parse_listing(demo_feed_bytes()).entries:
        record = records[entry.paper.arxiv_id]
        papers.append(
            entry.paper.model_copy(
                update={
                    "published": _time(record["published"]),
                    "updated": _time(record["updated"]),
                    "comment": record["comment"],
                }
            )
        )
    return tuple(papers)


def seed_store(store: Store) -> IngestCounts:
    """Store the demo's papers with their recorded dates and comments, before the demo day's
    feed is read: the feed's items then merge into them (the same version keeps the dates
    the feed lacks), as a paper looked up through the export API and later listed does."""
    return store.upsert_papers(demo_papers())


DEMO_INTERESTS = (
    "Testing machine-learning systems: metamorphic testing, fuzzing and test generation for "
    "deep learning models.",
    "Simulation-based testing of autonomous driving and other cyber-physical systems.",
)
"""What the demo's reader works on: with them the demo ranks in ``hybrid`` mode."""

DEMO_CONFIG_NAME = "arxiv-radar-demo.toml"
"""The demo's configuration, written beside its store so that ``rank`` and ``serve`` see
the demo's day as the demo ranked it."""


def demo_config_text() -> str:
    """The demo's configuration as a TOML file: the default one (categories, keywords,
    schedule) with the demo reader's interests (so ``hybrid`` ranking), extractive summaries
    (no API key) and the demo's title and description."""
    interests = "".join(f"    {json.dumps(sentence)},\n" for sentence in DEMO_INTERESTS)
    return (
        "# arxiv-radar's demo configuration, written by `arxiv-radar demo`: the default one,\n"
        "# with a reader's interests (so the hybrid ranking mode) and extractive summaries.\n"
        "# `arxiv-radar demo` prints the commands that explore the demo with it.\n"
        "\n[profiles.default]\n"
        "# What the reader works on, in their own words; the default keywords still count.\n"
        f"interests = [\n{interests}]\n"
        '\n[summaries]\nprovider = "extractive"\n'
        f"\n[publish]\ntitle = {json.dumps('arXiv Radar 📡 demo', ensure_ascii=False)}\n"
        f"description = {json.dumps(DEMO_DESCRIPTION, ensure_ascii=False)}\n"
    )


def demo_config() -> Config:
    """The configuration ``arxiv-radar demo`` runs with (:func:`demo_config_text`)."""
    import tomllib

    from arxiv_radar.config import Config

    return Config.model_validate(tomllib.loads(demo_config_text()))


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
