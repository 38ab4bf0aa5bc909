"""The export API: parsing recorded Atom responses, paging, id look-ups, announcement derivation."""

from __future__ import annotations

import copy
import datetime as dt
import logging
from collections.abc import Sequence
from urllib.parse import parse_qs

import pytest
from lxml import etree

from arxiv_radar.arxiv.api import (
    MAX_PAGE_SIZE,
    MAX_TOTAL,
    build_submitted_query,
    lookup_ids,
    search_submitted,
)
from arxiv_radar.arxiv.atom import parse_feed
from arxiv_radar.arxiv.derive import derive_announcement, derive_listing
from arxiv_radar.arxiv.ids import InvalidArxivId
from arxiv_radar.arxiv.normalize import collapse_whitespace, normalize_abstract
from arxiv_radar.errors import ArxivAPIError, ArxivParseError
from arxiv_radar.models import AnnounceType, Paper

from replay_server import RecordedRequest, ReplayServer, Reply, fixture_bytes

SEARCH_100 = "api_atom_search_testing_100entries_2026.xml"
SEARCH_START10 = "api_atom_search_testing_start10_10entries_2026.xml"
SINGLE = "api_atom_idlist_single_1605.08386_2026.xml"
EMPTY = "api_atom_empty_result_idlist_0000.0000_2026.xml"
LEGACY_IDLIST = "api_atom_legacy_idlist_1111.2011v2_2016.xml"
LEGACY_SEARCH = "api_atom_legacy_search_ANDNOT_2016.xml"
ERROR_400 = "synthetic_api_error_400.xml"

ATOM = "http://www.w3.org/2005/Atom"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
PATH = "/api/query"
UTC = dt.UTC


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


# -- building pages from the recorded 100-entry response ------------------------------------


def _recorded_entries() -> list[etree._Element]:
    feed = etree.fromstring(fixture_bytes(SEARCH_100))
    return feed.findall(f"{{{ATOM}}}entry")


ENTRIES = _recorded_entries()
ENTRY_IDS = [
    collapse_whitespace(entry.findtext(f"{{{ATOM}}}id")).removeprefix("http://arxiv.org/abs/")
    for entry in ENTRIES
]


def page_body(entries: Sequence[etree._Element], *, total: int, start: int, per_page: int) -> bytes:
    """The recorded feed's envelope with ``entries`` (real ones) and rewritten opensearch totals."""
    feed = etree.fromstring(fixture_bytes(SEARCH_100))
    for entry in feed.findall(f"{{{ATOM}}}entry"):
        feed.remove(entry)
    for name, value in (("totalResults", total), ("startIndex", start), ("itemsPerPage", per_page)):
        element = feed.find(f"{{{OPENSEARCH}}}{name}")
        assert element is not None
        element.text = str(value)
    for entry in entries:
        feed.append(copy.deepcopy(entry))
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8")


def query_of(request: RecordedRequest) -> dict[str, list[str]]:
    return parse_qs(request.raw_query, keep_blank_values=True)


# -- parse_feed: recorded responses ------------------------------------------------------------


def test_first_entry_of_the_100_entry_search_has_every_field() -> None:
    page = parse_feed(fixture_bytes(SEARCH_100))
    assert (page.total_results, page.start_index, page.items_per_page) == (214881, 0, 100)
    assert len(page.papers) == 100
    assert page.skipped == ()
    first = page.papers[0]
    assert first.arxiv_id == "2202.12139"
    assert first.version == 1
    assert first.title == (
        "Testing Deep Learning Models: A First Comparative Study of Multiple Testing Techniques"
    )
    assert first.abstract.startswith("Deep Learning (DL) has revolutionized the capabilities")
    assert first.abstract.endswith("on a classical benchmark used in VBS and discuss its results.")
    assert first.authors == ("Mohit Kumar Ahuja", "Arnaud Gotlieb", "Helge Spieker")
    assert first.categories == ("cs.SE", "cs.LG")
    assert first.primary_category == "cs.SE"
    assert first.published == utc(2022, 2, 24, 15, 5, 19)
    assert first.updated == utc(2022, 2, 24, 15, 5, 19)
    assert first.comment == "Artificial Intelligence in Software Testing 2022 workshop @ ICST 2022"
    assert first.journal_ref == (
        "Artificial Intelligence in Software Testing @ 2022 IEEE International Conference on "
        "Software Testing, Verification and Validation Workshops (ICSTW)"
    )
    assert first.doi == "10.1109/ICSTW55395.2022.00035"
    assert first.license is None


def test_entry_with_doi_and_journal_ref() -> None:
    paper = parse_feed(fixture_bytes(SEARCH_100)).papers[53]
    assert paper.versioned_id == "2304.06414v1"
    assert paper.title == (
        "Towards Energy Consumption and Carbon Footprint Testing for AI-driven IoT Services"
    )
    assert paper.authors == (
        "Demetris Trihinas",
        "Lauritz Thamsen",
        "Jossekin Beilharz",
        "Moysis Symeonides",
    )
    assert paper.categories == ("cs.DC",)
    assert (
        paper.journal_ref == "2022 IEEE International Conference on Cloud Engineering (IC2E 2022)"
    )
    assert paper.doi == "10.1109/IC2E55432.2022.00011"
    assert paper.comment == (
        "Presented at the 2nd International Workshop on Testing Distributed Internet of Things "
        "Systems (TDIS 2022)"
    )


def test_entry_at_version_9_keeps_v1_date_as_published() -> None:
    paper = parse_feed(fixture_bytes(SEARCH_100)).papers[25]
    assert (paper.arxiv_id, paper.version) == ("2409.05654", 9)
    assert paper.title == "Continuous Testing: Unifying Tests and E-values"
    assert paper.authors == ("Nick W. Koning",)
    assert paper.published == utc(2024, 9, 9, 14, 21, 19)
    assert paper.updated == utc(2025, 5, 8, 20, 52, 40)
    assert paper.doi is None and paper.journal_ref is None


def test_last_entry_is_an_old_style_id_with_non_ascii_author() -> None:
    paper = parse_feed(fixture_bytes(SEARCH_100)).papers[-1]
    assert (paper.arxiv_id, paper.version) == ("gr-qc/0103067", 1)
    assert paper.title == (
        "Principles of Equivalence: Their Role in Gravitation Physics and Experiments that "
        "Test Them"
    )
    assert paper.authors == ("Mark P. Haugan", "C. Lämmerzahl")
    assert paper.categories == ("gr-qc",)
    assert paper.primary_category == "gr-qc"
    assert paper.journal_ref == "Lect.Notes Phys.562:195-212,2001"
    assert paper.doi == "10.1007/3-540-40988-2_10"
    # The recorded summary starts with two spaces: they are not kept.
    assert paper.abstract.startswith("Modern formulations of equivalence principles")


def test_primary_category_is_read_not_guessed() -> None:
    papers = parse_feed(fixture_bytes(SEARCH_100)).papers
    paper = papers[15]  # 2301.05651: categories cs.LG cs.SE, primary cs.LG
    assert paper.categories == ("cs.LG", "cs.SE")
    assert paper.primary_category == "cs.LG"
    assert papers[24].categories == ("cs.AI", "cs.SE")
    assert papers[24].primary_category == "cs.AI"


def test_paragraph_breaks_in_summaries_are_kept() -> None:
    paper = parse_feed(fixture_bytes(SEARCH_100)).papers[83]  # 2206.10210v5
    assert paper.versioned_id == "2206.10210v5"
    paragraphs = paper.abstract.split("\n\n")
    assert [p.split(":")[0] for p in paragraphs] == [
        "Context",
        "Objective",
        "Methods",
        "Results",
        "Conclusion",
    ]
    assert paragraphs[0] == (
        "Context: Machine learning (ML) may enable effective automated test generation."
    )
    assert all("\n" not in p and "  " not in p for p in paragraphs)


def test_single_idlist_entry_every_field() -> None:
    page = parse_feed(fixture_bytes(SINGLE))
    assert (page.total_results, page.start_index, page.items_per_page) == (1, 0, 100)
    assert page.papers == (
        Paper(
            arxiv_id="1605.08386",
            version=1,
            title="Heat-bath random walks with Markov bases",
            abstract=(
                "Graphs on lattice points are studied whose edges come from a finite set of "
                "allowed moves of arbitrary length. We show that the diameter of these graphs on "
                "fibers of a fixed integer matrix can be bounded from above by a constant. We then "
                "study the mixing behaviour of heat-bath random walks on these graphs. We also "
                "state explicit conditions on the set of moves so that the heat-bath random walk, "
                "a generalization of the Glauber dynamics, is an expander in fixed dimension."
            ),
            authors=("Caprice Stanley", "Tobias Windisch"),
            categories=("math.CO", "math.ST"),
            primary_category="math.CO",
            published=utc(2016, 5, 26, 17, 59, 46),
            updated=utc(2016, 5, 26, 17, 59, 46),
            comment="20 pages, 3 figures",
            journal_ref=None,
            doi=None,
            license=None,
        ),
    )


def test_empty_result() -> None:
    page = parse_feed(fixture_bytes(EMPTY))
    assert page.papers == ()
    assert page.skipped == ()
    assert page.total_results == 0
    assert page.items_per_page == 100


def test_legacy_idlist_with_explicit_version() -> None:
    page = parse_feed(fixture_bytes(LEGACY_IDLIST))
    assert page.total_results == 1
    assert page.items_per_page == 10
    (paper,) = page.papers
    assert (paper.arxiv_id, paper.version) == ("1111.2011", 2)
    # The title is hard-wrapped over two lines in the recording.
    assert paper.title == (
        "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit"
    )
    # The summary is hard-wrapped at ~80 columns: joined into one paragraph.
    assert "\n" not in paper.abstract
    assert paper.abstract.startswith(
        "Theoretical description of anisotropic systems, such as layered superconductors and "
        "coupled spin chains, is often a challenge"
    )
    assert "similar to adding a single extra dimension to the theory describing a single node." in (
        paper.abstract
    )
    assert paper.authors == ("James M. Murray", "Adrian Del Maestro", "Zlatko Tesanovic")
    assert paper.categories == ("cond-mat.str-el", "cond-mat.stat-mech")
    assert paper.primary_category == "cond-mat.str-el"
    assert paper.published == utc(2011, 11, 8, 18, 48, 36)
    assert paper.updated == utc(2012, 4, 2, 12, 38, 54)
    assert paper.doi == "10.1103/PhysRevB.85.115117"
    assert paper.journal_ref == "Phys. Rev. B 85, 115117 (2012)"
    assert paper.comment == "8 pages, 3 figures. Published version"


def test_legacy_search_with_per_element_namespaces() -> None:
    page = parse_feed(fixture_bytes(LEGACY_SEARCH))
    assert (page.total_results, page.start_index, page.items_per_page) == (24, 0, 10)
    assert [p.versioned_id for p in page.papers] == [
        "1201.4869v1",
        "cond-mat/0412498v1",
        "1005.5383v1",
        "1303.6954v2",
        "1312.6177v1",
        "1412.6529v2",
        "cond-mat/0607501v2",
        "0807.2873v1",
        "1101.2206v3",
        "1111.2011v2",
    ]
    wrapped = page.papers[6]
    assert wrapped.title == (
        "A striped supersolid phase and the search for deconfined quantum criticality in "
        "hard-core bosons on the triangular lattice"
    )
    assert all("\n" not in p.abstract for p in page.papers)


def test_the_start10_page_continues_the_100_entry_page() -> None:
    page = parse_feed(fixture_bytes(SEARCH_START10))
    assert (page.total_results, page.start_index, page.items_per_page) == (214881, 10, 10)
    assert [p.versioned_id for p in page.papers] == ENTRY_IDS[10:20]


# -- parse_feed: errors and damage -----------------------------------------------------------


def test_error_feed_raises_with_arxivs_message() -> None:
    with pytest.raises(ArxivAPIError, match="incorrect id format for 1234.12345"):
        parse_feed(fixture_bytes(ERROR_400))


def test_error_entry_is_recognised_by_title_and_author_too() -> None:
    body = fixture_bytes(ERROR_400).replace(b"/api/errors#", b"/help/api/user-manual#")
    with pytest.raises(ArxivAPIError, match="incorrect id format"):
        parse_feed(body)


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><head><title>503</title></head><body>busy</body></html>",
        b"<html><body><p>Service unavailable<br></p></body></html>",
        b"",
        b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>',
    ],
    ids=["html5", "html-not-well-formed", "empty", "rss"],
)
def test_non_atom_documents_raise_parse_errors(body: bytes) -> None:
    with pytest.raises(ArxivParseError):
        parse_feed(body, url="https://export.arxiv.org/api/query")


def test_truncated_feed_raises_parse_error() -> None:
    body = fixture_bytes(SEARCH_100)
    with pytest.raises(ArxivParseError) as caught:
        parse_feed(body[: len(body) // 2], url="https://example.test/api")
    assert caught.value.url == "https://example.test/api"


def test_entities_are_not_expanded() -> None:
    body = fixture_bytes(SINGLE).replace(
        b"<feed ",
        b'<!DOCTYPE feed [<!ENTITY secret SYSTEM "file:///etc/hostname">]><feed ',
        1,
    )
    body = body.replace(b"20 pages, 3 figures", b"&secret;")
    page = parse_feed(body)
    assert page.papers[0].comment is None


def test_malformed_entries_are_skipped_and_counted() -> None:
    feed = etree.fromstring(fixture_bytes(SINGLE))
    good = feed.find(f"{{{ATOM}}}entry")
    assert good is not None
    bad_id = copy.deepcopy(good)
    bad_id.find(f"{{{ATOM}}}id").text = "http://arxiv.org/abs/not-an-id"  # type: ignore[union-attr]
    bad_date = copy.deepcopy(good)
    bad_date.find(f"{{{ATOM}}}published").text = "26 May 2016"  # type: ignore[union-attr]
    no_title = copy.deepcopy(good)
    no_title.find(f"{{{ATOM}}}title").text = "  "  # type: ignore[union-attr]
    feed.insert(feed.index(good), bad_id)
    feed.append(bad_date)
    feed.append(no_title)
    page = parse_feed(etree.tostring(feed))
    assert [p.arxiv_id for p in page.papers] == ["1605.08386"]
    assert [s.identifier for s in page.skipped] == [
        "http://arxiv.org/abs/not-an-id",
        "http://arxiv.org/abs/1605.08386v1",
        "http://arxiv.org/abs/1605.08386v1",
    ]
    assert "not an arXiv abstract URL" in page.skipped[0].reason
    assert "published" in page.skipped[1].reason
    assert "no title" in page.skipped[2].reason
    assert page.entry_count == 4


# -- text normalisation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  one\nline\n", "one line"),
        ("first\n  second paragraph\nwrapped", "first\n\nsecond paragraph wrapped"),
        ("a\n\n\nb", "a\n\nb"),
        ("a\r\n  b", "a\n\nb"),
        ("", ""),
        ("\n  \n", ""),
    ],
)
def test_normalize_abstract(raw: str, expected: str) -> None:
    assert normalize_abstract(raw) == expected


# -- search_submitted against a local server -------------------------------------------------


def test_build_submitted_query_uses_gmt_minutes() -> None:
    eastern = dt.timezone(dt.timedelta(hours=-5))
    query = build_submitted_query(
        ["cs.AI", "cs.CL", "cs.AI"],
        dt.datetime(2024, 1, 1, 14, 0, tzinfo=eastern),
        dt.datetime(2024, 1, 2, 14, 0, tzinfo=eastern),
    )
    assert query == "(cat:cs.AI OR cat:cs.CL) AND submittedDate:[202401011900 TO 202401021900]"
    single = build_submitted_query(["hep-th"], utc(2024, 1, 1), utc(2024, 1, 1, 0, 1))
    assert single == "cat:hep-th AND submittedDate:[202401010000 TO 202401010001]"


@pytest.mark.parametrize(
    ("categories", "start", "end"),
    [
        ([], utc(2024, 1, 1), utc(2024, 1, 2)),
        (["cs.AI) OR (all:x"], utc(2024, 1, 1), utc(2024, 1, 2)),
        (["cs.AI"], dt.datetime(2024, 1, 1), utc(2024, 1, 2)),
        (["cs.AI"], utc(2024, 1, 2), utc(2024, 1, 1)),
    ],
    ids=["no-category", "injection", "naive", "reversed"],
)
def test_build_submitted_query_refuses_bad_input(
    categories: list[str], start: dt.datetime, end: dt.datetime
) -> None:
    with pytest.raises(ValueError):
        build_submitted_query(categories, start, end)


def test_search_refuses_page_sizes_and_totals_beyond_arxivs_limits(client_factory: type) -> None:
    client = client_factory()
    window = (utc(2024, 1, 1), utc(2024, 1, 2))
    with pytest.raises(ValueError, match="2000"):
        search_submitted(client, "http://127.0.0.1:9/", ["cs.AI"], *window, page_size=2001)
    with pytest.raises(ValueError, match="30000"):
        search_submitted(client, "http://127.0.0.1:9/", ["cs.AI"], *window, max_total=30001)
    assert MAX_PAGE_SIZE == 2000 and MAX_TOTAL == 30000
    assert client.requests_sent == 0


def _serve_pages(replay: ReplayServer, total: int, page_size: int) -> None:
    for start in range(0, total, page_size):
        body = page_body(
            ENTRIES[start : min(start + page_size, total)],
            total=total,
            start=start,
            per_page=page_size,
        )
        replay.add(PATH, Reply(body=body), when={"start": str(start)})


def test_search_pages_through_every_result_in_order(
    replay: ReplayServer, client_factory: type
) -> None:
    _serve_pages(replay, total=25, page_size=10)
    search = search_submitted(
        client_factory(),
        replay.url(PATH),
        ["cs.SE", "cs.LG"],
        utc(2024, 1, 1, 19, 0),
        utc(2024, 1, 2, 19, 0),
        page_size=10,
    )
    assert replay.requests == []  # lazy: nothing asked yet
    papers = list(search)
    assert [p.versioned_id for p in papers] == ENTRY_IDS[:25]
    assert len(replay.requests) == 3
    queries = [query_of(r) for r in replay.requests]
    assert [q["start"] for q in queries] == [["0"], ["10"], ["20"]]
    assert all(q["max_results"] == ["10"] for q in queries)
    assert all(q["sortBy"] == ["submittedDate"] for q in queries)
    assert all(q["sortOrder"] == ["ascending"] for q in queries)
    expected = "(cat:cs.SE OR cat:cs.LG) AND submittedDate:[202401011900 TO 202401021900]"
    assert all(q["search_query"] == [expected] for q in queries)
    raw = replay.requests[0].raw_query
    assert "submittedDate%3A%5B202401011900+TO+202401021900%5D" in raw
    assert "%28cat%3Acs.SE+OR+cat%3Acs.LG%29" in raw
    assert (search.complete, search.incomplete_reason) == (True, None)
    assert (search.total_results, search.requests, search.pages, search.yielded) == (25, 3, 3, 25)


def test_search_retries_an_empty_page_once(replay: ReplayServer, client_factory: type) -> None:
    _serve_pages(replay, total=25, page_size=10)
    empty = page_body([], total=25, start=10, per_page=10)
    full = page_body(ENTRIES[10:20], total=25, start=10, per_page=10)
    replay.add(PATH, Reply(body=empty), Reply(body=full), when={"start": "10"})
    search = search_submitted(
        client_factory(),
        replay.url(PATH),
        ["cs.SE"],
        utc(2024, 1, 1),
        utc(2024, 1, 2),
        page_size=10,
    )
    assert [p.versioned_id for p in search] == ENTRY_IDS[:25]
    assert [query_of(r)["start"] for r in replay.requests] == [["0"], ["10"], ["10"], ["20"]]
    assert search.complete


def test_search_stops_after_two_empty_pages_with_a_warning(
    replay: ReplayServer, client_factory: type, caplog: pytest.LogCaptureFixture
) -> None:
    _serve_pages(replay, total=25, page_size=10)
    empty = page_body([], total=25, start=10, per_page=10)
    replay.add(PATH, Reply(body=empty), when={"start": "10"})
    search = search_submitted(
        client_factory(),
        replay.url(PATH),
        ["cs.SE"],
        utc(2024, 1, 1),
        utc(2024, 1, 2),
        page_size=10,
    )
    with caplog.at_level(logging.WARNING, logger="arxiv_radar.arxiv.api"):
        papers = list(search)
    assert [p.versioned_id for p in papers] == ENTRY_IDS[:10]
    assert [query_of(r)["start"] for r in replay.requests] == [["0"], ["10"], ["10"]]
    assert not search.complete
    assert search.incomplete_reason is not None and "start=10" in search.incomplete_reason
    assert any("empty pages" in record.getMessage() for record in caplog.records)


def test_search_stops_at_max_total_and_advises_oai_pmh(
    replay: ReplayServer, client_factory: type, caplog: pytest.LogCaptureFixture
) -> None:
    # The real totals (214881 results): page 1 sliced from the 100-entry recording,
    # page 2 is the recorded start=10 response itself.
    replay.add(
        PATH,
        Reply(body=page_body(ENTRIES[:10], total=214881, start=0, per_page=10)),
        when={"start": "0"},
    )
    replay.add(PATH, Reply(body=fixture_bytes(SEARCH_START10)), when={"start": "10"})
    search = search_submitted(
        client_factory(),
        replay.url(PATH),
        ["cs.SE"],
        utc(2024, 1, 1),
        utc(2024, 1, 2),
        page_size=10,
        max_total=20,
    )
    with caplog.at_level(logging.WARNING, logger="arxiv_radar.arxiv.api"):
        papers = list(search)
    assert [p.versioned_id for p in papers] == ENTRY_IDS[:20]
    assert len(replay.requests) == 2
    assert not search.complete
    assert search.total_results == 214881
    messages = " ".join(record.getMessage() for record in caplog.records)
    assert "OAI-PMH" in messages


def test_search_shortens_the_last_page_to_max_total(
    replay: ReplayServer, client_factory: type
) -> None:
    replay.add(
        PATH,
        Reply(body=page_body(ENTRIES[:10], total=214881, start=0, per_page=10)),
        when={"start": "0"},
    )
    replay.add(
        PATH,
        Reply(body=page_body(ENTRIES[10:15], total=214881, start=10, per_page=5)),
        when={"start": "10"},
    )
    search = search_submitted(
        client_factory(),
        replay.url(PATH),
        ["cs.SE"],
        utc(2024, 1, 1),
        utc(2024, 1, 2),
        page_size=10,
        max_total=15,
    )
    assert len(list(search)) == 15
    assert [query_of(r)["max_results"] for r in replay.requests] == [["10"], ["5"]]


def test_search_of_nothing_makes_one_request(replay: ReplayServer, client_factory: type) -> None:
    replay.add(PATH, Reply(body=fixture_bytes(EMPTY)))
    search = search_submitted(
        client_factory(), replay.url(PATH), ["cs.SE"], utc(2024, 1, 1), utc(2024, 1, 2)
    )
    assert list(search) == []
    assert len(replay.requests) == 1
    assert query_of(replay.requests[0])["max_results"] == ["2000"]
    assert search.complete and search.total_results == 0


def test_http_400_error_feed_becomes_an_api_error(
    replay: ReplayServer, client_factory: type
) -> None:
    replay.add(PATH, Reply(status=400, body=fixture_bytes(ERROR_400)))
    search = search_submitted(
        client_factory(), replay.url(PATH), ["cs.SE"], utc(2024, 1, 1), utc(2024, 1, 2)
    )
    with pytest.raises(ArxivAPIError, match="incorrect id format for 1234.12345") as caught:
        list(search)
    assert caught.value.url is not None and caught.value.url.startswith(replay.url(PATH))
    assert len(replay.requests) == 1  # a 400 is not retried


def test_http_400_without_an_error_feed_is_still_an_api_error(
    replay: ReplayServer, client_factory: type
) -> None:
    replay.add(PATH, Reply(status=400, body=b"<html><body>Bad Request</body></html>"))
    search = search_submitted(
        client_factory(), replay.url(PATH), ["cs.SE"], utc(2024, 1, 1), utc(2024, 1, 2)
    )
    with pytest.raises(ArxivAPIError, match="HTTP 400"):
        list(search)


# -- lookup_ids -----------------------------------------------------------------------------


def _idlist_responder(request: RecordedRequest) -> Reply:
    """Like arXiv: return the recorded entries named in ``id_list``, drop unknown ids."""
    by_versioned = dict(zip(ENTRY_IDS, ENTRIES, strict=True))
    by_base = {versioned.rsplit("v", 1)[0]: entry for versioned, entry in by_versioned.items()}
    found = []
    for requested in request.query["id_list"].split(","):
        entry = by_versioned.get(requested)
        if entry is None:
            entry = by_base.get(requested)
        if entry is not None:
            found.append(entry)
    size = int(request.query["max_results"])
    return Reply(body=page_body(found, total=len(found), start=0, per_page=size))


def test_lookup_in_batches_reports_missing_ids(replay: ReplayServer, client_factory: type) -> None:
    known = [versioned.rsplit("v", 1)[0] for versioned in ENTRY_IDS]
    known[:5] = ENTRY_IDS[:5]  # explicit versions are kept
    unknown = [f"2512.{90000 + n}" for n in range(150)]
    ids: list[str] = []
    for n in range(100):  # interleave: 1 known, then (mostly) 1-2 unknown
        ids.append(known[n])
        ids.extend(unknown[n * 3 // 2 : (n + 1) * 3 // 2])
    assert len(ids) == 250
    replay.add(PATH, _idlist_responder)
    lookup = lookup_ids(client_factory(), replay.url(PATH), ids, batch_size=100)
    papers = list(lookup)
    assert len(replay.requests) == 3
    sent = [query_of(r) for r in replay.requests]
    assert [q["id_list"] for q in sent] == [
        [",".join(ids[0:100])],
        [",".join(ids[100:200])],
        [",".join(ids[200:250])],
    ]
    assert [q["max_results"] for q in sent] == [["100"], ["100"], ["50"]]
    assert all(q["start"] == ["0"] for q in sent)
    assert [p.versioned_id for p in papers] == ENTRY_IDS
    assert lookup.missing == unknown
    assert lookup.done and lookup.requests == 3


def test_lookup_normalises_ids_and_drops_duplicates(
    replay: ReplayServer, client_factory: type
) -> None:
    replay.add(PATH, _idlist_responder)
    lookup = lookup_ids(
        client_factory(),
        replay.url(PATH),
        [
            "arXiv:2202.12139v1",
            "https://arxiv.org/abs/2405.13786",
            "oai:arXiv.org:cs/0503050",
            "2405.13786",
            "2409.05654v12",  # a version this paper does not have (it is at v9)
        ],
    )
    papers = list(lookup)
    assert query_of(replay.requests[0])["id_list"] == [
        "2202.12139v1,2405.13786,cs/0503050,2409.05654v12"
    ]
    assert [p.versioned_id for p in papers] == ["2202.12139v1", "2405.13786v1", "cs/0503050v1"]
    assert lookup.missing == ["2409.05654v12"]


def test_lookup_refuses_a_non_id_before_any_request(
    replay: ReplayServer, client_factory: type
) -> None:
    client = client_factory()
    with pytest.raises(InvalidArxivId):
        lookup_ids(client, replay.url(PATH), ["2202.12139", "not an id"])
    assert client.requests_sent == 0
    assert replay.requests == []


def test_lookup_error_feed_raises(replay: ReplayServer, client_factory: type) -> None:
    replay.add(PATH, Reply(status=400, body=fixture_bytes(ERROR_400)))
    lookup = lookup_ids(client_factory(), replay.url(PATH), ["2202.12139"])
    with pytest.raises(ArxivAPIError, match="incorrect id format"):
        next(lookup)


# -- derive_announcement ----------------------------------------------------------------------


def _paper(version: int, categories: tuple[str, ...], primary: str | None = None) -> Paper:
    return Paper(
        arxiv_id="2401.01234",
        version=version,
        title="t",
        categories=categories,
        primary_category=primary if primary is not None else categories[0],
    )


DAY = dt.date(2026, 4, 27)


@pytest.mark.parametrize(
    ("version", "categories", "followed", "expected"),
    [
        (1, ("cs.AI", "cs.LG"), {"cs.AI"}, AnnounceType.NEW),
        (1, ("cs.LG", "cs.AI"), {"cs.AI"}, AnnounceType.CROSS),
        (2, ("cs.AI", "cs.LG"), {"cs.AI"}, AnnounceType.REPLACE),
        (5, ("cs.LG", "cs.AI"), {"cs.AI", "math.ST"}, AnnounceType.REPLACE_CROSS),
        (1, ("cs.LG", "stat.ML"), {"cs.AI"}, None),
        (3, ("math.ST",), {"cs.AI"}, None),
        (1, ("cs.LG", "stat.ML"), {"cs"}, AnnounceType.NEW),  # an archive covers its classes
        (2, ("stat.ML", "cs.LG"), {"cs"}, AnnounceType.REPLACE_CROSS),
        (1, ("hep-th",), {"hep-th"}, AnnounceType.NEW),
    ],
)
def test_derive_announcement(
    version: int,
    categories: tuple[str, ...],
    followed: set[str],
    expected: AnnounceType | None,
) -> None:
    announcement = derive_announcement(_paper(version, categories), followed, DAY)
    if expected is None:
        assert announcement is None
        return
    assert announcement is not None
    assert announcement.announce_type is expected
    assert (announcement.arxiv_id, announcement.version) == ("2401.01234", version)
    assert announcement.announced_on == DAY
    assert announcement.feed == "api"


def test_derive_listing_keeps_only_followed_papers_and_names_the_feed() -> None:
    papers = parse_feed(fixture_bytes(SEARCH_100)).papers[:12]
    entries = list(derive_listing(papers, ["cs.LG"], DAY, feed="oai"))
    assert [(e.paper.versioned_id, e.announcement.announce_type.value) for e in entries] == [
        ("2202.12139v1", "cross"),
        ("2005.14124v2", "replace-cross"),
    ]
    assert all(e.announcement.feed == "oai" for e in entries)
