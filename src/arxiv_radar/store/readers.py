"""Reading and writing ``readers`` and ``reader_profiles``: who reads a shared server.

A reader has a name, two secrets and the profiles they own. The **API token** authenticates
their requests (``Authorization: Bearer``: their feedback, their profiles); the **feed token**
is the secret part of their feed URLs (``/u/{feed token}/rss``), because feed readers cannot
send headers. The two are separate so that a feed URL pasted into a feed reader, a log or a
shared OPML file reads the feeds and nothing else. Both are printed once; the store keeps
only their SHA-256 (:func:`arxiv_radar.store.feedback.token_hash`), looked up by an index.

A profile has at most one owner; removing a reader removes their ownerships (their
feedback stays with the profile, as the CLI's does).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from ..errors import UsageError
from .feedback import new_token, token_hash
from .tables import reader_profiles, readers

__all__ = ["ProfileOwnedError", "Reader", "ReaderExistsError", "ReaderTokens", "ReadersState"]


@dataclass(frozen=True)
class Reader:
    """A reader of a shared server: their name and the profiles they own (oldest first)."""

    name: str
    profiles: tuple[str, ...]
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True)
class ReaderTokens:
    """A reader's secrets, as made: shown once, never stored."""

    name: str
    api_token: str
    feed_token: str

    @property
    def feeds(self) -> dict[str, str]:
        """The reader's feed paths from a server's root, by kind (``rss``, ``atom``, ``json``)."""
        return {
            "rss": f"/u/{self.feed_token}/rss",
            "atom": f"/u/{self.feed_token}/atom",
            "json": f"/u/{self.feed_token}/feed.json",
        }


@dataclass(frozen=True)
class ReadersState:
    """A fingerprint of the readers: it changes when one is added, removed, given new tokens
    or a profile (a server re-reads its token index when it does)."""

    count: int
    updated: dt.datetime | None
    ownerships: int


class ReaderExistsError(UsageError):
    """The name is taken."""


class ProfileOwnedError(UsageError):
    """The profile belongs to another reader."""


NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
"""A reader's name: a letter or digit, then up to 63 letters, digits, ``.``, ``_`` or ``-``."""


def check_name(name: str) -> str:
    """``name`` when it is a good reader name, else a :class:`UsageError` saying why."""
    if not NAME.fullmatch(name):
        raise UsageError(
            f"'{name}' is not a reader name: use 1 to 64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def add(conn: Connection, name: str, profiles: Sequence[str], now: dt.datetime) -> ReaderTokens:
    """A new reader owning ``profiles``, with new tokens."""
    check_name(name)
    if conn.execute(select(readers.c.name).where(readers.c.name == name)).first() is not None:
        raise ReaderExistsError(
            f"there is a reader '{name}' already (arxiv-radar users token {name} gives them "
            "new tokens)"
        )
    tokens = ReaderTokens(name, new_token(), new_token())
    conn.execute(
        insert(readers).values(
            name=name,
            token_hash=token_hash(tokens.api_token),
            feed_token_hash=token_hash(tokens.feed_token),
            created_at=now,
            updated_at=now,
        )
    )
    for profile in dict.fromkeys(profiles):
        grant(conn, name, profile, now)
    return tokens


def grant(conn: Connection, name: str, profile: str, now: dt.datetime) -> bool:
    """Give ``profile`` to reader ``name``; False when they own it already."""
    held_by = owner(conn, profile)
    if held_by == name:
        return False
    if held_by is not None:
        raise ProfileOwnedError(f"profile '{profile}' belongs to reader '{held_by}'")
    last = conn.execute(
        select(func.max(reader_profiles.c.position)).where(reader_profiles.c.reader == name)
    ).scalar_one()
    conn.execute(
        insert(reader_profiles).values(
            profile=profile, reader=name, position=(last or 0) + 1, added_at=now
        )
    )
    conn.execute(update(readers).where(readers.c.name == name).values(updated_at=now))
    return True


def new_tokens(conn: Connection, name: str, now: dt.datetime) -> ReaderTokens | None:
    """New tokens for ``name`` (the old ones stop working); None: no such reader."""
    tokens = ReaderTokens(name, new_token(), new_token())
    done = conn.execute(
        update(readers)
        .where(readers.c.name == name)
        .values(
            token_hash=token_hash(tokens.api_token),
            feed_token_hash=token_hash(tokens.feed_token),
            updated_at=now,
        )
    )
    return tokens if done.rowcount else None


def remove(conn: Connection, name: str) -> bool:
    """Forget reader ``name`` and their ownerships; False when there was none."""
    conn.execute(delete(reader_profiles).where(reader_profiles.c.reader == name))
    return bool(conn.execute(delete(readers).where(readers.c.name == name)).rowcount)


def load(conn: Connection, name: str | None = None) -> list[Reader]:
    """Every reader (or the one named), by name."""
    query = select(readers).order_by(readers.c.name)
    owned = select(reader_profiles).order_by(reader_profiles.c.reader, reader_profiles.c.position)
    if name is not None:
        query = query.where(readers.c.name == name)
        owned = owned.where(reader_profiles.c.reader == name)
    profiles: dict[str, list[str]] = {}
    for row in conn.execute(owned):
        profiles.setdefault(row.reader, []).append(row.profile)
    return [
        Reader(row.name, tuple(profiles.get(row.name, ())), row.created_at, row.updated_at)
        for row in conn.execute(query)
    ]


def owner(conn: Connection, profile: str) -> str | None:
    """The reader who owns ``profile``, or None."""
    return conn.execute(
        select(reader_profiles.c.reader).where(reader_profiles.c.profile == profile)
    ).scalar_one_or_none()


def edits(conn: Connection, profile: str | None = None) -> dict[str, dict[str, Any]]:
    """The settings readers changed, by profile (or of ``profile`` alone): only profiles with
    changes."""
    query = select(reader_profiles.c.profile, reader_profiles.c.settings).where(
        reader_profiles.c.settings.is_not(None)
    )
    if profile is not None:
        query = query.where(reader_profiles.c.profile == profile)
    return {row.profile: dict(row.settings) for row in conn.execute(query) if row.settings}


def save_edits(
    conn: Connection, profile: str, settings: Mapping[str, Any], now: dt.datetime
) -> bool:
    """Keep ``settings`` as the owner's changes to ``profile`` (replacing the former ones;
    empty: none); False when no reader owns it."""
    held_by = owner(conn, profile)
    if held_by is None:
        return False
    conn.execute(
        update(reader_profiles)
        .where(reader_profiles.c.profile == profile)
        .values(settings=dict(settings) or None)
    )
    conn.execute(update(readers).where(readers.c.name == held_by).values(updated_at=now))
    return True


def token_index(conn: Connection) -> tuple[dict[str, str], dict[str, str]]:
    """(API token hash -> reader name, feed token hash -> reader name), for every reader."""
    api: dict[str, str] = {}
    feed: dict[str, str] = {}
    for row in conn.execute(
        select(readers.c.name, readers.c.token_hash, readers.c.feed_token_hash)
    ):
        api[row.token_hash] = row.name
        feed[row.feed_token_hash] = row.name
    return api, feed


def state(conn: Connection) -> ReadersState:
    """The readers' fingerprint (see :class:`ReadersState`)."""
    count, updated = conn.execute(select(func.count(), func.max(readers.c.updated_at))).one()
    ownerships = conn.execute(select(func.count()).select_from(reader_profiles)).scalar_one()
    return ReadersState(int(count), updated, int(ownerships))
