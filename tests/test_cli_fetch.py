"""End to end: the commands a user types, against a local server replaying arXiv."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from arxiv_radar.arxiv.rss import parse_listing
from arxiv_radar.store import Store
from test_catch_up import store_read_listing_on

from cli_helpers import invoke_cli, run_cli
from replay_server import ReplayServer, Reply, fixture_bytes

RSS_FIXTURE = "rss2_new_format_cs.AI_excerpt_3items_reserialized_2026-04-27.xml"
MIXED_FIXTURE = "synthetic_rss_cs.AI+cs.CL+cs.DC+cs.LG_mixed.xml"
EMPTY_FIXTURE = "synthetic_rss_empty_weekend.xml"


def write_config(folder: Path, categories: list[str], days_back: int = 7) -> Path:
    path = folder / "arxiv-radar.toml"
    quoted = ", ".join(f'"{c}"' for c in categories)
    path.write_text(
        f"[arxiv]\ncategories = [{quoted}]\ndays_back = {days_back}\nmax_retries = 1\n",
        encoding="utf-8",
    )
    return path


def papers_json(folder: Path, *extra: str) -> list[dict[str, object]]:
    result = invoke_cli("papers", "--json", *extra, cwd=folder)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_help_teaches_every_command(tmp_path: Path) -> None:
    result = invoke_cli("--help", cwd=tmp_path)
    assert result.returncode == 0
    for command in ("fetch", "backfill", "papers", "rank", "doctor"):
        assert command in result.stdout
        sub = invoke_cli(command, "--help", cwd=tmp_path)
        assert sub.returncode == 0, sub.stderr
        assert "--config" in sub.stdout and "--db" in sub.stdout
    assert "Examples" in invoke_cli("fetch", "--help", cwd=tmp_path).stdout


def test_version(tmp_path: Path) -> None:
    result = run_cli("--version", cwd=tmp_path)  # a real process: main() answers it first
    assert result.returncode == 0
    assert result.stdout.startswith("arxiv-radar ")


def test_fetch_fills_the_store_exactly_from_one_request(
    tmp_path: Path, replay: ReplayServer
) -> None:
    body = fixture_bytes(RSS_FIXTURE)
    replay.add("/rss/cs.AI", Reply(body=body, etag='"feed-1"'))
    write_config(tmp_path, ["cs.AI"])
    result = invoke_cli("fetch", "--no-catch-up", cwd=tmp_path, server=replay)
    assert result.returncode == 0, result.stderr
    assert [r.path for r in replay.requests] == ["/rss/cs.AI"]
    assert "arxiv-radar/" in (replay.requests[0].header("User-Agent") or "")
    assert "3 new papers" in result.stdout

    expected = parse_listing(body)
    stored = papers_json(tmp_path, "--date", "2026-04-27")
    assert [p["arxiv_id"] for p in stored] == [e.paper.arxiv_id for e in expected.entries]
    for row, entry in zip(stored, expected.entries, strict=True):
        paper = entry.paper
        assert row["version"] == paper.version
        assert row["title"] == paper.title
        assert row["abstract"] == paper.abstract
        assert row["authors"] == list(paper.authors)
        assert row["categories"] == list(paper.categories)
        assert row["primary_category"] == paper.primary_category
        assert row["license"] == paper.license
        assert row["announcements"] == [
            {"announced_on": "2026-04-27", "announce_type": "new", "version": 1, "feed": "rss"}
        ]
    first = stored[0]
    assert first["arxiv_id"] == "2604.21935"
    assert first["authors"] == ["Michael Cooper", "Samuel Cooper"]
    assert first["categories"] == ["cs.AI", "cs.LG"]
    assert str(first["abstract"]).startswith("Although language models demonstrate")
    assert str(first["abstract"]).endswith("emergent numerical reasoning capabilities.")

    # The same day again: a conditional request, answered 304, nothing re-ingested.
    again = invoke_cli("fetch", "--no-catch-up", cwd=tmp_path, server=replay)
    assert again.returncode == 0, again.stderr
    assert replay.requests[1].header("If-None-Match") == '"feed-1"'
    assert "not-modified" in again.stdout
    assert "0 new papers, 0 updated" in again.stdout
    assert papers_json(tmp_path, "--date", "2026-04-27") == stored


def test_mixed_listing_counts_by_type_and_category(tmp_path: Path, replay: ReplayServer) -> None:
    body = fixture_bytes(MIXED_FIXTURE)
    categories = ["cs.AI", "cs.CL", "cs.DC", "cs.LG"]
    replay.add("/rss/cs.AI+cs.CL+cs.DC+cs.LG", Reply(body=body))
    write_config(tmp_path, categories)
    result = invoke_cli("fetch", "--no-catch-up", cwd=tmp_path, server=replay)
    assert result.returncode == 0, result.stderr
    listing = parse_listing(body)
    assert listing.announced_on is not None
    stored = papers_json(tmp_path)
    assert len(stored) == len(listing.entries)
    types = [e.announcement.announce_type.value for e in listing.entries]
    assert set(types) == {"new", "cross", "replace", "replace-cross"}
    for name in set(types):
        assert f"{name} " in result.stdout
    # Listing order: every new before every cross before replacements.
    order = {"new": 0, "cross": 1, "replace": 2, "replace-cross": 3}
    stored_types = [p["announcements"][0]["announce_type"] for p in stored]
    assert stored_types == sorted(stored_types, key=order.__getitem__)
    # Re-ingesting the same listing (no ETag) changes nothing.
    again = invoke_cli("fetch", "--no-catch-up", cwd=tmp_path, server=replay)
    assert again.returncode == 0
    assert f"0 new papers, 0 updated, {len(listing.entries)} unchanged" in again.stdout
    assert papers_json(tmp_path) == stored


def test_empty_weekend_feed_is_not_an_error(tmp_path: Path, replay: ReplayServer) -> None:
    replay.add("/rss/cs.AI", Reply(body=fixture_bytes(EMPTY_FIXTURE)))
    write_config(tmp_path, ["cs.AI"])
    result = invoke_cli("fetch", "--no-catch-up", cwd=tmp_path, server=replay)
    assert result.returncode == 0, result.stderr
    assert "no-announcement" in result.stdout
    assert "warning" not in result.stderr


def test_catch_up_fills_missing_days_through_the_api(tmp_path: Path, replay: ReplayServer) -> None:
    # The store began on Friday 2026-04-17 (catch-up goes no further back: tests/test_catch_up.py).
    store_read_listing_on(tmp_path / "arxiv-radar.db", dt.date(2026, 4, 17))
    replay.add("/rss/cs.AI+math.CO", Reply(body=fixture_bytes(RSS_FIXTURE)))
    api_page = fixture_bytes("api_atom_idlist_single_1605.08386_2026.xml")
    replay.add("/api/query", Reply(body=api_page))
    write_config(tmp_path, ["cs.AI", "math.CO"], days_back=7)
    result = invoke_cli("fetch", cwd=tmp_path, server=replay)
    assert result.returncode == 0, result.stderr
    api_requests = replay.requests_to("/api/query")
    # 2026-04-27 is a Monday: the five listing days of the week before are missing.
    assert len(api_requests) == 5
    for request in api_requests:
        assert "submittedDate:[" in request.query["search_query"]
        assert "cat:cs.AI" in request.query["search_query"]
    assert min(replay.gaps()) >= 0.05
    with Store.open(str(tmp_path / "arxiv-radar.db")) as store:
        dates = [d.isoformat() for d in store.announcement_dates()]
    assert dates == [
        "2026-04-17",
        "2026-04-20",
        "2026-04-21",
        "2026-04-22",
        "2026-04-23",
        "2026-04-24",
        "2026-04-27",
    ]
    # Filled days are not asked for again.
    replay.add("/rss/cs.AI+math.CO", Reply(status=304))
    again = invoke_cli("fetch", cwd=tmp_path, server=replay)
    assert again.returncode == 0, again.stderr
    assert len(replay.requests_to("/api/query")) == 5


def test_bad_config_stops_with_exit_code_2(tmp_path: Path) -> None:
    config = tmp_path / "arxiv-radar.toml"
    config.write_text('[arxiv]\ncategories = ["cs.AII"]\n', encoding="utf-8")
    result = invoke_cli("fetch", cwd=tmp_path)
    assert result.returncode == 2
    assert "arxiv-radar.toml" in result.stderr
    assert "cs.AII" in result.stderr and "cs.AI" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "arxiv-radar.db").exists()


def test_bad_date_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke_cli("papers", "--date", "27/04/2026", cwd=tmp_path)
    assert result.returncode == 2
    assert "YYYY-MM-DD" in result.stderr


def test_arxiv_down_exits_3_and_keeps_the_store(tmp_path: Path, replay: ReplayServer) -> None:
    replay.add("/rss/cs.AI", Reply(body=fixture_bytes(RSS_FIXTURE)))
    write_config(tmp_path, ["cs.AI"])
    assert invoke_cli("fetch", "--no-catch-up", cwd=tmp_path, server=replay).returncode == 0
    before = papers_json(tmp_path)
    replay.add("/rss/cs.AI", Reply(status=503, headers={"Retry-After": "0"}))
    result = invoke_cli("fetch", "--no-catch-up", cwd=tmp_path, server=replay)
    assert result.returncode == 3
    assert "503" in result.stderr and "Traceback" not in result.stderr
    assert papers_json(tmp_path) == before


def test_backfill_ids_through_the_api(tmp_path: Path, replay: ReplayServer) -> None:
    replay.add(
        "/api/query",
        Reply(body=fixture_bytes("api_atom_idlist_single_1605.08386_2026.xml")),
        when={"id_list": "1605.08386,0000.00001"},
    )
    write_config(tmp_path, ["math.CO"])
    result = invoke_cli("backfill", "--ids", "1605.08386,0000.00001", cwd=tmp_path, server=replay)
    assert result.returncode == 2, result.stdout + result.stderr  # 0000.00001 is not an id
    assert "0000.00001" in result.stderr
    replay.add(
        "/api/query",
        Reply(body=fixture_bytes("api_atom_idlist_single_1605.08386_2026.xml")),
        when={"id_list": "1605.08386,2604.99999"},
    )
    result = invoke_cli("backfill", "--ids", "1605.08386, 2604.99999", cwd=tmp_path, server=replay)
    assert result.returncode == 0, result.stderr
    assert "2604.99999" in result.stderr  # reported as missing
    with Store.open(str(tmp_path / "arxiv-radar.db")) as store:
        stored = store.get_paper("1605.08386")
    assert stored is not None
    assert stored.paper.title == "Heat-bath random walks with Markov bases"
    assert stored.paper.primary_category == "math.CO"
    assert [a.announce_type.value for a in stored.announcements] == ["new"]
    # Submitted Thu 2016-05-26 17:59 UTC (13:59 ET, before the 14:00 deadline): listed Fri 27th.
    assert stored.announcements[0].announced_on.isoformat() == "2016-05-27"


def test_backfill_oai_harvests_every_page(tmp_path: Path, replay: ReplayServer) -> None:
    page = fixture_bytes("oai_arXiv_ListRecords_set_cs_first_page_with_resumptionToken_2016.xml")
    last = page.replace(
        b'<resumptionToken cursor="0" completeListSize="102133">1114880|1001</resumptionToken>',
        b'<resumptionToken cursor="1000" completeListSize="1000"/>',
    )
    replay.add("/oai", Reply(body=page), when={"metadataPrefix": "arXiv"})
    replay.add("/oai", Reply(body=last), when={"resumptionToken": "1114880|1001"})
    write_config(tmp_path, ["cs.AI", "cs.LG"])
    result = invoke_cli(
        "backfill", "--oai", "--set", "cs", "--from", "2016-01-01", cwd=tmp_path, server=replay
    )
    assert result.returncode == 0, result.stderr
    assert len(replay.requests) == 2
    assert replay.requests[0].query == {
        "verb": "ListRecords",
        "metadataPrefix": "arXiv",
        "set": "cs",
        "from": "2016-01-01",
    }
    assert replay.requests[1].query == {"verb": "ListRecords", "resumptionToken": "1114880|1001"}
    with Store.open(str(tmp_path / "arxiv-radar.db")) as store:
        assert store.count_papers() == 1000
        paper = store.get_paper("0704.0002")
    assert paper is not None and paper.paper.title == "Sparsity-certifying Graph Decompositions"


def test_backfill_needs_exactly_one_source(tmp_path: Path) -> None:
    result = invoke_cli("backfill", cwd=tmp_path)
    assert result.returncode == 2
    assert "exactly one" in result.stderr


def test_doctor_reports_each_check(tmp_path: Path, replay: ReplayServer) -> None:
    replay.add("/rss/cs.AI", Reply(body=fixture_bytes(RSS_FIXTURE)))
    write_config(tmp_path, ["cs.AI"])
    result = invoke_cli(
        "doctor", cwd=tmp_path, server=replay, env={"DASHSCOPE_API_KEY": "sk-canary-123"}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "config" in result.stdout and "arxiv-radar.toml" in result.stdout
    assert "store" in result.stdout and "answered HTTP 200" in result.stdout
    assert "DASHSCOPE_API_KEY" in result.stdout
    assert "sk-canary-123" not in result.stdout + result.stderr
    replay.add("/rss/cs.AI", Reply(status=404))
    failing = invoke_cli("doctor", cwd=tmp_path, server=replay)
    assert failing.returncode == 6  # a failed check (1 is an unexpected error)
    assert "FAIL" in failing.stdout


@pytest.mark.parametrize("command", ["fetch", "papers", "doctor", "backfill", "rank"])
def test_python_dash_m_and_console_script_agree(tmp_path: Path, command: str) -> None:
    script = Path(sys.executable).with_name("arxiv-radar")  # this environment's console script
    result = subprocess.run(
        [str(script), command, "--help"],
        cwd=tmp_path,
        env={**os.environ, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == invoke_cli(command, "--help", cwd=tmp_path).stdout


def _next_day_feed(body: bytes) -> bytes:
    """The real listing moved to Tuesday 28 April, its first paper now a v2 replacement."""
    moved = body.replace(b"Mon, 27 Apr 2026", b"Tue, 28 Apr 2026")
    replaced = moved.replace(
        b"arXiv:2604.21935v1 Announce Type: new", b"arXiv:2604.21935v2 Announce Type: replace", 1
    ).replace(b"oai:arXiv.org:2604.21935v1", b"oai:arXiv.org:2604.21935v2", 1)
    replaced = replaced.replace(
        b"<arxiv:announce_type>new</arxiv:announce_type>",
        b"<arxiv:announce_type>replace</arxiv:announce_type>",
        1,
    )
    return replaced.replace(
        b"Math Takes Two: A test for emergent mathematical reasoning in communication",
        b"Math Takes Two: A revised test for emergent mathematical reasoning",
        1,
    )


def test_a_new_version_in_a_later_listing_updates_the_paper(
    tmp_path: Path, replay: ReplayServer
) -> None:
    body = fixture_bytes(RSS_FIXTURE)
    replay.add("/rss/cs.AI", Reply(body=body))
    write_config(tmp_path, ["cs.AI"])
    assert invoke_cli("fetch", "--no-catch-up", cwd=tmp_path, server=replay).returncode == 0
    replay.add("/rss/cs.AI", Reply(body=_next_day_feed(body)))
    result = invoke_cli("fetch", "--no-catch-up", cwd=tmp_path, server=replay)
    assert result.returncode == 0, result.stderr
    assert "0 new papers, 1 updated" in result.stdout
    tuesday = papers_json(tmp_path, "--date", "2026-04-28")
    paper = next(p for p in tuesday if p["arxiv_id"] == "2604.21935")
    assert paper["version"] == 2
    assert paper["title"] == "Math Takes Two: A revised test for emergent mathematical reasoning"
    assert paper["announcements"] == [
        {"announced_on": "2026-04-27", "announce_type": "new", "version": 1, "feed": "rss"},
        {"announced_on": "2026-04-28", "announce_type": "replace", "version": 2, "feed": "rss"},
    ]
    # Monday's listing still shows the paper, now at its latest version.
    monday = papers_json(tmp_path, "--date", "2026-04-27")
    assert [p["arxiv_id"] for p in monday] == ["2604.21935", "2604.21936", "2604.21937"]


def test_an_empty_feed_on_an_announcement_day_is_a_warning(
    tmp_path: Path, replay: ReplayServer
) -> None:
    empty_monday = fixture_bytes(EMPTY_FIXTURE).replace(b"Sat, 25 Apr 2026", b"Mon, 27 Apr 2026")
    assert b"Mon, 27 Apr 2026" in empty_monday
    replay.add("/rss/cs.AI", Reply(body=empty_monday))
    write_config(tmp_path, ["cs.AI"])
    result = invoke_cli("fetch", "--no-catch-up", cwd=tmp_path, server=replay)
    assert result.returncode == 0, result.stderr
    assert "empty-unexpected" in result.stdout
    assert "warning" in result.stderr and "2026-04-27" in result.stderr


def test_a_missing_option_value_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke_cli("fetch", "--date", cwd=tmp_path)
    assert result.returncode == 2
    assert "requires an argument" in result.stderr and "unexpected error" not in result.stderr
