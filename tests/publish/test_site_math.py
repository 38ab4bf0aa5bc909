"""TeX on the static site: KaTeX shipped in the package typesets the math of titles, TL;DRs,
abstracts and summaries in headless Chromium, from ``file://`` and over HTTP, under the
page's Content-Security-Policy (no console error, no CSP violation), from text only; and the
site follows the reader's light or dark preference.

Chromium and Playwright are found (or the tests skipped, failed under ``CI=true``) by
``reader_helpers.chromium_or_skip``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pytest
from lxml import html as lxml_html

from arxiv_radar.models import Digest, DigestEntry, Summary
from arxiv_radar.publish.site import asset_names, summary_html, write_site

from digest_helpers import extractive_summary, sample_digest
from reader_helpers import chromium_browser, serve_folder

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

TITLE = r"Sorting in \(O(n \log n)\) time for $k$-sparse inputs"
ABSTRACT = (
    r"We show that $P \leq NP$ holds for the toy model. The bound is tight:"
    "\n"
    r"$$\sum_{i=1}^{n} x_i^2 < 1$$ when $a_1 * b_2 < c$, and \(x^2\) grows. It costs \$5."
)
SUMMARY = (
    "TL;DR: We prove $P \\leq NP$ for toys.\n\n"
    "## 1. Main contributions\n\n"
    "- A bound $a_1 * b_2 * c_3$ that is tight, and `$not math$` in code.\n"
)
HOSTILE = (
    r"We show $\href{javascript:alert(1)}{click}$ and $\url{https://evil.example}$ and "
    r"$\htmlClass{x}{y}$ and $<img src=x onerror=alert(1)>$ and "
    r"$\def\a{\a\a}\a$ and $\rule{100000em}{100000em}$."
)


def with_math(digest: Digest, abstract: str = ABSTRACT) -> Digest:
    """``digest`` whose first paper has TeX in its title, abstract and summary."""
    first = digest.entries[0]
    paper = first.ranked.paper.model_copy(update={"title": TITLE, "abstract": abstract})
    summary = extractive_summary(paper).model_copy(update={"markdown": SUMMARY})
    entry = first.model_copy(
        update={"ranked": first.ranked.model_copy(update={"paper": paper}), "summary": summary}
    )
    return digest.model_copy(update={"entries": (entry, *digest.entries[1:])})


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("math-site")
    write_site(with_math(sample_digest()), folder)
    return folder


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    with serve_folder(site) as origin:
        yield origin + "/"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium_browser() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page that fails the test on any console error or warning (a CSP violation is
    one) and on any request that failed (a font that did not load)."""
    context = browser.new_context()
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    problems: list[str] = []
    opened.on(
        "console",
        lambda m: (
            problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None
        ),
    )
    opened.on("pageerror", lambda e: problems.append(str(e)))
    opened.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    try:
        yield opened
        assert not problems, problems
    finally:
        context.close()


def first_card(page: Page) -> Any:
    return page.locator("article.paper").first


def typeset(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("article.paper .abstract .katex")
    page.evaluate("() => document.fonts.ready")


# -- the page as written -----------------------------------------------------------------------


def test_katex_is_copied_into_the_site(site: Path) -> None:
    katex = site / "assets" / "katex"
    for name in ("katex.min.js", "katex.min.css", "auto-render.min.js", "LICENSE"):
        assert (katex / name).is_file(), name
    fonts = sorted(path.name for path in (katex / "fonts").iterdir())
    assert len(fonts) == 20 and all(name.endswith(".woff2") for name in fonts)
    assert "MIT License" in (katex / "LICENSE").read_text(encoding="utf-8")
    # Every font the stylesheet asks for first is there.
    css = (katex / "katex.min.css").read_text(encoding="utf-8")
    assert set(re.findall(r"url\(fonts/([\w-]+\.woff2)\)", css)) == set(fonts)
    assert {f"katex/fonts/{name}" for name in fonts} <= set(asset_names())
    assert (site / "assets" / "math.js").is_file()


def test_the_policy_allows_own_fonts_and_nothing_unsafe(site: Path) -> None:
    page = lxml_html.fromstring((site / "index.html").read_bytes())
    policy = page.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    assert "font-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-eval" not in policy and "unsafe-inline" not in policy
    assert "http" not in policy  # no CDN
    assert page.xpath("//script/@src") == [
        "assets/site.js",
        "assets/katex/katex.min.js",
        "assets/katex/auto-render.min.js",
        "assets/math.js",
    ]
    assert all(not script.text for script in page.xpath("//script"))


def test_tex_in_the_page_is_escaped_text(site: Path) -> None:
    """The page holds the TeX as text (KaTeX reads text nodes): nothing in it is markup."""
    page = lxml_html.fromstring((site / "index.html").read_bytes())
    card = page.xpath("//article[contains(@class, 'paper')]")[0]
    assert card.xpath(".//p[@class='abstract']/span[@data-search]")[0].text_content() == ABSTRACT
    assert card.xpath(".//h3/a")[0].text_content() == TITLE


def test_summary_math_reaches_the_page_as_its_tex() -> None:
    """Markdown would make emphasis of ``a_1 * b_2 * c_3``: the math is escaped first."""
    digest = with_math(sample_digest())
    body = lxml_html.fromstring(f"<div>{summary_html(digest.entries[0])}</div>")
    assert "$a_1 * b_2 * c_3$" in body.text_content()
    assert not body.xpath("//em")
    assert body.xpath("//code")[0].text == "$not math$"


def test_summary_math_stays_sanitized() -> None:
    entry: DigestEntry = with_math(sample_digest()).entries[0]
    assert entry.summary is not None
    hostile: Summary = entry.summary.model_copy(
        update={"markdown": "See $<script>alert(1)</script>$ and $[x](javascript:alert(1))$."}
    )
    html = str(summary_html(entry.model_copy(update={"summary": hostile})))
    assert "<script" not in html and "javascript:" not in html.replace("(javascript:", "")
    assert "<a" not in html


# -- in Chromium -------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["file", "http"])
def test_tex_is_typeset_from_files_and_over_http(
    page: Page, site: Path, base_url: str, where: str
) -> None:
    typeset(page, (site / "index.html").as_uri() if where == "file" else base_url)
    card = first_card(page)
    abstract = card.locator(".abstract")
    assert abstract.locator(".katex").count() == 4  # P ≤ NP, the sum, a_1 * b_2 < c, x^2
    assert abstract.locator(".katex-display").count() == 1  # $$...$$
    annotations = abstract.locator("annotation").all_text_contents()
    assert r"P \leq NP" in annotations
    assert "$5" in abstract.inner_text()  # an escaped dollar is no delimiter
    assert card.locator(".title .katex").count() == 2
    assert card.locator(".tldr .katex").count() == 1
    card.locator("details.summary > summary").click()
    body = card.locator(".summary-body")
    assert body.locator(".katex").count() >= 2
    assert body.locator("code").inner_text() == "$not math$"  # code is left alone
    assert not page.locator(".katex-error").count()
    # KaTeX's own fonts, from the site's files.
    assert page.evaluate("() => document.fonts.check('16px KaTeX_Main')")
    loaded = page.evaluate(
        "() => [...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)"
    )
    assert "KaTeX_Main" in loaded and "KaTeX_Math" in loaded


def test_the_archive_page_typesets_too(page: Page, site: Path) -> None:
    day = next((site / "archive").glob("2*.html"))
    typeset(page, day.as_uri())
    assert first_card(page).locator(".abstract .katex").count() == 4


def test_search_still_reads_the_tex_as_written(page: Page, base_url: str) -> None:
    typeset(page, base_url)
    page.get_by_label("Search", exact=True).fill("leq")
    visible = page.eval_on_selector_all(
        "article.paper", "cards => cards.filter(c => c.checkVisibility()).length"
    )
    assert visible == 1


def test_hostile_tex_makes_no_link_no_element_and_no_loop(browser: Browser, tmp_path: Path) -> None:
    write_site(with_math(sample_digest(), abstract=HOSTILE), tmp_path)
    context = browser.new_context()
    try:
        page = context.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto((tmp_path / "index.html").as_uri())
        page.wait_for_selector("article.paper .abstract .katex")
        abstract = first_card(page).locator(".abstract")
        assert abstract.locator("a").count() == 0  # \href and \url are not trusted
        assert abstract.locator("img").count() == 0
        assert abstract.locator(".x").count() == 0  # no \htmlClass
        assert page.evaluate("() => document.images.length") == 0
        assert dialogs == []
        # The endless macro stops at maxExpand (shown as an error), the huge rule at maxSize.
        errors = abstract.locator(".katex-error")
        assert errors.count() == 1 and "Too many expansions" in (
            errors.get_attribute("title") or ""
        )
        height = abstract.evaluate("el => el.getBoundingClientRect().height")
        assert height < 2000
    finally:
        context.close()


# -- light and dark ------------------------------------------------------------------------


def colours(browser: Browser, url: str, scheme: Literal["light", "dark"]) -> tuple[str, str]:
    context = browser.new_context(color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_load_state("load")
        found = page.evaluate(
            "() => [getComputedStyle(document.body).backgroundColor,"
            " getComputedStyle(document.body).color]"
        )
        return found[0], found[1]
    finally:
        context.close()


@pytest.mark.parametrize("path", ["index.html", "archive/index.html"])
def test_the_site_follows_the_readers_colour_scheme(
    browser: Browser, base_url: str, path: str
) -> None:
    light = colours(browser, base_url + path, "light")
    dark = colours(browser, base_url + path, "dark")
    assert light == ("rgb(255, 255, 255)", "rgb(27, 27, 31)")
    assert dark == ("rgb(18, 19, 22)", "rgb(233, 234, 238)")
