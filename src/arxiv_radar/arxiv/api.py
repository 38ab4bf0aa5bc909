"""arXiv's export API (``export.arxiv.org/api/query``, Atom): id look-ups and date-window searches.

Two entry points, both lazy:

* :func:`lookup_ids` fetches papers by id, in batches. arXiv silently drops ids it does not
  know, so the returned :class:`IdLookup` reports which requested ids came back with nothing.
* :func:`search_submitted` pages through the papers of some categories submitted in a time
  window (``submittedDate``), oldest first.

Both return iterators that also carry counters (requests made, pages read, entries skipped)
so a caller can show progress and report what was lost. Every request goes through
:class:`~arxiv_radar.arxiv.http.ArxivClient`, which keeps arXiv's rate limit, and
:func:`fetch_page` reads each response with :func:`~arxiv_radar.arxiv.atom.parse_feed`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence

from arxiv_radar.arxiv.atom import ApiPage, parse_feed
from arxiv_radar.arxiv.http import ArxivClient
from arxiv_radar.arxiv.ids import parse_arxiv_id
from arxiv_radar.errors import ArxivAPIError, ArxivParseError
from arxiv_radar.models import Paper, SkippedItem

__all__ = [
    "API_URL",
    "MAX_PAGE_SIZE",
    "MAX_TOTAL",
    "IdLookup",
    "SubmittedSearch",
    "build_submitted_query",
    "fetch_page",
    "lookup_ids",
    "search_submitted",
]

logger = logging.getLogger(__name__)

API_URL = "https://export.arxiv.org/api/query"
MAX_PAGE_SIZE = 2000
"""arXiv's limit on ``max_results`` per call."""
MAX_TOTAL = 30000
"""arXiv's limit on how far ``start`` + ``max_results`` can reach for one query."""

_CATEGORY_RE = re.compile(r"^[A-Za-z]+(?:-[A-Za-z]+)*(?:\.[A-Za-z]+(?:-[A-Za-z]+)*)?$")
# Old-style ids may carry a subject class that arXiv drops in the ids it returns.
_SUBJECT_CLASS = re.compile(r"\.[A-Z]{2}/")


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
