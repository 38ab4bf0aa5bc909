"""The demo announcement day shipped in the package: its format, its content, and that the
ordinary fetch, store and rank code reads it unchanged through the demo transport.

Only the committed ``src/arxiv_radar/demo/day.xml`` is checked (``scripts/build_demo_day.py``
needs ``../shared``, which a clone may not have).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lxml import etree

from arxiv_radar.arxiv.http import ArxivClient, RateGate
from arxiv_radar.arxiv.rss import fetch_listing, parse_listing
from arxiv_radar.config import ArxivConfig, ProfileConfig
from arxiv_radar.demo import (
    DEMO_BUILT_AT,
    DEMO_CATEGORIES,
    DEMO_DAY,
    DEMO_NOW,
    demo_feed_bytes,
    demo_transport,
)
from arxiv_radar.ingest import fetch_latest
from arxiv_radar.models import AnnounceType, Listing
from arxiv_radar.rank import candidates_from_listing, rank_papers
from arxiv_radar.rank.ranker import rank_day
from arxiv_radar.store import Store

DAY_FILE = Path(__file__).resolve().parents[1] / "src" / "arxiv_radar" / "demo" / "day.xml"
FEED_URL = "https://rss.arxiv.org/rss/cs.AI+cs.CL+cs.DC+cs.LG"
TYPE_ORDER = [t.value for t in AnnounceType]  # new, cross, replace, replace-cross
ARXIV_NS = "http://arxiv.org/schemas/atom"
DC_NS = "http://purl.org/dc/elements/1.1/"
CHANNEL_TAGS = [
    "title",
    "link",
    "description",
    f"{{{'http://www.w3.org/2005/Atom'}}}link",
    "docs",
    "language",
    "lastBuildDate",
    "managingEditor",
    "pubDate",
    "skipDays",
]
ITEM_TAGS = re.compile(
    r"title link description guid (category )+pubDate \{A\}announce_type (\{D\}rights )?"
    r"(\{A\}DOI )?(\{A\}journal_reference )?\{D\}creator \Z"
)
DESCRIPTION = re.compile(
    r"arXiv:(?P<id>\S+)v(?P<v>\d+) Announce Type: (?P<type>\S+) \nAbstract: \S", re.DOTALL
)
PUB_DATE = "Mon, 27 Apr 2026 00:00:00 -0400"


@pytest.fixture(scope="module")
def listing() -> Listing:
    return parse_listing(demo_feed_bytes())


@pytest.fixture(scope="module")
def channel() -> etree._Element:
    found = etree.fromstring(DAY_FILE.read_bytes()).find("channel")
    assert found is not None
    return found


@pytest.fixture
def client() -> Iterator[ArxivClient]:
    gate = RateGate(sleep=lambda seconds: None)  # arXiv hosts keep their 3 s; not waited here
    with ArxivClient(
        transport=demo_transport(), min_interval=0, gate=gate, sleep=lambda s: None
    ) as made:
        yield made


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(str(tmp_path / "demo.db")) as opened:
        yield opened


# -- the file ------------------------------------------------------------------------------


def test_package_resource_is_the_committed_file() -> None:
    assert demo_feed_bytes() == DAY_FILE.read_bytes()
    assert demo_feed_bytes().startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n<rss ")


def test_parser_reads_every_item(listing: Listing, channel: etree._Element) -> None:
    assert listing.skipped == ()
    assert len(listing.entries) == len(channel.findall("item")) >= 100
    assert listing.announced_on == DEMO_DAY == dt.date(2026, 4, 27)
    assert DEMO_DAY.weekday() == 0  # a Monday


def test_channel_is_rss_arxiv_orgs(channel: etree._Element) -> None:
    root = channel.getparent()
    assert root is not None and root.tag == "rss" and root.get("version") == "2.0"
    assert list(root.nsmap) == ["arxiv", "dc", "atom", "content"]
    assert [child.tag for child in channel if child.tag != "item"] == CHANNEL_TAGS
    assert channel.findtext("title") == "cs.AI, cs.CL, cs.DC, cs.LG updates on arXiv.org"
    assert channel.findtext("link") == "http://rss.arxiv.org/rss/cs.AI+cs.CL+cs.DC+cs.LG"
    assert channel.findtext("pubDate") == PUB_DATE
    assert channel.findtext("lastBuildDate") == "Mon, 27 Apr 2026 04:00:02 +0000"
    assert [day.text for day in channel.iterfind("skipDays/day")] == ["Sunday", "Saturday"]


def test_items_have_arxivs_shape(channel: etree._Element) -> None:
    for item in channel.iterfind("item"):
        tags = "".join(
            f"{child.tag} ".replace(f"{{{ARXIV_NS}}}", "{A}").replace(f"{{{DC_NS}}}", "{D}")
            for child in item
        )
        guid = item.find("guid")
        assert guid is not None and guid.get("isPermaLink") == "false"
        assert ITEM_TAGS.match(tags), (guid.text, tags)
        match = DESCRIPTION.match(item.findtext("description") or "")
        assert match, guid.text
        assert guid.text == f"oai:arXiv.org:{match['id']}v{match['v']}"
        assert item.findtext("link") == f"https://arxiv.org/abs/{match['id']}"
        assert item.findtext(f"{{{ARXIV_NS}}}announce_type") == match["type"]
        assert item.findtext("pubDate") == PUB_DATE


def test_one_announcement_date_everywhere(listing: Listing) -> None:
    assert {entry.announcement.announced_on for entry in listing.entries} == {DEMO_DAY}


def test_every_paper_is_complete(listing: Listing) -> None:
    ids = [entry.paper.arxiv_id for entry in listing.entries]
    assert len(ids) == len(set(ids)), "a paper is listed once a day"
    followed = set(DEMO_CATEGORIES)
    for entry in listing.entries:
        paper = entry.paper
        assert paper.title and paper.title == " ".join(paper.title.split())
        assert paper.abstract and paper.abstract == paper.abstract.strip()
        assert paper.authors and all(name.strip() for name in paper.authors)
        assert paper.categories and paper.primary_category == paper.categories[0]
        assert followed & set(paper.categories), paper.arxiv_id
        assert entry.announcement.version == paper.version


def test_multi_line_abstracts_survive_intact(listing: Listing, channel: etree._Element) -> None:
    raw = {
        (item.findtext("guid") or "").removeprefix("oai:arXiv.org:"): (
            item.findtext("description") or ""
        ).split("\nAbstract: ", 1)[1]
        for item in channel.iterfind("item")
    }
    multi_line = [entry for entry in listing.entries if "\n" in entry.paper.abstract]
    assert len(multi_line) >= 20
    for entry in listing.entries:
        assert entry.paper.abstract == raw[entry.paper.versioned_id]
    # A real hard-wrapped abstract (OAI record 0704.1020), line for line.
    paper = next(e.paper for e in listing.entries if e.paper.arxiv_id == "0704.1020")
    assert paper.abstract.splitlines()[:2] == [
        "The on-line shortest path problem is considered under various models of",
        "partial monitoring. Given a weighted directed acyclic graph whose edge weights",
    ]


def test_announce_types_follow_arxivs_rules_and_order(listing: Listing) -> None:
    followed = set(DEMO_CATEGORIES)
    kinds = [entry.announcement.announce_type.value for entry in listing.entries]
    counts = Counter(kinds)
    assert set(counts) == set(TYPE_ORDER)
    # Realistic proportions: new papers lead, every other kind is a real share of the day.
    assert counts["new"] > counts["cross"] > counts["replace"] >= counts["replace-cross"]
    assert all(counts[kind] >= 0.08 * len(kinds) for kind in TYPE_ORDER)
    # Grouped new, cross, replace, replace-cross; ids ascending in each group.
    assert kinds == sorted(kinds, key=TYPE_ORDER.index)
    for kind in TYPE_ORDER:
        group = [e.paper.arxiv_id for e in listing.entries if e.announcement.announce_type == kind]
        assert group == sorted(group)
    for entry in listing.entries:
        kind = entry.announcement.announce_type
        primary_followed = entry.paper.primary_category in followed
        if kind in (AnnounceType.NEW, AnnounceType.CROSS):
            assert entry.paper.version == 1
        else:
            assert 2 <= entry.paper.version <= 5  # arXiv lists replacements below v6 only
        expected_primary = kind in (AnnounceType.NEW, AnnounceType.REPLACE)
        assert primary_followed == expected_primary, entry.paper.arxiv_id


def test_real_items_are_kept_as_recorded(listing: Listing) -> None:
    by_id = {entry.paper.arxiv_id: entry for entry in listing.entries}
    math = by_id["2604.21935"]  # the real cs.AI feed of 2026-04-27
    assert math.paper.title.startswith("Math Takes Two")
    assert math.paper.authors == ("Michael Cooper", "Samuel Cooper")
    assert math.paper.license == "http://creativecommons.org/licenses/by/4.0/"
    rest = by_id["2206.10210"]  # export API record, a fifth version
    assert rest.paper.version == 5
    assert rest.announcement.announce_type == AnnounceType.REPLACE_CROSS
    assert rest.paper.categories == ("cs.SE", "cs.LG")


# -- the transport -------------------------------------------------------------------------


def test_transport_serves_the_feed_with_arxivs_headers() -> None:
    with httpx.Client(transport=demo_transport()) as http:
        response = http.get(FEED_URL)
        assert response.status_code == 200
        assert response.content == demo_feed_bytes()
        assert response.headers["Content-Type"] == "application/rss+xml"
        etag = response.headers["ETag"]
        assert re.fullmatch(r"[0-9a-f]{64}", etag)
        assert response.headers["Last-Modified"] == "Mon, 27 Apr 2026 04:00:02 GMT"
        assert "max-age=" in response.headers["Cache-Control"]
        # The same feed from the legacy host, categories in another order.
        assert http.get("https://arxiv.org/rss/cs.LG+cs.DC+cs.CL+cs.AI").status_code == 200
        for other in (
            "https://rss.arxiv.org/rss/cs.AI",
            "https://rss.arxiv.org/rss/cs.AI+cs.CL+cs.DC+cs.LG+cs.CV",
            "https://rss.arxiv.org/atom/cs.AI+cs.CL+cs.DC+cs.LG",
            "https://export.arxiv.org/api/query?search_query=cat:cs.AI",
        ):
            assert http.get(other).status_code == 404, other
        assert http.post(FEED_URL).status_code == 404
        revalidated = http.get(FEED_URL, headers={"If-None-Match": etag})
        assert revalidated.status_code == 304 and revalidated.content == b""
        since = {"If-Modified-Since": "Mon, 27 Apr 2026 04:00:02 GMT"}
        assert http.get(FEED_URL, headers=since).status_code == 304
        earlier = {"If-Modified-Since": "Sun, 26 Apr 2026 04:00:02 GMT"}
        assert http.get(FEED_URL, headers=earlier).status_code == 200
        assert http.get(FEED_URL, headers={"If-None-Match": '"other"'}).status_code == 200


def test_fetch_listing_reads_it_through_the_polite_client(client: ArxivClient) -> None:
    listing, response = fetch_listing(client, "https://rss.arxiv.org/rss", DEMO_CATEGORIES)
    assert response.status_code == 200
    assert listing == parse_listing(demo_feed_bytes())
    assert client.requests_sent == 1


# -- the pipeline on it --------------------------------------------------------------------


def test_fetch_stores_the_whole_day(client: ArxivClient, store: Store, listing: Listing) -> None:
    client.cache = store
    config = ArxivConfig()
    assert tuple(config.categories) == DEMO_CATEGORIES
    report = fetch_latest(config, client, store, now=DEMO_NOW, catch_up=False)
    assert report.requests == 1 and not report.warnings and not report.skipped
    [day] = report.days
    assert (day.announced_on, day.source, day.status) == (DEMO_DAY, "rss", "ingested")
    total = len(listing.entries)
    assert day.counts.papers_inserted == day.counts.announcements_inserted == total
    assert day.by_type == Counter(e.announcement.announce_type.value for e in listing.entries)
    assert store.count_papers() == total
    assert store.latest_announcement_date() == DEMO_DAY
    stored = store.papers_announced_on(DEMO_DAY)
    assert [s.paper.arxiv_id for s in stored] == [e.paper.arxiv_id for e in listing.entries]
    for item, entry in zip(stored, listing.entries, strict=True):
        assert item.paper.abstract == entry.paper.abstract
        assert item.paper.authors == entry.paper.authors
        assert [a.announce_type for a in item.announcements] == [entry.announcement.announce_type]
    etag = hashlib.sha256(demo_feed_bytes()).hexdigest()  # arxiv-feed's ETag
    assert store.get_validators(FEED_URL) == (etag, "Mon, 27 Apr 2026 04:00:02 GMT")

    again = fetch_latest(config, client, store, now=DEMO_NOW, catch_up=False)
    assert [d.status for d in again.days] == ["not-modified"]
    assert store.count_papers() == total


def test_default_profile_keeps_a_realistic_share(listing: Listing, store: Store) -> None:
    ranked = rank_papers(candidates_from_listing(listing.entries), ProfileConfig())
    assert 15 <= len(ranked) <= ProfileConfig().max_papers
    assert {r.announce_type for r in ranked} <= {AnnounceType.NEW, AnnounceType.CROSS}
    assert ranked[0].score >= ranked[-1].score > 0
    rules = {match.rule for item in ranked for match in item.explanation.matches}
    assert {"LLM", "Distributed", "Parallel"} <= rules

    store.ingest(listing.entries)
    day = rank_day(store, "default", ProfileConfig(), day=DEMO_DAY)
    assert day.considered == len(listing.entries)
    assert 15 <= day.kept < day.considered
    assert [r.paper.arxiv_id for r in day.ranked] == [r.paper.arxiv_id for r in ranked]


def test_demo_constants_agree_with_the_feed(channel: etree._Element) -> None:
    assert DEMO_BUILT_AT.strftime("%a, %d %b %Y %H:%M:%S +0000") == channel.findtext(
        "lastBuildDate"
    )
    assert DEMO_NOW > DEMO_BUILT_AT and DEMO_NOW.date() == DEMO_DAY
