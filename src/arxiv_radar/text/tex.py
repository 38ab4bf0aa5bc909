"""TeX math in untrusted text: where it is, so that every output treats it the same way.

arXiv titles and abstracts are written in TeX (``$P \\leq NP$``), and models answer with the
same notation in their Markdown. One rule holds for all of arxiv-radar's outputs: a math span
is kept as TeX, everything around it stays escaped text. This module only finds the spans;
the renderers decide how to write them (the README as GitHub's ``$`...`$`` math, which every
other Markdown renderer shows as a code span; the site as text that KaTeX typesets).

A math span is, as pandoc and GitHub read them:

- ``$$...$$``;
- ``$...$`` whose first and last characters are not spaces and whose closing ``$`` is not
  followed by a digit (so "between $5 and $10" holds no math);
- GitHub's ``$`...`$``;
- in plain text (not Markdown) also ``\\(...\\)`` and ``\\[...\\]`` (in Markdown, ``\\[`` and
  ``\\(`` are escaped brackets and parentheses).

``\\$`` is an escaped dollar, never a delimiter. A span holds at most :data:`MAX_TEX` characters
and no blank line. In Markdown, code (fenced and indented blocks, code spans) holds no math.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from arxiv_radar.text.sanitize import code_block_runs

__all__ = ["MAX_TEX", "Segment", "markdown_segments", "text_segments"]

MAX_TEX = 2000
"""The longest math span, in characters: a longer one is text."""

Kind = Literal["text", "math", "code"]


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of text as it was written (``raw``): plain text, a math span or code.

    For math, ``tex`` is the TeX between the delimiters and ``display`` says whether it was
    display math (``$$``, ``\\[``); for the rest ``tex`` is empty.
    """

    kind: Kind
    raw: str
    tex: str = ""
    display: bool = False


_LINE = r"(?!\n[ \t]*\n)"  # what follows is not a blank line
_SPAN = rf"(?:{_LINE}[^$]){{1,{MAX_TEX}}}?"  # no "$", no blank line
_TEX_ESCAPE = r"(?P<escape>\\[\\$`])"
_GITHUB = rf"|\$`(?P<github>[^`\n]{{1,{MAX_TEX}}})`\$"
_DISPLAY = rf"|\$\$(?P<display>{_SPAN})\$\$"
_INLINE = rf"|\$(?P<inline>[^\s$](?:(?:{_LINE}[^$]){{0,{MAX_TEX}}}?[^\s$\\])?)\$(?!\d)"
_BRACKETS = (
    rf"|\\\[(?P<bracket>(?:{_LINE}.){{1,{MAX_TEX}}}?)\\\]"
    rf"|\\\((?P<paren>(?:{_LINE}.){{1,{MAX_TEX}}}?)\\\)"
)
_CODE_SPAN = r"|(?P<ticks>`+)(?P<code>(?:(?!\n[ \t]*\n)[\s\S])+?)(?<!`)(?P=ticks)(?!`)"

_PLAIN = re.compile(_TEX_ESCAPE + _GITHUB + _DISPLAY + _BRACKETS + _INLINE, re.DOTALL)
_MARKDOWN = re.compile(_TEX_ESCAPE + _GITHUB + _CODE_SPAN + _DISPLAY + _INLINE, re.DOTALL)


def text_segments(text: str) -> list[Segment]:
    """``text`` (plain text, such as an abstract) cut into text and math segments, in order;
    joining their ``raw`` gives ``text`` back."""
    return _segments(text, _PLAIN)


def markdown_segments(markdown: str) -> list[Segment]:
    """``markdown`` cut into text, math and code segments, in order; joining their ``raw``
    gives ``markdown`` back. Fenced and indented code blocks and code spans are code."""
    runs = code_block_runs(markdown)
    segments: list[Segment] = []
    for index, (is_code, run) in enumerate(runs):
        chunk = run + ("\n" if index < len(runs) - 1 else "")
        if is_code:
            segments.append(Segment("code", chunk))
        else:
            segments += _segments(chunk, _MARKDOWN)
    return _merged(segments)


def _segments(text: str, pattern: re.Pattern[str]) -> list[Segment]:
    segments: list[Segment] = []
    at = 0
    for match in pattern.finditer(text):
        if match["escape"]:
            continue
        if match.start() > at:
            segments.append(Segment("text", text[at : match.start()]))
        groups = match.groupdict()
        if groups.get("ticks"):
            segments.append(Segment("code", match.group()))
        else:
            display = bool(groups.get("display") or groups.get("bracket"))
            tex = next(value for name, value in groups.items() if value and name != "escape")
            segments.append(Segment("math", match.group(), tex, display))
        at = match.end()
    if at < len(text):
        segments.append(Segment("text", text[at:]))
    return _merged(segments)


def _merged(segments: list[Segment]) -> list[Segment]:
    """Neighbouring text segments joined into one."""
    out: list[Segment] = []
    for segment in segments:
        if out and segment.kind == "text" and out[-1].kind == "text":
            out[-1] = Segment("text", out[-1].raw + segment.raw)
        else:
            out.append(segment)
    return out
