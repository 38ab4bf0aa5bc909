"""The LLM rerank from the commands a user types: `arxiv-radar run`, `rank` and `summarize`
with a profile's `rerank` set and `[summaries]` pointed at a real OpenAI-compatible server
on 127.0.0.1 (arXiv replayed from a recording). The digest, the JSON outputs and `rank`
show the order and the reasons, escaped; a second run pays for nothing; the rerank's tokens
come out of the summaries' budget; off by default, and skipped with a warning without an
LLM."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from markdown_it import MarkdownIt

from arxiv_radar.config import load_config
from arxiv_radar.rank.rerank import SYSTEM_PROMPT
from arxiv_radar.store import Store
from arxiv_radar.store.rankings import config_hash

from cli_helpers import invoke_cli
from openai_server import OpenAIServer, RecordedRequest, Reply
from replay_server import ReplayServer, fixture_bytes
from replay_server import Reply as ArxivReply

MIXED = "synthetic_rss_cs.AI+cs.CL+cs.DC+cs.LG_mixed.xml"
FEED_PATH = "/rss/cs.AI+cs.CL+cs.DC+cs.LG"
DAY = "2026-04-27"
SUMMARY = """TL;DR: The paper in one line.

## 1. Main contributions and innovations
A contribution.

## 2. Method and experimental setup
A method.

## 3. Key results
A 12% gain.

## 4. Conclusions, limitations and future work
Limits.
"""
HOSTILE = "<script>alert(1)</script> read [this](http://evil.example/x) **now** [red]loud[/red]"


@pytest.fixture
def llm() -> Iterator[OpenAIServer]:
    with OpenAIServer(models=("judge",)) as server:
        yield server


@pytest.fixture
def folder(tmp_path: Path, replay: ReplayServer) -> Path:
    """A folder whose store holds the recorded 2026-04-27 listing (fetched)."""
    replay.add(FEED_PATH, ArxivReply(body=fixture_bytes(MIXED)))
    fetched = invoke_cli("fetch", "--no-catch-up", cwd=tmp_path, server=replay)
    assert fetched.returncode == 0, fetched.stderr
    return tmp_path


def configure(folder: Path, llm: OpenAIServer | None, *, rerank: int = 3, extra: str = "") -> None:
    summaries = (
        f'provider = "openai-compatible"\nbase_url = "{llm.base_url}"\nmodel = "judge"\n'
        if llm is not None
        else 'provider = "extractive"\n'
    )
    (folder / "arxiv-radar.toml").write_text(
        f"[profiles.default]\nrerank = {rerank}\n\n"
        f"[summaries]\n{summaries}max_papers = 2\nmax_retries = 0\n{extra}",
        encoding="utf-8",
    )


def is_rerank(request: RecordedRequest) -> bool:
    return bool(request.messages) and request.messages[0].get("content") == SYSTEM_PROMPT


def plain_order(folder: Path) -> list[dict[str, Any]]:
    """The day's ranking by score (no LLM): `rank --no-rerank --json`."""
    result = invoke_cli("rank", "--no-rerank", "--json", cwd=folder)
    assert result.returncode == 0, result.stderr
    ranked: list[dict[str, Any]] = json.loads(result.stdout)
    assert len(ranked) >= 4
    return ranked


def responder(
    top: list[dict[str, Any]], relevance: list[int], reasons: list[str]
) -> Callable[[RecordedRequest], Reply]:
    """Rerank requests answered by paper (its title in the prompt), summaries with SUMMARY."""

    def answer(request: RecordedRequest) -> Reply:
        if not is_rerank(request):
            return Reply(text=SUMMARY)
        text = request.last_user_message
        index = next(i for i, paper in enumerate(top) if f"Title: {paper['title']}\n" in text)
        judgement = {"relevance": relevance[index], "reason": reasons[index]}
        return Reply(text=f"```json\n{json.dumps(judgement)}\n```")

    return answer


def run(folder: Path, replay: ReplayServer, *args: str) -> Any:
    return invoke_cli("run", "--no-catch-up", "--output", ".", *args, cwd=folder, server=replay)


def readme_ids(folder: Path) -> list[str]:
    readme = (folder / "README.md").read_text(encoding="utf-8")
    return re.findall(r"^\*\*ArXiv ID\*\*: (\S+?)v\d+", readme, re.M)


def test_run_reranks_the_top_papers_shows_why_and_pays_once(
    folder: Path, replay: ReplayServer, llm: OpenAIServer
) -> None:
    plain = plain_order(folder)
    ids = [paper["arxiv_id"] for paper in plain]
    configure(folder, llm)
    llm.respond(responder(plain[:3], [2, 6, 9], ["Off topic.", "Related.", HOSTILE]))

    first = run(folder, replay)
    assert first.returncode == 0, first.stderr
    reranks = [r for r in llm.chat_requests if is_rerank(r)]
    summaries = [r for r in llm.chat_requests if not is_rerank(r)]
    assert len(reranks) == 3 and len(summaries) == 2
    new_order = [ids[2], ids[1], ids[0], *ids[3:]]
    assert readme_ids(folder) == new_order
    # the summaries are those of the new top 2
    summarized = " ".join(r.last_user_message for r in summaries)
    assert plain[2]["title"] in summarized and plain[1]["title"] in summarized
    assert plain[0]["title"] not in summarized

    # the reason is shown under the paper, escaped: no HTML, no link, no emphasis
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "**LLM Relevance**: 9/10 - \\<script\\>alert(1)\\</script\\> read \\[this\\]" in readme
    assert "**LLM Relevance**: 2/10 - Off topic." in readme
    html = MarkdownIt("commonmark").render(readme)  # as GitHub would render it
    assert "<script" not in html and 'href="http://evil' not in html
    shown = "&lt;script&gt;alert(1)&lt;/script&gt; read [this](http://evil.example/x) **now**"
    assert shown in html  # the model's text, as text
    assert readme.count("**LLM Relevance**") == 3
    for name in ("site/data.json", "exports/digest.json"):
        text = (folder / name).read_text(encoding="utf-8")
        assert "<script>" not in text and "\\u003cscript\\u003e" in text
        papers = json.loads(text)["papers"]
        assert [p["arxiv_id"] for p in papers] == new_order
        assert papers[0]["explanation"]["rerank"]["reason"].startswith("<script>alert(1)")
        assert "rerank" not in papers[3]["explanation"]
    site = (folder / "site/index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in site
    feed = json.loads((folder / "feeds/feed.json").read_text(encoding="utf-8"))
    assert [re.sub(r".*/abs/|v\d+$", "", item["id"]) for item in feed["items"]] == new_order

    # the run's report counts the rerank, and its tokens in the run's totals
    report = json.loads((folder / f"reports/run-{DAY}.json").read_text(encoding="utf-8"))
    rank_stage = next(stage for stage in report["stages"] if stage["name"] == "rank")
    assert rank_stage["counts"]["rerank_calls"] == 3
    assert rank_stage["counts"]["rerank_cache_hits"] == 0
    assert report["summary_calls"] == 2
    assert report["tokens_in"] == rank_stage["counts"]["rerank_tokens_in"] + sum(
        stage["counts"].get("tokens_in", 0)
        for stage in report["stages"]
        if stage["name"] == "summarize"
    )
    assert "LLM rerank: 3 calls, 0 cached, 0 failed" in first.stdout

    # the store is the source of truth: the reranked order is the stored ranking
    config = load_config(folder / "arxiv-radar.toml", env={})
    with Store.open(str(folder / "arxiv-radar.db")) as store:
        stored = store.ranking(
            "default", stored_day(store), config_hash(config.profiles["default"])
        )
    assert stored is not None
    assert [e.arxiv_id for e in stored.entries if e.rank is not None] == new_order

    # the feed server shows it too, from the store
    served = api_papers(folder)
    assert [p["arxiv_id"] for p in served] == new_order
    assert served[0]["explanation"]["rerank"]["relevance"] == 9

    # rank and its explanation show the same, read back from the store (no call)
    shown = invoke_cli("rank", "--json", cwd=folder)
    assert shown.returncode == 0, shown.stderr
    ranked = json.loads(shown.stdout)
    assert [p["arxiv_id"] for p in ranked] == new_order
    assert ranked[0]["explanation"]["rerank"]["relevance"] == 9
    table = invoke_cli("rank", cwd=folder)
    assert "LLM 9/10" in " ".join(table.stdout.split())
    why = invoke_cli("rank", "--explain", ids[2], cwd=folder)
    assert why.returncode == 0, why.stderr
    text = " ".join(why.stdout.split())
    assert "LLM relevance 9/10 (by openai-compatible:judge):" in text
    assert "[red]loud[/red]" in text  # Rich markup from the model is shown, not obeyed

    # a second run (and `summarize`) pays for nothing: judgements and summaries are cached
    calls = len(llm.chat_requests)
    second = run(folder, replay)
    assert second.returncode == 0, second.stderr
    summarized_again = invoke_cli("summarize", cwd=folder)
    assert summarized_again.returncode == 0, summarized_again.stderr
    assert len(llm.chat_requests) == calls
    assert readme_ids(folder) == new_order


def api_papers(folder: Path) -> list[dict[str, Any]]:
    """``/api/papers`` of the feed server over the folder's store (in process, over ASGI)."""
    from arxiv_radar.server import create_app

    config = load_config(folder / "arxiv-radar.toml", env={})

    async def get() -> Any:
        app = create_app(config, str(folder / "arxiv-radar.db"), env={}, state_ttl=0.0)
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                response = await client.get("/api/papers", params={"date": DAY})
        finally:
            app.state.data.close()
        assert response.status_code == 200, response.text
        return response.json()["papers"]

    papers: list[dict[str, Any]] = anyio.run(get)
    return papers


def stored_day(store: Store) -> Any:
    day = store.latest_announcement_date()
    assert day is not None and day.isoformat() == DAY
    return day


def test_the_rerank_counts_in_the_summary_budget(
    folder: Path, replay: ReplayServer, llm: OpenAIServer
) -> None:
    plain = plain_order(folder)
    configure(folder, llm, extra="\n[summaries.budget]\nmax_tokens = 60\n")
    llm.respond(responder(plain[:3], [5, 5, 5], ["A.", "B.", "C."]))

    result = run(folder, replay)
    assert result.returncode == 0, result.stderr
    assert len([r for r in llm.chat_requests if is_rerank(r)]) == 3  # started together
    assert [r for r in llm.chat_requests if not is_rerank(r)] == []  # nothing left for them
    report = json.loads((folder / f"reports/run-{DAY}.json").read_text(encoding="utf-8"))
    assert report["summary_calls"] == 0 and report["tokens_in"] > 60
    assert any(
        w.startswith("summary budget reached (") and "tokens used" in w for w in report["warnings"]
    )


def test_off_by_default_no_rerank_call_and_no_new_field(
    folder: Path, replay: ReplayServer, llm: OpenAIServer
) -> None:
    configure(folder, llm, rerank=0)
    llm.respond(lambda request: Reply(text=SUMMARY))
    result = run(folder, replay)
    assert result.returncode == 0, result.stderr
    assert len(llm.chat_requests) == 2 and not any(is_rerank(r) for r in llm.chat_requests)
    assert "LLM Relevance" not in (folder / "README.md").read_text(encoding="utf-8")
    data = json.loads((folder / "site/data.json").read_text(encoding="utf-8"))
    assert all("rerank" not in paper["explanation"] for paper in data["papers"])
    assert "LLM rerank" not in result.stdout


def test_without_an_llm_the_ranking_stays_as_scored_and_the_run_says_why(
    folder: Path, replay: ReplayServer
) -> None:
    plain = plain_order(folder)
    configure(folder, None)
    result = run(folder, replay)
    assert result.returncode == 0, result.stderr
    assert readme_ids(folder) == [paper["arxiv_id"] for paper in plain]
    report = json.loads((folder / f"reports/run-{DAY}.json").read_text(encoding="utf-8"))
    assert any(
        "rerank = 3: the ranking is not reranked, because the [summaries] provider is "
        "extractive" in w
        for w in report["warnings"]
    )
    for command in ("rank", "summarize"):
        said = invoke_cli(command, cwd=folder)
        assert said.returncode == 0, said.stderr
        assert "rerank = 3: the ranking is not reranked, because" in " ".join(said.stderr.split())


def test_no_summaries_still_reranks(folder: Path, replay: ReplayServer, llm: OpenAIServer) -> None:
    plain = plain_order(folder)
    configure(folder, llm)
    llm.respond(responder(plain[:3], [1, 1, 8], ["A.", "B.", "C."]))
    result = run(folder, replay, "--no-summaries")
    assert result.returncode == 0, result.stderr
    assert len(llm.chat_requests) == 3 and all(is_rerank(r) for r in llm.chat_requests)
    assert readme_ids(folder)[0] == plain[2]["arxiv_id"]
    report = json.loads((folder / f"reports/run-{DAY}.json").read_text(encoding="utf-8"))
    assert report["tokens_in"] > 0 and report["summary_calls"] == 0


def test_a_dry_run_and_rank_no_rerank_call_no_model(
    folder: Path, replay: ReplayServer, llm: OpenAIServer
) -> None:
    configure(folder, llm)
    dry = run(folder, replay, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "dry run: no model is called" in " ".join(dry.stderr.split())
    plain = invoke_cli("rank", "--no-rerank", cwd=folder)
    assert plain.returncode == 0, plain.stderr
    assert llm.chat_requests == []
