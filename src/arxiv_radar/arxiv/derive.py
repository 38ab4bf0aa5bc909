"""Announcements for papers found outside the daily listing (export API, OAI-PMH).

The listing feed says how each paper was announced (``new``, ``cross``, ``replace``,
``replace-cross``). A paper found through the export API or OAI-PMH carries no such label;
:func:`derive_announcement` applies the listing's own rules (FACTS §3) to the paper's
version and categories, relative to the categories a reader follows:

=========  ==========================  ===================
version    primary category followed   announce type
=========  ==========================  ===================
v1         yes                         ``new``
v1         no (a cross-list followed)  ``cross``
v2+        yes                         ``replace``
v2+        no (a cross-list followed)  ``replace-cross``
any        no category followed        no announcement
=========  ==========================  ===================

A followed archive (``cs``, ``hep-th``) covers its subject classes (``cs.AI``), as the
listing feed of an archive does. A paper whose primary category is unknown (``oai_dc``
records do not mark it) is judged by its first category.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator

from arxiv_radar.models import Announcement, AnnounceType, ListingEntry, Paper

__all__ = ["derive_announcement", "derive_listing", "is_followed"]


def is_followed(category: str, followed: Collection[str]) -> bool:
    """Whether ``category`` is followed directly or through its archive (``cs`` -> ``cs.AI``)."""
    return category in followed or category.partition(".")[0] in followed


def derive_announcement(
    paper: Paper, followed: Collection[str], announced_on: dt.date, *, feed: str = "api"
) -> Announcement | None:
    """How ``paper`` appears in the listing of the ``followed`` categories (None: it doesn't)."""
    followed = frozenset(followed)
    primary = paper.primary_category or (paper.categories[0] if paper.categories else None)
    listed_in = {*paper.categories, *([primary] if primary else [])}
    if not any(is_followed(category, followed) for category in listed_in):
        return None
    primary_followed = primary is not None and is_followed(primary, followed)
    if paper.version == 1:
        kind = AnnounceType.NEW if primary_followed else AnnounceType.CROSS
    else:
        kind = AnnounceType.REPLACE if primary_followed else AnnounceType.REPLACE_CROSS
    return Announcement(
        arxiv_id=paper.arxiv_id,
        version=paper.version,
        announced_on=announced_on,
        announce_type=kind,
        feed=feed,
    )


def derive_listing(
    papers: Iterable[Paper], followed: Collection[str], announced_on: dt.date, *, feed: str = "api"
) -> Iterator[ListingEntry]:
    """:func:`derive_announcement` over many papers; papers in no followed category are left out."""
    followed = frozenset(followed)
    for paper in papers:
        announcement = derive_announcement(paper, followed, announced_on, feed=feed)
        if announcement is not None:
            yield ListingEntry(paper=paper, announcement=announcement)
