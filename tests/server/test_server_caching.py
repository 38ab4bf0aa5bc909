"""Conditional GET, gzip and the response cache: cheap repeats, fresh after a new run."""

from __future__ import annotations

import email.utils
import gzip
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from arxiv_radar.config import Config, SummaryConfig
from arxiv_radar.demo import DEMO_NOW, demo_transport
from arxiv_radar.rank.ranker import rank_day
from arxiv_radar.scheduler import Runner, pipeline_runner
from arxiv_radar.server.fastpath import CachedPaths
from arxiv_radar.server.render import plain_paths
from arxiv_radar.store import Store
from arxiv_radar.summarize.providers import EXTRACTIVE
from arxiv_radar.summarize.stage import summarize_papers

from demo_expectations import KEPT_NOT_SHOWN, SHOWN, SUMMARIZED

pytestmark = pytest.mark.anyio

Serve = Callable[..., httpx.AsyncClient]
CACHED = [
    "/",
    "/rss",
    "/atom",
    "/feed.json",
    "/rss/cs.AI",
    "/api/papers",
    f"/api/papers/{SHOWN[0].arxiv_id}",  # the top paper
]
IDENTITY = {"Accept-Encoding": "identity"}


@pytest.mark.parametrize("path", CACHED)
async def test_if_none_match_answers_304(serve: Serve, path: str) -> None:
    client = serve()
    first = await client.get(path, headers=IDENTITY)
    etag = first.headers["etag"]
    assert first.status_code == 200 and etag.startswith('W/"')
    assert first.headers["cache-control"] == "public, max-age=300"
    assert first.headers["vary"] == "Accept-Encoding"
    for header in (etag, etag.removeprefix("W/"), f'"nope", {etag}', "*"):
        again = await client.get(path, headers={"If-None-Match": header})
        assert again.status_code == 304, header
        assert again.content == b"" and again.headers["etag"] == etag
        assert again.headers["last-modified"] == first.headers["last-modified"]
    assert (await client.get(path, headers={"If-None-Match": '"other"'})).status_code == 200


@pytest.mark.parametrize("path", CACHED)
async def test_if_modified_since_answers_304(serve: Serve, path: str) -> None:
    client = serve()
    first = await client.get(path)
    modified = email.utils.parsedate_to_datetime(first.headers["last-modified"])
    for since, status in (
        (modified, 304),
        (modified.replace(year=modified.year + 1), 304),
        (modified.replace(year=modified.year - 1), 200),
    ):
        header = email.utils.format_datetime(since, usegmt=True)
        assert (await client.get(path, headers={"If-Modified-Since": header})).status_code == status
    # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
    both = {"If-None-Match": '"other"', "If-Modified-Since": first.headers["last-modified"]}
    assert (await client.get(path, headers=both)).status_code == 200
    assert (await client.get(path, headers={"If-Modified-Since": "not a date"})).status_code == 200


async def raw_get(
    client: httpx.AsyncClient, path: str, accept: str
) -> tuple[httpx.Response, bytes]:
    """The response and its body as sent (httpx would otherwise decode the gzip)."""
    async with client.stream("GET", path, headers={"Accept-Encoding": accept}) as response:
        return response, b"".join([chunk async for chunk in response.aiter_raw()])


@pytest.mark.parametrize("path", CACHED)
async def test_gzip_for_clients_that_accept_it(serve: Serve, path: str) -> None:
    client = serve()
    plain, body = await raw_get(client, path, "identity")
    assert "content-encoding" not in plain.headers and len(body) > 1000
    for accept in ("gzip", "gzip, deflate, br", "br;q=1.0, gzip;q=0.5", "*"):
        response, raw = await raw_get(client, path, accept)
        assert response.headers["content-encoding"] == "gzip", accept
        assert int(response.headers["content-length"]) == len(raw) < len(body)
        assert gzip.decompress(raw) == body
        assert response.headers["etag"] == plain.headers["etag"]
    for refused in ("gzip;q=0", "br", "identity", "gzip;q=zero"):
        response, raw = await raw_get(client, path, refused)
        assert "content-encoding" not in response.headers and raw == body, refused


async def test_live_documents_are_not_cached(serve: Serve) -> None:
    client = serve()
    for path in ("/health", "/api/runs"):
        response = await client.get(path)
        assert response.headers["cache-control"] == "no-store" and "etag" not in response.headers


async def test_the_same_store_gives_the_same_etags_in_every_worker(serve: Serve) -> None:
    first, second = serve(), serve()  # two apps: two worker processes' caches
    for path in CACHED:
        one, two = await first.get(path), await second.get(path)
        assert one.headers["etag"] == two.headers["etag"], path
        assert one.content == two.content


async def test_cached_responses_need_no_query(serve: Serve, make_app: Callable[..., Any]) -> None:
    app = make_app(state_ttl=3600)
    client = serve(app)
    warm = {path: (await client.get(path)).content for path in CACHED}
    app.state.data.store.close()  # any query now fails with "the store is closed"
    for path, body in warm.items():
        response = await client.get(path)
        assert response.status_code == 200 and response.content == body, path
    assert (await client.get("/rss", params={"limit": 3})).status_code == 200  # the day's view
    # A paper the digest does not show is looked up in the store: that needs a query.
    assert (await client.get(f"/api/papers/{KEPT_NOT_SHOWN[0].arxiv_id}")).status_code == 503


def more_summaries(config: Config, db: str, output: Path) -> Runner:
    """The daily run again, now summarizing the top 8 papers (the first run did 5)."""
    config = config.model_copy(
        update={"summaries": SummaryConfig(provider="extractive", max_papers=8)}
    )
    return pipeline_runner(
        config,
        db,
        output=output,
        transport=demo_transport(),
        now=lambda: DEMO_NOW,
        catch_up=False,
    )


async def test_a_new_run_refreshes_every_response(
    serve: Serve, make_app: Callable[..., Any], db: str, tmp_path: Path, demo_config: Config
) -> None:
    client = serve(make_app(state_ttl=0))
    before = {path: await client.get(path) for path in CACHED}
    assert more_summaries(demo_config, db, tmp_path / "out")().status == "ok"
    for path, old in before.items():
        response = await client.get(path, headers={"If-None-Match": old.headers["etag"]})
        if path.startswith("/api/papers/"):
            assert response.status_code == 304, path  # the top paper did not change
            continue
        assert response.status_code == 200, path
        assert response.headers["etag"] != old.headers["etag"], path
        assert response.headers["last-modified"] != old.headers["last-modified"], path
    papers = (await client.get("/api/papers")).json()["papers"]
    assert len(papers) == len(SHOWN) and sum(1 for paper in papers if paper["summary"]) == 8


async def test_changes_outside_a_run_show_after_cache_ttl(
    serve: Serve, make_app: Callable[..., Any], db: str, demo_config: Config
) -> None:
    cached = serve(make_app(state_ttl=0))
    fresh = serve(make_app(state_ttl=0, cache_ttl=0))
    for client in (cached, fresh):
        assert len((await client.get("/api/papers")).json()["papers"]) == len(SHOWN)
    with Store.open(db) as store:  # what `arxiv-radar summarize --top 7` does: no run row
        ranking = rank_day(store, "default", demo_config.profile(), save=False)
        papers = [item.paper for item in ranking.ranked[5:7]]
        summarize_papers(papers, store=store, spec=EXTRACTIVE, config=demo_config.summaries)

    def summarized(document: dict[str, Any]) -> int:
        return sum(1 for paper in document["papers"] if paper["summary"])

    assert summarized((await cached.get("/api/papers")).json()) == SUMMARIZED  # until cache_ttl
    assert summarized((await fresh.get("/api/papers")).json()) == 7


async def test_the_hot_path_answers_exactly_like_the_app(
    serve: Serve, make_app: Callable[..., Any], demo_config: Config
) -> None:
    app = make_app(state_ttl=3600)
    client = serve(app)
    paths = plain_paths(demo_config.arxiv.categories)
    for path in paths:  # rendered and cached by the app
        assert (await client.get(path)).status_code == 200, path

    async def not_reached(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError(f"{scope['path']} went past the hot path")

    hot = httpx.AsyncClient(
        transport=httpx.ASGITransport(
            app=CachedPaths(not_reached, renderer=app.state.renderer, paths=paths)
        ),
        base_url="http://radar.test",
    )
    async with hot:
        for path in paths:
            etag = (await client.get(path)).headers["etag"]
            for method, headers in (
                ("GET", {"Accept-Encoding": "identity"}),
                ("GET", {"Accept-Encoding": "gzip"}),
                ("HEAD", {"Accept-Encoding": "gzip"}),
                ("GET", {"If-None-Match": etag}),
                ("GET", {"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}),
            ):
                via_app, raw_app = await raw_request(client, method, path, headers)
                via_hot, raw_hot = await raw_request(hot, method, path, headers)
                assert via_hot.status_code == via_app.status_code, (path, headers)
                assert via_hot.headers == via_app.headers, (path, headers)
                assert raw_hot == raw_app, (path, headers)


async def raw_request(
    client: httpx.AsyncClient, method: str, path: str, headers: dict[str, str]
) -> tuple[httpx.Response, bytes]:
    async with client.stream(method, path, headers=headers) as response:
        return response, b"".join([chunk async for chunk in response.aiter_raw()])
