"""Scores: written per profile and paper version, replaced on re-ranking, read back whole."""

from __future__ import annotations

import pytest

from arxiv_radar.errors import StoreError
from arxiv_radar.models import (
    Announcement,
    AnnounceType,
    Explanation,
    ListingEntry,
    Match,
    Paper,
)
from arxiv_radar.store import Store

from store_helpers import DAY


def _paper(arxiv_id: str, version: int = 1) -> Paper:
    return Paper(arxiv_id=arxiv_id, version=version, title=f"Paper {arxiv_id}", abstract="x")


def _entry(arxiv_id: str, version: int = 1) -> ListingEntry:
    return ListingEntry(
        paper=_paper(arxiv_id, version),
        announcement=Announcement(
            arxiv_id=arxiv_id, version=version, announced_on=DAY, announce_type=AnnounceType.NEW
        ),
    )


def _explanation(total: float, *, dropped: bool = False) -> Explanation:
    match = Match(
        rule="kv cache", kind="keyword", where="title", text="KV-cache", weight=1.0, points=total
    )
    return Explanation(
        mode="keywords",
        matches=(match,),
        keywords=total,
        total=total,
        dropped="below_min_score" if dropped else None,
        reason="score 1.5 is below min_score 2" if dropped else None,
    )


def test_scores_round_trip_with_their_explanation(store: Store) -> None:
    store.ingest([_entry("2604.00001"), _entry("2604.00002")])
    written = store.save_scores(
        "default",
        [("2604.00001", 1, _explanation(2.5)), ("2604.00002", 1, _explanation(1.5, dropped=True))],
    )
    assert written == 2
    found = store.get_scores("default", ["2604.00001", "2604.00002", "2604.00003"])
    assert set(found) == {"2604.00001", "2604.00002"}
    assert found["2604.00001"].score == 2.5
    assert found["2604.00001"].explanation.matches[0].text == "KV-cache"
    assert found["2604.00001"].explanation.kept
    assert not found["2604.00002"].explanation.kept
    assert found["2604.00002"].explanation.reason == "score 1.5 is below min_score 2"
    assert found["2604.00001"].computed_at.tzinfo is not None
    assert store.get_scores("other-profile", ["2604.00001"]) == {}


def test_re_ranking_replaces_and_the_newest_version_wins(store: Store) -> None:
    store.ingest([_entry("2604.00001")])
    store.save_scores("default", [("2604.00001", 1, _explanation(1.0))])
    store.save_scores("default", [("2604.00001", 1, _explanation(3.0))])
    assert store.get_scores("default", ["2604.00001"])["2604.00001"].score == 3.0
    store.upsert_papers([_paper("2604.00001", 2)])
    store.save_scores("default", [("2604.00001", 2, _explanation(4.0))])
    newest = store.get_scores("default", ["2604.00001"])["2604.00001"]
    assert (newest.version, newest.score) == (2, 4.0)


def test_a_score_for_an_unknown_paper_is_refused(store: Store) -> None:
    with pytest.raises(StoreError):
        store.save_scores("default", [("2604.99999", 1, _explanation(1.0))])
