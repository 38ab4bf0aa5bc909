"""OAI-PMH metadata formats: one ``<metadata>`` payload -> one :class:`Paper`, one reader a format.

:func:`paper_from_metadata` picks the reader by the payload's namespaced root element; the
streaming ``ListRecords`` parser and harvester (:mod:`~arxiv_radar.arxiv.oai`) call it for every
record. A payload that cannot become a Paper raises :class:`BadRecord`, whose message is the
reason the record is skipped.

Metadata formats (chosen by ``metadataPrefix``; each record is read by its own namespace):

``arXiv`` (default)
    Split author names, categories (the first is the primary), comments, journal-ref, DOI,
    licence, abstract, ``created`` (v1 date) and ``updated`` (latest version date). It names
    no version number: every record is read as **version 1** with ``updated`` set when
    present. That is safe because the store never lowers a stored version, and a later
    listing or API look-up supplies the real number. Use ``arXivRaw`` when versions matter.
``arXivRaw``
    Every version with its submission time (the real latest version and timestamps); the
    authors are one string, split here on commas and "and" (:func:`split_author_list`),
    affiliations in parentheses dropped.
``oai_dc``
    Dublin Core: ``Keyname, Forenames`` creators, category *names* (mapped back to ids with
    the taxonomy; the first is the primary), ``Comment:`` descriptions, the DOI and journal
    reference as extra identifiers, first and latest version dates. Version 1, as ``arXiv``.

Dates that arXiv gives without a time (``arXiv``, ``oai_dc``) become midnight UTC.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Callable

from lxml import etree
from pydantic import ValidationError

from arxiv_radar.arxiv.ids import InvalidArxivId, parse_arxiv_id
from arxiv_radar.arxiv.normalize import collapse_whitespace, normalize_abstract
from arxiv_radar.arxiv.taxonomy import ARCHIVES, CATEGORIES
from arxiv_radar.models import Paper

__all__ = ["METADATA_PREFIXES", "BadRecord", "paper_from_metadata", "split_author_list"]

METADATA_PREFIXES = ("arXiv", "arXivRaw", "oai_dc")
"""The ``metadataPrefix`` values arXiv serves and :func:`paper_from_metadata` reads."""

_ARXIV = "http://arxiv.org/OAI/arXiv/"
_ARXIV_RAW = "http://arxiv.org/OAI/arXivRaw/"
_OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
_DC = "http://purl.org/dc/elements/1.1/"

_NAME_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
_PARENTHESISED = re.compile(r"\([^()]*\)")
_AUTHOR_SEPARATOR = re.compile(r"\s*,\s*|\s+and\s+|\s*&\s*")


class BadRecord(ValueError):
    """A record that cannot become a Paper (the message says why)."""


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
        raise BadRecord(f"<{field}> is not a date: {text.strip()!r}") from error
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _arxiv_id(text: str | None, header_identifier: str | None) -> str:
    for candidate in (text, header_identifier):
        if candidate and candidate.strip():
            try:
                return parse_arxiv_id(candidate).base
            except InvalidArxivId:
                continue
    raise BadRecord(f"no arXiv id in the record (id {text!r}, header {header_identifier!r})")


def _categories(text: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(text.split())) if text else ()


def _require_title(title: str | None) -> str:
    if not title:
        raise BadRecord("record has no title")
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
            raise BadRecord(f"<version version={label!r}> is not a version number")
        when: dt.datetime | None = None
        date_text = element.findtext(f"{ns}date")
        if date_text and date_text.strip():
            try:
                when = email.utils.parsedate_to_datetime(date_text.strip())
                when = (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
            except (TypeError, ValueError, IndexError, OverflowError) as error:
                raise BadRecord(f"version date is not a date: {date_text.strip()!r}") from error
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


def paper_from_metadata(payload: etree._Element, header_identifier: str | None) -> Paper:
    """The paper in one record's ``<metadata>`` child, read by its format's reader.

    ``header_identifier`` (the record header's ``oai:arXiv.org:ID``) stands in when the payload
    names no readable id. Raises :class:`BadRecord` for an unsupported format or a payload that
    cannot become a valid :class:`Paper`.
    """
    reader = _READERS.get(payload.tag)
    if reader is None:
        raise BadRecord(f"unsupported metadata format <{payload.tag}>")
    try:
        return reader(payload, header_identifier)
    except ValidationError as error:
        raise BadRecord(f"invalid record: {error}") from error
