"""The evaluation metrics, by hand, and the labels file with every way it can be wrong."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pytest

from arxiv_radar.config import ProfileConfig
from arxiv_radar.errors import UsageError
from arxiv_radar.evaluate import (
    Labels,
    RankFunction,
    average_precision,
    candidates_for,
    default_modes,
    evaluate,
    load_labels,
    ndcg_at,
    precision_at,
    rank_for_eval,
    recall_at,
)
from arxiv_radar.models import AnnounceType, Paper
from arxiv_radar.rank.scoring import Candidate, Mode

LOG2_3 = math.log2(3)


# ---------------------------------------------------------------- metrics


def test_metrics_of_a_short_ranking_by_hand() -> None:
    ranked = ["a", "b", "c", "d"]
    relevant = frozenset({"a", "c"})
    assert precision_at(ranked, relevant, 1) == 1.0
    assert precision_at(ranked, relevant, 2) == 0.5
    assert precision_at(ranked, relevant, 3) == pytest.approx(2 / 3)
    assert recall_at(ranked, relevant, 2) == 0.5
    assert recall_at(ranked, relevant, 4) == 1.0
    # DCG@2 = 1/log2(2) = 1; the ideal ranking puts a and c first: 1 + 1/log2(3).
    assert ndcg_at(ranked, relevant, 2) == pytest.approx(1 / (1 + 1 / LOG2_3))
    assert ndcg_at(ranked, relevant, 2) == pytest.approx(0.6131471927654584)
    # DCG@4 = 1 + 1/log2(4) = 1.5.
    assert ndcg_at(ranked, relevant, 4) == pytest.approx(1.5 / (1 + 1 / LOG2_3))
    assert ndcg_at(ranked, relevant, 4) == pytest.approx(0.9197207891481876)
    # AP: P@1 = 1 at a, P@3 = 2/3 at c, over 2 relevant papers.
    assert average_precision(ranked, relevant) == pytest.approx((1 + 2 / 3) / 2)


def test_a_perfect_and_a_reversed_ranking() -> None:
    relevant = frozenset({"a", "b"})
    assert ndcg_at(["a", "b", "x", "y"], relevant, 3) == pytest.approx(1.0)
    assert average_precision(["a", "b", "x"], relevant) == 1.0
    # Relevant papers at places 3 and 4: DCG = 1/log2(4) + 1/log2(5).
    reversed_dcg = 1 / 2 + 1 / math.log2(5)
    assert ndcg_at(["x", "y", "a", "b"], relevant, 4) == pytest.approx(
        reversed_dcg / (1 + 1 / LOG2_3)
    )
    assert average_precision(["x", "y", "a", "b"], relevant) == pytest.approx((1 / 3 + 2 / 4) / 2)


def test_k_larger_than_the_list_counts_empty_places_as_not_relevant() -> None:
    ranked = ["a"]
    relevant = frozenset({"a", "b"})
    assert precision_at(ranked, relevant, 5) == pytest.approx(0.2)  # 1 / k, not 1 / 1
    assert recall_at(ranked, relevant, 5) == 0.5
    # The ideal ranking has both relevant papers: IDCG@5 = 1 + 1/log2(3).
    assert ndcg_at(ranked, relevant, 5) == pytest.approx(1 / (1 + 1 / LOG2_3))
    # b is never ranked: it adds 0 to AP, which is still divided by 2.
    assert average_precision(ranked, relevant) == 0.5
    assert precision_at([], relevant, 3) == 0.0
    assert ndcg_at([], relevant, 3) == 0.0


def test_the_ideal_dcg_is_cut_at_the_number_of_relevant_papers() -> None:
    # One relevant paper: IDCG@10 = 1, so a relevant paper at place 2 gives 1/log2(3).
    assert ndcg_at(["x", "a"], frozenset({"a"}), 10) == pytest.approx(1 / LOG2_3)


def test_no_relevant_paper_gives_no_value_rather_than_0_or_1() -> None:
    for metric in (precision_at, recall_at, ndcg_at):
        assert metric(["a", "b"], frozenset(), 2) is None
    assert average_precision(["a"], frozenset()) is None


def test_k_must_be_at_least_1() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        precision_at(["a"], frozenset({"a"}), 0)
    with pytest.raises(ValueError, match="at least 1"):
        ndcg_at(["a"], frozenset({"a"}), 0)


# ---------------------------------------------------------------- ranking and evaluate


def paper(arxiv_id: str, title: str, abstract: str = "") -> Paper:
    return Paper(arxiv_id=arxiv_id, version=1, title=title, abstract=abstract)


def labels_of(source: str, **profiles: dict[str, bool]) -> Labels:
    return Labels(source=source, judgements=profiles)


def test_ties_follow_arxiv_ids_not_the_order_of_the_labels() -> None:
    papers = {
        "0704.0009": paper("0704.0009", "Robots that walk"),
        "0704.0001": paper("0704.0001", "Robots that swim"),
        "0704.0005": paper("0704.0005", "Nothing about it"),
    }
    labels = labels_of(
        "x.jsonl", reader={"0704.0009": True, "0704.0005": False, "0704.0001": False}
    )
    candidates = candidates_for(labels, "reader", papers)
    assert [c.paper.arxiv_id for c in candidates] == ["0704.0001", "0704.0005", "0704.0009"]
    assert [c.position for c in candidates] == [0, 1, 2]
    profile = ProfileConfig(keywords=["robots"], max_papers=10)
    # Both robot papers score 1.5 (title): the tie is broken by position, that is by id.
    assert rank_for_eval(profile, "keywords", candidates) == ["0704.0001", "0704.0009"]
    report = evaluate(labels, {"reader": profile}, {"reader": candidates}, modes=["keywords"])
    (result,) = report.results
    assert (result.papers, result.relevant, result.ranked) == (3, 1, 2)
    at_1 = result.at[0]
    assert at_1.k == 5 and at_1.precision == pytest.approx(0.2) and at_1.recall == 1.0
    assert at_1.ndcg == pytest.approx(1 / LOG2_3)  # the relevant paper is second
    assert result.average_precision == 0.5


def test_keywords_and_legacy_modes_rank_differently() -> None:
    # legacy: "rl" is a substring of "World" (title: 1 + 0.5) and of "RL" (abstract: 1);
    # keywords: only the word RL matches.
    papers = {
        "0704.0001": paper("0704.0001", "Agents", "We train RL agents."),
        "0704.0002": paper("0704.0002", "World models", "We predict frames."),
    }
    labels = labels_of("x.jsonl", reader={"0704.0001": True, "0704.0002": False})
    candidates = {"reader": candidates_for(labels, "reader", papers)}
    profile = ProfileConfig(keywords=["RL"])
    assert rank_for_eval(profile, "legacy", candidates["reader"]) == ["0704.0002", "0704.0001"]
    assert rank_for_eval(profile, "keywords", candidates["reader"]) == ["0704.0001"]
    report = evaluate(labels, {"reader": profile}, candidates, ks=[1])
    assert report.modes == default_modes() == ("keywords", "legacy")
    by_mode = {result.mode: result for result in report.results}
    assert by_mode["keywords"].at[0].precision == 1.0
    assert by_mode["legacy"].at[0].precision == 0.0
    assert by_mode["legacy"].average_precision == 0.5


def fixed_ranking(rankings: dict[tuple[str, str], list[str]]) -> RankFunction:
    """A rank function that answers from a table: (profile's first keyword, mode) -> ids."""

    def rank(profile: ProfileConfig, mode: Mode, candidates: Sequence[Candidate]) -> list[str]:
        return rankings[str(profile.keywords[0]), mode]

    return rank


def test_means_leave_out_a_profile_without_relevant_papers() -> None:
    papers = {name: paper(name, name) for name in ("0704.0001", "0704.0002", "0704.0003")}
    labels = labels_of(
        "x.jsonl",
        one={"0704.0001": True, "0704.0002": False, "0704.0003": True},
        two={"0704.0001": True, "0704.0002": True, "0704.0003": False},
        none={"0704.0001": False, "0704.0002": False},
    )
    profiles = {
        name: ProfileConfig(keywords=[name]) for name in ("one", "two", "none")
    }  # the keyword names the profile for fixed_ranking
    rank = fixed_ranking(
        {
            ("one", "keywords"): ["0704.0001", "0704.0002", "0704.0003"],
            ("two", "keywords"): ["0704.0003", "0704.0001"],
            ("none", "keywords"): ["0704.0001"],
        }
    )
    candidates = {name: candidates_for(labels, name, papers) for name in profiles}
    report = evaluate(labels, profiles, candidates, modes=["keywords"], ks=[2, 1, 2], rank=rank)
    assert report.ks == (1, 2)
    assert report.excluded == ("none",)
    one, two, none = report.results
    assert [(m.k, m.precision, m.recall) for m in one.at] == [(1, 1.0, 0.5), (2, 0.5, 0.5)]
    assert [(m.k, m.precision, m.recall) for m in two.at] == [(1, 0.0, 0.0), (2, 0.5, 0.5)]
    assert none.relevant == 0 and none.average_precision is None
    assert all(m.precision is m.recall is m.ndcg is None for m in none.at)
    assert one.average_precision == pytest.approx((1 + 2 / 3) / 2)
    assert two.average_precision == pytest.approx((1 / 2) / 2)  # 0704.0002 never ranked
    (mean,) = report.means
    assert mean.mode == "keywords" and mean.profiles == 2
    assert [(m.k, m.precision, m.recall) for m in mean.at] == [(1, 0.5, 0.25), (2, 0.5, 0.5)]
    assert mean.at[1].ndcg == pytest.approx(
        (1 / (1 + 1 / LOG2_3) + (1 / LOG2_3) / (1 + 1 / LOG2_3)) / 2
    )
    assert mean.mean_average_precision == pytest.approx(((1 + 2 / 3) / 2 + 0.25) / 2)
    with pytest.raises(Exception, match="frozen"):
        mean.profiles = 3  # type: ignore[misc]


def test_unlabelled_candidates_are_not_relevant_and_labels_outside_them_do_not_count() -> None:
    day = [
        Candidate(paper("0704.0001", "A"), AnnounceType.NEW, 0),
        Candidate(paper("0704.0002", "B"), AnnounceType.CROSS, 1),
    ]
    # 0704.0003 is labelled relevant but is not a candidate: R counts 0704.0001 only.
    labels = labels_of("x.jsonl", p={"0704.0001": True, "0704.0003": True})
    rank = fixed_ranking({("p", "keywords"): ["0704.0002", "0704.0001"]})
    report = evaluate(
        labels, {"p": ProfileConfig(keywords=["p"])}, {"p": day}, modes=["keywords"], ks=[1, 2]
    )  # the real ranking drops both: nothing matches "p"
    assert report.results[0].ranked == 0 and report.results[0].at[1].recall == 0.0
    report = evaluate(
        labels,
        {"p": ProfileConfig(keywords=["p"])},
        {"p": day},
        modes=["keywords"],
        ks=[1, 2],
        rank=rank,
    )
    (result,) = report.results
    assert (result.papers, result.relevant) == (2, 1)
    assert [(m.precision, m.recall) for m in result.at] == [(0.0, 0.0), (0.5, 1.0)]


def test_evaluate_needs_a_cut_off() -> None:
    labels = labels_of("x.jsonl", p={"0704.0001": True})
    with pytest.raises(ValueError, match="no cut-off"):
        evaluate(labels, {}, {}, ks=[])
    with pytest.raises(ValueError, match="at least 1"):
        evaluate(labels, {}, {}, ks=[0, 5])


# ---------------------------------------------------------------- the labels file


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "labels.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_labels_are_read_in_order_with_ids_normalized(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '{"profile": "systems", "arxiv_id": "arXiv:2401.00001v2", "relevant": true}',
        "",
        '{"profile": "theory", "arxiv_id": "hep-th/9901001", "relevant": false}',
        "   ",
        '{"profile": "systems", "arxiv_id": "https://arxiv.org/abs/2401.00002", "relevant": false}',
        '{"profile": "systems", "arxiv_id": "2401.00001", "relevant": true}',  # same, once
    )
    labels = load_labels(path)
    assert labels.source == str(path)
    assert labels.profiles == ["systems", "theory"]
    assert labels.papers("systems") == ["2401.00001", "2401.00002"]
    assert labels.relevant("systems") == {"2401.00001"}
    assert labels.relevant("theory") == frozenset()
    assert labels.papers("nobody") == []
    assert labels.arxiv_ids() == ["2401.00001", "2401.00002", "hep-th/9901001"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            '{"profile": "p", "arxiv_id": "2401.00001", "relevant": tru}',
            "line 3: not valid JSON: Expecting value (at column 56; expected {",
        ),
        (
            '{"profile": "p", "arxiv_id": "2401.00001"}',
            "line 3: key 'relevant' is missing",
        ),
        (
            '{"profile": "p", "arxiv_id": "2401.00001", "relevant": "yes"}',
            "line 3: key 'relevant': found \"yes\" (expected true or false)",
        ),
        (
            '{"profile": "p", "arxiv_id": "2401.00001", "relevant": 1}',
            "line 3: key 'relevant': found 1 (expected true or false)",
        ),
        (
            '{"profile": "p", "arxiv_id": "2401.1", "relevant": true}',
            "line 3: key 'arxiv_id': '2401.1' is not an arXiv id",
        ),
        (
            '{"profile": "p", "arxiv_id": 2401.00001, "relevant": true}',
            "line 3: key 'arxiv_id': found 2401.00001 (expected a string)",
        ),
        (
            '{"profile": "my profile", "arxiv_id": "2401.00001", "relevant": true}',
            "line 3: key 'profile': profile name 'my profile' cannot be used in file names",
        ),
        (
            '{"profile": "p", "arxiv_id": "2401.00001", "relevant": true, "note": "x"}',
            "line 3: unknown key 'note' (expected profile, arxiv_id and relevant)",
        ),
        (
            '{"arxiv_id": "2401.00001", "relevant": null}',
            "line 3: key 'profile' is missing; key 'relevant': found null",
        ),
        ('["p", "2401.00001", true]', 'line 3: found ["p", "2401.00001", true], not a JSON'),
        (
            '{"profile": "p", "arxiv_id": "2401.00001v3", "relevant": false}',
            "line 3: 2401.00001 is labelled not relevant to profile 'p', but line 1 labels it "
            "relevant: keep one of the two",
        ),
    ],
)
def test_a_bad_line_is_named_with_its_number(tmp_path: Path, line: str, message: str) -> None:
    path = write(
        tmp_path,
        '{"profile": "p", "arxiv_id": "2401.00001", "relevant": true}',
        "",
        line,
        '{"profile": "p", "arxiv_id": "2401.00002", "relevant": true}',
    )
    with pytest.raises(UsageError) as caught:
        load_labels(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)
    assert caught.value.exit_code == 2


def test_an_empty_or_unreadable_labels_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"labels.jsonl: no labels \(expected one per line"):
        load_labels(write(tmp_path, "", "  "))
    with pytest.raises(UsageError, match="cannot read the labels file .*missing.jsonl"):
        load_labels(tmp_path / "missing.jsonl")
    (tmp_path / "latin1.jsonl").write_bytes(b'{"profile": "caf\xe9"}\n')
    with pytest.raises(UsageError, match="not UTF-8 text"):
        load_labels(tmp_path / "latin1.jsonl")
