"""Days the store holds work offline; days it lacks, future days and missing stores are named.

The tests of stored days run on SQLite and on PostgreSQL (``store_url``, given to the commands
as ``ARXIV_RADAR_STORE__URL``); a missing store and the demo's store are SQLite files.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli_helpers import invoke_cli
from replay_server import ReplayServer, Reply, fixture_bytes
from store_backends import store_env

RSS_FIXTURE = "rss2_new_format_cs.AI_excerpt_3items_reserialized_2026-04-27.xml"
API_FIXTURE = "api_atom_idlist_single_1605.08386_2026.xml"
DAY = "2026-04-27"


@pytest.fixture
def offline_env() -> Iterator[dict[str, str]]:
    """arXiv URLs on a port that refuses every connection: any request fails the command."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        yield {
            "ARXIV_RADAR_RSS_URL": f"{base}/rss",
            "ARXIV_RADAR_API_URL": f"{base}/api/query",
            "ARXIV_RADAR_OAI_URL": f"{base}/oai",
        }


def write_config(folder: Path, categories: str = '"cs.AI"') -> None:
    (folder / "arxiv-radar.toml").write_text(
        f"[arxiv]\ncategories = [{categories}]\nmax_retries = 1\n", encoding="utf-8"
    )


def fetched(folder: Path, replay: ReplayServer, db: str) -> None:
    replay.add("/rss/cs.AI", Reply(body=fixture_bytes(RSS_FIXTURE)))
    write_config(folder)
    result = invoke_cli("fetch", "--no-catch-up", cwd=folder, server=replay, env=store_env(db))
    assert result.returncode == 0, result.stderr


def test_a_stored_day_is_republished_without_a_request(
    tmp_path: Path, replay: ReplayServer, offline_env: dict[str, str], store_url: str
) -> None:
    fetched(tmp_path, replay, store_url)
    out = tmp_path / "out"
    result = invoke_cli(
        "run", "--date", DAY, "--no-summaries", "--json", "--output", str(out),
        cwd=tmp_path, env={**offline_env, **store_env(store_url)},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    fetch = next(stage for stage in report["stages"] if stage["name"] == "fetch")
    assert fetch["counts"]["requests"] == 0 and fetch["counts"]["status"] == "stored"
    assert fetch["counts"]["papers"] == 3
    assert report["status"] == "ok" and report["papers_announced"] == 3
    assert "2604.21935" in (out / "README.md").read_text(encoding="utf-8")

    # --refresh fetches it again: the day is not the live one, so through the export API.
    replay.add("/api/query", Reply(body=fixture_bytes(API_FIXTURE)))
    asked = len(replay.requests)
    again = invoke_cli(
        "run", "--date", DAY, "--refresh", "--no-summaries", "--output", str(out),
        cwd=tmp_path, server=replay, env=store_env(store_url),
    )  # fmt: skip
    assert again.returncode == 0, again.stdout + again.stderr
    assert [r.path for r in replay.requests[asked:]] == ["/api/query"]


def test_a_day_stored_for_fewer_categories_is_fetched(
    tmp_path: Path, replay: ReplayServer, offline_env: dict[str, str], store_url: str
) -> None:
    """Following one more category makes a stored day incomplete: it is not republished
    from the store without that category's papers."""
    fetched(tmp_path, replay, store_url)
    write_config(tmp_path, '"cs.AI", "cs.CL"')
    result = invoke_cli(
        "run", "--date", DAY, "--no-summaries", "--output", str(tmp_path / "out"),
        cwd=tmp_path, env={**offline_env, **store_env(store_url)},
    )  # fmt: skip
    assert result.returncode == 3, result.stdout + result.stderr
    assert "refused" in result.stderr


def test_a_future_date_is_refused_at_once(tmp_path: Path, offline_env: dict[str, str]) -> None:
    write_config(tmp_path)
    for command in (["fetch"], ["run", "--output", str(tmp_path / "out")]):
        result = invoke_cli(*command, "--date", "2099-01-05", cwd=tmp_path, env=offline_env)
        assert result.returncode == 2, result.stdout + result.stderr
        assert "2099-01-05 is in the future" in result.stderr
        assert "refused" not in result.stderr  # no request was tried
    assert not (tmp_path / "out").exists()


def test_rank_names_a_day_the_store_lacks(
    tmp_path: Path, replay: ReplayServer, store_url: str
) -> None:
    fetched(tmp_path, replay, store_url)
    env = store_env(store_url)
    lacking = invoke_cli("rank", "--date", "2026-04-24", cwd=tmp_path, env=env)
    assert lacking.returncode == 2
    assert "2026-04-24 is not in the store: fetch or backfill it" in lacking.stderr
    assert "No papers were announced" not in lacking.stderr
    weekend = invoke_cli("rank", "--date", "2026-04-25", cwd=tmp_path, env=env)
    assert weekend.returncode == 0, weekend.stderr
    assert "not an arXiv announcement day" in weekend.stderr
    assert invoke_cli("rank", "--date", DAY, cwd=tmp_path, env=env).returncode == 0


def test_read_only_commands_never_create_a_store(
    tmp_path: Path, offline_env: dict[str, str]
) -> None:
    for command in (["papers"], ["papers", "--json"], ["rank"], ["rank", "--date", DAY]):
        result = invoke_cli(*command, cwd=tmp_path, env=offline_env)
        assert result.returncode == 2, result.stdout + result.stderr
        message = re.sub(r"\s+", " ", result.stderr)
        assert f"there is no store at {tmp_path / 'arxiv-radar.db'} yet" in message
        assert "arxiv-radar run" in message and "--db" in message
        assert not (tmp_path / "arxiv-radar.db").exists()
    doctor = invoke_cli("doctor", "--offline", cwd=tmp_path, env=offline_env)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "no store at" in doctor.stdout
    assert list(tmp_path.iterdir()) == []


def test_the_demo_says_how_to_explore_its_store(
    tmp_path: Path, offline_env: dict[str, str]
) -> None:
    demo = invoke_cli("demo", "--output", "demo", cwd=tmp_path, env=offline_env)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    printed = " ".join(demo.stdout.split())
    commands = re.findall(
        r"arxiv-radar (papers|rank|serve) (?:--config (\S+) )?--db (\S+)", printed
    )
    assert [name for name, _, _ in commands] == ["papers", "rank", "rank", "serve"]
    db = commands[0][2]
    config = commands[1][1]  # the demo's own configuration: its reader's interests
    assert config and (tmp_path / config).is_file()
    assert (tmp_path / db).is_file()
    papers = invoke_cli("papers", "--db", db, "--json", cwd=tmp_path, env=offline_env)
    assert papers.returncode == 0, papers.stderr
    days = {a["announced_on"] for p in json.loads(papers.stdout) for a in p["announcements"]}
    assert len(days) == 1
    rank = invoke_cli(
        "rank", "--config", config, "--db", db, "--json", cwd=tmp_path, env=offline_env
    )
    assert rank.returncode == 0, rank.stderr
    assert {p["explanation"]["mode"] for p in json.loads(rank.stdout)} == {"hybrid"}
    # The demo's day is complete in its store: republished with no request at all.
    again = invoke_cli(
        "run", "--db", db, "--date", days.pop(), "--no-summaries", "--output", "again",
        cwd=tmp_path, env=offline_env,
    )  # fmt: skip
    assert again.returncode == 0, again.stdout + again.stderr
    assert (tmp_path / "again" / "README.md").is_file()
