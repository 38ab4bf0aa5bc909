"""Extractive summaries quote each sentence once (the TL;DR is in no section), and keep the
abstract's TeX math as TeX between dollars, on the real abstracts of the recorded API search."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arxiv_radar.arxiv.atom import parse_feed
from arxiv_radar.models import Paper
from arxiv_radar.summarize.extractive import summarize_extractive
from arxiv_radar.summarize.parsing import ParsedSummary
from arxiv_radar.text.sanitize import sanitize_markdown
from arxiv_radar.text.tex import markdown_segments

FIXTURE = (
    Path(__file__).parents[1] / "fixtures" / "arxiv" / "api_atom_search_testing_100entries_2026.xml"
)
PAPERS = parse_feed(FIXTURE.read_bytes()).papers
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def paper(abstract: str) -> Paper:
    return Paper(arxiv_id="2401.01234", version=1, title="A paper", abstract=abstract)


def quotes(summary: ParsedSummary) -> list[str]:
    """Every sentence the Markdown quotes (the TL;DR line and the bullets), unescaped."""
    found = []
    for line in summary.markdown.splitlines():
        if line.startswith(("TL;DR: ", "- ")):
            text = line.removeprefix("TL;DR: ").removeprefix("- ")
            found.append(
                "".join(
                    s.raw if s.kind == "math" else _ESCAPE.sub(r"\1", s.raw)
                    for s in markdown_segments(text)
                )
            )
    return found


@pytest.mark.parametrize("language", ["en", "zh"])
def test_no_sentence_is_quoted_twice_in_any_real_abstract(language: str) -> None:
    for p in PAPERS:
        summary = summarize_extractive(p, language=language)  # type: ignore[arg-type]
        said = quotes(summary)
        repeated = [s for s, n in Counter(said).items() if n > 1]
        assert not repeated, (p.arxiv_id, repeated)
        assert summary.tldr is not None and said[0] == summary.tldr
        bullets = [line for s in summary.sections for line in s.body.splitlines()]
        assert len(said) == 1 + len(bullets)


def test_the_tldr_is_in_no_section() -> None:
    """The abstract whose TL;DR used to be quoted again as the first contribution."""
    summary = summarize_extractive(PAPERS[4], language="en")
    assert summary.tldr is not None and "we examine how well ChatGPT performs" in summary.tldr
    assert summary.markdown.count("we examine how well ChatGPT performs") == 1
    assert all("we examine how well ChatGPT performs" not in s.body for s in summary.sections)


def test_a_sentence_the_abstract_repeats_is_quoted_once() -> None:
    first = PAPERS[4].abstract.strip()
    summary = summarize_extractive(paper(f"{first}\n\n{first}"), language="en")
    assert summary == summarize_extractive(paper(first), language="en")


def test_tex_math_stays_tex_and_the_rest_is_escaped() -> None:
    summary = summarize_extractive(
        paper(
            r"We propose a tester using $O(\sqrt{n}/\varepsilon_2^2)$ samples on data_sets. "
            r"It achieves 95% accuracy when $p_i<q_i$ and $\|x\|_1 \leq 1$, saving \$5."
        ),
        language="en",
    )
    text = summary.markdown
    assert r"$O(\sqrt{n}/\varepsilon_2^2)$" in text  # as the abstract wrote it
    assert r"$\|x\|_1 \leq 1$" in text
    assert r"data\_sets" in text and r"\\\$5" in text  # text stays escaped
    # "<q" could open an HTML tag for Markdown: that span is escaped text, dollars included.
    assert r"\$p\_i\<q\_i\$" in text
    assert sanitize_markdown(text) == text


def test_other_tex_delimiters_are_quoted_between_dollars() -> None:
    summary = summarize_extractive(
        paper(r"We propose \(k\)-means with \[\sum_i x_i\] as the loss for 3 datasets."),
        language="en",
    )
    assert summary.tldr is not None
    assert r"TL;DR: We propose $k$-means with $$\sum_i x_i$$ as the loss" in summary.markdown


_TEXY = st.lists(
    st.sampled_from(
        ["We propose ", "$", "$$", "\\(", "\\)", "\\[", "\\]", "\\$", "x_1", "<b", "a<b", "`",
         "[x](y)", "![", "\\leq ", "{", "}", "*", ". ", "95%. ", " ", "\n", "\n\n", "|"]
    ) | st.text(max_size=4),
    max_size=40,
).map("".join)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(_TEXY)
def test_any_tex_gives_safe_markdown_that_quotes_each_sentence_once(abstract: str) -> None:
    summary = summarize_extractive(paper(abstract), language="en")
    assert sanitize_markdown(summary.markdown) == summary.markdown
    said = quotes(summary)
    assert len(said) == len(set(said))
