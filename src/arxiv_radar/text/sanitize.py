"""Make Markdown from a model (or a paper) safe to store, put in a README and render.

Everything an LLM writes is untrusted: a paper can carry a prompt injection, and a model can
answer with raw HTML, ``javascript:`` links or tracking images. Two functions:

:func:`sanitize_markdown` returns Markdown that is still readable as Markdown and that a
CommonMark renderer, even one that allows raw HTML, turns into no raw HTML, no image and no link
other than ``http``/``https``:

- the characters are cleaned by :func:`~arxiv_radar.text.plain.clean_text` (line endings
  become ``\\n``; control, bidi and other characters that are not text or not XML go);
- raw HTML tags, comments, processing instructions and declarations are removed, and the text
  between tags is kept (``<b>bold</b>`` becomes ``bold``, ``<br>`` a space); any other ``<`` that
  could open a tag is escaped (``\\<``), so it shows as text;
- a link keeps its text and loses its target unless the target starts with ``http://`` or
  ``https://`` once entities and backslash escapes are decoded (``jav&#x09;ascript:``,
  ``&#106;avascript:`` and relative targets all go); a kept target is written back
  percent-encoded and without its title; a reference definition with another target is
  escaped into plain text;
- every image becomes its alt text, whatever its source: a summary has no reason to show a
  picture, and loading one is a tracking and data-exfiltration channel;
- code (fenced or indented blocks, inline code spans) is kept exactly as written;
- text over ``max_chars`` (20,000 by default) is cut, at a line break where one is near, and
  ends with ``…`` (the escapes added afterwards may make it a little longer).

The result is checked with markdown-it (raw HTML on, every link target accepted); should that
check ever fail, the text is escaped further (every backtick, bracket and tag opener), which is
safe whatever a renderer makes of it.

:func:`markdown_to_safe_html` renders sanitized Markdown with markdown-it (raw HTML off) and
cleans the HTML with nh3 to a small allowlist of tags, with ``href`` only on ``<a>`` and only
``http(s)``.
"""

from __future__ import annotations

import html
import re
import string
from functools import cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from arxiv_radar.text.plain import clean_text

__all__ = [
    "MAX_CHARS",
    "code_block_runs",
    "is_safe_markdown",
    "markdown_to_safe_html",
    "sanitize_markdown",
]

MAX_CHARS = 20_000

_MAX_PASSES = 4
_ALLOWED_URL = re.compile(r"https?://", re.IGNORECASE)
_PUNCT = frozenset(string.punctuation)

# -- raw HTML, as CommonMark recognises it ---------------------------------------------------

_ATTRIBUTE = (
    r"""(?:\s++[A-Za-z_:][A-Za-z0-9_.:-]*+(?:\s*+=\s*+(?:[^\s"'=<>`]++|'[^']*+'|"[^"]*+"))?+)"""
)
_TAG = re.compile(
    rf"""<[A-Za-z][A-Za-z0-9-]*+{_ATTRIBUTE}*+\s*+/?>"""  # open tag
    r"""|</[A-Za-z][A-Za-z0-9-]*+\s*+>"""  # closing tag
)
# Comments, processing instructions and CDATA sections: where they open and close.
_HTML_SPANS = (("<!--", "-->"), ("<?", "?>"), ("<![CDATA[", "]]>"))
_LINE_BREAK_TAG = re.compile(r"<br\b", re.IGNORECASE)
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\x00-\x20`]*)>")
_TAG_START = re.compile(r"<[A-Za-z/!?]")

# -- links ---------------------------------------------------------------------------------

_BACKSLASH_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
# "[label]:" and what may follow it as a reference definition's destination. The label may
# hold "[" here (a definition's may not): escaping all of "[[x]: ..." at once takes one pass.
_REFERENCE = re.compile(r"\[(?:[^\]\\\n]|\\.){0,999}\]:[ \t]*(?:\n[ \t>]*)?(<[^<>\n]*>|\S+)?")
_URL_UNSAFE = re.compile(r"""[\x00-\x20\x7f<>"'`()\[\]\\|&]""")


def sanitize_markdown(text: str, *, max_chars: int = MAX_CHARS) -> str:
    """``text`` as safe, readable Markdown (see the module docstring). Never raises."""
    text = original = _truncate(clean_text(text), max_chars)
    for _ in range(_MAX_PASSES):
        cleaned = _clean(text, careful=True)
        if cleaned == text:
            if is_safe_markdown(text):
                return text
            break
        text = cleaned
    text = _clean(original, careful=False)
    if is_safe_markdown(text):
        return text
    # Escape every ASCII punctuation character: plain text in any CommonMark renderer.
    return "".join("\\" + c if c in _PUNCT else c for c in original)


def is_safe_markdown(text: str) -> bool:
    """True when markdown-it, with raw HTML on and every link target accepted, makes no raw
    HTML, no image and no link or reference to anything but ``http(s)://`` of ``text``."""
    env: dict[str, object] = {}
    tokens = _checker().parse(text, env)
    references = env.get("references")
    if isinstance(references, dict):
        for reference in references.values():
            if not _ALLOWED_URL.match(str(reference.get("href", ""))):
                return False
    return all(_safe_token(token) for token in tokens)


def markdown_to_safe_html(text: str) -> str:
    """``text`` sanitized, rendered to HTML and cleaned to the allowlist (for feeds, the site)."""
    rendered = _renderer().render(sanitize_markdown(text))
    return nh3.clean(
        rendered,
        tags=_HTML_TAGS,
        attributes={"a": {"href"}, "ol": {"start"}},
        attribute_filter=_html_attribute,
        url_schemes={"http", "https"},
        strip_comments=True,
        link_rel="nofollow noopener noreferrer",
    )


_HTML_TAGS = {
    *("p", "br", "hr", "blockquote", "ul", "ol", "li", "strong", "em", "code", "pre", "a"),
    *("h1", "h2", "h3", "h4", "h5", "h6"),
    *("table", "thead", "tbody", "tr", "th", "td"),
}


def _html_attribute(tag: str, attribute: str, value: str) -> str | None:
    """The allowed attributes' values that may stay (the rest of the allowlist: as they are)."""
    if tag == "a" and attribute == "href":
        return value if _ALLOWED_URL.match(value) else None
    if tag == "ol" and attribute == "start":
        return value if value.isdigit() else None
    return value


@cache
def _renderer() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table")


@cache
def _checker() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    md.validateLink = lambda url: True  # type: ignore[method-assign]  # see every link
    return md


@cache
def _block_parser() -> MarkdownIt:
    """The checker's block structure only (no inline parsing): where the code is."""
    return MarkdownIt("commonmark", {"html": True}).enable("table").disable("inline")


def _safe_token(token: Token) -> bool:
    if token.type in ("html_block", "html_inline", "image"):
        return False
    if token.type == "link_open" and not _ALLOWED_URL.match(str(token.attrGet("href") or "")):
        return False
    return all(_safe_token(child) for child in token.children or ())


# -- the passes ----------------------------------------------------------------------------


def _truncate(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    cut = text[: max(max_chars - 2, 0)]
    line_break = cut.rfind("\n", int(len(cut) * 0.8))
    if line_break > 0:
        cut = cut[:line_break]
    return cut.rstrip() + "\n…"


def _clean(text: str, *, careful: bool) -> str:
    """One pass. ``careful``: keep code as markdown-it sees it and keep allowed links;
    otherwise escape every backtick, bracket and tag opener (safe for any renderer)."""
    runs = code_block_runs(text) if careful else [(False, text)]
    return "\n".join(
        chunk if is_code else _Inline(chunk, careful=careful).clean() for is_code, chunk in runs
    )


def code_block_runs(markdown: str) -> list[tuple[bool, str]]:
    """``markdown`` cut into runs of whole lines, in order: ``(True, lines)`` for fenced or
    indented code blocks as markdown-it reads them, ``(False, lines)`` for the rest. The runs
    hold no line break between them: joining them with ``"\\n"`` gives ``markdown`` back."""
    code: set[int] = set()
    for token in _block_parser().parse(markdown):
        if token.type in ("fence", "code_block") and token.map:
            code.update(range(token.map[0], token.map[1]))
    lines = markdown.split("\n")
    runs: list[tuple[bool, str]] = []
    start = 0
    while start < len(lines):
        end = start + 1
        while end < len(lines) and (end in code) == (start in code):
            end += 1
        runs.append((start in code, "\n".join(lines[start:end])))
        start = end
    return runs


class _Inline:
    """One pass over text outside code blocks (see :func:`_clean`).

    Every look-ahead is bounded or remembered, so a pass stays about linear on hostile input.
    """

    def __init__(self, text: str, *, careful: bool) -> None:
        self.s = text
        self.careful = careful
        self.out: list[str] = []
        self.openers: list[tuple[int, bool]] = []  # (index in out, is an image)
        self.found: dict[str, tuple[int, int]] = {}  # needle -> (searched from, found at)
        self.no_closer: dict[str, int] = {}  # closer -> none of it up to here

    def clean(self) -> str:
        s, i = self.s, 0
        while i < len(s):
            c = s[i]
            if c == "\\" and i + 1 < len(s) and s[i + 1] in _PUNCT:
                self.out.append(s[i : i + 2])
                i += 2
            elif c == "`":
                i = self._backticks(i)
            elif c == "<":
                i = self._angle(i)
            elif c == "!" and s.startswith("![", i):
                self._open(image=True)
                i += 2
            elif c == "[":
                i = self._bracket(i)
            elif c == "]":
                i = self._close(i)
            else:
                self.out.append(c)
                i += 1
        for index, image in self.openers:
            if image:
                self.out[index] = "!\\["
        return "".join(self.out)

    def _find(self, needle: str, start: int) -> int:
        """``self.s.find(needle, start)``, remembered for later, larger starts."""
        searched_from, found = self.found.get(needle, (len(self.s) + 1, -1))
        if not (searched_from <= start and (found < 0 or found >= start)):
            found = self.s.find(needle, start)
            self.found[needle] = (start, found)
        return found

    # -- code spans

    def _backticks(self, i: int) -> int:
        s = self.s
        end = i
        while end < len(s) and s[end] == "`":
            end += 1
        run = end - i
        if self.careful:
            close = self._closing_run(end, run)
            if close is not None and "|" not in s[end:close]:
                self.out.append(s[i : close + run])
                return close + run
        # No closer on this line (or a table cell would split it): plain backticks, so that
        # no renderer pairs them differently.
        self.out.append("\\`" * run)
        return end

    def _closing_run(self, start: int, run: int) -> int | None:
        """Where the next run of exactly ``run`` backticks on this line starts, or None."""
        key = "`" * run
        if self.no_closer.get(key, -1) >= start:
            return None
        line_end = self._find("\n", start)
        line_end = len(self.s) if line_end < 0 else line_end
        match = _backtick_run(run).search(self.s, start, line_end)
        if match is None:
            self.no_closer[key] = line_end
            return None
        return match.start()

    # -- raw HTML and autolinks

    def _angle(self, i: int) -> int:
        s = self.s
        end = self._markup_end(i)
        if end is not None:
            if _LINE_BREAK_TAG.match(s, i):
                self.out.append(" ")
            return end
        autolink = _AUTOLINK.match(s, i)
        if autolink and self.careful and _ALLOWED_URL.match(autolink.group(1)):
            self.out.append(autolink.group())
            return autolink.end()
        self.out.append("\\<" if _TAG_START.match(s, i) else "<")
        return i + 1

    def _markup_end(self, i: int) -> int | None:
        """Where the raw HTML (tag, comment, ...) starting at ``i`` ends, or None."""
        s = self.s
        for opening, closing in _HTML_SPANS:
            if s.startswith(opening, i):
                if opening == "<!--" and s.startswith(("<!-->", "<!--->"), i):
                    return s.index(">", i) + 1
                found = self._find(closing, i + len(opening))
                return None if found < 0 else found + len(closing)
        if s.startswith("<!", i) and s[i + 2 : i + 3].isascii() and s[i + 2 : i + 3].isalpha():
            found = self._find(">", i + 2)  # a declaration
            return None if found < 0 else found + 1
        tag = _TAG.match(s, i)
        return tag.end() if tag else None

    # -- links and images

    def _open(self, *, image: bool) -> None:
        if not self.careful:
            self.out.append("!\\[" if image else "\\[")
            return
        self.openers.append((len(self.out), image))
        self.out.append("![" if image else "[")

    def _bracket(self, i: int) -> int:
        if self.careful and self._bad_reference(i):
            self.out.append("\\[")
        else:
            self._open(image=False)
        return i + 1

    def _bad_reference(self, i: int) -> bool:
        """True when the ``[`` at ``i`` may open a reference definition to a disallowed target."""
        close = self._find("]", i + 1)
        if close < 0 or not (self.s.startswith("]:", close) or self.s[close - 1] == "\\"):
            return False
        reference = _REFERENCE.match(self.s, i)
        if reference is None:
            return False
        target = reference.group(1) or ""
        if target.startswith("<") and target.endswith(">"):
            target = target[1:-1]
        return not _allowed(target)

    def _close(self, i: int) -> int:
        if not self.s.startswith("](", i):
            if self.openers:
                index, image = self.openers.pop()
                if image:
                    self.out[index] = "!\\["
            self.out.append("]")
            return i + 1
        link = self._inline_link(i + 1) if self.careful and self.openers else None
        if link is None:
            self.out.append("]\\(")  # so that no renderer makes a link of it
            return i + 2
        target, end = link
        index, image = self.openers.pop()
        if image or not _allowed(target):
            self.out[index] = ""  # the text stays, as plain text
            return end
        self.out.append(f"]({_encode_url(target)})")
        # A link cannot contain a link: earlier "[" are plain text from here on.
        self.openers = [(at, is_image) for at, is_image in self.openers if is_image]
        return end

    def _inline_link(self, i: int) -> tuple[str, int] | None:
        """The target of the inline link whose ``(`` is at ``i``, and where the link ends."""
        s, n = self.s, len(self.s)
        j = _skip_space(s, i + 1)
        if j < n and s[j] == "<":
            match = _ANGLE_TARGET.match(s, j)
            if match is None:
                return None
            target, j = match.group(1), match.end()
        else:
            k, depth = j, 0
            while k < n:
                c = s[k]
                if c == "\\" and k + 1 < n and s[k + 1] in _PUNCT:
                    k += 2
                    continue
                if c.isspace() or ord(c) < 0x20 or c == "\x7f":
                    break
                if c == "(":
                    depth += 1
                    if depth > _MAX_NESTING:
                        return None
                elif c == ")":
                    if depth == 0:
                        break
                    depth -= 1
                k += 1
            if depth:
                return None
            target, j = s[j:k], k
        after = _skip_space(s, j)
        if j < after < n and s[after] in _TITLES:
            end = self._title_end(after)
            if end is None:
                return None
            after = _skip_space(s, end)
        if after < n and s[after] == ")":
            return target, after + 1
        return None

    def _title_end(self, i: int) -> int | None:
        opener = self.s[i]
        if self.no_closer.get(opener, -1) >= i:
            return None
        match = _TITLES[opener].match(self.s, i)
        if match is None:
            self.no_closer[opener] = len(self.s)
            return None
        return None if "\n\n" in match.group() else match.end()


_MAX_NESTING = 32  # parentheses in a link target, as markdown-it allows
_ANGLE_TARGET = re.compile(r"<((?:[^<>\n\\]|\\.)*+)>")
_TITLES = {
    '"': re.compile(r'"(?:[^"\\]|\\.)*+"', re.DOTALL),
    "'": re.compile(r"'(?:[^'\\]|\\.)*+'", re.DOTALL),
    "(": re.compile(r"\((?:[^()\\]|\\.)*+\)", re.DOTALL),
}


@cache
def _backtick_run(run: int) -> re.Pattern[str]:
    return re.compile(rf"(?<!`)`{{{run}}}(?!`)")


def _skip_space(s: str, i: int) -> int:
    """Past spaces and tabs with at most one line break among them."""
    seen_break = False
    while i < len(s) and s[i] in " \t\n":
        if s[i] == "\n":
            if seen_break:
                break
            seen_break = True
        i += 1
    return i


def _decode_url(target: str) -> str:
    return html.unescape(_BACKSLASH_ESCAPE.sub(r"\1", target))


def _allowed(target: str) -> bool:
    return bool(_ALLOWED_URL.match(_decode_url(target).strip()))


def _encode_url(target: str) -> str:
    url = _decode_url(target).strip()
    return _URL_UNSAFE.sub(lambda m: "&amp;" if m.group() == "&" else f"%{ord(m.group()):02X}", url)
