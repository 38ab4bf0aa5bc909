"""The server over PostgreSQL gives the very answers it gives over SQLite, side by side.

Every server test runs on both backends (``demo_store`` is parametrized, see conftest.py);
this one compares the two stores the same run filled, document by document. Needs
``ARXIV_RADAR_TEST_PG_URL`` (``scripts/start-postgres.sh`` prints it); skipped without it,
except under ``CI=true``, where that is a failure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import feedparser
import httpx
import pytest

from demo_expectations import DROPPED, KEPT_NOT_SHOWN, SHOWN, SHOWN_CATEGORY, DemoStore
from store_backends import copy_store, drop_store, sqlite_only

pytestmark = [pytest.mark.anyio, pytest.mark.postgres]


@pytest.fixture
def pg_copy(postgresql_demo: DemoStore, tmp_path: Path) -> Iterator[str]:
    url = copy_store(postgresql_demo.url, tmp_path, "other")
    yield url
    drop_store(url)


def entry_ids(body: bytes) -> list[str]:
    return [entry.id for entry in feedparser.parse(body).entries]


def without_time(document: dict[str, Any]) -> dict[str, Any]:
    """A JSON answer without the moment it was made."""
    return {key: value for key, value in document.items() if key != "generated_at"}


@sqlite_only("demo_store")
async def test_the_same_answers_as_over_sqlite(
    pg_copy: str, serve: Callable[..., httpx.AsyncClient]
) -> None:
    over_sqlite = serve()
    over_postgres = serve(store_url=pg_copy)
    read_only = serve(store_url=pg_copy, read_only=True)
    for path in ("/rss", f"/rss/{SHOWN_CATEGORY}", "/atom"):
        expected = entry_ids((await over_sqlite.get(path)).content)
        assert entry_ids((await over_postgres.get(path)).content) == expected, path
        assert entry_ids((await read_only.get(path)).content) == expected, path
    for path in (
        "/api/papers?limit=200",
        f"/api/papers/{SHOWN[0].arxiv_id}",
        f"/api/papers/{KEPT_NOT_SHOWN[0].arxiv_id}",
        f"/api/papers/{DROPPED[0].arxiv_id}",
    ):
        expected = without_time((await over_sqlite.get(path)).json())
        assert without_time((await over_postgres.get(path)).json()) == expected, path
        assert without_time((await read_only.get(path)).json()) == expected, path
    runs = [(await client.get("/api/runs")).json()["runs"] for client in (over_sqlite, read_only)]
    assert [(r["kind"], r["status"], r["counts"]) for r in runs[0]] == [
        (r["kind"], r["status"], r["counts"]) for r in runs[1]
    ]
    health = (await over_postgres.get("/health")).json()
    assert health["status"] == "ok" and health["latest_announcement"] == "2026-04-27"
