"""Feedback on the site's pages: the static site shows, per paper, the ``arxiv-radar feedback``
command that marks it up or down (folded, escaped); only pages rendered for the server
(``feedback_api``) load ``feedback.js`` and name the endpoint and the profile."""

from __future__ import annotations

import shlex
from pathlib import Path

from lxml import html as lxml_html
from lxml.html import HtmlElement

from arxiv_radar.publish.site import write_site

from digest_helpers import sample_digest, xss_digest

STATIC_SCRIPTS = ["site.js", "katex/katex.min.js", "katex/auto-render.min.js", "math.js"]


def parse(path: Path) -> HtmlElement:
    return lxml_html.fromstring(path.read_bytes())


def text(element: HtmlElement) -> str:
    return " ".join(element.text_content().split())


def test_every_paper_shows_the_feedback_command_folded(tmp_path: Path) -> None:
    digest = sample_digest()
    write_site(digest, tmp_path)
    for path in (tmp_path / "index.html", tmp_path / "archive" / "2026-04-27.html"):
        page = parse(path)
        cards = page.xpath("//article[contains(@class, 'paper')]")
        assert len(cards) == len(digest.entries) > 3
        for card, entry in zip(cards, digest.entries, strict=True):
            (details,) = card.xpath(".//details[@class='feedback-command']")
            assert details.get("open") is None  # folded: one line per paper
            assert text(details.xpath("./summary")[0]) == "Feedback (a command)"
            commands = [text(code) for code in details.xpath(".//code")]
            arxiv_id = entry.ranked.paper.arxiv_id
            assert commands == [
                f"arxiv-radar feedback {arxiv_id} up --profile default",
                f"arxiv-radar feedback {arxiv_id} down --profile default",
            ]
        assert not page.xpath("//*[@data-feedback-api]")
        assert page.xpath("//script/@src") == [
            f"{'../' if 'archive' in path.parts else ''}assets/{name}" for name in STATIC_SCRIPTS
        ]
    assert (tmp_path / "assets" / "feedback.js").is_file()  # copied, but loaded by no page


def test_the_command_is_quoted_for_the_shell_and_escaped_for_the_page(tmp_path: Path) -> None:
    profile = "x'; rm -rf ~ <b>&"
    digest = xss_digest().model_copy(update={"profile": profile})
    write_site(digest, tmp_path)
    raw = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "<b>&" not in raw
    page = parse(tmp_path / "index.html")
    for code in page.xpath("//details[@class='feedback-command']//code"):
        words = shlex.split(code.text_content())
        assert words[:2] == ["arxiv-radar", "feedback"] and words[-2:] == ["--profile", profile]
        assert words[3] in ("up", "down") and len(words) == 6


def test_pages_for_the_server_load_the_buttons_script(tmp_path: Path) -> None:
    digest = sample_digest()
    write_site(digest, tmp_path, feedback_api="api/feedback")
    for path, root in (
        (tmp_path / "index.html", ""),
        (tmp_path / "archive/2026-04-27.html", "../"),
    ):
        page = parse(path)
        assert page.xpath("//script/@src") == [
            f"{root}assets/{name}" for name in [*STATIC_SCRIPTS, "feedback.js"]
        ]
        (papers,) = page.xpath("//ol[@data-feedback-api]")
        assert papers.get("data-feedback-api") == f"{root}api/feedback"
        assert papers.get("data-feedback-profile") == "default"
        assert len(page.xpath("//details[@class='feedback-command']")) == len(digest.entries)
    assert (tmp_path / "assets" / "feedback.js").is_file()
