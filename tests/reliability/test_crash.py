"""``kill -9`` in the middle of ``arxiv-radar run``, then the next run.

A run is killed at moments read from the servers' request logs (an arXiv request arriving, a
reply sent, a model answer written) or from the output folder (the first file of a new day
appearing), at several offsets. Each time the store stays consistent (SQL), every file that
is there parses, the next run completes with correct outputs, removes the temporary files
the killed one left, records the killed run as failed, and pays for no summary twice.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from cli_helpers import run_cli
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

NEXT_DAY = DAY + dt.timedelta(days=1)  # Tuesday 28 April 2026
BIG = 100  # papers in the next day's listing: enough for ingest and publish to take a while
INTERRUPTED = ("run", "failed")


def db(folder: Path) -> str:
    return str(folder / "arxiv-radar.db")


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


def rerun(folder: Path, server: ReplayServer) -> subprocess.CompletedProcess[str]:
    result = run_cli("run", "--no-catch-up", cwd=folder, server=server)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


# -- fetch and store -----------------------------------------------------------------------


def test_kill_while_catching_up_then_resume(good: Path, replay: ReplayServer) -> None:
    store_began_on(db(good))
    replay.add(FEED_PATH, Reply(body=good_feed()))
    replay.add(API_PATH, Reply(body=api_page(), delay=0.4))
    (good / "arxiv-radar.toml").write_text(fast_config(timeout=10), encoding="utf-8")
    run = start_cli("run", cwd=good, server=replay)
    wait_until(lambda: len(replay.requests_to(API_PATH)) == 3)  # days 1 and 2 are stored
    assert kill(run)
    state = check_store(db(good), settled=False)
    assert state.runs.count(("catch-up", "ok")) == 2
    assert state.runs.count(("catch-up", "running")) == 1  # the day being read when killed

    replay.add(API_PATH, Reply(body=api_page()))
    result = run_cli("run", cwd=good, server=replay)
    assert result.returncode == 0, result.stderr
    assert len(replay.requests_to(API_PATH)) == 3 + 3  # the three days still missing, again
    state = check_store(db(good))
    assert state.runs.count(("catch-up", "ok")) == 5
    assert state.runs.count(("catch-up", "failed")) == 1  # closed by the next run
    assert state.runs.count(INTERRUPTED) == 1
    check_outputs(good, DAY, papers=6)


@pytest.mark.parametrize("offset", [0.0, 0.15])
def test_kill_after_the_listing_arrived_then_rerun(
    offset: float, good: Path, replay: ReplayServer
) -> None:
    """Killed while the listing is parsed, stored, ranked or rendered: all or nothing."""
    (good / "arxiv-radar.toml").write_text(
        fast_config(extra=f"[profiles.default]\nmax_papers = {BIG}\n"), encoding="utf-8"
    )
    replay.add(FEED_PATH, Reply(body=big_feed(BIG, NEXT_DAY)))
    run = start_cli("run", "--no-catch-up", cwd=good, server=replay)
    wait_until(lambda: bool(replay.requests) and replay.requests[0].finished is not None)
    time.sleep(offset)
    killed = kill(run)
    state = check_store(db(good), settled=not killed)
    assert state.announced.get(NEXT_DAY.isoformat(), 0) in (0, BIG)  # one transaction
    check_what_is_there(good)

    rerun(good, replay)
    state = check_store(db(good))
    assert state.announced[NEXT_DAY.isoformat()] == BIG
    assert state.announced[DAY.isoformat()] == DAY_PAPERS
    assert state.runs.count(INTERRUPTED) == (1 if killed else 0)
    check_outputs(good, NEXT_DAY, papers=BIG)


# -- publish -------------------------------------------------------------------------------


def test_kill_while_publishing_then_rerun(good: Path, replay: ReplayServer) -> None:
    """Killed between the first and the last file written, at several offsets."""
    (good / "arxiv-radar.toml").write_text(
        fast_config(extra=f"[profiles.default]\nmax_papers = {BIG}\n"), encoding="utf-8"
    )
    replay.add(FEED_PATH, Reply(body=big_feed(BIG, NEXT_DAY)))
    assets = good / "site" / "assets"
    first_file = assets / "site.css"  # the first file a run writes (then 20 more)
    new_report = good / "reports" / f"run-{NEXT_DAY.isoformat()}.json"
    for attempt, offset in enumerate([0.0, 0.02, 0.08]):
        shutil.rmtree(assets, ignore_errors=True)
        new_report.unlink(missing_ok=True)
        run = start_cli("run", "--no-catch-up", cwd=good, server=replay)
        wait_until(lambda: first_file.exists() or run.poll() is not None)  # noqa: B023
        time.sleep(offset)
        killed = kill(run)
        if attempt == 0:  # killed the moment publishing began: the report is written last
            assert killed and not new_report.exists()
        check_what_is_there(good)

    left_behind = stray_temporaries(good)  # each run removes what the one before left
    result = rerun(good, replay)
    check_outputs(good, NEXT_DAY, papers=BIG)  # every file whole, no temporary file left
    if left_behind:
        assert f"removed {len(left_behind)} temporary file(s)" in result.stderr
    state = check_store(db(good))
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
    point: str, tmp_path: Path, replay: ReplayServer
) -> None:
    arrived, answered = KILL_POINTS[point]
    replay.add(FEED_PATH, Reply(body=good_feed()))
    with OpenAIServer(latency=0.3, models=("m",)) as llm:
        llm.respond(lambda request: LLMReply(text=LLM_ANSWER))
        (tmp_path / "arxiv-radar.toml").write_text(summary_config(llm), encoding="utf-8")

        def reached() -> bool:
            chats = llm.chat_requests
            done = [r for r in chats if r.finished is not None]
            return len(chats) >= arrived and len(done) >= answered

        run = start_cli("run", "--no-catch-up", cwd=tmp_path, server=replay)
        wait_until(reached)
        assert kill(run)
        before = check_store(db(tmp_path), settled=False)
        first = [paper_of(r) for r in llm.chat_requests]
        assert set(first) >= before.summaries_ok  # what is stored was asked for
        assert len(before.summaries_ok) <= answered
        assert not (tmp_path / "README.md").exists()

        llm.reset()
        result = rerun(tmp_path, replay)
        second = [paper_of(r) for r in llm.chat_requests]
    assert not set(second) & before.summaries_ok  # a stored summary is never asked for again
    assert len(second) == len(set(second)) == 5 - len(before.summaries_ok)
    assert set(first) | set(second) == check_store(db(tmp_path)).summaries_ok
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert readme.count("AI Summary (by m)") == 5
    assert f"{len(before.summaries_ok)} cached" in result.stdout
    assert "1 earlier run(s) had been interrupted" in result.stderr
    check_outputs(tmp_path, DAY, papers=6)
    assert check_store(db(tmp_path)).runs.count(INTERRUPTED) == 1


def test_ctrl_c_is_recorded_as_a_failed_run(tmp_path: Path, replay: ReplayServer) -> None:
    """An interrupted run never counts as a success (nor its day as published)."""
    replay.add(FEED_PATH, Reply(body=good_feed()))
    with OpenAIServer(latency=0.3, models=("m",)) as llm:
        llm.respond(lambda request: LLMReply(text=LLM_ANSWER))
        (tmp_path / "arxiv-radar.toml").write_text(summary_config(llm), encoding="utf-8")
        run = start_cli("run", "--no-catch-up", cwd=tmp_path, server=replay)
        wait_until(lambda: any(r.finished is not None for r in llm.chat_requests))
        run.send_signal(signal.SIGINT)
        _, err = run.communicate(timeout=60)
    assert run.returncode == 130, err
    assert "Traceback" not in err
    assert not (tmp_path / "README.md").exists()
    state = check_store(db(tmp_path))
    assert ("run", "failed") in state.runs and state.published == []
    assert ("run", "ok") not in state.runs


def test_the_next_run_removes_what_a_killed_writer_left(good: Path, replay: ReplayServer) -> None:
    """A writer killed between writing its temporary file and moving it leaves
    ``.arxiv-radar-tmp-<name>-<random>.tmp`` behind; the next run deletes those, and only
    those."""
    replay.add(FEED_PATH, Reply(body=good_feed()))
    stale = [
        good / ".arxiv-radar-tmp-README.md-k1ll3d09.tmp",
        good / "feeds" / ".arxiv-radar-tmp-rss.xml-7a0f2c4e.tmp",
        good / "site" / "archive" / ".arxiv-radar-tmp-2026-04-27.html-abcdef12.tmp",
    ]
    for path in stale:
        path.write_text("<half a fi", encoding="utf-8")
    mine = [  # not ours: left alone
        good / "notes.tmp",
        good / "feeds" / ".keep",
        good / "site" / "arxiv-radar-tmp-notes.tmp",
    ]
    for path in mine:
        path.write_text("mine\n", encoding="utf-8")
    result = rerun(good, replay)
    assert "removed 3 temporary file(s) an interrupted run left behind" in result.stderr
    assert not any(path.exists() for path in stale)
    assert all(path.read_text(encoding="utf-8") == "mine\n" for path in mine)
    check_outputs(good, DAY, papers=6)
