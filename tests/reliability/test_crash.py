"""``kill -9`` in the middle of ``arxiv-radar run``, then the next run.

A run is killed at moments read from the servers' request logs (an arXiv request arriving, a
reply sent, a model answer written) or from the output folder (the first file of a new day
appearing), at several offsets. Each time the store stays consistent (SQL), every file that
is there parses, the next run completes with correct outputs, removes the temporary files
the killed one left, records the killed run as failed, and pays for no summary twice. On
SQLite and on PostgreSQL: every test takes a :class:`Radar`, a folder and its store.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from cli_helpers import invoke_cli, run_cli
from fault_server import (
    API_PATH,
    DAY,
    DAY_PAPERS,
    FEED_PATH,
    LLM_ANSWER,
    api_page,
    big_feed,
    fast_config,
    good_feed,
)
from openai_server import OpenAIServer
from openai_server import RecordedRequest as LLMRequest
from openai_server import Reply as LLMReply
from radar_checks import (
    check_file,
    check_outputs,
    check_store,
    start_cli,
    store_began_on,
    stray_temporaries,
    wait_until,
)
from replay_server import ReplayServer, Reply
from store_backends import BACKENDS, copy_store, drop_store, is_postgresql, pg_database

NEXT_DAY = DAY + dt.timedelta(days=1)  # Tuesday 28 April 2026
BIG = 100  # papers in the next day's listing: enough for ingest and publish to take a while
INTERRUPTED = ("run", "failed")


class Radar(NamedTuple):
    folder: Path  # the configuration and the outputs; where the commands run
    db: str  # the store: a SQLite file in the folder, or a PostgreSQL URL


@pytest.fixture(scope="module", params=BACKENDS)
def published(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Radar:
    """``published_day`` (conftest.py) on each backend: a folder where ``arxiv-radar run``
    published :data:`DAY`, and its store."""
    if request.param == "sqlite":
        folder: Path = request.getfixturevalue("published_day")
        return Radar(folder, str(folder / "arxiv-radar.db"))
    folder = tmp_path_factory.mktemp("published-day-postgresql")
    db = pg_database("published")
    (folder / "arxiv-radar.toml").write_text(fast_config(), encoding="utf-8")
    with ReplayServer() as server:
        server.add(FEED_PATH, Reply(body=good_feed()))
        result = invoke_cli("run", "--no-catch-up", "--db", db, cwd=folder, server=server)
    assert result.returncode == 0, result.stderr
    check_outputs(folder, DAY, papers=6)
    return Radar(folder, db)


@pytest.fixture
def good(published: Radar, tmp_path: Path) -> Iterator[Radar]:
    """A private copy of :func:`published`: the last good outputs and their store."""
    folder = tmp_path / "radar"
    shutil.copytree(published.folder, folder, ignore=shutil.ignore_patterns("*.lock"))
    if not is_postgresql(published.db):
        yield Radar(folder, str(folder / "arxiv-radar.db"))
        return
    db = copy_store(published.db, folder, "good")
    yield Radar(folder, db)
    drop_store(db)


@pytest.fixture
def fresh(tmp_path: Path, store_url: str) -> Radar:
    """An empty folder and an empty store."""
    return Radar(tmp_path, store_url)


def start_run(radar: Radar, server: ReplayServer, *args: str) -> subprocess.Popen[str]:
    """``arxiv-radar run ARGS`` on the radar's store, started in the background."""
    return start_cli("run", *args, "--db", radar.db, cwd=radar.folder, server=server)


def kill(process: subprocess.Popen[str]) -> bool:
    """``kill -9`` the run; False when it had already finished (then it must have succeeded)."""
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    out, err = process.communicate(timeout=60)
    if process.returncode == -signal.SIGKILL:
        return True
    assert process.returncode == 0, out + err
    return False


def check_what_is_there(folder: Path) -> None:
    """After a kill: every output file present parses (old or new, never half of one)."""
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in {".md", ".xml", ".json", ".html", ".bib"}:
            if path.parent.name != "assets" and path.name != "arxiv-radar.toml":
                check_file(path)


def rerun(radar: Radar, server: ReplayServer) -> subprocess.CompletedProcess[str]:
    result = run_cli("run", "--no-catch-up", "--db", radar.db, cwd=radar.folder, server=server)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


# -- fetch and store -----------------------------------------------------------------------


def test_kill_while_catching_up_then_resume(good: Radar, replay: ReplayServer) -> None:
    store_began_on(good.db)
    replay.add(FEED_PATH, Reply(body=good_feed()))
    replay.add(API_PATH, Reply(body=api_page(), delay=0.4))
    (good.folder / "arxiv-radar.toml").write_text(fast_config(timeout=10), encoding="utf-8")
    run = start_run(good, replay)
    wait_until(lambda: len(replay.requests_to(API_PATH)) == 3)  # days 1 and 2 are stored
    assert kill(run)
    state = check_store(good.db, settled=False)
    assert state.runs.count(("catch-up", "ok")) == 2
    assert state.runs.count(("catch-up", "running")) == 1  # the day being read when killed

    replay.add(API_PATH, Reply(body=api_page()))
    result = run_cli("run", "--db", good.db, cwd=good.folder, server=replay)
    assert result.returncode == 0, result.stderr
    assert len(replay.requests_to(API_PATH)) == 3 + 3  # the three days still missing, again
    state = check_store(good.db)
    assert state.runs.count(("catch-up", "ok")) == 5
    assert state.runs.count(("catch-up", "failed")) == 1  # closed by the next run
    assert state.runs.count(INTERRUPTED) == 1
    check_outputs(good.folder, DAY, papers=6)


@pytest.mark.parametrize("offset", [0.0, 0.15])
def test_kill_after_the_listing_arrived_then_rerun(
    offset: float, good: Radar, replay: ReplayServer
) -> None:
    """Killed while the listing is parsed, stored, ranked or rendered: all or nothing."""
    (good.folder / "arxiv-radar.toml").write_text(
        fast_config(extra=f"[profiles.default]\nmax_papers = {BIG}\n"), encoding="utf-8"
    )
    replay.add(FEED_PATH, Reply(body=big_feed(BIG, NEXT_DAY)))
    run = start_run(good, replay, "--no-catch-up")
    wait_until(lambda: bool(replay.requests) and replay.requests[0].finished is not None)
    time.sleep(offset)
    killed = kill(run)
    state = check_store(good.db, settled=not killed)
    assert state.announced.get(NEXT_DAY.isoformat(), 0) in (0, BIG)  # one transaction
    check_what_is_there(good.folder)

    rerun(good, replay)
    state = check_store(good.db)
    assert state.announced[NEXT_DAY.isoformat()] == BIG
    assert state.announced[DAY.isoformat()] == DAY_PAPERS
    assert state.runs.count(INTERRUPTED) == (1 if killed else 0)
    check_outputs(good.folder, NEXT_DAY, papers=BIG)


# -- publish -------------------------------------------------------------------------------


def test_kill_while_publishing_then_rerun(good: Radar, replay: ReplayServer) -> None:
    """Killed between the first and the last file written, at several offsets."""
    (good.folder / "arxiv-radar.toml").write_text(
        fast_config(extra=f"[profiles.default]\nmax_papers = {BIG}\n"), encoding="utf-8"
    )
    replay.add(FEED_PATH, Reply(body=big_feed(BIG, NEXT_DAY)))
    assets = good.folder / "site" / "assets"
    first_file = assets / "site.css"  # the first file a run writes (then 20 more)
    new_report = good.folder / "reports" / f"run-{NEXT_DAY.isoformat()}.json"
    for attempt, offset in enumerate([0.0, 0.02, 0.08]):
        shutil.rmtree(assets, ignore_errors=True)
        new_report.unlink(missing_ok=True)
        run = start_run(good, replay, "--no-catch-up")
        wait_until(lambda: first_file.exists() or run.poll() is not None)  # noqa: B023
        time.sleep(offset)
        killed = kill(run)
        if attempt == 0:  # killed the moment publishing began: the report is written last
            assert killed and not new_report.exists()
        check_what_is_there(good.folder)

    left_behind = stray_temporaries(good.folder)  # each run removes what the one before left
    result = rerun(good, replay)
    check_outputs(good.folder, NEXT_DAY, papers=BIG)  # every file whole, no temporary file left
    if left_behind:
        assert f"removed {len(left_behind)} temporary file(s)" in result.stderr
    state = check_store(good.db)
    assert state.announced[NEXT_DAY.isoformat()] == BIG
    assert 1 <= state.runs.count(INTERRUPTED) <= 3


# -- summaries -----------------------------------------------------------------------------


def paper_of(request: LLMRequest) -> str:
    match = re.search(r":\s*(\d{4}\.\d{4,5})v\d+\s*$", request.last_user_message, re.M)
    assert match, request.last_user_message
    return match[1]


def summary_config(llm: OpenAIServer) -> str:
    return (
        f'[summaries]\nprovider = "openai-compatible"\nbase_url = "{llm.base_url}"\n'
        'model = "m"\nmax_papers = 5\nconcurrency = 1\nlanguage = "en"\n\n'
        '[publish]\noutput = "."\n'
    )


KILL_POINTS = {
    "first call in flight": (1, 0),  # (chat requests arrived, answers written)
    "after three answers": (3, 3),
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_kill_during_summaries_pays_for_nothing_twice(
    point: str, fresh: Radar, replay: ReplayServer
) -> None:
    arrived, answered = KILL_POINTS[point]
    replay.add(FEED_PATH, Reply(body=good_feed()))
    with OpenAIServer(latency=0.3, models=("m",)) as llm:
        llm.respond(lambda request: LLMReply(text=LLM_ANSWER))
        (fresh.folder / "arxiv-radar.toml").write_text(summary_config(llm), encoding="utf-8")

        def reached() -> bool:
            chats = llm.chat_requests
            done = [r for r in chats if r.finished is not None]
            return len(chats) >= arrived and len(done) >= answered

        run = start_run(fresh, replay, "--no-catch-up")
        wait_until(reached)
        assert kill(run)
        before = check_store(fresh.db, settled=False)
        first = [paper_of(r) for r in llm.chat_requests]
        assert set(first) >= before.summaries_ok  # what is stored was asked for
        assert len(before.summaries_ok) <= answered
        assert not (fresh.folder / "README.md").exists()

        llm.reset()
        result = rerun(fresh, replay)
        second = [paper_of(r) for r in llm.chat_requests]
    assert not set(second) & before.summaries_ok  # a stored summary is never asked for again
    assert len(second) == len(set(second)) == 5 - len(before.summaries_ok)
    assert set(first) | set(second) == check_store(fresh.db).summaries_ok
    readme = (fresh.folder / "README.md").read_text(encoding="utf-8")
    assert readme.count("AI Summary (by m)") == 5
    assert f"{len(before.summaries_ok)} cached" in result.stdout
    assert "1 earlier run(s) had been interrupted" in result.stderr
    check_outputs(fresh.folder, DAY, papers=6)
    assert check_store(fresh.db).runs.count(INTERRUPTED) == 1


def test_ctrl_c_is_recorded_as_a_failed_run(fresh: Radar, replay: ReplayServer) -> None:
    """An interrupted run never counts as a success (nor its day as published)."""
    replay.add(FEED_PATH, Reply(body=good_feed()))
    with OpenAIServer(latency=0.3, models=("m",)) as llm:
        llm.respond(lambda request: LLMReply(text=LLM_ANSWER))
        (fresh.folder / "arxiv-radar.toml").write_text(summary_config(llm), encoding="utf-8")
        run = start_run(fresh, replay, "--no-catch-up")
        wait_until(lambda: any(r.finished is not None for r in llm.chat_requests))
        run.send_signal(signal.SIGINT)
        _, err = run.communicate(timeout=60)
    assert run.returncode == 130, err
    assert "Traceback" not in err
    assert not (fresh.folder / "README.md").exists()
    state = check_store(fresh.db)
    assert ("run", "failed") in state.runs and state.published == []
    assert ("run", "ok") not in state.runs


def test_the_next_run_removes_what_a_killed_writer_left(good: Radar, replay: ReplayServer) -> None:
    """A writer killed between writing its temporary file and moving it leaves
    ``.arxiv-radar-tmp-<name>-<random>.tmp`` behind; the next run deletes those, and only
    those."""
    replay.add(FEED_PATH, Reply(body=good_feed()))
    stale = [
        good.folder / ".arxiv-radar-tmp-README.md-k1ll3d09.tmp",
        good.folder / "feeds" / ".arxiv-radar-tmp-rss.xml-7a0f2c4e.tmp",
        good.folder / "site" / "archive" / ".arxiv-radar-tmp-2026-04-27.html-abcdef12.tmp",
    ]
    for path in stale:
        path.write_text("<half a fi", encoding="utf-8")
    mine = [  # not ours: left alone
        good.folder / "notes.tmp",
        good.folder / "feeds" / ".keep",
        good.folder / "site" / "arxiv-radar-tmp-notes.tmp",
    ]
    for path in mine:
        path.write_text("mine\n", encoding="utf-8")
    result = rerun(good, replay)
    assert "removed 3 temporary file(s) an interrupted run left behind" in result.stderr
    assert not any(path.exists() for path in stale)
    assert all(path.read_text(encoding="utf-8") == "mine\n" for path in mine)
    check_outputs(good.folder, DAY, papers=6)
