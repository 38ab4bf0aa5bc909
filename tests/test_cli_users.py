"""`arxiv-radar users`: add, list, token, grant and remove the readers of a shared server;
the tokens it prints are the ones the server takes (checked against the app)."""

from __future__ import annotations

import json
from pathlib import Path

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
