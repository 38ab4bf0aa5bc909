"""RSS, Atom and JSON Feed output: parsed by feedparser and by a real reader (newsboat).

Golden files in ``golden_feeds/`` hold the feeds of :func:`sample_digest` with a base URL;
after an intended change, ``ARXIV_RADAR_UPDATE_GOLDEN=1 pytest tests/publish/test_feeds.py``
writes the new output beside each golden as ``.new`` for review (``scripts/accept_goldens.py``).

The newsboat test is skipped when newsboat is not installed (``apt-get install newsboat``),
except under ``CI=true``, where a missing newsboat is a failure: CI must not pass by skipping.
"""

from __future__ import annotations

import calendar
import datetime as dt
import html
import json
import os
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import urlopen

import feedparser
import jsonschema
import lxml.etree
import lxml.html
import pytest
from hypothesis import given
from hypothesis import strategies as st

from arxiv_radar.arxiv.taxonomy import category_name
from arxiv_radar.models import (
    AnnounceType,
    Digest,
    DigestEntry,
    Explanation,
    Paper,
    RankedPaper,
)
from arxiv_radar.publish.feeds import (
    CATEGORY_SCHEME,
    JSON_FEED_VERSION,
    NAMESPACE,
    category_file,
    feed_entries,
    render_atom,
    render_json_feed,
    render_rss,
    write_feeds,
)

from digest_helpers import GENERATED_AT, XSS_PAYLOADS, check_golden, sample_digest, xss_digest
from reader_helpers import newsboat_items, serve_folder

GOLDEN = Path(__file__).parent / "golden_feeds"
BASE_URL = "https://radar.example.org/daily"
ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
# arXiv's listing feeds date a day at midnight America/New_York: 2026-04-27 is EDT (-4h).
ANNOUNCED_UTC = dt.datetime(2026, 4, 27, 4, 0, tzinfo=dt.UTC)
ANNOUNCED_UNIX = calendar.timegm(ANNOUNCED_UTC.timetuple())
PAYLOAD_HOST = "evil.example"


def _digest(base_url: str | None = BASE_URL) -> Digest:
    return sample_digest().model_copy(update={"base_url": base_url})


def _renderings(digest: Digest) -> dict[str, bytes]:
    """Every feed of a digest by file name: what write_feeds writes, rendered in memory."""
    feeds = {
        "rss.xml": render_rss(digest),
        "atom.xml": render_atom(digest),
        "feed.json": render_json_feed(digest),
    }
    feeds.update(
        {category_file(cat): render_rss(digest, category=cat) for cat in digest.categories}
    )
    return feeds


def _parse(data: bytes) -> Any:
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


def _plain(text: str) -> str:
    return " ".join(text.split())


def _html_text(fragment: str) -> str:
    return _plain(lxml.html.fragment_fromstring(fragment, create_parent="div").text_content())


# -- goldens and determinism -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml", "feed.json", "cs.AI.xml"])
def test_feeds_match_their_golden_files(name: str) -> None:
    check_golden(GOLDEN / name, _renderings(_digest())[name])


def test_the_same_digest_renders_to_the_same_bytes() -> None:
    assert _renderings(_digest()) == _renderings(_digest())
    assert _renderings(_digest(None)) == _renderings(_digest(None))


def test_build_date_is_the_digest_generation_time() -> None:
    rss = _parse(render_rss(_digest()))
    assert rss.feed.updated_parsed == GENERATED_AT.utctimetuple()  # <lastBuildDate>
    atom = _parse(render_atom(_digest()))
    assert atom.feed.updated_parsed == GENERATED_AT.utctimetuple()


# -- fields round-trip through feedparser ----------------------------------------------------


@pytest.mark.parametrize("render", [render_rss, render_atom], ids=["rss", "atom"])
def test_items_round_trip_through_feedparser(render: Any) -> None:
    digest = _digest()
    parsed = _parse(render(digest))
    entries = feed_entries(digest)
    assert len(parsed.entries) == len(entries) == len(digest.entries) > 3
    for item, entry in zip(parsed.entries, entries, strict=True):
        paper = entry.ranked.paper
        assert item.title == _plain(paper.title)
        assert item.link == f"https://arxiv.org/abs/{paper.arxiv_id}"
        assert item.id == f"https://arxiv.org/abs/{paper.arxiv_id}v{paper.version}"
        assert item.published_parsed == ANNOUNCED_UTC.utctimetuple()
        assert [tag.term for tag in item.tags] == list(
            dict.fromkeys([paper.primary_category, *paper.categories])
        )
        assert {tag.scheme for tag in item.tags} == {CATEGORY_SCHEME}
        assert item.radar_score == f"{entry.ranked.score:g}"
        assert item.radar_rank == str(entry.ranked.rank)
        assert item.radar_announce_type == entry.ranked.announce_type.value
        assert item.radar_version == str(paper.version)
        content = _html_text(item.content[0].value)
        assert _plain(paper.abstract) in content
        assert f"Score: {entry.ranked.score:g}" in content
        assert f"Announce type: {entry.ranked.announce_type.value}" in content
        if entry.summary is not None:
            assert entry.summary.tldr
            assert entry.summary.extractive
            assert f"TL;DR (extractive): {_plain(entry.summary.tldr)}" in content
            assert "Summary (extractive" in content
            assert item.summary == f"TL;DR (extractive): {_plain(entry.summary.tldr)}"
            assert item.radar_summary_extractive == "true"
        else:
            assert "TL;DR" not in content and "Summary" not in content
            assert _plain(paper.abstract).startswith(html.unescape(item.summary).rstrip("…"))


def test_rss_items_are_permalinks_with_dc_authors() -> None:
    digest = _digest()
    parsed = _parse(render_rss(digest))
    guids = lxml.etree.fromstring(render_rss(digest)).findall("channel/item/guid")
    # isPermaLink="true": the versioned abstract page is the item's lasting address.
    assert [guid.get("isPermaLink") for guid in guids] == ["true"] * len(digest.entries)
    for item, entry in zip(parsed.entries, feed_entries(digest), strict=True):
        assert item.author == ", ".join(entry.ranked.paper.authors)


def test_atom_items_have_one_author_each_and_a_pdf_link() -> None:
    digest = _digest()
    parsed = _parse(render_atom(digest))
    for item, entry in zip(parsed.entries, feed_entries(digest), strict=True):
        paper = entry.ranked.paper
        assert [author.name for author in item.authors] == list(paper.authors)
        links = {(link.rel, link.get("type"), link.href) for link in item.links}
        assert ("alternate", "text/html", f"https://arxiv.org/abs/{paper.arxiv_id}") in links
        assert ("related", "application/pdf", f"https://arxiv.org/pdf/{paper.versioned_id}") in (
            links
        )
        assert item.updated_parsed == ANNOUNCED_UTC.utctimetuple()
        assert [tag.label for tag in item.tags] == [category_name(tag.term) for tag in item.tags]


def test_rss_dates_are_timezone_aware_rfc822() -> None:
    root = lxml.etree.fromstring(render_rss(_digest()))
    dates = [element.text for element in root.iter("pubDate")]
    assert dates and set(dates) == {"Mon, 27 Apr 2026 00:00:00 -0400"}
    assert root.findtext("channel/lastBuildDate") == "Mon, 27 Apr 2026 06:30:05 +0000"


# -- JSON Feed ---------------------------------------------------------------------------------

_URL: dict[str, Any] = {"type": "string", "pattern": "^https?://"}
_AUTHOR: dict[str, Any] = {
    "type": "object",
    "minProperties": 1,
    "properties": {"name": {"type": "string"}, "url": _URL, "avatar": _URL},
    "additionalProperties": False,
}
JSON_FEED_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/)",
    "type": "object",
    "required": ["version", "title", "items"],
    "properties": {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": {"type": "string", "minLength": 1},
        "home_page_url": _URL,
        "feed_url": _URL,
        "description": {"type": "string"},
        "user_comment": {"type": "string"},
        "next_url": _URL,
        "icon": _URL,
        "favicon": _URL,
        "authors": {"type": "array", "items": _AUTHOR},
        "language": {"type": "string"},
        "expired": {"type": "boolean"},
        "hubs": {"type": "array"},
        "items": {"type": "array", "items": {"$ref": "#/$defs/item"}},
    },
    "patternProperties": {"^_": {"type": "object"}},  # extensions start with an underscore
    "additionalProperties": False,
    "$defs": {
        "item": {
            "type": "object",
            "required": ["id"],
            "anyOf": [{"required": ["content_html"]}, {"required": ["content_text"]}],
            "properties": {
                "id": {"type": "string", "minLength": 1},
                "url": _URL,
                "external_url": _URL,
                "title": {"type": "string"},
                "content_html": {"type": "string", "minLength": 1},
                "content_text": {"type": "string"},
                "summary": {"type": "string"},
                "image": _URL,
                "banner_image": _URL,
                "date_published": {"type": "string", "format": "date-time"},
                "date_modified": {"type": "string", "format": "date-time"},
                "authors": {"type": "array", "items": _AUTHOR},
                "tags": {"type": "array", "items": {"type": "string"}},
                "language": {"type": "string"},
                "attachments": {"type": "array"},
            },
            "patternProperties": {"^_": {"type": "object"}},
            "additionalProperties": False,
        }
    },
}


def _json_feed(digest: Digest, category: str | None = None) -> dict[str, Any]:
    feed: dict[str, Any] = json.loads(render_json_feed(digest, category=category))
    jsonschema.Draft202012Validator.check_schema(JSON_FEED_SCHEMA)
    validator = jsonschema.Draft202012Validator(
        JSON_FEED_SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = [
        f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(feed)
    ]
    assert not errors, errors
    for item in feed["items"]:  # RFC 3339 with an offset, whatever format checker is present
        for key in ("date_published", "date_modified"):
            assert dt.datetime.fromisoformat(item[key]).utcoffset() is not None
    return feed


@pytest.mark.parametrize("base_url", [BASE_URL, None])
def test_json_feed_follows_the_1_1_spec(base_url: str | None) -> None:
    digest = _digest(base_url)
    feed = _json_feed(digest)
    assert feed["version"] == JSON_FEED_VERSION
    assert feed["title"] == digest.title
    for item, entry in zip(feed["items"], feed_entries(digest), strict=True):
        paper = entry.ranked.paper
        assert item["id"] == f"https://arxiv.org/abs/{paper.versioned_id}"
        assert item["url"] == f"https://arxiv.org/abs/{paper.arxiv_id}"
        assert item["title"] == _plain(paper.title)
        assert [author["name"] for author in item["authors"]] == list(paper.authors)
        assert item["tags"][0] == paper.primary_category
        assert set(item["tags"]) == set(paper.categories)
        assert dt.datetime.fromisoformat(item["date_published"]) == ANNOUNCED_UTC
        assert _plain(paper.abstract) in _html_text(item["content_html"])
        radar = item["_arxiv_radar"]
        assert radar["score"] == entry.ranked.score
        assert radar["rank"] == entry.ranked.rank
        assert radar["announce_type"] == entry.ranked.announce_type.value
        assert radar["version"] == paper.version
        assert radar["pdf_url"] == f"https://arxiv.org/pdf/{paper.versioned_id}"
        if entry.summary is None:
            assert radar["summary"] is None
        else:
            assert radar["summary"]["extractive"] is True
            assert radar["summary"]["tldr"] == entry.summary.tldr
            assert item["summary"] == f"TL;DR (extractive): {entry.summary.tldr}"


# -- per-category feeds -------------------------------------------------------------------------


def test_category_feeds_hold_the_papers_listed_in_them() -> None:
    digest = _digest()
    assert digest.categories == ("cs.AI", "cs.CL", "cs.DC", "cs.LG")
    sizes = {}
    for cat in digest.categories:
        parsed = _parse(render_rss(digest, category=cat))
        expected = [
            f"https://arxiv.org/abs/{entry.ranked.paper.versioned_id}"
            for entry in digest.entries
            if cat in entry.ranked.paper.categories
        ]
        assert [item.id for item in parsed.entries] == expected
        assert all(cat in {tag.term for tag in item.tags} for item in parsed.entries)
        assert parsed.feed.title == f"{digest.title} · {cat}"
        sizes[cat] = len(expected)
        assert _json_feed(digest, cat)["items"] == [
            item
            for item in _json_feed(digest)["items"]
            if item["id"] in expected  # same items, same content, rank order kept
        ]
    # The sample day has papers in some categories and none in cs.DC: an empty feed is valid.
    assert sizes["cs.AI"] > sizes["cs.CL"] > 0 and sizes["cs.DC"] == 0


def test_category_file_names_are_checked() -> None:
    assert category_file("cs.AI") == "cs.AI.xml"
    assert category_file("hep-th") == "hep-th.xml"
    assert category_file("astro-ph.CO") == "astro-ph.CO.xml"
    for bad in ("../cs.AI", "cs/AI", "", ".hidden", "cs.AI.."):
        with pytest.raises(ValueError, match="category"):
            category_file(bad)


# -- self links --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "base_url", [BASE_URL, BASE_URL + "/", "https://radar.example.org", "https://r.example/"]
)
def test_self_links_join_the_base_url_and_the_feed_paths(base_url: str) -> None:
    digest = _digest(base_url)
    site = base_url.rstrip("/") + "/"
    rss = _parse(render_rss(digest))
    assert rss.feed.link == site
    assert _self_links(rss) == [site + "feeds/rss.xml"]
    category = _parse(render_rss(digest, category="cs.AI"))
    assert _self_links(category) == [site + "feeds/cs.AI.xml"]
    atom = _parse(render_atom(digest))
    assert _self_links(atom) == [site + "feeds/atom.xml"]
    assert atom.feed.id == site + "feeds/atom.xml"
    assert [link.href for link in atom.feed.links if link.rel == "alternate"] == [site]
    feed = _json_feed(digest)
    assert feed["feed_url"] == site + "feeds/feed.json"
    assert feed["home_page_url"] == site


def test_without_a_base_url_there_are_no_self_links() -> None:
    digest = _digest(None)
    for data in (render_rss(digest), render_atom(digest), render_rss(digest, category="cs.AI")):
        assert _self_links(_parse(data)) == []
    assert _parse(render_rss(digest)).feed.link == "https://arxiv.org/"
    assert _parse(render_rss(digest, category="cs.AI")).feed.link == (
        "https://arxiv.org/list/cs.AI/new"
    )
    assert _parse(render_atom(digest)).feed.id == "urn:arxiv-radar:default:all"
    feed = _json_feed(digest)
    assert "feed_url" not in feed and "home_page_url" not in feed


def _self_links(parsed: Any) -> list[str]:
    return [link.href for link in parsed.feed.get("links", []) if link.rel == "self"]


# -- writing --------------------------------------------------------------------------------------


def test_write_feeds_writes_every_feed_atomically(tmp_path: Path) -> None:
    digest = _digest()
    folder = tmp_path / "site" / "feeds"
    written = write_feeds(digest, folder)
    names = ["rss.xml", "atom.xml", "feed.json", "cs.AI.xml", "cs.CL.xml", "cs.DC.xml", "cs.LG.xml"]
    assert written == [folder / name for name in names]
    assert sorted(path.name for path in folder.iterdir()) == sorted(names)  # no temp files left
    rendered = _renderings(digest)
    for path in written:
        assert path.read_bytes() == rendered[path.name]
        assert path.stat().st_mode & 0o777 == 0o644


def test_a_failed_write_leaves_the_last_good_feeds(tmp_path: Path) -> None:
    folder = tmp_path / "feeds"
    write_feeds(_digest(), folder)
    before = {path.name: path.read_bytes() for path in folder.iterdir()}
    broken = _digest().model_copy(update={"title": "Changed", "categories": ("cs.AI", "../x")})
    with pytest.raises(ValueError, match="category"):
        write_feeds(broken, folder)
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before


# -- hostile text ---------------------------------------------------------------------------------


def _item_html(name: str, data: bytes) -> list[str]:
    """Every HTML fragment a reader renders for an item, taken from the raw document (not from
    feedparser, which sanitizes on its own)."""
    if name.endswith(".json"):
        return [item["content_html"] for item in json.loads(data)["items"]]
    root = lxml.etree.fromstring(data)
    if root.tag == "rss":
        parts = [*root.iter("description"), *root.iter(f"{{{CONTENT_NS}}}encoded")]
        parts = [part for part in parts if part.getparent().tag == "item"]
    else:
        parts = [*root.iter(f"{{{ATOM_NS}}}content"), *root.iter(f"{{{ATOM_NS}}}summary")]
        assert all(part.get("type") == "html" for part in parts)
    return [part.text or "" for part in parts]


def assert_harmless_html(fragment: str) -> None:
    """No script, no event handler, no javascript: URL, no image from the payload host."""
    tree = lxml.html.fragment_fromstring(fragment, create_parent="div")
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        assert element.tag not in ("script", "svg", "img", "iframe", "object", "style"), fragment
        for attribute, value in element.attrib.items():
            assert not attribute.lower().startswith("on"), fragment
            assert "javascript:" not in value.lower().replace(" ", ""), fragment
            assert PAYLOAD_HOST not in value, fragment


def _titles(name: str, data: bytes) -> list[str]:
    if name.endswith(".json"):
        return [item["title"] for item in json.loads(data)["items"]]
    root = lxml.etree.fromstring(data)
    if root.tag == "rss":
        titles = list(root.iterfind("channel/item/title"))
    else:
        titles = list(root.iterfind(f"{{{ATOM_NS}}}entry/{{{ATOM_NS}}}title"))
        assert all(title.get("type", "text") == "text" for title in titles)
    assert all(len(title) == 0 for title in titles)  # text only, no child elements
    return [title.text or "" for title in titles]


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml", "feed.json", "cs.AI.xml"])
def test_hostile_text_is_escaped_or_sanitized(name: str) -> None:
    digest = xss_digest()
    data = _renderings(digest)[name]
    fragments = _item_html(name, data)
    assert fragments
    for fragment in fragments:
        assert_harmless_html(fragment)
    # Titles stay plain text, exactly as arXiv wrote them.
    assert _titles(name, data) == [_plain(entry.ranked.paper.title) for entry in digest.entries]
    # The payloads are visible as text where they were text (the abstract), not dropped.
    contents = [fragment for fragment in fragments if "<h3>Abstract</h3>" in fragment]
    for fragment, payload in zip(contents, XSS_PAYLOADS, strict=True):
        assert _plain(payload) in _html_text(fragment)
        assert "AI summary (evil-model" in _html_text(fragment)


def test_feedparser_sees_no_markup_in_hostile_titles_and_authors() -> None:
    digest = xss_digest()
    parsed = _parse(render_atom(digest))
    for item, entry in zip(parsed.entries, digest.entries, strict=True):
        assert item.title_detail.type == "text/plain"
        assert item.title == _plain(entry.ranked.paper.title)
        assert item.authors[0].name == _plain(entry.ranked.paper.authors[0])


def test_control_characters_are_dropped_and_whitespace_collapsed() -> None:
    paper = Paper(
        arxiv_id="2604.30001",
        version=2,
        title="A\x00 title\x1b with\u202e bidi\n  and   breaks\ufffe",
        abstract="Text\x07 here.",
        authors=("Ann\x0b Author",),
        categories=("cs.AI",),
    )
    digest = _one_paper_digest(paper)
    for data in (render_rss(digest), render_atom(digest)):
        item = _parse(data).entries[0]
        assert item.title == "A title with bidi and breaks"
        assert item.id == "https://arxiv.org/abs/2604.30001v2"
    assert _json_feed(digest)["items"][0]["title"] == "A title with bidi and breaks"


def test_a_paper_without_authors_keeps_atom_valid() -> None:
    paper = Paper(arxiv_id="2604.30002", version=1, title="Anonymous", categories=("cs.AI",))
    digest = _one_paper_digest(paper)
    parsed = _parse(render_atom(digest))
    assert parsed.feed.author == digest.title  # Atom: the feed's author stands in
    assert "authors" not in _json_feed(digest)["items"][0]
    assert _parse(render_rss(digest)).entries[0].get("author") is None


@given(
    title=st.text(max_size=80),
    abstract=st.text(max_size=200),
    author=st.text(max_size=30),
)
def test_any_text_makes_well_formed_feeds(title: str, abstract: str, author: str) -> None:
    paper = Paper(
        arxiv_id="2604.30003",
        version=1,
        title=title,
        abstract=abstract,
        authors=(author,),
        categories=("cs.AI",),
    )
    digest = _one_paper_digest(paper)
    titles = []
    for name, data in (("rss.xml", render_rss(digest)), ("atom.xml", render_atom(digest))):
        lxml.etree.fromstring(data)  # well-formed XML, or this raises
        _parse(data)
        titles += _titles(name, data)
        for fragment in _item_html(name, data):
            assert_harmless_html(fragment)
    titles += _titles("feed.json", render_json_feed(digest))
    assert len(set(titles)) == 1 and titles[0]


def _one_paper_digest(paper: Paper) -> Digest:
    ranked = RankedPaper(
        rank=1,
        paper=paper,
        announce_type=AnnounceType.REPLACE,
        score=0.5,
        explanation=Explanation(mode="keywords", total=0.5),
    )
    return Digest(
        announced_on=dt.date(2026, 4, 27),
        generated_at=GENERATED_AT,
        title="Radar",
        categories=("cs.AI",),
        entries=(DigestEntry(ranked=ranked),),
    )


# -- a real feed reader: newsboat -----------------------------------------------------------------


def newsboat_or_skip() -> str:
    found = shutil.which("newsboat")
    if found:
        return found
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("newsboat is not installed but CI=true: apt-get install -y newsboat")
    pytest.skip("the feed reader test needs newsboat (apt-get install -y newsboat)")


@pytest.mark.parametrize("make", [sample_digest, xss_digest], ids=["sample", "xss"])
def test_newsboat_reads_every_item(make: Any, tmp_path: Path) -> None:
    newsboat = newsboat_or_skip()
    site = tmp_path / "site"
    (site / "feeds").mkdir(parents=True)
    with serve_folder(site) as base_url:
        digest = make().model_copy(update={"base_url": base_url})
        write_feeds(digest, site / "feeds")
        for name in ("rss.xml", "atom.xml", "cs.AI.xml"):
            url = f"{base_url}/feeds/{name}"
            with urlopen(url, timeout=10) as response:  # the self link serves the feed itself
                assert response.read() == (site / "feeds" / name).read_bytes()
            stored = {row["guid"]: row for row in newsboat_items(newsboat, url, tmp_path / name)}
            category = None if name in ("rss.xml", "atom.xml") else name.removesuffix(".xml")
            entries = feed_entries(digest, category)
            assert entries and sorted(stored) == sorted(
                f"https://arxiv.org/abs/{entry.ranked.paper.versioned_id}" for entry in entries
            )
            for entry in entries:
                paper = entry.ranked.paper
                row = stored[f"https://arxiv.org/abs/{paper.versioned_id}"]
                assert row["title"] == _plain(paper.title)
                assert row["url"] == f"https://arxiv.org/abs/{paper.arxiv_id}"
                assert row["author"] == ", ".join(_plain(author) for author in paper.authors)
                assert row["pubDate"] == ANNOUNCED_UNIX
                assert_harmless_html(row["content"])
                assert _plain(paper.abstract) in _html_text(row["content"])
                assert f"Announce type: {entry.ranked.announce_type.value}" in _html_text(
                    row["content"]
                )
    if make is xss_digest:  # the payloads reached the reader, as text
        assert any("<script>" in html.unescape(row["title"]) for row in stored.values())


def test_namespace_is_declared_once_per_document() -> None:
    for data in (render_rss(_digest()), render_atom(_digest())):
        root = lxml.etree.fromstring(data)
        assert root.nsmap["radar"] == NAMESPACE
        assert urlsplit(NAMESPACE).scheme == "https"
