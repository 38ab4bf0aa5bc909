"""The Celery client of ``[workers] broker``: the tasks' names, their queue and settings, and
how a run sends work and checks that a worker answers.

The workers (``arxiv-radar worker``, :mod:`arxiv_radar.workers`) register the tasks named
here; a run needs only a client of the broker (:func:`broker_client`) to send them. Every task
writes its result to the store, which the run watches: the broker holds no state that matters
(a lost message is work the next run sends again). See docs/workers.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from arxiv_radar.config import WorkersConfig
from arxiv_radar.errors import WorkersError

if TYPE_CHECKING:
    from celery import Celery

__all__ = [
    "EMBED",
    "PUBLISH",
    "QUEUE",
    "RANK",
    "SUMMARIZE",
    "TASKS",
    "broker_client",
    "celery_settings",
    "check_broker",
    "check_workers",
    "send",
]

QUEUE = "arxiv-radar"
"""The queue the tasks go to (``arxiv-radar worker --queues`` chooses others)."""
EMBED = "arxiv_radar.embed"
"""Embed paper versions the store has no vector of (:func:`arxiv_radar.workers.tasks.embed`)."""
SUMMARIZE = "arxiv_radar.summarize"
"""Summarize one paper version (:func:`arxiv_radar.workers.tasks.summarize`)."""
RANK = "arxiv_radar.rank"
"""Rank one profile's day and store the ranking (:func:`arxiv_radar.workers.tasks.rank`)."""
PUBLISH = "arxiv_radar.publish"
"""Publish one profile's day in the store (:func:`arxiv_radar.workers.tasks.publish`)."""
TASKS = (EMBED, SUMMARIZE, RANK, PUBLISH)


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


def check_broker(section: WorkersConfig) -> None:
    """The broker answers, or a :class:`WorkersError` (before a run asks arXiv anything)."""
    import redis

    from arxiv_radar.masking import mask_url_passwords

    if section.broker is None:
        raise ValueError("[workers] has no broker")
    client = redis.Redis.from_url(section.broker, socket_connect_timeout=5, socket_timeout=10)
    try:
        client.ping()
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as error:
        raise WorkersError(
            f"cannot reach the Redis of [workers] broker at "
            f"{mask_url_passwords(section.broker)}: {error}; start Redis, or fix [workers] "
            "broker (or remove it to do the work in this process)"
        ) from None
    finally:
        client.close()


def check_workers(app: Celery, broker: str | None) -> None:
    """At least one worker answers on the broker, or a :class:`WorkersError`."""
    from kombu.exceptions import OperationalError

    try:
        # The first answer is enough (limit=1): no waiting out the whole timeout.
        answers = app.control.ping(timeout=2.0, limit=1)
    except (OperationalError, OSError) as error:
        raise WorkersError(
            f"cannot reach the broker {broker} of [workers]: {error}; start Redis, or fix "
            "[workers] broker"
        ) from None
    if not answers:
        raise WorkersError(
            f"no arxiv-radar worker answers on {broker}: start one (arxiv-radar worker) on a "
            "machine that reaches the broker and the store, or remove [workers] broker to "
            "do the work in this process"
        )


def send(app: Celery, broker: str | None, task: str, args: Sequence[object]) -> None:
    """Send ``task`` with ``args`` to :data:`QUEUE`, or a :class:`WorkersError`."""
    from kombu.exceptions import OperationalError

    try:
        app.send_task(task, args=list(args), queue=QUEUE)
    except (OperationalError, OSError) as error:
        raise WorkersError(f"cannot send work to the broker {broker}: {error}") from None
