"""Catch-up fills only the listing days missed since the store began; backfill does the rest.

On SQLite and on PostgreSQL (``store_url``, given to the commands as ``ARXIV_RADAR_STORE__URL``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from arxiv_radar.arxiv import calendar
from arxiv_radar.arxiv.rss import parse_listing
from arxiv_radar.store import Store

from cli_helpers import invoke_cli
from replay_server import ReplayServer, Reply, fixture_bytes
from store_backends import store_env

RSS_FIXTURE = "rss2_new_format_cs.AI_excerpt_3items_reserialized_2026-04-27.xml"
API_FIXTURE = "api_atom_idlist_single_1605.08386_2026.xml"
DAY = dt.date(2026, 4, 27)  # a Monday: the listing the replayed feed carries


def write_config(folder: Path, days_back: int = 7) -> None:
    (folder / "arxiv-radar.toml").write_text(
        f'[arxiv]\ncategories = ["cs.AI"]\ndays_back = {days_back}\nmax_retries = 1\n',
        encoding="utf-8",
    )


def store_read_listing_on(db: str | Path, day: dt.date) -> None:
    """A store whose daily job first read a listing on ``day`` (the recorded feed, re-dated)."""
    entries = [
        entry.model_copy(
            update={"announcement": entry.announcement.model_copy(update={"announced_on": day})}
        )
        for entry in parse_listing(fixture_bytes(RSS_FIXTURE)).entries
    ]
    with Store.open(str(db)) as store:
        store.ingest(entries)
        store.record_listing(day, "rss", ["cs.AI"], len(entries))


def test_a_first_run_on_a_fresh_store_makes_one_request(
    tmp_path: Path, replay: ReplayServer, store_url: str
) -> None:
    replay.add("/rss/cs.AI", Reply(body=fixture_bytes(RSS_FIXTURE)))
    replay.add("/api/query", Reply(body=fixture_bytes(API_FIXTURE)))
    write_config(tmp_path)
    result = invoke_cli(
        "run", "--no-summaries", "--output", str(tmp_path / "out"),
        cwd=tmp_path, server=replay, env=store_env(store_url),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert [r.path for r in replay.requests] == ["/rss/cs.AI"]
    with Store.open(store_url) as store:
        assert store.announcement_dates() == [DAY]
        assert store.run_dates("catch-up") == set()


def test_a_store_that_began_earlier_catches_up_only_its_gap(
    tmp_path: Path, replay: ReplayServer, store_url: str
) -> None:
    began = dt.date(2026, 4, 21)  # a Tuesday: the store's first listing, three days before a gap
    store_read_listing_on(store_url, began)
    replay.add("/rss/cs.AI", Reply(body=fixture_bytes(RSS_FIXTURE)))
    replay.add("/api/query", Reply(body=fixture_bytes(API_FIXTURE)))
    write_config(tmp_path, days_back=14)
    result = invoke_cli("fetch", cwd=tmp_path, server=replay, env=store_env(store_url))
    assert result.returncode == 0, result.stdout + result.stderr
    gap = [dt.date(2026, 4, 22), dt.date(2026, 4, 23), dt.date(2026, 4, 24)]
    api = replay.requests_to("/api/query")
    assert len(api) == len(gap)  # not the days before the store began, though days_back allows
    for request, day in zip(api, gap, strict=True):
        start, end = calendar.submission_window(day)
        query = request.query["search_query"]
        assert f"submittedDate:[{start:%Y%m%d%H%M} TO " in query, query
    with Store.open(store_url) as store:
        assert store.run_dates("catch-up") == set(gap)
        assert store.listing_dates() == {began, *gap, DAY}

    # The gap is filled: the next run asks for nothing but the listing.
    replay.add("/rss/cs.AI", Reply(status=304))
    again = invoke_cli("fetch", cwd=tmp_path, server=replay, env=store_env(store_url))
    assert again.returncode == 0, again.stderr
    assert len(replay.requests_to("/api/query")) == len(gap)


def test_no_catch_up_before_the_first_daily_run(
    tmp_path: Path, replay: ReplayServer, store_url: str
) -> None:
    """Days a backfill stored do not move the store's beginning back: only the daily job does."""
    replay.add("/rss/cs.AI", Reply(body=fixture_bytes(RSS_FIXTURE)))
    replay.add("/api/query", Reply(body=fixture_bytes(API_FIXTURE)))
    write_config(tmp_path)
    env = store_env(store_url)
    backfill = invoke_cli(
        "backfill", "--since", "2026-04-20", "--until", "2026-04-20",
        cwd=tmp_path, server=replay, env=env,
    )  # fmt: skip
    assert backfill.returncode == 0, backfill.stderr
    asked = len(replay.requests)
    result = invoke_cli("fetch", cwd=tmp_path, server=replay, env=env)
    assert result.returncode == 0, result.stderr
    assert [r.path for r in replay.requests[asked:]] == ["/rss/cs.AI"]
