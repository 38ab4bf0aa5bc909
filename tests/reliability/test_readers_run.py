"""``arxiv-radar run`` on a store with readers: their profiles are ranked and summarized too.

Through the command line, against the recorded listing served by a local replay of arXiv:
the run publishes the default profile as ever, shows a ``readers`` stage in its summary,
and stores each reader's ranking and summaries, then publishes each reader's day in the store
(once: a second run of the day, with nothing new, records no other publication); arXiv is
asked once.
"""

from __future__ import annotations

import json
from pathlib import Path

from arxiv_radar.store import Store

from cli_helpers import invoke_cli
from fault_server import DAY, FEED_PATH, fast_config, good_feed
from radar_checks import check_outputs
from replay_server import ReplayServer, Reply

PROFILES = """
[profiles.default]
max_papers = 6

[profiles.ada]
keywords = ["agent", "agents"]

[profiles.lin]
keywords = ["language model", "language models", "LLM"]

[summaries]
max_papers = 2
"""


def test_a_run_ranks_and_summarizes_every_readers_profile(
    tmp_path: Path, replay: ReplayServer
) -> None:
    replay.add(FEED_PATH, Reply(body=good_feed()))
    (tmp_path / "arxiv-radar.toml").write_text(fast_config(extra=PROFILES), encoding="utf-8")
    for name in ("ada", "lin"):
        added = invoke_cli("users", "add", name, "--profile", name, "--json", cwd=tmp_path)
        assert added.returncode == 0, added.stderr
        assert json.loads(added.stdout)["profiles"] == [name]
    result = invoke_cli("run", "--no-catch-up", cwd=tmp_path, server=replay)
    assert result.returncode == 0, result.stdout + result.stderr
    said = " ".join(result.stdout.split())
    assert "readers" in said and "Published to" in said
    check_outputs(tmp_path, DAY, papers=6)  # the default profile, published as ever
    assert len(replay.requests) == 1
    report = json.loads((tmp_path / "reports" / f"run-{DAY}.json").read_text(encoding="utf-8"))
    [stage] = [stage for stage in report["stages"] if stage["name"] == "readers"]
    assert stage["counts"]["profiles"] == stage["counts"]["ranked"] == 2
    with Store.open(str(tmp_path / "arxiv-radar.db")) as store:
        for name in ("ada", "lin"):
            assert store.ranked_days(name, store.latest_ranking_key(name) or "") == {DAY}
        published = store.publications(None, limit=None, day=DAY)
        readers = sorted(
            (p.profile, p.output, p.files) for p in published if p.profile != "default"
        )
        assert readers == [("ada", None, ()), ("lin", None, ())]
    assert stage["counts"]["published"] == 2
    again = invoke_cli("run", "--no-catch-up", cwd=tmp_path, server=replay)
    assert again.returncode == 0, again.stdout + again.stderr
    with Store.open(str(tmp_path / "arxiv-radar.db")) as store:
        twice = store.publications(None, limit=None, day=DAY)
        assert sorted(p.id for p in twice if p.profile != "default") == sorted(
            p.id for p in published if p.profile != "default"
        )  # nothing new: the readers' feeds keep their dates
