"""Each payload on its own, in process, through every renderer and the sanitizer.

The end-to-end run (``test_hostile_run.py``) proves the whole path; these name the payload
and the output when something breaks, reach fields the listing cannot carry (a comment, raw
NUL and ESC in a title, a model's name) and check the sanitizer's promises as properties.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import bibtexparser
import lxml.etree
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arxiv_radar.config import Config, PublishConfig
from arxiv_radar.models import (
    AnnounceType,
    Digest,
    Explanation,
    Paper,
    RankedPaper,
    Summary,
    SummaryKey,
    SummarySection,
)
from arxiv_radar.publish import exports, feeds, markdown, site
from arxiv_radar.publish.digest import make_digest
from arxiv_radar.publish.site import asset_names
from arxiv_radar.text.sanitize import (
    is_safe_markdown,
    markdown_to_safe_html,
    sanitize_markdown,
)

from payloads import PAYLOADS, Payload, by_group
from security_checks import html_problems, markdown_to_html, text_problems

GENERATED_AT = dt.datetime(2026, 4, 27, 6, 30, tzinfo=dt.UTC)
SHORT = [payload for payload in PAYLOADS if payload.group != "long"]
SITE_RESOURCES = [f"{root}assets/{name}" for root in ("", "../") for name in asset_names()]


def hostile_digest(payload: Payload, config: Config | None = None) -> Digest:
    """One paper whose every arXiv or LLM field is ``payload`` (raw: NUL and ESC included)."""
    text = payload.text
    paper = Paper(
        arxiv_id="2604.30001",
        version=1,
        title=f"Hostile: {text}",
        abstract=f"We study {text}. Results improve by 12%.",
        authors=(f"Mallory {text}", "Alice Example"),
        categories=("cs.AI", f"cs.CR {text}"),
        primary_category="cs.AI",
        comment=text,
        journal_ref=f"J. {text}",
        doi=f"10.1000/{text}",
        license=text,
    )
    ranked = RankedPaper(
        rank=1,
        paper=paper,
        announce_type=AnnounceType.NEW,
        score=1.5,
        explanation=Explanation(mode="keywords", total=1.5),
    )
    summary = Summary(
        key=SummaryKey(
            arxiv_id=paper.arxiv_id,
            version=1,
            provider="openai-compatible:evil",
            prompt_hash="0" * 16,
            input_mode="abstract",
            language="en",
        ),
        model=f"evil {text}",
        markdown=f"TL;DR: {text}\n\n## 1. Main contributions\n{text}\n",
        tldr=text,
        sections=(SummarySection(number=1, title="Main contributions", body=text),),
        missing_sections=(2, 3, 4),
        created_at=GENERATED_AT,
    )
    return make_digest(
        config or Config(),
        announced_on=dt.date(2026, 4, 27),
        ranked=[ranked],
        summaries={paper.arxiv_id: summary},
        generated_at=GENERATED_AT,
    )


def _feed_fragments(data: bytes) -> list[str]:
    root = lxml.etree.fromstring(data)
    names = ("description", "{http://purl.org/rss/1.0/modules/content/}encoded")
    atom = ("{http://www.w3.org/2005/Atom}content", "{http://www.w3.org/2005/Atom}summary")
    return [element.text or "" for element in root.iter(*names, *atom)]


@pytest.mark.parametrize("payload", SHORT, ids=lambda p: p.name)
def test_every_renderer_makes_harmless_output(payload: Payload, tmp_path: Path) -> None:
    digest = hostile_digest(payload)
    readme = markdown.render_readme(digest)
    problems = text_problems(readme, "README") + html_problems(markdown_to_html(readme), "README")
    for name, data in (("rss", feeds.render_rss(digest)), ("atom", feeds.render_atom(digest))):
        problems += text_problems(data.decode("utf-8"), name)
        for fragment in _feed_fragments(data):
            problems += html_problems(fragment, name, fragment=True)
    json_feed = json.loads(feeds.render_json_feed(digest))
    for item in json_feed["items"]:
        problems += html_problems(item["content_html"], "feed.json", fragment=True)
    written = site.write_site(digest, tmp_path / "site")
    for path in written.written:
        if path.suffix == ".html":
            problems += html_problems(
                path.read_bytes(), path.name, own_resources=SITE_RESOURCES, own_form="filters"
            )
    assert not problems, "\n".join(problems[:20])
    assert "<" not in exports.render_json(digest)  # every < written as \u003c
    assert "<" not in (tmp_path / "site" / "data.json").read_text(encoding="utf-8")
    library = bibtexparser.parse_string(exports.render_bibtex(digest))
    assert not library.failed_blocks and len(library.entries) == 1
    assert {field.key for field in library.entries[0].fields} <= {
        *("title", "author", "year", "month", "eprint", "archivePrefix", "primaryClass"),
        *("url", "doi", "journal"),
    }


@pytest.mark.parametrize("payload", by_group("template"), ids=lambda p: p.name)
def test_the_old_tools_template_substitutes_once(payload: Payload, tmp_path: Path) -> None:
    """A title holding ``{{PAPERS_SECTION}}`` is not expanded again by the old template."""
    template = tmp_path / "README.template.md"
    template.write_text("# Digest {{LAST_UPDATED}}\n\n{{PAPERS_SECTION}}\n", encoding="utf-8")
    config = Config(publish=PublishConfig(template=str(template)))
    readme = markdown.render_readme(hostile_digest(payload, config), template=template)
    assert readme.count("### 1.") == 1
    assert "{{" not in readme.replace("\\{", "{").split("### 1.")[0]  # the header substituted
    assert "7777777" not in readme


# -- the sanitizer's promises, as properties -----------------------------------------------------

_FRAGMENTS = st.sampled_from([payload.text[:400] for payload in PAYLOADS])
_MIXED = st.lists(st.one_of(_FRAGMENTS, st.text(max_size=40)), min_size=1, max_size=6).map("".join)


@settings(max_examples=300, deadline=None)
@given(_MIXED)
def test_sanitized_markdown_is_safe_for_any_mix_of_payloads(text: str) -> None:
    clean = sanitize_markdown(text)
    assert is_safe_markdown(clean)
    assert sanitize_markdown(clean) == clean  # idempotent: stored text is stable
    problems = html_problems(markdown_to_html(clean), "sanitized", fragment=True)
    problems += html_problems(markdown_to_safe_html(text), "safe html", fragment=True)
    assert not problems, problems


@pytest.mark.parametrize("payload", by_group("long"), ids=lambda p: p.name)
def test_long_payloads_are_sanitized_quickly(payload: Payload) -> None:
    started = time.monotonic()
    clean = sanitize_markdown(payload.text, max_chars=200_000)  # 10 x the default cap
    html = markdown_to_safe_html(payload.text)
    # A backtracking blow-up takes minutes; coverage tracing (on in the suite) makes the
    # sanitizer about 3.5 times slower, so the bound only catches a hang.
    assert time.monotonic() - started < 60, payload.name
    assert is_safe_markdown(clean)
    assert not html_problems(html, payload.name, fragment=True)
