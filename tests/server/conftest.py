"""Fixtures for the server tests: a store filled from the demo day by the real pipeline.

The demo day (34 papers, shown as announced on 27 April 2026) goes through
``arxiv_radar.pipeline.run`` once per session, offline (the demo transport stands in for
rss.arxiv.org), with extractive summaries and the default profile cut to 10 papers: it matches
20, so the day has papers shown, kept but not shown, and dropped (``demo_expectations`` works
out which from the feed). Each test gets its own copy of that SQLite store. ``serve`` is an
in-process client of the app (``httpx.AsyncClient`` over ``ASGITransport``): no server started.
"""

from __future__ import annotations

import shutil
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

from demo_expectations import MATCHED, MAX_PAPERS, RECORDS, SUMMARIZED


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def demo_config() -> Config:
    return Config(
        profiles={"default": ProfileConfig(max_papers=MAX_PAPERS)},
        summaries=SummaryConfig(provider="extractive"),
    )


def demo_runner(config: Config, db: Path, output: Path) -> Runner:
    """The daily run over the demo day, as ``arxiv-radar demo`` makes it."""
    return pipeline_runner(
        config,
        str(db),
        output=output,
        transport=demo_transport(),
        now=lambda: DEMO_NOW,
        catch_up=False,
    )


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory, demo_config: Config) -> Path:
    """A SQLite store the pipeline filled from the demo day (read it, never write it)."""
    folder = tmp_path_factory.mktemp("demo-store")
    report: RunReport = demo_runner(demo_config, folder / "radar.db", folder / "out")()
    assert report.status == "ok" and report.summaries_made == SUMMARIZED
    assert (report.papers_announced, report.papers_matched, report.papers_shown) == (
        len(RECORDS),
        len(MATCHED),
        MAX_PAPERS,
    )
    return folder / "radar.db"


@pytest.fixture
def db(demo_store: Path, tmp_path: Path) -> Path:
    """This test's own copy of the demo store."""
    target = tmp_path / "radar.db"
    for source in demo_store.parent.glob("radar.db*"):
        if not source.name.endswith(".lock"):
            shutil.copy(source, tmp_path / source.name)
    return target


@pytest.fixture
def make_app(db: Path, demo_config: Config) -> Iterator[Callable[..., FastAPI]]:
    """``make_app(**options)``: the app over this test's store, or ``store_url=`` another one
    (closed after the test)."""
    apps: list[FastAPI] = []

    def make(**options: Any) -> FastAPI:
        options.setdefault("env", {})
        options.setdefault("state_ttl", 0.0)
        url = options.pop("store_url", str(db))
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
def run_demo() -> Callable[[Config, Path, Path], Runner]:
    """``run_demo(config, db, output)``: the daily run over the demo day with another
    configuration or store."""
    return demo_runner


@pytest.fixture
def refresh_runner(db: Path, demo_config: Config, tmp_path: Path) -> Runner:
    """The daily run over the demo day on this test's store (what /admin/refresh runs)."""
    return demo_runner(demo_config, db, tmp_path / "out")
