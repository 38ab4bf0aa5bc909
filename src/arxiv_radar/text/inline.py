"""One cleaning pass over the Markdown outside code blocks, for :mod:`~arxiv_radar.text.sanitize`.

Raw HTML as CommonMark recognises it, links and images, and code spans are read here; what
the pass keeps, escapes or drops is described in the docstring of ``sanitize``.
"""

from __future__ import annotations

import html
import re
import string
from functools import cache

ALLOWED_URL = re.compile(r"https?://", re.IGNORECASE)
PUNCT = frozenset(string.punctuation)

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


class InlinePass:
    """One pass over text outside code blocks (see ``sanitize._clean``).

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
            if c == "\\" and i + 1 < len(s) and s[i + 1] in PUNCT:
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
        if autolink and self.careful and ALLOWED_URL.match(autolink.group(1)):
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
                if c == "\\" and k + 1 < n and s[k + 1] in PUNCT:
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
    return bool(ALLOWED_URL.match(_decode_url(target).strip()))


def _encode_url(target: str) -> str:
    url = _decode_url(target).strip()
    return _URL_UNSAFE.sub(lambda m: "&amp;" if m.group() == "&" else f"%{ord(m.group()):02X}", url)
