"""TeX in the README digest: one rule for titles, abstracts and summaries (model-written and
extractive alike): math is kept as TeX and written as GitHub's ``$`...`$`` math, every other
``$`` is escaped, and nothing in a math span can become HTML or a link."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.token import Token

from arxiv_radar.models import Digest, DigestEntry, Summary
from arxiv_radar.publish.markdown import render_readme, tex_markdown

from digest_helpers import extractive_summary, sample_digest

ABSTRACT = (
    r"We prove $P \leq NP$ for toy machines of size $n$, which costs \$5 (not $5 and $10). "
    "We also show that\n"
    r"$$\sum_{i=1}^{n} x_i^2 < 1$$ holds."
)
MODEL_SUMMARY = (
    "TL;DR: We prove $P \\leq NP$; it costs $5.\n\n"
    "## 1. Main contributions\n\n"
    "- A bound $a_1 * b_2$ and `code $x$` kept as code.\n"
)


def with_entries(*entries: DigestEntry) -> Digest:
    digest = sample_digest()
    return digest.model_copy(update={"entries": (*entries, *digest.entries[len(entries) :])})


def entry_with(abstract: str, *, title: str = "A title", summary: str | None = None) -> DigestEntry:
    first = sample_digest().entries[0]
    paper = first.ranked.paper.model_copy(update={"abstract": abstract, "title": title})
    made: Summary = extractive_summary(paper)
    if summary is not None:
        made = made.model_copy(update={"markdown": summary, "extractive": False, "model": "m"})
    return first.model_copy(
        update={"ranked": first.ranked.model_copy(update={"paper": paper}), "summary": made}
    )


def paper_block(readme: str) -> str:
    return readme.split("### 1. ", 1)[1].split("\n---\n", 1)[0]


def tokens(markdown: str) -> list[Token]:
    """Every token a permissive CommonMark renderer (raw HTML on) makes, children included."""
    flat: list[Token] = []
    for token in MarkdownIt("commonmark", {"html": True}).parse(markdown):
        flat.append(token)
        flat.extend(token.children or ())
    return flat


def test_math_in_an_abstract_is_github_math_and_dollars_are_escaped() -> None:
    block = paper_block(render_readme(with_entries(entry_with(ABSTRACT))))
    abstract = block.split("#### Abstract\n", 1)[1].split("\n", 1)[0]
    assert r"We prove $`P \leq NP`$ for toy machines of size $`n`$" in abstract
    assert r"costs \\\$5 (not \$5 and \$10)" in abstract
    assert r"$`\sum_{i=1}^{n} x_i^2 < 1`$ holds." in abstract


def test_the_extractive_summary_of_that_abstract_gets_the_same_treatment() -> None:
    block = paper_block(render_readme(with_entries(entry_with(ABSTRACT))))
    summary = block.split("</summary>", 1)[1]
    assert r"TL;DR: We prove $`P \leq NP`$ for toy machines of size $`n`$" in summary
    assert r"\\\$5 (not \$5 and \$10)" in summary
    assert r"\$P" not in summary and r"\\leq" not in summary


def test_a_model_summary_gets_the_same_treatment() -> None:
    readme = render_readme(with_entries(entry_with(ABSTRACT, summary=MODEL_SUMMARY)))
    summary = paper_block(readme).split("</summary>", 1)[1]
    assert r"TL;DR: We prove $`P \leq NP`$; it costs \$5." in summary
    assert r"- A bound $`a_1 * b_2`$ and `code $x$` kept as code." in summary


def test_math_in_a_title_is_github_math_inside_the_link() -> None:
    entry = entry_with("An abstract.", title=r"Sorting in $O(n \log n)$ time")
    readme = render_readme(with_entries(entry))
    assert r"### 1. [Sorting in $`O(n \log n)`$ time](https://arxiv.org/abs/" in readme


def test_any_other_renderer_shows_the_tex_as_code() -> None:
    found = [t for t in tokens(str(tex_markdown(ABSTRACT))) if t.type == "code_inline"]
    assert [t.content for t in found] == ["P \\leq NP", "n", "\\sum_{i=1}^{n} x_i^2 < 1"]


HOSTILE = (
    "$<img src=x onerror=alert(1)>$ and $[click](javascript:alert(1))$ and "
    "$<script>alert(2)</script>$ and $`x`$ and $a`b$ and $$<b>bold</b>$$"
)


def test_hostile_math_makes_no_html_and_no_link() -> None:
    readme = render_readme(
        with_entries(entry_with(HOSTILE, title=HOSTILE, summary=f"TL;DR: {HOSTILE}\n"))
    )
    block = paper_block(readme)
    found = tokens("### 1. " + block)
    links = [t.attrGet("href") for t in found if t.type == "link_open"]
    assert links == [links[0]] and str(links[0]).startswith("https://arxiv.org/abs/")
    raw = [t.content for t in found if t.type in ("html_inline", "html_block")]
    assert all(part.strip() in ("<details>", "</details>") or "<summary>" in part for part in raw)
    assert not [t for t in found if t.type == "image"]
    assert "$`<img src=x onerror=alert(1)>`$" in block  # shown, as code or math: never run
