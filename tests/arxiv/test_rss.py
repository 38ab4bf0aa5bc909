"""rss.arxiv.org listing feeds: parsing real and arXiv-format feeds, and the one-request fetch."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from arxiv_radar.arxiv.http import ArxivClient
from arxiv_radar.arxiv.rss import (
    MAX_FEED_RESULTS,
    FetchedListing,
    feed_url,
    fetch_listing,
    parse_description,
    parse_listing,
    split_authors,
)
from arxiv_radar.errors import ArxivHTTPError, ArxivParseError
from arxiv_radar.models import AnnounceType, Listing, ListingEntry
from arxiv_radar.text.links import abs_url

from replay_server import DictCache, ReplayServer, Reply, fixture_bytes

REAL_FEED = "rss2_new_format_cs.AI_excerpt_3items_reserialized_2026-04-27.xml"
MIXED_FEED = "synthetic_rss_cs.AI+cs.CL+cs.DC+cs.LG_mixed.xml"
EMPTY_FEED = "synthetic_rss_empty_weekend.xml"
API_2026 = "api_atom_search_testing_100entries_2026.xml"
API_2016 = "api_atom_legacy_search_ANDNOT_2016.xml"

ATOM = "http://www.w3.org/2005/Atom"
ARXIV = "http://arxiv.org/schemas/atom"
DC = "http://purl.org/dc/elements/1.1/"
NSMAP = {
    "arxiv": ARXIV,
    "dc": DC,
    "atom": ATOM,
    "content": "http://purl.org/rss/1.0/modules/content/",
}
NONEXCLUSIVE = "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
CC_BY = "http://creativecommons.org/licenses/by/4.0/"
FOLLOWED = ("cs.AI", "cs.CL", "cs.DC", "cs.LG")

ClientFactory = Callable[..., ArxivClient]


# -- real records, read straight from the recorded export API responses ----------------


@dataclass(frozen=True)
class Record:
    arxiv_id: str
    version: int
    title: str  # as arXiv wrote it (legacy titles are hard-wrapped)
    abstract: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    primary: str
    doi: str | None
    journal_ref: str | None


def api_record(fixture: str, arxiv_id: str) -> Record:
    ns = {"a": ATOM, "arxiv": ARXIV}
    for entry in etree.fromstring(fixture_bytes(fixture)).iterfind("a:entry", ns):
        versioned = entry.findtext("a:id", namespaces=ns).split("/abs/", 1)[1]
        base, version = versioned.rsplit("v", 1)
        if base != arxiv_id:
            continue
        return Record(
            arxiv_id=base,
            version=int(version),
            title=entry.findtext("a:title", namespaces=ns),
            abstract=entry.findtext("a:summary", namespaces=ns),
            authors=tuple(
                a.findtext("a:name", namespaces=ns) for a in entry.iterfind("a:author", ns)
            ),
            categories=tuple(c.get("term") for c in entry.iterfind("a:category", ns)),
            primary=entry.find("arxiv:primary_category", ns).get("term"),
            doi=entry.findtext("arxiv:doi", namespaces=ns),
            journal_ref=entry.findtext("arxiv:journal_ref", namespaces=ns),
        )
    raise LookupError(arxiv_id)


# -- feeds in rss.arxiv.org's exact format (arXiv/arxiv-feed serializers) ---------------

OMIT = object()


@dataclass(frozen=True)
class Item:
    """One ``<item>``; a field set to ``OMIT`` leaves its element out, ``None`` empties it."""

    arxiv_id: str
    version: int
    announce_type: str
    title: object = "A title"
    abstract: str = "An abstract."
    authors: Sequence[str] = ("Ada Lovelace",)
    categories: Sequence[str] = ("cs.AI",)
    license: object = NONEXCLUSIVE
    doi: str | None = None
    journal_ref: str | None = None
    pub_date: object = "Mon, 27 Apr 2026 00:00:00 -0400"
    guid: object = None  # default: oai:arXiv.org:<id>v<n>
    description: object = None  # default: arXiv's "arXiv:... Announce Type: ..." text
    link: object = None  # default: https://arxiv.org/abs/<id>
    announce_element: object = None  # default: announce_type
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, record: Record, announce_type: str, **changes: object) -> Item:
        item = cls(
            arxiv_id=record.arxiv_id,
            version=record.version,
            announce_type=announce_type,
            title=record.title,
            abstract=record.abstract.strip(),
            authors=record.authors,
            categories=record.categories,
            doi=record.doi,
            journal_ref=record.journal_ref,
        )
        return replace(item, **changes)  # type: ignore[arg-type]


def _text(parent: etree._Element, tag: str, value: object) -> None:
    if value is OMIT:
        return
    etree.SubElement(parent, tag).text = value  # type: ignore[assignment]


def build_feed(
    categories: Sequence[str],
    items: Sequence[Item] = (),
    *,
    pub_date: str | None = "Mon, 27 Apr 2026 00:00:00 -0400",
) -> bytes:
    rss = etree.Element("rss", nsmap=NSMAP)
    rss.set("version", "2.0")
    channel = etree.SubElement(rss, "channel")
    names, query = ", ".join(categories), "+".join(categories)
    _text(channel, "title", f"{names} updates on arXiv.org")
    _text(channel, "link", f"http://rss.arxiv.org/rss/{query}")
    _text(channel, "description", f"{names} updates on the arXiv.org e-print archive.")
    etree.SubElement(
        channel,
        f"{{{ATOM}}}link",
        href=f"http://rss.arxiv.org/rss/{query}",
        rel="self",
        type="application/rss+xml",
    )
    _text(channel, "docs", "http://www.rssboard.org/rss-specification")
    _text(channel, "language", "en-us")
    _text(channel, "lastBuildDate", "Mon, 27 Apr 2026 04:00:02 +0000")
    _text(channel, "managingEditor", "rss-help@arxiv.org")
    if pub_date is not None:
        _text(channel, "pubDate", pub_date)
    skip = etree.SubElement(channel, "skipDays")
    for day in ("Sunday", "Saturday"):
        _text(skip, "day", day)
    for item in items:
        _item(channel, item)
    return etree.tostring(rss, pretty_print=True, xml_declaration=True, encoding="UTF-8")


def _item(channel: etree._Element, item: Item) -> None:
    element = etree.SubElement(channel, "item")
    versioned = f"{item.arxiv_id}v{item.version}"
    _text(element, "title", item.title)
    _text(
        element,
        "link",
        f"https://arxiv.org/abs/{item.arxiv_id}" if item.link is None else item.link,
    )
    description = (
        f"arXiv:{versioned} Announce Type: {item.announce_type} \nAbstract: {item.abstract}"
        if item.description is None
        else item.description
    )
    _text(element, "description", description)
    if item.guid is not OMIT:
        guid = etree.SubElement(element, "guid", isPermaLink="false")
        guid.text = f"oai:arXiv.org:{versioned}" if item.guid is None else item.guid  # type: ignore[assignment]
    for category in item.categories:
        _text(element, "category", category)
    _text(element, "pubDate", item.pub_date)
    announce = item.announce_type if item.announce_element is None else item.announce_element
    _text(element, f"{{{ARXIV}}}announce_type", announce)
    _text(element, f"{{{DC}}}rights", item.license)
    if item.doi:
        _text(element, f"{{{ARXIV}}}DOI", item.doi)
    if item.journal_ref:
        _text(element, f"{{{ARXIV}}}journal_reference", item.journal_ref)
    _text(element, f"{{{DC}}}creator", ", ".join(item.authors))


def by_id(listing: Listing) -> dict[str, ListingEntry]:
    return {entry.paper.arxiv_id: entry for entry in listing.entries}


# -- the real feed -----------------------------------------------------------------------


REAL_ITEMS = [
    # id, title, abstract length, first/last 40 chars, authors (count, first, last), categories,
    # licence
    (
        "2604.21935",
        "Math Takes Two: A test for emergent mathematical reasoning in communication",
        1195,
        "Although language models demonstrate rem",
        "ergent numerical reasoning capabilities.",
        (2, "Michael Cooper", "Samuel Cooper"),
        ("cs.AI", "cs.LG"),
        CC_BY,
    ),
    (
        "2604.21936",
        "An Artifact-based Agent Framework for Adaptive and Reproducible Medical Image Processing",
        1476,
        "Medical imaging research is increasingly",
        " in heterogeneous clinical environments.",
        (18, "Lianrui Zuo", "Bennett A. Landman"),
        ("cs.AI", "cs.CV", "cs.MA"),
        NONEXCLUSIVE,
    ),
    (
        "2604.21937",
        "MolClaw: An Autonomous Agent with Hierarchical Skills for Drug Molecule Evaluation, "
        "Screening, and Optimization",
        1381,
        "Computational drug discovery, particular",
        "bottleneck for AI-driven drug discovery.",
        (17, "Lisheng Zhang", "Zhengwei Xie"),
        ("cs.AI", "cs.MA"),
        NONEXCLUSIVE,
    ),
]


def test_real_feed_every_field_of_every_item() -> None:
    listing = parse_listing(fixture_bytes(REAL_FEED))
    assert listing.announced_on == dt.date(2026, 4, 27)
    assert listing.skipped == ()
    assert not listing.not_modified
    assert [e.paper.arxiv_id for e in listing.entries] == [row[0] for row in REAL_ITEMS]
    for entry, row in zip(listing.entries, REAL_ITEMS, strict=True):
        arxiv_id, title, length, head, tail, (count, first, last), categories, licence = row
        paper, announcement = entry.paper, entry.announcement
        assert paper.version == 1
        assert paper.versioned_id == f"{arxiv_id}v1"
        assert paper.title == title
        assert len(paper.abstract) == length
        assert paper.abstract[:40] == head
        assert paper.abstract[-40:] == tail
        assert len(paper.authors) == count
        assert (paper.authors[0], paper.authors[-1]) == (first, last)
        assert paper.categories == categories
        assert paper.primary_category == "cs.AI"
        assert paper.license == licence
        assert paper.doi is None and paper.journal_ref is None and paper.comment is None
        assert announcement.arxiv_id == arxiv_id and announcement.version == 1
        assert announcement.announce_type is AnnounceType.NEW
        assert announcement.announced_on == dt.date(2026, 4, 27)
        assert announcement.feed == "rss"


def test_real_feed_keeps_tex_and_quotes_exactly() -> None:
    papers = {e.paper.arxiv_id: e.paper for e in parse_listing(fixture_bytes(REAL_FEED)).entries}
    assert r"\textbf{adaptability}, the ability" in papers["2604.21936"].abstract
    assert "the models' ability" in papers["2604.21935"].abstract
    assert "Yelena G. Bodien" in papers["2604.21936"].authors


def test_feed_name_is_recorded_in_announcements() -> None:
    listing = parse_listing(fixture_bytes(REAL_FEED), feed="rss-test")
    assert {e.announcement.feed for e in listing.entries} == {"rss-test"}


# -- the synthetic combined feed (real items, arXiv's format) -----------------------------

MIXED_ORDER = [
    ("2604.21935", 1, "new"),
    ("2604.21936", 1, "new"),
    ("2604.21937", 1, "new"),
    ("2202.12139", 1, "cross"),
    ("2312.06056", 1, "cross"),
    ("2503.23466", 1, "cross"),
    ("2602.15552", 1, "cross"),
    ("2109.07960", 2, "replace"),
    ("2405.11454", 2, "replace"),
    ("2507.10541", 2, "replace"),
    ("2206.10210", 5, "replace-cross"),
    ("2408.07846", 2, "replace-cross"),
]


def test_mixed_feed_has_all_four_types_in_arxiv_order() -> None:
    listing = parse_listing(fixture_bytes(MIXED_FEED))
    assert listing.announced_on == dt.date(2026, 4, 27)
    assert listing.skipped == ()
    got = [
        (e.paper.arxiv_id, e.paper.version, e.announcement.announce_type.value)
        for e in listing.entries
    ]
    assert got == MIXED_ORDER
    assert {e.announcement.announced_on for e in listing.entries} == {dt.date(2026, 4, 27)}
    assert all(e.announcement.version == e.paper.version for e in listing.entries)


def test_mixed_feed_items_carry_the_real_api_metadata() -> None:
    entries = by_id(parse_listing(fixture_bytes(MIXED_FEED)))
    for arxiv_id, version, kind in MIXED_ORDER[3:]:
        record = api_record(API_2026, arxiv_id)
        paper = entries[arxiv_id].paper
        assert paper.version == record.version == version
        assert paper.title == record.title
        assert paper.abstract == record.abstract.strip()
        assert paper.authors == record.authors
        assert paper.categories == record.categories
        # The feed lists the primary category first, as the API names it.
        assert paper.primary_category == record.primary
        assert paper.doi == record.doi
        assert paper.journal_ref == record.journal_ref
        if kind in ("new", "replace"):
            assert paper.primary_category in FOLLOWED
        else:
            assert paper.primary_category not in FOLLOWED
            assert set(paper.categories) & set(FOLLOWED)


def test_mixed_feed_doi_and_journal_reference() -> None:
    paper = by_id(parse_listing(fixture_bytes(MIXED_FEED)))["2202.12139"].paper
    assert paper.doi == "10.1109/ICSTW55395.2022.00035"
    assert paper.journal_ref == (
        "Artificial Intelligence in Software Testing @ 2022 IEEE International Conference on "
        "Software Testing, Verification and Validation Workshops (ICSTW)"
    )
    assert paper.license == NONEXCLUSIVE


def test_multi_line_abstract_is_kept_whole() -> None:
    entries = by_id(parse_listing(fixture_bytes(MIXED_FEED)))
    codehacks = entries["2503.23466"].paper.abstract
    assert codehacks.startswith("Software is used in critical applications")
    assert codehacks.endswith("\n  Keywords: competitive programming, language model, dataset")
    assert codehacks.count("\n") == 2
    mapping = entries["2206.10210"].paper.abstract
    assert mapping.startswith("Context: Machine learning (ML) may enable")
    assert "\n  Objective: We characterize" in mapping
    assert mapping.endswith("roadmap and inspiration for researchers in this field.")
    assert mapping.count("\n") == 4


def test_empty_weekend_feed_is_a_normal_empty_listing() -> None:
    listing = parse_listing(fixture_bytes(EMPTY_FEED))
    assert listing.is_empty
    assert listing.entries == () and listing.skipped == ()
    assert listing.announced_on == dt.date(2026, 4, 25)
    assert listing.announced_on.weekday() == 5  # Saturday
    assert not listing.not_modified


def test_empty_feed_without_pubdate_has_no_date() -> None:
    listing = parse_listing(build_feed(["cs.AI"], pub_date=None))
    assert listing.is_empty
    assert listing.announced_on is None


def test_channel_without_pubdate_takes_the_first_item_date() -> None:
    items = [Item("2604.21935", 1, "new", pub_date="Tue, 28 Apr 2026 00:00:00 -0400")]
    listing = parse_listing(build_feed(["cs.AI"], items, pub_date=None))
    assert listing.announced_on == dt.date(2026, 4, 28)


# -- other real items in arXiv's format -----------------------------------------------------


def test_replace_with_version_three() -> None:
    record = api_record(API_2026, "2406.19956")
    feed = build_feed(["econ.EM"], [Item.of(record, "replace")])
    (entry,) = parse_listing(feed).entries
    assert (entry.paper.arxiv_id, entry.paper.version) == ("2406.19956", 3)
    assert entry.announcement.version == 3
    assert entry.announcement.announce_type is AnnounceType.REPLACE
    assert entry.paper.title == (
        "Three Scores and 15 Years (1948-2023) of Rao's Score Test: A Brief History"
    )
    assert entry.paper.authors == ("Anil K. Bera", "Yannis Bilias")
    assert entry.paper.categories == ("econ.EM",)


def test_old_style_ids_and_hard_wrapped_legacy_text() -> None:
    cross = api_record(API_2016, "cond-mat/0412498")
    replacement = api_record(API_2026, "hep-ph/0301050")
    feed = build_feed(
        ["hep-ph", "cond-mat.stat-mech"],
        [Item.of(cross, "cross"), Item.of(replacement, "replace")],
    )
    entries = by_id(parse_listing(feed))
    assert list(entries) == ["cond-mat/0412498", "hep-ph/0301050"]
    thermal = entries["cond-mat/0412498"]
    assert thermal.paper.version == 1
    assert thermal.announcement.announce_type is AnnounceType.CROSS
    assert thermal.paper.primary_category == "cond-mat.str-el"
    assert thermal.paper.title == "Thermal melting of density waves on the square lattice"
    # XML escapes (&gt;) are undone, the hard line breaks are kept.
    assert '"p x p" density wave ordering on the square lattice (p >= 3, integer)' in (
        thermal.paper.abstract.replace("\n", " ")
    )
    assert thermal.paper.abstract.count("\n") == 9
    assert thermal.paper.abstract == cross.abstract.strip()
    anarchy = entries["hep-ph/0301050"]
    assert (anarchy.paper.version, anarchy.announcement.announce_type) == (2, AnnounceType.REPLACE)
    assert anarchy.paper.doi == "10.1016/j.physletb.2003.08.045"
    assert anarchy.paper.journal_ref == "Phys.Lett.B573:94-100,2003"
    assert abs_url(anarchy.paper.arxiv_id) == "https://arxiv.org/abs/hep-ph/0301050"


def test_ampersand_in_title_is_plain_text() -> None:
    record = api_record(API_2026, "2302.03287")
    feed = build_feed(["cs.HC"], [Item.of(record, "replace-cross")])
    assert b"Promises &amp; Perils" in feed
    (entry,) = parse_listing(feed).entries
    assert entry.paper.title == "ChatGPT and Software Testing Education: Promises & Perils"
    assert entry.paper.version == 3
    assert entry.announcement.announce_type is AnnounceType.REPLACE_CROSS


def test_four_digit_era_id_and_affiliations_in_creator() -> None:
    record = api_record(API_2026, "0804.0970")
    feed = build_feed(
        ["cs.PL"],
        [Item.of(record, "new", authors=("Marie-Claude Gaudel (LRI)", "Pascale Le Gall (IBISC)"))],
    )
    (entry,) = parse_listing(feed).entries
    assert entry.paper.arxiv_id == "0804.0970"
    assert entry.paper.authors == record.authors == ("Marie-Claude Gaudel", "Pascale Le Gall")


def test_wrapped_title_whitespace_is_collapsed() -> None:
    item = Item("2604.21935", 1, "new", title="  Math Takes\n   Two:\tA  test \n")
    (entry,) = parse_listing(build_feed(["cs.AI"], [item])).entries
    assert entry.paper.title == "Math Takes Two: A test"


@pytest.mark.parametrize(
    ("creator", "expected"),
    [
        ("Michael Cooper, Samuel Cooper", ("Michael Cooper", "Samuel Cooper")),
        (" ATLAS Collaboration,  Jane   Doe ", ("ATLAS Collaboration", "Jane Doe")),
        ("A One (MIT, Harvard), B Two", ("A One", "B Two")),
        ("A One (Dept. (X), Uni), B Two (Lab)", ("A One", "B Two")),
        ("Yu (Jeff) Wang, C Three", ("Yu (Jeff) Wang", "C Three")),
        ("Alice Smith and Bob Jones", ("Alice Smith and Bob Jones",)),
        ("Solo Author", ("Solo Author",)),
        ("", ()),
        (None, ()),
        (" , ", ()),
    ],
)
def test_split_authors(creator: str | None, expected: tuple[str, ...]) -> None:
    assert split_authors(creator) == expected


def test_empty_creator_gives_no_authors() -> None:
    (entry,) = parse_listing(
        build_feed(["cs.AI"], [Item("2604.21935", 1, "new", authors=())])
    ).entries
    assert entry.paper.authors == ()


def test_missing_optional_elements_are_none() -> None:
    item = Item("2604.21935", 1, "new", license=OMIT, categories=())
    (entry,) = parse_listing(build_feed(["cs.AI"], [item])).entries
    assert entry.paper.license is None
    assert entry.paper.categories == () and entry.paper.primary_category is None


# -- fallbacks -------------------------------------------------------------------------------


def test_id_and_version_fall_back_to_the_description() -> None:
    items = [
        Item("2604.21935", 2, "replace", guid=OMIT),
        Item("2604.21936", 3, "replace", guid="not an oai identifier"),
    ]
    entries = by_id(parse_listing(build_feed(["cs.AI"], items)))
    assert entries["2604.21935"].paper.version == 2
    assert entries["2604.21936"].paper.version == 3


def test_guid_without_version_takes_the_description_version() -> None:
    item = Item("2604.21935", 4, "replace", guid="oai:arXiv.org:2604.21935")
    (entry,) = parse_listing(build_feed(["cs.AI"], [item])).entries
    assert entry.paper.versioned_id == "2604.21935v4"


def test_link_is_the_last_resort_for_new_papers_only() -> None:
    items = [
        Item("2604.21935", 1, "new", guid=OMIT, description="Abstract: text only"),
        Item("2604.21936", 2, "replace", guid=OMIT, description="Abstract: text only"),
    ]
    listing = parse_listing(build_feed(["cs.AI"], items))
    (entry,) = listing.entries
    assert entry.paper.versioned_id == "2604.21935v1"
    assert entry.paper.abstract == "Abstract: text only"
    (skipped,) = listing.skipped
    assert skipped.identifier == "https://arxiv.org/abs/2604.21936"
    assert "no version" in skipped.reason


def test_announce_type_falls_back_to_the_description() -> None:
    item = Item("2604.21935", 1, "cross", announce_element=OMIT)
    (entry,) = parse_listing(build_feed(["cs.AI"], [item])).entries
    assert entry.announcement.announce_type is AnnounceType.CROSS


def test_item_without_pubdate_takes_the_channel_date() -> None:
    item = Item("2604.21935", 1, "new", pub_date=OMIT)
    feed = build_feed(["cs.AI"], [item], pub_date="Tue, 28 Apr 2026 00:00:00 -0400")
    (entry,) = parse_listing(feed).entries
    assert entry.announcement.announced_on == dt.date(2026, 4, 28)


@pytest.mark.parametrize(
    ("pub_date", "expected"),
    [
        ("Mon, 27 Apr 2026 00:00:00 -0400", dt.date(2026, 4, 27)),  # midnight EDT
        ("Mon, 30 Nov 2026 00:00:00 -0500", dt.date(2026, 11, 30)),  # midnight EST
        ("Mon, 27 Apr 2026 04:00:00 +0000", dt.date(2026, 4, 27)),  # same instant in UTC
        ("Mon, 27 Apr 2026 03:59:00 GMT", dt.date(2026, 4, 26)),  # still Sunday in New York
    ],
)
def test_pubdate_is_read_as_a_new_york_date(pub_date: str, expected: dt.date) -> None:
    item = Item("2604.21935", 1, "new", pub_date=pub_date)
    (entry,) = parse_listing(build_feed(["cs.AI"], [item], pub_date=pub_date)).entries
    assert entry.announcement.announced_on == expected


# -- malformed items and documents -----------------------------------------------------------


def test_malformed_items_are_skipped_with_reasons() -> None:
    items = [
        Item("2604.21935", 1, "new"),
        Item(
            "9999.99999",
            1,
            "new",
            guid="oai:arXiv.org:not-an-id",
            description="nothing useful",
            link="https://example.org/x",
        ),
        Item("2604.21936", 1, "new", title=OMIT),
        Item("2604.21937", 1, "new", title="   "),
        Item("2604.21938", 1, "absonly"),
        Item("2604.21939", 1, "new", pub_date="someday"),
        Item("2604.21940", 1, "new", guid=OMIT, description="no prefix", link=OMIT),
        Item("2604.21941", 1, "new", announce_element=OMIT, description="Abstract: no type"),
        Item("2604.21942", 1, "cross"),
    ]
    listing = parse_listing(build_feed(["cs.AI"], items))
    assert [e.paper.arxiv_id for e in listing.entries] == ["2604.21935", "2604.21942"]
    reasons = [(s.identifier, s.reason) for s in listing.skipped]
    assert len(reasons) == 7
    assert reasons[0][0] == "oai:arXiv.org:not-an-id"
    assert "invalid arXiv id" in reasons[0][1]
    assert reasons[1] == ("oai:arXiv.org:2604.21936v1", "item has no title")
    assert reasons[2] == ("oai:arXiv.org:2604.21937v1", "item has no title")
    assert reasons[3] == ("oai:arXiv.org:2604.21938v1", "unknown announce type 'absonly'")
    assert reasons[4] == ("oai:arXiv.org:2604.21939v1", "unreadable pubDate 'someday'")
    assert reasons[5][0] is None and "no arXiv id" in reasons[5][1]
    assert reasons[6] == ("oai:arXiv.org:2604.21941v1", "item has no announce type")


def test_item_date_is_required_when_the_channel_has_none() -> None:
    item = Item("2604.21935", 1, "new", pub_date=OMIT)
    listing = parse_listing(build_feed(["cs.AI"], [item], pub_date=None))
    assert listing.entries == ()
    assert [s.reason for s in listing.skipped] == ["item has no pubDate"]


def test_html_error_page_is_a_parse_error() -> None:
    page = (
        b"<!DOCTYPE html>\n<html><head><title>503 Service Temporarily Unavailable</title></head>"
        b"<body><h1>Service Temporarily Unavailable</h1><br></body></html>"
    )
    with pytest.raises(ArxivParseError, match="HTML page.*503 Service Temporarily Unavailable"):
        parse_listing(page)


def test_xhtml_page_is_a_parse_error() -> None:
    page = b'<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>'
    with pytest.raises(ArxivParseError, match="HTML page"):
        parse_listing(page)


def test_truncated_feed_is_a_parse_error() -> None:
    content = fixture_bytes(REAL_FEED)
    with pytest.raises(ArxivParseError, match="truncated or malformed"):
        parse_listing(content[: len(content) // 2])


@pytest.mark.parametrize("content", [b"", b"  \n", b"plain text, not XML"])
def test_non_xml_is_a_parse_error(content: bytes) -> None:
    with pytest.raises(ArxivParseError):
        parse_listing(content)


def test_atom_document_is_a_parse_error() -> None:
    with pytest.raises(ArxivParseError, match="Atom feed"):
        parse_listing(fixture_bytes(API_2026))


def test_rss_without_channel_is_a_parse_error() -> None:
    with pytest.raises(ArxivParseError, match="no <channel>"):
        parse_listing(b'<rss version="2.0"></rss>')


def feed_error(query: str, message: str) -> bytes:
    """arXiv's answer (HTTP 400) to an invalid category (arxiv-feed serialize_error)."""
    rss = etree.Element("rss", nsmap=NSMAP)
    rss.set("version", "2.0")
    channel = etree.SubElement(rss, "channel")
    _text(channel, "title", f"Feed error for query: https://rss.arxiv.org/rss/{query}")
    _text(channel, "link", f"https://rss.arxiv.org/rss/{query}")
    _text(channel, "description", message)
    etree.SubElement(
        channel,
        f"{{{ATOM}}}link",
        href=f"https://rss.arxiv.org/rss/{query}",
        rel="self",
        type="application/rss+xml",
    )
    _text(channel, "docs", "http://www.rssboard.org/rss-specification")
    _text(channel, "language", "en-us")
    _text(channel, "lastBuildDate", "Mon, 27 Apr 2026 14:02:11 +0000")
    _text(channel, "managingEditor", "rss-help.arxiv.org")
    _text(channel, "pubDate", "Mon, 27 Apr 2026 00:00:00 -0400")
    return etree.tostring(rss, pretty_print=True, xml_declaration=True, encoding="UTF-8")


BAD_SUBJECT = (
    "Bad subject class 'XX'. Valid subject classes for the archive 'cs' are: "
    "cs.AI, cs.AR, cs.CC, cs.CE, cs.CG, cs.CL, cs.CR, cs.CV, cs.CY, cs.DB."
)


@pytest.mark.parametrize(
    ("query", "message", "category"),
    [
        ("cs.AI+cs.XX+cs.LG", BAD_SUBJECT, "cs.XX"),
        ("foo.BAR+cs.AI", "Bad archive 'foo'. Valid archive names are: astro-ph, cs.", "foo.BAR"),
        ("cs.AI+a.b.c", "Bad archive/subject class structure 'a.b.c'. Valid names ...", "a.b.c"),
        ("cs.XX", "Some other error text.", "cs.XX"),
    ],
)
def test_feed_error_names_the_rejected_category(query: str, message: str, category: str) -> None:
    with pytest.raises(ArxivParseError) as caught:
        parse_listing(feed_error(query, message))
    text = str(caught.value)
    assert f"category '{category}'" in text
    assert message.split(".")[0] in text


def test_feed_error_without_a_single_culprit_names_the_query() -> None:
    with pytest.raises(ArxivParseError, match="query 'cs.AI\\+cs.LG'"):
        parse_listing(feed_error("cs.AI+cs.LG", "Internal Server Error."))


def test_external_entities_are_never_resolved() -> None:
    feed = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>'
        b'<rss version="2.0"><channel><pubDate>Mon, 27 Apr 2026 00:00:00 -0400</pubDate><item>'
        b"<title>&xxe;</title><guid>oai:arXiv.org:2604.21935v1</guid>"
        b"<description>arXiv:2604.21935v1 Announce Type: new \nAbstract: &xxe;</description>"
        b"</item></channel></rss>"
    )
    listing = parse_listing(feed)
    assert listing.entries == ()
    assert [s.reason for s in listing.skipped] == ["item has no title"]


# -- the description format, as a property ------------------------------------------------------

NEW_STYLE_IDS = st.builds(
    lambda yymm, number: (
        f"{yymm}.{number:05d}" if yymm >= "1501" else f"{yymm}.{number % 10000:04d}"
    ),
    st.sampled_from(["0704", "1007", "1412", "1501", "2312", "2604", "9912"]),
    st.integers(0, 99999),
)
OLD_STYLE_IDS = st.builds(
    lambda archive, year, month, number: f"{archive}/{year:02d}{month:02d}{number:03d}",
    st.sampled_from(["hep-th", "math-ph", "cond-mat", "math.GT", "astro-ph", "cs"]),
    st.sampled_from([91, 95, 99, 0, 3, 7]),
    st.integers(1, 12),
    st.integers(1, 999),
)
IDS = NEW_STYLE_IDS | OLD_STYLE_IDS
TYPES = st.sampled_from([member.value for member in AnnounceType])


@given(arxiv_id=IDS, version=st.integers(1, 60), kind=TYPES, abstract=st.text())
def test_description_round_trips(arxiv_id: str, version: int, kind: str, abstract: str) -> None:
    description = f"arXiv:{arxiv_id}v{version} Announce Type: {kind} \nAbstract: {abstract}"
    parts = parse_description(description)
    assert parts.versioned_id == f"{arxiv_id}v{version}"
    assert parts.announce_type == kind
    assert parts.abstract == abstract.strip()


def test_description_with_abstract_label_inside_the_text() -> None:
    text = "arXiv:2604.21935v1 Announce Type: new \nAbstract: Abstract: we study\nAbstract: x"
    assert parse_description(text).abstract == "Abstract: we study\nAbstract: x"


XML_TEXT = st.text(
    st.characters(exclude_categories=("Cs", "Cc", "Cn")) | st.sampled_from(["\n", "\t", " "])
)


@settings(deadline=None, max_examples=60)
@given(arxiv_id=IDS, version=st.integers(1, 60), kind=TYPES, abstract=XML_TEXT, title=XML_TEXT)
def test_items_round_trip_through_xml(
    arxiv_id: str, version: int, kind: str, abstract: str, title: str
) -> None:
    item = Item(arxiv_id, version, kind, title=title + " x", abstract=abstract)
    (entry,) = parse_listing(build_feed(["cs.AI"], [item])).entries
    assert entry.paper.arxiv_id == arxiv_id
    assert entry.paper.version == entry.announcement.version == version
    assert entry.announcement.announce_type.value == kind
    assert entry.paper.abstract == abstract.strip()
    assert entry.paper.title == " ".join((title + " x").split())


# -- a full feed ----------------------------------------------------------------------------


def big_feed(count: int) -> bytes:
    records = parse_listing(fixture_bytes(REAL_FEED)).entries
    items = []
    for number in range(1, count + 1):
        paper = records[number % 3].paper
        items.append(
            Item(
                f"2604.{number:05d}",
                1 + number % 3,
                ["new", "cross", "replace", "replace-cross"][number % 4],
                title=paper.title,
                abstract=paper.abstract,
                authors=paper.authors,
                categories=paper.categories,
            )
        )
    return build_feed(FOLLOWED, items)


def test_a_full_2000_item_feed_parses_whole() -> None:
    # How fast: python bench/parse.py (target: well under a second).
    listing = parse_listing(big_feed(MAX_FEED_RESULTS))
    assert len(listing.entries) == MAX_FEED_RESULTS
    assert len({entry.paper.arxiv_id for entry in listing.entries}) == MAX_FEED_RESULTS
    assert listing.entries[0].paper.versioned_id == "2604.00001v2"
    assert listing.entries[-1].paper.versioned_id == "2604.02000v3"


# -- feed_url and fetch_listing ---------------------------------------------------------------


def test_feed_url_joins_categories_with_plus() -> None:
    assert (
        feed_url("https://rss.arxiv.org/rss", FOLLOWED)
        == "https://rss.arxiv.org/rss/cs.AI+cs.CL+cs.DC+cs.LG"
    )
    assert feed_url("http://127.0.0.1:8000/rss/", ["hep-th"]) == "http://127.0.0.1:8000/rss/hep-th"


@pytest.mark.parametrize("categories", [[], [""], ["cs.AI", "cs LG"], ["cs.AI+cs.LG"], ["a/b"]])
def test_feed_url_refuses_bad_category_lists(categories: list[str]) -> None:
    with pytest.raises(ValueError):
        feed_url("https://rss.arxiv.org/rss", categories)


PATH = "/rss/cs.AI+cs.CL+cs.DC+cs.LG"


def test_fetch_is_one_request_for_all_categories(
    replay: ReplayServer, client_factory: ClientFactory
) -> None:
    replay.add(PATH, Reply(body=fixture_bytes(MIXED_FEED), content_type="application/rss+xml"))
    client = client_factory()
    fetched = fetch_listing(client, replay.url("/rss"), FOLLOWED)
    assert isinstance(fetched, FetchedListing)
    listing, response = fetched
    assert [r.path for r in replay.requests] == [PATH]
    assert response.status_code == 200
    assert str(response.request.url) == replay.url(PATH)
    assert len(listing.entries) == 12 and listing.announced_on == dt.date(2026, 4, 27)


def test_conditional_fetch_after_remember_is_not_modified(
    replay: ReplayServer, client_factory: ClientFactory
) -> None:
    replay.add(PATH, Reply(body=fixture_bytes(MIXED_FEED), etag='"feed-v1"'))
    cache = DictCache()
    client = client_factory(cache=cache)
    first = fetch_listing(client, replay.url("/rss"), FOLLOWED)
    assert not first.listing.not_modified and len(first.listing.entries) == 12
    assert cache.data == {}  # nothing remembered behind the caller's back
    client.remember(first.response)
    assert cache.data == {replay.url(PATH): ('"feed-v1"', None)}
    second = fetch_listing(client, replay.url("/rss"), FOLLOWED)
    assert second.response.status_code == 304
    assert second.listing == Listing(announced_on=None, not_modified=True)
    assert [r.header("If-None-Match") for r in replay.requests] == [None, '"feed-v1"']


def test_without_remember_the_next_fetch_is_a_full_read(
    replay: ReplayServer, client_factory: ClientFactory
) -> None:
    replay.add(PATH, Reply(body=fixture_bytes(MIXED_FEED), etag='"feed-v1"'))
    client = client_factory(cache=DictCache())
    fetch_listing(client, replay.url("/rss"), FOLLOWED)
    second = fetch_listing(client, replay.url("/rss"), FOLLOWED)
    assert second.response.status_code == 200
    assert len(second.listing.entries) == 12
    assert [r.header("If-None-Match") for r in replay.requests] == [None, None]


def test_unconditional_fetch_ignores_remembered_validators(
    replay: ReplayServer, client_factory: ClientFactory
) -> None:
    replay.add(PATH, Reply(body=fixture_bytes(MIXED_FEED), etag='"feed-v1"'))
    client = client_factory(cache=DictCache())
    client.remember(fetch_listing(client, replay.url("/rss"), FOLLOWED).response)
    again = fetch_listing(client, replay.url("/rss"), FOLLOWED, conditional=False)
    assert again.response.status_code == 200 and not again.listing.not_modified


def test_fetch_of_an_invalid_category_names_it(
    replay: ReplayServer, client_factory: ClientFactory
) -> None:
    query = "cs.AI+cs.XX"
    replay.add(f"/rss/{query}", Reply(status=400, body=feed_error(query, BAD_SUBJECT)))
    with pytest.raises(ArxivParseError, match="category 'cs.XX'") as caught:
        fetch_listing(client_factory(), replay.url("/rss"), ["cs.AI", "cs.XX"])
    assert caught.value.url == replay.url(f"/rss/{query}")
    assert len(replay.requests) == 1


def test_fetch_400_without_feed_error_is_an_http_error(
    replay: ReplayServer, client_factory: ClientFactory
) -> None:
    replay.add("/rss/cs.AI", Reply(status=400, body=b"Bad Request", content_type="text/plain"))
    with pytest.raises(ArxivHTTPError) as caught:
        fetch_listing(client_factory(), replay.url("/rss"), ["cs.AI"])
    assert caught.value.status == 400


def test_fetch_of_an_html_page_is_a_parse_error_with_the_url(
    replay: ReplayServer, client_factory: ClientFactory
) -> None:
    replay.add(
        "/rss/cs.AI",
        Reply(body=b"<html><title>Maintenance</title></html>", content_type="text/html"),
    )
    with pytest.raises(ArxivParseError, match="HTML page") as caught:
        fetch_listing(client_factory(), replay.url("/rss"), ["cs.AI"])
    assert caught.value.url == replay.url("/rss/cs.AI")


def test_fetch_warns_when_a_feed_hits_arxivs_limit(
    replay: ReplayServer, client_factory: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    replay.add(PATH, Reply(body=big_feed(MAX_FEED_RESULTS)))
    with caplog.at_level(logging.WARNING, logger="arxiv_radar.arxiv.rss"):
        fetched = fetch_listing(client_factory(), replay.url("/rss"), FOLLOWED)
    assert len(fetched.listing.entries) == MAX_FEED_RESULTS
    assert any("2000" in record.getMessage() for record in caplog.records)


def test_fetch_of_a_normal_feed_does_not_warn(
    replay: ReplayServer, client_factory: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    replay.add(PATH, Reply(body=fixture_bytes(MIXED_FEED)))
    with caplog.at_level(logging.WARNING, logger="arxiv_radar.arxiv.rss"):
        fetch_listing(client_factory(), replay.url("/rss"), FOLLOWED)
    assert caplog.records == []
