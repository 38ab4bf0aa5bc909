"""The errors: every exception arxiv-radar raises, in one tree with exit codes.

::

    ArxivRadarError                  exit 1   base of everything below
    ├── ConfigError                  exit 2   bad or unreadable configuration
    ├── UsageError                   exit 2   bad command-line input (a date, an id)
    │   ├── StoreMissingError                 a command that only reads found no store there
    │   └── MissingExtraError                 it needs an optional extra that is not installed
    ├── ArxivError                   exit 3   talking to arXiv failed
    │   ├── ArxivHTTPError                    a non-success status after all retries
    │   │   └── ArxivUnreachableError         this machine cannot reach arXiv (name lookup
    │   │                                     failed, connection refused): not retried
    │   ├── ArxivAPIError                     the export API answered with an error feed
    │   └── ArxivParseError                   a response that is not what it should be
    ├── StoreError                   exit 4   the store cannot be opened, migrated or written
    ├── LLMError                     exit 5   the LLM endpoint failed after every retry
    ├── ZoteroError                  exit 7   a Zotero web library could not be read (refused,
    │   │                                     not found, not an API answer)
    │   └── ZoteroUnreachableError            no answer, or failures after every retry: the
    │                                         copy kept on disk is used when there is one
    └── WorkersError                 exit 8   the broker of [workers] cannot be reached, or no
                                              arxiv-radar worker listens on it

Every error carries the context a user needs to act (the file and key, the URL,
the status, how many attempts were made). The CLI prints ``str(error)`` and
exits with ``error.exit_code``; no traceback unless ``--debug``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from importlib.util import find_spec


class ArxivRadarError(Exception):
    """Base class of every error arxiv-radar raises on purpose."""

    exit_code: int = 1


class ConfigError(ArxivRadarError):
    """A configuration file is missing, malformed or holds a wrong value."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        key: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.path = path
        self.key = key
        self.expected = expected
        parts = []
        if path:
            parts.append(str(path))
        if key:
            parts.append(f"key '{key}'")
        prefix = ": ".join(parts)
        text = f"{prefix}: {message}" if prefix else message
        if expected:
            text += f" (expected {expected})"
        super().__init__(text)


class UsageError(ArxivRadarError):
    """A command was given input it cannot use."""

    exit_code = 2


class MissingExtraError(UsageError):
    """What was asked needs an optional part of arxiv-radar that is not installed (the web
    stack of ``serve``, the PDF reader): the message names the packages missing and the extra
    that installs them, ``pip install "arxiv-radar[serve]"``. See :func:`require_extra`."""

    def __init__(self, purpose: str, extra: str, missing: Iterable[str]) -> None:
        self.purpose = purpose
        self.extra = extra
        self.missing = tuple(missing)
        self.install = f'pip install "arxiv-radar[{extra}]"'
        verb = "is" if len(self.missing) == 1 else "are"
        names = ", ".join(self.missing)
        super().__init__(f"{purpose} needs {names}, which {verb} not installed: {self.install}")


def require_extra(extra: str, purpose: str, modules: Mapping[str, str]) -> None:
    """Raise :class:`MissingExtraError` unless every module of ``modules`` (import name ->
    package name) can be imported; nothing is imported here, so the check costs nothing."""
    missing = list(
        dict.fromkeys(package for module, package in modules.items() if find_spec(module) is None)
    )
    if missing:
        raise MissingExtraError(purpose, extra, missing)


class ArxivError(ArxivRadarError):
    """Talking to arXiv failed."""

    exit_code = 3

    def __init__(self, message: str, *, url: str | None = None) -> None:
        self.url = url
        super().__init__(f"{message} [{url}]" if url else message)


class ArxivHTTPError(ArxivError):
    """arXiv answered with an error status (or not at all) after every retry."""

    def __init__(
        self,
        message: str,
        *,
        url: str | None = None,
        status: int | None = None,
        attempts: int = 1,
    ) -> None:
        self.status = status
        self.attempts = attempts
        super().__init__(message, url=url)


class ArxivUnreachableError(ArxivHTTPError):
    """This machine cannot reach arXiv at all: the host name did not resolve, the connection
    was refused or there is no route to it. That is the user's network (or proxy), not arXiv,
    so it is reported after the first attempt instead of being retried with backoff.

    ``host`` is the host that could not be reached (a proxy's, when one is in use).
    """

    def __init__(self, message: str, *, url: str | None = None, host: str | None = None) -> None:
        self.host = host
        super().__init__(message, url=url, status=None, attempts=1)


class ArxivAPIError(ArxivError):
    """The export API answered with an error feed (HTTP 400 and an ``Error`` entry)."""


class ArxivParseError(ArxivError):
    """A response from arXiv could not be parsed as the format it should have."""


class StoreError(ArxivRadarError):
    """The store cannot be opened, migrated or written."""

    exit_code = 4


class StoreMissingError(UsageError):
    """A command that only reads (``papers``, ``rank``) was pointed at a store that does not
    exist: it says so (exit 2, as for a store with nothing in it yet) instead of creating an
    empty one."""


class LLMError(ArxivRadarError):
    """A call to the LLM endpoint failed, after every retry it was worth.

    ``status`` is the last HTTP status (None for a timeout, a failed connection or a
    malformed answer); ``attempts`` counts every request made; ``tokens_in`` and
    ``tokens_out`` what answered attempts cost even so.
    """

    exit_code = 5

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        attempts: int = 1,
        model: str | None = None,
        base_url: str | None = None,
        tokens_in: int = 0,
        tokens_out: int = 0,
    ) -> None:
        self.status = status
        self.attempts = attempts
        self.model = model
        self.base_url = base_url
        self.tokens_in = tokens_in
        self.tokens_out = tokens_out
        super().__init__(message)


class ZoteroError(ArxivRadarError):
    """A Zotero web library could not be read: refused (403), not found (404), or an answer
    that is not the Zotero API's. ``url`` is the library's URL (never the key), ``status``
    the last HTTP status (None when there was none); ``detail`` the message without the URL.
    Exit code 7 (6 is ``doctor``'s failed check)."""

    exit_code = 7

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None) -> None:
        self.detail = message
        self.url = url
        self.status = status
        super().__init__(f"{message} [{url}]" if url else message)


class ZoteroUnreachableError(ZoteroError):
    """Zotero could not be reached (the network, a timeout) or kept failing (429, 5xx) after
    every retry: the copy of the library kept on disk is used when there is one."""


class WorkersError(ArxivRadarError):
    """The workers of ``[workers]`` cannot be reached: the broker does not answer, or no
    ``arxiv-radar worker`` listens on it. Exit code 8."""

    exit_code = 8
