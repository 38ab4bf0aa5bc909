"""The client for OpenAI-compatible chat endpoints (DashScope, OpenAI, DeepSeek, Ollama, vLLM).

:class:`ChatClient` wraps the official ``openai`` SDK's ``AsyncOpenAI`` with a base URL
and answers :meth:`ChatClient.complete` with a :class:`Completion`: the text, the tokens
the endpoint counted, the model and the finish reason.

Retries are ours, not the SDK's (it is built with ``max_retries=0``): every attempt and
every retry is counted and logged the same way for every provider, as the client's
:class:`~arxiv_radar.net.RetryPolicy` says (:data:`LLM_RETRY` by default: exponential backoff
from 1 s with jitter, at most 60 s, 4 retries). The wait honours ``retry-after-ms``,
``Retry-After`` in seconds and ``Retry-After`` as an HTTP date, with no upper clamp other than
the policy's ``max_wait`` (300 s; beyond it the call fails at once rather than stalling the
run). Retried: HTTP 408, 409, 429 and 5xx, timeouts, failed connections. A malformed
answer (not JSON, no choices, no text) is retried once. Anything else (400, 401, 404...)
fails at once. Failures raise :class:`LLMError` with the status and the number of
attempts; SDK exceptions never reach the caller.

The API key is handed to the SDK and nowhere else: it is not in any ``repr``, log record
or error message (a message that quotes it has it replaced by ``***``).

The HTTP client is injectable (``http_client=httpx.AsyncClient(...)``, which the caller
then owns and closes); tests point ``base_url`` at a local server.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar, cast

import httpx
import openai
import tenacity
from openai.types.chat import ChatCompletion

from arxiv_radar.config import SummaryConfig
from arxiv_radar.errors import LLMError
from arxiv_radar.masking import mask_secrets
from arxiv_radar.net import (
    Retryable,
    RetryPolicy,
    WaitTooLong,
    async_retrying,
    retry_after_from_headers,
)
from arxiv_radar.summarize.providers import NO_KEY_PLACEHOLDER, ProviderSpec

__all__ = ["LLM_RETRY", "RETRY_STATUSES", "ChatClient", "Completion", "LLMError"]

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 409, 429})
"""Retried besides every 5xx status."""

LLM_RETRY = RetryPolicy(max_retries=4, base=1.0, cap=60.0, max_wait=300.0)
"""How calls are retried unless the client is given another policy."""

MALFORMED_ATTEMPTS = 2
"""A malformed answer is tried at most this often (once more after the first)."""

T = TypeVar("T")


@dataclass(frozen=True)
class Completion:
    """An answer. Tokens are those of every answered attempt (a malformed answer that was
    retried costs too); ``usage_missing`` is true when the endpoint did not count them."""

    text: str
    tokens_in: int
    tokens_out: int
    model: str
    finish_reason: str | None
    usage_missing: bool = False
    attempts: int = 1


class _Malformed(Retryable):
    """An answer that is not a usable chat completion: retried, but only once."""


class _Fatal(Exception):
    def __init__(self, reason: str, *, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class ChatClient:
    """Chat completions from one model at one OpenAI-compatible endpoint.

    ``timeout``: seconds one attempt may take. ``retry``: how transient failures are
    retried (further attempts, backoff when the endpoint does not say how long to wait, the
    longest ``Retry-After`` waited; :data:`LLM_RETRY` by default). ``api_key=None`` sends a
    placeholder (for endpoints that need no key). Use as ``async with`` or call :meth:`aclose`.
    """

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str | None = None,
        api_key_env: str | None = None,
        timeout: float = 120.0,
        retry: RetryPolicy = LLM_RETRY,
        http_client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.base_url = base_url
        self.model = model
        self.api_key_env = api_key_env
        self.timeout = timeout
        self.retry = retry
        self.requests_sent = 0
        self.retries = 0
        self._secret = api_key or None
        self._sleep = sleep
        self._owns_http = http_client is None
        self._openai = openai.AsyncOpenAI(
            base_url=base_url,
            api_key=api_key or NO_KEY_PLACEHOLDER,
            timeout=timeout,
            max_retries=0,
            http_client=http_client,
        )

    @classmethod
    def from_spec(
        cls,
        spec: ProviderSpec,
        config: SummaryConfig,
        *,
        http_client: httpx.AsyncClient | None = None,
    ) -> ChatClient:
        """A client for a resolved provider, with ``config``'s timeout and retries."""
        if spec.base_url is None:
            raise ValueError(f"provider '{spec.name}' calls no endpoint")
        return cls(
            base_url=spec.base_url,
            model=spec.model,
            api_key=spec.api_key,
            api_key_env=spec.api_key_env,
            timeout=config.timeout,
            retry=replace(LLM_RETRY, max_retries=config.max_retries),
            http_client=http_client,
        )

    def __repr__(self) -> str:
        return f"ChatClient(model={self.model!r}, base_url={self.base_url!r})"

    async def __aenter__(self) -> ChatClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client, unless the caller passed its own (theirs to close)."""
        if self._owns_http:
            await self._openai.close()

    # -- public API -------------------------------------------------------------------

    async def complete(
        self,
        messages: list[dict[str, str]],
        *,
        temperature: float = 0.3,
        max_tokens: int | None = None,
    ) -> Completion:
        """One chat completion of ``messages``. Raises :class:`LLMError`."""
        options: dict[str, Any] = {"temperature": temperature}
        if max_tokens is not None:
            options["max_tokens"] = max_tokens
        spent = [0, 0]

        body = {"model": self.model, "messages": messages, **options}

        async def once() -> Completion:
            # The SDK's request method, not ``chat.completions.create``: the same request
            # and answer type, without loading the SDK's ~100 resource modules (0.3-1 s).
            response = await self._openai.post(
                "/chat/completions", body=body, cast_to=ChatCompletion
            )
            return self._read(response, spent)

        completion, attempts = await self._with_retries("chat completion", once, spent)
        return replace(completion, attempts=attempts)

    async def upload(self, content: bytes, filename: str, *, purpose: str = "file-extract") -> str:
        """Upload a file (a paper's PDF for qwen-long) and return its id."""

        async def once() -> str:
            created = await self._openai.files.create(
                file=(filename, content), purpose=cast(Any, purpose)
            )
            return str(created.id)

        file_id, _ = await self._with_retries("file upload", once, [0, 0])
        return file_id

    async def delete_file(self, file_id: str) -> None:
        """Delete an uploaded file (uploads are not left behind on the provider)."""

        async def once() -> None:
            await self._openai.files.delete(file_id)

        await self._with_retries("file deletion", once, [0, 0])

    # -- internals --------------------------------------------------------------------

    def _read(self, response: Any, spent: list[int]) -> Completion:
        if not isinstance(response, ChatCompletion):
            raise _Malformed("the answer is not a JSON chat completion")
        try:
            usage = response.usage
            usage_missing = usage is None or usage.prompt_tokens is None
            if usage is not None:
                spent[0] += int(usage.prompt_tokens or 0)
                spent[1] += int(usage.completion_tokens or 0)
            if not response.choices:
                raise _Malformed("the answer has no choices")
            choice = response.choices[0]
            text = choice.message.content
            finish_reason = choice.finish_reason
            model = response.model
        except (AttributeError, TypeError, IndexError, KeyError, ValueError) as error:
            raise _Malformed(
                f"the answer is not a chat completion ({type(error).__name__})"
            ) from error
        if not isinstance(text, str) or not text.strip():
            raise _Malformed(f"the answer has no text (finish_reason {finish_reason})")
        if usage_missing:
            logger.info(
                "%s at %s answered without token usage; counted as 0", self.model, self.base_url
            )
        return Completion(
            text=text,
            tokens_in=spent[0],
            tokens_out=spent[1],
            model=str(model or self.model),
            finish_reason=str(finish_reason) if finish_reason is not None else None,
            usage_missing=usage_missing,
        )

    async def _attempt(self, operation: Callable[[], Awaitable[T]]) -> T:
        """One request, with the SDK's errors turned into retryable or fatal ones."""
        self.requests_sent += 1
        try:
            return await operation()
        except openai.APITimeoutError as error:
            raise Retryable(f"no answer within {self.timeout:g} s") from error
        except openai.APIConnectionError as error:
            cause = error.__cause__ or error
            raise Retryable(f"connection failed: {type(cause).__name__}: {cause}") from error
        except openai.APIStatusError as error:
            status = error.status_code
            reason = f"HTTP {status}: {self._error_text(error)}"
            if status in RETRY_STATUSES or status >= 500:
                retry_after = retry_after_from_headers(error.response.headers)
                raise Retryable(reason, status=status, retry_after=retry_after) from error
            if status in (401, 403) and self.api_key_env:
                reason += f" (check the key in {self.api_key_env})"
            raise _Fatal(reason, status=status) from error
        except (openai.APIResponseValidationError, ValueError) as error:
            # ValueError: a body that is not JSON (json.JSONDecodeError) or not a completion.
            raise _Malformed(f"the answer is not valid JSON ({type(error).__name__})") from error

    async def _with_retries(
        self, what: str, operation: Callable[[], Awaitable[T]], spent: list[int]
    ) -> tuple[T, int]:
        attempts = 0
        malformed = 0

        def give_up(state: tenacity.RetryCallState) -> bool:
            error = state.outcome.exception() if state.outcome else None
            return isinstance(error, _Malformed) and malformed >= MALFORMED_ATTEMPTS

        loop = async_retrying(
            self.retry,
            sleep=self._sleep,
            before_sleep=lambda state: self._log_retry(state, what),
            give_up=give_up,
        )
        try:
            async for attempt in loop:
                with attempt:
                    attempts += 1
                    try:
                        return await self._attempt(operation), attempts
                    except _Malformed:
                        malformed += 1
                        raise
        except Retryable as error:
            message = f"{what} failed after {attempts} attempts"
            raise self._error(message, error, attempts, spent) from error
        except _Fatal as error:
            raise self._error(f"{what} failed", error, attempts, spent) from error
        except WaitTooLong as error:
            raise LLMError(
                self._scrub(
                    f"{self._where()}: {what} failed: the endpoint asked to wait "
                    f"{error.seconds:.0f} s (more than the {self.retry.max_wait:.0f} s this "
                    f"run waits); try again later"
                ),
                status=error.status,
                attempts=attempts,
                model=self.model,
                base_url=self.base_url,
                tokens_in=spent[0],
                tokens_out=spent[1],
            ) from error
        raise AssertionError("unreachable")  # pragma: no cover

    def _error(
        self, message: str, error: Retryable | _Fatal, attempts: int, spent: list[int]
    ) -> LLMError:
        return LLMError(
            self._scrub(f"{self._where()}: {message}: {error.reason}"),
            status=error.status,
            attempts=attempts,
            model=self.model,
            base_url=self.base_url,
            tokens_in=spent[0],
            tokens_out=spent[1],
        )

    def _log_retry(self, state: tenacity.RetryCallState, what: str) -> None:
        self.retries += 1
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        logger.warning(
            "%s: %s failed (%s), retrying in %.1f s (attempt %d of at most %d)",
            self._where(),
            what,
            self._scrub(str(getattr(error, "reason", error))),
            wait,
            state.attempt_number + 1,
            self.retry.attempts,
        )

    def _where(self) -> str:
        return f"{self.model} at {self.base_url}"

    def _scrub(self, text: str) -> str:
        return mask_secrets(text, [self._secret])  # whole secrets only

    @staticmethod
    def _error_text(error: openai.APIStatusError) -> str:
        body = error.body
        message = body.get("message") if isinstance(body, dict) else None
        if not isinstance(message, str) or not message.strip():
            message = error.response.reason_phrase or "error"
        message = " ".join(message.split())
        return message if len(message) <= 300 else message[:297] + "..."
