"""Text and timestamps from arXiv, normalised the same way for every source.

The export API (:mod:`~arxiv_radar.arxiv.atom`) and OAI-PMH
(:mod:`~arxiv_radar.arxiv.oai_formats`) parsers read one-line fields with
:func:`collapse_whitespace`, abstracts with :func:`normalize_abstract` and ISO 8601 timestamps
with :func:`parse_datetime`. arXiv hard-wraps old abstracts and marks a new paragraph with a
line break followed by indentation, so lines are joined and each paragraph becomes one line,
paragraphs separated by a blank line.
"""

from __future__ import annotations

import datetime as dt
import re

__all__ = ["collapse_whitespace", "normalize_abstract", "parse_datetime"]

# A paragraph ends at a blank line, or at a line break followed by indentation (arXiv's mark).
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*|\n[ \t]+")


def collapse_whitespace(text: str | None) -> str:
    """One line: every run of whitespace (line breaks included) becomes one space."""
    return " ".join(text.split()) if text else ""


def normalize_abstract(text: str | None) -> str:
    """Join hard-wrapped lines; keep paragraphs, separated by one blank line.

    A paragraph break is a blank line or a line break followed by indentation (how arXiv
    marks paragraphs in abstracts, in every interface).
    """
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = (collapse_whitespace(part) for part in _PARAGRAPH_BREAK.split(text))
    return "\n\n".join(part for part in paragraphs if part)


def parse_datetime(text: str) -> dt.datetime:
    """An ISO 8601 timestamp as a timezone-aware UTC datetime (naive input is taken as UTC).

    Raises ValueError for text that is not one, or that UTC cannot hold (9999-12-31T23:00-05:00).
    """
    value = dt.datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    try:
        return value.astimezone(dt.UTC)
    except OverflowError as error:
        raise ValueError(f"{text.strip()!r} is out of range in UTC") from error
