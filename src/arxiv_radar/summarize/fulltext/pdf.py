"""A PDF's text to sections: the fallback when a paper has no HTML rendering.

pypdf comes with the ``pdf`` extra and is imported when a PDF is read: without it,
:func:`require_pdf` (and :func:`extract_pdf_sections`) raise a
:class:`~arxiv_radar.errors.MissingExtraError` naming ``pip install "arxiv-radar[pdf]"``, so a
paper that would need its PDF fails with that message instead of being read from the abstract.
"""

from __future__ import annotations

import io
import math
import re
from collections import Counter

from arxiv_radar.errors import ArxivParseError, require_extra
from arxiv_radar.summarize.fulltext.text import (
    _NEVER_KEPT,
    _SEP,
    Section,
    _normalise,
    section_kind,
)

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


PDF_MODULES = {"pypdf": "pypdf"}
"""What reading a PDF imports (module -> package): the ``pdf`` extra."""


def require_pdf() -> None:
    """Raise :class:`~arxiv_radar.errors.MissingExtraError` unless pypdf is installed."""
    require_extra("pdf", "reading a paper's PDF (its full text without HTML)", PDF_MODULES)


def extract_pdf_sections(content: bytes) -> list[Section]:
    """The sections of a paper's PDF, in order (see the module docstring); ``[]`` when it
    holds no text. Raises :class:`~arxiv_radar.errors.ArxivParseError` for bytes pypdf cannot
    read as a PDF, :class:`~arxiv_radar.errors.MissingExtraError` without pypdf."""
    return _split_sections(_clean_lines(_pdf_pages(content)))


def _pdf_pages(content: bytes) -> list[str]:
    require_pdf()
    from pypdf import PdfReader

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
