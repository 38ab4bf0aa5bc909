"""Assemble the :class:`~arxiv_radar.models.Digest` every output renders.

A digest is one profile's ranking of one announcement day, cut to ``max_papers``, each paper
with the summary the store holds for it (the newest for its version), plus what the page
says about the configuration: title, categories, keywords and the schedule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from arxiv_radar.config import Config, KeywordRule
from arxiv_radar.models import Digest, DigestEntry, RankedPaper, Summary, SummaryStatus
from arxiv_radar.store import Store

__all__ = ["keyword_labels", "make_digest", "summaries_for"]


def keyword_labels(keywords: Sequence[str | KeywordRule]) -> tuple[str, ...]:
    """How the profile's keywords are shown: the term, a rule's label, or ``/regex/``."""
    labels: list[str] = []
    for keyword in keywords:
        if isinstance(keyword, str):
            labels.append(keyword)
        elif keyword.label:
            labels.append(keyword.label)
        elif keyword.term:
            labels.append(keyword.term)
        else:
            labels.append(f"/{keyword.regex}/")
    return tuple(dict.fromkeys(labels))


def summaries_for(store: Store, ranked: Sequence[RankedPaper]) -> dict[str, Summary]:
    """The newest usable summary of each ranked paper's own version (failed ones left out)."""
    found = store.latest_summaries(item.paper.arxiv_id for item in ranked)
    versions = {item.paper.arxiv_id: item.paper.version for item in ranked}
    return {
        arxiv_id: summary
        for arxiv_id, summary in found.items()
        if summary.key.version == versions[arxiv_id] and summary.status != SummaryStatus.FAILED
    }


def make_digest(
    config: Config,
    *,
    announced_on: dt.date,
    ranked: Sequence[RankedPaper],
    summaries: Mapping[str, Summary] | None = None,
    profile: str | None = None,
    papers_announced: int | None = None,
    papers_matched: int | None = None,
    generated_at: dt.datetime | None = None,
    notice: str | None = None,
) -> Digest:
    """The digest of ``ranked`` (already cut to the profile's ``max_papers``).

    ``papers_announced`` and ``papers_matched`` default to the number of ``ranked`` papers.
    ``notice``: a paragraph every page shows above the papers (see :class:`Digest`).
    """
    summaries = summaries or {}
    named = config.named_profile(profile)
    profile_config, name = named.settings, named.name
    entries = tuple(
        DigestEntry(ranked=item, summary=summaries.get(item.paper.arxiv_id)) for item in ranked
    )
    publish = config.publish
    return Digest(
        announced_on=announced_on,
        generated_at=(generated_at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC),
        profile=name,
        title=publish.title,
        description=publish.description,
        base_url=publish.base_url,
        categories=tuple(config.arxiv.categories),
        keywords=keyword_labels(profile_config.keywords),
        schedule=publish.schedule,
        timezone=publish.timezone,
        papers_announced=len(ranked) if papers_announced is None else papers_announced,
        papers_matched=len(ranked) if papers_matched is None else papers_matched,
        entries=entries,
        notice=notice or None,
    )
