"""Links to arXiv: one builder for each kind of page, every id written the same way.

- :func:`abs_url`: the abstract page, ``https://arxiv.org/abs/<id>`` (the latest version) or
  ``https://arxiv.org/abs/<id>v<n>`` (that version, for ever);
- :func:`pdf_url`: the PDF, ``https://arxiv.org/pdf/<id>[v<n>]``;
- :func:`html_url`: the HTML rendering, ``https://arxiv.org/html/<id>[v<n>]``;
- :func:`listing_url`: a category's listing of new papers, ``https://arxiv.org/list/<cat>/new``.

An id is untrusted text (it came from a feed, a store or a command line), so it is written
by :func:`quoted_id`: a valid arXiv id as its base (no prefix, no version; old-style ids keep
their ``/``), anything else percent-encoded whole, so that a link always stays on its page of
arXiv and never holds a space, a quote, a parenthesis or a bracket. ``pdf_url`` and
``html_url`` take another ``base`` (``[arxiv] pdf_url``, ``html_url``: a mirror, or a local
server in tests).
"""

from __future__ import annotations

from urllib.parse import quote

from arxiv_radar.arxiv.ids import InvalidArxivId, parse_arxiv_id

__all__ = [
    "ABS_BASE",
    "ARXIV",
    "HTML_BASE",
    "PDF_BASE",
    "abs_url",
    "html_url",
    "listing_url",
    "pdf_url",
    "quoted_id",
]

ARXIV = "https://arxiv.org/"
ABS_BASE = "https://arxiv.org/abs"
PDF_BASE = "https://arxiv.org/pdf"
HTML_BASE = "https://arxiv.org/html"


def quoted_id(arxiv_id: str) -> str:
    """``arxiv_id`` as a URL path: its base when it is an arXiv id, else percent-encoded."""
    try:
        return parse_arxiv_id(arxiv_id).base
    except InvalidArxivId:
        return quote(arxiv_id, safe="")


def abs_url(arxiv_id: str, version: int | None = None) -> str:
    """The abstract page of ``arxiv_id``: of ``version`` when given, else of the latest."""
    return _paper_url(ABS_BASE, arxiv_id, version)


def pdf_url(arxiv_id: str, version: int | None = None, *, base: str = PDF_BASE) -> str:
    """The PDF of ``arxiv_id`` (of ``version`` when given) under ``base``."""
    return _paper_url(base, arxiv_id, version)


def html_url(arxiv_id: str, version: int | None = None, *, base: str = HTML_BASE) -> str:
    """arXiv's HTML rendering of ``arxiv_id`` (of ``version`` when given) under ``base``."""
    return _paper_url(base, arxiv_id, version)


def listing_url(category: str) -> str:
    """The listing of ``category``'s new papers (the category percent-encoded whole)."""
    return f"{ARXIV}list/{quote(category, safe='')}/new"


def _paper_url(base: str, arxiv_id: str, version: int | None) -> str:
    suffix = f"v{int(version)}" if version is not None else ""
    return f"{base.rstrip('/')}/{quoted_id(arxiv_id)}{suffix}"
