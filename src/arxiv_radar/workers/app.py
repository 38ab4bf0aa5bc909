"""The Celery application of ``arxiv-radar worker``: the broker client's settings
(:func:`arxiv_radar.broker.celery_settings`) with the tasks registered."""

from __future__ import annotations

from typing import TYPE_CHECKING

from arxiv_radar.broker import EMBED, PUBLISH, RANK, SUMMARIZE, broker_client
from arxiv_radar.config import WorkersConfig
from arxiv_radar.workers.tasks import embed, publish, rank, summarize

if TYPE_CHECKING:
    from celery import Celery

__all__ = ["celery_app"]


def celery_app(section: WorkersConfig) -> Celery:
    """The Celery app on ``section.broker``, with the four tasks registered."""
    app = broker_client(section)
    app.conf.worker_redirect_stdouts = False  # the log goes where arxiv-radar's goes (stderr)
    for name, task in ((EMBED, embed), (SUMMARIZE, summarize), (RANK, rank), (PUBLISH, publish)):
        app.task(name=name, bind=False)(task)
    return app
