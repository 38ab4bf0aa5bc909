"""The OpenAI-compatible client against a real local HTTP server: answers, usage, retries."""

from __future__ import annotations

import asyncio
import email.utils
import logging
import socket
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import pytest

from arxiv_radar.config import SummaryConfig
from arxiv_radar.net import RetryPolicy
from arxiv_radar.summarize.llm import ChatClient, Completion, LLMError
from arxiv_radar.summarize.providers import EXTRACTIVE, ProviderSpec

from openai_server import OpenAIServer, RecordedRequest, Reply

T = TypeVar("T")
CANARY = "sk-canary-7d1f0c9e4b2a"
MESSAGES = [
    {"role": "system", "content": "You summarize papers."},
    {"role": "user", "content": "A title"},
]


@pytest.fixture
def server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as running:
        yield running


def client_for(server: OpenAIServer, **options: Any) -> ChatClient:
    """Keyword arguments of :class:`ChatClient`, or fields of its :class:`RetryPolicy`."""
    retry: dict[str, Any] = {"max_retries": 3, "base": 0.01, "cap": 0.05, "max_wait": 300.0}
    for name in [key for key in options if key in RetryPolicy.__dataclass_fields__]:
        retry[name] = options.pop(name)
    settings: dict[str, Any] = {
        "base_url": server.base_url,
        "model": "qwen-long",
        "api_key": "sk-test",
        "timeout": 5.0,
        "retry": RetryPolicy(**retry),
    }
    settings.update(options)
    return ChatClient(**settings)


def complete(client: ChatClient, **options: Any) -> Completion:
    """One completion on a fresh event loop; the client is closed afterwards."""

    async def scenario() -> Completion:
        async with client:
            return await client.complete(MESSAGES, **options)

    return asyncio.run(scenario())


def failure(client: ChatClient) -> LLMError:
    with pytest.raises(LLMError) as caught:
        complete(client)
    return caught.value


def run(make: Callable[[], Awaitable[T]]) -> T:
    async def scenario() -> T:
        return await make()

    return asyncio.run(scenario())


# ---------------------------------------------------------------- answers


def test_a_completion_carries_text_usage_model_and_finish_reason(server: OpenAIServer) -> None:
    server.queue(
        Reply(text="## 1. Contributions", tokens_in=120, tokens_out=30, finish_reason="length",
              model="qwen-long-2025-01-25")
    )  # fmt: skip
    result = complete(client_for(server))
    assert result == Completion(
        text="## 1. Contributions",
        tokens_in=120,
        tokens_out=30,
        model="qwen-long-2025-01-25",
        finish_reason="length",
        usage_missing=False,
        attempts=1,
    )
    (request,) = server.chat_requests
    assert request.body["model"] == "qwen-long"
    assert request.body["messages"] == MESSAGES
    assert request.body["temperature"] == 0.3
    assert "max_tokens" not in request.body
    assert request.headers["authorization"] == "Bearer sk-test"


def test_temperature_and_max_tokens_are_sent(server: OpenAIServer) -> None:
    complete(client_for(server), temperature=0.0, max_tokens=800)
    (request,) = server.chat_requests
    assert (request.body["temperature"], request.body["max_tokens"]) == (0.0, 800)


def test_an_endpoint_without_a_key_gets_a_placeholder(server: OpenAIServer) -> None:
    complete(client_for(server, api_key=None))
    assert server.chat_requests[0].headers["authorization"] == "Bearer not-needed"


def test_missing_usage_counts_zero_tokens_and_says_so(server: OpenAIServer) -> None:
    server.queue(Reply(text="fine", usage=False))
    result = complete(client_for(server))
    assert (result.text, result.tokens_in, result.tokens_out) == ("fine", 0, 0)
    assert result.usage_missing is True


def test_an_injected_http_client_is_used_and_left_open(server: OpenAIServer) -> None:
    async def scenario() -> bool:
        async with httpx.AsyncClient(headers={"X-Test": "injected"}) as http:
            async with client_for(server, http_client=http) as client:
                await client.complete(MESSAGES)
            still_open = not http.is_closed
        return still_open

    assert run(scenario) is True
    assert server.chat_requests[0].headers["x-test"] == "injected"


# ---------------------------------------------------------------- retries


def test_429_waits_as_long_as_retry_after_says(server: OpenAIServer) -> None:
    server.queue(Reply.rate_limited("1"), Reply(text="after the wait"))
    client = client_for(server)
    result = complete(client)
    assert (result.text, result.attempts, client.retries) == ("after the wait", 2, 1)
    (gap,) = server.gaps()
    assert 0.95 <= gap < 1.8  # the backoff alone would be ~0.01 s


def test_retry_after_ms_is_honoured(server: OpenAIServer) -> None:
    server.queue(Reply.rate_limited(None, retry_after_ms="400"), Reply())
    assert complete(client_for(server)).attempts == 2
    (gap,) = server.gaps()
    assert 0.38 <= gap < 1.0


def test_retry_after_as_an_http_date_is_honoured(server: OpenAIServer) -> None:
    when = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=2), usegmt=True)
    server.queue(Reply.rate_limited(when), Reply())
    assert complete(client_for(server)).attempts == 2
    (gap,) = server.gaps()
    assert 0.9 <= gap < 2.5  # the date has whole seconds


def test_a_server_error_is_retried(server: OpenAIServer) -> None:
    server.queue(Reply.error(500), Reply.error(502), Reply(text="third time"))
    client = client_for(server)
    result = complete(client)
    assert (result.text, result.attempts, client.retries, client.requests_sent) == (
        "third time",
        3,
        2,
        3,
    )


def test_a_timeout_is_retried(server: OpenAIServer) -> None:
    server.queue(Reply.slow(3.0), Reply(text="quick"))
    started = time.monotonic()
    result = complete(client_for(server, timeout=0.3))
    assert (result.text, result.attempts) == ("quick", 2)
    assert time.monotonic() - started < 2.0
    assert len(server.chat_requests) == 2


def test_a_refused_connection_is_retried_then_reported() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = ChatClient(
        base_url=f"http://127.0.0.1:{port}/v1",
        model="m",
        retry=RetryPolicy(max_retries=2, base=0.01, cap=60.0, max_wait=300.0),
    )
    error = failure(client)
    assert (error.status, error.attempts) == (None, 3)
    assert "connection failed" in str(error) and "after 3 attempts" in str(error)


def test_exhausted_retries_raise_llm_error_with_status_and_attempts(
    server: OpenAIServer,
) -> None:
    server.respond(lambda request: Reply.error(503, "overloaded"))
    error = failure(client_for(server, max_retries=2))
    assert (error.status, error.attempts, error.exit_code) == (503, 3, 5)
    assert len(server.chat_requests) == 3
    message = str(error)
    assert message.startswith(f"qwen-long at {server.base_url}: chat completion failed after 3")
    assert "HTTP 503: overloaded" in message
    assert (error.model, error.base_url) == ("qwen-long", server.base_url)


@pytest.mark.parametrize("status", [400, 404, 422])
def test_client_errors_are_not_retried(server: OpenAIServer, status: int) -> None:
    server.respond(lambda request: Reply.error(status, "model not found"))
    error = failure(client_for(server))
    assert (error.status, error.attempts) == (status, 1)
    assert len(server.chat_requests) == 1
    assert f"HTTP {status}: model not found" in str(error)


def test_a_refused_key_names_its_variable(server: OpenAIServer) -> None:
    server.respond(lambda request: Reply.error(401, "Incorrect API key provided"))
    spec = ProviderSpec("dashscope", server.base_url, "qwen-long", "sk-wrong", "DASHSCOPE_API_KEY")
    error = failure(ChatClient.from_spec(spec, SummaryConfig()))
    assert (error.status, error.attempts) == (401, 1)
    assert "check the key in DASHSCOPE_API_KEY" in str(error)


def test_a_retry_after_beyond_the_limit_fails_at_once(server: OpenAIServer) -> None:
    server.respond(lambda request: Reply.rate_limited("3600"))
    error = failure(client_for(server, max_wait=60))
    assert (error.status, error.attempts) == (429, 1)
    assert "asked to wait 3600 s" in str(error)


def test_from_spec_takes_timeout_and_retries_from_the_config(server: OpenAIServer) -> None:
    server.respond(lambda request: Reply.slow(3.0))
    spec = ProviderSpec("openai-compatible", server.base_url, "smollm2")
    client = ChatClient.from_spec(spec, SummaryConfig(timeout=0.2, max_retries=1))
    client.retry = replace(client.retry, base=0.01)
    error = failure(client)
    assert (error.status, error.attempts) == (None, 2)
    assert "no answer within 0.2 s" in str(error)
    with pytest.raises(ValueError, match="calls no endpoint"):
        ChatClient.from_spec(EXTRACTIVE, SummaryConfig())


# ---------------------------------------------------------------- malformed answers


def test_a_malformed_answer_is_retried_once(server: OpenAIServer) -> None:
    server.queue(Reply.malformed(), Reply(text="valid"))
    result = complete(client_for(server))
    assert (result.text, result.attempts) == ("valid", 2)


@pytest.mark.parametrize(
    "reply",
    [
        Reply.malformed(),
        Reply(choices=False),
        Reply(text="   "),
        Reply(body=b"<html>gateway</html>", content_type="text/html"),
        Reply(body=b'{"object": "chat.completion", "choices": "nope"}'),
    ],
    ids=["broken-json", "no-choices", "empty-text", "not-json", "wrong-shape"],
)
def test_a_malformed_answer_fails_after_one_retry(server: OpenAIServer, reply: Reply) -> None:
    server.respond(lambda request: reply)
    error = failure(client_for(server, max_retries=4))
    assert (error.status, error.attempts) == (None, 2)
    assert len(server.chat_requests) == 2
    assert "chat completion failed after 2 attempts: the answer" in str(error)


def test_tokens_of_an_answer_without_text_still_count(server: OpenAIServer) -> None:
    server.queue(
        Reply(choices=False, tokens_in=10, tokens_out=3), Reply(tokens_in=10, tokens_out=5)
    )
    result = complete(client_for(server))
    assert (result.tokens_in, result.tokens_out, result.attempts) == (20, 8, 2)
    server.respond(lambda request: Reply(text="", tokens_in=7, tokens_out=1))
    error = failure(client_for(server))
    assert (error.tokens_in, error.tokens_out) == (14, 2)


# ---------------------------------------------------------------- the key stays secret


def test_the_key_never_appears_in_repr_errors_or_logs(
    server: OpenAIServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    spec = ProviderSpec("dashscope", server.base_url, "qwen-long", CANARY, "DASHSCOPE_API_KEY")
    server.queue(Reply.error(503, f"busy, key {CANARY}"), Reply())
    client = ChatClient.from_spec(spec, SummaryConfig())
    client.retry = replace(client.retry, base=0.01)
    assert complete(client).attempts == 2
    server.respond(lambda request: Reply.error(401, f"Incorrect API key provided: {CANARY}"))
    error = failure(ChatClient.from_spec(spec, SummaryConfig()))
    assert server.chat_requests[0].headers["authorization"] == f"Bearer {CANARY}"
    assert "busy, key ***" in caplog.text and "Incorrect API key provided: ***" in str(error)
    for text in (caplog.text, str(error), repr(error), repr(client), repr(spec), str(spec)):
        assert CANARY not in text


# ---------------------------------------------------------------- uploads and the server


def test_a_file_is_uploaded_and_deleted(server: OpenAIServer) -> None:
    async def scenario() -> str:
        async with client_for(server) as client:
            file_id = await client.upload(b"%PDF-1.7 paper", "2401.01234v1.pdf")
            assert file_id in server.files
            await client.delete_file(file_id)
            return file_id

    file_id = run(scenario)
    assert server.files == {}
    upload, deletion = server.requests
    assert (upload.method, upload.path) == ("POST", "/v1/files")
    assert b'name="purpose"\r\n\r\nfile-extract' in upload.raw
    assert b'filename="2401.01234v1.pdf"' in upload.raw and b"%PDF-1.7 paper" in upload.raw
    assert (deletion.method, deletion.path) == ("DELETE", f"/v1/files/{file_id}")


def test_the_server_lists_models_and_tracks_concurrency(server: OpenAIServer) -> None:
    server.latency = 0.2

    async def scenario() -> list[str]:
        async with httpx.AsyncClient(base_url=server.base_url) as http:
            models = (await http.get("/models")).json()
            async with client_for(server) as client:
                await asyncio.gather(*(client.complete(MESSAGES) for _ in range(3)))
        return [model["id"] for model in models["data"]]

    assert run(scenario) == ["qwen-long"]
    assert server.max_in_flight == 3
    first: RecordedRequest = server.chat_requests[0]
    assert first.finished is not None and first.finished - first.arrived >= 0.2
    assert first.status == 200
