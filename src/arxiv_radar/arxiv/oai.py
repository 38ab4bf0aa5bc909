"""OAI-PMH ``ListRecords`` harvesting, parsed as the response streams in.

:func:`harvest` walks a whole ``ListRecords`` result: the first request names the format,
set and ``from`` date, every later one only ``verb`` and ``resumptionToken``, until arXiv
answers with an empty or absent token. Each page is read with
:meth:`ArxivClient.stream <arxiv_radar.arxiv.http.ArxivClient.stream>` and fed chunk by chunk
to :func:`parse_list_records`, which yields each :class:`Paper` as soon as its ``<record>``
closes and then drops the record from the tree, so memory stays flat however large a page
is. The returned :class:`Harvest` counts pages, records, deletions and skipped records for
progress bars and run reports.

Metadata formats (chosen by ``metadataPrefix``; each record is read by its own namespace):

``arXiv`` (default)
    Split author names, categories (the first is the primary), comments, journal-ref, DOI,
    licence, abstract, ``created`` (v1 date) and ``updated`` (latest version date). It names
    no version number: every record is read as **version 1** with ``updated`` set when
    present. That is safe because the store never lowers a stored version, and a later
    listing or API look-up supplies the real number. Use ``arXivRaw`` when versions matter.
``arXivRaw``
    Every version with its submission time (the real latest version and timestamps); the
    authors are one string, split here on commas and "and", affiliations in parentheses
    dropped.
``oai_dc``
    Dublin Core: ``Keyname, Forenames`` creators, category *names* (mapped back to ids with
    the taxonomy; the first is the primary), ``Comment:`` descriptions, the DOI and journal
    reference as extra identifiers, first and latest version dates. Version 1, as ``arXiv``.

Dates that arXiv gives without a time (``arXiv``, ``oai_dc``) become midnight UTC.
Records whose header says ``status="deleted"`` are skipped and counted. OAI errors: a
``noRecordsMatch`` answer is an empty result; any other raises :class:`OaiError` (an
:class:`~arxiv_radar.errors.ArxivAPIError`) carrying arXiv's code and message. arXiv's
``503 Retry-After`` flow control is handled by the client's retries.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

from lxml import etree
from pydantic import ValidationError

from arxiv_radar.arxiv.api import collapse_whitespace, normalize_abstract, parse_datetime
from arxiv_radar.arxiv.http import ArxivClient
from arxiv_radar.arxiv.ids import InvalidArxivId, parse_arxiv_id
from arxiv_radar.arxiv.taxonomy import ARCHIVES, CATEGORIES
from arxiv_radar.errors import ArxivAPIError, ArxivParseError
from arxiv_radar.models import Paper, SkippedItem

__all__ = [
    "CHUNK_SIZE",
    "METADATA_PREFIXES",
    "OAI_URL",
    "Harvest",
    "ListRecordsPage",
    "OaiError",
    "harvest",
    "iter_records",
    "parse_list_records",
    "split_author_list",
]

logger = logging.getLogger(__name__)

OAI_URL = "https://oaipmh.arxiv.org/oai"
"""arXiv's OAI-PMH base URL since March 2025 (before: http://export.arxiv.org/oai2)."""
METADATA_PREFIXES = ("arXiv", "arXivRaw", "oai_dc")
CHUNK_SIZE = 64 * 1024

_OAI = "http://www.openarchives.org/OAI/2.0/"
_ARXIV = "http://arxiv.org/OAI/arXiv/"
_ARXIV_RAW = "http://arxiv.org/OAI/arXivRaw/"
_OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
_DC = "http://purl.org/dc/elements/1.1/"

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
_NAME_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
_PARENTHESISED = re.compile(r"\([^()]*\)")
_AUTHOR_SEPARATOR = re.compile(r"\s*,\s*|\s+and\s+|\s*&\s*")


class OaiError(ArxivAPIError):
    """arXiv answered an OAI-PMH request with an ``<error>`` (``code`` is the OAI error code)."""

    def __init__(self, code: str, message: str, *, url: str | None = None) -> None:
        self.code = code
        self.oai_message = message
        super().__init__(f"OAI-PMH error {code}: {message}", url=url)


class _BadRecord(ValueError):
    """A record that cannot become a Paper."""


# -- one record ----------------------------------------------------------------------------


def _text(parent: etree._Element, tag: str) -> str | None:
    return collapse_whitespace(parent.findtext(tag)) or None


def _fields(element: etree._Element, ns: str) -> dict[str, str]:
    """The text of each child in namespace ``ns`` (``{uri}``), by local name (first one wins)."""
    cut = len(ns)
    fields: dict[str, str] = {}
    for child in element:
        tag = child.tag
        if isinstance(tag, str) and tag.startswith(ns):
            fields.setdefault(tag[cut:], child.text or "")
    return fields


def _line(fields: dict[str, str], name: str) -> str | None:
    return collapse_whitespace(fields.get(name)) or None


def _date(text: str | None, field: str) -> dt.datetime | None:
    if not text or not text.strip():
        return None
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError as error:
        raise _BadRecord(f"<{field}> is not a date: {text.strip()!r}") from error
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _arxiv_id(text: str | None, header_identifier: str | None) -> str:
    for candidate in (text, header_identifier):
        if candidate and candidate.strip():
            try:
                return parse_arxiv_id(candidate).base
            except InvalidArxivId:
                continue
    raise _BadRecord(f"no arXiv id in the record (id {text!r}, header {header_identifier!r})")


def _categories(text: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(text.split())) if text else ()


def _require_title(title: str | None) -> str:
    if not title:
        raise _BadRecord("record has no title")
    return title


def _from_arxiv(metadata: etree._Element, header_identifier: str | None) -> Paper:
    ns = f"{{{_ARXIV}}}"
    fields = _fields(metadata, ns)
    authors = []
    for author in metadata.iterfind(f"{ns}authors/{ns}author"):
        parts = _fields(author, ns)
        name = " ".join(
            part
            for part in (parts.get("forenames"), parts.get("keyname"), parts.get("suffix"))
            if part
        )
        name = collapse_whitespace(name)
        if name:
            authors.append(name)
    categories = _categories(fields.get("categories"))
    return Paper(
        arxiv_id=_arxiv_id(fields.get("id"), header_identifier),
        version=1,  # the arXiv format names no version; see the module docstring
        title=_require_title(_line(fields, "title")),
        abstract=normalize_abstract(fields.get("abstract")),
        authors=tuple(authors),
        categories=categories,
        primary_category=categories[0] if categories else None,
        published=_date(fields.get("created"), "created"),
        updated=_date(fields.get("updated"), "updated"),
        comment=_line(fields, "comments"),
        journal_ref=_line(fields, "journal-ref"),
        doi=_line(fields, "doi"),
        license=_line(fields, "license"),
    )


def split_author_list(text: str | None) -> tuple[str, ...]:
    """Names from the one-line author list of ``arXivRaw``: ``A. One (Inst), B. Two and C. Three``.

    Parenthesised affiliations are dropped; a bare ``Jr.``/``III`` joins the name before it.
    """
    if not text:
        return ()
    flat = collapse_whitespace(text)
    while True:
        stripped = _PARENTHESISED.sub(" ", flat)
        if stripped == flat:
            break
        flat = stripped
    names: list[str] = []
    for part in _AUTHOR_SEPARATOR.split(flat):
        name = collapse_whitespace(part)
        if not name:
            continue
        if names and name.lower() in _NAME_SUFFIXES:
            names[-1] = f"{names[-1]} {name}"
        else:
            names.append(name)
    return tuple(names)


def _raw_versions(metadata: etree._Element) -> list[tuple[int, dt.datetime | None]]:
    ns = f"{{{_ARXIV_RAW}}}"
    versions = []
    for element in metadata.iterfind(f"{ns}version"):
        label = (element.get("version") or "").strip().lower()
        # isdecimal, not isdigit: int() refuses digits such as "²" that isdigit accepts.
        if not label.startswith("v") or not label[1:].isdecimal() or int(label[1:]) < 1:
            raise _BadRecord(f"<version version={label!r}> is not a version number")
        when: dt.datetime | None = None
        date_text = element.findtext(f"{ns}date")
        if date_text and date_text.strip():
            try:
                when = email.utils.parsedate_to_datetime(date_text.strip())
                when = (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
            except (TypeError, ValueError, IndexError, OverflowError) as error:
                raise _BadRecord(f"version date is not a date: {date_text.strip()!r}") from error
        versions.append((int(label[1:]), when))
    versions.sort(key=lambda item: item[0])
    return versions


def _from_arxiv_raw(metadata: etree._Element, header_identifier: str | None) -> Paper:
    fields = _fields(metadata, f"{{{_ARXIV_RAW}}}")
    versions = _raw_versions(metadata)
    categories = _categories(fields.get("categories"))
    return Paper(
        arxiv_id=_arxiv_id(fields.get("id"), header_identifier),
        version=versions[-1][0] if versions else 1,
        title=_require_title(_line(fields, "title")),
        abstract=normalize_abstract(fields.get("abstract")),
        authors=split_author_list(fields.get("authors")),
        categories=categories,
        primary_category=categories[0] if categories else None,
        published=versions[0][1] if versions else None,
        updated=versions[-1][1] if versions else None,
        comment=_line(fields, "comments"),
        journal_ref=_line(fields, "journal-ref"),
        doi=_line(fields, "doi"),
        license=_line(fields, "license"),
    )


def _subject_table() -> dict[str, str]:
    """arXiv's category names as ``oai_dc`` writes them -> category ids."""
    table: dict[str, str] = {}
    for category, name in CATEGORIES.items():
        archive, _, subject = category.partition(".")
        table[f"{ARCHIVES[archive]} - {name}" if subject else name] = category
    return table


_SUBJECTS = _subject_table()


def _dc_creator(text: str) -> str:
    """``Keyname Suffix, Forenames`` -> ``Forenames Keyname Suffix``."""
    keyname, comma, forenames = collapse_whitespace(text).partition(",")
    if not comma:
        return keyname.strip()
    return " ".join(part for part in (forenames.strip(), keyname.strip()) if part)


def _from_oai_dc(metadata: etree._Element, header_identifier: str | None) -> Paper:
    ns = f"{{{_DC}}}"
    abstract_parts: list[str] = []
    comment: str | None = None
    for description in metadata.iterfind(f"{ns}description"):
        text = (description.text or "").strip()
        if text.startswith("Comment:"):
            comment = collapse_whitespace(text[len("Comment:") :]) or None
        elif text:
            abstract_parts.append(text)
    abs_id: str | None = None
    doi: str | None = None
    journal_ref: str | None = None
    for identifier in metadata.iterfind(f"{ns}identifier"):
        value = collapse_whitespace(identifier.text)
        if value.lower().startswith("doi:"):
            doi = value[len("doi:") :].strip() or None
        elif "arxiv.org/abs/" in value:
            abs_id = abs_id or value
        elif value and not value.startswith(("http://", "https://")):
            journal_ref = value
    categories = tuple(
        dict.fromkeys(
            _SUBJECTS[name]
            for name in (collapse_whitespace(s.text) for s in metadata.iterfind(f"{ns}subject"))
            if name in _SUBJECTS
        )
    )
    dates = [_date(d.text, "dc:date") for d in metadata.iterfind(f"{ns}date")]
    known_dates = [d for d in dates if d is not None]
    return Paper(
        arxiv_id=_arxiv_id(abs_id, header_identifier),
        version=1,  # oai_dc names no version; see the module docstring
        title=_require_title(_text(metadata, f"{ns}title")),
        abstract=normalize_abstract("\n\n".join(abstract_parts)),
        authors=tuple(
            name
            for name in (_dc_creator(c.text or "") for c in metadata.iterfind(f"{ns}creator"))
            if name
        ),
        categories=categories,
        primary_category=categories[0] if categories else None,
        published=known_dates[0] if known_dates else None,
        updated=known_dates[-1] if len(known_dates) > 1 else None,
        comment=comment,
        journal_ref=journal_ref,
        doi=doi,
        license=None,  # oai_dc does not carry the licence
    )


_READERS: dict[str, Callable[[etree._Element, str | None], Paper]] = {
    f"{{{_ARXIV}}}arXiv": _from_arxiv,
    f"{{{_ARXIV_RAW}}}arXivRaw": _from_arxiv_raw,
    f"{{{_OAI_DC}}}dc": _from_oai_dc,
}


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
        elif payload.tag not in _READERS:
            reason = f"unsupported metadata format <{payload.tag}>"
        else:
            try:
                return _READERS[payload.tag](payload, identifier)
            except _BadRecord as error:
                reason = str(error)
            except ValidationError as error:
                reason = f"invalid record: {error}"
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
