"""Modes ``semantic`` and ``hybrid`` from given vectors: similarity, nearest anchor, filters,
and how the keyword score and the similarity combine (hand-computed)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from arxiv_radar.config import ProfileConfig
from arxiv_radar.models import AnnounceType, Paper
from arxiv_radar.rank.semantic import Anchor, SemanticProfile, SemanticScorer


def unit(*values: float) -> np.ndarray:
    vector = np.asarray(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def paper(arxiv_id: str, title: str, abstract: str = "An abstract.") -> Paper:
    return Paper(arxiv_id=arxiv_id, version=1, title=title, abstract=abstract, authors=("A",))


GRAPHS = Anchor("interest", "graph neural networks for molecules")
PROOFS = Anchor("library", "Proofs and Types (arXiv:hep-th/9901001)")
ANCHORS = SemanticProfile(
    model_id="test",
    anchors=(GRAPHS, PROOFS),
    positives=np.vstack([unit(1, 0, 0), unit(0, 1, 0)]),
)
# a: on graphs (cos 0.8 to GRAPHS); b: on proofs (cos 0.6 to PROOFS); c: neither (cos 0 to both)
PAPERS = {
    "2401.00001": paper("2401.00001", "Message passing on molecular graphs"),
    "2401.00002": paper("2401.00002", "A type theory with an agent"),
    "2401.00003": paper("2401.00003", "Agent benchmarks for weather"),
}
VECTORS = {
    "2401.00001": unit(0.8, 0, 0.6),
    "2401.00002": unit(0, 0.6, 0.8),
    "2401.00003": unit(0, 0, 1),
}


def scorer(mode: str, **settings: object) -> SemanticScorer:
    profile = ProfileConfig.model_validate(
        {"keywords": ["agent"], "interests": ["graph neural networks for molecules"], **settings}
    )
    return SemanticScorer(
        profile,
        mode,
        ANCHORS,
        VECTORS,
        weight=profile.semantic_weight,  # type: ignore[arg-type]
    )


def ranked(mode: str, **settings: object) -> list[tuple[str, float]]:
    candidates = [(p, AnnounceType.NEW, i) for i, p in enumerate(PAPERS.values())]
    return [(r.paper.arxiv_id, r.score) for r in scorer(mode, **settings).rank(candidates)]


def test_similarity_is_the_best_cosine_and_names_the_nearest_anchor() -> None:
    semantic = scorer("semantic")
    assert semantic.similarity(PAPERS["2401.00001"]) == (pytest.approx(0.8), GRAPHS)
    assert semantic.similarity(PAPERS["2401.00002"]) == (pytest.approx(0.6), PROOFS)
    assert semantic.similarity(paper("2401.09999", "Not embedded")) is None


def test_semantic_ranks_by_similarity_alone_and_drops_what_is_not_similar() -> None:
    # min_score 0 keeps similarity 0 (c); the keyword "agent" does not count in this mode
    assert ranked("semantic") == [("2401.00001", 0.8), ("2401.00002", 0.6), ("2401.00003", 0.0)]
    assert ranked("semantic", min_score=0.5) == [("2401.00001", 0.8), ("2401.00002", 0.6)]
    why = scorer("semantic").explain(PAPERS["2401.00002"])
    assert (why.mode, why.similarity, why.nearest, why.nearest_kind) == (
        "semantic",
        0.6,
        PROOFS.label,
        "library",
    )
    assert why.matches == () and why.keywords == 0 and why.total == 0.6
    assert 'similarity 0.6 to library "Proofs and Types' in why.describe()


def test_hybrid_adds_weight_times_similarity_to_the_keyword_score() -> None:
    # a: no keyword, 5 x 0.8 = 4; b: "agent" in the title 1 + 0.5 bonus, + 5 x 0.6 = 4.5;
    # c: "agent" 1.5 + 5 x 0 = 1.5
    assert ranked("hybrid") == [("2401.00002", 4.5), ("2401.00001", 4.0), ("2401.00003", 1.5)]
    assert ranked("hybrid", semantic_weight=1) == [
        ("2401.00002", 2.1),
        ("2401.00003", 1.5),
        ("2401.00001", 0.8),
    ]
    why = scorer("hybrid").explain(PAPERS["2401.00002"])
    assert (why.keywords, why.title_bonus, why.semantic, why.similarity) == (1.0, 0.5, 3.0, 0.6)
    assert why.total == 4.5 and [m.rule for m in why.matches] == ["agent"]
    assert why.describe().endswith(
        'similarity 0.6 to library "Proofs and Types (arXiv:hep-th/9901001)" 3 = 4.5'
    )


def test_filters_still_apply() -> None:
    excluded = scorer("hybrid", exclude=["molecular"]).explain(PAPERS["2401.00001"])
    assert excluded.dropped == "excluded" and "molecular" in (excluded.reason or "")
    required = scorer("semantic", required=["weather"]).explain(PAPERS["2401.00001"])
    assert required.dropped == "no_required"
    cross = scorer("hybrid", announce_types=["new"]).explain(
        PAPERS["2401.00001"], AnnounceType.CROSS
    )
    assert cross.dropped == "announce_type"


def test_a_paper_without_a_vector() -> None:
    lonely = paper("2401.09999", "An agent alone")
    hybrid = scorer("hybrid").explain(lonely)
    assert (hybrid.dropped, hybrid.total, hybrid.similarity) == (None, 1.5, None)
    semantic = scorer("semantic").explain(lonely)
    assert semantic.dropped == "no_match" and semantic.reason == "the paper has no embedding"


def test_negatives_push_similar_papers_down() -> None:
    with_negative = SemanticProfile(
        model_id="test",
        anchors=ANCHORS.anchors,
        positives=ANCHORS.positives,
        negatives=np.vstack([unit(0, 0, 1)]),
        negative_penalty=0.5,
    )
    values, nearest = with_negative.similarities(np.vstack(list(VECTORS.values())))
    # each: best positive - 0.5 x cosine to the negative (0.6, 0.8, 1.0)
    assert values.tolist() == pytest.approx([0.8 - 0.3, 0.6 - 0.4, 0.0 - 0.5])
    assert nearest.tolist() == [0, 1, 0]


def test_a_profile_with_interests_ranks_hybrid_unless_it_names_a_mode() -> None:
    assert ProfileConfig(interests=["x"]).mode == "hybrid"
    assert ProfileConfig(library="lib.bib").mode == "hybrid"
    assert ProfileConfig(seed_papers=["2401.00001"]).mode == "hybrid"
    assert ProfileConfig(interests=["x"], mode="keywords").mode == "keywords"
    assert ProfileConfig().mode == "keywords"


def test_anchor_counts_must_match_vectors() -> None:
    with pytest.raises(ValueError, match="2 anchors but 1 vectors"):
        SemanticProfile("m", (GRAPHS, PROOFS), np.vstack([unit(1, 0, 0)]))
    with pytest.raises(ValueError, match="at least one anchor"):
        SemanticProfile("m", (), np.zeros((0, 3), dtype=np.float32))
    assert math.isclose(float(np.linalg.norm(unit(3, 4))), 1.0, rel_tol=1e-6)


@pytest.mark.parametrize("mode", ["semantic", "hybrid"])
@pytest.mark.parametrize(
    "settings",
    [{}, {"min_score": 2}, {"exclude": ["weather"]}, {"required": ["agent"]}, {"authors": ["A"]}],
    ids=["plain", "min_score", "exclude", "required", "author"],
)
def test_the_fast_score_is_the_explanations_total(mode: str, settings: dict[str, object]) -> None:
    """rank() picks papers with score() and shows explain(): they must agree on every paper."""
    fast, full = scorer(mode, **settings), scorer(mode, **settings)
    lonely = paper("2401.09999", "An agent alone")
    for each in [*PAPERS.values(), lonely]:
        for kind in (AnnounceType.NEW, AnnounceType.REPLACE):
            why = full.explain(each, kind)
            assert fast.score(each, kind) == (None if why.dropped else why.total), (each, kind)
