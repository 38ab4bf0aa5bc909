"""Links to arXiv: one builder per kind of page, and every renderer writes the same link."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arxiv_radar.config import Config
from arxiv_radar.models import AnnounceType, Digest, Explanation, Paper, RankedPaper
from arxiv_radar.publish.digest import make_digest
from arxiv_radar.publish.exports import digest_to_dict, render_bibtex
from arxiv_radar.publish.feeds import render_json_feed, render_rss
from arxiv_radar.publish.markdown import render_readme
from arxiv_radar.publish.notify import digest_message
from arxiv_radar.publish.site import site_data
from arxiv_radar.text.links import abs_url, html_url, listing_url, pdf_url, quoted_id

HOSTILE_ID = "x) [y](javascript:z"
HOSTILE_PATH = "x%29%20%5By%5D%28javascript%3Az"


@pytest.mark.parametrize(
    ("arxiv_id", "version", "expected"),
    [
        ("2604.21935", None, "https://arxiv.org/abs/2604.21935"),
        ("2604.21935", 3, "https://arxiv.org/abs/2604.21935v3"),
        ("0704.0001", 1, "https://arxiv.org/abs/0704.0001v1"),
        ("hep-th/9901001", None, "https://arxiv.org/abs/hep-th/9901001"),
        ("math.GT/0309136", 2, "https://arxiv.org/abs/math.GT/0309136v2"),
        # any written form of a valid id is its base
        ("arXiv:2604.21935v2", None, "https://arxiv.org/abs/2604.21935"),
        ("https://arxiv.org/abs/2604.21935", 1, "https://arxiv.org/abs/2604.21935v1"),
        # anything else is percent-encoded whole: the link stays on arXiv's abstract pages
        (HOSTILE_ID, None, f"https://arxiv.org/abs/{HOSTILE_PATH}"),
        ("../../evil.example/x", 1, "https://arxiv.org/abs/..%2F..%2Fevil.example%2Fxv1"),
    ],
)
def test_abs_url(arxiv_id: str, version: int | None, expected: str) -> None:
    assert abs_url(arxiv_id, version) == expected


def test_pdf_and_html_urls_take_another_base() -> None:
    assert pdf_url("2604.21935") == "https://arxiv.org/pdf/2604.21935"
    assert pdf_url("hep-th/9901001", 2) == "https://arxiv.org/pdf/hep-th/9901001v2"
    assert html_url("2604.21935", 1) == "https://arxiv.org/html/2604.21935v1"
    assert pdf_url("2604.21935", 1, base="http://127.0.0.1:8000/pdf/") == (
        "http://127.0.0.1:8000/pdf/2604.21935v1"
    )
    assert html_url(HOSTILE_ID, 1, base="http://mirror.example/html") == (
        f"http://mirror.example/html/{HOSTILE_PATH}v1"
    )


def test_listing_url_quotes_the_category() -> None:
    assert listing_url("cs.AI") == "https://arxiv.org/list/cs.AI/new"
    assert listing_url("cs.AI/../x y") == "https://arxiv.org/list/cs.AI%2F..%2Fx%20y/new"


@given(st.text())
def test_an_id_never_leaves_its_path(arxiv_id: str) -> None:
    path = quoted_id(arxiv_id)
    assert not set(path) & set(" \t\n\"'<>()[]\\`?#")
    if "/" in path:  # only an old-style id keeps its slash
        assert path.count("/") == 1 and path.split("/")[0].replace("-", "").isalpha()


def _digest(arxiv_id: str) -> Digest:
    paper = Paper(
        arxiv_id=arxiv_id,
        version=2,
        title="A paper",
        abstract="An abstract.",
        authors=("Alice Example",),
        categories=("cs.AI",),
        primary_category="cs.AI",
    )
    ranked = RankedPaper(
        rank=1,
        paper=paper,
        announce_type=AnnounceType.NEW,
        score=1.0,
        explanation=Explanation(mode="keywords", total=1.0),
    )
    return make_digest(
        Config(),
        announced_on=dt.date(2026, 4, 27),
        ranked=[ranked],
        summaries={},
        generated_at=dt.datetime(2026, 4, 27, 6, 30, tzinfo=dt.UTC),
    )


@pytest.mark.parametrize("arxiv_id", ["2604.21935", "hep-th/9901001", HOSTILE_ID])
def test_every_renderer_writes_the_same_links(arxiv_id: str) -> None:
    digest = _digest(arxiv_id)
    latest, version, pdf = abs_url(arxiv_id), abs_url(arxiv_id, 2), pdf_url(arxiv_id, 2)

    exported = digest_to_dict(digest)["papers"][0]
    assert (exported["url"], exported["pdf_url"]) == (latest, pdf)
    site = site_data(digest)["papers"][0]
    assert (site["url"], site["pdf_url"]) == (latest, pdf)
    item = json.loads(render_json_feed(digest))["items"][0]
    assert (item["url"], item["id"], item["_arxiv_radar"]["pdf_url"]) == (latest, version, pdf)
    rss = render_rss(digest).decode()
    assert f"<link>{latest}</link>" in rss and f'<guid isPermaLink="true">{version}</guid>' in rss
    assert f"[A paper]({latest})" in render_readme(digest)
    assert f"= {{{latest}}}," in render_bibtex(digest)
    assert f"[A paper]({latest})" in digest_message(digest)[1]
