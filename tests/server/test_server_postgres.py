"""The server over a PostgreSQL store: the same answers as over SQLite, and its run lock.

Needs ``ARXIV_RADAR_TEST_PG_URL`` (``scripts/start-postgres.sh`` prints it); skipped without
it, except under ``CI=true``, where that is a failure. The database's ``public`` schema is
emptied before and after, as the store tests do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import feedparser
import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from arxiv_radar.config import Config
from arxiv_radar.demo import DEMO_NOW, demo_transport
from arxiv_radar.scheduler import pipeline_runner
from arxiv_radar.store import Store

from demo_expectations import SHOWN_CATEGORY
from pg_helpers import pg_url_or_skip

pytestmark = [pytest.mark.anyio, pytest.mark.postgres]

TOKEN = "pg-admin-token"


def _empty(url: str) -> None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@pytest.fixture
def pg_store(demo_config: Config, tmp_path: Path) -> Iterator[str]:
    """A PostgreSQL store the pipeline filled from the demo day."""
    url = pg_url_or_skip()
    _empty(url)
    runner = pipeline_runner(
        demo_config,
        url,
        output=tmp_path / "out",
        transport=demo_transport(),
        now=lambda: DEMO_NOW,
        catch_up=False,
    )
    assert runner().status == "ok"
    yield url
    _empty(url)


def entry_ids(body: bytes) -> list[str]:
    return [entry.id for entry in feedparser.parse(body).entries]


async def test_the_same_answers_as_over_sqlite(
    pg_store: str, demo_config: Config, serve: Callable[..., httpx.AsyncClient]
) -> None:
    over_sqlite = serve()
    over_postgres = serve(store_url=pg_store)
    read_only = serve(store_url=pg_store, read_only=True)
    for path in ("/rss", f"/rss/{SHOWN_CATEGORY}", "/atom"):
        expected = entry_ids((await over_sqlite.get(path)).content)
        assert entry_ids((await over_postgres.get(path)).content) == expected, path
        assert entry_ids((await read_only.get(path)).content) == expected, path
    sqlite_papers = (await over_sqlite.get("/api/papers", params={"limit": 200})).json()
    postgres_papers = (await over_postgres.get("/api/papers", params={"limit": 200})).json()
    assert postgres_papers["papers"] == sqlite_papers["papers"]
    health = (await over_postgres.get("/health")).json()
    assert health["status"] == "ok" and health["latest_announcement"] == "2026-04-27"


async def test_409_while_another_process_holds_the_advisory_lock(
    pg_store: str, demo_config: Config, serve: Callable[..., httpx.AsyncClient]
) -> None:
    def must_not_run() -> object:
        raise AssertionError("the run lock is held: no run may start")

    client = serve(store_url=pg_store, env={"ARXIV_RADAR_ADMIN_TOKEN": TOKEN}, runner=must_not_run)
    with Store.open(pg_store) as other, other.run_lock():
        response = await client.post("/admin/refresh", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 409
    assert "another arxiv-radar run is working on" in response.json()["detail"]
