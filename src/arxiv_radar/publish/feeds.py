"""A digest as feeds: RSS 2.0 and Atom 1.0 (with feedgen) and JSON Feed 1.1.

Long on purpose: RSS, Atom and JSON Feed share every field helper; apart they would drift.

One item per ranked paper, in rank order:

- title: the paper's title, as plain text (whitespace collapsed);
- link / ``url``: ``https://arxiv.org/abs/<id>`` (always the latest version);
- guid / ``id``: ``https://arxiv.org/abs/<id>v<n>``, the version the digest ranked. It is a
  permalink (``isPermaLink="true"``: it resolves to that version for ever), so a new version
  of a paper is a new item while a re-run of the same day changes no id;
- published and updated: the announcement date, midnight America/New_York (as arXiv's own
  listing feeds date it);
- authors, and the paper's arXiv categories as feed categories (scheme
  :data:`CATEGORY_SCHEME`);
- rank, score and announce type: in the content, and as extension fields (RSS and Atom:
  elements in the :data:`NAMESPACE` namespace, prefix ``radar``; JSON Feed: an
  ``_arxiv_radar`` object);
- a short description (RSS ``description``, Atom ``summary``, JSON Feed ``summary``): the
  TL;DR, else the start of the abstract;
- the content (RSS ``content:encoded``, Atom ``content type="html"``, JSON Feed
  ``content_html``): authors, categories, score, announce type, TL;DR, abstract and summary.

Everything in a digest came from arXiv or an LLM and is untrusted. Plain text is made one
clean line (:func:`~arxiv_radar.text.plain.one_line`: no control or bidi characters) and
HTML-escaped wherever it becomes HTML; links to arXiv come from :mod:`arxiv_radar.text.links`;
a summary's Markdown is rendered with :func:`~arxiv_radar.text.sanitize.markdown_to_safe_html`
(no raw HTML, no images, only ``http(s)`` links). Titles and author names stay plain text.
Extractive summaries are labelled as such.

Self links come from ``digest.base_url`` joined with the feeds' paths under the site
(:data:`FEEDS_DIR`): ``feeds/rss.xml``, ``feeds/atom.xml``, ``feeds/feed.json`` and
``feeds/<category>.xml``. Without a base URL there are no self links (and the RSS channel
links to arXiv, as RSS requires a link). The same digest always renders to the same bytes:
the build date is ``digest.generated_at``.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem

from arxiv_radar.arxiv.calendar import ET
from arxiv_radar.arxiv.taxonomy import category_name
from arxiv_radar.models import Digest, DigestEntry, Paper, Summary, SummaryStatus
from arxiv_radar.publish.files import write_atomic
from arxiv_radar.text import links
from arxiv_radar.text.plain import one_line
from arxiv_radar.text.sanitize import markdown_to_safe_html

__all__ = [
    "ATOM_FILE",
    "CATEGORY_SCHEME",
    "FEEDS_DIR",
    "JSON_FEED_FILE",
    "JSON_FEED_VERSION",
    "NAMESPACE",
    "RSS_FILE",
    "category_file",
    "feed_entries",
    "render_atom",
    "render_json_feed",
    "render_rss",
    "write_feeds",
]

FEEDS_DIR = "feeds"
"""Where the feeds live under the site (and under ``base_url``)."""
RSS_FILE = "rss.xml"
ATOM_FILE = "atom.xml"
JSON_FEED_FILE = "feed.json"

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
NAMESPACE = "https://github.com/arxiv-radar/arxiv-radar/ns/feed/1.0"
"""XML namespace of the ``radar:`` extension elements (rank, score, announce type, ...)."""
CATEGORY_SCHEME = "https://arxiv.org/category_taxonomy"
"""The scheme (Atom) or domain (RSS) of the arXiv category of an item."""

_PROJECT_URL = "https://github.com/arxiv-radar/arxiv-radar"
_GENERATOR = "arxiv-radar"
_DEFAULT_DESCRIPTION = "New arXiv papers ranked by arxiv-radar."
_DESCRIPTION_CHARS = 300
_CATEGORY_FILE = re.compile(r"[A-Za-z][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)?")


# -- public API ------------------------------------------------------------------------------


def render_rss(digest: Digest, *, category: str | None = None) -> bytes:
    """The digest as RSS 2.0: every paper, or those listed in ``category``."""
    path = category_file(category) if category else RSS_FILE
    return bytes(_generator(digest, category, path).rss_str(pretty=True))


def render_atom(digest: Digest, *, category: str | None = None) -> bytes:
    """The digest as Atom 1.0: every paper, or those listed in ``category``.

    ``write_feeds`` writes the whole digest only; a category's Atom feed has no file of its
    own, so it has no self link.
    """
    path = None if category else ATOM_FILE
    return bytes(_generator(digest, category, path).atom_str(pretty=True))


def render_json_feed(digest: Digest, *, category: str | None = None) -> bytes:
    """The digest as JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/), UTF-8.

    Like :func:`render_atom`, a category's feed has no ``feed_url``.
    """
    entries = feed_entries(digest, category)
    feed: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": _feed_title(digest, category),
    }
    if digest.base_url:
        feed["home_page_url"] = _site_url(digest.base_url)
        if category is None:
            feed["feed_url"] = _site_url(digest.base_url, f"{FEEDS_DIR}/{JSON_FEED_FILE}")
    feed["description"] = _feed_description(digest, category)
    feed["_arxiv_radar"] = {
        "about": _PROJECT_URL,
        **_feed_fields(digest, category),
        "generated_at": _utc(digest.generated_at).isoformat(),
    }
    feed["items"] = [_json_item(digest, entry) for entry in entries]
    text = json.dumps(feed, ensure_ascii=False, indent=2) + "\n"
    return text.encode("utf-8")


def write_feeds(digest: Digest, folder: Path) -> list[Path]:
    """Write ``rss.xml``, ``atom.xml``, ``feed.json`` and ``<category>.xml`` (RSS) for every
    category in ``digest.categories`` into ``folder`` (the site's ``feeds/``), each atomically.

    Everything is rendered before anything is written, so a rendering error leaves the last
    good feeds in place; each file is written to a temporary file in ``folder`` and moved
    over the old one. Returns the paths written, in that order.
    """
    outputs: list[tuple[str, bytes]] = [
        (RSS_FILE, render_rss(digest)),
        (ATOM_FILE, render_atom(digest)),
        (JSON_FEED_FILE, render_json_feed(digest)),
    ]
    outputs += [
        (category_file(cat), render_rss(digest, category=cat))
        for cat in dict.fromkeys(digest.categories)
    ]
    folder.mkdir(parents=True, exist_ok=True)
    return [write_atomic(folder / name, data) for name, data in outputs]


def category_file(category: str) -> str:
    """The file name of a category's RSS feed (``cs.AI.xml``); a name that is no arXiv category
    id (and could leave the folder) raises :class:`ValueError`."""
    if not _CATEGORY_FILE.fullmatch(category):
        raise ValueError(f"not an arXiv category id, cannot name a feed file: {category!r}")
    return f"{category}.xml"


def feed_entries(digest: Digest, category: str | None = None) -> list[DigestEntry]:
    """The digest's entries in rank order: all of them, or the papers listed in ``category``."""
    entries = sorted(digest.entries, key=lambda entry: entry.ranked.rank)
    if category is None:
        return entries
    return [
        entry
        for entry in entries
        if category in entry.ranked.paper.categories
        or entry.ranked.paper.primary_category == category
    ]


# -- RSS and Atom (feedgen) ------------------------------------------------------------------


class _RadarExtension(BaseExtension):  # type: ignore[misc]
    """Feed-level ``radar:`` elements (announcement date, profile, category)."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    def extend_ns(self) -> dict[str, str]:
        return {"radar": NAMESPACE}

    def extend_rss(self, feed: Any) -> Any:
        _add_fields(feed.find("channel"), self.fields)
        return feed

    def extend_atom(self, feed: Any) -> Any:
        _label_categories(feed)
        _add_fields(feed, self.fields)
        return feed


class _RadarEntryExtension(BaseEntryExtension):  # type: ignore[misc]
    """Item-level ``radar:`` elements (rank, score, announce type, summary kind); in Atom also
    the PDF link (feedgen 1.0 drops the ``rel`` of an entry's links) and category labels."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}
        self.pdf_url: str | None = None

    def extend_rss(self, item: Any) -> Any:
        _add_fields(item, self.fields)
        return item

    def extend_atom(self, entry: Any) -> Any:
        if self.pdf_url:
            link = xml_elem("link", href=self.pdf_url, rel="related", type="application/pdf")
            _insert_after_last(entry, "link", link)
        _label_categories(entry)
        _add_fields(entry, self.fields)
        return entry


def _label_categories(parent: Any) -> None:
    """Give Atom categories their human names (feedgen would put a label into RSS's text)."""
    for element in parent.iterfind("category"):
        element.set("label", one_line(category_name(element.get("term", ""))))


def _insert_after_last(parent: Any, tag: str, element: Any) -> None:
    """Put ``element`` after ``parent``'s last ``tag`` child (at the end if it has none)."""
    found = list(parent.iterfind(tag))
    if found:
        found[-1].addnext(element)
    else:
        parent.append(element)


def _add_fields(parent: Any, fields: dict[str, str]) -> None:
    for name, value in fields.items():
        xml_elem(f"{{{NAMESPACE}}}{name}", parent).text = value


def _generator(digest: Digest, category: str | None, path: str | None) -> FeedGenerator:
    """A feedgen feed of the digest; ``path`` is the feed's file under :data:`FEEDS_DIR`
    (its self link, when the digest has a base URL)."""
    fg = FeedGenerator()
    fg.register_extension("radar", _RadarExtension, _RadarEntryExtension)
    fg.load_extension("dc", atom=False)  # RSS authors: <dc:creator> (<author> is an e-mail)
    fg.radar.fields = {
        key: str(value) for key, value in _feed_fields(digest, category).items() if value
    }
    fg.title(_feed_title(digest, category))
    fg.subtitle(_feed_description(digest, category))
    fg.id(_feed_id(digest, category, path))
    if digest.base_url and path:
        fg.link(href=_site_url(digest.base_url, f"{FEEDS_DIR}/{path}"), rel="self")
    # The channel's <link> is the last link given: the site, else arXiv's listing.
    fg.link(href=_home_url(digest, category), rel="alternate")
    fg.generator(_GENERATOR, uri=_PROJECT_URL)
    fg.updated(_utc(digest.generated_at))  # Atom <updated>, RSS <lastBuildDate>
    fg.pubDate(_announced_at(digest))
    if category:
        fg.category(term=category, scheme=CATEGORY_SCHEME)
    entries = feed_entries(digest, category)
    if any(not entry.ranked.paper.authors for entry in entries):
        fg.author(name=_feed_title(digest, category))  # Atom: an entry needs an author
    for entry in entries:
        _add_entry(fg, digest, entry)
    return fg


def _add_entry(fg: FeedGenerator, digest: Digest, entry: DigestEntry) -> None:
    paper = entry.ranked.paper
    item: FeedEntry = fg.add_entry(order="append")
    item.title(_title(paper))
    item.guid(_item_id(paper), permalink=True)
    item.link(href=links.abs_url(paper.arxiv_id), rel="alternate")
    announced = _announced_at(digest)
    item.published(announced)
    item.updated(announced)
    item.pubDate(announced)
    authors = [one_line(author) for author in paper.authors if one_line(author)]
    if authors:
        item.author([{"name": author} for author in authors])  # Atom: one <author> each
        item.dc.dc_creator(", ".join(authors))  # RSS: one list, as arXiv's own feeds write it
    for cat in _categories(paper):
        item.category(term=cat, scheme=CATEGORY_SCHEME)
    # Atom <content type="html"> and RSS <content:encoded>; then the short text.
    item.content(_item_html(entry), type="html")
    item.summary(html.escape(_short_text(entry), quote=False), type="html")
    item.radar.fields = _entry_fields(entry)
    item.radar.pdf_url = _pdf_url(paper)


# -- JSON Feed -----------------------------------------------------------------------------------


def _json_item(digest: Digest, entry: DigestEntry) -> dict[str, Any]:
    paper = entry.ranked.paper
    item: dict[str, Any] = {
        "id": _item_id(paper),
        "url": links.abs_url(paper.arxiv_id),
        "title": _title(paper),
        "content_html": _item_html(entry),
        "summary": _short_text(entry),
    }
    announced = _announced_at(digest).isoformat()
    item["date_published"] = announced
    item["date_modified"] = announced
    authors = [one_line(author) for author in paper.authors if one_line(author)]
    if authors:
        item["authors"] = [{"name": author} for author in authors]
    item["tags"] = _categories(paper)
    summary = entry.summary
    item["_arxiv_radar"] = {
        "arxiv_id": paper.arxiv_id,
        "version": paper.version,
        "rank": entry.ranked.rank,
        "score": entry.ranked.score,
        "announce_type": entry.ranked.announce_type.value,
        "primary_category": one_line(paper.primary_category) or None,
        "pdf_url": _pdf_url(paper),
        "summary": None
        if summary is None
        else {
            "model": one_line(summary.model),
            "extractive": summary.extractive,
            "status": summary.status.value,
            "tldr": one_line(summary.tldr) or None,
        },
    }
    return item


# -- the item's text and HTML --------------------------------------------------------------------


def _item_html(entry: DigestEntry) -> str:
    """The item's content: every untrusted string escaped, the summary sanitized."""
    ranked, paper, summary = entry.ranked, entry.ranked.paper, entry.summary
    parts: list[str] = []
    if paper.authors:
        authors = ", ".join(one_line(author) for author in paper.authors)
        parts.append(f"<p><strong>Authors:</strong> {_esc(authors)}</p>")
    categories = ", ".join(
        f"<strong>{_esc(cat)}</strong>" if cat == paper.primary_category else _esc(cat)
        for cat in _categories(paper)
    )
    facts = [
        f"<strong>Rank:</strong> {ranked.rank}",
        f"<strong>Score:</strong> {ranked.score:g}",
        f"<strong>Announce type:</strong> {_esc(ranked.announce_type.value)}",
    ]
    if categories:
        facts.append(f"<strong>Categories:</strong> {categories}")
    facts.append(
        f'<strong>arXiv:</strong> <a href="{_esc(_item_id(paper))}">{_esc(paper.versioned_id)}</a>'
        f' (<a href="{_esc(_pdf_url(paper))}">PDF</a>)'
    )
    parts.append(f"<p>{' · '.join(facts)}</p>")
    if summary is not None and summary.tldr:
        label = "TL;DR (extractive)" if summary.extractive else "TL;DR"
        parts.append(f"<p><strong>{label}:</strong> {_esc(one_line(summary.tldr))}</p>")
    if paper.abstract:
        parts.append(f"<h3>Abstract</h3>\n<p>{_esc(one_line(paper.abstract))}</p>")
    if summary is not None and summary.markdown.strip():
        parts.append(f"<h3>{_summary_label(summary)}</h3>")
        parts.append(markdown_to_safe_html(summary.markdown).strip())
    return "\n".join(parts)


def _summary_label(summary: Summary) -> str:
    """The summary's heading (HTML): extractive or which model wrote it, and if incomplete."""
    if summary.extractive:
        label = "Summary (extractive: sentences from the abstract, not written by a model)"
    else:
        label = f"AI summary ({_esc(one_line(summary.model))})"
    if summary.status == SummaryStatus.INCOMPLETE:
        label += " (incomplete)"
    return label


def _short_text(entry: DigestEntry) -> str:
    """Plain text for a feed's short description: the TL;DR, else the abstract's start."""
    summary = entry.summary
    if summary is not None and summary.tldr and one_line(summary.tldr):
        tldr = one_line(summary.tldr)
        return f"TL;DR (extractive): {tldr}" if summary.extractive else f"TL;DR: {tldr}"
    abstract = one_line(entry.ranked.paper.abstract)
    if len(abstract) <= _DESCRIPTION_CHARS:
        return abstract or _title(entry.ranked.paper)
    cut = abstract[: _DESCRIPTION_CHARS - 1]
    space = cut.rfind(" ", int(len(cut) * 0.7))
    return (cut[:space] if space > 0 else cut).rstrip() + "…"


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _title(paper: Paper) -> str:
    return one_line(paper.title) or paper.versioned_id


def _categories(paper: Paper) -> list[str]:
    """The paper's categories, primary first, each once."""
    found = [paper.primary_category] if paper.primary_category else []
    return [one_line(cat) for cat in dict.fromkeys([*found, *paper.categories]) if one_line(cat)]


# -- identifiers, links and dates ------------------------------------------------------------


def _item_id(paper: Paper) -> str:
    """The item's stable id: the abstract page of this version (a permalink)."""
    return links.abs_url(paper.arxiv_id, paper.version)


def _pdf_url(paper: Paper) -> str:
    return links.pdf_url(paper.arxiv_id, paper.version)


def _site_url(base_url: str, path: str = "") -> str:
    """``path`` under the site at ``base_url`` (which may or may not end with ``/``)."""
    return base_url.rstrip("/") + "/" + path


def _home_url(digest: Digest, category: str | None) -> str:
    if digest.base_url:
        return _site_url(digest.base_url)
    if category:
        return links.listing_url(category)
    return links.ARXIV


def _feed_id(digest: Digest, category: str | None, path: str | None) -> str:
    """The Atom feed id: its own URL when known, else a URN stable across days."""
    if digest.base_url and path:
        return _site_url(digest.base_url, f"{FEEDS_DIR}/{path}")
    profile = quote(one_line(digest.profile) or "default", safe="")
    return f"urn:arxiv-radar:{profile}:{quote(category, safe='') if category else 'all'}"


def _feed_title(digest: Digest, category: str | None) -> str:
    title = one_line(digest.title) or "arXiv Radar"
    return f"{title} · {one_line(category)}" if category else title


def _feed_description(digest: Digest, category: str | None) -> str:
    description = one_line(digest.description) or _DEFAULT_DESCRIPTION
    if category:
        name = one_line(category_name(category))
        return f"{description} Papers in {one_line(category)} ({name})."
    return description


def _feed_fields(digest: Digest, category: str | None) -> dict[str, str | None]:
    return {
        "announced_on": digest.announced_on.isoformat(),
        "profile": one_line(digest.profile),
        "category": category,
    }


def _entry_fields(entry: DigestEntry) -> dict[str, str]:
    """An item's ``radar:`` elements (the JSON Feed ``_arxiv_radar`` object, flattened)."""
    ranked, paper, summary = entry.ranked, entry.ranked.paper, entry.summary
    fields = {
        "arxiv_id": paper.arxiv_id,
        "version": str(paper.version),
        "rank": str(ranked.rank),
        "score": f"{ranked.score:g}",
        "announce_type": ranked.announce_type.value,
    }
    if one_line(paper.primary_category):
        fields["primary_category"] = one_line(paper.primary_category)
    if summary is not None:
        fields["summary_model"] = one_line(summary.model)
        fields["summary_extractive"] = str(summary.extractive).lower()
        fields["summary_status"] = summary.status.value
    return fields


def _announced_at(digest: Digest) -> dt.datetime:
    """The announcement date as arXiv's listing feeds date it: midnight America/New_York."""
    return dt.datetime.combine(digest.announced_on, dt.time(0), tzinfo=ET)


def _utc(moment: dt.datetime) -> dt.datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
