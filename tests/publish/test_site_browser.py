"""The static site in a real browser: headless Chromium (Debian's ``chromium``) driven by
Playwright, the site served by ``http.server`` on 127.0.0.1.

Search and filters change the count and the visible cards to exactly the papers the digest
says they should; the filters live in the URL hash; a phone-sized viewport has no horizontal
overflow; every control has an accessible name and the headings start at h1; the page works
from ``file://`` under its Content-Security-Policy. A screenshot goes to
``test-artifacts/site.png`` at the repository's root.

Chromium and Playwright are found (or the tests skipped, failed under ``CI=true``) by
``reader_helpers.chromium_or_skip``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pytest

from arxiv_radar.models import Digest, DigestEntry
from arxiv_radar.publish.site import write_site

from digest_helpers import sample_digest, xss_digest
from reader_helpers import chromium_browser, serve_folder

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Dialog, Page, ViewportSize

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
PHONE: ViewportSize = {"width": 375, "height": 740}


@pytest.fixture(scope="module")
def digest() -> Digest:
    return sample_digest()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, digest: Digest) -> Path:
    folder = tmp_path_factory.mktemp("site")
    earlier = digest.model_copy(update={"announced_on": dt.date(2026, 4, 24)})
    write_site(digest, folder, archive=[earlier])
    return folder


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    """The site served over HTTP on 127.0.0.1 (a free port), with a trailing slash."""
    with serve_folder(site) as origin:
        yield origin + "/"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium_browser() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page that fails the test on any console error (a CSP violation among them)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    errors: list[str] = []
    opened.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    opened.on("pageerror", lambda e: errors.append(str(e)))
    try:
        yield opened
        assert not errors, errors
    finally:
        context.close()


# -- helpers ---------------------------------------------------------------------------------


def visible_ids(page: Page) -> list[str]:
    return page.eval_on_selector_all(
        "article.paper",
        "cards => cards.filter(c => c.checkVisibility()).map(c => c.dataset.arxivId)",
    )


def ids(entries: list[DigestEntry]) -> list[str]:
    return [entry.ranked.paper.arxiv_id for entry in entries]


def searchable(entry: DigestEntry) -> str:
    """What the search looks through, as plain text (the extractive summaries here are
    sentences of the abstract, so the abstract and TL;DR stand for them)."""
    paper = entry.ranked.paper
    tldr = entry.summary.tldr if entry.summary and entry.summary.tldr else ""
    return " ".join([paper.title, *paper.authors, paper.abstract, tldr]).lower()


def count_text(page: Page) -> str:
    return page.locator("#count").inner_text()


def open_site(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("section[data-filters]:not([hidden])")


# -- search and filters ----------------------------------------------------------------------


def test_the_page_shows_every_paper_and_the_script_shows_the_filters(
    page: Page, base_url: str, digest: Digest
) -> None:
    open_site(page, base_url)
    total = len(digest.entries)
    assert count_text(page) == f"{total} of {total} papers"
    assert visible_ids(page) == ids(list(digest.entries))
    for label in ("Search", "Category", "Announce type", "Minimum score"):
        assert page.get_by_label(label, exact=True).is_visible(), label


def test_search_narrows_the_cards_and_the_count(page: Page, base_url: str, digest: Digest) -> None:
    open_site(page, base_url)
    total = len(digest.entries)
    search = page.get_by_label("Search", exact=True)
    for query in ("cooper", "Benchmark", "testing  DEEP", "2602.15552", "no-such-word-anywhere"):
        terms = query.lower().split()
        expected = [e for e in digest.entries if all(t in searchable(e) for t in terms)]
        search.fill(query)
        assert count_text(page) == f"{len(expected)} of {total} papers", query
        assert visible_ids(page) == ids(expected), query
        assert page.locator("#no-results").is_visible() == (not expected)
    search.fill("")
    assert count_text(page) == f"{total} of {total} papers"


def test_search_ignores_accents_and_case(page: Page, tmp_path: Path, digest: Digest) -> None:
    first = digest.entries[0]
    paper = first.ranked.paper.model_copy(update={"authors": ("Erwin Schrödinger",)})
    entry = first.model_copy(update={"ranked": first.ranked.model_copy(update={"paper": paper})})
    write_site(digest.model_copy(update={"entries": (entry, *digest.entries[1:])}), tmp_path)
    open_site(page, (tmp_path / "index.html").as_uri())
    for query in ("SCHRODINGER", "schrödinger"):
        page.get_by_label("Search", exact=True).fill(query)
        assert visible_ids(page) == [paper.arxiv_id]


@pytest.mark.parametrize(
    ("category", "announce_type", "minimum"),
    [
        ("cs.SE", "", ""),
        ("cs.AI", "", ""),
        ("", "new", ""),
        ("", "cross", ""),
        ("", "replace", ""),
        ("", "", "2.5"),
        ("cs.LG", "cross", "2.5"),
        ("cs.AI", "new", "2"),
    ],
)
def test_filters_show_exactly_the_matching_papers(
    page: Page,
    base_url: str,
    digest: Digest,
    category: str,
    announce_type: str,
    minimum: str,
) -> None:
    open_site(page, base_url)
    page.get_by_label("Category", exact=True).select_option(category)
    page.get_by_label("Announce type", exact=True).select_option(announce_type)
    page.get_by_label("Minimum score", exact=True).fill(minimum)
    expected = [
        entry
        for entry in digest.entries
        if (not category or category in entry.ranked.paper.categories)
        and (not announce_type or entry.ranked.announce_type.value == announce_type)
        and (not minimum or entry.ranked.score >= float(minimum))
    ]
    assert visible_ids(page) == ids(expected)
    assert count_text(page) == f"{len(expected)} of {len(digest.entries)} papers"


def test_filters_live_in_the_url_and_clear(page: Page, base_url: str, digest: Digest) -> None:
    open_site(page, base_url)
    page.get_by_label("Category", exact=True).select_option("cs.SE")
    page.get_by_label("Minimum score", exact=True).fill("2.5")
    expected = [
        e for e in digest.entries if "cs.SE" in e.ranked.paper.categories and e.ranked.score >= 2.5
    ]
    # page.url follows the browser's own URL events, a moment late: ask the page.
    assert page.evaluate("() => location.hash") == "#cat=cs.SE&min=2.5"
    assert visible_ids(page) == ids(expected)

    # A shared link opens with the same view.
    page.goto(f"{base_url}index.html#q=test&type=cross")
    page.wait_for_selector("section[data-filters]:not([hidden])")
    assert page.get_by_label("Search", exact=True).input_value() == "test"
    assert page.get_by_label("Announce type", exact=True).input_value() == "cross"
    expected = [
        e for e in digest.entries if "test" in searchable(e) and e.ranked.announce_type == "cross"
    ]
    assert expected and visible_ids(page) == ids(expected)

    page.get_by_role("button", name="Clear filters").click()
    page.wait_for_function("() => !location.hash")
    assert visible_ids(page) == ids(list(digest.entries))
    assert page.get_by_label("Search", exact=True).input_value() == ""


def test_a_summary_opens_from_its_details(page: Page, base_url: str) -> None:
    open_site(page, base_url)
    card = page.locator("article.paper", has=page.locator(".summary-body h4")).first
    body = card.locator(".summary-body")
    assert not body.is_visible()
    card.locator("details.summary > summary").click()
    assert body.is_visible()
    assert card.locator(".summary-body h4").first.is_visible()


# -- accessibility and layout ----------------------------------------------------------------

_A11Y_SCRIPT = """() => {
  const named = (el) => {
    const by = (el.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean);
    const text = [
      el.getAttribute("aria-label") || "",
      ...by.map((id) => (document.getElementById(id) || {}).textContent || ""),
      ...Array.from(el.labels || [], (label) => label.textContent),
      el.tagName === "BUTTON" || el.tagName === "A" ? el.textContent : "",
    ].join(" ");
    return text.trim().length > 0;
  };
  const controls = Array.from(document.querySelectorAll("input, select, textarea, button"));
  return {
    lang: document.documentElement.lang,
    unnamed: controls.concat(Array.from(document.querySelectorAll("a[href]")))
      .filter((el) => !named(el)).map((el) => el.outerHTML.slice(0, 80)),
    headings: Array.from(document.querySelectorAll("h1, h2, h3, h4, h5, h6"),
      (h) => Number(h.tagName[1])),
    main: document.querySelectorAll("main").length,
    nav: document.querySelectorAll("nav[aria-label]").length,
    images: Array.from(document.images).filter((img) => !img.hasAttribute("alt")).length,
  };
}"""


@pytest.mark.parametrize("path", ["", "archive/index.html", "archive/2026-04-24.html"])
def test_accessibility_smoke(page: Page, base_url: str, path: str) -> None:
    page.goto(base_url + path)
    report = page.evaluate(_A11Y_SCRIPT)
    assert report["lang"] == "en"
    assert report["unnamed"] == []
    headings = report["headings"]
    assert headings[0] == 1 and headings.count(1) == 1, headings
    assert all(b - a <= 1 for a, b in zip(headings, headings[1:], strict=False)), headings
    assert report["main"] == 1 and report["nav"] == 1 and report["images"] == 0


def test_keyboard_focus_is_visible(page: Page, base_url: str) -> None:
    open_site(page, base_url)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("el => el === document.activeElement")
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0  # moved into view when focused
    outline = skip.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none"
    search = page.get_by_label("Search", exact=True)
    search.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    assert search.evaluate("el => getComputedStyle(el).outlineStyle") != "none"


_CONTRAST_SCRIPT = """(selectors) => {
  const rgb = (color) => color.match(/[\\d.]+/g).map(Number);
  const luminance = ([r, g, b]) => {
    const [R, G, B] = [r, g, b].map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * R + 0.7152 * G + 0.0722 * B;
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const color = rgb(getComputedStyle(el).backgroundColor);
      if (color.length < 4 || color[3] > 0) return color.slice(0, 3);
    }
    return [255, 255, 255];
  };
  return selectors.map((selector) => {
    const el = document.querySelector(selector);
    const [a, b] = [luminance(rgb(getComputedStyle(el).color)), luminance(background(el))];
    return [selector, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
  });
}"""
_TEXTS = [
    *("h1", ".lead", ".stats", ".count", "label[for=filter-q]", "input", "select", "button"),
    *("article .title a", ".rank", ".authors", ".score", ".announce-new", ".announce-cross"),
    *(".category", ".abstract", ".summary > summary", ".summary .note", ".links a"),
    *(".site-title a", "nav a", ".site-footer p"),
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_contrast_meets_wcag_aa(
    browser: Browser, base_url: str, scheme: Literal["light", "dark"]
) -> None:
    context = browser.new_context(color_scheme=scheme)
    try:
        page = context.new_page()
        open_site(page, base_url)
        ratios = dict(page.evaluate(_CONTRAST_SCRIPT, _TEXTS))
        low = {selector: round(ratio, 2) for selector, ratio in ratios.items() if ratio < 4.5}
        assert not low, low
    finally:
        context.close()


@pytest.mark.parametrize("path", ["", "archive/index.html"])
def test_a_phone_viewport_has_no_horizontal_overflow(
    browser: Browser, base_url: str, path: str
) -> None:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    try:
        page = context.new_page()
        page.goto(base_url + path)
        page.wait_for_load_state("load")
        page.locator("details").evaluate_all("els => els.forEach(d => { d.open = true; })")
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], widths
        if not path:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "site-mobile.png"), full_page=True)
    finally:
        context.close()


def test_long_unbroken_text_does_not_overflow_a_phone(
    browser: Browser, tmp_path: Path, digest: Digest
) -> None:
    first = digest.entries[0]
    long_word = "Supercalifragilistic" * 20
    paper = first.ranked.paper.model_copy(
        update={"title": long_word, "authors": (long_word,), "abstract": long_word}
    )
    entry = first.model_copy(update={"ranked": first.ranked.model_copy(update={"paper": paper})})
    write_site(digest.model_copy(update={"entries": (entry, *digest.entries[1:])}), tmp_path)
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.goto((tmp_path / "index.html").as_uri())
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], widths
    finally:
        context.close()


# -- file://, hostile text, screenshot ---------------------------------------------------------


def test_the_site_works_from_files(page: Page, site: Path, digest: Digest) -> None:
    """Opened from disk: the script still loads under the page's CSP, and filters work."""
    open_site(page, (site / "index.html").as_uri())
    page.get_by_label("Announce type", exact=True).select_option("new")
    expected = [e for e in digest.entries if e.ranked.announce_type == "new"]
    assert visible_ids(page) == ids(expected)
    page.get_by_role("link", name="Archive").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Archive"


def test_hostile_text_runs_nothing(browser: Browser, tmp_path: Path) -> None:
    write_site(xss_digest(), tmp_path)
    context = browser.new_context()
    try:
        page = context.new_page()
        dialogs: list[str] = []

        def dismiss(dialog: Dialog) -> None:
            dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", dismiss)
        page.goto((tmp_path / "index.html").as_uri())
        page.wait_for_selector("section[data-filters]:not([hidden])")
        page.locator("details").evaluate_all("els => els.forEach(d => { d.open = true; })")
        page.get_by_label("Search", exact=True).fill("alert")
        page.wait_for_timeout(200)
        assert dialogs == []
        assert page.evaluate("() => document.images.length") == 0
        # The site's own scripts and KaTeX's: nothing the hostile text brought.
        sources = page.evaluate("() => [...document.scripts].map(s => s.getAttribute('src'))")
        assert sources == [
            "assets/site.js",
            "assets/katex/katex.min.js",
            "assets/katex/auto-render.min.js",
            "assets/math.js",
        ]
    finally:
        context.close()


def test_screenshot(page: Page, base_url: str) -> None:
    """Not a check: a picture of the page for people to look at (test-artifacts/site.png)."""
    open_site(page, base_url)
    page.locator("details").first.evaluate("d => { d.open = true; }")
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / "site.png"
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 10_000
