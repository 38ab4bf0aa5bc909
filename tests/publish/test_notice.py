"""A digest's notice (what ``arxiv-radar demo`` says about its day): shown above the papers
in the README and on every page of the site, as plain text whatever it holds."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
from markdown_it import MarkdownIt

from arxiv_radar.models import Digest
from arxiv_radar.publish.markdown import render_readme
from arxiv_radar.publish.site import render_site

from digest_helpers import XSS_PAYLOADS, sample_digest

NOTICES = (
    "Demo day: 34 real arXiv records, shown as if announced on Monday 27 April 2026.",
    *XSS_PAYLOADS,
    "two\nlines and a $x$ and 1. a list & <b>tags</b>",
)


def _readme_note(digest: Digest) -> list[str]:
    """The text of each blockquote of the README, as a Markdown renderer shows it."""
    html = MarkdownIt("commonmark", {"html": True}).render(render_readme(digest))
    tree = lxml.html.fromstring(f"<div>{html}</div>")
    return [" ".join(quote.text_content().split()) for quote in tree.iter("blockquote")]


def _site_notes(digest: Digest, folder: Path) -> dict[str, list[lxml.html.HtmlElement]]:
    rendered = render_site(digest, folder)
    pages = {
        path.relative_to(folder).as_posix(): lxml.html.fromstring(content)
        for path, content in rendered.files
        if path.suffix == ".html"
    }
    return {name: page.xpath("//main/p[@role='note']") for name, page in pages.items()}


@pytest.mark.parametrize("notice", NOTICES)
def test_the_readme_shows_the_notice_as_text_above_the_statistics(notice: str) -> None:
    digest = sample_digest().model_copy(update={"notice": notice})
    readme = render_readme(digest)
    assert readme.index("> **Note**: ") < readme.index("## 📊 Statistics")
    assert _readme_note(digest) == [f"Note: {' '.join(notice.split())}"]


@pytest.mark.parametrize("notice", NOTICES)
def test_every_site_page_shows_the_notice_as_text(notice: str, tmp_path: Path) -> None:
    digest = sample_digest().model_copy(update={"notice": notice})
    notes = _site_notes(digest, tmp_path)
    assert {"index.html", "archive/index.html", "archive/2026-04-27.html"} <= set(notes)
    for name, found in notes.items():
        assert len(found) == 1, name
        assert found[0].text_content() == notice and len(found[0]) == 0, name


def test_no_notice_shows_nothing(tmp_path: Path) -> None:
    digest = sample_digest()
    assert digest.notice is None
    assert "**Note**" not in render_readme(digest) and _readme_note(digest) == []
    assert all(found == [] for found in _site_notes(digest, tmp_path).values())
