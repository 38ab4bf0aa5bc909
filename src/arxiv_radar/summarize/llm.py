"""The client for OpenAI-compatible chat endpoints (DashScope, OpenAI, DeepSeek, Ollama, vLLM).

:class:`ChatClient` wraps the official ``openai`` SDK's ``AsyncOpenAI`` with a base URL
and answers :meth:`ChatClient.complete` with a :class:`Completion`: the text, the tokens
the endpoint counted, the model and the finish reason.

Retries are ours, not the SDK's (it is built with ``max_retries=0``): every attempt and
every retry is counted and logged the same way for every provider, and the wait honours
``retry-after-ms``, ``Retry-After`` in seconds and ``Retry-After`` as an HTTP date, with no
upper clamp other than ``max_retry_after`` (beyond it the call fails at once rather than
stalling the run). Retried: HTTP 408, 409, 429 and 5xx, timeouts, failed connections,
with exponential backoff and jitter, up to ``max_retries`` further attempts. A malformed
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
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar, cast

import httpx
import openai
import tenacity
from openai.types.chat import ChatCompletion

from arxiv_radar.arxiv.http import parse_retry_after as parse_http_retry_after
from arxiv_radar.config import SummaryConfig
from arxiv_radar.errors import LLMError
from arxiv_radar.masking import mask_secrets
from arxiv_radar.summarize.providers import NO_KEY_PLACEHOLDER, ProviderSpec

__all__ = ["RETRY_STATUSES", "ChatClient", "Completion", "LLMError", "parse_retry_after"]

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 409, 429})
"""Retried besides every 5xx status."""

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


class _Retryable(Exception):
    def __init__(
        self,
        reason: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        malformed: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after
        self.malformed = malformed


class _Fatal(Exception):
    def __init__(self, reason: str, *, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class _WaitTooLong(Exception):
    def __init__(self, seconds: float, status: int | None) -> None:
        super().__init__(seconds)
        self.seconds = seconds
        self.status = status


def parse_retry_after(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """Seconds to wait before retrying: ``retry-after-ms``, else ``Retry-After`` as
    delta-seconds or an HTTP date; None when neither is there or readable."""
    lowered = {key.lower(): value for key, value in headers.items()}
    millis = lowered.get("retry-after-ms", "").strip()
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    return parse_http_retry_after(lowered.get("retry-after"), now=now)


class ChatClient:
    """Chat completions from one model at one OpenAI-compatible endpoint.

    ``timeout``: seconds one attempt may take. ``max_retries``: further attempts after a
    transient failure. ``backoff_base``/``backoff_max``: the exponential backoff (seconds)
    when the endpoint does not say how long to wait. ``max_retry_after``: a longer
    ``Retry-After`` fails the call at once. ``api_key=None`` sends a placeholder (for
    endpoints that need no key). Use as ``async with`` or call :meth:`aclose`.
    """

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str | None = None,
        api_key_env: str | None = None,
        timeout: float = 120.0,
        max_retries: int = 4,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        max_retry_after: float = 300.0,
        http_client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.base_url = base_url
        self.model = model
        self.api_key_env = api_key_env
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_retry_after = max_retry_after
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
            max_retries=config.max_retries,
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
            raise _Retryable("the answer is not a JSON chat completion", malformed=True)
        try:
            usage = response.usage
            usage_missing = usage is None or usage.prompt_tokens is None
            if usage is not None:
                spent[0] += int(usage.prompt_tokens or 0)
                spent[1] += int(usage.completion_tokens or 0)
            if not response.choices:
                raise _Retryable("the answer has no choices", malformed=True)
            choice = response.choices[0]
            text = choice.message.content
            finish_reason = choice.finish_reason
            model = response.model
        except (AttributeError, TypeError, IndexError, KeyError, ValueError) as error:
            raise _Retryable(
                f"the answer is not a chat completion ({type(error).__name__})", malformed=True
            ) from error
        if not isinstance(text, str) or not text.strip():
            raise _Retryable(
                f"the answer has no text (finish_reason {finish_reason})", malformed=True
            )
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
            raise _Retryable(f"no answer within {self.timeout:g} s") from error
        except openai.APIConnectionError as error:
            cause = error.__cause__ or error
            raise _Retryable(f"connection failed: {type(cause).__name__}: {cause}") from error
        except openai.APIStatusError as error:
            status = error.status_code
            reason = f"HTTP {status}: {self._error_text(error)}"
            if status in RETRY_STATUSES or status >= 500:
                retry_after = parse_retry_after(error.response.headers)
                raise _Retryable(reason, status=status, retry_after=retry_after) from error
            if status in (401, 403) and self.api_key_env:
                reason += f" (check the key in {self.api_key_env})"
            raise _Fatal(reason, status=status) from error
        except (openai.APIResponseValidationError, ValueError) as error:
            # ValueError: a body that is not JSON (json.JSONDecodeError) or not a completion.
            raise _Retryable(
                f"the answer is not valid JSON ({type(error).__name__})", malformed=True
            ) from error

    async def _with_retries(
        self, what: str, operation: Callable[[], Awaitable[T]], spent: list[int]
    ) -> tuple[T, int]:
        attempts = 0
        malformed = 0

        def stop(state: tenacity.RetryCallState) -> bool:
            error = state.outcome.exception() if state.outcome else None
            if (
                isinstance(error, _Retryable)
                and error.malformed
                and malformed >= MALFORMED_ATTEMPTS
            ):
                return True
            return state.attempt_number >= self.max_retries + 1

        retrying = tenacity.AsyncRetrying(
            stop=stop,
            wait=self._wait,
            retry=tenacity.retry_if_exception_type(_Retryable),
            sleep=self._sleep,
            before_sleep=lambda state: self._log_retry(state, what),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    attempts += 1
                    try:
                        return await self._attempt(operation), attempts
                    except _Retryable as error:
                        malformed += error.malformed
                        raise
        except _Retryable as error:
            message = f"{what} failed after {attempts} attempts"
            raise self._error(message, error, attempts, spent) from error
        except _Fatal as error:
            raise self._error(f"{what} failed", error, attempts, spent) from error
        except _WaitTooLong as error:
            raise LLMError(
                self._scrub(
                    f"{self._where()}: {what} failed: the endpoint asked to wait "
                    f"{error.seconds:.0f} s (more than the {self.max_retry_after:.0f} s this "
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
        self, message: str, error: _Retryable | _Fatal, attempts: int, spent: list[int]
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

    def _wait(self, state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _Retryable) and error.retry_after is not None:
            if error.retry_after > self.max_retry_after:
                raise _WaitTooLong(error.retry_after, error.status)
            return error.retry_after
        exponent = min(state.attempt_number - 1, 30)
        backoff = self.backoff_base * 2.0**exponent + random.uniform(0, self.backoff_base)
        return min(backoff, self.backoff_max)

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
            self.max_retries + 1,
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
