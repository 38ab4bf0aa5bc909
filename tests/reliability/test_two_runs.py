"""Two ``arxiv-radar run`` processes on one store, on SQLite and on PostgreSQL (``store_url``).

The second stops at once (exit 4, a message naming the store) without fetching or paying for
anything; the first is unaffected. A run killed with ``kill -9`` leaves no lock behind.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from cli_helpers import run_cli
from fault_server import DAY, FEED_PATH, LLM_ANSWER, good_feed, hold_answers
from openai_server import OpenAIServer
from openai_server import Reply as LLMReply
from radar_checks import check_outputs, check_store, start_cli, wait_until
from replay_server import ReplayServer, Reply


def summaries(llm: OpenAIServer, papers: int) -> str:
    return (
        f'[summaries]\nprovider = "openai-compatible"\nbase_url = "{llm.base_url}"\n'
        f'model = "m"\nmax_papers = {papers}\nconcurrency = 1\nlanguage = "en"\n\n'
        '[publish]\noutput = "."\n'
    )


def test_a_second_run_stops_at_once_and_the_first_is_unaffected(
    store_url: str, tmp_path: Path, replay: ReplayServer
) -> None:
    replay.add(FEED_PATH, Reply(body=good_feed()))
    with OpenAIServer(models=("m",)) as llm:
        held = hold_answers(llm)
        (tmp_path / "arxiv-radar.toml").write_text(summaries(llm, 3), encoding="utf-8")
        first = start_cli("run", "--no-catch-up", "--db", store_url, cwd=tmp_path, server=replay)
        try:
            wait_until(lambda: len(llm.chat_requests) >= 1)  # the first holds the lock, mid-run
            second = run_cli("run", "--no-catch-up", "--db", store_url, cwd=tmp_path, server=replay)
            # The second ended while the first was still held at its first model call: it did
            # not wait for the lock, and it asked arXiv and the model nothing.
            assert first.poll() is None
            assert len(llm.chat_requests) == 1
            assert len(replay.requests) == 1
        finally:
            held.set()
            out, err = first.communicate(timeout=120)
        assert len(llm.chat_requests) == 3  # only the first paid

    assert second.returncode == 4, second.stdout + second.stderr
    message = " ".join(second.stderr.split())
    assert "another arxiv-radar run is working on" in message and "wait for it" in message
    assert "Traceback" not in second.stderr
    assert len(replay.requests) == 1  # the second fetched nothing

    assert first.returncode == 0, out + err
    assert "Published to" in out
    check_outputs(tmp_path, DAY, papers=6)
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert readme.count("AI Summary (by m)") == 3
    state = check_store(store_url)
    assert state.runs == [("run", "ok")]  # the second left no trace
    assert state.published == [DAY.isoformat()]
    assert len(state.summaries_ok) == 3


@pytest.mark.postgres
def test_a_killed_run_on_postgresql_leaves_no_lock(
    pg_url: str, tmp_path: Path, replay: ReplayServer
) -> None:
    """The advisory lock dies with the killed process's session: the next run starts."""
    replay.add(FEED_PATH, Reply(body=good_feed()))
    with OpenAIServer(latency=0.3, models=("m",)) as llm:
        llm.respond(lambda request: LLMReply(text=LLM_ANSWER))
        (tmp_path / "arxiv-radar.toml").write_text(summaries(llm, 3), encoding="utf-8")
        run = start_cli("run", "--no-catch-up", "--db", pg_url, cwd=tmp_path, server=replay)
        wait_until(lambda: any(r.finished is not None for r in llm.chat_requests))
        run.send_signal(signal.SIGKILL)
        run.communicate(timeout=60)
        paid = len(check_store(pg_url, settled=False).summaries_ok)
        llm.reset()
        again = run_cli("run", "--no-catch-up", "--db", pg_url, cwd=tmp_path, server=replay)
        assert again.returncode == 0, again.stdout + again.stderr
        assert len(llm.chat_requests) == 3 - paid
    state = check_store(pg_url)
    assert ("run", "failed") in state.runs and len(state.summaries_ok) == 3
    check_outputs(tmp_path, DAY, papers=6)
