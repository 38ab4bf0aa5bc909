"""The README digest: golden output, the old tool's layout, escaping, templates, schedule."""

from __future__ import annotations

import datetime as dt
import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from arxiv_radar.config import Config, PublishConfig
from arxiv_radar.errors import ConfigError
from arxiv_radar.models import Digest, DigestEntry, SummaryStatus
from arxiv_radar.publish.markdown import (
    abstract_excerpt,
    code_span,
    escape_html,
    escape_markdown,
    render_readme,
)
from arxiv_radar.text.links import abs_url
from arxiv_radar.text.plain import one_line

from digest_helpers import check_golden, sample_digest, xss_digest

GOLDEN = Path(__file__).resolve().parent / "golden"
REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"

SECTIONS = [
    "📊 Statistics",
    "📚 Recent Papers",
    "🔧 Configuration",
    "📅 Schedule",
    "🚀 How to Use",
    "📝 Customization",
    "🔍 Manual Trigger",
]

# One paper block of the old tool's README, as the reference digests show it.
PAPER_BLOCK = re.compile(
    r"^### (?P<rank>\d+)\. \[(?P<title>.+)\]\(https://arxiv\.org/abs/(?P<id>[\w./-]+)\)\n"
    r"\n"
    r"\*\*Authors\*\*: .*  \n"
    r"\*\*Category\*\*: \S+  \n"
    r"\*\*Published\*\*: \d{4}-\d{2}-\d{2}  \n"
    r"\*\*Score\*\*: -?\d+\.\d  \n"
    r"\*\*Type\*\*: (?:new|cross|replace|replace-cross)  \n"
    r"\*\*ArXiv ID\*\*: (?P=id)v\d+  \n"
    r"\n"
    r"#### Abstract\n"
    r"(?P<abstract>.+)\n"
    r"\n"
    r"(?P<details><details>\n<summary><strong>.+</strong> - Click to expand</summary>\n"
    r"\n(?s:.*?)\n\n</details>\n\n)?"
    r"---\n",
    re.MULTILINE,
)


def assert_golden(name: str, text: str) -> None:
    check_golden(GOLDEN / name, text)


def md_html(text: str) -> str:
    """Render as a permissive GitHub-like renderer would, before any sanitizing."""
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(text)


class Elements(HTMLParser):
    """Every start tag with its attributes, and the links inside each ``<h3>`` outside the
    summaries' ``<details>``."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.heading_links: list[list[str | None]] = []
        self.in_h3 = False
        self.details = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "details":
            self.details += 1
        elif tag == "h3" and not self.details:
            self.in_h3 = True
            self.heading_links.append([])
        elif tag == "a" and self.in_h3:
            self.heading_links[-1].append(dict(attrs).get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "details":
            self.details -= 1
        elif tag == "h3":
            self.in_h3 = False


def elements(markdown: str) -> Elements:
    parser = Elements()
    parser.feed(md_html(markdown))
    parser.close()
    return parser


def paper_headings(readme: str) -> list[Token]:
    """The inline tokens of the papers' ``###`` headings (not those of summaries or of the
    sections after the papers)."""
    tokens = MarkdownIt("commonmark", {"html": True}).parse(readme)
    found: list[Token] = []
    in_papers = in_summary = False
    for index, token in enumerate(tokens):
        if token.type == "html_block":
            in_summary = token.content.startswith("<details>")
        elif in_summary:
            continue
        elif token.type == "heading_open" and token.tag == "h2":
            in_papers = tokens[index + 1].content == "📚 Recent Papers"
        elif token.type == "heading_open" and token.tag == "h3" and in_papers:
            found.append(tokens[index + 1])
    return found


def with_summary(digest: Digest, index: int, **changes: object) -> Digest:
    entries = list(digest.entries)
    summary = entries[index].summary
    assert summary is not None
    entries[index] = DigestEntry(
        ranked=entries[index].ranked, summary=summary.model_copy(update=changes)
    )
    return digest.model_copy(update={"entries": tuple(entries)})


def with_title(digest: Digest, index: int, title: str) -> Digest:
    entries = list(digest.entries)
    ranked = entries[index].ranked
    paper = ranked.paper.model_copy(update={"title": title})
    entries[index] = entries[index].model_copy(
        update={"ranked": ranked.model_copy(update={"paper": paper})}
    )
    return digest.model_copy(update={"entries": tuple(entries)})


# -- golden output and the reference layout -----------------------------------------------


def test_readme_matches_golden() -> None:
    assert_golden("digest_readme.md", render_readme(sample_digest()))


def test_readme_has_the_reference_sections_in_order() -> None:
    digest = sample_digest()
    tokens = MarkdownIt("commonmark", {"html": True}).parse(render_readme(digest))
    headings = []
    in_summary = False
    for index, token in enumerate(tokens):
        if token.type == "html_block":
            in_summary = token.content.startswith("<details>")
        elif token.type == "heading_open" and not in_summary:
            headings.append((token.tag, tokens[index + 1].content))
    assert headings[0] == ("h1", digest.title)
    assert [text for tag, text in headings if tag == "h2"] == SECTIONS
    papers = [token.content for token in paper_headings(render_readme(digest))]
    assert len(papers) == len(digest.entries)
    for number, (text, entry) in enumerate(zip(papers, digest.entries, strict=True), start=1):
        paper = entry.ranked.paper
        assert text == f"{number}. [{paper.title}]({abs_url(paper.arxiv_id)})"
    assert [text for tag, text in headings if tag == "h4"] == ["Abstract"] * len(digest.entries)


def test_every_paper_block_has_the_reference_format() -> None:
    digest = sample_digest()
    readme = render_readme(digest)
    blocks = list(PAPER_BLOCK.finditer(readme))
    assert [int(block["rank"]) for block in blocks] == list(range(1, len(digest.entries) + 1))
    for block, entry in zip(blocks, digest.entries, strict=True):
        paper = entry.ranked.paper
        assert block["id"] == paper.arxiv_id
        assert f"**Score**: {entry.ranked.score:.1f}  \n" in block.group()
        assert f"**ArXiv ID**: {paper.versioned_id}  \n" in block.group()
        assert f"**Published**: {digest.announced_on.isoformat()}  \n" in block.group()
        assert (block["details"] is not None) == (entry.summary is not None)
    assert readme.count("<details>") == sum(entry.summary is not None for entry in digest.entries)


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="no reference digests beside the work tree")
def test_the_paper_block_pattern_is_the_reference_format() -> None:
    """The pattern the tests hold our README to matches every paper of the old tool's."""
    for path in sorted(REFERENCE.glob("*.md")):
        text = path.read_text(encoding="utf-8", errors="replace")
        headings = re.findall(r"^### \d+\. \[", text, re.MULTILINE)
        blocks = list(PAPER_BLOCK.finditer(text))
        assert len(blocks) == len(headings) > 0, path.name
        assert any(block["details"] for block in blocks)


def test_statistics_use_utc_and_the_digest_counts() -> None:
    digest = sample_digest()
    readme = render_readme(digest)
    assert "- **Last Updated**: 2026-04-27 06:30:05 UTC\n" in readme
    assert "- **Announcement Date**: 2026-04-27\n" in readme
    assert f"- **Papers Announced**: {digest.papers_announced}\n" in readme
    assert f"- **Papers Matched**: {digest.papers_matched}\n" in readme
    assert f"- **Papers Shown**: {len(digest.entries)}\n" in readme
    assert "- **Categories Monitored**: cs.AI, cs.CL, cs.DC, cs.LG\n" in readme
    assert "- " + ", ".join(digest.keywords) + "\n" in readme


def test_last_updated_is_converted_to_utc() -> None:
    digest = sample_digest()
    berlin = dt.timezone(dt.timedelta(hours=2))
    later = digest.model_copy(
        update={"generated_at": dt.datetime(2026, 4, 27, 8, 30, 5, tzinfo=berlin)}
    )
    assert "- **Last Updated**: 2026-04-27 06:30:05 UTC\n" in render_readme(later)


def test_profile_base_url_and_empty_digest() -> None:
    digest = sample_digest().model_copy(
        update={"profile": "theory", "base_url": "https://papers.example.org/radar", "entries": ()}
    )
    readme = render_readme(digest)
    assert "- **Profile**: theory\n" in readme
    assert "(https://papers.example.org/radar)" in readme
    assert "*No papers matched the configured interests on 2026-04-27.*" in readme
    assert paper_headings(readme) == []


def test_a_base_url_that_is_not_http_is_left_out() -> None:
    digest = sample_digest().model_copy(update={"base_url": "javascript:alert(1)"})
    assert "javascript" not in render_readme(digest)


def test_configured_title_and_description() -> None:
    config = Config(
        publish=PublishConfig(title="My *Radar*", description="See [site](https://x.org).")
    )
    readme = render_readme(sample_digest(config))
    assert readme.startswith("# My \\*Radar\\*\n\nSee [site](https://x.org).\n")


# -- summaries ----------------------------------------------------------------------------


def test_extractive_summary_is_labelled_and_paper_without_summary_has_none() -> None:
    digest = sample_digest(summarize=1)
    readme = render_readme(digest)
    first, second = readme.split("\n### 2. ")[:2]
    assert (
        "<summary><strong>📝 Extractive summary (sentences from the abstract)</strong>"
        " - Click to expand</summary>" in first
    )
    assert "<details>" not in second.split("\n---\n")[0]


def test_model_summary_is_labelled_with_its_model() -> None:
    digest = with_summary(sample_digest(summarize=1), 0, extractive=False, model="qwen-long")
    readme = render_readme(digest)
    assert (
        "<details>\n<summary><strong>🤖 AI Summary (by qwen-long)</strong> - Click to expand"
        "</summary>\n\n" in readme
    )


def test_incomplete_summary_names_the_missing_sections() -> None:
    digest = with_summary(
        sample_digest(summarize=1),
        0,
        extractive=False,
        status=SummaryStatus.INCOMPLETE,
        missing_sections=(2, 4),
    )
    readme = render_readme(digest)
    assert (
        "> ⚠️ **Incomplete summary**: missing sections 2. Method and experimental setup; "
        "4. Conclusions, limitations and future work\n" in readme
    )


def test_failed_summary_is_not_shown() -> None:
    digest = with_summary(sample_digest(summarize=1), 0, status=SummaryStatus.FAILED)
    assert "<details>" not in render_readme(digest)


def test_an_unclosed_code_fence_in_a_summary_is_contained() -> None:
    digest = with_summary(
        sample_digest(summarize=1), 0, markdown="Intro\n\n````python\nprint('open')\n```\n"
    )
    readme = render_readme(digest)
    assert len(paper_headings(readme)) == len(digest.entries)
    tokens = MarkdownIt("commonmark", {"html": True}).parse(readme)
    blocks = [t.content.strip() for t in tokens if t.type == "html_block"]
    assert blocks.count("</details>") == 1


def test_summary_markdown_is_sanitized() -> None:
    evil = "Hi <b>there</b> ![x](https://evil.example/p.png) [y](javascript:alert(1))\n"
    readme = render_readme(with_summary(sample_digest(summarize=1), 0, markdown=evil))
    assert "Hi there x y" in readme
    assert "<b>" not in readme and "javascript" not in readme and "evil.example" not in readme


# -- hostile text -------------------------------------------------------------------------


def test_xss_corpus_renders_to_no_active_content() -> None:
    digest = xss_digest()
    readme = render_readme(digest)
    parsed = elements(readme)
    allowed = {"h1", "h2", "h3", "h4", "p", "ul", "ol", "li", "strong", "em", "code", "a"}
    allowed |= {"hr", "br", "details", "summary", "blockquote"}
    assert {tag for tag, _ in parsed.tags} <= allowed
    for tag, attrs in parsed.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert set(attrs) <= {"href"}, (tag, attrs)
        if tag == "a":
            assert re.match(r"https?://", attrs.get("href") or ""), attrs
    papers = len(digest.entries)
    expected = [[abs_url(e.ranked.paper.arxiv_id)] for e in digest.entries]
    assert parsed.heading_links[:papers] == expected
    assert not any(parsed.heading_links[papers:])  # Customization's headings
    rendered = md_html(readme)
    assert "<script" not in rendered and "<img" not in rendered and "<svg" not in rendered
    tags_only = re.sub(r">[^<]*<", "><", rendered)  # text between tags removed
    assert "javascript:" not in tags_only and "evil.example" not in tags_only


def test_xss_titles_render_as_their_text() -> None:
    digest = xss_digest()
    titles = []
    for heading in paper_headings(render_readme(digest)):
        children = heading.children or []
        kinds = [child.type for child in children]
        assert kinds.count("link_open") == 1 and "html_inline" not in kinds
        start, end = kinds.index("link_open"), kinds.index("link_close")
        titles.append("".join(child.content for child in children[start + 1 : end]))
    assert titles == [entry.ranked.paper.title for entry in digest.entries]


def test_model_names_are_escaped_inside_the_summary_element() -> None:
    readme = render_readme(xss_digest())
    for line in readme.splitlines():
        if line.startswith("<summary>"):
            inner = line.removeprefix("<summary><strong>").removesuffix(
                "</strong> - Click to expand</summary>"
            )
            assert "<" not in inner and ">" not in inner and "[" not in inner


@given(st.text())
def test_escaped_text_renders_as_exactly_that_text(text: str) -> None:
    expected = one_line(text)
    tokens = (
        MarkdownIt("commonmark", {"html": True})
        .enable(["table", "strikethrough"])
        .parse(
            f"### 1. [{escape_markdown(text)}](https://arxiv.org/abs/2604.00001)\n\n"
            f"{escape_markdown(text)}\n"
        )
    )
    heading = tokens[1].children or []
    kinds = [t.type for t in heading]
    assert kinds[:2] == ["text", "link_open"] and kinds[-1] == "link_close"
    assert kinds.count("link_open") == 1
    assert heading[1].attrGet("href") == "https://arxiv.org/abs/2604.00001"
    assert all(kind in ("text", "text_special") for kind in kinds[2:-1])
    assert "".join(t.content for t in heading[2:-1]) == expected
    if expected:
        assert [t.type for t in tokens[3:]] == ["paragraph_open", "inline", "paragraph_close"]
        paragraph = tokens[4].children or []
        assert all(t.type in ("text", "text_special") for t in paragraph)
        assert "".join(t.content for t in paragraph) == expected
    else:
        assert len(tokens) == 3


@given(st.text())
def test_html_escaped_text_has_no_markup(text: str) -> None:
    escaped = escape_html(text)
    assert not set(escaped) & set("<>\"'`[]\\")
    assert html.unescape(escaped) == one_line(text)


def test_code_span_holds_backticks() -> None:
    assert code_span("30 6 * * 1-5") == "`30 6 * * 1-5`"
    assert code_span("a `b` c") == "``a `b` c``"
    assert code_span("`x") == "`` `x ``"


# -- abstract excerpt ---------------------------------------------------------------------


def test_excerpt_cuts_at_a_word_boundary() -> None:
    text = "word " * 100
    excerpt = abstract_excerpt(text, 300)
    assert excerpt.endswith("word...")
    assert len(excerpt) <= 303
    assert abstract_excerpt("Short   abstract\nhere.", 300) == "Short abstract here."
    assert abstract_excerpt("alpha beta, gamma delta", 12) == "alpha beta..."
    assert abstract_excerpt("x" * 400, 300) == "x" * 300 + "..."


def test_excerpt_in_readme_uses_abstract_chars() -> None:
    digest = sample_digest()
    readme = render_readme(digest, abstract_chars=100)
    for block in PAPER_BLOCK.finditer(readme):
        assert len(block["abstract"]) <= 103
        assert block["abstract"].endswith("...")


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=600), st.integers(50, 400))
def test_excerpt_is_a_prefix_cut_between_words(text: str, limit: int) -> None:
    whole = one_line(text)
    excerpt = abstract_excerpt(text, limit)
    if len(whole) <= limit:
        assert excerpt == whole
        return
    assert excerpt.endswith("...")
    head = excerpt[:-3]
    assert whole.startswith(head) and len(head) <= limit
    window = whole[: limit + 1]
    if window.rfind(" ") >= limit * 0.6:
        rest = whole[len(head) :]
        assert rest[:1] == " " or rest.lstrip(" ,;:([{-–—")[:1] in ("", " ") or head == ""


# -- schedule -----------------------------------------------------------------------------


def test_readme_describes_the_configured_schedule() -> None:
    config = Config(publish=PublishConfig(schedule="0 7 * * 2-6", timezone="Europe/Berlin"))
    readme = render_readme(sample_digest(config))
    assert (
        "Runs at 07:00 (Europe/Berlin time), Tuesday to Saturday (cron `0 7 * * 2-6`, "
        "time zone Europe/Berlin)" in readme
    )


# -- templates ----------------------------------------------------------------------------

OLD_TEMPLATE = """# arXiv Papers Bot 🤖

## 📊 Statistics

- **Last Updated**: {{LAST_UPDATED}}
- **Total Papers Found**: {{PAPER_COUNT}}
- **Categories Monitored**: {{CATEGORIES}}

## 📚 Recent Papers

{{PAPERS_SECTION}}

## 🔧 Configuration

This bot is configured to look for papers containing the following keywords:
- {{KEYWORDS}}

---
*Generated automatically by arXiv Bot*
"""


def test_old_readme_template_placeholders_are_substituted(tmp_path: Path) -> None:
    digest = with_title(sample_digest(), 0, "Title {{KEYWORDS}} *x*")
    path = tmp_path / "README.template.md"
    path.write_text(OLD_TEMPLATE, encoding="utf-8")
    readme = render_readme(digest, template=path)
    assert "- **Last Updated**: 2026-04-27 06:30:05 UTC\n" in readme
    assert f"- **Total Papers Found**: {len(digest.entries)}\n" in readme
    assert "- **Categories Monitored**: cs.AI, cs.CL, cs.DC, cs.LG\n" in readme
    assert "- " + ", ".join(digest.keywords) + "\n" in readme
    assert "### 1. [Title {{KEYWORDS}} \\*x\\*](https://arxiv.org/abs/" in readme
    blocks = list(PAPER_BLOCK.finditer(readme))
    assert len(blocks) == len(digest.entries)
    assert readme.endswith(
        "---\n\n## 🔧 Configuration\n\nThis bot is configured to look for papers"
        " containing the following keywords:\n- "
        + ", ".join(digest.keywords)
        + "\n\n---\n*Generated automatically by arXiv Bot*\n"
    )


def test_jinja_template_gets_the_context_and_escapes(tmp_path: Path) -> None:
    path = tmp_path / "digest.md.j2"
    path.write_text(
        "# {{ title }} ({{ papers_shown }})\n"
        "{% for p in papers %}- [{{ p.title }}]({{ p.url }}) {{ p.score }}\n{% endfor %}"
        "{{ schedule }}|{{ PAPER_COUNT }}|{{ cron | code }}|{{ digest.profile }}\n",
        encoding="utf-8",
    )
    digest = with_title(sample_digest(), 0, "A *bold* [claim]")
    readme = render_readme(digest, template=path)
    lines = readme.splitlines()
    assert lines[0] == f"# arXiv Radar 📡 ({len(digest.entries)})"
    assert lines[1] == "- [A \\*bold\\* \\[claim\\]](https://arxiv.org/abs/2604.21935) 2.5"
    assert (
        lines[-1]
        == f"Runs at 06:30 UTC, Monday to Friday|{len(digest.entries)}|`30 6 * * 1-5`|default"
    )


def test_jinja_template_can_extend_the_builtin_one(tmp_path: Path) -> None:
    path = tmp_path / "README.md.j2"
    path.write_text(
        '{% extends "arxiv_radar/readme.md.j2" %}\n'
        "{% block footer %}\n*Made with care*\n{% endblock %}\n",
        encoding="utf-8",
    )
    digest = sample_digest()
    readme = render_readme(digest, template=path)
    default = render_readme(digest)
    assert readme.endswith(
        "## 🔍 Manual Trigger"
        + default.split("## 🔍 Manual Trigger")[1].split("---\n*Generated")[0]
        + "*Made with care*\n"
    )
    assert len(list(PAPER_BLOCK.finditer(readme))) == len(digest.entries)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{% for p in papers %}", "syntax error on line 1"),
        ("{{ nonsense }}", "undefined value ('nonsense' is undefined)"),
        ('{% include "nowhere.md" %}', "refers to a template that does not exist: nowhere.md"),
        ("{{ 1 // 0 }}", "failed to render: ZeroDivisionError"),
        ("{{ title.__class__ }}", "failed to render"),
    ],
)
def test_a_broken_template_is_a_config_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.md.j2"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        render_readme(sample_digest(), template=path)
    assert str(path) in str(caught.value) and message in str(caught.value)
    assert caught.value.key == "publish.template" and caught.value.path == str(path)


def test_a_missing_or_unreadable_template_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="template file not found") as caught:
        render_readme(sample_digest(), template=str(tmp_path / "missing.md"))
    assert str(tmp_path / "missing.md") in str(caught.value)
    with pytest.raises(ConfigError, match="template is not a file"):
        render_readme(sample_digest(), template=tmp_path)
    binary = tmp_path / "binary.md"
    binary.write_bytes(b"\xff\xfe{{LAST_UPDATED}}")
    with pytest.raises(ConfigError, match="not UTF-8 text"):
        render_readme(sample_digest(), template=binary)


def test_summary_errors_and_costs_stay_out_of_the_readme() -> None:
    digest = with_summary(sample_digest(summarize=1), 0, error="secret failure", cost=1.5)
    assert "secret failure" not in render_readme(digest)
