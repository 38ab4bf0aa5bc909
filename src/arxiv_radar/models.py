"""The models: typed domain values shared by every stage of the pipeline.

These are plain immutable values: stages receive them and return new ones.
Store rows and API schemas are separate from them (see ``store/``).

Long on purpose: one module holds every value the stages hand each other, so that each is
defined once.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class AnnounceType(StrEnum):
    """How a paper appears in a day's listing (rss.arxiv.org's ``announce_type``)."""

    NEW = "new"
    CROSS = "cross"
    REPLACE = "replace"
    REPLACE_CROSS = "replace-cross"

    @property
    def priority(self) -> int:
        """Lower is stronger: arXiv lists a paper once a day, new > cross > replace."""
        return _PRIORITY[self]

    def stronger(self, other: AnnounceType) -> AnnounceType:
        """The more significant of two announce types of one paper on one day."""
        return self if self.priority <= other.priority else other


_PRIORITY = {
    AnnounceType.NEW: 0,
    AnnounceType.CROSS: 1,
    AnnounceType.REPLACE: 2,
    AnnounceType.REPLACE_CROSS: 3,
}


class Paper(BaseModel):
    """One arXiv paper at one version, as read from any arXiv interface.

    ``arxiv_id`` is normalised and carries no version (``2401.01234``,
    ``hep-th/9901001``); ``version`` is the version this record describes.
    Fields an interface does not provide are ``None`` or empty.
    """

    model_config = ConfigDict(frozen=True)

    arxiv_id: str
    version: int = Field(ge=1)
    title: str
    abstract: str = ""
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    primary_category: str | None = None
    published: dt.datetime | None = None  # submission of v1
    updated: dt.datetime | None = None  # submission of this version
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    license: str | None = None

    @property
    def versioned_id(self) -> str:
        return f"{self.arxiv_id}v{self.version}"


class Announcement(BaseModel):
    """A paper listed on one announcement day by one source.

    ``feed`` names the source that saw it: ``rss`` (the daily listing feed),
    ``api`` (derived from an export API look-up) or ``oai`` (an OAI-PMH harvest).
    """

    model_config = ConfigDict(frozen=True)

    arxiv_id: str
    version: int = Field(ge=1)
    announced_on: dt.date
    announce_type: AnnounceType
    feed: str = "rss"


class ListingEntry(BaseModel):
    """A paper and its announcement, as one item of a listing."""

    model_config = ConfigDict(frozen=True)

    paper: Paper
    announcement: Announcement


class SkippedItem(BaseModel):
    """An item a parser could not use, and why (reported, never silently dropped)."""

    model_config = ConfigDict(frozen=True)

    reason: str
    identifier: str | None = None


class Listing(BaseModel):
    """What one read of a listing feed produced.

    ``announced_on`` is ``None`` for an empty feed that names no date.
    ``not_modified`` is true when arXiv answered 304 to a conditional request.
    """

    model_config = ConfigDict(frozen=True)

    announced_on: dt.date | None
    entries: tuple[ListingEntry, ...] = ()
    skipped: tuple[SkippedItem, ...] = ()
    not_modified: bool = False

    @property
    def is_empty(self) -> bool:
        return not self.entries


class StoredPaper(BaseModel):
    """A paper as the store knows it: its latest version and every announcement."""

    model_config = ConfigDict(frozen=True)

    paper: Paper
    announcements: tuple[Announcement, ...] = ()
    first_seen_at: dt.datetime | None = None


class IngestCounts(BaseModel):
    """What writing papers and announcements into the store changed."""

    papers_inserted: int = 0
    papers_updated: int = 0
    papers_unchanged: int = 0
    announcements_inserted: int = 0
    announcements_updated: int = 0
    announcements_unchanged: int = 0

    def __add__(self, other: IngestCounts) -> IngestCounts:
        return IngestCounts(
            **{name: getattr(self, name) + getattr(other, name) for name in type(self).model_fields}
        )


MatchKind = Literal["keyword", "exclude", "required", "author", "category"]
MatchPlace = Literal["title", "abstract", "author", "category"]
DropReason = Literal["announce_type", "excluded", "no_required", "no_match", "below_min_score"]


class Match(BaseModel):
    """One thing found in a paper that counted for it (or against it).

    ``rule`` is the keyword, author or category as the profile names it (a regex rule by
    its label); ``text`` is what matched, exactly as the paper writes it; ``points`` is
    what this match added to the score (0 for exclude and required rules, and for a
    keyword's abstract match when the title already earned its points). ``merged`` lists
    duplicate spellings of the rule that were merged into it and counted once.
    """

    model_config = ConfigDict(frozen=True)

    rule: str
    kind: MatchKind
    where: MatchPlace
    text: str
    weight: float = 0.0
    points: float = 0.0
    merged: tuple[str, ...] = ()


class Rerank(BaseModel):
    """An LLM's judgement of a paper for a profile (the optional rerank, docs/relevance.md):
    ``relevance`` from 0 to 10, a one-line ``reason`` (sanitized, still untrusted) and the
    ``model`` (``provider:model``) that judged."""

    model_config = ConfigDict(frozen=True)

    relevance: int = Field(ge=0, le=10)
    reason: str | None = None
    model: str


class Explanation(BaseModel):
    """Why a paper got its score, component by component, and why it was dropped if it was.

    ``total`` is ``keywords + title_bonus + authors + categories + semantic + expansion +
    feedback``: the matches' points, plus in ``hybrid`` mode the points of the paper's
    similarity to the profile (``semantic``), of its similarity to the average of the day's
    papers ranked first (``expansion``) and of the model of the reader's feedback
    (``feedback``); in ``semantic`` mode it is the similarity plus the expansion.
    ``similarity`` is the cosine similarity to the profile's nearest anchor, ``nearest`` that
    anchor (an interest, the keywords, a seed paper or a library entry, ``nearest_kind`` says
    which). ``dropped`` is ``None`` for a paper that stays in the ranking;
    ``reason`` says why in words. ``rerank``: the LLM's judgement when the profile's top
    ``rerank`` papers were reordered by it (absent from JSON otherwise).
    """

    model_config = ConfigDict(frozen=True)

    mode: Literal["keywords", "legacy", "semantic", "hybrid"]
    matches: tuple[Match, ...] = ()
    keywords: float = 0.0
    title_bonus: float = 0.0
    authors: float = 0.0
    categories: float = 0.0
    semantic: float | None = None
    feedback: float | None = None
    similarity: float | None = None
    nearest: str | None = None
    nearest_kind: Literal["interest", "keywords", "seed", "library", "feedback"] | None = None
    expansion: float | None = None
    total: float = 0.0
    dropped: DropReason | None = None
    reason: str | None = None
    rerank: Rerank | None = Field(default=None, exclude_if=lambda value: value is None)

    @property
    def kept(self) -> bool:
        return self.dropped is None

    def brief(self) -> str | None:
        """Why a paper ranked by meaning is there, in one short line for a digest's reader:
        the keywords that matched and the anchor it is nearest to (None: not ranked by
        meaning)."""
        if self.similarity is None:
            return None
        parts = []
        rules = list(dict.fromkeys(m.rule for m in self.matches if m.points > 0))
        if rules:
            shown = ", ".join(rules[:4]) + (f" and {len(rules) - 4} more" if len(rules) > 4 else "")
            parts.append(f"keywords {shown}")
        nearest = self.nearest or ""
        if len(nearest) > 90:
            nearest = nearest[:90].rsplit(" ", 1)[0].rstrip(" ,.:;") + "…"
        parts.append(f'similarity {self.similarity:.2f} to {self.nearest_kind} "{nearest}"')
        if self.feedback is not None:
            parts.append(f"feedback model {self.feedback:+.1f}")
        return "; ".join(parts)

    def describe(self) -> str:
        """One line for people: ``LLM (title "LLMs") 1.5 + ... = 2.5``, or why it was dropped."""
        parts = [f'{m.rule} ({m.where} "{m.text}") {m.points:g}' for m in self.matches if m.points]
        if self.similarity is not None:
            near = f' to {self.nearest_kind} "{self.nearest}"' if self.nearest else ""
            shown = self.semantic if self.mode == "hybrid" else self.similarity
            parts.append(f"similarity {self.similarity:g}{near} {shown:g}")
        if self.expansion is not None:
            parts.append(f"expansion {self.expansion:g}")
        if self.feedback is not None:
            parts.append(f"feedback model {self.feedback:g}")
        text = f"{' + '.join(parts) or '0'} = {self.total:g}"
        if self.rerank is not None:
            why = f": {self.rerank.reason}" if self.rerank.reason else ""
            text += f"; LLM relevance {self.rerank.relevance}/10{why}"
        return f"dropped: {self.reason} [{text}]" if self.reason else text


class RankedPaper(BaseModel):
    """A paper in a profile's ranking: its place (1 is the best), score and explanation."""

    model_config = ConfigDict(frozen=True)

    rank: int = Field(ge=1)
    paper: Paper
    announce_type: AnnounceType
    score: float
    explanation: Explanation


class SummaryStatus(StrEnum):
    """``ok``: every section present; ``incomplete``: kept but flagged (sections missing);
    ``failed``: no usable answer (the error says why; retried on the next run)."""

    OK = "ok"
    INCOMPLETE = "incomplete"
    FAILED = "failed"


class SummarySection(BaseModel):
    """One numbered section of a structured summary (1 to 4)."""

    model_config = ConfigDict(frozen=True)

    number: int = Field(ge=1, le=4)
    title: str
    body: str


class SummaryKey(BaseModel):
    """What a summary is cached by: never pay twice for the same paper, model and prompt."""

    model_config = ConfigDict(frozen=True)

    arxiv_id: str
    version: int = Field(ge=1)
    provider: str  # "dashscope:qwen-long", "openai-compatible:smollm2", "extractive"
    prompt_hash: str
    input_mode: Literal["abstract", "fulltext", "upload"]
    language: Literal["zh", "en"]


class Summary(BaseModel):
    """A paper's summary: sanitized Markdown, its parsed sections and TL;DR, and its cost.

    ``extractive`` summaries are sentences chosen from the abstract, not written by a
    model, and are labelled so wherever they are shown.
    """

    model_config = ConfigDict(frozen=True)

    key: SummaryKey
    model: str
    markdown: str = ""
    tldr: str | None = None
    sections: tuple[SummarySection, ...] = ()
    missing_sections: tuple[int, ...] = ()
    extractive: bool = False
    status: SummaryStatus = SummaryStatus.OK
    error: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    created_at: dt.datetime | None = None


class DigestEntry(BaseModel):
    """One paper as published: its ranking and, when it has one, its summary."""

    model_config = ConfigDict(frozen=True)

    ranked: RankedPaper
    summary: Summary | None = None


class Digest(BaseModel):
    """What one announcement day publishes for one profile: every output renders this.

    ``papers_announced`` counts the day's papers in the store, ``papers_matched`` those the
    ranking kept, and ``entries`` the ones shown (at most the profile's ``max_papers``).
    ``schedule`` is the cron expression the daily run uses, in ``timezone``. ``notice``:
    one paragraph of plain text every page shows above the papers (``arxiv-radar demo`` says
    there what its day is), or None.
    All text in it came from arXiv or an LLM and is untrusted: renderers escape it.
    """

    model_config = ConfigDict(frozen=True)

    announced_on: dt.date
    generated_at: dt.datetime  # UTC
    profile: str = "default"
    title: str
    description: str = ""
    base_url: str | None = None
    categories: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    schedule: str = ""
    timezone: str = "UTC"
    papers_announced: int = 0
    papers_matched: int = 0
    entries: tuple[DigestEntry, ...] = ()
    notice: str | None = None


class StageReport(BaseModel):
    """One stage of a run: how it ended, how long it took, what it counted."""

    model_config = ConfigDict(frozen=True)

    name: Literal["fetch", "embed", "rank", "summarize", "readers", "publish", "notify"]
    status: Literal["ok", "skipped", "failed"] = "ok"
    seconds: float = 0.0
    counts: dict[str, int | float | str | None] = Field(default_factory=dict)
    note: str | None = None


class RunReport(BaseModel):
    """What one ``arxiv-radar run`` did, saved as ``reports/run-<date>.json``.

    ``status``: ``ok``; ``empty`` (no announcement: nothing new published); ``dry-run``
    (nothing written, no model called); ``failed`` (the last good outputs were left as
    they were; ``errors`` says why). Assembled once, when the run ends, from the frozen
    results of its stages (``arxiv_radar.pipeline``).
    """

    model_config = ConfigDict(frozen=True)

    status: Literal["ok", "empty", "dry-run", "failed"] = "ok"
    announced_on: dt.date | None = None
    profile: str = "default"
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    seconds: float = 0.0
    papers_announced: int = 0
    papers_matched: int = 0
    papers_shown: int = 0
    summaries_made: int = 0
    summary_calls: int = 0
    summary_cache_hits: int = 0
    summary_failures: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    currency: str | None = None
    stages: tuple[StageReport, ...] = ()
    outputs: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
