"""A paper's full text for the ``fulltext`` summary input mode: fetched, cleaned and trimmed.

:func:`fetch_fulltext` asks the polite arXiv client (one connection, the minimum interval,
retries) for the paper's HTML rendering at ``{html_url}/{id}v{version}``. When arXiv has none
(HTTP 404, or a page holding no LaTeXML document, such as "No HTML for ...") or the page holds
no text beyond the abstract, it reads the PDF at ``{pdf_url}/{id}v{version}`` instead. When
that fails too, the result is the abstract, and :attr:`FullText.note` says why: the caller
always gets a usable input and can see (``source == "abstract"``) that it is not the full text.
Only arXiv failures (:class:`~arxiv_radar.errors.ArxivError`) lead to a fallback; every
fallback is logged and named in the note. Downloads stop at ``max_bytes``.

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
:func:`~arxiv_radar.summarize.sanitize.clean_characters`) and whitespace is normalised.
The prompt (``PromptTemplate.messages``) puts the text inside its delimited data block.
"""

from __future__ import annotations

import bisect
import io
import logging
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias

import httpx
from lxml import etree
from lxml import html as lxml_html
from pypdf import PdfReader

from arxiv_radar.arxiv.http import ArxivClient
from arxiv_radar.errors import ArxivError, ArxivHTTPError, ArxivParseError
from arxiv_radar.models import Paper
from arxiv_radar.summarize.sanitize import clean_characters

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
    "paper_url",
    "section_kind",
    "trim_sections",
]

logger = logging.getLogger(__name__)

Source = Literal["html", "pdf", "abstract"]
SectionKind = Literal[
    "abstract", "introduction", "related", "conclusion", "appendix", "references",
    "acknowledgements", "body",
]  # fmt: skip

CHARS_PER_TOKEN = 4
"""Non-CJK characters per estimated token (CJK characters count one token each)."""
CUT_MARKER = "[… the rest of this section is cut to fit the token budget]"
MAX_DOWNLOAD_BYTES = 30_000_000
"""Largest HTML page or PDF read (bytes); larger ones count as unavailable."""

_OMITTED = "[Left out to fit the token budget: {}]"
_SEP = "\n\n"
_NEVER_KEPT = ("references", "acknowledgements")


@dataclass(frozen=True, slots=True)
class Section:
    """One top-level section: its heading (``""`` when untitled) and its cleaned text,
    paragraphs separated by a blank line."""

    heading: str
    text: str
    appendix: bool = False

    @property
    def kind(self) -> SectionKind:
        return "appendix" if self.appendix else section_kind(self.heading)


@dataclass(frozen=True, slots=True)
class Trimmed:
    """What :func:`trim_sections` made: the text and what is in it."""

    text: str
    sections: tuple[str, ...]  # headings of the sections in the text, in order
    tokens: int  # estimate_tokens(text), never above the budget
    truncated: bool  # something was cut or left out for the budget
    omitted: tuple[str, ...] = ()  # headings left out for the budget


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


def paper_url(base: str, paper: Paper) -> str:
    """``{base}/{id}v{version}``: where arXiv serves this version's HTML or PDF."""
    return f"{base.rstrip('/')}/{paper.versioned_id}"


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
    attempts: tuple[tuple[Source, str, Callable[[bytes], list[Section]]], ...] = (
        ("html", html_url, extract_html_sections),
        ("pdf", pdf_url, extract_pdf_sections),
    )
    for source, base, extract in attempts:
        url = paper_url(base, paper)
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


# -- text helpers --------------------------------------------------------------------------

_CJK = re.compile(
    "[\u1100-\u11ff\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]"
)
_SPACE = re.compile(r"\s+")
_INVISIBLE = dict.fromkeys([0x00AD, 0x200B])  # soft hyphen, zero-width space


def estimate_tokens(text: str) -> int:
    """A cheap token estimate: one per CJK character, one per four other characters.

    It never undercounts a concatenation: ``estimate(a + b) <= estimate(a) + estimate(b)``.
    """
    cjk = len(_CJK.findall(text))
    return cjk + math.ceil((len(text) - cjk) / CHARS_PER_TOKEN)


def _normalise(text: str) -> str:
    """One line of clean text: no control/bidi characters, single spaces."""
    return _SPACE.sub(" ", clean_characters(text).translate(_INVISIBLE)).strip()


_NUMBERING = re.compile(r"^(?:\d+(?:\.\d+)*|[IVXL]+|[A-Z])\.?\s+")
_KINDS: tuple[tuple[SectionKind, re.Pattern[str]], ...] = (
    ("appendix", re.compile(r"^(appendix|appendices|supplementary|supplemental)\b")),
    ("abstract", re.compile(r"^abstract$")),
    ("references", re.compile(r"^(references|bibliography|literature cited|works cited)$")),
    ("acknowledgements", re.compile(r"^acknowledge?ments?$")),
    ("related", re.compile(r"\b(related (work|works|literature)|prior work|previous work)\b")),
    ("related", re.compile(r"\bliterature (review|survey)\b")),
    ("conclusion", re.compile(r"\b(conclusions?|concluding remarks|limitations|future work)\b")),
    ("introduction", re.compile(r"^introduction\b")),
)


def section_kind(heading: str) -> SectionKind:
    """What a section is, from its heading (numbering ignored): ``"body"`` when unknown."""
    name = heading.strip()
    if _KINDS[0][1].match(name.lower()):
        return "appendix"
    name = _NUMBERING.sub("", name).strip().lower().rstrip(".:")
    return next((kind for kind, pattern in _KINDS if pattern.search(name)), "body")


# -- HTML (LaTeXML) ------------------------------------------------------------------------

_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_SKIP_TAGS = frozenset(
    "script style noscript template nav header footer button form svg iframe object embed img "
    "picture video audio canvas input select textarea head link meta".split()
)
_SKIP_CLASSES = frozenset(
    "ltx_bibliography ltx_page_footer ltx_page_header ltx_page_navbar ltx_TOC ltx_authors "
    "ltx_note ltx_ERROR ltx_dates ltx_keywords ltx_classification ltx_acknowledgements "
    "ltx_pagination ltx_page_logo ltx_rdf package-alerts".split()
)
_BLOCK_TAGS = frozenset(
    "address article aside blockquote center dd details div dl dt figcaption figure li main "
    "ol p pre section summary table tbody thead tfoot tr ul caption".split()
) | frozenset(_HEADINGS)
_SECTION_CLASSES = frozenset({"ltx_section", "ltx_appendix", "ltx_chapter", "ltx_part"})
_EQUATION_CLASSES = frozenset({"ltx_equation", "ltx_equationgroup", "ltx_eqn_table"})
_Element: TypeAlias = etree._Element


def extract_html_sections(content: bytes) -> list[Section]:
    """The sections of an arXiv (LaTeXML) HTML page, in order; ``[]`` when the page holds no
    LaTeXML document (arXiv's "No HTML for ..." page, an error page, empty bytes)."""
    root = _parse_html(content)
    if root is None:
        return []
    document = _find_document(root)
    if document is None:
        return []
    walker = _HtmlWalker()
    walker.walk(document, top=True)
    walker.finish_section()
    return walker.sections


def _parse_html(content: bytes) -> _Element | None:
    """The page's tree: UTF-8 unless the bytes are not (then as the page declares)."""
    # A parser per call: lxml parsers must not be shared between threads.
    parser = lxml_html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
    try:
        markup: str | bytes = content.decode("utf-8")
    except UnicodeDecodeError:
        markup = content
    for attempt in (markup, content):
        try:
            return lxml_html.document_fromstring(attempt, parser=parser)
        except ValueError:  # a str with an encoding declaration: try the bytes
            continue
        except etree.ParserError:  # no document at all
            return None
    return None


def _classes(element: _Element) -> set[str]:
    return set((element.get("class") or "").split())


def _is_element(node: object) -> bool:
    """True for elements; False for comments, processing instructions and entities."""
    return isinstance(getattr(node, "tag", None), str)


def _skipped(element: _Element) -> bool:
    return element.tag in _SKIP_TAGS or not _classes(element).isdisjoint(_SKIP_CLASSES)


def _find_document(root: _Element) -> _Element | None:
    for element in root.iter("article"):
        if "ltx_document" in _classes(element):
            return element
    for element in root.iter():
        if _is_element(element) and "ltx_document" in _classes(element):
            if not _skipped(element):  # arXiv's "package-alerts ltx_document" banner
                return element
    return None


def _math(element: _Element) -> str:
    tex = element.get("alttext")
    if tex is None:
        found = element.xpath(".//*[local-name()='annotation'][@encoding='application/x-tex']")
        tex = found[0].text_content() if found else element.text_content()
    tex = _normalise(tex)
    if not tex:
        return ""
    return f"$${tex}$$" if element.get("display") == "block" else f"${tex}$"


def _inline_text(element: _Element) -> str:
    """The text of ``element``'s content (without its tail), math as TeX, one line."""
    parts: list[str] = []
    _collect_inline(element, parts)
    return _normalise("".join(parts))


def _collect_inline(element: _Element, parts: list[str]) -> None:
    if element.text:
        parts.append(element.text)
    for child in element:
        if _is_element(child) and not _skipped(child):
            if child.tag == "math":
                parts.append(_math(child))
            elif child.tag == "br":
                parts.append(" ")
            else:
                separate = child.tag in _BLOCK_TAGS or child.tag in ("td", "th")
                parts.append(" " if separate else "")
                _collect_inline(child, parts)
                parts.append(" " if separate else "")
        if child.tail:
            parts.append(child.tail)


def _table_rows(table: _Element) -> Iterator[str]:
    """``cell | cell`` for each non-empty row of a tabular (not of tables nested in it)."""

    def is_tabular(element: _Element) -> bool:
        return element.tag == "table" or "ltx_tabular" in _classes(element)

    for row in table.iter():
        if not _is_element(row) or not (row.tag == "tr" or "ltx_tr" in _classes(row)):
            continue
        owner = next((a for a in row.iterancestors() if is_tabular(a)), None)
        if owner is not table:
            continue
        cells = [
            _inline_text(cell)
            for cell in row
            if _is_element(cell) and (cell.tag in ("td", "th") or "ltx_td" in _classes(cell))
        ]
        if any(cells):
            yield " | ".join(cells)


class _HtmlWalker:
    """Walks a LaTeXML document, collecting paragraphs into sections."""

    def __init__(self) -> None:
        self.sections: list[Section] = []
        self._heading = ""
        self._appendix = False
        self._paragraphs: list[str] = []
        self._pending: list[str] = []  # inline text not yet closed by a block
        self._runin = ""  # a run-in heading ("Datasets.") to start the next paragraph

    def walk(self, parent: _Element, *, top: bool, skip: _Element | None = None) -> None:
        if parent.text:
            self._pending.append(parent.text)
        for child in parent:
            if _is_element(child) and child is not skip and not _skipped(child):
                self._visit(child, top=top)
            if child.tail:
                self._pending.append(child.tail)

    def _visit(self, element: _Element, *, top: bool) -> None:
        tag, classes = element.tag, _classes(element)
        if top and ("ltx_abstract" in classes or tag == "section" or classes & _SECTION_CLASSES):
            self._section(element, abstract="ltx_abstract" in classes)
        elif tag in _HEADINGS:
            if "ltx_title_document" in classes:
                return  # the title comes from the metadata
            text = _inline_text(element)
            if "ltx_runin" in classes:
                self.flush()
                self._runin = text
            else:
                self.add(f"{'#' * _HEADINGS[tag]} {text}")
        elif tag == "math":
            self._pending.append(_math(element))
        elif tag == "table" and classes & _EQUATION_CLASSES:
            self.add(_inline_text(element))
        elif tag == "table" or "ltx_tabular" in classes:
            self.add_lines(_table_rows(element))
        elif tag in ("ul", "ol"):
            items = (_inline_text(i) for i in element if _is_element(i) and not _skipped(i))
            self.add_lines("- " + text.removeprefix("• ") for text in items if text)
        elif tag == "figure":  # one paragraph: a cut never parts a caption from its table
            figure = _HtmlWalker()
            figure.walk(element, top=False)
            figure.finish_section()
            self.add_lines(section.text for section in figure.sections)
        elif tag in ("p", "pre", "figcaption", "caption", "dt", "dd"):
            self.add(_inline_text(element))
        elif tag in _BLOCK_TAGS:
            self.flush()
            self.walk(element, top=top)
            self.flush()
        else:
            parts: list[str] = []
            _collect_inline(element, parts)
            self._pending.extend(parts)

    def _section(self, element: _Element, *, abstract: bool) -> None:
        self.finish_section()
        heading = next((c for c in element if _is_element(c) and c.tag in _HEADINGS), None)
        title = _inline_text(heading) if heading is not None else ""
        self._heading = "Abstract" if abstract and not title else title
        self._appendix = "ltx_appendix" in _classes(element)
        self.walk(element, top=False, skip=heading)
        self.finish_section()

    def add(self, text: str) -> None:
        self.flush()
        self._paragraph(text)

    def add_lines(self, lines: Iterable[str]) -> None:
        """One paragraph of lines (table rows, list items)."""
        self.flush()
        lines = (line for chunk in lines for line in chunk.split("\n"))
        text = "\n".join(line for line in map(_normalise, lines) if line)
        if text:
            self._paragraphs.append(f"{self._runin} {text}" if self._runin else text)
            self._runin = ""

    def flush(self) -> None:
        text, self._pending = "".join(self._pending), []
        self._paragraph(text)

    def _paragraph(self, text: str) -> None:
        text = _normalise(text)
        if text and self._runin:
            text, self._runin = f"{self._runin} {text}", ""
        if text:
            self._paragraphs.append(text)

    def finish_section(self) -> None:
        self.flush()
        if self._runin:
            self._paragraphs.append(self._runin)
            self._runin = ""
        if self._paragraphs:
            text = _SEP.join(self._paragraphs)
            self.sections.append(Section(self._heading, text, self._appendix))
        self._heading, self._appendix, self._paragraphs = "", False, []


# -- PDF -----------------------------------------------------------------------------------

_PAGE_NUMBER = re.compile(r"^(?:page\s+)?\d{1,4}(?:\s+of\s+\d{1,4})?$", re.IGNORECASE)
_ARXIV_STAMP = re.compile(r"^arXiv:\S+v\d+\b")
_TOP_HEADING = re.compile(r"^(?P<number>\d{1,2})(?:\.\s*|\s+)(?P<title>[A-Z].{0,78})$")
_ROMAN_HEADING = re.compile(r"^(?P<number>[IVX]{1,4})\.\s+(?P<title>[A-Z].{0,78})$")
_SUB_HEADING = re.compile(
    r"^(?P<number>\d{1,2})\.\d{1,2}(?:\.\d{1,2})?\.?\s+(?P<title>[A-Z].{0,78})$"
)
_LETTER_HEADING = re.compile(
    r"^(?:Appendix\s+)?(?P<letter>[A-H])(?:\.\s*|\s+)(?P<title>[A-Z].{0,78})$"
)
_NAMED_HEADING = re.compile(
    r"^(?:references|bibliography|acknowledge?ments?|appendix|appendices"
    r"|supplementary materials?|introduction|related work|conclusions?)$",
    re.IGNORECASE,
)
_ROMAN = {n: i for i, n in enumerate("I II III IV V VI VII VIII IX X XI XII XIII".split(), 1)}
_HYPHENATED = re.compile(r"(?:^|\s)([^\W\d_]+(?:-[^\W\d_]+)*)-$")
_HYPHENATED_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)+")
_PARAGRAPH_END = re.compile(r"[.!?:。！？][\"'”’)\]]*$")


def extract_pdf_sections(content: bytes) -> list[Section]:
    """The sections of a paper's PDF, in order (see the module docstring); ``[]`` when it
    holds no text. Raises :class:`~arxiv_radar.errors.ArxivParseError` for bytes pypdf cannot
    read as a PDF."""
    return _split_sections(_clean_lines(_pdf_pages(content)))


def _pdf_pages(content: bytes) -> list[str]:
    if b"%PDF-" not in content[:1024]:
        raise ArxivParseError("the response is not a PDF file")
    try:
        reader = PdfReader(io.BytesIO(content))
        return [page.extract_text() or "" for page in reader.pages]
    except Exception as error:  # pypdf raises many types on broken files: translate them all
        raise ArxivParseError(f"cannot read the PDF: {type(error).__name__}: {error}") from error


def _clean_lines(pages: list[str]) -> list[str]:
    """The lines of all pages without page numbers, arXiv's stamp and running headers."""
    per_page = [[_normalise(line) for line in page.splitlines()] for page in pages]
    per_page = [[line for line in lines if line] for lines in per_page]
    repeated: set[str] = set()
    if len(per_page) >= 3:
        seen = Counter(key for lines in per_page for key in {_line_key(line) for line in lines})
        least = max(3, math.ceil(len(per_page) / 2))
        repeated = {key for key, count in seen.items() if count >= least}
    return [
        line
        for lines in per_page
        for line in lines
        if not _PAGE_NUMBER.match(line)
        and not _ARXIV_STAMP.match(line)
        and _line_key(line) not in repeated
    ]


def _line_key(line: str) -> str:
    return re.sub(r"\d+", "#", line)


_INITIAL = re.compile(r"\b[A-Z]\.\s")  # "A. Smith": a reference, not a heading


def _heading_like(title: str) -> bool:
    return (
        len(title.split()) <= 12
        and not title.endswith((".", ";", ":"))
        and "," not in title
        and not _INITIAL.search(title)
    )


class _PdfSplitter:
    def __init__(self) -> None:
        self.parts: list[tuple[str | None, bool, list[str]]] = [(None, False, [])]
        self.next_number = 1
        self.next_letter = "A"
        self.after_references = False
        self.appendix = False

    def heading(self, line: str) -> bool:
        """Start a section when ``line`` is a heading in sequence; True when it did."""
        if _NAMED_HEADING.match(line):
            kind = section_kind(line)
            self.after_references |= kind == "references"
            self.appendix |= kind == "appendix"
            self.parts.append((line, self.appendix, []))
            return True
        if self.after_references or self.appendix:
            match = _LETTER_HEADING.match(line)
            if match and match["letter"] == self.next_letter and _heading_like(match["title"]):
                self.next_letter = chr(ord(self.next_letter) + 1)
                self.appendix = True
                self.parts.append((line, True, []))
                return True
            return False
        match = _TOP_HEADING.match(line) or _ROMAN_HEADING.match(line)
        if match and _heading_like(match["title"]):
            number = match["number"]
            if (int(number) if number.isdigit() else _ROMAN.get(number)) == self.next_number:
                self.next_number += 1
                self.parts.append((line, False, []))
                return True
        return False

    def add(self, line: str) -> None:
        match = _SUB_HEADING.match(line)
        if match and int(match["number"]) == self.next_number - 1 and _heading_like(match["title"]):
            line = "### " + line
        self.parts[-1][2].append(line)


def _split_sections(lines: list[str]) -> list[Section]:
    splitter = _PdfSplitter()
    for line in lines:
        if not splitter.heading(line):
            splitter.add(line)
    lengths = sorted(len(line) for line in lines if len(line) > 20)
    width = lengths[int(len(lengths) * 0.75)] if lengths else 80
    parts = splitter.parts
    if len(parts) > 1:
        parts = parts[1:]  # the front matter: title, authors, abstract
    hyphenated = {word.lower() for line in lines for word in _HYPHENATED_WORD.findall(line)}
    sections = [
        Section(heading or "", _SEP.join(_paragraphs(body, width, hyphenated)), appendix)
        for heading, appendix, body in parts
    ]
    return [s for s in sections if s.text and s.kind not in _NEVER_KEPT]


def _paragraphs(lines: list[str], width: int, hyphenated: set[str]) -> list[str]:
    """Lines joined into paragraphs: a short line ending a sentence ends a paragraph.

    A word broken at a line end is joined: ``effi-`` + ``ciency``; the hyphen stays when the
    document spells the word with one elsewhere (``fine-tuning``) or the first part holds one
    (``state-of-`` + ``the-art``).
    """
    paragraphs: list[str] = []
    current = ""
    for line in lines:
        if line.startswith("### "):
            paragraphs += [current, line] if current else [line]
            current = ""
            continue
        broken = _HYPHENATED.search(current)
        if broken and line[:1].islower():
            first, rest = broken.group(1), line.split(" ", 1)[0]
            keep = "-" in first or f"{first}-{rest}".lower() in hyphenated
            current = (current if keep else current[:-1]) + line
        else:
            current = f"{current} {line}" if current else line
        if _PARAGRAPH_END.search(line) and len(line) < 0.85 * width:
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return paragraphs


# -- trimming ------------------------------------------------------------------------------

# A sentence ends at . ! ? (and closing quotes) before a space and no lower-case letter, or
# at a CJK full stop; never at a line break (the rows of a table, the items of a list).
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=[ \t]+[^\sa-z])|[。！？]")
_MIN_WORD_CUT = 64  # tokens: below this, a section with no sentence that fits is left out


def trim_sections(sections: Sequence[Section], *, max_tokens: int, title: str = "") -> Trimmed:
    """The title, the abstract and as much of ``sections`` as fits ``max_tokens`` (see the
    module docstring); references and acknowledgements are never kept."""
    if max_tokens < 1:
        raise ValueError("max_tokens must be at least 1")
    title = _normalise(title)
    usable = [s for s in sections if s.kind not in _NEVER_KEPT and s.text.strip()]
    title_blocks = [f"# {title}"] if title else []
    blocks = [_block(s) for s in usable]
    if _cost(*title_blocks, *blocks) <= max_tokens:
        return _trimmed([*title_blocks, *blocks], usable, max_tokens, truncated=False)

    head = [i for i, s in enumerate(usable) if s.kind == "abstract"]
    body = [i for i, s in enumerate(usable) if s.kind != "abstract"]
    worst_note = _OMITTED.format("; ".join(_short(usable[i].heading) for i in body))
    room = max_tokens - _cost(*title_blocks, worst_note)
    chosen: dict[int, str] = {}
    for i in head:
        block = blocks[i] if _cost(blocks[i]) <= room else _cut_block(usable[i], room)
        if block:
            chosen[i] = block
            room -= _cost(block)
    chosen.update(_choose(usable, blocks, body, room))

    order = [i for i in [*head, *body] if i in chosen]
    omitted = [usable[i] for i in body if i not in chosen]
    texts = [*title_blocks, *(chosen[i] for i in order)]
    if omitted:
        texts.append(_OMITTED.format("; ".join(_short(s.heading) for s in omitted)))
    kept = [usable[i] for i in order]
    return _trimmed(texts, kept, max_tokens, truncated=True, omitted=omitted)


def _choose(
    sections: list[Section], blocks: list[str], body: list[int], room: int
) -> dict[int, str]:
    """The body sections (indices into ``sections``) kept within ``room`` tokens: their
    blocks, the last one maybe cut."""
    kept = list(body)
    drop_first = [i for i in reversed(body) if sections[i].kind == "appendix"]
    drop_first += [i for i in reversed(body) if sections[i].kind == "related"]
    for i in drop_first:
        if _cost(*(blocks[k] for k in kept)) <= room:
            break
        kept.remove(i)
    if _cost(*(blocks[k] for k in kept)) <= room:
        return {k: blocks[k] for k in kept}

    chosen: dict[int, str] = {}
    held = 0
    for k in kept:  # a short conclusion is held back: kept whatever comes before it
        cost = _cost(blocks[k])
        if sections[k].kind == "conclusion" and held + cost <= room // 4:
            chosen[k] = blocks[k]
            held += cost
    available = room - held
    for k in kept:
        if k in chosen:
            continue
        cost = _cost(blocks[k])
        if cost <= available:
            chosen[k] = blocks[k]
            available -= cost
            continue
        block = _cut_block(sections[k], available)
        if block:
            chosen[k] = block
        break
    return chosen


def _block(section: Section) -> str:
    return f"## {section.heading}{_SEP}{section.text}" if section.heading else section.text


def _cost(*blocks: str) -> int:
    """Tokens of the blocks joined by blank lines (an upper bound, see estimate_tokens)."""
    return sum(estimate_tokens(block + _SEP) for block in blocks)


def _short(heading: str) -> str:
    heading = heading or "(untitled)"
    return heading if len(heading) <= 80 else heading[:79] + "…"


def _cut_block(section: Section, room: int) -> str | None:
    """The section's block cut to ``room`` tokens with the cut marked, or None if too small."""
    prefix = f"## {section.heading}{_SEP}" if section.heading else ""
    text = _cut_text(section.text, room - estimate_tokens(prefix) - _cost(CUT_MARKER))
    return f"{prefix}{text}{_SEP}{CUT_MARKER}" if text else None


def _cut_text(text: str, room: int) -> str | None:
    """Whole paragraphs, then whole sentences, within ``room`` tokens; None when not even one
    sentence fits. A first sentence longer than a roomy budget is cut at a word boundary."""
    if room <= 0:
        return None
    kept: list[str] = []
    used = 0
    for paragraph in text.split(_SEP):
        cost = estimate_tokens(paragraph + _SEP)
        if used + cost <= room:
            kept.append(paragraph)
            used += cost
            continue
        ends = [m.end() for m in _SENTENCE_END.finditer(paragraph)]
        fits = bisect.bisect_right(ends, room - used, key=lambda end: _cost(paragraph[:end]))
        if fits:
            kept.append(paragraph[: ends[fits - 1]])
        elif not kept and room >= _MIN_WORD_CUT:  # one huge "sentence": a table, a formula
            kept.append(_prefix_within(paragraph, room - estimate_tokens("…")) + "…")
        break
    while kept and kept[-1].startswith("#"):  # a subsection heading with nothing under it
        kept.pop()
    result = _SEP.join(kept).strip()
    return result if result and result != "…" else None


def _prefix_within(text: str, room: int) -> str:
    """The longest prefix of ``text`` within ``room`` tokens, ending at a space if one is near."""
    length = bisect.bisect_right(range(len(text) + 1), room, key=lambda n: _cost(text[:n])) - 1
    prefix = text[: max(length, 0)]
    space = prefix.rfind(" ", len(prefix) // 2)
    return (prefix[:space] if space > 0 else prefix).rstrip()


def _trimmed(
    texts: list[str],
    kept: list[Section],
    max_tokens: int,
    *,
    truncated: bool,
    omitted: Sequence[Section] = (),
) -> Trimmed:
    text = clean_characters(_SEP.join(t for t in texts if t))
    if estimate_tokens(text) > max_tokens:  # only with a budget smaller than the title
        text, truncated = _prefix_within(text, max_tokens - 1), True
    return Trimmed(
        text=text,
        sections=tuple(s.heading for s in kept),
        tokens=estimate_tokens(text),
        truncated=truncated,
        omitted=tuple(s.heading for s in omitted),
    )
