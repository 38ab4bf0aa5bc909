"""The static site: today's papers, an archive by date, in-browser search and filters.

:func:`write_site` writes one :class:`~arxiv_radar.models.Digest` into a folder::

    index.html                 the newest day's papers (left as it is when an older day is written)
    data.json                  the same papers as data (schema below)
    archive/YYYY-MM-DD.html    this day's page; earlier days' pages stay as they were
    archive/index.html         every day that has a page, newest first
    assets/site.css            copied from the package
    assets/site.js             copied from the package: filters and searches the page's cards
    assets/math.js             copied from the package: typesets TeX with KaTeX
    assets/katex/              KaTeX 0.16 (its script, stylesheet, auto-render, woff2 fonts and
                               LICENSE), copied from the package
    assets/favicon.svg         copied from the package
    assets/feedback.js         copied from the package: 👍/👎 buttons, used only by the pages
                               ``arxiv-radar serve`` renders (``feedback_api``)

Each paper says, under "Feedback", the ``arxiv-radar feedback`` command that marks it up or
down for the digest's profile. Pages the server renders (``feedback_api``) also load
``feedback.js``, which turns that into 👍/👎 buttons for a reader holding the profile's token.

Papers are rendered into the HTML, so every page reads without JavaScript and from
``file://``; the scripts only show and hide cards and typeset TeX math (``$...$``,
``$$...$$``, ``\\(...\\)``, ``\\[...\\]``) in titles, TL;DRs, abstracts and summaries. KaTeX
works on the page's text nodes (auto-render), never on HTML, with ``trust: false``. No CDN,
no inline script: each page carries a Content-Security-Policy that allows scripts, styles and
fonts from the site's own files only.

Untrusted text (everything from arXiv or an LLM) is cleaned of control and bidi characters
(:func:`~arxiv_radar.text.plain.clean_text`, applied to every ``{{ value }}`` that is not
:class:`~markupsafe.Markup`) and escaped by Jinja2's autoescape; a summary's HTML comes only
from :func:`~arxiv_radar.text.sanitize.markdown_to_safe_html`; before that, the summary's math
spans (:mod:`arxiv_radar.text.tex`) are escaped so that Markdown renders them to exactly their
TeX, for KaTeX to find. Links to arXiv come from :mod:`arxiv_radar.text.links`.

Every file is rendered first and then written atomically
(:func:`~arxiv_radar.publish.files.write_atomic`: a temporary file in the same folder, then
:func:`os.replace`), so a failed run leaves the last good files in place.

``data.json`` is the digest as data: the same document as ``exports/digest.json``
(:class:`~arxiv_radar.schemas.DigestOut`, ``schema`` ``"arxiv-radar/digest"``, shown in
docs/publishing.md). Its text is cleaned, not escaped (escape it to show it); a summary's
``html`` is sanitized and safe to insert. ``<``, ``>``, ``&``, U+2028 and U+2029 in strings are
written as ``\\uXXXX`` escapes.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from arxiv_radar.models import AnnounceType, Digest, DigestEntry
from arxiv_radar.publish.files import write_atomic
from arxiv_radar.schemas import (
    DIGEST_SCHEMA,
    DIGEST_SCHEMA_VERSION,
    DigestOut,
    DigestPaperOut,
    dump_json,
)
from arxiv_radar.text.links import abs_url, pdf_url
from arxiv_radar.text.plain import clean_text
from arxiv_radar.text.sanitize import markdown_to_safe_html
from arxiv_radar.text.tex import markdown_segments

__all__ = [
    "DATA_SCHEMA",
    "DATA_VERSION",
    "SiteFiles",
    "asset_bytes",
    "asset_names",
    "paper_data",
    "site_data",
    "summary_html",
    "write_site",
]

logger = logging.getLogger(__name__)

DATA_SCHEMA = DIGEST_SCHEMA
"""The ``schema`` value of ``data.json``; its ``schema_version`` is :data:`DATA_VERSION`."""
DATA_VERSION = DIGEST_SCHEMA_VERSION

ASSETS = ("site.css", "site.js", "math.js", "favicon.svg", "feedback.js")
"""The site's own files in the package's ``static/``, copied into ``assets/``."""
KATEX = "katex"
"""The folder of ``static/`` holding KaTeX, copied whole into ``assets/katex/``."""
ARCHIVE_PAGE = re.compile(r"(\d{4}-\d{2}-\d{2})\.html")
_HEADING = re.compile(r"<(/?)h([1-6])>")
# The summary's headings start at this level: below the page's h1, h2 and each paper's h3.
_SUMMARY_TOP_HEADING = 4


@dataclass(frozen=True)
class SiteFiles:
    """What :func:`write_site` wrote, and the days the archive lists (newest first).

    ``front_page`` is the day ``index.html`` and ``data.json`` were written for, or ``None``
    when they were left as they were (a day newer than every digest given has a page).
    """

    written: tuple[Path, ...]
    days: tuple[dt.date, ...]
    front_page: dt.date | None


def write_site(
    digest: Digest,
    folder: Path,
    *,
    archive: Iterable[Digest | dt.date] | None = None,
    feedback_api: str | None = None,
) -> SiteFiles:
    """Write ``digest`` as a static site into ``folder`` (created if missing): the files of
    :func:`render_site`, written atomically one by one.

    Raises :class:`OSError` when a file cannot be written; files written before it stay,
    and ``index.html``, ``data.json`` and ``archive/index.html`` are written last.
    """
    rendered = render_site(digest, folder, archive=archive, feedback_api=feedback_api)
    for path, content in rendered.files:
        write_atomic(path, content)
    logger.info("site: wrote %d files to %s", len(rendered.files), folder)
    return SiteFiles(
        written=tuple(path for path, _ in rendered.files),
        days=rendered.days,
        front_page=rendered.front_page,
    )


@dataclass(frozen=True)
class RenderedSite:
    """The site's files rendered in memory, in writing order, with what they list."""

    files: tuple[tuple[Path, bytes], ...]
    days: tuple[dt.date, ...]
    front_page: dt.date | None


def render_site(
    digest: Digest,
    folder: Path,
    *,
    archive: Iterable[Digest | dt.date] | None = None,
    feedback_api: str | None = None,
) -> RenderedSite:
    """Render ``digest`` as a static site under ``folder`` without writing anything.

    ``archive`` names the earlier days the archive should list: their dates, or their
    digests (whose pages are then written again). Only days that have a page in
    ``archive/`` are listed, so no link is broken; a date without a page is logged and left
    out. ``None`` lists every page already in ``archive/``. The digest's own day is always
    listed. ``index.html`` and ``data.json`` show the newest day listed, and are left as
    they are when that day's page is on disk but its digest was not given (a backfill).

    ``feedback_api`` (the server's: ``api/feedback``, a path from the site's root) makes the
    day pages load ``assets/feedback.js``, which shows 👍/👎 buttons posting there to a
    reader holding the profile's token (docs/server.md); the static site has none.

    A template error raises before anything is written.
    """
    folder = Path(folder)
    archive_dir = folder / "archive"
    earlier = list(archive) if archive is not None else None
    digests = {item.announced_on: item for item in earlier or () if isinstance(item, Digest)}
    digests[digest.announced_on] = digest
    if earlier is None:
        wanted = set(_pages_on_disk(archive_dir))
    else:
        wanted = {item.announced_on if isinstance(item, Digest) else item for item in earlier}
    days = sorted(wanted | set(digests), reverse=True)
    missing = [day for day in days if day not in digests and not _page(archive_dir, day).exists()]
    if missing:
        logger.warning(
            "site archive: no page for %s; left out of the list",
            ", ".join(day.isoformat() for day in missing),
        )
        days = [day for day in days if day not in missing]
    newest = digests.get(days[0])

    env = _environment()
    # Everything is rendered before anything is written: a template error writes nothing.
    files = [(folder / "assets" / name, asset_bytes(name)) for name in asset_names()]
    for day in sorted(digests):
        html = _render_day(env, digests[day], root="../", feedback_api=feedback_api)
        files.append((_page(archive_dir, day), html))
    if newest is not None:
        files.append((folder / "data.json", dump_json(DigestOut.of(newest)).encode("utf-8")))
        files.append(
            (folder / "index.html", _render_day(env, newest, root="", feedback_api=feedback_api))
        )
    files.append((archive_dir / "index.html", _render_archive(env, newest or digest, days)))
    return RenderedSite(
        files=tuple(files),
        days=tuple(days),
        front_page=newest.announced_on if newest else None,
    )


# -- data ----------------------------------------------------------------------------------


def paper_data(entry: DigestEntry) -> dict[str, Any]:
    """One paper of ``data.json``: :class:`~arxiv_radar.schemas.DigestPaperOut`."""
    return DigestPaperOut.of_entry(entry).model_dump(mode="json")


def site_data(digest: Digest) -> dict[str, Any]:
    """The whole of ``data.json`` for ``digest``: :class:`~arxiv_radar.schemas.DigestOut`."""
    return DigestOut.of(digest).model_dump(mode="json", by_alias=True)


def summary_html(entry: DigestEntry) -> Markup:
    """The entry's summary as sanitized HTML, its headings moved below the paper's ``h3``."""
    if entry.summary is None or not entry.summary.markdown.strip():
        return Markup("")
    html = markdown_to_safe_html(_math_as_text(entry.summary.markdown))
    levels = [int(level) for _, level in _HEADING.findall(html)]
    if levels:
        shift = _SUMMARY_TOP_HEADING - min(levels)
        html = _HEADING.sub(lambda m: f"<{m[1]}h{min(int(m[2]) + shift, 6)}>", html)
    return Markup(html)  # sanitized by markdown_to_safe_html (nh3 allowlist)


_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")


def _math_as_text(markdown: str) -> str:
    """``markdown`` with the punctuation of its math spans backslash-escaped: Markdown renders
    each span to exactly its TeX (no emphasis made of ``a_1 * b_2``), for KaTeX to read."""
    parts: list[str] = []
    for segment in markdown_segments(markdown):
        if segment.kind == "math":
            fence = "$$" if segment.display else "$"
            parts.append(fence + _PUNCTUATION.sub(r"\\\g<0>", segment.tex) + fence)
        else:
            parts.append(segment.raw)
    return "".join(parts)


# -- rendering -----------------------------------------------------------------------------


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("arxiv_radar.publish", "site_templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_clean_printed,
    )
    env.globals.update(
        summary_html=summary_html,
        abs_url=abs_url,
        pdf_url=pdf_url,
        announce_types=[kind.value for kind in AnnounceType],
    )
    env.filters["long_date"] = _long_date
    env.filters["shell"] = shlex.quote
    return env


def _clean_printed(value: Any) -> Any:
    """Every printed value but Markup (sanitized HTML) loses control and bidi characters: a
    U+202E in a title must not reverse the text around it on the page."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return clean_text(value)
    return value


def _render_day(
    env: Environment, digest: Digest, *, root: str, feedback_api: str | None = None
) -> bytes:
    entries = digest.entries
    categories = sorted({c for entry in entries for c in entry.ranked.paper.categories})
    scores = [entry.ranked.score for entry in entries]
    html = env.get_template("day.html.j2").render(
        digest=digest,
        root=root,
        current="latest" if root == "" else "day",
        categories=categories,
        max_score=max(scores, default=0.0),
        generated=digest.generated_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        feedback_api=root + feedback_api if feedback_api else None,
    )
    return html.encode("utf-8")


def _render_archive(env: Environment, digest: Digest, days: Sequence[dt.date]) -> bytes:
    months: dict[str, list[dt.date]] = {}
    for day in days:
        months.setdefault(f"{_MONTHS[day.month - 1]} {day.year}", []).append(day)
    html = env.get_template("archive.html.j2").render(
        digest=digest,
        root="../",
        current="archive",
        latest=days[0] if days else None,
        day_count=len(days),
        months=list(months.items()),
    )
    return html.encode("utf-8")


def _long_date(day: dt.date) -> str:
    """``Monday, 27 April 2026`` (English, whatever the locale)."""
    return f"{_WEEKDAYS[day.weekday()]}, {day.day} {_MONTHS[day.month - 1]} {day.year}"


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)


# -- files ---------------------------------------------------------------------------------


def asset_names() -> tuple[str, ...]:
    """Every file :func:`write_site` copies into ``assets/``, as a path relative to it
    (``"site.css"``, ``"katex/fonts/KaTeX_Main-Regular.woff2"``, ...)."""
    return ASSETS + _files_under(KATEX)


@cache
def _files_under(folder: str) -> tuple[str, ...]:
    found: list[str] = []

    def walk(node: Traversable, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda item: item.name):
            if child.name.startswith((".", "__")):
                continue
            if child.is_dir():
                walk(child, f"{prefix}/{child.name}")
            elif child.is_file():
                found.append(f"{prefix}/{child.name}")

    walk(resources.files("arxiv_radar.publish").joinpath("static", folder), folder)
    return tuple(found)


def asset_bytes(name: str) -> bytes:
    """The content of the asset ``name`` (one of :func:`asset_names`)."""
    return resources.files("arxiv_radar.publish").joinpath("static", *name.split("/")).read_bytes()


def _page(archive_dir: Path, day: dt.date) -> Path:
    return archive_dir / f"{day.isoformat()}.html"


def _pages_on_disk(archive_dir: Path) -> list[dt.date]:
    days: list[dt.date] = []
    if archive_dir.is_dir():
        for path in archive_dir.iterdir():
            match = ARCHIVE_PAGE.fullmatch(path.name)
            if match:
                try:
                    days.append(dt.date.fromisoformat(match[1]))
                except ValueError:
                    continue
    return days
