"""Optional notifications: a short digest summary sent through Apprise URLs.

Long on purpose: the message, its sending and the scrubbing of secrets from logs go together.

``[publish] notify`` lists Apprise URLs (``mailto://user:pass@example.com``,
``slack://TokenA/TokenB/TokenC``, ``tgram://bottoken/chat_id``, ``discord://id/token``,
``feishu://token``, ``lark://token``, ``json://host/path`` ...); see
https://github.com/caronc/apprise/wiki. Each URL is tried on its own, so one broken
service never stops the others, and :func:`notify` reports per URL what happened in a
:class:`NotifyResult`. Nothing here raises: a malformed URL, an unreachable host, an error
answer or an exception inside Apprise is logged as a warning and recorded as a failure,
because a missed notification must never fail the run that published the digest.

**Secrets.** Notification URLs carry passwords and tokens (in the user part, the host, the
path or the query). They are never logged and never put in a result: :func:`mask_url`
keeps the scheme, a host name that looks like one, and the shape of the rest. While
Apprise runs, the records of its logger and of ``urllib3`` (which logs request paths) are
held back, stripped of every secret of the URL being used, and re-emitted at DEBUG level
through this module's logger.

**Format.** The body is CommonMark and is sent with Apprise's ``body_format=markdown``, a
deliberate choice: Markdown services (Slack, Discord, Telegram, Feishu/Lark) show the links
and emphasis, Apprise renders it to HTML for e-mail, and plain-text services (``json://``,
SMS) get readable Markdown. Apprise renders Markdown with Python-Markdown, which passes raw
HTML through, so every piece of text from arXiv or an LLM goes through
:func:`escape_markdown` first: ``<``, ``>`` and ``&`` become character references (valid
CommonMark, and inert in every Apprise version), Markdown's inline syntax characters are
backslash-escaped, line breaks are removed, and ``@everyone``/``@here`` cannot ping.
Only links this module builds (arXiv abstract pages, the configured ``base_url``) are
links.

Apprise is an optional dependency (``pip install 'arxiv-radar[notify]'``); without it,
every URL is reported failed with that hint.
"""

from __future__ import annotations

import logging
import re
import string
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from arxiv_radar.models import Digest, DigestEntry
from arxiv_radar.text.links import abs_url
from arxiv_radar.text.plain import one_line

__all__ = [
    "NotifyOutcome",
    "NotifyResult",
    "digest_message",
    "escape_markdown",
    "mask_url",
    "notify",
]

logger = logging.getLogger(__name__)

MASK = "****"
_INSTALL_HINT = "apprise is not installed: pip install 'arxiv-radar[notify]'"
_QUARANTINED_LOGGERS = ("apprise", "urllib3")
_QUARANTINE_LOCK = threading.Lock()

_SCHEME = re.compile(r"\s*(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<rest>.*)\Z", re.DOTALL)
_HOST = re.compile(
    r"(?:localhost|\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\]"
    r"|(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63})(?::\d{1,5})?\Z"
)
_PIECES = re.compile(r"[\s,]+")  # where Apprise splits one string into several URLs
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]~|])")
_MENTION = re.compile(r"@(everyone|here|channel)\b", re.IGNORECASE)
_LINK_SAFE = "/:?#@!$&'*+,;=%-._~"  # RFC 3986 characters, minus ( ) [ ] that Markdown reads
_MIN_SECRET = 4  # shorter fragments are not scrubbed from messages (they would garble them)
_TLDR_CHARS = 240
_AUTHORS_SHOWN = 3


# -- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotifyOutcome:
    """What happened to one configured URL.

    ``index`` is its position in the configured list (0-based) and ``target`` its masked
    form (:func:`mask_url`), safe to show and log. ``error`` says why it failed, secrets
    removed; ``None`` when the notification was delivered.
    """

    index: int
    target: str
    ok: bool
    error: str | None = None


@dataclass(frozen=True)
class NotifyResult:
    """The outcome of :func:`notify`, one :class:`NotifyOutcome` per URL, in order."""

    outcomes: tuple[NotifyOutcome, ...] = ()

    @property
    def succeeded(self) -> tuple[str, ...]:
        """The masked URLs that were delivered to."""
        return tuple(outcome.target for outcome in self.outcomes if outcome.ok)

    @property
    def failed(self) -> tuple[NotifyOutcome, ...]:
        """The outcomes that failed, each with its reason."""
        return tuple(outcome for outcome in self.outcomes if not outcome.ok)

    @property
    def ok(self) -> bool:
        """True when every URL was delivered to (and when none was configured)."""
        return not self.failed


# -- secrets -------------------------------------------------------------------------------


def mask_url(url: str) -> str:
    """``url`` with everything that may be a secret replaced by ``****``.

    Kept: the scheme, a host that looks like a host name or address (``smtp.gmail.com``,
    ``127.0.0.1:8080``; a token in the host position such as Slack's or Telegram's is
    masked), and query keys. Masked: the user and password, each path segment, each query
    value, the fragment. Text that is not a URL at all is not echoed.

    >>> mask_url("json://user:pass@127.0.0.1:8080/hook/abc?+X-Token=xyz")
    'json://****@127.0.0.1:8080/****/****?+X-Token=****'
    >>> mask_url("tgram://123456789:ABCdef/987654")
    'tgram://****/****'
    """
    match = _SCHEME.match(url)
    if match is None:
        return "(not a URL)"
    scheme = match["scheme"].lower()
    rest = match["rest"].strip()
    rest, _, fragment = rest.partition("#")
    rest, question, query = rest.partition("?")
    netloc, slash, path = rest.partition("/")
    userinfo, at, hostport = netloc.rpartition("@")
    masked = f"{scheme}://"
    if at:
        masked += f"{MASK}@" if userinfo else "@"
    masked += hostport if _HOST.match(hostport) else (MASK if hostport else "")
    if slash:
        masked += "/" + "/".join(MASK if segment else "" for segment in path.split("/"))
    if question:
        pairs = []
        for pair in query.split("&"):
            key, equals, value = pair.partition("=")
            pairs.append(f"{key}={MASK}" if equals and value else (key if not equals else pair))
        masked += "?" + "&".join(pairs)
    if fragment:
        masked += f"#{MASK}"
    return masked


def _secrets(url: str) -> list[str]:
    """Every fragment of ``url`` that may be secret, longest first (for scrubbing text).

    Apprise reads one string as several URLs split at whitespace and commas, and names each
    piece it cannot use in its messages ("Unsupported URL: ..."): every piece is taken apart
    as a URL of its own, and a piece that is not a URL is secret whole.
    """
    text = url.strip()
    found: set[str] = {text}
    for piece in {text, *_PIECES.split(text)}:
        found.update(_fragments(piece))
    variants = {variant for item in found for variant in (item, unquote(item), quote(item))}
    return sorted((s for s in variants if len(s) >= _MIN_SECRET), key=lambda s: (-len(s), s))


def _fragments(url: str) -> set[str]:
    """``url`` and the parts of it that may be secret (see :func:`_secrets`)."""
    found: set[str] = {url}
    match = _SCHEME.match(url)
    if match is not None:
        rest = match["rest"].strip()
        rest, _, fragment = rest.partition("#")
        rest, _, query = rest.partition("?")
        netloc, _, path = rest.partition("/")
        userinfo, _, hostport = netloc.rpartition("@")
        found.update((fragment, path, query, *re.split(r"[:@]", userinfo)))
        if userinfo or not _HOST.match(hostport):
            found.add(netloc)
        if not _HOST.match(hostport):
            found.update((hostport, *hostport.split(":")))
        if rest != hostport:
            found.add(rest)
        found.update(path.split("/"))
        for pair in query.split("&"):
            key, _, value = pair.partition("=")
            found.update((pair, value))
    return found


def _scrub(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text


class _HeldRecords(logging.Handler):
    """Collects log records while Apprise runs (they may contain a URL's secrets)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def _quarantine() -> Iterator[_HeldRecords]:
    """Hold back the records of Apprise's and urllib3's loggers for the duration."""
    held = _HeldRecords()
    with _QUARANTINE_LOCK:
        saved = []
        for name in _QUARANTINED_LOGGERS:
            third_party = logging.getLogger(name)
            saved.append((third_party, third_party.propagate))
            third_party.addHandler(held)
            third_party.propagate = False
        try:
            yield held
        finally:
            for third_party, propagate in saved:
                third_party.removeHandler(held)
                third_party.propagate = propagate


def _release(held: _HeldRecords, secrets: Sequence[str]) -> list[str]:
    """Re-emit held records at DEBUG with secrets removed; return the warnings and errors."""
    problems: list[str] = []
    for record in held.records:
        try:
            message = record.getMessage()
        except Exception:  # a third-party record with bad arguments
            message = str(record.msg)
        message = _scrub(" ".join(message.split()), secrets)
        logger.debug("[%s] %s", record.name, message)
        if record.levelno >= logging.WARNING and message:
            problems.append(message)
    return problems


# -- sending -------------------------------------------------------------------------------


def notify(
    urls: Sequence[str], *, title: str, body: str, attach_url: str | None = None
) -> NotifyResult:
    """Send ``title`` and the Markdown ``body`` to every Apprise URL in ``urls``.

    ``attach_url`` is an optional attachment, a local path or an ``http(s)://`` URL that
    Apprise fetches and attaches (e-mail, Telegram, Discord, ``json://`` ...). Each URL
    is tried once, on its own; failures are logged as warnings with masked URLs and
    returned, never raised.
    """
    if not urls:
        return NotifyResult()
    try:
        import apprise
    except ImportError:
        logger.warning("cannot send %d notification(s): %s", len(urls), _INSTALL_HINT)
        return NotifyResult(
            tuple(
                NotifyOutcome(index, mask_url(url), ok=False, error=_INSTALL_HINT)
                for index, url in enumerate(urls)
            )
        )
    outcomes = []
    for index, url in enumerate(urls):
        outcome = _notify_one(apprise, index, url, title=title, body=body, attach=attach_url)
        if outcome.ok:
            logger.info("notification sent to %s", outcome.target)
        else:
            logger.warning(
                "notification %d (%s) failed: %s", index + 1, outcome.target, outcome.error
            )
        outcomes.append(outcome)
    return NotifyResult(tuple(outcomes))


def _notify_one(
    apprise: Any, index: int, url: str, *, title: str, body: str, attach: str | None
) -> NotifyOutcome:
    target = mask_url(url)
    secrets = _secrets(url) + (_secrets(attach) if attach else [])
    error: str | None = None
    with _quarantine() as held:
        try:
            sender = apprise.Apprise()
            if not sender.add(url):
                error = "not a valid Apprise URL (unknown scheme or missing parts)"
            elif not sender.notify(
                body=body,
                title=title,
                body_format=apprise.NotifyFormat.MARKDOWN,
                attach=attach,
            ):
                error = "the service did not accept the notification"
        except Exception as exc:  # Apprise or a plugin failed in an unexpected way
            error = f"{type(exc).__name__}: {exc}"
    problems = _release(held, secrets)
    if error is None:
        return NotifyOutcome(index, target, ok=True)
    detail = _scrub(" ".join(error.split()), secrets)
    if problems:
        detail = f"{detail} ({'; '.join(dict.fromkeys(problems))})"
    return NotifyOutcome(index, target, ok=False, error=detail)


# -- the message ---------------------------------------------------------------------------


def escape_markdown(text: str) -> str:
    """Untrusted text made inert in CommonMark, on one line.

    Made one line first (:func:`~arxiv_radar.text.plain.one_line`: line breaks become
    spaces, control and bidi characters go); then ``&``, ``<`` and ``>`` become
    ``&amp;``, ``&lt;`` and ``&gt;``; ``\\ ` * _ [ ] ~ |`` are backslash-escaped; an
    ``@everyone``/``@here``/``@channel`` mention is broken with a zero-width space.
    """
    text = one_line(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return _MENTION.sub("@\u200b\\1", text)


def _link(url: str | None) -> str | None:
    """``url`` percent-encoded for a Markdown link destination, or ``None`` if not http(s)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(url.strip(), safe=_LINK_SAFE + string.ascii_letters + string.digits)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _entry_lines(entry: DigestEntry) -> list[str]:
    ranked = entry.ranked
    paper = ranked.paper
    marker = f"{ranked.rank}. "
    indent = " " * len(marker)
    title = escape_markdown(paper.title)
    link = _link(abs_url(paper.arxiv_id))
    head = f"[{title}]({link})" if link else title
    facts = [f"score {ranked.score:.1f}", ranked.announce_type.value]
    if paper.primary_category:
        facts.append(escape_markdown(paper.primary_category))
    lines = [f"{marker}**{head}** · {' · '.join(facts)}"]
    if paper.authors:
        authors = ", ".join(escape_markdown(name) for name in paper.authors[:_AUTHORS_SHOWN])
        if len(paper.authors) > _AUTHORS_SHOWN:
            authors += " et al."
        lines.append(f"{indent}{authors}")
    tldr = entry.summary.tldr if entry.summary is not None else None
    if tldr and tldr.strip():
        lines.append(f"{indent}TL;DR: {escape_markdown(_shorten(tldr, _TLDR_CHARS))}")
    return lines


def digest_message(digest: Digest, top: int = 5) -> tuple[str, str]:
    """``(title, body)`` of the notification for ``digest``: its ``top`` papers, in Markdown.

    The title is plain text (``arXiv Radar 📡 · 2026-04-27 · 12 papers``); the body says
    how many papers matched out of how many announced, lists the best ``top`` with score,
    announce type, category, the first authors and the summary's TL;DR, each title linking
    to its arXiv page, and ends with a link to the full digest when ``base_url`` is set.
    All text from arXiv or an LLM is escaped with :func:`escape_markdown`.
    """
    day = digest.announced_on.isoformat()
    shown = digest.entries[: max(top, 0)]
    matched = digest.papers_matched or len(digest.entries)
    profile = f" [{one_line(digest.profile)}]" if digest.profile != "default" else ""
    noun = "paper" if matched == 1 else "papers"
    title = f"{one_line(digest.title)}{profile} · {day} · {matched} {noun}"

    categories = ", ".join(escape_markdown(c) for c in digest.categories)
    where = f" in {categories}" if categories else ""
    if not digest.entries:
        lines = [f"No papers matched on {day}{where} ({digest.papers_announced} announced)."]
    else:
        lines = [
            f"**{matched} {noun} matched** out of {digest.papers_announced} announced "
            f"on {day}{where}.",
            "",
        ]
        for entry in shown:
            lines.extend(_entry_lines(entry))
        rest = len(digest.entries) - len(shown)
        if rest > 0:
            lines.extend(["", f"…and {rest} more."])
    site = _link(digest.base_url)
    if site:
        lines.extend(["", f"[Full digest]({site})"])
    return title, "\n".join(lines)
