"""Every parser of untrusted input, fuzzed: only its documented errors, no hang, no XXE.

A modest number of Hypothesis examples per target and kind of input (each test stays well
under 20 s); ``python bench/fuzz.py`` runs the same strategies for 10,000+ inputs each. The
targets and strategies are in ``fuzz_inputs.py``.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arxiv_radar.arxiv.atom import parse_feed
from arxiv_radar.arxiv.oai import OaiError, parse_list_records
from arxiv_radar.arxiv.rss import parse_listing
from arxiv_radar.errors import ArxivParseError

from fuzz_inputs import TARGETS, Target
from replay_server import ReplayServer, Reply

EXAMPLES = 300
FUZZ = settings(
    max_examples=EXAMPLES,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _check(target: Target, value: object) -> None:
    try:
        target.parse(value)
    except target.expected:
        pass


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_structured_inputs_raise_only_documented_errors(name: str) -> None:
    target = TARGETS[name]

    @FUZZ
    @given(target.structured)
    def check(value: object) -> None:
        _check(target, value)

    check()


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_raw_inputs_raise_only_documented_errors(name: str) -> None:
    target = TARGETS[name]

    @FUZZ
    @given(target.raw)
    def check(value: object) -> None:
        _check(target, value)

    check()


@FUZZ
@given(st.data())
def test_oai_result_does_not_depend_on_chunking(data: st.DataObject) -> None:
    """The streaming parser gives the same papers however the response is cut.

    A response that is both an OAI-PMH error and malformed further on may end in either
    documented error, depending on which the streaming parser meets first; it must never
    succeed one way and fail the other, nor raise anything undocumented.
    """
    document = data.draw(TARGETS["oai"].structured)
    chunk = data.draw(st.integers(1, 4096))

    def parse(size: int) -> object:
        try:
            pieces = [document[i : i + size] for i in range(0, len(document), size)]
            return list(parse_list_records(pieces))
        except (ArxivParseError, OaiError):
            return "documented error"

    assert parse(chunk) == parse(len(document) or 1)


# -- XML attacks -----------------------------------------------------------------------------

RSS_ITEM = (
    "<item><title>{title}</title><link>https://arxiv.org/abs/2604.21935</link>"
    "<description>arXiv:2604.21935v1 Announce Type: new \nAbstract: {title}</description>"
    "<guid>oai:arXiv.org:2604.21935v1</guid><category>cs.AI</category>"
    "<pubDate>Mon, 27 Apr 2026 00:00:00 -0400</pubDate>"
    '<arxiv:announce_type xmlns:arxiv="http://arxiv.org/schemas/atom">new</arxiv:announce_type>'
    "</item>"
)
ATOM_ENTRY = (
    "<entry><id>http://arxiv.org/abs/2604.21935v1</id><title>{title}</title>"
    "<summary>{title}</summary></entry>"
)
OAI_RECORD = (
    "<record><header><identifier>oai:arXiv.org:2604.21935</identifier></header><metadata>"
    '<arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>2604.21935</id><title>{title}</title>'
    "<abstract>{title}</abstract></arXiv></metadata></record>"
)


def _documents(doctype: str, title: str) -> dict[str, bytes]:
    rss = (
        f"<?xml version='1.0'?>{doctype}<rss version='2.0'><channel>"
        f"<pubDate>Mon, 27 Apr 2026 00:00:00 -0400</pubDate>{RSS_ITEM.format(title=title)}"
        "</channel></rss>"
    )
    atom = (
        f"<?xml version='1.0'?>{doctype}<feed xmlns='http://www.w3.org/2005/Atom'>"
        f"{ATOM_ENTRY.format(title=title)}</feed>"
    )
    oai = (
        f"<?xml version='1.0'?>{doctype}<OAI-PMH xmlns='http://www.openarchives.org/OAI/2.0/'>"
        f"<ListRecords>{OAI_RECORD.format(title=title)}</ListRecords></OAI-PMH>"
    )
    return {"rss": rss.encode(), "atom": atom.encode(), "oai": oai.encode()}


def _titles(kind: str, data: bytes) -> list[str]:
    """The titles (and abstracts) each parser makes of ``data``; [] when it refuses it."""
    try:
        if kind == "rss":
            papers = [entry.paper for entry in parse_listing(data).entries]
        elif kind == "atom":
            papers = list(parse_feed(data).papers)
        else:
            papers = list(parse_list_records([data]))
    except ArxivParseError:
        return []
    return [text for paper in papers for text in (paper.title, paper.abstract)]


@pytest.mark.parametrize("kind", ["rss", "atom", "oai"])
def test_external_entities_are_never_read(kind: str, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("xxe-canary-5f1d", encoding="utf-8")
    doctype = f'<!DOCTYPE r [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
    data = _documents(doctype, "Title &xxe; end")[kind]
    assert all("xxe-canary" not in text for text in _titles(kind, data))


@pytest.mark.parametrize("kind", ["rss", "atom", "oai"])
def test_no_request_for_external_dtds_or_entities(kind: str, replay: ReplayServer) -> None:
    replay.add("/evil.dtd", Reply(body=b'<!ENTITY leak "dtd-canary-77">'))
    replay.add("/entity", Reply(body=b"entity-canary-88"))
    doctype = (
        f'<!DOCTYPE r SYSTEM "{replay.url("/evil.dtd")}" '
        f'[<!ENTITY remote SYSTEM "{replay.url("/entity")}">]>'
    )
    data = _documents(doctype, "Title &remote; &leak; end")[kind]
    texts = _titles(kind, data)
    assert replay.requests == []
    assert all("canary" not in text for text in texts)


@pytest.mark.parametrize("kind", ["rss", "atom", "oai"])
def test_entity_expansion_bombs_do_not_expand(kind: str) -> None:
    levels = ['<!ENTITY l0 "lollollollollollollollollollol">']
    levels += [f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10)]
    doctype = f"<!DOCTYPE r [{''.join(levels)}]>"
    started = time.monotonic()
    texts = _titles(kind, _documents(doctype, "Laughs &l9; end")[kind])
    assert time.monotonic() - started < 5
    assert all(len(text) < 10_000 for text in texts)  # 10^9 "lol"s were never made


@pytest.mark.parametrize("kind", ["rss", "atom", "oai"])
def test_deeply_nested_documents_are_refused_or_parsed_quickly(kind: str) -> None:
    started = time.monotonic()
    depth = 100_000
    data = _documents("", "<b>" * depth + "x" + "</b>" * depth)[kind]
    _titles(kind, data)  # lxml refuses depth > 256 without huge_tree: ArxivParseError
    assert time.monotonic() - started < 5


# -- what fuzzing found (fixed): each once raised something other than a documented error ------


def test_rss_date_at_the_end_of_the_calendar_is_unreadable_not_a_crash() -> None:
    data = _documents("", "A title")["rss"].replace(
        b"Mon, 27 Apr 2026 00:00:00 -0400", b"Fri, 31 Dec 9999 23:00:00 -0500"
    )
    listing = parse_listing(data)  # was OverflowError (moving the date to New York time)
    assert listing.entries == () and "unreadable pubDate" in listing.skipped[0].reason


def test_atom_date_out_of_range_in_utc_skips_the_entry() -> None:
    data = _documents("", "A title")["atom"].replace(
        b"</title>", b"</title><published>9999-12-31T23:59:59-23:59</published>"
    )
    page = parse_feed(data)  # was OverflowError
    assert page.papers == () and "not a date" in page.skipped[0].reason


def test_oai_response_date_out_of_range_is_ignored() -> None:
    data = _documents("", "A title")["oai"].replace(
        b"<ListRecords>", b"<responseDate>9999-12-31T23:59:59-23:59</responseDate><ListRecords>"
    )
    page = parse_list_records([data])
    assert [paper.title for paper in page] == ["A title"]  # was OverflowError
    assert page.response_date is None


@pytest.mark.parametrize(
    ("version", "date"),
    [("v\u00b2", "Mon, 2 Apr 2007 19:18:42 GMT"), ("v1", "Fri, 31 Dec 9999 23:00:00 -0500")],
)
def test_oai_raw_odd_versions_skip_the_record(version: str, date: str) -> None:
    record = (
        "<record><header><identifier>oai:arXiv.org:0704.0001</identifier></header><metadata>"
        '<arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/"><id>0704.0001</id>'
        f'<version version="{version}"><date>{date}</date></version>'
        "<title>A title</title></arXivRaw></metadata></record>"
    )
    data = (
        "<OAI-PMH xmlns='http://www.openarchives.org/OAI/2.0/'>"
        f"<ListRecords>{record}</ListRecords></OAI-PMH>"
    ).encode()
    page = parse_list_records([data])
    assert list(page) == []  # "v²" was a ValueError from int(), the date an OverflowError
    assert len(page.skipped) == 1
