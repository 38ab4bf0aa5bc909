"""The run's side of the workers: send each paper to summarize, wait for it in the store.

The workers themselves (``arxiv-radar worker``, :mod:`arxiv_radar.workers`) register the task
this sends by name (:data:`SUMMARIZE`, on :data:`QUEUE`); this side needs only a client of
the broker (:func:`broker_client`).

:func:`remote_summarizer` is the summarizer a run uses when ``[workers]`` has a broker. It
finds the summaries the store holds already (``cached``: nothing sent), checks that a worker
answers, then keeps at most ``summaries.concurrency`` papers with the workers at a time: the
calls in flight to the model stay within that bound whatever the number of workers, and the
run's ``[summaries.budget]`` is checked before each paper is sent, against what the summaries
stored so far cost. A paper is done when its summary (or its failure) appears in the store;
one that no worker finishes within ``task_timeout`` seconds is a failure of this run, tried
again by the next.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from arxiv_radar.config import Config, WorkersConfig
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
    from celery import Celery

    from arxiv_radar.store import Store

Summarizer = Callable[[Sequence[Paper], Spent], SummarizeReport]

__all__ = ["QUEUE", "SUMMARIZE", "broker_client", "celery_settings", "remote_summarizer"]

POLL_S = 0.2
QUEUE = "arxiv-radar"
"""The queue the tasks go to (``arxiv-radar worker --queues`` chooses others)."""
SUMMARIZE = "arxiv_radar.summarize"
"""The task that summarizes one paper version (:func:`arxiv_radar.workers.tasks.summarize`)."""


def celery_settings(section: WorkersConfig) -> dict[str, object]:
    """The Celery settings shared by the runs (which send) and the workers (which take).

    Tasks are acknowledged late (``acks_late``): a message leaves the queue only once its
    task ended, so the task of a worker killed in the middle is delivered again (at once when
    a worker's child process dies; when the whole worker does, after ``visibility_timeout``
    seconds and the next sweep for such messages, every third of it, at most 10 s) and done by
    another worker. Each worker process takes one message at a time. No
    result backend: the results are in the store."""
    return {
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_ignore_result": True,
        "task_default_queue": QUEUE,
        "task_serializer": "json",
        "accept_content": ["json"],
        "broker_transport_options": {
            "visibility_timeout": section.visibility_timeout,
            # Look for messages of dead workers every few seconds (at most 10), not every 100.
            "unacked_restore_interval": max(1, min(10, round(section.visibility_timeout / 3))),
            "unacked_restore_throttle": 1,
        },
        "broker_connection_retry_on_startup": True,
        "broker_connection_timeout": 5,
        "worker_hijack_root_logger": False,
        "worker_send_task_events": False,
        "enable_utc": True,
    }


def broker_client(section: WorkersConfig) -> Celery:
    """A Celery app on ``section.broker`` that sends tasks (it registers none)."""
    from celery import Celery

    if section.broker is None:
        raise ValueError("[workers] has no broker")
    app = Celery("arxiv_radar", broker=section.broker, set_as_current=False)
    app.conf.update(celery_settings(section))
    return app


def remote_summarizer(config: Config, store: Store, env: Mapping[str, str]) -> Summarizer:
    """Summaries made by the workers of ``config.workers`` (see the module docstring)."""
    from arxiv_radar.summarize.providers import resolve_provider

    require_extra("workers", "[workers] broker", {"celery": "celery", "redis": "celery"})
    section = config.summaries
    spec = resolve_provider(section, env)
    app = broker_client(config.workers)
    broker = config.workers.broker
    checked: list[bool] = []

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
        if todo and not checked:
            _check_workers(app, broker)
            checked.append(True)  # once per run: the readers' profiles send more
        budget = section.budget
        sent: dict[str, float] = {}  # arxiv id -> when it was sent
        queue = list(todo)
        while queue or sent:
            over = _over_budget(spent, budget.max_tokens, budget.max_cost)
            while queue and len(sent) < section.concurrency and over is None:
                paper = queue.pop(0)
                _send(app, broker, paper, section.model_dump(mode="json"))
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
            for paper in todo:
                if paper.arxiv_id not in sent:
                    continue
                found = now.get(keys[paper.arxiv_id])
                old = before.get(keys[paper.arxiv_id])
                if found is not None and (old is None or found.created_at != old.created_at):
                    outcome = paper_outcome(paper, found.status.value, found)
                    spent = spent + Spent(found.tokens_in + found.tokens_out, found.cost)
                    report.calls += 1
                    report.attempts += 1
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
        report.outcomes = [outcomes[paper.arxiv_id] for paper in papers]
        report.tokens_in = sum(o.tokens_in for o in report.outcomes)
        report.tokens_out = sum(o.tokens_out for o in report.outcomes)
        report.cost = sum(o.cost for o in report.outcomes)
        report.seconds = time.monotonic() - began
        return report

    return summarize


def _check_workers(app: object, broker: str | None) -> None:
    """At least one worker answers on the broker, or a :class:`WorkersError`."""
    from kombu.exceptions import OperationalError

    try:
        # The first answer is enough (limit=1): no waiting out the whole timeout.
        answers = app.control.ping(timeout=2.0, limit=1)  # type: ignore[attr-defined]
    except (OperationalError, OSError) as error:
        raise WorkersError(
            f"cannot reach the broker {broker} of [workers]: {error}; start Redis, or fix "
            "[workers] broker"
        ) from None
    if not answers:
        raise WorkersError(
            f"no arxiv-radar worker answers on {broker}: start one (arxiv-radar worker) on a "
            "machine that reaches the broker and the store, or remove [workers] broker to "
            "summarize in this process"
        )


def _send(app: object, broker: str | None, paper: Paper, summaries: dict[str, object]) -> None:
    from kombu.exceptions import OperationalError

    try:
        app.send_task(  # type: ignore[attr-defined]
            SUMMARIZE, args=[paper.arxiv_id, paper.version, summaries], queue=QUEUE
        )
    except (OperationalError, OSError) as error:
        raise WorkersError(f"cannot send work to the broker {broker}: {error}") from None


def _over_budget(spent: Spent, max_tokens: int | None, max_cost: float | None) -> str | None:
    if max_tokens is not None and spent.tokens >= max_tokens:
        return f"max_tokens = {max_tokens}"
    if max_cost is not None and spent.cost >= max_cost:
        return f"max_cost = {max_cost}"
    return None
