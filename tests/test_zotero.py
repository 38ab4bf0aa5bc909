"""A reader's Zotero web library: read through the Zotero Web API v3 from a local server on
127.0.0.1 that answers as api.zotero.org does, with the answers in tests/fixtures/zotero/
(its README says what each holds): paging, the key header, 403 and 404, 429 and Backoff,
the copy kept on disk and 304, and ranking by the library through the command line."""

from __future__ import annotations

import dataclasses
import json
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from arxiv_radar.config import ProfileConfig, load_config
from arxiv_radar.errors import ConfigError, ZoteroError, ZoteroUnreachableError
from arxiv_radar.library import LibraryEntry
from arxiv_radar.net import RetryPolicy
from arxiv_radar.rank.anchors import has_anchors
from arxiv_radar.rank.key import anchors_fingerprint
from arxiv_radar.store import Store
from arxiv_radar.zotero import (
    PAGE_SIZE,
    ZOTERO_RETRY,
    ZoteroClient,
    ZoteroLibrary,
    cache_path,
    cached_library,
    entry_of,
    sync_library,
)

from cli_helpers import invoke_cli
from replay_server import RecordedRequest, ReplayServer, Reply, fixture_bytes

FIXTURES = Path(__file__).parent / "fixtures" / "zotero"
LIBRARY = "/users/8123456"
ITEMS = f"{LIBRARY}/items/top"
KEY = "P9NiFoyLeZu2bZNvvuQPDWsd"  # the shape of a Zotero API key (the documentation's example)
KEY_ENV = "ZOTERO_LIBRARY_ACCESS"  # no *_KEY suffix: the logs' secret filter does not mask it
FAST = RetryPolicy(max_retries=2, base=0.05, cap=0.2, jitter=0.0)
RSS_3_ITEMS = "rss2_new_format_cs.AI_excerpt_3items_reserialized_2026-04-27.xml"

ENTRIES = [
    LibraryEntry(
        title="Language Models are Few-Shot Learners",
        abstract=(
            "Scaling up language models greatly improves task-agnostic, few-shot performance: "
            "a 175 billion parameter autoregressive model is applied to translation, question "
            "answering and cloze tasks with no gradient updates, only a few demonstrations "
            "given as text."
        ),
        arxiv_id="2005.14165",
        doi="10.48550/arXiv.2005.14165",
    ),
    LibraryEntry(
        title="Attention Is All You Need",
        abstract=(
            "A sequence transduction architecture built on attention alone, without recurrence "
            "or convolutions, trains faster and translates better than recurrent and "
            "convolutional encoder-decoder models."
        ),
        arxiv_id="1706.03762",
    ),
    LibraryEntry(
        title="Analyzing Learned Molecular Representations for Property Prediction",
        abstract=(
            "Message passing neural networks learn representations of molecules from their "
            "graphs. Compared with fixed fingerprints on property prediction benchmarks for "
            "drug discovery, the learned representations predict the properties of candidate "
            "drug molecules better, as industrial data sets confirm."
        ),
        doi="10.1021/acs.jcim.9b00237",
    ),
    LibraryEntry(
        title="SilGAN: Generating driving maneuvers for scenario-based software-in-the-loop "
        "testing",
        abstract=(
            "A generative model of driving maneuvers produces scenarios for testing automotive "
            "software in the loop."
        ),
        arxiv_id="2107.07364",
        doi="10.48550/arXiv.2107.07364",
    ),
    LibraryEntry(
        title="BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
        arxiv_id="1810.04805",
        doi="10.18653/v1/N19-1423",
    ),
]
"""The library's entries, in the API's order: attachments and notes skipped."""


def recording(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def reply_of(name: str, **headers: str) -> Reply:
    """The recorded answer ``name`` as the server sends it, with ``headers`` added."""
    record = recording(name)
    sent = dict(record["headers"])
    content_type = sent.pop("Content-Type", "application/json")
    body = record["body"]
    text = "" if body is None else body if isinstance(body, str) else json.dumps(body)
    return Reply(
        status=record["status"],
        body=text.encode(),
        headers={**sent, **headers},
        content_type=content_type,
    )


class ZoteroAPI:
    """Answers as api.zotero.org does for ``users/8123456``, from the recorded answers: 400
    without ``Zotero-API-Version: 3``, 403 without the right ``Zotero-API-Key`` (``key``
    None: a public library), 304 to an ``If-Modified-Since-Version`` at or above the
    library's version, else the recorded page for ``limit`` and ``start``."""

    PAGES = {
        (3, 0): "items_top_limit3_start0.json",
        (3, 3): "items_top_limit3_start3.json",
        (3, 6): "items_top_limit3_start6.json",
        (100, 0): "items_top_limit100_start0.json",
    }

    def __init__(self, key: str | None = KEY) -> None:
        self.key = key
        self.version = 1523

    def __call__(self, request: RecordedRequest) -> Reply:
        if request.header("Zotero-API-Version") != "3":
            return Reply(400, b"Invalid API version", content_type="text/plain")
        if self.key is not None and request.header("Zotero-API-Key") != self.key:
            return reply_of("items_top_forbidden.json")
        since = request.header("If-Modified-Since-Version")
        if since is not None and int(since) >= self.version:
            return reply_of("items_top_not_modified.json")
        page = (int(request.query.get("limit", "25")), int(request.query.get("start", "0")))
        wanted = request.query.get("format") == "json" and request.query.get("include") == "data"
        if not wanted or page not in self.PAGES:
            return Reply(400, b"not recorded", content_type="text/plain")
        return reply_of(self.PAGES[page])


@pytest.fixture
def zotero() -> Iterator[ReplayServer]:
    """The Zotero API of ``users/8123456`` (key :data:`KEY`) on 127.0.0.1."""
    with ReplayServer() as server:
        server.add(ITEMS, ZoteroAPI())
        yield server


def client(**options: Any) -> ZoteroClient:
    settings: dict[str, Any] = {"key": KEY, "page_size": 3, "retry": FAST, "timeout": 5.0}
    settings.update(options)
    return ZoteroClient(**settings)


def sync(server: ReplayServer, folder: Path, **options: Any) -> Any:
    with client(**options) as zotero:
        return sync_library(
            server.url(LIBRARY), folder, key=None, key_env="ZOTERO_API_KEY", client=zotero
        )


# ---------------------------------------------------------------- items and settings


def test_items_become_library_entries_and_attachments_and_notes_are_skipped() -> None:
    items = recording("items_top_limit100_start0.json")["body"]
    assert len(items) == 7
    assert [entry_of(item) for item in items] == [
        ENTRIES[0], ENTRIES[1], None, ENTRIES[2], None, ENTRIES[3], ENTRIES[4],
    ]  # fmt: skip
    assert {item["data"]["itemType"] for item in items if entry_of(item) is None} == {
        "attachment",
        "note",
    }


@pytest.mark.parametrize(
    ("data", "arxiv_id"),
    [
        ({"archiveID": "arXiv:2401.01234"}, "2401.01234"),
        ({"url": "https://arxiv.org/abs/2401.01234v2"}, "2401.01234"),
        ({"DOI": "10.48550/arXiv.2401.01234"}, "2401.01234"),
        ({"extra": "Citation Key: x\narXiv: hep-th/9901001"}, "hep-th/9901001"),
        ({"url": "https://doi.org/10.1145/1", "DOI": "10.1145/1", "extra": ""}, None),
        ({"url": 7, "DOI": ["10.48550/arXiv.2401.01234"]}, None),  # not text: ignored
    ],
)
def test_the_arxiv_id_comes_from_archive_id_url_doi_or_extra(
    data: dict[str, Any], arxiv_id: str | None
) -> None:
    entry = entry_of({"data": {"itemType": "preprint", "title": "T", **data}})
    assert entry is not None and entry.arxiv_id == arxiv_id


def test_rich_text_in_titles_is_dropped_and_untitled_items_are_skipped() -> None:
    title = 'Docking <i>in silico</i> with H<sub>2</sub>O and <span class="nocase">pH</span>'
    entry = entry_of({"data": {"itemType": "journalArticle", "title": title}})
    assert entry is not None and entry.title == "Docking in silico with H2O and pH"
    assert entry_of({"data": {"itemType": "webpage", "title": "  "}}) is None
    assert entry_of({"key": "ABCD2345"}) is None


@pytest.mark.parametrize(
    ("setting", "url"),
    [
        ("users/475425", "https://api.zotero.org/users/475425"),
        ("groups/12/", "https://api.zotero.org/groups/12"),
        ("http://127.0.0.1:8080/users/1", "http://127.0.0.1:8080/users/1"),
        ("https://zotero.example.org/api/groups/7", "https://zotero.example.org/api/groups/7"),
    ],
)
def test_a_library_is_a_user_or_group_or_its_url(setting: str, url: str) -> None:
    assert ZoteroLibrary.parse(setting).url == url
    profile = ProfileConfig(zotero=setting)
    assert profile.mode == "hybrid" and has_anchors(profile)
    assert profile.zotero_key_env == "ZOTERO_API_KEY"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('zotero = "475425"', "found '475425' (expected a Zotero library"),
        ('zotero = "ftp://x/users/1"', "found 'ftp://x/users/1'"),
        ('zotero = "users/me"', "found 'users/me'"),
        ('zotero_key_env = "P9NiFoyLeZu2bZNvvuQPDWsd!"', "never in this file"),
    ],
)
def test_a_wrong_zotero_setting_is_a_configuration_error(
    tmp_path: Path, toml: str, message: str
) -> None:
    path = tmp_path / "arxiv-radar.toml"
    path.write_text(f"[profiles.default]\n{toml}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert message in str(caught.value) and caught.value.exit_code == 2


# ---------------------------------------------------------------- reading the library


def test_the_library_is_read_page_by_page_over_one_connection(
    zotero: ReplayServer, tmp_path: Path
) -> None:
    synced = sync(zotero, tmp_path)
    assert synced.status == "downloaded" and synced.requests == 3
    assert synced.snapshot.version == 1523 and synced.snapshot.items == 7
    assert list(synced.snapshot.entries) == ENTRIES
    asked = zotero.requests_to(ITEMS)
    assert [r.query for r in asked] == [
        {"format": "json", "include": "data", "limit": "3", "start": start}
        for start in ("0", "3", "6")
    ]
    assert {r.header("Zotero-API-Version") for r in asked} == {"3"}
    assert len({r.client_port for r in asked}) == 1  # one connection, kept alive
    assert all(r.header("If-Modified-Since-Version") is None for r in asked)  # nothing kept
    assert (asked[0].header("User-Agent") or "").startswith("arxiv-radar/")


def test_the_key_is_sent_in_a_header_only_and_never_kept(
    zotero: ReplayServer, tmp_path: Path
) -> None:
    sync(zotero, tmp_path)
    asked = zotero.requests_to(ITEMS)
    assert {r.header("Zotero-API-Key") for r in asked} == {KEY}
    assert not any(KEY in r.raw_query or "key=" in r.raw_query for r in asked)
    kept = cache_path(zotero.url(LIBRARY), tmp_path)
    assert kept.name == "arxiv-radar-zotero-users-8123456.json"
    assert KEY not in kept.read_text(encoding="utf-8")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600  # the library may be private


def test_a_public_library_is_read_without_a_key(tmp_path: Path) -> None:
    with ReplayServer() as server:
        server.add(ITEMS, ZoteroAPI(key=None))
        synced = sync(server, tmp_path, key=None)
        assert all(r.header("Zotero-API-Key") is None for r in server.requests)
    assert len(synced.snapshot.entries) == 5


def test_a_refused_library_says_which_variable_to_set(zotero: ReplayServer, tmp_path: Path) -> None:
    with pytest.raises(ZoteroError) as refused, client(key=None) as anonymous:
        sync_library(zotero.url(LIBRARY), tmp_path, key=None, key_env="MY_ZOTERO", client=anonymous)
    assert refused.value.status == 403 and refused.value.exit_code == 7
    assert "Zotero refused to read users/8123456 (HTTP 403): the library is not public; set " in (
        str(refused.value)
    )
    assert "MY_ZOTERO to an API key that can read it" in str(refused.value)
    wrong = "0123456789abcdefWRONGKEY"
    with pytest.raises(ZoteroError) as rejected, client(key=wrong) as zotero_client:
        sync_library(
            zotero.url(LIBRARY), tmp_path, key=None, key_env="MY_ZOTERO", client=zotero_client
        )
    assert "Zotero refused the API key in MY_ZOTERO for users/8123456 (HTTP 403)" in str(
        rejected.value
    )
    assert wrong not in str(rejected.value)
    assert not cache_path(zotero.url(LIBRARY), tmp_path).exists()


def test_an_unknown_library_says_to_check_the_setting(zotero: ReplayServer, tmp_path: Path) -> None:
    with pytest.raises(ZoteroError) as missing, client() as zotero_client:
        sync_library(
            zotero.url("/users/999"), tmp_path, key=None, key_env="K", client=zotero_client
        )
    assert missing.value.status == 404
    assert "Zotero has no library users/999 (HTTP 404): check the profile's `zotero` setting" in (
        str(missing.value)
    )


def test_an_answer_that_is_not_the_apis_is_an_error(tmp_path: Path) -> None:
    with ReplayServer() as server:
        server.add(ITEMS, Reply(body=b"<html>login</html>", content_type="text/html"))
        with pytest.raises(ZoteroError, match="not a Zotero API answer: the body is not JSON"):
            sync(server, tmp_path)
        server.add(ITEMS, Reply(body=b"[]", content_type="application/json"))
        with pytest.raises(ZoteroError, match="the Last-Modified-Version header is missing"):
            sync(server, tmp_path)


def test_the_retry_policy_and_the_kept_copys_place() -> None:
    assert (ZOTERO_RETRY.max_retries, ZOTERO_RETRY.base, ZOTERO_RETRY.max_wait) == (4, 2.0, 600)
    assert PAGE_SIZE == 100
    assert cache_path("groups/12", None) == Path("arxiv-radar-zotero-groups-12.json")


def test_a_timeout_is_retried(tmp_path: Path) -> None:
    api = ZoteroAPI()

    def slow(request: RecordedRequest) -> Reply:
        return dataclasses.replace(api(request), delay=1.0)

    with ReplayServer() as server:
        server.add(ITEMS, slow, api)
        synced = sync(server, tmp_path, timeout=0.3)
        assert [r.query["start"] for r in server.requests_to(ITEMS)] == ["0", "0", "3", "6"]
    assert synced.status == "downloaded" and len(synced.snapshot.entries) == 5


def test_a_retry_after_longer_than_a_run_waits_is_an_error(tmp_path: Path) -> None:
    with ReplayServer() as server:
        server.add(ITEMS, reply_of("items_top_too_many_requests.json"))
        with pytest.raises(ZoteroUnreachableError) as waited:
            sync(server, tmp_path, retry=dataclasses.replace(FAST, max_wait=0.5))
        assert len(server.requests) == 1
    assert "Zotero asked to wait 1 s (more than the 0.5 s a run waits)" in str(waited.value)


def test_429_retry_after_and_backoff_are_honoured(tmp_path: Path) -> None:
    api = ZoteroAPI()

    def with_backoff(request: RecordedRequest) -> Reply:
        reply = api(request)
        return dataclasses.replace(reply, headers={**reply.headers, "Backoff": "1"})

    with ReplayServer() as server:
        # page 1: 429 with Retry-After: 1, then the page with Backoff: 1; pages 2 and 3
        server.add(ITEMS, reply_of("items_top_too_many_requests.json"), with_backoff, api)
        synced = sync(server, tmp_path)
        asked = server.requests_to(ITEMS)
    assert synced.status == "downloaded" and len(synced.snapshot.entries) == 5
    assert [r.query["start"] for r in asked] == ["0", "0", "3", "6"]
    assert asked[1].started - asked[0].started >= 1.0  # Retry-After
    assert asked[2].started - asked[1].started >= 1.0  # Backoff
    assert asked[3].started - asked[2].started < 1.0  # Backoff is over


def test_an_unchanged_library_is_not_downloaded_again(zotero: ReplayServer, tmp_path: Path) -> None:
    sync(zotero, tmp_path)
    kept = cache_path(zotero.url(LIBRARY), tmp_path)
    before = kept.read_bytes()
    again = sync(zotero, tmp_path)
    assert again.status == "unchanged" and again.requests == 1
    assert zotero.requests[-1].header("If-Modified-Since-Version") == "1523"
    assert kept.read_bytes() == before
    assert list(again.snapshot.entries) == ENTRIES
    # a copy of an older version: asked again, downloaded again
    older = json.loads(before)
    older["version"] = 1500
    kept.write_text(json.dumps(older), encoding="utf-8")
    changed = sync(zotero, tmp_path)
    assert changed.status == "downloaded" and changed.snapshot.version == 1523
    assert zotero.requests[-3].header("If-Modified-Since-Version") == "1500"


def test_without_zotero_the_kept_copy_is_used_with_a_warning(tmp_path: Path) -> None:
    with ReplayServer() as server:
        server.add(ITEMS, ZoteroAPI())
        url = server.url(LIBRARY)
        sync(server, tmp_path)
        server.add(ITEMS, Reply(503, b"Service Unavailable", content_type="text/plain"))
        busy = sync(server, tmp_path)
    assert busy.status == "cached" and list(busy.snapshot.entries) == ENTRIES
    assert busy.warnings[0].startswith(
        "the Zotero library users/8123456 could not be read (Zotero did not answer "
        "successfully (HTTP 503) after 3 attempts): using the copy downloaded on "
    )
    with client() as offline:  # the server is gone: the connection is refused at once
        gone = sync_library(url, tmp_path, key=None, key_env="K", client=offline)
        assert offline.requests == 1
    assert gone.status == "cached" and "cannot reach 127.0.0.1" in gone.warnings[0]
    assert gone.warnings[0].endswith("(version 1523)")
    with pytest.raises(ZoteroUnreachableError) as nothing, client() as offline:
        sync_library(url, tmp_path / "elsewhere", key=None, key_env="K", client=offline)
    assert "no copy of the Zotero library users/8123456 is kept yet" in str(nothing.value)
    assert nothing.value.exit_code == 7


def test_ranking_reads_the_kept_copy_and_its_version(zotero: ReplayServer, tmp_path: Path) -> None:
    profile = ProfileConfig(zotero=zotero.url(LIBRARY))
    with pytest.raises(ConfigError, match="has not been downloaded yet .*`arxiv-radar rank`"):
        cached_library(zotero.url(LIBRARY), tmp_path)
    unsynced = anchors_fingerprint(profile, tmp_path, {})
    sync(zotero, tmp_path)
    assert list(cached_library(zotero.url(LIBRARY), tmp_path).entries) == ENTRIES
    synced = anchors_fingerprint(profile, tmp_path, {})
    kept = cache_path(zotero.url(LIBRARY), tmp_path)
    data = json.loads(kept.read_text(encoding="utf-8"))
    data["version"] = 1600
    kept.write_text(json.dumps(data), encoding="utf-8")
    changed = anchors_fingerprint(profile, tmp_path, {})
    assert len({unsynced, synced, changed}) == 3  # a new version: the day is ranked again


# ---------------------------------------------------------------- through the command line


def write_config(folder: Path, url: str, extra: str = "") -> None:
    (folder / "arxiv-radar.toml").write_text(
        f'{extra}[profiles.default]\nkeywords = ["testing"]\nzotero = "{url}"\n'
        f'zotero_key_env = "{KEY_ENV}"\n',
        encoding="utf-8",
    )


def test_rank_by_a_zotero_library(zotero: ReplayServer, tmp_path: Path) -> None:
    from arxiv_radar.arxiv.rss import parse_listing
    from arxiv_radar.demo import demo_feed_bytes, seed_store

    with Store.open(str(tmp_path / "arxiv-radar.db")) as store:
        seed_store(store)
        store.ingest(parse_listing(demo_feed_bytes()).entries)
    summaries = '[summaries]\nprovider = "extractive"\n\n'
    write_config(tmp_path, zotero.url(LIBRARY), extra=summaries)
    env = {KEY_ENV: KEY}
    keywords = invoke_cli("rank", "--mode", "keywords", "--json", cwd=tmp_path, env=env)
    assert keywords.returncode == 0 and not zotero.requests  # not ranked by meaning: not read
    result = invoke_cli("--debug", "rank", "--mode", "semantic", "--json", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert KEY not in result.stdout + result.stderr  # debug logs included
    ranked = json.loads(result.stdout)
    first = ranked[0]["explanation"]
    # the library's preprint of the day's SilGAN: the stored paper is the anchor
    assert ranked[0]["arxiv_id"] == "2107.07364"
    assert first["nearest_kind"] == "library" and first["similarity"] == pytest.approx(1, abs=1e-3)
    assert first["nearest"] == f"{ENTRIES[3].title} (arXiv:2107.07364)"
    # the molecular-representation article (no arXiv id, its title and abstract embedded) is
    # nearest to the drug-molecule agent above any other paper of the day
    near = [i for i in ranked if i["explanation"]["nearest"] == ENTRIES[2].title]
    assert near[0]["arxiv_id"] == "2604.21937" and near[0]["explanation"]["similarity"] > 0.45
    # the attachment and the note were skipped: no explanation names them
    assert all(".pdf" not in i["explanation"]["nearest"] for i in ranked)
    assert [r.query["limit"] for r in zotero.requests_to(ITEMS)] == ["100"]  # one page
    assert {r.header("Zotero-API-Key") for r in zotero.requests} == {KEY}
    # again: one conditional request, answered 304
    again = invoke_cli("rank", "--mode", "semantic", "--json", cwd=tmp_path, env=env)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == ranked
    assert zotero.requests[-1].header("If-Modified-Since-Version") == "1523"
    assert len(zotero.requests_to(ITEMS)) == 2
    # summarize ranks (here: reads the stored ranking) after the same check
    summarized = invoke_cli("summarize", "--top", "1", "--json", cwd=tmp_path, env=env)
    assert summarized.returncode == 0, summarized.stderr
    assert zotero.requests[-1].header("If-Modified-Since-Version") == "1523"
    assert len(zotero.requests_to(ITEMS)) == 3
    # without the key (an empty variable): none is sent, the library is private, and the
    # message says what to set
    refused = invoke_cli("rank", cwd=tmp_path, env={KEY_ENV: ""})
    assert refused.returncode == 7, refused.stdout + refused.stderr
    assert zotero.requests[-1].header("Zotero-API-Key") is None
    message = " ".join(refused.stderr.split())
    assert f"set {KEY_ENV} to an API key that can read it" in message


def test_run_downloads_the_library_and_works_on_without_zotero(
    replay: ReplayServer, tmp_path: Path
) -> None:
    replay.add("/rss/cs.AI", Reply(body=fixture_bytes(RSS_3_ITEMS)))
    run = ("run", "--no-summaries", "--no-catch-up", "--output", str(tmp_path / "out"))
    with ReplayServer() as zotero:
        zotero.add(ITEMS, ZoteroAPI())
        url = zotero.url(LIBRARY)
        write_config(tmp_path, url, extra='[arxiv]\ncategories = ["cs.AI"]\n\n')
        first = invoke_cli(*run, cwd=tmp_path, server=replay, env={KEY_ENV: KEY})
        assert first.returncode == 0, first.stdout + first.stderr
        assert len(zotero.requests_to(ITEMS)) == 1
    assert cache_path(url, tmp_path).exists()
    reports = tmp_path / "out" / "reports"
    report = json.loads(next(reports.glob("run-*.json")).read_text(encoding="utf-8"))
    assert report["status"] == "ok" and not report["warnings"]
    # Zotero unreachable: the run goes on with the kept copy, and says so
    second = invoke_cli(*run, cwd=tmp_path, server=replay, env={KEY_ENV: KEY})
    assert second.returncode == 0, second.stdout + second.stderr
    said = "the Zotero library users/8123456 could not be read (cannot reach 127.0.0.1"
    assert said in " ".join(second.stderr.split())
    report = json.loads(next(reports.glob("run-*.json")).read_text(encoding="utf-8"))
    assert report["status"] == "ok" and said in report["warnings"][0]


def test_init_passes_the_zotero_key_to_the_daily_workflow(tmp_path: Path) -> None:
    from arxiv_radar.scaffold import WORKFLOW_PATH, scaffold

    (tmp_path / "arxiv-radar.toml").write_text(
        '[profiles.default]\nzotero = "groups/2205"\nzotero_key_env = "LAB_ZOTERO_KEY"\n',
        encoding="utf-8",
    )
    scaffold(tmp_path)
    workflow = (tmp_path / WORKFLOW_PATH).read_text(encoding="utf-8")
    assert "LAB_ZOTERO_KEY: ${{ secrets.LAB_ZOTERO_KEY }}" in workflow
