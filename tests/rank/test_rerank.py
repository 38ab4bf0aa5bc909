"""The optional LLM rerank (rank/rerank.py), through the rank stage, against a real
OpenAI-compatible server on 127.0.0.1 and a real SQLite store: the top K reordered by the
model's relevance and explained; each paper version judged once (the server counts the
calls); failures stored and judged again on the next run; the budget; answers read robustly;
off by default."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arxiv_radar.config import Config, ProfileConfig, SummaryConfig
from arxiv_radar.models import Announcement, AnnounceType, ListingEntry, Paper
from arxiv_radar.rank.ranker import DayRanking, rank_day
from arxiv_radar.rank.rerank import (
    SYSTEM_PROMPT,
    Judge,
    NoJudge,
    parse_answer,
    prompt_hash,
    resolve_judge,
)
from arxiv_radar.runtime import build_judge
from arxiv_radar.schemas import ExplanationOut, RankedPaperOut, dump_json
from arxiv_radar.store import Store
from arxiv_radar.store.rankings import RANKING_REVISION, config_hash
from arxiv_radar.store.tables import reranks
from arxiv_radar.summarize.limits import RedisLimits

from openai_server import OpenAIServer, RecordedRequest, Reply
from redis_helpers import redis_server

DAY = dt.date(2024, 5, 6)
PAPERS = {  # id: (title, abstract); the keyword scores put them in this order
    "2405.00001": ("LLM serving with a transformer and a KV cache", "An LLM paper."),
    "2405.00002": ("KV cache eviction for LLM inference", "A transformer trick."),
    "2405.00003": ("Transformer pruning", "We prune an LLM."),
    "2405.00004": ("A transformer for graphs", "Graphs."),
    "2405.00005": ("Graph colouring", "No keyword here, but the LLM is mentioned."),
}
PROFILE = ProfileConfig.model_validate(
    {
        "keywords": ["transformer", "LLM", "kv cache"],
        "interests": [],
        "rerank": 3,
        "max_papers": 5,
    }
)


def entry(arxiv_id: str) -> ListingEntry:
    title, abstract = PAPERS[arxiv_id]
    paper = Paper(
        arxiv_id=arxiv_id,
        version=1,
        title=title,
        abstract=abstract,
        authors=("Ada Lovelace",),
        categories=("cs.LG",),
        primary_category="cs.LG",
    )
    announcement = Announcement(
        arxiv_id=arxiv_id, version=1, announced_on=DAY, announce_type=AnnounceType.NEW, feed="rss"
    )
    return ListingEntry(paper=paper, announcement=announcement)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(str(tmp_path / "radar.db")) as opened:
        opened.ingest([entry(arxiv_id) for arxiv_id in PAPERS])
        yield opened


@pytest.fixture
def llm() -> Iterator[OpenAIServer]:
    with OpenAIServer(models=("judge",)) as server:
        yield server


def judge_of(server: OpenAIServer, **settings: object) -> Judge:
    config = SummaryConfig.model_validate(
        {
            "provider": "openai-compatible",
            "base_url": server.base_url,
            "model": "judge",
            "max_retries": 0,
            **settings,
        }
    )
    judge = resolve_judge(config, env={})
    assert isinstance(judge, Judge)
    return judge


def paper_of(request: RecordedRequest) -> str:
    """The arXiv id of the paper a rerank request is about (found by its title)."""
    text = request.last_user_message
    return next(pid for pid, (title, _) in PAPERS.items() if f"Title: {title}\n" in text)


def answering(
    relevance: dict[str, int], reason: str = "Close to the reader's work."
) -> Callable[[RecordedRequest], Reply]:
    def respond(request: RecordedRequest) -> Reply:
        arxiv_id = paper_of(request)
        return Reply(text=json.dumps({"relevance": relevance[arxiv_id], "reason": reason}))

    return respond


def order(ranking: DayRanking) -> list[str]:
    return [item.paper.arxiv_id for item in ranking.ranked]


def test_the_top_k_are_reordered_by_the_llm_and_explained(store: Store, llm: OpenAIServer) -> None:
    plain = rank_day(store, "default", PROFILE.model_copy(update={"rerank": 0}), day=DAY)
    assert order(plain) == ["2405.00001", "2405.00002", "2405.00003", "2405.00004", "2405.00005"]
    # 3rd judged best, 1st and 2nd tied: they keep their order by score; below K unchanged
    llm.respond(answering({"2405.00001": 4, "2405.00002": 4, "2405.00003": 9}))

    ranking = rank_day(store, "default", PROFILE, day=DAY, judge=judge_of(llm))

    assert order(ranking) == ["2405.00003", "2405.00001", "2405.00002", "2405.00004", "2405.00005"]
    assert [item.rank for item in ranking.ranked] == [1, 2, 3, 4, 5]
    assert [item.score for item in ranking.ranked[:3]] == [
        plain.ranked[2].score,
        plain.ranked[0].score,
        plain.ranked[1].score,
    ]  # the scores stay the keyword scores; only the order changes
    first = ranking.ranked[0].explanation.rerank
    assert first is not None and first.relevance == 9 and first.model == "openai-compatible:judge"
    assert first.reason == "Close to the reader's work."
    assert ranking.explanations["2405.00003"].rerank == first
    assert all(item.explanation.rerank is None for item in ranking.ranked[3:])
    assert "; LLM relevance 9/10: Close to the reader's work." in (
        ranking.ranked[0].explanation.describe()
    )
    assert ranking.rerank is not None and ranking.rerank.calls == 3
    assert ranking.rerank.cache_hits == 0 and ranking.rerank.failures == 0

    # one call per paper: the reader's keywords, the paper's title and abstract, as data
    requests = llm.chat_requests
    assert len(requests) == 3
    assert {paper_of(request) for request in requests} == {"2405.00001", "2405.00002", "2405.00003"}
    body = requests[0].body
    assert body["temperature"] == 0.0 and body["max_tokens"] == 256
    assert body["messages"][0] == {"role": "system", "content": SYSTEM_PROMPT}
    assert "The reader's keywords: transformer, LLM, kv cache" in requests[0].last_user_message

    # the store is the source of truth: the reranked order is the stored ranking
    stored = store.ranking("default", DAY, config_hash(PROFILE))
    assert stored is not None
    assert [e.arxiv_id for e in stored.entries if e.rank is not None] == order(ranking)
    # and every JSON output shows the judgement, once
    shown = json.loads(dump_json([RankedPaperOut.of_ranked(item) for item in ranking.ranked]))
    assert shown[0]["explanation"]["rerank"] == {
        "relevance": 9,
        "reason": "Close to the reader's work.",
        "model": "openai-compatible:judge",
    }
    assert "rerank" not in shown[3]["explanation"]


def test_with_a_broker_the_judges_calls_share_the_limits_of_every_process(store: Store) -> None:
    with redis_server() as redis, OpenAIServer(latency=0.3, models=("judge",)) as slow:
        slow.respond(answering({"2405.00001": 4, "2405.00002": 4, "2405.00003": 9}))
        config = Config.model_validate(
            {
                "summaries": {
                    "provider": "openai-compatible",
                    "base_url": slow.base_url,
                    "model": "judge",
                    "concurrency": 4,  # this process alone would make the 3 calls at once
                    "max_retries": 0,
                },
                "workers": {"broker": redis.url},
                "profiles": {"default": PROFILE.model_dump()},
            }
        )
        judge = build_judge(config, env={})
        assert isinstance(judge, Judge) and judge.limits is not None
        shared = judge.limits()
        assert isinstance(shared, RedisLimits)
        shared.close()
        # Every process together may have one call in flight: the judge's three wait their turn.
        one = dataclasses.replace(
            judge,
            limits=lambda: RedisLimits(redis.url, concurrency=1, endpoint=shared.endpoint),
        )
        ranking = rank_day(store, "default", PROFILE, day=DAY, judge=one)
        assert ranking.rerank is not None and ranking.rerank.calls == 3
        assert slow.max_in_flight == 1


def test_a_judged_paper_version_is_never_paid_for_again(store: Store, llm: OpenAIServer) -> None:
    llm.respond(answering({"2405.00001": 1, "2405.00002": 8, "2405.00003": 5}))
    judge = judge_of(llm)
    first = rank_day(store, "default", PROFILE, day=DAY, judge=judge)
    assert len(llm.chat_requests) == 3

    again = rank_day(store, "default", PROFILE, day=DAY, judge=judge)  # the stored ranking
    assert again.rerank is None and order(again) == order(first)
    # another ranking setting ranks the day again: the judgements come from their cache
    wider = PROFILE.model_copy(update={"max_papers": 4})
    other = rank_day(store, "default", wider, day=DAY, judge=judge)
    assert other.rerank is not None and other.rerank.cache_hits == 3 and other.rerank.calls == 0
    assert order(other) == order(first)[:4]
    assert len(llm.chat_requests) == 3  # not one more call

    # another model judges anew: the stored ranking was judged by the first one
    other_model = judge_of(llm, model="judge-2")
    by_other = rank_day(store, "default", PROFILE, day=DAY, judge=other_model)
    assert by_other.rerank is not None and by_other.rerank.calls == 3
    assert by_other.ranked[0].explanation.rerank is not None
    assert by_other.ranked[0].explanation.rerank.model == "openai-compatible:judge-2"
    assert len(llm.chat_requests) == 6
    judge = other_model

    # a new version of a paper is judged anew, alone
    store.ingest([entry_v2("2405.00002")])
    newer = rank_day(store, "default", PROFILE, day=DAY, judge=judge)
    assert newer.rerank is not None and newer.rerank.calls == 1
    assert len(llm.chat_requests) == 7


def entry_v2(arxiv_id: str) -> ListingEntry:
    old = entry(arxiv_id)
    paper = old.paper.model_copy(update={"version": 2})
    announcement = old.announcement.model_copy(update={"version": 2})
    return ListingEntry(paper=paper, announcement=announcement)


def test_failures_are_stored_and_judged_again_on_the_next_run(
    store: Store, llm: OpenAIServer
) -> None:
    def flaky(request: RecordedRequest) -> Reply:
        arxiv_id = paper_of(request)
        if arxiv_id == "2405.00001":
            return Reply.error(400, "bad request")
        if arxiv_id == "2405.00002":
            return Reply(text="I would rather not say.")
        return Reply(text='{"relevance": 7, "reason": "Pruning."}')

    llm.respond(flaky)
    judge = judge_of(llm)
    ranking = rank_day(store, "default", PROFILE, day=DAY, judge=judge)

    # the judged paper first, then those the model could not judge, in their order
    assert order(ranking)[:3] == ["2405.00003", "2405.00001", "2405.00002"]
    report = ranking.rerank
    assert report is not None and report.calls == 3 and report.failures == 2
    warnings = report.warnings()
    assert any(w.startswith("rerank of 2405.00001 failed: ") and "400" in w for w in warnings)
    assert any("2405.00002 failed: the answer holds no relevance" in w for w in warnings)
    with store._engine.connect() as conn:  # type: ignore[union-attr]
        rows = {row.arxiv_id: row for row in conn.execute(reranks.select())}
    assert {pid: rows[pid].status for pid in rows} == {
        "2405.00001": "failed",
        "2405.00002": "failed",
        "2405.00003": "ok",
    }
    assert rows["2405.00002"].relevance is None and rows["2405.00002"].error
    assert rows["2405.00002"].tokens_out > 0  # the unusable answer was paid for: counted

    # the next run judges again only what failed, and the stored ranking is replaced
    llm.respond(answering({"2405.00001": 10, "2405.00002": 2}))
    later = rank_day(store, "default", PROFILE, day=DAY, judge=judge)
    assert later.rerank is not None and later.rerank.calls == 2 and later.rerank.cache_hits == 1
    assert order(later)[:3] == ["2405.00001", "2405.00003", "2405.00002"]
    assert len(llm.chat_requests) == 5
    assert rank_day(store, "default", PROFILE, day=DAY, judge=judge).rerank is None


def test_the_budget_stops_new_calls_and_leaves_the_rest_for_later(
    store: Store, llm: OpenAIServer
) -> None:
    llm.respond(answering({"2405.00001": 3, "2405.00002": 9, "2405.00003": 6}))
    tight = judge_of(llm, concurrency=1, budget={"max_tokens": 10})
    ranking = rank_day(store, "default", PROFILE, day=DAY, judge=tight)
    report = ranking.rerank
    assert report is not None and report.calls == 1 and report.skipped == 2
    assert report.budget_reason is not None and "of 10 tokens used" in report.budget_reason
    assert report.spent.tokens == report.tokens_in + report.tokens_out > 10
    assert any("summary budget reached during the LLM rerank" in w for w in report.warnings())
    assert len(llm.chat_requests) == 1
    with store._engine.connect() as conn:  # type: ignore[union-attr]
        assert len(list(conn.execute(reranks.select()))) == 1  # skipped papers are not stored


def test_an_api_key_echoed_by_the_endpoint_is_never_stored(store: Store, llm: OpenAIServer) -> None:
    secret = "sk-rerank-secret-0123456789"
    llm.respond(lambda request: Reply(text=f'{{"relevance": 5, "reason": "key {secret}"}}'))
    config = SummaryConfig.model_validate(
        {
            "provider": "openai-compatible",
            "base_url": llm.base_url,
            "model": "judge",
            "api_key_env": "MY_LLM_KEY",
        }
    )
    judge = resolve_judge(config, env={"MY_LLM_KEY": secret})
    assert isinstance(judge, Judge)
    ranking = rank_day(store, "default", PROFILE, day=DAY, judge=judge)
    assert llm.chat_requests[0].headers["authorization"] == f"Bearer {secret}"
    reasons = [item.explanation.rerank.reason for item in ranking.ranked[:3]]  # type: ignore[union-attr]
    assert reasons == ["key ***"] * 3
    with store._engine.connect() as conn:  # type: ignore[union-attr]
        assert all(secret not in (row.reason or "") for row in conn.execute(reranks.select()))


def test_off_by_default_and_with_no_llm_nothing_is_called(store: Store, llm: OpenAIServer) -> None:
    off = ProfileConfig.model_validate({"keywords": ["transformer", "LLM", "kv cache"]})
    assert off.rerank == 0
    ranking = rank_day(store, "default", off, day=DAY, judge=judge_of(llm))
    assert ranking.rerank is None and llm.chat_requests == []
    assert all(item.explanation.rerank is None for item in ranking.ranked)
    assert "rerank" not in json.loads(
        ExplanationOut.of(ranking.ranked[0].explanation).model_dump_json()
    )
    assert "rerank" not in ranking.ranked[0].explanation.model_dump_json()
    # off leaves the ranking key as it was before the setting existed; on changes it
    assert config_hash(off) == key_before_rerank(off)
    assert config_hash(off.model_copy(update={"rerank": 3})) != config_hash(off)

    assert isinstance(resolve_judge(SummaryConfig(provider="extractive"), env={}), NoJudge)
    missing = resolve_judge(SummaryConfig(), env={})  # auto without DASHSCOPE_API_KEY
    assert isinstance(missing, NoJudge) and "DASHSCOPE_API_KEY is not set" in missing.reason
    unusable = resolve_judge(SummaryConfig(provider="openai"), env={})
    assert isinstance(unusable, NoJudge) and "OPENAI_API_KEY" in unusable.reason


def key_before_rerank(profile: ProfileConfig) -> str:
    """``config_hash`` as it was computed before the ``rerank`` setting existed."""
    settings = profile.model_dump(mode="json")
    settings.pop("rerank")
    settings["mode"] = profile.mode
    document = {"revision": RANKING_REVISION, "profile": settings}
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def test_the_prompt_hash_follows_the_interests_and_keywords() -> None:
    base = prompt_hash(PROFILE)
    assert prompt_hash(PROFILE.model_copy(update={"max_papers": 9})) == base
    assert prompt_hash(PROFILE.model_copy(update={"keywords": ["transformer"]})) != base
    assert prompt_hash(PROFILE.model_copy(update={"interests": ["Serving LLMs."]})) != base


@pytest.mark.parametrize(
    ("answer", "relevance", "reason"),
    [
        ('{"relevance": 8, "reason": "On KV caches."}', 8, "On KV caches."),
        ('```json\n{"relevance": 3, "reason": "Tangential."}\n```', 3, "Tangential."),
        (
            'Sure! Here it is: {"reason": "Spot on.", "relevance": "10"} Hope it helps.',
            10,
            "Spot on.",
        ),
        ('{"Relevance": 7.6}', 8, None),
        ('{"relevance": 15, "reason": "Very!"}', 10, "Very!"),
        ('{"relevance": -2, "reason": "No."}', 0, "No."),
        ('{"note": {"x": 1}} {"relevance": 4, "reason": "  two\nlines\u202e "}', 4, "two lines"),
        ("relevance: 6\nreason: it is close", 6, None),
        ('{"relevance": 5, "reason": "cut', 5, None),
        ('"relevance": 5, "reason": "said \\"so\\""', 5, 'said "so"'),
    ],
)
def test_answers_are_read_robustly(answer: str, relevance: int, reason: str | None) -> None:
    assert parse_answer(answer) == (relevance, reason)


@pytest.mark.parametrize(
    "answer",
    ["I cannot judge this.", '{"relevance": true}', '{"relevance": "high"}', '{"score": 7}', ""],
)
def test_an_answer_without_a_relevance_is_refused(answer: str) -> None:
    with pytest.raises(ValueError, match="relevance"):
        parse_answer(answer)


def test_a_long_reason_is_cut_to_one_line() -> None:
    _, reason = parse_answer(json.dumps({"relevance": 5, "reason": "word " * 200}))
    assert reason is not None and len(reason) <= 300 and reason.endswith("…")
    assert "\n" not in reason


@given(st.text())
def test_any_answer_gives_a_judgement_or_a_value_error(answer: str) -> None:
    try:
        relevance, reason = parse_answer(answer)
    except ValueError:
        return
    assert 0 <= relevance <= 10
    assert reason is None or (
        reason.strip() == reason and not re.search(r"[\n\r\x00-\x1f]", reason)
    )
