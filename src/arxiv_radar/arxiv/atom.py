"""The export API's Atom responses, parsed: one response -> an :class:`ApiPage` of papers.

:func:`parse_feed` turns the raw bytes of one ``export.arxiv.org/api/query`` response into an
:class:`ApiPage` of :class:`Paper` values. An error feed (one ``<entry>`` whose id is under
``/api/errors``, title ``Error``) raises :class:`ArxivAPIError` with arXiv's own message; a
document that is not an Atom feed raises :class:`ArxivParseError`; an entry that cannot be read
is skipped and reported in ``ApiPage.skipped``, never allowed to sink the page. Requests are
made by :mod:`~arxiv_radar.arxiv.api`; text is normalised by :mod:`~arxiv_radar.arxiv.normalize`.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from lxml import etree
from pydantic import ValidationError

from arxiv_radar.arxiv.ids import InvalidArxivId, parse_arxiv_id
from arxiv_radar.arxiv.normalize import collapse_whitespace, normalize_abstract, parse_datetime
from arxiv_radar.errors import ArxivAPIError, ArxivParseError
from arxiv_radar.models import Paper, SkippedItem

__all__ = ["ApiPage", "parse_feed"]

logger = logging.getLogger(__name__)

_ATOM = "http://www.w3.org/2005/Atom"
_ARXIV = "http://arxiv.org/schemas/atom"
_OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
_FEED = f"{{{_ATOM}}}feed"
_ENTRY = f"{{{_ATOM}}}entry"
_ID = f"{{{_ATOM}}}id"
_TITLE = f"{{{_ATOM}}}title"
_SUMMARY = f"{{{_ATOM}}}summary"
_AUTHOR_NAME = f"{{{_ATOM}}}author/{{{_ATOM}}}name"
_CATEGORY = f"{{{_ATOM}}}category"
_PUBLISHED = f"{{{_ATOM}}}published"
_UPDATED = f"{{{_ATOM}}}updated"
_PRIMARY = f"{{{_ARXIV}}}primary_category"
_COMMENT = f"{{{_ARXIV}}}comment"
_JOURNAL_REF = f"{{{_ARXIV}}}journal_ref"
_DOI = f"{{{_ARXIV}}}doi"
_ERROR_AUTHOR = "arXiv api core"


def _optional(text: str | None) -> str | None:
    return collapse_whitespace(text) or None


@dataclass(frozen=True, slots=True)
class ApiPage:
    """One response of the export API.

    ``total_results`` is how many results the whole query has; ``start_index`` and
    ``items_per_page`` echo the slice asked for. ``skipped`` lists entries that could not
    be read (their count is part of the slice: the next page starts after them).
    """

    total_results: int
    start_index: int
    items_per_page: int
    papers: tuple[Paper, ...]
    skipped: tuple[SkippedItem, ...] = ()

    @property
    def entry_count(self) -> int:
        """Entries in this response, read or skipped."""
        return len(self.papers) + len(self.skipped)


class _BadEntry(ValueError):
    """An entry that cannot become a Paper."""


def _xml_root(content: bytes, url: str | None) -> etree._Element:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as error:
        raise ArxivParseError(
            f"the export API answered with something that is not XML ({error})", url=url
        ) from error
    if root is None:  # pragma: no cover - lxml raises instead for every input seen so far
        raise ArxivParseError("the export API answered with an empty document", url=url)
    return root


def _local_name(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else str(tag)


def _int_field(feed: etree._Element, name: str, default: int, url: str | None) -> int:
    text = feed.findtext(f"{{{_OPENSEARCH}}}{name}")
    if text is None or not text.strip():
        return default
    try:
        return int(text.strip())
    except ValueError as error:
        raise ArxivParseError(f"opensearch:{name} is not a number: {text!r}", url=url) from error


def _error_message(entry: etree._Element) -> str | None:
    """arXiv's message if ``entry`` is the single entry of an error feed, else None."""
    entry_id = entry.findtext(_ID) or ""
    title = collapse_whitespace(entry.findtext(_TITLE))
    authors = [collapse_whitespace(name.text) for name in entry.iterfind(_AUTHOR_NAME)]
    if "/api/errors" in entry_id or (title == "Error" and _ERROR_AUTHOR in authors):
        return collapse_whitespace(entry.findtext(_SUMMARY)) or "no message given"
    return None


def _dates(entry: etree._Element) -> tuple[dt.datetime | None, dt.datetime | None]:
    values: list[dt.datetime | None] = []
    for tag in (_PUBLISHED, _UPDATED):
        text = entry.findtext(tag)
        if text is None or not text.strip():
            values.append(None)
            continue
        try:
            values.append(parse_datetime(text))
        except ValueError as error:
            raise _BadEntry(f"<{_local_name(tag)}> is not a date: {text.strip()!r}") from error
    return values[0], values[1]


def _entry_to_paper(entry: etree._Element) -> Paper:
    raw_id = collapse_whitespace(entry.findtext(_ID))
    if not raw_id:
        raise _BadEntry("entry has no <id>")
    try:
        parsed = parse_arxiv_id(raw_id)
    except InvalidArxivId as error:
        raise _BadEntry(f"<id> is not an arXiv abstract URL: {raw_id!r}") from error
    title = collapse_whitespace(entry.findtext(_TITLE))
    if not title:
        raise _BadEntry("entry has no title")
    categories = tuple(
        dict.fromkeys(
            term
            for term in (
                collapse_whitespace(category.get("term")) for category in entry.iterfind(_CATEGORY)
            )
            if term
        )
    )
    primary_element = entry.find(_PRIMARY)
    primary = _optional(primary_element.get("term")) if primary_element is not None else None
    published, updated = _dates(entry)
    return Paper(
        arxiv_id=parsed.base,
        # The API always names the version; a bare id would mean "latest", read as v1.
        version=parsed.version or 1,
        title=title,
        abstract=normalize_abstract(entry.findtext(_SUMMARY)),
        authors=tuple(
            name
            for name in (
                collapse_whitespace(element.text) for element in entry.iterfind(_AUTHOR_NAME)
            )
            if name
        ),
        categories=categories,
        primary_category=primary or (categories[0] if categories else None),
        published=published,
        updated=updated,
        comment=_optional(entry.findtext(_COMMENT)),
        journal_ref=_optional(entry.findtext(_JOURNAL_REF)),
        doi=_optional(entry.findtext(_DOI)),
        license=None,  # the export API does not carry the licence
    )


def parse_feed(content: bytes, *, url: str | None = None) -> ApiPage:
    """Parse one export API response (the raw bytes of the body).

    Raises :class:`ArxivAPIError` for arXiv's error feed (message from its ``<summary>``)
    and :class:`ArxivParseError` for anything that is not an Atom feed. ``url`` is only
    used to give errors context.
    """
    feed = _xml_root(content, url)
    if feed.tag != _FEED:
        raise ArxivParseError(
            f"the export API answered with <{_local_name(feed.tag)}>, not an Atom <feed>", url=url
        )
    entries = feed.findall(_ENTRY)
    for entry in entries:
        message = _error_message(entry)
        if message is not None:
            raise ArxivAPIError(f"the arXiv API refused the query: {message}", url=url)
    papers: list[Paper] = []
    skipped: list[SkippedItem] = []
    for entry in entries:
        try:
            papers.append(_entry_to_paper(entry))
        except (_BadEntry, ValidationError) as error:
            identifier = collapse_whitespace(entry.findtext(_ID)) or None
            reason = str(error) if isinstance(error, _BadEntry) else f"invalid entry: {error}"
            logger.warning("skipped an export API entry (%s): %s", identifier, reason)
            skipped.append(SkippedItem(reason=reason, identifier=identifier))
    return ApiPage(
        total_results=_int_field(feed, "totalResults", len(entries), url),
        start_index=_int_field(feed, "startIndex", 0, url),
        items_per_page=_int_field(feed, "itemsPerPage", len(entries), url),
        papers=tuple(papers),
        skipped=tuple(skipped),
    )
