"""Mode ``keywords``: scores, explanations, filters, authors, categories and the order."""

from __future__ import annotations

import random
import re

import pytest

from arxiv_radar.config import AuthorRule, KeywordRule, ProfileConfig
from arxiv_radar.models import (
    Announcement,
    AnnounceType,
    Explanation,
    ListingEntry,
    Paper,
    RankedPaper,
)
from arxiv_radar.rank import (
    Candidate,
    KeywordScorer,
    LegacyScorer,
    candidates_from_listing,
    compile_profile,
    explain,
    rank_papers,
)

from rank_helpers import api_papers, rss_papers

NEW, CROSS, REPLACE = AnnounceType.NEW, AnnounceType.CROSS, AnnounceType.REPLACE
DEFAULT = ProfileConfig()
LLM_GPU = ProfileConfig(keywords=["LLM", "GPU"])


def paper(
    arxiv_id: str,
    title: str,
    abstract: str = "",
    authors: tuple[str, ...] = (),
    categories: tuple[str, ...] = ("cs.LG",),
) -> Paper:
    return Paper(
        arxiv_id=arxiv_id,
        version=1,
        title=title,
        abstract=abstract,
        authors=authors,
        categories=categories,
        primary_category=categories[0] if categories else None,
    )


def summary(explanation: Explanation) -> list[tuple[str, str, str, float]]:
    return [(m.rule, m.where, m.text, m.points) for m in explanation.matches]


def ids(ranked: list[RankedPaper]) -> list[str]:
    return [r.paper.arxiv_id for r in ranked]


# ---------------------------------------------------------------- real papers


def test_three_real_papers() -> None:
    (first, _), (second, _), (third, _) = rss_papers()
    assert summary(explain(first, DEFAULT)) == [
        ("System", "abstract", "system", 1.0),
        ("Communication", "title", "communication", 1.5),
        ("Communication", "abstract", "communication", 0.0),
    ]
    # "framework" and "Framework" are one keyword; "RL" is not in "real-world".
    why = explain(second, DEFAULT)
    assert summary(why) == [
        ("framework", "title", "Framework", 1.5),
        ("framework", "abstract", "framework", 0.0),
    ]
    assert why.matches[0].merged == ("Framework",)
    assert (why.keywords, why.title_bonus, why.total) == (1.0, 0.5, 1.5)
    # "RL" is not in "particularly"; "Pipeline" matches "pipelines".
    assert summary(explain(third, DEFAULT)) == [
        ("Pipeline", "abstract", "pipelines", 1.0),
        ("Optimization", "title", "Optimization", 1.5),
        ("Optimization", "abstract", "optimization", 0.0),
    ]


def test_legacy_and_keywords_rank_the_same_papers_differently() -> None:
    candidates = [Candidate(p, kind, i) for i, (p, kind) in enumerate(rss_papers())]
    legacy = rank_papers(candidates, DEFAULT, mode="legacy")
    keywords = rank_papers(candidates, DEFAULT)
    assert [(r.paper.arxiv_id, r.score) for r in legacy] == [
        ("2604.21936", 4.0),
        ("2604.21937", 3.5),
        ("2604.21935", 2.5),
    ]
    # 2.5 and 2.5: the tie goes to the paper announced first.
    assert [(r.paper.arxiv_id, r.score) for r in keywords] == [
        ("2604.21935", 2.5),
        ("2604.21937", 2.5),
        ("2604.21936", 1.5),
    ]


def test_on_100_real_papers_acronyms_never_match_inside_words() -> None:
    papers = api_papers()
    scorer = compile_profile(DEFAULT)
    legacy = compile_profile(DEFAULT, mode="legacy")
    rl_inside_words = 0
    for p in papers:
        why = scorer.explain(p)
        for match in why.matches:
            if match.rule in ("RL", "SSM", "LLM", "FP8", "FP4", "MOE"):
                assert re.fullmatch(r"(?i)rl|ssms?|llms?|fp[48]|moes?", match.text), match
            assert abs(sum(m.points for m in why.matches) - why.total) < 1e-9
        if any(m.rule == "RL" for m in legacy.explain(p).matches) and not any(
            m.rule == "RL" for m in why.matches
        ):
            rl_inside_words += 1
    assert rl_inside_words >= 10  # "world", "control", "particularly", ...


# ---------------------------------------------------------------- scores


def test_a_keyword_counts_once_plus_the_title_bonus_times_its_weight() -> None:
    profile = ProfileConfig(keywords=["LLM", KeywordRule(term="speculative decoding", weight=2.0)])
    p = paper("1", "Speculative Decoding for LLMs", "LLM, LLMs and more LLMs; speculative decoding")
    why = explain(p, profile)
    assert summary(why) == [
        ("LLM", "title", "LLMs", 1.5),
        ("LLM", "abstract", "LLM", 0.0),
        ("speculative decoding", "title", "Speculative Decoding", 3.0),
        ("speculative decoding", "abstract", "speculative decoding", 0.0),
    ]
    assert (why.keywords, why.title_bonus, why.authors, why.categories) == (3.0, 1.5, 0.0, 0.0)
    assert (why.total, why.semantic, why.dropped, why.reason) == (4.5, None, None, None)
    abstract_only = explain(paper("2", "Serving", "speculative decoding"), profile)
    assert abstract_only.total == 2.0


def test_the_title_bonus_is_configurable() -> None:
    p = paper("1", "LLM serving")
    assert explain(p, ProfileConfig(keywords=["LLM"], title_bonus=0.0)).total == 1.0
    assert explain(p, ProfileConfig(keywords=["LLM"], title_bonus=2.0)).total == 3.0


def test_duplicate_keywords_count_once_with_the_highest_weight() -> None:
    profile = ProfileConfig(
        keywords=[
            "kv cache",
            "KV-Cache",
            KeywordRule(term="KV  cache", weight=3.0),
            "Framework",
            "framework",
            KeywordRule(regex=r"\bMoE\b"),
            KeywordRule(regex=r"\bMoE\b", label="MoE"),
        ]
    )
    why = explain(paper("1", "A KV-cache framework for MoE"), profile)
    assert [(m.rule, m.weight, m.points, m.merged) for m in why.matches] == [
        ("kv cache", 3.0, 4.5, ("KV-Cache", "KV  cache")),
        ("Framework", 1.0, 1.5, ("framework",)),
        (r"\bMoE\b", 1.0, 1.5, ("MoE",)),
    ]
    assert why.total == 7.5


def test_weights_that_do_not_add_up_exactly_still_tie() -> None:
    profile = ProfileConfig(
        keywords=[KeywordRule(term="alpha", weight=0.1), KeywordRule(term="beta", weight=0.2),
                  KeywordRule(term="gamma", weight=0.3)],
        title_bonus=0.0,
    )  # fmt: skip
    one = paper("2601.00002", "x", "alpha beta")
    two = paper("2601.00001", "x", "gamma")
    assert explain(one, profile).total == explain(two, profile).total == 0.3
    assert ids(rank_papers([(one, NEW, 0), (two, NEW, 1)], profile)) == [
        "2601.00002",
        "2601.00001",
    ]


def test_regex_rules_score_with_their_label() -> None:
    profile = ProfileConfig(keywords=[KeywordRule(regex=r"\bMoE\b", weight=1.5, label="MoE")])
    why = explain(paper("1", "Scaling", "sparse moe layers"), profile)
    assert summary(why) == [("MoE", "abstract", "moe", 1.5)]


# ---------------------------------------------------------------- filters


def test_exclude_drops_a_paper_and_says_why() -> None:
    profile = ProfileConfig(keywords=["LLM"], exclude=["survey", KeywordRule(regex="^A review")])
    surveyed = paper("1", "LLM serving: a Survey")
    why = explain(surveyed, profile)
    assert (why.dropped, why.reason) == ("excluded", 'excluded by "survey" (title: "Survey")')
    assert why.total == 1.5 and [m.kind for m in why.matches] == ["keyword", "exclude"]
    reviewed = paper("2", "A review of LLMs")
    assert explain(reviewed, profile).reason == 'excluded by "^A review" (title: "A review")'
    # Same matching as keywords: "surveys" too, "surveillance" not.
    assert explain(paper("3", "LLM", "two surveys"), profile).dropped == "excluded"
    kept = paper("4", "LLM surveillance")
    ranked = rank_papers([(surveyed, NEW, 0), (reviewed, NEW, 1), (kept, NEW, 2)], profile)
    assert ids(ranked) == ["4"]


def test_required_keywords_filter_without_adding_points() -> None:
    profile = ProfileConfig(keywords=["LLM", "GPU"], required=["inference", "serving"])
    without = paper("1", "LLM training on GPUs")
    why = explain(without, profile)
    assert why.dropped == "no_required"
    assert why.reason == 'none of the required keywords matched ("inference", "serving")'
    served = paper("2", "LLM training", "and then serving it")
    why = explain(served, profile)
    assert why.dropped is None and why.total == 1.5
    assert [(m.rule, m.kind, m.points) for m in why.matches] == [
        ("LLM", "keyword", 1.5),
        ("serving", "required", 0.0),
    ]
    assert ids(rank_papers([(without, NEW, 0), (served, NEW, 1)], profile)) == ["2"]


def test_a_paper_without_any_match_is_dropped() -> None:
    why = explain(paper("1", "Graph theory", "On cliques."), DEFAULT)
    assert (why.dropped, why.reason, why.total) == (
        "no_match",
        "no keyword and no followed author matched",
        0.0,
    )


def test_min_score_is_applied() -> None:
    profile = ProfileConfig(keywords=["LLM", "GPU"], min_score=2.0)
    low = paper("1", "LLM")  # 1.5
    high = paper("2", "LLM on GPUs")  # 3.0
    assert explain(low, profile).reason == "score 1.5 is below min_score 2"
    assert explain(low, profile).dropped == "below_min_score"
    assert ids(rank_papers([(low, NEW, 0), (high, NEW, 1)], profile)) == ["2"]
    at_the_limit = ProfileConfig(keywords=["LLM", "GPU"], min_score=1.5)
    assert ids(rank_papers([(low, NEW, 0)], at_the_limit)) == ["1"]


def test_max_papers_cuts_after_sorting() -> None:
    papers = [paper(f"2601.{i:05d}", "LLM" + " GPU" * (i % 2)) for i in range(10)]
    profile = ProfileConfig(keywords=["LLM", "GPU"], max_papers=3)
    ranked = rank_papers([(p, NEW, i) for i, p in enumerate(papers)], profile)
    assert [(r.rank, r.paper.arxiv_id) for r in ranked] == [
        (1, "2601.00001"),
        (2, "2601.00003"),
        (3, "2601.00005"),
    ]


def test_announce_types() -> None:
    p = paper("1", "LLM serving")
    assert explain(p, DEFAULT, announce_type=CROSS).dropped is None
    why = explain(p, DEFAULT, announce_type=REPLACE)
    assert why.dropped == "announce_type"
    assert why.reason == "announced as replace; this profile keeps new, cross"
    assert why.total == 1.5
    only_new = ProfileConfig(announce_types=["new"])
    assert explain(p, only_new, announce_type=CROSS).dropped == "announce_type"
    candidates = [(p, kind, 0) for kind in AnnounceType]
    everything = ProfileConfig(announce_types=["new", "cross", "replace", "replace-cross"])
    assert len(rank_papers(candidates[2:], everything)) == 1
    assert rank_papers(candidates[2:], DEFAULT) == []
    # Announce types given as their names work too.
    named = explain(p, DEFAULT, announce_type="replace")  # type: ignore[arg-type]
    assert named.dropped == "announce_type"
    for mode in ("keywords", "legacy"):
        ranked = rank_papers([(p, "new", 0)], DEFAULT, mode=mode)  # type: ignore[list-item]
        assert [r.announce_type for r in ranked] == [NEW]
    legacy = explain(p, DEFAULT, announce_type="cross", mode="legacy")  # type: ignore[arg-type]
    assert legacy.dropped == "announce_type"


def test_the_first_reason_is_given() -> None:
    profile = ProfileConfig(keywords=["LLM"], exclude=["survey"], required=["GPU"], min_score=9)
    p = paper("1", "LLM survey")
    assert explain(p, profile, announce_type=REPLACE).dropped == "announce_type"
    assert explain(p, profile).dropped == "excluded"
    assert explain(paper("2", "LLM"), profile).dropped == "no_required"
    assert explain(paper("3", "LLM on GPU"), profile).dropped == "below_min_score"


# ---------------------------------------------------------------- authors and categories


def test_followed_authors_add_their_weight_and_rank_papers_alone() -> None:
    profile = ProfileConfig(
        keywords=["LLM"],
        authors=["Yann LeCun", AuthorRule(name="Léon Bottou", weight=3.0)],
    )
    p = paper("1", "Energy-based models", authors=("Y. LeCun", "L. Bottou", "A. Other"))
    why = explain(p, profile)
    assert [(m.rule, m.kind, m.where, m.text, m.weight, m.points) for m in why.matches] == [
        ("Yann LeCun", "author", "author", "Y. LeCun", 2.0, 2.0),
        ("Léon Bottou", "author", "author", "L. Bottou", 3.0, 3.0),
    ]
    assert (why.authors, why.keywords, why.total, why.dropped) == (5.0, 0.0, 5.0, None)
    assert ids(rank_papers([(p, NEW, 0)], profile)) == ["1"]
    stranger = paper("2", "Energy-based models", authors=("Yves LeCun",))
    assert explain(stranger, profile).dropped == "no_match"


@pytest.mark.parametrize(
    "written",
    ["Yann LeCun", "Y. LeCun", "Yann Lecun", "LeCun, Yann", "Yann A. LeCun", "YANN LECUN"],
)
def test_author_names_match_however_written(written: str) -> None:
    profile = ProfileConfig(keywords=[], authors=["Yann LeCun"])
    assert explain(paper("1", "x", authors=("A. B", written)), profile).authors == 2.0


def test_author_names_match_without_accents() -> None:
    profile = ProfileConfig(keywords=[], authors=["Leon Bottou", "Lukasz Kaiser"])
    p = paper("1", "x", authors=("Léon Bottou", "Łukasz Kaiser"))
    assert explain(p, profile).total == 4.0
    reverse = ProfileConfig(keywords=[], authors=["Léon Bottou"])
    assert explain(paper("2", "x", authors=("L. BOTTOU",)), reverse).total == 2.0


def test_an_author_listed_twice_counts_once() -> None:
    profile = ProfileConfig(
        keywords=[], authors=["Yann LeCun", AuthorRule(name="LeCun, Yann", weight=4.0)]
    )
    why = explain(paper("1", "x", authors=("Yann LeCun",)), profile)
    assert [(m.rule, m.points, m.merged) for m in why.matches] == [
        ("Yann LeCun", 4.0, ("LeCun, Yann",))
    ]


def test_category_weights_boost_matched_papers_in_any_of_their_categories() -> None:
    profile = ProfileConfig(
        keywords=["LLM"], category_weights={"cs.DC": 1.0, "math": 0.5, "cs.CV": -1.0}
    )
    cross = paper("1", "LLM", categories=("cs.LG", "cs.DC", "math.OC"))
    why = explain(cross, profile)
    assert [(m.rule, m.kind, m.text, m.points) for m in why.matches][1:] == [
        ("cs.DC", "category", "cs.DC", 1.0),
        ("math", "category", "math.OC", 0.5),
    ]
    assert (why.categories, why.total) == (1.5, 3.0)
    vision = paper("2", "LLM", categories=("cs.CV",))
    assert explain(vision, profile).total == 0.5
    # Categories alone rank nothing.
    assert explain(paper("3", "Graphs", categories=("cs.DC",)), profile).dropped == "no_match"


def test_a_negative_category_weight_can_push_a_paper_below_min_score() -> None:
    profile = ProfileConfig(keywords=["LLM"], category_weights={"cs.CV": -2.0})
    why = explain(paper("1", "LLM", categories=("cs.CV",)), profile)
    assert (why.total, why.dropped) == (-0.5, "below_min_score")


# ---------------------------------------------------------------- ranking


def test_ties_are_broken_by_position_then_arxiv_id_whatever_the_input_order() -> None:
    papers = [paper(f"2601.0000{i}", "LLM" if i % 3 else "LLM GPU") for i in range(9)]
    candidates = [(p, NEW, 10 - i // 2) for i, p in enumerate(papers)]
    expected = ids(rank_papers(candidates, LLM_GPU))
    shuffled = list(candidates)
    for seed in range(5):
        random.Random(seed).shuffle(shuffled)
        assert ids(rank_papers(shuffled, LLM_GPU)) == expected
    # 3.0 for 0, 3, 6 and 1.5 for the others; positions 10, 10, 9, 9, 8, 8, 7, 7, 6.
    assert [i[-1] for i in expected] == ["6", "3", "0", "8", "7", "4", "5", "2", "1"]


def test_a_paper_given_twice_is_ranked_once_with_its_strongest_announcement() -> None:
    p = paper("1", "LLM serving")
    ranked = rank_papers([(p, CROSS, 0), (p, NEW, 5), (p, REPLACE, 1)], DEFAULT)
    assert [(r.paper.arxiv_id, r.announce_type, r.rank) for r in ranked] == [("1", NEW, 1)]
    legacy = rank_papers([(p, CROSS, 0), (p, NEW, 5)], DEFAULT, mode="legacy")
    assert [r.announce_type for r in legacy] == [NEW]


def test_ranked_papers_carry_rank_score_and_explanation() -> None:
    papers = [paper("1", "LLM"), paper("2", "LLM on GPUs", "kv cache"), paper("3", "Graphs")]
    ranked = rank_papers([(p, NEW, i) for i, p in enumerate(papers)], DEFAULT)
    assert [(r.rank, r.paper.arxiv_id, r.score) for r in ranked] == [(1, "2", 2.5), (2, "1", 1.5)]
    for r in ranked:
        assert r.score == r.explanation.total and r.explanation.kept
        assert r.announce_type is NEW
    assert ranked[0].explanation.describe() == (
        'kv cache (abstract "kv cache") 1 + LLM (title "LLM") 1.5 = 2.5'
    )
    dropped = explain(papers[2], DEFAULT).describe()
    assert dropped == "dropped: no keyword and no followed author matched [0 = 0]"


def test_a_scorer_is_built_once_and_reused() -> None:
    scorer = compile_profile(DEFAULT)
    assert isinstance(scorer, KeywordScorer)
    assert isinstance(compile_profile(ProfileConfig(mode="legacy")), LegacyScorer)
    assert isinstance(compile_profile(DEFAULT, mode="legacy"), LegacyScorer)
    candidates = [(p, kind, i) for i, (p, kind) in enumerate(rss_papers())]
    assert scorer.rank(candidates) == scorer.rank(candidates) == rank_papers(candidates, DEFAULT)
    assert scorer.score(rss_papers()[0][0], NEW) == 2.5
    assert scorer.score(rss_papers()[0][0], REPLACE) is None


def test_candidates_from_a_listing_keep_its_order() -> None:
    entries = [
        ListingEntry(
            paper=p,
            announcement=Announcement(
                arxiv_id=p.arxiv_id,
                version=1,
                announced_on="2026-04-27",  # type: ignore[arg-type]
                announce_type=kind,
            ),
        )
        for p, kind in rss_papers()
    ]
    candidates = candidates_from_listing(entries)
    assert [(c.paper.arxiv_id, c.announce_type, c.position) for c in candidates] == [
        ("2604.21935", NEW, 0),
        ("2604.21936", NEW, 1),
        ("2604.21937", NEW, 2),
    ]


def test_an_empty_profile_ranks_nothing() -> None:
    profile = ProfileConfig(keywords=[])
    assert rank_papers([(paper("1", "LLM"), NEW, 0)], profile) == []
    assert explain(paper("1", "LLM"), profile).dropped == "no_match"
