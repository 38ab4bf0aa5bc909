"""PostgreSQL restarted or stopped under a running ``arxiv-radar run`` (a server of its own).

Restarted while the run waits on its first summary (between its fetch and rank stages and
its summaries being stored): the run takes new sessions (pooled ones are pinged on checkout),
takes its run lock again before the next stage, and ends well, every summary stored once.
Stopped there instead: the run fails with one clear message (exit 4), publishes nothing, and
the next run, once the server is back, completes the day and records the first as failed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_helpers import run_cli
from fault_server import DAY, FEED_PATH, good_feed, hold_answers
from openai_server import OpenAIServer
from private_postgres import private_postgres
from radar_checks import check_outputs, check_store, one_paragraph_error, start_cli, wait_until
from replay_server import ReplayServer, Reply

pytestmark = pytest.mark.postgres


def config(llm: OpenAIServer) -> str:
    return (
        f'[summaries]\nprovider = "openai-compatible"\nbase_url = "{llm.base_url}"\n'
        'model = "m"\nmax_papers = 3\nconcurrency = 1\nlanguage = "en"\n\n'
        '[publish]\noutput = "."\n'
    )


@pytest.mark.parametrize("fault", ["restart", "stop"])
def test_a_run_survives_a_restart_and_fails_clearly_when_the_database_is_gone(
    fault: str, tmp_path: Path, replay: ReplayServer
) -> None:
    replay.add(FEED_PATH, Reply(body=good_feed()))
    with private_postgres() as server, OpenAIServer(models=("m",)) as llm:
        held = hold_answers(llm)
        (tmp_path / "arxiv-radar.toml").write_text(config(llm), encoding="utf-8")
        url = server.url
        run = start_cli("run", "--no-catch-up", "--db", url, cwd=tmp_path, server=replay)
        try:
            wait_until(lambda: len(llm.chat_requests) >= 1)  # fetched and ranked: summarizing
            server.restart() if fault == "restart" else server.stop()
        finally:
            held.set()
            out, err = run.communicate(timeout=120)

        if fault == "restart":
            assert run.returncode == 0, out + err
            check_outputs(tmp_path, DAY, papers=6)
            state = check_store(url)
            assert state.runs == [("run", "ok")]
            assert len(state.summaries_ok) == 3 and len(llm.chat_requests) == 3
            return

        assert run.returncode == 4, out + err
        message = one_paragraph_error(err)
        assert "127.0.0.1" in message and "failed on postgresql" in message
        assert not (tmp_path / "README.md").exists()  # nothing published
        server.start()
        llm.reset()
        again = run_cli("run", "--no-catch-up", "--db", url, cwd=tmp_path, server=replay)
        assert again.returncode == 0, again.stdout + again.stderr
        said = " ".join((again.stdout + again.stderr).split())
        assert "1 earlier run(s) had been interrupted" in said
        check_outputs(tmp_path, DAY, papers=6)
        state = check_store(url)
        assert state.runs == [("run", "failed"), ("run", "ok")]
        assert len(state.summaries_ok) == 3


def test_the_run_lock_is_taken_again_after_a_restart_or_given_up_to_another_run() -> None:
    from arxiv_radar.store import Store
    from arxiv_radar.store.lock import RunLockedError

    with private_postgres() as server, Store.open(server.url) as first:
        with first.run_lock() as confirm:
            server.restart()
            confirm()  # taken again on a new session
            with Store.open(server.url) as second, pytest.raises(RunLockedError):
                with second.run_lock():
                    pass
        with first.run_lock() as confirm:
            server.restart()
            with Store.open(server.url) as second, second.run_lock():
                # the other run took it while this one's session was gone
                with pytest.raises(RunLockedError, match="lost its lock .* restarted"):
                    confirm()
        with first.run_lock():  # released by both: free again
            pass
