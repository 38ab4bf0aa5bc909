"""Build ``src/arxiv_radar/demo/day.xml``, the announcement day ``arxiv-radar demo`` runs on.

The file is the combined listing feed ``https://rss.arxiv.org/rss/cs.AI+cs.CL+cs.DC+cs.LG`` of
Monday 27 April 2026, written in rss.arxiv.org's exact RSS 2.0 format, from **real** arXiv
metadata recorded in ``../shared/fixtures/arxiv`` (see its ``SOURCES.md``):

``rss2_new_format_cs.AI_excerpt_3items_reserialized_2026-04-27.xml``
    The three real ``new`` items of that day's ``/rss/cs.AI`` feed, unchanged.
``api_atom_search_testing_100entries_2026.xml``
    The export API's 100-entry search: id and version, title, abstract, authors (with
    affiliations), categories (primary first), DOI and journal reference.
``oai_arXiv_ListRecords_set_cs_first_page_with_resumptionToken_2016.xml``
    1000 OAI-PMH records of the ``cs`` set (``arXiv`` format): id, title, abstract, authors
    (with suffixes and affiliations), categories, licence, DOI, journal reference.
``oai_dc_ListRecords_set_cs_trimmed_with_resumptionToken_2024.xml``
    Five ``oai_dc`` records (category names mapped back to ids).

A record is listed when one of its categories is followed (cs.AI, cs.CL, cs.DC, cs.LG), once,
by the first source above that has it. Its announce type follows arXiv/arxiv-feed's rules
(``feed/database.py``): a first version is ``new`` when its primary category is followed and
``cross`` otherwise; a later version is ``replace`` or ``replace-cross`` the same way; arXiv
lists no replacement of version 6 or later, so neither does the file. Items are ordered new,
cross, replace, replace-cross, each group by id ascending, as rss.arxiv.org serves them.

Everything in an item is recorded text, except what a real listing day would add and the
sources cannot give:

* the date (every record is announced on 2026-04-27);
* the version of an OAI record: the ``arXiv`` and ``oai_dc`` formats name no version number.
  A record with one date (no ``<updated>``) is version 1; one with a later version date is
  given **v2**, the lowest version it can have (arXiv's real number may be higher).

Titles have their line breaks collapsed (as arXiv's listing does); abstracts are kept as
recorded, hard line breaks included, without surrounding whitespace. Items without a licence
in their source (the export API gives none) have no ``<dc:rights>``, as arxiv-feed writes a
paper whose licence is unset.

The output is deterministic: the same sources give the same bytes. The committed file is the
source of truth (``../shared`` may be absent in a clone); this script regenerates it::

    python scripts/build_demo_day.py                  # write src/arxiv_radar/demo/day.xml
    python scripts/build_demo_day.py --check          # exit 1 if the committed file differs
    python scripts/build_demo_day.py --source DIR --output FILE
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from arxiv_radar.arxiv.taxonomy import ARCHIVES, CATEGORIES

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "fixtures" / "arxiv"
DEFAULT_OUTPUT = ROOT / "src" / "arxiv_radar" / "demo" / "day.xml"

RSS_EXCERPT = "rss2_new_format_cs.AI_excerpt_3items_reserialized_2026-04-27.xml"
API_SEARCH = "api_atom_search_testing_100entries_2026.xml"
OAI_ARXIV = "oai_arXiv_ListRecords_set_cs_first_page_with_resumptionToken_2016.xml"
OAI_DC = "oai_dc_ListRecords_set_cs_trimmed_with_resumptionToken_2024.xml"

FOLLOWED = ("cs.AI", "cs.CL", "cs.DC", "cs.LG")
FEED_PATH = "+".join(FOLLOWED)
PUB_DATE = "Mon, 27 Apr 2026 00:00:00 -0400"
LAST_BUILD_DATE = "Mon, 27 Apr 2026 04:00:02 +0000"
MAX_REPLACEMENT_VERSION = 5  # arxiv-feed: replacements below version 6 only
TYPE_ORDER = ("new", "cross", "replace", "replace-cross")

NS_ARXIV = "http://arxiv.org/schemas/atom"
NS_DC = "http://purl.org/dc/elements/1.1/"
NS_ATOM = "http://www.w3.org/2005/Atom"
NS_CONTENT = "http://purl.org/rss/1.0/modules/content/"
NS_OAI = "http://www.openarchives.org/OAI/2.0/"
NS_OAI_ARXIV = "http://arxiv.org/OAI/arXiv/"
NS_OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"

_VERSIONED = re.compile(r"(?P<id>\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})v(?P<v>\d+)\Z")
_BARE = re.compile(r"(?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})\Z")


@dataclass(frozen=True)
class Record:
    """One paper as a listing item needs it; ``creator`` is the ``<dc:creator>`` text."""

    arxiv_id: str
    version: int
    title: str
    abstract: str
    creator: str
    categories: tuple[str, ...]
    license: str | None
    doi: str | None
    journal_ref: str | None
    source: str


def _collapse(text: str | None) -> str:
    return " ".join((text or "").split())


def _optional(text: str | None) -> str | None:
    return _collapse(text) or None


def _person(name: str, affiliations: Iterable[str]) -> str:
    """``Name (Affil, Affil)`` as arxiv-feed writes an author in ``<dc:creator>``."""
    affils = [_collapse(a) for a in affiliations if _collapse(a)]
    return f"{name} ({', '.join(affils)})" if affils else name


def read_rss_excerpt(path: Path) -> Iterator[Record]:
    channel = etree.parse(str(path)).getroot().find("channel")
    assert channel is not None, path
    for item in channel.iterfind("item"):
        guid = (item.findtext("guid") or "").strip().removeprefix("oai:arXiv.org:")
        match = _VERSIONED.match(guid)
        assert match, guid
        description = item.findtext("description") or ""
        abstract = description.split("\nAbstract: ", 1)[1]
        yield Record(
            arxiv_id=match["id"],
            version=int(match["v"]),
            title=_collapse(item.findtext("title")),
            abstract=abstract.strip(),
            creator=_collapse(item.findtext(f"{{{NS_DC}}}creator")),
            categories=tuple(_collapse(c.text) for c in item.iterfind("category")),
            license=_optional(item.findtext(f"{{{NS_DC}}}rights")),
            doi=_optional(item.findtext(f"{{{NS_ARXIV}}}DOI")),
            journal_ref=_optional(item.findtext(f"{{{NS_ARXIV}}}journal_reference")),
            source=RSS_EXCERPT,
        )


def read_api_search(path: Path) -> Iterator[Record]:
    atom = f"{{{NS_ATOM}}}"
    arxiv = f"{{{NS_ARXIV}}}"
    for entry in etree.parse(str(path)).getroot().iterfind(f"{atom}entry"):
        match = _VERSIONED.match((entry.findtext(f"{atom}id") or "").rsplit("/abs/", 1)[-1])
        if match is None:  # e.g. an old-style id the API wrote without its archive
            continue
        primary_element = entry.find(f"{arxiv}primary_category")
        primary = primary_element.get("term") if primary_element is not None else None
        terms = [c.get("term") or "" for c in entry.iterfind(f"{atom}category")]
        categories = tuple(dict.fromkeys([primary, *terms] if primary else terms))
        authors = [
            _person(
                _collapse(author.findtext(f"{atom}name")),
                (a.text or "" for a in author.iterfind(f"{arxiv}affiliation")),
            )
            for author in entry.iterfind(f"{atom}author")
        ]
        yield Record(
            arxiv_id=match["id"],
            version=int(match["v"]),
            title=_collapse(entry.findtext(f"{atom}title")),
            abstract=(entry.findtext(f"{atom}summary") or "").strip(),
            creator=", ".join(authors),
            categories=tuple(c for c in categories if c),
            license=None,  # the export API does not give the licence
            doi=_optional(entry.findtext(f"{arxiv}doi")),
            journal_ref=_optional(entry.findtext(f"{arxiv}journal_ref")),
            source=API_SEARCH,
        )


def read_oai_arxiv(path: Path) -> Iterator[Record]:
    ns = f"{{{NS_OAI_ARXIV}}}"
    for meta in etree.parse(str(path)).getroot().iter(f"{ns}arXiv"):
        arxiv_id = _collapse(meta.findtext(f"{ns}id"))
        if not _BARE.match(arxiv_id):
            continue
        authors = []
        for author in meta.iterfind(f"{ns}authors/{ns}author"):
            parts = (author.findtext(f"{ns}{tag}") for tag in ("forenames", "keyname", "suffix"))
            name = " ".join(_collapse(part) for part in parts if _collapse(part))
            affiliations = (a.text or "" for a in author.iterfind(f"{ns}affiliation"))
            authors.append(_person(name, affiliations))
        yield Record(
            arxiv_id=arxiv_id,
            version=2 if _collapse(meta.findtext(f"{ns}updated")) else 1,
            title=_collapse(meta.findtext(f"{ns}title")),
            abstract=(meta.findtext(f"{ns}abstract") or "").strip(),
            creator=", ".join(authors),
            categories=tuple(_collapse(meta.findtext(f"{ns}categories")).split()),
            license=_optional(meta.findtext(f"{ns}license")),
            doi=_optional(meta.findtext(f"{ns}doi")),
            journal_ref=_optional(meta.findtext(f"{ns}journal-ref")),
            source=OAI_ARXIV,
        )


def _subjects() -> dict[str, str]:
    """arXiv's category names as ``oai_dc`` writes them -> category ids."""
    table: dict[str, str] = {}
    for category, name in CATEGORIES.items():
        archive, _, subject = category.partition(".")
        table[f"{ARCHIVES[archive]} - {name}" if subject else name] = category
    return table


def read_oai_dc(path: Path) -> Iterator[Record]:
    dc = f"{{{NS_DC}}}"
    subjects = _subjects()
    for meta in etree.parse(str(path)).getroot().iter(f"{{{NS_OAI_DC}}}dc"):
        abs_url = next(
            (i.text or "" for i in meta.iterfind(f"{dc}identifier") if "/abs/" in (i.text or "")),
            "",
        )
        arxiv_id = abs_url.strip().rsplit("/abs/", 1)[-1]
        if not _BARE.match(arxiv_id):
            continue
        creators = []
        for creator in meta.iterfind(f"{dc}creator"):
            keyname, _, forenames = _collapse(creator.text).partition(",")
            creators.append(" ".join(p for p in (forenames.strip(), keyname.strip()) if p))
        names = (_collapse(s.text) for s in meta.iterfind(f"{dc}subject"))
        abstracts = [
            (d.text or "").strip()
            for d in meta.iterfind(f"{dc}description")
            if not (d.text or "").strip().startswith("Comment:")
        ]
        yield Record(
            arxiv_id=arxiv_id,
            version=2 if len(list(meta.iterfind(f"{dc}date"))) > 1 else 1,
            title=_collapse(meta.findtext(f"{dc}title")),
            abstract="\n\n".join(a for a in abstracts if a),
            creator=", ".join(creators),
            categories=tuple(dict.fromkeys(subjects[n] for n in names if n in subjects)),
            license=None,  # oai_dc does not carry the licence
            doi=None,
            journal_ref=None,
            source=OAI_DC,
        )


def announce_type(record: Record) -> str | None:
    """arxiv-feed's listing type of ``record`` in the followed categories' feed, or ``None``."""
    if not set(record.categories) & set(FOLLOWED):
        return None
    primary_followed = record.categories[0] in FOLLOWED
    if record.version == 1:
        return "new" if primary_followed else "cross"
    if record.version > MAX_REPLACEMENT_VERSION:
        return None
    return "replace" if primary_followed else "replace-cross"


def collect(source: Path) -> list[tuple[str, Record]]:
    """Every listed record with its announce type, in rss.arxiv.org's order."""
    readers = (
        read_rss_excerpt(source / RSS_EXCERPT),
        read_api_search(source / API_SEARCH),
        read_oai_arxiv(source / OAI_ARXIV),
        read_oai_dc(source / OAI_DC),
    )
    chosen: dict[str, tuple[str, Record]] = {}
    for reader in readers:
        for record in reader:
            kind = announce_type(record)
            if kind is None or record.arxiv_id in chosen:
                continue
            if not (record.title and record.abstract and record.creator):
                continue
            chosen[record.arxiv_id] = (kind, record)
    return sorted(chosen.values(), key=lambda pair: (TYPE_ORDER.index(pair[0]), pair[1].arxiv_id))


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrib: str) -> None:
    element = etree.SubElement(parent, tag, attrib)
    element.text = text


def render(listed: Iterable[tuple[str, Record]]) -> bytes:
    """The RSS 2.0 document, element for element as arxiv-feed and feedgen write it."""
    nsmap = {"arxiv": NS_ARXIV, "dc": NS_DC, "atom": NS_ATOM, "content": NS_CONTENT}
    rss = etree.Element("rss", nsmap=nsmap, version="2.0")
    channel = etree.SubElement(rss, "channel")
    url = f"http://rss.arxiv.org/rss/{FEED_PATH}"
    names = ", ".join(FOLLOWED)
    _sub(channel, "title", f"{names} updates on arXiv.org")
    _sub(channel, "link", url)
    _sub(channel, "description", f"{names} updates on the arXiv.org e-print archive.")
    _sub(channel, f"{{{NS_ATOM}}}link", href=url, rel="self", type="application/rss+xml")
    _sub(channel, "docs", "http://www.rssboard.org/rss-specification")
    _sub(channel, "language", "en-us")
    _sub(channel, "lastBuildDate", LAST_BUILD_DATE)
    _sub(channel, "managingEditor", "rss-help@arxiv.org")
    _sub(channel, "pubDate", PUB_DATE)
    skip = etree.SubElement(channel, "skipDays")
    for day in ("Sunday", "Saturday"):
        _sub(skip, "day", day)
    for kind, record in listed:
        full_id = f"{record.arxiv_id}v{record.version}"
        item = etree.SubElement(channel, "item")
        _sub(item, "title", record.title)
        _sub(item, "link", f"https://arxiv.org/abs/{record.arxiv_id}")
        description = f"arXiv:{full_id} Announce Type: {kind} \nAbstract: {record.abstract}"
        _sub(item, "description", description)
        _sub(item, "guid", f"oai:arXiv.org:{full_id}", isPermaLink="false")
        for category in record.categories:
            _sub(item, "category", category)
        _sub(item, "pubDate", PUB_DATE)
        _sub(item, f"{{{NS_ARXIV}}}announce_type", kind)
        if record.license:
            _sub(item, f"{{{NS_DC}}}rights", record.license)
        if record.doi:
            _sub(item, f"{{{NS_ARXIV}}}DOI", record.doi)
        if record.journal_ref:
            _sub(item, f"{{{NS_ARXIV}}}journal_reference", record.journal_ref)
        _sub(item, f"{{{NS_DC}}}creator", record.creator)
    return bytes(etree.tostring(rss, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="recorded fixtures")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="file to write")
    parser.add_argument("--check", action="store_true", help="fail if the output is stale")
    args = parser.parse_args(argv)
    listed = collect(args.source)
    content = render(listed)
    counts = Counter(kind for kind, _ in listed)
    summary = ", ".join(f"{counts[kind]} {kind}" for kind in TYPE_ORDER)
    if args.check:
        current = args.output.read_bytes() if args.output.exists() else b""
        if current != content:
            print(f"{args.output} is out of date: run scripts/build_demo_day.py", file=sys.stderr)
            return 1
        print(f"{args.output} is current ({len(listed)} papers: {summary})")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(content)
    print(f"wrote {args.output}: {len(listed)} papers ({summary}), {len(content)} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
