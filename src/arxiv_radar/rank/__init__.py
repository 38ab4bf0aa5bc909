"""Ranking: score papers against a profile, explain every score, keep the best.

The engine is pure (no store, no I/O)::

    scorer = compile_profile(profile)                 # once per profile
    ranked = scorer.rank(candidates)                  # list[RankedPaper], best first
    why = scorer.explain(paper, AnnounceType.CROSS)   # Explanation, for any paper

or, in one call, :func:`rank_papers` and :func:`explain`. A candidate is
``(paper, announce_type, position)``: ``position`` is the paper's place in the order of
announcement and breaks ties (score, highest first; then position; then arXiv id).

Modes: ``keywords`` (:mod:`.keywords`: word-aware matching, weights, authors,
categories), ``legacy`` (:mod:`.legacy`: the old tool's substring scoring, exactly), and
``semantic`` and ``hybrid`` (:mod:`.semantic`: similarity of embeddings to the profile's
interests, seed papers and library, alone or added to the keyword score), which need
vectors and are built by :func:`arxiv_radar.rank.ranker.rank_day`.
"""

from __future__ import annotations

from collections.abc import Iterable

from arxiv_radar.config import ProfileConfig
from arxiv_radar.models import AnnounceType, Explanation, Match, Paper, RankedPaper
from arxiv_radar.rank.keywords import KeywordScorer
from arxiv_radar.rank.legacy import LegacyScorer
from arxiv_radar.rank.matching import word_forms
from arxiv_radar.rank.scoring import Candidate, Mode, Scorer, candidates_from_listing

__all__ = [
    "Candidate",
    "Explanation",
    "KeywordScorer",
    "LegacyScorer",
    "Match",
    "Mode",
    "RankedPaper",
    "Scorer",
    "candidates_from_listing",
    "compile_profile",
    "explain",
    "rank_papers",
    "word_forms",
]


def compile_profile(profile: ProfileConfig, *, mode: Mode | None = None) -> Scorer:
    """A scorer for ``profile``, in ``mode`` (default: the profile's own ``mode``)."""
    chosen = mode or profile.mode
    if chosen == "legacy":
        return LegacyScorer(profile)
    if chosen == "keywords":
        return KeywordScorer(profile)
    if chosen in ("semantic", "hybrid"):
        raise ValueError(
            f"mode {chosen!r} ranks with embeddings: build a rank.semantic.SemanticScorer "
            "(rank.ranker.rank_day does)"
        )
    raise ValueError(f"unknown ranking mode {chosen!r}")


def rank_papers(
    candidates: Iterable[tuple[Paper, AnnounceType, int]],
    profile: ProfileConfig,
    *,
    mode: Mode | None = None,
) -> list[RankedPaper]:
    """Rank ``candidates`` against ``profile`` (see :meth:`Scorer.rank`)."""
    return compile_profile(profile, mode=mode).rank(candidates)


def explain(
    paper: Paper,
    profile: ProfileConfig,
    *,
    announce_type: AnnounceType = AnnounceType.NEW,
    mode: Mode | None = None,
) -> Explanation:
    """Why ``paper`` scores what it does against ``profile``, or why it is dropped.

    ``max_papers`` is not a reason: it depends on the other papers.
    """
    return compile_profile(profile, mode=mode).explain(paper, announce_type)
