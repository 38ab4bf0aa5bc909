"""Mode ``legacy``: the old tool's substring scores, filter and order, exactly."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from arxiv_radar.config import DEFAULT_KEYWORDS, KeywordRule, ProfileConfig
from arxiv_radar.models import AnnounceType, Paper
from arxiv_radar.rank import Candidate, explain, rank_papers

from rank_helpers import api_papers, rss_papers

NEW = AnnounceType.NEW
LEGACY = ProfileConfig(mode="legacy")


def paper(arxiv_id: str, title: str, abstract: str = "") -> Paper:
    return Paper(arxiv_id=arxiv_id, version=1, title=title, abstract=abstract)


def old_tool(
    papers: Sequence[Paper], keywords: Sequence[str], exclude: Sequence[str], max_papers: int
) -> list[tuple[str, float]]:
    """The old tool's filter and score, written out the way it did them."""
    scored = []
    for p in papers:
        text = (p.title + " " + p.abstract).lower()
        if any(word.lower() in text for word in exclude):
            continue
        score = 0.0
        for keyword in keywords:
            if keyword.lower() in text:
                score += 1.0
            if keyword.lower() in p.title.lower():
                score += 0.5
        if score > 0:
            scored.append((p.arxiv_id, score))
    scored.sort(key=lambda item: item[1], reverse=True)  # stable: ties keep feed order
    return scored[:max_papers]


def test_three_real_papers_scored_by_hand() -> None:
    (first, _), (second, _), (third, _) = rss_papers()
    # 2604.21935 "Math Takes Two ... in communication": "numerical system" in the abstract
    # (1.0); "communication" in the title and abstract (1.0 + 0.5).
    why = explain(first, LEGACY)
    assert [(m.rule, m.where, m.text, m.points) for m in why.matches] == [
        ("System", "abstract", "system", 1.0),
        ("Communication", "title", "communication", 1.5),
    ]
    assert (why.keywords, why.title_bonus, why.total, why.dropped) == (2.0, 0.5, 2.5, None)
    # 2604.21936 "An Artifact-based Agent Framework ...": "framework" and "Framework" are
    # both in the list, so the title's "Framework" counts twice (1.5 + 1.5); "RL" is found
    # in "real-world" (1.0).
    why = explain(second, LEGACY)
    assert [(m.rule, m.where, m.text, m.points) for m in why.matches] == [
        ("framework", "title", "Framework", 1.5),
        ("RL", "abstract", "rl", 1.0),
        ("Framework", "title", "Framework", 1.5),
    ]
    assert why.total == 4.0
    # 2604.21937 "MolClaw ... Screening, and Optimization": "RL" in "particularly" (1.0),
    # "pipeline" in "pipelines" (1.0), "Optimization" in the title (1.5).
    why = explain(third, LEGACY)
    assert [(m.rule, m.where, m.text, m.points) for m in why.matches] == [
        ("RL", "abstract", "rl", 1.0),
        ("Pipeline", "abstract", "pipeline", 1.0),
        ("Optimization", "title", "Optimization", 1.5),
    ]
    assert why.total == 3.5


def test_three_real_papers_ranked_as_the_old_tool_did() -> None:
    candidates = [Candidate(p, kind, i) for i, (p, kind) in enumerate(rss_papers())]
    ranked = rank_papers(candidates, LEGACY)
    assert [(r.rank, r.paper.arxiv_id, r.score) for r in ranked] == [
        (1, "2604.21936", 4.0),
        (2, "2604.21937", 3.5),
        (3, "2604.21935", 2.5),
    ]
    assert all(r.explanation.mode == "legacy" and r.score == r.explanation.total for r in ranked)
    cut = rank_papers(candidates, ProfileConfig(mode="legacy", max_papers=2))
    assert [r.paper.arxiv_id for r in cut] == ["2604.21936", "2604.21937"]


@pytest.mark.parametrize(
    ("keywords", "exclude", "max_papers"),
    [
        (list(DEFAULT_KEYWORDS), [], 50),
        (list(DEFAULT_KEYWORDS), ["survey"], 30),
        (["test", "Testing", "testing", "model", " RL ", "ai"], ["quantum"], 10),
        (["e"], [], 100),  # everything matches: the order is all ties
    ],
)
def test_identical_to_the_old_tool_on_100_real_papers(
    keywords: list[str], exclude: list[str], max_papers: int
) -> None:
    # The old tool read single-line text; the recorded API abstracts are wrapped.
    papers = [
        paper(p.arxiv_id, " ".join(p.title.split()), " ".join(p.abstract.split()))
        for p in api_papers()
    ]
    profile = ProfileConfig(
        mode="legacy", keywords=keywords, exclude=exclude, max_papers=max_papers
    )
    ranked = rank_papers([(p, NEW, i) for i, p in enumerate(papers)], profile)
    expected = old_tool(papers, keywords, exclude, max_papers)
    assert [(r.paper.arxiv_id, r.score) for r in ranked] == expected
    assert len(expected) > 3


def test_substring_pitfalls_are_kept() -> None:
    p = paper("1", "A breakfast world model", "linearly overlooked")
    why = explain(p, ProfileConfig(mode="legacy", keywords=["RL", "Fast", "Linear", "RL"]))
    assert [(m.rule, m.text, m.points) for m in why.matches] == [
        ("RL", "rl", 1.5),  # "world", in the title
        ("Fast", "fast", 1.5),  # "breakfast"
        ("Linear", "linear", 1.0),  # "linearly"
        ("RL", "rl", 1.5),  # listed twice, counted twice
    ]
    assert why.total == 5.5


def test_keywords_are_matched_as_written_spaces_included() -> None:
    p = paper("1", "RLHF for all", "We use RL here.")
    why = explain(p, ProfileConfig(mode="legacy", keywords=[" RL "]))
    assert [(m.where, m.text) for m in why.matches] == [("abstract", " RL ")]
    alone = paper("2", "RLHF", "world")
    assert explain(alone, ProfileConfig(mode="legacy", keywords=[" RL "])).dropped == "no_match"


def test_only_new_papers_are_kept() -> None:
    p = paper("1", "LLM serving")
    for kind in (AnnounceType.CROSS, AnnounceType.REPLACE, AnnounceType.REPLACE_CROSS):
        assert rank_papers([(p, kind, 0)], LEGACY) == []
        why = explain(p, LEGACY, announce_type=kind)
        assert why.dropped == "announce_type"
        assert why.reason == f"announced as {kind.value}; legacy mode keeps only new papers"
        assert why.total == 1.5  # the score is still explained
    assert len(rank_papers([(p, NEW, 0)], LEGACY)) == 1


def test_min_score_is_not_applied() -> None:
    p = paper("1", "LLM serving")
    profile = ProfileConfig(mode="legacy", min_score=10.0)
    assert [r.score for r in rank_papers([(p, NEW, 0)], profile)] == [1.5]
    assert explain(p, profile).dropped is None


def test_zero_scores_and_excluded_papers_are_dropped() -> None:
    profile = ProfileConfig(mode="legacy", keywords=["LLM"], exclude=["art"])
    assert explain(paper("1", "Graph theory"), profile).dropped == "no_match"
    why = explain(paper("2", "LLM state-of-the-art"), profile)
    assert why.dropped == "excluded"
    assert why.reason == 'excluded by "art" (title: "art")'
    assert why.total == 1.5
    assert [m.kind for m in why.matches] == ["keyword", "exclude"]
    assert rank_papers([(paper("2", "LLM state-of-the-art"), NEW, 0)], profile) == []


def test_ties_keep_announcement_order_whatever_the_input_order() -> None:
    papers = [paper(f"26{i:02d}.00001", f"LLM {i}") for i in range(5)]
    candidates = [(p, NEW, position) for position, p in enumerate(papers)]
    forward = rank_papers(candidates, LEGACY)
    backward = rank_papers(list(reversed(candidates)), LEGACY)
    assert [r.paper.arxiv_id for r in forward] == [p.arxiv_id for p in papers]
    assert backward == forward


def test_line_breaks_count_as_one_space() -> None:
    wrapped = paper("1", "Paged\n  KV cache", "A kv\n    cache for\nLLM serving")
    why = explain(wrapped, ProfileConfig(mode="legacy", keywords=["kv cache", "paged kv"]))
    assert [(m.rule, m.where, m.text) for m in why.matches] == [
        ("kv cache", "title", "KV cache"),
        ("paged kv", "title", "Paged KV"),
    ]


def test_keyword_tables_count_as_their_term_or_expression_without_weights() -> None:
    profile = ProfileConfig(
        mode="legacy",
        keywords=[
            KeywordRule(term="Cache", weight=5.0),
            KeywordRule(regex=r"\bMoE\b", label="MoE"),
            KeywordRule(regex=r"\bGPU\b"),
        ],
        exclude=[KeywordRule(regex=r"^a survey")],
    )
    why = explain(paper("1", "Cache-aware MoE models", "on gpu"), profile)
    assert [(m.rule, m.where, m.text, m.weight, m.points) for m in why.matches] == [
        ("Cache", "title", "Cache", 1.0, 1.5),  # the weight 5.0 is not used
        ("MoE", "title", "MoE", 1.0, 1.5),
        (r"\bGPU\b", "abstract", "gpu", 1.0, 1.0),
    ]
    assert explain(paper("2", "A survey of MoE", ""), profile).dropped == "excluded"
