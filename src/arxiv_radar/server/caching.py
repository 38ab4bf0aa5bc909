"""Rendered responses kept ready: validators, gzip, conditional GET, a bounded cache.

A :class:`CachedBody` is built once per (store state, resource, query): its identity and
gzip bodies, a weak ETag over the content and its ``Last-Modified``, with the response
headers already encoded. Answering from it is a dictionary look-up and a header compare:

- ``If-None-Match`` matching the ETag (weak comparison, ``*`` matches) -> 304;
- else ``If-Modified-Since`` not older than ``Last-Modified`` -> 304;
- ``Accept-Encoding`` allowing gzip -> the gzip body, ``Content-Encoding: gzip``.

The ETag is weak because the identity and the gzip body share it (RFC 9110 8.8.1).
Every cacheable response carries ``Vary: Accept-Encoding``.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import gzip
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response

__all__ = ["CachedBody", "PreparedResponse", "ResponseCache", "accepts_gzip", "respond"]

GZIP_MIN_BYTES = 512
_GZIP_LEVEL = 6


class PreparedResponse(Response):
    """A response whose headers are already encoded (no per-request header building)."""

    def __init__(self, status_code: int, body: bytes, raw_headers: list[tuple[bytes, bytes]]):
        self.status_code = status_code
        self.body = body
        self.raw_headers = raw_headers
        self.background = None


def _http_date(moment: dt.datetime) -> str:
    return email.utils.format_datetime(moment.astimezone(dt.UTC), usegmt=True)


@dataclass(frozen=True)
class CachedBody:
    """A rendered resource ready to answer with (see the module docstring)."""

    body: bytes
    media_type: str
    etag: str
    last_modified: dt.datetime
    cache_control: str
    gzip_body: bytes | None = None
    _plain: list[tuple[bytes, bytes]] = field(default_factory=list, repr=False)
    _zipped: list[tuple[bytes, bytes]] = field(default_factory=list, repr=False)
    _not_modified: list[tuple[bytes, bytes]] = field(default_factory=list, repr=False)

    @classmethod
    def make(
        cls,
        body: bytes,
        media_type: str,
        *,
        last_modified: dt.datetime,
        cache_control: str,
    ) -> CachedBody:
        """Hash, compress and prepare the headers of ``body`` once."""
        etag = f'W/"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'
        last_modified = last_modified.astimezone(dt.UTC).replace(microsecond=0)
        zipped = gzip.compress(body, _GZIP_LEVEL, mtime=0) if len(body) >= GZIP_MIN_BYTES else None
        if zipped is not None and len(zipped) >= len(body):
            zipped = None
        common = [
            (b"etag", etag.encode("latin-1")),
            (b"last-modified", _http_date(last_modified).encode("latin-1")),
            (b"cache-control", cache_control.encode("latin-1")),
            (b"vary", b"Accept-Encoding"),
        ]
        content = [
            (b"content-type", media_type.encode("latin-1")),
            (b"x-content-type-options", b"nosniff"),
        ]
        plain = [*common, *content, (b"content-length", str(len(body)).encode())]
        packed = []
        if zipped is not None:
            packed = [
                *common,
                *content,
                (b"content-encoding", b"gzip"),
                (b"content-length", str(len(zipped)).encode()),
            ]
        return cls(
            body=body,
            media_type=media_type,
            etag=etag,
            last_modified=last_modified,
            cache_control=cache_control,
            gzip_body=zipped,
            _plain=plain,
            _zipped=packed,
            _not_modified=common,
        )

    def not_modified(self, if_none_match: str | None, if_modified_since: str | None) -> bool:
        """True when the request's validators say the client's copy is current."""
        if if_none_match is not None:
            return etag_matches(if_none_match, self.etag)
        if if_modified_since:
            try:
                since = email.utils.parsedate_to_datetime(if_modified_since)
            except (TypeError, ValueError, IndexError):
                return False
            if since.tzinfo is None:
                since = since.replace(tzinfo=dt.UTC)
            return self.last_modified <= since
        return False

    def answer(
        self,
        method: str,
        if_none_match: str | None,
        if_modified_since: str | None,
        accept_encoding: str | None,
    ) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        """Status, body and headers for a request with these headers: 304, gzip or identity."""
        if self.not_modified(if_none_match, if_modified_since):
            return 304, b"", self._not_modified
        zipped = self.gzip_body is not None and accepts_gzip(accept_encoding)
        body = self.gzip_body if zipped and self.gzip_body is not None else self.body
        return 200, b"" if method == "HEAD" else body, self._zipped if zipped else self._plain


def etag_matches(header: str, etag: str) -> bool:
    """Weak comparison of an ``If-None-Match`` list with ``etag``."""
    wanted = etag.removeprefix("W/")
    for candidate in header.split(","):
        tag = candidate.strip()
        if tag == "*" or tag.removeprefix("W/") == wanted:
            return True
    return False


def accepts_gzip(header: str | None) -> bool:
    """Whether an ``Accept-Encoding`` value allows gzip (``gzip``, ``x-gzip`` or ``*``, q > 0)."""
    if not header:
        return False
    for item in header.split(","):
        name, _, params = item.partition(";")
        if name.strip().lower() not in ("gzip", "x-gzip", "*"):
            continue
        quality = params.strip().lower()
        if quality.startswith("q="):
            try:
                return float(quality[2:]) > 0
            except ValueError:
                return False
        return True
    return False


def respond(request: Request, cached: CachedBody) -> Response:
    """The response to ``request`` from ``cached``: 304, gzip or identity."""
    headers = request.headers
    status, body, raw_headers = cached.answer(
        request.method,
        headers.get("if-none-match"),
        headers.get("if-modified-since"),
        headers.get("accept-encoding"),
    )
    return PreparedResponse(status, body, raw_headers)


class ResponseCache:
    """Rendered responses of one store state, least recently used dropped beyond ``size``.

    A new state (a run finished, papers arrived) empties the cache.
    """

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._state: Hashable = None
        self._items: OrderedDict[Hashable, CachedBody] = OrderedDict()
        self._lock = threading.Lock()
        self._build_lock = threading.Lock()

    def get(self, state: Hashable, key: Hashable) -> CachedBody | None:
        """The cached response of ``key`` for ``state``, if any (never blocks on a build)."""
        if state != self._state:
            return None
        found = self._items.get(key)
        if found is not None:
            try:
                self._items.move_to_end(key)
            except KeyError:  # dropped by another thread meanwhile
                pass
        return found

    def build(self, state: Hashable, key: Hashable, make: Callable[[], CachedBody]) -> CachedBody:
        """The cached response of ``key``, made with ``make`` if missing (one build at a time,
        so a burst of requests for a new state renders it once)."""
        with self._build_lock:
            found = self.get(state, key)
            if found is not None:
                return found
            made = make()
            with self._lock:
                if state != self._state:
                    self._items.clear()
                    self._state = state
                self._items[key] = made
                while len(self._items) > self._size:
                    self._items.popitem(last=False)
            return made

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._state = None
