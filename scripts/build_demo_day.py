"""Build the demo day ``arxiv-radar demo`` runs on: ``src/arxiv_radar/demo/day.xml`` and
``src/arxiv_radar/demo/records.json``.

The demo day is **assembled**: real arXiv records, each with its true id, version, title,
abstract, authors and categories, put together into one listing feed and shown as if
announced on Monday 27 April 2026. Only three of them were really announced that day. The
records come from the arXiv responses recorded in ``../shared/fixtures/arxiv`` (see its
``SOURCES.md``; the same files are in ``tests/fixtures/arxiv``), newest sources first:

``rss2_new_format_cs.AI_excerpt_3items_reserialized_2026-04-27.xml``
    Three ``new`` items of the real ``/rss/cs.AI`` feed of 27 April 2026, the only records
    really announced on the demo's date. Their announce type and date are arXiv's own.
``api_atom_search_testing_100entries_2026.xml``
    The export API's answer to a search for "testing", recorded on 12 April 2026: id and
    version, title, abstract, authors (with affiliations), categories (primary first), DOI,
    journal reference, comment, and the submission times of the first and of this version.
``oai_dc_ListRecords_set_cs_trimmed_with_resumptionToken_2024.xml``
    Five OAI-PMH ``oai_dc`` records harvested on 27 January 2024 (category names mapped
    back to ids; dates are days, stored as midnight UTC as arxiv-radar's OAI reader does).

A record is used when one of its categories is followed (cs.AI, cs.CL, cs.DC, cs.LG: the
default configuration), once, from the first source above that has it. Older sources (the
2016 OAI-PMH page of 2007 records) are not needed, because every followed category has
records in the newer ones; the script fails if that ever stops being true. A record whose
version is unknown (an ``oai_dc`` record with more than one date: it names no version
number) is left out rather than given a guessed number.

What the demo presents, and how:

* The date: every item is listed on 2026-04-27. For the three RSS items that is the truth;
  for the others it is the demo's presentation, which ``arxiv-radar demo`` states in every
  page it writes. No item is shown as announced before its version was submitted.
* The announce type is the one arXiv's listing gives the record's version in the followed
  categories (arXiv/arxiv-feed's rules, ``feed/database.py``): a first version is ``new``
  when its primary category is followed and ``cross`` otherwise; a later version is
  ``replace`` or ``replace-cross`` the same way; arXiv lists no replacement of version 6 or
  later, so neither does the file. Items are ordered new, cross, replace, replace-cross,
  each group by id ascending, as rss.arxiv.org serves them.
* A listing feed carries no submission dates and no comments. ``records.json`` keeps them
  for every record whose source has them (``published``: v1's submission; ``updated``:
  this version's; ``comment``), and the demo stores them before it reads the feed, so
  BibTeX and the JSON exports give each paper its true dates.

Titles have their line breaks collapsed (as arXiv's listing does); abstracts are kept as
recorded, hard line breaks included, without surrounding whitespace. Items without a licence
in their source (the export API and ``oai_dc`` give none) have no ``<dc:rights>``, as
arxiv-feed writes a paper whose licence is unset.

The output is deterministic: the same sources give the same bytes. The committed files are
the source of truth (``../shared`` may be absent in a clone); this script regenerates them::

    python scripts/build_demo_day.py                  # write day.xml and records.json
    python scripts/build_demo_day.py --check          # exit 1 if a committed file differs
    python scripts/build_demo_day.py --source DIR --output-dir DIR
"""

from __future__ import annotations

import argparse
import json
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
DEFAULT_OUTPUT_DIR = ROOT / "src" / "arxiv_radar" / "demo"
DAY_FILE = "day.xml"
RECORDS_FILE = "records.json"

RSS_EXCERPT = "rss2_new_format_cs.AI_excerpt_3items_reserialized_2026-04-27.xml"
API_SEARCH = "api_atom_search_testing_100entries_2026.xml"
OAI_DC = "oai_dc_ListRecords_set_cs_trimmed_with_resumptionToken_2024.xml"

FOLLOWED = ("cs.AI", "cs.CL", "cs.DC", "cs.LG")
FEED_PATH = "+".join(FOLLOWED)
PUB_DATE = "Mon, 27 Apr 2026 00:00:00 -0400"
LAST_BUILD_DATE = "Mon, 27 Apr 2026 04:00:02 +0000"
SHOWN_ON = "2026-04-27"
MAX_REPLACEMENT_VERSION = 5  # arxiv-feed: replacements below version 6 only
TYPE_ORDER = ("new", "cross", "replace", "replace-cross")

NS_ARXIV = "http://arxiv.org/schemas/atom"
NS_DC = "http://purl.org/dc/elements/1.1/"
NS_ATOM = "http://www.w3.org/2005/Atom"
NS_CONTENT = "http://purl.org/rss/1.0/modules/content/"
NS_OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"

_VERSIONED = re.compile(r"(?P<id>\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})v(?P<v>\d+)\Z")
_BARE = re.compile(r"(?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})\Z")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


@dataclass(frozen=True)
class Record:
    """One paper as a listing item needs it; ``creator`` is the ``<dc:creator>`` text.

    ``published``/``updated`` are ISO 8601 UTC times as the source gives them (None when it
    gives none); ``announced`` is the announce type the source itself records (RSS only).
    """

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
    published: str | None = None
    updated: str | None = None
    comment: str | None = None
    announced: str | None = None


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
    assert channel.findtext("pubDate") == PUB_DATE, "the excerpt is the demo's own day"
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
            announced=_collapse(item.findtext(f"{{{NS_ARXIV}}}announce_type")),
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
            published=_optional(entry.findtext(f"{atom}published")),
            updated=_optional(entry.findtext(f"{atom}updated")),
            comment=_optional(entry.findtext(f"{arxiv}comment")),
        )


def _subjects() -> dict[str, str]:
    """arXiv's category names as ``oai_dc`` writes them -> category ids."""
    table: dict[str, str] = {}
    for category, name in CATEGORIES.items():
        archive, _, subject = category.partition(".")
        table[f"{ARCHIVES[archive]} - {name}" if subject else name] = category
    return table


def _midnight(day: str) -> str:
    assert _DAY.match(day), day
    return f"{day}T00:00:00Z"


def read_oai_dc(path: Path) -> Iterator[Record]:
    dc = f"{{{NS_DC}}}"
    subjects = _subjects()
    for meta in etree.parse(str(path)).getroot().iter(f"{{{NS_OAI_DC}}}dc"):
        abs_url = next(
            (i.text or "" for i in meta.iterfind(f"{dc}identifier") if "/abs/" in (i.text or "")),
            "",
        )
        arxiv_id = abs_url.strip().rsplit("/abs/", 1)[-1]
        dates = [_collapse(d.text) for d in meta.iterfind(f"{dc}date")]
        if not _BARE.match(arxiv_id) or len(dates) != 1:
            continue  # a record with several versions names no version number: left out
        creators = []
        for creator in meta.iterfind(f"{dc}creator"):
            keyname, _, forenames = _collapse(creator.text).partition(",")
            creators.append(" ".join(p for p in (forenames.strip(), keyname.strip()) if p))
        names = (_collapse(s.text) for s in meta.iterfind(f"{dc}subject"))
        descriptions = [(d.text or "").strip() for d in meta.iterfind(f"{dc}description")]
        comments = [d.removeprefix("Comment:") for d in descriptions if d.startswith("Comment:")]
        abstracts = [d for d in descriptions if d and not d.startswith("Comment:")]
        yield Record(
            arxiv_id=arxiv_id,
            version=1,  # one date: the only version there was when it was harvested
            title=_collapse(meta.findtext(f"{dc}title")),
            abstract="\n\n".join(abstracts),
            creator=", ".join(creators),
            categories=tuple(dict.fromkeys(subjects[n] for n in names if n in subjects)),
            license=None,  # oai_dc does not carry the licence
            doi=None,
            journal_ref=None,
            source=OAI_DC,
            published=_midnight(dates[0]),
            comment=_optional(comments[0]) if comments else None,
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
            if record.announced is not None and record.announced != kind:
                raise SystemExit(f"{record.arxiv_id}: arXiv announced it {record.announced}")
            if record.updated is not None and record.updated[:10] > SHOWN_ON:
                raise SystemExit(f"{record.arxiv_id}: submitted after the demo's date")
            chosen[record.arxiv_id] = (kind, record)
    uncovered = [c for c in FOLLOWED if not any(c in r.categories for _, r in chosen.values())]
    if uncovered:
        raise SystemExit(f"no record of {', '.join(uncovered)} in the newer sources")
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


def render_records(listed: Iterable[tuple[str, Record]]) -> bytes:
    """``records.json``: what each item's source says that a listing feed cannot carry."""
    records = {
        record.arxiv_id: {
            "version": record.version,
            "source": record.source,
            "published": record.published,
            "updated": record.updated,
            "comment": record.comment,
            "announced_on_shown_date": record.announced is not None,
        }
        for _, record in listed
    }
    document = {
        "about": (
            "arxiv-radar's demo day: the recorded source of each item of day.xml, its "
            "submission times (published: v1, updated: this version; null when the source "
            "gives none) and comment. announced_on_shown_date is true only for the items "
            f"arXiv really announced on {SHOWN_ON}. Written by scripts/build_demo_day.py."
        ),
        "shown_on": SHOWN_ON,
        "records": records,
    }
    text = json.dumps(document, ensure_ascii=False, indent=1, sort_keys=False)
    return (text + "\n").encode("utf-8")


def _years(listed: list[tuple[str, Record]]) -> str:
    years = sorted(
        int(r.published[:4]) if r.published else 2000 + int(r.arxiv_id[:2]) for _, r in listed
    )
    return f"{years[0]}–{years[-1]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="recorded fixtures")
    parser.add_argument(
        "--output-dir", type=Path, default=DEFAULT_OUTPUT_DIR, help="folder to write into"
    )
    parser.add_argument("--check", action="store_true", help="fail if an output is stale")
    args = parser.parse_args(argv)
    listed = collect(args.source)
    outputs = {
        args.output_dir / DAY_FILE: render(listed),
        args.output_dir / RECORDS_FILE: render_records(listed),
    }
    counts = Counter(kind for kind, _ in listed)
    really = sum(1 for _, record in listed if record.announced is not None)
    summary = (
        f"{len(listed)} papers first submitted {_years(listed)} "
        f"({', '.join(f'{counts[kind]} {kind}' for kind in TYPE_ORDER)}); "
        f"{really} really announced on {SHOWN_ON}"
    )
    if args.check:
        stale = [p for p, content in outputs.items() if not p.exists() or p.read_bytes() != content]
        for path in stale:
            print(f"{path} is out of date: run scripts/build_demo_day.py", file=sys.stderr)
        if stale:
            return 1
        print(f"{args.output_dir}/{DAY_FILE} and {RECORDS_FILE} are current: {summary}")
        return 0
    args.output_dir.mkdir(parents=True, exist_ok=True)
    for path, content in outputs.items():
        path.write_bytes(content)
    print(f"wrote {args.output_dir}/{DAY_FILE} and {RECORDS_FILE}: {summary}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
