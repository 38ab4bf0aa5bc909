"""arXiv's export API (``export.arxiv.org/api/query``, Atom): id look-ups and date-window searches.

Three entry points:

* :func:`parse_feed` turns one Atom response into an :class:`ApiPage` of :class:`Paper` values.
  An error feed (one ``<entry>`` whose id is under ``/api/errors``, title ``Error``) raises
  :class:`ArxivAPIError` with arXiv's own message; a document that is not an Atom feed raises
  :class:`ArxivParseError`; an entry that cannot be read is skipped and reported in
  ``ApiPage.skipped``, never allowed to sink the page.
* :func:`lookup_ids` fetches papers by id, in batches. arXiv silently drops ids it does not
  know, so the returned :class:`IdLookup` reports which requested ids came back with nothing.
* :func:`search_submitted` pages through the papers of some categories submitted in a time
  window (``submittedDate``), oldest first, lazily.

Both request helpers return iterators that also carry counters (requests made, pages read,
entries skipped) so a caller can show progress and report what was lost. Every request goes
through :class:`~arxiv_radar.arxiv.http.ArxivClient`, which keeps arXiv's rate limit.

Text is normalised the same way for every source (:func:`collapse_whitespace` for one-line
fields, :func:`normalize_abstract` for abstracts): arXiv hard-wraps old abstracts and marks a
new paragraph with a line break followed by indentation, so lines are joined and each
paragraph becomes one line, paragraphs separated by a blank line.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from lxml import etree
from pydantic import ValidationError

from arxiv_radar.arxiv.http import ArxivClient
from arxiv_radar.arxiv.ids import InvalidArxivId, parse_arxiv_id
from arxiv_radar.errors import ArxivAPIError, ArxivParseError
from arxiv_radar.models import Paper, SkippedItem

__all__ = [
    "API_URL",
    "MAX_PAGE_SIZE",
    "MAX_TOTAL",
    "ApiPage",
    "IdLookup",
    "SubmittedSearch",
    "build_submitted_query",
    "collapse_whitespace",
    "fetch_page",
    "lookup_ids",
    "normalize_abstract",
    "parse_datetime",
    "parse_feed",
    "search_submitted",
]

logger = logging.getLogger(__name__)

API_URL = "https://export.arxiv.org/api/query"
MAX_PAGE_SIZE = 2000
"""arXiv's limit on ``max_results`` per call."""
MAX_TOTAL = 30000
"""arXiv's limit on how far ``start`` + ``max_results`` can reach for one query."""

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

_CATEGORY_RE = re.compile(r"^[A-Za-z]+(?:-[A-Za-z]+)*(?:\.[A-Za-z]+(?:-[A-Za-z]+)*)?$")
# A paragraph ends at a blank line, or at a line break followed by indentation (arXiv's mark).
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*|\n[ \t]+")
# Old-style ids may carry a subject class that arXiv drops in the ids it returns.
_SUBJECT_CLASS = re.compile(r"\.[A-Z]{2}/")


# -- text -------------------------------------------------------------------------------


def collapse_whitespace(text: str | None) -> str:
    """One line: every run of whitespace (line breaks included) becomes one space."""
    return " ".join(text.split()) if text else ""


def normalize_abstract(text: str | None) -> str:
    """Join hard-wrapped lines; keep paragraphs, separated by one blank line.

    A paragraph break is a blank line or a line break followed by indentation (how arXiv
    marks paragraphs in abstracts, in every interface).
    """
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = (collapse_whitespace(part) for part in _PARAGRAPH_BREAK.split(text))
    return "\n\n".join(part for part in paragraphs if part)


def _optional(text: str | None) -> str | None:
    return collapse_whitespace(text) or None


# -- parsing ------------------------------------------------------------------------------


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


def parse_datetime(text: str) -> dt.datetime:
    """An ISO 8601 timestamp as a timezone-aware UTC datetime (naive input is taken as UTC).

    Raises ValueError for text that is not one, or that UTC cannot hold (9999-12-31T23:00-05:00).
    """
    value = dt.datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    try:
        return value.astimezone(dt.UTC)
    except OverflowError as error:
        raise ValueError(f"{text.strip()!r} is out of range in UTC") from error


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


# -- requests -----------------------------------------------------------------------------


def fetch_page(client: ArxivClient, api_url: str, params: Mapping[str, str | int]) -> ApiPage:
    """One export API request, parsed. HTTP 400 carries arXiv's error feed: it is raised."""
    response = client.get(api_url, params=params, allow_status=(400,))
    url = str(response.request.url)
    if response.status_code == 400:
        try:
            parse_feed(response.content, url=url)  # raises ArxivAPIError with arXiv's message
        except ArxivParseError as error:
            raise ArxivAPIError(
                "the arXiv API refused the query (HTTP 400) and gave no readable reason", url=url
            ) from error
        raise ArxivAPIError(
            "the arXiv API refused the query (HTTP 400) without an error entry", url=url
        )
    return parse_feed(response.content, url=url)


def _match_key(base: str) -> str:
    """The id as arXiv returns it (old-style ids lose their subject class: math.GT/… -> math/…)."""
    return _SUBJECT_CLASS.sub("/", base)


class IdLookup(Iterator[Paper]):
    """The papers of some ids, fetched lazily in batches; see :func:`lookup_ids`.

    ``requested`` are the normalised ids (explicit versions kept, duplicates removed);
    ``missing`` fills in as batches complete (all of it once the iterator is exhausted):
    requested ids arXiv returned nothing for. ``skipped`` lists entries that could not be read.
    """

    def __init__(
        self, client: ArxivClient, api_url: str, ids: Iterable[str], *, batch_size: int = 100
    ) -> None:
        if not 1 <= batch_size <= MAX_PAGE_SIZE:
            raise ValueError(f"batch_size must be between 1 and {MAX_PAGE_SIZE}, not {batch_size}")
        self.requested: tuple[str, ...] = tuple(
            dict.fromkeys(str(parse_arxiv_id(text)) for text in ids)
        )
        self.batch_size = batch_size
        self.missing: list[str] = []
        self.skipped: list[SkippedItem] = []
        self.requests = 0
        self.done = False
        self._client = client
        self._api_url = api_url
        self._papers = self._run()

    def __iter__(self) -> IdLookup:
        return self

    def __next__(self) -> Paper:
        return next(self._papers)

    def _run(self) -> Iterator[Paper]:
        for first in range(0, len(self.requested), self.batch_size):
            batch = self.requested[first : first + self.batch_size]
            page = fetch_page(
                self._client,
                self._api_url,
                {"id_list": ",".join(batch), "start": 0, "max_results": len(batch)},
            )
            self.requests += 1
            self.skipped.extend(page.skipped)
            found_bases = {_match_key(paper.arxiv_id) for paper in page.papers}
            found_versions = {(_match_key(paper.arxiv_id), paper.version) for paper in page.papers}
            for requested in batch:
                parsed = parse_arxiv_id(requested)
                key = _match_key(parsed.base)
                found = (
                    key in found_bases
                    if parsed.version is None
                    else (key, parsed.version) in found_versions
                )
                if not found:
                    self.missing.append(requested)
            yield from page.papers
        if self.missing:
            logger.info("arXiv returned nothing for %d id(s): %s", len(self.missing), self.missing)
        self.done = True


def lookup_ids(
    client: ArxivClient, api_url: str, ids: Iterable[str], *, batch_size: int = 100
) -> IdLookup:
    """Fetch papers by id (``id_list``), ``batch_size`` ids per request.

    Ids are normalised (``arXiv:2401.01234v2`` -> ``2401.01234v2``); an explicit version is
    kept and returns that version, a bare id returns the latest. An id that is not an arXiv
    id raises :class:`~arxiv_radar.arxiv.ids.InvalidArxivId` before any request is made.
    Iterate the result for the papers; its ``missing`` lists the ids arXiv did not return.
    """
    return IdLookup(client, api_url, ids, batch_size=batch_size)


def _utc_minute(value: dt.datetime, name: str) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (arXiv's submittedDate is in GMT)")
    return value.astimezone(dt.UTC).strftime("%Y%m%d%H%M")


def build_submitted_query(categories: Sequence[str], start: dt.datetime, end: dt.datetime) -> str:
    """``(cat:A OR cat:B) AND submittedDate:[YYYYMMDDHHMM TO YYYYMMDDHHMM]`` (GMT)."""
    if isinstance(categories, str):
        raise TypeError("categories must be a sequence of category names, not one string")
    cats = list(dict.fromkeys(categories))
    if not cats:
        raise ValueError("at least one category is needed")
    bad = [cat for cat in cats if not _CATEGORY_RE.match(cat)]
    if bad:
        raise ValueError(f"not arXiv category names: {bad}")
    first, last = _utc_minute(start, "start"), _utc_minute(end, "end")
    if end <= start:
        raise ValueError(f"the window is empty: end ({end}) is not after start ({start})")
    clause = " OR ".join(f"cat:{cat}" for cat in cats)
    if len(cats) > 1:
        clause = f"({clause})"
    return f"{clause} AND submittedDate:[{first} TO {last}]"


class SubmittedSearch(Iterator[Paper]):
    """Papers of some categories submitted in a window, oldest first; see :func:`search_submitted`.

    Counters for progress and reporting: ``total_results`` (as arXiv last reported it),
    ``requests``, ``pages`` (non-empty pages read), ``yielded``, ``skipped``. Once exhausted,
    ``complete`` says whether every result was read; if not, ``incomplete_reason`` says why.
    """

    def __init__(
        self,
        client: ArxivClient,
        api_url: str,
        query: str,
        *,
        page_size: int,
        max_total: int,
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(
                f"page_size must be between 1 and {MAX_PAGE_SIZE} (arXiv's limit), not {page_size}"
            )
        if not 1 <= max_total <= MAX_TOTAL:
            raise ValueError(
                f"max_total must be between 1 and {MAX_TOTAL} (arXiv's limit), not {max_total}"
            )
        self.query = query
        self.page_size = page_size
        self.max_total = max_total
        self.total_results: int | None = None
        self.requests = 0
        self.pages = 0
        self.yielded = 0
        self.skipped: list[SkippedItem] = []
        self.complete = False
        self.incomplete_reason: str | None = None
        self.done = False
        self._client = client
        self._api_url = api_url
        self._papers = self._run()

    def __iter__(self) -> SubmittedSearch:
        return self

    def __next__(self) -> Paper:
        return next(self._papers)

    def _params(self, start: int, size: int) -> dict[str, str | int]:
        return {
            "search_query": self.query,
            "sortBy": "submittedDate",
            "sortOrder": "ascending",
            "start": start,
            "max_results": size,
        }

    def _run(self) -> Iterator[Paper]:
        start = 0
        retried_empty = False
        while True:
            total = self.total_results
            if total is not None and start >= total:
                self.complete = True
                break
            if start >= self.max_total:
                self.incomplete_reason = (
                    f"stopped after {start} of {total} results: the export API serves at most "
                    f"{self.max_total} per query; use OAI-PMH (harvest) for bulk downloads"
                )
                logger.warning("%s (query %s)", self.incomplete_reason, self.query)
                break
            size = min(self.page_size, self.max_total - start)
            page = fetch_page(self._client, self._api_url, self._params(start, size))
            self.requests += 1
            self.total_results = page.total_results
            if page.entry_count == 0:
                if start >= page.total_results:
                    self.complete = True
                    break
                if not retried_empty:
                    # arXiv's API is known to answer a page with no entries now and then.
                    retried_empty = True
                    logger.info(
                        "the export API returned an empty page at start=%d of %d; retrying once",
                        start,
                        page.total_results,
                    )
                    continue
                self.incomplete_reason = (
                    f"the export API returned empty pages at start={start} of "
                    f"{page.total_results} results twice; stopped"
                )
                logger.warning("%s (query %s)", self.incomplete_reason, self.query)
                break
            retried_empty = False
            if self.pages == 0 and page.total_results > self.max_total:
                logger.warning(
                    "the query matches %d papers but at most %d can be read through the export "
                    "API; narrow the window or harvest with OAI-PMH (query %s)",
                    page.total_results,
                    self.max_total,
                    self.query,
                )
            self.pages += 1
            self.skipped.extend(page.skipped)
            for paper in page.papers:
                self.yielded += 1
                yield paper
            # Advance by what arXiv sent: a short page must not leave a gap.
            start += page.entry_count
        self.done = True


def search_submitted(
    client: ArxivClient,
    api_url: str,
    categories: Sequence[str],
    start: dt.datetime,
    end: dt.datetime,
    *,
    page_size: int = MAX_PAGE_SIZE,
    max_total: int = MAX_TOTAL,
) -> SubmittedSearch:
    """Papers with a category in ``categories`` submitted between ``start`` and ``end``.

    ``start`` and ``end`` must be timezone-aware; arXiv's window is in GMT with minute
    precision and includes both ends. Results come sorted by submission date, oldest first,
    ``page_size`` per request (at most 2000), and never more than ``max_total`` (at most
    30000, arXiv's limit; a warning advises OAI-PMH when a query has more). Nothing is
    requested until the first paper is asked for.
    """
    query = build_submitted_query(categories, start, end)
    return SubmittedSearch(client, api_url, query, page_size=page_size, max_total=max_total)
