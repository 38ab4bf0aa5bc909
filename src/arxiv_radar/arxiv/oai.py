"""OAI-PMH ``ListRecords`` harvesting, parsed as the response streams in.

:func:`harvest` walks a whole ``ListRecords`` result: the first request names the format,
set and ``from`` date, every later one only ``verb`` and ``resumptionToken``, until arXiv
answers with an empty or absent token. Each page is read with
:meth:`ArxivClient.stream <arxiv_radar.arxiv.http.ArxivClient.stream>` and fed chunk by chunk
to :func:`parse_list_records`, which yields each :class:`Paper` as soon as its ``<record>``
closes and then drops the record from the tree, so memory stays flat however large a page
is. The returned :class:`Harvest` counts pages, records, deletions and skipped records for
progress bars and run reports.

Each record's ``<metadata>`` is read by its format (``arXiv``, ``arXivRaw`` or ``oai_dc``) in
:mod:`~arxiv_radar.arxiv.oai_formats`; a record it cannot read is skipped and counted, with
the reason. Records whose header says ``status="deleted"`` are skipped and counted. OAI
errors: a ``noRecordsMatch`` answer is an empty result; any other raises :class:`OaiError`
(an :class:`~arxiv_radar.errors.ArxivAPIError`) carrying arXiv's code and message. arXiv's
``503 Retry-After`` flow control is handled by the client's retries.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from lxml import etree

from arxiv_radar.arxiv.http import ArxivClient
from arxiv_radar.arxiv.normalize import collapse_whitespace, parse_datetime
from arxiv_radar.arxiv.oai_formats import METADATA_PREFIXES, BadRecord, paper_from_metadata
from arxiv_radar.errors import ArxivAPIError, ArxivParseError
from arxiv_radar.models import Paper, SkippedItem

__all__ = [
    "CHUNK_SIZE",
    "OAI_URL",
    "Harvest",
    "ListRecordsPage",
    "OaiError",
    "harvest",
    "iter_records",
    "parse_list_records",
]

logger = logging.getLogger(__name__)

OAI_URL = "https://oaipmh.arxiv.org/oai"
"""arXiv's OAI-PMH base URL since March 2025 (before: http://export.arxiv.org/oai2)."""
CHUNK_SIZE = 64 * 1024

_OAI = "http://www.openarchives.org/OAI/2.0/"

_ROOT = f"{{{_OAI}}}OAI-PMH"
_RECORD = f"{{{_OAI}}}record"
_HEADER = f"{{{_OAI}}}header"
_IDENTIFIER = f"{{{_OAI}}}identifier"
_METADATA = f"{{{_OAI}}}metadata"
_TOKEN = f"{{{_OAI}}}resumptionToken"
_ERROR = f"{{{_OAI}}}error"
_RESPONSE_DATE = f"{{{_OAI}}}responseDate"
_EVENT_TAGS = (_ROOT, _RECORD, _TOKEN, _ERROR, _RESPONSE_DATE)

_NO_RECORDS = "noRecordsMatch"


class OaiError(ArxivAPIError):
    """arXiv answered an OAI-PMH request with an ``<error>`` (``code`` is the OAI error code)."""

    def __init__(self, code: str, message: str, *, url: str | None = None) -> None:
        self.code = code
        self.oai_message = message
        super().__init__(f"OAI-PMH error {code}: {message}", url=url)


# -- one response --------------------------------------------------------------------------


def _chunks_of(source: Iterable[bytes] | BinaryIO) -> Iterator[bytes]:
    read = getattr(source, "read", None)
    if callable(read):
        while chunk := read(CHUNK_SIZE):
            yield chunk
        return
    yield from source


class ListRecordsPage(Iterator[Paper]):
    """One ``ListRecords`` response, parsed while it streams in; see :func:`parse_list_records`.

    Iterate for the papers. Counters fill in as records go by: ``records_seen`` (every
    ``<record>``), ``papers`` (yielded), ``deleted``, ``skipped`` (with reasons). Once the
    iterator is exhausted (``done``): ``resumption_token`` is the token for the next page
    (``None`` when this was the last), ``cursor`` and ``complete_list_size`` echo the
    token's attributes when arXiv sends them, ``no_records_match`` is true for arXiv's
    "nothing matched" answer, and ``response_date`` is the response's ``responseDate``.
    """

    def __init__(self, source: Iterable[bytes] | BinaryIO, *, url: str | None = None) -> None:
        self.url = url
        self.records_seen = 0
        self.papers = 0
        self.deleted = 0
        self.skipped: list[SkippedItem] = []
        self.resumption_token: str | None = None
        self.cursor: int | None = None
        self.complete_list_size: int | None = None
        self.token_expires: str | None = None
        self.response_date: dt.datetime | None = None
        self.no_records_match = False
        self.done = False
        self._source = source
        self._root_seen = False
        self._token_seen = False
        self._papers = self._run()

    def __iter__(self) -> ListRecordsPage:
        return self

    def __next__(self) -> Paper:
        return next(self._papers)

    def _parse_error(self, message: str, error: Exception | None = None) -> ArxivParseError:
        detail = f" ({error})" if error else ""
        return ArxivParseError(f"OAI-PMH response: {message}{detail}", url=self.url)

    def _run(self) -> Iterator[Paper]:
        parser = etree.XMLPullParser(
            events=("start", "end"),
            tag=_EVENT_TAGS,
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
        )
        for chunk in _chunks_of(self._source):
            if not chunk:
                continue
            try:
                parser.feed(chunk)
            except etree.XMLSyntaxError as error:
                raise self._parse_error("not well-formed XML", error) from error
            yield from self._drain(parser)
        try:
            parser.close()
        except etree.XMLSyntaxError as error:
            raise self._parse_error("the document is incomplete or not XML", error) from error
        yield from self._drain(parser)
        if not self._root_seen:
            raise self._parse_error("not an OAI-PMH document (no <OAI-PMH> root element)")
        self.done = True
        logger.debug(
            "OAI-PMH page: %d records, %d papers, %d deleted, %d skipped, token %r",
            self.records_seen,
            self.papers,
            self.deleted,
            len(self.skipped),
            self.resumption_token,
        )

    def _drain(self, parser: etree.XMLPullParser) -> Iterator[Paper]:
        for event, element in parser.read_events():
            tag = element.tag
            if event == "start":
                if tag == _ROOT:
                    self._root_seen = True
                continue
            if tag == _RECORD:
                paper = self._read_record(element)
                # Drop what has been read: memory stays flat however long the page is.
                element.clear(keep_tail=False)
                parent = element.getparent()
                if parent is not None:
                    while element.getprevious() is not None:
                        del parent[0]
                if paper is not None:
                    self.papers += 1
                    yield paper
            elif tag == _TOKEN:
                self._read_token(element)
            elif tag == _ERROR:
                self._read_error(element)
            elif tag == _RESPONSE_DATE:
                text = (element.text or "").strip()
                try:
                    self.response_date = parse_datetime(text) if text else None
                except ValueError:
                    logger.warning("unreadable OAI-PMH responseDate %r", text)

    def _read_token(self, element: etree._Element) -> None:
        self._token_seen = True
        self.resumption_token = (element.text or "").strip() or None
        self.token_expires = element.get("expires")
        for attribute, name in (("cursor", "cursor"), ("completeListSize", "complete_list_size")):
            value = element.get(attribute)
            if value is not None and value.strip().isdigit():
                setattr(self, name, int(value))

    def _read_error(self, element: etree._Element) -> None:
        code = (element.get("code") or "unknown").strip()
        message = collapse_whitespace(element.text) or "no message given"
        if code == _NO_RECORDS:
            self.no_records_match = True
            logger.info("OAI-PMH: no records match (%s)", message)
            return
        raise OaiError(code, message, url=self.url)

    def _read_record(self, record: etree._Element) -> Paper | None:
        self.records_seen += 1
        header = record.find(_HEADER)
        identifier = (
            collapse_whitespace(header.findtext(_IDENTIFIER)) or None
            if header is not None
            else None
        )
        if header is not None and header.get("status") == "deleted":
            self.deleted += 1
            return None
        metadata = record.find(_METADATA)
        payload = next(metadata.iterchildren(etree.Element), None) if metadata is not None else None
        reason: str
        if payload is None:
            reason = "record has no metadata"
        else:
            try:
                return paper_from_metadata(payload, identifier)
            except BadRecord as error:
                reason = str(error)
        logger.warning("skipped an OAI-PMH record (%s): %s", identifier, reason)
        self.skipped.append(SkippedItem(reason=reason, identifier=identifier))
        return None


def parse_list_records(
    source: Iterable[bytes] | BinaryIO, *, url: str | None = None
) -> ListRecordsPage:
    """Parse one ``ListRecords`` response from byte chunks (or a binary file), lazily.

    Nothing is read until the result is iterated. A document that is not well-formed
    OAI-PMH raises :class:`ArxivParseError` (after the records before the fault were
    yielded); an OAI error other than ``noRecordsMatch`` raises :class:`OaiError`.
    """
    return ListRecordsPage(source, url=url)


def iter_records(source: Iterable[bytes] | BinaryIO, *, url: str | None = None) -> Iterator[Paper]:
    """Only the papers of one ``ListRecords`` response (see :func:`parse_list_records`)."""
    yield from ListRecordsPage(source, url=url)


# -- a whole harvest -----------------------------------------------------------------------


class Harvest(Iterator[Paper]):
    """Every paper of a ``ListRecords`` result, page after page; see :func:`harvest`.

    Progress counters: ``pages``, ``records_seen``, ``papers``, ``deleted``, ``skipped``,
    ``complete_list_size`` (when arXiv sends it), ``resumption_token`` (the token the next
    request will send, ``None`` before the first page and after the last).
    ``response_date`` is the first page's ``responseDate``: the ``from`` date to use for
    the next incremental harvest. ``done`` is true once the last page was read.
    """

    def __init__(
        self,
        client: ArxivClient,
        oai_url: str,
        first_params: dict[str, str],
        *,
        max_pages: int | None = None,
    ) -> None:
        self.first_params = dict(first_params)
        self.max_pages = max_pages
        self.pages = 0
        self.records_seen = 0
        self.papers = 0
        self.deleted = 0
        self.skipped: list[SkippedItem] = []
        self.complete_list_size: int | None = None
        self.resumption_token: str | None = None
        self.response_date: dt.datetime | None = None
        self.done = False
        self._client = client
        self._oai_url = oai_url
        self._papers = self._run()

    def __iter__(self) -> Harvest:
        return self

    def __next__(self) -> Paper:
        return next(self._papers)

    def _run(self) -> Iterator[Paper]:
        params = self.first_params
        previous_token: str | None = None
        while True:
            with self._client.stream(self._oai_url, params=params, allow_status=(400,)) as response:
                url = str(response.request.url)
                status = response.status_code
                page = parse_list_records(response.iter_bytes(CHUNK_SIZE), url=url)
                try:
                    for paper in page:
                        self.papers += 1
                        yield paper
                except ArxivParseError as error:
                    if status != 400:
                        raise
                    raise ArxivAPIError(
                        "arXiv refused the OAI-PMH request (HTTP 400) and gave no readable reason",
                        url=url,
                    ) from error
            self.pages += 1
            self.records_seen += page.records_seen
            self.deleted += page.deleted
            self.skipped.extend(page.skipped)
            if self.pages == 1:
                self.response_date = page.response_date
            if page.complete_list_size is not None:
                self.complete_list_size = page.complete_list_size
            if status == 400 and not page.no_records_match:
                raise ArxivAPIError("arXiv refused the OAI-PMH request (HTTP 400)", url=url)
            token = page.resumption_token
            self.resumption_token = token
            if token is None:
                break
            if token == previous_token:
                raise ArxivParseError(
                    f"OAI-PMH resumptionToken {token!r} came back twice in a row; stopping",
                    url=url,
                )
            previous_token = token
            if self.max_pages is not None and self.pages >= self.max_pages:
                logger.info("OAI-PMH harvest stopped after %d pages (max_pages)", self.pages)
                return
            params = {"verb": "ListRecords", "resumptionToken": token}
        self.done = True


def harvest(
    client: ArxivClient,
    oai_url: str = OAI_URL,
    *,
    set_spec: str,
    from_date: dt.date | None = None,
    until: dt.date | None = None,
    metadata_prefix: str = "arXiv",
    max_pages: int | None = None,
) -> Harvest:
    """Every record of OAI-PMH set ``set_spec`` changed on or after ``from_date``.

    ``set_spec`` is an OAI set such as ``cs:cs:AI`` (see
    :func:`~arxiv_radar.arxiv.taxonomy.oai_set_for`). arXiv advises harvesting with
    ``from`` = the previous harvest's ``responseDate`` and no ``until``; ``until`` is sent
    only when given. ``max_pages`` stops early (the ``resumption_token`` of the result then
    continues where it stopped, until arXiv expires it, daily). Lazy: nothing is requested
    until the first paper is asked for.
    """
    if metadata_prefix not in METADATA_PREFIXES:
        raise ValueError(
            f"metadata_prefix must be one of {METADATA_PREFIXES}, not {metadata_prefix!r}"
        )
    if max_pages is not None and max_pages < 1:
        raise ValueError("max_pages must be at least 1")
    params = {"verb": "ListRecords", "metadataPrefix": metadata_prefix, "set": set_spec}
    if from_date is not None:
        params["from"] = f"{from_date:%Y-%m-%d}"  # arXiv's granularity is the day
    if until is not None:
        params["until"] = f"{until:%Y-%m-%d}"
    return Harvest(client, oai_url, params, max_pages=max_pages)
