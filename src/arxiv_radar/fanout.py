"""The run's side of the workers for everything but summaries: embed the day's papers, rank
the readers' profiles and publish them, through ``[workers] broker``, waiting in the store.

:class:`RemoteFanout` is what a run uses when ``[workers]`` has a broker (summaries go through
:mod:`arxiv_radar.summarize.remote`). Each method sends only the work the store shows undone
(paper versions without a vector of the model, profiles without a current ranking of the day,
profiles whose day changed since it was last published), checks once that a worker answers,
then waits until the store holds every result, or until ``[workers] task_timeout`` seconds
passed without any new one: what is still missing then is named in the returned
:class:`Dispatched`, and the run does it itself or leaves it to the next run (see
:mod:`arxiv_radar.pipeline`). Tasks are idempotent (a vector is stored once per paper version
and model, a ranking under its key, a publication only when something changed), so a task
that a killed worker leaves is simply done again by another.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from arxiv_radar.broker import (
    EMBED,
    PUBLISH,
    RANK,
    broker_client,
    check_broker,
    check_workers,
    send,
)
from arxiv_radar.config import Config, ProfileConfig
from arxiv_radar.errors import require_extra
from arxiv_radar.models import Paper
from arxiv_radar.publish.stored import PublicationState, publication_state
from arxiv_radar.rank.ranker import RankTarget, candidates_for_day, ranking_target
from arxiv_radar.store import Store

if TYPE_CHECKING:
    from celery import Celery

__all__ = ["EMBED_CHUNK", "Dispatched", "RemoteFanout"]

POLL_S = 0.25
EMBED_CHUNK = 32
"""Paper versions per embed task: enough to batch the model, small enough to share out."""


@dataclass(frozen=True)
class Dispatched:
    """What one fan-out did: the ``tasks`` sent, the items the store showed ``done`` by the
    end (sent or not), and those still ``missing`` (ids or profile names)."""

    tasks: int = 0
    done: int = 0
    missing: tuple[str, ...] = ()


class RemoteFanout:
    """Embed, rank and publish by the workers of ``config.workers`` (module docstring)."""

    def __init__(self, config: Config, store: Store) -> None:
        require_extra("workers", "[workers] broker", {"celery": "celery", "redis": "celery"})
        self.config = config
        self.store = store
        check_broker(config.workers)  # before the run asks arXiv anything
        self._app: Celery = broker_client(config.workers)
        self._checked = False

    def _send(self, task: str, args: Sequence[object]) -> None:
        if not self._checked:
            check_workers(self._app, self.config.workers.broker)
            self._checked = True
        send(self._app, self.config.workers.broker, task, args)

    def _wait(self, wanted: set[str], done: Callable[[set[str]], set[str]]) -> set[str]:
        """Poll ``done(still wanted)`` until nothing is wanted or no progress was made for
        ``task_timeout`` seconds; what is still wanted."""
        last_progress = time.monotonic()
        while wanted:
            time.sleep(POLL_S)
            finished = done(wanted)
            if finished:
                wanted = wanted - finished
                last_progress = time.monotonic()
            elif time.monotonic() - last_progress > self.config.workers.task_timeout:
                break
        return wanted

    def embed(self, papers: Sequence[Paper], model_id: str) -> Dispatched:
        """Have the workers embed the versions of ``papers`` the store has no ``model_id``
        vector of, :data:`EMBED_CHUNK` per task."""
        keys = {(paper.arxiv_id, paper.version) for paper in papers}
        missing = sorted(keys - self.store.embedded(model_id, keys))
        for start in range(0, len(missing), EMBED_CHUNK):
            chunk = missing[start : start + EMBED_CHUNK]
            self._send(EMBED, [[list(key) for key in chunk], model_id])
        label = {f"{arxiv_id}v{version}": (arxiv_id, version) for arxiv_id, version in missing}

        def done(wanted: set[str]) -> set[str]:
            found = self.store.embedded(model_id, [label[name] for name in wanted])
            return {f"{arxiv_id}v{version}" for arxiv_id, version in found}

        left = self._wait(set(label), done)
        tasks = -(-len(missing) // EMBED_CHUNK)
        return Dispatched(tasks, len(keys) - len(left), tuple(sorted(left)))

    def rank(self, day: dt.date, profiles: Mapping[str, ProfileConfig]) -> Dispatched:
        """Have the workers rank ``day`` for each of ``profiles`` that has no current
        ranking stored, one task per profile."""
        candidates = candidates_for_day(self.store, day)
        base = self.config.folder
        targets: dict[str, RankTarget] = {
            name: ranking_target(self.store, name, profile, candidates, base=base)
            for name, profile in profiles.items()
        }

        def done(wanted: set[str]) -> set[str]:
            hashes = self.store.ranking_hashes(day, [(n, targets[n].key) for n in wanted])
            return {n for n in wanted if hashes.get((n, targets[n].key)) == targets[n].fingerprint}

        todo = set(profiles) - done(set(profiles))
        for name in sorted(todo):
            self._send(RANK, [name, day.isoformat(), profiles[name].model_dump(mode="json")])
        left = self._wait(todo, done)
        return Dispatched(len(todo), len(profiles) - len(left), tuple(sorted(left)))

    def publish(self, day: dt.date, profiles: Mapping[str, ProfileConfig]) -> Dispatched:
        """Have the workers publish ``day`` in the store for each of ``profiles`` that is
        ranked and changed since its last publication, one task per profile."""
        candidates = candidates_for_day(self.store, day)
        base = self.config.folder
        states: dict[str, PublicationState] = {
            name: publication_state(
                self.store, name, profile, day, base=base, candidates=candidates
            )
            for name, profile in profiles.items()
        }
        todo = {name for name, state in states.items() if state.due}
        for name in sorted(todo):
            self._send(PUBLISH, [name, day.isoformat(), profiles[name].model_dump(mode="json")])

        def done(wanted: set[str]) -> set[str]:
            published = self.store.publications(None, limit=None, day=day)
            return {
                p.profile for p in published if p.profile in wanted and states[p.profile].done_by(p)
            }

        left = self._wait(todo, done)
        unranked = tuple(sorted(name for name, state in states.items() if not state.ranked))
        return Dispatched(
            len(todo), len(profiles) - len(left) - len(unranked), (*sorted(left), *unranked)
        )
