"""Conditional-GET validators and the record of runs."""

from __future__ import annotations

import datetime as dt

import pytest

from arxiv_radar.errors import StoreError
from arxiv_radar.store import RunRecord, Store

from store_helpers import DAY

FEED = "https://rss.arxiv.org/rss/cs.LG"


def test_validators_round_trip(store: Store) -> None:
    assert store.get_validators(FEED) is None
    store.put_validators(FEED, '"abc123"', "Mon, 06 May 2024 04:00:00 GMT")
    assert store.get_validators(FEED) == ('"abc123"', "Mon, 06 May 2024 04:00:00 GMT")
    store.put_validators(FEED, None, "Tue, 07 May 2024 04:00:00 GMT")
    assert store.get_validators(FEED) == (None, "Tue, 07 May 2024 04:00:00 GMT")
    store.put_validators(FEED + "?x=1", 'W/"weak"', None)
    assert store.get_validators(FEED + "?x=1") == ('W/"weak"', None)
    assert store.get_validators(FEED) == (None, "Tue, 07 May 2024 04:00:00 GMT")
    store.put_validators(FEED, None, None)  # nothing to remember: forgotten
    assert store.get_validators(FEED) is None


def test_run_lifecycle(store: Store) -> None:
    assert store.recent_runs() == []
    before = dt.datetime.now(dt.UTC)
    first = store.start_run("fetch", announced_on=DAY)
    second = store.start_run("publish")
    assert first != second
    running = store.recent_runs()
    assert [run.id for run in running] == [second, first]
    assert running[1].status == "running"
    assert running[1].finished_at is None
    assert running[1].announced_on == DAY
    assert running[1].started_at >= before - dt.timedelta(seconds=1)
    assert running[1].started_at.tzinfo is not None

    store.finish_run(first, "ok", {"papers_inserted": 12, "skipped": 1})
    store.finish_run(second, "failed", errors=["arXiv answered 503", "gave up after 4 tries"])
    runs = {run.id: run for run in store.recent_runs()}
    assert runs[first] == RunRecord(
        id=first,
        kind="fetch",
        status="ok",
        started_at=runs[first].started_at,
        finished_at=runs[first].finished_at,
        announced_on=DAY,
        counts={"papers_inserted": 12, "skipped": 1},
        errors=(),
    )
    finished_at = runs[first].finished_at
    assert finished_at is not None and finished_at >= runs[first].started_at
    assert runs[second].status == "failed"
    assert runs[second].errors == ("arXiv answered 503", "gave up after 4 tries")
    assert runs[second].counts == {}
    assert len(store.recent_runs(limit=1)) == 1


def test_finish_run_checks_its_arguments(store: Store) -> None:
    run_id = store.start_run("fetch")
    with pytest.raises(ValueError, match="run status"):
        store.finish_run(run_id, "done")
    with pytest.raises(StoreError, match="no run 4242"):
        store.finish_run(4242, "ok")


def test_run_dates_lists_finished_runs_of_one_kind(store: Store) -> None:
    day = dt.date(2026, 4, 24)
    ok = store.start_run("catch-up", announced_on=day)
    store.finish_run(ok, "ok")
    failed = store.start_run("catch-up", announced_on=dt.date(2026, 4, 23))
    store.finish_run(failed, "failed", errors=["arXiv down"])
    store.start_run("catch-up", announced_on=dt.date(2026, 4, 22))  # still running
    other = store.start_run("fetch", announced_on=dt.date(2026, 4, 21))
    store.finish_run(other, "ok")
    assert store.run_dates("catch-up") == {day}
    assert store.run_dates("catch-up", "failed") == {dt.date(2026, 4, 23)}
    assert store.run_dates("fetch") == {dt.date(2026, 4, 21)}
