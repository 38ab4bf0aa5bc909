"""The Celery application of ``arxiv-radar worker``: the broker client's settings
(:func:`arxiv_radar.summarize.remote.celery_settings`) with the tasks registered."""

from __future__ import annotations

from typing import TYPE_CHECKING

from arxiv_radar.config import WorkersConfig
from arxiv_radar.summarize.remote import SUMMARIZE, broker_client
from arxiv_radar.workers.tasks import summarize

if TYPE_CHECKING:
    from celery import Celery

__all__ = ["celery_app"]


def celery_app(section: WorkersConfig) -> Celery:
    """The Celery app on ``section.broker``, with the summarize task registered."""
    app = broker_client(section)
    app.conf.worker_redirect_stdouts = False  # the log goes where arxiv-radar's goes (stderr)
    app.task(name=SUMMARIZE, bind=False)(summarize)
    return app
