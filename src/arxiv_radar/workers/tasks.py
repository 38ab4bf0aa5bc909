"""What a worker does: summarize one paper version with the run's summary settings.

``arxiv-radar worker`` calls :func:`configure` with its configuration, store and environment
before it starts; each worker process then opens the store once. A task gets the paper's
id and version and the run's ``[summaries]`` settings (so that its cache key is the one the
run waits for; the API key is the worker's own), and summarizes the paper as a run does: a
summary already stored is not made again (no call, whichever worker had it), a failure is
stored as failed, with its error. arXiv (full text, PDF) is read through the store's arXiv
gate, shared with every other process.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from arxiv_radar.config import Config, SummaryConfig
from arxiv_radar.store import Store

__all__ = ["configure", "summarize"]

logger = logging.getLogger(__name__)


@dataclass
class _Context:
    config: Config
    store_url: str
    env: Mapping[str, str]
    store: Store | None = None
    pid: int = 0


_CONTEXT: _Context | None = None


def configure(config: Config, store_url: str, env: Mapping[str, str]) -> None:
    """What this worker's tasks use: its configuration, store and environment (API keys)."""
    global _CONTEXT
    _CONTEXT = _Context(config, store_url, env)


def _store(context: _Context) -> Store:
    if context.store is None or context.pid != os.getpid():  # a new (forked) process
        context.store = Store.open(context.store_url, **context.config.store.engine_options())
        context.pid = os.getpid()
    return context.store


def summarize(arxiv_id: str, version: int, summaries: dict[str, Any]) -> str:
    """Summarize ``arxiv_id`` version ``version`` with the ``summaries`` settings; the
    outcome's status (``cached``, ``ok``, ``incomplete``, ``failed``, ``skipped``)."""
    from arxiv_radar.runtime import build_client
    from arxiv_radar.summarize.service import summarize_configured

    if _CONTEXT is None:
        raise RuntimeError("this worker was not configured (start it with arxiv-radar worker)")
    context = _CONTEXT
    store = _store(context)
    stored = store.get_paper(arxiv_id)
    if stored is None:
        logger.warning("summary of %sv%d: no such paper in the store", arxiv_id, version)
        return "skipped"
    paper = stored.paper
    if paper.version != version:
        paper = paper.model_copy(update={"version": version})
    config = context.config.model_copy(
        update={"summaries": SummaryConfig.model_validate(summaries)}
    )
    with build_client(config.arxiv, store) as client:
        report = summarize_configured(
            [paper], config=config, store=store, env=context.env, arxiv=client
        )
    status = report.outcomes[0].status if report.outcomes else "skipped"
    logger.info("summary of %sv%d: %s", arxiv_id, version, status)
    return status
