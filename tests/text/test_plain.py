"""The one plain-text rule: what every output shows of untrusted text as text."""

from __future__ import annotations

import datetime as dt

import lxml.etree as etree
from hypothesis import given
from hypothesis import strategies as st

from arxiv_radar.config import Config
from arxiv_radar.models import (
    AnnounceType,
    Digest,
    Explanation,
    Paper,
    RankedPaper,
    Summary,
    SummaryKey,
)
from arxiv_radar.publish.digest import make_digest
from arxiv_radar.publish.exports import digest_to_dict
from arxiv_radar.publish.site import site_data
from arxiv_radar.text.plain import clean_text, one_line

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c\ufeff"
CONTROLS = "".join(chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)] if c not in (9, 10, 13))
HOSTILE = "Evil\u202e txt.exe\x1b[31m red\x00\r\nsecond line\u2028third\ufffe\ud800 end"


def test_clean_text_removes_what_is_not_text_and_keeps_lines() -> None:
    assert clean_text(HOSTILE) == "Evil txt.exe[31m red\nsecond line\nthird end"
    assert clean_text("tab\tand\nnewline") == "tab\tand\nnewline"
    assert clean_text("a\rb\r\nc\u2029d") == "a\nb\nc\nd"
    assert clean_text(f"x{BIDI}{CONTROLS}y") == "xy"
    assert clean_text(None) is None
    assert clean_text("") == ""


def test_one_line_collapses_whitespace_after_cleaning() -> None:
    assert one_line(HOSTILE) == "Evil txt.exe[31m red second line third end"
    assert one_line("  a \t b\n\n c  ") == "a b c"
    assert one_line("\u00a0no\u2003break\u00a0") == "no break"  # Unicode spaces are spaces
    assert one_line(None) == ""
    assert one_line("") == ""
    # A control character goes, it does not become a space (as in every output before).
    assert one_line("a\x00b\x0bc") == "abc"


@given(st.text())
def test_one_line_is_one_clean_line_that_xml_can_carry(text: str) -> None:
    line = one_line(text)
    assert line == one_line(line) == one_line(clean_text(text))
    assert line == line.strip()
    assert "  " not in line
    assert not any(c.isspace() and c != " " for c in line)
    assert not set(line) & set(BIDI + CONTROLS + "\r\n\ufffe\uffff")
    line.encode("utf-8")  # no lone surrogate
    element = etree.Element("t")
    element.text = line  # lxml refuses any character XML 1.0 does not allow
    assert etree.fromstring(etree.tostring(element)).text in (line, None)


@given(st.text())
def test_clean_text_is_idempotent_and_keeps_every_line(text: str) -> None:
    cleaned = clean_text(text)
    assert clean_text(cleaned) == cleaned
    assert "\r" not in cleaned
    assert one_line(cleaned) == one_line(text)
    element = etree.Element("t")
    element.text = cleaned


def _hostile_digest() -> Digest:
    paper = Paper(
        arxiv_id="2604.20001",
        version=2,
        title=f"Title {HOSTILE}",
        abstract=f"Abstract {HOSTILE}",
        authors=(f"Mallory {HOSTILE}", "Alice\u202eExample"),
        categories=("cs.AI",),
        primary_category="cs.AI",
    )
    ranked = RankedPaper(
        rank=1,
        paper=paper,
        announce_type=AnnounceType.NEW,
        score=1.0,
        explanation=Explanation(mode="keywords", total=1.0),
    )
    summary = Summary(
        key=SummaryKey(
            arxiv_id=paper.arxiv_id,
            version=paper.version,
            provider="openai-compatible:evil",
            prompt_hash="0" * 16,
            input_mode="abstract",
            language="en",
        ),
        model=f"model {HOSTILE}",
        markdown=f"### 1. Contributions\n{HOSTILE}\n",
        tldr=f"TL;DR {HOSTILE}",
        missing_sections=(2, 3, 4),
        created_at=dt.datetime(2026, 4, 27, tzinfo=dt.UTC),
    )
    config = Config()
    return make_digest(
        config,
        announced_on=dt.date(2026, 4, 27),
        ranked=[ranked],
        summaries={paper.arxiv_id: summary},
        generated_at=dt.datetime(2026, 4, 27, 6, 30, tzinfo=dt.UTC),
    ).model_copy(update={"title": f"Radar {HOSTILE}"})


def test_site_data_cleans_exactly_what_the_json_export_cleans() -> None:
    digest = _hostile_digest()
    site, export = site_data(digest), digest_to_dict(digest)
    assert site["title"] == export["title"] == clean_text(digest.title)
    (shown,), (exported,) = site["papers"], export["papers"]
    for field in ("title", "authors", "abstract", "categories", "primary_category"):
        assert shown[field] == exported[field], field
    assert shown["summary"] == exported["summary"]
    paper = digest.entries[0].ranked.paper
    assert shown["title"] == clean_text(paper.title) != paper.title
    assert shown["authors"] == [clean_text(author) for author in paper.authors]
    assert "\n" in shown["abstract"]  # cleaned, not made one line: both keep line breaks
