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

from functools import cache, lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from arxiv_radar.text.inline import ALLOWED_URL, PUNCT, InlinePass
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


# A run renders the same texts into several outputs (README, site, feeds, exports): each is
# sanitized once. Both functions are pure.
_MEMO = 4096


@lru_cache(maxsize=_MEMO)
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
    return "".join("\\" + c if c in PUNCT else c for c in original)


def is_safe_markdown(text: str) -> bool:
    """True when markdown-it, with raw HTML on and every link target accepted, makes no raw
    HTML, no image and no link or reference to anything but ``http(s)://`` of ``text``."""
    env: dict[str, object] = {}
    tokens = _checker().parse(text, env)
    references = env.get("references")
    if isinstance(references, dict):
        for reference in references.values():
            if not ALLOWED_URL.match(str(reference.get("href", ""))):
                return False
    return all(_safe_token(token) for token in tokens)


@lru_cache(maxsize=_MEMO)
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
        return value if ALLOWED_URL.match(value) else None
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
    if token.type == "link_open" and not ALLOWED_URL.match(str(token.attrGet("href") or "")):
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
        chunk if is_code else InlinePass(chunk, careful=careful).clean() for is_code, chunk in runs
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
