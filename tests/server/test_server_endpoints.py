"""Every route of the feed server over the demo day's store, in process.

The server must serve what the daily run published (the same items in the same order), the
filters must keep exactly the papers they name, and bad input is a 4xx, never a 500.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import feedparser
import httpx
import lxml.html
import pytest

from arxiv_radar.config import Config
from arxiv_radar.store import Store

pytestmark = pytest.mark.anyio

Serve = Callable[..., httpx.AsyncClient]
FEEDS = [
    ("/rss", "rss.xml", "application/rss+xml"),
    ("/atom", "atom.xml", "application/atom+xml"),
    ("/feed.json", "feed.json", "application/feed+json"),
    ("/rss/cs.DC", "cs.DC.xml", "application/rss+xml"),
]


def ids(body: bytes) -> list[str]:
    if body.lstrip().startswith(b"{"):
        return [item["id"] for item in json.loads(body)["items"]]
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.bozo_exception
    return [entry.id for entry in parsed.entries]


async def all_papers(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await client.get("/api/papers", params={"limit": 200})
    assert response.status_code == 200
    papers: list[dict[str, Any]] = response.json()["papers"]
    return papers


@pytest.mark.parametrize(("path", "name", "media_type"), FEEDS)
async def test_feeds_serve_what_the_run_published(
    serve: Serve, demo_store: Path, path: str, name: str, media_type: str
) -> None:
    response = await serve().get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    written = (demo_store.parent / "out" / "feeds" / name).read_bytes()
    assert ids(response.content) == ids(written)
    assert len(ids(response.content)) == (27 if "cs.DC" in path else 50)


async def test_the_page_is_the_published_site(serve: Serve, demo_store: Path) -> None:
    client = serve()
    page = await client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert (await client.get("/index.html")).content == page.content
    served = lxml.html.fromstring(page.content)
    written = lxml.html.fromstring((demo_store.parent / "out/site/index.html").read_bytes())
    cards = "//article//h3//a/@href"
    assert served.xpath(cards) == written.xpath(cards) and len(served.xpath(cards)) == 50
    for link in served.xpath("//link/@href | //script/@src"):  # its assets are served too
        asset = await client.get("/" + link)
        assert asset.status_code == 200, link
    css = resources.files("arxiv_radar.publish").joinpath("static", "site.css").read_bytes()
    assert (await client.get("/assets/site.css")).content == css
    assert (await client.get("/assets/site.css")).headers["content-type"].startswith("text/css")
    data = (await client.get("/data.json")).json()
    written_data = json.loads((demo_store.parent / "out/site/data.json").read_bytes())
    assert data["papers"] == written_data["papers"]


async def test_the_archive(serve: Serve) -> None:
    client = serve()
    archive = await client.get("/archive/index.html")
    assert archive.status_code == 200 and b"2026-04-27.html" in archive.content
    day = await client.get("/archive/2026-04-27.html")
    assert day.status_code == 200 and b"One day of the archive" in day.content
    assert (await client.get("/archive/2026-04-26.html")).status_code == 404
    assert (await client.get("/archive/yesterday.html")).status_code == 422


async def test_unknown_assets_and_routes_are_404(serve: Serve) -> None:
    client = serve()
    for path in ("/assets/app.py", "/assets/site.css.map", "/nothing", "/rss/cs.AI/extra"):
        assert (await client.get(path)).status_code == 404, path


async def test_category_feeds_only_for_configured_categories(serve: Serve) -> None:
    client = serve()
    feed = await client.get("/rss/cs.DC")
    entries = feedparser.parse(feed.content).entries
    assert entries and all("cs.DC" in [t.term for t in entry.tags] for entry in entries)
    assert "cs.DC" in feedparser.parse(feed.content).feed.title
    assert (await client.get("/rss/cs.dc")).content == feed.content  # any case
    assert (await client.get("/feeds/cs.DC.xml")).content == feed.content  # the site's path
    assert ids((await client.get("/rss/cs.CL")).content) == []  # followed, none ranked today
    for other in ("cs.CV", "math.AG", "nonsense", "cs.DC.xml"):
        response = await client.get(f"/rss/{other}")
        assert response.status_code == 404, other
        assert "cs.AI, cs.CL, cs.DC, cs.LG" in response.json()["detail"]


async def test_feed_filters(serve: Serve) -> None:
    client = serve()
    papers = await all_papers(client)
    version = {p["versioned_id"]: p for p in papers}

    async def shown(**params: Any) -> list[dict[str, Any]]:
        response = await client.get("/rss", params=params)
        assert response.status_code == 200, response.text
        return [version[i.removeprefix("https://arxiv.org/abs/")] for i in ids(response.content)]

    assert [p["rank"] for p in await shown()] == list(range(1, 51))
    high = await shown(min_score=5)
    assert high == [p for p in papers if p["score"] >= 5] and 0 < len(high) < 50
    cross = await shown(type="cross")
    assert cross == [p for p in papers if p["announce_type"] == "cross"] and len(cross) == 17
    assert await shown(type=["cross", "new"]) == papers
    assert [p["rank"] for p in await shown(limit=3)] == [1, 2, 3]
    found = await shown(q="DISTRIBUTED Cluster")
    text = {p["arxiv_id"]: f"{p['title']} {p['abstract']}".lower() for p in papers}
    assert found == [
        p for p in papers if all(w in text[p["arxiv_id"]] for w in ("distributed", "cluster"))
    ]
    assert 0 < len(found) < 50
    both = await shown(min_score=4, type="new", limit=2)
    assert both == [p for p in papers if p["score"] >= 4 and p["announce_type"] == "new"][:2]
    assert await shown(q="no paper says zyzzyva") == []
    atom = await client.get("/atom", params={"type": "cross", "limit": 5})
    assert len(feedparser.parse(atom.content).entries) == 5
    items = (await client.get("/feed.json", params={"min_score": 5})).json()["items"]
    assert [item["_arxiv_radar"]["rank"] for item in items] == [p["rank"] for p in high]
    dc = await client.get("/rss/cs.DC", params={"limit": 4})
    assert len(ids(dc.content)) == 4  # the limit counts the category's papers


async def test_api_papers_pages_with_explanations_and_summaries(serve: Serve) -> None:
    client = serve()
    first = (await client.get("/api/papers", params={"limit": 20})).json()
    assert first["announced_on"] == "2026-04-27" and first["profile"] == "default"
    assert first["counts"] == {"announced": 207, "matched": 126, "shown": 50}
    assert (first["total"], first["offset"], first["limit"], first["next_offset"]) == (
        50,
        0,
        20,
        20,
    )
    last = (await client.get("/api/papers", params={"limit": 20, "offset": 40})).json()
    assert len(last["papers"]) == 10 and last["next_offset"] is None
    assert [p["rank"] for p in first["papers"]] == list(range(1, 21))
    top = first["papers"][0]
    explanation = top["explanation"]
    assert explanation["kept"] and explanation["total"] == top["score"]
    assert explanation["text"].endswith(f"= {top['score']:g}")
    assert sum(match["points"] for match in top["matches"]) == pytest.approx(top["score"])
    summarized = [p for p in first["papers"] if p["summary"]]
    assert len(summarized) == 5 and all(p["summary"]["extractive"] for p in summarized)
    assert all(p["summary"]["html"] and p["summary"]["tldr"] for p in summarized)
    dated = await client.get("/api/papers", params={"date": "2026-04-27", "limit": 1})
    assert dated.json()["papers"][0] == top
    filtered = (await client.get("/api/papers", params={"category": "cs.LG"})).json()
    assert filtered["total"] == 11 and all(
        "cs.LG" in p["categories"] or p["primary_category"] == "cs.LG" for p in filtered["papers"]
    )
    assert (await client.get("/api/papers", params={"date": "2026-04-26"})).status_code == 404


async def test_api_paper_detail(serve: Serve, db: Path, demo_config: Config) -> None:
    client = serve()
    papers = await all_papers(client)
    top = papers[0]
    detail = (await client.get(f"/api/papers/{top['arxiv_id']}")).json()
    assert {k: detail[k] for k in top} == top
    assert detail["announced_on"] == "2026-04-27"
    assert detail["announcements"] == [
        {
            "announced_on": "2026-04-27",
            "announce_type": "new",
            "version": top["version"],
            "feed": "rss",
        }
    ]
    versioned = await client.get(f"/api/papers/{top['versioned_id']}")
    assert versioned.json() == detail
    assert (await client.get(f"/api/papers/arXiv:{top['arxiv_id']}")).json() == detail

    with Store.open(str(db)) as store:
        day = store.papers_announced_on(dt.date(2026, 4, 27))
    shown = {p["arxiv_id"] for p in papers}
    others = [stored.paper.arxiv_id for stored in day if stored.paper.arxiv_id not in shown]
    found = [(await client.get(f"/api/papers/{arxiv_id}")).json() for arxiv_id in others]
    kept = [d for d in found if d["explanation"]["kept"]]
    dropped = [d for d in found if not d["explanation"]["kept"]]
    assert len(kept) == 126 - 50 and len(dropped) == 207 - 126
    assert all(d["rank"] is None and d["score"] == d["explanation"]["total"] for d in found)
    assert all(d["explanation"]["dropped"] and d["explanation"]["reason"] for d in dropped)


@pytest.mark.parametrize("arxiv_id", ["2604.99999", "hep-th/9901001", "hep-th/9901001v2"])
async def test_unknown_papers_are_404(serve: Serve, arxiv_id: str) -> None:
    response = await serve().get(f"/api/papers/{arxiv_id}")
    assert response.status_code == 404 and arxiv_id.removesuffix("v2") in response.json()["detail"]


@pytest.mark.parametrize("text", ["not-an-id", "2613.00001", "x" * 60])
async def test_malformed_ids_are_404(serve: Serve, text: str) -> None:
    response = await serve().get(f"/api/papers/{text}")
    assert response.status_code == 404 and "not an arXiv id" in response.json()["detail"]


async def test_api_runs(serve: Serve) -> None:
    client = serve()
    response = await client.get("/api/runs")
    assert response.headers["cache-control"] == "no-store"
    runs = response.json()["runs"]
    assert [(r["kind"], r["status"]) for r in runs] == [("publish", "ok"), ("run", "ok")]
    assert runs[1]["counts"] == {"papers_announced": 207, "papers_shown": 50, "summary_calls": 0}
    assert len((await client.get("/api/runs", params={"limit": 1})).json()["runs"]) == 1
    for limit in (0, 101, "many"):
        assert (await client.get("/api/runs", params={"limit": limit})).status_code == 422


async def test_health(serve: Serve, db: Path) -> None:
    with Store.open(str(db)) as store:
        finished = store.recent_runs(1)[0].finished_at
    assert finished is not None
    ok = (await serve(clock=lambda: finished + dt.timedelta(hours=2)).get("/health")).json()
    assert ok["status"] == "ok" and ok["store"] == "ok"
    assert ok["latest_announcement"] == "2026-04-27" and ok["last_run_age_seconds"] == 7200
    assert ok["last_successful_run"]["kind"] == "publish" and ok["read_only"] is False
    later = serve(clock=lambda: finished + dt.timedelta(days=5))
    assert (await later.get("/health")).json()["status"] == "stale"


async def test_health_when_the_store_is_unreachable(serve: Serve, tmp_path: Path) -> None:
    client = serve(store_url=str(tmp_path / "missing-folder" / "radar.db"))
    response = await client.get("/health")
    assert response.status_code == 503
    assert (
        response.json()["status"] == "unavailable" and "does not exist" in response.json()["store"]
    )
    feed = await client.get("/rss")
    assert feed.status_code == 503 and feed.headers["retry-after"] == "30"


async def test_an_empty_store(serve: Serve, tmp_path: Path) -> None:
    client = serve(store_url=str(tmp_path / "empty.db"))
    for path in ("/", "/rss", "/api/papers"):
        response = await client.get(path)
        assert response.status_code == 404 and "no digest yet" in response.json()["detail"]
    health = (await client.get("/health")).json()
    assert health["status"] == "ok" and health["last_successful_run"] is None


async def test_head_requests(serve: Serve) -> None:
    client = serve()
    full = await client.get("/rss")
    head = await client.head("/rss")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == full.headers["content-length"]
    assert head.headers["etag"] == full.headers["etag"]


@pytest.mark.parametrize(
    "path",
    [
        "/rss/..%2F..%2Fetc%2Fpasswd",
        "/assets/..%2F..%2F..%2Fpyproject.toml",
        "/assets/%2e%2e/%2e%2e/config.py",
        "/api/papers/..%2F..%2Fetc%2Fpasswd",
        "/archive/..%5C..%5Cwin.ini",
        "/rss/cs.AI%00",
        "/" + "a" * 600,
    ],
)
async def test_traversal_and_long_paths_are_400(serve: Serve, path: str) -> None:
    response = await serve().get(path)
    assert response.status_code == 400, response.text
    assert "detail" in response.json()


@pytest.mark.parametrize(
    "params",
    [
        {"q": "x" * 201},
        {"limit": 0},
        {"limit": 1001},
        {"limit": "ten"},
        {"min_score": -1},
        {"min_score": "nan"},
        {"min_score": "inf"},
        {"min_score": "1e400"},
        {"type": "bogus"},
        {"type": ["new", "cross", "replace", "replace-cross", "new"]},
    ],
)
async def test_bad_filters_are_422(serve: Serve, params: dict[str, Any]) -> None:
    client = serve()
    for path in ("/rss", "/atom", "/feed.json", "/rss/cs.AI", "/api/papers"):
        response = await client.get(path, params=params)
        assert response.status_code == 422, (path, params, response.text)


async def test_oversized_query_strings_are_400(serve: Serve) -> None:
    response = await serve().get("/rss", params={"q": "llm", "pad": "x" * 3000})
    assert response.status_code == 400 and "query string" in response.json()["detail"]


async def test_bad_api_values_are_422(serve: Serve) -> None:
    client = serve()
    for params in (
        {"date": "2026-13-01"},
        {"offset": -1},
        {"offset": 100_001},
        {"limit": 201},
        {"category": "c" * 33},
    ):
        response = await client.get("/api/papers", params=params)
        assert response.status_code == 422, params


async def test_openapi_describes_the_routes(serve: Serve) -> None:
    client = serve()
    spec = (await client.get("/openapi.json")).json()
    assert set(spec["paths"]) >= {
        "/",
        "/rss",
        "/atom",
        "/feed.json",
        "/rss/{category}",
        "/api/papers",
        "/api/papers/{arxiv_id}",
        "/api/runs",
        "/health",
    }
    assert not any(path.startswith("/admin") for path in spec["paths"])
    assert (await client.get("/docs")).status_code == 200
