"""The Store: the one place arxiv-radar reads and writes its database.

Long on purpose: one facade over all tables; each method wraps its table module in a transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from ..arxiv.gates import NO_SHARED_GATE, SharedGate
from ..errors import StoreError, StoreMissingError, UsageError
from ..models import (
    Announcement,
    IngestCounts,
    ListingEntry,
    Paper,
    StoredPaper,
    Summary,
    SummaryKey,
)
from . import embeddings as embedding_rows
from . import feedback as feedback_rows
from . import listings as listing_rows
from . import migrate
from . import papers as paper_rows
from . import publications as publication_rows
from . import rankings as ranking_rows
from . import readers as reader_rows
from . import reranks as rerank_rows
from . import runs as run_rows
from . import summaries as summary_rows
from .connect import WRITE_OPTION, Target, build_engine, connect_error, describe, resolve
from .gate import StoreGate
from .lock import Confirm, run_lock
from .publications import Publication
from .rankings import StoredRanking
from .readers import Reader, ReadersState, ReaderTokens
from .reranks import RerankRecord
from .runs import RunRecord
from .tables import RUN_STATUSES

if TYPE_CHECKING:  # numpy is imported by the embedding methods only
    import numpy as np
    import numpy.typing as npt

__all__ = ["RunRecord", "Store"]  # RunRecord: also importable from here, as before

log = logging.getLogger(__name__)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Store:
    """Papers, announcements, HTTP validators, runs and publications, in SQLite or PostgreSQL.

    Open one with ``Store.open(path_or_url)`` and close it (or use it as a context manager).
    Every method is one transaction; every database failure is raised as ``StoreError``.
    """

    def __init__(self, engine: Engine, target: Target) -> None:
        self._engine: Engine | None = engine
        self._target = target
        self.applied_migrations: tuple[str, ...] = ()  # revisions the last open applied

    # -- lifecycle --------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        url: str,
        *,
        migrate: bool = True,
        read_only: bool = False,
        create: bool = True,
        pool_size: int | None = None,
        statement_timeout: float | None = None,
    ) -> Self:
        """Open the store at a SQLite path (or ``:memory:``) or a SQLAlchemy URL.

        With ``migrate`` (the default) pending schema migrations run first; a database written
        by a newer arxiv-radar is refused. Without it the schema is left as it is.
        ``read_only`` opens it so that nothing can be written, not even beside a SQLite file
        (for a read-only file system); its schema must then be current already.
        ``create=False`` raises :class:`StoreMissingError` instead of creating a SQLite file
        that does not exist yet (for commands that only read). ``pool_size`` bounds the
        connections kept open (SQLAlchemy's default, 5, when None); ``statement_timeout``
        (seconds, PostgreSQL only) cancels a statement that runs longer (``[store]`` in the
        configuration: ``StoreConfig.engine_options()``).
        """
        target = resolve(url)
        if not create and target.is_sqlite and not target.is_memory:
            if not Path(str(target.url.database)).exists():
                raise StoreMissingError(f"there is no store at {target.display} yet")
        engine = build_engine(
            target, read_only=read_only, pool_size=pool_size, statement_timeout=statement_timeout
        )
        store = cls(engine, target)
        try:
            store.ping()
            if read_only:
                store._require_current()
            elif migrate:
                store._migrate()
        except BaseException:
            store.close()
            raise
        return store

    def _require_current(self) -> None:
        revision = self.schema_revision()
        if revision != migrate.head_revision():
            raise StoreError(
                f"the store {self.url_for_display} is at schema {revision or 'none'}, not "
                f"{migrate.head_revision()}: open it once with write access (any arxiv-radar "
                "command does it) before serving it read-only"
            )

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.url_for_display!r})"

    @contextmanager
    def run_lock(self, name: str = "run") -> Iterator[Confirm]:
        """Hold the store's ``name`` lock for the block: a second run on the same store
        stops at once with :class:`~arxiv_radar.store.lock.RunLockedError` (exit 4). The
        block gets a function to call between stages, which takes the lock again after a
        PostgreSQL restart (see :func:`~arxiv_radar.store.lock.run_lock`)."""
        with run_lock(self._require_engine(), self._target, name) as confirm:
            yield confirm

    def arxiv_gate(self) -> SharedGate:
        """The gate every process using this store passes before a request to arXiv, so that
        arXiv's interval holds among them all (:mod:`arxiv_radar.store.gate`); an in-memory
        store is private to its process and needs none."""
        if self._target.is_memory:
            return NO_SHARED_GATE
        return StoreGate(self._require_engine(), self._target)

    @property
    def url_for_display(self) -> str:
        """The database location, safe to show: a file path, or the URL without its password."""
        return self._target.display

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql`` (or another SQLAlchemy backend name)."""
        return self._target.url.get_backend_name()

    def ping(self) -> None:
        """Check that the database answers; raises StoreError when it does not."""
        engine = self._require_engine()
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            raise connect_error(self._target, exc) from exc

    def schema_revision(self) -> str | None:
        """The database's schema revision (None before the first migration)."""
        with self._transaction("reading the schema revision") as conn:
            return migrate.current_revision(conn)

    @staticmethod
    def head_revision() -> str:
        """The newest schema revision this version of arxiv-radar knows."""
        return migrate.head_revision()

    def _migrate(self) -> None:
        with self._transaction("migrating the schema", write=True) as conn:
            applied = migrate.upgrade(conn, self.url_for_display)
        self.applied_migrations = tuple(applied)
        if applied:
            log.info("schema of %s migrated: %s", self.url_for_display, ", ".join(applied))

    def _require_engine(self) -> Engine:
        if self._engine is None:
            raise StoreError(f"the store {self.url_for_display} is closed")
        return self._engine

    @contextmanager
    def _transaction(self, action: str, *, write: bool = False) -> Iterator[Connection]:
        engine = self._require_engine()
        try:
            with engine.connect() as conn:
                if write:
                    conn.execution_options(**{WRITE_OPTION: True})
                with conn.begin():
                    yield conn
        except SQLAlchemyError as exc:
            raise StoreError(
                f"{action} failed on {self.url_for_display}: {describe(exc, self._target)}"
            ) from exc
        except UnicodeEncodeError as exc:  # a lone surrogate: not text any database can hold
            raise StoreError(
                f"{action} failed on {self.url_for_display}: text that is not valid Unicode "
                f"({exc.reason} at position {exc.start} of {exc.object[exc.start : exc.end]!r})"
            ) from exc

    # -- papers and announcements -----------------------------------------------------------

    def ingest(self, entries: Iterable[ListingEntry]) -> IngestCounts:
        """Store a listing's papers and announcements, all or nothing.

        The position of each announcement is the index of its entry in ``entries``.
        """
        with self._transaction("storing a listing", write=True) as conn:
            return paper_rows.ingest(conn, entries, _now())

    def upsert_papers(self, papers: Iterable[Paper]) -> IngestCounts:
        """Insert or update papers (see docs/store.md for the rules); one transaction."""
        with self._transaction("storing papers", write=True) as conn:
            return paper_rows.upsert_all(conn, papers, _now())

    def add_announcements(
        self, announcements: Iterable[Announcement], *, positions: bool = True
    ) -> IngestCounts:
        """Record announcements of stored papers; one transaction.

        With ``positions`` each announcement's position is its index in ``announcements``;
        without, positions are left unknown.
        """
        with self._transaction("storing announcements", write=True) as conn:
            return paper_rows.add_announcements(conn, announcements, positions=positions)

    def get_paper(self, arxiv_id: str) -> StoredPaper | None:
        return self.get_papers([arxiv_id]).get(arxiv_id)

    def get_papers(self, arxiv_ids: Iterable[str]) -> dict[str, StoredPaper]:
        """The stored papers among ``arxiv_ids`` (ids not stored are left out)."""
        with self._transaction("reading papers") as conn:
            return paper_rows.load_papers(conn, arxiv_ids)

    def papers_announced_on(self, day: dt.date) -> list[StoredPaper]:
        """Every paper announced on ``day``, in announcement order.

        Ordered by the strongest announce type the paper had that day (new, cross, replace,
        replace-cross), then by its position in the listing, then by arxiv_id.
        """
        with self._transaction("reading a day's papers") as conn:
            order = paper_rows.announced_order(conn, day)
            found = paper_rows.load_papers(conn, order)
        return [found[arxiv_id] for arxiv_id in order]

    def all_papers(
        self, limit: int | None = None, *, page_size: int = 500
    ) -> Iterator[StoredPaper]:
        """Every stored paper in arxiv_id order (at most ``limit``), read page by page."""
        after: str | None = None
        remaining = limit
        while remaining is None or remaining > 0:
            size = page_size if remaining is None else min(page_size, remaining)
            with self._transaction("reading papers") as conn:
                page = paper_rows.load_page(conn, after, size)
            yield from page
            if len(page) < size:
                return
            after = page[-1].paper.arxiv_id
            if remaining is not None:
                remaining -= len(page)

    def announcement_dates(self) -> list[dt.date]:
        """Every day with at least one announcement, oldest first."""
        with self._transaction("reading announcement dates") as conn:
            return paper_rows.announcement_dates(conn)

    def latest_announcement_date(self) -> dt.date | None:
        with self._transaction("reading announcement dates") as conn:
            return paper_rows.announcement_bound(conn, latest=True)

    def first_announcement_date(self, feed: str | None = None) -> dt.date | None:
        """The earliest day with an announcement (seen through ``feed``, when given)."""
        with self._transaction("reading announcement dates") as conn:
            return paper_rows.announcement_bound(conn, latest=False, feed=feed)

    def count_papers(self) -> int:
        with self._transaction("counting papers") as conn:
            return paper_rows.count(conn)

    # -- listings read whole and conditional GET -------------------------------------------

    def record_listing(
        self, day: dt.date, source: str, categories: Iterable[str], papers: int
    ) -> None:
        """Remember that ``day``'s listing of ``categories`` was read whole from ``source``
        (``rss`` or ``api``); the categories add to those recorded before."""
        with self._transaction("recording a listing", write=True) as conn:
            listing_rows.record(conn, day, source, categories, papers, _now())

    def listed_categories(self, day: dt.date) -> frozenset[str]:
        """The categories whose listing of ``day`` was read whole, from any source."""
        with self._transaction("reading listings") as conn:
            return listing_rows.categories(conn, day)

    def listing_dates(self) -> set[dt.date]:
        """Every day whose listing (of some categories) was read whole."""
        with self._transaction("reading listings") as conn:
            return listing_rows.days(conn)

    def get_validators(self, url: str) -> tuple[str | None, str | None] | None:
        """The (ETag, Last-Modified) last seen for ``url``, or None."""
        with self._transaction("reading the HTTP cache") as conn:
            return listing_rows.get_validators(conn, url)

    def put_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """Remember the validators of ``url``; with neither, forget the URL."""
        with self._transaction("writing the HTTP cache", write=True) as conn:
            listing_rows.put_validators(conn, url, etag, last_modified, _now())

    # -- feedback -------------------------------------------------------------------------------

    def record_feedback(self, profile: str, arxiv_id: str, judgement: int | None) -> None:
        """Record a reader's judgement of a paper for ``profile``: 1 (up), -1 (down), or None
        to forget it; the latest judgement of a paper is kept."""
        with self._transaction("recording feedback", write=True) as conn:
            feedback_rows.save(conn, profile, arxiv_id, judgement, _now())

    def feedback(self, profile: str) -> dict[str, int]:
        """``profile``'s judgements: arXiv id -> 1 (up) or -1 (down), oldest first."""
        with self._transaction("reading feedback") as conn:
            return feedback_rows.load(conn, profile)

    def new_feedback_token(self, profile: str) -> str:
        """A new random token that lets its holder record ``profile``'s feedback through the
        server, replacing the one before; only its SHA-256 is stored, so this is the one time
        it can be read."""
        token = feedback_rows.new_token()
        with self._transaction("saving a feedback token", write=True) as conn:
            feedback_rows.save_token(conn, profile, token, _now())
        return token

    def revoke_feedback_token(self, profile: str) -> bool:
        """Forget ``profile``'s feedback token (False: it had none)."""
        with self._transaction("revoking a feedback token", write=True) as conn:
            return feedback_rows.delete_token(conn, profile)

    def feedback_token_matches(self, profile: str, token: str) -> bool:
        """Whether ``token`` is ``profile``'s feedback token (compared in constant time)."""
        with self._transaction("checking a feedback token") as conn:
            return feedback_rows.token_matches(conn, profile, token)

    # -- readers (a server shared by many) ------------------------------------------------------

    def add_reader(self, name: str, profiles: Sequence[str] = ()) -> ReaderTokens:
        """A new reader owning ``profiles``; their API and feed tokens are returned, the one
        time they can be read (only their SHA-256 is stored). A taken name or a profile owned
        by another reader raises :class:`~arxiv_radar.errors.UsageError`, writing nothing."""
        with self._transaction("adding a reader", write=True) as conn:
            return reader_rows.add(conn, name, profiles, _now())

    def grant_profile(self, name: str, profile: str) -> bool:
        """Give ``profile`` to reader ``name`` (False: theirs already)."""
        with self._transaction("giving a profile to a reader", write=True) as conn:
            if not reader_rows.load(conn, name):
                raise UsageError(f"there is no reader '{name}' (arxiv-radar users list)")
            return reader_rows.grant(conn, name, profile, _now())

    def new_reader_tokens(self, name: str) -> ReaderTokens | None:
        """New tokens for reader ``name``, the old ones no longer working (None: no reader)."""
        with self._transaction("giving a reader new tokens", write=True) as conn:
            return reader_rows.new_tokens(conn, name, _now())

    def remove_reader(self, name: str) -> bool:
        """Forget reader ``name`` and which profiles they own (False: no such reader)."""
        with self._transaction("removing a reader", write=True) as conn:
            return reader_rows.remove(conn, name)

    def readers(self, name: str | None = None) -> list[Reader]:
        """Every reader, by name (or the one named: a list of one or none)."""
        with self._transaction("reading readers") as conn:
            return reader_rows.load(conn, name)

    def profile_owner(self, profile: str) -> str | None:
        """The reader who owns ``profile`` (None: nobody; its pages are public)."""
        with self._transaction("reading readers") as conn:
            return reader_rows.owner(conn, profile)

    def profile_edits(self, profile: str | None = None) -> dict[str, dict[str, Any]]:
        """The settings readers changed through the API, by profile (or of ``profile``):
        laid over the configuration's by :meth:`arxiv_radar.config.Config.with_edits`."""
        with self._transaction("reading readers' profile settings") as conn:
            return reader_rows.edits(conn, profile)

    def save_profile_edits(self, profile: str, settings: Mapping[str, Any]) -> bool:
        """Keep the owner's changes to ``profile`` (replacing the former; empty: none);
        False when no reader owns it."""
        with self._transaction("saving a reader's profile settings", write=True) as conn:
            return reader_rows.save_edits(conn, profile, settings, _now())

    def latest_ranking_key(self, profile: str) -> str | None:
        """The configuration hash of ``profile``'s most recent ranking (of any day), whatever
        its settings were (None: never ranked)."""
        with self._transaction("reading rankings") as conn:
            return ranking_rows.latest_key(conn, profile)

    def reader_token_index(self) -> tuple[dict[str, str], dict[str, str]]:
        """(API token hash -> reader, feed token hash -> reader), for every reader."""
        with self._transaction("reading readers") as conn:
            return reader_rows.token_index(conn)

    def readers_state(self) -> ReadersState:
        """A fingerprint that changes with any change to readers or their profiles."""
        with self._transaction("reading readers") as conn:
            return reader_rows.state(conn)

    # -- rankings -----------------------------------------------------------------------------

    def save_ranking(self, ranking: StoredRanking) -> None:
        """Store a day's ranking under its (profile, day, configuration hash) key."""
        with self._transaction("saving a ranking", write=True) as conn:
            ranking_rows.save(conn, ranking)

    def ranking(self, profile: str, day: dt.date, config_hash: str) -> StoredRanking | None:
        """``profile``'s stored ranking of ``day`` under ``config_hash``, or None."""
        with self._transaction("reading a ranking") as conn:
            return ranking_rows.load(conn, profile, day, config_hash)

    def ranking_hashes(
        self, day: dt.date, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], str]:
        """The papers hash of each stored ranking of ``day`` among ``keys`` ((profile,
        configuration hash) pairs); what a run waiting for its workers' rankings reads."""
        with self._transaction("reading rankings") as conn:
            return ranking_rows.hashes(conn, day, keys)

    def ranked_days(self, profile: str, config_hash: str) -> set[dt.date]:
        """The days with a stored ranking of ``profile`` under ``config_hash``."""
        with self._transaction("reading rankings") as conn:
            return ranking_rows.days(conn, profile, config_hash)

    # -- summaries ----------------------------------------------------------------------------

    def save_summary(self, summary: Summary) -> None:
        """Store a summary (or a failure) under its cache key, replacing what was there."""
        with self._transaction("saving a summary", write=True) as conn:
            summary_rows.save(conn, summary, _now())

    def get_summaries(self, keys: Iterable[SummaryKey]) -> dict[SummaryKey, Summary]:
        """The cached summaries of these keys; keys never summarized are absent."""
        with self._transaction("reading summaries") as conn:
            return summary_rows.load(conn, keys)

    def latest_summaries(self, arxiv_ids: Iterable[str]) -> dict[str, Summary]:
        """Each paper's newest usable summary (ok or incomplete), for publishing."""
        with self._transaction("reading summaries") as conn:
            return summary_rows.latest_for(conn, arxiv_ids)

    # -- reranks ------------------------------------------------------------------------------

    def save_rerank(self, record: RerankRecord) -> None:
        """Store the LLM rerank's judgement (or failure) of a paper version under its key
        (paper, version, model, prompt hash), replacing what was there."""
        with self._transaction("saving a rerank", write=True) as conn:
            rerank_rows.save(conn, record, _now())

    def get_reranks(
        self, model: str, prompt_hash: str, keys: Iterable[tuple[str, int]]
    ) -> dict[tuple[str, int], RerankRecord]:
        """The judgements by ``model`` under ``prompt_hash`` of these (arxiv_id, version)
        keys, failures included; keys never judged are absent."""
        with self._transaction("reading reranks") as conn:
            return rerank_rows.load(conn, model, prompt_hash, keys)

    # -- embeddings ---------------------------------------------------------------------------

    def save_embeddings(
        self, model_id: str, items: Iterable[tuple[str, int, npt.ArrayLike]]
    ) -> int:
        """Store each (arxiv_id, version, vector) of ``items`` as made by ``model_id`` (as
        little-endian float32); a paper version that has a vector of that model keeps it.
        Returns how many vectors were added; one transaction."""
        with self._transaction("saving embeddings", write=True) as conn:
            return embedding_rows.save(conn, model_id, items, _now())

    def embedded(self, model_id: str, keys: Iterable[tuple[str, int]]) -> set[tuple[str, int]]:
        """Which of these (arxiv_id, version) keys have a vector of ``model_id`` stored."""
        with self._transaction("reading embeddings") as conn:
            return embedding_rows.stored(conn, model_id, keys)

    def embeddings(
        self, model_id: str, keys: Iterable[tuple[str, int]]
    ) -> dict[tuple[str, int], npt.NDArray[np.float32]]:
        """The stored vectors of ``model_id`` for these (arxiv_id, version) keys, as float32
        arrays; keys without one are absent."""
        with self._transaction("reading embeddings") as conn:
            return embedding_rows.load(conn, model_id, keys)

    # -- publications -------------------------------------------------------------------------

    def record_publication(
        self,
        announced_on: dt.date,
        profile: str,
        *,
        output: str | None,
        output_resolved: str | None,
        papers: int,
        files: Sequence[str],
    ) -> Publication:
        """Remember that ``profile``'s digest of ``announced_on`` was published now into
        ``output`` (as given; ``output_resolved``: its absolute path), showing ``papers``
        papers, with ``files`` written (relative to the folder). ``output`` None: published in
        the store only (a reader's profile, served at the reader's feeds)."""
        with self._transaction("recording a publication", write=True) as conn:
            return publication_rows.record(
                conn,
                announced_on=announced_on,
                profile=profile,
                output=output,
                output_resolved=output_resolved,
                papers=papers,
                files=files,
                published_at=_now(),
            )

    def publications(
        self, profile: str | None = None, limit: int | None = 20, *, day: dt.date | None = None
    ) -> list[Publication]:
        """The latest publications, newest first: of ``profile`` (with those whose profile
        was never recorded) or of every profile, of ``day`` or of any; ``limit=None`` for
        all."""
        with self._transaction("reading publications") as conn:
            return publication_rows.load(conn, profile, limit, day)

    def published_days(
        self, profile: str | None = None, *, exclude: Collection[str] = ()
    ) -> set[dt.date]:
        """The announcement days published (for ``profile``, with the publications whose
        profile was never recorded; None: for any profile not in ``exclude``)."""
        with self._transaction("reading publications") as conn:
            return publication_rows.days(conn, profile, exclude)

    # -- runs ---------------------------------------------------------------------------------

    def start_run(self, kind: str, announced_on: dt.date | None = None) -> int:
        """Record that a run started; returns its id for ``finish_run``."""
        with self._transaction("recording a run", write=True) as conn:
            return run_rows.start(conn, kind, announced_on, _now())

    def finish_run(
        self,
        run_id: int,
        status: str,
        counts: Mapping[str, int] | None = None,
        errors: Sequence[str] = (),
    ) -> None:
        """Record the end of a run: its status (``ok`` or ``failed``), counts and errors."""
        if status not in RUN_STATUSES:
            raise ValueError(f"run status must be one of {', '.join(RUN_STATUSES)}: {status!r}")
        with self._transaction("recording a run", write=True) as conn:
            if not run_rows.finish(conn, run_id, status, counts, errors, _now()):
                raise StoreError(f"no run {run_id} in {self.url_for_display}")

    def run_dates(self, kind: str, status: str = "ok") -> set[dt.date]:
        """Announcement dates of the runs of ``kind`` that ended with ``status``."""
        with self._transaction("reading runs") as conn:
            return run_rows.dates(conn, kind, status)

    def first_run_started(self, kinds: Iterable[str]) -> dt.datetime | None:
        """When the first recorded run of one of ``kinds`` started (whatever its status)."""
        with self._transaction("reading runs") as conn:
            return run_rows.first_started(conn, kinds)

    def recent_runs(self, limit: int = 20) -> list[RunRecord]:
        """The latest runs, newest first."""
        with self._transaction("reading runs") as conn:
            return run_rows.recent(conn, limit)
