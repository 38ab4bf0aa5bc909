"""What the server reads from the store: its state, and each day's digest.

Nothing here calls arXiv or a model, and nothing ranks: a day's digest is the profile's
ranking of that day as the store holds it (the ``rankings`` read model the daily run,
``rank`` and ``summarize`` write, under the profile's ranking configuration hash) with the
summaries the store holds for its papers, exactly as the daily run builds it. A day without a
stored ranking for this profile and configuration has no digest (404) until a run ranks it.

:class:`StoreState` is what makes a cached response stale: the latest announcement date,
the latest row of ``runs`` (a run started or finished) and the number of papers. It is
read at most once every ``state_ttl`` seconds, so answering from the cache costs no query.
Changes no run records (``arxiv-radar summarize`` run by hand) show up within
``cache_ttl`` seconds, when everything is rendered again; an unchanged rendering keeps its
ETag, so clients still get their 304s.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from arxiv_radar.config import Config, NamedProfile, ProfileConfig
from arxiv_radar.config.sections import profile_with_edits
from arxiv_radar.models import Digest
from arxiv_radar.publish.digest import make_digest, summaries_for
from arxiv_radar.store import Store, StoredRanking

__all__ = ["DayView", "StoreData", "StoreState"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoreState:
    """A fingerprint of the store: when it changes, every rendered response is rebuilt."""

    latest_day: dt.date | None
    last_run: tuple[int, str, dt.datetime | None] | None
    papers: int
    readers: Hashable = None  # who reads what: a new reader or owner shows at once
    epoch: int = 0  # moves every ``cache_ttl`` seconds: changes made outside a run show up


@dataclass(frozen=True)
class DayView:
    """One announcement day as the server shows it: the digest and the whole ranking.

    ``last_modified`` is when the digest last changed: the end of the latest successful
    run (or the newest summary in it, if later).
    """

    digest: Digest
    ranking: StoredRanking
    last_modified: dt.datetime


class StoreData:
    """The store, opened lazily, its state, and each day's :class:`DayView` (cached per state)."""

    def __init__(
        self,
        config: Config,
        open_store: Callable[[], Store],
        *,
        profile: str | None = None,
        state_ttl: float = 2.0,
        cache_ttl: float = 300.0,
        owns_store: bool = True,
        private: bool = False,
        state_of: StoreData | None = None,
    ) -> None:
        self.config = config
        self.private = private
        self._state_of = state_of  # another profile's data over the same store: its state
        # No public profile: several profiles, none named 'default' (a server of readers'
        # profiles). The public routes then show nothing; the readers' routes work.
        self.no_public_profile = (
            profile is None and "default" not in config.profiles and len(config.profiles) > 1
        )
        named = (  # an unknown profile fails here, at once
            NamedProfile(*next(iter(config.profiles.items())))
            if self.no_public_profile
            else config.named_profile(profile)
        )
        self.profile_config = named.settings
        self.profile = named.name
        self._open_store = open_store
        self._owns_store = owns_store
        self._store: Store | None = None
        self._open_lock = threading.Lock()
        self._state_ttl = state_ttl
        self._cache_ttl = cache_ttl
        self._state: StoreState | None = None
        self._state_read = -float("inf")
        self._state_lock = threading.Lock()
        self._views: dict[tuple[StoreState, dt.date], DayView | None] = {}
        self._views_lock = threading.Lock()
        self._latest: dict[StoreState, dt.date | None] = {}

    @property
    def state_ttl(self) -> float:
        return self._state_ttl

    @property
    def cache_ttl(self) -> float:
        return self._cache_ttl

    # -- the store ----------------------------------------------------------------------------

    @property
    def store(self) -> Store:
        """The store, opened on first use (a database that is down now may answer later)."""
        if self._store is None:
            with self._open_lock:
                if self._store is None:
                    self._store = self._open_store()
        return self._store

    def close(self) -> None:
        if self._store is not None and self._owns_store:
            self._store.close()
        self._store = None

    # -- state --------------------------------------------------------------------------------

    def fresh_state(self) -> StoreState | None:
        """The state read less than ``state_ttl`` seconds ago, or None (no query made)."""
        if self._state_of is not None:
            return self._state_of.fresh_state()
        if time.monotonic() - self._state_read < self._state_ttl:
            return self._state
        return None

    def state(self) -> StoreState:
        """The store's state, read again when the last read is older than ``state_ttl``."""
        if self._state_of is not None:
            return self._state_of.state()
        fresh = self.fresh_state()
        if fresh is not None:
            return fresh
        with self._state_lock:
            fresh = self.fresh_state()
            if fresh is not None:
                return fresh
            store = self.store
            runs = store.recent_runs(1)
            last = (runs[0].id, runs[0].status, runs[0].finished_at) if runs else None
            now = time.monotonic()
            epoch = int(now / self._cache_ttl) if self._cache_ttl > 0 else time.monotonic_ns()
            state = StoreState(
                store.latest_announcement_date(),
                last,
                store.count_papers(),
                store.readers_state(),
                epoch,
            )
            if state != self._state:
                with self._views_lock:
                    self._views.clear()
                if self._state is not None and state.epoch == self._state.epoch:
                    logger.info("store changed (%s): cached responses rebuilt", state)
            self._state = state
            self._state_read = now
            return state

    def ranking_keys(self) -> list[str]:
        """The configuration hashes the profile's rankings are stored under, as ``rank`` and
        the daily run compute them: the current one first, then, for a profile that turned
        to ``hybrid`` with its first paper marked up, the one it had before (so its pages
        stay up until the next run ranks the day again); for a reader's profile, last, the
        key of its latest ranking (so their changes do not empty their feeds until a run
        ranks with them)."""
        from arxiv_radar.rank.key import ranking_key

        settings = self.settings()
        keys = [
            ranking_key(self.store, self.profile, settings, follow_feedback=follow)[1]
            for follow in (True, False)
        ]
        if self.private:  # a reader's: until a run ranks their changes, the latest ranking
            latest = self.store.latest_ranking_key(self.profile)
            keys += [latest] if latest is not None else []
        return list(dict.fromkeys(keys))

    def settings(self) -> ProfileConfig:
        """The profile's settings: the configuration's, with its reader's changes (made
        through ``PATCH /api/me/profiles/...``) laid over them."""
        if not self.private:
            return self.profile_config
        edits = self.store.profile_edits(self.profile).get(self.profile)
        return profile_with_edits(self.profile_config, edits) if edits else self.profile_config

    # -- days ---------------------------------------------------------------------------------

    def day_view(self, state: StoreState, day: dt.date | None = None) -> DayView | None:
        """The view of ``day`` (default: the latest ranked day); None without a stored
        ranking of the day's papers."""
        day = day or self.latest_ranked_day(state)
        if day is None:
            return None
        key = (state, day)
        with self._views_lock:
            if key in self._views:
                return self._views[key]
        view = self._build_view(day)
        with self._views_lock:
            self._views[key] = view
            while len(self._views) > 64:
                self._views.pop(next(iter(self._views)))
        return view

    def hidden(self) -> bool:
        """Whether the public routes must not show this profile: a reader owns it (it is
        served only at that reader's secret feed URLs), or the configuration has no public
        profile (several profiles, none named ``default``)."""
        if self.private:
            return False
        return self.no_public_profile or self.store.profile_owner(self.profile) is not None

    def _build_view(self, day: dt.date) -> DayView | None:
        store = self.store
        if self.hidden():
            return None
        stored = next(
            (
                found
                for key in self.ranking_keys()
                if (found := store.ranking(self.profile, day, key)) is not None
            ),
            None,
        )
        if stored is None or not stored.considered:
            return None
        shown = [entry.arxiv_id for entry in stored.entries if entry.rank is not None]
        papers = {arxiv_id: found.paper for arxiv_id, found in store.get_papers(shown).items()}
        ranked = stored.ranked(papers)
        summaries = summaries_for(store, ranked)
        published = self._published_at(day)
        newest = max(
            (s.created_at for s in summaries.values() if s.created_at is not None), default=None
        )
        last_modified = max(published, newest) if newest is not None else published
        digest = make_digest(
            self.config,
            announced_on=day,
            ranked=ranked,
            summaries=summaries,
            profile=self.profile,
            papers_announced=stored.considered,
            papers_matched=stored.kept,
            generated_at=published,
        )
        return DayView(digest=digest, ranking=stored, last_modified=last_modified)

    def _published_at(self, day: dt.date) -> dt.datetime:
        """When ``day`` was last published: for a reader's profile, its publication of the
        day (made by the run's readers stage); else the end of the latest successful run for it,
        else of any finished run, else midnight UTC of the day. Stable, so the same store
        renders the same bytes (and the same ETags) in every worker."""
        if self.private:  # a reader's profile: when the run (or a worker) published its day
            mine = self.store.publications(self.profile, limit=1, day=day)
            if mine and mine[0].profile == self.profile:
                return mine[0].published_at.astimezone(dt.UTC)
        runs = self.store.recent_runs(200)
        for wanted in (
            lambda r: r.kind == "run" and r.announced_on == day,
            lambda r: r.announced_on == day,
            lambda r: True,
        ):
            for record in runs:
                if record.status == "ok" and record.finished_at is not None and wanted(record):
                    return record.finished_at.astimezone(dt.UTC)
        return dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)

    def latest_ranked_day(self, state: StoreState) -> dt.date | None:
        """The newest day with a stored ranking for this profile and configuration (read
        once per store state)."""
        with self._views_lock:
            if state in self._latest:
                return self._latest[state]
        days = self.days()
        latest = days[0] if days else None
        with self._views_lock:
            self._latest = {state: latest}
        return latest

    def days(self) -> list[dt.date]:
        """Every day with a stored ranking for this profile and configuration, newest first
        (for a reader's profile once published, when it ever was)."""
        if self.hidden():
            return []
        days = {
            day for key in self.ranking_keys() for day in self.store.ranked_days(self.profile, key)
        }
        if self.private:  # a reader's day is shown once published (its summaries made)
            published = self.store.published_days(self.profile)
            if published:  # none yet: ranked with `arxiv-radar rank`, shown as ranked
                days &= published
        return sorted(days, reverse=True)
