"""What a worker does: the four tasks a run sends (:mod:`arxiv_radar.broker`), each with the
same code a run uses in process, each writing its result to the store.

``arxiv-radar worker`` calls :func:`configure` with its configuration, store and environment
before it starts; each worker process then opens the store once (and loads the embedding
model once, on its first embed task).

- :func:`embed`: paper versions to vectors; a version the store has a vector of is skipped.
- :func:`summarize`: one paper version, with the run's ``[summaries]`` settings (so that its
  cache key is the one the run waits for; the API key is the worker's own), as a run does: a
  summary already stored is not made again (no call, whichever worker had it), a failure is
  stored as failed, with its error. arXiv (full text, PDF) is read through the store's
  arXiv gate, shared with every other process.
- :func:`rank`: one profile's day, with the run's settings of the profile, stored under the
  key the run waits for (a current stored ranking is kept as it is).
- :func:`publish`: one profile's day published in the store, when it changed
  (:func:`arxiv_radar.publish.stored.publish_in_store`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from arxiv_radar.config import Config, ProfileConfig, SummaryConfig
from arxiv_radar.store import Store

if TYPE_CHECKING:
    from arxiv_radar.embed.model import Embedder

__all__ = ["configure", "embed", "preload", "publish", "rank", "summarize"]

logger = logging.getLogger(__name__)


@dataclass
class _Context:
    config: Config
    store_url: str
    env: Mapping[str, str]
    store: Store | None = None
    pid: int = 0
    embedder: Embedder | None = None


_CONTEXT: _Context | None = None


def configure(config: Config, store_url: str, env: Mapping[str, str]) -> None:
    """What this worker's tasks use: its configuration, store and environment (API keys)."""
    global _CONTEXT
    _CONTEXT = _Context(config, store_url, env)


def preload() -> None:
    """Import what the tasks run (the model's SDK among it) once, before the worker forks its
    processes: each then starts its first task at once instead of importing for a second."""
    import arxiv_radar.embed.papers
    import arxiv_radar.publish.stored
    import arxiv_radar.rank.ranker
    import arxiv_radar.runtime
    import arxiv_radar.summarize.clients
    import arxiv_radar.summarize.limits
    import arxiv_radar.summarize.service  # noqa: F401


def _store(context: _Context) -> Store:
    if context.store is None or context.pid != os.getpid():  # a new (forked) process
        context.store = Store.open(context.store_url, **context.config.store.engine_options())
        context.pid = os.getpid()
    return context.store


def _context() -> _Context:
    if _CONTEXT is None:
        raise RuntimeError("this worker was not configured (start it with arxiv-radar worker)")
    return _CONTEXT


def _embedder(context: _Context) -> Embedder:
    """The embedding model, loaded once per worker process."""
    from arxiv_radar.embed.model import load_embedder

    if context.embedder is None:
        context.embedder = load_embedder()
    return context.embedder


def embed(keys: list[list[Any]], model_id: str) -> str:
    """Embed the paper versions ``keys`` ([arxiv id, version] pairs) the store has no
    ``model_id`` vector of; ``ok``, or ``skipped`` when this worker's model is another."""
    from arxiv_radar.embed.model import model_spec
    from arxiv_radar.embed.papers import embed_papers

    context = _context()
    store = _store(context)
    if model_spec().model_id != model_id:
        logger.error("embed: the run asks for %s, this worker has %s", model_id, model_spec())
        return "skipped"
    wanted = {(str(arxiv_id), int(version)) for arxiv_id, version in keys}
    stored = store.get_papers(sorted({arxiv_id for arxiv_id, _ in wanted}))
    papers = [
        stored[arxiv_id].paper.model_copy(update={"version": version})
        for arxiv_id, version in sorted(wanted)
        if arxiv_id in stored
    ]
    before = len(store.embedded(model_id, wanted))
    embed_papers(store, _embedder(context), papers)
    logger.info("embedded %d of %d paper versions", len(wanted) - before, len(wanted))
    return "ok"


def rank(name: str, day: str, profile: dict[str, Any]) -> str:
    """Rank ``day`` (ISO date) for the profile ``name`` with the run's ``profile`` settings
    and store the ranking; ``ok``."""
    from arxiv_radar.rank.ranker import rank_day

    context = _context()
    settings = ProfileConfig.model_validate(profile)
    ranking = rank_day(
        _store(context),
        name,
        settings,
        day=dt.date.fromisoformat(day),
        base=context.config.folder,
        embedder=_embedder(context),
    )
    logger.info("ranked %s for %s: %d shown", day, name, len(ranking.ranked))
    return "ok"


def publish(name: str, day: str, profile: dict[str, Any]) -> str:
    """Publish ``day`` (ISO date) of the profile ``name`` in the store; ``ok``, or
    ``skipped`` when the day has no current ranking for ``profile``."""
    from arxiv_radar.publish.stored import publish_in_store

    context = _context()
    done = publish_in_store(
        _store(context),
        name,
        ProfileConfig.model_validate(profile),
        dt.date.fromisoformat(day),
        base=context.config.folder,
    )
    logger.info("published %s for %s: %s", day, name, "ok" if done else "not ranked")
    return "ok" if done is not None else "skipped"


def summarize(
    arxiv_id: str, version: int, summaries: dict[str, Any], scope: str | None = None
) -> str:
    """Summarize ``arxiv_id`` version ``version`` with the ``summaries`` settings; the
    outcome's status (``cached``, ``ok``, ``incomplete``, ``failed``, ``skipped``).

    ``scope``: the run's budget in Redis (:mod:`arxiv_radar.summarize.limits`): the call is
    charged to it, and not made once it is spent (the paper is then noted as skipped there,
    for the run to read)."""
    from arxiv_radar.runtime import build_client
    from arxiv_radar.summarize.limits import RedisLimits, call_limits
    from arxiv_radar.summarize.service import summarize_configured

    context = _context()
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
    limits = call_limits(config, scope=scope)  # shared by every worker and the run
    try:
        with build_client(config.arxiv, store) as client:
            report = summarize_configured(
                [paper], config=config, store=store, env=context.env, arxiv=client, limits=limits
            )
        status = report.outcomes[0].status if report.outcomes else "skipped"
        if report.budget_reason is not None and isinstance(limits, RedisLimits):
            limits.mark_skipped(arxiv_id)
    finally:
        limits.close()
    logger.info("summary of %sv%d: %s", arxiv_id, version, status)
    return status
