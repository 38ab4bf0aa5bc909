"""Read a model's answer: its TL;DR line and its four numbered sections.

Models do not follow a format exactly, so :func:`parse_summary` accepts what they really write:

- section headings as ``#``/``##``/``###`` headings, bold lines (``**1. ...**``) or plain
  numbered lines whose title names a section (``1、主要贡献``); numbered ``1.``, ``1、``,
  ``(1)``, ``一、``, ``第一部分``, ``Section 1:``; Chinese or English titles, emoji before them;
- a title line before the sections (``# 论文总结：TITLE``, as the old tool's answers began),
  ``---`` separators, numbered sub-headings inside a section (only the heading style that
  numbers 1 to 4 best counts as sections);
- the TL;DR anywhere, in many spellings (``TL;DR:``, ``TLDR -``, ``**TL;DR**:``,
  ``一句话总结：``, ``> **总结一句话**：`` with the sentence on the next line); failing one, a
  closing summary line (``## 总结`` and its paragraph, ``**总体而言**，...``, ``Overall: ...``),
  as the old tool's answers often ended;
- a reasoning block (``<think>...</think>``) before the answer, and an answer wrapped whole
  in a code fence.

The answer is sanitized (:func:`~arxiv_radar.text.sanitize.sanitize_markdown`) before it
is read, so ``markdown``, ``tldr`` and every section body are safe Markdown. A section whose
heading is missing or whose body is empty is listed in ``missing_sections``; the caller
decides what that means (status ``incomplete``). Never raises.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from arxiv_radar.models import SummarySection
from arxiv_radar.summarize.prompting import SECTION_TITLES, Language
from arxiv_radar.text.sanitize import sanitize_markdown

__all__ = ["ParsedSummary", "parse_summary", "strip_model_wrapping"]

SECTION_NUMBERS = (1, 2, 3, 4)


@dataclass(frozen=True, slots=True)
class ParsedSummary:
    """A summary as read from Markdown: what a :class:`~arxiv_radar.models.Summary` stores.

    ``markdown`` is the whole (sanitized) answer; ``sections`` hold the sections found, in
    order; ``missing_sections`` the numbers (1-4) not found or empty.
    """

    tldr: str | None
    sections: tuple[SummarySection, ...]
    missing_sections: tuple[int, ...]
    markdown: str

    @property
    def complete(self) -> bool:
        """Every section and the TL;DR are there."""
        return not self.missing_sections and self.tldr is not None


def parse_summary(markdown: str, *, language: Language = "zh") -> ParsedSummary:
    """The TL;DR and sections of a model's answer (see the module docstring).

    ``language`` gives the title of a section whose heading has a number but no title.
    """
    text = sanitize_markdown(strip_model_wrapping(markdown)).strip()
    lines = text.split("\n")
    code = _code_lines(lines)
    tldr, tldr_lines = _find_tldr(lines, code)
    starts = _section_starts(lines, code)
    sections: list[SummarySection] = []
    for index, (line_no, number, title, rest) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(lines)
        if number not in SECTION_NUMBERS:
            continue
        body_lines = [rest] if rest else []
        body_lines += [lines[i] for i in range(line_no + 1, end) if i not in tldr_lines]
        body = _trim_body(body_lines)
        if body:
            default = SECTION_TITLES.get(language, SECTION_TITLES["en"])[number - 1]
            sections.append(
                SummarySection(number=number, title=title or _strip_number(default), body=body)
            )
    found = {section.number for section in sections}
    missing = tuple(n for n in SECTION_NUMBERS if n not in found)
    return ParsedSummary(tldr, tuple(sections), missing, text)


# -- what models wrap their answers in --------------------------------------------------------

_THINK_BLOCK = re.compile(
    r"\A\s*<(think|thinking|reasoning)>.*?</\1>\s*", re.DOTALL | re.IGNORECASE
)
_THINK_OPEN = re.compile(r"\A\s*<(?:think|thinking|reasoning)>", re.IGNORECASE)
_THINK_CLOSE = re.compile(r"</(?:think|thinking|reasoning)>\s*", re.IGNORECASE)
_WRAPPING_FENCE = re.compile(
    r"\A\s*(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>markdown|md|text)?[ \t]*\n"
    r"(?P<body>.*)\n[ \t]*(?P=fence)\s*\Z",
    re.DOTALL | re.IGNORECASE,
)


def strip_model_wrapping(text: str) -> str:
    """``text`` without the reasoning a model wrote before its answer (``<think>...</think>``,
    or everything up to a lone ``</think>``; nothing is left when the reasoning never ended)
    and without a code fence around the whole answer."""
    text = _THINK_BLOCK.sub("", text, count=1)
    close = _THINK_CLOSE.search(text)
    if close:
        text = text[close.end() :]
    elif _THINK_OPEN.match(text):
        return ""
    fenced = _WRAPPING_FENCE.match(text)
    if fenced:
        inner_fence = re.search(rf"^[ \t]*{re.escape(fenced['fence'])}", fenced["body"], re.M)
        if fenced["info"] or not inner_fence:  # "```markdown" says it wraps the answer
            text = fenced["body"]
    return text


# -- lines --------------------------------------------------------------------------------------

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_RULE = re.compile(r"^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")


def _code_lines(lines: Sequence[str]) -> set[int]:
    """Lines inside fenced code (never headings or TL;DRs)."""
    code: set[int] = set()
    fence: str | None = None
    for number, line in enumerate(lines):
        match = _FENCE.match(line)
        if fence is None:
            if match:
                fence = match.group(1)
                code.add(number)
        else:
            code.add(number)
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                if not line.strip().strip(fence[0]):
                    fence = None
    return code


def _trim_body(lines: list[str]) -> str:
    """The lines joined, without blank lines and ``---`` rules at either end."""
    start, end = 0, len(lines)
    while start < end and (not lines[start].strip() or _RULE.match(lines[start])):
        start += 1
    while end > start and (not lines[end - 1].strip() or _RULE.match(lines[end - 1])):
        end -= 1
    return "\n".join(line.rstrip() for line in lines[start:end])


# -- the TL;DR ----------------------------------------------------------------------------------

# What may come before a label: a quote marker, a list marker, a heading marker, an emoji.
_LINE_LEAD = re.compile(r"^[ \t]*(?:>[ \t]*)*(?:[-*+][ \t]+)?(?:#{1,6}[ \t]*)?")
_EMPHASIS = re.compile(r"\*\*|__")
_TLDR_MAX_LINES = 6
_TLDR_LABEL = re.compile(
    r"^(?:[^\w\s]{1,3}\s*)?"  # an emoji or symbol
    r"(?:TL\s*[;；,.:]?\s*DR|TLDR|too\s+long[;,]?\s+didn'?t\s+read"
    r"|一句话(?:总结|概括|摘要|结论)|总结一句话|一言以蔽之|太长不看版?)"
    r"\s*(?:[:：\-–—|]+\s*|\s+|$)",
    re.IGNORECASE,
)
# Labels of a closing one-line summary, used when there is no TL;DR label.
_SUMMARY_LABEL = re.compile(
    r"^(?:[^\w\s]{1,3}\s*)?"
    r"(?:(?:总结|总体评价|总评|summary|in summary|in short|overall|bottom line)\s*(?:[:：]\s*|$)"
    r"|(?:总体而言|总而言之|综上所述)\s*[，,:：]?\s*)",
    re.IGNORECASE,
)
_LIST_ITEM = re.compile(r"^(?:[-*+]|\d{1,3}[.)])\s")


def _find_tldr(lines: Sequence[str], code: set[int]) -> tuple[str | None, set[int]]:
    """The TL;DR and the lines it takes (to leave out of the sections): the first line with a
    TL;DR label, else the last with a closing-summary label ("总结：", "Overall:")."""
    fallback: tuple[str | None, set[int]] = (None, set())
    for number, line in enumerate(lines):
        if number in code:
            continue
        lead = _LINE_LEAD.match(line)
        plain = _EMPHASIS.sub("", line[lead.end() if lead else 0 :]).strip()
        label = _TLDR_LABEL.match(plain)
        if label:
            value, used = _tldr_value(lines, code, number, plain[label.end() :], lists=True)
            if value:
                return value, used
            continue
        label = _SUMMARY_LABEL.match(plain)
        if label:
            value, used = _tldr_value(lines, code, number, plain[label.end() :], lists=False)
            if value:
                fallback = value, used
    return fallback


def _tldr_value(
    lines: Sequence[str], code: set[int], number: int, rest: str, *, lists: bool
) -> tuple[str, set[int]]:
    """The sentence after a label: the rest of its line, else the next lines (one paragraph,
    maybe quoted, after at most one blank line; a list only when ``lists``)."""
    used = {number}
    value = rest.strip()
    if not value:
        parts: list[str] = []
        for after in range(number + 1, min(len(lines), number + _TLDR_MAX_LINES)):
            line = lines[after]
            follow = _continuation(line)
            if after in code or _RULE.match(line) or _ATX.match(line):
                break
            if not lists and _LIST_ITEM.match(follow):
                break
            if not follow:
                if parts or after > number + 1:  # one blank line may come first
                    break
                continue
            parts.append(follow)
            used.add(after)
        value = " ".join(parts)
    return _EMPHASIS.sub("", value).strip(), used


def _continuation(line: str) -> str:
    return line.strip().lstrip(">").strip()


# -- section headings ---------------------------------------------------------------------------

_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_BOLD_LINE = re.compile(r"^[ \t]*(\*\*|__)(?P<inner>.+?)\1[ \t]*(?P<rest>.*)$")
_LEADING_SYMBOLS = re.compile(r"^[^\w(（\[【]+")
_CHINESE_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUMBER = re.compile(
    r"^(?:"
    r"[(（\[【][ \t]*(?P<p>[1-9])[ \t]*[)）\]】]"  # (1)
    r"|(?:section|part|step)[ \t]*(?P<s>[1-9])\b[.:：)]?"  # Section 1:
    r"|第[ \t]*(?P<d>[1-9一二三四五六七八九])[ \t]*(?:部分|节|章|点|步)?[.:：、]?"  # 第一部分
    r"|(?P<z>[一二三四五六七八九])[ \t]*[、.．:：)）]"  # 一、
    r"|(?P<n>[1-9])(?:[ \t]*[.、:：)）．](?![0-9])|[ \t]+(?=\S))"  # 1. / 1、 / 1 Title
    r")[ \t]*",
    re.IGNORECASE,
)
# Words that say which section a title is (for plain numbered lines and unnumbered headings).
_SECTION_WORDS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (4, re.compile(r"conclu|limitation|future|takeaway|结论|局限|未来|展望|启示", re.I)),
    (3, re.compile(r"result|finding|performance|evaluation result|结果|性能|表现|发现", re.I)),
    (2, re.compile(r"method|approach|setup|set-up|experiment|方法|实验|设置|技术路线", re.I)),
    (1, re.compile(r"contribution|innovation|novelty|overview|贡献|创新|问题与动机", re.I)),
)
_PLAIN_TITLE_MAX = 40

# (line number, section number or None, title, text after the heading on its line)
_Start = tuple[int, int, str, str]


def _section_starts(lines: Sequence[str], code: set[int]) -> list[_Start]:
    """The section headings, in order: only the heading style that numbers 1-4 best counts
    (so numbered sub-headings inside a section do not); failing numbers, titles alone."""
    candidates: dict[str, list[tuple[int, int | None, str, str]]] = {}
    for number, line in enumerate(lines):
        if number in code:
            continue
        heading = _heading(line)
        if heading:
            style, section, title, rest = heading
            candidates.setdefault(style, []).append((number, section, title, rest))

    best: list[_Start] = []
    best_key: tuple[int, int] = (0, 0)
    for style, found in candidates.items():
        numbered = [c for c in found if c[1] is not None]
        starts = _in_order([(n, s, t, r) for n, s, t, r in numbered if s is not None])
        distinct = len({s for _, s, _, _ in starts if s in SECTION_NUMBERS})
        key = (distinct, -starts[0][0] if starts else 0)
        if style == "plain" and distinct < 2:
            continue
        if distinct and key > best_key:
            best, best_key = starts, key
    if best:
        return best
    return _by_title(candidates)


def _in_order(found: list[_Start]) -> list[_Start]:
    """The headings whose number comes after the previous one's (a repeat is body text)."""
    starts: list[_Start] = []
    last = 0
    for start in found:
        if start[1] > last:
            starts.append(start)
            last = start[1]
    return starts


def _by_title(candidates: dict[str, list[tuple[int, int | None, str, str]]]) -> list[_Start]:
    """Unnumbered headings of one level whose titles name sections (two at least)."""
    for style in sorted(s for s in candidates if s.startswith("atx")):
        starts: list[_Start] = []
        for line_no, _, title, rest in candidates[style]:
            section = _section_of(title)
            if section and (not starts or section > starts[-1][1]):
                starts.append((line_no, section, title, rest))
        if len(starts) >= 2:
            return starts
    return []


def _section_of(title: str) -> int | None:
    for number, words in _SECTION_WORDS:
        if words.search(title):
            return number
    return None


def _heading(line: str) -> tuple[str, int | None, str, str] | None:
    """(style, number, title, rest of the line) of a heading-like line, or None."""
    atx = _ATX.match(line)
    if atx:
        inner = _EMPHASIS.sub("", atx.group(2))
        number, title = _number_and_title(inner)
        return f"atx{len(atx.group(1))}", number, title, ""
    bold = _BOLD_LINE.match(line)
    if bold:
        number, title = _number_and_title(bold["inner"])
        if number is not None:
            rest = bold["rest"].lstrip(":： \t")
            return "bold", number, title, rest
        return None
    stripped = line.strip()
    if len(stripped) <= _PLAIN_TITLE_MAX + 4 and not stripped.startswith(("-", "*", "+", ">")):
        number, title = _number_and_title(_EMPHASIS.sub("", stripped))
        if number is not None and title and _section_of(title) and not title.endswith(("。", ".")):
            return "plain", number, title, ""
    return None


def _number_and_title(text: str) -> tuple[int | None, str]:
    text = _LEADING_SYMBOLS.sub("", text.strip())
    match = _NUMBER.match(text)
    if not match:
        return None, _clean_title(text)
    digit = next(g for g in match.group("p", "s", "d", "z", "n") if g)
    number = _CHINESE_NUMBERS.get(digit) or int(digit)
    return number, _clean_title(text[match.end() :])


def _clean_title(title: str) -> str:
    return title.strip().lstrip("-–—|:：").strip().strip("*_").strip().rstrip(":：").strip()


def _strip_number(heading: str) -> str:
    return heading.split(" ", 1)[1] if " " in heading else heading
