"""A paper's full text for the ``fulltext`` summary input mode: fetched, cleaned and trimmed.

:func:`fetch_fulltext` asks the polite arXiv client (one connection, the minimum interval,
retries) for the paper's HTML rendering at ``{html_url}/{id}v{version}``. When arXiv has none
(HTTP 404, or a page holding no LaTeXML document, such as "No HTML for ...") or the page holds
no text beyond the abstract, it reads the PDF at ``{pdf_url}/{id}v{version}`` instead. When
that fails too, the result is the abstract, and :attr:`FullText.note` says why: the caller
always gets a usable input and can see (``source == "abstract"``) that it is not the full text.
Only arXiv failures (:class:`~arxiv_radar.errors.ArxivError`) lead to a fallback; every
fallback is logged and named in the note. Downloads stop at ``max_bytes``. Reading a PDF
needs pypdf (the ``pdf`` extra): without it, a paper with no HTML raises
:class:`~arxiv_radar.errors.MissingExtraError` before its PDF is fetched.

:func:`extract_html_sections` reads arXiv's LaTeXML rendering (``article.ltx_document``): one
:class:`Section` per top-level section (the abstract first), subsection headings kept inside
the text as ``### 3.1 ...`` lines, paragraphs separated by a blank line, math replaced by its
``alttext`` (``$x$``, ``$$x$$`` for display math), figure and table captions kept and table
rows written as ``cell | cell``. Left out: the bibliography, acknowledgements, authors,
footnotes, navigation, page headers and footers, arXiv's banners, scripts and styles.

:func:`extract_pdf_sections` reads the text of a PDF with pypdf, drops page numbers, arXiv's
side stamp and lines repeated on most pages (running headers), joins lines into paragraphs
(undoing end-of-line hyphenation) and splits sections at numbered headings (``1 Introduction``
or ``I. INTRODUCTION``, numbers in sequence) and at the usual unnumbered ones; the front matter
(title, authors, abstract: the metadata has them) and the references are dropped, lettered
headings after the references (``A Proofs``) start appendices. With no heading found, the
whole text is one untitled section.

:func:`trim_sections` fits the sections to a token budget, deterministically. Tokens are
estimated by :func:`estimate_tokens`: one per CJK character, one per four other characters
(about right for English prose with common tokenizers; math, code and numbers take more, so
the budget should leave the model some headroom). The title and abstract are always kept
(the abstract is cut only when it alone is over budget). When the rest does not fit,
appendices go first (last first), then related work; then sections are kept whole in order,
the conclusion held back when it is no more than a quarter of the budget, and the first
section that does not fit is cut at a paragraph or sentence boundary and ends with
:data:`CUT_MARKER` (a section with no sentence that fits is left out). Sections left out
are named in a last line starting ``[Left out to fit the token budget:``.

Everything here is untrusted paper text: control and bidi characters are removed (with
:func:`~arxiv_radar.text.plain.clean_text`) and whitespace is normalised.
The prompt (``PromptTemplate.messages``) puts the text inside its delimited data block.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from arxiv_radar.arxiv.http import ArxivClient
from arxiv_radar.errors import ArxivError, ArxivHTTPError, ArxivParseError
from arxiv_radar.models import Paper
from arxiv_radar.summarize.fulltext.html import extract_html_sections
from arxiv_radar.summarize.fulltext.pdf import extract_pdf_sections, require_pdf
from arxiv_radar.summarize.fulltext.text import (
    CHARS_PER_TOKEN,
    CUT_MARKER,
    MAX_DOWNLOAD_BYTES,
    Section,
    SectionKind,
    Source,
    _normalise,
    estimate_tokens,
    section_kind,
)
from arxiv_radar.summarize.fulltext.trim import Trimmed, trim_sections
from arxiv_radar.text import links

__all__ = [
    "CHARS_PER_TOKEN",
    "CUT_MARKER",
    "MAX_DOWNLOAD_BYTES",
    "FullText",
    "Section",
    "SectionKind",
    "Source",
    "Trimmed",
    "estimate_tokens",
    "extract_html_sections",
    "extract_pdf_sections",
    "fetch_fulltext",
    "section_kind",
    "trim_sections",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FullText:
    """The input for a ``fulltext`` summary: ``text`` to put in the prompt, where it came
    from, and ``note``: why it is not the HTML text (``None`` when it is)."""

    text: str
    source: Source
    sections: tuple[str, ...]
    tokens: int
    truncated: bool
    note: str | None = None
    omitted: tuple[str, ...] = ()


# -- fetching ------------------------------------------------------------------------------


def fetch_fulltext(
    client: ArxivClient,
    paper: Paper,
    *,
    html_url: str,
    pdf_url: str,
    max_tokens: int,
    max_bytes: int = MAX_DOWNLOAD_BYTES,
) -> FullText:
    """The paper's text for a prompt: HTML, else PDF, else the abstract (see the module doc)."""
    problems: list[str] = []
    html_link = links.html_url(paper.arxiv_id, paper.version, base=html_url)
    pdf_link = links.pdf_url(paper.arxiv_id, paper.version, base=pdf_url)
    attempts: tuple[tuple[Source, str, Callable[[bytes], list[Section]]], ...] = (
        ("html", html_link, extract_html_sections),
        ("pdf", pdf_link, extract_pdf_sections),
    )
    for source, url, extract in attempts:
        if source == "pdf":
            require_pdf()  # no PDF downloaded in vain: without pypdf the paper fails, saying so
        try:
            sections = extract(_download(client, url, max_bytes=max_bytes))
        except ArxivError as error:
            problems.append(f"{source.upper()}: {_describe(error, url)}")
            logger.info("no %s text for %s: %s", source, paper.versioned_id, problems[-1])
            continue
        if not any(section.kind != "abstract" for section in sections):
            problems.append(f"{source.upper()}: no paper text found in {url}")
            logger.info("no %s text for %s: %s", source, paper.versioned_id, problems[-1])
            continue
        note = "; ".join([*problems, f"used the {source.upper()} text"]) if problems else None
        return _full_text(paper, sections, source, max_tokens, note)
    note = "; ".join([*problems, "summarising from the abstract only"])
    logger.warning("no full text for %s (%s)", paper.versioned_id, note)
    return _full_text(paper, [], "abstract", max_tokens, note)


def _full_text(
    paper: Paper, sections: list[Section], source: Source, max_tokens: int, note: str | None
) -> FullText:
    if not any(section.kind == "abstract" for section in sections):
        abstract = _normalise(paper.abstract)
        sections = [Section("Abstract", abstract), *sections] if abstract else sections
    trimmed = trim_sections(sections, max_tokens=max_tokens, title=paper.title)
    return FullText(
        text=trimmed.text,
        source=source,
        sections=trimmed.sections,
        tokens=trimmed.tokens,
        truncated=trimmed.truncated,
        note=note,
        omitted=trimmed.omitted,
    )


def _download(client: ArxivClient, url: str, *, max_bytes: int) -> bytes:
    """The body at ``url``, read through the polite client, at most ``max_bytes`` long."""
    too_large = f"the response is larger than {max_bytes} bytes"
    chunks: list[bytes] = []
    try:
        with client.stream(url) as response:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise ArxivParseError(too_large, url=url)
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise ArxivParseError(too_large, url=url)
                chunks.append(chunk)
    except httpx.HTTPError as error:  # the body broke off after the status line
        raise ArxivHTTPError(
            f"reading the response failed: {type(error).__name__}: {error}", url=url
        ) from error
    return b"".join(chunks)


def _describe(error: ArxivError, url: str) -> str:
    if isinstance(error, ArxivHTTPError) and error.status in (404, 410):
        return f"arXiv has none for this version (HTTP {error.status}) [{url}]"
    return str(error) if error.url else f"{error} [{url}]"
