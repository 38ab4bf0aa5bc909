"""The rank stage: a day's stored papers, ranked for a profile, scores written back.

``rank_day`` reads the papers announced on one day (in arXiv's listing order), ranks
them with the profile's scorer, and stores every paper's score and explanation
(dropped papers included, with the reason) in ``scores``. Nothing here prints.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from arxiv_radar.config import ProfileConfig
from arxiv_radar.errors import UsageError
from arxiv_radar.models import AnnounceType, Explanation, RankedPaper, StoredPaper
from arxiv_radar.rank import compile_profile
from arxiv_radar.rank.scoring import Candidate, Mode
from arxiv_radar.store import Store


@dataclass(frozen=True)
class DayRanking:
    """One profile's ranking of one announcement day."""

    day: dt.date
    profile: str
    mode: Mode
    considered: int
    ranked: list[RankedPaper]
    explanations: dict[str, Explanation]  # every considered paper, dropped ones included

    @property
    def kept(self) -> int:
        """Papers that passed the profile's filters (before the ``max_papers`` cut)."""
        return sum(1 for explanation in self.explanations.values() if explanation.kept)


def announce_type_on(stored: StoredPaper, day: dt.date) -> AnnounceType:
    """The paper's strongest announce type that day (new > cross > replace > replace-cross)."""
    types = [a.announce_type for a in stored.announcements if a.announced_on == day]
    if not types:
        raise ValueError(f"{stored.paper.arxiv_id} has no announcement on {day}")
    return min(types, key=lambda kind: kind.priority)


def candidates_for_day(store: Store, day: dt.date) -> list[Candidate]:
    """The day's papers as ranking candidates, positioned in arXiv's listing order."""
    return [
        Candidate(stored.paper, announce_type_on(stored, day), position)
        for position, stored in enumerate(store.papers_announced_on(day))
    ]


def resolve_day(store: Store, day: dt.date | None) -> dt.date:
    """``day``, or the latest announcement day in the store."""
    if day is not None:
        return day
    latest = store.latest_announcement_date()
    if latest is None:
        raise UsageError("the store holds no announcements yet: run `arxiv-radar fetch` first")
    return latest


def rank_day(
    store: Store,
    profile_name: str,
    profile: ProfileConfig,
    *,
    day: dt.date | None = None,
    mode: Mode | None = None,
    save: bool = True,
) -> DayRanking:
    """Rank the papers announced on ``day`` (default: the latest) and store the scores."""
    day = resolve_day(store, day)
    candidates = candidates_for_day(store, day)
    scorer = compile_profile(profile, mode=mode)
    ranked = scorer.rank(candidates)
    explanations = {item.paper.arxiv_id: item.explanation for item in ranked}
    for candidate in candidates:
        if candidate.paper.arxiv_id not in explanations:
            explanations[candidate.paper.arxiv_id] = scorer.explain(
                candidate.paper, candidate.announce_type
            )
    if save and candidates:
        store.save_scores(
            profile_name,
            [
                (c.paper.arxiv_id, c.paper.version, explanations[c.paper.arxiv_id])
                for c in candidates
            ],
        )
    return DayRanking(
        day=day,
        profile=profile_name,
        mode=scorer.mode,
        considered=len(candidates),
        ranked=ranked,
        explanations=explanations,
    )


def ranked_json(item: RankedPaper) -> dict[str, object]:
    """The JSON shape of ``arxiv-radar rank --json`` (documented in docs/cli.md)."""
    return {
        "rank": item.rank,
        "arxiv_id": item.paper.arxiv_id,
        "version": item.paper.version,
        "title": item.paper.title,
        "score": item.score,
        "announce_type": item.announce_type.value,
        "matches": [
            {
                "keyword": match.rule,
                "kind": match.kind,
                "where": match.where,
                "text": match.text,
                "weight": match.weight,
                "points": match.points,
            }
            for match in item.explanation.matches
        ],
    }
