"""rss.arxiv.org listing feeds: the daily path, one request for every followed category.

Long on purpose: one feed format, whose error pages, item checks and fields are read together.

arXiv combines categories with ``+`` in one feed URL
(``https://rss.arxiv.org/rss/cs.AI+cs.CL+cs.LG``); each paper appears once, with the
strongest of its announce types (new > cross > replace > replace-cross). A combined
feed holds at most :data:`MAX_FEED_RESULTS` (2000) items; arXiv drops the rest
silently, so a feed that returns exactly that many is reported as possibly truncated.

The RSS 2.0 format (arXiv/arxiv-feed, ``feed/serializers``)::

    <item>
      <title>...</title>
      <link>https://arxiv.org/abs/<id></link>
      <description>arXiv:<id>v<n> Announce Type: <type> \\nAbstract: <abstract></description>
      <guid isPermaLink="false">oai:arXiv.org:<id>v<n></guid>
      <category>primary</category> <category>other</category> ...
      <pubDate>Mon, 27 Apr 2026 00:00:00 -0400</pubDate>
      <arxiv:announce_type>new|cross|replace|replace-cross</arxiv:announce_type>
      <dc:rights>licence URL</dc:rights>
      <arxiv:DOI>...</arxiv:DOI>                       (optional)
      <arxiv:journal_reference>...</arxiv:journal_reference>   (optional)
      <dc:creator>First Last, First Last (Affiliation), ...</dc:creator>
    </item>

The channel ``pubDate`` is the feed's date (midnight America/New_York); a feed with no
items (weekends, holidays) is a normal result. An invalid category makes arXiv answer
HTTP 400 with a channel titled ``Feed error for query: ...``; that, an HTML page or
broken XML raises :class:`ArxivParseError`. A single malformed item is skipped and
reported in :attr:`Listing.skipped`, never fatal.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import re
from collections.abc import Sequence
from typing import NamedTuple

import httpx
from lxml import etree

from arxiv_radar.arxiv.calendar import ET
from arxiv_radar.arxiv.http import ArxivClient
from arxiv_radar.arxiv.ids import InvalidArxivId, parse_arxiv_id
from arxiv_radar.errors import ArxivHTTPError, ArxivParseError
from arxiv_radar.models import (
    Announcement,
    AnnounceType,
    Listing,
    ListingEntry,
    Paper,
    SkippedItem,
)

__all__ = [
    "DEFAULT_RSS_URL",
    "MAX_FEED_RESULTS",
    "DescriptionParts",
    "FetchedListing",
    "feed_url",
    "fetch_listing",
    "parse_description",
    "parse_listing",
    "split_authors",
]

logger = logging.getLogger(__name__)

DEFAULT_RSS_URL = "https://rss.arxiv.org/rss"

MAX_FEED_RESULTS = 2000
"""arXiv returns at most this many items for one (combined) feed."""

ARXIV_NS = "http://arxiv.org/schemas/atom"
DC_NS = "http://purl.org/dc/elements/1.1/"

_TAG_ANNOUNCE_TYPE = f"{{{ARXIV_NS}}}announce_type"
_TAG_DOI = f"{{{ARXIV_NS}}}DOI"
_TAG_JOURNAL_REF = f"{{{ARXIV_NS}}}journal_reference"
_TAG_CREATOR = f"{{{DC_NS}}}creator"
_TAG_RIGHTS = f"{{{DC_NS}}}rights"

_DESCRIPTION_HEAD = re.compile(r"\s*arXiv:(?P<id>\S+)\s+Announce Type:[ \t]*(?P<type>\S+)")
_ABSTRACT_LABEL = re.compile(r"\s*Abstract:")
_GUID = re.compile(r"\s*oai:arXiv\.org:(?P<id>\S+)\s*\Z", re.IGNORECASE)
_HTML_START = re.compile(
    rb"(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b",
    re.IGNORECASE | re.DOTALL,
)
_HTML_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.I | re.S)
_FEED_ERROR = "Feed error for query"
_BAD_SUBJECT = re.compile(r"Bad subject class '([^']*)'")
_BAD_ARCHIVE = re.compile(r"Bad archive '([^']*)'")
_BAD_STRUCTURE = re.compile(r"Bad archive/subject class structure '([^']*)'")
_ANNOUNCE_TYPES = {member.value: member for member in AnnounceType}


class FetchedListing(NamedTuple):
    """What :func:`fetch_listing` read: the parsed listing and the HTTP response.

    Store the listing first, then call ``client.remember(fetched.response)`` so the
    next conditional request can be answered 304. Unpacks as ``listing, response``.
    """

    listing: Listing
    response: httpx.Response


class DescriptionParts(NamedTuple):
    """The pieces of an item's ``<description>``; ``None`` where the prefix is missing."""

    versioned_id: str | None
    announce_type: str | None
    abstract: str


def feed_url(base_url: str, categories: Sequence[str]) -> str:
    """The URL of the combined feed of ``categories``, e.g. ``.../rss/cs.AI+cs.CL``.

    Categories keep their order and case; arXiv accepts archives (``cs``) and subject
    classes (``cs.AI``). A combined feed is limited to :data:`MAX_FEED_RESULTS` items.
    """
    names = [category.strip() for category in categories]
    if not names:
        raise ValueError("at least one category is needed for a listing feed")
    for name in names:
        if not name or any(char.isspace() or char in "+/?#&" for char in name):
            raise ValueError(f"'{name}' is not a category name (e.g. cs.AI or hep-th)")
    return base_url.rstrip("/") + "/" + "+".join(names)


def fetch_listing(
    client: ArxivClient,
    base_url: str,
    categories: Sequence[str],
    *,
    conditional: bool = True,
    feed: str = "rss",
) -> FetchedListing:
    """GET the combined feed of ``categories`` (one request) and parse it.

    With ``conditional`` the validators remembered for this URL are sent; a 304 gives
    ``Listing(announced_on=None, not_modified=True)``. Validators are *not* remembered
    here: the caller calls ``client.remember(fetched.response)`` once the listing is
    stored. An invalid category raises :class:`ArxivParseError` naming it.
    """
    url = feed_url(base_url, categories)
    response = client.get(url, conditional=conditional, allow_status=(400,))
    if response.status_code == 304:
        return FetchedListing(Listing(announced_on=None, not_modified=True), response)
    if response.status_code == 400:
        message = _feed_error_message(response.content)
        if message is None:
            raise ArxivHTTPError(
                f"arXiv answered HTTP 400 {response.reason_phrase}", url=url, status=400
            )
        raise ArxivParseError(message, url=url)
    try:
        listing = parse_listing(response.content, feed=feed)
    except ArxivParseError as error:
        raise ArxivParseError(str(error), url=url) from error
    if len(listing.entries) + len(listing.skipped) >= MAX_FEED_RESULTS:
        logger.warning(
            "the feed %s returned %d items, arXiv's limit for one feed: some papers may be "
            "missing; follow fewer or narrower categories",
            url,
            MAX_FEED_RESULTS,
        )
    return FetchedListing(listing, response)


def parse_listing(content: bytes, *, feed: str = "rss") -> Listing:
    """Parse an rss.arxiv.org RSS 2.0 document into a :class:`Listing`.

    ``feed`` is recorded in each :class:`Announcement` as its source. Raises
    :class:`ArxivParseError` for anything that is not such a feed.
    """
    channel = _channel(content)
    channel_date = _date_or_none(channel.findtext("pubDate"))
    entries: list[ListingEntry] = []
    skipped: list[SkippedItem] = []
    dates: dict[str, dt.date | None] = {}
    for item in channel.iterfind("item"):
        result = _parse_item(item, feed=feed, channel_date=channel_date, dates=dates)
        if isinstance(result, SkippedItem):
            skipped.append(result)
        else:
            entries.append(result)
    if skipped:
        logger.warning("skipped %d malformed feed items: %s", len(skipped), skipped[0].reason)
    announced_on = channel_date
    if announced_on is None and entries:
        announced_on = entries[0].announcement.announced_on
    return Listing(announced_on=announced_on, entries=tuple(entries), skipped=tuple(skipped))


def parse_description(text: str) -> DescriptionParts:
    """Split ``arXiv:<id>v<n> Announce Type: <type> \\nAbstract: <abstract>``.

    The abstract is everything after the first ``Abstract:`` label, line breaks
    included, stripped of surrounding whitespace. Text without arXiv's prefix is
    returned whole as the abstract.
    """
    head = _DESCRIPTION_HEAD.match(text)
    if head is None:
        return DescriptionParts(None, None, text.strip())
    rest = text[head.end() :]
    label = _ABSTRACT_LABEL.match(rest)
    if label is not None:
        rest = rest[label.end() :]
    return DescriptionParts(head["id"], head["type"], rest.strip())


def split_authors(creator: str | None) -> tuple[str, ...]:
    """Author names from ``<dc:creator>``, in order.

    arXiv joins ``First Last`` names with ``", "`` (never "and") and writes an author's
    affiliations in parentheses after the name, separated by commas too:
    ``A One (MIT, Harvard), B Two``. Commas inside parentheses do not split, and the
    trailing affiliation group is dropped, so names match those of the export API
    and OAI-PMH (``A One``, ``B Two``). Whitespace is collapsed; empty names are dropped.
    """
    if not creator:
        return ()
    if "(" not in creator:
        parts = creator.split(",")
    else:
        parts = []
        depth = 0
        start = 0
        for index, char in enumerate(creator):
            if char == "(":
                depth += 1
            elif char == ")":
                depth = max(0, depth - 1)
            elif char == "," and depth == 0:
                parts.append(creator[start:index])
                start = index + 1
        parts.append(creator[start:])
    names = (" ".join(_without_affiliation(part).split()) for part in parts)
    return tuple(name for name in names if name)


def _without_affiliation(name: str) -> str:
    """``First Last (Affiliation, Other)`` -> ``First Last``; other names unchanged."""
    name = name.strip()
    if not name.endswith(")"):
        return name
    depth = 0
    for index in range(len(name) - 1, -1, -1):
        if name[index] == ")":
            depth += 1
        elif name[index] == "(":
            depth -= 1
            if depth == 0:
                return name[:index].strip() or name
    return name


# -- internals -----------------------------------------------------------------------


def _parser() -> etree.XMLParser:
    # A parser per document: lxml parsers must not be shared between threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        load_dtd=False,
    )


def _channel(content: bytes) -> etree._Element:
    if not content or not content.strip():
        raise ArxivParseError("arXiv sent an empty response instead of an RSS feed")
    if _HTML_START.match(content[:4096]):
        raise ArxivParseError(
            f"arXiv sent an HTML page instead of an RSS feed{_html_title(content)}"
        )
    try:
        root = etree.fromstring(content, _parser())
    except etree.XMLSyntaxError as error:
        raise ArxivParseError(
            f"arXiv sent a truncated or malformed RSS feed (XML error: {error})"
        ) from error
    tag = root.tag if isinstance(root.tag, str) else ""
    local = etree.QName(root).localname if tag else ""
    if local == "html":
        raise ArxivParseError(
            f"arXiv sent an HTML page instead of an RSS feed{_html_title(content)}"
        )
    if local == "feed":
        raise ArxivParseError("arXiv sent an Atom feed where an RSS 2.0 feed was expected")
    if tag != "rss":
        raise ArxivParseError(f"arXiv sent a <{local or '?'}> document, not an RSS feed")
    channel = root.find("channel")
    if channel is None:
        raise ArxivParseError("the RSS feed from arXiv has no <channel>")
    message = _feed_error_text(channel)
    if message is not None:
        raise ArxivParseError(message)
    return channel


def _html_title(content: bytes) -> str:
    match = _HTML_TITLE.search(content[:65536])
    if not match:
        return ""
    title = " ".join(match[1].decode("utf-8", "replace").split())
    return f" (page title: {title[:120]!r})" if title else ""


def _feed_error_message(content: bytes) -> str | None:
    """The message of arXiv's "Feed error" channel, or ``None`` if it is not one."""
    try:
        root = etree.fromstring(content, _parser())
    except etree.XMLSyntaxError:
        return None
    channel = root.find("channel") if root.tag == "rss" else None
    return None if channel is None else _feed_error_text(channel)


def _feed_error_text(channel: etree._Element) -> str | None:
    title = " ".join((channel.findtext("title") or "").split())
    if not title.startswith(_FEED_ERROR):
        return None
    detail = " ".join((channel.findtext("description") or "").split())
    query = title[len(_FEED_ERROR) :].lstrip(": ").rstrip("/").rsplit("/", 1)[-1]
    rejected = _rejected_category(query, detail)
    if len(detail) > 400:
        detail = detail[:400] + "..."
    if rejected:
        return f"arXiv rejected the category '{rejected}' in the feed '{query}': {detail or title}"
    return f"arXiv rejected the feed query '{query}': {detail or title}"


def _rejected_category(query: str, detail: str) -> str | None:
    categories = [part for part in query.split("+") if part]
    if match := _BAD_STRUCTURE.search(detail):
        return match[1]
    if match := _BAD_SUBJECT.search(detail):
        subject = match[1].lower()
        for category in categories:
            if "." in category and category.split(".", 1)[1].lower() == subject:
                return category
    if match := _BAD_ARCHIVE.search(detail):
        archive = match[1].lower()
        for category in categories:
            if category.split(".", 1)[0].lower() == archive:
                return category
    return categories[0] if len(categories) == 1 else None


def _date_or_none(text: str | None) -> dt.date | None:
    if not text or not text.strip():
        return None
    try:
        moment = email.utils.parsedate_to_datetime(text.strip())
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        # OverflowError: a date at the edge of the calendar (31 Dec 9999 -0500) moved to ET.
        return moment.astimezone(ET).date()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _parse_item(
    item: etree._Element,
    *,
    feed: str,
    channel_date: dt.date | None,
    dates: dict[str, dt.date | None],
) -> ListingEntry | SkippedItem:
    title = link = description = guid = pub_date = announce_text = None
    creator = rights = doi = journal_ref = None
    categories: list[str] = []
    for child in item:
        tag = child.tag
        text = child.text
        if tag == "category":
            name = (text or "").strip()
            if name and name not in categories:
                categories.append(name)
        elif tag == "title":
            title = text
        elif tag == "description":
            description = text
        elif tag == "guid":
            guid = text
        elif tag == "link":
            link = text
        elif tag == "pubDate":
            pub_date = text
        elif tag == _TAG_ANNOUNCE_TYPE:
            announce_text = text
        elif tag == _TAG_CREATOR:
            creator = text
        elif tag == _TAG_RIGHTS:
            rights = text
        elif tag == _TAG_DOI:
            doi = text
        elif tag == _TAG_JOURNAL_REF:
            journal_ref = text

    parts = parse_description(description or "")
    label = (guid or "").strip() or parts.versioned_id or (link or "").strip() or None
    identity = _identity(guid, parts.versioned_id, link)
    if isinstance(identity, str):
        return SkippedItem(reason=identity, identifier=label)
    arxiv_id, found_version = identity

    clean_title = " ".join((title or "").split())
    if not clean_title:
        return SkippedItem(reason="item has no title", identifier=label)

    type_text = (announce_text or "").strip() or parts.announce_type
    if not type_text:
        return SkippedItem(reason="item has no announce type", identifier=label)
    announce_type = _ANNOUNCE_TYPES.get(type_text)
    if announce_type is None:
        return SkippedItem(reason=f"unknown announce type '{type_text}'", identifier=label)
    if found_version is not None:
        version = found_version
    elif announce_type is AnnounceType.NEW:
        version = 1  # a new paper is always its first version
    else:
        return SkippedItem(
            reason=f"item {arxiv_id} has no version in its guid or description", identifier=label
        )

    if pub_date is None or not pub_date.strip():
        announced_on = channel_date
        if announced_on is None:
            return SkippedItem(reason="item has no pubDate", identifier=label)
    else:
        if pub_date not in dates:
            dates[pub_date] = _date_or_none(pub_date)
        announced_on = dates[pub_date]
        if announced_on is None:
            return SkippedItem(reason=f"unreadable pubDate '{pub_date.strip()}'", identifier=label)

    paper = Paper(
        arxiv_id=arxiv_id,
        version=version,
        title=clean_title,
        abstract=parts.abstract,
        authors=split_authors(creator),
        categories=tuple(categories),
        # arXiv writes a paper's categories primary first (arxiv-feed builds them from
        # arXiv_metadata.abs_categories.split(" "), whose first entry arXiv's own
        # listing code takes as the primary category).
        primary_category=categories[0] if categories else None,
        journal_ref=_clean(journal_ref),
        doi=_clean(doi),
        license=_clean(rights),
    )
    announcement = Announcement(
        arxiv_id=arxiv_id,
        version=version,
        announced_on=announced_on,
        announce_type=announce_type,
        feed=feed,
    )
    return ListingEntry(paper=paper, announcement=announcement)


def _identity(
    guid: str | None, described: str | None, link: str | None
) -> tuple[str, int | None] | str:
    """``(id, version)`` from the guid, else the description, else the link; or a reason.

    The link (``https://arxiv.org/abs/<id>``) carries no version: ``None`` then.
    """
    candidates: list[str] = []
    if guid and (match := _GUID.match(guid)):
        candidates.append(match["id"])
    if described:
        candidates.append(described)
    if link and link.strip():
        candidates.append(link.strip())
    if not candidates:
        return "item has no arXiv id (no guid, description prefix or link)"
    base: str | None = None
    problem = ""
    for candidate in candidates:
        try:
            parsed = parse_arxiv_id(candidate)
        except InvalidArxivId as error:
            problem = problem or str(error)
            continue
        if base is not None and parsed.base != base:
            continue
        if parsed.version is not None:
            return parsed.base, parsed.version
        base = parsed.base
    if base is not None:
        return base, None
    return f"item has an invalid arXiv id: {problem}"


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = " ".join(text.split())
    return cleaned or None
