"""The retry policy shared by the arXiv, LLM and Zotero clients.

A :class:`RetryPolicy` says how a client retries a transient failure, as ``httpx.Timeout``
and ``httpx.Limits`` say how it times out and connects: how many further attempts, how the
wait grows (exponential backoff from ``base`` seconds, doubling, with up to ``jitter`` x
``base`` seconds of random extra, never over ``cap``), and the longest ``Retry-After`` a
client will wait (``max_wait``): a server that asks for longer makes the call fail at once
rather than stall the run. A server's ``Retry-After`` within ``max_wait`` is waited exactly.

A client signals a failure worth another attempt by raising :class:`Retryable` (carrying the
status and the server's ``Retry-After``) inside :func:`retrying` or :func:`async_retrying`
(tenacity); a ``Retry-After`` beyond ``max_wait`` ends the loop with :class:`WaitTooLong`.
Both are signals between a client and this module: the clients turn them into
:mod:`arxiv_radar.errors` exceptions and they never reach a caller.

:func:`parse_retry_after` reads a ``Retry-After`` header (seconds or an HTTP date);
:func:`retry_after_from_headers` also reads ``retry-after-ms`` (OpenAI-compatible endpoints).
"""

from __future__ import annotations

import email.utils
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import tenacity

__all__ = [
    "RetryPolicy",
    "Retryable",
    "WaitTooLong",
    "async_retrying",
    "parse_retry_after",
    "retry_after_from_headers",
    "retrying",
]

_MAX_EXPONENT = 30
"""Beyond 2**30 x base the wait is ``cap`` anyway; keeps the float finite."""


class Retryable(Exception):
    """A transient failure worth another attempt: ``reason`` for the log and the final error,
    the HTTP ``status`` if there was one, the server's ``retry_after`` in seconds if it said."""

    def __init__(
        self, reason: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


class WaitTooLong(Exception):
    """The server asked to wait ``seconds``, more than the policy's ``max_wait``."""

    def __init__(self, seconds: float, status: int | None = None) -> None:
        super().__init__(seconds)
        self.seconds = seconds
        self.status = status


@dataclass(frozen=True)
class RetryPolicy:
    """How a client retries transient failures.

    ``max_retries``: further attempts after the first. ``base``: the first backoff in
    seconds, doubled after every failed attempt. ``cap``: the longest backoff. ``jitter``:
    the random extra added to a backoff, up to ``jitter`` x ``base`` seconds (0: none).
    ``max_wait``: the longest ``Retry-After`` honoured; a longer one gives up.
    """

    max_retries: int = 4
    base: float = 2.0
    cap: float = 120.0
    jitter: float = 1.0
    max_wait: float = 600.0

    def __post_init__(self) -> None:
        for name in ("max_retries", "base", "cap", "jitter", "max_wait"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")

    @property
    def attempts(self) -> int:
        """The most attempts a call makes: the first and every retry."""
        return self.max_retries + 1

    def wait(
        self,
        attempt: int,
        retry_after: float | None = None,
        *,
        rng: Callable[[], float] = random.random,
    ) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1 for the first).

        The server's ``retry_after`` wins when given; beyond ``max_wait`` it raises
        :class:`WaitTooLong`. Otherwise ``base`` x 2^(attempt - 1) plus ``rng()`` x ``jitter``
        x ``base`` (``rng`` returns a number in [0, 1)), at most ``cap``.
        """
        if retry_after is not None:
            if retry_after > self.max_wait:
                raise WaitTooLong(retry_after)
            return retry_after
        # Computed here, not by tenacity's wait_exponential_jitter: it renamed its ``initial``
        # parameter across the supported tenacity versions.
        exponent = min(max(attempt - 1, 0), _MAX_EXPONENT)
        backoff = self.base * 2.0**exponent + rng() * self.jitter * self.base
        return min(backoff, self.cap)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def retry_after_from_headers(
    headers: Mapping[str, str], *, now: datetime | None = None
) -> float | None:
    """Seconds to wait before retrying: ``retry-after-ms``, else ``Retry-After`` as
    delta-seconds or an HTTP date; None when neither is there or readable."""
    lowered = {key.lower(): value for key, value in headers.items()}
    millis = lowered.get("retry-after-ms", "").strip()
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    return parse_retry_after(lowered.get("retry-after"), now=now)


# ---------------------------------------------------------------- tenacity glue

GiveUp = Callable[[tenacity.RetryCallState], bool]
BeforeSleep = Callable[[tenacity.RetryCallState], None]


class _Loop:
    """The stop and wait tenacity asks about, for one policy."""

    def __init__(self, policy: RetryPolicy, give_up: GiveUp | None) -> None:
        self.policy = policy
        self.give_up = give_up

    def stop(self, state: tenacity.RetryCallState) -> bool:
        if self.give_up is not None and self.give_up(state):
            return True
        return state.attempt_number >= self.policy.attempts

    def wait(self, state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        retry_after = error.retry_after if isinstance(error, Retryable) else None
        try:
            return self.policy.wait(state.attempt_number, retry_after)
        except WaitTooLong as too_long:
            status = error.status if isinstance(error, Retryable) else None
            raise WaitTooLong(too_long.seconds, status) from error


def retrying(
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], None],
    before_sleep: BeforeSleep,
    give_up: GiveUp | None = None,
) -> tenacity.Retrying:
    """A tenacity loop retrying :class:`Retryable` as ``policy`` says. ``give_up``: an extra
    reason to stop early (after the failed attempt it is given). The last failure is
    re-raised; a ``Retry-After`` beyond ``max_wait`` raises :class:`WaitTooLong`."""
    return tenacity.Retrying(
        sleep=sleep, before_sleep=before_sleep, **_loop_options(policy, give_up)
    )


def async_retrying(
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], Awaitable[None]],
    before_sleep: BeforeSleep,
    give_up: GiveUp | None = None,
) -> tenacity.AsyncRetrying:
    """:func:`retrying` for coroutines (``async for attempt in ...``)."""
    return tenacity.AsyncRetrying(
        sleep=sleep, before_sleep=before_sleep, **_loop_options(policy, give_up)
    )


def _loop_options(policy: RetryPolicy, give_up: GiveUp | None) -> dict[str, Any]:
    """What the sync and the async loop share: when to stop, how long to wait, what to retry."""
    loop = _Loop(policy, give_up)
    return {
        "stop": loop.stop,
        "wait": loop.wait,
        "retry": tenacity.retry_if_exception_type(Retryable),
        "reraise": True,
    }
