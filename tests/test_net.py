"""The retry policy shared by the arXiv and LLM clients: waits, Retry-After, the tenacity loop."""

from __future__ import annotations

import asyncio
from dataclasses import FrozenInstanceError, replace
from datetime import UTC, datetime

import pytest
import tenacity
from hypothesis import given
from hypothesis import strategies as st

from arxiv_radar.arxiv.http import ARXIV_RETRY
from arxiv_radar.net import (
    Retryable,
    RetryPolicy,
    WaitTooLong,
    async_retrying,
    parse_retry_after,
    retry_after_from_headers,
    retrying,
)
from arxiv_radar.summarize.llm import LLM_RETRY

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)


def no_jitter() -> float:
    return 0.0


def most_jitter() -> float:
    return 0.999999


# ---------------------------------------------------------------- the policy's waits


def test_waits_double_from_base_and_stop_at_the_cap() -> None:
    policy = RetryPolicy(max_retries=10, base=2.0, cap=20.0)
    waits = [policy.wait(attempt, rng=no_jitter) for attempt in range(1, 8)]
    assert waits == [2.0, 4.0, 8.0, 16.0, 20.0, 20.0, 20.0]


def test_a_very_late_attempt_waits_the_cap() -> None:
    assert RetryPolicy(cap=120.0).wait(10_000, rng=most_jitter) == 120.0


def test_jitter_adds_up_to_jitter_times_base() -> None:
    policy = RetryPolicy(base=2.0, cap=1000.0, jitter=0.5)
    assert policy.wait(3, rng=no_jitter) == 8.0
    assert policy.wait(3, rng=lambda: 0.5) == 8.5
    assert 8.0 < policy.wait(3, rng=most_jitter) < 9.0
    assert RetryPolicy(base=2.0, jitter=0.0).wait(1, rng=most_jitter) == 2.0


@given(
    attempt=st.integers(min_value=1, max_value=200),
    base=st.floats(min_value=0.0, max_value=100.0),
    cap=st.floats(min_value=0.0, max_value=1000.0),
    jitter=st.floats(min_value=0.0, max_value=3.0),
    draw=st.floats(min_value=0.0, max_value=1.0, exclude_max=True),
)
def test_a_wait_is_within_its_bounds(
    attempt: int, base: float, cap: float, jitter: float, draw: float
) -> None:
    policy = RetryPolicy(base=base, cap=cap, jitter=jitter)
    wait = policy.wait(attempt, rng=lambda: draw)
    backoff = base * 2.0 ** min(attempt - 1, 30)
    assert 0.0 <= wait <= cap
    assert wait >= min(backoff, cap)
    assert wait <= backoff + jitter * base


def test_the_default_random_source_stays_within_the_jitter() -> None:
    policy = RetryPolicy(base=1.0, cap=100.0)
    waits = {policy.wait(2) for _ in range(200)}
    assert all(2.0 <= wait < 3.0 for wait in waits)
    assert len(waits) > 1  # jittered, not one fixed wait


def test_retry_after_wins_within_max_wait() -> None:
    policy = RetryPolicy(base=2.0, cap=4.0, max_wait=600.0)
    assert policy.wait(1, 30.0, rng=most_jitter) == 30.0  # longer than the cap: still waited
    assert policy.wait(5, 0.0, rng=most_jitter) == 0.0
    assert policy.wait(1, 600.0) == 600.0


def test_too_long_a_retry_after_gives_up() -> None:
    with pytest.raises(WaitTooLong) as caught:
        RetryPolicy(max_wait=60.0).wait(1, 60.5)
    assert caught.value.seconds == 60.5


def test_a_policy_is_a_frozen_validated_value() -> None:
    policy = RetryPolicy(max_retries=2)
    assert policy.attempts == 3
    assert policy == RetryPolicy(max_retries=2) and hash(policy) == hash(RetryPolicy(max_retries=2))
    with pytest.raises(FrozenInstanceError):
        policy.max_retries = 5  # type: ignore[misc]
    for field in ("max_retries", "base", "cap", "jitter", "max_wait"):
        with pytest.raises(ValueError, match=f"{field} must be >= 0"):
            RetryPolicy(**{field: -1})  # type: ignore[arg-type]


def test_each_client_keeps_its_own_defaults() -> None:
    assert ARXIV_RETRY == RetryPolicy(max_retries=4, base=2.0, cap=120.0, jitter=1.0, max_wait=600)
    assert LLM_RETRY == RetryPolicy(max_retries=4, base=1.0, cap=60.0, jitter=1.0, max_wait=300)


# ---------------------------------------------------------------- Retry-After headers


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("7", 7.0),
        (" 1.5 ", 1.5),
        ("-3", 0.0),
        ("Sat, 01 Mar 2025 12:00:30 GMT", 30.0),
        ("Sat, 01 Mar 2025 11:00:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == seconds


def test_retry_after_from_headers_reads_every_form() -> None:
    date = "Sat, 01 Mar 2025 12:00:30 GMT"
    assert retry_after_from_headers({"Retry-After": "7"}, now=NOW) == 7.0
    assert retry_after_from_headers({"retry-after": "1.5"}, now=NOW) == 1.5
    assert retry_after_from_headers({"Retry-After": date}, now=NOW) == 30.0
    assert retry_after_from_headers({"retry-after-ms": "250", "Retry-After": "9"}, now=NOW) == 0.25
    assert retry_after_from_headers({"retry-after-ms": "x", "Retry-After": "9"}, now=NOW) == 9.0
    assert retry_after_from_headers({"Retry-After": "soon"}, now=NOW) is None
    assert retry_after_from_headers({}, now=NOW) is None


# ---------------------------------------------------------------- the tenacity loop


def run(policy: RetryPolicy, failures: list[Retryable], sleeps: list[float]) -> tuple[str, int]:
    """Call something that fails with ``failures`` in turn, then answers "ok"."""
    pending = list(failures)
    attempts = 0
    for attempt in retrying(policy, sleep=sleeps.append, before_sleep=lambda state: None):
        with attempt:
            attempts += 1
            if pending:
                raise pending.pop(0)
            return "ok", attempts
    raise AssertionError("unreachable")


def test_the_loop_retries_and_waits_as_the_policy_says() -> None:
    sleeps: list[float] = []
    policy = RetryPolicy(max_retries=3, base=1.0, cap=3.0, jitter=0.0)
    failures = [Retryable("503"), Retryable("429", retry_after=7.0), Retryable("503")]
    assert run(policy, failures, sleeps) == ("ok", 4)
    assert sleeps == [1.0, 7.0, 3.0]


def test_the_loop_makes_max_retries_plus_one_attempts_then_reraises() -> None:
    sleeps: list[float] = []
    policy = RetryPolicy(max_retries=2, base=0.0)
    with pytest.raises(Retryable) as caught:
        run(policy, [Retryable(f"failure {n}") for n in range(5)], sleeps)
    assert caught.value.reason == "failure 2" and len(sleeps) == 2


def test_the_loop_gives_up_on_a_retry_after_beyond_max_wait() -> None:
    sleeps: list[float] = []
    policy = RetryPolicy(max_retries=4, max_wait=60.0)
    with pytest.raises(WaitTooLong) as caught:
        run(policy, [Retryable("HTTP 429", status=429, retry_after=3600.0)], sleeps)
    assert (caught.value.seconds, caught.value.status, sleeps) == (3600.0, 429, [])


def test_other_errors_are_not_retried() -> None:
    sleeps: list[float] = []
    attempts = 0
    with pytest.raises(KeyError):
        for attempt in retrying(RetryPolicy(), sleep=sleeps.append, before_sleep=lambda s: None):
            with attempt:
                attempts += 1
                raise KeyError("not transient")
    assert (attempts, sleeps) == (1, [])


def test_the_async_loop_stops_early_when_the_client_gives_up() -> None:
    sleeps: list[float] = []
    logged: list[int] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    def give_up(state: tenacity.RetryCallState) -> bool:
        return state.attempt_number >= 2  # e.g. a malformed answer, tried twice

    async def scenario() -> int:
        attempts = 0
        loop = async_retrying(
            replace(LLM_RETRY, base=0.5, jitter=0.0),
            sleep=sleep,
            before_sleep=lambda state: logged.append(state.attempt_number),
            give_up=give_up,
        )
        with pytest.raises(Retryable):
            async for attempt in loop:
                with attempt:
                    attempts += 1
                    raise Retryable("malformed")
        return attempts

    assert asyncio.run(scenario()) == 2
    assert (sleeps, logged) == ([0.5], [1])
