"""Trimming sections to a token budget: whole sections in order of value, a marked cut."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from arxiv_radar.summarize.fulltext.text import (
    _NEVER_KEPT,
    _OMITTED,
    _SEP,
    CUT_MARKER,
    Section,
    _normalise,
    estimate_tokens,
)
from arxiv_radar.text.plain import clean_text


@dataclass(frozen=True, slots=True)
class Trimmed:
    """What :func:`trim_sections` made: the text and what is in it."""

    text: str
    sections: tuple[str, ...]  # headings of the sections in the text, in order
    tokens: int  # estimate_tokens(text), never above the budget
    truncated: bool  # something was cut or left out for the budget
    omitted: tuple[str, ...] = ()  # headings left out for the budget


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
    text = clean_text(_SEP.join(t for t in texts if t))
    if estimate_tokens(text) > max_tokens:  # only with a budget smaller than the title
        text, truncated = _prefix_within(text, max_tokens - 1), True
    return Trimmed(
        text=text,
        sections=tuple(s.heading for s in kept),
        tokens=estimate_tokens(text),
        truncated=truncated,
        omitted=tuple(s.heading for s in omitted),
    )
