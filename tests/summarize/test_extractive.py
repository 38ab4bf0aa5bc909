"""The extractive summary on real abstracts: verbatim sentences only, labelled, deterministic,
shaped like a model's answer; the sentence splitter; TextRank."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arxiv_radar.arxiv.atom import parse_feed
from arxiv_radar.models import Paper
from arxiv_radar.summarize.extractive import (
    LABELS,
    extractive_hash,
    rank_sentences,
    split_sentences,
    summarize_extractive,
)
from arxiv_radar.summarize.parsing import ParsedSummary, parse_summary
from arxiv_radar.summarize.prompting import SECTION_TITLES, Language
from arxiv_radar.text.plain import clean_text
from arxiv_radar.text.sanitize import sanitize_markdown
from arxiv_radar.text.tex import markdown_segments

FIXTURE = (
    Path(__file__).parents[1] / "fixtures" / "arxiv" / "api_atom_search_testing_100entries_2026.xml"
)
PAPERS = parse_feed(FIXTURE.read_bytes()).papers
LANGUAGES: tuple[Language, ...] = ("zh", "en")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def paper(abstract: str) -> Paper:
    return Paper(arxiv_id="2401.01234", version=1, title="A paper", abstract=abstract)


_TEX_FENCES = {"\\[": "$$", "\\]": "$$", "\\(": "$", "\\)": "$"}


def flat(text: str) -> str:
    """Whitespace runs as one space, and TeX's \\[...\\] and \\(...\\) as $$...$$ and $...$
    (the summary quotes math between dollars, whatever the abstract used)."""
    text = " ".join(text.split())
    for fence, dollars in _TEX_FENCES.items():
        text = text.replace(fence, dollars)
    return text


def unescape(markdown: str) -> str:
    """A quotation as the abstract wrote it: Markdown escapes undone, TeX math (kept as TeX
    between dollars) left as it is."""
    return "".join(
        s.raw if s.kind == "math" else _ESCAPE.sub(r"\1", s.raw)
        for s in markdown_segments(markdown)
    )


def quoted_sentences(summary: ParsedSummary) -> list[str]:
    """The sentences a summary quotes: its TL;DR and every bullet, unescaped."""
    bullets = [line[2:] for s in summary.sections for line in s.body.splitlines()]
    assert all(s.body.startswith("- ") for s in summary.sections)
    return [summary.tldr or "", *(unescape(bullet) for bullet in bullets)]


def test_the_fixture_has_real_abstracts() -> None:
    assert len(PAPERS) == 100
    assert sum(len(split_sentences(p.abstract)) for p in PAPERS) > 600


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_sentence_is_copied_from_the_abstract(language: Language) -> None:
    for p in PAPERS:
        summary = summarize_extractive(p, language=language)
        abstract = flat(p.abstract)
        for sentence in quoted_sentences(summary):
            assert sentence and flat(sentence) in abstract, (p.arxiv_id, sentence)
        # The Markdown holds nothing else: the label, the TL;DR line, headings, quotations.
        allowed = {LABELS[language], *(f"## {title}" for title in SECTION_TITLES[language])}
        for line in summary.markdown.splitlines():
            if not line or line in allowed:
                continue
            quote = line.removeprefix("TL;DR: ").removeprefix("- ")
            assert flat(unescape(quote)) in abstract, (p.arxiv_id, line)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_summary_is_labelled_and_has_a_tldr(language: Language) -> None:
    for p in PAPERS:
        summary = summarize_extractive(p, language=language)
        assert summary.markdown.startswith(LABELS[language] + "\n\n")
        assert summary.tldr and summary.markdown.splitlines()[2].startswith("TL;DR: ")


def test_the_labels_say_what_the_summary_is() -> None:
    assert "not written by a model" in LABELS["en"] and "abstract" in LABELS["en"]
    assert "并非由模型撰写" in LABELS["zh"] and "摘要原文" in LABELS["zh"]


def test_headings_follow_the_language_and_sentences_stay_in_english() -> None:
    abstract = PAPERS[4].abstract  # ChatGPT answering software testing questions
    zh = summarize_extractive(paper(abstract), language="zh")
    en = summarize_extractive(paper(abstract), language="en")
    assert "## 3. 主要结果（含关键数字）" in zh.markdown
    assert "## 3. Key results" in en.markdown
    assert zh.tldr == en.tldr and [s.body for s in zh.sections] == [s.body for s in en.sections]
    assert [s.title for s in zh.sections][0] == "主要结果（含关键数字）"


def test_sections_hold_the_sentences_that_fit_them() -> None:
    summary = summarize_extractive(paper(PAPERS[4].abstract), language="en")
    bodies = {s.number: s.body for s in summary.sections}
    # The stated contribution is the TL;DR, so it is quoted there and in no section.
    assert summary.tldr is not None and "we examine how well ChatGPT performs" in summary.tldr
    assert "55.6% of cases" in bodies[3]
    assert "we discuss the potential promises and perils" in bodies[4]
    assert summary.missing_sections == (1, 2)


def test_a_section_with_no_sentence_is_left_out_not_invented() -> None:
    summary = summarize_extractive(
        paper(
            "We propose a new parser for legacy formats. We also release a corpus of old files. "
            "It is fast."
        ),
        language="en",
    )
    assert [s.number for s in summary.sections] == [1]
    assert summary.missing_sections == (2, 3, 4)
    assert "## 2." not in summary.markdown and "## 3." not in summary.markdown


def test_a_sentence_goes_to_one_section_at_most_and_sections_are_bounded() -> None:
    for p in PAPERS:
        summary = summarize_extractive(p, language="en", per_section=2)
        bullets = [line for s in summary.sections for line in s.body.splitlines()]
        assert len(bullets) == len(set(bullets))
        assert all(len(s.body.splitlines()) <= 2 for s in summary.sections)
        assert [s.number for s in summary.sections] == sorted(s.number for s in summary.sections)
        found = {s.number for s in summary.sections}
        assert set(summary.missing_sections) == {1, 2, 3, 4} - found


def test_sentences_keep_the_abstracts_order_within_a_section() -> None:
    for p in PAPERS:
        abstract = flat(p.abstract)
        for s in summarize_extractive(p, language="en").sections:
            quotes = [flat(unescape(line[2:])) for line in s.body.splitlines()]
            positions = [abstract.index(q) for q in quotes]
            assert positions == sorted(positions)


def test_it_is_deterministic() -> None:
    first = [summarize_extractive(p, language="zh") for p in PAPERS]
    second = [summarize_extractive(p, language="zh") for p in reversed(PAPERS)][::-1]
    assert first == second


def test_the_markdown_is_already_safe_and_parses_back() -> None:
    for p in PAPERS:
        for language in LANGUAGES:
            summary = summarize_extractive(p, language=language)
            assert sanitize_markdown(summary.markdown) == summary.markdown
            parsed = parse_summary(summary.markdown, language=language)
            assert parsed.sections == summary.sections
            assert parsed.missing_sections == summary.missing_sections


def test_markdown_in_an_abstract_renders_as_written() -> None:
    abstract = (
        "We propose <b>X</b>, a *new* [tool](javascript:alert(1)) for `code` & data. "
        "It reaches 95% accuracy on ImageNet_1k."
    )
    summary = summarize_extractive(paper(abstract), language="en")
    assert "\\<b\\>X\\</b\\>" in summary.markdown and "\\*new\\*" in summary.markdown
    assert "\\[tool\\](javascript:alert(1))" in summary.markdown
    assert "ImageNet\\_1k" in summary.markdown
    assert summary.tldr is not None and summary.tldr in abstract  # the TL;DR itself is plain


def test_the_cache_hash_is_short_stable_hex() -> None:
    assert re.fullmatch(r"[0-9a-f]{16}", extractive_hash())
    assert extractive_hash() == extractive_hash()


def test_an_empty_abstract() -> None:
    summary = summarize_extractive(paper(""), language="zh")
    assert summary.tldr is None and summary.sections == ()
    assert summary.missing_sections == (1, 2, 3, 4)
    assert summary.markdown.startswith(LABELS["zh"])


def test_a_one_sentence_abstract() -> None:
    summary = summarize_extractive(paper("We present a dataset of 1,000 proofs."), language="en")
    assert summary.tldr == "We present a dataset of 1,000 proofs."


_ABSTRACTS = st.lists(
    st.sampled_from(
        ["We propose ", "e.g. ", "Fig. ", "et al. ", "95.3%. ", ". ", "? ", "! ", "A. ", "\n\n",
         "<b>", "*", "_", "[x](y)", "`", "1. ", "outperforms ", "future work ", "。", " "]
    ) | st.text(max_size=6),
    max_size=40,
).map("".join)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(_ABSTRACTS)
def test_any_abstract_gives_a_faithful_labelled_summary(abstract: str) -> None:
    summary = summarize_extractive(paper(abstract), language="en")
    assert summary.markdown.startswith(LABELS["en"])
    visible = clean_text(abstract)  # control and bidi characters are not quoted
    for sentence in quoted_sentences(summary)[1:] + [summary.tldr or ""]:
        assert flat(sentence) in flat(visible)
    assert (summary.tldr is None) == (not visible.strip())
    assert sanitize_markdown(summary.markdown) == summary.markdown


# -- sentences ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "We use e.g. BERT and GPT. Smith et al. (2020) show in Fig. 2 that accuracy is 95.3%. "
            "See arXiv 2401.01234 for details. Next.",
            [
                "We use e.g. BERT and GPT.",
                "Smith et al. (2020) show in Fig. 2 that accuracy is 95.3%.",
                "See arXiv 2401.01234 for details.",
                "Next.",
            ],
        ),
        (
            "The U.S. Army uses it. J. Smith agrees... Really? Yes! It costs approx. 5 dollars, "
            "i.e. cheap. Models, data, etc. We conclude.",
            [
                "The U.S. Army uses it.",
                "J. Smith agrees...",
                "Really?",
                "Yes!",
                "It costs approx. 5 dollars, i.e. cheap.",
                "Models, data, etc.",
                "We conclude.",
            ],
        ),
        (
            "Results are in Sec. 4. Code (v2.1) is at https://github.com/x/y. Eq. (3) holds. "
            "Data from Aug. 10, 2025 is used.",
            [
                "Results are in Sec. 4.",
                "Code (v2.1) is at https://github.com/x/y.",
                "Eq. (3) holds.",
                "Data from Aug. 10, 2025 is used.",
            ],
        ),
        (
            'He said "it works." Then we left. (A bracketed sentence.) Done',
            ['He said "it works."', "Then we left.", "(A bracketed sentence.)", "Done"],
        ),
        (
            "Two steps: 1. parse. 2. We rank them.\n\nA second paragraph without a stop",
            ["Two steps: 1. parse.", "2. We rank them.", "A second paragraph without a stop"],
        ),
        (
            "我们提出了一种新方法。实验表明效果很好！未来工作？",
            ["我们提出了一种新方法。", "实验表明效果很好！", "未来工作？"],
        ),
        ("", []),
        ("   \n\n  ", []),
    ],
)  # fmt: skip
def test_split_sentences(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


def test_split_sentences_returns_substrings_of_real_abstracts() -> None:
    for p in PAPERS:
        sentences = split_sentences(p.abstract)
        assert sentences and all(s in p.abstract for s in sentences)
        assert flat(" ".join(sentences)) == flat(p.abstract)  # nothing lost or added


# -- TextRank -----------------------------------------------------------------------------------


def test_rank_sentences_is_a_distribution_favouring_the_central_sentence() -> None:
    sentences = [
        "Graph neural networks learn graph representations.",
        "Graph neural networks learn representations of molecules and graph structure.",
        "Molecules are graphs.",
        "The weather was pleasant.",
    ]
    scores = rank_sentences(sentences)
    assert sum(scores) == pytest.approx(1.0)
    assert max(range(4), key=scores.__getitem__) == 1
    assert scores[3] == min(scores)  # shares no word with the others
    assert rank_sentences(sentences) == scores


def test_rank_sentences_edge_cases() -> None:
    assert rank_sentences([]) == []
    assert rank_sentences(["Only one."]) == [1.0]
    assert rank_sentences(["a", "b", "c"]) == pytest.approx([1 / 3] * 3)  # no edges at all
