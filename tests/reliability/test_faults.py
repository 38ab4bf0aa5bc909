"""``arxiv-radar run`` against an arXiv that misbehaves, the real command (in process).

Every fault either ends in a correct run (bad items skipped and reported) or in a clear
error with exit code 3; the store stays consistent (checked with SQL), the last good
outputs stay byte for byte, and requests are never closer than the configured interval.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest

from cli_helpers import invoke_cli
from fault_server import (
    API_PATH,
    DAY,
    DAY_PAPERS,
    FEED_PATH,
    MALFORMED_IDS,
    api_page,
    connection_reset,
    cut_short,
    fast_config,
    good_feed,
    hang,
    holiday_feed,
    html_error_page,
    rate_limited,
    slow_drip,
    truncated_xml,
    unavailable,
    with_duplicates,
    with_malformed_items,
)
from radar_checks import check_outputs, check_store, snapshot, sql, store_began_on
from replay_server import ReplayServer, Reply, Responder

INTERVAL = 0.2
"""ARXIV_RADAR_MIN_INTERVAL in these tests: small, but large enough to measure."""


def run(folder: Path, server: ReplayServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"ARXIV_RADAR_MIN_INTERVAL": str(INTERVAL)}
    return invoke_cli("run", *args, cwd=folder, server=server, env=env)


def assert_polite(server: ReplayServer) -> None:
    """No request started sooner than the interval after the one before it."""
    gaps = server.gaps()
    assert all(gap >= INTERVAL for gap in gaps), gaps


def configure(folder: Path, text: str) -> None:
    (folder / "arxiv-radar.toml").write_text(text, encoding="utf-8")


def db(folder: Path) -> str:
    return str(folder / "arxiv-radar.db")


# -- faults a retry gets past --------------------------------------------------------------

RECOVERABLE: dict[str, tuple[list[Responder], float]] = {
    # name: (replies before the good one, the least gap that must precede the good one)
    "429 with Retry-After": ([rate_limited("1")], 1.0),
    "503 twice": ([unavailable("0"), unavailable("0")], INTERVAL),
    "connection reset": ([connection_reset()], INTERVAL),
    "timeout": ([hang(3.0)], INTERVAL),
    "slow drip within the timeout": ([], INTERVAL),
}


@pytest.mark.parametrize("fault", list(RECOVERABLE))
def test_transient_faults_are_retried_and_the_run_completes(
    fault: str, good: Path, replay: ReplayServer
) -> None:
    before, least_gap = RECOVERABLE[fault]
    last = slow_drip(0.001) if fault.startswith("slow drip") else Reply(body=good_feed())
    replay.add(FEED_PATH, *before, last)
    configure(good, fast_config(max_retries=2))
    result = run(good, replay, "--no-catch-up")
    assert result.returncode == 0, result.stderr
    assert len(replay.requests) == len(before) + 1
    assert_polite(replay)
    if before:
        assert replay.gaps()[-1] >= least_gap
        assert "retrying" in result.stderr  # the retry is logged, not silent
    check_outputs(good, DAY, papers=6)
    state = check_store(db(good))
    assert state.papers == DAY_PAPERS and state.announced == {DAY.isoformat(): DAY_PAPERS}


# -- faults that end the run ---------------------------------------------------------------

FATAL: dict[str, tuple[Responder, int, int, str]] = {
    # name: (the reply, max_retries, requests made, what the message must say)
    "503 after every retry": (unavailable("0"), 1, 2, "(HTTP 503) after 2 attempts"),
    "429 asking for an hour": (rate_limited("3600"), 1, 1, "asked to wait 3600 s"),
    "timeout": (hang(2.0), 0, 1, "(timed out: ReadTimeout) after 1 attempts"),
    "slow drip beyond the timeout": (slow_drip(1.0), 0, 1, "(timed out: ReadTimeout)"),
    "connection reset": (connection_reset(), 0, 1, "(connection failed: ReadError"),
    "transfer cut short": (cut_short(0.5), 0, 1, "(connection failed: RemoteProtocolError"),
    "truncated XML": (truncated_xml(), 1, 1, "truncated or malformed RSS feed"),
    "HTML error page with status 200": (html_error_page(), 1, 1, "HTML page instead of an RSS"),
}


@pytest.mark.parametrize("fault", list(FATAL))
def test_fatal_faults_exit_3_and_change_nothing(
    fault: str, good: Path, replay: ReplayServer
) -> None:
    reply, retries, requests, message = FATAL[fault]
    replay.add(FEED_PATH, reply)
    configure(good, fast_config(max_retries=retries))
    outputs = snapshot(good)
    result = run(good, replay, "--no-catch-up")
    assert result.returncode == 3, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    error = " ".join(result.stderr.split())
    assert message in error, result.stderr
    assert "try again later" in error or "arXiv sent" in error  # the fix, or the cause
    assert len(replay.requests) == requests
    assert_polite(replay)
    assert snapshot(good) == outputs  # the last good outputs, byte for byte
    state = check_store(db(good))
    assert state.papers == DAY_PAPERS and state.announced == {DAY.isoformat(): DAY_PAPERS}
    assert state.runs[-1] == ("run", "failed")


# -- listings that are odd but valid -------------------------------------------------------


def test_an_empty_holiday_feed_publishes_nothing_and_exits_0(
    good: Path, replay: ReplayServer
) -> None:
    thanksgiving_friday = dt.date(2026, 11, 27)  # Thanksgiving (26th): Friday's feed is empty
    replay.add(FEED_PATH, Reply(body=holiday_feed(thanksgiving_friday)))
    outputs = snapshot(good)
    result = run(good, replay, "--no-catch-up")
    assert result.returncode == 0, result.stderr
    assert "Nothing new to publish" in result.stdout
    assert "no announcement today" in result.stderr
    assert snapshot(good) == outputs
    state = check_store(db(good))
    assert state.announced == {DAY.isoformat(): DAY_PAPERS}
    assert state.runs[-1] == ("run", "ok")


def test_duplicated_items_are_stored_once(good: Path, replay: ReplayServer) -> None:
    replay.add(FEED_PATH, Reply(body=with_duplicates(good_feed())))
    digest = json.loads((good / "exports/digest.json").read_bytes())
    result = run(good, replay, "--no-catch-up")
    assert result.returncode == 0, result.stderr
    state = check_store(db(good))
    assert state.papers == DAY_PAPERS and state.announced == {DAY.isoformat(): DAY_PAPERS}
    check_outputs(good, DAY, papers=6)
    again = json.loads((good / "exports/digest.json").read_bytes())
    assert [p["arxiv_id"] for p in again["papers"]] == [p["arxiv_id"] for p in digest["papers"]]
    types = sql(db(good), "SELECT announce_type FROM announcements WHERE arxiv_id = '2604.21936'")
    assert types == [("new",)]  # the later "cross" copy did not weaken it


def test_malformed_items_are_skipped_and_reported(good: Path, replay: ReplayServer) -> None:
    replay.add(FEED_PATH, Reply(body=with_malformed_items(good_feed())))
    result = run(good, replay, "--no-catch-up", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "ok" and report["papers_announced"] == DAY_PAPERS
    skipped = [w for w in report["warnings"] if w.startswith("skipped a malformed feed item")]
    assert len(skipped) == 3, report["warnings"]
    assert "item has no arXiv id" in skipped[0]
    assert "unreadable pubDate" in skipped[1] and MALFORMED_IDS[1] in skipped[1]
    assert "item has no title" in skipped[2] and MALFORMED_IDS[2] in skipped[2]
    assert "3 malformed feed items were skipped" in report["warnings"]
    assert "skipped 3 malformed feed items" in result.stderr  # logged even with --json
    state = check_store(db(good))
    assert state.papers == DAY_PAPERS and state.announced == {DAY.isoformat(): DAY_PAPERS}
    names = ", ".join(f"'{arxiv_id}'" for arxiv_id in MALFORMED_IDS)
    assert sql(db(good), f"SELECT arxiv_id FROM papers WHERE arxiv_id IN ({names})") == []
    check_outputs(good, DAY, papers=6)


# -- catch-up through the export API -------------------------------------------------------


def test_catch_up_gets_past_api_faults(good: Path, replay: ReplayServer) -> None:
    store_began_on(db(good))
    replay.add(FEED_PATH, Reply(body=good_feed()))
    replay.add(API_PATH, unavailable("0"), rate_limited("0.5"), Reply(body=api_page()))
    configure(good, fast_config(max_retries=2))
    result = run(good, replay)
    assert result.returncode == 0, result.stderr
    api = replay.requests_to(API_PATH)
    assert len(api) == 5 + 2  # the five missed days of the week before, two retries
    assert api[2].started - api[1].started >= 0.5  # Retry-After honoured
    assert_polite(replay)
    state = check_store(db(good))
    assert state.runs.count(("catch-up", "ok")) == 5
    assert state.announced == {DAY.isoformat(): DAY_PAPERS}  # the API paper is not followed
    check_outputs(good, DAY, papers=6)


def test_a_failed_catch_up_still_publishes_today_and_the_next_run_resumes(
    good: Path, replay: ReplayServer
) -> None:
    store_began_on(db(good))
    replay.add(FEED_PATH, Reply(body=good_feed()))
    replay.add(API_PATH, Reply(body=api_page()), unavailable("0"))
    configure(good, fast_config(max_retries=1))
    result = run(good, replay)
    assert result.returncode == 0, result.stderr
    assert "catching up stopped at" in result.stderr and "HTTP 503" in result.stderr
    assert "Traceback" not in result.stderr
    check_outputs(good, DAY, papers=6)  # today's listing is published all the same
    state = check_store(db(good))
    assert ("catch-up", "failed") in state.runs and state.runs.count(("catch-up", "ok")) == 1
    assert_polite(replay)

    replay.add(API_PATH, Reply(body=api_page()))
    asked = len(replay.requests_to(API_PATH))
    again = run(good, replay)
    assert again.returncode == 0, again.stderr
    assert len(replay.requests_to(API_PATH)) - asked == 4  # only the days still missing
    state = check_store(db(good))
    assert state.runs.count(("catch-up", "ok")) == 5
    check_outputs(good, DAY, papers=6)
