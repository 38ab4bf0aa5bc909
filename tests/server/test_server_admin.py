"""``/admin/refresh``: a bearer token, absent without one, one run at a time (409)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from arxiv_radar.errors import ArxivHTTPError
from arxiv_radar.models import RunReport
from arxiv_radar.scheduler import RunController, Runner
from arxiv_radar.store import Store

pytestmark = pytest.mark.anyio

Serve = Callable[..., httpx.AsyncClient]
TOKEN = "s3cret-token-of-the-admin"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


async def test_absent_without_a_token(serve: Serve) -> None:
    client = serve(env={})
    assert (await client.post("/admin/refresh", headers=AUTH)).status_code == 404
    assert (await client.get("/admin/refresh", headers=AUTH)).status_code == 404
    blank = serve(env={"ARXIV_RADAR_ADMIN_TOKEN": "  "})
    assert (await blank.post("/admin/refresh", headers=AUTH)).status_code == 404


async def test_absent_when_read_only(serve: Serve) -> None:
    client = serve(env={"ARXIV_RADAR_ADMIN_TOKEN": TOKEN}, read_only=True)
    assert (await client.post("/admin/refresh", headers=AUTH)).status_code == 404
    spec = (await client.get("/openapi.json")).json()
    assert not any(path.startswith("/admin") for path in spec["paths"])


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": f"Basic {TOKEN}"}, 401),
        ({"Authorization": "Bearer"}, 401),
        ({"Authorization": "Bearer wrong"}, 403),
        ({"Authorization": f"Bearer {TOKEN}x"}, 403),
        ({"Authorization": f"Bearer {TOKEN[:-1]}"}, 403),
        ({"Authorization": "Bearer tökén".encode()}, 403),
    ],
)
async def test_the_token_is_required(
    serve: Serve, refresh_runner: Runner, headers: dict[str, str | bytes], status: int
) -> None:
    ran: list[bool] = []

    def runner() -> RunReport:
        ran.append(True)
        return refresh_runner()

    client = serve(env={"ARXIV_RADAR_ADMIN_TOKEN": TOKEN}, runner=runner)
    for method in ("POST", "GET"):
        response = await client.request(method, "/admin/refresh", headers=headers)
        assert response.status_code == status, (method, response.text)
        if status == 401:
            assert response.headers["www-authenticate"] == "Bearer"
    assert ran == []


async def test_refresh_runs_the_pipeline_in_the_background(
    serve: Serve, make_app: Callable[..., Any], refresh_runner: Runner
) -> None:
    app = make_app(env={"ARXIV_RADAR_ADMIN_TOKEN": TOKEN}, runner=refresh_runner)
    client = serve(app)
    before = await client.get("/rss")
    started = await client.post("/admin/refresh", headers=AUTH)
    assert started.status_code == 202 and started.json()["running"] is True
    controller: RunController = app.state.controller
    controller.join(timeout=60)
    status = (await client.get("/admin/refresh", headers=AUTH)).json()
    assert status["running"] is False and status["status"] == "ok", status
    assert status["announced_on"] == "2026-04-27" and status["error"] is None
    runs = (await client.get("/api/runs")).json()["runs"]
    assert [r["kind"] for r in runs] == ["run", "run"]
    after = await client.get("/rss", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200  # the cache followed the new run


async def test_409_while_another_process_holds_the_run_lock(
    serve: Serve, db: str, refresh_runner: Runner
) -> None:
    client = serve(env={"ARXIV_RADAR_ADMIN_TOKEN": TOKEN}, runner=refresh_runner)
    with Store.open(db) as other, other.run_lock():
        response = await client.post("/admin/refresh", headers=AUTH)
    assert response.status_code == 409
    assert "another arxiv-radar run is working on" in response.json()["detail"]
    runs = (await client.get("/api/runs")).json()["runs"]
    assert len(runs) == 1  # nothing started


async def test_409_while_its_own_run_is_going(
    serve: Serve, make_app: Callable[..., Any], refresh_runner: Runner
) -> None:
    release = threading.Event()

    def slow() -> RunReport:
        assert release.wait(30)
        return refresh_runner()

    app = make_app(env={"ARXIV_RADAR_ADMIN_TOKEN": TOKEN}, runner=slow)
    client = serve(app)
    assert (await client.post("/admin/refresh", headers=AUTH)).status_code == 202
    second = await client.post("/admin/refresh", headers=AUTH)
    assert second.status_code == 409 and "still going" in second.json()["detail"]
    assert (await client.get("/admin/refresh", headers=AUTH)).json()["running"] is True
    release.set()
    app.state.controller.join(timeout=60)
    assert (await client.post("/admin/refresh", headers=AUTH)).status_code == 202
    app.state.controller.join(timeout=60)


async def test_a_failing_run_never_takes_the_server_down(
    serve: Serve, make_app: Callable[..., Any]
) -> None:
    def broken() -> RunReport:
        raise ArxivHTTPError("arXiv answered 503", url="https://rss.arxiv.org/rss/cs.AI")

    def crashing() -> RunReport:
        raise RuntimeError("a bug")

    for runner, message in ((broken, "arXiv answered 503"), (crashing, "RuntimeError: a bug")):
        app = make_app(env={"ARXIV_RADAR_ADMIN_TOKEN": TOKEN}, runner=runner)
        client = serve(app)
        assert (await client.post("/admin/refresh", headers=AUTH)).status_code == 202
        app.state.controller.join(timeout=30)
        status = (await client.get("/admin/refresh", headers=AUTH)).json()
        assert status["status"] == "failed" and message in status["error"]
        assert (await client.get("/health")).status_code == 200
        assert (await client.get("/rss")).status_code == 200
