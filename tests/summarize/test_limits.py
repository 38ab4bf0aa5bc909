"""The limits every model call goes through: in one process (:class:`LocalLimits`, what a run
has always done) and shared by processes through a real redis-server (:class:`RedisLimits`).

The processes are real: ``limits_child.py`` started twice, calling the local
OpenAI-compatible server together, or once and killed with SIGKILL while it holds a slot.
Bounds are measured where they cannot be flattered: calls in flight by the model server
itself, the rate by the time each call started (a sliding window over both processes), the
budget by the calls the second process did not make. The checks leave room for a busy machine
(none needs a timer finer than a quarter of a second).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from arxiv_radar.arxiv.rss import parse_listing
from arxiv_radar.config import BudgetConfig, Config, SummaryConfig, WorkersConfig
from arxiv_radar.errors import WorkersError
from arxiv_radar.store import Store
from arxiv_radar.summarize.limits import (
    BUDGET_TTL_S,
    LocalLimits,
    RedisLimits,
    Spent,
    call_limits,
    endpoint_identity,
)
from arxiv_radar.summarize.llm import LLM_RETRY, ChatClient, Completion
from arxiv_radar.summarize.runner import Budget, Job, RunResult, run_summaries
from arxiv_radar.summarize.service import summarize_configured

from openai_server import OpenAIServer, RecordedRequest, Reply
from redis_helpers import RedisServer, free_port, redis_server
from replay_server import fixture_bytes

CHILD = Path(__file__).with_name("limits_child.py")
ENDPOINT = "m@test"  # limits_child.ENDPOINT
SLACK = 0.25  # seconds a busy machine may take between the limit letting a call go and its start
MIXED = "synthetic_rss_cs.AI+cs.CL+cs.DC+cs.LG_mixed.xml"


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    with redis_server() as server:
        yield server


@pytest.fixture
def llm() -> Iterator[OpenAIServer]:
    with OpenAIServer(models=("m", "qwen-long")) as server:
        yield server


def hundred_tokens(request: RecordedRequest) -> Reply:
    return Reply(text="**TL;DR** Fine.", tokens_in=40, tokens_out=60)


def start(mode: str, settings: dict[str, Any]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(CHILD), mode, json.dumps(settings)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_together(*settings: dict[str, Any]) -> list[dict[str, Any]]:
    """Start a child per ``settings``, let them all go at once, and return what each did."""
    children = [start("run", one) for one in settings]
    try:
        for child in children:
            assert child.stdout is not None and child.stderr is not None
            assert child.stdout.readline().strip() == "ready", child.stderr.read()
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        results = []
        for child in children:
            out, err = child.communicate(timeout=120)
            assert child.returncode == 0, err
            results.append(json.loads(out.strip().splitlines()[-1]))
        return results
    finally:
        for child in children:
            if child.poll() is None:  # pragma: no cover - a failed assertion above
                child.kill()
                child.wait(timeout=10)


def most_in_any_window(started: Sequence[float], window: float) -> int:
    """The most calls that started within ``window`` seconds of each other."""
    times = sorted(started)
    return max(
        (sum(1 for t in times[i:] if t - first < window) for i, first in enumerate(times)),
        default=0,
    )


def run_with(llm: OpenAIServer, jobs: int, **options: Any) -> tuple[RunResult, list[float]]:
    """``run_summaries`` of ``jobs`` calls to ``llm`` in this process; when each call began."""
    started: list[float] = []

    async def scenario() -> RunResult:
        client = ChatClient(
            base_url=llm.base_url, model="m", retry=replace(LLM_RETRY, max_retries=0)
        )
        async with client:

            async def call(job: Job) -> Completion:
                started.append(time.time())
                return await client.complete(job.messages)

            batch = [Job(f"j{i}", [{"role": "user", "content": f"paper {i}"}]) for i in range(jobs)]
            return await run_summaries(batch, call, **options)

    return asyncio.run(scenario()), started


# ---------------------------------------------------------------- shared by processes


def test_two_processes_never_exceed_the_shared_calls_in_flight(
    redis: RedisServer, llm: OpenAIServer
) -> None:
    llm.latency = 0.15
    shared = {"redis": redis.url, "base_url": llm.base_url, "concurrency": 3, "local": 4}
    a, b = run_together({**shared, "jobs": 8, "name": "a"}, {**shared, "jobs": 8, "name": "b"})

    assert a["statuses"] == ["ok"] * 8 and b["statuses"] == ["ok"] * 8
    assert len(llm.chat_requests) == 16
    # 8 tasks wanted a slot at once (4 in each process); the model saw at most 3 calls at once
    assert 2 <= llm.max_in_flight <= 3
    # and the two processes were calling at the same time
    assert min(a["started"]) < max(b["started"]) and min(b["started"]) < max(a["started"])
    # every slot given back
    assert RedisLimits(redis.url, concurrency=3, endpoint=ENDPOINT).holders() == 0


def test_the_slot_of_a_killed_process_frees_when_its_lease_ends(redis: RedisServer) -> None:
    child = start("hold", {"redis": redis.url, "concurrency": 1, "lease": 6.0})
    try:
        assert child.stdout is not None and child.stderr is not None
        assert child.stdout.readline().strip() == "held", child.stderr.read()
    finally:
        os.kill(child.pid, signal.SIGKILL)  # no finally of its own runs: the slot stays taken
        child.communicate(timeout=10)
    limits = RedisLimits(redis.url, concurrency=1, endpoint=ENDPOINT)
    assert limits.holders() == 1  # the dead process's slot is still counted...

    async def take() -> int:
        async with limits.slot():
            return limits.holders()

    assert asyncio.run(asyncio.wait_for(take(), 30)) == 1  # ...until its lease ended
    assert limits.holders() == 0
    limits.close()


def test_a_lease_is_renewed_while_its_call_runs(redis: RedisServer) -> None:
    first = RedisLimits(redis.url, concurrency=1, endpoint="renew@test", lease=2.0)
    second = RedisLimits(redis.url, concurrency=1, endpoint="renew@test", lease=2.0)
    when: dict[str, float] = {}

    async def long_call() -> None:
        async with first.slot():
            await asyncio.sleep(5.0)  # two leases and a half
            when["released"] = time.monotonic()

    async def next_call() -> None:
        await asyncio.sleep(0.3)
        async with second.slot():
            when["taken"] = time.monotonic()

    async def both() -> None:
        await asyncio.gather(long_call(), next_call())

    asyncio.run(both())
    assert when["taken"] >= when["released"]


def test_the_rate_limit_holds_for_two_processes_together(
    redis: RedisServer, llm: OpenAIServer
) -> None:
    shared = {"redis": redis.url, "base_url": llm.base_url, "concurrency": 8, "local": 4}
    shared["rate_limit"] = "3/2 seconds"
    a, b = run_together({**shared, "jobs": 4, "name": "a"}, {**shared, "jobs": 4, "name": "b"})

    assert a["statuses"] == ["ok"] * 4 and b["statuses"] == ["ok"] * 4
    started = a["started"] + b["started"]
    # never 4 calls within 2 seconds, from both together (each alone could make 3)
    assert most_in_any_window(started, 2.0 - SLACK) <= 3
    assert max(started) - min(started) >= 2 * 2.0 - SLACK  # 8 calls: three windows


def test_what_one_process_spends_stops_the_other(redis: RedisServer, llm: OpenAIServer) -> None:
    llm.respond(hundred_tokens)
    shared = {"redis": redis.url, "base_url": llm.base_url, "concurrency": 4}
    [first] = run_together({**shared, "scope": "run-7", "jobs": 3, "name": "a"})
    assert first["statuses"] == ["ok"] * 3
    limits = RedisLimits(redis.url, concurrency=4, endpoint=ENDPOINT, scope="run-7")
    assert limits.spent() == Spent(300, 0.0)

    [second] = run_together({**shared, "scope": "run-7", "jobs": 2, "max_tokens": 250, "name": "b"})
    assert second["statuses"] == ["skipped"] * 2
    assert "300 of 250 tokens used" in second["budget_reason"]
    assert len(llm.chat_requests) == 3  # the second process called nothing

    # another scope has its own budget
    [other] = run_together({**shared, "scope": "run-8", "jobs": 2, "max_tokens": 250, "name": "c"})
    assert other["statuses"] == ["ok"] * 2
    # kept two days after the last charge
    import redis as redis_py

    client = redis_py.Redis.from_url(redis.url)
    assert BUDGET_TTL_S - 60 < client.ttl("arxiv-radar:budget:run-7") <= BUDGET_TTL_S
    client.close()
    limits.close()


def test_summarize_configured_goes_through_the_brokers_limits(
    redis: RedisServer, llm: OpenAIServer, tmp_path: Path
) -> None:
    llm.respond(hundred_tokens)
    config = Config(
        summaries=SummaryConfig(
            provider="dashscope",
            base_url=llm.base_url,
            language="en",
            max_retries=0,
            concurrency=2,
            budget=BudgetConfig(max_tokens=250),
        ),
        workers=WorkersConfig(broker=redis.url),
    )
    env = {"DASHSCOPE_API_KEY": "sk-test"}
    papers = [entry.paper for entry in parse_listing(fixture_bytes(MIXED)).entries][:2]
    with Store.open(str(tmp_path / "radar.db")) as store:
        store.ingest(parse_listing(fixture_bytes(MIXED)).entries)
        run = call_limits(config, scope="run-1")
        assert isinstance(run, RedisLimits)
        run.charge(300, 0.0)  # what the other workers of run-1 spent
        report = summarize_configured(papers, config=config, store=store, env=env, limits=run)
        assert [o.status for o in report.outcomes] == ["skipped", "skipped"]
        assert llm.chat_requests == []
        # by default: the broker's slots and rate, and spending of its own
        report = summarize_configured(papers, config=config, store=store, env=env)
        assert [o.status for o in report.outcomes] == ["incomplete", "incomplete"]
        assert run.holders() == 0
        run.close()


# ---------------------------------------------------------------- when Redis does not answer


def test_a_redis_that_does_not_answer_is_a_workers_error() -> None:
    url = f"redis://:s3cret@127.0.0.1:{free_port()}/0"
    with pytest.raises(WorkersError) as info:
        call_limits(Config(workers=WorkersConfig(broker=url)))
    message = str(info.value)
    assert info.value.exit_code == 8
    assert f"127.0.0.1:{url.rsplit(':', 1)[1]}" in message and "s3cret" not in message
    assert "[workers] broker" in message and "start Redis" in message


def test_a_redis_gone_in_the_middle_ends_the_run_with_a_workers_error(
    redis: RedisServer, llm: OpenAIServer
) -> None:
    limits = RedisLimits(redis.url, concurrency=2, endpoint=ENDPOINT)
    limits.check()
    redis.stop()
    with pytest.raises(WorkersError, match="cannot reach the Redis"):  # not an ExceptionGroup
        run_with(llm, 3, concurrency=2, limits=limits)
    assert llm.chat_requests == []
    limits.close()


# ---------------------------------------------------------------- in one process


def test_without_a_broker_the_limits_are_the_processs_own() -> None:
    config = Config(summaries=SummaryConfig(concurrency=3, rate_limit="5/second"))
    limits = call_limits(config, scope="run-1")
    assert isinstance(limits, LocalLimits)
    assert (limits.concurrency, limits.rate_limit) == (3, "5/second")


def test_local_limits_bound_the_calls_in_flight_across_runs(llm: OpenAIServer) -> None:
    llm.latency = 0.1
    limits = LocalLimits(2)
    result, _ = run_with(llm, 6, concurrency=5, limits=limits)
    assert result.succeeded == 6 and llm.max_in_flight == 2


def test_local_limits_hold_the_rate(llm: OpenAIServer) -> None:
    result, started = run_with(llm, 5, concurrency=5, limits=LocalLimits(5, rate_limit="2/second"))
    assert result.succeeded == 5
    assert most_in_any_window(started, 1.0 - SLACK) <= 2
    assert max(started) - min(started) >= 2 * 1.0 - SLACK


def test_local_limits_carry_what_was_spent_from_one_run_to_the_next(llm: OpenAIServer) -> None:
    llm.respond(hundred_tokens)
    limits = LocalLimits(1)
    budget = Budget(max_tokens=250)
    first, _ = run_with(llm, 4, concurrency=1, budget=budget, limits=limits)
    assert [o.status.value for o in first.outcomes] == ["ok", "ok", "ok", "skipped"]
    assert limits.spent() == Spent(300, 0.0)
    second, _ = run_with(llm, 2, concurrency=1, budget=budget, limits=limits)
    assert second.skipped_by_budget == 2 and len(llm.chat_requests) == 3
    # without limits given, each run has its own (the behaviour of every run so far)
    fresh, _ = run_with(llm, 2, concurrency=1, budget=budget)
    assert fresh.succeeded == 2


def test_the_spent_before_adds_to_what_the_limits_spent(llm: OpenAIServer) -> None:
    llm.respond(hundred_tokens)
    limits = LocalLimits(1)
    limits.charge(100, 0.0)
    result, _ = run_with(
        llm, 3, concurrency=1, budget=Budget(max_tokens=250), spent=Spent(100), limits=limits
    )
    assert [o.status.value for o in result.outcomes] == ["ok", "skipped", "skipped"]
    assert result.budget_reason == "300 of 250 tokens used"


@pytest.mark.parametrize(
    ("one", "other", "same"),
    [
        ({"provider": "auto"}, {"provider": "dashscope"}, True),
        ({"provider": "openai"}, {"provider": "openai", "model": "gpt-4o-mini"}, True),
        ({"provider": "openai"}, {"provider": "deepseek"}, False),
        (
            {"provider": "openai-compatible", "base_url": "http://a:1/v1", "model": "m"},
            {"provider": "openai-compatible", "base_url": "http://b:1/v1", "model": "m"},
            False,
        ),
        (
            {"provider": "openai-compatible", "base_url": "http://a:1/v1", "model": "m"},
            {"provider": "auto", "base_url": "http://a:1/v1/", "model": "m"},
            True,
        ),
    ],
)
def test_one_model_at_one_url_is_one_set_of_limits(
    one: dict[str, Any], other: dict[str, Any], same: bool
) -> None:
    first = endpoint_identity(SummaryConfig.model_validate(one))
    second = endpoint_identity(SummaryConfig.model_validate(other))
    assert (first == second) is same, (first, second)
