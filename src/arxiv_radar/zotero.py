"""A reader's Zotero web library, read through the Zotero Web API (v3) and kept on disk.

Long on purpose: the client, the copy kept on disk and the sync that decides between them
(304, a download, the kept copy when Zotero is away) read together.

A profile's ``zotero`` setting names a library, ``users/<userID>`` or ``groups/<groupID>``
at ``https://api.zotero.org``, or the full URL of such a library on another server that
speaks the same API (a mirror, a test server). The API key, when the library is not public,
is read from the environment variable the profile's ``zotero_key_env`` names; it is sent in
the ``Zotero-API-Key`` header only, never written to a file, a log line or a message.

:func:`sync_library` brings the kept copy up to date. It asks for the library's top-level
items (``<library>/items/top``, JSON, 100 a page, ``start``/``limit`` paging until
``Total-Results`` are read), skips attachments and notes, and turns every other item with a
title into the :class:`~arxiv_radar.library.LibraryEntry` a BibTeX or CSL-JSON export gives
(the arXiv id from ``archiveID``, the URL, arXiv's DOI ``10.48550/arXiv.<id>`` or an
``arXiv:`` line of ``extra``). The entries are kept as JSON in the configuration file's
folder (:func:`cache_path`) with the library's version (``Last-Modified-Version``); the next
sync asks with ``If-Modified-Since-Version`` and a ``304`` means the kept copy is current,
so an unchanged library is never downloaded twice.

Politeness: one connection, one request at a time; a ``Backoff`` header (in any answer)
delays the next request by that many seconds; ``429`` and ``5xx`` answers and timeouts are
retried as :data:`ZOTERO_RETRY` says, a ``Retry-After`` waited as asked (up to its
``max_wait``). The Zotero API never sends the key anywhere else: pages are asked for by
``start``, not by following the URLs the answer names, and redirects are not followed.

Failures (:class:`~arxiv_radar.errors.ZoteroError`, exit code 7): ``403`` (a private
library without a key, or a key that cannot read it) and ``404`` (no such library) name the
setting or the variable to fix. When Zotero cannot be reached or keeps failing
(:class:`~arxiv_radar.errors.ZoteroUnreachableError`), the kept copy is used with a warning;
without one the error says so. Ranking reads the kept copy only (:func:`cached_library`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx
import tenacity

from arxiv_radar.arxiv.http import default_user_agent, network_failure
from arxiv_radar.errors import ConfigError, ZoteroError, ZoteroUnreachableError
from arxiv_radar.library import LibraryEntry, arxiv_id_in
from arxiv_radar.net import Retryable, RetryPolicy, WaitTooLong, parse_retry_after, retrying
from arxiv_radar.text.plain import one_line

__all__ = [
    "MAX_ITEMS",
    "PAGE_SIZE",
    "ZOTERO_API",
    "ZOTERO_RETRY",
    "ZoteroClient",
    "ZoteroLibrary",
    "ZoteroSnapshot",
    "ZoteroSync",
    "cache_path",
    "cached_library",
    "cached_version",
    "entry_of",
    "sync_library",
]

logger = logging.getLogger(__name__)

ZOTERO_API = "https://api.zotero.org"
"""Where ``users/<id>`` and ``groups/<id>`` libraries are read."""
PAGE_SIZE = 100
"""Items asked for per request: the API's largest page."""
MAX_ITEMS = 100_000
"""A library with more top-level items than this is refused (a server that never ends)."""
ZOTERO_RETRY = RetryPolicy(max_retries=4, base=2.0, cap=60.0, max_wait=600.0)
"""How Zotero requests are retried: 429, 5xx and timeouts, backing off from 2 s."""
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
SKIPPED_TYPES = frozenset({"attachment", "note", "annotation"})
"""Item types that are not works: files, notes and annotations."""
CACHE_FORMAT = 1
KEYS_URL = "https://www.zotero.org/settings/keys"

_PREFIX = re.compile(r"^(?P<prefix>(?:users|groups)/\d+)/?$")
_URL = re.compile(
    r"^(?P<base>https?://[^\s/?#]+(?:/[^\s?#]*?)?)/(?P<prefix>(?:users|groups)/\d+)/?$"
)
_MARKUP = re.compile(r"</?(?:i|b|sub|sup|span)(?:\s[^<>]*)?>", re.IGNORECASE)


@dataclass(frozen=True)
class ZoteroLibrary:
    """A Zotero library: ``prefix`` (``users/475425``) and ``url`` (its API URL)."""

    prefix: str
    url: str

    @classmethod
    def parse(cls, setting: str) -> ZoteroLibrary:
        """The library a ``zotero`` setting names: ``users/<id>``, ``groups/<id>`` or a full
        ``http(s)`` URL ending in one of them. ``ValueError`` for anything else."""
        text = setting.strip()
        found = _PREFIX.match(text)
        if found:
            return cls(found["prefix"], f"{ZOTERO_API}/{found['prefix']}")
        found = _URL.match(text)
        if found:
            return cls(found["prefix"], f"{found['base']}/{found['prefix']}")
        raise ValueError(f"not a Zotero library: {setting!r}")

    @property
    def items_url(self) -> str:
        """The library's top-level items (trashed items excluded)."""
        return f"{self.url}/items/top"

    @property
    def cache_name(self) -> str:
        """The file its copy is kept in: ``arxiv-radar-zotero-users-475425.json``."""
        return f"arxiv-radar-zotero-{self.prefix.replace('/', '-')}.json"


@dataclass(frozen=True)
class ZoteroSnapshot:
    """A library as it was at ``version``: its entries, and when it was downloaded."""

    url: str
    version: int
    entries: tuple[LibraryEntry, ...]
    fetched_at: dt.datetime
    items: int = 0  # top-level items read, attachments and notes included


@dataclass(frozen=True)
class ZoteroSync:
    """What :func:`sync_library` did: ``downloaded`` (new or changed), ``unchanged`` (a 304)
    or ``cached`` (Zotero could not be reached: the kept copy, with a warning)."""

    snapshot: ZoteroSnapshot
    status: Literal["downloaded", "unchanged", "cached"]
    requests: int
    warnings: tuple[str, ...] = ()


# ---------------------------------------------------------------- items -> entries


def _text(data: Mapping[str, Any], field: str) -> str:
    value = data.get(field)
    return value if isinstance(value, str) else ""


def entry_of(item: Mapping[str, Any]) -> LibraryEntry | None:
    """The library entry of one item of the API's JSON (``{"key", "data": {...}}``), or None
    for an attachment, a note or an item without a title. Zotero's rich-text tags in titles
    (``<i>``, ``<b>``, ``<sub>``, ``<sup>``, ``<span>``) are dropped."""
    data = item.get("data")
    if not isinstance(data, Mapping) or _text(data, "itemType") in SKIPPED_TYPES:
        return None
    title = one_line(_MARKUP.sub("", _text(data, "title")))
    if not title:
        return None
    doi = one_line(_text(data, "DOI")) or None
    arxiv_id = arxiv_id_in(_text(data, "archiveID"), _text(data, "url"), doi, _text(data, "extra"))
    return LibraryEntry(
        title=title, abstract=one_line(_text(data, "abstractNote")), arxiv_id=arxiv_id, doi=doi
    )


# ---------------------------------------------------------------- the client


@dataclass(frozen=True)
class _Pages:
    version: int
    items: list[Mapping[str, Any]]


class ZoteroClient:
    """Reads Zotero libraries politely: one connection, ``Backoff`` and ``Retry-After``
    honoured, transient failures retried as ``retry`` says. ``key`` is sent as
    ``Zotero-API-Key`` (None: a public library). ``transport`` replaces the network."""

    def __init__(
        self,
        *,
        key: str | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy = ZOTERO_RETRY,
        page_size: int = PAGE_SIZE,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        headers = {
            "Zotero-API-Version": "3",
            "Accept": "application/json",
            "User-Agent": default_user_agent(),
        }
        if key:
            headers["Zotero-API-Key"] = key
        self.sent_key = bool(key)
        self.retry = retry
        self.page_size = page_size
        self.requests = 0
        self._sleep = sleep
        self._clock = clock
        self._not_before = 0.0
        self._http = httpx.Client(
            headers=headers,
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ZoteroClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def fetch(self, library: ZoteroLibrary, *, since: int | None = None) -> _Pages | None:
        """Every top-level item of ``library``, page by page; None when ``since`` is given
        and the library has not changed since that version (a 304)."""
        items: list[Mapping[str, Any]] = []
        version: int | None = None
        while True:
            params = {
                "format": "json",
                "include": "data",
                "limit": str(self.page_size),
                "start": str(len(items)),
            }
            conditional = since is not None and not items
            headers = {"If-Modified-Since-Version": str(since)} if conditional else {}
            response = self._get(library.items_url, params, headers)
            if response.status_code == 304 and conditional:
                return None
            if response.status_code != 200:
                raise ZoteroError(
                    f"Zotero answered HTTP {response.status_code} {response.reason_phrase} "
                    f"for {library.prefix}",
                    url=library.items_url,
                    status=response.status_code,
                )
            page = _items(response, library)
            if version is None:
                version = _int_header(response, "Last-Modified-Version", library)
            items.extend(page)
            total = response.headers.get("Total-Results")
            more = (
                len(items) < _int_header(response, "Total-Results", library)
                if total is not None
                else 'rel="next"' in response.headers.get("Link", "")
            )
            if not page or not more:
                return _Pages(version, items)
            if len(items) > MAX_ITEMS:
                raise ZoteroError(
                    f"{library.prefix} has more than {MAX_ITEMS} top-level items: too many "
                    "to rank against",
                    url=library.items_url,
                )

    def _get(
        self, url: str, params: Mapping[str, str], headers: Mapping[str, str]
    ) -> httpx.Response:
        loop = retrying(self.retry, sleep=self._sleep, before_sleep=self._log_retry)
        attempts = 0
        try:
            for attempt in loop:
                with attempt:
                    attempts += 1
                    return self._send(url, params, headers)
        except Retryable as error:
            raise ZoteroUnreachableError(
                f"Zotero did not answer successfully ({error.reason}) after {attempts} attempts",
                url=url,
                status=error.status,
            ) from error
        except WaitTooLong as error:
            raise ZoteroUnreachableError(
                f"Zotero asked to wait {error.seconds:.0f} s (more than the "
                f"{self.retry.max_wait:g} s a run waits)",
                url=url,
                status=error.status,
            ) from error
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(
        self, url: str, params: Mapping[str, str], headers: Mapping[str, str]
    ) -> httpx.Response:
        wait = self._not_before - self._clock()
        if wait > self.retry.max_wait:
            raise WaitTooLong(wait)
        if wait > 0:
            logger.info("Zotero asked to back off: waiting %.1f s", wait)
            self._sleep(wait)
        self.requests += 1
        request = self._http.build_request("GET", url, params=params, headers=headers)
        try:
            response = self._http.send(request)
        except httpx.TimeoutException as error:
            raise Retryable(f"timed out: {type(error).__name__}") from error
        except httpx.TransportError as error:
            if network_failure(error, request.url) is not None:
                raise ZoteroUnreachableError(
                    f"cannot reach {request.url.host}: {error}", url=url
                ) from error
            raise Retryable(f"connection failed: {type(error).__name__}") from error
        logger.info("GET %s -> %d", request.url, response.status_code)
        backoff = parse_retry_after(response.headers.get("Backoff"))
        if backoff:
            self._not_before = max(self._not_before, self._clock() + backoff)
        if response.status_code in RETRY_STATUSES:
            raise Retryable(
                f"HTTP {response.status_code}",
                status=response.status_code,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        return response

    def _log_retry(self, state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        logger.warning(
            "Zotero request failed (%s), retrying in %.1f s (attempt %d of %d)",
            getattr(error, "reason", error),
            wait,
            state.attempt_number + 1,
            self.retry.attempts,
        )


def _int_header(response: httpx.Response, name: str, library: ZoteroLibrary) -> int:
    value = response.headers.get(name, "").strip()
    if not value.isdigit():
        raise ZoteroError(
            f"not a Zotero API answer: the {name} header is {value or 'missing'}",
            url=library.items_url,
        )
    return int(value)


def _items(response: httpx.Response, library: ZoteroLibrary) -> list[Mapping[str, Any]]:
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ZoteroError(
            f"not a Zotero API answer: the body is not JSON ({error})", url=library.items_url
        ) from error
    if not isinstance(data, list):
        raise ZoteroError(
            f"not a Zotero API answer: a JSON {type(data).__name__}, not a list of items",
            url=library.items_url,
        )
    return [item for item in data if isinstance(item, Mapping)]


# ---------------------------------------------------------------- the kept copy


def cache_path(setting: str, folder: Path | None) -> Path:
    """Where the copy of the library ``setting`` names is kept: in ``folder`` (the
    configuration file's; None: the current folder)."""
    return (folder or Path()) / ZoteroLibrary.parse(setting).cache_name


def _read(path: Path, library: ZoteroLibrary) -> ZoteroSnapshot | None:
    """The copy kept at ``path`` when it is one of ``library``; None when there is none."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != CACHE_FORMAT or data.get("url") != library.url:
            return None
        return ZoteroSnapshot(
            url=library.url,
            version=int(data["version"]),
            entries=tuple(
                LibraryEntry(
                    title=str(e["title"]),
                    abstract=str(e.get("abstract") or ""),
                    arxiv_id=str(e["arxiv_id"]) if e.get("arxiv_id") else None,
                    doi=str(e["doi"]) if e.get("doi") else None,
                )
                for e in data["entries"]
            ),
            fetched_at=dt.datetime.fromisoformat(data["fetched_at"]),
            items=int(data.get("items", 0)),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        logger.warning("the kept copy of the Zotero library %s is unreadable: %s", path, error)
        return None


def _write(path: Path, snapshot: ZoteroSnapshot) -> None:
    """Keep ``snapshot`` at ``path``, atomically, readable by its owner only."""
    data = {
        "format": CACHE_FORMAT,
        "url": snapshot.url,
        "version": snapshot.version,
        "fetched_at": snapshot.fetched_at.isoformat(),
        "items": snapshot.items,
        "entries": [
            {"title": e.title, "abstract": e.abstract, "arxiv_id": e.arxiv_id, "doi": e.doi}
            for e in snapshot.entries
        ],
    }
    partial = path.with_name(f".{path.name}.partial")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(data, file, ensure_ascii=False, indent=1)
            file.write("\n")
        os.replace(partial, path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise ZoteroError(
            f"cannot keep the Zotero library in {path}: {error.strerror or error} (the "
            "configuration file's folder must be writable)"
        ) from error


def cached_version(setting: str, folder: Path | None) -> int | None:
    """The version of the kept copy of the library ``setting`` names (None: none kept)."""
    library = ZoteroLibrary.parse(setting)
    snapshot = _read((folder or Path()) / library.cache_name, library)
    return snapshot.version if snapshot is not None else None


def cached_library(setting: str, folder: Path | None) -> ZoteroSnapshot:
    """The kept copy of the library ``setting`` names, or a
    :class:`~arxiv_radar.errors.ConfigError` saying how to download it."""
    library = ZoteroLibrary.parse(setting)
    path = (folder or Path()) / library.cache_name
    snapshot = _read(path, library)
    if snapshot is None:
        raise ConfigError(
            f"the Zotero library {library.prefix} has not been downloaded yet (no {path}): "
            "`arxiv-radar rank` and `arxiv-radar run` download it"
        )
    return snapshot


# ---------------------------------------------------------------- sync


def _entries(items: list[Mapping[str, Any]]) -> Iterator[LibraryEntry]:
    for item in items:
        entry = entry_of(item)
        if entry is not None:
            yield entry


def _refused(error: ZoteroError, library: ZoteroLibrary, key_env: str, sent_key: bool) -> str:
    """What a 403 or 404 means, and what to do."""
    if error.status == 403 and sent_key:
        return (
            f"Zotero refused the API key in {key_env} for {library.prefix} (HTTP 403): give "
            f"the key read access to this library at {KEYS_URL}, or set {key_env} to a key "
            "that has it"
        )
    if error.status == 403:
        return (
            f"Zotero refused to read {library.prefix} (HTTP 403): the library is not public; "
            f"set {key_env} to an API key that can read it (create one at {KEYS_URL})"
        )
    return (
        f"Zotero has no library {library.prefix} (HTTP 404): check the profile's `zotero` "
        f"setting (users/<userID>, with the userID shown at {KEYS_URL}, or groups/<groupID>)"
    )


def sync_library(
    setting: str,
    folder: Path | None,
    *,
    key: str | None,
    key_env: str,
    client: ZoteroClient | None = None,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> ZoteroSync:
    """Bring the kept copy of the library ``setting`` names up to date (see the module's
    docstring) and return it. ``key``: the API key (None: a public library), for the
    :class:`ZoteroClient` made here unless ``client`` is given; ``key_env`` names its
    variable in messages. ``now``: the clock of the copy's download time."""
    library = ZoteroLibrary.parse(setting)
    path = cache_path(setting, folder)
    kept = _read(path, library)
    own = client is None
    zotero = client if client is not None else ZoteroClient(key=key)
    try:
        pages = zotero.fetch(library, since=kept.version if kept is not None else None)
    except ZoteroUnreachableError as error:
        if kept is None:
            raise ZoteroUnreachableError(
                f"{error.detail}; no copy of the Zotero library {library.prefix} is kept yet "
                f"({path}): try again when Zotero can be reached",
                url=error.url,
                status=error.status,
            ) from error
        when = kept.fetched_at.strftime("%Y-%m-%d %H:%M UTC")
        warning = (
            f"the Zotero library {library.prefix} could not be read ({error.detail}): using "
            f"the copy downloaded on {when} (version {kept.version})"
        )
        logger.warning("%s", warning)
        return ZoteroSync(kept, "cached", zotero.requests, (warning,))
    except ZoteroError as error:
        if error.status in (403, 404):
            raise ZoteroError(
                _refused(error, library, key_env, zotero.sent_key),
                url=error.url,
                status=error.status,
            ) from None
        raise
    finally:
        if own:
            zotero.close()
    if pages is None and kept is not None:
        logger.info("Zotero library %s unchanged (version %d)", library.prefix, kept.version)
        return ZoteroSync(kept, "unchanged", zotero.requests)
    if pages is None:  # pragma: no cover - a 304 is only asked for with a kept copy
        raise AssertionError("304 without a kept copy")
    snapshot = ZoteroSnapshot(
        url=library.url,
        version=pages.version,
        entries=tuple(_entries(pages.items)),
        fetched_at=now(),
        items=len(pages.items),
    )
    _write(path, snapshot)
    logger.info(
        "Zotero library %s: version %d, %d entries of %d items",
        library.prefix,
        snapshot.version,
        len(snapshot.entries),
        snapshot.items,
    )
    return ZoteroSync(snapshot, "downloaded", zotero.requests)
