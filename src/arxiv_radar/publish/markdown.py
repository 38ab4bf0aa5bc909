"""The README digest: one :class:`~arxiv_radar.models.Digest` as GitHub-flavoured Markdown.

Long on purpose: the template's filters, views and sandbox are one renderer, used nowhere else.

The layout is the old arXiv Papers Bot's README (title, statistics, ranked papers with a
collapsible summary, configuration, schedule, how to use), rendered by the Jinja2 template
``templates/readme.md.j2``. :func:`render_readme` also takes the owner's own template
(``[publish] template``), which is either

- a Jinja2 template, given the context below; it may ``{% extends "arxiv_radar/readme.md.j2" %}``
  and override its blocks (``header``, ``statistics``, ``papers``, ``paper``, ``configuration``,
  ``schedule``, ``how_to_use``, ``customization``, ``manual_trigger``, ``footer``); or
- the old tool's ``README.template.md``: a file whose only template syntax is the placeholders
  ``{{LAST_UPDATED}}``, ``{{PAPER_COUNT}}``, ``{{CATEGORIES}}``, ``{{KEYWORDS}}`` and
  ``{{PAPERS_SECTION}}``. They are substituted literally (in one pass), the papers section
  rendered by the built-in per-paper block.

Everything in a digest from arXiv or an LLM is untrusted. Autoescaping is off (this is not
HTML), but every ``{{ value }}`` a template prints goes through :func:`escape_markdown` unless
it is :class:`~markupsafe.Markup`: text made safe already, such as a summary run through
:func:`~arxiv_radar.text.sanitize.sanitize_markdown` or a validated URL. Filters for other
places: ``md`` (the same escaping, explicitly), ``tex`` (the same, but TeX math kept as math:
see below), ``html`` (inside raw HTML such as ``<summary>``), ``code`` (a code span),
``excerpt(n)`` (an abstract cut near ``n`` characters) and ``safe`` (trust a value as it is).

TeX math (``$P \\leq NP$``; what counts as math is in :mod:`arxiv_radar.text.tex`) follows
one rule in titles, abstracts and summaries alike: it is kept as TeX and written as GitHub's
``$`...`$`` math, which GitHub typesets and any other renderer shows as a code span (so the
math can never become HTML or a link); every other ``$`` is escaped (``\\$``). The built-in
template prints titles and abstracts with the ``tex`` filter; summaries get the same treatment
after they are sanitized.

The template context: ``digest`` (the Digest itself), ``title``, ``description`` (sanitized
Markdown), ``base_url`` (http(s) only, or None), ``profile``, ``last_updated``
(``YYYY-MM-DD HH:MM:SS UTC``), ``announced_on``, ``papers_announced``, ``papers_matched``,
``papers_shown``, ``categories``, ``keywords``, ``schedule`` (in words, from
:func:`arxiv_radar.schedule.describe_schedule`), ``cron``, ``timezone``, ``config_file``,
``papers`` (a list of :class:`PaperView`), ``papers_section`` (the built-in papers block) and
the old placeholders' names in capitals.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markdown_it import MarkdownIt
from markupsafe import Markup

from arxiv_radar.errors import ConfigError
from arxiv_radar.models import Digest, DigestEntry, Summary, SummaryStatus
from arxiv_radar.schedule import describe_schedule
from arxiv_radar.summarize.prompting import SECTION_TITLES
from arxiv_radar.text.links import abs_url
from arxiv_radar.text.plain import one_line
from arxiv_radar.text.sanitize import is_safe_markdown, sanitize_markdown
from arxiv_radar.text.tex import markdown_segments, text_segments

__all__ = [
    "CONFIG_FILE",
    "DEFAULT_TEMPLATE",
    "OLD_PLACEHOLDERS",
    "PaperView",
    "SummaryView",
    "abstract_excerpt",
    "code_span",
    "escape_html",
    "escape_markdown",
    "render_readme",
    "tex_markdown",
]

DEFAULT_TEMPLATE = "arxiv_radar/readme.md.j2"
"""The built-in template's name, for ``{% extends %}`` in an owner's template."""

CONFIG_FILE = "arxiv-radar.toml"
OLD_PLACEHOLDERS = ("LAST_UPDATED", "PAPER_COUNT", "CATEGORIES", "KEYWORDS", "PAPERS_SECTION")
_TEMPLATE_KEY = "publish.template"
_OLD_PLACEHOLDER = re.compile(r"\{\{(" + "|".join(OLD_PLACEHOLDERS) + r")\}\}")
_JINJA_SYNTAX = re.compile(r"\{\{|\{%|\{#")

# -- escaping ------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"[\\`*_\[\]<>&|~$]")
_MD_LIST_NUMBER = re.compile(r"(\d{1,9})([.)])(?= |\Z)")
_HTML_SPECIAL = frozenset("&<>\"'`[]\\*~|$")
_SAFE_URL = re.compile(r"https?://[^\s]+\Z", re.IGNORECASE)


def escape_markdown(text: object) -> Markup:
    """``text`` as one line of Markdown that renders exactly as the text, whatever it holds.

    Backslash-escapes what opens inline syntax (emphasis, code, links, raw HTML, entities,
    tables, strikethrough, math) and a leading character that could start a block (heading,
    quote, list, thematic break); newlines become spaces.
    """
    line = _MD_SPECIAL.sub(r"\\\g<0>", one_line(str(text)))
    number = _MD_LIST_NUMBER.match(line)
    if number:
        line = f"{number[1]}\\{number[2]}{line[number.end() :]}"
    elif line[:1] in ("#", "+", "-", "="):
        line = "\\" + line
    return Markup(line)


def tex_markdown(text: object) -> Markup:
    """``text`` as one line of Markdown, like :func:`escape_markdown`, except that each TeX
    math span is kept as GitHub's ``$`...`$`` math (a code span to any other renderer)."""
    parts: list[str] = []
    for segment in text_segments(one_line(str(text))):
        math = _github_math(segment.tex) if segment.kind == "math" else None
        if math is not None:
            parts.append(math)
        elif parts:
            parts.append(_MD_SPECIAL.sub(r"\\\g<0>", segment.raw))
        else:  # the line's start: what could open a block is escaped too
            space = " " if segment.raw.endswith(" ") else ""
            parts.append(escape_markdown(segment.raw) + space)
    return Markup("".join(parts))


def _github_math(tex: str) -> str | None:
    """``tex`` as GitHub's inline math ``$`...`$``, or None when it cannot be one."""
    tex = " ".join(tex.split())
    if not tex or "`" in tex:
        return None
    return f"$`{tex}`$"


_LONE_DOLLAR = re.compile(r"(?<!\\)\$")


def _markdown_math(markdown: str) -> str:
    """Sanitized Markdown with its math as GitHub's ``$`...`$`` and any other ``$`` escaped,
    code left as it is (the README's rule for TeX, see the module docstring)."""
    parts: list[str] = []
    for segment in markdown_segments(markdown):
        math = _github_math(segment.tex) if segment.kind == "math" else None
        if math is not None:
            parts.append(math)
        elif segment.kind == "code":
            parts.append(segment.raw)
        else:
            parts.append(_LONE_DOLLAR.sub(r"\\$", segment.raw))
    return "".join(parts)


def escape_html(text: object) -> Markup:
    """``text`` as one line safe inside raw HTML and inside Markdown: character references
    for HTML's specials and for the Markdown punctuation that could make a link or code."""
    return Markup("".join(f"&#{ord(c)};" if c in _HTML_SPECIAL else c for c in one_line(str(text))))


def code_span(text: object) -> Markup:
    """``text`` as an inline code span (a backtick run longer than any inside it)."""
    line = one_line(str(text))
    fence = "`" * (max((len(run) for run in re.findall(r"`+", line)), default=0) + 1)
    pad = " " if line.startswith("`") or line.endswith("`") else ""
    return Markup(f"{fence}{pad}{line}{pad}{fence}")


def _site_url(url: str | None) -> Markup | None:
    """An http(s) URL percent-encoded for a Markdown link destination, or None."""
    if not url or not _SAFE_URL.match(url.strip()):
        return None
    return Markup(quote(url.strip(), safe=":/?#@!$&'*+,;=%~"))


def abstract_excerpt(text: str, limit: int = 300) -> str:
    """The start of ``text`` (whitespace collapsed), cut at a word boundary at most ``limit``
    characters in and ended with ``...``; a hard cut when no space is near (long tokens,
    text without spaces). Text up to ``limit`` characters is returned whole."""
    text = one_line(str(text))
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    space = head.rfind(" ")
    cut = head[:space] if space >= limit * 0.6 else text[:limit]
    return cut.rstrip(" ,;:([{-–—") + "..."


# -- what the template sees ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SummaryView:
    """A paper's summary as the README shows it. ``markdown`` is sanitized and closed;
    ``missing`` names the sections an incomplete summary lacks and ``note`` says so in words
    (empty for a complete one)."""

    model: str
    extractive: bool
    incomplete: bool
    missing: tuple[str, ...]
    note: str
    markdown: Markup
    summary: Summary


@dataclass(frozen=True, slots=True)
class PaperView:
    """One ranked paper as the README shows it. Text fields are raw (the template escapes
    them); ``url`` is validated; ``score`` has one decimal; ``abstract`` is the excerpt;
    ``llm_relevance`` and ``llm_reason`` are the LLM rerank's judgement (None without one)."""

    rank: int
    title: str
    url: Markup
    authors: tuple[str, ...]
    category: str
    published: str
    score: str
    announce_type: str
    arxiv_id: str
    versioned_id: str
    abstract: str
    summary: SummaryView | None
    entry: DigestEntry
    llm_relevance: int | None = None
    llm_reason: str | None = None
    why: str | None = None  # ranked by meaning: the keywords and the nearest anchor


def _paper_view(entry: DigestEntry, digest: Digest, abstract_chars: int) -> PaperView:
    ranked = entry.ranked
    paper = ranked.paper
    category = paper.primary_category or next(iter(paper.categories), "unknown")
    return PaperView(
        rank=ranked.rank,
        title=one_line(paper.title) or paper.arxiv_id,
        url=Markup(abs_url(paper.arxiv_id)),  # a valid id, or one percent-encoded whole
        authors=tuple(one_line(author) for author in paper.authors),
        category=category,
        published=digest.announced_on.isoformat(),
        score=f"{ranked.score:.1f}",
        announce_type=ranked.announce_type.value,
        arxiv_id=paper.arxiv_id,
        versioned_id=paper.versioned_id,
        abstract=abstract_excerpt(paper.abstract, abstract_chars),
        summary=_summary_view(entry.summary),
        entry=entry,
        llm_relevance=ranked.explanation.rerank.relevance if ranked.explanation.rerank else None,
        llm_reason=one_line(ranked.explanation.rerank.reason)
        if ranked.explanation.rerank
        else None,
        why=one_line(ranked.explanation.brief() or "") or None,
    )


def _summary_view(summary: Summary | None) -> SummaryView | None:
    if summary is None or summary.status == SummaryStatus.FAILED:
        return None
    titles = SECTION_TITLES.get(summary.key.language, SECTION_TITLES["en"])
    # An extractive summary leaves out the sections the abstract has nothing for, by design:
    # that is no fault to flag (its label already says what it is).
    incomplete = summary.status == SummaryStatus.INCOMPLETE and not summary.extractive
    missing = (
        tuple(titles[n - 1] for n in summary.missing_sections if 1 <= n <= 4) if incomplete else ()
    )
    if missing:
        note = f"missing section{'s' if len(missing) > 1 else ''} {'; '.join(missing)}"
    else:
        note = "some sections are missing" if incomplete else ""
    return SummaryView(
        model=one_line(summary.model),
        extractive=summary.extractive,
        incomplete=incomplete,
        missing=missing,
        note=note,
        markdown=_contained_markdown(summary.markdown),
        summary=summary,
    )


_END = "arxiv-radar-end-of-summary"


@cache
def _block_parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


def _contained_markdown(text: str) -> Markup:
    """Sanitized summary Markdown that ends where it should: a code fence left open (an
    answer cut short) is closed, so it cannot swallow ``</details>`` and the papers below."""
    markdown = sanitize_markdown(text)
    with_math = _markdown_math(markdown)
    markdown = (with_math if is_safe_markdown(with_math) else markdown).strip("\n")
    for _ in range(3):
        tokens = _block_parser().parse(f"{markdown}\n\n{_END}\n")
        opener, last = tokens[-3:-1] if len(tokens) >= 3 else (None, None)
        if opener and last and opener.level == 0 and last.content == _END:
            return Markup(markdown)  # the line after the summary is a paragraph of its own
        fences = [token for token in tokens if token.type == "fence"]
        if not fences:
            break
        markdown = f"{markdown}\n{fences[-1].markup}"
    return escape_markdown(markdown)


def _context(digest: Digest, abstract_chars: int) -> dict[str, Any]:
    generated = digest.generated_at
    if generated.tzinfo is None:
        generated = generated.replace(tzinfo=dt.UTC)
    last_updated = generated.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    papers = [_paper_view(entry, digest, abstract_chars) for entry in digest.entries]
    context: dict[str, Any] = {
        "digest": digest,
        "title": one_line(digest.title),
        "description": _contained_markdown(digest.description),
        "base_url": _site_url(digest.base_url),
        "profile": digest.profile,
        "last_updated": last_updated,
        "announced_on": digest.announced_on.isoformat(),
        "papers_announced": digest.papers_announced,
        "papers_matched": digest.papers_matched,
        "papers_shown": len(papers),
        "categories": list(digest.categories),
        "keywords": list(digest.keywords),
        "schedule": describe_schedule(digest.schedule, digest.timezone) if digest.schedule else "",
        "cron": digest.schedule,
        "timezone": digest.timezone,
        "config_file": CONFIG_FILE,
        "papers": papers,
    }
    return context


def _add_placeholders(context: dict[str, Any], papers_section: Markup) -> None:
    context["papers_section"] = papers_section
    context["LAST_UPDATED"] = context["last_updated"]
    context["PAPER_COUNT"] = context["papers_shown"]
    context["CATEGORIES"] = escape_markdown(", ".join(context["categories"]))
    context["KEYWORDS"] = escape_markdown(", ".join(context["keywords"]))
    context["PAPERS_SECTION"] = papers_section


# -- rendering -----------------------------------------------------------------------------


def _finalize(value: object) -> str:
    """What ``{{ value }}`` prints: Markup as it is, None as nothing, the rest escaped."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return str(value)
    return str(escape_markdown(value))


def _environment(directory: Path | None = None) -> SandboxedEnvironment:
    package = jinja2.PackageLoader("arxiv_radar.publish", "templates")
    loaders: list[jinja2.BaseLoader] = [jinja2.PrefixLoader({"arxiv_radar": package})]
    if directory is not None:
        loaders.insert(0, jinja2.FileSystemLoader(directory))
    env = SandboxedEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=False,  # Markdown, not HTML: _finalize escapes instead
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        md=escape_markdown,
        tex=tex_markdown,
        html=escape_html,
        code=code_span,
        excerpt=lambda text, limit=300: abstract_excerpt(str(text), int(limit)),
    )
    return env


@cache
def _default_environment() -> SandboxedEnvironment:
    return _environment()


def _papers_section(env: jinja2.Environment, context: dict[str, Any]) -> Markup:
    template = env.get_template(DEFAULT_TEMPLATE)
    block = template.blocks["papers"]
    return Markup("".join(block(template.new_context(context))).strip("\n"))


def render_readme(
    digest: Digest, *, template: str | Path | None = None, abstract_chars: int = 300
) -> str:
    """The README.md of ``digest``: the built-in template, or the owner's ``template`` file
    (a Jinja2 template or an old-style ``README.template.md``; see the module docstring).

    Raises :class:`~arxiv_radar.errors.ConfigError` naming the file when ``template`` is
    missing, unreadable, has a syntax error or fails to render.
    """
    context = _context(digest, abstract_chars)
    if template is None:
        env = _default_environment()
        _add_placeholders(context, _papers_section(env, context))
        return env.get_template(DEFAULT_TEMPLATE).render(context)
    path = Path(template)
    text = _read_template(path)
    env = _environment(path.parent)
    _add_placeholders(context, _papers_section(_default_environment(), context))
    if _OLD_PLACEHOLDER.search(text) and not _JINJA_SYNTAX.search(_OLD_PLACEHOLDER.sub("", text)):
        return _OLD_PLACEHOLDER.sub(lambda match: str(context[match[1]]), text)
    try:
        return env.get_template(path.name).render(context)
    except jinja2.TemplateSyntaxError as exc:
        where = "" if exc.name in (None, path.name) else f" in '{exc.name}'"
        message = f"syntax error{where} on line {exc.lineno}: {exc.message}"
        raise _template_error(path, message) from None
    except jinja2.TemplateNotFound as exc:
        message = f"it refers to a template that does not exist: {exc.name}"
        raise _template_error(path, message) from None
    except jinja2.UndefinedError as exc:
        raise _template_error(path, f"it uses an undefined value ({exc.message})") from exc
    except Exception as exc:  # the owner's template code: any failure is a config error
        raise _template_error(path, f"it failed to render: {type(exc).__name__}: {exc}") from exc


def _read_template(path: Path) -> str:
    if not path.exists():
        raise _template_error(path, "template file not found")
    if not path.is_file():
        raise _template_error(path, "template is not a file")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise _template_error(path, f"template is not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise _template_error(path, f"template cannot be read ({exc.strerror})") from None


def _template_error(path: Path, message: str) -> ConfigError:
    return ConfigError(message, path=str(path), key=_TEMPLATE_KEY)
