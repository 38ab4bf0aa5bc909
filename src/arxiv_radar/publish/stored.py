"""Publishing a profile's day in the store: what a reader's profile gets, since the server
renders its feeds from the store (``/u/{feed token}/rss``) rather than from files.

:func:`publish_in_store` records a publication of (profile, day) once the day's ranking is
current and when something changed since the last one (a new ranking, a newer summary of a
paper it shows): its time is the date the reader's feeds give the day. Called again with
nothing new it records nothing, so a task done twice (a worker killed after the write) or a
second run of the day leaves the feeds' dates, and their ETags, as they were.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from arxiv_radar.config import ProfileConfig
from arxiv_radar.publish.digest import summaries_for
from arxiv_radar.rank.ranker import candidates_for_day, ranking_target
from arxiv_radar.rank.scoring import Candidate
from arxiv_radar.store import Store
from arxiv_radar.store.publications import Publication

__all__ = ["PublicationState", "publication_state", "publish_in_store"]


@dataclass(frozen=True)
class PublicationState:
    """Where a profile's day stands: ``ranked`` (its current ranking is stored), the papers
    it shows, the newest of its ranking and the summaries of those papers (``changed``), and
    the last publication of the day (None: none)."""

    ranked: bool
    papers: int = 0
    changed: dt.datetime | None = None
    last: Publication | None = None

    @property
    def due(self) -> bool:
        """Whether a new publication is to be recorded (ranked, and changed since the last)."""
        if not self.ranked or self.changed is None:
            return False
        return self.last is None or self.last.published_at < self.changed

    def done_by(self, publication: Publication) -> bool:
        """Whether ``publication`` publishes this state (made at ``changed`` or later)."""
        return self.changed is not None and publication.published_at >= self.changed


def publication_state(
    store: Store,
    name: str,
    profile: ProfileConfig,
    day: dt.date,
    *,
    base: Path | None = None,
    candidates: list[Candidate] | None = None,
) -> PublicationState:
    """The :class:`PublicationState` of ``name``'s ``day`` (``candidates``: the day's papers,
    when read already)."""
    candidates = candidates_for_day(store, day) if candidates is None else candidates
    target = ranking_target(store, name, profile, candidates, base=base)
    ranking = store.ranking(name, day, target.key)
    if ranking is None or ranking.papers_hash != target.fingerprint:
        return PublicationState(ranked=False)
    shown = [entry.arxiv_id for entry in ranking.entries if entry.rank is not None]
    papers = {arxiv_id: found.paper for arxiv_id, found in store.get_papers(shown).items()}
    ranked = ranking.ranked(papers)
    times = [s.created_at for s in summaries_for(store, ranked).values() if s.created_at]
    last = next((p for p in store.publications(name, limit=1, day=day) if p.profile == name), None)
    return PublicationState(True, len(ranked), max([ranking.computed_at, *times]), last)


def publish_in_store(
    store: Store,
    name: str,
    profile: ProfileConfig,
    day: dt.date,
    *,
    base: Path | None = None,
    candidates: list[Candidate] | None = None,
) -> Publication | None:
    """Record that ``name``'s ranking of ``day`` is published (see the module docstring);
    the publication, new or the last one when nothing changed, or None when the store has no
    current ranking of the day for ``profile`` (rank it first). ``candidates``: the day's
    papers, when read already (one read for many profiles)."""
    state = publication_state(store, name, profile, day, base=base, candidates=candidates)
    if not state.ranked:
        return None
    if not state.due:
        return state.last
    return store.record_publication(
        day, name, output=None, output_resolved=None, papers=state.papers, files=[]
    )
