"""Limits on the model calls, shared by every process that makes them: calls in flight, calls
per period, and what a budget has spent.

Long on purpose: the two kinds of limits and the Lua scripts of the shared slots read together.

:class:`CallLimits` is what :func:`~arxiv_radar.summarize.runner.run_summaries` asks around
each call: ``async with limits.slot():`` waits for a free slot (at most ``concurrency`` calls
in flight) and then for the rate limit (at most ``rate_limit`` calls per period), and holds
the slot while the call runs; ``charge(tokens, cost)`` adds what the call spent; ``spent()``
is what the budget's scope has spent so far, checked against ``[summaries.budget]``.

:func:`call_limits` chooses the kind:

- :class:`LocalLimits` (no ``[workers] broker``): everything in this process, as a run has
  always done it: an ``asyncio.Semaphore``, the ``limits`` package's moving window in memory,
  and what was spent kept in the object (the object is the budget's scope).
- :class:`RedisLimits` (``[workers] broker`` set): the same, shared by every process (runs,
  workers, on any machine) through the Redis of the broker. Keys, all under ``arxiv-radar:``:

  - ``arxiv-radar:llm:<endpoint>:slots``: a sorted set of the slots held, each scored by the
    end of its lease (milliseconds, Redis' own clock). A slot is taken and given back by Lua
    scripts (atomic), and its lease (:data:`LEASE_S`) is renewed every third of it while the
    call runs, so a process killed in the middle of a call frees its slot when the lease ends.
    The key expires with its last lease.
  - ``arxiv-radar:LIMITER/llm:<endpoint>/<amount>/<multiples>/<period>``: the rate limit, a
    moving window of the ``limits`` package (older ``limits`` releases put ``LIMITS:`` before
    ``LIMITER``). It expires with its window.
  - ``arxiv-radar:budget:<scope>``: a hash of ``tokens`` and ``cost`` spent under ``scope`` (an
    opaque name the caller gives, a run's id), kept :data:`BUDGET_TTL_S` (2 days) after its
    last charge. Without a scope, what was spent is kept in the object, as locally.
  - ``arxiv-radar:skipped:<scope>``: the papers a worker skipped because the scope's budget
    was reached (the run that sent them reads it), kept as long.

  ``<endpoint>`` is a digest of the model and the endpoint's URL (:func:`endpoint_identity`):
  a provider limits what is sent to one model at one URL, whoever sends it, so every process
  that calls the same model at the same URL shares one bound.

Waiting never spins: a slot is polled with a growing pause (up to :data:`MAX_POLL_S`), the rate
limit is tried again when its window says. A Redis that does not answer is a
:class:`~arxiv_radar.errors.WorkersError` (exit 8) naming it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import inspect
import logging
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from arxiv_radar.config import Config, SummaryConfig
from arxiv_radar.errors import WorkersError, require_extra
from arxiv_radar.masking import mask_url_passwords
from arxiv_radar.summarize.providers import PRESETS

if TYPE_CHECKING:
    from limits import RateLimitItem
    from limits.strategies import MovingWindowRateLimiter

__all__ = [
    "BUDGET_TTL_S",
    "LEASE_S",
    "CallLimits",
    "LocalLimits",
    "RedisLimits",
    "Spent",
    "call_limits",
    "endpoint_identity",
]

logger = logging.getLogger(__name__)

PREFIX = "arxiv-radar:"
LEASE_S = 60.0
"""How long a slot of :class:`RedisLimits` is held without a renewal (renewed every third)."""
BUDGET_TTL_S = 2 * 24 * 3600
"""How long a budget scope's spending is kept in Redis after its last charge."""
FIRST_POLL_S = 0.02
MAX_POLL_S = 0.5


@dataclass(frozen=True)
class Spent:
    """Tokens (input + output) and cost already spent in a run, counted against its budget."""

    tokens: int = 0
    cost: float = 0.0

    def __add__(self, other: Spent) -> Spent:
        return Spent(self.tokens + other.tokens, self.cost + other.cost)


class CallLimits(Protocol):
    """What every model call goes through (see the module)."""

    def slot(self) -> AbstractAsyncContextManager[None]:
        """Wait for a slot and the rate limit; the slot is held until the block ends."""
        ...

    def charge(self, tokens: int, cost: float) -> None:
        """Add what a call spent to the scope's spending."""
        ...

    def spent(self) -> Spent:
        """What the scope has spent so far (every process's calls, when shared)."""
        ...

    def close(self) -> None:
        """Let go of connections (nothing is held once every ``slot()`` block ended)."""
        ...


def endpoint_identity(section: SummaryConfig) -> str:
    """``model@base_url`` of the calls ``section`` makes, as a provider counts them: the
    preset's URL and model when ``section`` leaves them to the provider (``auto`` without
    ``base_url``: the preset whose key variable ``api_key_env`` names)."""
    preset = PRESETS.get(section.provider)
    if preset is None and section.provider == "auto" and section.base_url is None:
        preset = next((p for p in PRESETS.values() if p.api_key_env == section.api_key_env), None)
    default_model = SummaryConfig.model_fields["model"].default
    model = section.model
    if preset is not None and preset.model is not None and model == default_model:
        model = preset.model
    base_url = section.base_url or (preset.base_url if preset else "") or section.model_path
    return f"{model}@{(base_url or '').rstrip('/')}"


def _require_limits(extra: str) -> None:
    """``rate_limit`` is counted by the ``limits`` package (the ``serve`` and ``workers``
    extras have it): ``extra`` is the one named when it is missing."""
    require_extra(extra, "[summaries] rate_limit", {"limits": "limits"})


def _pause(previous: float) -> float:
    """The next pause between two polls: growing, with jitter, at most :data:`MAX_POLL_S`."""
    return min(MAX_POLL_S, previous * 1.5) * random.uniform(0.8, 1.0)


class _RateGate:
    """At most ``rate`` calls per period: a moving window of ``limits`` on ``storage``."""

    def __init__(self, storage: Any, rate: str, key: str) -> None:
        from limits import parse
        from limits.strategies import MovingWindowRateLimiter

        self.item: RateLimitItem = parse(rate)
        self._limiter: MovingWindowRateLimiter = MovingWindowRateLimiter(storage)
        self._key = key

    def take(self) -> float:
        """Count a call now and return 0; or, past the limit, count nothing and return the
        seconds until the window lets one more through."""
        if self._limiter.hit(self.item, self._key):
            return 0.0
        reset = self._limiter.get_window_stats(self.item, self._key).reset_time
        return min(max(reset - time.time(), 0.01), float(self.item.get_expiry()))


class LocalLimits:
    """The limits of this process only: what a run without workers has always done."""

    def __init__(self, concurrency: int, *, rate_limit: str | None = None) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        self.concurrency = concurrency
        self.rate_limit = rate_limit
        self._rate: _RateGate | None = None
        if rate_limit is not None:
            _require_limits("serve")
            from limits.storage import MemoryStorage

            self._rate = _RateGate(MemoryStorage(), rate_limit, "llm")
        self._semaphore: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = None
        self._spent = Spent()
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, section: SummaryConfig) -> LocalLimits:
        return cls(section.concurrency, rate_limit=section.rate_limit)

    def _semaphore_here(self) -> asyncio.Semaphore:
        # A semaphore belongs to one event loop: each run (asyncio.run) gets its own.
        loop = asyncio.get_running_loop()
        if self._semaphore is None or self._semaphore[0] is not loop:
            self._semaphore = (loop, asyncio.Semaphore(self.concurrency))
        return self._semaphore[1]

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self._semaphore_here():
            while self._rate is not None and (wait := self._rate.take()) > 0:
                await asyncio.sleep(wait)
            yield

    def charge(self, tokens: int, cost: float) -> None:
        with self._lock:
            self._spent += Spent(tokens, cost)

    def spent(self) -> Spent:
        with self._lock:
            return self._spent

    def close(self) -> None:
        return None


# Take a slot: drop the holders whose lease ended, then join if there is room. The time is
# Redis' own (TIME, allowed before writes since Redis 5), so the machines' clocks may differ.
# KEYS[1] the holders; ARGV: holder, limit, lease (ms). 1 when taken, 0 when full.
_ACQUIRE = """
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[1], ms + tonumber(ARGV[3]), ARGV[1])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], math.floor(tonumber(last[2])) + 1000)
return 1
"""

# Renew a slot's lease, if it is still held. KEYS[1] the holders; ARGV: holder, lease (ms).
_RENEW = """
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  return 0
end
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', ms + tonumber(ARGV[2]), ARGV[1])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], math.floor(tonumber(last[2])) + 1000)
return 1
"""


class RedisLimits:
    """The limits of every process that calls the model at ``endpoint``, kept in the Redis at
    ``url`` (see the module for the keys). ``scope``: the budget's name (a run's id); None
    keeps what was spent in this object. ``lease``: seconds a slot survives its holder."""

    def __init__(
        self,
        url: str,
        *,
        concurrency: int,
        endpoint: str,
        rate_limit: str | None = None,
        scope: str | None = None,
        lease: float = LEASE_S,
    ) -> None:
        import redis

        if concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        self.url = url
        self.concurrency = concurrency
        self.endpoint = endpoint
        self.scope = scope
        self.lease = lease
        self._errors = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
        self._client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=10)
        digest = hashlib.sha256(endpoint.encode()).hexdigest()[:16]
        self.slots_key = f"{PREFIX}llm:{digest}:slots"
        self.budget_key = f"{PREFIX}budget:{scope}" if scope is not None else None
        self._acquire = self._client.register_script(_ACQUIRE)
        self._renew = self._client.register_script(_RENEW)
        self._rate: _RateGate | None = None
        if rate_limit is not None:
            self._rate = _RateGate(self._rate_storage(), rate_limit, f"llm:{digest}")
        self._spent = Spent()
        self._lock = threading.Lock()

    def _rate_storage(self) -> Any:
        _require_limits("workers")
        from limits.storage import RedisStorage

        options: dict[str, Any] = {"connection_pool": self._client.connection_pool}
        if "key_prefix" in inspect.signature(RedisStorage.__init__).parameters:
            options["key_prefix"] = PREFIX.rstrip(":")  # limits 4.8 and 5.1 on
        return RedisStorage(self.url, **options)

    def _unreachable(self, error: Exception) -> WorkersError:
        url = mask_url_passwords(self.url)
        return WorkersError(
            f"cannot reach the Redis of [workers] broker at {url}, which holds the limits "
            f"shared by the model calls: {error}; start Redis, or fix [workers] broker "
            "(or remove it to make the calls in this process only)"
        )

    def _redis(self, operation: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return operation(*args, **kwargs)
        except self._errors as error:
            raise self._unreachable(error) from None

    def check(self) -> None:
        """Raise :class:`WorkersError` unless the Redis answers."""
        self._redis(self._client.ping)

    # -- the slots ---------------------------------------------------------------------------

    def _try_acquire(self, holder: str) -> bool:
        args: list[str | int] = [holder, self.concurrency, int(self.lease * 1000)]
        return bool(self._redis(self._acquire, keys=[self.slots_key], args=args))

    def _release(self, holder: str) -> None:
        try:
            self._client.zrem(self.slots_key, holder)
        except self._errors as error:  # the lease ends by itself
            logger.warning("could not give back a model call slot (%s): its lease ends", error)

    async def _keep(self, holder: str) -> None:
        """Renew ``holder``'s lease every third of it while the call runs."""
        while True:
            await asyncio.sleep(self.lease / 3)
            try:
                args: list[str | int] = [holder, int(self.lease * 1000)]
                held = await asyncio.to_thread(self._renew, keys=[self.slots_key], args=args)
            except self._errors as error:
                logger.warning("could not renew a model call slot's lease: %s", error)
                continue
            if not held:
                logger.warning("a model call slot's lease ended before its call (a stall?)")
                return

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"
        pause = FIRST_POLL_S
        try:
            while not await asyncio.to_thread(self._try_acquire, holder):
                await asyncio.sleep(pause)
                pause = _pause(pause)
        except WorkersError:
            raise
        except BaseException:  # cancelled while the script may have run: give it back
            self._release(holder)
            raise
        keeper = asyncio.create_task(self._keep(holder))
        try:
            while self._rate is not None:
                wait = await asyncio.to_thread(self._redis, self._rate.take)
                if wait <= 0:
                    break
                await asyncio.sleep(wait * random.uniform(1.0, 1.1))
            yield
        finally:
            keeper.cancel()
            await asyncio.wait([keeper])
            await asyncio.to_thread(self._release, holder)

    def holders(self) -> int:
        """Slots held now (leases not ended), by every process."""
        seconds, micros = self._redis(self._client.time)
        now_ms = int(seconds) * 1000 + int(micros) // 1000
        return int(self._redis(self._client.zcount, self.slots_key, now_ms, "+inf"))

    # -- the budget --------------------------------------------------------------------------

    def charge(self, tokens: int, cost: float) -> None:
        if self.budget_key is None:
            with self._lock:
                self._spent += Spent(tokens, cost)
            return
        pipe = self._client.pipeline(transaction=True)
        pipe.hincrby(self.budget_key, "tokens", tokens)
        pipe.hincrbyfloat(self.budget_key, "cost", cost)
        pipe.expire(self.budget_key, BUDGET_TTL_S)
        try:
            pipe.execute()
        except self._errors as error:  # the call is made and paid: its result is not lost
            logger.warning(
                "could not add a model call's %d tokens to the budget in Redis (%s): the run "
                "still counts them from the store",
                tokens,
                error,
            )

    def spent(self) -> Spent:
        if self.budget_key is None:
            with self._lock:
                return self._spent
        tokens, cost = self._redis(self._client.hmget, self.budget_key, ["tokens", "cost"])
        return Spent(int(tokens or 0), float(cost or 0.0))

    def mark_skipped(self, name: str) -> None:
        """Note that the job ``name`` (a paper's id) was skipped because the scope's budget
        was reached: the run that sent it reads it with :meth:`skipped` (nothing else
        says so; no summary is stored). Kept as long as the scope's spending."""
        if self.budget_key is None:
            return
        key = f"{PREFIX}skipped:{self.scope}"
        pipe = self._client.pipeline(transaction=True)
        pipe.sadd(key, name)
        pipe.expire(key, BUDGET_TTL_S)
        self._redis(pipe.execute)

    def skipped(self) -> set[str]:
        """The jobs of the scope that were skipped for its budget (:meth:`mark_skipped`)."""
        if self.budget_key is None:
            return set()
        found = self._redis(self._client.smembers, f"{PREFIX}skipped:{self.scope}")
        return {item.decode() if isinstance(item, bytes) else str(item) for item in found}

    def close(self) -> None:
        with contextlib.suppress(*self._errors):
            self._client.close()
        self._client.connection_pool.disconnect()


def call_limits(config: Config, *, scope: str | None = None) -> CallLimits:
    """The limits of the model calls ``config`` makes: shared through the Redis of
    ``[workers] broker`` when there is one (checked: :class:`WorkersError` when it does not
    answer), this process's otherwise. ``scope`` names the budget whose spending is shared
    (a run's id); None keeps it in the object returned."""
    section = config.summaries
    broker = config.workers.broker
    if broker is None:
        return LocalLimits.from_config(section)
    require_extra("workers", "[workers] broker", {"redis": "redis"})
    limits = RedisLimits(
        broker,
        concurrency=section.concurrency,
        endpoint=endpoint_identity(section),
        rate_limit=section.rate_limit,
        scope=scope,
    )
    try:
        limits.check()
    except WorkersError:
        limits.close()
        raise
    return limits
