"""Reading and writing ``publications``: which announcement day was published, for which
profile, into which folder, with how many papers and files, and when."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, Connection, insert, or_, select

from .tables import publications


class Publication(BaseModel):
    """One publication of a digest, as stored.

    ``profile``, ``output``, ``output_resolved`` and ``files`` are None for publications
    recorded before the store kept them (converted from the old ``publish`` runs).
    ``output`` is the folder as it was given, ``output_resolved`` its absolute path, and
    ``files`` the files written, relative to it.
    """

    model_config = ConfigDict(frozen=True)

    id: int
    announced_on: dt.date
    profile: str | None = None
    output: str | None = None
    output_resolved: str | None = None
    papers: int
    files: tuple[str, ...] | None = None
    published_at: dt.datetime


def record(
    conn: Connection,
    *,
    announced_on: dt.date,
    profile: str,
    output: str | None,
    output_resolved: str | None,
    papers: int,
    files: Sequence[str],
    published_at: dt.datetime,
) -> Publication:
    """Insert one publication and return it as stored."""
    if papers < 0:
        raise ValueError(f"a publication shows zero papers or more, not {papers}")
    values = {
        "announced_on": announced_on,
        "profile": profile,
        "output": output,
        "output_resolved": output_resolved,
        "papers": papers,
        "files": [str(name) for name in files],
        "published_at": published_at,
    }
    key = conn.execute(insert(publications).values(values)).inserted_primary_key
    return Publication.model_validate({"id": int(key[0]) if key is not None else 0, **values})


def _of_profile(profile: str | None) -> ColumnElement[bool] | None:
    """Rows of ``profile``, counting those whose profile was never recorded (None: all)."""
    if profile is None:
        return None
    return or_(publications.c.profile == profile, publications.c.profile.is_(None))


def load(
    conn: Connection, profile: str | None, limit: int | None, day: dt.date | None = None
) -> list[Publication]:
    """Publications (of ``profile``; of ``day``), newest first."""
    query = select(publications).order_by(
        publications.c.published_at.desc(), publications.c.id.desc()
    )
    where = _of_profile(profile)
    if where is not None:
        query = query.where(where)
    if day is not None:
        query = query.where(publications.c.announced_on == day)
    if limit is not None:
        query = query.limit(limit)
    return [
        Publication(
            id=row.id,
            announced_on=row.announced_on,
            profile=row.profile,
            output=row.output,
            output_resolved=row.output_resolved,
            papers=row.papers,
            files=None if row.files is None else tuple(row.files),
            published_at=row.published_at,
        )
        for row in conn.execute(query)
    ]


def days(conn: Connection, profile: str | None, exclude: Collection[str] = ()) -> set[dt.date]:
    """The announcement days with a publication (of ``profile``; of no profile in
    ``exclude``)."""
    query = select(publications.c.announced_on).distinct()
    where = _of_profile(profile)
    if where is not None:
        query = query.where(where)
    if exclude:
        query = query.where(
            or_(publications.c.profile.is_(None), publications.c.profile.not_in(list(exclude)))
        )
    return set(conn.scalars(query))
