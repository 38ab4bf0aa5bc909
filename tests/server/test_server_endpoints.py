"""Every route of the feed server over the demo day's store, in process.

The server must serve what the daily run published (the same items in the same order), the
filters must keep exactly the papers they name, and bad input is a 4xx, never a 500. The
expected papers and figures come from the demo day's feed (``demo_expectations``).
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

from arxiv_radar.config import Config, ProfileConfig, SummaryConfig
from arxiv_radar.scheduler import Runner
from arxiv_radar.store import Store

from demo_expectations import (
    DROPPED,
    EMPTY_CATEGORY,
    KEPT_NOT_SHOWN,
    MATCHED,
    MAX_PAPERS,
    RECORDS,
    SHOWN,
    SHOWN_CATEGORY,
    SUMMARIZED,
    DemoStore,
    Record,
    in_category,
    score,
)
from store_backends import missing_store

pytestmark = pytest.mark.anyio

Serve = Callable[..., httpx.AsyncClient]
FEEDS = [
    ("/rss", "rss.xml", "application/rss+xml"),
    ("/atom", "atom.xml", "application/atom+xml"),
    ("/feed.json", "feed.json", "application/feed+json"),
    (f"/rss/{SHOWN_CATEGORY}", f"{SHOWN_CATEGORY}.xml", "application/rss+xml"),
    (f"/rss/{EMPTY_CATEGORY}", f"{EMPTY_CATEGORY}.xml", "application/rss+xml"),
]


def abs_urls(records: tuple[Record, ...]) -> list[str]:
    return [f"https://arxiv.org/abs/{r.versioned_id}" for r in records]


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
    serve: Serve, demo_store: DemoStore, path: str, name: str, media_type: str
) -> None:
    response = await serve().get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    written = (demo_store.output / "feeds" / name).read_bytes()
    assert ids(response.content) == ids(written)
    category = path.removeprefix("/rss/") if path.startswith("/rss/") else None
    expected = in_category(SHOWN, category) if category else SHOWN
    assert ids(response.content) == abs_urls(expected)


async def test_the_expectations_match_the_ranking(serve: Serve) -> None:
    papers = await all_papers(serve())
    assert [(p["versioned_id"], p["score"], p["rank"]) for p in papers] == [
        (r.versioned_id, score(r), rank) for rank, r in enumerate(SHOWN, 1)
    ]
    assert len(SHOWN) == MAX_PAPERS < len(MATCHED) < len(RECORDS)


async def test_the_page_is_the_published_site(serve: Serve, demo_store: DemoStore) -> None:
    client = serve()
    page = await client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert (await client.get("/index.html")).content == page.content
    served = lxml.html.fromstring(page.content)
    written = lxml.html.fromstring((demo_store.output / "site/index.html").read_bytes())
    cards = "//article//h3//a/@href"
    assert served.xpath(cards) == written.xpath(cards)
    assert [href.rsplit("/", 1)[-1] for href in served.xpath(cards)] == [r.arxiv_id for r in SHOWN]
    for link in served.xpath("//link/@href | //script/@src"):  # its assets are served too
        asset = await client.get("/" + link)
        assert asset.status_code == 200, link
    css = resources.files("arxiv_radar.publish").joinpath("static", "site.css").read_bytes()
    assert (await client.get("/assets/site.css")).content == css
    assert (await client.get("/assets/site.css")).headers["content-type"].startswith("text/css")
    data = (await client.get("/data.json")).json()
    written_data = json.loads((demo_store.output / "site/data.json").read_bytes())
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
    feed = await client.get(f"/rss/{SHOWN_CATEGORY}")
    entries = feedparser.parse(feed.content).entries
    assert [entry.id for entry in entries] == abs_urls(in_category(SHOWN, SHOWN_CATEGORY))
    assert all(SHOWN_CATEGORY in [t.term for t in entry.tags] for entry in entries)
    assert 0 < len(entries) < len(SHOWN)  # the category's papers, not all the digest's
    assert SHOWN_CATEGORY in feedparser.parse(feed.content).feed.title
    assert (await client.get(f"/rss/{SHOWN_CATEGORY.lower()}")).content == feed.content  # any case
    assert (await client.get(f"/feeds/{SHOWN_CATEGORY}.xml")).content == feed.content  # site's
    # Followed, with a paper matched today but none shown (it ranks below max_papers).
    assert in_category(KEPT_NOT_SHOWN, EMPTY_CATEGORY) and not in_category(SHOWN, EMPTY_CATEGORY)
    empty = await client.get(f"/rss/{EMPTY_CATEGORY}")
    assert empty.status_code == 200 and ids(empty.content) == []
    assert EMPTY_CATEGORY in feedparser.parse(empty.content).feed.title
    for other in ("cs.CV", "math.AG", "nonsense", "cs.DC.xml"):
        response = await client.get(f"/rss/{other}")
        assert response.status_code == 404, other
        assert "cs.AI, cs.CL, cs.DC, cs.LG" in response.json()["detail"]


async def test_a_followed_category_with_no_ranked_paper(
    serve: Serve, tmp_path: Path, empty_db: str, run_demo: Callable[[Config, str, Path], Runner]
) -> None:
    # With only `new` papers ranked, none of cs.CL's papers is: its `new` one matches no
    # keyword, and the others are cross-lists or replacements.
    listed = in_category(RECORDS, "cs.CL")
    assert listed and not [r for r in listed if r.announce_type == "new" and score(r) is not None]
    ranked = tuple(r for r in MATCHED if r.announce_type == "new")
    assert 0 < len(ranked) <= MAX_PAPERS
    config = Config(
        profiles={"default": ProfileConfig(max_papers=MAX_PAPERS, announce_types=["new"])},
        summaries=SummaryConfig(provider="extractive"),
    )
    report = run_demo(config, empty_db, tmp_path / "out")()
    assert report.status == "ok" and report.papers_matched == len(ranked)
    client = serve(store_url=empty_db, config=config)
    assert ids((await client.get("/rss")).content) == abs_urls(ranked)
    feed = await client.get("/rss/cs.CL")
    assert feed.status_code == 200 and ids(feed.content) == []
    assert ids((tmp_path / "out" / "feeds" / "cs.CL.xml").read_bytes()) == []  # as published
    for record in listed:
        detail = (await client.get(f"/api/papers/{record.arxiv_id}")).json()
        assert detail["rank"] is None and detail["explanation"]["dropped"], record.arxiv_id


async def test_feed_filters(serve: Serve) -> None:
    client = serve()
    papers = await all_papers(client)
    version = {p["versioned_id"]: p for p in papers}

    async def shown(**params: Any) -> list[dict[str, Any]]:
        response = await client.get("/rss", params=params)
        assert response.status_code == 200, response.text
        return [version[i.removeprefix("https://arxiv.org/abs/")] for i in ids(response.content)]

    assert [p["versioned_id"] for p in papers] == [r.versioned_id for r in SHOWN]
    assert [p["rank"] for p in await shown()] == list(range(1, len(SHOWN) + 1))
    high = await shown(min_score=4)
    assert high == [p for p in papers if p["score"] >= 4] and 0 < len(high) < len(SHOWN)
    cross = await shown(type="cross")
    assert [p["versioned_id"] for p in cross] == [
        r.versioned_id for r in SHOWN if r.announce_type == "cross"
    ]
    assert 0 < len(cross) < len(SHOWN)
    assert await shown(type=["cross", "new"]) == papers
    assert [p["rank"] for p in await shown(limit=3)] == [1, 2, 3]
    found = await shown(q="METAMORPHIC Testing")
    text = {r.arxiv_id: f"{r.title} {r.abstract}".lower() for r in SHOWN}
    assert [p["arxiv_id"] for p in found] == [
        r.arxiv_id for r in SHOWN if all(w in text[r.arxiv_id] for w in ("metamorphic", "testing"))
    ]
    assert 0 < len(found) < len(SHOWN)
    new_and_high = [p for p in papers if p["score"] >= 2.5 and p["announce_type"] == "new"]
    both = await shown(min_score=2.5, type="new", limit=2)
    assert both == new_and_high[:2] and len(new_and_high) > 2  # each filter and the limit bite
    assert await shown(q="no paper says zyzzyva") == []
    atom = await client.get("/atom", params={"type": "cross", "limit": 5})
    assert len(feedparser.parse(atom.content).entries) == 5
    items = (await client.get("/feed.json", params={"min_score": 4})).json()["items"]
    assert [item["_arxiv_radar"]["rank"] for item in items] == [p["rank"] for p in high]
    category = in_category(SHOWN, SHOWN_CATEGORY)
    assert len(in_category(SHOWN[:4], SHOWN_CATEGORY)) < 4 < len(category)
    limited = await client.get(f"/rss/{SHOWN_CATEGORY}", params={"limit": 4})
    assert ids(limited.content) == abs_urls(category[:4])  # the limit counts the category's


async def test_api_papers_pages_with_explanations_and_summaries(serve: Serve) -> None:
    client = serve()
    first = (await client.get("/api/papers", params={"limit": 6})).json()
    assert first["announced_on"] == "2026-04-27" and first["profile"] == "default"
    counts = {"announced": len(RECORDS), "matched": len(MATCHED), "shown": MAX_PAPERS}
    assert first["counts"] == counts
    assert (first["total"], first["offset"], first["limit"], first["next_offset"]) == (
        len(SHOWN),
        0,
        6,
        6,
    )
    last = (await client.get("/api/papers", params={"limit": 6, "offset": 6})).json()
    assert [p["rank"] for p in last["papers"]] == list(range(7, len(SHOWN) + 1))
    assert len(last["papers"]) < 6 and last["next_offset"] is None
    assert [p["rank"] for p in first["papers"]] == list(range(1, 7))
    top = first["papers"][0]
    explanation = top["explanation"]
    assert explanation["kept"] and explanation["total"] == top["score"]
    assert explanation["text"].endswith(f"= {top['score']:g}")
    assert sum(match["points"] for match in top["matches"]) == pytest.approx(top["score"])
    summarized = [p for p in first["papers"] if p["summary"]]
    assert [p["rank"] for p in summarized] == list(range(1, SUMMARIZED + 1))
    assert all(p["summary"]["extractive"] for p in summarized)
    assert not [p for p in last["papers"] if p["summary"]]
    assert all(p["summary"]["html"] and p["summary"]["tldr"] for p in summarized)
    dated = await client.get("/api/papers", params={"date": "2026-04-27", "limit": 1})
    assert dated.json()["papers"][0] == top
    filtered = (await client.get("/api/papers", params={"category": SHOWN_CATEGORY})).json()
    assert [p["versioned_id"] for p in filtered["papers"]] == [
        r.versioned_id for r in in_category(SHOWN, SHOWN_CATEGORY)
    ]
    assert filtered["total"] == len(filtered["papers"]) and all(
        SHOWN_CATEGORY in p["categories"] or p["primary_category"] == SHOWN_CATEGORY
        for p in filtered["papers"]
    )
    assert (await client.get("/api/papers", params={"date": "2026-04-26"})).status_code == 404


async def test_api_paper_detail(serve: Serve, db: str, demo_config: Config) -> None:
    client = serve()
    papers = await all_papers(client)
    top = papers[0]
    assert top["versioned_id"] == SHOWN[0].versioned_id
    detail = (await client.get(f"/api/papers/{top['arxiv_id']}")).json()
    assert {k: detail[k] for k in top} == top
    assert detail["announced_on"] == "2026-04-27"
    assert detail["announcements"] == [
        {
            "announced_on": "2026-04-27",
            "announce_type": SHOWN[0].announce_type,  # the feed's, here "cross"
            "version": SHOWN[0].version,
            "feed": "rss",
        }
    ]
    versioned = await client.get(f"/api/papers/{top['versioned_id']}")
    assert versioned.json() == detail
    assert (await client.get(f"/api/papers/arXiv:{top['arxiv_id']}")).json() == detail

    with Store.open(db) as store:
        day = store.papers_announced_on(dt.date(2026, 4, 27))
    shown = {p["arxiv_id"] for p in papers}
    others = [stored.paper.arxiv_id for stored in day if stored.paper.arxiv_id not in shown]
    found = [(await client.get(f"/api/papers/{arxiv_id}")).json() for arxiv_id in others]
    kept = [d for d in found if d["explanation"]["kept"]]
    dropped = [d for d in found if not d["explanation"]["kept"]]
    assert kept and {d["arxiv_id"]: d["score"] for d in kept} == {
        r.arxiv_id: score(r) for r in KEPT_NOT_SHOWN
    }
    assert dropped and sorted(d["arxiv_id"] for d in dropped) == sorted(r.arxiv_id for r in DROPPED)
    assert all(d["rank"] is None and d["score"] == d["explanation"]["total"] for d in found)
    assert all(d["explanation"]["dropped"] and d["explanation"]["reason"] for d in dropped)
    types = {r.arxiv_id: r.announce_type for r in DROPPED}
    for d in dropped:  # replacements are not ranked; the others match no keyword
        reason = d["explanation"]["reason"]
        if types[d["arxiv_id"]] in ("new", "cross"):
            assert reason == "no keyword and no followed author matched", d["arxiv_id"]
        else:
            assert reason.startswith(f"announced as {types[d['arxiv_id']]};"), d["arxiv_id"]


@pytest.mark.parametrize("arxiv_id", ["2604.99999", "hep-th/9901001", "hep-th/9901001v2"])
async def test_unknown_papers_are_404(serve: Serve, arxiv_id: str) -> None:
    response = await serve().get(f"/api/papers/{arxiv_id}")
    assert response.status_code == 404 and arxiv_id.removesuffix("v2") in response.json()["detail"]


@pytest.mark.parametrize("text", ["not-an-id", "2613.00001", "x" * 60])
async def test_malformed_ids_are_404(serve: Serve, text: str) -> None:
    response = await serve().get(f"/api/papers/{text}")
    assert response.status_code == 404 and "not an arXiv id" in response.json()["detail"]


async def test_api_runs(serve: Serve, db: str) -> None:
    with Store.open(db) as store:  # a later fetch, listed first
        store.finish_run(store.start_run("fetch", dt.date(2026, 4, 27)), "ok", {"papers": 12})
    client = serve()
    response = await client.get("/api/runs")
    assert response.headers["cache-control"] == "no-store"
    runs = response.json()["runs"]
    assert [(r["kind"], r["status"]) for r in runs] == [("fetch", "ok"), ("run", "ok")]
    assert runs[1]["counts"] == {
        "papers_announced": len(RECORDS),
        "papers_shown": len(SHOWN),
        "summary_calls": 0,
    }
    assert len((await client.get("/api/runs", params={"limit": 1})).json()["runs"]) == 1
    for limit in (0, 101, "many"):
        assert (await client.get("/api/runs", params={"limit": limit})).status_code == 422


async def test_health(serve: Serve, db: str) -> None:
    with Store.open(db) as store:
        finished = store.recent_runs(1)[0].finished_at
    assert finished is not None
    ok = (await serve(clock=lambda: finished + dt.timedelta(hours=2)).get("/health")).json()
    assert ok["status"] == "ok" and ok["store"] == "ok"
    assert ok["latest_announcement"] == "2026-04-27" and ok["last_run_age_seconds"] == 7200
    assert ok["last_successful_run"]["kind"] == "run" and ok["read_only"] is False
    later = serve(clock=lambda: finished + dt.timedelta(days=5))
    assert (await later.get("/health")).json()["status"] == "stale"


async def test_health_when_the_store_is_unreachable(
    serve: Serve, demo_store: DemoStore, tmp_path: Path
) -> None:
    client = serve(store_url=missing_store(demo_store.backend, tmp_path))
    response = await client.get("/health")
    assert response.status_code == 503
    assert (
        response.json()["status"] == "unavailable" and "does not exist" in response.json()["store"]
    )
    feed = await client.get("/rss")
    assert feed.status_code == 503 and feed.headers["retry-after"] == "30"


async def test_an_empty_store(serve: Serve, empty_db: str) -> None:
    client = serve(store_url=empty_db)
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
