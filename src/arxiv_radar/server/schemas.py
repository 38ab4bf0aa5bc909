"""The JSON API's schemas (OpenAPI): separate from the store's rows and the pipeline's models.

A paper is the shape of ``exports/digest.json`` (:func:`arxiv_radar.publish.exports.
digest_to_dict`) plus its full score explanation; every document is validated against
these models when it is rendered, so the OpenAPI description cannot drift from the answers.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AnnouncementOut",
    "ExplanationOut",
    "HealthOut",
    "MatchOut",
    "PaperDetail",
    "PaperOut",
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


class MatchOut(BaseModel):
    model_config = _STRICT

    rule: str | None
    kind: str
    where: str
    text: str | None
    weight: float
    points: float


class SectionOut(BaseModel):
    model_config = _STRICT

    number: int
    title: str | None
    body: str


class SummaryOut(BaseModel):
    """A summary: sanitized Markdown and HTML (safe to insert), its sections and TL;DR."""

    model_config = _STRICT

    model: str | None
    extractive: bool = Field(description="Sentences from the abstract, not a model's text.")
    status: Literal["ok", "incomplete"]
    language: Literal["zh", "en"]
    tldr: str | None
    sections: list[SectionOut]
    missing_sections: list[int]
    markdown: str
    html: str


class ExplanationOut(BaseModel):
    """Why the paper scored what it did, component by component."""

    model_config = _STRICT

    mode: Literal["keywords", "legacy"]
    total: float
    keywords: float
    title_bonus: float
    authors: float
    categories: float
    semantic: float | None
    kept: bool = Field(description="False when the profile's filters dropped the paper.")
    dropped: str | None
    reason: str | None
    text: str = Field(description='One line: "LLM (title \\"LLMs\\") 1.5 + ... = 2.5".')


class PaperOut(BaseModel):
    """A ranked paper of a day, as in ``exports/digest.json``, with its explanation."""

    model_config = _STRICT

    rank: int | None = Field(description="1 is the best; null when not in the day's digest.")
    arxiv_id: str
    version: int
    versioned_id: str
    title: str | None
    authors: list[str | None]
    categories: list[str]
    primary_category: str | None
    announce_type: Literal["new", "cross", "replace", "replace-cross"] | None
    score: float | None
    matches: list[MatchOut]
    abstract: str | None
    comment: str | None
    journal_ref: str | None
    doi: str | None
    published: str | None
    updated: str | None
    url: str
    pdf_url: str
    summary: SummaryOut | None
    explanation: ExplanationOut | None


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
    papers: list[PaperOut]


class AnnouncementOut(BaseModel):
    model_config = _STRICT

    announced_on: dt.date
    announce_type: Literal["new", "cross", "replace", "replace-cross"]
    version: int
    feed: str


class PaperDetail(PaperOut):
    """One paper: its latest version, every announcement, and its ranking on its latest day."""

    announced_on: dt.date | None = Field(description="The day it is ranked for (its latest).")
    announcements: list[AnnouncementOut]


class RunOut(BaseModel):
    """One recorded run (``runs`` table)."""

    model_config = _STRICT

    id: int
    kind: str
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    announced_on: dt.date | None
    counts: dict[str, int]
    errors: list[str]


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
