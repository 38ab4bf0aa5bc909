"""OAI-PMH: streaming ListRecords parsing of recorded pages, resumption, errors, flat memory."""

from __future__ import annotations

import copy
import datetime as dt
import gc
import io
import os
import sys
import tracemalloc
from collections.abc import Iterator, Sequence
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from arxiv_radar.arxiv.oai import OaiError, harvest, iter_records, parse_list_records
from arxiv_radar.arxiv.oai_formats import split_author_list
from arxiv_radar.errors import ArxivAPIError, ArxivParseError
from arxiv_radar.models import Paper

from replay_server import RecordedRequest, ReplayServer, Reply, fixture_bytes

FIRST_PAGE = "oai_arXiv_ListRecords_set_cs_first_page_with_resumptionToken_2016.xml"
DC_PAGE = "oai_dc_ListRecords_set_cs_trimmed_with_resumptionToken_2024.xml"
OAI = "http://www.openarchives.org/OAI/2.0/"
PATH = "/oai"
UTC = dt.UTC


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def chunked(data: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def rebuilt_page(
    source: str,
    keep: Sequence[int],
    *,
    token: str | None,
    token_attributes: dict[str, str] | None = None,
    request_attributes: dict[str, str] | None = None,
) -> bytes:
    """A recorded page holding only the records at ``keep``, with its token rewritten."""
    root = etree.fromstring(fixture_bytes(source))
    list_records = root.find(f"{{{OAI}}}ListRecords")
    assert list_records is not None
    records = list_records.findall(f"{{{OAI}}}record")
    for record in records:
        list_records.remove(record)
    old_token = list_records.find(f"{{{OAI}}}resumptionToken")
    if old_token is not None:
        list_records.remove(old_token)
    for index in keep:
        list_records.append(copy.deepcopy(records[index]))
    new_token = etree.SubElement(list_records, f"{{{OAI}}}resumptionToken", token_attributes or {})
    new_token.text = token
    if request_attributes is not None:
        request = root.find(f"{{{OAI}}}request")
        assert request is not None
        request.attrib.clear()
        request.attrib.update(request_attributes)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def error_response(code: str, message: str) -> bytes:
    """arXiv's OAI-PMH error answer (arXiv/oaipmh ``templates/errors.xml``; HTTP 200)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ '
        'http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">\n'
        "    <responseDate>2026-04-27T10:00:00Z</responseDate>\n"
        "    <request>https://oaipmh.arxiv.org/oai</request>\n"
        f"    <error code='{code}'>{message}</error>\n"
        "</OAI-PMH>"
    ).encode()


def query_of(request: RecordedRequest) -> dict[str, list[str]]:
    return parse_qs(request.raw_query, keep_blank_values=True)


# -- the recorded arXiv-format page ----------------------------------------------------------


def test_real_page_yields_every_record_and_the_token() -> None:
    page = parse_list_records(chunked(fixture_bytes(FIRST_PAGE)))
    papers = list(page)
    assert len(papers) == 1000
    assert len({p.arxiv_id for p in papers}) == 1000
    assert page.done
    assert page.resumption_token == "1114880|1001"
    assert (page.cursor, page.complete_list_size) == (0, 102133)
    assert page.response_date == utc(2016, 3, 1, 23, 19, 39)
    assert (page.records_seen, page.papers, page.deleted, page.skipped) == (1000, 1000, 0, [])
    assert papers[-1].arxiv_id == "0708.2571"


def test_first_record_every_field() -> None:
    first = next(iter(parse_list_records(chunked(fixture_bytes(FIRST_PAGE)))))
    assert first == Paper(
        arxiv_id="0704.0002",
        version=1,
        title="Sparsity-certifying Graph Decompositions",
        abstract=(
            r"We describe a new algorithm, the $(k,\ell)$-pebble game with colors, and use it "
            r"obtain a characterization of the family of $(k,\ell)$-sparse graphs and algorithmic "
            "solutions to a family of problems concerning tree decompositions of graphs. Special "
            "instances of sparse graphs appear in rigidity theory and have received increased "
            "attention in recent years. In particular, our colored pebbles generalize and "
            "strengthen the previous results of Lee and Streinu and give a new proof of the "
            "Tutte-Nash-Williams characterization of arboricity. We also present a new "
            r"decomposition that certifies sparsity based on the $(k,\ell)$-pebble game with "
            "colors. Our work also exposes connections between pebble game algorithms and "
            "previous sparse graph algorithms by Gabow, Gabow and Westermann and Hendrickson."
        ),
        authors=("Ileana Streinu", "Louis Theran"),
        categories=("math.CO", "cs.CG"),
        primary_category="math.CO",
        published=utc(2007, 3, 30),
        updated=utc(2008, 12, 13),
        comment="To appear in Graphs and Combinatorics",
        journal_ref=None,
        doi=None,
        license="http://arxiv.org/licenses/nonexclusive-distrib/1.0/",
    )


def test_record_with_journal_ref_and_doi() -> None:
    papers = list(parse_list_records(chunked(fixture_bytes(FIRST_PAGE))))
    paper = papers[1]
    assert paper.arxiv_id == "0704.0046"
    assert paper.version == 1
    assert paper.title == "A limit relation for entropy and channel capacity per unit cost"
    assert paper.authors == ("I. Csiszar", "F. Hiai", "D. Petz")
    assert paper.categories == ("quant-ph", "cs.IT", "math.IT")
    assert paper.primary_category == "quant-ph"
    assert paper.journal_ref == "J. Math. Phys. 48(2007), 092102."
    assert paper.doi == "10.1063/1.2779138"
    assert paper.comment == "LATEX file, 11 pages"
    assert paper.published == utc(2007, 4, 1)
    assert paper.updated is None
    assert paper.license is None
    assert paper.abstract.startswith("In a quantum mechanical model, Diosi, Feldmann and Kosloff")


def test_indented_line_starts_a_new_paragraph() -> None:
    paper = list(parse_list_records(chunked(fixture_bytes(FIRST_PAGE))))[2]
    assert paper.arxiv_id == "0704.0047"
    assert paper.title == (
        "Intelligent location of simultaneously active acoustic emission sources: Part I"
    )
    first, second = paper.abstract.split("\n\n")
    assert first == (
        "The intelligent acoustic emission locator is described in Part I, while Part II "
        "discusses blind source separation, time delay estimation and location of two "
        "simultaneously active continuous acoustic emission sources."
    )
    assert second.startswith("The location of acoustic emission on complicated aircraft frame")


def test_author_suffix_follows_the_name() -> None:
    papers = {p.arxiv_id: p for p in parse_list_records(chunked(fixture_bytes(FIRST_PAGE)))}
    assert papers["0704.0802"].authors == (
        "Caleb K. Lo",
        "Robert W. Heath, Jr.",
        "Sriram Vishwanath",
    )
    assert papers["0706.2906"].authors == ("Rahul Vaze", "Robert W. Heath Jr")


def test_binary_file_source() -> None:
    papers = list(iter_records(io.BytesIO(fixture_bytes(FIRST_PAGE))))
    assert len(papers) == 1000
    assert papers[0].arxiv_id == "0704.0002"


# -- the recorded oai_dc page -----------------------------------------------------------------


def test_oai_dc_page() -> None:
    page = parse_list_records(chunked(fixture_bytes(DC_PAGE), 4096))
    papers = list(page)
    assert [p.arxiv_id for p in papers] == [
        "1303.2033",
        "2401.14034",
        "2401.14036",
        "2401.14038",
        "2401.14040",
    ]
    assert page.resumption_token == "6960524|1001"
    assert (page.cursor, page.complete_list_size) == (0, 1162)
    first = papers[0]
    assert first.version == 1
    assert first.title == "Extended Fourier analysis of signals"
    assert first.authors == ("Vilnis Liepins",)
    assert first.categories == ("cs.DS", "cs.IT", "math.NA")
    assert first.primary_category == "cs.DS"
    assert first.comment == "32 pages, 9 figures"
    assert first.published == utc(2013, 3, 8)
    assert first.updated == utc(2024, 1, 23)
    assert first.abstract.startswith(
        "This summary of the doctoral thesis is created to emphasize the close connection"
    )
    assert first.abstract.endswith("could be considered as a real alternative.")
    assert (first.doi, first.journal_ref, first.license) == (None, None, None)
    assert papers[1].authors == (
        "Chuankun Li",
        "Shuai Li",
        "Yanbo Gao",
        "Ping Chen",
        "Jian Li",
        "Wanqing Li",
    )
    assert papers[1].updated is None
    assert papers[4].comment == "Accepted to the Findings of EACL 2024"


def test_oai_dc_doi_and_journal_ref_identifiers() -> None:
    # arXiv's oai_dc template adds the journal reference and "doi:<DOI>" as dc:identifier.
    body = fixture_bytes(DC_PAGE).replace(
        b"<dc:identifier>http://arxiv.org/abs/1303.2033</dc:identifier>",
        b"<dc:identifier>http://arxiv.org/abs/1303.2033</dc:identifier>\n"
        b"<dc:identifier>J. of Math. Psychology, 53:5 (2009)</dc:identifier>\n"
        b"<dc:identifier>doi:10.1016/j.jmp.2009.02.001</dc:identifier>",
    )
    first = next(iter(parse_list_records([body])))
    assert first.journal_ref == "J. of Math. Psychology, 53:5 (2009)"
    assert first.doi == "10.1016/j.jmp.2009.02.001"


# -- arXivRaw ---------------------------------------------------------------------------------

RAW_PAGE = b"""<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
<responseDate>2026-04-27T10:00:00Z</responseDate>
<request verb="ListRecords" metadataPrefix="arXivRaw">https://oaipmh.arxiv.org/oai</request>
<ListRecords>
<record>
<header>
 <identifier>oai:arXiv.org:1304.4214</identifier>
 <datestamp>2013-04-16</datestamp>
 <setSpec>physics:cond-mat</setSpec>
</header>
<metadata>
 <arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/">
 <id>1304.4214</id><submitter>John M. Tranquada</submitter>
 <version version="v1"><date>Mon, 15 Apr 2013 19:33:21 GMT</date><size>609kb</size>
 <source_type>D</source_type></version>
 <version version="v2"><date>Tue, 7 May 2013 08:01:02 GMT</date><size>610kb</size>
 <source_type>D</source_type></version>
 <title>Neutron Scattering and Its Application to Strongly Correlated Systems</title>
 <authors>Igor A. Zaliznyak (BNL) and John M. Tranquada</authors>
 <categories>cond-mat.str-el</categories>
 <comments>31 pages, chapter for &quot;Strongly Correlated Systems: Experimental
  Techniques&quot;, edited by A. Avella and F. Mancini</comments>
 <license>http://arxiv.org/licenses/nonexclusive-distrib/1.0/</license>
 <abstract>  Neutron scattering is a powerful probe of strongly correlated systems. It can
directly detect common phenomena such as magnetic order.
</abstract></arXivRaw>
</metadata>
</record>
</ListRecords>
</OAI-PMH>"""


def test_arxiv_raw_gives_the_real_latest_version() -> None:
    (paper,) = parse_list_records([RAW_PAGE])
    assert (paper.arxiv_id, paper.version) == ("1304.4214", 2)
    assert paper.published == utc(2013, 4, 15, 19, 33, 21)
    assert paper.updated == utc(2013, 5, 7, 8, 1, 2)
    assert paper.authors == ("Igor A. Zaliznyak", "John M. Tranquada")
    assert paper.categories == ("cond-mat.str-el",)
    assert paper.comment == (
        '31 pages, chapter for "Strongly Correlated Systems: Experimental Techniques", '
        "edited by A. Avella and F. Mancini"
    )
    assert paper.abstract == (
        "Neutron scattering is a powerful probe of strongly correlated systems. It can directly "
        "detect common phenomena such as magnetic order."
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("A. One, B. Two and C. Three", ("A. One", "B. Two", "C. Three")),
        ("A. One (Inst (Dept)), B. Two (Lab)", ("A. One", "B. Two")),
        ("Robert W. Heath, Jr., Jane Roe", ("Robert W. Heath Jr.", "Jane Roe")),
        ("ATLAS Collaboration", ("ATLAS Collaboration",)),
        ("Alexander Anderson and\n  Sandra Andrews", ("Alexander Anderson", "Sandra Andrews")),
        ("", ()),
    ],
)
def test_split_author_list(raw: str, expected: tuple[str, ...]) -> None:
    assert split_author_list(raw) == expected


# -- damaged records, deletions, errors -------------------------------------------------------


def test_deleted_records_are_skipped_and_counted() -> None:
    root = etree.fromstring(rebuilt_page(FIRST_PAGE, [0, 1, 2], token=None))
    record = root.findall(f".//{{{OAI}}}record")[1]
    header = record.find(f"{{{OAI}}}header")
    assert header is not None
    header.set("status", "deleted")
    metadata = record.find(f"{{{OAI}}}metadata")
    assert metadata is not None
    record.remove(metadata)  # OAI-PMH: a deleted record has a header only
    page = parse_list_records([etree.tostring(root)])
    assert [p.arxiv_id for p in page] == ["0704.0002", "0704.0047"]
    assert (page.records_seen, page.papers, page.deleted, page.skipped) == (3, 2, 1, [])
    assert page.resumption_token is None


def test_unreadable_records_are_skipped_with_a_reason() -> None:
    body = rebuilt_page(FIRST_PAGE, [0, 1, 2], token=None)
    body = body.replace(b"<id>0704.0046</id>", b"<id>not-an-id</id>").replace(
        b"<identifier>oai:arXiv.org:0704.0046</identifier>",
        b"<identifier>oai:arXiv.org:garbage</identifier>",
    )
    body = body.replace(
        b"<title>Sparsity-certifying Graph Decompositions</title>", b"<title> </title>"
    )
    page = parse_list_records([body])
    assert [p.arxiv_id for p in page] == ["0704.0047"]
    assert [s.identifier for s in page.skipped] == [
        "oai:arXiv.org:0704.0002",
        "oai:arXiv.org:garbage",
    ]
    assert "no title" in page.skipped[0].reason
    assert "no arXiv id" in page.skipped[1].reason


def test_no_records_match_is_an_empty_result() -> None:
    page = parse_list_records(
        [error_response("noRecordsMatch", "The combination of the values ... empty list.")]
    )
    assert list(page) == []
    assert page.no_records_match and page.done
    assert page.resumption_token is None


@pytest.mark.parametrize("code", ["badArgument", "badResumptionToken", "cannotDisseminateFormat"])
def test_other_oai_errors_raise_with_code_and_message(code: str) -> None:
    page = parse_list_records([error_response(code, "The value is invalid or expired.")], url="u")
    with pytest.raises(OaiError) as caught:
        list(page)
    assert isinstance(caught.value, ArxivAPIError)
    assert caught.value.code == code
    assert caught.value.url == "u"
    assert code in str(caught.value) and "The value is invalid or expired." in str(caught.value)


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><body><h1>503 Service Unavailable</h1></body></html>",
        b"<html><body>Retry after 20 seconds<br></body></html>",
        b"",
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"/>',
    ],
    ids=["html", "html-broken", "empty", "atom"],
)
def test_non_oai_documents_raise_parse_errors(body: bytes) -> None:
    with pytest.raises(ArxivParseError):
        list(parse_list_records([body]))


def test_truncated_page_yields_what_arrived_then_raises() -> None:
    data = fixture_bytes(FIRST_PAGE)
    seen: list[str] = []
    with pytest.raises(ArxivParseError, match="incomplete"):
        for paper in parse_list_records(chunked(data[: len(data) // 2])):
            seen.append(paper.arxiv_id)
    assert 400 < len(seen) < 600
    assert seen[0] == "0704.0002"


# -- harvest against a local server -----------------------------------------------------------


def test_harvest_follows_the_token_to_the_end(replay: ReplayServer, client_factory: type) -> None:
    last_page = rebuilt_page(
        FIRST_PAGE,
        [997, 998, 999],
        token=None,
        token_attributes={"cursor": "1000", "completeListSize": "1003"},
        request_attributes={"verb": "ListRecords", "resumptionToken": "1114880|1001"},
    )
    replay.add(PATH, Reply(body=fixture_bytes(FIRST_PAGE)), when={"metadataPrefix": "arXiv"})
    replay.add(PATH, Reply(body=last_page), when={"resumptionToken": "1114880|1001"})
    run = harvest(client_factory(), replay.url(PATH), set_spec="cs")
    assert replay.requests == []  # lazy
    papers = list(run)
    assert len(papers) == 1003
    assert papers[0].arxiv_id == "0704.0002"
    assert [p.arxiv_id for p in papers[1000:]] == [p.arxiv_id for p in papers[997:1000]]
    assert len(replay.requests) == 2
    assert query_of(replay.requests[0]) == {
        "verb": ["ListRecords"],
        "metadataPrefix": ["arXiv"],
        "set": ["cs"],
    }
    assert query_of(replay.requests[1]) == {
        "verb": ["ListRecords"],
        "resumptionToken": ["1114880|1001"],
    }
    assert (run.pages, run.records_seen, run.papers, run.deleted) == (2, 1003, 1003, 0)
    assert run.complete_list_size == 1003
    assert run.resumption_token is None
    assert run.done
    assert run.response_date == utc(2016, 3, 1, 23, 19, 39)


def test_harvest_oai_dc_from_a_date_without_until(
    replay: ReplayServer, client_factory: type
) -> None:
    # The 2025 service writes the last token as an empty element without attributes.
    last_page = rebuilt_page(DC_PAGE, [3, 4], token=None)
    replay.add(PATH, Reply(body=fixture_bytes(DC_PAGE)), when={"metadataPrefix": "oai_dc"})
    replay.add(PATH, Reply(body=last_page), when={"resumptionToken": "6960524|1001"})
    run = harvest(
        client_factory(),
        replay.url(PATH),
        set_spec="cs",
        from_date=dt.date(2024, 1, 25),
        metadata_prefix="oai_dc",
    )
    assert len(list(run)) == 7
    assert query_of(replay.requests[0]) == {
        "verb": ["ListRecords"],
        "metadataPrefix": ["oai_dc"],
        "set": ["cs"],
        "from": ["2024-01-25"],
    }
    assert query_of(replay.requests[1]) == {
        "verb": ["ListRecords"],
        "resumptionToken": ["6960524|1001"],
    }
    assert run.done and run.pages == 2


def test_harvest_sends_until_only_when_given(replay: ReplayServer, client_factory: type) -> None:
    replay.add(PATH, Reply(body=rebuilt_page(DC_PAGE, [0], token=None)))
    run = harvest(
        client_factory(),
        replay.url(PATH),
        set_spec="cs:cs:AI",
        from_date=dt.datetime(2024, 1, 25, 22, 30, tzinfo=UTC),
        until=dt.date(2024, 1, 26),
        metadata_prefix="oai_dc",
    )
    assert [p.arxiv_id for p in run] == ["1303.2033"]
    assert query_of(replay.requests[0])["from"] == ["2024-01-25"]
    assert query_of(replay.requests[0])["until"] == ["2024-01-26"]
    assert query_of(replay.requests[0])["set"] == ["cs:cs:AI"]


def test_harvest_of_nothing(replay: ReplayServer, client_factory: type) -> None:
    replay.add(
        PATH,
        Reply(
            body=error_response("noRecordsMatch", "The combination ... results in an empty list.")
        ),
    )
    run = harvest(client_factory(), replay.url(PATH), set_spec="cs", from_date=dt.date(2026, 4, 27))
    assert list(run) == []
    assert len(replay.requests) == 1
    assert run.done and run.pages == 1 and run.papers == 0


def test_expired_token_raises_after_the_pages_that_were_read(
    replay: ReplayServer, client_factory: type
) -> None:
    replay.add(PATH, Reply(body=fixture_bytes(FIRST_PAGE)), when={"metadataPrefix": "arXiv"})
    replay.add(
        PATH,
        Reply(
            body=error_response(
                "badResumptionToken", "The value of the resumptionToken argument is invalid."
            )
        ),
        when={"resumptionToken": "1114880|1001"},
    )
    run = harvest(client_factory(), replay.url(PATH), set_spec="cs")
    read = 0
    with pytest.raises(OaiError) as caught:
        for _paper in run:
            read += 1
    assert read == 1000
    assert caught.value.code == "badResumptionToken"
    assert "invalid" in str(caught.value)
    assert not run.done


def test_harvest_stops_if_the_token_does_not_advance(
    replay: ReplayServer, client_factory: type
) -> None:
    replay.add(PATH, Reply(body=rebuilt_page(FIRST_PAGE, [0], token="same|1")))
    run = harvest(client_factory(), replay.url(PATH), set_spec="cs")
    with pytest.raises(ArxivParseError, match="twice"):
        list(run)
    assert len(replay.requests) == 2


def test_harvest_max_pages_keeps_the_token_to_resume(
    replay: ReplayServer, client_factory: type
) -> None:
    replay.add(PATH, Reply(body=fixture_bytes(FIRST_PAGE)))
    run = harvest(client_factory(), replay.url(PATH), set_spec="cs", max_pages=1)
    assert len(list(run)) == 1000
    assert len(replay.requests) == 1
    assert run.resumption_token == "1114880|1001"
    assert not run.done


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (error_response("badArgument", "Duplicate parameters not allowed"), "badArgument"),
        (b"<html><body>Bad Request</body></html>", "HTTP 400"),
    ],
    ids=["oai-error", "html"],
)
def test_harvest_http_400_is_an_api_error(
    replay: ReplayServer, client_factory: type, body: bytes, expected: str
) -> None:
    replay.add(PATH, Reply(status=400, body=body))
    run = harvest(client_factory(), replay.url(PATH), set_spec="cs")
    with pytest.raises(ArxivAPIError, match=expected):
        list(run)
    assert len(replay.requests) == 1


def test_harvest_refuses_an_unknown_format(client_factory: type) -> None:
    with pytest.raises(ValueError, match="metadata_prefix"):
        harvest(client_factory(), "http://127.0.0.1:9/oai", set_spec="cs", metadata_prefix="marc")


# -- memory ----------------------------------------------------------------------------------


def test_streaming_the_real_page_keeps_python_memory_below_a_third_of_it() -> None:
    data = fixture_bytes(FIRST_PAGE)
    chunks = list(chunked(data))  # the chunks exist before measuring, as a response's would
    gc.collect()
    tracemalloc.start()
    try:
        count = sum(1 for _ in parse_list_records(iter(chunks)))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 1000
    assert peak < len(data) / 3, f"peak {peak} bytes for a {len(data)} byte document"


def _resident_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
def test_parser_tree_does_not_grow_with_the_document() -> None:
    """libxml2's tree is invisible to tracemalloc: watch resident memory on a ~14 MB stream.

    Without pruning read records the tree costs ~4.5x the document (about 65 MB here).
    """
    data = fixture_bytes(FIRST_PAGE)
    head = data[: data.index(b"<record>")]
    body = data[data.index(b"<record>") : data.index(b"<resumptionToken")]
    tail = data[data.index(b"<resumptionToken") :]
    copies = 8

    def stream() -> Iterator[bytes]:
        yield head
        for _ in range(copies):
            yield from chunked(body)
        yield tail

    gc.collect()
    baseline = _resident_bytes()
    growth = 0
    count = 0
    for count, _paper in enumerate(parse_list_records(stream()), start=1):
        if count % 500 == 0:
            growth = max(growth, _resident_bytes() - baseline)
    assert count == 1000 * copies
    assert growth < 16 * 1024 * 1024, f"resident memory grew by {growth} bytes"


# -- round trip ------------------------------------------------------------------------------

_WORD = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"),
        blacklist_characters="\ufffe\uffff",
    ),
    min_size=1,
    max_size=12,
)
_LINE = st.lists(_WORD, min_size=1, max_size=8).map(" ".join)
_NAME_PART = st.lists(_WORD.filter(lambda w: "," not in w), min_size=1, max_size=3).map(" ".join)


def _record(
    arxiv_id: str, title: str, authors: list[tuple[str, str]], paragraphs: list[str]
) -> bytes:
    wrapped = "\n  ".join(escape(p).replace(" ", "\n", 1) for p in paragraphs)
    author_xml = "".join(
        f"<author><keyname>{escape(k)}</keyname><forenames>{escape(f)}</forenames></author>"
        for k, f in authors
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords><record>
<header><identifier>oai:arXiv.org:{arxiv_id}</identifier><datestamp>2026-04-27</datestamp></header>
<metadata><arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>{arxiv_id}</id><created>2026-04-20</created>
<authors>{author_xml}</authors><title>{escape(title).replace(" ", chr(10) + "  ", 1)}</title>
<categories>cs.AI cs.LG</categories><abstract>  {wrapped}
</abstract></arXiv></metadata></record><resumptionToken/></ListRecords></OAI-PMH>""".encode()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    number=st.integers(min_value=0, max_value=99999),
    title=_LINE,
    authors=st.lists(st.tuples(_NAME_PART, _NAME_PART), min_size=1, max_size=5),
    paragraphs=st.lists(_LINE, min_size=1, max_size=4),
    chunk=st.integers(min_value=1, max_value=512),
)
def test_arxiv_record_round_trip(
    number: int,
    title: str,
    authors: list[tuple[str, str]],
    paragraphs: list[str],
    chunk: int,
) -> None:
    arxiv_id = f"2604.{number:05d}"
    body = _record(arxiv_id, title, authors, paragraphs)
    (paper,) = parse_list_records(chunked(body, chunk))
    assert paper.arxiv_id == arxiv_id
    assert paper.title == title
    assert paper.authors == tuple(f"{forenames} {keyname}" for keyname, forenames in authors)
    assert paper.abstract == "\n\n".join(paragraphs)
    assert paper.categories == ("cs.AI", "cs.LG")
    assert paper.published == utc(2026, 4, 20)
