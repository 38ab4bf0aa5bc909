"""The demo day shipped in the package: that it is what it says it is, and that the ordinary
fetch, store, rank and publish code runs on it unchanged through the demo transport.

Truthfulness is checked against the recorded arXiv responses in ``tests/fixtures/arxiv``,
read by arxiv-radar's own parsers: every item is one real record with its id, version, title,
authors, abstract, categories and dates; only the items arXiv really announced on the demo's
date say they were; no item is shown as announced before it was submitted. Only the committed
``src/arxiv_radar/demo`` files are checked (``scripts/build_demo_day.py`` needs ``../shared``,
which a clone may not have).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import lxml.html
import pytest
from lxml import etree

from arxiv_radar.arxiv.atom import parse_feed
from arxiv_radar.arxiv.http import ArxivClient, RateGate
from arxiv_radar.arxiv.normalize import normalize_abstract
from arxiv_radar.arxiv.oai import parse_list_records
from arxiv_radar.arxiv.rss import fetch_listing, parse_listing
from arxiv_radar.config import ArxivConfig, ProfileConfig
from arxiv_radar.demo import (
    DEMO_BUILT_AT,
    DEMO_CATEGORIES,
    DEMO_DAY,
    DEMO_NOTICE,
    DEMO_NOW,
    DEMO_PAPERS,
    demo_config,
    demo_feed_bytes,
    demo_papers,
    demo_records,
    demo_transport,
    seed_store,
)
from arxiv_radar.ingest import fetch_latest
from arxiv_radar.models import AnnounceType, Listing, Paper
from arxiv_radar.publish.markdown import escape_markdown
from arxiv_radar.rank import candidates_from_listing, rank_papers
from arxiv_radar.rank.ranker import rank_day
from arxiv_radar.store import Store

ROOT = Path(__file__).resolve().parents[1]
DAY_FILE = ROOT / "src" / "arxiv_radar" / "demo" / "day.xml"
FIXTURES = ROOT / "tests" / "fixtures" / "arxiv"
RSS_EXCERPT = "rss2_new_format_cs.AI_excerpt_3items_reserialized_2026-04-27.xml"
API_SEARCH = "api_atom_search_testing_100entries_2026.xml"
OAI_DC = "oai_dc_ListRecords_set_cs_trimmed_with_resumptionToken_2024.xml"
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


@pytest.fixture(scope="module")
def recorded() -> dict[str, dict[str, Paper]]:
    """Every record of the three recorded sources, by file and id, as arxiv-radar reads it."""
    excerpt = parse_listing((FIXTURES / RSS_EXCERPT).read_bytes())
    return {
        RSS_EXCERPT: {e.paper.arxiv_id: e.paper for e in excerpt.entries},
        API_SEARCH: {
            p.arxiv_id: p for p in parse_feed((FIXTURES / API_SEARCH).read_bytes()).papers
        },
        OAI_DC: {p.arxiv_id: p for p in parse_list_records([(FIXTURES / OAI_DC).read_bytes()])},
    }


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
    assert len(listing.entries) == len(channel.findall("item")) == DEMO_PAPERS
    assert set(demo_records()) == {entry.paper.arxiv_id for entry in listing.entries}
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
    assert any("\n" in entry.paper.abstract for entry in listing.entries)
    for entry in listing.entries:
        assert entry.paper.abstract == raw[entry.paper.versioned_id]


def test_announce_types_follow_arxivs_rules_and_order(listing: Listing) -> None:
    followed = set(DEMO_CATEGORIES)
    kinds = [entry.announcement.announce_type.value for entry in listing.entries]
    assert set(Counter(kinds)) == set(TYPE_ORDER)
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


# -- truthfulness --------------------------------------------------------------------------


def test_every_item_is_its_recorded_record(
    listing: Listing, recorded: dict[str, dict[str, Paper]]
) -> None:
    records = demo_records()
    by_source = Counter(record["source"] for record in records.values())
    # The newest recorded sources only: nothing from the 2016 pages (2007 records).
    assert set(by_source) == {RSS_EXCERPT, API_SEARCH, OAI_DC}
    for paper in demo_papers():
        record = records[paper.arxiv_id]
        source = recorded[record["source"]][paper.arxiv_id]
        where = f"{paper.arxiv_id} ({record['source']})"
        assert (paper.version, record["version"]) == (source.version, source.version), where
        assert paper.title == source.title, where
        assert paper.authors == source.authors, where
        assert set(paper.categories) == set(source.categories), where
        assert paper.primary_category == source.primary_category, where
        assert normalize_abstract(paper.abstract) == normalize_abstract(source.abstract), where
        assert (paper.doi, paper.journal_ref) == (source.doi, source.journal_ref), where
        assert paper.license == source.license, where
        # The dates and comment a listing cannot carry: the source's own, or none.
        assert (paper.published, paper.updated) == (source.published, source.updated), where
        assert paper.comment == source.comment, where
    # Dates are known wherever the source has them: every export API record has both.
    api_papers = [p for p in demo_papers() if records[p.arxiv_id]["source"] == API_SEARCH]
    assert len(api_papers) >= 25 and all(p.published and p.updated for p in api_papers)


def test_only_records_announced_on_the_demos_date_claim_it(
    listing: Listing, recorded: dict[str, dict[str, Paper]]
) -> None:
    excerpt = parse_listing((FIXTURES / RSS_EXCERPT).read_bytes())
    assert excerpt.announced_on == DEMO_DAY  # the real feed of that Monday
    really = {e.paper.arxiv_id: e.announcement for e in excerpt.entries}
    claimed = {a for a, record in demo_records().items() if record["announced_on_shown_date"]}
    assert claimed == set(really) and len(claimed) == 3
    for entry in listing.entries:
        if entry.paper.arxiv_id in really:
            assert entry.announcement.announce_type == really[entry.paper.arxiv_id].announce_type
    assert f"only {len(claimed)} of them were announced that day" in DEMO_NOTICE


def test_no_item_is_shown_as_announced_before_it_was_submitted() -> None:
    records = demo_records()
    for paper in demo_papers():
        submitted = paper.updated or paper.published
        if submitted is not None:
            assert submitted.date() < DEMO_DAY, paper.arxiv_id
            assert paper.published is not None and paper.published <= submitted
        else:  # no dates in the source: only the items of the real listing of that day
            assert records[paper.arxiv_id]["announced_on_shown_date"], paper.arxiv_id
        # A new-style id names its month of first submission: never after the shown date.
        if re.fullmatch(r"\d{4}\.\d{5}", paper.arxiv_id):
            year, month = 2000 + int(paper.arxiv_id[:2]), int(paper.arxiv_id[2:4])
            assert (year, month) <= (DEMO_DAY.year, DEMO_DAY.month), paper.arxiv_id
            if paper.published is not None:
                assert (paper.published.year, paper.published.month) == (year, month)


def test_the_notice_says_exactly_what_the_day_is(listing: Listing) -> None:
    papers = demo_papers()
    years = sorted(p.published.year if p.published else DEMO_DAY.year for p in papers)
    categories = ", ".join(DEMO_CATEGORIES[:-1]) + f" and {DEMO_CATEGORIES[-1]}"
    assert DEMO_NOTICE.startswith(
        f"Demo day: {len(listing.entries)} real arXiv records of {categories}, first submitted "
        f"{years[0]}–{years[-1]}, shown as if announced on Monday 27 April 2026;"
    )
    assert tuple(demo_config().arxiv.categories) == DEMO_CATEGORIES


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


def test_seeded_dates_survive_the_fetch(client: ArxivClient, store: Store) -> None:
    seeded = seed_store(store)
    assert seeded.papers_inserted == DEMO_PAPERS
    fetch_latest(ArxivConfig(), client, store, now=DEMO_NOW, catch_up=False)
    stored = {s.paper.arxiv_id: s.paper for s in store.papers_announced_on(DEMO_DAY)}
    assert len(stored) == DEMO_PAPERS
    for paper in demo_papers():
        got = stored[paper.arxiv_id]
        assert (got.published, got.updated, got.comment) == (
            paper.published,
            paper.updated,
            paper.comment,
        )
        assert (got.version, got.title, got.abstract) == (
            paper.version,
            paper.title,
            paper.abstract,
        )


def test_default_profile_keeps_papers_of_every_category(listing: Listing, store: Store) -> None:
    ranked = rank_papers(candidates_from_listing(listing.entries), ProfileConfig())
    assert 15 <= len(ranked) <= ProfileConfig().max_papers
    assert {r.announce_type for r in ranked} == {AnnounceType.NEW, AnnounceType.CROSS}
    assert ranked[0].score >= ranked[-1].score > 0
    for category in DEMO_CATEGORIES:
        assert any(category in r.paper.categories for r in ranked), category

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


# -- arxiv-radar demo ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What ``arxiv-radar demo`` writes, run as a user runs it (offline by construction)."""
    output = tmp_path_factory.mktemp("demo") / "out"
    result = subprocess.run(
        [sys.executable, "-m", "arxiv_radar", "demo", "--output", str(output)],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200", "HOME": str(output.parent)},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert f"{DEMO_PAPERS} papers announced" in result.stdout
    return output


def test_every_followed_category_has_papers_in_the_digest_and_its_feed(
    demo_output: Path,
) -> None:
    digest = json.loads((demo_output / "exports" / "digest.json").read_text(encoding="utf-8"))
    assert tuple(digest["categories"]) == DEMO_CATEGORIES
    for category in DEMO_CATEGORIES:
        in_digest = [p for p in digest["papers"] if category in p["categories"]]
        assert in_digest, f"no paper of {category} in the demo's digest"
        feed = etree.parse(str(demo_output / "feeds" / f"{category}.xml"))
        items = feed.findall("channel/item")
        assert len(items) == len(in_digest), category


def test_the_demos_outputs_say_what_the_day_is(demo_output: Path) -> None:
    readme = (demo_output / "README.md").read_text(encoding="utf-8")
    assert f"> **Note**: {escape_markdown(DEMO_NOTICE)}\n" in readme
    assert readme.index("**Note**") < readme.index("## 📊 Statistics")
    for page in ("index.html", "archive/index.html", f"archive/{DEMO_DAY.isoformat()}.html"):
        tree = lxml.html.parse(str(demo_output / "site" / page))
        [note] = tree.xpath("//main/p[@role='note']")
        assert note.text_content() == DEMO_NOTICE and len(note) == 0, page
    rss = etree.parse(str(demo_output / "feeds" / "rss.xml"))
    assert "as if announced on 27 April 2026" in (rss.findtext("channel/description") or "")


def test_the_demos_exports_give_each_paper_its_true_dates(demo_output: Path) -> None:
    papers = {p.arxiv_id: p for p in demo_papers()}
    digest = json.loads((demo_output / "exports" / "digest.json").read_text(encoding="utf-8"))
    assert len(digest["papers"]) >= 15
    for item in digest["papers"]:
        paper = papers[item["arxiv_id"]]
        assert item["version"] == paper.version
        assert item["authors"] == list(paper.authors)
        published = paper.published.isoformat().replace("+00:00", "Z") if paper.published else None
        assert item["published"] == published, item["arxiv_id"]
    bibtex = (demo_output / "exports" / "digest.bib").read_text(encoding="utf-8")
    entries = re.findall(r"year\s*=\s*\{(\d{4})\},.*?eprint\s*=\s*\{([^}]+)\}", bibtex, re.S)
    assert len(entries) == len(digest["papers"])
    for year, arxiv_id in entries:
        paper = papers[arxiv_id]
        expected = paper.published.year if paper.published else DEMO_DAY.year
        assert int(year) == expected, arxiv_id
