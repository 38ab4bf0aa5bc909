"""BibTeX and JSON exports of a digest: golden output, a real BibTeX parser, hostile text."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import bibtexparser
import pytest
from bibtexparser import middlewares
from hypothesis import given
from hypothesis import strategies as st

from arxiv_radar.models import Digest, DigestEntry, Paper, SummaryStatus
from arxiv_radar.publish.exports import (
    JSON_SCHEMA_VERSION,
    bibtex_escape,
    bibtex_key,
    digest_to_dict,
    render_bibtex,
    render_json,
)
from arxiv_radar.text.plain import one_line

from digest_helpers import XSS_PAYLOADS, check_golden, sample_digest, xss_digest

GOLDEN = Path(__file__).resolve().parent / "golden"

_UNESCAPE = {
    r"\textbackslash{}": "\\",
    r"\textbraceleft{}": "{",
    r"\textbraceright{}": "}",
    r"\textasciitilde{}": "~",
    r"\textasciicircum{}": "^",
    r"\textless{}": "<",
    r"\textgreater{}": ">",
    **{f"\\{c}": c for c in "&%$#_"},
}
_ESCAPED = re.compile("|".join(re.escape(key) for key in sorted(_UNESCAPE, key=len, reverse=True)))


def assert_golden(name: str, text: str) -> None:
    check_golden(GOLDEN / name, text)


def latex_text(value: str) -> str:
    """Undo :func:`bibtex_escape` (what LaTeX would print)."""
    return _ESCAPED.sub(lambda match: _UNESCAPE[match.group()], value)


def parse_bibtex(text: str) -> bibtexparser.Library:
    library = bibtexparser.parse_string(text, append_middleware=[middlewares.SeparateCoAuthors()])
    assert library.failed_blocks == []
    assert not [
        b for b in library.blocks if isinstance(b, bibtexparser.model.DuplicateBlockKeyBlock)
    ]
    return library


def balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def with_papers(digest: Digest, *papers: Paper) -> Digest:
    template = digest.entries[0].ranked
    entries = tuple(
        DigestEntry(ranked=template.model_copy(update={"paper": paper, "rank": rank}))
        for rank, paper in enumerate(papers, start=1)
    )
    return digest.model_copy(update={"entries": entries})


# -- BibTeX -------------------------------------------------------------------------------


def test_bibtex_matches_golden() -> None:
    assert_golden("digest.bib", render_bibtex(sample_digest()))


def test_bibtex_parses_with_every_paper_and_field() -> None:
    digest = sample_digest()
    library = parse_bibtex(render_bibtex(digest))
    assert len(library.entries) == len(digest.entries)
    for bib, entry in zip(library.entries, digest.entries, strict=True):
        paper = entry.ranked.paper
        fields = bib.fields_dict
        assert latex_text(fields["title"].value) == paper.title
        assert fields["author"].value == list(paper.authors)
        assert fields["eprint"].value == paper.arxiv_id
        assert fields["archivePrefix"].value == "arXiv"
        assert fields["primaryClass"].value == paper.primary_category
        assert fields["url"].value == f"https://arxiv.org/abs/{paper.arxiv_id}"
        assert bib.entry_type == ("article" if paper.journal_ref else "misc")
        if paper.doi:
            assert fields["doi"].value == paper.doi
        if paper.journal_ref:
            assert latex_text(fields["journal"].value) == paper.journal_ref
    assert len({bib.key for bib in library.entries}) == len(digest.entries)


def test_bibtex_year_and_month_come_from_the_id() -> None:
    digest = sample_digest()
    papers = [
        Paper(arxiv_id="2312.06056", version=2, title="New style", authors=("A B",)),
        Paper(arxiv_id="hep-th/9901001", version=1, title="Old style", authors=("C D",)),
        Paper(arxiv_id="math.GT/0309136", version=1, title="Old style", authors=("E F",)),
        Paper(arxiv_id="not-an-id", version=1, title="Unknown", authors=("G H",)),
    ]
    library = parse_bibtex(render_bibtex(with_papers(digest, *papers)))
    dates = [(bib["year"], bib["month"]) for bib in library.entries]
    assert dates == [("2023", "dec"), ("1999", "jan"), ("2003", "sep"), ("2026", "apr")]
    assert library.entries[3]["url"] == "https://arxiv.org/abs/not-an-id"


def test_bibtex_keys_are_ascii_and_unique() -> None:
    digest = sample_digest()
    papers = [
        Paper(arxiv_id="2604.00001", version=1, title="The Attention Trick", authors=("Jo Weiß",)),
        Paper(arxiv_id="2604.00002", version=1, title="Attention, again", authors=("Jo Weiß",)),
        Paper(arxiv_id="2604.00003", version=1, title="Attention!", authors=("Al Weiß, Jr.",)),
        Paper(arxiv_id="2604.00004", version=1, title="On a Thing", authors=("李华",)),
        Paper(arxiv_id="2604.00007", version=1, title="Graphs", authors=("van Dyk, Eva",)),
        Paper(arxiv_id="2604.00005", version=1, title="", authors=()),
        Paper(arxiv_id="2604.00006", version=1, title="Zoë's Law", authors=("Ana Núñez Jr.",)),
    ]
    keys = [bib.key for bib in parse_bibtex(render_bibtex(with_papers(digest, *papers))).entries]
    assert keys == [
        "weiss2026attention",
        "weiss2026attentionb",
        "weiss2026attentionc",
        "anon2026thing",
        "vandyk2026graphs",
        "anon2026",
        "nunez2026zoes",
    ]


def test_bibtex_key_of_one_paper() -> None:
    paper = Paper(arxiv_id="2604.21935", version=1, title="Math Takes Two", authors=("M C",))
    assert bibtex_key(paper, 2026) == "c2026math"


def test_author_names_that_would_split_stay_one_author() -> None:
    digest = sample_digest()
    paper = Paper(
        arxiv_id="2604.00001",
        version=1,
        title="T",
        authors=("Smith, John", "Research and Development Team", "others", "Ada Lovelace"),
    )
    library = parse_bibtex(render_bibtex(with_papers(digest, paper)))
    assert library.entries[0]["author"] == [
        "{Smith, John}",
        "{Research and Development Team}",
        "{others}",
        "Ada Lovelace",
    ]


def test_bibtex_with_hostile_text_parses_and_keeps_the_text() -> None:
    digest = xss_digest()
    text = render_bibtex(digest)
    library = parse_bibtex(text)
    assert len(library.entries) == len(XSS_PAYLOADS)
    for bib, entry in zip(library.entries, digest.entries, strict=True):
        assert balanced(bib["title"])
        assert latex_text(bib["title"]) == entry.ranked.paper.title
        assert [latex_text(name) for name in bib["author"]] == list(entry.ranked.paper.authors)
        assert re.fullmatch(r"[a-z0-9]+", bib.key)


def test_bibtex_decodes_with_latex_decoding() -> None:
    """A LaTeX-aware reader (pylatexenc, through bibtexparser) reads every entry."""
    library = bibtexparser.parse_string(
        render_bibtex(xss_digest()), append_middleware=[middlewares.LatexDecodingMiddleware()]
    )
    assert library.failed_blocks == []
    assert "Paper 7" in library.entries[-1]["title"]


@given(st.text(max_size=200))
def test_bibtex_escape_round_trips_through_a_parser(text: str) -> None:
    escaped = bibtex_escape(text)
    assert balanced(escaped)
    library = bibtexparser.parse_string(f"@misc{{k,\n  title = {{{escaped}}},\n}}\n")
    assert library.failed_blocks == []
    assert latex_text(library.entries[0]["title"]) == one_line(text)


# -- JSON ---------------------------------------------------------------------------------

PAPER_KEYS = {
    "rank",
    "license",
    "explanation",
    "arxiv_id",
    "version",
    "versioned_id",
    "title",
    "authors",
    "categories",
    "primary_category",
    "announce_type",
    "score",
    "matches",
    "abstract",
    "comment",
    "journal_ref",
    "doi",
    "published",
    "updated",
    "url",
    "pdf_url",
    "summary",
}
SUMMARY_KEYS = {
    "model",
    "extractive",
    "status",
    "language",
    "tldr",
    "sections",
    "missing_sections",
    "markdown",
    "html",
}


def test_json_matches_golden() -> None:
    assert_golden("digest.json", render_json(sample_digest()))


def test_json_has_the_documented_schema() -> None:
    digest = sample_digest()
    data = json.loads(render_json(digest))
    assert data == digest_to_dict(digest)
    assert set(data) == {
        "schema",
        "schema_version",
        "generated_at",
        "announced_on",
        "profile",
        "title",
        "base_url",
        "categories",
        "keywords",
        "counts",
        "papers",
    }
    assert data["schema"] == "arxiv-radar/digest"
    assert data["schema_version"] == JSON_SCHEMA_VERSION
    assert data["generated_at"] == "2026-04-27T06:30:05Z"
    assert data["announced_on"] == "2026-04-27"
    assert data["counts"] == {
        "announced": digest.papers_announced,
        "matched": digest.papers_matched,
        "shown": len(digest.entries),
    }
    for item, entry in zip(data["papers"], digest.entries, strict=True):
        assert set(item) == PAPER_KEYS
        paper = entry.ranked.paper
        assert item["rank"] == entry.ranked.rank
        assert item["title"] == paper.title and item["authors"] == list(paper.authors)
        assert item["url"] == f"https://arxiv.org/abs/{paper.arxiv_id}"
        assert item["pdf_url"] == f"https://arxiv.org/pdf/{paper.versioned_id}"
        assert item["announce_type"] == entry.ranked.announce_type.value
        assert [m["rule"] for m in item["matches"]] == [
            m.rule for m in entry.ranked.explanation.matches
        ]
        if entry.summary is None:
            assert item["summary"] is None
        else:
            assert set(item["summary"]) == SUMMARY_KEYS
            assert item["summary"]["extractive"] is True
            assert item["summary"]["html"].startswith("<p><em>Extractive summary")


def test_failed_summaries_are_null_in_json() -> None:
    digest = sample_digest(summarize=1)
    entry = digest.entries[0]
    assert entry.summary is not None
    failed = entry.summary.model_copy(update={"status": SummaryStatus.FAILED})
    digest = digest.model_copy(
        update={"entries": (entry.model_copy(update={"summary": failed}), *digest.entries[1:])}
    )
    assert digest_to_dict(digest)["papers"][0]["summary"] is None


def test_json_with_hostile_text_stays_valid_and_embeddable() -> None:
    digest = xss_digest()
    text = render_json(digest)
    assert "<" not in text and ">" not in text and "&" not in text
    data = json.loads(text)
    for item, entry in zip(data["papers"], digest.entries, strict=True):
        assert item["title"] == entry.ranked.paper.title
        summary = item["summary"]
        for bad in ("<script", "<img", "<svg", "javascript:", "onerror", "onload"):
            assert bad not in summary["html"].lower()
        assert "<script" not in summary["markdown"] and "evil.example" not in summary["markdown"]


def test_json_dates_are_utc() -> None:
    digest = sample_digest()
    paper = digest.entries[0].ranked.paper.model_copy(
        update={
            "published": dt.datetime(2026, 4, 23, 17, 59, 1, tzinfo=dt.UTC),
            "updated": dt.datetime(2026, 4, 24, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        }
    )
    item = digest_to_dict(with_papers(digest, paper))["papers"][0]
    assert item["published"] == "2026-04-23T17:59:01Z"
    assert item["updated"] == "2026-04-24T10:00:00Z"


@pytest.mark.parametrize("indent", [None, 2])
def test_json_ends_with_a_newline(indent: int | None) -> None:
    assert render_json(sample_digest(), indent=indent).endswith("}\n")
