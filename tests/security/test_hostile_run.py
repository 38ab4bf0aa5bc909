"""The hostile-text corpus through every output of a real ``arxiv-radar run``.

One run per module: a listing whose titles, authors, abstracts, categories, DOIs, journal
references and licences carry :data:`payloads.PAYLOADS` (XML-escaped, as arXiv sends text),
served by the replay server; an OpenAI-compatible server answering every summary with the
paper's payload (raw: NUL and control characters included) and a hostile model name; the
command line as a user types it. Then every file written is read the way its reader would
read it (a browser, GitHub's Markdown renderer, a feed reader, a BibTeX tool, a JSON parser)
and must be harmless, with the hostile text still visible as text where it was text.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bibtexparser
import httpx
import lxml.etree
import lxml.html
import pytest

from arxiv_radar.config import load_config
from arxiv_radar.publish.site import asset_names
from arxiv_radar.text.plain import one_line
from arxiv_radar.text.sanitize import is_safe_markdown

from cli_helpers import invoke_cli
from hostile_feed import ANNOUNCED_ON, FEED_PATH, KEYWORD, hostile_answer, hostile_listing
from openai_server import OpenAIServer
from openai_server import Reply as LLMReply
from payloads import PAYLOADS, TEMPLATE_MARKERS, xml_safe
from replay_server import ReplayServer, Reply
from security_checks import html_problems, markdown_to_html, text_problems

MODEL = "m"
HOSTILE_MODEL = "evil-model <script>alert(1)</script> [x](javascript:alert(1)) \u202e"
ATOM = "http://www.w3.org/2005/Atom"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
SITE_RESOURCES = [f"{root}assets/{name}" for root in ("", "../") for name in asset_names()]
BIBTEX_FIELDS = {
    *("title", "author", "year", "month", "eprint", "archivePrefix", "primaryClass", "url"),
    *("doi", "journal"),
}
PAPERS = len(PAYLOADS)


@dataclass(frozen=True)
class HostileRun:
    folder: Path
    stdout: str
    stderr: str
    returncode: int
    chat_calls: int

    def read(self, name: str) -> str:
        return (self.folder / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> HostileRun:
    folder = tmp_path_factory.mktemp("hostile-run")
    with ReplayServer() as replay, OpenAIServer(models=(MODEL,)) as llm:
        replay.add(FEED_PATH, Reply(body=hostile_listing()))
        llm.respond(
            lambda request: LLMReply(
                text=hostile_answer(request.last_user_message), model=HOSTILE_MODEL
            )
        )
        (folder / "arxiv-radar.toml").write_text(
            f'[profiles.default]\nkeywords = ["{KEYWORD}"]\nmax_papers = {PAPERS}\n\n'
            f'[summaries]\nprovider = "openai-compatible"\nbase_url = "{llm.base_url}"\n'
            f'model = "{MODEL}"\nmax_papers = {PAPERS}\nlanguage = "en"\nmax_retries = 0\n\n'
            '[publish]\nabstract_chars = 5000\noutput = "."\n',
            encoding="utf-8",
        )
        result = invoke_cli("run", "--no-catch-up", cwd=folder, server=replay)
        calls = len(llm.chat_requests)
    return HostileRun(folder, result.stdout, result.stderr, result.returncode, calls)


def _as_shown(text: str) -> str:
    """A payload as a one-line field should show it: what XML can carry, whitespace collapsed
    (as the listing parser does), control and bidi characters removed."""
    return one_line(" ".join(xml_safe(text).split()))


def test_every_paper_and_summary_was_published(hostile: HostileRun) -> None:
    assert hostile.returncode == 0, hostile.stderr[-3000:]
    report = json.loads(hostile.read(f"reports/run-{ANNOUNCED_ON}.json"))
    assert report["status"] == "ok"
    assert report["papers_shown"] == PAPERS
    assert report["summaries_made"] == PAPERS and hostile.chat_calls == PAPERS
    assert report["summary_failures"] == 0


def test_readme_renders_to_harmless_html(hostile: HostileRun) -> None:
    readme = hostile.read("README.md")
    problems = text_problems(readme, "README.md")
    problems += html_problems(markdown_to_html(readme), "README.md rendered")
    assert not problems, "\n".join(problems[:30])


def test_readme_shows_hostile_titles_exactly_as_text(hostile: HostileRun) -> None:
    """Escaping, not deletion: every title renders as the text arXiv sent, templates unrun."""
    page = lxml.html.document_fromstring(markdown_to_html(hostile.read("README.md")))
    titles = {}
    for heading in page.iter("h3"):
        match = re.match(r"\d+\. Hostile (\d+): ", heading.text_content())
        if match:
            titles[int(match.group(1))] = heading.text_content()[match.end() :]
    assert len(titles) == PAPERS
    for number, payload in enumerate(PAYLOADS, start=1):
        assert titles[number] == _as_shown(payload.text), payload.name
    text = page.text_content()
    for marker in TEMPLATE_MARKERS:
        assert marker in text  # shown as typed: no template engine evaluated it
    assert "7777777" not in text


def _feed_parts(data: bytes) -> tuple[list[str], list[lxml.etree._Element]]:
    root = lxml.etree.fromstring(data)
    if root.tag == "rss":
        parts = [*root.iter("description"), *root.iter(f"{{{CONTENT}}}encoded")]
        html = [part.text or "" for part in parts if part.getparent().tag == "item"]
        return html, list(root.iterfind("channel/item/title"))
    parts = [*root.iter(f"{{{ATOM}}}content"), *root.iter(f"{{{ATOM}}}summary")]
    assert all(part.get("type") == "html" for part in parts)
    titles = list(root.iterfind(f"{{{ATOM}}}entry/{{{ATOM}}}title"))
    assert all(title.get("type", "text") == "text" for title in titles)
    return [part.text or "" for part in parts], titles


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml", "cs.AI.xml", "cs.LG.xml"])
def test_feed_items_are_harmless(hostile: HostileRun, name: str) -> None:
    data = (hostile.folder / "feeds" / name).read_bytes()
    fragments, titles = _feed_parts(data)
    assert len(titles) == PAPERS and len(fragments) == 2 * PAPERS
    problems = text_problems(data.decode("utf-8"), name)
    for number, fragment in enumerate(fragments):
        problems += html_problems(fragment, f"{name} item html {number}", fragment=True)
    for title in titles:
        assert len(title) == 0, "a title is plain text, with no child elements"
        problems += text_problems(title.text or "", f"{name} title")
    assert not problems, "\n".join(problems[:30])
    shown = [(title.text or "").split(": ", 1)[1] for title in titles]
    assert shown == [_as_shown(payload.text) for payload in PAYLOADS]


def test_json_feed_is_harmless(hostile: HostileRun) -> None:
    feed = json.loads(hostile.read("feeds/feed.json"))
    assert len(feed["items"]) == PAPERS
    problems: list[str] = []
    for item in feed["items"]:
        problems += html_problems(item["content_html"], "feed.json content_html", fragment=True)
        problems += text_problems(item["title"], "feed.json title")
        problems += text_problems(item.get("summary", ""), "feed.json summary")
    assert not problems, "\n".join(problems[:30])


@pytest.mark.parametrize(
    "page", ["index.html", f"archive/{ANNOUNCED_ON}.html", "archive/index.html"]
)
def test_site_pages_are_harmless(hostile: HostileRun, page: str) -> None:
    data = (hostile.folder / "site" / page).read_bytes()
    problems = html_problems(data, page, own_resources=SITE_RESOURCES, own_form="filters")
    assert not problems, "\n".join(problems[:30])
    tree = lxml.html.document_fromstring(data)
    policy = tree.find(".//meta[@http-equiv='Content-Security-Policy']")
    assert policy is not None and "script-src 'self'" in policy.get("content", "")
    if page != "archive/index.html":
        assert len(tree.find_class("paper")) == PAPERS


def _json_without_raw_markup(text: str, name: str) -> Any:
    data = json.loads(text)
    assert "<script" not in text.lower() and "</" not in text, f"{name} holds raw markup"
    return data


def test_site_data_json_is_harmless(hostile: HostileRun) -> None:
    data = _json_without_raw_markup(hostile.read("site/data.json"), "data.json")
    assert len(data["papers"]) == PAPERS
    problems: list[str] = []
    for paper in data["papers"]:  # "summary.html: sanitized HTML, safe to insert as it is"
        problems += html_problems(paper["summary"]["html"], "data.json summary.html", fragment=True)
    assert not problems, "\n".join(problems[:30])


def test_digest_json_is_valid_and_inert(hostile: HostileRun) -> None:
    data = _json_without_raw_markup(hostile.read("exports/digest.json"), "digest.json")
    assert len(data["papers"]) == PAPERS
    for paper, payload in zip(data["papers"], PAYLOADS, strict=True):
        assert paper["title"].startswith("Hostile "), payload.name  # data, kept as data
        assert is_safe_markdown(paper["summary"]["markdown"]), payload.name


def test_bibtex_parses_with_only_our_fields(hostile: HostileRun) -> None:
    library = bibtexparser.parse_string(hostile.read("exports/digest.bib"))
    assert not library.failed_blocks, [block.error for block in library.failed_blocks[:3]]
    assert len(library.entries) == PAPERS
    assert len({entry.key for entry in library.entries}) == PAPERS
    for entry in library.entries:
        fields = {field.key for field in entry.fields}
        assert fields <= BIBTEX_FIELDS, fields - BIBTEX_FIELDS  # no field injected by a payload
        assert entry.entry_type in ("article", "misc")
        for field in entry.fields:
            value = str(field.value)
            assert not re.search(r"\\(input|include|write18|def|immediate)\b", value), value[:200]


def test_report_and_terminal_output_are_clean(hostile: HostileRun) -> None:
    report = hostile.read(f"reports/run-{ANNOUNCED_ON}.json")
    json.loads(report)
    problems = text_problems(report, "run report")
    problems += text_problems(hostile.stdout, "stdout") + text_problems(hostile.stderr, "stderr")
    assert not problems, "\n".join(problems)


def test_stored_summaries_are_sanitized(hostile: HostileRun) -> None:
    """The model's answer is sanitized before it is stored, not only when published."""
    with sqlite3.connect(hostile.folder / "arxiv-radar.db") as db:
        rows = db.execute("SELECT markdown, tldr FROM summaries").fetchall()
    assert len(rows) == PAPERS
    for markdown, tldr in rows:
        assert is_safe_markdown(markdown)
        assert not text_problems(markdown, "stored summary")
        assert not text_problems(tldr or "", "stored tldr")


def test_rank_prints_hostile_titles_without_terminal_escapes(hostile: HostileRun) -> None:
    for command in (["rank"], ["rank", "--json"], ["papers", "--json"]):
        result = invoke_cli(*command, cwd=hostile.folder)
        assert result.returncode == 0, (command, result.stderr[-2000:])
        assert "\x1b" not in result.stdout, command
        if "--json" in command:
            json.loads(result.stdout)


def test_papers_table_prints_hostile_titles(hostile: HostileRun) -> None:
    result = invoke_cli("papers", cwd=hostile.folder)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Hostile 1" in result.stdout and "\x1b" not in result.stdout


# -- the feed server ---------------------------------------------------------------------------


def test_server_api_and_page_are_harmless(hostile: HostileRun) -> None:
    """Skips until ``arxiv_radar.server.app`` (another engineer's) exists."""
    server = pytest.importorskip("arxiv_radar.server.app")
    config = load_config(hostile.folder / "arxiv-radar.toml", env={})
    app = server.create_app(
        config, str(hostile.folder / "arxiv-radar.db"), read_only=True, env={}, state_ttl=0.0
    )
    try:
        responses = asyncio.run(_get_all(app, ["/", "/api/papers", "/rss", "/atom"]))
    finally:
        app.state.data.close()
    page, listing, rss, atom = responses
    assert [r.status_code for r in responses] == [200] * 4, [r.text[:300] for r in responses]
    problems = html_problems(
        page.content, "server /", own_resources=SITE_RESOURCES, own_form="filters"
    )
    for feed in (rss, atom):
        for fragment in _feed_parts(feed.content)[0]:
            problems += html_problems(fragment, f"server {feed.url.path}", fragment=True)
    # JSON is data: the strings hold the hostile text as it is, so it must never be sniffed
    # as HTML by a browser.
    assert listing.headers["content-type"].startswith("application/json")
    for response in responses:
        assert response.headers.get("x-content-type-options") == "nosniff", response.url
    papers = listing.json()["papers"]
    assert len(papers) == PAPERS
    for paper in papers:
        problems += text_problems(paper["title"], "server /api/papers title")
    assert not problems, "\n".join(problems[:30])


async def _get_all(app: Any, paths: list[str]) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://radar.test") as client:
        return [
            await client.get(path, params={"limit": PAPERS} if path.startswith("/api") else None)
            for path in paths
        ]
