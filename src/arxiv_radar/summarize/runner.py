"""Run many LLM calls at once, within a bound and a budget, and account for every one.

:func:`run_summaries` calls ``call(job)`` for each :class:`Job` with at most
``concurrency`` calls in flight. A job whose call raises is recorded as failed with the
error's message and never holds up the others. Tokens and cost are added up per job and
per run; a :class:`Budget` (tokens and/or cost) stops new calls once it is reached: calls
already in flight finish (so a run may go over by what they cost), and the jobs never
started are reported as skipped, with the reason. Jobs start in the order given. What the
run spent before these jobs (``spent``: the LLM rerank of the same run) counts against the
budget too.

Every call goes through :class:`~arxiv_radar.summarize.limits.CallLimits` (``limits``): it
waits for one of their slots and their rate limit, its tokens and cost are charged to them,
and the budget is checked against what they say was spent (by every process sharing them,
:mod:`arxiv_radar.summarize.limits`), just before each call starts.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from arxiv_radar.config import BudgetConfig, PriceConfig
from arxiv_radar.errors import ArxivRadarError, ConfigError
from arxiv_radar.summarize.limits import CallLimits, LocalLimits, Spent

if TYPE_CHECKING:
    from arxiv_radar.summarize.llm import Completion

__all__ = [
    "Budget",
    "Job",
    "JobOutcome",
    "OutcomeStatus",
    "Price",
    "RunResult",
    "Spent",
    "run_summaries",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """One call to make: an id for reports, the chat messages (empty when ``call`` builds
    them itself, from a text it reads first), and anything the caller needs back with the
    outcome (``payload``, never looked at here)."""

    id: str
    messages: list[dict[str, str]]
    payload: Any = None


@dataclass(frozen=True)
class Price:
    """A model's price per million input and output tokens, in ``currency``."""

    input: float
    output: float
    currency: str = "USD"

    @classmethod
    def from_config(cls, config: PriceConfig) -> Price:
        return cls(config.input, config.output, config.currency)

    def cost(self, tokens_in: int, tokens_out: int) -> float:
        return tokens_in / 1e6 * self.input + tokens_out / 1e6 * self.output


@dataclass(frozen=True)
class Budget:
    """The most one run may spend: tokens (input + output) and/or cost. None: no limit."""

    max_tokens: int | None = None
    max_cost: float | None = None

    @classmethod
    def from_config(cls, config: BudgetConfig) -> Budget:
        return cls(config.max_tokens, config.max_cost)

    def exhausted(self, tokens: int, cost: float, currency: str = "") -> str | None:
        """Why no new call may start after spending ``tokens`` and ``cost``, or None."""
        if self.max_tokens is not None and tokens >= self.max_tokens:
            return f"{tokens:,} of {self.max_tokens:,} tokens used"
        if self.max_cost is not None and cost >= self.max_cost:
            unit = f" {currency}" if currency else ""
            return f"cost {cost:.4f}{unit} of {self.max_cost:g}{unit} spent"
        return None


class OutcomeStatus(StrEnum):
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class JobOutcome:
    """What became of one job. ``error`` says why it failed or was skipped;
    ``exception`` is what its call raised (for callers that want the type or status)."""

    job: Job
    status: OutcomeStatus
    completion: Completion | None = None
    error: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    attempts: int = 0
    seconds: float = 0.0
    exception: BaseException | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.status is OutcomeStatus.OK


@dataclass(frozen=True)
class RunResult:
    """Every job's outcome, in the order of the jobs, and the run's totals."""

    outcomes: tuple[JobOutcome, ...]
    seconds: float = 0.0
    currency: str | None = None
    budget_reason: str | None = None  # why the budget stopped the run, if it did

    def _with(self, status: OutcomeStatus) -> list[JobOutcome]:
        return [o for o in self.outcomes if o.status is status]

    @property
    def succeeded(self) -> int:
        return len(self._with(OutcomeStatus.OK))

    @property
    def failures(self) -> int:
        return len(self._with(OutcomeStatus.FAILED))

    @property
    def skipped_by_budget(self) -> int:
        return len(self._with(OutcomeStatus.SKIPPED))

    @property
    def calls(self) -> int:
        """Jobs whose call was made (succeeded or failed)."""
        return self.succeeded + self.failures

    @property
    def attempts(self) -> int:
        """Requests sent, retries included (as far as the calls reported them)."""
        return sum(o.attempts for o in self.outcomes)

    @property
    def tokens_in(self) -> int:
        return sum(o.tokens_in for o in self.outcomes)

    @property
    def tokens_out(self) -> int:
        return sum(o.tokens_out for o in self.outcomes)

    @property
    def cost(self) -> float:
        return sum(o.cost for o in self.outcomes)

    @property
    def budget_reached(self) -> bool:
        return self.budget_reason is not None


ProgressCallback = Callable[[JobOutcome], None]


async def run_summaries(
    jobs: Sequence[Job],
    call: Callable[[Job], Awaitable[Completion]],
    *,
    concurrency: int,
    budget: Budget | None = None,
    price: Price | None = None,
    on_progress: ProgressCallback | None = None,
    spent: Spent | None = None,
    label: str = "summary",
    limits: CallLimits | None = None,
) -> RunResult:
    """Make ``call(job)`` for every job, at most ``concurrency`` at a time, within ``budget``.

    Cost is computed from ``price`` (0 without one). ``on_progress`` is called with each
    outcome as it is known (failed and skipped jobs included). ``spent``: what the run spent
    before, counted against ``budget`` (not in the result's totals), on top of what
    ``limits`` say was spent. ``label`` names the calls in log messages. ``limits``: the
    slots, rate and spending every call goes through (default: this run's own, at most
    ``concurrency`` calls in flight). Raises :class:`ConfigError` when the budget has a cost
    limit and there is no price; what ``limits`` raise (a shared store that does not answer)
    ends the run.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be >= 1")
    budget = budget or Budget()
    if budget.max_cost is not None and price is None:
        raise ConfigError(
            "a cost budget needs the model's price per million tokens",
            key="summaries.budget.max_cost",
            expected="a [summaries.prices.<model>] table for the model, or no max_cost",
        )
    limits = limits if limits is not None else LocalLimits(concurrency)
    currency = price.currency if price else ""
    outcomes: list[JobOutcome | None] = [None] * len(jobs)
    before = spent or Spent()
    stop_reason: str | None = None
    pending = iter(enumerate(jobs))
    started = time.monotonic()

    def record(index: int, outcome: JobOutcome) -> None:
        outcomes[index] = outcome
        if on_progress is not None:
            on_progress(outcome)

    def stopped() -> str | None:
        """Why no new call may start (once the budget is reached, it stays reached)."""
        nonlocal stop_reason
        if stop_reason is None:
            total = before + limits.spent()
            stop_reason = budget.exhausted(total.tokens, total.cost, currency)
            if stop_reason is not None:
                logger.warning("%s budget reached (%s): no new calls", label, stop_reason)
        return stop_reason

    def skip(index: int, job: Job, reason: str) -> None:
        message = f"skipped: budget reached ({reason})"
        record(index, JobOutcome(job, OutcomeStatus.SKIPPED, error=message))

    async def worker() -> None:
        for index, job in pending:  # shared: each free worker takes the next job
            if (reason := stopped()) is not None:
                skip(index, job, reason)
                continue
            outcome: JobOutcome | None = None
            async with limits.slot():
                # Checked again: others may have spent while this call waited for its slot.
                if (reason := stopped()) is None:
                    outcome = await _run_one(job, call, price, label)
                    limits.charge(outcome.tokens_in + outcome.tokens_out, outcome.cost)
            if outcome is not None:
                record(index, outcome)
            else:
                skip(index, job, reason or "")

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(min(concurrency, len(jobs))):
                group.create_task(worker())
    except BaseExceptionGroup as errors:  # one worker's error (the limits' store gone)
        first = errors.exceptions[0]
        raise first from first.__cause__
    return RunResult(
        outcomes=tuple(o for o in outcomes if o is not None),
        seconds=time.monotonic() - started,
        currency=price.currency if price else None,
        budget_reason=stop_reason,
    )


async def _run_one(
    job: Job, call: Callable[[Job], Awaitable[Completion]], price: Price | None, label: str
) -> JobOutcome:
    began = time.monotonic()
    try:
        completion = await call(job)
    except Exception as error:  # recorded per job: one failure never stops the others
        seconds = time.monotonic() - began
        tokens_in = int(getattr(error, "tokens_in", 0) or 0)
        tokens_out = int(getattr(error, "tokens_out", 0) or 0)
        text = (
            str(error) if isinstance(error, ArxivRadarError) else f"{type(error).__name__}: {error}"
        )
        logger.warning("%s job %s failed: %s", label, job.id, text)
        return JobOutcome(
            job,
            OutcomeStatus.FAILED,
            error=text,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            cost=price.cost(tokens_in, tokens_out) if price else 0.0,
            attempts=int(getattr(error, "attempts", 1) or 1),
            seconds=seconds,
            exception=error,
        )
    return JobOutcome(
        job,
        OutcomeStatus.OK,
        completion=completion,
        tokens_in=completion.tokens_in,
        tokens_out=completion.tokens_out,
        cost=price.cost(completion.tokens_in, completion.tokens_out) if price else 0.0,
        attempts=completion.attempts,
        seconds=time.monotonic() - began,
    )
