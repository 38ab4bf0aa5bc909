"""What every ranking mode shares: candidates, the scorer interface and the ordering.

A :class:`Scorer` is built once per profile. :meth:`Scorer.score` is the fast path
(a number, or None for a paper the profile drops); :meth:`Scorer.explain` gives the full
:class:`~arxiv_radar.models.Explanation`, for any paper. Both come from the same
computation, so a ranked paper's score is always its explanation's total.
"""

from __future__ import annotations

import heapq
from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Literal, NamedTuple

from arxiv_radar.config import ProfileConfig
from arxiv_radar.models import AnnounceType, Explanation, ListingEntry, Paper, RankedPaper

__all__ = ["SEMANTIC_MODES", "Candidate", "Mode", "Scorer", "candidates_from_listing", "points"]

Mode = Literal["keywords", "legacy", "semantic", "hybrid"]
SEMANTIC_MODES: tuple[Mode, ...] = ("semantic", "hybrid")
"""Modes that rank by embeddings (:mod:`arxiv_radar.rank.semantic`)."""


class Candidate(NamedTuple):
    """A paper to rank, how it was announced, and where in the announcements it came.

    ``position`` orders papers with equal scores (lower first), so it should follow the
    order arXiv announced them in (for example the order of the listing feeds, read one
    category after another, as the old tool did).
    """

    paper: Paper
    announce_type: AnnounceType
    position: int


def candidates_from_listing(entries: Iterable[ListingEntry]) -> list[Candidate]:
    """Candidates in listing order (position = index)."""
    return [
        Candidate(entry.paper, entry.announcement.announce_type, position)
        for position, entry in enumerate(entries)
    ]


def points(value: float) -> float:
    """A score rounded so that equal sums of weights compare equal (0.1 + 0.2 == 0.3)."""
    return round(value, 9) + 0.0  # + 0.0 turns -0.0 into 0.0


def _distinct(
    candidates: Iterable[tuple[Paper, AnnounceType, int]],
) -> list[Candidate]:
    """One candidate per arXiv id: the strongest announce type, then the lowest position."""
    best: dict[str, Candidate] = {}
    for candidate in candidates:
        paper, announce_type, position = candidate
        if type(announce_type) is not AnnounceType:
            announce_type = AnnounceType(announce_type)
            candidate = Candidate(paper, announce_type, position)
        elif type(candidate) is not Candidate:
            candidate = Candidate(paper, announce_type, position)
        seen = best.setdefault(paper.arxiv_id, candidate)  # reused as is: no new tuple
        if seen is not candidate:
            if (announce_type.priority, position) < (seen.announce_type.priority, seen.position):
                best[paper.arxiv_id] = candidate
    return list(best.values())


class Scorer(ABC):
    """Scores papers against one profile; build it once, use it for many papers."""

    mode: Mode

    def __init__(self, profile: ProfileConfig) -> None:
        self.profile = profile

    @abstractmethod
    def score(self, paper: Paper, announce_type: AnnounceType) -> float | None:
        """The paper's score, or None when the profile drops it (fast, no explanation)."""

    @abstractmethod
    def explain(self, paper: Paper, announce_type: AnnounceType = AnnounceType.NEW) -> Explanation:
        """The paper's score, component by component, and why it is dropped if it is."""

    def rank(self, candidates: Iterable[tuple[Paper, AnnounceType, int]]) -> list[RankedPaper]:
        """The profile's ranking of ``candidates`` (``(paper, announce type, position)``).

        Dropped papers are left out; the rest are sorted by score (highest first), then
        position (lowest first), then arXiv id, and cut after ``max_papers``. A paper given
        more than once is ranked once, with its strongest announce type (new > cross >
        replace > replace-cross) and, among equals, its lowest position.
        """
        distinct = _distinct(candidates)
        score = self.score
        kept: list[tuple[float, int, str, int]] = []
        keep = kept.append
        for index, (paper, announce_type, position) in enumerate(distinct):
            value = score(paper, announce_type)
            if value is not None:
                keep((-value, position, paper.arxiv_id, index))
        # The last item, unique, keeps candidates themselves out of comparisons, and makes
        # the best ``max_papers`` the same whichever way they are picked.
        best = heapq.nsmallest(self.profile.max_papers, kept)
        ranked = []
        for rank, (*_, index) in enumerate(best, start=1):
            paper, announce_type, _ = distinct[index]
            explanation = self.explain(paper, announce_type)
            ranked.append(
                RankedPaper(
                    rank=rank,
                    paper=paper,
                    announce_type=announce_type,
                    score=explanation.total,
                    explanation=explanation,
                )
            )
        return ranked
