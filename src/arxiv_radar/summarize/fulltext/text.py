"""Sections of a paper's text, their kinds, and the token estimate used for budgets."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from arxiv_radar.text.plain import clean_text

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
    return _SPACE.sub(" ", clean_text(text).translate(_INVISIBLE)).strip()


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
