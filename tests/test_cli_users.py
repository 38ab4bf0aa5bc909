"""`arxiv-radar users`: add, list, token, grant and remove the readers of a shared server;
the tokens it prints are the ones the server takes (checked against the app)."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import httpx
import pytest
from fastapi.testclient import TestClient

from arxiv_radar.arxiv.rss import parse_listing
from arxiv_radar.config import load_config
from arxiv_radar.demo import DEMO_DAY, demo_feed_bytes, seed_store
from arxiv_radar.rank.ranker import rank_day
from arxiv_radar.server import create_app
from arxiv_radar.store import Store

from cli_helpers import invoke_cli

CONFIG = """\
[profiles.default]
keywords = ["agent"]

[profiles.alice]
keywords = ["metamorphic"]

[profiles.bob]
keywords = ["GAN", "GANs"]
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Three profiles and the demo day (34 real papers) in the store."""
    (tmp_path / "arxiv-radar.toml").write_text(CONFIG, encoding="utf-8")
    with Store.open(str(tmp_path / "arxiv-radar.db")) as store:
        seed_store(store)
        store.ingest(parse_listing(demo_feed_bytes()).entries)
    return tmp_path


def users(folder: Path, *args: str, code: int = 0) -> str:
    result = invoke_cli("users", *args, cwd=folder)
    assert result.returncode == code, (result.stdout, result.stderr)
    return " ".join((result.stdout if code == 0 else result.stderr).split())


def stored_readers(folder: Path) -> list[tuple[str, tuple[str, ...]]]:
    with Store.open(str(folder / "arxiv-radar.db")) as store:
        return [(reader.name, reader.profiles) for reader in store.readers()]


def test_users_add_prints_tokens_once_and_keeps_only_their_hashes(folder: Path) -> None:
    made = json.loads(users(folder, "add", "alice", "--profile", "alice", "--json"))
    assert made["name"] == "alice" and made["profiles"] == ["alice"]
    assert made["feeds"]["rss"] == f"/u/{made['feed_token']}/rss"
    assert len(made["api_token"]) == len(made["feed_token"]) == 43
    said = users(folder, "add", "bob", "-p", "bob")
    assert "Reader bob, profiles: bob." in said and "shown only this once" in said
    assert "API token:" in said and "/u/" in said and "/feed.json" in said
    database = (folder / "arxiv-radar.db").read_bytes()
    assert made["api_token"].encode() not in database
    assert made["feed_token"].encode() not in database

    listed = users(folder, "list")
    assert "alice" in listed and "bob" in listed and made["api_token"] not in listed
    as_json = json.loads(users(folder, "list", "--json"))
    assert [(r["name"], r["profiles"]) for r in as_json] == [("alice", ["alice"]), ("bob", ["bob"])]


def test_bad_requests_exit_2_and_write_nothing(folder: Path) -> None:
    users(folder, "add", "alice", "--profile", "alice")
    for args, message in (
        (("add", "alice"), "there is a reader 'alice' already"),
        (("add", "carol", "-p", "bob", "-p", "alice"), "profile 'alice' belongs to reader 'alice'"),
        (("add", "carol", "-p", "nobody"), "no profile 'nobody' in the configuration"),
        (("add", "../carol"), "is not a reader name"),
        (("token", "carol"), "there is no reader 'carol'"),
        (("remove", "carol"), "there is no reader 'carol'"),
        (("grant", "carol", "bob"), "there is no reader 'carol'"),
        (("grant", "alice", "nobody"), "no profile 'nobody' in the configuration"),
    ):
        assert message in users(folder, *args, code=2), args
    assert stored_readers(folder) == [("alice", ("alice",))]


def test_the_printed_tokens_open_the_readers_feeds_until_replaced_or_removed(
    folder: Path,
) -> None:
    config = load_config(folder / "arxiv-radar.toml")
    with Store.open(str(folder / "arxiv-radar.db")) as store:
        for name in ("default", "alice", "bob"):
            rank_day(store, name, config.profiles[name], day=DEMO_DAY)
    first = json.loads(users(folder, "add", "alice", "-p", "alice", "--json"))
    assert "now owns profile bob" in users(folder, "grant", "alice", "bob")
    assert "already owns" in users(folder, "grant", "alice", "bob")

    def get(path: str, token: str | None = None) -> httpx.Response:
        app = create_app(config, str(folder / "arxiv-radar.db"), env={}, state_ttl=0.0)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        with TestClient(app) as client:
            return client.get(path, headers=headers)

    assert get(first["feeds"]["rss"]).status_code == 200
    assert get(first["feeds"]["rss"] + "?profile=bob").status_code == 200
    assert get("/api/me", first["api_token"]).json() == {
        "name": "alice",
        "profiles": ["alice", "bob"],
    }
    second = json.loads(users(folder, "token", "alice", "--json"))
    assert second["profiles"] == ["alice", "bob"]
    assert get(first["feeds"]["rss"]).status_code == 404
    assert get(second["feeds"]["rss"]).status_code == 200
    assert "Reader alice removed." in users(folder, "remove", "alice")
    assert get(second["feeds"]["rss"]).status_code == 404
    assert get("/api/me", second["api_token"]).status_code == 403
    assert "No readers yet" in users(folder, "list")


def test_a_reader_changes_their_profile_through_the_api_and_the_next_ranking_uses_it(
    folder: Path,
) -> None:
    config = load_config(folder / "arxiv-radar.toml")
    db = str(folder / "arxiv-radar.db")
    with Store.open(db) as store:
        rank_day(store, "alice", config.profiles["alice"], day=DEMO_DAY)
    alice = json.loads(users(folder, "add", "alice", "-p", "alice", "--json"))
    bob = json.loads(users(folder, "add", "bob", "-p", "bob", "--json"))
    feed = alice["feeds"]["rss"]
    path = "/api/me/profiles/alice"

    app = create_app(config, db, env={}, state_ttl=0.0)
    with TestClient(app) as client:
        as_alice = {"Authorization": f"Bearer {alice['api_token']}"}
        before = feedparser.parse(client.get(feed).content).entries
        assert before and all("etamorphic" in e.title for e in before[:3])
        shown = client.get(path, headers=as_alice).json()
        assert shown["settings"]["keywords"] == ["metamorphic"] and shown["changed"] == []

        for body, wrong in (
            ({"library": "/etc/passwd"}, "a reader cannot change library"),
            ({"zotero_key_env": "OPENAI_API_KEY"}, "a reader cannot change zotero_key_env"),
            ({"max_papers": 0}, "max_papers"),
            ({"mode": "telepathy"}, "mode"),
        ):
            refused = client.patch(path, json=body, headers=as_alice)
            assert refused.status_code == 422 and wrong in refused.json()["detail"], body
        as_bob = {"Authorization": f"Bearer {bob['api_token']}"}
        assert client.patch(path, json={"keywords": ["x"]}, headers=as_bob).status_code == 403
        assert client.get(path, headers=as_bob).status_code == 403
        assert client.patch(path, json={"keywords": ["x"]}).status_code == 401

        changed = client.patch(
            path, json={"keywords": ["GAN", "GANs"], "max_papers": 1}, headers=as_alice
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["changed"] == ["keywords", "max_papers"]
        # Until a ranking uses the change, the feed shows the latest ranking.
        assert feedparser.parse(client.get(feed).content).entries == before

    # The next ranking (here `rank`, as the daily run does) uses the reader's settings.
    ranked = invoke_cli("rank", "--profile", "alice", "--date", "2026-04-27", "--json", cwd=folder)
    assert ranked.returncode == 0, ranked.stderr
    assert len(json.loads(ranked.stdout)) == 1
    app = create_app(config, db, env={}, state_ttl=0.0)
    with TestClient(app) as client:
        after = feedparser.parse(client.get(feed).content).entries
        assert [e.title for e in after] == ["Online GANs for Automatic Performance Testing"]
        reset = client.patch(path, json={"keywords": None, "max_papers": None}, headers=as_alice)
        assert reset.json()["changed"] == [] and reset.json()["settings"]["max_papers"] == 50
    bob_ranked = invoke_cli("rank", "--profile", "bob", "--json", cwd=folder)
    assert bob_ranked.returncode == 0  # bob's settings are the configuration's
    assert len(json.loads(bob_ranked.stdout)) == 2


def test_the_daily_run_ranks_a_profile_with_its_readers_settings(folder: Path) -> None:
    from arxiv_radar.demo import DEMO_NOW, demo_transport
    from arxiv_radar.pipeline import RunOptions
    from arxiv_radar.runtime import run

    config = load_config(folder / "arxiv-radar.toml")
    db = str(folder / "arxiv-radar.db")
    users(folder, "add", "alice", "-p", "alice")
    with Store.open(db) as store:
        store.save_profile_edits("alice", {"keywords": ["GAN", "GANs"], "max_papers": 1})
    options = RunOptions(output=folder / "out", profile="alice", catch_up=False, now=DEMO_NOW)
    report = run(config, db, options, env={}, summaries=False, transport=demo_transport())
    assert report.status == "ok" and report.papers_shown == 1
    digest = (folder / "out" / "README.md").read_text(encoding="utf-8")
    assert "Online GANs for Automatic Performance Testing" in digest
    assert "Metamorphic" not in digest


def test_the_daily_run_ranks_and_summarizes_every_readers_profile(folder: Path) -> None:
    from arxiv_radar.demo import DEMO_NOW, demo_transport
    from arxiv_radar.pipeline import RunOptions
    from arxiv_radar.runtime import run

    (folder / "arxiv-radar.toml").write_text(
        CONFIG + '\n[summaries]\nprovider = "extractive"\nmax_papers = 2\n', encoding="utf-8"
    )
    config = load_config(folder / "arxiv-radar.toml")
    db = str(folder / "arxiv-radar.db")
    alice = json.loads(users(folder, "add", "alice", "-p", "alice", "--json"))
    bob = json.loads(users(folder, "add", "bob", "-p", "bob", "--json"))
    options = RunOptions(output=folder / "out", catch_up=False, now=DEMO_NOW)
    report = run(config, db, options, env={}, transport=demo_transport())
    assert report.status == "ok" and report.profile == "default"
    [readers] = [stage for stage in report.stages if stage.name == "readers"]
    assert readers.status == "ok"
    assert readers.counts["profiles"] == readers.counts["ranked"] == 2
    assert readers.counts["summaries"] + readers.counts["cache_hits"] == 4  # two each
    with Store.open(db) as store:  # bob's best, "Online GANs ...", is summarized
        assert "2104.11069" in store.latest_summaries(["2104.11069"])
    app = create_app(config, db, env={}, state_ttl=0.0)
    with TestClient(app) as client:
        for reader, word in ((alice, "etamorphic"), (bob, "GAN")):
            entries = feedparser.parse(client.get(reader["feeds"]["rss"]).content).entries
            assert entries and word in entries[0].title
