"""``readers`` and ``reader_profiles``: readers, their tokens (hashes only) and their profiles,
on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from arxiv_radar.errors import UsageError
from arxiv_radar.store import Store
from arxiv_radar.store.feedback import token_hash
from arxiv_radar.store.tables import reader_profiles, readers


def test_a_reader_owns_profiles_and_is_found_by_either_token(store: Store) -> None:
    before = store.readers_state()
    tokens = store.add_reader("ada", ["theory", "systems", "theory"])
    assert tokens.api_token != tokens.feed_token
    [ada] = store.readers()
    assert (ada.name, ada.profiles) == ("ada", ("theory", "systems"))
    by_api, by_feed = store.reader_token_index()
    assert by_api == {token_hash(tokens.api_token): "ada"}
    assert by_feed == {token_hash(tokens.feed_token): "ada"}
    assert store.profile_owner("theory") == "ada" and store.profile_owner("other") is None
    after = store.readers_state()
    assert after != before
    assert store.grant_profile("ada", "other") and not store.grant_profile("ada", "other")
    assert store.readers_state() != after
    assert store.readers("ada")[0].profiles == ("theory", "systems", "other")


def test_only_hashes_are_stored(store: Store) -> None:
    tokens = store.add_reader("ada")
    with store._transaction("testing") as conn:
        row = conn.execute(select(readers)).one()
    assert tokens.api_token not in row and tokens.feed_token not in row
    assert row.token_hash == token_hash(tokens.api_token)


def test_a_taken_name_or_owned_profile_writes_nothing(store: Store) -> None:
    store.add_reader("ada", ["theory"])
    state = store.readers_state()
    with pytest.raises(UsageError, match="there is a reader 'ada' already"):
        store.add_reader("ada", ["free"])
    with pytest.raises(UsageError, match="profile 'theory' belongs to reader 'ada'"):
        store.add_reader("bob", ["free", "theory"])
    with pytest.raises(UsageError, match="belongs to reader 'ada'"):
        store.add_reader("bob")
        store.grant_profile("bob", "theory")
    with pytest.raises(UsageError, match="is not a reader name"):
        store.add_reader("a b")
    with pytest.raises(UsageError, match="no reader 'carol'"):
        store.grant_profile("carol", "free")
    assert [(r.name, r.profiles) for r in store.readers()] == [("ada", ("theory",)), ("bob", ())]
    assert store.profile_owner("free") is None
    assert store.readers_state() != state  # bob was added, once


def test_new_tokens_replace_the_old_and_removal_forgets_the_reader(store: Store) -> None:
    first = store.add_reader("ada", ["theory"])
    second = store.new_reader_tokens("ada")
    assert second is not None and second.api_token != first.api_token
    by_api, by_feed = store.reader_token_index()
    assert token_hash(first.api_token) not in by_api and token_hash(first.feed_token) not in by_feed
    assert token_hash(second.feed_token) in by_feed
    assert store.new_reader_tokens("nobody") is None
    assert store.remove_reader("ada") and not store.remove_reader("ada")
    assert store.readers() == [] and store.reader_token_index() == ({}, {})
    assert store.profile_owner("theory") is None
    with store._transaction("testing") as conn:
        assert conn.execute(select(reader_profiles)).all() == []
    store.add_reader("bob", ["theory"])  # the profile is free again


def test_a_readers_profile_settings_are_kept_replaced_and_go_with_the_reader(
    store: Store,
) -> None:
    assert not store.save_profile_edits("theory", {"max_papers": 5})  # nobody owns it
    store.add_reader("ada", ["theory", "systems"])
    state = store.readers_state()
    assert store.save_profile_edits("theory", {"keywords": ["kv cache"], "max_papers": 5})
    assert store.readers_state() != state  # a server sees the change
    assert store.profile_edits() == {"theory": {"keywords": ["kv cache"], "max_papers": 5}}
    assert store.profile_edits("systems") == {}
    store.save_profile_edits("theory", {"min_score": 1.5})
    assert store.profile_edits("theory") == {"theory": {"min_score": 1.5}}
    store.save_profile_edits("theory", {})
    assert store.profile_edits() == {}
    store.save_profile_edits("systems", {"mode": "semantic"})
    store.remove_reader("ada")
    assert store.profile_edits() == {}
