"""What "harmless" means for each kind of output, as functions that list the problems found.

Each check returns a list of problems (empty: harmless), so a failing test names every one
at once. HTML is read with lxml the way a browser would build its tree; the README is first
rendered with markdown-it **with raw HTML on and every link target accepted**, i.e. by a
renderer more permissive than GitHub's, so the README must be safe without help from the
renderer's own sanitizer.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

import lxml.etree
import lxml.html
from markdown_it import MarkdownIt

from payloads import BIDI_CONTROLS, PAYLOAD_HOSTS

__all__ = [
    "FORBIDDEN_TAGS",
    "html_problems",
    "loads_from_payload_host",
    "markdown_to_html",
    "text_problems",
    "url_is_dangerous",
]

FORBIDDEN_TAGS = frozenset(
    {
        *("script", "style", "iframe", "frame", "frameset", "object", "embed", "applet"),
        *("svg", "math", "base", "link", "meta", "form", "input", "button", "textarea"),
        *("select", "video", "audio", "source", "img", "image", "picture", "noscript"),
        *("template", "portal", "marquee", "body", "html", "head", "title", "xmp", "plaintext"),
    }
)
"""Elements no untrusted text may create in any HTML output."""

_DANGEROUS_SCHEMES = ("javascript:", "data:", "vbscript:", "livescript:", "mocha:", "file:")
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f\u200b-\u200d\u2060\ufeff]")
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _squeezed(value: str) -> str:
    for _ in range(3):  # entities inside entities
        value = html.unescape(value)
    return _IGNORED_IN_URLS.sub("", value).lower()


def url_is_dangerous(value: str) -> bool:
    """True for a URL a browser would run as a script or open as a document: ``javascript:``,
    ``data:``, ``vbscript:`` ... however spelt (case, entities, whitespace, invisible
    characters)."""
    return _squeezed(value).startswith(_DANGEROUS_SCHEMES)


def loads_from_payload_host(value: str) -> bool:
    """True when ``value`` names a payload host (where no output may load anything from)."""
    squeezed = _squeezed(value)
    return any(host in squeezed for host in PAYLOAD_HOSTS)


def text_problems(text: str, where: str) -> list[str]:
    """Bidi controls or C0 control characters (but tab, CR and LF) anywhere in ``text``."""
    problems = []
    if match := _BIDI.search(text):
        problems.append(f"{where}: bidi control U+{ord(match.group()):04X} at {match.start()}")
    if match := _CONTROLS.search(text):
        problems.append(f"{where}: control character U+{ord(match.group()):04X}")
    return problems


_URL_ATTRIBUTES = frozenset(
    {
        *("href", "src", "srcset", "action", "formaction", "data", "poster", "background"),
        *("cite", "longdesc", "manifest", "codebase", "dynsrc", "lowsrc", "ping", "icon"),
        *("profile", "usemap", "content"),
    }
)
_FORM_CONTROLS = frozenset({"form", "input", "select", "button", "option", "label"})


def html_problems(
    document: str | bytes,
    where: str,
    *,
    fragment: bool = False,
    own_resources: Iterable[str] = (),
    own_form: str | None = None,
) -> list[str]:
    """Everything dangerous in an HTML document (or ``fragment``): forbidden elements, event
    handler and ``style``/``srcdoc`` attributes, ``javascript:``/``data:``/... URLs in any URL
    attribute, anything loaded from a payload host, bidi and control characters.

    A page's own ``<head>`` may hold ``<meta>``, ``<title>``, and ``<link>``/``<script>``
    whose ``href``/``src`` is one of ``own_resources``; the form whose id is ``own_form`` (the
    site's filters) may hold form controls.
    """
    if fragment:
        text = document.decode("utf-8") if isinstance(document, bytes) else document
        root = lxml.html.fragment_fromstring(text, create_parent="div")
    else:
        root = lxml.html.document_fromstring(document)
    resources = set(own_resources)
    problems: list[str] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions render nothing
        tag = _local(element.tag)
        ancestors = [_local(a.tag) for a in element.iterancestors() if isinstance(a.tag, str)]
        in_head = not fragment and "head" in ancestors
        in_form = own_form is not None and any(
            _local(a.tag) == "form" and a.get("id") == own_form
            for a in [element, *element.iterancestors()]
            if isinstance(a.tag, str)
        )
        if not fragment and tag in ("html", "head", "body"):
            allowed = True
        elif in_head:
            allowed = tag in ("meta", "title") or (
                tag in ("link", "script")
                and (element.get("href") or element.get("src")) in resources
                and not (element.text or "").strip()
            )
        else:
            allowed = tag not in FORBIDDEN_TAGS or (in_form and tag in _FORM_CONTROLS)
        if not allowed:
            problems.append(f"{where}: <{tag}> element: {_snippet(element)}")
        for name, value in element.attrib.items():
            attribute = _local(name)
            if attribute.startswith("on"):
                problems.append(f"{where}: event handler {name}= on <{tag}>")
            if attribute in ("style", "srcdoc", "formaction"):
                problems.append(f"{where}: {name}= attribute on <{tag}>")
            if attribute in _URL_ATTRIBUTES and not (in_head and tag == "meta"):
                if url_is_dangerous(value):
                    problems.append(f"{where}: dangerous URL in <{tag} {name}={value[:80]!r}>")
                elif loads_from_payload_host(value) and not (tag == "a" and attribute == "href"):
                    problems.append(f"{where}: <{tag} {name}={value[:80]!r}> loads a payload host")
            problems.extend(text_problems(value, f"{where} <{tag} {name}>"))
    problems.extend(text_problems(root.text_content(), f"{where} text"))
    return problems


def _local(name: str) -> str:
    """A tag or attribute name without namespace or prefix, in lower case."""
    return name.lower().rpartition("}")[2].rpartition(":")[2]


def markdown_to_html(text: str) -> str:
    """``text`` rendered as a permissive renderer would: raw HTML on, every link accepted."""
    renderer = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    renderer.validateLink = lambda url: True  # type: ignore[method-assign]
    return renderer.render(text)


def _snippet(element: lxml.html.HtmlElement) -> str:
    return lxml.etree.tostring(element, encoding="unicode", with_tail=False)[:120]
