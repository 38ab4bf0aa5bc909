"""Many readers on one server: secret feed URLs, /api/me, feedback by reader, admin, limits.

Two readers, alice (profile ``alice``: metamorphic testing) and bob (profile ``bob``: GANs),
on the demo day, beside the public ``default`` profile; over SQLite and PostgreSQL. Every way
one reader could reach the other's profile, feedback or feed is tried: each must fail.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import feedparser
import httpx
import pytest
from fastapi import FastAPI

from arxiv_radar.config import Config, ProfileConfig
from arxiv_radar.demo import DEMO_DAY
from arxiv_radar.errors import UsageError
from arxiv_radar.rank.ranker import rank_day
from arxiv_radar.server import create_app
from arxiv_radar.server.fastpath import CachedPaths
from arxiv_radar.server.readers import TokenLimiter
from arxiv_radar.store import Store

from demo_expectations import MAX_PAPERS

pytestmark = pytest.mark.anyio

ADMIN = "admin-token-for-readers"
ALICE = ProfileConfig(keywords=["metamorphic"], max_papers=20)
BOB = ProfileConfig(keywords=["GAN", "GANs"], max_papers=20)


@pytest.fixture
def readers_config(demo_config: Config) -> Config:
    return demo_config.model_copy(
        update={
            "profiles": {
                "default": ProfileConfig(max_papers=MAX_PAPERS),
                "alice": ALICE,
                "bob": BOB,
            }
        }
    )


@pytest.fixture
def store_url(db: str) -> str:
    """This test's copy of the demo day's store (on SQLite or PostgreSQL, as ``db``), with the
    days of alice and bob ranked."""
    with Store.open(db) as store:
        rank_day(store, "alice", ALICE, day=DEMO_DAY)
        rank_day(store, "bob", BOB, day=DEMO_DAY)
    return db


@pytest.fixture
def client(
    store_url: str,
    readers_config: Config,
    serve: Callable[..., httpx.AsyncClient],
) -> Callable[..., httpx.AsyncClient]:
    def make(**options: Any) -> httpx.AsyncClient:
        options.setdefault("admin_token", ADMIN)
        options.setdefault("config", readers_config)
        return serve(store_url=store_url, **options)

    return make


def titles(body: bytes) -> list[str]:
    return [entry.title for entry in feedparser.parse(body).entries]


def admin(**headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN}", **headers}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def add_reader(http: httpx.AsyncClient, name: str, *profiles: str) -> dict[str, Any]:
    answer = await http.post(
        "/admin/users", json={"name": name, "profiles": list(profiles)}, headers=admin()
    )
    assert answer.status_code == 201, answer.text
    assert answer.headers["cache-control"] == "no-store"
    made: dict[str, Any] = answer.json()
    return made


async def test_no_reader_can_reach_another_readers_profiles_feedback_or_feeds(
    client: Callable[..., httpx.AsyncClient],
) -> None:
    http = client()
    alice = await add_reader(http, "alice", "alice")
    bob = await add_reader(http, "bob", "bob")
    assert alice["feeds"]["rss"] == f"/u/{alice['feed_token']}/rss"

    # Each reader's feeds hold their own profile's papers, and none of the other's.
    alice_rss = await http.get(alice["feeds"]["rss"])
    bob_rss = await http.get(bob["feeds"]["rss"])
    assert alice_rss.status_code == bob_rss.status_code == 200
    assert alice_rss.headers["cache-control"].startswith("private")
    alice_titles, bob_titles = titles(alice_rss.content), titles(bob_rss.content)
    assert alice_titles and all("etamorphic" in t for t in alice_titles[:3])
    assert bob_titles and not set(alice_titles) & set(bob_titles)
    for kind in ("atom", "json"):
        answer = await http.get(alice["feeds"][kind])
        assert answer.status_code == 200 and b"Online GANs" not in answer.content

    # Every way to reach bob's with alice's secrets (and guesses) is refused, and alike.
    refused = [
        await http.get(alice["feeds"]["rss"], params={"profile": "bob"}),
        await http.get(alice["feeds"]["rss"], params={"profile": "default"}),
        await http.get(f"/u/{alice['api_token']}/rss"),  # the API token is no feed token
        await http.get(f"/u/{alice['feed_token']}x/rss"),
        await http.get("/u/" + "A" * 43 + "/rss"),
    ]
    assert {answer.status_code for answer in refused} == {404}
    assert len({answer.text for answer in refused}) == 1  # nothing tells them apart
    assert all(b"bob" not in answer.content for answer in refused)

    me = await http.get("/api/me", headers=bearer(alice["api_token"]))
    assert me.json() == {"name": "alice", "profiles": ["alice"]}
    assert (await http.get("/api/me", headers=bearer(alice["feed_token"]))).status_code == 403
    assert (await http.get("/api/me")).status_code == 401

    paper = "2604.21935"  # on the demo day
    as_alice = bearer(alice["api_token"])
    for request in (
        http.post(
            "/api/feedback",
            json={"arxiv_id": paper, "judgement": "up", "profile": "bob"},
            headers=as_alice,
        ),
        http.get("/api/feedback", params={"profile": "bob"}, headers=as_alice),
        http.post(
            "/api/feedback",
            json={"arxiv_id": paper, "judgement": "up", "profile": "bob"},
            headers=bearer(alice["feed_token"]),
        ),
    ):
        assert (await request).status_code == 403
    recorded = await http.post(
        "/api/feedback", json={"arxiv_id": paper, "judgement": "down"}, headers=as_alice
    )
    assert recorded.status_code == 200 and recorded.json()["profile"] == "alice"
    theirs = await http.get("/api/feedback", headers=bearer(bob["api_token"]))
    assert theirs.json() == {"profile": "bob", "judgements": {}}
    mine = await http.get("/api/feedback", headers=as_alice)
    assert mine.json() == {"profile": "alice", "judgements": {paper: "down"}}

    # The admin list names readers and profiles, never a token or its hash.
    listed = await http.get("/admin/users", headers=admin())
    assert [u["name"] for u in listed.json()["users"]] == ["alice", "bob"]
    for secret in (alice["api_token"], alice["feed_token"], bob["api_token"]):
        assert secret not in listed.text
    assert (await http.get("/admin/users", headers=bearer(alice["api_token"]))).status_code == 403


async def test_an_owned_profile_leaves_the_public_routes(
    client: Callable[..., httpx.AsyncClient],
) -> None:
    http = client()
    public = await http.get("/rss")
    assert public.status_code == 200
    alice = await add_reader(http, "alice", "alice", "default")
    for path in ("/rss", "/atom", "/feed.json", "/", "/api/papers", "/archive/index.html"):
        answer = await http.get(path)
        assert answer.status_code == 404 or b"<item>" not in answer.content, path
    assert (await http.get("/rss")).status_code == 404
    assert (await http.get("/api/papers")).status_code == 404
    theirs = await http.get(alice["feeds"]["rss"], params={"profile": "default"})
    assert titles(theirs.content) == titles(public.content)
    assert (await http.delete("/admin/users/alice", headers=admin())).status_code == 204
    assert (await http.get("/rss")).status_code == 200  # public again
    assert (await http.get(alice["feeds"]["rss"])).status_code == 404


async def test_a_server_of_readers_profiles_alone_has_no_public_digest(
    client: Callable[..., httpx.AsyncClient], readers_config: Config
) -> None:
    profiles = {name: readers_config.profiles[name] for name in ("alice", "bob")}
    http = client(config=readers_config.model_copy(update={"profiles": profiles}))
    alice = await add_reader(http, "alice", "alice")
    assert (await http.get(alice["feeds"]["rss"])).status_code == 200
    for path in ("/rss", "/", "/api/papers"):
        assert (await http.get(path)).status_code == 404, path
    assert (await http.get("/health")).status_code == 200


async def test_new_tokens_and_removal_end_the_old_ones(
    client: Callable[..., httpx.AsyncClient],
) -> None:
    http = client()
    old = await add_reader(http, "alice", "alice")
    renewed = await http.post("/admin/users/alice/tokens", headers=admin())
    assert renewed.status_code == 200
    new = renewed.json()
    assert new["profiles"] == ["alice"] and new["feed_token"] != old["feed_token"]
    assert (await http.get(old["feeds"]["rss"])).status_code == 404
    assert (await http.get("/api/me", headers=bearer(old["api_token"]))).status_code == 403
    assert (await http.get(new["feeds"]["rss"])).status_code == 200
    assert (await http.delete("/admin/users/alice", headers=admin())).status_code == 204
    assert (await http.get(new["feeds"]["rss"])).status_code == 404
    assert (await http.get("/api/me", headers=bearer(new["api_token"]))).status_code == 403
    assert (await http.delete("/admin/users/alice", headers=admin())).status_code == 404
    assert (await http.post("/admin/users/alice/tokens", headers=admin())).status_code == 404


async def test_admin_refuses_taken_names_owned_and_unknown_profiles_writing_nothing(
    client: Callable[..., httpx.AsyncClient],
) -> None:
    http = client()
    await add_reader(http, "alice", "alice")
    for body, status in (
        ({"name": "alice", "profiles": []}, 409),
        ({"name": "carol", "profiles": ["bob", "alice"]}, 409),
        ({"name": "carol", "profiles": ["nobody"]}, 422),
        ({"name": "../carol", "profiles": []}, 422),
        ({"name": "carol", "profiles": [], "admin": True}, 422),
    ):
        answer = await http.post("/admin/users", json=body, headers=admin())
        assert answer.status_code == status, (body, answer.text)
    listed = (await http.get("/admin/users", headers=admin())).json()["users"]
    assert [(u["name"], u["profiles"]) for u in listed] == [("alice", ["alice"])]


async def test_each_token_has_its_own_rate_limit(
    client: Callable[..., httpx.AsyncClient],
) -> None:
    http = client(rate_limit="3/minute")
    alice = await add_reader(http, "alice", "alice")
    bob = await add_reader(http, "bob", "bob")
    for _ in range(3):
        assert (await http.get(alice["feeds"]["rss"])).status_code == 200
    limited = await http.get(alice["feeds"]["rss"])
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert "3 per 1 minute" in limited.json()["detail"]
    assert (await http.get(bob["feeds"]["rss"])).status_code == 200  # bob has his own
    assert (await http.get("/rss")).status_code == 200  # the public feeds are not limited
    for _ in range(3):
        assert (await http.get("/api/me", headers=bearer(alice["api_token"]))).status_code == 200
    assert (await http.get("/api/me", headers=bearer(alice["api_token"]))).status_code == 429


async def test_plain_reader_feeds_are_answered_before_routing_as_the_app_does(
    make_app: Callable[..., FastAPI], store_url: str, readers_config: Config
) -> None:
    app = make_app(store_url=store_url, config=readers_config, admin_token=ADMIN, state_ttl=3600)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://radar.test"
    ) as client:
        alice = await add_reader(client, "alice", "alice")
        paths = list(alice["feeds"].values())
        for path in paths:  # rendered and cached by the app
            assert (await client.get(path)).status_code == 200

        async def not_reached(scope: Any, receive: Any, send: Any) -> None:
            raise AssertionError(f"{scope['path']} went past the hot path")

        hot = CachedPaths(
            not_reached,
            renderer=app.state.renderer,
            paths={},
            readers=app.state.readers,
            limiter=TokenLimiter("1000/minute"),
        )
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=hot), base_url="http://radar.test"
        ) as fast:
            for path in paths:
                etag = (await client.get(path)).headers["etag"]
                for headers in ({"Accept-Encoding": "gzip"}, {"If-None-Match": etag}):
                    via_app = await client.get(path, headers=headers)
                    via_hot = await fast.get(path, headers=headers)
                    assert via_hot.status_code == via_app.status_code
                    assert via_hot.headers == via_app.headers
                    assert via_hot.content == via_app.content
            for other in ("/u/" + "A" * 43 + "/rss", paths[0] + "?profile=alice"):
                with pytest.raises(AssertionError, match="went past the hot path"):
                    await fast.get(other)
        limited = CachedPaths(
            not_reached,
            renderer=app.state.renderer,
            paths={},
            readers=app.state.readers,
            limiter=TokenLimiter("2/minute"),
        )
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=limited), base_url="http://radar.test"
        ) as fast:
            assert (await fast.get(paths[0])).status_code == 200
            assert (await fast.get(paths[1])).status_code == 200  # the same token
            with pytest.raises(AssertionError, match="went past"):  # the app says 429
                await fast.get(paths[2])


def test_a_rate_limit_that_cannot_be_read_is_refused(
    readers_config: Config, tmp_path: Path
) -> None:
    with pytest.raises(UsageError, match="120/minute"):  # refused before the store is opened
        create_app(readers_config, str(tmp_path / "radar.db"), rate_limit="lots")
