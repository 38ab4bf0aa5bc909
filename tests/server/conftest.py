"""Fixtures for the server tests: a store filled from the demo day by the real pipeline, on
SQLite and on PostgreSQL.

The demo day (34 papers, shown as announced on 27 April 2026) goes through
``arxiv_radar.pipeline.run`` once per session and backend, offline (the demo transport stands
in for rss.arxiv.org), with extractive summaries and the default profile cut to 10 papers: it
matches 20, so the day has papers shown, kept but not shown, and dropped (``demo_expectations``
works out which from the feed). ``demo_store`` is parametrized over both backends, so every
test that uses it (through ``db``, ``make_app`` or ``serve``) runs on each, marked
``postgres`` on PostgreSQL; each test gets its own copy of the store (``store_backends``).
``serve`` is an in-process client of the app (``httpx.AsyncClient`` over ``ASGITransport``):
no server started.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from arxiv_radar.config import Config, ProfileConfig, SummaryConfig
from arxiv_radar.demo import DEMO_NOW, demo_transport
from arxiv_radar.models import RunReport
from arxiv_radar.scheduler import Runner, pipeline_runner
from arxiv_radar.server import create_app

from demo_expectations import MATCHED, MAX_PAPERS, RECORDS, SUMMARIZED, DemoStore
from store_backends import BACKENDS, copy_store, drop_store, empty_store, pg_database


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def demo_config() -> Config:
    return Config(
        profiles={"default": ProfileConfig(max_papers=MAX_PAPERS)},
        summaries=SummaryConfig(provider="extractive"),
    )


def demo_runner(config: Config, db: str, output: Path) -> Runner:
    """The daily run over the demo day, as ``arxiv-radar demo`` makes it."""
    return pipeline_runner(
        config,
        db,
        output=output,
        transport=demo_transport(),
        now=lambda: DEMO_NOW,
        catch_up=False,
    )


def _build_demo(backend: str, folder: Path, config: Config) -> DemoStore:
    url = str(folder / "radar.db") if backend == "sqlite" else pg_database("demo")
    report: RunReport = demo_runner(config, url, folder / "out")()
    assert report.status == "ok" and report.summaries_made == SUMMARIZED
    assert (report.papers_announced, report.papers_matched, report.papers_shown) == (
        len(RECORDS),
        len(MATCHED),
        MAX_PAPERS,
    )
    return DemoStore(backend, url, folder / "out")


@pytest.fixture(scope="session")
def sqlite_demo(tmp_path_factory: pytest.TempPathFactory, demo_config: Config) -> DemoStore:
    return _build_demo("sqlite", tmp_path_factory.mktemp("demo-sqlite"), demo_config)


@pytest.fixture(scope="session")
def postgresql_demo(tmp_path_factory: pytest.TempPathFactory, demo_config: Config) -> DemoStore:
    return _build_demo("postgresql", tmp_path_factory.mktemp("demo-postgresql"), demo_config)


@pytest.fixture(scope="session", params=BACKENDS)
def demo_store(request: pytest.FixtureRequest) -> DemoStore:
    """The demo day's store on each backend, built once per session (per xdist worker)."""
    demo: DemoStore = request.getfixturevalue(f"{request.param}_demo")
    return demo


@pytest.fixture
def db(demo_store: DemoStore, tmp_path: Path) -> Iterator[str]:
    """This test's own copy of the demo store: a SQLite file, or a PostgreSQL database."""
    url = copy_store(demo_store.url, tmp_path, "copy")
    yield url
    drop_store(url)


@pytest.fixture
def empty_db(demo_store: DemoStore, tmp_path: Path) -> Iterator[str]:
    """An empty store on this test's backend (a file beside ``db``, or a cleaned database)."""
    with empty_store(demo_store.backend, tmp_path, "empty.db") as url:
        yield url


@pytest.fixture
def make_app(db: str, demo_config: Config) -> Iterator[Callable[..., FastAPI]]:
    """``make_app(**options)``: the app over this test's store, or ``store_url=`` another one
    (closed after the test)."""
    apps: list[FastAPI] = []

    def make(**options: Any) -> FastAPI:
        options.setdefault("env", {})
        options.setdefault("state_ttl", 0.0)
        url = options.pop("store_url", db)
        app = create_app(options.pop("config", demo_config), url, **options)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.state.data.close()


@pytest.fixture
async def serve(
    make_app: Callable[..., FastAPI],
) -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    """``serve(app)`` (or ``serve(**create_app options)``): an in-process client of the app."""
    clients: list[httpx.AsyncClient] = []

    def client(app: FastAPI | None = None, **options: Any) -> httpx.AsyncClient:
        made = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app or make_app(**options)),
            base_url="http://radar.test",
        )
        clients.append(made)
        return made

    yield client
    for made in clients:
        await made.aclose()


@pytest.fixture
def run_demo() -> Callable[[Config, str, Path], Runner]:
    """``run_demo(config, db, output)``: the daily run over the demo day with another
    configuration or store."""
    return demo_runner


@pytest.fixture
def refresh_runner(db: str, demo_config: Config, tmp_path: Path) -> Runner:
    """The daily run over the demo day on this test's store (what /admin/refresh runs)."""
    return demo_runner(demo_config, db, tmp_path / "out")
