"""Modes ``semantic`` and ``hybrid``: papers ranked by how close they are, in meaning, to
what the reader works on.

A profile's *anchors* stand for the reader: each of its ``interests`` (a sentence in their own
words), its keywords (together), each seed paper, each entry of their library, and papers they
marked up; papers they
marked down are *negatives*. Every anchor and every paper is a unit vector of the same
sentence-embedding model (:mod:`arxiv_radar.embed`), so the cosine similarity of two is their
dot product. A paper's similarity to the profile is

    similarity = max over anchors a of cos(paper, a)
                 - negative_penalty x max(0, max over negatives n of cos(paper, n))

and the anchor that gave the maximum is named in the explanation (``nearest``): a paper is
there because it reads like that interest, seed paper or library entry.

The papers ranked together then expand the profile, as a search engine expands a query with
its first results (pseudo-relevance feedback): the papers ranked first without it,
``expansion`` of every 1,000 ranked (none when that is under :data:`MIN_EXPANSION`), are
averaged, and every paper's *expansion* is its cosine similarity to that average.

``semantic`` ranks by similarity plus expansion (``total``). ``hybrid`` adds ``semantic_weight``
x similarity (``Explanation.semantic`` holds those points) and ``semantic_weight`` x expansion
(``Explanation.expansion``) to the ``keywords`` score, and, once the reader has marked enough
papers up and down, the points of a linear model of that feedback, ``feedback_weight`` x
(2p - 1), where p is the model's probability that the reader would mark the paper up
(``Explanation.feedback``). It keeps a paper that no keyword
matched when it is close enough in meaning. Both apply the profile's filters as ``keywords``
does: announce types, ``exclude``, ``required`` and ``min_score`` (against the total). A paper
without a vector (not embedded) is ranked by its keywords alone in ``hybrid`` and dropped in
``semantic``.

The engine is pure: vectors are given, nothing is read or embedded here. Similarities of
all candidates are computed in one matrix product.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from arxiv_radar.config import ProfileConfig
from arxiv_radar.models import AnnounceType, Explanation, Paper, RankedPaper
from arxiv_radar.rank.keywords import KeywordScorer
from arxiv_radar.rank.scoring import Scorer, _distinct, points

if TYPE_CHECKING:
    from numpy.typing import NDArray

    Vectors = NDArray[np.float32]

__all__ = ["Anchor", "AnchorKind", "Preference", "SemanticProfile", "SemanticScorer"]

AnchorKind = Literal["interest", "keywords", "seed", "library", "feedback"]
SemanticMode = Literal["semantic", "hybrid"]

DEFAULT_NEGATIVE_PENALTY = 0.5
MIN_EXPANSION = 3
"""Fewer papers than this expand nothing: the average of one or two is an echo of them."""


@dataclass(frozen=True)
class Anchor:
    """One thing that stands for the reader: what it is and how explanations name it."""

    kind: AnchorKind
    label: str


@dataclass(frozen=True)
class Preference:
    """A linear model of the reader's feedback: the probability that they would mark a paper
    up is ``sigmoid(coef . vector + intercept)``."""

    coef: Vectors
    intercept: float
    trained_on: int  # papers judged

    def probabilities(self, vectors: Vectors) -> Vectors:
        logits = vectors @ self.coef + self.intercept
        probabilities: Vectors = (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)
        return probabilities


@dataclass(frozen=True)
class SemanticProfile:
    """A profile's anchors and negatives as unit vectors of one embedding model, and the
    linear model of its feedback once there is enough of it."""

    model_id: str
    anchors: tuple[Anchor, ...]
    positives: Vectors  # (len(anchors), dim), one row per anchor
    negatives: Vectors = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    negative_penalty: float = DEFAULT_NEGATIVE_PENALTY
    preference: Preference | None = None

    def __post_init__(self) -> None:
        if len(self.anchors) != len(self.positives):
            raise ValueError(f"{len(self.anchors)} anchors but {len(self.positives)} vectors")
        if not self.anchors:
            raise ValueError("a semantic profile needs at least one anchor")

    def similarities(self, vectors: Vectors) -> tuple[Vectors, NDArray[np.intp]]:
        """The similarity of each row of ``vectors`` (n, dim) to the profile, and the index
        of the nearest anchor of each."""
        scores = vectors @ self.positives.T
        nearest = scores.argmax(axis=1)
        best = scores[np.arange(len(vectors)), nearest]
        if self.negatives.size and len(vectors):
            closest = (vectors @ self.negatives.T).max(axis=1)
            best = best - self.negative_penalty * np.maximum(closest, 0.0)
        return best.astype(np.float32), nearest


class SemanticScorer(Scorer):
    """Scores papers in ``semantic`` or ``hybrid`` mode from given vectors (see the module
    docstring). ``vectors`` maps an arXiv id to the unit vector of its paper; ``expansion``
    is how many papers per 1,000 ranked, those ranked first, expand the profile (0: none)."""

    def __init__(
        self,
        profile: ProfileConfig,
        mode: SemanticMode,
        semantic: SemanticProfile,
        vectors: Mapping[str, Vectors],
        *,
        weight: float,
        expansion: int = 0,
    ) -> None:
        super().__init__(profile)
        self.mode = mode
        self.semantic_mode: SemanticMode = mode
        self.semantic = semantic
        self.weight = weight
        self.expansion = expansion
        self._keywords = KeywordScorer(profile)
        self._vectors = vectors
        self._similar: dict[str, tuple[float, int, float | None]] = {}
        self._expanded: dict[str, float] = {}  # arXiv id -> the points of its expansion
        self._keyword_points: dict[tuple[str, AnnounceType], tuple[float, bool] | None] = {}

    # ------------------------------------------------------------ similarity

    def prepare(self, papers: Iterable[Paper]) -> None:
        """Compute the similarities of ``papers`` at once (one matrix product)."""
        wanted = [
            p.arxiv_id
            for p in papers
            if p.arxiv_id not in self._similar and p.arxiv_id in self._vectors
        ]
        if wanted:
            self._similarities(wanted)

    def _similarities(self, ids: list[str]) -> tuple[Vectors, NDArray[np.float64]]:
        """The vectors of ``ids`` (each has one) as a matrix and their similarities to the
        profile (rounded as explanations show them), remembered for :meth:`explain`."""
        vectors = self._vectors
        matrix = np.array([vectors[arxiv_id] for arxiv_id in ids], dtype=np.float32)
        values, nearest = self.semantic.similarities(matrix)
        similar = values.astype(np.float64).round(4)
        preference = self.semantic.preference
        liked: list[float | None] = (
            preference.probabilities(matrix).astype(np.float64).tolist()
            if preference
            else [None] * len(ids)
        )
        self._similar.update(
            zip(ids, zip(similar.tolist(), nearest.tolist(), liked, strict=True), strict=True)
        )
        return matrix, similar

    def similarity(self, paper: Paper) -> tuple[float, Anchor] | None:
        """The paper's similarity to the profile and its nearest anchor (None: no vector)."""
        if paper.arxiv_id not in self._similar:
            self.prepare([paper])
        found = self._similar.get(paper.arxiv_id)
        if found is None:
            return None
        value, index, _ = found
        return value, self.semantic.anchors[index]

    def liked(self, paper: Paper) -> float | None:
        """The feedback model's probability that the reader would mark the paper up (None:
        no model yet, or no vector)."""
        found = self._similar.get(paper.arxiv_id)
        return found[2] if found is not None else None

    # ------------------------------------------------------------ the parts of a score

    def _keyword(self, paper: Paper, announce_type: AnnounceType) -> tuple[float, bool] | None:
        """The keyword points and whether a keyword matched; None: the filters drop it. In
        semantic mode the text is read only when exclude or required keywords ask for it."""
        if self.semantic_mode == "semantic" and not self._keywords.reads_text:
            return (0.0, False) if announce_type in self._keywords.kept_types else None
        key = (paper.arxiv_id, announce_type)
        if key not in self._keyword_points:  # the expansion's first pass reads it too
            found = self._keywords.points(paper, announce_type)
            if found is not None and self.semantic_mode == "semantic":
                found = (0.0, False)  # kept by exclude and required; keywords add nothing
            self._keyword_points[key] = found
        return self._keyword_points[key]

    def _parts(self, paper: Paper) -> tuple[float, float | None, float | None] | None:
        """The points of the paper's similarity, of its expansion and of the feedback model
        (None: the paper has no vector)."""
        if paper.arxiv_id not in self._similar:
            self.prepare([paper])
        found = self._similar.get(paper.arxiv_id)
        if found is None:
            return None
        similarity, _, liked = found
        weight = 1.0 if self.semantic_mode == "semantic" else self.weight
        feedback = None
        if liked is not None and self.semantic_mode == "hybrid":
            feedback = points(self.profile.feedback_weight * (2 * liked - 1))
        return points(weight * similarity), self._expanded.get(paper.arxiv_id), feedback

    # ------------------------------------------------------------ the Scorer interface

    def rank(self, candidates: Iterable[tuple[Paper, AnnounceType, int]]) -> list[RankedPaper]:
        """The ranking of :meth:`Scorer.rank`, its sums made for all candidates at once
        (arrays), with the expansion; the ranked papers' explanations are built one by one,
        and :meth:`score` gives each paper's total alone."""
        distinct = _distinct(candidates)
        count = len(distinct)
        if not count:
            return []
        semantic = self.semantic_mode == "semantic"
        weight = 1.0 if semantic else self.weight
        keyword = np.zeros(count)
        kept = np.zeros(count, dtype=bool)
        matched = np.zeros(count, dtype=bool)
        if semantic and not self._keywords.reads_text:
            kinds = self._keywords.kept_types
            kept[:] = [candidate.announce_type in kinds for candidate in distinct]
        else:
            points_of = self._keywords.points
            for index, (paper, kind, _) in enumerate(distinct):
                found = points_of(paper, kind)
                if found is not None:
                    kept[index] = True
                    keyword[index], matched[index] = (0.0, False) if semantic else found
        rows = [
            i for i, candidate in enumerate(distinct) if candidate.paper.arxiv_id in self._vectors
        ]
        ids = [distinct[i].paper.arxiv_id for i in rows]
        has = np.zeros(count, dtype=bool)
        has[rows] = True
        similar = np.zeros(count)
        liked = np.zeros(count)
        matrix = np.zeros((0, 0), dtype=np.float32)
        if ids:
            matrix, values = self._similarities(ids)
            similar[rows] = np.round(weight * values, 9)
            preference = self.semantic.preference
            if preference is not None and not semantic:
                probability = preference.probabilities(matrix).astype(np.float64)
                liked[rows] = np.round(self.profile.feedback_weight * (2 * probability - 1), 9)
        positions = np.array([candidate.position for candidate in distinct])
        arxiv_ids = np.array([candidate.paper.arxiv_id for candidate in distinct])
        first = keyword + similar + liked
        expanded = np.zeros(count)
        self._expanded = {}
        wanted = self.expansion * count // 1000
        valid = np.flatnonzero(kept & has)
        if self.expansion and wanted >= MIN_EXPANSION and len(valid):
            order = np.lexsort((arxiv_ids[valid], positions[valid], -np.round(first[valid], 9)))
            top = valid[order[:wanted]]
            row_of = np.full(count, -1)
            row_of[rows] = np.arange(len(rows))
            centroid = matrix[row_of[top]].astype(np.float64).mean(axis=0)
            centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
            cosine = (matrix @ centroid.astype(np.float32)).astype(np.float64).round(4)
            values = np.round(weight * cosine, 9)
            expanded[rows] = values
            self._expanded = dict(zip(ids, values.tolist(), strict=True))
        total = np.round(np.where(has, first + expanded, keyword), 9)
        minimum = self.profile.min_score
        keep = np.where(has, kept, kept & matched & (not semantic)) & (total >= minimum)
        chosen = np.flatnonzero(keep)
        order = np.lexsort((arxiv_ids[chosen], positions[chosen], -total[chosen]))
        ranked = []
        for rank, index in enumerate(chosen[order[: self.profile.max_papers]], start=1):
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

    def score(self, paper: Paper, announce_type: AnnounceType) -> float | None:
        # The sums and decisions of :meth:`explain`, without building the explanation.
        keyword = self._keyword(paper, announce_type)
        if keyword is None:
            return None
        parts = self._parts(paper)
        if parts is None:
            hybrid = self.semantic_mode == "hybrid" and keyword[1]
            kept = hybrid and keyword[0] >= self.profile.min_score
            return keyword[0] if kept else None
        similar, expanded, liked = parts
        total = points(keyword[0] + similar + (expanded or 0.0) + (liked or 0.0))
        return None if total < self.profile.min_score else total

    def explain(self, paper: Paper, announce_type: AnnounceType = AnnounceType.NEW) -> Explanation:
        base = self._keywords.explain(paper, announce_type)
        found = self.similarity(paper)
        if base.dropped in ("announce_type", "excluded", "no_required"):
            return self._with(base, found, total=base.total, dropped=base.dropped)
        if found is None:
            if self.semantic_mode == "hybrid" and base.dropped is None:
                return self._with(base, None, total=base.total, dropped=None)
            return self._with(
                base, None, total=0.0, dropped="no_match", reason="the paper has no embedding"
            )
        similar, expanded, liked = self._parts(paper) or (0.0, None, None)
        keyword = base.total if self.semantic_mode == "hybrid" else 0.0
        total = points(keyword + similar + (expanded or 0.0) + (liked or 0.0))
        dropped = "below_min_score" if total < self.profile.min_score else None
        reason = (
            f"score {total:g} is below min_score {self.profile.min_score:g}" if dropped else None
        )
        return self._with(
            base,
            found,
            total=total,
            dropped=dropped,
            reason=reason,
            semantic=similar,
            expansion=expanded,
            feedback=liked,
        )

    def _with(
        self,
        base: Explanation,
        found: tuple[float, Anchor] | None,
        *,
        total: float,
        dropped: str | None,
        reason: str | None = None,
        semantic: float | None = None,
        expansion: float | None = None,
        feedback: float | None = None,
    ) -> Explanation:
        similarity, nearest = found if found is not None else (None, None)
        keep_keywords = self.semantic_mode == "hybrid"
        return base.model_copy(
            update={
                "mode": self.semantic_mode,
                "matches": base.matches
                if keep_keywords
                else tuple(m for m in base.matches if m.kind in ("exclude", "required")),
                "keywords": base.keywords if keep_keywords else 0.0,
                "title_bonus": base.title_bonus if keep_keywords else 0.0,
                "authors": base.authors if keep_keywords else 0.0,
                "categories": base.categories if keep_keywords else 0.0,
                "semantic": semantic,
                "expansion": expansion,
                "feedback": feedback,
                "similarity": similarity,
                "nearest": nearest.label if nearest else None,
                "nearest_kind": nearest.kind if nearest else None,
                "total": total,
                "dropped": dropped,
                "reason": reason if dropped != base.dropped or reason else base.reason,
            }
        )
