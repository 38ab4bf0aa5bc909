"""Modes ``semantic`` and ``hybrid``: papers ranked by how close they are, in meaning, to
what the reader works on.

A profile's *anchors* stand for the reader: each of its ``interests`` (a sentence in their own
words), each seed paper, each entry of their library, and papers they marked up; papers they
marked down are *negatives*. Every anchor and every paper is a unit vector of the same
sentence-embedding model (:mod:`arxiv_radar.embed`), so the cosine similarity of two is their
dot product. A paper's similarity to the profile is

    similarity = max over anchors a of cos(paper, a)
                 - negative_penalty x max(0, max over negatives n of cos(paper, n))

and the anchor that gave the maximum is named in the explanation (``nearest``): a paper is
there because it reads like that interest, seed paper or library entry.

``semantic`` ranks by similarity alone (``total`` is the similarity). ``hybrid`` adds
``semantic_weight`` x similarity to the ``keywords`` score (``Explanation.semantic`` holds those
points), and, once the reader has marked enough papers up and down, the points of a linear model
of that feedback, ``feedback_weight`` x (2p - 1), where p is the model's probability that the
reader would mark the paper up (``Explanation.feedback``). It keeps a paper that no keyword
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
from arxiv_radar.rank.scoring import Scorer, points

if TYPE_CHECKING:
    from numpy.typing import NDArray

    Vectors = NDArray[np.float32]

__all__ = ["Anchor", "AnchorKind", "Preference", "SemanticProfile", "SemanticScorer"]

AnchorKind = Literal["interest", "seed", "library", "feedback"]
SemanticMode = Literal["semantic", "hybrid"]

DEFAULT_NEGATIVE_PENALTY = 0.5


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
    docstring). ``vectors`` maps an arXiv id to the unit vector of its paper."""

    def __init__(
        self,
        profile: ProfileConfig,
        mode: SemanticMode,
        semantic: SemanticProfile,
        vectors: Mapping[str, Vectors],
        *,
        weight: float,
    ) -> None:
        super().__init__(profile)
        self.mode = mode
        self.semantic_mode: SemanticMode = mode
        self.semantic = semantic
        self.weight = weight
        self._keywords = KeywordScorer(profile)
        self._vectors = vectors
        self._similar: dict[str, tuple[float, int, float | None]] = {}

    # ------------------------------------------------------------ similarity

    def prepare(self, papers: Iterable[Paper]) -> None:
        """Compute the similarities of ``papers`` at once (one matrix product)."""
        wanted = [
            p.arxiv_id
            for p in papers
            if p.arxiv_id not in self._similar and p.arxiv_id in self._vectors
        ]
        if not wanted:
            return
        vectors = self._vectors
        matrix = np.array([vectors[arxiv_id] for arxiv_id in wanted], dtype=np.float32)
        values, nearest = self.semantic.similarities(matrix)
        preference = self.semantic.preference
        liked: list[float | None] = (
            preference.probabilities(matrix).tolist() if preference else [None] * len(wanted)
        )
        self._similar.update(
            zip(
                wanted,
                zip(
                    values.astype(np.float64).round(4).tolist(),
                    nearest.tolist(),
                    liked,
                    strict=True,
                ),
                strict=True,
            )
        )

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

    # ------------------------------------------------------------ the Scorer interface

    def rank(self, candidates: Iterable[tuple[Paper, AnnounceType, int]]) -> list[RankedPaper]:
        listed = list(candidates)
        self.prepare(paper for paper, _, _ in listed)
        return super().rank(listed)

    def score(self, paper: Paper, announce_type: AnnounceType) -> float | None:
        # The sums and decisions of :meth:`explain`, without building the explanation; in
        # semantic mode the text is read only when exclude or required keywords ask for it.
        if self.semantic_mode == "semantic" and not self._keywords.reads_text:
            kept = announce_type in self._keywords.kept_types
            keyword: tuple[float, bool] | None = (0.0, False) if kept else None
        else:
            keyword = self._keywords.points(paper, announce_type)
        if keyword is None:
            return None
        found = self.similarity(paper)
        if found is None:
            hybrid = self.semantic_mode == "hybrid" and keyword[1]
            kept = hybrid and keyword[0] >= self.profile.min_score
            return keyword[0] if kept else None
        if self.semantic_mode == "semantic":
            total = points(found[0])
        else:
            total = points(keyword[0] + points(self.weight * found[0]))
            liked = self.liked(paper)
            if liked is not None:
                total = points(total + points(self.profile.feedback_weight * (2 * liked - 1)))
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
        value, _ = found
        feedback_points: float | None = None
        if self.semantic_mode == "semantic":
            total = points(value)
            semantic_points = total
        else:
            semantic_points = points(self.weight * value)
            total = points(base.total + semantic_points)
            liked = self.liked(paper)
            if liked is not None:
                feedback_points = points(self.profile.feedback_weight * (2 * liked - 1))
                total = points(total + feedback_points)
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
            semantic=semantic_points,
            feedback=feedback_points,
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
                "feedback": feedback,
                "similarity": similarity,
                "nearest": nearest.label if nearest else None,
                "nearest_kind": nearest.kind if nearest else None,
                "total": total,
                "dropped": dropped,
                "reason": reason if dropped != base.dropped or reason else base.reason,
            }
        )
