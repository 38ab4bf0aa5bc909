"""Untrusted text as plain text: the one rule for every output that shows it as text.

Titles, authors, abstracts, comments, TL;DRs and model names come from arXiv or an LLM and may
hold anything. Two functions, one rule:

- :func:`clean_text` keeps the text's lines: line endings become ``\\n``; control characters
  (but tab and newline), Unicode bidi controls (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F,
  U+061C), U+FEFF, the noncharacters U+FFFE and U+FFFF and lone surrogates are removed. What
  is left is valid XML 1.0 character data and encodes as UTF-8, and no character reverses or
  hides the text around it. It is also the first step of
  :func:`~arxiv_radar.text.sanitize.sanitize_markdown`.
- :func:`one_line` is :func:`clean_text` on one line: every run of whitespace (line breaks
  included) becomes one space, and none is left at either end. Every one-line field (a title,
  an author, a feed's description, a prompt's metadata, a notification) goes through it.

Neither escapes anything: each renderer escapes for its own format (HTML, Markdown, LaTeX,
XML) after this.
"""

from __future__ import annotations

import re
from typing import overload

__all__ = ["clean_text", "one_line"]

_BIDI = [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C, 0xFEFF]
_CONTROLS = [c for c in range(0x20) if c not in (0x09, 0x0A)] + [0x7F, *range(0x80, 0xA0)]
_SURROGATES = range(0xD800, 0xE000)  # lone halves: not text, and not encodable as UTF-8
_NOT_XML = (0xFFFE, 0xFFFF)  # noncharacters XML 1.0 refuses (lxml will not write them)
_DELETE = dict.fromkeys([*_BIDI, *_CONTROLS, *_SURROGATES, *_NOT_XML])
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029]")


@overload
def clean_text(text: str) -> str: ...
@overload
def clean_text(text: None) -> None: ...
def clean_text(text: str | None) -> str | None:
    """``text`` with ``\\n`` line endings and without control characters (but tab and
    newline), bidi controls, U+FEFF, U+FFFE, U+FFFF and lone surrogates. ``None`` (a field
    that is not there) stays ``None``."""
    return None if text is None else _LINE_BREAKS.sub("\n", text).translate(_DELETE)


def one_line(text: str | None) -> str:
    """``text`` cleaned like :func:`clean_text`, on one line: whitespace runs become one
    space, and the ends are stripped. ``None`` (a field that is not there) is ``""``."""
    return " ".join(clean_text(text).split()) if text else ""
