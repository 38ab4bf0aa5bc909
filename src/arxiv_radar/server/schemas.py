"""The JSON API's documents (OpenAPI): pages, details, runs, health and problems.

A paper, its summary, its explanation and a run are the one JSON shape of each
(:mod:`arxiv_radar.schemas`), the same as in ``exports/digest.json``, ``site/data.json`` and
the CLI's ``--json``; this module adds only what the API wraps them in. Every answer is
validated against these models, so the OpenAPI description cannot drift from the answers.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from arxiv_radar.schemas import (
    AnnouncementOut,
    DigestPaperOut,
    ExplanationOut,
    MatchOut,
    RunOut,
    SectionOut,
    SummaryOut,
)

__all__ = [
    "AnnouncementOut",
    "DigestPaperOut",
    "ExplanationOut",
    "HealthOut",
    "MatchOut",
    "PaperDetail",
    "PapersPage",
    "Problem",
    "RefreshOut",
    "RunOut",
    "RunsOut",
    "SectionOut",
    "SummaryOut",
]

_STRICT = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """An error: what went wrong, in words."""

    detail: str | list[dict[str, object]]


class PapersPage(BaseModel):
    """One page of a day's ranked papers (filtered), best first."""

    model_config = _STRICT

    announced_on: dt.date
    profile: str
    generated_at: str | None
    counts: dict[str, int] = Field(
        description="announced (that day), matched (kept by the profile), shown (the digest)."
    )
    total: int = Field(description="Papers of the digest the filters keep.")
    offset: int
    limit: int
    next_offset: int | None = Field(description="The offset of the next page, if any.")
    papers: list[DigestPaperOut]


class PaperDetail(DigestPaperOut):
    """One paper: its latest version, every announcement, and its ranking on its latest day."""

    announced_on: dt.date | None = Field(description="The day it is ranked for (its latest).")
    announcements: list[AnnouncementOut]


class RunsOut(BaseModel):
    model_config = _STRICT

    runs: list[RunOut]


class HealthOut(BaseModel):
    """Whether the store answers, and how old the last successful run is."""

    model_config = _STRICT

    status: Literal["ok", "stale", "unavailable"]
    store: str = Field(description='"ok", or why the store cannot be read.')
    latest_announcement: dt.date | None
    last_successful_run: RunOut | None
    last_run_age_seconds: float | None
    read_only: bool
    scheduler: str | None = Field(description="The schedule, when this process runs one.")


class RefreshOut(BaseModel):
    """The in-process run started by ``POST /admin/refresh``."""

    model_config = _STRICT

    running: bool
    message: str
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    status: str | None = Field(default=None, description="The last run's status, once done.")
    announced_on: dt.date | None = None
    error: str | None = None


class UserIn(BaseModel):
    """A new reader and the profiles they own."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
        examples=["ada"],
    )
    profiles: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="Profiles of the configuration; none may belong to another reader.",
    )


class UserOut(BaseModel):
    """A reader: their name, their profiles, when they were made and last changed."""

    model_config = ConfigDict(extra="forbid")

    name: str
    profiles: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime


class UsersOut(BaseModel):
    """Every reader, by name."""

    model_config = ConfigDict(extra="forbid")

    users: list[UserOut]


class UserTokensOut(BaseModel):
    """A reader's new tokens, shown this once (only their hashes are stored)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    profiles: list[str]
    api_token: str = Field(description="For Authorization: Bearer (/api/me, /api/feedback).")
    feed_token: str = Field(description="The secret part of the reader's feed URLs.")
    feeds: dict[str, str] = Field(
        description="The reader's feed paths, from the server's root (rss, atom, json)."
    )
