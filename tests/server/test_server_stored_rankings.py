"""The server answers from the rankings the store holds: it ranks nothing on a request.

A day's digest is the profile's stored ranking (the ``rankings`` read model the daily run
wrote); a profile or configuration with no stored ranking has no digest until something
that writes (``arxiv-radar rank``, ``summarize`` or ``run``) ranks the day.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio.to_thread
import feedparser
import httpx
import pytest

from arxiv_radar.config import Config, ProfileConfig, SummaryConfig
from arxiv_radar.demo import DEMO_DAY
from arxiv_radar.rank.ranker import rank_day
from arxiv_radar.store import Store
from calls import CallsInto

from demo_expectations import DROPPED, SHOWN

pytestmark = pytest.mark.anyio

Serve = Callable[..., httpx.AsyncClient]


def entry_ids(body: bytes) -> list[str]:
    return [entry.id for entry in feedparser.parse(body).entries]


async def test_rss_and_api_papers_make_no_call_into_rank_but_its_key(
    serve: Serve, make_app: Callable[..., Any], db: str, demo_config: Config
) -> None:
    with CallsInto("rank") as calls:  # started before the app's worker threads are
        client = serve(make_app())
        rss = await client.get("/rss")
        papers = await client.get("/api/papers", params={"limit": 200})
        one = await client.get(f"/api/papers/{SHOWN[0].arxiv_id}")
        dropped = await client.get(f"/api/papers/{DROPPED[0].arxiv_id}")
        answered = dict(calls.calls)  # what answering called in rank/

        def rank_in_a_worker() -> None:  # the same thread pool: the counter sees it
            with Store.open(db) as store:
                rank_day(store, "default", demo_config.profile(), day=DEMO_DAY, save=False)

        await anyio.to_thread.run_sync(rank_in_a_worker)
    assert rss.status_code == papers.status_code == one.status_code == 200
    assert dropped.status_code == 200 and dropped.json()["rank"] is None
    assert dropped.json()["explanation"]["dropped"]
    assert len(entry_ids(rss.content)) == len(SHOWN)
    assert [p["versioned_id"] for p in papers.json()["papers"]] == [r.versioned_id for r in SHOWN]
    assert one.json()["rank"] == 1
    # the server computes the key its rankings are stored under (rank/key.py), no more
    assert answered and {file for file, _ in answered} == {"key.py"}, answered
    assert calls.calls[("ranker.py", "rank_day")] == 1  # the counter does count


async def test_a_configuration_without_a_stored_ranking_has_no_digest_until_ranked(
    serve: Serve, make_app: Callable[..., Any], db: str
) -> None:
    config = Config(
        profiles={"default": ProfileConfig(max_papers=3)},
        summaries=SummaryConfig(provider="extractive"),
    )
    client = serve(make_app(config=config, cache_ttl=0))
    assert (await client.get("/rss")).status_code == 404
    assert (await client.get("/api/papers")).status_code == 404
    assert (await client.get(f"/api/papers/{DEMO_DAY.isoformat()}")).status_code == 404
    detail = await client.get(f"/api/papers/{SHOWN[0].arxiv_id}")
    assert detail.status_code == 200  # the paper is stored; its ranking is not
    assert detail.json()["rank"] is None and detail.json()["explanation"] is None

    with Store.open(db) as store:  # what `arxiv-radar rank` does with this profile
        rank_day(store, "default", config.profile(), day=DEMO_DAY)
    rss = await client.get("/rss")
    assert rss.status_code == 200 and len(entry_ids(rss.content)) == 3
    page = (await client.get("/api/papers")).json()
    assert [p["versioned_id"] for p in page["papers"]] == [r.versioned_id for r in SHOWN[:3]]
    assert page["counts"]["shown"] == 3
    assert (await client.get("/archive/index.html")).status_code == 200
