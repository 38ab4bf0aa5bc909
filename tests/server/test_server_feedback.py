"""``/api/feedback``: a reader's 👍/👎 through the server, behind the profile's token.

A real store (the demo day's 34 papers, a profile that wants "agent", ranked by ``arxiv-radar
rank``), the real app through Starlette's ``TestClient``, and the real command line for the
token and the next ranking: feedback posted to the server changes what ``arxiv-radar rank``
ranks next, and its explanation says so; without the profile's token nothing is recorded; the
store keeps only the token's SHA-256; a new token makes the old one useless. On SQLite and on
PostgreSQL (the configuration's ``[store] url``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from arxiv_radar.arxiv.rss import parse_listing
from arxiv_radar.config import load_config
from arxiv_radar.demo import demo_feed_bytes, seed_store
from arxiv_radar.server import create_app
from arxiv_radar.store import Store

from cli_helpers import invoke_cli
from store_backends import is_postgresql, store_section

SILGAN, MOLCLAW, MEDICAL = "2107.07364", "2604.21937", "2604.21936"
CONFIG = '[profiles.default]\nkeywords = ["agent"]\n\n[profiles.systems]\nkeywords = ["cache"]\n'


@pytest.fixture
def folder(tmp_path: Path, store_url: str) -> Path:
    """The demo day in a store, ranked for the profile ``default`` (keywords: agent); the
    folder's configuration names the store."""
    (tmp_path / "arxiv-radar.toml").write_text(CONFIG + store_section(store_url), encoding="utf-8")
    with Store.open(store_url) as store:
        seed_store(store)
        store.ingest(parse_listing(demo_feed_bytes()).entries)
    assert invoke_cli("rank", cwd=tmp_path).returncode == 0
    return tmp_path


def store_of(folder: Path) -> str:
    return load_config(folder / "arxiv-radar.toml").store.url


@pytest.fixture
def client(folder: Path) -> Iterator[TestClient]:
    app = create_app(load_config(folder / "arxiv-radar.toml"), store_of(folder), env={})
    with TestClient(app) as made:
        yield made


def new_token(folder: Path, *args: str) -> str:
    """``arxiv-radar feedback-token ARGS``: the token it prints on its first line."""
    result = invoke_cli("feedback-token", *args, cwd=folder)
    assert result.returncode == 0, result.stderr
    token = result.stdout.splitlines()[0]
    assert len(token) == 43 and f"#token={token}" in result.stdout
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def recorded(folder: Path, profile: str = "default") -> dict[str, int]:
    with Store.open(store_of(folder)) as store:
        return store.feedback(profile)


def ranked(folder: Path) -> list[dict[str, Any]]:
    result = invoke_cli("rank", "--json", cwd=folder)
    assert result.returncode == 0, result.stderr
    papers: list[dict[str, Any]] = json.loads(result.stdout)
    return papers


def test_feedback_posted_to_the_server_changes_the_next_ranking(
    folder: Path, client: TestClient
) -> None:
    before = ranked(folder)
    assert {item["explanation"]["mode"] for item in before} == {"keywords"}
    assert SILGAN not in [item["arxiv_id"] for item in before]  # no "agent" in it
    token = new_token(folder)

    answer = client.post(
        "/api/feedback",
        json={"arxiv_id": f"arXiv:{SILGAN}v1", "judgement": "up"},
        headers=bearer(token),
    )
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    assert answer.json() == {
        "profile": "default",
        "arxiv_id": SILGAN,
        "judgement": "up",
        "up": 1,
        "down": 0,
    }
    assert recorded(folder) == {SILGAN: 1}

    after = ranked(folder)
    assert {item["explanation"]["mode"] for item in after} == {"hybrid"}
    assert after[0]["arxiv_id"] == SILGAN  # itself: similarity 1
    top = after[0]["explanation"]
    assert top["nearest_kind"] == "feedback" and str(top["nearest"]).endswith("marked up")
    explained = invoke_cli("rank", "--explain", SILGAN, cwd=folder)
    assert "to feedback" in " ".join(explained.stdout.split())

    state = client.get("/api/feedback", headers=bearer(token))
    assert state.status_code == 200 and state.json() == {
        "profile": "default",
        "judgements": {SILGAN: "up"},
    }
    cleared = client.post(
        "/api/feedback", json={"arxiv_id": SILGAN, "judgement": "clear"}, headers=bearer(token)
    )
    assert cleared.json()["judgement"] == "clear" and cleared.json()["up"] == 0
    assert recorded(folder) == {}
    assert [item["arxiv_id"] for item in ranked(folder)] == [i["arxiv_id"] for i in before]


def test_without_the_profiles_token_nothing_is_recorded(folder: Path, client: TestClient) -> None:
    body = {"arxiv_id": MEDICAL, "judgement": "down"}
    missing = client.post("/api/feedback", json=body)
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer" in missing.json()["detail"]
    assert client.get("/api/feedback").status_code == 401
    # No token made yet: any token is wrong.
    assert client.post("/api/feedback", json=body, headers=bearer("guess")).status_code == 403

    systems = new_token(folder, "--profile", "systems")
    wrong = client.post("/api/feedback", json=body, headers=bearer(systems))
    assert wrong.status_code == 403  # another profile's token
    assert wrong.json()["detail"].startswith("this is not the feedback token of profile 'default'")
    assert client.get("/api/feedback", headers=bearer(systems)).status_code == 403
    for scheme in (f"Basic {systems}", systems, "Bearer"):
        answer = client.post("/api/feedback", json=body, headers={"Authorization": scheme})
        assert answer.status_code in (401, 403), scheme
    assert recorded(folder) == {} and recorded(folder, "systems") == {}

    # The systems token is good for systems (any paper of the store).
    mine = client.post(
        "/api/feedback", json={**body, "profile": "systems"}, headers=bearer(systems)
    )
    assert mine.status_code == 200 and mine.json()["profile"] == "systems"
    assert recorded(folder, "systems") == {MEDICAL: -1} and recorded(folder) == {}
    state = client.get("/api/feedback", params={"profile": "systems"}, headers=bearer(systems))
    assert state.json() == {"profile": "systems", "judgements": {MEDICAL: "down"}}
    assert client.head("/api/feedback", headers=bearer(systems)).status_code == 405  # GET only


def test_a_new_token_replaces_the_old_and_revoking_ends_both(
    folder: Path, client: TestClient
) -> None:
    body = {"arxiv_id": MOLCLAW, "judgement": "down"}
    old = new_token(folder)
    assert client.post("/api/feedback", json=body, headers=bearer(old)).status_code == 200
    new = new_token(folder)
    assert new != old
    assert client.post("/api/feedback", json=body, headers=bearer(old)).status_code == 403
    assert client.post("/api/feedback", json=body, headers=bearer(new)).status_code == 200

    revoked = invoke_cli("feedback-token", "--revoke", cwd=folder)
    assert revoked.returncode == 0 and "revoked" in revoked.stdout and new not in revoked.stdout
    assert client.post("/api/feedback", json=body, headers=bearer(new)).status_code == 403
    again = invoke_cli("feedback-token", "--revoke", cwd=folder)
    assert again.returncode == 0 and "had none to revoke" in again.stdout
    assert recorded(folder) == {MOLCLAW: -1}


def test_the_store_keeps_only_the_tokens_hash(folder: Path) -> None:
    token = new_token(folder)
    db = store_of(folder)
    engine = create_engine(db if is_postgresql(db) else f"sqlite:///{db}", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT profile, token_hash FROM feedback_tokens")
            ).fetchall()
            dump = "\n".join(
                repr(row)
                for table in inspect(connection).get_table_names()
                for row in connection.execute(text(f'SELECT * FROM "{table}"'))
            )
    finally:
        engine.dispose()
    assert [tuple(row) for row in rows] == [("default", hashlib.sha256(token.encode()).hexdigest())]
    assert token not in dump
    files = list(folder.glob("arxiv-radar.db*"))  # SQLite's database and WAL, byte for byte
    assert files or is_postgresql(db)
    for path in files:
        assert token.encode() not in path.read_bytes(), path.name


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"arxiv_id": "not-an-id", "judgement": "up"}, 422, "is not an arXiv id"),
        ({"arxiv_id": MEDICAL, "judgement": "sideways"}, 422, "'up', 'down' or 'clear'"),
        ({"arxiv_id": MEDICAL}, 422, "Field required"),
        ({"arxiv_id": MEDICAL, "judgement": "up", "extra": 1}, 422, "Extra inputs"),
        ({"arxiv_id": "x" * 65, "judgement": "up"}, 422, "at most 64 characters"),
        ({"arxiv_id": "2401.99999", "judgement": "up"}, 404, "no paper 2401.99999 in the store"),
    ],
)
def test_bad_input_is_refused_and_nothing_recorded(
    folder: Path, client: TestClient, body: dict[str, object], status: int, words: str
) -> None:
    token = new_token(folder)
    answer = client.post("/api/feedback", json=body, headers=bearer(token))
    assert answer.status_code == status
    assert words in json.dumps(answer.json()["detail"])
    not_json = client.post(
        "/api/feedback",
        content=b"up",
        headers={**bearer(token), "Content-Type": "application/json"},
    )
    assert not_json.status_code == 422
    assert recorded(folder) == {}


def test_an_oversized_body_is_refused_before_the_token_is_read(
    folder: Path, client: TestClient
) -> None:
    token = new_token(folder)
    big = {"arxiv_id": MEDICAL, "judgement": "up", "pad": "x" * 20000}
    declared = client.post("/api/feedback", json=big, headers=bearer(token))
    assert declared.status_code == 413 and "longer than 16384 bytes" in declared.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: read until it is too long
        yield b'{"arxiv_id": "' + MEDICAL.encode() + b'", "judgement": "up", "pad": "'
        for _ in range(40):
            yield b"x" * 1000
        yield b'"}'

    chunked = client.post(
        "/api/feedback",
        content=chunks(),
        headers={**bearer(token), "Content-Type": "application/json"},
    )
    assert chunked.status_code == 413
    small = client.post("/api/feedback", json={"arxiv_id": MEDICAL, "judgement": "up"})
    assert small.status_code == 401  # within the limit: the route answers as before
    assert recorded(folder) == {}


def test_a_token_for_a_profile_no_longer_configured_is_404(
    folder: Path, client: TestClient
) -> None:
    with Store.open(store_of(folder)) as store:
        token = store.new_feedback_token("gone")
    answer = client.post(
        "/api/feedback",
        json={"arxiv_id": MEDICAL, "judgement": "up", "profile": "gone"},
        headers=bearer(token),
    )
    assert answer.status_code == 404 and "no profile 'gone'" in answer.json()["detail"]
    assert recorded(folder, "gone") == {}


def test_served_pages_load_the_buttons_script_and_stay_cached(
    folder: Path, client: TestClient
) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert b'<script src="assets/feedback.js" defer></script>' in page.content
    assert b'data-feedback-api="api/feedback" data-feedback-profile="default"' in page.content
    day = client.get("/archive/2026-04-27.html")
    assert b'data-feedback-api="../api/feedback"' in day.content
    assert b'<script src="../assets/feedback.js" defer></script>' in day.content
    script = client.get("/assets/feedback.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith(
        "text/javascript"
    )
    assert b"Authorization" in script.content

    token = new_token(folder)
    body = {"arxiv_id": MEDICAL, "judgement": "down"}  # down only: the ranking stays keywords
    assert client.post("/api/feedback", json=body, headers=bearer(token)).status_code == 200
    again = client.get("/", headers={"If-None-Match": page.headers["etag"]})
    assert again.status_code == 304  # the page is the same for everyone: feedback changes none
    assert client.get("/").content == page.content


def test_a_read_only_server_takes_no_feedback_and_shows_no_buttons(folder: Path) -> None:
    token = new_token(folder)
    app = create_app(
        load_config(folder / "arxiv-radar.toml"),
        store_of(folder),
        env={},
        read_only=True,
    )
    with TestClient(app) as client:
        body = {"arxiv_id": MEDICAL, "judgement": "up"}
        assert client.post("/api/feedback", json=body, headers=bearer(token)).status_code == 404
        assert client.get("/api/feedback", headers=bearer(token)).status_code == 404
        page = client.get("/").content
        assert b"feedback.js" not in page and b"data-feedback-api" not in page
        assert b"arxiv-radar feedback 2604.21936 up --profile default" in page  # the command
        assert "/api/feedback" not in client.get("/openapi.json").json()["paths"]
    assert recorded(folder) == {}


def test_a_token_is_made_only_for_a_configured_profile(folder: Path) -> None:
    result = invoke_cli("feedback-token", "--profile", "defualt", cwd=folder)
    assert result.returncode == 2 and "did you mean default" in " ".join(result.stderr.split())
    with Store.open(store_of(folder)) as store:
        assert not store.feedback_token_matches("defualt", "anything")
