"""arXiv's HTML rendering (LaTeXML) to clean sections."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeAlias

from lxml import etree
from lxml import html as lxml_html

from arxiv_radar.summarize.fulltext.text import (
    _SEP,
    Section,
    _normalise,
)

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
