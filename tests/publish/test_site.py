"""The static site as files: page structure (read with lxml), the archive, data.json, the
assets, atomic writes, and hostile text from arXiv and LLMs kept inert."""

from __future__ import annotations

import datetime as dt
import json
import logging
import stat
from importlib import resources
from pathlib import Path

import pytest
from jinja2 import UndefinedError
from lxml import html as lxml_html
from lxml.html import HtmlElement

from arxiv_radar.models import (
    AnnounceType,
    Digest,
    DigestEntry,
    Explanation,
    Paper,
    RankedPaper,
)
from arxiv_radar.publish.site import DATA_SCHEMA, asset_names, summary_html, write_site
from arxiv_radar.text.links import abs_url
from arxiv_radar.text.sanitize import markdown_to_safe_html

from digest_helpers import XSS_PAYLOADS, sample_digest, xss_digest

DAY_SCRIPTS = ("site.js", "katex/katex.min.js", "katex/auto-render.min.js", "math.js")
"""The scripts a day's page loads, in order: the site's own and KaTeX's, nothing else."""
PAPER_FIELDS = {
    *("rank", "arxiv_id", "version", "versioned_id", "title", "authors", "categories"),
    *("primary_category", "announce_type", "score", "matches", "explanation", "abstract"),
    *("comment", "journal_ref", "doi", "license", "published", "updated", "url", "pdf_url"),
    "summary",
}
DAY_1, DAY_2, DAY_3 = dt.date(2026, 4, 23), dt.date(2026, 4, 24), dt.date(2026, 4, 27)


def on_day(digest: Digest, day: dt.date) -> Digest:
    return digest.model_copy(update={"announced_on": day})


def parse(path: Path) -> HtmlElement:
    return lxml_html.fromstring(path.read_bytes())


def articles(page: HtmlElement) -> list[HtmlElement]:
    return page.xpath("//article[contains(concat(' ', @class, ' '), ' paper ')]")


def text(element: HtmlElement) -> str:
    return " ".join(element.text_content().split())


def tree_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


@pytest.fixture
def digest() -> Digest:
    return sample_digest()


@pytest.fixture
def site(tmp_path: Path, digest: Digest) -> Path:
    write_site(digest, tmp_path / "site")
    return tmp_path / "site"


# -- pages ---------------------------------------------------------------------------------


def test_writes_the_documented_files(site: Path, digest: Digest) -> None:
    names = {path.relative_to(site).as_posix() for path in tree_files(site)}
    assert names == {
        "index.html",
        "data.json",
        f"archive/{digest.announced_on.isoformat()}.html",
        "archive/index.html",
        *(f"assets/{name}" for name in asset_names()),
    }
    assert {"site.css", "site.js", "math.js", "favicon.svg", "katex/katex.min.js"} <= set(
        asset_names()
    )


def test_one_article_per_paper_in_rank_order(site: Path, digest: Digest) -> None:
    for page in (site / "index.html", site / "archive" / "2026-04-27.html"):
        cards = articles(parse(page))
        assert [card.get("data-arxiv-id") for card in cards] == [
            entry.ranked.paper.arxiv_id for entry in digest.entries
        ]
        assert [int(card.get("data-rank")) for card in cards] == list(
            range(1, len(digest.entries) + 1)
        )


def test_each_article_shows_the_paper(site: Path, digest: Digest) -> None:
    cards = articles(parse(site / "index.html"))
    assert len(cards) == len(digest.entries) > 3
    for card, entry in zip(cards, digest.entries, strict=True):
        ranked, paper = entry.ranked, entry.ranked.paper
        (title,) = card.xpath(".//h3")
        assert paper.title in text(title) and f"#{ranked.rank}" in text(title)
        assert ", ".join(paper.authors) in text(card.find_class("authors")[0])
        assert " ".join(paper.abstract.split()) in text(card.find_class("abstract")[0])
        assert card.get("data-announce-type") == ranked.announce_type.value
        assert float(card.get("data-score")) == ranked.score
        assert card.get("data-categories").split() == list(paper.categories)
        assert f"{ranked.score:g}" in text(card.find_class("score")[0])
        assert [text(c) for c in card.find_class("category")] == list(paper.categories)
        assert text(card.find_class("primary")[0]) == paper.primary_category
        assert paper.versioned_id in text(card)
        links = card.xpath(".//p[@class='links']/a/@href")
        assert links == [
            f"https://arxiv.org/abs/{paper.arxiv_id}",
            f"https://arxiv.org/pdf/{paper.versioned_id}",
        ]
        details = card.xpath(".//details[contains(@class, 'summary')]")
        if entry.summary is None:
            assert not details and not card.find_class("tldr")
            continue
        (summary,) = details
        label = text(summary.xpath("./summary")[0])
        assert entry.summary.extractive
        assert label.startswith("Extractive summary") and "not written by a model" in label
        assert "TL;DR (extractive)" in text(card.find_class("tldr")[0])
        assert entry.summary.tldr and entry.summary.tldr in text(card.find_class("tldr")[0])


def test_an_ai_summary_names_its_model(tmp_path: Path) -> None:
    digest = xss_digest()
    write_site(digest, tmp_path)
    card = articles(parse(tmp_path / "index.html"))[0]
    label = text(card.xpath(".//details/summary")[0])
    assert label.startswith("AI summary (by evil-model ")
    assert "; incomplete" not in label  # status ok


def test_pages_have_landmarks_labels_and_heading_order(tmp_path: Path) -> None:
    for digest in (sample_digest(), xss_digest()):
        folder = tmp_path / digest.entries[0].ranked.paper.arxiv_id
        write_site(digest, folder)
        for path in (folder / "index.html", folder / "archive" / "index.html"):
            page = parse(path)
            assert page.get("lang") == "en"
            assert len(page.xpath("//main[@id='main']")) == 1
            assert (
                page.xpath("//nav[@aria-label]")
                and page.xpath("//header")
                and page.xpath("//footer")
            )
            assert page.xpath("//meta[@name='viewport']")
            levels = [int(h.tag[1]) for h in page.iter("h1", "h2", "h3", "h4", "h5", "h6")]
            assert levels[0] == 1 and levels.count(1) == 1, levels
            assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), levels
            for control in page.xpath("//input | //select | //textarea"):
                labels = page.xpath(f"//label[@for='{control.get('id')}']")
                assert labels and text(labels[0]), control.get("name")


def test_filters_offer_the_days_categories_and_every_announce_type(site: Path) -> None:
    page = parse(site / "index.html")
    categories = page.xpath("//select[@name='cat']/option/@value")
    assert categories == ["", "cs.AI", "cs.CL", "cs.CV", "cs.LG", "cs.MA", "cs.SE"]
    types = page.xpath("//select[@name='type']/option/@value")
    assert types == ["", *(kind.value for kind in AnnounceType)]
    (minimum,) = page.xpath("//input[@name='min']")
    assert minimum.get("type") == "number" and minimum.get("max") == "2.5"
    (search,) = page.xpath("//input[@name='q']")
    assert search.get("type") == "search"
    assert text(page.get_element_by_id("count")) == "6 of 6 papers"
    # Without JavaScript the form does nothing: it stays hidden until site.js shows it.
    assert page.xpath("//section[@data-filters]/@hidden") == [""]


def test_pages_load_only_their_own_assets_under_a_strict_policy(site: Path) -> None:
    for path, root in ((site / "index.html", ""), (site / "archive" / "2026-04-27.html", "../")):
        page = parse(path)
        assert page.xpath("//script/@src") == [f"{root}assets/{name}" for name in DAY_SCRIPTS]
        assert not [s for s in page.xpath("//script") if (s.text or "").strip()]
        assert page.xpath("//link[@rel='stylesheet']/@href") == [
            f"{root}assets/site.css",
            f"{root}assets/katex/katex.min.css",
        ]
        assert not page.xpath("//@style") and not page.xpath("//style")
        (policy,) = page.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")
        assert "script-src 'self'" in policy and "default-src 'none'" in policy
        assert "unsafe-inline" not in policy
        external = [
            url for url in page.xpath("//link/@href | //script/@src | //img/@src") if "//" in url
        ]
        assert not external


def test_assets_are_the_package_files(site: Path) -> None:
    package = resources.files("arxiv_radar.publish").joinpath("static")
    for name in ("site.css", "site.js", "favicon.svg"):
        assert (site / "assets" / name).read_bytes() == package.joinpath(name).read_bytes()
    assert "http" not in (site / "assets" / "site.css").read_text(encoding="utf-8")


def test_an_empty_day_says_so(tmp_path: Path) -> None:
    digest = sample_digest().model_copy(update={"entries": ()})
    write_site(digest, tmp_path)
    page = parse(tmp_path / "index.html")
    assert not articles(page) and not page.xpath("//form")
    assert "No paper matched on this day." in text(page)
    assert json.loads((tmp_path / "data.json").read_text(encoding="utf-8"))["papers"] == []


def test_old_style_identifiers_make_valid_anchors_and_links(tmp_path: Path) -> None:
    paper = Paper(arxiv_id="hep-th/9901001", version=2, title="Strings", categories=("hep-th",))
    ranked = RankedPaper(
        rank=1,
        paper=paper,
        announce_type=AnnounceType.REPLACE,
        score=0.5,
        explanation=Explanation(mode="keywords"),
    )
    digest = sample_digest().model_copy(update={"entries": (DigestEntry(ranked=ranked),)})
    write_site(digest, tmp_path)
    (card,) = articles(parse(tmp_path / "index.html"))
    assert card.get("id") == "paper-hep-th-9901001"
    assert card.xpath(".//p[@class='links']/a/@href")[1] == (
        "https://arxiv.org/pdf/hep-th/9901001v2"
    )


def test_summary_headings_sit_below_the_paper_heading() -> None:
    entry = next(
        e for e in sample_digest().entries if e.summary and "\n## 1." in e.summary.markdown
    )
    html = str(summary_html(entry))
    assert "<h4>1. Main contributions" in html and "<h2>" not in html
    assert summary_html(sample_digest().entries[-1]) == ""  # no summary


# -- archive -------------------------------------------------------------------------------


def archive_days(folder: Path) -> list[str]:
    return parse(folder / "archive" / "index.html").xpath("//ul[@class='days']//time/@datetime")


def test_a_new_day_keeps_earlier_pages_and_lists_them(tmp_path: Path, digest: Digest) -> None:
    write_site(on_day(digest, DAY_2), tmp_path)
    earlier = (tmp_path / "archive" / "2026-04-24.html").read_bytes()

    result = write_site(on_day(digest, DAY_3), tmp_path, archive=[DAY_2])

    assert result.front_page == DAY_3 and result.days == (DAY_3, DAY_2)
    assert (tmp_path / "archive" / "2026-04-24.html").read_bytes() == earlier
    assert archive_days(tmp_path) == ["2026-04-27", "2026-04-24"]
    links = parse(tmp_path / "archive" / "index.html").xpath("//ul[@class='days']//a/@href")
    assert links == ["2026-04-27.html", "2026-04-24.html"]
    for link in links:
        assert (tmp_path / "archive" / link).is_file()
    index = parse(tmp_path / "index.html")
    assert index.xpath("//h1/time/@datetime") == ["2026-04-27"]
    assert json.loads((tmp_path / "data.json").read_bytes())["announced_on"] == "2026-04-27"
    # Day pages point to the latest papers; the front page is the latest.
    assert "One day of the archive" in text(parse(tmp_path / "archive" / "2026-04-24.html"))
    assert "One day of the archive" not in text(index)


def test_an_older_day_leaves_the_front_page_alone(tmp_path: Path, digest: Digest) -> None:
    write_site(on_day(digest, DAY_3), tmp_path)
    front = (tmp_path / "index.html").read_bytes(), (tmp_path / "data.json").read_bytes()

    result = write_site(on_day(digest, DAY_1), tmp_path, archive=[DAY_3])

    assert result.front_page is None
    assert ((tmp_path / "index.html").read_bytes(), (tmp_path / "data.json").read_bytes()) == front
    assert (tmp_path / "archive" / "2026-04-23.html").is_file()
    assert archive_days(tmp_path) == ["2026-04-27", "2026-04-23"]


def test_without_an_archive_the_pages_on_disk_are_listed(tmp_path: Path, digest: Digest) -> None:
    for day in (DAY_1, DAY_2):
        write_site(on_day(digest, day), tmp_path)
    (tmp_path / "archive" / "notes.html").write_text("not a day", encoding="utf-8")
    (tmp_path / "archive" / "2026-13-45.html").write_text("not a date", encoding="utf-8")

    write_site(on_day(digest, DAY_3), tmp_path)

    assert archive_days(tmp_path) == ["2026-04-27", "2026-04-24", "2026-04-23"]


def test_an_archive_date_without_a_page_is_left_out(
    tmp_path: Path, digest: Digest, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="arxiv_radar.publish.site"):
        result = write_site(on_day(digest, DAY_3), tmp_path, archive=[DAY_1])
    assert result.days == (DAY_3,)
    assert archive_days(tmp_path) == ["2026-04-27"]
    assert "2026-04-23" in caplog.text


def test_archive_digests_are_written_again(tmp_path: Path, digest: Digest) -> None:
    write_site(on_day(digest, DAY_3), tmp_path, archive=[on_day(xss_digest(), DAY_1)])
    assert archive_days(tmp_path) == ["2026-04-27", "2026-04-23"]
    older = articles(parse(tmp_path / "archive" / "2026-04-23.html"))
    assert len(older) == len(XSS_PAYLOADS)


def test_a_newer_archive_digest_makes_the_front_page(tmp_path: Path, digest: Digest) -> None:
    result = write_site(on_day(digest, DAY_1), tmp_path, archive=[on_day(xss_digest(), DAY_3)])
    assert result.front_page == DAY_3
    assert len(articles(parse(tmp_path / "index.html"))) == len(XSS_PAYLOADS)
    assert json.loads((tmp_path / "data.json").read_bytes())["announced_on"] == "2026-04-27"


def test_the_archive_is_grouped_by_month(tmp_path: Path, digest: Digest) -> None:
    march = dt.date(2026, 3, 31)
    write_site(on_day(digest, DAY_3), tmp_path, archive=[on_day(digest, march)])
    page = parse(tmp_path / "archive" / "index.html")
    assert [text(h) for h in page.xpath("//h2")] == ["April 2026", "March 2026"]
    assert "Tuesday, 31 March 2026" in text(page)
    assert text(page.find_class("badge")[0]) == "latest"


# -- data.json -----------------------------------------------------------------------------


def test_data_json_follows_the_documented_schema(site: Path, digest: Digest) -> None:
    data = json.loads((site / "data.json").read_text(encoding="utf-8"))
    assert data["schema"] == DATA_SCHEMA and data["schema_version"] == 1
    assert data["announced_on"] == "2026-04-27"
    assert dt.datetime.fromisoformat(data["generated_at"]) == digest.generated_at
    assert data["counts"] == {"announced": 12, "matched": 6, "shown": len(digest.entries)}
    assert data["title"] == digest.title and data["profile"] == digest.profile
    assert len(data["papers"]) == len(digest.entries)
    for item, entry in zip(data["papers"], digest.entries, strict=True):
        ranked, paper, summary = entry.ranked, entry.ranked.paper, entry.summary
        assert set(item) == PAPER_FIELDS
        assert item["rank"] == ranked.rank and item["score"] == ranked.score
        assert (item["arxiv_id"], item["version"]) == (paper.arxiv_id, paper.version)
        assert item["title"] == paper.title and item["abstract"] == paper.abstract
        assert item["authors"] == list(paper.authors)
        assert item["categories"] == list(paper.categories)
        assert item["primary_category"] == paper.primary_category
        assert item["announce_type"] == ranked.announce_type.value
        assert item["url"] == abs_url(paper.arxiv_id)
        assert item["pdf_url"] == f"https://arxiv.org/pdf/{paper.versioned_id}"
        if summary is None:
            assert item["summary"] is None
        else:
            shown = item["summary"]
            assert shown["tldr"] == summary.tldr and shown["model"] == summary.model
            assert shown["html"] == markdown_to_safe_html(summary.markdown)
            assert shown["status"] == "ok" and shown["extractive"] is True


def test_data_json_has_no_raw_markup_characters(tmp_path: Path) -> None:
    write_site(xss_digest(), tmp_path)
    raw = (tmp_path / "data.json").read_text(encoding="utf-8")
    assert not {"<", ">", "&"} & set(raw)
    data = json.loads(raw)
    assert data["papers"][0]["title"] == f"Paper 1 {XSS_PAYLOADS[0]}"  # text kept as it was


# -- writing -------------------------------------------------------------------------------


def test_writes_leave_no_temporary_files_and_readable_modes(site: Path, digest: Digest) -> None:
    write_site(digest, site)  # a second run replaces every file
    for path in tree_files(site):
        assert not path.name.startswith(".") and not path.name.endswith(".tmp"), path
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


def test_a_failed_write_keeps_the_last_good_front_page(tmp_path: Path, digest: Digest) -> None:
    write_site(on_day(digest, DAY_2), tmp_path)
    front = (tmp_path / "index.html").read_bytes()
    (tmp_path / "data.json").unlink()
    (tmp_path / "data.json").mkdir()  # os.replace cannot put a file over a folder

    with pytest.raises(OSError):
        write_site(on_day(digest, DAY_3), tmp_path, archive=[DAY_2])

    assert (tmp_path / "index.html").read_bytes() == front
    leftovers = [p for p in tmp_path.rglob("*") if p.name.startswith(".") or ".tmp" in p.name]
    assert not leftovers


def test_a_template_error_writes_nothing(tmp_path: Path, digest: Digest) -> None:
    broken = digest.model_copy(update={"announced_on": "not a date"})  # no validation on copy
    with pytest.raises(UndefinedError):
        write_site(broken, tmp_path)
    assert tree_files(tmp_path) == []


# -- hostile text --------------------------------------------------------------------------


def assert_inert(page: HtmlElement, *, own_script: str | None) -> None:
    """No script but the site's own, no event handler, no javascript: URL, no image."""
    scripts = [s.get("src") for s in page.xpath("//script")]
    root = own_script.removesuffix("assets/site.js") if own_script else ""
    assert scripts == ([f"{root}assets/{name}" for name in DAY_SCRIPTS] if own_script else [])
    for element in page.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name)
            compact = "".join(value.split()).lower()
            assert not compact.startswith(("javascript:", "data:", "vbscript:")), (name, value)
    for tag in ("img", "svg", "iframe", "object", "embed", "style", "base", "form[@action]"):
        assert not page.xpath(f"//{tag}"), tag


def test_hostile_text_is_escaped_everywhere(tmp_path: Path) -> None:
    digest = xss_digest()
    write_site(digest, tmp_path, archive=[on_day(xss_digest(), DAY_1)])
    scripts = {  # each page and the one script it may load (the archive list needs none)
        "index.html": "assets/site.js",
        "archive/2026-04-27.html": "../assets/site.js",
        "archive/2026-04-23.html": "../assets/site.js",
        "archive/index.html": None,
    }
    assert {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.html")} == set(scripts)
    for name, script in scripts.items():
        assert_inert(parse(tmp_path / name), own_script=script)
    page = parse(tmp_path / "index.html")
    cards = articles(page)
    for card, payload, entry in zip(cards, XSS_PAYLOADS, digest.entries, strict=True):
        # The payloads show as the text they are.
        assert payload in card.xpath(".//h3/a")[0].text_content()
        assert f"Mallory {payload}" in text(card.find_class("authors")[0])
        assert payload in card.find_class("abstract")[0].text_content()
        assert entry.summary is not None
        assert payload in text(card.find_class("tldr")[0])
        assert "evil-model" in text(card.xpath(".//details/summary")[0])
    # The only links in summaries are http(s); the summary text survived sanitizing.
    bodies = page.find_class("summary-body")
    assert len(bodies) == len(XSS_PAYLOADS)
    for body in bodies:
        assert all(href.startswith(("http://", "https://")) for href in body.xpath(".//a/@href"))
    assert "click me" in text(bodies[2])


def test_hostile_summary_html_in_data_json_is_sanitized(tmp_path: Path) -> None:
    write_site(xss_digest(), tmp_path)
    data = json.loads((tmp_path / "data.json").read_text(encoding="utf-8"))
    for item in data["papers"]:
        fragment = lxml_html.fromstring(f"<div>{item['summary']['html']}</div>")
        assert_inert(fragment, own_script=None)
