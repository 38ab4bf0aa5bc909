"""Running many summary calls: the concurrency bound, failures, token and cost accounting,
and the budget, against a real local HTTP server."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest

from arxiv_radar.config import BudgetConfig, SummaryConfig
from arxiv_radar.errors import ConfigError
from arxiv_radar.summarize.llm import LLM_RETRY, ChatClient, Completion, LLMError
from arxiv_radar.summarize.runner import (
    Budget,
    Job,
    JobOutcome,
    OutcomeStatus,
    Price,
    RunResult,
    run_summaries,
)

from openai_server import OpenAIServer, RecordedRequest, Reply

CALL_SECONDS = 0.2


@pytest.fixture
def server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as running:
        yield running


def make_jobs(count: int) -> list[Job]:
    return [
        Job(id=f"2401.{i:05d}", messages=[{"role": "user", "content": f"paper {i}"}], payload=i)
        for i in range(count)
    ]


def run_with_client(
    server: OpenAIServer,
    jobs: list[Job],
    *,
    wrap: Callable[[ChatClient, Job], Awaitable[Completion]] | None = None,
    max_retries: int = 0,
    **options: Any,
) -> RunResult:
    """run_summaries over a ChatClient talking to ``server``, on a fresh event loop."""

    async def scenario() -> RunResult:
        client = ChatClient(
            base_url=server.base_url,
            model="qwen-long",
            retry=replace(LLM_RETRY, max_retries=max_retries, base=0.01),
        )
        async with client:

            async def call(job: Job) -> Completion:
                if wrap is not None:
                    return await wrap(client, job)
                return await client.complete(job.messages)

            return await run_summaries(jobs, call, **options)

    return asyncio.run(scenario())


def fixed_usage(tokens_in: int, tokens_out: int) -> Callable[[RecordedRequest], Reply]:
    return lambda request: Reply(
        text=f"summary of {request.last_user_message}", tokens_in=tokens_in, tokens_out=tokens_out
    )


# ---------------------------------------------------------------- concurrency


def test_at_most_concurrency_calls_are_in_flight(server: OpenAIServer) -> None:
    run_with_client(server, make_jobs(1), concurrency=1)  # the SDK's first call is slower
    server.reset()
    server.latency = CALL_SECONDS
    result = run_with_client(server, make_jobs(20), concurrency=4)
    assert server.max_in_flight == 4
    assert (result.calls, result.succeeded, result.failures, result.skipped_by_budget) == (
        20,
        20,
        0,
        0,
    )
    # 20 calls, 4 at a time, 0.2 s each: at least 5 rounds (how fast: bench/summarize.py).
    assert result.seconds >= 5 * CALL_SECONDS * 0.95
    assert [o.job.payload for o in result.outcomes] == list(range(20))
    assert all(o.completion and o.completion.text.endswith(f"Summary of: paper {i}")
               for i, o in enumerate(result.outcomes))  # fmt: skip


def test_jobs_start_in_order(server: OpenAIServer) -> None:
    server.latency = 0.02
    run_with_client(server, make_jobs(12), concurrency=3)
    contents = [r.last_user_message for r in server.chat_requests]
    # Arrival order can differ by a hair within one round, never across rounds.
    rounds = [sorted(contents[i : i + 3]) for i in range(0, 12, 3)]
    assert rounds == [sorted(f"paper {j}" for j in range(i, i + 3)) for i in range(0, 12, 3)]


# ---------------------------------------------------------------- failures


def test_a_failing_job_never_blocks_the_others(server: OpenAIServer) -> None:
    def responder(request: RecordedRequest) -> Reply:
        if request.last_user_message == "paper 2":
            return Reply.error(400, "input too long")
        return Reply(text="ok", delay=CALL_SECONDS)

    server.respond(responder)

    async def wrap(client: ChatClient, job: Job) -> Completion:
        if job.payload == 4:
            raise RuntimeError("could not build the prompt")
        return await client.complete(job.messages)

    result = run_with_client(server, make_jobs(8), wrap=wrap, concurrency=2)
    statuses = [o.status for o in result.outcomes]
    assert (
        statuses
        == [OutcomeStatus.OK] * 2
        + [OutcomeStatus.FAILED, OutcomeStatus.OK]
        + [OutcomeStatus.FAILED]
        + [OutcomeStatus.OK] * 3
    )
    failed_llm, failed_other = result.outcomes[2], result.outcomes[4]
    assert failed_llm.error is not None and "HTTP 400: input too long" in failed_llm.error
    assert isinstance(failed_llm.exception, LLMError) and failed_llm.exception.status == 400
    assert failed_other.error == "RuntimeError: could not build the prompt"
    assert (result.calls, result.failures, result.succeeded) == (8, 2, 6)
    assert len(server.chat_requests) == 7


def test_failed_calls_count_their_attempts_and_tokens(server: OpenAIServer) -> None:
    server.respond(lambda request: Reply(choices=False, tokens_in=50, tokens_out=0))
    price = Price(input=2.0, output=8.0)
    result = run_with_client(server, make_jobs(2), concurrency=2, max_retries=3, price=price)
    assert result.failures == 2
    assert [o.attempts for o in result.outcomes] == [2, 2]  # a malformed answer: retried once
    assert (result.attempts, result.tokens_in, result.tokens_out) == (4, 200, 0)
    assert result.cost == pytest.approx(200 / 1e6 * 2.0)


# ---------------------------------------------------------------- tokens, cost, budget


def test_tokens_and_cost_are_counted_per_job_and_per_run(server: OpenAIServer) -> None:
    server.respond(fixed_usage(1000, 500))
    price = Price(input=0.5, output=2.0, currency="CNY")
    result = run_with_client(server, make_jobs(3), concurrency=3, price=price)
    for outcome in result.outcomes:
        assert (outcome.tokens_in, outcome.tokens_out, outcome.attempts) == (1000, 500, 1)
        assert outcome.cost == pytest.approx(0.0005 + 0.001)
        assert outcome.seconds >= 0
    assert (result.tokens_in, result.tokens_out, result.attempts) == (3000, 1500, 3)
    assert result.cost == pytest.approx(0.0045)
    assert result.currency == "CNY" and not result.budget_reached


def test_without_a_price_the_cost_is_zero(server: OpenAIServer) -> None:
    server.respond(fixed_usage(1000, 500))
    result = run_with_client(server, make_jobs(2), concurrency=1)
    assert (result.cost, result.currency, result.tokens_in) == (0.0, None, 2000)


def test_a_token_budget_stops_new_calls(server: OpenAIServer) -> None:
    server.respond(fixed_usage(80, 20))  # 100 tokens a call
    result = run_with_client(server, make_jobs(10), concurrency=1, budget=Budget(max_tokens=250))
    assert len(server.chat_requests) == 3  # 100, 200, 300 >= 250: no fourth call
    assert (result.calls, result.succeeded, result.skipped_by_budget) == (3, 3, 7)
    assert result.budget_reached and result.budget_reason == "300 of 250 tokens used"
    skipped = result.outcomes[3:]
    assert all(o.status is OutcomeStatus.SKIPPED and o.completion is None for o in skipped)
    assert {o.error for o in skipped} == {"skipped: budget reached (300 of 250 tokens used)"}
    assert (result.tokens_in + result.tokens_out, result.attempts) == (300, 3)


def test_calls_in_flight_finish_when_the_budget_is_reached(server: OpenAIServer) -> None:
    server.respond(fixed_usage(80, 20))
    server.latency = 0.1
    result = run_with_client(server, make_jobs(10), concurrency=4, budget=Budget(max_tokens=1))
    # The first four start before any has spent a token; they all finish, nothing else starts.
    assert (result.calls, result.succeeded, result.skipped_by_budget) == (4, 4, 6)
    assert len(server.chat_requests) == 4
    assert [o.status for o in result.outcomes[:4]] == [OutcomeStatus.OK] * 4


def test_a_cost_budget_stops_new_calls(server: OpenAIServer) -> None:
    server.respond(fixed_usage(1000, 500))  # 0.0015 CNY a call
    price = Price(input=0.5, output=2.0, currency="CNY")
    budget = Budget(max_cost=0.003)
    result = run_with_client(server, make_jobs(5), concurrency=1, budget=budget, price=price)
    assert (result.calls, result.skipped_by_budget) == (2, 3)
    assert result.budget_reason == "cost 0.0030 CNY of 0.003 CNY spent"


def test_a_cost_budget_needs_a_price() -> None:
    async def never(job: Job) -> Completion:
        raise AssertionError("not called")

    with pytest.raises(ConfigError, match="summaries.budget.max_cost") as caught:
        asyncio.run(run_summaries(make_jobs(1), never, concurrency=1, budget=Budget(max_cost=1.0)))
    assert caught.value.exit_code == 2


def test_budget_and_price_come_from_the_config() -> None:
    config = SummaryConfig(budget=BudgetConfig(max_tokens=5000, max_cost=2.5))
    assert Budget.from_config(config.budget) == Budget(max_tokens=5000, max_cost=2.5)
    assert Budget.from_config(SummaryConfig().budget) == Budget()
    qwen = config.price_for("qwen-long")
    assert qwen is not None and Price.from_config(qwen) == Price(0.5, 2.0, "CNY")
    mini = config.price_for("gpt-4o-mini")
    assert mini is not None and Price.from_config(mini) == Price(0.15, 0.6, "USD")
    assert config.price_for("no-such-model") is None
    assert Price(0.27, 1.1).cost(2_000_000, 1_000_000) == pytest.approx(0.54 + 1.1)


# ---------------------------------------------------------------- progress and edges


def test_progress_is_reported_for_every_job(server: OpenAIServer) -> None:
    server.respond(fixed_usage(80, 20))
    seen: list[JobOutcome] = []
    result = run_with_client(
        server, make_jobs(5), concurrency=2, budget=Budget(max_tokens=150), on_progress=seen.append
    )
    assert sorted(o.job.id for o in seen) == sorted(o.job.id for o in result.outcomes)
    assert {o.status for o in seen} == {OutcomeStatus.OK, OutcomeStatus.SKIPPED}


def test_no_jobs_is_an_empty_result() -> None:
    async def never(job: Job) -> Completion:
        raise AssertionError("not called")

    result = asyncio.run(run_summaries([], never, concurrency=4))
    assert (result.outcomes, result.calls, result.cost, result.budget_reached) == (
        (),
        0,
        0.0,
        False,
    )
    with pytest.raises(ValueError, match="concurrency"):
        asyncio.run(run_summaries([], never, concurrency=0))
