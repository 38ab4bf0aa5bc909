"""What the server tests expect of the demo store, worked out from the demo day's feed itself.

The server tests serve a store that the pipeline filled from the demo day
(``arxiv_radar/demo/day.xml``) with the default profile cut to :data:`MAX_PAPERS` papers, so
that the day has papers shown, papers kept but not shown, and papers dropped. The figures the
tests check (how many were announced, matched and shown, which papers in which order, which
category has none shown) are derived here from the feed's items with the ranking rules of
docs/configuration.md read plainly, not from the ranker's output:

* only ``new`` and ``cross`` items are ranked (the default ``announce_types``);
* a default keyword (case, spaces and hyphens ignored; "framework" and "Framework" are one)
  scores 1 when it is a whole word of the title or abstract, in the singular or with a
  plural "s"/"es", plus the 0.5 title bonus when it is in the title;
* a paper with no keyword is dropped; the others are ranked by score, ties in feed order,
  and the first :data:`MAX_PAPERS` are shown.

That reading is simpler than arxiv-radar's matcher (no other word forms), yet on this day it
gives every paper the score the ranker gives it: ``test_the_expectations_match_the_ranking``
(shown papers) and ``test_api_paper_detail`` (the others) check that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from lxml import etree

from arxiv_radar.config import DEFAULT_KEYWORDS

MAX_PAPERS = 10
"""``max_papers`` of the server tests' profile: fewer than the day's matched papers."""

RANKED_TYPES = ("new", "cross")
TITLE_BONUS = 0.5
SUMMARIZED = 5
"""The extractive summaries the run makes (``summaries.max_papers``' default): the top 5."""

_ARXIV = "{http://arxiv.org/schemas/atom}"


@dataclass(frozen=True)
class DemoStore:
    """A store the pipeline filled from the demo day (the ``demo_store`` fixture): read it or
    copy it, never write it."""

    backend: str  # "sqlite" or "postgresql"
    url: str
    output: Path  # what the run published: feeds/, site/, ...


_KEYWORDS = sorted(
    {" ".join(keyword.lower().replace("-", " ").split()) for keyword in DEFAULT_KEYWORDS}
)


@dataclass(frozen=True)
class Record:
    """One item of the demo day's feed, as the feed gives it."""

    position: int
    arxiv_id: str
    version: int
    announce_type: str
    categories: tuple[str, ...]
    title: str
    abstract: str

    @property
    def versioned_id(self) -> str:
        return f"{self.arxiv_id}v{self.version}"


def _records() -> tuple[Record, ...]:
    feed = resources.files("arxiv_radar.demo").joinpath("day.xml").read_bytes()
    records = []
    for position, item in enumerate(etree.fromstring(feed).iter("item")):

        def text(tag: str, item: etree._Element = item) -> str:
            found = item.findtext(tag)
            assert found is not None, tag
            return str(found)

        arxiv_id, version = text("guid").rsplit(":", 1)[1].split("v")
        records.append(
            Record(
                position=position,
                arxiv_id=arxiv_id,
                version=int(version),
                announce_type=text(f"{_ARXIV}announce_type"),
                categories=tuple(str(category.text) for category in item.iter("category")),
                title=text("title"),
                abstract=text("description").split("Abstract:", 1)[1],
            )
        )
    return tuple(records)


def _found(keyword: str, text: str) -> bool:
    words = r"[\s\-]+".join(re.escape(word) for word in keyword.split())
    return re.search(rf"(?<![^\W_]){words}(?:s|es)?(?![^\W_])", text, re.IGNORECASE) is not None


def score(record: Record) -> float | None:
    """The record's score, or None when it is dropped (announce type, or no keyword)."""
    if record.announce_type not in RANKED_TYPES:
        return None
    found = [k for k in _KEYWORDS if _found(k, record.title) or _found(k, record.abstract)]
    if not found:
        return None
    return len(found) + TITLE_BONUS * sum(_found(k, record.title) for k in found)


RECORDS = _records()
"""The demo day's items in feed order."""

MATCHED = tuple(
    sorted(
        (r for r in RECORDS if score(r) is not None),
        key=lambda r: (-(score(r) or 0.0), r.position),
    )
)
"""The ranked papers, best first."""

SHOWN = MATCHED[:MAX_PAPERS]
KEPT_NOT_SHOWN = MATCHED[MAX_PAPERS:]
DROPPED = tuple(r for r in RECORDS if score(r) is None)


def in_category(records: tuple[Record, ...], category: str) -> tuple[Record, ...]:
    """The records listed in ``category`` (primary or cross-list), in the given order."""
    return tuple(r for r in records if category in r.categories)


SHOWN_CATEGORY = "cs.LG"
"""A followed category with several papers shown (the category feed tests use it)."""

EMPTY_CATEGORY = "cs.DC"
"""A followed category whose only paper of the day is kept but not shown: its feed is empty."""
