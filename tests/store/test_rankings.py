"""The ``rankings`` read model: a day's ranking is computed once per (profile, day, ranking
configuration), stored, and read back; a changed profile or a changed day is ranked again.
Migration 0006 adds the table to a store at 0005."""

from __future__ import annotations

import dataclasses

import pytest
from alembic import command
from sqlalchemy import inspect

from arxiv_radar.config import ProfileConfig
from arxiv_radar.models import AnnounceType
from arxiv_radar.rank.ranker import DayRanking, rank_day
from arxiv_radar.store import Store, StoredRanking, migrate
from arxiv_radar.store.rankings import config_hash, papers_hash
from arxiv_radar.store.tables import rankings
from calls import CallsInto

from store_helpers import DAY, make_entry, table_rows

PROFILE = ProfileConfig.model_validate(
    {
        "keywords": ["transformer", {"term": "LLM", "weight": 2.0}, "kv cache"],
        "exclude": ["survey"],
        "max_papers": 2,
    }
)


def scorer_calls() -> CallsInto:
    """Calls into the ranking engine (the scorers), not into the stage around it."""
    return CallsInto("rank", exclude=("ranker.py", "key.py", "__init__.py"))


def fill_day(store: Store) -> None:
    store.ingest(
        [
            make_entry("2405.00001", title="A transformer for LLM serving"),
            make_entry("2405.00002", title="KV cache eviction", abstract="An LLM trick."),
            make_entry("2405.00003", "cross", title="A survey of transformer models"),
            make_entry("2405.00004", title="Graph colouring", abstract="No keyword here."),
            make_entry("2405.00005", "cross", title="Transformer tricks"),
        ]
    )


def same(a: DayRanking, b: DayRanking) -> None:
    assert dataclasses.asdict(a) == dataclasses.asdict(b)
    assert a.kept == b.kept


@pytest.fixture
def day_store(store: Store) -> Store:
    fill_day(store)
    return store


def test_a_ranking_is_stored_once_and_read_back(day_store: Store) -> None:
    with scorer_calls() as first_calls:
        first = rank_day(day_store, "default", PROFILE, day=DAY)
    assert first_calls.total > 0
    assert [item.paper.arxiv_id for item in first.ranked] == ["2405.00001", "2405.00002"]
    assert (first.considered, first.kept) == (5, 3)

    stored = day_store.ranking("default", DAY, config_hash(PROFILE))
    assert isinstance(stored, StoredRanking)
    assert (stored.profile, stored.day, stored.mode) == ("default", DAY, "keywords")
    assert (stored.considered, stored.kept, stored.shown) == (5, 3, 2)
    assert [(e.arxiv_id, e.rank) for e in stored.entries] == [
        ("2405.00001", 1),
        ("2405.00002", 2),
        ("2405.00004", None),  # no match (the other papers follow in announcement order:
        ("2405.00003", None),  # excluded             new ones first, then cross-lists)
        ("2405.00005", None),  # kept, cut by max_papers
    ]
    assert stored.entries[2].explanation.dropped == "no_match"
    assert stored.entries[3].explanation.dropped == "excluded"
    assert stored.explanations == first.explanations

    with scorer_calls() as again_calls:
        again = rank_day(day_store, "default", PROFILE, day=DAY)
        summarize_reads = rank_day(day_store, "default", PROFILE, day=DAY, save=False)
    assert again_calls.total == 0, again_calls.calls
    same(again, first)
    same(summarize_reads, first)
    [row] = table_rows(day_store, rankings)
    assert row["computed_at"] == stored.computed_at  # not written again


def test_without_save_a_missing_ranking_is_computed_but_not_stored(day_store: Store) -> None:
    ranking = rank_day(day_store, "default", PROFILE, day=DAY, save=False)
    assert len(ranking.ranked) == 2
    assert day_store.ranking("default", DAY, config_hash(PROFILE)) is None
    assert day_store.ranked_days("default", config_hash(PROFILE)) == set()


def test_a_changed_profile_is_ranked_again(day_store: Store) -> None:
    before = rank_day(day_store, "default", PROFILE, day=DAY)
    changed = PROFILE.model_copy(update={"max_papers": 3})
    other_weights = ProfileConfig.model_validate(
        PROFILE.model_dump() | {"keywords": ["transformer", "LLM", "kv cache"]}
    )
    keys = {config_hash(PROFILE), config_hash(changed), config_hash(other_weights)}
    assert len(keys) == 3 and config_hash(PROFILE) == config_hash(PROFILE.model_copy())
    assert config_hash(PROFILE, "legacy") != config_hash(PROFILE)

    with scorer_calls() as calls:
        after = rank_day(day_store, "default", changed, day=DAY)
    assert calls.total > 0
    assert len(after.ranked) == 3 and len(before.ranked) == 2
    with scorer_calls() as calls:
        legacy = rank_day(day_store, "default", PROFILE, day=DAY, mode="legacy")
    assert calls.total > 0 and legacy.mode == "legacy"
    assert day_store.ranking("default", DAY, config_hash(PROFILE, "legacy")) is not None
    with scorer_calls() as calls:  # every configuration keeps its own ranking
        same(rank_day(day_store, "default", PROFILE, day=DAY), before)
        same(rank_day(day_store, "default", changed, day=DAY), after)
    assert calls.total == 0
    assert day_store.ranked_days("default", config_hash(changed)) == {DAY}
    assert day_store.ranking("another profile", DAY, config_hash(PROFILE)) is None


def test_a_new_paper_version_on_the_day_is_ranked_again(day_store: Store) -> None:
    first = rank_day(day_store, "default", PROFILE, day=DAY)
    assert first.ranked[1].paper.versioned_id == "2405.00002v1"
    day_store.ingest(
        [make_entry("2405.00002", "replace", version=2, title="Graph kernels", abstract=".")]
    )
    with scorer_calls() as calls:
        second = rank_day(day_store, "default", PROFILE, day=DAY)
    assert calls.total > 0
    assert [item.paper.versioned_id for item in second.ranked] == ["2405.00001v1", "2405.00005v1"]
    stored = day_store.ranking("default", DAY, config_hash(PROFILE))
    assert stored is not None
    versions = {entry.arxiv_id: entry.version for entry in stored.entries}
    assert versions["2405.00002"] == 2


def test_a_paper_added_to_the_day_is_ranked_again(day_store: Store) -> None:
    rank_day(day_store, "default", PROFILE, day=DAY)
    day_store.ingest([make_entry("2405.00009", title="LLM transformer with a KV cache")])
    with scorer_calls() as calls:
        ranking = rank_day(day_store, "default", PROFILE, day=DAY)
    assert calls.total > 0
    assert ranking.considered == 6 and ranking.ranked[0].paper.arxiv_id == "2405.00009"


def test_the_papers_hash_follows_content_type_and_order(day_store: Store) -> None:
    papers = [stored.paper for stored in day_store.papers_announced_on(DAY)]
    base = papers_hash((paper, AnnounceType.NEW) for paper in papers)
    assert base == papers_hash((paper, AnnounceType.NEW) for paper in papers)
    assert base != papers_hash((paper, AnnounceType.NEW) for paper in reversed(papers))
    assert base != papers_hash(
        (paper, AnnounceType.CROSS if i == 0 else AnnounceType.NEW)
        for i, paper in enumerate(papers)
    )
    edited = [papers[0].model_copy(update={"abstract": "Edited."}), *papers[1:]]
    assert base != papers_hash((paper, AnnounceType.NEW) for paper in edited)


# -- migration 0006 from a store at 0005 -------------------------------------------------------


def test_a_0005_store_gains_rankings(db_url: str) -> None:
    with Store.open(db_url, migrate=False) as empty:
        with empty._require_engine().begin() as conn:
            command.upgrade(migrate.alembic_config(conn), "0005")
    with Store.open(db_url, migrate=False) as old:
        assert old.schema_revision() == "0005"
        with old._require_engine().connect() as conn:
            assert "rankings" not in inspect(conn).get_table_names()
        fill_day(old)  # papers kept by the older store

    with Store.open(db_url) as store:
        assert store.applied_migrations == ("0006", "0007", "0008", "0009", "0010", "0011", "0012")
        assert store.ranking("default", DAY, config_hash(PROFILE)) is None
        first = rank_day(store, "default", PROFILE, day=DAY)
        assert store.ranking("default", DAY, config_hash(PROFILE)) is not None
        with store._require_engine().begin() as conn:
            command.downgrade(migrate.alembic_config(conn), "0005")
    with Store.open(db_url, migrate=False) as old:
        with old._require_engine().connect() as conn:
            assert "rankings" not in inspect(conn).get_table_names()
    with Store.open(db_url) as store:  # up again: ranked anew, the same ranking
        assert store.ranking("default", DAY, config_hash(PROFILE)) is None
        same(rank_day(store, "default", PROFILE, day=DAY), first)
