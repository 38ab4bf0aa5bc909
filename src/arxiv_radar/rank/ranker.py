"""The rank stage: a day's stored papers, ranked for a profile, once, and stored.

``rank_day`` reads the papers announced on one day (in arXiv's listing order). When the
store holds a ranking of that day for the profile's ranking configuration (the ``rankings``
read model, keyed by :func:`~arxiv_radar.store.rankings.config_hash`) and the day's papers
are still those it ranked, that ranking is returned as stored: nothing is scored. Otherwise
the papers are ranked with the profile's scorer and, with ``save``, the ranking is stored
with every paper's score and explanation (dropped papers included, with the reason).
With a ``judge`` and a profile whose ``rerank`` is above 0, the profile's top papers are
judged and reordered by the LLM (:mod:`arxiv_radar.rank.rerank`) before the ranking is
stored; a stored ranking whose top papers that judge has not all judged is ranked again
(judgements come from their cache, so only the missing ones are paid for). Nothing here
prints.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from arxiv_radar.config import ProfileConfig
from arxiv_radar.errors import UsageError
from arxiv_radar.models import AnnounceType, Explanation, Paper, RankedPaper, StoredPaper
from arxiv_radar.rank import compile_profile
from arxiv_radar.rank.key import anchors_fingerprint, ranking_key
from arxiv_radar.rank.rerank import Judge, RerankReport, is_reranked, rerank_ranked
from arxiv_radar.rank.scoring import SEMANTIC_MODES, Candidate, Mode, Scorer
from arxiv_radar.store import Store
from arxiv_radar.store.rankings import (
    RankingEntry,
    StoredRanking,
    papers_hash,
)

if TYPE_CHECKING:
    from arxiv_radar.embed.model import Embedder
    from arxiv_radar.rank.semantic import SemanticProfile, Vectors


@dataclass(frozen=True)
class DayRanking:
    """One profile's ranking of one announcement day."""

    day: dt.date
    profile: str
    mode: Mode
    considered: int
    ranked: list[RankedPaper]
    explanations: dict[str, Explanation]  # every considered paper, dropped ones included
    rerank: RerankReport | None = None  # what the LLM rerank did in this call, if it ran

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
    embedder: Embedder | None = None,
    base: Path | None = None,
    judge: Judge | None = None,
) -> DayRanking:
    """The ranking of the papers announced on ``day`` (default: the latest): the stored one
    when it is current, else computed (and stored, with ``save``). ``judge``: the LLM that
    reranks the top ``profile.rerank`` papers (None: no rerank call; a stored ranking is
    read back as it is).

    ``semantic`` and ``hybrid`` embed the day's papers that the store has no vector of (with
    ``embedder``, default: :func:`arxiv_radar.embed.model.load_embedder`) and the profile's
    anchors (``base``: the folder a relative ``library`` path is read from)."""
    day = resolve_day(store, day)
    candidates = candidates_for_day(store, day)
    feedback = store.feedback(profile_name)
    target = ranking_target(
        store, profile_name, profile, candidates, mode=mode, embedder=embedder, base=base,
        feedback=feedback,
    )  # fmt: skip
    mode, key, fingerprint = target.mode, target.key, target.fingerprint
    if not candidates:
        return DayRanking(day, profile_name, target.chosen, 0, [], {})
    semantic = target.semantic
    stored = store.ranking(profile_name, day, key)
    if stored is not None and stored.papers_hash == fingerprint:
        found = from_stored(stored, {c.paper.arxiv_id: c.paper for c in candidates})
        if judge is None or is_reranked(found.ranked, profile.rerank, judge.model):
            return found
    inputs = (
        _semantic_inputs(store, profile, candidates, embedder, base, feedback) if semantic else None
    )
    ranking = _compute(candidates, profile_name, profile, day, mode, inputs)
    if judge is not None and profile.rerank and ranking.ranked:
        reranked, report = rerank_ranked(ranking.ranked, profile, store, judge)
        judged = {item.paper.arxiv_id: item.explanation for item in reranked}
        ranking = dataclasses.replace(
            ranking,
            ranked=reranked,
            explanations={
                key: judged.get(key, value) for key, value in ranking.explanations.items()
            },
            rerank=report,
        )
    if save:
        store.save_ranking(to_stored(ranking, candidates, key, fingerprint))
    return ranking


@dataclass(frozen=True)
class RankTarget:
    """What a current ranking of one profile's day is stored under: the mode asked (None:
    the profile's own), the mode it is made in, its configuration hash (``key``) and the
    fingerprint of its inputs (the day's papers; in the semantic modes, the anchors' sources
    too). A stored ranking with that key and fingerprint is current."""

    mode: Mode | None
    chosen: Mode
    key: str
    fingerprint: str

    @property
    def semantic(self) -> bool:
        """Whether the ranking needs the papers' vectors."""
        return self.chosen in SEMANTIC_MODES


def ranking_target(
    store: Store,
    profile_name: str,
    profile: ProfileConfig,
    candidates: list[Candidate],
    *,
    mode: Mode | None = None,
    embedder: Embedder | None = None,
    base: Path | None = None,
    feedback: Mapping[str, int] | None = None,
) -> RankTarget:
    """The :class:`RankTarget` of ``profile``'s ranking of ``candidates`` (a day's papers),
    read without the model: what :func:`rank_day` stores, and what a run waiting for its
    workers' rankings looks for (``Store.ranking_hashes``)."""
    mode, key = ranking_key(store, profile_name, profile, mode=mode, embedder=embedder)
    chosen = mode or profile.mode
    fingerprint = papers_hash((c.paper, c.announce_type) for c in candidates)
    if chosen in SEMANTIC_MODES:  # what the anchors come from, read without the model
        feedback = store.feedback(profile_name) if feedback is None else feedback
        fingerprint += "+" + anchors_fingerprint(profile, base, feedback)
    return RankTarget(mode, chosen, key, fingerprint)


@dataclass(frozen=True)
class SemanticInputs:
    """What semantic ranking of one day needs: the profile's anchors and the papers' vectors."""

    profile: SemanticProfile
    vectors: Mapping[str, Vectors]


def _semantic_inputs(
    store: Store,
    profile: ProfileConfig,
    candidates: list[Candidate],
    embedder: Embedder | None,
    base: Path | None,
    feedback: Mapping[str, int] | None = None,
) -> SemanticInputs:
    from arxiv_radar.embed.model import load_embedder

    embedder = embedder or load_embedder()
    from arxiv_radar.embed.papers import embed_papers
    from arxiv_radar.rank.anchors import semantic_profile

    anchors = semantic_profile(profile, embedder, store, base=base, feedback=feedback)
    vectors = embed_papers(store, embedder, [c.paper for c in candidates])
    return SemanticInputs(anchors, vectors)


def semantic_scorer(
    store: Store,
    profile: ProfileConfig,
    mode: Mode,
    papers: list[Paper],
    *,
    embedder: Embedder | None = None,
    base: Path | None = None,
) -> Scorer:
    """A scorer for ``profile`` in ``mode`` (``semantic`` or ``hybrid``) over ``papers``: the
    papers the store has no vector of, and the profile's anchors, embedded first (as
    :func:`rank_day` does)."""
    candidates = [Candidate(paper, AnnounceType.NEW, i) for i, paper in enumerate(papers)]
    inputs = _semantic_inputs(store, profile, candidates, embedder, base)
    return _semantic(profile, mode, inputs)


def _semantic(profile: ProfileConfig, mode: Mode, inputs: SemanticInputs) -> Scorer:
    from arxiv_radar.rank.semantic import SemanticScorer

    return SemanticScorer(
        profile,
        "semantic" if mode == "semantic" else "hybrid",
        inputs.profile,
        inputs.vectors,
        weight=profile.semantic_weight,
        expansion=profile.expansion_per_1000,
    )


def _compute(
    candidates: list[Candidate],
    profile_name: str,
    profile: ProfileConfig,
    day: dt.date,
    mode: Mode | None,
    semantic: SemanticInputs | None = None,
) -> DayRanking:
    """Score ``candidates`` with the profile's scorer: the ranked papers, and an
    explanation for every candidate."""
    scorer: Scorer
    if semantic is not None:
        scorer = _semantic(profile, mode or profile.mode, semantic)
    else:
        scorer = compile_profile(profile, mode=mode)
    ranked = scorer.rank(candidates)
    explanations = {item.paper.arxiv_id: item.explanation for item in ranked}
    for candidate in candidates:
        if candidate.paper.arxiv_id not in explanations:
            explanations[candidate.paper.arxiv_id] = scorer.explain(
                candidate.paper, candidate.announce_type
            )
    return DayRanking(
        day=day,
        profile=profile_name,
        mode=scorer.mode,
        considered=len(candidates),
        ranked=ranked,
        explanations=explanations,
    )


def to_stored(
    ranking: DayRanking, candidates: list[Candidate], key: str, fingerprint: str
) -> StoredRanking:
    """``ranking`` as the store keeps it: shown papers by rank, then the others in
    announcement order."""
    shown = {item.paper.arxiv_id for item in ranking.ranked}
    entries = [
        RankingEntry(
            arxiv_id=item.paper.arxiv_id,
            version=item.paper.version,
            announce_type=item.announce_type,
            rank=item.rank,
            score=item.score,
            explanation=item.explanation,
        )
        for item in ranking.ranked
    ]
    entries.extend(
        RankingEntry(
            arxiv_id=c.paper.arxiv_id,
            version=c.paper.version,
            announce_type=c.announce_type,
            score=ranking.explanations[c.paper.arxiv_id].total,
            explanation=ranking.explanations[c.paper.arxiv_id],
        )
        for c in candidates
        if c.paper.arxiv_id not in shown
    )
    return StoredRanking(
        profile=ranking.profile,
        day=ranking.day,
        config_hash=key,
        mode=ranking.mode,
        papers_hash=fingerprint,
        considered=ranking.considered,
        kept=ranking.kept,
        entries=tuple(entries),
        computed_at=dt.datetime.now(dt.UTC),
    )


def from_stored(stored: StoredRanking, papers: Mapping[str, Paper]) -> DayRanking:
    """The :class:`DayRanking` a stored ranking holds, with the day's ``papers``."""
    return DayRanking(
        day=stored.day,
        profile=stored.profile,
        mode=stored.mode,
        considered=stored.considered,
        ranked=stored.ranked(papers),
        explanations=stored.explanations,
    )
