"""Properties of matching and scoring, over generated keywords and texts."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from arxiv_radar.config import ProfileConfig
from arxiv_radar.models import AnnounceType, Paper
from arxiv_radar.rank import compile_profile, explain, rank_papers

ALNUM = st.characters(categories=("L", "N"))
WORD = st.text(ALNUM, min_size=1, max_size=12)
LETTERS_BUT_Q = st.text(st.sampled_from("abcdefghijklmnop"), min_size=1, max_size=10)


def paper(title: str, abstract: str = "") -> Paper:
    return Paper(arxiv_id="2601.00001", version=1, title=title, abstract=abstract)


def matches_in_title(keyword: str, title: str) -> bool:
    why = explain(paper(title), ProfileConfig(keywords=[keyword]))
    return any(m.where == "title" for m in why.matches)


@given(WORD)
def test_a_keyword_matches_a_text_that_is_exactly_itself(keyword: str) -> None:
    assert matches_in_title(keyword, keyword)


@given(st.lists(WORD, min_size=1, max_size=4), st.sampled_from(["-", " ", "\n", " - ", "~"]))
def test_a_phrase_matches_whatever_joins_its_words(words: list[str], joint: str) -> None:
    assert matches_in_title(" ".join(words), f"({joint.join(words)}).")


@given(LETTERS_BUT_Q)
def test_a_keyword_never_matches_inside_a_longer_word(keyword: str) -> None:
    assert not matches_in_title(keyword, f"q{keyword}q and {keyword}q and q{keyword}")


@settings(max_examples=200)
@given(
    st.lists(st.text(min_size=1, max_size=15).filter(str.strip), min_size=1, max_size=6),
    st.text(max_size=200),
    st.text(max_size=400),
)
def test_matching_never_raises(keywords: list[str], title: str, abstract: str) -> None:
    profile = ProfileConfig(keywords=keywords, exclude=keywords[:1], required=keywords[-1:])
    for mode in ("keywords", "legacy"):
        scorer = compile_profile(profile, mode=mode)  # type: ignore[arg-type]
        why = scorer.explain(paper(title, abstract))
        assert abs(sum(m.points for m in why.matches) - why.total) < 1e-9
        score = scorer.score(paper(title, abstract), AnnounceType.NEW)
        assert score == (None if why.dropped else why.total)


@given(
    st.lists(st.sampled_from(["rl", "RL", "model", " a", "ing", "LLM", "e"]), max_size=6),
    st.lists(st.text(st.sampled_from("rlmodeLMa i-ng"), max_size=40), min_size=1, max_size=6),
)
def test_legacy_scores_are_the_old_formula(keywords: list[str], titles: list[str]) -> None:
    profile = ProfileConfig(mode="legacy", keywords=keywords, max_papers=100)
    papers = [
        Paper(arxiv_id=f"2601.{i:05d}", version=1, title=t, abstract=t[::-1])
        for i, t in enumerate(titles)
    ]
    ranked = rank_papers([(p, AnnounceType.NEW, i) for i, p in enumerate(papers)], profile)
    expected = []
    for p in papers:
        text = (p.title + " " + p.abstract).lower()
        score = sum(
            (k.lower() in text) * 1.0 + (k.lower() in p.title.lower()) * 0.5 for k in keywords
        )
        if score:
            expected.append((p.arxiv_id, score))
    expected.sort(key=lambda item: -item[1])
    assert [(r.paper.arxiv_id, r.score) for r in ranked] == expected
