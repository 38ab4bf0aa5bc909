"""The run's side of the workers: send each paper to summarize, wait for it in the store.

The workers themselves (``arxiv-radar worker``, :mod:`arxiv_radar.workers`) register the task
this sends by name (:data:`arxiv_radar.broker.SUMMARIZE`); this side needs only a client of
the broker (:func:`arxiv_radar.broker.broker_client`).

:func:`remote_summarizer` is the summarizer a run uses when ``[workers]`` has a broker. It
finds the summaries the store holds already (``cached``: nothing sent), checks that a worker
answers, then keeps at most ``summaries.concurrency`` papers with the workers at a time: the
calls in flight to the model stay within that bound whatever the number of workers (the
workers' calls also share the bound and ``rate_limit`` through Redis:
:mod:`arxiv_radar.summarize.limits`). The run's ``[summaries.budget]`` is one budget scope in
Redis (the run's rerank charged to it first): the workers charge each call to it and check it
before each call, and the run checks it before each paper is sent; a paper a worker skipped
for the budget is reported skipped, as in process (the run also counts what the summaries it
finds cost: a Redis that restarted forgets its count). A paper is done when its summary (or
its failure) appears in the store; one that no worker finishes within ``task_timeout``
seconds is a failure of this run, tried again by the next.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, TypeVar

from arxiv_radar.broker import SUMMARIZE, broker_client, check_workers, send
from arxiv_radar.config import Config
from arxiv_radar.errors import WorkersError, require_extra
from arxiv_radar.models import Paper, SummaryStatus
from arxiv_radar.summarize.runner import Spent
from arxiv_radar.summarize.stage import (
    PaperOutcome,
    SummarizeReport,
    paper_outcome,
    summary_keys,
)

if TYPE_CHECKING:
    from arxiv_radar.store import Store

Summarizer = Callable[[Sequence[Paper], Spent], SummarizeReport]

__all__ = ["remote_summarizer"]

logger = logging.getLogger(__name__)
T = TypeVar("T")

POLL_S = 0.2


def remote_summarizer(config: Config, store: Store, env: Mapping[str, str]) -> Summarizer:
    """Summaries made by the workers of ``config.workers`` (see the module docstring)."""
    from arxiv_radar.summarize.limits import RedisLimits, call_limits
    from arxiv_radar.summarize.providers import resolve_provider

    require_extra("workers", "[workers] broker", {"celery": "celery", "redis": "celery"})
    section = config.summaries
    spec = resolve_provider(section, env)
    app = broker_client(config.workers)
    broker = config.workers.broker
    checked: list[bool] = []
    # The run's budget, in Redis: what the workers' calls spent, whichever worker made them.
    scope = f"run:{uuid.uuid4().hex}"
    limits = call_limits(config, scope=scope)  # a broker is set: the limits are in Redis
    if not isinstance(limits, RedisLimits):  # pragma: no cover - call_limits' contract
        raise TypeError("[workers] broker is set but the limits are not kept in Redis")
    charged: list[Spent] = []  # what the run spent itself (its rerank), charged once

    def summarize(papers: Sequence[Paper], spent: Spent) -> SummarizeReport:
        began = time.monotonic()
        report = SummarizeReport(
            provider=spec.cache_name,
            model=spec.model,
            extractive=spec.name == "extractive",
            language=section.language,
            input_mode="abstract" if spec.name == "extractive" else section.input_mode,
        )
        keys = summary_keys(papers, spec, section)
        before = store.get_summaries(keys.values())
        outcomes: dict[str, PaperOutcome] = {}
        todo: list[Paper] = []
        for paper in papers:
            hit = before.get(keys[paper.arxiv_id])
            if hit is not None and hit.status != SummaryStatus.FAILED:
                outcomes[paper.arxiv_id] = paper_outcome(paper, "cached")
            else:
                todo.append(paper)
        if not todo:
            return _finished(report, papers, outcomes, began)
        if not checked:
            check_workers(app, broker)
            checked.append(True)  # once per run: the readers' profiles send more
        if not charged:  # the run's own calls so far (its rerank) count against the budget
            charged.append(spent)
            if spent.tokens or spent.cost:
                limits.charge(spent.tokens, spent.cost)
        seen = spent  # what the run has spent, by what the store shows
        budget = section.budget
        sent: dict[str, float] = {}  # arxiv id -> when it was sent
        queue = list(todo)
        settings = section.model_dump(mode="json")
        while queue or sent:
            # Redis' count, or what the store shows this run spent, if more (a Redis that
            # restarted forgot what it had counted)
            shared = _shared(limits.spent, Spent())
            over = _over_budget(
                Spent(max(shared.tokens, seen.tokens), max(shared.cost, seen.cost)),
                budget.max_tokens,
                budget.max_cost,
            )
            while queue and len(sent) < section.concurrency and over is None:
                paper = queue.pop(0)
                send(app, broker, SUMMARIZE, [paper.arxiv_id, paper.version, settings, scope])
                sent[paper.arxiv_id] = time.monotonic()
            if over is not None and queue:
                report.budget_reason = over
                for paper in queue:
                    outcomes[paper.arxiv_id] = PaperOutcome(
                        paper.arxiv_id, paper.version, paper.title, "skipped", error=over
                    )
                queue = []
            if not sent:
                break
            time.sleep(POLL_S)
            now = store.get_summaries([keys[arxiv_id] for arxiv_id in sent])
            # papers a worker skipped: the budget was reached when their call would start
            none: set[str] = set()
            skipped = _shared(limits.skipped, none) if over is not None else none
            for paper in todo:
                if paper.arxiv_id not in sent:
                    continue
                found = now.get(keys[paper.arxiv_id])
                old = before.get(keys[paper.arxiv_id])
                if found is not None and (old is None or found.created_at != old.created_at):
                    outcome = paper_outcome(paper, found.status.value, found)
                    seen = seen + Spent(found.tokens_in + found.tokens_out, found.cost)
                    report.calls += 1
                    report.attempts += 1
                elif paper.arxiv_id in skipped:
                    report.budget_reason = over
                    outcome = PaperOutcome(
                        paper.arxiv_id, paper.version, paper.title, "skipped", error=over
                    )
                elif time.monotonic() - sent[paper.arxiv_id] > config.workers.task_timeout:
                    outcome = PaperOutcome(
                        paper.arxiv_id,
                        paper.version,
                        paper.title,
                        "failed",
                        error=f"no worker finished it within {config.workers.task_timeout:.0f} s "
                        "(are the workers running? arxiv-radar worker)",
                    )
                else:
                    continue
                outcomes[paper.arxiv_id] = outcome
                del sent[paper.arxiv_id]
        return _finished(report, papers, outcomes, began)

    return summarize


def _finished(
    report: SummarizeReport,
    papers: Sequence[Paper],
    outcomes: Mapping[str, PaperOutcome],
    began: float,
) -> SummarizeReport:
    """``report`` with the outcome of each of ``papers``, in their order, and the totals."""
    report.outcomes = [outcomes[paper.arxiv_id] for paper in papers]
    report.tokens_in = sum(o.tokens_in for o in report.outcomes)
    report.tokens_out = sum(o.tokens_out for o in report.outcomes)
    report.cost = sum(o.cost for o in report.outcomes)
    report.seconds = time.monotonic() - began
    return report


def _shared(read: Callable[[], T], otherwise: T) -> T:
    """What ``read`` reads in Redis, or ``otherwise`` while Redis does not answer (a broker
    restarting): the run goes on with what the store shows, and waits for the rest."""
    try:
        return read()
    except WorkersError as error:
        logger.warning("%s", error)
        return otherwise


def _over_budget(spent: Spent, max_tokens: int | None, max_cost: float | None) -> str | None:
    if max_tokens is not None and spent.tokens >= max_tokens:
        return f"max_tokens = {max_tokens}"
    if max_cost is not None and spent.cost >= max_cost:
        return f"max_cost = {max_cost}"
    return None
